"""Change events: subscribe with a listener, get a :class:`Disposable` back to unsubscribe.

Events flow up from storage through the store to its clients (magics, the chat panel,
the server), so each client can follow changes it did not make.
"""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from .models import ChatMessage


class ChangeKind(str, enum.Enum):
    SESSION_CREATED = "session_created"
    SESSION_DELETED = "session_deleted"
    SESSION_RENAMED = "session_renamed"
    MESSAGE_ADDED = "message_added"
    #: A streamed reply grew or finished; ``message`` is the message as it now stands.
    MESSAGE_UPDATED = "message_updated"
    CURRENT_CHANGED = "current_changed"


@dataclass(frozen=True, slots=True)
class StoreChange:
    """One change to stored data.

    ``external`` is true when another process (another kernel, the server) made the
    change and this store noticed it. A ``current_changed`` event names the ``scope``
    whose current session changed; its ``session_id`` is the new one, or ``None``.
    """

    kind: ChangeKind
    session_id: str | None
    message: ChatMessage | None = None
    scope: str | None = None
    external: bool = False


T = TypeVar("T")
Listener = Callable[[StoreChange], None]


class Disposable:
    """A handle whose ``dispose()`` undoes a subscription; calling it twice is harmless."""

    def __init__(self, on_dispose: Callable[[], None]) -> None:
        self._on_dispose: Callable[[], None] | None = on_dispose

    def dispose(self) -> None:
        on_dispose, self._on_dispose = self._on_dispose, None
        if on_dispose is not None:
            on_dispose()

    def __enter__(self) -> Disposable:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.dispose()


class EventEmitter(Generic[T]):
    """Delivers events to listeners in subscription order.

    A failing listener is logged and skipped: one broken panel must not stop the
    store, or the other listeners, from working.
    """

    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger
        self._listeners: list[Callable[[T], None]] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Callable[[T], None]) -> Disposable:
        with self._lock:
            self._listeners.append(listener)
        return Disposable(lambda: self._unsubscribe(listener))

    def _unsubscribe(self, listener: Callable[[T], None]) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def emit(self, events: Iterable[T]) -> None:
        for event in events:
            with self._lock:
                listeners = list(self._listeners)
            for listener in listeners:
                try:
                    listener(event)
                except Exception:
                    self._logger.exception("a codex_jupyter listener failed on %r", event)

    def clear(self) -> None:
        with self._lock:
            self._listeners.clear()

    @property
    def listener_count(self) -> int:
        return len(self._listeners)
