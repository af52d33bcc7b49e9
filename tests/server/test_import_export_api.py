"""``POST /codex/api/import`` and ``GET /codex/api/sessions/{id}/export`` through a real jupyter-server.

Every answer is checked against ``openapi.yaml`` by the ``api`` client (see conftest.py).
"""

from __future__ import annotations

import json
from urllib.parse import unquote

import pytest
from chat_files import load_chat, make_chat

from codex_jupyter import ChatMessage, ChatSession
from codex_jupyter.formats import write
from codex_jupyter.models import new_id, utc_now

pytestmark = pytest.mark.usefixtures("jp_serverapp")


@pytest.fixture(params=["workspace-file", "memory"])
def jp_server_config(request, workspace_file):
    """The server on each store it can keep: its workspace file, or memory."""
    location = str(workspace_file) if request.param == "workspace-file" else ":memory:"
    return {
        "ServerApp": {"jpserver_extensions": {"codex_jupyter": True}},
        "CodexJupyter": {"workspace_file": location, "poll_interval": 0.05, "max_body_bytes": 64 * 1024},
    }


async def post_import(api, body, **params):
    raw = body if isinstance(body, bytes) else body.encode()
    return await api("POST", "import", raw=raw, params=params or None)


async def test_importing_a_chat_file_creates_a_session_with_its_roles_and_reports_it(api):
    chat = make_chat()
    reply = await post_import(api, chat.get(), name="groupby.chat")
    assert reply.status == 201
    [imported] = reply.data["sessions"]
    assert (reply.data["format"], reply.data["skipped_messages"]) == ("chat", 1)
    assert (imported["id"], imported["title"], imported["message_count"]) == (chat.get_id(), "groupby", 3)
    session = await api("GET", f"sessions/{imported['id']}")
    assert [m["role"] for m in session.data["messages"]] == ["user", "assistant", "user"]


async def test_importing_a_json_export_twice_keeps_the_ids_the_first_time_only(api):
    session = ChatSession(new_id(), [ChatMessage(new_id(), "user", "hi", utc_now())])
    body = write([session], "json")
    first, second = await post_import(api, body), await post_import(api, body)
    assert [(s["id"], s["new_message_ids"]) for s in first.data["sessions"]] == [(session.id, 0)]
    [again] = second.data["sessions"]
    assert again["id"] != session.id and again["original_id"] == session.id and again["new_message_ids"] == 1
    assert (await api("GET", "sessions")).data["total"] == 2


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ("not json", "not JSON"),
        ('{"cells": []}', "neither a codex-jupyter JSON export"),
        ('{"messages": [{"id": "x", "sender": "a", "time": 1.0}], "users": {}}', "message 0 has no 'body'"),
        ('{"messages": [{"id": "x", "sender": "a", "body": "hi"}], "users": {}}', "message 0 has no 'time'"),
    ],
)
async def test_a_bad_file_is_400_naming_what_is_wrong_and_imports_nothing(api, body, named):
    reply = await post_import(api, body)
    assert reply.status == 400
    assert named in reply.data["message"]
    assert (await api("GET", "sessions")).data["total"] == 0


async def test_a_file_over_the_size_limit_is_413_and_imports_nothing(api):
    session = ChatSession(new_id(), [ChatMessage(new_id(), "user", "x" * 70_000, utc_now())])
    reply = await post_import(api, write([session], "json"))
    assert reply.status == 413
    assert "over the limit of 65536 bytes" in reply.data["message"]
    assert (await api("GET", "sessions")).data["total"] == 0


async def test_an_imported_session_is_announced_as_created(api, subscribe):
    next_event = await subscribe()
    reply = await post_import(api, make_chat().get(), name="groupby.chat")
    event = await next_event(lambda e: e["kind"] == "session_created")
    assert (event["session_id"], event["external"]) == (reply.data["sessions"][0]["id"], False)


async def a_session(api) -> str:
    session = (await api("POST", "sessions", {"title": "groupby questions"})).data
    for role, content in (("user", "Why does my groupby drop NaN keys?"), ("assistant", "Pass dropna=False.")):
        await api("POST", f"sessions/{session['id']}/messages", {"role": role, "content": content})
    return session["id"]


@pytest.mark.parametrize(("format", "media_type"), [("md", "text/markdown"), ("json", "application/json")])
async def test_a_session_downloads_as_an_attachment_named_after_its_title(api, format, media_type):
    session_id = await a_session(api)
    reply = await api("GET", f"sessions/{session_id}/export", params={"format": format})
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith(media_type)
    assert reply.headers["Content-Disposition"].startswith(f'attachment; filename="groupby questions.{format}"')
    assert "Pass dropna=False." in (reply.data if format == "md" else json.dumps(reply.data))


async def test_a_session_downloaded_as_chat_opens_in_jupyterlab_chat_and_imports_back(api):
    session_id = await a_session(api)
    reply = await api("GET", f"sessions/{session_id}/export", params={"format": "chat"})
    chat = load_chat(json.dumps(reply.data))
    assert [m.body for m in chat.get_messages()] == ["Why does my groupby drop NaN keys?", "Pass dropna=False."]
    again = await post_import(api, json.dumps(reply.data), name="copy.chat")
    [copy] = again.data["sessions"]
    assert copy["original_id"] == session_id and copy["id"] != session_id and copy["title"] == "copy"


async def test_a_title_that_is_not_ascii_is_kept_in_the_utf8_file_name(api):
    session = (await api("POST", "sessions", {"title": "Café “notes”"})).data
    reply = await api("GET", f"sessions/{session['id']}/export")
    disposition = reply.headers["Content-Disposition"]
    assert 'filename="Cafe notes.md"' in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "Café “notes”.md"


async def test_downloading_an_unknown_session_is_404(api):
    reply = await api("GET", "sessions/nope/export")
    assert reply.status == 404


async def test_downloading_in_an_unknown_format_is_400_naming_the_formats(api):
    session_id = await a_session(api)
    reply = await api("GET", f"sessions/{session_id}/export", params={"format": "pdf"})
    assert reply.status == 400
    assert "md, json, chat" in reply.data["message"]


async def test_downloading_several_sessions_is_not_a_route(api):
    reply = await api("GET", "sessions/export")
    assert reply.status == 404
