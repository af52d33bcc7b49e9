"""Two Jupyter servers on one PostgreSQL database, as two nodes of a JupyterHub: the one pytest-jupyter runs here,
and a ``jupyter server`` in a process of its own. Neither polls the database (``poll_interval`` is an hour): what one
node writes reaches the other through ``LISTEN/NOTIFY``. Each user's server connects as that user's role."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from jupyter_process import Server, jupyter_server
from server_events import EventWaiter, event_waiter
from tornado.httpclient import AsyncHTTPClient
from tornado.websocket import websocket_connect

NO_POLLING = "--CodexJupyter.poll_interval=3600"


@pytest.fixture
def jp_server_config(postgres) -> dict[str, Any]:
    """This node: alice's server."""
    return {
        "ServerApp": {"jpserver_extensions": {"codex_jupyter": True}},
        "CodexJupyter": {"store_url": postgres.url("alice"), "poll_interval": 3600},
    }


@pytest.fixture
def other_node(postgres, tmp_path: Path) -> Iterator[Callable[[str], Server]]:
    """``other_node(user)``: that user's server on another node (a process of its own), on the same database."""
    with_servers = []

    def start(user: str) -> Server:
        running = jupyter_server(tmp_path / f"node-{user}", postgres.url(user), NO_POLLING)
        with_servers.append(running)
        return running.__enter__()

    yield start
    for running in with_servers:
        running.__exit__(None, None, None)


async def fetch(server: Server, method: str, path: str, body: object = None) -> tuple[int, Any]:
    response = await AsyncHTTPClient().fetch(server.request(method, path, body), raise_error=False)
    return response.code, json.loads(response.body) if response.body else None


async def events_of(server: Server) -> EventWaiter:
    """Join ``server``'s event bus; the result waits for its first codex event that a test accepts."""
    return event_waiter(await websocket_connect(server.events_url))


async def test_a_message_posted_to_one_node_reaches_the_other_nodes_event_stream(jp_serverapp, api, other_node):
    other = other_node("alice")
    next_event = await events_of(other)
    session = (await api("POST", "sessions", {"title": "on node one"})).data
    message = (await api("POST", f"sessions/{session['id']}/messages", {"role": "user", "content": "hi"})).data
    event = await next_event(lambda e: e["kind"] == "message_added")
    assert (event["session_id"], event["message_id"], event["external"]) == (session["id"], message["id"], True)


async def test_a_kernel_of_one_node_and_rest_of_the_other_see_the_same_session(start_notebook_kernel, other_node):
    other = other_node("alice")
    kernel = await start_notebook_kernel()
    session_id = await kernel.run("print(store.create_session(title='from the kernel').id)")
    await kernel.run("%%codex_say\nWhy does my groupby drop NaN keys?")
    status, seen = await fetch(other, "GET", f"/codex/api/sessions/{session_id}")
    assert status == 200
    assert (seen["title"], [m["content"] for m in seen["messages"]]) == (
        "from the kernel",
        ["Why does my groupby drop NaN keys?"],
    )
    await fetch(other, "POST", f"/codex/api/sessions/{session_id}/messages", {"role": "assistant", "content": "dropna"})
    printed = await kernel.run(f"print(store.get_session({session_id!r}).messages[-1].content)")
    assert printed == "dropna"


async def test_another_users_server_can_neither_read_change_nor_delete_alices_session(api, other_node):
    session = (await api("POST", "sessions", {"title": "alice's"})).data
    await api("POST", f"sessions/{session['id']}/messages", {"role": "user", "content": "private words"})
    bobs = other_node("bob")
    path = f"/codex/api/sessions/{session['id']}"
    assert (await fetch(bobs, "GET", path))[0] == 404
    assert (await fetch(bobs, "PATCH", path, {"title": "bob's now"}))[0] == 404
    assert (await fetch(bobs, "POST", f"{path}/messages", {"role": "user", "content": "mine"}))[0] == 404
    assert (await fetch(bobs, "DELETE", path))[0] == 404
    assert (await fetch(bobs, "GET", "/codex/api/sessions"))[1]["total"] == 0
    assert (await fetch(bobs, "GET", "/codex/api/search?q=private"))[1]["hits"] == []
    kept = (await api("GET", f"sessions/{session['id']}")).data
    assert (kept["title"], [m["content"] for m in kept["messages"]]) == ("alice's", ["private words"])
