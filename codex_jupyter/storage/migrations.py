"""The workspace file's schema, and the steps that bring an older file up to date.

The schema's version is SQLite's ``PRAGMA user_version``. Version 1 is made by
:func:`create_version_1`; ``STEPS[n]`` takes a file from version ``n + 1`` to
``n + 2``. A new file is made as version 1 and then taken through every step, so the
steps run on every new store as well as on old files, and there is one way to reach the
latest schema. To change the schema:

1. run ``tests/fixtures/make_workspace_fixture.py`` with the code *before* the change
   and commit the file it makes (the tests open it with the new code);
2. write one function ``def _to_version_N(conn)`` below and append it to ``STEPS``.

A step runs inside the transaction :func:`migrate` opened, so it must not commit, and
should keep writes of the previous version valid: a process of the previous
codex-jupyter may still have the file open (add tables and columns with defaults,
rather than renaming or dropping).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol, TypeVar

from ..errors import StoreFormatError

#: Written into the file header (``PRAGMA application_id``, bytes 68 to 71) so that a codex-jupyter store is
#: recognised, even without SQLite, among other files.
APPLICATION_ID = 0x43445853  # "CDXS"

Step = Callable[[sqlite3.Connection], None]

_VERSION_1 = """
CREATE TABLE sessions (
    id            TEXT PRIMARY KEY,
    title         TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    message_count INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE messages (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    id         TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
    content    TEXT NOT NULL,
    timestamp  TEXT NOT NULL,
    UNIQUE (session_id, position)
);
CREATE TABLE current_sessions (
    scope      TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE
)
"""


def create_version_1(conn: sqlite3.Connection) -> None:
    """The schema of the first release: sessions, their messages (one row each), and current sessions."""
    for statement in _VERSION_1.split(";"):
        conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")


#: How the full-text indexes split and fold words, as :mod:`codex_jupyter.search` does in Python. It is written
#: into the file by version 2: another tokenizer would need a step that rebuilds both indexes.
TOKENIZER = "unicode61 remove_diacritics 2"

_VERSION_2 = f"""
CREATE VIRTUAL TABLE messages_fts USING fts5(
    content, content = 'messages', content_rowid = 'seq', tokenize = '{TOKENIZER}'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, content) VALUES (new.seq, new.content);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.seq, old.content);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.seq, old.content);
    INSERT INTO messages_fts (rowid, content) VALUES (new.seq, new.content);
END;
CREATE VIRTUAL TABLE titles_fts USING fts5(title, session_id UNINDEXED, tokenize = '{TOKENIZER}');
CREATE TRIGGER titles_fts_insert AFTER INSERT ON sessions WHEN new.title IS NOT NULL BEGIN
    INSERT INTO titles_fts (title, session_id) VALUES (new.title, new.id);
END;
CREATE TRIGGER titles_fts_update AFTER UPDATE OF title ON sessions BEGIN
    DELETE FROM titles_fts WHERE session_id = old.id;
    INSERT INTO titles_fts (title, session_id) SELECT new.title, new.id WHERE new.title IS NOT NULL;
END;
CREATE TRIGGER titles_fts_delete AFTER DELETE ON sessions BEGIN
    DELETE FROM titles_fts WHERE session_id = old.id;
END;
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
INSERT INTO titles_fts (title, session_id) SELECT title, id FROM sessions WHERE title IS NOT NULL;
"""

_VERSION_3 = """
ALTER TABLE messages ADD COLUMN status TEXT NOT NULL DEFAULT 'complete'
    CHECK (status IN ('streaming', 'complete', 'cancelled', 'error', 'incomplete'));
ALTER TABLE messages ADD COLUMN error TEXT;
ALTER TABLE messages ADD COLUMN writer TEXT;
ALTER TABLE messages ADD COLUMN heartbeat_at TEXT;
ALTER TABLE messages ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
CREATE INDEX messages_by_id ON messages (id);
CREATE INDEX messages_by_revision ON messages (revision) WHERE revision > 0;
CREATE INDEX messages_streaming ON messages (status) WHERE status = 'streaming'
"""


def _to_version_2(conn: sqlite3.Connection) -> None:
    """Full-text search: FTS5 indexes of message contents and session titles, with what is stored already.

    Triggers keep both indexes in step with every write, including those of a process of
    version 1 that still has the file open: it writes the same tables, and SQLite runs the
    triggers for it. Messages are indexed as an external-content table (the text is kept
    once, in ``messages``), keyed by ``seq``, their ``INTEGER PRIMARY KEY``, which nothing
    renumbers. Sessions have no such key (a ``VACUUM`` may renumber their rowids), and
    titles are short, so ``titles_fts`` keeps its own copy, keyed by the session's id.
    """
    for statement in _statements(_VERSION_2):
        conn.execute(statement)


def _statements(script: str) -> Iterator[str]:
    """The statements of ``script``, each ended by ``;`` (``executescript`` would commit the migration's transaction).

    A trigger's body holds ``;`` too: :func:`sqlite3.complete_statement` tells where a statement really ends.
    """
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending
            pending = ""


def _to_version_3(conn: sqlite3.Connection) -> None:
    """Replies that grow while a model streams them.

    ``status`` (with ``error``) is where a message stands; rows written by the previous version
    get ``complete``, which is what they are. ``writer`` (``pid@host``) and ``heartbeat_at`` say
    who streams a ``streaming`` reply and when it last showed it was alive, so that a reply
    whose process died reads as ``incomplete``. ``revision`` grows on every change to a stored
    message, so other processes find updated messages the way they find new ones by ``seq``.
    """
    for statement in _VERSION_3.split(";"):
        conn.execute(statement)


#: ``STEPS[n]`` takes a file from version ``n + 1`` to ``n + 2``.
STEPS: tuple[Step, ...] = (_to_version_2, _to_version_3)


def latest_version(steps: Sequence[object] = STEPS) -> int:
    return 1 + len(steps)


def user_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


C = TypeVar("C")
C_contra = TypeVar("C_contra", contravariant=True)


class Schema(Protocol[C_contra]):
    """How one kind of database keeps its schema version: what :func:`migrate_schema` needs of it."""

    def version(self, conn: C_contra) -> int:
        """The stored schema version; 0 for a database without the schema."""
        ...

    def exclusive(self, conn: C_contra) -> AbstractContextManager[None]:
        """One transaction that no other process migrates at the same time."""
        ...

    def create_version_1(self, conn: C_contra) -> None: ...

    def set_version(self, conn: C_contra, version: int) -> None: ...


def migrate_schema(conn: C, schema: Schema[C], steps: Sequence[Callable[[C], None]], location: str) -> None:
    """Bring the database to the latest version (version 0: no schema yet) in one transaction.

    A database of a newer version is refused with ``StoreFormatError`` before anything is
    written. The version is read again inside the exclusive transaction, so of several
    processes opening an old database at once, one migrates and the others find it done.
    """
    latest = latest_version(steps)
    if check_version(schema.version(conn), latest, location) == latest:
        return  # the usual case: no lock taken
    with schema.exclusive(conn):
        version = check_version(schema.version(conn), latest, location)
        if version == 0:
            schema.create_version_1(conn)
            version = 1
        for step in steps[version - 1 :]:
            step(conn)
        schema.set_version(conn, latest)


class _WorkspaceFile:
    """The workspace file's version is ``PRAGMA user_version``; ``BEGIN IMMEDIATE`` takes SQLite's write lock."""

    def version(self, conn: sqlite3.Connection) -> int:
        return user_version(conn)

    @contextmanager
    def exclusive(self, conn: sqlite3.Connection) -> Iterator[None]:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def create_version_1(self, conn: sqlite3.Connection) -> None:
        create_version_1(conn)

    def set_version(self, conn: sqlite3.Connection, version: int) -> None:
        conn.execute(f"PRAGMA user_version = {version}")


def migrate(conn: sqlite3.Connection, location: str, steps: Sequence[Step] = STEPS) -> None:
    """Bring the workspace file to the latest version (see :func:`migrate_schema`)."""
    migrate_schema(conn, _WorkspaceFile(), steps, location)


def check_version(version: int, latest: int, location: str) -> int:
    """``version``, unless it is newer than this codex-jupyter understands (``StoreFormatError``)."""
    if version > latest:
        raise StoreFormatError(
            f"{location} uses store format {version}, newer than this codex-jupyter understands ({latest}); "
            "upgrade codex-jupyter to open it"
        )
    return version
