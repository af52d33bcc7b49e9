"""The workspace file: one SQLite database shared by a Jupyter server and all its kernels.

Durability: WAL journal with ``synchronous=FULL``. A transaction is on disk (WAL
fsynced) before :meth:`SQLiteBackend.transaction` returns, so an acknowledged write
survives a crash of the process and, where the disk honours fsync, a power loss.

Concurrency: every write is a ``BEGIN IMMEDIATE`` transaction, so writers queue on
SQLite's lock (with a long busy timeout) instead of failing with "database is
locked" halfway through; readers never block writers in WAL mode.

Seeing other processes' writes: ``PRAGMA data_version`` changes when another
connection commits, which makes "did anything change?" one cheap query.

Privacy: the file, the folders made for it and its lock file are created owner-only
(``0600``/``0700``); SQLite gives the ``-wal`` and ``-shm`` files the database's own
permissions. The schema is versioned and migrated by :mod:`.migrations`.

Failures of the disk or the file are raised as :class:`~codex_jupyter.errors.StorageError` s
naming the file (``StorageFullError``, ``StoreDamagedError``): clients show them as one line.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from filelock import FileLock

from ..errors import StorageError, StorageFullError, StoreDamagedError, StoreLocationError
from ..events import Disposable, StoreChange
from ..files import FILE_MODE, create_private_file, make_private_folders, storage_error
from ..locations import is_own_location
from ..models import ChatMessage
from ..search import SearchHit, SearchTerm
from . import fulltext, migrations, writers
from .base import SessionRecord
from .diff import external_changes
from .workspace_path import Found, identify, refusal, workspace_path

#: How long a writer waits for another process's transaction before giving up.
BUSY_TIMEOUT_SECONDS = 60.0

#: Ids bound in one ``IN (...)`` query, well under SQLite's limit on bound parameters.
_IDS_PER_QUERY = 500
_SESSION_COLUMNS = "id, title, created_at, updated_at, message_count"
_MESSAGE_COLUMNS = "id, role, content, timestamp, status, error, writer, heartbeat_at"
#: The next value of ``messages.revision``, which grows on every change to a stored message.
_NEXT_REVISION = "(SELECT coalesce(max(revision), 0) + 1 FROM messages WHERE revision > 0)"

# SQLite's primary result codes (https://sqlite.org/rescode.html) for failures of the file or the
# disk, which are reported as StorageErrors. Any other code (a syntax error, a constraint) is a bug.
_SQLITE_FULL = 13
_SQLITE_DAMAGED = {11, 26}  # CORRUPT, NOTADB
_SQLITE_UNUSABLE = {3, 5, 6, 8, 10, 14, 15, 22}  # PERM, BUSY, LOCKED, READONLY, IOERR, CANTOPEN, PROTOCOL, NOLFS
# Python 3.10 has no ``sqlite_errorcode``; there the code is told by SQLite's fixed message for it.
_CODE_BY_MESSAGE = {
    "database or disk is full": 13,
    "database disk image is malformed": 11,
    "file is not a database": 26,
    "access permission denied": 3,
    "database is locked": 5,
    "database table is locked": 6,
    "attempt to write a readonly database": 8,
    "disk I/O error": 10,
    "unable to open database file": 14,
    "locking protocol": 15,
    "large file support is disabled": 22,
}


class NotAStoreError(Exception):
    """The file is a valid SQLite database, but not one that codex-jupyter wrote."""


def _is_corruption(error: sqlite3.DatabaseError) -> bool:
    # SQLITE_CORRUPT ("malformed", truncated) and SQLITE_NOTADB (garbage) surface as the
    # base DatabaseError; its subclasses are locks, constraint failures and misuse.
    return type(error) is sqlite3.DatabaseError


def _sqlite_storage_error(error: sqlite3.Error, path: Path) -> StorageError | None:
    """The :class:`StorageError` a failure of the file or the disk means, naming the file; ``None`` for a bug."""
    code = getattr(error, "sqlite_errorcode", None)
    code = _CODE_BY_MESSAGE.get(str(error)) if code is None else code & 0xFF
    if code == _SQLITE_FULL:
        return StorageFullError(
            f"the disk holding the workspace file {path} is full, so nothing was saved; free some space and try again",
            path,
        )
    if code in _SQLITE_DAMAGED:
        return StoreDamagedError(
            f"the workspace file {path} is damaged ({error}), so nothing was saved; copy it somewhere safe "
            f"(`sqlite3 {path} .recover` may save its sessions), then remove it to start a fresh store",
            path,
        )
    if code in _SQLITE_UNUSABLE:
        return StorageError(f"cannot use the workspace file {path}: {error}", path)
    return None


def _record(row: tuple) -> SessionRecord:
    session_id, title, created_at, updated_at, count = row
    return SessionRecord(
        session_id, title, datetime.fromisoformat(created_at), datetime.fromisoformat(updated_at), count
    )


def _message(row: tuple) -> ChatMessage:
    message_id, role, content, timestamp, status, error, writer, heartbeat_at = row
    if status == "streaming" and writers.has_stopped(writer, _optional_time(heartbeat_at), _now()):
        status = "incomplete"
    return ChatMessage(message_id, role, content, datetime.fromisoformat(timestamp), status, error)


def _optional_time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _now() -> datetime:
    return datetime.now(timezone.utc)


class SQLiteBackend:
    """Sessions in a SQLite file; see the module docstring for the guarantees.

    ``steps`` are the schema migrations (see :mod:`.migrations`); tests pass their own.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        logger: logging.Logger | None = None,
        steps: Sequence[migrations.Step] = migrations.STEPS,
    ) -> None:
        self._path = workspace_path(path)
        self._logger = logger or logging.getLogger("codex_jupyter")
        self._steps = steps
        self._lock = threading.RLock()
        self._conn = self._open()
        self._data_version = self._read_data_version()
        # What this connection has seen, to tell other processes' changes apart.
        self._session_ids = {row[0] for row in self._conn.execute("SELECT id FROM sessions")}
        self._last_seq = self._conn.execute("SELECT coalesce(max(seq), 0) FROM messages").fetchone()[0]
        self._current = dict(self._conn.execute("SELECT scope, session_id FROM current_sessions").fetchall())
        self._titles = self._read_titles()
        self._external: list[StoreChange] = []
        self._after_commit: list[Callable[[], None]] = []
        # Streamed replies (see codex_jupyter.storage.writers): the latest change seen, and the replies other
        # processes are streaming, watched so that one whose writer dies is announced (nothing in the file changes).
        self._last_revision = self._conn.execute(
            "SELECT coalesce(max(revision), 0) FROM messages WHERE revision > 0"
        ).fetchone()[0]
        self._others_replies = writers.OthersReplies()
        self._mark_stopped_replies()

    @property
    def location(self) -> str:
        return str(self._path)

    @contextmanager
    def _translated(self) -> Iterator[None]:
        """Report failures of the file or the disk as :class:`StorageError` s naming the file; bugs pass as they are."""
        try:
            yield
        except sqlite3.Error as error:
            translated = _sqlite_storage_error(error, self._path)
            if translated is None:
                raise
            raise translated from error

    @contextmanager
    def _access(self) -> Iterator[None]:
        """Hold the connection (one thread at a time), with SQLite's failures translated."""
        with self._lock, self._translated():
            yield

    # -- opening, and recovering from a damaged store -------------------------------------

    def _open(self) -> sqlite3.Connection:
        """Connect, making the store or bringing it up to date; see the README's "Damaged files".

        A damaged store is moved aside. Anything else that is not a store is refused
        untouched, unless it sits in codex-jupyter's own folder (the default workspace
        files), where no other program keeps files: there it is damage too, and moved aside.
        """
        own = is_own_location(self._path)
        found, description = identify(self._path)
        if found is Found.OTHER and not own:
            raise refusal(self._path, description)  # before even a lock file is made beside it
        try:
            make_private_folders(self._path.parent)
            # Opening is serialised across processes so that two of them finding the same
            # damaged file do not both move it aside (the second would move the first's fresh store).
            with self._translated(), FileLock(f"{self._path}.lock", timeout=BUSY_TIMEOUT_SECONDS, mode=FILE_MODE):
                create_private_file(self._path)
                try:
                    return self._connect()
                except (NotAStoreError, sqlite3.DatabaseError) as error:
                    if isinstance(error, sqlite3.DatabaseError) and not _is_corruption(error):
                        raise
                    found, description = identify(self._path)
                    if found is not Found.STORE and not own:
                        why = str(error) if isinstance(error, NotAStoreError) else f"{description}: {error}"
                        raise refusal(self._path, why) from None
                    self._move_aside(error)
                    create_private_file(self._path)
                    return self._connect()
        except StorageError:
            raise
        except OSError as error:
            raise storage_error(error, "open the workspace file", self._path, kind=StoreLocationError) from None

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self._path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA synchronous = FULL")
            # Whose file is it? Asked before anything is written.
            self._check_identity(conn)
            # Made (or brought up to date) before switching to WAL, so that a new file's
            # header holds the application_id from its first commit (see workspace_path).
            migrations.migrate(conn, str(self._path), self._steps)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA foreign_keys = ON")
            # Read every session row so that a damaged file is found now, while it can be
            # moved aside safely, rather than in the middle of a user's work.
            conn.execute(f"SELECT {_SESSION_COLUMNS} FROM sessions").fetchall()
            conn.execute("SELECT max(seq) FROM messages").fetchone()
        except BaseException:
            conn.close()
            raise
        return conn

    @staticmethod
    def _check_identity(conn: sqlite3.Connection) -> None:
        """Raise ``NotAStoreError`` unless the file is a codex-jupyter store or an empty database."""
        application_id = conn.execute("PRAGMA application_id").fetchone()[0]
        if application_id == migrations.APPLICATION_ID:
            return
        tables = conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()[0]
        if application_id != 0 or tables != 0 or migrations.user_version(conn) != 0:
            raise NotAStoreError(f"a SQLite database with application_id {application_id} and {tables} tables")

    def _move_aside(self, error: Exception) -> None:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        target = self._path.with_name(f"{self._path.name}.corrupt-{stamp}")
        # The WAL and shared-memory files belong to the damaged database: a fresh
        # store must not replay them.
        for suffix in ("", "-wal", "-shm"):
            source = Path(f"{self._path}{suffix}")
            if source.exists():
                source.rename(f"{target}{suffix}")
        self._logger.error(
            "The workspace file %s is not a valid codex-jupyter store (%s). It was moved to %s "
            "and a fresh, empty store was started in its place.",
            self._path,
            error,
            target,
        )

    # -- transactions -------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._access():
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
        with self._access():
            rows = self._conn.execute(
                f"SELECT {_SESSION_COLUMNS} FROM sessions ORDER BY {order} LIMIT ? OFFSET ?",
                (-1 if limit is None else limit, offset),
            ).fetchall()
        return [_record(row) for row in rows]

    def count_sessions(self) -> int:
        with self._access():
            return self._conn.execute("SELECT count(*) FROM sessions").fetchone()[0]

    def get_session(self, session_id: str) -> SessionRecord | None:
        with self._access():
            row = self._conn.execute(f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE id = ?", (session_id,)).fetchone()
        return None if row is None else _record(row)

    def load_messages(self, session_id: str, start: int, stop: int) -> list[ChatMessage]:
        with self._access():
            rows = self._conn.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE session_id = ? AND position >= ? AND position < ? "
                "ORDER BY position",
                (session_id, start, stop),
            ).fetchall()
        return [_message(row) for row in rows]

    def search(self, terms: tuple[SearchTerm, ...], limit: int, session_id: str | None) -> list[SearchHit]:
        with self._access():
            return fulltext.search(self._conn, terms, limit, session_id)

    def get_message(self, session_id: str, message_id: str) -> ChatMessage | None:
        with self._access():
            row = self._conn.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE id = ? AND session_id = ?", (message_id, session_id)
            ).fetchone()
        return None if row is None else _message(row)

    def get_current(self, scope: str) -> SessionRecord | None:
        with self._access():
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
        self._after_commit.append(lambda: self._titles.__setitem__(record.id, record.title))

    def append_message(self, session_id: str, message: ChatMessage) -> None:
        timestamp = message.timestamp.isoformat()
        position = self._conn.execute(
            "UPDATE sessions SET message_count = message_count + 1, updated_at = ? WHERE id = ? "
            "RETURNING message_count - 1",
            (timestamp, session_id),
        ).fetchone()[0]
        seq = self._conn.execute(
            f"INSERT INTO messages (session_id, position, {_MESSAGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (session_id, position, message.id, message.role, message.content, timestamp, *self._state_of(message)),
        ).lastrowid
        self._after_commit.append(lambda: setattr(self, "_last_seq", seq))

    def rename_session(self, session_id: str, title: str, updated_at: datetime) -> None:
        self._conn.execute(
            "UPDATE sessions SET title = ?, updated_at = ? WHERE id = ?", (title, updated_at.isoformat(), session_id)
        )
        self._after_commit.append(lambda: self._titles.__setitem__(session_id, title))

    def import_session(self, record: SessionRecord, messages: Sequence[ChatMessage]) -> None:
        # Through the same writes as a new session and its appended messages, so that whatever
        # else the file keeps for each message is kept for these too.
        self.create_session(replace(record, message_count=0))
        for message in messages:
            self.append_message(record.id, message)
        self._conn.execute(
            "UPDATE sessions SET updated_at = ? WHERE id = ?", (record.updated_at.isoformat(), record.id)
        )

    def existing_session_ids(self, ids: Collection[str]) -> set[str]:
        return self._existing_ids("sessions", ids)

    def existing_message_ids(self, ids: Collection[str]) -> set[str]:
        return self._existing_ids("messages", ids)

    def _existing_ids(self, table: str, ids: Collection[str]) -> set[str]:
        """Which of ``ids`` are in ``table`` (both tables index their ``id``), a bounded number per query."""
        ids, found = list(ids), set()
        with self._access():
            for start in range(0, len(ids), _IDS_PER_QUERY):
                chunk = ids[start : start + _IDS_PER_QUERY]
                marks = ", ".join("?" * len(chunk))
                found |= {row[0] for row in self._conn.execute(f"SELECT id FROM {table} WHERE id IN ({marks})", chunk)}
        return found

    def update_message(self, session_id: str, message: ChatMessage, updated_at: datetime) -> bool:
        row = self._conn.execute(
            f"UPDATE messages SET content = ?, status = ?, error = ?, writer = ?, heartbeat_at = ?, "
            f"revision = {_NEXT_REVISION} WHERE session_id = ? AND id = ? RETURNING revision",
            (message.content, *self._state_of(message), session_id, message.id),
        ).fetchone()
        if row is None:
            return False
        self._conn.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (updated_at.isoformat(), session_id))
        self._after_commit.append(lambda: setattr(self, "_last_revision", row[0]))
        return True

    def heartbeat(self, session_id: str, message_id: str) -> None:
        self._conn.execute(
            "UPDATE messages SET heartbeat_at = ? WHERE session_id = ? AND id = ? AND status = 'streaming'",
            (_now().isoformat(), session_id, message_id),
        )

    @staticmethod
    def _state_of(message: ChatMessage) -> tuple[str, str | None, str | None, str | None]:
        """The status columns of a message: a streaming one is this process's, alive now."""
        if message.status == "streaming":
            return message.status, message.error, writers.this_writer(), _now().isoformat()
        return message.status, message.error, None, None

    def delete_session(self, session_id: str) -> list[str]:
        scopes = [
            row[0]
            for row in self._conn.execute("SELECT scope FROM current_sessions WHERE session_id = ?", (session_id,))
        ]
        self._conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))

        def forget() -> None:
            self._session_ids.discard(session_id)
            self._titles.pop(session_id, None)
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

    def on_external_changes(self, listener: Callable[[], object]) -> Disposable:
        """Changes are found by looking (``PRAGMA data_version``): nobody tells."""
        return Disposable(lambda: None)

    def poll_changes(self) -> list[StoreChange]:
        with self._access():
            if self._read_data_version() != self._data_version:
                self._take_external_changes()
            if self._others_replies:
                self._take_stopped_replies()
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
            renamed=self._take_renames(),
            updated=self._take_updated_messages(),
        )
        if rows:
            self._last_seq = rows[-1][0]
        self._session_ids, self._current = set(in_order), current

    # -- streamed replies: other processes' updates, and replies whose writer died ---------------

    def _take_updated_messages(self) -> list[tuple[str, ChatMessage]]:
        """The messages other processes changed (streamed replies growing or finishing) since the last look,
        each once, as it now stands."""
        rows = self._conn.execute(
            f"SELECT revision, session_id, {_MESSAGE_COLUMNS} FROM messages "
            "WHERE revision > 0 AND revision > ? ORDER BY revision",
            (self._last_revision,),
        ).fetchall()
        latest: dict[str, tuple[str, ChatMessage]] = {}  # one event per message, with where it stands now
        for revision, session_id, *columns in rows:
            message = _message(tuple(columns))
            latest[message.id] = (session_id, message)
            self._last_revision = revision
        self._others_replies.see(
            (message_id, writer, _optional_time(heartbeat_at))
            for message_id, writer, heartbeat_at in self._conn.execute(
                "SELECT id, writer, heartbeat_at FROM messages WHERE status = 'streaming'"
            )
        )
        return list(latest.values())

    def _take_stopped_replies(self) -> None:
        """Announce the replies of other processes that stopped streaming without finishing (their process died):
        nothing in the file changes when that happens, so it is looked for. They are recorded as incomplete."""
        if self._others_replies.any_stopped(_now()):
            self._external += writers.incomplete_changes(self._mark_stopped_replies(), self.get_message, self._external)

    def _mark_stopped_replies(self) -> list[tuple[str, str]]:
        """Record as ``incomplete`` the replies whose writer died mid-stream, so the file itself says so;
        return their session and message ids."""
        now = _now()
        streaming = self._conn.execute(
            "SELECT seq, session_id, id, writer, heartbeat_at FROM messages WHERE status = 'streaming'"
        ).fetchall()
        stopped = [row for row in streaming if writers.has_stopped(row[3], _optional_time(row[4]), now)]
        if not stopped:
            return []
        with self.transaction():
            for seq, *_, heartbeat_at in stopped:  # unless its writer showed it is alive meanwhile
                self._conn.execute(
                    "UPDATE messages SET status = 'incomplete', writer = NULL, heartbeat_at = NULL, "
                    f"revision = {_NEXT_REVISION} WHERE seq = ? AND status = 'streaming' AND heartbeat_at IS ?",
                    (seq, heartbeat_at),
                )
            self._after_commit.append(self._note_own_revision)
        marked = [(session_id, message_id) for _, session_id, message_id, *_ in stopped]
        self._others_replies.recorded_incomplete(marked, self._logger, str(self._path))
        return marked

    def _note_own_revision(self) -> None:
        self._last_revision = self._conn.execute(
            "SELECT coalesce(max(revision), 0) FROM messages WHERE revision > 0"
        ).fetchone()[0]

    # Renames are diffed apart from the rest: by title, for the sessions this connection already knew.

    def _read_titles(self) -> dict[str, str | None]:
        return dict(self._conn.execute("SELECT id, title FROM sessions ORDER BY rowid").fetchall())

    def _take_renames(self) -> list[str]:
        """The known sessions whose title another process changed."""
        titles = self._read_titles()
        renamed = [
            session_id
            for session_id, title in titles.items()
            if session_id in self._titles and self._titles[session_id] != title
        ]
        self._titles = titles
        return renamed

    def close(self) -> None:
        with self._lock:
            self._conn.close()
