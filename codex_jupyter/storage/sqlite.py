"""The workspace file: one SQLite database shared by a Jupyter server and all its kernels.

Durability: WAL journal with ``synchronous=FULL``. A transaction is on disk (WAL
fsynced) before :meth:`SQLiteBackend.transaction` returns, so an acknowledged write
survives a crash of the process and, where the disk honours fsync, a power loss.

Concurrency: every write is a ``BEGIN IMMEDIATE`` transaction, so writers queue on
SQLite's lock (with a long busy timeout) instead of failing with "database is
locked" halfway through; readers never block writers in WAL mode.

Seeing other processes' writes: ``PRAGMA data_version`` changes when another
connection commits, which makes "did anything change?" one cheap query.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from filelock import FileLock

from ..errors import StoreFormatError
from ..events import StoreChange
from ..models import ChatMessage
from .base import SessionRecord
from .diff import external_changes

#: Written into the file header (``PRAGMA application_id``) so a stranger's SQLite file is recognised.
APPLICATION_ID = 0x43445853  # "CDXS"
SCHEMA_VERSION = 1
#: How long a writer waits for another process's transaction before giving up.
BUSY_TIMEOUT_SECONDS = 60.0

_SCHEMA = """
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
);
"""

_SESSION_COLUMNS = "id, title, created_at, updated_at, message_count"
_MESSAGE_COLUMNS = "id, role, content, timestamp"


class NotAStoreError(Exception):
    """The file is a valid SQLite database, but not one that codex-jupyter wrote."""


def _is_corruption(error: sqlite3.DatabaseError) -> bool:
    # SQLITE_CORRUPT ("malformed", truncated) and SQLITE_NOTADB (garbage) surface as the
    # base DatabaseError; its subclasses are locks, constraint failures and misuse.
    return type(error) is sqlite3.DatabaseError


def _record(row: tuple) -> SessionRecord:
    session_id, title, created_at, updated_at, count = row
    return SessionRecord(
        session_id, title, datetime.fromisoformat(created_at), datetime.fromisoformat(updated_at), count
    )


def _message(row: tuple) -> ChatMessage:
    message_id, role, content, timestamp = row
    return ChatMessage(message_id, role, content, datetime.fromisoformat(timestamp))


class SQLiteBackend:
    """Sessions in a SQLite file; see the module docstring for the guarantees."""

    def __init__(self, path: str | os.PathLike[str], *, logger: logging.Logger | None = None) -> None:
        self._path = Path(path).expanduser().absolute()
        self._logger = logger or logging.getLogger("codex_jupyter")
        self._lock = threading.RLock()
        self._conn = self._open()
        self._data_version = self._read_data_version()
        # What this connection has seen, to tell other processes' changes apart.
        self._session_ids = {row[0] for row in self._conn.execute("SELECT id FROM sessions")}
        self._last_seq = self._conn.execute("SELECT coalesce(max(seq), 0) FROM messages").fetchone()[0]
        self._current = dict(self._conn.execute("SELECT scope, session_id FROM current_sessions").fetchall())
        self._external: list[StoreChange] = []
        self._after_commit: list[Callable[[], None]] = []

    @property
    def location(self) -> str:
        return str(self._path)

    # -- opening, and recovering from a file that is not a store -------------------------

    def _open(self) -> sqlite3.Connection:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        # Opening is serialised across processes so that two of them finding the same
        # damaged file do not both move it aside (the second would move the first's fresh store).
        with FileLock(f"{self._path}.lock", timeout=BUSY_TIMEOUT_SECONDS):
            try:
                return self._connect()
            except (NotAStoreError, sqlite3.DatabaseError) as error:
                if isinstance(error, sqlite3.DatabaseError) and not _is_corruption(error):
                    raise
                moved_to = self._move_aside()
                self._logger.error(
                    "The workspace file %s is not a valid codex-jupyter store (%s). It was moved to %s "
                    "and a fresh, empty store was started in its place.",
                    self._path,
                    error,
                    moved_to,
                )
                return self._connect()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self._path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False)
        try:
            # Whose file is it? Asked before anything is written: switching the journal
            # mode would already change a stranger's file.
            is_new = self._check_identity(conn)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            if is_new:
                self._create_schema(conn)
            # Read every session row so that a damaged file is found now, while it can be
            # moved aside safely, rather than in the middle of a user's work.
            conn.execute(f"SELECT {_SESSION_COLUMNS} FROM sessions").fetchall()
            conn.execute("SELECT max(seq) FROM messages").fetchone()
        except BaseException:
            conn.close()
            raise
        return conn

    def _check_identity(self, conn: sqlite3.Connection) -> bool:
        """Return whether the file is empty; raise if it belongs to someone else or to a newer version."""
        application_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()[0]
        if application_id == 0 and tables == 0:
            return True
        if application_id != APPLICATION_ID:
            raise NotAStoreError(f"SQLite database with application_id {application_id}, not a codex-jupyter store")
        if version > SCHEMA_VERSION:
            raise StoreFormatError(
                f"{self._path} uses store format {version}, newer than this codex-jupyter "
                f"understands ({SCHEMA_VERSION}); upgrade codex-jupyter to open it"
            )
        return False

    @staticmethod
    def _create_schema(conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in filter(str.strip, _SCHEMA.split(";")):
                conn.execute(statement)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _move_aside(self) -> Path:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        target = self._path.with_name(f"{self._path.name}.corrupt-{stamp}")
        # The WAL and shared-memory files belong to the damaged database: a fresh
        # store must not replay them.
        for suffix in ("", "-wal", "-shm"):
            source = Path(f"{self._path}{suffix}")
            if source.exists():
                source.rename(f"{target}{suffix}")
        return target

    # -- transactions -------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                # Holding the write lock: take in what others committed first, so our
                # bookkeeping of "what we have seen" stays in commit order.
                self._take_external_changes()
                yield
                self._conn.execute("COMMIT")
            except BaseException:
                self._after_commit.clear()
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
            for apply in self._after_commit:
                apply()
            self._after_commit.clear()

    # -- reads --------------------------------------------------------------------------

    def list_sessions(
        self, offset: int = 0, limit: int | None = None, *, recent_first: bool = False
    ) -> list[SessionRecord]:
        # ISO 8601 UTC strings sort in time order, so updated_at needs no parsing to be ordered.
        order = "updated_at DESC, rowid DESC" if recent_first else "rowid"
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {_SESSION_COLUMNS} FROM sessions ORDER BY {order} LIMIT ? OFFSET ?",
                (-1 if limit is None else limit, offset),
            ).fetchall()
        return [_record(row) for row in rows]

    def count_sessions(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT count(*) FROM sessions").fetchone()[0]

    def get_session(self, session_id: str) -> SessionRecord | None:
        with self._lock:
            row = self._conn.execute(f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE id = ?", (session_id,)).fetchone()
        return None if row is None else _record(row)

    def load_messages(self, session_id: str, start: int, stop: int) -> list[ChatMessage]:
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE session_id = ? AND position >= ? AND position < ? "
                "ORDER BY position",
                (session_id, start, stop),
            ).fetchall()
        return [_message(row) for row in rows]

    def get_current(self, scope: str) -> SessionRecord | None:
        with self._lock:
            row = self._conn.execute(
                f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE id = "
                "(SELECT session_id FROM current_sessions WHERE scope = ?)",
                (scope,),
            ).fetchone()
        return None if row is None else _record(row)

    # -- writes (inside a transaction) ----------------------------------------------------

    def create_session(self, record: SessionRecord) -> None:
        self._conn.execute(
            f"INSERT INTO sessions ({_SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?)",
            (record.id, record.title, record.created_at.isoformat(), record.updated_at.isoformat(), 0),
        )
        self._after_commit.append(lambda: self._session_ids.add(record.id))

    def append_message(self, session_id: str, message: ChatMessage) -> None:
        timestamp = message.timestamp.isoformat()
        position = self._conn.execute(
            "UPDATE sessions SET message_count = message_count + 1, updated_at = ? WHERE id = ? "
            "RETURNING message_count - 1",
            (timestamp, session_id),
        ).fetchone()[0]
        seq = self._conn.execute(
            f"INSERT INTO messages (session_id, position, {_MESSAGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
            (session_id, position, message.id, message.role, message.content, timestamp),
        ).lastrowid
        self._after_commit.append(lambda: setattr(self, "_last_seq", seq))

    def delete_session(self, session_id: str) -> list[str]:
        scopes = [
            row[0]
            for row in self._conn.execute("SELECT scope FROM current_sessions WHERE session_id = ?", (session_id,))
        ]
        self._conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))

        def forget() -> None:
            self._session_ids.discard(session_id)
            for scope in scopes:
                self._current.pop(scope, None)

        self._after_commit.append(forget)
        return scopes

    def set_current(self, scope: str, session_id: str | None) -> None:
        if session_id is None:
            self._conn.execute("DELETE FROM current_sessions WHERE scope = ?", (scope,))
            self._after_commit.append(lambda: self._current.pop(scope, None))
        else:
            self._conn.execute(
                "INSERT INTO current_sessions (scope, session_id) VALUES (?, ?) "
                "ON CONFLICT (scope) DO UPDATE SET session_id = excluded.session_id",
                (scope, session_id),
            )
            self._after_commit.append(lambda: self._current.__setitem__(scope, session_id))

    # -- other processes' changes ---------------------------------------------------------

    def poll_changes(self) -> list[StoreChange]:
        with self._lock:
            if self._read_data_version() != self._data_version:
                self._take_external_changes()
            changes, self._external = self._external, []
        return changes

    def _read_data_version(self) -> int:
        return self._conn.execute("PRAGMA data_version").fetchone()[0]

    def _take_external_changes(self) -> None:
        """Diff the file against what this connection has seen, queueing the differences as events."""
        version = self._read_data_version()
        if version == self._data_version:
            return
        self._data_version = version
        conn = self._conn
        in_order = [row[0] for row in conn.execute("SELECT id FROM sessions ORDER BY rowid")]
        rows = conn.execute(
            f"SELECT seq, session_id, {_MESSAGE_COLUMNS} FROM messages WHERE seq > ? ORDER BY seq", (self._last_seq,)
        ).fetchall()
        current = dict(conn.execute("SELECT scope, session_id FROM current_sessions").fetchall())
        self._external += external_changes(
            seen=self._session_ids,
            sessions=in_order,
            added=[(session_id, _message(tuple(columns))) for _, session_id, *columns in rows],
            seen_current=self._current,
            current=current,
        )
        if rows:
            self._last_seq = rows[-1][0]
        self._session_ids, self._current = set(in_order), current

    def close(self) -> None:
        with self._lock:
            self._conn.close()
