"""SessionStore: the seed's API and what clients need beyond it, on every backend."""

from __future__ import annotations

import logging

import pytest

from codex_jupyter import (
    ChangeKind,
    ChatMessage,
    SessionNotFoundError,
    SessionStore,
    StoreDisposedError,
    open_store,
)


def snapshot(store: SessionStore) -> list[dict]:
    """Everything stored, as plain data: to show a rejected call changed nothing."""
    current = store.get_current_session()
    return [
        {**session.to_dict(), "current": current is not None and current.id == session.id}
        for session in store.get_sessions()
    ]


def test_a_new_store_has_no_sessions_and_no_current_session(store):
    assert store.get_sessions() == []
    assert store.get_current_session() is None


def test_create_session_makes_an_empty_current_session_with_generated_id_and_times(store):
    session = store.create_session()
    assert len(session.id) == 36 and session.id.count("-") == 4
    assert session.messages == ()
    assert session.created_at == session.updated_at
    assert session.created_at.tzinfo is not None
    assert store.get_current_session() == session


def test_create_session_can_take_a_title(store):
    assert store.create_session(title="groupby questions").title == "groupby questions"


def test_add_message_to_current_session_generates_id_and_timestamp(store):
    store.create_session()
    added = store.add_message_to_current_session(role="user", content="Hello, Codex!")
    assert isinstance(added, ChatMessage)
    assert (added.role, added.content) == ("user", "Hello, Codex!")
    assert store.get_current_session().messages == (added,)


def test_add_message_accepts_the_seeds_mapping_form(store):
    store.create_session()
    added = store.add_message_to_current_session({"role": "assistant", "content": "Hi!"})
    assert added.role == "assistant"


def test_adding_a_message_with_no_current_session_starts_one(store):
    added = store.add_message_to_current_session(role="user", content="first words")
    current = store.get_current_session()
    assert current is not None
    assert current.messages == (added,)


def test_messages_keep_their_order(store):
    store.create_session()
    sent = [store.add_message_to_current_session(role="user", content=str(i)) for i in range(20)]
    assert list(store.get_current_session().messages) == sent


def test_updated_at_moves_on_every_change_even_within_one_clock_tick(store):
    session = store.create_session()
    stamps = [session.updated_at]
    for i in range(50):
        store.add_message_to_current_session(role="user", content=str(i))
        stamps.append(store.get_current_session().updated_at)
    assert stamps == sorted(set(stamps))


def test_get_sessions_lists_every_session_oldest_first(store):
    created = [store.create_session(title=f"s{i}") for i in range(3)]
    assert [s.id for s in store.get_sessions()] == [s.id for s in created]


def test_get_sessions_reads_one_page_and_session_count_counts_all(store):
    created = [store.create_session(title=f"s{i}") for i in range(5)]
    assert [s.id for s in store.get_sessions(offset=1, limit=2)] == [s.id for s in created[1:3]]
    assert store.get_sessions(offset=5) == []
    assert store.session_count() == 5


def test_get_sessions_can_list_the_most_recently_updated_first(store):
    first, second, third = (store.create_session(title=f"s{i}") for i in range(3))
    store.add_message(first.id, role="user", content="bumps the first session to the top")
    assert [s.id for s in store.get_sessions(recent_first=True)] == [first.id, third.id, second.id]
    assert [s.id for s in store.get_sessions(recent_first=True, offset=1, limit=1)] == [third.id]


def test_a_negative_page_is_refused(store):
    with pytest.raises(ValueError, match="must not be negative"):
        store.get_sessions(offset=-1)


def test_create_session_can_make_the_session_current_in_another_scope(store):
    mine = store.create_session()
    theirs = store.create_session(scope="notebooks/other.ipynb")
    assert store.get_current_session().id == mine.id
    assert store.get_current_session(scope="notebooks/other.ipynb").id == theirs.id


def test_a_session_read_earlier_is_a_snapshot(store):
    store.create_session()
    store.add_message_to_current_session(role="user", content="one")
    before = store.get_current_session()
    store.add_message_to_current_session(role="user", content="two")
    assert [m.content for m in before.messages] == ["one"]


def test_clear_current_session_removes_it_from_storage(store):
    keep = store.create_session(title="keep")
    store.create_session(title="drop")
    store.add_message_to_current_session(role="user", content="gone soon")
    store.clear_current_session()
    assert store.get_current_session() is None
    assert [s.id for s in store.get_sessions()] == [keep.id]


def test_clear_current_session_without_one_does_nothing(store):
    store.create_session()
    store.set_current_session(None)
    store.clear_current_session()
    assert len(store.get_sessions()) == 1


def test_set_current_session_switches_between_sessions(store):
    first = store.create_session()
    store.create_session()
    store.set_current_session(first.id)
    assert store.get_current_session().id == first.id
    added = store.add_message_to_current_session(role="user", content="back to the first")
    assert store.get_session(first.id).messages == (added,)


def test_get_session_returns_a_session_by_id(store):
    created = store.create_session(title="x")
    assert store.get_session(created.id) == created


def test_delete_session_removes_it_and_unsets_current_where_it_was(store):
    session = store.create_session()
    store.add_message_to_current_session(role="user", content="x")
    store.delete_session(session.id)
    assert store.get_sessions() == []
    assert store.get_current_session() is None


def test_add_message_to_a_given_session_leaves_the_current_one_alone(store):
    other = store.create_session(title="other")
    current = store.create_session(title="current")
    added = store.add_message(other.id, role="assistant", content="for the other one")
    assert store.get_session(other.id).messages == (added,)
    assert store.get_current_session().id == current.id


def test_get_messages_reads_one_page(store):
    session = store.create_session()
    for i in range(10):
        store.add_message_to_current_session(role="user", content=str(i))
    assert [m.content for m in store.get_messages(session.id, 3, 6)] == ["3", "4", "5"]
    assert [m.content for m in store.get_messages(session.id, 8)] == ["8", "9"]
    assert store.get_messages(session.id, 20) == []


def test_current_sessions_are_kept_per_scope(store):
    mine = store.create_session()
    theirs = store.create_session()
    store.set_current_session(mine.id)
    store.set_current_session(theirs.id, scope="notebooks/other.ipynb")
    assert store.get_current_session().id == mine.id
    assert store.get_current_session(scope="notebooks/other.ipynb").id == theirs.id


# -- bad input: a clear error, and nothing stored changes -----------------------------------


@pytest.mark.parametrize(
    ("arguments", "error", "match"),
    [
        ({"role": "robot", "content": "x"}, ValueError, "must be one of user, assistant, system"),
        ({"role": "user", "content": 42}, TypeError, "content must be str, not int"),
        ({"role": "user", "content": None}, TypeError, "both role= and content="),
        ({"role": None, "content": "x"}, TypeError, "both role= and content="),
    ],
)
def test_a_bad_message_is_refused_and_changes_nothing(store, arguments, error, match):
    store.create_session()
    store.add_message_to_current_session(role="user", content="kept")
    before = snapshot(store)
    with pytest.raises(error, match=match):
        store.add_message_to_current_session(**arguments)
    assert snapshot(store) == before


@pytest.mark.parametrize(
    ("mapping", "error", "match"),
    [
        ({"role": "user"}, ValueError, "missing the field 'content'"),
        ({"content": "x"}, ValueError, "missing the field 'role'"),
        ({"role": "user", "content": "x", "id": "mine"}, ValueError, "unexpected message field.*'id'"),
        (["user", "x"], TypeError, "must be a mapping"),
    ],
)
def test_a_bad_message_mapping_is_refused_naming_the_field(store, mapping, error, match):
    before = snapshot(store)
    with pytest.raises(error, match=match):
        store.add_message_to_current_session(mapping)
    assert snapshot(store) == before


def test_a_bad_message_without_a_current_session_does_not_start_one(store):
    with pytest.raises(ValueError):
        store.add_message_to_current_session(role="moderator", content="x")
    assert store.get_sessions() == []


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.get_session("no-such-id"),
        lambda s: s.set_current_session("no-such-id"),
        lambda s: s.delete_session("no-such-id"),
        lambda s: s.add_message("no-such-id", role="user", content="x"),
        lambda s: s.get_messages("no-such-id"),
    ],
)
def test_an_unknown_session_id_raises_a_key_error_naming_it(store, call):
    store.create_session()
    before = snapshot(store)
    with pytest.raises(SessionNotFoundError, match="no chat session with id 'no-such-id'") as raised:
        call(store)
    assert isinstance(raised.value, KeyError)
    assert raised.value.session_id == "no-such-id"
    assert snapshot(store) == before


def test_a_non_text_title_is_refused(store):
    with pytest.raises(TypeError, match="title must be str"):
        store.create_session(title=3)
    assert store.get_sessions() == []


# -- change events ---------------------------------------------------------------------------


def test_listeners_hear_each_change_after_it_is_stored(store):
    heard = []
    store.on_did_change(heard.append)
    session = store.create_session()
    message = store.add_message_to_current_session(role="user", content="x")
    store.clear_current_session()
    assert [(c.kind, c.session_id) for c in heard] == [
        (ChangeKind.SESSION_CREATED, session.id),
        (ChangeKind.CURRENT_CHANGED, session.id),
        (ChangeKind.MESSAGE_ADDED, session.id),
        (ChangeKind.SESSION_DELETED, session.id),
        (ChangeKind.CURRENT_CHANGED, None),
    ]
    assert heard[2].message == message
    assert heard[1].scope == store.scope
    assert not any(c.external for c in heard)


def test_a_disposed_subscription_hears_nothing_more(store):
    heard = []
    subscription = store.on_did_change(heard.append)
    store.create_session()
    subscription.dispose()
    subscription.dispose()
    store.create_session()
    assert len(heard) == 2


def test_a_failing_listener_is_logged_and_does_not_stop_the_others(store, caplog):
    heard = []

    def broken(change):
        raise RuntimeError("listener bug")

    store.on_did_change(broken)
    store.on_did_change(heard.append)
    with caplog.at_level(logging.ERROR, logger="codex_jupyter"):
        store.create_session()
    assert len(heard) == 2
    assert "a codex_jupyter listener failed" in caplog.text


def test_a_rejected_call_announces_nothing(store):
    heard = []
    store.on_did_change(heard.append)
    with pytest.raises(ValueError):
        store.add_message_to_current_session(role="nobody", content="x")
    assert heard == []


# -- lifecycle -------------------------------------------------------------------------------


def test_dispose_is_idempotent_and_later_calls_raise_a_clear_error(store):
    store.create_session()
    store.dispose()
    store.dispose()
    assert store.disposed
    for call in (store.get_sessions, store.get_current_session, store.create_session, store.clear_current_session):
        with pytest.raises(StoreDisposedError, match="disposed"):
            call()


def test_the_store_is_a_context_manager_that_disposes_on_exit(workspace_file):
    with open_store(workspace_file) as store:
        store.create_session()
    assert store.disposed


def test_messages_of_a_session_read_before_dispose_cannot_be_loaded_after(store):
    store.add_message_to_current_session(role="user", content="x")
    session = store.get_current_session()
    store.dispose()
    with pytest.raises(StoreDisposedError):
        list(session.messages)
