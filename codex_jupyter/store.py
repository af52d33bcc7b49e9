"""``SessionStore``: chat sessions with a current one per notebook, over a pluggable storage backend.

The store owns everything the backends should not have to agree on: validation,
ids, timestamps, which session is current, and change events. Every mutation is
one backend transaction, so it is durable when the call returns and a rejected
call leaves stored data as it was.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

from .errors import (
    InvalidInputError,
    InvalidTypeError,
    MessageNotFoundError,
    SessionNotFoundError,
    StoreDisposedError,
    StoreLocationError,
)
from .events import ChangeKind, Disposable, EventEmitter, Listener, StoreChange
from .imports import ImportedSession, ImportReport
from .locations import MEMORY, default_scope, default_workspace_file, is_database_url
from .models import (
    ChatMessage,
    ChatSession,
    LazyMessages,
    MessageStatus,
    Role,
    check_content,
    check_role,
    check_title,
    is_id,
    new_id,
    utc_now,
)
from .search import SearchHit, check_limit, parse_query
from .storage import MemoryBackend, SessionRecord, SQLiteBackend, StorageBackend
from .streams import MessageStreams

#: How a streamed reply may end (``incomplete`` is for replies whose writer stopped).
FINAL_STATUSES = ("complete", "cancelled", "error")

_ONE_TICK = timedelta(microseconds=1)


class SessionStore:
    """Chat sessions with a current one, saved on every change.

    Adding a message when there is no current session (none was created yet, or it
    was cleared or deleted) starts a new session, makes it current and adds the
    message there: the message is never dropped and the caller need not check first.
    """

    def __init__(
        self, backend: StorageBackend, *, scope: str | None = None, logger: logging.Logger | None = None
    ) -> None:
        """A store on ``backend``, tracking the current session of ``scope``.

        ``scope`` defaults to the notebook this kernel runs for (see :func:`~codex_jupyter.locations.default_scope`),
        so two notebooks sharing one workspace file keep their own current sessions.
        """
        self._backend = backend
        self._scope = scope or default_scope()
        self._logger = logger or logging.getLogger("codex_jupyter")
        self._events: EventEmitter[StoreChange] = EventEmitter(self._logger)
        self._streams = MessageStreams(self._write_streamed, self._write_heartbeats, self._logger)
        self._disposed = False

    # -- sessions and messages ---------------------------------------------------------------

    def create_session(self, title: str | None = None, *, scope: str | None = None) -> ChatSession:
        """Create an empty session and make it the current one of this store's scope, or of ``scope``.

        A title is trimmed, and must then be 1 to 200 characters.
        """
        title = check_title(title)
        with self._write() as changes:
            record = self._start_session(title, scope or self._scope, changes)
        return self._session(record)

    def get_current_session(self, *, scope: str | None = None) -> ChatSession | None:
        """The current session of this store's scope, or of ``scope`` (another notebook's)."""
        self._check_open()
        record = self._backend.get_current(scope or self._scope)
        return None if record is None else self._session(record)

    def add_message_to_current_session(
        self,
        message: Mapping[str, Any] | None = None,
        /,
        *,
        role: Role | None = None,
        content: str | None = None,
    ) -> ChatMessage:
        """Add a message, given as ``role=``/``content=`` or as a ``{"role", "content"}`` mapping.

        The id and timestamp are generated here. With no current session, one is started first.
        """
        role, content = _message_fields(message, role, content)
        with self._write() as changes:
            record = self._backend.get_current(self._scope) or self._start_session(None, self._scope, changes)
            return self._append(record, role, content, changes)

    def get_sessions(
        self, *, offset: int = 0, limit: int | None = None, recent_first: bool = False
    ) -> list[ChatSession]:
        """Every stored session, oldest first; or one page of them, or the most recently updated first.

        Messages are read when first used, so listing reads no message.
        """
        self._check_open()
        if offset < 0 or (limit is not None and limit < 0):
            raise InvalidInputError(f"offset and limit must not be negative (got offset={offset}, limit={limit})")
        records = self._backend.list_sessions(offset, limit, recent_first=recent_first)
        return [self._session(record) for record in records]

    def clear_current_session(self) -> None:
        """Remove the current session from storage; afterwards there is no current session."""
        with self._write() as changes:
            record = self._backend.get_current(self._scope)
            if record is not None:
                self._delete(record.id, changes)

    def dispose(self) -> None:
        """Release the storage. Every write is already durable; replies still streaming are saved as
        ``incomplete`` with the text they have.

        Calling it again does nothing; any other call afterwards raises ``StoreDisposedError``.
        """
        if self._disposed:
            return
        self._streams.close()
        self._disposed = True
        self._events.clear()
        self._backend.close()
        self._logger.debug("closed the session store at %s", self._backend.location)

    # -- what the clients need -----------------------------------------------------------------

    @property
    def scope(self) -> str:
        """Whose current session this store tracks: a notebook path, or ``"default"``."""
        return self._scope

    @property
    def location(self) -> str:
        return self._backend.location

    @property
    def disposed(self) -> bool:
        return self._disposed

    def session_count(self) -> int:
        """How many sessions are stored, without reading them."""
        self._check_open()
        return self._backend.count_sessions()

    def get_session(self, session_id: str) -> ChatSession:
        return self._session(self._record(session_id))

    def get_messages(self, session_id: str, start: int = 0, stop: int | None = None) -> list[ChatMessage]:
        """A page of a session's messages (``start`` to ``stop``, like a slice), without reading the rest."""
        record = self._record(session_id)
        stop = record.message_count if stop is None else min(stop, record.message_count)
        return self._backend.load_messages(session_id, max(start, 0), stop)

    def add_message(
        self,
        session_id: str,
        message: Mapping[str, Any] | None = None,
        /,
        *,
        role: Role | None = None,
        content: str | None = None,
    ) -> ChatMessage:
        """Add a message to a given session, current or not."""
        role, content = _message_fields(message, role, content)
        with self._write() as changes:
            return self._append(self._record(session_id), role, content, changes)

    def set_current_session(self, session_id: str | None, *, scope: str | None = None) -> None:
        """Make ``session_id`` current for this store's scope, or for ``scope``; ``None`` means none is."""
        scope = scope or self._scope
        with self._write() as changes:
            if session_id is not None:
                self._record(session_id)
            self._backend.set_current(scope, session_id)
            changes.append(StoreChange(ChangeKind.CURRENT_CHANGED, session_id, scope=scope))

    def rename_session(self, session_id: str, title: str) -> ChatSession:
        """Give a session a new title (trimmed, then 1 to 200 characters); it counts as a change of the session."""
        checked = check_title(title)
        if checked is None:
            raise InvalidInputError("a session cannot be renamed to no title; give 1 to 200 characters")
        with self._write() as changes:
            record = self._record(session_id)
            self._backend.rename_session(session_id, checked, max(utc_now(), record.updated_at + _ONE_TICK))
            changes.append(StoreChange(ChangeKind.SESSION_RENAMED, session_id))
        return self.get_session(session_id)

    def search(self, query: str, *, limit: int = 20, session_id: str | None = None) -> list[SearchHit]:
        """Messages (and session titles) matching ``query``, best first: see :mod:`codex_jupyter.search`.

        ``InvalidInputError`` for a query with no word in it or a limit outside 1 to 200;
        ``SessionNotFoundError`` for an unknown ``session_id``.
        """
        terms = parse_query(query)
        limit = check_limit(limit)
        if session_id is not None:
            self._record(session_id)
        self._check_open()
        return self._backend.search(terms, limit, session_id)

    def find_session(self, id_or_prefix: str) -> ChatSession:
        """The session whose id is ``id_or_prefix``, or the only one whose id starts with it (ids are long to type).

        ``SessionNotFoundError`` when none matches; ``InvalidInputError`` when several do.
        """
        wanted = id_or_prefix.strip()
        self._check_open()
        record = self._backend.get_session(wanted) if wanted else None
        if record is not None:
            return self._session(record)
        matches = [s for s in self.get_sessions() if wanted and s.id.startswith(wanted)]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise SessionNotFoundError(wanted)
        shown = ", ".join(s.id[:8] for s in matches[:5])
        raise InvalidInputError(f"{wanted!r} matches {len(matches)} sessions ({shown}, ...); type more of the id")

    def import_sessions(self, sessions: Sequence[ChatSession]) -> ImportReport:
        """Store ``sessions`` (read from a file) as new sessions, with their messages' ids and timestamps.

        All of them are stored, or none. It never merges into or replaces a stored session: an
        id that a stored session or message (or an earlier one of ``sessions``) already has, or
        that is not a UUID as this store's ids are, is replaced by a fresh one, and the report
        says so. Titles are checked as by
        :meth:`create_session`; no session becomes current. Each session is announced as one
        ``session_created``: it arrives whole, so its messages are not announced one by one.
        """
        titles = []
        for index, session in enumerate(sessions):
            try:
                titles.append(check_title(session.title))
            except InvalidInputError as error:
                raise type(error)(f"session {index} ({session.id}): {error}") from None
        contents = [tuple(session.messages) for session in sessions]
        imported = []
        with self._write() as changes:
            taken_sessions = self._backend.existing_session_ids({session.id for session in sessions})
            taken_messages = self._backend.existing_message_ids({m.id for messages in contents for m in messages})
            for session, title, messages in zip(sessions, titles, contents, strict=True):
                session_id = session.id if is_id(session.id) and session.id not in taken_sessions else new_id()
                taken_sessions.add(session_id)
                kept = []
                for message in messages:
                    if not is_id(message.id) or message.id in taken_messages:
                        message = replace(message, id=new_id())
                    taken_messages.add(message.id)
                    kept.append(message)
                updated = max([session.created_at, session.updated_at, *(m.timestamp for m in kept)])
                record = SessionRecord(session_id, title, session.created_at, updated, len(kept))
                self._backend.import_session(record, kept)
                changes.append(StoreChange(ChangeKind.SESSION_CREATED, session_id))
                renewed = sum(new.id != old.id for new, old in zip(kept, messages, strict=True))
                imported.append(ImportedSession(session_id, session.id, title, len(kept), renewed))
        self._logger.info("imported %d session(s) into %s", len(imported), self._backend.location)
        return ImportReport(tuple(imported))

    def delete_session(self, session_id: str) -> None:
        """Remove a session and its messages; a scope whose current session it was has none afterwards."""
        with self._write() as changes:
            self._record(session_id)
            self._delete(session_id, changes)

    # -- replies that stream in ---------------------------------------------------------------

    def begin_message(self, session_id: str, role: Role = "assistant") -> ChatMessage:
        """Store an empty ``streaming`` message at the end of the session, to grow with :meth:`append_to_message`.

        Text appended is written in batches (see :mod:`codex_jupyter.streams`): listeners get
        ``message_updated`` changes at most about ten times a second per message.
        """
        role = check_role(role)
        with self._write() as changes:
            message = self._append(self._record(session_id), role, "", changes, status="streaming")
        self._streams.open(session_id, message)
        return message

    def append_to_message(self, message_id: str, text: str) -> None:
        """Add ``text`` to the end of a message begun by :meth:`begin_message`; it is saved within moments."""
        self._check_open()
        self._streams.append(message_id, check_content(text))

    def finish_message(
        self, message_id: str, status: MessageStatus = "complete", error: str | None = None
    ) -> ChatMessage:
        """Save the whole text of a streamed message with how it ended: ``complete``, ``cancelled`` or ``error``
        (with ``error``, one line for the user). Returns the message as stored."""
        self._check_open()
        if status not in FINAL_STATUSES:
            raise InvalidInputError(f"a streamed message ends {', '.join(FINAL_STATUSES)}, not {status!r}")
        if error is not None and (status != "error" or not isinstance(error, str)):
            raise InvalidInputError("only a message that ends with status 'error' has an error text (a str)")
        return self._streams.finish(message_id, status, error)

    def get_message(self, session_id: str, message_id: str) -> ChatMessage:
        """One message of a session as it now stands (a streamed reply, as far as it has been saved)."""
        self._record(session_id)
        message = self._backend.get_message(session_id, message_id)
        if message is None:
            raise MessageNotFoundError(session_id, message_id)
        return message

    def on_did_change(self, listener: Listener) -> Disposable:
        """Call ``listener`` with each :class:`StoreChange`; dispose the result to stop.

        Changes made through this store are delivered when the call making them returns.
        Changes made by other processes are delivered when this store next writes or
        :meth:`poll` is called.
        """
        self._check_open()
        return self._events.subscribe(listener)

    def on_external_changes(self, listener: Callable[[], object]) -> Disposable:
        """Call ``listener()``, on any thread, when other processes' changes wait for :meth:`poll`.

        A PostgreSQL store is told of them at once (``LISTEN``), and so is a notebook's store when
        JupyterLab sends its metadata; the workspace file and memory never call it, so poll those.
        """
        self._check_open()
        return self._backend.on_external_changes(listener)

    def poll(self) -> list[StoreChange]:
        """Look for changes other processes made, deliver them to listeners, and return them.

        Other processes' changes are seen as the difference between two looks at the
        file: a session created and deleted in between is never announced, and several
        messages appended in between arrive together, in order.
        """
        self._check_open()
        changes = self._backend.poll_changes()
        self._events.emit(changes)
        return changes

    # -- context manager ------------------------------------------------------------------

    def __enter__(self) -> SessionStore:
        self._check_open()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.dispose()

    def __repr__(self) -> str:
        state = " disposed" if self._disposed else ""
        return f"<SessionStore {self._backend.location} scope={self._scope!r}{state}>"

    # -- internals ------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._disposed:
            raise StoreDisposedError()

    @contextmanager
    def _write(self) -> Iterator[list[StoreChange]]:
        """One backend transaction; its changes are announced after it commits, never before."""
        self._check_open()
        changes: list[StoreChange] = []
        with self._backend.transaction():
            yield changes
        self._events.emit(self._backend.poll_changes() + changes)

    def _record(self, session_id: str) -> SessionRecord:
        self._check_open()
        record = self._backend.get_session(session_id)
        if record is None:
            raise SessionNotFoundError(session_id)
        return record

    def _session(self, record: SessionRecord) -> ChatSession:
        def load(count: int) -> list[ChatMessage]:
            self._check_open()
            messages = self._backend.load_messages(record.id, 0, count)
            if len(messages) < count:
                raise SessionNotFoundError(record.id)
            return messages

        return ChatSession(
            id=record.id,
            title=record.title,
            messages=LazyMessages(record.message_count, load),
            created_at=record.created_at,
            updated_at=record.updated_at,
        )

    def _start_session(self, title: str | None, scope: str, changes: list[StoreChange]) -> SessionRecord:
        now = utc_now()
        record = SessionRecord(new_id(), title, now, now, 0)
        self._backend.create_session(record)
        self._backend.set_current(scope, record.id)
        changes.append(StoreChange(ChangeKind.SESSION_CREATED, record.id))
        changes.append(StoreChange(ChangeKind.CURRENT_CHANGED, record.id, scope=scope))
        self._logger.info("created chat session %s in %s", record.id, self._backend.location)
        return record

    def _append(
        self,
        record: SessionRecord,
        role: Role,
        content: str,
        changes: list[StoreChange],
        status: MessageStatus = "complete",
    ) -> ChatMessage:
        message = ChatMessage(new_id(), role, content, _next_update(record), status)
        self._backend.append_message(record.id, message)
        changes.append(StoreChange(ChangeKind.MESSAGE_ADDED, record.id, message))
        return message

    def _write_streamed(self, updates: list[tuple[str, ChatMessage]]) -> list[str]:
        """Write streamed messages as they now stand, in one transaction; return the ids of those gone."""
        gone: list[str] = []
        with self._write() as changes:
            for session_id, message in updates:
                record = self._backend.get_session(session_id)
                if record is None or not self._backend.update_message(session_id, message, _next_update(record)):
                    gone.append(message.id)
                else:
                    changes.append(StoreChange(ChangeKind.MESSAGE_UPDATED, session_id, message))
        return gone

    def _write_heartbeats(self, replies: list[tuple[str, str]]) -> None:
        with self._write():
            for session_id, message_id in replies:
                self._backend.heartbeat(session_id, message_id)

    def _delete(self, session_id: str, changes: list[StoreChange]) -> None:
        scopes = self._backend.delete_session(session_id)
        changes.append(StoreChange(ChangeKind.SESSION_DELETED, session_id))
        changes += [StoreChange(ChangeKind.CURRENT_CHANGED, None, scope=scope) for scope in scopes]
        self._logger.info("deleted chat session %s from %s", session_id, self._backend.location)


def _next_update(record: SessionRecord) -> datetime:
    """The session's next ``updated_at``: now, but always later than the last, even within one clock tick."""
    try:
        return max(utc_now(), record.updated_at + _ONE_TICK)
    except OverflowError:  # a session (from a notebook's metadata) updated at the last microsecond of 9999
        raise InvalidInputError(
            f"session {record.id!r} was last updated at {record.updated_at.isoformat()}, the end of the "
            "range of dates, so nothing can be added after it"
        ) from None


def _message_fields(message: Mapping[str, Any] | None, role: object, content: object) -> tuple[Role, str]:
    """Validate a new message's role and content before any storage is touched."""
    if message is not None:
        if role is not None or content is not None:
            raise InvalidTypeError("give the message either as a mapping or as role=/content=, not both")
        if not isinstance(message, Mapping):
            raise InvalidTypeError(f"message must be a mapping with 'role' and 'content', not {type(message).__name__}")
        unexpected = sorted(set(message) - {"role", "content"})
        if unexpected:
            raise InvalidInputError(
                f"unexpected message field(s) {', '.join(map(repr, unexpected))}: "
                "only 'role' and 'content' are given; the store generates 'id' and 'timestamp'"
            )
        for name in ("role", "content"):
            if name not in message:
                raise InvalidInputError(f"message is missing the field {name!r}")
        role, content = message["role"], message["content"]
    elif role is None or content is None:
        raise InvalidTypeError("a message needs both role= and content=")
    return check_role(role), check_content(content)


def open_store(
    location: str | os.PathLike[str] | None = None,
    *,
    logger: logging.Logger | None = None,
    scope: str | None = None,
) -> SessionStore:
    """Open a store: a workspace file at ``location``, a PostgreSQL database (``postgresql://...``), or ``":memory:"``.

    With no location, the one named by ``$CODEX_JUPYTER_WORKSPACE`` is used (the
    Jupyter server sets it for its kernels), else the per-user default from
    :func:`codex_jupyter.locations.default_workspace_file`. ``scope`` defaults to the
    notebook path the kernel was started for. (Sessions kept in a notebook's metadata
    are the kernel's business: see :mod:`codex_jupyter.kernel.store`.)
    """
    location = default_workspace_file() if location is None else location
    backend: StorageBackend
    if is_database_url(location):
        try:
            from .storage.postgres import PostgresBackend  # psycopg is needed only here: the postgres extra
        except ImportError as error:
            raise StoreLocationError(
                f"a PostgreSQL store needs psycopg: pip install 'codex-jupyter[postgres]' ({error})"
            ) from None
        backend = PostgresBackend(os.fspath(location), logger=logger)
    elif os.fspath(location) == MEMORY:
        backend = MemoryBackend()
    else:
        backend = SQLiteBackend(location, logger=logger)
    return SessionStore(backend, scope=scope, logger=logger)
