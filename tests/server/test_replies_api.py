"""Asking through the REST API: the server streams the reply into the store; the browser follows through events.

The server's responder reaches the tests' OpenAI-compatible server on loopback through the real
``openai`` SDK (no model can run here; see tests/openai_server.py), configured from the environment.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from openai_server import API_KEY, Failure, Reply

pytestmark = pytest.mark.usefixtures("jp_serverapp", "model_server")


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    """The suite's server, with the responder's options set in the server's config as a deployment would."""
    return {**jp_server_config, "OpenAIResponder": {"system_prompt": "You are set up by the server."}}


async def new_session(api) -> str:
    return (await api("POST", "sessions", {"title": "asking"})).data["id"]


async def message(api, session_id: str, message_id: str) -> dict[str, Any]:
    reply = await api("GET", f"sessions/{session_id}/messages/{message_id}")
    assert reply.status == 200, reply.data
    return reply.data


async def test_asking_stores_the_question_and_answers_202_with_the_run_at_once(api, model_server):
    session_id = await new_session(api)
    pending = model_server.then(Reply(["Pass dropna=False."], pause_after=0))
    started = await api("POST", f"sessions/{session_id}/replies", {"content": "Why does groupby drop NaN keys?"})
    assert started.status == 202
    run = started.data
    assert (run["session_id"], run["status"]) == (session_id, "streaming")
    assert started.headers["Location"].endswith(f"/codex/api/sessions/{session_id}/replies/{run['run_id']}")
    question = await message(api, session_id, run["question_id"])
    assert (question["role"], question["content"]) == ("user", "Why does groupby drop NaN keys?")
    assert (await message(api, session_id, run["message_id"]))["status"] == "streaming"
    pending.resume()


async def test_the_reply_grows_through_message_updated_events_and_reads_of_the_message(api, model_server, subscribe):
    session_id, next_event = await new_session(api), await subscribe()
    pending = model_server.then(Reply(["Pass ", "dropna=False", " to keep them."], pause_after=2))
    run = (await api("POST", f"sessions/{session_id}/replies", {"content": "Why?"})).data
    seen: list[str] = []
    while not seen or seen[-1] != "Pass dropna=False":
        event = await next_event(lambda e: e["kind"] == "message_updated")
        fields = {name: event[name] for name in ("kind", "session_id", "message_id", "scope", "external")}
        assert fields == {
            "kind": "message_updated",
            "session_id": session_id,
            "message_id": run["message_id"],
            "scope": None,
            "external": False,
        }
        assert set(event) - set(fields) <= {"schema_id", "version", "timestamp"}  # ids only: everyone receives it
        seen.append((await message(api, session_id, run["message_id"]))["content"])
    pending.resume()
    while (stored := await message(api, session_id, run["message_id"])).get("status") == "streaming":
        await next_event(lambda e: e["message_id"] == run["message_id"])
    assert stored["content"] == "Pass dropna=False to keep them." and "status" not in stored  # complete
    assert (await api("GET", f"sessions/{session_id}/replies/{run['run_id']}")).data["status"] == "complete"
    assert model_server.requests[0].body["messages"] == [
        {"role": "system", "content": "You are set up by the server."},
        {"role": "user", "content": "Why?"},
    ]


async def test_delete_stops_the_reply_and_it_is_stored_cancelled_with_what_came(api, model_server, subscribe):
    session_id, next_event = await new_session(api), await subscribe()
    model_server.then(Reply(["Half ", "an answer", " and more"], pause_after=2))
    run = (await api("POST", f"sessions/{session_id}/replies", {"content": "Everything?"})).data
    while (await message(api, session_id, run["message_id"]))["content"] != "Half an answer":
        await next_event(lambda e: e["kind"] == "message_updated")
    stopped = await api("DELETE", f"sessions/{session_id}/replies/{run['run_id']}")
    assert (stopped.status, stopped.data["status"]) == (200, "cancelled")
    stored = await message(api, session_id, run["message_id"])
    assert (stored["content"], stored["status"]) == ("Half an answer", "cancelled")


async def test_context_cells_are_stored_below_the_question(api, model_server):
    session_id = await new_session(api)
    model_server.then(Reply(["It is 42."]))
    context = [{"source": "x = 41 + 1\nx", "output": "42", "label": "active cell"}]
    run = (await api("POST", f"sessions/{session_id}/replies", {"content": "What is x?", "context": context})).data
    question = await message(api, session_id, run["question_id"])
    assert question["content"].startswith("What is x?\n\n**Context from the notebook** (1 cell)\n\n`active cell`\n")
    assert "```python\nx = 41 + 1\nx\n```\nOutput:\n```text\n42\n```" in question["content"]


async def test_with_no_model_set_up_asking_is_503_saying_what_to_set_and_stores_nothing(api, monkeypatch):
    monkeypatch.delenv("CODEX_JUPYTER_MODEL")
    session_id = await new_session(api)
    refused = await api("POST", f"sessions/{session_id}/replies", {"content": "Hello?"})
    assert refused.status == 503
    assert refused.data["message"] == (
        "no model is set up to answer: set $CODEX_JUPYTER_MODEL (or c.OpenAIResponder.model) to the model's name"
    )
    assert (await api("GET", f"sessions/{session_id}")).data["message_count"] == 0


@pytest.mark.parametrize(
    ("body", "fault"),
    [
        ({}, "missing field(s) 'content'"),
        ({"content": ""}, "field 'content' must be a non-empty string"),
        ({"content": "Q", "context": "x = 1"}, "'context' must be a list of cells"),
        ({"content": "Q", "context": [{"code": "x"}]}, "unknown context cell field(s) 'code'"),
        ({"content": "Q", "role": "user"}, "unknown field(s) 'role'"),
    ],
)
async def test_a_bad_question_is_400_naming_the_fault_and_stores_nothing(api, body, fault):
    session_id = await new_session(api)
    refused = await api("POST", f"sessions/{session_id}/replies", body)
    assert (refused.status, fault in refused.data["message"]) == (400, True), refused.data
    assert (await api("GET", f"sessions/{session_id}")).data["message_count"] == 0


async def test_asking_in_an_unknown_session_is_404(api):
    assert (await api("POST", "sessions/no-such-session/replies", {"content": "Q"})).status == 404


async def test_an_unknown_run_or_message_is_404(api):
    session_id = await new_session(api)
    for verb, path in (("GET", "replies/nope"), ("DELETE", "replies/nope"), ("GET", "messages/nope")):
        assert (await api(verb, f"sessions/{session_id}/{path}")).status == 404


async def test_the_api_key_never_reaches_the_browser(api, model_server, subscribe):
    session_id, next_event = await new_session(api), await subscribe()
    model_server.then(Failure(401, "Incorrect API key provided", echo_key=True))
    run = (await api("POST", f"sessions/{session_id}/replies", {"content": "Is my key safe?"})).data
    events = []
    while (stored := await message(api, session_id, run["message_id"])).get("status") == "streaming":
        events.append(await next_event(lambda e: e["message_id"] == run["message_id"]))
    ended = await api("GET", f"sessions/{session_id}/replies/{run['run_id']}")
    assert "refused the API key (HTTP 401)" in ended.data["error"] == stored["error"]
    assert API_KEY in str(model_server.requests[0].headers)  # the server did send it, and the 401 quoted it
    assert API_KEY not in json.dumps([ended.data, stored, events])
