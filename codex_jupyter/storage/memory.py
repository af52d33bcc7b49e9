"""Sessions kept in this process only: for tests and throwaway work."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime

from ..events import StoreChange
from ..models import ChatMessage
from .base import SessionRecord


@dataclass
class _State:
    sessions: dict[str, SessionRecord] = field(default_factory=dict)
    messages: dict[str, list[ChatMessage]] = field(default_factory=dict)
    current: dict[str, str] = field(default_factory=dict)


class MemoryBackend:
    """Dictionaries in memory. Nothing outlives the process, and no other process writes here."""

    location = ":memory:"

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._state = _State()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        # Atomic like the file backend: a failure halfway leaves the previous state.
        with self._lock:
            saved = copy.copy(self._state)
            saved.sessions, saved.current = dict(saved.sessions), dict(saved.current)
            saved.messages = {key: list(value) for key, value in self._state.messages.items()}
            try:
                yield
            except BaseException:
                self._state = saved
                raise

    def list_sessions(
        self, offset: int = 0, limit: int | None = None, *, recent_first: bool = False
    ) -> list[SessionRecord]:
        with self._lock:
            records = list(self._state.sessions.values())
        if recent_first:
            records.reverse()  # among equal update times, the newer session first, as in the file backend
            records.sort(key=lambda record: record.updated_at, reverse=True)
        return records[offset : None if limit is None else offset + limit]

    def count_sessions(self) -> int:
        with self._lock:
            return len(self._state.sessions)

    def get_session(self, session_id: str) -> SessionRecord | None:
        with self._lock:
            return self._state.sessions.get(session_id)

    def load_messages(self, session_id: str, start: int, stop: int) -> list[ChatMessage]:
        with self._lock:
            return self._state.messages.get(session_id, [])[start:stop]

    def get_current(self, scope: str) -> SessionRecord | None:
        with self._lock:
            session_id = self._state.current.get(scope)
            return None if session_id is None else self._state.sessions[session_id]

    def create_session(self, record: SessionRecord) -> None:
        self._state.sessions[record.id] = record
        self._state.messages[record.id] = []

    def append_message(self, session_id: str, message: ChatMessage) -> None:
        record = self._state.sessions[session_id]
        self._state.messages[session_id].append(message)
        self._state.sessions[session_id] = replace(
            record, message_count=record.message_count + 1, updated_at=message.timestamp
        )

    def get_message(self, session_id: str, message_id: str) -> ChatMessage | None:
        with self._lock:
            return next((m for m in reversed(self._state.messages.get(session_id, [])) if m.id == message_id), None)

    def update_message(self, session_id: str, message: ChatMessage, updated_at: datetime) -> bool:
        messages = self._state.messages.get(session_id, [])
        # A streamed reply is usually the last message or close to it.
        index = next((i for i in range(len(messages) - 1, -1, -1) if messages[i].id == message.id), None)
        if index is None:
            return False
        messages[index] = message
        self._state.sessions[session_id] = replace(self._state.sessions[session_id], updated_at=updated_at)
        return True

    def heartbeat(self, session_id: str, message_id: str) -> None:
        """Nothing to do: no other process reads this memory, so none needs to know this one is alive."""

    def delete_session(self, session_id: str) -> list[str]:
        del self._state.sessions[session_id]
        del self._state.messages[session_id]
        scopes = [scope for scope, current in self._state.current.items() if current == session_id]
        for scope in scopes:
            del self._state.current[scope]
        return scopes

    def set_current(self, scope: str, session_id: str | None) -> None:
        if session_id is None:
            self._state.current.pop(scope, None)
        else:
            self._state.current[scope] = session_id

    def poll_changes(self) -> list[StoreChange]:
        return []

    def close(self) -> None:
        with self._lock:
            self._state = _State()
