"""Sessions in PostgreSQL, for JupyterHub deployments: many processes on many hosts, one database.

Same guarantees as the workspace file:

- **Durable when acknowledged.** A transaction returns once ``COMMIT`` returned, with
  ``synchronous_commit = on`` set by every connection (see :mod:`.database`).
- **Appends cost the same at any size.** A message is one row; its position is the session's
  message count, taken under the session row's lock (``UPDATE ... RETURNING``), never read
  first and written after.
- **Concurrent writers lose nothing.** One owner's transactions take their change number
  under the owner row's lock first (see :mod:`.schema`), so they commit one at a time, each
  writer's in its own order; readers find what others changed by number.
- **A dropped connection or a restarting server is retried** for up to ``retry_seconds``. The
  backend logs each write of a transaction; if the connection drops before ``COMMIT`` the
  transaction is run again from its log on a new connection; if it drops *during* ``COMMIT``, the
  old server process is ended (``pg_terminate_backend``) and ``pg_xact_status`` says whether the
  commit happened, so an acknowledged write is never lost and none is written twice. A replay
  whose outcome cannot be known skips what is already there (a message by its id).

Other processes' changes come by ``LISTEN/NOTIFY`` (:mod:`.listener`) once someone subscribes
with :meth:`PostgresBackend.on_external_changes`; until then ``poll_changes`` asks for the
owner's change number, one indexed row.

Isolation is PostgreSQL's: the backend connects as the user's own role, and row-level security
shows it only its own rows.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, TypeVar

import psycopg

from ...errors import SessionNotFoundError
from ...events import Disposable, StoreChange
from ...models import ChatMessage
from ...search import SearchHit, SearchTerm
from .. import writers
from ..base import SessionRecord
from ..diff import external_changes
from . import fulltext, schema
from .database import RETRY_SECONDS, Database, is_transient
from .listener import Listener

T = TypeVar("T")

_SESSION_COLUMNS = "id, title, created_at, updated_at, message_count"
_MESSAGE_COLUMNS = 'id, role, content, "timestamp", status, error, writer, heartbeat_at'
_SESSIONS = "codex_jupyter.sessions"
_MESSAGES = "codex_jupyter.messages"
_CURRENT = "codex_jupyter.current_sessions"
_OWNERS = "codex_jupyter.owners"

#: Takes this transaction's change number, and with it the owner's lock; makes the owner's row on its first write.
_TAKE_REVISION = f"""
INSERT INTO {_OWNERS} AS o (owner) VALUES (current_user)
ON CONFLICT (owner) DO UPDATE SET revision = o.revision + 1
RETURNING o.revision, o.sessions_revision, pg_current_xact_id()::text
"""
_APPEND = f"""
WITH slot AS (
    UPDATE {_SESSIONS} SET message_count = message_count + 1, updated_at = %(timestamp)s
    WHERE owner = current_user AND id = %(session_id)s
    RETURNING message_count - 1 AS position
)
INSERT INTO {_MESSAGES} (session_id, position, {_MESSAGE_COLUMNS}, added, revision, words)
SELECT %(session_id)s, position, %(id)s, %(role)s, %(content)s, %(timestamp)s, %(status)s, %(error)s, %(writer)s,
       CASE WHEN %(writer)s::text IS NULL THEN NULL ELSE statement_timestamp() END,
       %(revision)s, %(revision)s, %(words)s::tsvector
FROM slot
RETURNING position
"""


def _one(cursor: psycopg.Cursor) -> tuple[Any, ...]:
    """The row of a query that always returns one."""
    row = cursor.fetchone()
    assert row is not None
    return row


def _record(row: Sequence[Any]) -> SessionRecord:
    session_id, title, created_at, updated_at, count = row
    return SessionRecord(session_id, title, created_at, updated_at, count)


@dataclass
class _Transaction:
    """One transaction of the store, which may take several attempts: its writes are logged to be run again."""

    thread: int
    writes: list[Callable[[bool], object]] = field(default_factory=list)
    conn: psycopg.Connection | None = None
    # The current attempt:
    pid: int = 0
    revision: int | None = None
    sessions_before: int = 0
    xid: int | None = None
    touched_sessions: bool = False
    after_commit: list[Callable[[], None]] = field(default_factory=list)

    def begin(self, conn: psycopg.Connection) -> None:
        conn.execute("BEGIN")
        self.conn, self.pid = conn, conn.info.backend_pid
        self.revision = self.xid = None
        self.touched_sessions = False
        self.after_commit = []


class PostgresBackend:
    """Sessions in the PostgreSQL database at ``url``, as its role sees them; see the module docstring."""

    def __init__(
        self,
        url: str,
        *,
        logger: logging.Logger | None = None,
        retry_seconds: float = RETRY_SECONDS,
        steps: tuple[schema.Step, ...] = schema.STEPS,
    ) -> None:
        self._logger = logger or logging.getLogger("codex_jupyter")
        self._database = Database(url, logger=self._logger, retry_seconds=retry_seconds)
        self._lock = threading.RLock()
        self._transaction: _Transaction | None = None
        self._external: list[StoreChange] = []
        self._listener: Listener | None = None
        self._just_committed = False
        self._own: set[int] = set()  # own changes committed after a change of another process not yet looked at
        conn = self._database.connect()
        try:
            with self._database.translated():
                schema.migrate(conn, self.location, steps)
                self._start_watching(conn)
        finally:
            conn.close()
        self._mark_stopped_replies()

    @property
    def location(self) -> str:
        """The database's URL without its password."""
        return self._database.location

    def _start_watching(self, conn: psycopg.Connection) -> None:
        """What this backend has seen: the state other processes' changes are told against."""
        conn.execute(f"INSERT INTO {_OWNERS} (owner) VALUES (current_user) ON CONFLICT DO NOTHING")
        self._seen, self._seen_sessions, self._channel, owner = _one(
            conn.execute(
                f"SELECT revision, sessions_revision, channel, owner FROM {_OWNERS} WHERE owner = current_user"
            )
        )
        self._tag = fulltext.owner_tag(owner)
        self._titles: dict[str, str | None] = dict(
            conn.execute(f"SELECT id, title FROM {_SESSIONS} WHERE owner = current_user ORDER BY seq").fetchall()
        )
        self._current: dict[str, str] = dict(
            conn.execute(f"SELECT scope, session_id FROM {_CURRENT} WHERE owner = current_user").fetchall()
        )
        # Other hosts' clocks may differ from this one's: heartbeats are the server's time, and so is "now".
        server_now = _one(conn.execute("SELECT statement_timestamp()"))[0]
        self._clock_offset = server_now - datetime.now(timezone.utc)
        self._others_replies = writers.OthersReplies()
        self._others_replies.see(self._streaming(conn))

    def _now(self) -> datetime:
        return datetime.now(timezone.utc) + self._clock_offset

    def _message(self, row: Sequence[Any]) -> ChatMessage:
        message_id, role, content, timestamp, status, error, writer, heartbeat_at = row
        if status == "streaming" and writers.has_stopped(writer, heartbeat_at, self._now()):
            status = "incomplete"
        return ChatMessage(message_id, role, content, timestamp, status, error)

    # -- transactions ----------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            transaction = _Transaction(threading.get_ident())
            self._database.retrying(lambda: self._begin(transaction))
            self._transaction = transaction
            try:
                yield
                self._commit(transaction)
            except BaseException:
                self._abandon(transaction)
                raise
            finally:
                self._transaction = None
            for apply in transaction.after_commit:
                apply()
            self._just_committed = True

    def _begin(self, transaction: _Transaction) -> None:
        """A new attempt of ``transaction``, on a connection from the pool."""
        conn = self._database.getconn(self._database.deadline())
        try:
            transaction.begin(conn)
        except BaseException:
            conn.close()
            self._database.putconn(conn)
            raise

    def _in_transaction(self) -> _Transaction | None:
        """The transaction this thread is in, if any: its reads must see its own writes."""
        transaction = self._transaction
        return transaction if transaction is not None and transaction.thread == threading.get_ident() else None

    def _write(self, write: Callable[[bool], T]) -> T:
        """Run one write of the current transaction, logged so that it can run again on another connection.

        ``write(replaying)``: ``replaying`` is true when an earlier attempt of the transaction may have
        committed, so the write must skip what is already there.
        """
        transaction = self._transaction
        assert transaction is not None, "writes happen inside transaction()"
        transaction.writes.append(write)
        return self._attempt(transaction, lambda: write(False), len(transaction.writes) - 1)

    def _read(self, read: Callable[[psycopg.Connection], T]) -> T:
        transaction = self._in_transaction()
        if transaction is None:
            return self._database.run(read)
        return self._attempt(transaction, lambda: read(self._conn()), len(transaction.writes))

    def _conn(self) -> psycopg.Connection:
        transaction = self._transaction
        assert transaction is not None and transaction.conn is not None
        return transaction.conn

    def _attempt(self, transaction: _Transaction, work: Callable[[], T], replayed: int) -> T:
        """``work()`` inside ``transaction``; if the connection drops, a new attempt replays the first ``replayed``
        writes (the transaction had not reached ``COMMIT``, so nothing of it was stored) and runs ``work`` again."""
        return self._database.retrying(
            work, between=lambda: self._restart(transaction, transaction.writes[:replayed], replaying=False)
        )

    def _restart(self, transaction: _Transaction, writes: list[Callable[[bool], object]], *, replaying: bool) -> None:
        """A new attempt of ``transaction`` on a fresh connection, with ``writes`` run again."""

        def again() -> None:
            self._drop(transaction)
            self._begin(transaction)
            for write in writes:
                write(replaying)

        self._database.retrying(again)

    def _commit(self, transaction: _Transaction) -> None:
        conn = self._conn()
        try:
            with self._database.translated():
                conn.execute("COMMIT")
        except Exception as error:
            if not (error.__cause__ is not None and is_transient(error.__cause__)):
                raise
            self._commit_again(transaction)
        else:
            self._database.putconn(conn)

    def _commit_again(self, transaction: _Transaction) -> None:
        """The connection dropped during ``COMMIT``: find out whether it committed, else run the transaction again."""
        deadline = self._database.deadline()

        def settle() -> None:
            committed = self._database.run(lambda conn: self._outcome(conn, transaction, deadline))
            if committed:
                self._drop(transaction)
                return
            self._restart(transaction, transaction.writes, replaying=committed is None)
            self._conn().execute("COMMIT")
            self._database.putconn(self._conn())

        self._database.retrying(settle, deadline)

    def _outcome(self, conn: psycopg.Connection, transaction: _Transaction, deadline: float) -> bool | None:
        """Whether the attempt that lost its connection committed; ``None`` when it cannot be known.

        Its server process is ended first if it still runs, so it can neither commit later nor hold locks.
        """
        if transaction.xid is None:
            return None
        conn.execute(
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
            "WHERE pid = %s AND usename = current_user AND backend_xid::text = %s",
            (transaction.pid, str(transaction.xid % 2**32)),
        )
        while True:
            try:
                status = _one(conn.execute("SELECT pg_xact_status(%s::xid8)", (str(transaction.xid),)))[0]
            except psycopg.errors.InvalidParameterValue:
                return False  # "in the future": a server that crashed never logged this transaction id
            if status != "in progress" or time.monotonic() > deadline:
                return {"committed": True, "aborted": False}.get(status)
            time.sleep(0.05)

    def _abandon(self, transaction: _Transaction) -> None:
        conn, transaction.conn = transaction.conn, None
        if conn is None:
            return
        try:
            if not conn.broken:
                conn.execute("ROLLBACK")
        except psycopg.Error:
            pass  # the connection is gone, and the transaction with it
        self._database.putconn(conn)

    def _drop(self, transaction: _Transaction) -> None:
        """Give up the attempt's connection, which failed: the pool closes it."""
        conn, transaction.conn = transaction.conn, None
        if conn is not None:
            conn.close()
            self._database.putconn(conn)

    def _revision(self) -> int:
        """This transaction's change number. Taking it waits for the owner's other transactions (so changes
        commit in the order of their numbers); what they changed is looked at after this one commits, outside
        the owner's lock, so that writers from many processes hold it only for their own writes."""
        transaction = self._transaction
        assert transaction is not None
        if transaction.revision is None:
            revision, sessions_before, xid = _one(self._conn().execute(_TAKE_REVISION))
            transaction.revision, transaction.sessions_before, transaction.xid = revision, sessions_before, int(xid)
            transaction.after_commit.append(lambda: self._committed_own(revision))
        return transaction.revision

    def _committed_own(self, revision: int) -> None:
        """Count ``revision`` as seen, with the run of this backend's own changes it completes; a gap before
        it (another process's changes) stays to be looked at."""
        self._own.add(revision)
        while self._seen + 1 in self._own:
            self._seen += 1
            self._own.discard(self._seen)

    def _touch_sessions(self) -> None:
        """Say that this transaction changes the list of sessions, their titles or the current ones."""
        transaction = self._transaction
        assert transaction is not None
        revision = self._revision()
        if not transaction.touched_sessions:
            transaction.touched_sessions = True
            self._conn().execute(f"UPDATE {_OWNERS} SET sessions_revision = revision WHERE owner = current_user")
            before = transaction.sessions_before

            def seen() -> None:
                if before <= self._seen_sessions:  # else another process changed them first: look at the list
                    self._seen_sessions = revision

            transaction.after_commit.append(seen)

    def _after_commit(self, apply: Callable[[], None]) -> None:
        transaction = self._transaction
        assert transaction is not None
        transaction.after_commit.append(apply)

    # -- reads ----------------------------------------------------------------------------

    def list_sessions(
        self, offset: int = 0, limit: int | None = None, *, recent_first: bool = False
    ) -> list[SessionRecord]:
        order = "updated_at DESC, seq DESC" if recent_first else "seq"
        rows = self._read(
            lambda conn: conn.execute(
                f"SELECT {_SESSION_COLUMNS} FROM {_SESSIONS} WHERE owner = current_user ORDER BY {order} "
                "LIMIT %s OFFSET %s",
                (limit, offset),
            ).fetchall()
        )
        return [_record(row) for row in rows]

    def count_sessions(self) -> int:
        return self._read(
            lambda conn: _one(conn.execute(f"SELECT count(*) FROM {_SESSIONS} WHERE owner = current_user"))[0]
        )

    def get_session(self, session_id: str) -> SessionRecord | None:
        row = self._read(
            lambda conn: conn.execute(
                f"SELECT {_SESSION_COLUMNS} FROM {_SESSIONS} WHERE owner = current_user AND id = %s", (session_id,)
            ).fetchone()
        )
        return None if row is None else _record(row)

    def load_messages(self, session_id: str, start: int, stop: int) -> list[ChatMessage]:
        rows = self._read(
            lambda conn: conn.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM {_MESSAGES} WHERE owner = current_user AND session_id = %s "
                "AND position >= %s AND position < %s ORDER BY position",
                (session_id, start, stop),
            ).fetchall()
        )
        return [self._message(row) for row in rows]

    def get_message(self, session_id: str, message_id: str) -> ChatMessage | None:
        row = self._read(
            lambda conn: conn.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM {_MESSAGES} "
                "WHERE owner = current_user AND id = %s AND session_id = %s",
                (message_id, session_id),
            ).fetchone()
        )
        return None if row is None else self._message(row)

    def get_current(self, scope: str) -> SessionRecord | None:
        row = self._read(
            lambda conn: conn.execute(
                f"SELECT {_SESSION_COLUMNS} FROM {_SESSIONS} WHERE owner = current_user AND id = "
                f"(SELECT session_id FROM {_CURRENT} WHERE owner = current_user AND scope = %s)",
                (scope,),
            ).fetchone()
        )
        return None if row is None else _record(row)

    def existing_session_ids(self, ids: Collection[str]) -> set[str]:
        return self._existing_ids(_SESSIONS, ids)

    def existing_message_ids(self, ids: Collection[str]) -> set[str]:
        return self._existing_ids(_MESSAGES, ids)

    def _existing_ids(self, table: str, ids: Collection[str]) -> set[str]:
        rows = self._read(
            lambda conn: conn.execute(
                f"SELECT id FROM {table} WHERE owner = current_user AND id = ANY(%s)", (list(ids),)
            ).fetchall()
        )
        return {row[0] for row in rows}

    def search(self, terms: tuple[SearchTerm, ...], limit: int, session_id: str | None) -> list[SearchHit]:
        return self._read(lambda conn: fulltext.search(conn, terms, limit, session_id, self._tag))

    # -- writes (inside a transaction) ------------------------------------------------------

    def create_session(self, record: SessionRecord) -> None:
        self._write(lambda replaying: self._insert_session(record, replaying))
        self._after_commit(lambda: self._saw_session(record.id, record.title))

    def _insert_session(self, record: SessionRecord, replaying: bool) -> bool:
        """Insert the session's row; whether it was inserted (a replay finds it there when it was committed)."""
        self._touch_sessions()
        row = (
            self._conn()
            .execute(
                f"INSERT INTO {_SESSIONS} ({_SESSION_COLUMNS}, title_words) VALUES (%s, %s, %s, %s, %s, %s::tsvector) "
                f"{'ON CONFLICT DO NOTHING' if replaying else ''} RETURNING 1",
                (
                    record.id,
                    record.title,
                    record.created_at,
                    record.updated_at,
                    record.message_count,
                    None if record.title is None else fulltext.tsvector(record.title, self._tag),
                ),
            )
            .fetchone()
        )
        return row is not None

    def _saw_session(self, session_id: str, title: str | None) -> None:
        self._titles[session_id] = title

    def append_message(self, session_id: str, message: ChatMessage) -> None:
        self._write(lambda replaying: self._append(session_id, message, replaying))

    def _append(self, session_id: str, message: ChatMessage, replaying: bool) -> None:
        revision = self._revision()
        conn = self._conn()
        if (
            replaying
            and conn.execute(
                f"SELECT 1 FROM {_MESSAGES} WHERE owner = current_user AND id = %s", (message.id,)
            ).fetchone()
        ):
            return
        row = conn.execute(
            _APPEND,
            {
                "session_id": session_id,
                "id": message.id,
                "role": message.role,
                "content": message.content,
                "timestamp": message.timestamp,
                "status": message.status,
                "error": message.error,
                "writer": writers.this_writer() if message.status == "streaming" else None,
                "revision": revision,
                "words": fulltext.tsvector(message.content, self._tag),
            },
        ).fetchone()
        if row is None:  # deleted by another process since this transaction read it
            raise SessionNotFoundError(session_id)

    def rename_session(self, session_id: str, title: str, updated_at: datetime) -> None:
        def rename(replaying: bool) -> None:
            self._touch_sessions()
            self._conn().execute(
                f"UPDATE {_SESSIONS} SET title = %s, title_words = %s::tsvector, updated_at = %s "
                "WHERE owner = current_user AND id = %s",
                (title, fulltext.tsvector(title, self._tag), updated_at, session_id),
            )

        self._write(rename)
        self._after_commit(lambda: self._titles.__setitem__(session_id, title))

    def import_session(self, record: SessionRecord, messages: Sequence[ChatMessage]) -> None:
        def insert(replaying: bool) -> None:
            revision = self._revision()
            if not self._insert_session(record, replaying):
                return  # a replay, and the earlier attempt had committed it
            with self._conn().cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {_MESSAGES} (session_id, position, {_MESSAGE_COLUMNS}, added, revision, words) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, NULL, NULL, %s, %s, %s::tsvector)",
                    [
                        (
                            record.id,
                            position,
                            message.id,
                            message.role,
                            message.content,
                            message.timestamp,
                            message.status,
                            message.error,
                            revision,
                            revision,
                            fulltext.tsvector(message.content, self._tag),
                        )
                        for position, message in enumerate(messages)
                    ],
                )

        self._write(insert)
        self._after_commit(lambda: self._saw_session(record.id, record.title))

    def update_message(self, session_id: str, message: ChatMessage, updated_at: datetime) -> bool:
        def update(replaying: bool) -> bool:
            revision = self._revision()
            conn = self._conn()
            streaming = message.status == "streaming"
            row = conn.execute(
                f"UPDATE {_MESSAGES} SET content = %s, words = %s::tsvector, status = %s, error = %s, writer = %s, "
                "heartbeat_at = CASE WHEN %s THEN statement_timestamp() END, revision = %s "
                "WHERE owner = current_user AND session_id = %s AND id = %s RETURNING 1",
                (
                    message.content,
                    fulltext.tsvector(message.content, self._tag),
                    message.status,
                    message.error,
                    writers.this_writer() if streaming else None,
                    streaming,
                    revision,
                    session_id,
                    message.id,
                ),
            ).fetchone()
            if row is None:
                return False
            conn.execute(
                f"UPDATE {_SESSIONS} SET updated_at = %s WHERE owner = current_user AND id = %s",
                (updated_at, session_id),
            )
            return True

        return self._write(update)

    def heartbeat(self, session_id: str, message_id: str) -> None:
        self._write(
            lambda replaying: self._conn().execute(
                f"UPDATE {_MESSAGES} SET heartbeat_at = statement_timestamp() "
                "WHERE owner = current_user AND session_id = %s AND id = %s AND status = 'streaming'",
                (session_id, message_id),
            )
        )

    def delete_session(self, session_id: str) -> list[str]:
        def delete(replaying: bool) -> list[str]:
            self._touch_sessions()
            conn = self._conn()
            scopes = conn.execute(
                f"DELETE FROM {_CURRENT} WHERE owner = current_user AND session_id = %s RETURNING scope",
                (session_id,),
            ).fetchall()
            conn.execute(f"DELETE FROM {_SESSIONS} WHERE owner = current_user AND id = %s", (session_id,))
            return sorted(scope for (scope,) in scopes)

        scopes = self._write(delete)

        def forget() -> None:
            self._titles.pop(session_id, None)
            for scope in scopes:
                self._current.pop(scope, None)

        self._after_commit(forget)
        return scopes

    def set_current(self, scope: str, session_id: str | None) -> None:
        def set_current(replaying: bool) -> None:
            self._touch_sessions()
            if session_id is None:
                self._conn().execute(f"DELETE FROM {_CURRENT} WHERE owner = current_user AND scope = %s", (scope,))
            else:
                self._conn().execute(
                    f"INSERT INTO {_CURRENT} (scope, session_id) VALUES (%s, %s) "
                    "ON CONFLICT (owner, scope) DO UPDATE SET session_id = excluded.session_id",
                    (scope, session_id),
                )

        self._write(set_current)

        def remember() -> None:
            if session_id is None:
                self._current.pop(scope, None)
            else:
                self._current[scope] = session_id

        self._after_commit(remember)

    # -- other processes' changes -------------------------------------------------------------

    def on_external_changes(self, listener: Callable[[], object]) -> Disposable:
        """Call ``listener()`` (on the listening thread) when other processes' changes wait in :meth:`poll_changes`.

        The first subscriber starts listening (one more connection): a process nobody asks to follow
        changes, such as a kernel, keeps none open for it.
        """
        with self._lock:
            if self._listener is None:
                self._listener = Listener(self._listen_connection, self._channel, lambda: self._seen, self._logger)
            return self._listener.subscribe(listener)

    def wait_listening(self, timeout: float) -> bool:
        """Whether the listener is in place within ``timeout`` seconds (changes sent before are not pushed)."""
        return self._listener is not None and self._listener.wait_connected(timeout)

    def _listen_connection(self, options: dict[str, int]) -> psycopg.Connection:
        return psycopg.connect(psycopg.conninfo.make_conninfo(self._database.url, **options), autocommit=True)

    def poll_changes(self) -> list[StoreChange]:
        with self._lock:
            if self._just_committed:
                # Right after a write: look only if another process committed between this one's changes.
                self._just_committed = False
                look = bool(self._own)
            else:
                look = self._listener is None or self._listener.take_waiting()
            if look:
                self._database.run(self._look)
            if self._others_replies:
                self._take_stopped_replies()
            changes, self._external = self._external, []
        return changes

    def _look(self, conn: psycopg.Connection) -> None:
        """Take in what other processes committed, from one snapshot of the owner's rows."""
        with conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            row = conn.execute(
                f"SELECT revision, sessions_revision FROM {_OWNERS} WHERE owner = current_user"
            ).fetchone()
            if row is not None and row[0] > self._seen:
                self._take_external_changes(conn, *row)

    def _take_external_changes(self, conn: psycopg.Connection, upto: int, sessions_revision: int) -> None:
        """Queue, as events, what changed from the last change this backend saw to change ``upto``.

        The list of sessions is read only when a change to it (``sessions_revision``) is new, so a stream
        of appended messages costs one indexed query each, however many sessions there are.
        """
        titles, current, renamed = self._titles, self._current, []
        if sessions_revision > self._seen_sessions:
            titles = dict(
                conn.execute(f"SELECT id, title FROM {_SESSIONS} WHERE owner = current_user ORDER BY seq").fetchall()
            )
            renamed = [s for s, title in titles.items() if s in self._titles and self._titles[s] != title]
            current = dict(conn.execute(f"SELECT scope, session_id FROM {_CURRENT} WHERE owner = current_user"))
        rows = conn.execute(
            f"SELECT added, revision, session_id, {_MESSAGE_COLUMNS} FROM {_MESSAGES} "
            "WHERE owner = current_user AND revision > %s AND revision <= %s ORDER BY revision, position",
            (self._seen, upto),
        ).fetchall()
        seen, own = self._seen, self._own  # this backend's own changes were told when made
        added, updated = [], []
        for row in rows:
            first, last, session_id, message = row[0], row[1], row[2], self._message(row[3:])
            if first > seen and first not in own:
                added.append((session_id, message))
            # Changed after it was added (a reply that grew), in this window or before it, as the workspace file tells.
            if last > first and last not in own:
                updated.append((session_id, message))
        streaming = self._streaming(conn)
        self._external += external_changes(
            seen=self._titles.keys(),
            sessions=list(titles),
            added=added,
            seen_current=self._current,
            current=current,
            renamed=renamed,
            updated=updated,
        )
        self._titles, self._current = titles, dict(current)
        self._seen, self._seen_sessions = upto, max(self._seen_sessions, sessions_revision)
        self._own = {revision for revision in own if revision > upto}
        self._others_replies.see(streaming)

    # -- streamed replies: the ones whose writer died --------------------------------------------

    def _streaming(self, conn: psycopg.Connection) -> list[tuple[str, str | None, datetime | None]]:
        """The owner's replies streaming now: message id, writer and heartbeat."""
        return conn.execute(
            f"SELECT id, writer, heartbeat_at FROM {_MESSAGES} WHERE owner = current_user AND status = 'streaming'"
        ).fetchall()

    def _take_stopped_replies(self) -> None:
        """Announce the replies of other processes that stopped streaming without finishing: nothing in the
        database changes when their process dies, so it is looked for. They are recorded as incomplete."""
        if self._others_replies.any_stopped(self._now()):
            self._external += writers.incomplete_changes(self._mark_stopped_replies(), self.get_message, self._external)

    def _mark_stopped_replies(self) -> list[tuple[str, str]]:
        """Record as ``incomplete`` the replies whose writer died mid-stream; return their session and message ids."""
        now = self._now()
        streaming = self._database.run(
            lambda conn: conn.execute(
                f"SELECT session_id, id, writer, heartbeat_at FROM {_MESSAGES} "
                "WHERE owner = current_user AND status = 'streaming'"
            ).fetchall()
        )
        stopped = [row for row in streaming if writers.has_stopped(row[2], row[3], now)]
        if not stopped:
            return []

        def mark(replaying: bool) -> None:
            revision = self._revision()
            for session_id, message_id, _, heartbeat_at in stopped:  # unless its writer showed it is alive meanwhile
                self._conn().execute(
                    f"UPDATE {_MESSAGES} SET status = 'incomplete', writer = NULL, heartbeat_at = NULL, revision = %s "
                    "WHERE owner = current_user AND session_id = %s AND id = %s AND status = 'streaming' "
                    "AND heartbeat_at IS NOT DISTINCT FROM %s",
                    (revision, session_id, message_id, heartbeat_at),
                )

        with self.transaction():
            self._write(mark)
        self._just_committed = False
        marked = [(session_id, message_id) for session_id, message_id, *_ in stopped]
        self._others_replies.recorded_incomplete(marked, self._logger, self.location)
        return marked

    def close(self) -> None:
        with self._lock:
            if self._listener is not None:
                self._listener.close()
            self._database.close()
