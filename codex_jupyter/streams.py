"""Messages that grow while a model streams them: chunks are buffered, and written in batches.

A model sends a reply in many small chunks, often a word each. Writing and announcing every
chunk would cost one durable transaction and one change event per word, so a store keeps
the text of the replies it streams in memory and writes it from one thread of its own:

- the first text after a pause is written at once, later text at most every
  :data:`FLUSH_INTERVAL` seconds, and all of it when the reply finishes. So what has
  streamed is in storage within about ``FLUSH_INTERVAL`` (a crash loses at most that much),
  and listeners get at most ``1 / FLUSH_INTERVAL`` ``message_updated`` changes per second
  per message, however fast the model is;
- while a reply waits for the model with nothing new to write, its heartbeat is renewed
  every :data:`~codex_jupyter.storage.writers.HEARTBEAT_INTERVAL`, so that other processes
  can tell a slow reply from one whose writer died (see :mod:`codex_jupyter.storage.writers`).

The writing itself is the store's: this module decides what to write and when.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from .errors import InvalidInputError, SessionNotFoundError, StoreDisposedError
from .models import ChatMessage, MessageStatus
from .storage.writers import HEARTBEAT_INTERVAL

#: Seconds between two writes of a growing message.
FLUSH_INTERVAL = 0.1

#: Writes ``(session id, message)`` updates in one transaction; returns the ids of the messages found gone.
WriteUpdates = Callable[[list[tuple[str, ChatMessage]]], list[str]]
#: Renews the heartbeat of ``(session id, message id)`` replies.
WriteHeartbeats = Callable[[list[tuple[str, str]]], None]


@dataclass(eq=False)
class _Stream:
    session_id: str
    message: ChatMessage  # as last written
    opened: float = field(default_factory=time.monotonic)
    parts: list[str] = field(default_factory=list)
    written: int = 0  # how many of ``parts`` the stored message holds
    last_write: float = -FLUSH_INTERVAL  # long ago: the first text is written at once
    failing: bool = False  # the last write failed (logged once, retried)

    @property
    def unwritten(self) -> bool:
        return len(self.parts) > self.written

    def due_at(self) -> float:
        if self.unwritten:
            return self.last_write + FLUSH_INTERVAL
        return max(self.last_write, self.opened) + HEARTBEAT_INTERVAL.total_seconds()

    def snapshot(self) -> ChatMessage:
        """The message with all text so far; the parts are joined into one, which the write will hold."""
        text = "".join(self.parts)
        self.parts[:] = [text]
        return replace(self.message, content=text)


class MessageStreams:
    """The replies one store is streaming, and the thread that writes them."""

    def __init__(self, write: WriteUpdates, heartbeat: WriteHeartbeats, logger: logging.Logger) -> None:
        self._write = write
        self._heartbeat = heartbeat
        self._logger = logger
        self._streams: dict[str, _Stream] = {}
        self._gone: dict[str, str] = {}  # message id -> session id, for replies whose session was deleted
        self._lock = threading.Lock()  # the buffers: held briefly, never across a write
        self._wake = threading.Condition(self._lock)
        # One write of streamed messages at a time, so none overtakes another (reentrant: a listener called
        # while the writing thread writes may close the store).
        self._write_lock = threading.RLock()
        self._thread: threading.Thread | None = None
        self._stopped = False

    def open(self, session_id: str, message: ChatMessage) -> None:
        """Follow ``message``, just stored as ``streaming``."""
        with self._lock:
            if self._stopped:
                raise StoreDisposedError()
            self._streams[message.id] = _Stream(session_id, message)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="codex-jupyter-streams", daemon=True)
                self._thread.start()
            self._wake.notify()

    def append(self, message_id: str, text: str) -> None:
        with self._lock:
            stream = self._open_stream(message_id)
            if text:
                was_written = not stream.unwritten
                stream.parts.append(text)
                if was_written:  # the first text after a pause is written at once
                    self._wake.notify()

    def finish(self, message_id: str, status: MessageStatus, error: str | None) -> ChatMessage:
        """Write the whole text with its final status; the message is no longer followed, even if that fails."""
        with self._write_lock:
            with self._lock:
                stream = self._open_stream(message_id)
            return self._write_final(stream, status, error)

    def close(self) -> None:
        """Stop the thread, then write the replies still open as ``incomplete``: their writer stops here."""
        with self._lock:
            self._stopped = True
            self._wake.notify()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        with self._write_lock:
            with self._lock:
                still_open = list(self._streams.values())  # a reply finishing meanwhile is not among them
            for stream in still_open:
                try:
                    self._write_final(stream, "incomplete", None)
                except Exception:
                    self._logger.exception("could not save the end of a streamed reply (%s)", stream.message.id)

    def _write_final(self, stream: _Stream, status: MessageStatus, error: str | None) -> ChatMessage:
        """Write ``stream``'s end (the caller holds the write lock)."""
        with self._lock:
            del self._streams[stream.message.id]
            final = replace(stream.snapshot(), status=status, error=error)
        if self._write([(stream.session_id, final)]):
            raise SessionNotFoundError(stream.session_id)
        return final

    def _open_stream(self, message_id: str) -> _Stream:
        """The stream of ``message_id`` (the caller holds the lock), or the error saying why there is none."""
        stream = self._streams.get(message_id)
        if stream is not None:
            return stream
        if message_id in self._gone:
            raise SessionNotFoundError(self._gone[message_id])
        if self._stopped:
            raise StoreDisposedError()
        raise InvalidInputError(
            f"message {message_id!r} is not a reply this store is streaming (it was finished, or never begun here)"
        )

    # -- the writing thread ---------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._lock:
                if self._stopped:
                    return
                now = time.monotonic()
                next_due = min((stream.due_at() for stream in self._streams.values()), default=None)
                if next_due is None or next_due > now:
                    self._wake.wait(None if next_due is None else next_due - now)
                    continue
            self._write_due()

    def _write_due(self) -> None:
        with self._write_lock:
            now = time.monotonic()
            with self._lock:
                due = [stream for stream in self._streams.values() if stream.due_at() <= now]
                grown = [stream for stream in due if stream.unwritten]
                idle = [stream for stream in due if not stream.unwritten]
                updates = [(stream.session_id, stream.snapshot()) for stream in grown]
                for stream in due:
                    stream.last_write = now  # also after a failure: retried an interval later, not in a loop
            try:
                gone = self._write(updates) if updates else []
                if idle:
                    self._heartbeat([(stream.session_id, stream.message.id) for stream in idle])
            except Exception:
                for stream in due:
                    if not stream.failing:
                        self._logger.exception("could not save a streamed reply (%s); retrying", stream.message.id)
                    stream.failing = True
                return
            with self._lock:
                for stream, (_, message) in zip(grown, updates, strict=True):
                    stream.message, stream.written, stream.failing = message, 1, False
                for session_id, message in updates:
                    if message.id in gone:
                        self._streams.pop(message.id, None)
                        self._gone[message.id] = session_id
