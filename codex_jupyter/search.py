"""Full-text search: the query language every backend understands, and what a hit is.

A query is words (all must match), ``"a phrase"`` (words in a row) and ``prefix*``. It is
parsed here, once, into :class:`SearchTerm`\\ s, so that no backend ever passes the user's
text to its own query language: a query that SQLite's FTS5 or PostgreSQL's ``tsquery``
would reject cannot reach them, and every backend agrees on what a query means.

Words are compared as SQLite's ``unicode61`` tokenizer (``remove_diacritics 2``) does:
runs of letters and digits, case-folded one character at a time, with the accents of Latin
letters removed (``Café`` → ``cafe``, but ``Straße``, ``йогурт`` and ``άλφα`` keep their
letters). :func:`find_matches` implements that for the backends that search in Python
(memory, notebook); the workspace file uses FTS5 itself, and the two agree
(``tests/test_search_query.py`` compares them letter by letter).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from .errors import InvalidInputError
from .models import Role

#: The most hits one search returns.
MAX_LIMIT = 200
#: About how many characters of context a snippet shows around its first match.
SNIPPET_CHARS = 160
ELLIPSIS = "…"


def _latin_accents() -> frozenset[str]:
    """The combining accents of Latin letters (``é`` is ``e`` + U+0301): the ones ``unicode61`` removes."""
    letters = map(chr, (*range(0xC0, 0x250), *range(0x1E00, 0x1F00)))
    return frozenset(
        accent
        for decomposed in (unicodedata.normalize("NFD", letter) for letter in letters)
        if decomposed[0].isascii()
        for accent in decomposed[1:]
    )


_LATIN_ACCENTS = _latin_accents()
# Letters and digits; the accents of text typed decomposed ("e" + U+0301) stay inside a word, as in SQLite.
_TOKEN = re.compile(rf"[^\W_](?:[^\W_]|[{''.join(sorted(_LATIN_ACCENTS))}])*")
_QUERY_PART = re.compile(r'"([^"]*)"?|(\S+)')


@dataclass(frozen=True, slots=True)
class SearchTerm:
    """One part of a query: a word, a phrase (several words in a row), or a word's prefix."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A message (or a session's title, then ``message_id`` is ``None``) that matches a query.

    ``snippet`` is the matched text around the match, untrusted like any message text;
    ``highlights`` are the ``(start, end)`` character offsets of the matched words in it, so a
    client marks them up itself instead of receiving markup. ``rank`` orders the hits of one
    search (higher is better); it means nothing across searches or backends.
    """

    session_id: str
    session_title: str | None
    message_id: str | None
    role: Role | None
    timestamp: datetime
    snippet: str
    highlights: tuple[tuple[int, int], ...]
    rank: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "session_title": self.session_title,
            "message_id": self.message_id,
            "role": self.role,
            "timestamp": self.timestamp.isoformat(),
            "snippet": self.snippet,
            "highlights": [list(span) for span in self.highlights],
            "rank": self.rank,
        }


def fold(word: str) -> str:
    """A word as the index keeps it: case-folded, Latin letters without accents (``Café`` → ``cafe``)."""
    if word.isascii():
        return word.lower()
    return "".join(_fold_char(char) for char in word)


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """One character as ``unicode61`` folds it.

    Only an ASCII letter's accents go (``é`` → ``e``, ``ǖ`` → ``u``); other letters stay whole
    (``й`` is not ``и``, and Greek keeps its accents), as in SQLite. Case folding is the simple,
    one-character kind: Greek final sigma becomes sigma, but ``ß`` stays ``ß`` (full folding would
    make it ``ss``, which the index never holds). A lone combining accent folds to nothing.
    """
    if char in _LATIN_ACCENTS:
        return ""
    decomposed = unicodedata.normalize("NFD", char)
    if decomposed[0].isascii() and _LATIN_ACCENTS.issuperset(decomposed[1:]):
        char = decomposed[0]
    for folded in (char.casefold(), char.lower()):
        if len(folded) == 1:
            return folded
    return char


def tokens(text: str) -> Iterator[tuple[str, int, int]]:
    """The words of ``text`` as ``(folded word, start, end)``."""
    for found in _TOKEN.finditer(text):
        yield fold(found.group()), found.start(), found.end()


def parse_query(query: str) -> tuple[SearchTerm, ...]:
    """Parse the user's query; ``InvalidInputError`` if it holds no word at all.

    Punctuation is not syntax (``C++``, ``a-b`` and ``foo:bar`` are words like any other),
    an unclosed quote ends at the end of the query, and ``*`` only means "prefix" at the end
    of a word: nothing a person types is a syntax error.
    """
    if not isinstance(query, str):
        raise InvalidInputError(f"a search query must be text, not {type(query).__name__}")
    terms: list[SearchTerm] = []
    for phrase, word in _QUERY_PART.findall(query):
        text = phrase if phrase else word
        words = tuple(folded for folded, _, _ in tokens(text))
        if not words:
            continue
        if phrase:
            terms.append(SearchTerm(words))
        else:
            # "a-b" is the phrase "a b", as FTS5 would read it; a trailing * makes its last word a prefix.
            terms.append(SearchTerm(words, prefix=word.endswith("*")))
    if not terms:
        raise InvalidInputError(f"the search query {query!r} holds no word to look for")
    return tuple(terms)


def check_limit(limit: object) -> int:
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidInputError(f"the search limit must be a whole number from 1 to {MAX_LIMIT}, not {limit!r}")
    return limit


def find_matches(terms: Sequence[SearchTerm], text: str) -> list[tuple[int, int]] | None:
    """The spans of ``text`` that match, if every term matches somewhere in it; else ``None``."""
    words = list(tokens(text))
    spans: list[tuple[int, int]] = []
    for term in terms:
        found = list(_term_spans(term, words))
        if not found:
            return None
        spans += found
    return sorted(set(spans))


def _term_spans(term: SearchTerm, words: list[tuple[str, int, int]]) -> Iterator[tuple[int, int]]:
    size = len(term.words)
    for index in range(len(words) - size + 1):
        window = words[index : index + size]
        *whole, last = term.words
        if all(word == wanted for (word, _, _), wanted in zip(window, whole, strict=False)) and (
            window[-1][0].startswith(last) if term.prefix else window[-1][0] == last
        ):
            yield window[0][1], window[-1][2]


def snippet(text: str, spans: Sequence[tuple[int, int]]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """About :data:`SNIPPET_CHARS` characters of ``text`` around its first match, on one line,
    with the spans that fall inside it moved to the snippet's offsets."""
    first = spans[0][0] if spans else 0
    start = max(0, first - SNIPPET_CHARS // 3)
    end = min(len(text), start + SNIPPET_CHARS)
    start = max(0, min(start, end - SNIPPET_CHARS))
    # Cut at word boundaries, so the snippet does not begin or end in the middle of a word.
    while 0 < start < first and text[start - 1].isalnum():
        start += 1
    while end < len(text) and end > start and text[end - 1].isalnum() and text[end].isalnum():
        end -= 1
    head = ELLIPSIS if start > 0 else ""
    tail = ELLIPSIS if end < len(text) else ""
    body = text[start:end].replace("\n", " ").replace("\r", " ")
    shift = len(head) - start
    inside = tuple((s + shift, e + shift) for s, e in spans if s >= start and e <= end)
    return head + body + tail, inside
