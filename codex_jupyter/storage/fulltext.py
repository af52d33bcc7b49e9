"""Full-text search in the workspace file, with the FTS5 indexes made by :mod:`.migrations` (version 2).

The query reaching FTS5 is built here from parsed :class:`~codex_jupyter.search.SearchTerm` s,
never from the user's text: each term is one double-quoted FTS5 string (a phrase of its
words), ``"..."*`` for a prefix, and the terms side by side, which FTS5 reads as AND. So
``NEAR``, ``OR``, ``-``, ``:`` or an unclosed quote in a query are words like any other, and
FTS5 cannot reject what it receives.

Hits are ranked by ``bm25()``, negated so that higher is better. FTS5 sorts its matches
itself, so only the best ``limit`` rows are read and marked up; the best messages and the
best titles, each scored in its own index, are then merged by that score. The matched words are found
by FTS5's ``highlight()``, between two private-use characters that are then taken out and
turned into offsets: in C, ten times cheaper than matching the text again in Python (see
``benchmarks/search.py``). A text that holds those characters itself is matched in Python
instead. Snippets are cut by :func:`codex_jupyter.search.snippet`, as in every backend.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime

from ..models import Role
from ..search import SearchHit, SearchTerm, find_matches, snippet

#: What ``highlight()`` puts around each match: characters of Unicode's private use area.
OPEN, CLOSE = "\ue000", "\ue001"

_MESSAGES = """
SELECT m.session_id, s.title, m.id, m.role, m.content, highlight(messages_fts, 0, :open, :close), m.timestamp,
       -messages_fts.rank
FROM messages_fts
JOIN messages AS m ON m.seq = messages_fts.rowid
JOIN sessions AS s ON s.id = m.session_id
WHERE messages_fts MATCH :query AND (:session_id IS NULL OR m.session_id = :session_id)
ORDER BY messages_fts.rank
LIMIT :limit
"""

_TITLES = """
SELECT s.id, s.title, s.title, highlight(titles_fts, 0, :open, :close), s.updated_at, -titles_fts.rank
FROM titles_fts
JOIN sessions AS s ON s.id = titles_fts.session_id
WHERE titles_fts MATCH :query AND (:session_id IS NULL OR s.id = :session_id)
ORDER BY titles_fts.rank
LIMIT :limit
"""


def fts_query(terms: Iterable[SearchTerm]) -> str:
    """The FTS5 query for ``terms``: ``"groupby" "drop nan" "datafr"*`` (a quote inside a word is doubled)."""
    return " ".join(
        '"' + " ".join(term.words).replace('"', '""') + '"' + ("*" if term.prefix else "") for term in terms
    )


def search(
    conn: sqlite3.Connection, terms: Sequence[SearchTerm], limit: int, session_id: str | None
) -> list[SearchHit]:
    """The best ``limit`` messages and titles matching every term, best first (see the module docstring)."""
    parameters = {"query": fts_query(terms), "limit": limit, "session_id": session_id, "open": OPEN, "close": CLOSE}
    hits = [
        _hit(terms, session, title, message_id, role, text, marked, timestamp, rank)
        for session, title, message_id, role, text, marked, timestamp, rank in conn.execute(_MESSAGES, parameters)
    ]
    hits += [
        _hit(terms, session, title, None, None, text, marked, timestamp, rank)
        for session, title, text, marked, timestamp, rank in conn.execute(_TITLES, parameters)
    ]
    hits.sort(key=lambda hit: hit.rank, reverse=True)
    return hits[:limit]


def _hit(
    terms: Sequence[SearchTerm],
    session_id: str,
    title: str | None,
    message_id: str | None,
    role: Role | None,
    text: str,
    marked: str,
    timestamp: str,
    rank: float,
) -> SearchHit:
    shown, marks = snippet(text, _matches(terms, text, marked))
    return SearchHit(session_id, title, message_id, role, datetime.fromisoformat(timestamp), shown, marks, rank)


def _matches(terms: Sequence[SearchTerm], text: str, marked: str) -> list[tuple[int, int]]:
    """The spans of ``text`` that ``marked`` (``text`` as ``highlight()`` returned it) has between markers."""
    pieces = marked.split(OPEN)
    unmarked, spans = [pieces[0]], []
    length = len(pieces[0])
    for piece in pieces[1:]:
        inside, _, after = piece.partition(CLOSE)
        spans.append((length, length + len(inside)))
        unmarked += (inside, after)
        length += len(inside) + len(after)
    if "".join(unmarked) == text:
        return spans
    # The text holds a marker character of its own: match it in Python, as the in-memory backend does.
    return find_matches(terms, text) or []
