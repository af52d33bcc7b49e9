"""A real server, its real kernels, and the event bus: one workspace file, changes pushed to subscribers."""

from __future__ import annotations

import json
import logging
import threading

import pytest

from codex_jupyter import open_store
from codex_jupyter.server.events import SCHEMA_ID


def server_location(jp_serverapp) -> str:
    return jp_serverapp.web_app.settings["codex_jupyter"].store.location


async def test_a_kernel_started_by_the_server_uses_the_servers_workspace_file(start_notebook_kernel, jp_serverapp):
    notebook_kernel = await start_notebook_kernel()
    assert await notebook_kernel.run("print(store.location)") == server_location(jp_serverapp)


async def test_a_message_said_in_a_notebook_kernel_is_seen_through_rest(start_notebook_kernel, api):
    notebook_kernel = await start_notebook_kernel()
    await notebook_kernel.run('%codex_new --title "from the kernel"')
    await notebook_kernel.run("%%codex_say\nWhy does my groupby drop NaN keys?")
    scope = await notebook_kernel.run("print(store.scope)")
    current = await api("GET", "current", params={"scope": scope})
    assert current.data["session"]["title"] == "from the kernel"
    session = await api("GET", f"sessions/{current.data['session']['id']}")
    assert [(m["role"], m["content"]) for m in session.data["messages"]] == [
        ("user", "Why does my groupby drop NaN keys?")
    ]


async def test_a_message_posted_through_rest_is_seen_by_the_kernels_store(start_notebook_kernel, api):
    notebook_kernel = await start_notebook_kernel()
    session = (await api("POST", "sessions", {"title": "from REST"})).data
    await api("POST", f"sessions/{session['id']}/messages", {"role": "assistant", "content": "Pass dropna=False."})
    printed = await notebook_kernel.run(f"print(store.get_session({session['id']!r}).messages[-1].content)")
    assert printed == "Pass dropna=False."


async def test_a_change_made_by_a_kernel_reaches_an_events_subscriber(start_notebook_kernel, subscribe):
    notebook_kernel, next_event = await start_notebook_kernel(), await subscribe()
    await notebook_kernel.run("%codex_new")
    message_id = await notebook_kernel.run(
        "print(store.add_message_to_current_session(role='user', content='secret text').id)"
    )
    event = await next_event(lambda e: e["kind"] == "message_added")
    assert event["message_id"] == message_id
    assert event["external"] is True
    assert "secret text" not in json.dumps(event)  # ids only: every subscriber receives events


async def test_a_change_made_through_rest_reaches_an_events_subscriber(api, subscribe):
    next_event = await subscribe()
    session = (await api("POST", "sessions", {"title": "private title"})).data
    event = await next_event(lambda e: e["kind"] == "session_created")
    assert (event["session_id"], event["external"]) == (session["id"], False)
    assert "private title" not in json.dumps(event)


async def test_a_kernels_current_session_change_is_announced_with_its_scope(start_notebook_kernel, subscribe):
    notebook_kernel, next_event = await start_notebook_kernel(), await subscribe()
    scope = await notebook_kernel.run("print(store.scope)")
    session_id = await notebook_kernel.run("print(store.create_session().id)")
    event = await next_event(lambda e: e["kind"] == "current_changed")
    assert (event["scope"], event["session_id"], event["external"]) == (scope, session_id, True)


class EmittingThreads(logging.Handler):
    """Records the thread that emits each of this extension's events (a handler runs inside ``emit``)."""

    def __init__(self) -> None:
        super().__init__()
        self.threads: list[int] = []

    def emit(self, record: logging.LogRecord) -> None:
        if isinstance(record.msg, dict) and record.msg.get("__schema__") == SCHEMA_ID:
            self.threads.append(threading.get_ident())


async def test_changes_are_announced_on_the_servers_event_loop_thread(api, subscribe, jp_serverapp, workspace_file):
    """Store calls run on a thread of their own; jupyter_events and the event websockets need the loop's."""
    emitting = EmittingThreads()
    jp_serverapp.event_logger.register_handler(emitting)
    next_event = await subscribe()
    await api("POST", "sessions")  # the server's own change
    await next_event(lambda e: e["kind"] == "session_created" and not e["external"])
    with open_store(workspace_file, scope="elsewhere.ipynb") as elsewhere:  # another writer: found by polling
        elsewhere.create_session()
    await next_event(lambda e: e["kind"] == "session_created" and e["external"])
    jp_serverapp.event_logger.remove_handler(emitting)
    assert emitting.threads and set(emitting.threads) == {threading.get_ident()}


async def test_a_rename_through_rest_is_announced_without_the_title(api, subscribe):
    next_event = await subscribe()
    session = (await api("POST", "sessions")).data
    await api("PATCH", f"sessions/{session['id']}", {"title": "private title"})
    event = await next_event(lambda e: e["kind"] == "session_renamed")
    assert (event["session_id"], event["external"]) == (session["id"], False)
    assert "private title" not in json.dumps(event)


async def test_a_rename_in_a_notebook_kernel_is_announced_and_seen_through_rest(start_notebook_kernel, subscribe, api):
    notebook_kernel, next_event = await start_notebook_kernel(), await subscribe()
    session_id = await notebook_kernel.run("print(store.create_session(title='before').id)")
    await next_event(lambda e: e["kind"] == "session_created")  # a session renamed before the server saw it is new
    await notebook_kernel.run("%codex_rename after the rename")
    event = await next_event(lambda e: e["kind"] == "session_renamed")
    assert (event["session_id"], event["external"]) == (session_id, True)
    assert (await api("GET", f"sessions/{session_id}")).data["title"] == "after the rename"


async def test_a_message_said_in_a_notebook_kernel_is_found_by_search_through_rest(start_notebook_kernel, api):
    notebook_kernel = await start_notebook_kernel()
    await notebook_kernel.run("%%codex_say\nWhy does my groupby drop NaN keys?")
    message_id = await notebook_kernel.run("print(store.get_current_session().messages[-1].id)")
    hits = (await api("GET", "search", params={"q": "groupby nan"})).data["hits"]
    assert [(hit["message_id"], hit["highlights"]) for hit in hits] == [(message_id, [[12, 19], [25, 28]])]


# -- a notebook named by its contents path ---------------------------------------------------------


async def test_current_by_contents_path_is_the_current_session_of_that_notebooks_kernel(
    start_notebook_kernel, api, jp_root_dir
):
    (jp_root_dir / "reports").mkdir()
    notebook_kernel = await start_notebook_kernel("reports/analysis.ipynb")
    session_id = await notebook_kernel.run("print(store.create_session('made in the kernel').id)")
    scope = await notebook_kernel.run("print(store.scope)")
    reply = await api("GET", "current", params={"path": "reports/analysis.ipynb"})
    assert (reply.data["scope"], reply.data["session"]["id"]) == (scope, session_id)


async def test_putting_current_by_contents_path_is_what_the_notebooks_kernel_writes_to_next(
    start_notebook_kernel, api, jp_root_dir
):
    (jp_root_dir / "reports").mkdir()
    notebook_kernel = await start_notebook_kernel("reports/analysis.ipynb")
    await notebook_kernel.run("%codex_new")
    chosen = (await api("POST", "sessions", {"title": "chosen in JupyterLab"})).data["id"]
    reply = await api("PUT", "current", {"path": "reports/analysis.ipynb", "session_id": chosen})
    scope = await notebook_kernel.run("print(store.scope)")
    assert (reply.data["scope"], reply.data["session"]["id"]) == (scope, chosen)
    await notebook_kernel.run("%%codex_say\nTo the session chosen in JupyterLab")
    session = await api("GET", f"sessions/{chosen}")
    assert [m["content"] for m in session.data["messages"]] == ["To the session chosen in JupyterLab"]


@pytest.mark.parametrize(
    ("method", "params", "body"),
    [
        ("GET", {"scope": "/work/a.ipynb", "path": "a.ipynb"}, None),
        ("GET", {}, None),
        ("PUT", None, {"scope": "/work/a.ipynb", "path": "a.ipynb", "session_id": None}),
        ("PUT", None, {"session_id": None}),
    ],
)
async def test_a_notebook_is_named_by_exactly_one_of_scope_and_path(api, method, params, body):
    reply = await api(method, "current", body, params=params)
    assert reply.status == 400
    assert "exactly one of" in reply.data["message"]
