"""Sessions kept in the notebook itself, under ``metadata.codex``, through JupyterLab.

The kernel cannot write the ``.ipynb`` it runs for: JupyterLab owns the document. So this
backend keeps the sessions in memory, loaded from the copy of ``metadata.codex`` the
frontend sent (see :mod:`codex_jupyter.kernel.bridge`), and after each committed
transaction hands the bridge the changes, which it numbers and sends one way to
JupyterLab, and keeps until the notebook is saved with them. The document and the
changes are described in :mod:`codex_jupyter.storage.notebookdoc`.

When ``metadata.codex`` comes again (edited in JupyterLab, or the page reloaded), the
sessions are read afresh and the differences are told to listeners as external changes,
like another process's writes to the workspace file. A document this kernel cannot read,
for whatever reason, is never written into: every write is refused until it is fixed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from ..errors import CodexError, NotebookFormatError, NotebookUnavailableError
from ..events import Disposable, EventEmitter, StoreChange
from ..locations import NOTEBOOK
from ..models import ChatMessage, ChatSession
from .base import SessionRecord
from .diff import external_changes, message_changes
from .memory import MemoryBackend
from .notebookdoc import Change, read_document

_logger = logging.getLogger("codex_jupyter")


class NotebookChannel(Protocol):
    """What the backend needs of the bridge to the frontend."""

    @property
    def answered(self) -> bool:
        """Whether a frontend has sent the notebook's metadata."""
        ...

    @property
    def document(self) -> object:
        """``metadata.codex`` as the kernel must see it: the frontend's latest copy (``None`` when the
        notebook has none), with the kernel's writes it may lack applied on top."""
        ...

    @property
    def path(self) -> str | None: ...

    def send(self, changes: list[Change]) -> None:
        """Deliver one transaction's changes to the notebook; they are kept until it is saved with them."""
        ...

    def on_document(self, listener: Callable[[object], None]) -> Disposable: ...


def _read(document: object) -> tuple[list[ChatSession], str | None]:
    """:func:`read_document`, where *any* failure means the kernel cannot read the document."""
    try:
        return read_document(document)
    except CodexError:
        raise
    except Exception as error:
        # A bug of ours rather than a fault of the document, but the refusal must hold all the same.
        _logger.exception("reading metadata.codex failed")
        raise NotebookFormatError(f"metadata.codex cannot be read: {type(error).__name__}: {error}") from error


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
        self._refusal: CodexError | None = None
        self._external: list[StoreChange] = []
        self._noticed: EventEmitter[None] = EventEmitter(_logger)
        self._load(*_read(channel.document))
        self._finish_interrupted_replies()
        # The notebook's metadata changed by other hands (edited, or the notebook reopened): follow it.
        self._subscription = channel.on_document(self._reload)

    def _finish_interrupted_replies(self) -> None:
        """Record as ``incomplete`` the replies the document holds as ``streaming``, as the workspace file does.

        This backend is new, so it streams none of them: the kernel that did stopped mid-reply.
        """
        interrupted = [
            (session_id, message)
            for session_id, messages in self._state.messages.items()
            for message in messages
            if message.status == "streaming"
        ]
        if not interrupted:
            return
        with self.transaction():
            for session_id, message in interrupted:
                stopped = replace(message, status="incomplete", error=None)
                self.update_message(session_id, stopped, self._state.sessions[session_id].updated_at)

    def on_external_changes(self, listener: Callable[[], object]) -> Disposable:
        """Call ``listener()`` when other hands' changes are waiting in :meth:`poll_changes`.

        The workspace file is polled; here the frontend's message is the moment to tell.
        """

        def notify(_: None) -> None:
            listener()

        return self._noticed.subscribe(notify)

    def poll_changes(self) -> list[StoreChange]:
        with self._lock:
            changes, self._external = self._external, []
        return changes

    def _load(self, sessions: list[ChatSession], current: str | None) -> None:
        with self._lock:
            self._state.sessions = {
                s.id: SessionRecord(s.id, s.title, s.created_at, s.updated_at, s.message_count) for s in sessions
            }
            self._state.messages = {s.id: list(s.messages) for s in sessions}
            self._state.current = {} if current is None else {self._scope: current}

    def _reload(self, document: object) -> None:
        try:
            sessions, current = _read(document)
        except CodexError as error:
            # Writing changes into a document this kernel cannot read could only damage it further.
            self._refusal = error
            return
        with self._lock:
            before, messages_before = self._state.sessions, self._state.messages
            current_before = dict(self._state.current)
            self._load(sessions, current)
            replaced, renamed, added, updated = [], [], [], []
            for session in sessions:
                old = before.get(session.id)
                if old is None:
                    added += [(session.id, message) for message in session.messages]
                    continue
                changes = message_changes(messages_before[session.id], session.messages)
                if changes is None or old.created_at != session.created_at:
                    replaced.append(session.id)
                    continue
                changed, new_messages = changes
                updated += [(session.id, message) for message in changed]
                added += [(session.id, message) for message in new_messages]
                if old.title != session.title:
                    renamed.append(session.id)
            self._external += external_changes(
                seen=before.keys(),
                sessions=[session.id for session in sessions],
                added=added,
                seen_current=current_before,
                current=self._state.current,
                replaced=replaced,
                renamed=renamed,
                updated=updated,
            )
            self._refusal = None
        self._noticed.emit([None])

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

    def update_message(self, session_id: str, message: ChatMessage, updated_at: datetime) -> bool:
        if not super().update_message(session_id, message, updated_at):
            return False
        self._outbox.append(
            {
                "op": "update_message",
                "session_id": session_id,
                "message": message.to_dict(),
                "updated_at": updated_at.isoformat(),
            }
        )
        return True

    def rename_session(self, session_id: str, title: str, updated_at: datetime) -> None:
        super().rename_session(session_id, title, updated_at)
        self._outbox.append(
            {"op": "rename_session", "session_id": session_id, "title": title, "updated_at": updated_at.isoformat()}
        )

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
        self._noticed.clear()
        super().close()
