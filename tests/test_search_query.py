"""The search query language and the matching the in-Python backends share (codex_jupyter.search)."""

from __future__ import annotations

import pytest

from codex_jupyter import InvalidInputError
from codex_jupyter.search import SearchTerm, find_matches, parse_query, snippet


def test_words_phrases_and_prefixes_are_parsed_into_terms():
    assert parse_query('groupby "drop NaN" datafr*') == (
        SearchTerm(("groupby",)),
        SearchTerm(("drop", "nan")),
        SearchTerm(("datafr",), prefix=True),
    )


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ('"unclosed phrase', (SearchTerm(("unclosed", "phrase")),)),
        ("C++ AND (x OR", (SearchTerm(("c",)), SearchTerm(("and",)), SearchTerm(("x",)), SearchTerm(("or",)))),
        ("NEAR(a b)", (SearchTerm(("near", "a")), SearchTerm(("b",)))),
        ("foo:bar", (SearchTerm(("foo", "bar")),)),
        ("*", None),
    ],
)
def test_what_a_query_engine_would_reject_is_read_as_plain_words(query, terms):
    if terms is None:
        with pytest.raises(InvalidInputError, match="no word"):
            parse_query(query)
    else:
        assert parse_query(query) == terms


@pytest.mark.parametrize("query", ["", "   ", '""', "!!! ---"])
def test_a_query_without_a_word_is_refused(query):
    with pytest.raises(InvalidInputError, match="holds no word"):
        parse_query(query)


def test_words_match_without_case_or_diacritics():
    assert find_matches(parse_query("cafe"), "Un CAFÉ, s'il vous plaît") == [(3, 7)]


def test_every_term_must_match():
    text = "Why does my groupby drop rows whose key is NaN?"
    assert find_matches(parse_query("groupby nan"), text) == [(12, 19), (43, 46)]
    assert find_matches(parse_query("groupby pivot"), text) is None


def test_a_phrase_matches_words_in_a_row_only():
    assert find_matches(parse_query('"drop rows"'), "drop rows") == [(0, 9)]
    assert find_matches(parse_query('"rows drop"'), "drop rows") is None


def test_a_prefix_matches_the_start_of_a_word():
    assert find_matches(parse_query("data*"), "a DataFrame and a dataset") == [(2, 11), (18, 25)]
    assert find_matches(parse_query("data"), "a DataFrame") is None


def test_a_snippet_is_one_line_around_the_first_match_with_its_highlights_moved():
    text = "intro " * 60 + "the groupby\nmatch" + " outro" * 60
    spans = find_matches(parse_query("groupby"), text)
    shown, marks = snippet(text, spans)
    assert "\n" not in shown and shown.startswith("…") and shown.endswith("…")
    assert len(shown) <= 170
    [(start, end)] = marks
    assert shown[start:end] == "groupby"
