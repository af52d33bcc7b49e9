"""The REST API, route by route: what each returns, and the error each bad request gets."""

from __future__ import annotations

import pytest

from codex_jupyter import SessionStore

pytestmark = pytest.mark.usefixtures("jp_serverapp")


def server_store(jp_serverapp) -> SessionStore:
    return jp_serverapp.web_app.settings["codex_jupyter"].store


async def create(api, **fields) -> dict:
    reply = await api("POST", "sessions", fields)
    assert reply.status == 201, reply.data
    return reply.data


# -- sessions --------------------------------------------------------------------------------


async def test_post_sessions_creates_a_session_and_says_where_it_is(api):
    reply = await api("POST", "sessions", {"title": "groupby questions"})
    assert reply.status == 201
    assert reply.data["title"] == "groupby questions"
    assert reply.data["message_count"] == 0
    assert reply.headers["Location"].endswith(f"/codex/api/sessions/{reply.data['id']}")


async def test_post_sessions_accepts_an_empty_body(api):
    reply = await api("POST", "sessions")
    assert reply.status == 201
    assert reply.data["title"] is None


async def test_post_sessions_makes_the_session_current_in_the_given_scope(api):
    session = await create(api, scope="notebooks/a.ipynb")
    reply = await api("GET", "current", params={"scope": "notebooks/a.ipynb"})
    assert reply.data["session"]["id"] == session["id"]


async def test_get_sessions_lists_summaries_most_recently_updated_first(api):
    first, second = await create(api, title="first"), await create(api, title="second")
    await api("POST", f"sessions/{first['id']}/messages", {"role": "user", "content": "bump"})
    reply = await api("GET", "sessions")
    assert reply.status == 200
    assert [s["id"] for s in reply.data["sessions"]] == [first["id"], second["id"]]
    assert reply.data["sessions"][0]["message_count"] == 1
    assert "messages" not in reply.data["sessions"][0]
    assert reply.data["total"] == 2


async def test_get_sessions_pages_with_offset_and_limit(api):
    for i in range(5):
        await create(api, title=f"s{i}")
    reply = await api("GET", "sessions", params={"offset": "1", "limit": "2"})
    assert [s["title"] for s in reply.data["sessions"]] == ["s3", "s2"]
    assert (reply.data["total"], reply.data["offset"], reply.data["limit"]) == (5, 1, 2)


@pytest.mark.parametrize(
    ("params", "named"),
    [({"offset": "x"}, "'offset' must be an integer"), ({"limit": "5000"}, "'limit' must be between 0 and 1000")],
)
async def test_get_sessions_refuses_a_bad_page(api, params, named):
    reply = await api("GET", "sessions", params=params)
    assert reply.status == 400
    assert named in reply.data["message"]


async def test_get_session_returns_it_with_its_messages(api):
    session = await create(api)
    for text in ("one", "two"):
        await api("POST", f"sessions/{session['id']}/messages", {"role": "user", "content": text})
    reply = await api("GET", f"sessions/{session['id']}")
    assert reply.status == 200
    assert reply.data["message_count"] == 2
    assert [m["content"] for m in reply.data["messages"]] == ["one", "two"]


async def test_get_session_pages_messages_and_a_negative_offset_counts_from_the_end(api, jp_serverapp):
    session = await create(api)
    for i in range(10):
        server_store(jp_serverapp).add_message(session["id"], role="user", content=str(i))
    middle = await api("GET", f"sessions/{session['id']}", params={"offset": "2", "limit": "3"})
    assert [m["content"] for m in middle.data["messages"]] == ["2", "3", "4"]
    last = await api("GET", f"sessions/{session['id']}", params={"offset": "-2"})
    assert [m["content"] for m in last.data["messages"]] == ["8", "9"]
    assert last.data["offset"] == 8


async def test_delete_session_removes_it(api):
    session = await create(api)
    assert (await api("DELETE", f"sessions/{session['id']}")).status == 204
    assert (await api("GET", f"sessions/{session['id']}")).status == 404


@pytest.mark.parametrize(("method", "path"), [("GET", "sessions/nope"), ("DELETE", "sessions/nope")])
async def test_an_unknown_session_id_is_404_naming_it(api, method, path):
    reply = await api(method, path)
    assert reply.status == 404
    assert "'nope'" in reply.data["message"]


# -- messages --------------------------------------------------------------------------------


async def test_post_message_returns_the_stored_message_with_id_and_timestamp(api):
    session = await create(api)
    reply = await api("POST", f"sessions/{session['id']}/messages", {"role": "assistant", "content": "Pass dropna."})
    assert reply.status == 201
    assert reply.data["role"] == "assistant"
    assert reply.data["content"] == "Pass dropna."
    assert reply.data["id"] and reply.data["timestamp"].endswith("+00:00")


async def test_post_message_to_an_unknown_session_is_404(api):
    reply = await api("POST", "sessions/nope/messages", {"role": "user", "content": "x"})
    assert reply.status == 404


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"role": "robot", "content": "x"}, "must be one of user, assistant, system"),
        ({"role": "user", "content": 42}, "content must be str, not int"),
        ({"role": "user"}, "missing field(s) 'content'"),
        ({"role": "user", "content": "x", "id": "mine"}, "unknown field(s) 'id'"),
        (["user", "x"], "must be an object, not list"),
    ],
)
async def test_a_bad_message_is_400_naming_what_was_wrong_and_stores_nothing(api, jp_serverapp, body, named):
    session = await create(api)
    reply = await api("POST", f"sessions/{session['id']}/messages", body)
    assert reply.status == 400
    assert named in reply.data["message"]
    assert server_store(jp_serverapp).get_session(session["id"]).message_count == 0


async def test_malformed_json_is_400(api):
    session = await create(api)
    reply = await api("POST", f"sessions/{session['id']}/messages", raw=b'{"role": "user",')
    assert reply.status == 400
    assert "malformed JSON body" in reply.data["message"]


async def test_a_body_over_the_limit_is_413_and_stores_nothing(api, jp_serverapp):
    session = await create(api)
    limit = jp_serverapp.web_app.settings["codex_jupyter"].max_body_bytes
    reply = await api("POST", f"sessions/{session['id']}/messages", {"role": "user", "content": "x" * limit})
    assert reply.status == 413
    assert f"over the limit of {limit} bytes" in reply.data["message"]
    assert server_store(jp_serverapp).get_session(session["id"]).message_count == 0


async def test_json_nested_too_deeply_is_400_naming_the_problem(api):
    session = await create(api)
    body = b'{"role": "user", "content": ' + b"[" * 1000 + b"]" * 1000 + b"}"  # 2 KB
    reply = await api("POST", f"sessions/{session['id']}/messages", raw=body)
    assert reply.status == 400
    assert "nested too deeply" in reply.data["message"]


@pytest.mark.parametrize("path", ["sessions", "sessions/{id}"])
async def test_an_offset_beyond_64_bit_integers_is_400_naming_it(api, path):
    session = await create(api)
    reply = await api("GET", path.format(id=session["id"]), params={"offset": str(2**63)})
    assert reply.status == 400
    assert "'offset' must be between" in reply.data["message"]


# -- current session -------------------------------------------------------------------------


async def test_put_current_sets_a_scopes_current_session_and_get_reads_it(api):
    session = await create(api)
    reply = await api("PUT", "current", {"scope": "/work/a.ipynb", "session_id": session["id"]})
    assert reply.status == 200
    assert reply.data["session"]["id"] == session["id"]
    reply = await api("GET", "current", params={"scope": "/work/a.ipynb"})
    assert reply.data == {"scope": "/work/a.ipynb", "session": reply.data["session"]}
    assert reply.data["session"]["id"] == session["id"]


async def test_put_current_with_null_leaves_the_scope_without_one(api):
    session = await create(api, scope="/work/a.ipynb")
    reply = await api("PUT", "current", {"scope": "/work/a.ipynb", "session_id": None})
    assert reply.data["session"] is None
    assert (await api("GET", f"sessions/{session['id']}")).status == 200  # unset, not deleted


async def test_a_scope_without_a_current_session_reads_null(api):
    reply = await api("GET", "current", params={"scope": "/work/new.ipynb"})
    assert reply.status == 200
    assert reply.data == {"scope": "/work/new.ipynb", "session": None}


async def test_get_current_needs_a_scope(api):
    reply = await api("GET", "current")
    assert reply.status == 400
    assert "'scope'" in reply.data["message"]


@pytest.mark.parametrize(
    ("body", "status", "named"),
    [
        ({"scope": "a.ipynb", "session_id": "nope"}, 404, "'nope'"),
        ({"scope": "", "session_id": None}, 400, "field 'scope' must be a non-empty string"),
        ({"scope": "a.ipynb", "session_id": 7}, 400, "field 'session_id' must be a non-empty string"),
    ],
)
async def test_put_current_refuses_bad_input(api, body, status, named):
    reply = await api("PUT", "current", body)
    assert reply.status == status
    assert named in reply.data["message"]
