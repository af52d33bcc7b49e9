"""Sessions kept in this process only: for tests and throwaway work."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime

from ..events import Disposable, StoreChange
from ..models import ChatMessage
from ..search import SearchHit, SearchTerm, find_matches, snippet
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

    def import_session(self, record: SessionRecord, messages: Sequence[ChatMessage]) -> None:
        self._state.sessions[record.id] = record
        self._state.messages[record.id] = list(messages)

    def existing_session_ids(self, ids: Collection[str]) -> set[str]:
        with self._lock:
            return {session_id for session_id in ids if session_id in self._state.sessions}

    def existing_message_ids(self, ids: Collection[str]) -> set[str]:
        wanted = set(ids)
        with self._lock:
            return {m.id for messages in self._state.messages.values() for m in messages if m.id in wanted}

    def rename_session(self, session_id: str, title: str, updated_at: datetime) -> None:
        record = self._state.sessions[session_id]
        self._state.sessions[session_id] = replace(record, title=title, updated_at=updated_at)

    def search(self, terms: tuple[SearchTerm, ...], limit: int, session_id: str | None) -> list[SearchHit]:
        """A scan of every message: fine for the sizes kept in memory or in a notebook."""
        with self._lock:
            records = [self._state.sessions[session_id]] if session_id else list(self._state.sessions.values())
            found = [hit for record in records for hit in self._search_session(record, terms)]
        # Most matched words first; among equals, the most recent first.
        found.sort(key=lambda hit: (hit.rank, hit.timestamp), reverse=True)
        return found[:limit]

    def _search_session(self, record: SessionRecord, terms: tuple[SearchTerm, ...]) -> Iterator[SearchHit]:
        if record.title and (spans := find_matches(terms, record.title)):
            text, marks = snippet(record.title, spans)
            yield SearchHit(record.id, record.title, None, None, record.updated_at, text, marks, float(len(spans)))
        for message in self._state.messages[record.id]:
            if spans := find_matches(terms, message.content):
                text, marks = snippet(message.content, spans)
                yield SearchHit(
                    record.id, record.title, message.id, message.role, message.timestamp, text, marks, float(len(spans))
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

    def on_external_changes(self, listener: Callable[[], object]) -> Disposable:
        """No other hands write here."""
        return Disposable(lambda: None)

    def poll_changes(self) -> list[StoreChange]:
        return []

    def close(self) -> None:
        with self._lock:
            self._state = _State()
