"""Sessions kept in the notebook itself, under ``metadata.codex``, through JupyterLab.

The kernel cannot write the ``.ipynb`` it runs for: JupyterLab owns the document. So this
backend keeps the sessions in memory, loaded from the copy of ``metadata.codex`` the
frontend sent (see :mod:`codex_jupyter.kernel.bridge`), and after each committed
transaction sends the frontend the changes as one-way messages. JupyterLab applies them
to the notebook model, and its save or autosave writes them into the file.

The document, ``metadata.codex``::

    {"version": 1, "current": "<session id>" | null, "sessions": [<ChatSession.to_dict()>, ...]}
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from ..errors import NotebookFormatError, NotebookUnavailableError
from ..events import Disposable
from ..locations import NOTEBOOK
from ..models import ChatMessage, ChatSession
from .base import SessionRecord
from .memory import MemoryBackend

FORMAT_VERSION = 1

Change = dict[str, Any]


class NotebookChannel(Protocol):
    """What the backend needs of the bridge to the frontend."""

    @property
    def answered(self) -> bool:
        """Whether a frontend has sent the notebook's metadata."""
        ...

    @property
    def document(self) -> object:
        """The latest ``metadata.codex`` the frontend sent (``None`` when the notebook has none)."""
        ...

    @property
    def path(self) -> str | None: ...

    def send(self, changes: list[Change]) -> None: ...

    def on_document(self, listener: Callable[[object], None]) -> Disposable: ...


def read_document(document: object) -> tuple[list[ChatSession], str | None]:
    """The sessions and current session id in ``metadata.codex``; ``NotebookFormatError`` if it is malformed.

    Nothing is written when the document is refused, so a malformed one is reported, never overwritten.
    """
    if document is None:
        return [], None
    if not isinstance(document, dict):
        raise NotebookFormatError(f"metadata.codex must be an object, not {type(document).__name__}")
    version = document.get("version")
    if not isinstance(version, int):
        raise NotebookFormatError("metadata.codex has no format 'version'")
    if version > FORMAT_VERSION:
        raise NotebookFormatError(
            f"metadata.codex uses format {version}, newer than this codex-jupyter understands ({FORMAT_VERSION}); "
            "upgrade codex-jupyter to use it"
        )
    entries = document.get("sessions", [])
    if not isinstance(entries, list):
        raise NotebookFormatError("metadata.codex 'sessions' must be a list")
    sessions = []
    for index, entry in enumerate(entries):
        try:
            sessions.append(ChatSession.from_dict(entry))
        except (TypeError, ValueError, AttributeError) as error:
            raise NotebookFormatError(f"metadata.codex session {index} is malformed: {error}") from None
    ids = [session.id for session in sessions]
    if len(set(ids)) != len(ids):
        raise NotebookFormatError("metadata.codex holds two sessions with the same id")
    current = document.get("current")
    if current is not None and current not in ids:
        raise NotebookFormatError(f"metadata.codex 'current' names no session of the notebook: {current!r}")
    return sessions, current


class NotebookBackend(MemoryBackend):
    """The sessions of one notebook, mirrored in this kernel and written through JupyterLab."""

    location = NOTEBOOK

    def __init__(self, channel: NotebookChannel, scope: str) -> None:
        if not channel.answered:
            raise NotebookUnavailableError()
        super().__init__()
        self._channel = channel
        self._scope = scope
        self._outbox: list[Change] = []
        self._refusal: NotebookFormatError | None = None
        self._load(channel.document)
        # The notebook's metadata changed by other hands (edited, or the notebook reopened): follow it.
        self._subscription = channel.on_document(self._reload)

    def _load(self, document: object) -> None:
        sessions, current = read_document(document)
        with self._lock:
            self._state.sessions = {
                s.id: SessionRecord(s.id, s.title, s.created_at, s.updated_at, s.message_count) for s in sessions
            }
            self._state.messages = {s.id: list(s.messages) for s in sessions}
            self._state.current = {} if current is None else {self._scope: current}

    def _reload(self, document: object) -> None:
        try:
            self._load(document)
            self._refusal = None
        except NotebookFormatError as error:
            # Writing changes into a document this kernel cannot read could only damage it further.
            self._refusal = error

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._refusal is not None:
            raise NotebookFormatError(f"{self._refusal}; nothing was written, fix or remove metadata.codex")
        with super().transaction():
            self._outbox = []
            yield
        changes, self._outbox = self._outbox, []
        if changes:
            self._channel.send(changes)

    def create_session(self, record: SessionRecord) -> None:
        super().create_session(record)
        session = ChatSession(record.id, (), record.created_at, record.updated_at, record.title)
        self._outbox.append({"op": "create_session", "session": session.to_dict()})

    def import_session(self, record: SessionRecord, messages: Sequence[ChatMessage]) -> None:
        super().import_session(record, messages)
        # One change with the whole session: the frontend adds it to the document as it is.
        session = ChatSession(record.id, messages, record.created_at, record.updated_at, record.title)
        self._outbox.append({"op": "create_session", "session": session.to_dict()})

    def append_message(self, session_id: str, message: ChatMessage) -> None:
        super().append_message(session_id, message)
        self._outbox.append({"op": "append_message", "session_id": session_id, "message": message.to_dict()})

    def delete_session(self, session_id: str) -> list[str]:
        scopes = super().delete_session(session_id)
        self._outbox.append({"op": "delete_session", "session_id": session_id})
        return scopes

    def set_current(self, scope: str, session_id: str | None) -> None:
        super().set_current(scope, session_id)
        if scope == self._scope:  # a notebook has one current session: its own
            self._outbox.append({"op": "set_current", "session_id": session_id})

    def close(self) -> None:
        self._subscription.dispose()
        super().close()
