"""The search query language and the matching the in-Python backends share (codex_jupyter.search)."""

from __future__ import annotations

import sqlite3

import pytest

from codex_jupyter import InvalidInputError
from codex_jupyter.search import SearchTerm, find_matches, fold, parse_query, snippet, tokens


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


def unicode61_words(text: str) -> list[str]:
    """The words of ``text`` as the workspace file's index keeps them: SQLite's own tokenizer, asked directly."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'unicode61 remove_diacritics 2')")
    conn.execute("CREATE VIRTUAL TABLE words USING fts5vocab(t, 'instance')")
    conn.execute("INSERT INTO t VALUES (?)", (text,))
    words = [row[0] for row in conn.execute("SELECT term FROM words ORDER BY offset")]
    conn.close()
    return words


# Latin (with Vietnamese), Greek and Cyrillic letters. SQLite's tables leave out three: Ǡ and ǡ
# (an A with two accents, which it keeps whole) and U+037F (added to Unicode after its tables).
ALPHABETS = [chr(c) for c in (*range(0xC0, 0x250), *range(0x370, 0x500), *range(0x1EA0, 0x1F00))]
LETTERS = [c for c in ALPHABETS if c.isalpha() and c not in "\u01e0\u01e1\u037f"]


def test_words_are_folded_as_sqlites_unicode61_folds_them():
    text = " ".join(f"x{letter}Y" for letter in LETTERS)
    assert [word for word, _, _ in tokens(text)] == unicode61_words(text)


def test_words_typed_with_separate_accents_are_split_as_sqlite_splits_them():
    text = "cafe\u0301 nai\u0308ve e\u0301te\u0301 a\u20ddb"
    assert [word for word, _, _ in tokens(text)] == unicode61_words(text) == ["cafe", "naive", "ete", "a", "b"]


def test_a_letter_is_never_folded_into_another_letter_of_its_alphabet():
    assert [fold(word) for word in ("Straße", "ЙОГУРТ", "Άλφα", "ΟΔΟΣ")] == ["straße", "йогурт", "άλφα", "οδοσ"]
