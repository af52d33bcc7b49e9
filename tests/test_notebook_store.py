"""Sessions kept in the notebook's metadata: the document format, and the backend's changes to the frontend.

The frontend here is ``ScriptedFrontend``, an in-process stand-in for JupyterLab's half of the bridge,
so that each rule is checked in milliseconds; the real JupyterLab half is driven in Chromium by
``tests/browser/test_notebook_metadata.py``, and the kernel's real comm by ``test_notebook_bridge_in_kernel.py``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from notebook_frontend import ScriptedFrontend

from codex_jupyter import ChatSession, SessionStore
from codex_jupyter.errors import NotebookFormatError, NotebookUnavailableError
from codex_jupyter.events import ChangeKind, StoreChange
from codex_jupyter.kernel.store import notebook_store
from codex_jupyter.kernel.widget import ChatPanel
from codex_jupyter.models import ChatMessage
from codex_jupyter.storage.notebookdoc import apply_changes, read_document

SCOPE = "/work/analysis.ipynb"


def open_notebook_store(frontend: ScriptedFrontend) -> SessionStore:
    return notebook_store(frontend, SCOPE)


def a_document(*contents: str) -> dict[str, Any]:
    messages = [ChatMessage(f"m{index}", "user", content, TIME) for index, content in enumerate(contents)]
    session = ChatSession("s1", messages, TIME, TIME, title="kept in the notebook")
    return {"version": 1, "current": "s1", "sessions": [session.to_dict()]}


TIME = datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc)


# -- the document ----------------------------------------------------------------------------


def test_a_notebook_without_metadata_has_no_sessions():
    assert read_document(None) == ([], None)


def test_a_document_round_trips_sessions_and_the_current_one():
    sessions, current = read_document(a_document())
    assert [s.title for s in sessions] == ["kept in the notebook"]
    assert current == "s1"


def with_session(**fields: object) -> dict[str, Any]:
    document = a_document("hello")
    document["sessions"][0].update(fields)
    return document


@pytest.mark.parametrize(
    ("document", "named"),
    [
        (["not", "an", "object"], r"at the top level: \['not', 'an', 'object'\] is not of type 'object'"),
        ({"sessions": []}, "'version' is a required property"),
        ({"version": 2, "sessions": []}, "format 2, newer than this codex-jupyter understands"),
        ({"version": 1, "sessions": {}}, "at sessions: {} is not of type 'array'"),
        ({"version": 1, "sessions": [{"id": "x"}]}, r"at sessions\[0\]: '\w+' is a required property"),
        ({"version": 1, "sessions": [a_document()["sessions"][0]] * 2}, "two sessions with the same id"),
        (with_session(messages=[a_document("a")["sessions"][0]["messages"][0]] * 2), "two messages with the same id"),
        ({"version": 1, "current": "gone", "sessions": []}, "'current' names no session"),
        (with_session(title=["a", "list"]), r"at sessions\[0\].title: \['a', 'list'\] is not of type"),
    ],
)
def test_a_malformed_document_is_refused_naming_what_is_wrong(document, named):
    with pytest.raises(NotebookFormatError, match=named):
        read_document(document)


def test_a_number_where_an_id_belongs_is_refused():
    # Accepted once (read as "12345"), while JupyterLab compared 12345 === "12345" and dropped every change.
    with pytest.raises(NotebookFormatError, match=r"at sessions\[0\].id: 12345 is not of type 'string'"):
        read_document({**with_session(id=12345), "current": None})


@pytest.mark.parametrize(
    "timestamp",
    [
        "0001-01-01T00:00:00+01:00",  # year 0 in UTC
        "2026-11-25T10:00:00+01:00",  # not UTC
        "2026-02-30T10:00:00+00:00",  # no such day
        "2026-11-25 10:00:00+00:00",
        "2026-11-25T10:00:00.12+00:00",  # Python 3.10 reads 3 or 6 digits only
        "yesterday",
    ],
)
def test_a_timestamp_that_is_not_iso_8601_in_utc_is_refused(timestamp):
    with pytest.raises(NotebookFormatError, match=r"at sessions\[0\].created_at: .* is not a date and time in UTC"):
        read_document(with_session(created_at=timestamp))


# -- the backend -----------------------------------------------------------------------------


def test_without_a_frontend_the_notebook_store_refuses_to_open():
    with pytest.raises(NotebookUnavailableError, match="no JupyterLab frontend answered"):
        open_notebook_store(ScriptedFrontend(answered=False))


def test_a_malformed_document_is_reported_and_nothing_is_sent():
    frontend = ScriptedFrontend({"version": 1, "sessions": "oops"})
    with pytest.raises(NotebookFormatError):
        open_notebook_store(frontend)
    assert frontend.sent == []


def test_the_store_starts_from_the_notebooks_sessions():
    store = open_notebook_store(ScriptedFrontend(a_document()))
    assert store.get_current_session().title == "kept in the notebook"


def test_each_write_sends_its_changes_once_committed():
    frontend = ScriptedFrontend()
    store = open_notebook_store(frontend)
    session = store.create_session(title="new")
    message = store.add_message_to_current_session(role="user", content="hello")
    create, append = frontend.sent
    assert [change["op"] for change in create] == ["create_session", "set_current"]
    assert create[0]["session"]["title"] == "new" and create[1]["session_id"] == session.id
    assert append == [{"op": "append_message", "session_id": session.id, "message": message.to_dict()}]


def test_deleting_the_current_session_sends_the_deletion():
    frontend = ScriptedFrontend(a_document())
    open_notebook_store(frontend).clear_current_session()
    assert frontend.sent == [[{"op": "delete_session", "session_id": "s1"}]]


def test_a_rejected_call_sends_nothing():
    frontend = ScriptedFrontend(a_document())
    store = open_notebook_store(frontend)
    with pytest.raises(ValueError):
        store.add_message_to_current_session(role="robot", content="x")
    assert frontend.sent == []


def test_metadata_edited_in_the_notebook_is_followed():
    frontend = ScriptedFrontend()
    store = open_notebook_store(frontend)
    frontend.edit(a_document())
    assert [s.title for s in store.get_sessions()] == ["kept in the notebook"]


def test_after_the_metadata_became_malformed_writes_are_refused_and_nothing_is_sent():
    frontend = ScriptedFrontend(a_document())
    store = open_notebook_store(frontend)
    frontend.edit({"version": 1, "sessions": "oops"})
    with pytest.raises(NotebookFormatError, match="nothing was written"):
        store.add_message_to_current_session(role="user", content="x")
    assert frontend.sent == []


def test_writes_are_refused_while_the_metadata_holds_a_number_for_an_id():
    frontend = ScriptedFrontend(a_document())
    store = open_notebook_store(frontend)
    frontend.edit({**with_session(id=12345), "current": None})
    with pytest.raises(NotebookFormatError, match="12345 is not of type 'string'"):
        store.add_message_to_current_session(role="user", content="x")
    assert frontend.sent == []


class Unreadable(dict):
    """A document whose reading fails in a way nobody planned for."""

    def __getitem__(self, key: object) -> object:
        raise RuntimeError("the unexpected")


def test_metadata_that_fails_to_be_read_for_any_reason_refuses_writes_until_fixed():
    frontend = ScriptedFrontend(a_document())
    store = open_notebook_store(frontend)
    frontend.edit(Unreadable(a_document()))
    with pytest.raises(NotebookFormatError, match=r"metadata\.codex cannot be read: RuntimeError: the unexpected"):
        store.add_message_to_current_session(role="user", content="x")
    frontend.edit(a_document())
    store.add_message_to_current_session(role="user", content="after the fix")
    assert [change["op"] for [change] in frontend.sent] == ["append_message"]


# -- other hands' changes, told to listeners ----------------------------------------------------


def heard(store: SessionStore) -> list[StoreChange]:
    changes: list[StoreChange] = []
    store.on_did_change(changes.append)
    return changes


def test_a_message_added_to_the_metadata_by_hand_is_told_as_an_external_change():
    frontend = ScriptedFrontend(a_document("first"))
    store = open_notebook_store(frontend)
    changes = heard(store)
    frontend.edit(a_document("first", "added by hand"))
    [change] = changes
    assert (change.kind, change.session_id, change.external) == (ChangeKind.MESSAGE_ADDED, "s1", True)
    assert change.message.content == "added by hand"


def test_a_session_removed_from_the_metadata_is_told_as_deleted_with_the_current_one_gone():
    frontend = ScriptedFrontend(a_document("first"))
    store = open_notebook_store(frontend)
    changes = heard(store)
    frontend.edit({"version": 1, "current": None, "sessions": []})
    assert [(c.kind, c.session_id, c.scope) for c in changes] == [
        (ChangeKind.SESSION_DELETED, "s1", None),
        (ChangeKind.CURRENT_CHANGED, None, SCOPE),
    ]


def test_a_history_edited_by_hand_is_told_as_the_session_replaced_so_readers_read_it_again():
    frontend = ScriptedFrontend(a_document("first", "second"))
    store = open_notebook_store(frontend)
    changes = heard(store)
    frontend.edit(a_document("first"))
    assert [(c.kind, c.session_id) for c in changes] == [
        (ChangeKind.SESSION_DELETED, "s1"),
        (ChangeKind.SESSION_CREATED, "s1"),
        (ChangeKind.CURRENT_CHANGED, "s1"),
    ]
    assert [m.content for m in store.get_current_session().messages] == ["first"]


def test_a_chat_panel_on_a_notebook_store_shows_a_message_added_to_the_metadata():
    frontend = ScriptedFrontend(a_document("first"))
    panel = ChatPanel(open_notebook_store(frontend))
    try:
        frontend.edit(a_document("first", "added by hand"))
        pages = [child for child in panel.transcript.children if hasattr(child, "children")]
        shown = [view.value for page in pages for view in page.children]
        assert len(shown) == 2 and "added by hand" in shown[-1]
    finally:
        panel.close()


# -- renames and streamed replies ------------------------------------------------------------


def sent_changes(frontend: ScriptedFrontend) -> list[dict[str, Any]]:
    return [change for changes in frontend.sent for change in changes]


def test_a_rename_is_sent_to_the_notebook():
    frontend = ScriptedFrontend(a_document("hello"))
    store = open_notebook_store(frontend)
    store.rename_session("s1", "  groupby and NaN ")
    [change] = frontend.sent[-1]
    assert (change["op"], change["session_id"], change["title"]) == ("rename_session", "s1", "groupby and NaN")
    after, refused = apply_changes(frontend.document, sent_changes(frontend))
    assert refused == [] and after["sessions"][0]["title"] == "groupby and NaN"


def test_a_streamed_reply_reaches_the_notebook_as_it_grows_and_ends_complete():
    frontend = ScriptedFrontend(a_document("hello"))
    store = open_notebook_store(frontend)
    reply = store.begin_message("s1")
    store.append_to_message(reply.id, "Pass ")
    store.append_to_message(reply.id, "dropna=False.")
    store.finish_message(reply.id)
    ops = [change["op"] for change in sent_changes(frontend)]
    assert ops[0] == "append_message" and set(ops[1:]) == {"update_message"}
    after, refused = apply_changes(frontend.document, sent_changes(frontend))
    assert refused == []
    assert after["sessions"][0]["messages"][-1] == store.get_message("s1", reply.id).to_dict()
    assert after["sessions"][0]["messages"][-1]["content"] == "Pass dropna=False."
    assert "status" not in after["sessions"][0]["messages"][-1]  # complete


def a_document_with_a_reply(status: str, content: str = "Pass") -> dict[str, Any]:
    document = a_document("hello")
    reply = ChatMessage("r1", "assistant", content, TIME, status=status)  # type: ignore[arg-type]
    document["sessions"][0]["messages"].append(reply.to_dict())
    return document


def test_a_reply_a_stopped_kernel_left_streaming_is_recorded_incomplete_when_the_notebook_store_opens():
    frontend = ScriptedFrontend(a_document_with_a_reply("streaming"))
    store = open_notebook_store(frontend)
    assert store.get_message("s1", "r1").status == "incomplete"
    [change] = sent_changes(frontend)
    assert (change["op"], change["message"]["status"]) == ("update_message", "incomplete")


def test_a_title_changed_in_the_metadata_is_told_as_a_rename():
    frontend = ScriptedFrontend(a_document("hello"))
    store = open_notebook_store(frontend)
    changes = heard(store)
    frontend.edit(with_session(title="renamed by hand"))
    assert [(c.kind, c.session_id, c.external) for c in changes] == [(ChangeKind.SESSION_RENAMED, "s1", True)]
    assert store.get_session("s1").title == "renamed by hand"


def test_a_reply_that_grew_in_the_metadata_is_told_as_an_update():
    frontend = ScriptedFrontend(a_document_with_a_reply("streaming"))
    store = open_notebook_store(frontend)
    changes = heard(store)
    frontend.edit(a_document_with_a_reply("streaming", "Pass dropna=False"))
    [change] = changes
    assert (change.kind, change.message.content, change.external) == (
        ChangeKind.MESSAGE_UPDATED,
        "Pass dropna=False",
        True,
    )
