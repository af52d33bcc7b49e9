"""Full-text search in PostgreSQL: ``tsvector`` columns with GIN indexes, matching as every backend does.

The words of a text are split and folded by :mod:`codex_jupyter.search` (as SQLite's
``unicode61`` tokenizer does), in Python, and written as a ``tsvector`` literal of those
words and their positions, never through a text-search configuration: PostgreSQL's parsers
and dictionaries split, fold and stem otherwise (``Straße`` would match ``strasse``, English
stemming ``keys`` ``key``), and the same query must find the same messages in every backend.
Each word is kept under its owner's tag (``3f2a9c1e:groupby``, the tag from a hash of the owner's role),
so the index's entry for a word lists one user's messages only: a search reads that user's matches, never
every user's. (The search functions also keep only the calling role's rows, so a tag proves nothing.)
The query reaching PostgreSQL is built here from parsed :class:`~codex_jupyter.search.SearchTerm` s,
never from the user's text: each word is a quoted lexeme, a phrase its words joined by ``<->``
(followed by), a prefix ``:*``, and the terms joined by ``&``. Its words hold only letters and
digits, so ``tsquery``'s input cannot reject it.

Limits are PostgreSQL's: a word longer than 2,046 bytes (with its tag) is not indexed (``to_tsvector`` drops
those too) and a query with one finds nothing; positions stop at 16,383, so a phrase is found
within a message's first 16,383 words; a word's first 256 positions are kept, and the index of
one message holds at most 1 MB of distinct words. Hits are ranked by ``ts_rank`` normalised by
the text's length; matches are marked by :func:`codex_jupyter.search.find_matches`, as in the
in-memory backend, and snippets cut by :func:`codex_jupyter.search.snippet`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

import psycopg

from ...models import Role
from ...search import SearchHit, SearchTerm, find_matches, snippet, tokens

#: PostgreSQL's limits on a ``tsvector`` (``MAXSTRLEN``, ``MAXENTRYPOS``, ``MAXNUMPOS``, ``MAXSTRPOS``).
MAX_WORD_BYTES = 2046
MAX_POSITION = 16383
MAX_POSITIONS_PER_WORD = 256
MAX_WORDS_BYTES = (1 << 20) - 1


def owner_tag(owner: str) -> str:
    """What the words of ``owner``'s texts are kept under."""
    return hashlib.md5(owner.encode()).hexdigest()[:8] + ":"


def _lexeme(tag: str, word: str) -> str:
    return "'" + (tag + word).replace("\\", "\\\\").replace("'", "''") + "'"


def _too_long(tag: str, word: str) -> bool:
    return len(tag.encode()) + len(word.encode()) > MAX_WORD_BYTES


def tsvector(text: str, tag: str) -> str:
    """The ``tsvector`` literal of ``text``'s words with their positions, under ``tag``: ``'t:drop':2 't:nan':4,7``."""
    positions: dict[str, list[int]] = {}
    size = 0
    for index, (word, _, _) in enumerate(tokens(text), start=1):
        length = len(tag.encode()) + len(word.encode())
        if _too_long(tag, word):
            continue
        found = positions.get(word)
        if found is None:
            if size + length > MAX_WORDS_BYTES:
                continue
            size += length
            positions[word] = found = []
        position = min(index, MAX_POSITION)
        if len(found) < MAX_POSITIONS_PER_WORD and (not found or found[-1] != position):
            found.append(position)
    return " ".join(f"{_lexeme(tag, word)}:{','.join(map(str, spots))}" for word, spots in positions.items())


def tsquery(terms: Iterable[SearchTerm], tag: str) -> str | None:
    """The ``tsquery`` literal of ``terms`` under ``tag``; ``None`` if one holds a word too long to be indexed."""
    parts = []
    for term in terms:
        if any(_too_long(tag, word) for word in term.words):
            return None
        lexemes = [_lexeme(tag, word) for word in term.words]
        if term.prefix:
            lexemes[-1] += ":*"
        parts.append("(" + " <-> ".join(lexemes) + ")")
    return " & ".join(parts)


def search(
    conn: psycopg.Connection, terms: tuple[SearchTerm, ...], limit: int, session_id: str | None, tag: str
) -> list[SearchHit]:
    """The best ``limit`` messages and titles of the connected role (whose words are under ``tag``), best first."""
    query = tsquery(terms, tag)
    if query is None:
        return []
    arguments = (query, limit, session_id)
    hits = [
        _hit(terms, session, title, message_id, role, content, timestamp, rank)
        for session, title, message_id, role, content, timestamp, rank in conn.execute(
            "SELECT * FROM codex_jupyter.search_messages(%s::tsquery, %s, %s)", arguments
        )
    ]
    hits += [
        _hit(terms, session, title, None, None, title, updated_at, rank)
        for session, title, updated_at, rank in conn.execute(
            "SELECT * FROM codex_jupyter.search_titles(%s::tsquery, %s, %s)", arguments
        )
    ]
    hits.sort(key=lambda hit: hit.rank, reverse=True)
    return hits[:limit]


def _hit(
    terms: tuple[SearchTerm, ...],
    session_id: str,
    title: str | None,
    message_id: str | None,
    role: Role | None,
    text: str,
    timestamp: datetime,
    rank: float,
) -> SearchHit:
    shown, marks = snippet(text, find_matches(terms, text) or [])
    return SearchHit(session_id, title, message_id, role, timestamp, shown, marks, float(rank))
