"""Sessions kept in the notebook's metadata: the document format, and the backend's changes to the frontend.

The frontend here is ``ScriptedFrontend``, an in-process stand-in for JupyterLab's half of the bridge,
so that each rule is checked in milliseconds; the real JupyterLab half is driven in Chromium by
``tests/browser/test_notebook_metadata.py``, and the kernel's real comm by ``test_notebook_bridge_in_kernel.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from codex_jupyter import ChatSession, SessionStore
from codex_jupyter.errors import NotebookFormatError, NotebookUnavailableError
from codex_jupyter.events import Disposable, EventEmitter
from codex_jupyter.storage.notebook import NotebookBackend, read_document

SCOPE = "/work/analysis.ipynb"


class ScriptedFrontend:
    """Plays JupyterLab: holds ``metadata.codex``, applies the kernel's changes as bridge.ts does."""

    def __init__(self, document: object = None, *, answered: bool = True) -> None:
        self.answered = answered
        self.document = document
        self.path = "analysis.ipynb"
        self.sent: list[list[dict[str, Any]]] = []
        self._documents: EventEmitter[object] = EventEmitter(logging.getLogger("test"))

    def send(self, changes: list[dict[str, Any]]) -> None:
        self.sent.append(changes)

    def on_document(self, listener: Callable[[object], None]) -> Disposable:
        return self._documents.subscribe(listener)

    def edit(self, document: object) -> None:
        """The user changes metadata.codex by hand: the frontend sends it again."""
        self.document = document
        self._documents.emit([document])


def notebook_store(frontend: ScriptedFrontend) -> SessionStore:
    return SessionStore(NotebookBackend(frontend, SCOPE), scope=SCOPE)


def a_document() -> dict[str, Any]:
    session = ChatSession("s1", title="kept in the notebook")
    return {"version": 1, "current": "s1", "sessions": [session.to_dict()]}


# -- the document ----------------------------------------------------------------------------


def test_a_notebook_without_metadata_has_no_sessions():
    assert read_document(None) == ([], None)


def test_a_document_round_trips_sessions_and_the_current_one():
    sessions, current = read_document(a_document())
    assert [s.title for s in sessions] == ["kept in the notebook"]
    assert current == "s1"


@pytest.mark.parametrize(
    ("document", "named"),
    [
        (["not", "an", "object"], "must be an object, not list"),
        ({"sessions": []}, "no format 'version'"),
        ({"version": 2, "sessions": []}, "format 2, newer than this codex-jupyter understands"),
        ({"version": 1, "sessions": {}}, "'sessions' must be a list"),
        ({"version": 1, "sessions": [{"id": "x"}]}, "session 0 is malformed"),
        ({"version": 1, "sessions": [a_document()["sessions"][0]] * 2}, "two sessions with the same id"),
        ({"version": 1, "current": "gone", "sessions": []}, "'current' names no session"),
    ],
)
def test_a_malformed_document_is_refused_naming_what_is_wrong(document, named):
    with pytest.raises(NotebookFormatError, match=named):
        read_document(document)


# -- the backend -----------------------------------------------------------------------------


def test_without_a_frontend_the_notebook_store_refuses_to_open():
    with pytest.raises(NotebookUnavailableError, match="no JupyterLab frontend answered"):
        notebook_store(ScriptedFrontend(answered=False))


def test_a_malformed_document_is_reported_and_nothing_is_sent():
    frontend = ScriptedFrontend({"version": 1, "sessions": "oops"})
    with pytest.raises(NotebookFormatError):
        notebook_store(frontend)
    assert frontend.sent == []


def test_the_store_starts_from_the_notebooks_sessions():
    store = notebook_store(ScriptedFrontend(a_document()))
    assert store.get_current_session().title == "kept in the notebook"


def test_each_write_sends_its_changes_once_committed():
    frontend = ScriptedFrontend()
    store = notebook_store(frontend)
    session = store.create_session(title="new")
    message = store.add_message_to_current_session(role="user", content="hello")
    create, append = frontend.sent
    assert [change["op"] for change in create] == ["create_session", "set_current"]
    assert create[0]["session"]["title"] == "new" and create[1]["session_id"] == session.id
    assert append == [{"op": "append_message", "session_id": session.id, "message": message.to_dict()}]


def test_deleting_the_current_session_sends_the_deletion():
    frontend = ScriptedFrontend(a_document())
    notebook_store(frontend).clear_current_session()
    assert frontend.sent == [[{"op": "delete_session", "session_id": "s1"}]]


def test_a_rejected_call_sends_nothing():
    frontend = ScriptedFrontend(a_document())
    store = notebook_store(frontend)
    with pytest.raises(ValueError):
        store.add_message_to_current_session(role="robot", content="x")
    assert frontend.sent == []


def test_metadata_edited_in_the_notebook_is_followed():
    frontend = ScriptedFrontend()
    store = notebook_store(frontend)
    frontend.edit(a_document())
    assert [s.title for s in store.get_sessions()] == ["kept in the notebook"]


def test_after_the_metadata_became_malformed_writes_are_refused_and_nothing_is_sent():
    frontend = ScriptedFrontend(a_document())
    store = notebook_store(frontend)
    frontend.edit({"version": 1, "sessions": "oops"})
    with pytest.raises(NotebookFormatError, match="nothing was written"):
        store.add_message_to_current_session(role="user", content="x")
    assert frontend.sent == []
