"""The protocol every storage backend speaks.

It is shaped for chat rather than for key/value state: appending a message is its
own operation, so a backend can store it without touching the rest of the history
(a design that re-serializes the whole history on every change slows down as the history grows).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from ..events import Disposable, StoreChange
from ..models import ChatMessage
from ..search import SearchHit, SearchTerm


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """What a backend knows of a session without reading its messages."""

    id: str
    title: str | None
    created_at: datetime
    updated_at: datetime
    message_count: int


@runtime_checkable
class StorageBackend(Protocol):
    """Storage for chat sessions, used by exactly one :class:`~codex_jupyter.SessionStore`.

    Writes happen inside :meth:`transaction`, which is atomic and durable when it
    returns. Reads may happen anywhere. ``poll_changes`` reports what *other*
    processes changed since the last call: the store reports its own changes itself.
    """

    @property
    def location(self) -> str:
        """Where the data lives, for messages to humans (a path, or ``":memory:"``)."""
        ...

    def transaction(self) -> AbstractContextManager[None]: ...

    def list_sessions(
        self, offset: int = 0, limit: int | None = None, *, recent_first: bool = False
    ) -> list[SessionRecord]:
        """One page of sessions: in creation order, or most recently updated first."""
        ...

    def count_sessions(self) -> int: ...

    def get_session(self, session_id: str) -> SessionRecord | None: ...

    def load_messages(self, session_id: str, start: int, stop: int) -> list[ChatMessage]:
        """Messages at positions ``start`` (inclusive) to ``stop`` (exclusive), oldest first."""
        ...

    def create_session(self, record: SessionRecord) -> None: ...

    def append_message(self, session_id: str, message: ChatMessage) -> None:
        """Store ``message`` after the session's last one; its timestamp becomes the session's ``updated_at``.

        A ``streaming`` message is recorded as this process's (see :mod:`.writers`).
        """
        ...

    def get_message(self, session_id: str, message_id: str) -> ChatMessage | None: ...

    def update_message(self, session_id: str, message: ChatMessage, updated_at: datetime) -> bool:
        """Replace the content, status and error of the stored message with ``message.id``.

        The session's ``updated_at`` becomes ``updated_at``. Returns ``False`` when the message is gone
        (its session was deleted, perhaps by another process).
        """
        ...

    def heartbeat(self, session_id: str, message_id: str) -> None:
        """Show that this process still streams the message (see :mod:`.writers`); nothing else changes."""
        ...

    def import_session(self, record: SessionRecord, messages: Sequence[ChatMessage]) -> None:
        """Store a whole session as given: the record's title and times, the messages' ids and timestamps.

        ``record.message_count`` is ``len(messages)``; the store has checked that no stored
        session or message has these ids.
        """
        ...

    def existing_session_ids(self, ids: Collection[str]) -> set[str]:
        """Which of ``ids`` stored sessions have."""
        ...

    def existing_message_ids(self, ids: Collection[str]) -> set[str]:
        """Which of ``ids`` stored messages have (in any session)."""
        ...

    def rename_session(self, session_id: str, title: str, updated_at: datetime) -> None:
        """Give the session a new (already checked) title; ``updated_at`` becomes its last-change time."""
        ...

    def search(self, terms: tuple[SearchTerm, ...], limit: int, session_id: str | None) -> list[SearchHit]:
        """Messages and titles matching every term, best first, at most ``limit``; only ``session_id``'s if given.

        Every term must match within one message's content (or within one title): see :mod:`codex_jupyter.search`.
        """
        ...

    def delete_session(self, session_id: str) -> list[str]:
        """Delete the session and its messages; return the scopes whose current session it was."""
        ...

    def get_current(self, scope: str) -> SessionRecord | None:
        """The current session of ``scope``, if it has one."""
        ...

    def set_current(self, scope: str, session_id: str | None) -> None: ...

    def poll_changes(self) -> list[StoreChange]: ...

    def on_external_changes(self, listener: Callable[[], object]) -> Disposable:
        """Call ``listener()``, on any thread, when other hands' changes wait in :meth:`poll_changes`.

        Backends that are told of changes (PostgreSQL's notifications, the notebook's frontend) call it;
        those that find them only by looking (the workspace file) never do, and are polled.
        """
        ...

    def close(self) -> None: ...
