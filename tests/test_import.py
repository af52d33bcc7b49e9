"""Importing sessions into a store, on every backend: memory, the workspace file, and a notebook's metadata.

The notebook's frontend is ``ScriptedFrontend`` (JupyterLab's half of the bridge, played in process; see
``test_notebook_store.py``), so the changes the kernel would send to the notebook are checked too.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from chat_files import DELETED, make_chat, sent_at
from test_notebook_store import ScriptedFrontend

from codex_jupyter import ChangeKind, ChatMessage, ChatSession, InvalidInputError, SessionStore, open_store
from codex_jupyter.formats import parse
from codex_jupyter.storage.notebook import NotebookBackend

SCOPE = "/work/analysis.ipynb"
AT = datetime(2025, 6, 1, 12, 0, 0, 250000, tzinfo=timezone.utc)


def an_id(name: str) -> str:
    """A UUID, as every id in a store is, the same for the same name."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


S1, S2 = an_id("s-1"), an_id("s-2")


@pytest.fixture(params=["memory", "workspace-file", "notebook"])
def store(request: pytest.FixtureRequest, workspace_file) -> Iterator[SessionStore]:
    if request.param == "notebook":
        opened = SessionStore(NotebookBackend(ScriptedFrontend(), SCOPE), scope=SCOPE)
    else:
        opened = open_store(":memory:" if request.param == "memory" else workspace_file, scope=SCOPE)
    with opened:
        yield opened


def exported(session_id: str = S1, *, title: str | None = "from the file", messages: int = 2) -> ChatSession:
    return ChatSession(
        session_id,
        [
            ChatMessage(
                an_id(f"{session_id}-m{i}"), "user" if i % 2 == 0 else "assistant", f"text {i}", AT + timedelta(i)
            )
            for i in range(messages)
        ],
        created_at=AT - timedelta(days=1),
        updated_at=AT + timedelta(days=30),
        title=title,
    )


def test_an_imported_session_keeps_its_id_title_times_and_messages_when_its_id_is_free(store):
    session = exported()
    report = store.import_sessions([session])
    assert [(s.id, s.original_id, s.new_message_ids) for s in report.sessions] == [(S1, S1, 0)]
    assert store.get_session(S1) == session


def test_importing_the_same_sessions_again_creates_new_sessions_and_leaves_the_stored_ones(store):
    store.import_sessions([exported()])
    first = store.get_session(S1)
    [again] = store.import_sessions([exported()]).sessions
    assert again.id != S1 and again.original_id == S1
    assert again.new_message_ids == 2
    assert store.get_session(S1) == first
    copy = store.get_session(again.id)
    assert [(m.content, m.timestamp) for m in copy.messages] == [(m.content, m.timestamp) for m in first.messages]
    assert {m.id for m in copy.messages}.isdisjoint(m.id for m in first.messages)


def test_two_sessions_of_one_file_with_the_same_id_become_two_sessions(store):
    report = store.import_sessions([exported(), exported()])
    assert len({s.id for s in report.sessions}) == 2
    assert store.session_count() == 2


def test_ids_that_are_not_uuids_are_replaced_as_the_stores_ids_are_uuids(store):
    session = ChatSession("s-1", [ChatMessage("m-1", "user", "hi", AT)], AT, AT)
    [imported] = store.import_sessions([session]).sessions
    assert imported.original_id == "s-1" and uuid.UUID(imported.id)
    assert imported.new_message_ids == 1
    assert uuid.UUID(store.get_session(imported.id).messages[0].id)


def test_a_file_with_one_bad_session_imports_nothing(store):
    with pytest.raises(InvalidInputError, match=rf"session 1 \({S2}\): a session title must be 1 to 200"):
        store.import_sessions([exported(), exported(S2, title="x" * 201)])
    assert store.session_count() == 0


def test_importing_makes_no_session_current(store):
    current = store.create_session(title="mine")
    store.import_sessions([exported()])
    assert store.get_current_session() == current


def test_each_imported_session_is_announced_once_as_created(store):
    heard = []
    store.on_did_change(heard.append)
    report = store.import_sessions([exported(), exported(S2)])
    assert [(c.kind, c.session_id) for c in heard] == [(ChangeKind.SESSION_CREATED, s.id) for s in report.sessions]


def test_a_message_added_after_an_import_comes_after_the_imported_ones(store):
    store.import_sessions([exported()])
    added = store.add_message(S1, role="user", content="and now?")
    session = store.get_session(S1)
    assert session.messages[-1] == added
    assert session.updated_at == added.timestamp > AT + timedelta(days=30)


def test_a_chat_written_by_jupyterlab_chat_imports_with_roles_order_and_timestamps(store):
    chat = make_chat()
    report = store.import_sessions(parse(chat.get(), name="groupby.chat").sessions)
    session = store.get_session(report.sessions[0].id)
    kept = [m for i, m in enumerate(chat.get_messages()) if i != DELETED]
    assert [(m.role, m.content, m.timestamp) for m in session.messages] == [
        (role, m.body, sent_at(m.time)) for role, m in zip(["user", "assistant", "user"], kept, strict=True)
    ]
    assert session.title == "groupby"


def test_the_notebook_is_sent_each_imported_session_whole():
    frontend = ScriptedFrontend()
    store = SessionStore(NotebookBackend(frontend, SCOPE), scope=SCOPE)
    store.import_sessions([exported()])
    assert frontend.sent == [[{"op": "create_session", "session": exported().to_dict()}]]


def test_a_session_imported_into_a_shared_store_is_seen_by_another_store_on_it(shared_location):
    with open_store(shared_location) as importer, open_store(shared_location) as other:
        importer.import_sessions([exported()])
        changes = other.poll()
        assert other.get_session(S1) == exported()
    assert (ChangeKind.SESSION_CREATED, S1) in [(c.kind, c.session_id) for c in changes]
