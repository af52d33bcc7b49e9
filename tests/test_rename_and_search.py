"""Renaming sessions and searching them, through the store, on every backend."""

from __future__ import annotations

import pytest

from codex_jupyter import ChangeKind, InvalidInputError, SessionNotFoundError


def test_rename_trims_the_title_and_moves_updated_at(store):
    session = store.create_session(title="first")
    renamed = store.rename_session(session.id, "  groupby questions  ")
    assert renamed.title == "groupby questions"
    assert renamed.updated_at > session.updated_at
    assert store.get_session(session.id).title == "groupby questions"


@pytest.mark.parametrize("title", ["", "   ", "x" * 201])
def test_a_title_that_is_empty_or_too_long_is_refused_and_changes_nothing(store, title):
    session = store.create_session(title="kept")
    with pytest.raises(InvalidInputError, match="1 to 200 characters"):
        store.rename_session(session.id, title)
    assert store.get_session(session.id) == session


def test_a_title_of_200_characters_is_accepted(store):
    session = store.create_session()
    assert store.rename_session(session.id, "x" * 200).title == "x" * 200


def test_renaming_an_unknown_session_names_its_id(store):
    with pytest.raises(SessionNotFoundError, match="nope"):
        store.rename_session("nope", "title")


def test_a_rename_is_announced(store):
    session = store.create_session()
    heard = []
    store.on_did_change(heard.append)
    store.rename_session(session.id, "renamed")
    assert [(change.kind, change.session_id) for change in heard] == [(ChangeKind.SESSION_RENAMED, session.id)]


def add_conversation(store):
    first = store.create_session(title="pandas questions")
    store.add_message(first.id, role="user", content="Why does my groupby drop rows whose key is NaN?")
    store.add_message(first.id, role="assistant", content="Pass dropna=False to groupby to keep NaN keys.")
    second = store.create_session(title="plotting")
    store.add_message(second.id, role="user", content="How do I plot a DataFrame with matplotlib?")
    return first, second


def test_search_finds_messages_with_every_word(store):
    first, _ = add_conversation(store)
    hits = store.search("groupby nan")
    assert {(hit.session_id, hit.role) for hit in hits} == {(first.id, "user"), (first.id, "assistant")}
    for hit in hits:
        assert hit.session_title == "pandas questions"
        assert list(hit.highlights) == sorted(hit.highlights)
        assert {hit.snippet[start:end].lower() for start, end in hit.highlights} == {"groupby", "nan"}


def test_search_finds_session_titles(store):
    _, second = add_conversation(store)
    [hit] = store.search("plotting")
    assert (hit.session_id, hit.message_id, hit.snippet) == (second.id, None, "plotting")


def test_search_understands_phrases_and_prefixes(store):
    first, second = add_conversation(store)
    assert {hit.session_id for hit in store.search('"keep nan keys"')} == {first.id}
    assert {hit.session_id for hit in store.search("matplot*")} == {second.id}
    assert store.search('"nan keep"') == []


def test_search_can_be_narrowed_to_one_session_and_limited(store):
    first, second = add_conversation(store)
    store.add_message(second.id, role="user", content="and a groupby per plot?")
    assert {hit.session_id for hit in store.search("groupby")} == {first.id, second.id}
    assert {hit.session_id for hit in store.search("groupby", session_id=second.id)} == {second.id}
    assert len(store.search("groupby", limit=1)) == 1
    with pytest.raises(SessionNotFoundError):
        store.search("groupby", session_id="nope")


@pytest.mark.parametrize("limit", [0, 201, -1, 2.5])
def test_a_search_limit_outside_1_to_200_is_refused(store, limit):
    with pytest.raises(InvalidInputError, match="limit"):
        store.search("groupby", limit=limit)


def test_a_query_another_engine_would_reject_is_searched_as_words(store):
    first, _ = add_conversation(store)
    store.add_message(first.id, role="user", content="groupby or not, NaN is NaN")
    assert {hit.session_id for hit in store.search('groupby ("nan OR')} == {first.id}


def test_search_finds_words_without_case_or_diacritics(store):
    session = store.create_session()
    store.add_message(session.id, role="user", content="Un café, s'il vous plaît")
    [hit] = store.search("CAFE")
    assert hit.snippet[slice(*hit.highlights[0])] == "café"


def test_deleted_sessions_are_not_found(store):
    first, _ = add_conversation(store)
    store.delete_session(first.id)
    assert store.search("groupby") == []


def test_the_best_matches_come_first(store):
    session = store.create_session()
    store.add_message(session.id, role="user", content="a longer message, with one groupby in it")
    store.add_message(session.id, role="user", content="groupby, or groupby?")
    hits = store.search("groupby")
    assert [hit.snippet for hit in hits] == ["groupby, or groupby?", "a longer message, with one groupby in it"]
    assert hits[0].rank > hits[1].rank


def test_a_renamed_session_is_found_by_its_new_title_only(store):
    session = store.create_session(title="pandas questions")
    store.rename_session(session.id, "plotting questions")
    assert store.search("pandas") == []
    assert [(hit.session_id, hit.session_title) for hit in store.search("plotting")] == [
        (session.id, "plotting questions")
    ]


def test_a_deleted_sessions_title_is_not_found(store):
    session = store.create_session(title="pandas questions")
    store.delete_session(session.id)
    assert store.search("pandas") == []


@pytest.mark.parametrize(
    ("query", "content", "marked"),
    [
        ("STRASSE straße", "Die Straße ist lang, die STRASSE auch", ["STRASSE", "Straße"]),
        ("ЙОГУРТ", "Купи йогурт", ["йогурт"]),
        ("άλφα", "Άλφα και ωμέγα", ["Άλφα"]),
        ("cafe", "un cafe\u0301 noir", ["cafe\u0301"]),
    ],
)
def test_words_of_every_alphabet_are_found_whatever_their_case(store, query, content, marked):
    session = store.create_session()
    store.add_message(session.id, role="user", content=content)
    [hit] = store.search(query)
    assert sorted(hit.snippet[start:end] for start, end in hit.highlights) == sorted(marked)
