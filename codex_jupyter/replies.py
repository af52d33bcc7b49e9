"""Asking the assistant: the reply runner that every client uses (the magics, the server).

A question is stored before the model is called, so it is never lost; then an empty
assistant message is begun, the responder's chunks stream into it (saved in batches, see
:mod:`codex_jupyter.streams`), and it ends ``complete``, ``cancelled`` or ``error`` with a
one-line reason. Each reply streams on a thread of its own, with an event loop of its own
for the responder: the caller (a magic on the kernel's main thread, the server's event
loop) is never blocked, a responder that blocks holds up only its own reply, and a reply
can be stopped from any thread at once, even while the model has not sent anything.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from .errors import CodexError, InvalidInputError
from .models import ChatMessage, MessageStatus, check_content, new_id
from .responders.protocol import Responder
from .store import SessionStore
from .streams import FLUSH_INTERVAL

#: The most recent messages of a session sent to the model with a question.
HISTORY_LIMIT = 200


def ask(
    store: SessionStore,
    responder: Responder,
    question: str,
    *,
    session_id: str | None = None,
    logger: logging.Logger | None = None,
) -> ReplyRun:
    """Store ``question`` as a user message and start the reply to it.

    It goes to ``session_id``, else to the store's current session (one is started if there is none).
    Refused before anything is stored when the responder cannot answer or the question is empty.
    """
    responder.check()
    if not check_content(question).strip():
        raise InvalidInputError("the question is empty")
    if session_id is None:
        session_id = (store.get_current_session() or store.create_session()).id
    asked = store.add_message(session_id, role="user", content=question)
    history = _answerable(_recent(store, session_id), asked.id)
    return ReplyRun(store, responder, session_id, history, asked, logger)


def ask_again(
    store: SessionStore,
    responder: Responder,
    *,
    session_id: str | None = None,
    logger: logging.Logger | None = None,
) -> ReplyRun:
    """Answer the session's last question again, as a new message; the earlier replies stay."""
    responder.check()
    if session_id is None:
        current = store.get_current_session()
        if current is None:
            raise InvalidInputError("there is no current session, so no question to answer again")
        session_id = current.id
    messages = _recent(store, session_id)
    questions = [message for message in messages if message.role == "user" and message.status == "complete"]
    if not questions:
        raise InvalidInputError("this session has no question to answer again")
    return ReplyRun(store, responder, session_id, _answerable(messages, questions[-1].id), None, logger)


def _recent(store: SessionStore, session_id: str) -> list[ChatMessage]:
    count = store.get_session(session_id).message_count
    return store.get_messages(session_id, max(count - HISTORY_LIMIT, 0))


def _answerable(messages: Sequence[ChatMessage], question_id: str) -> list[ChatMessage]:
    """What the model is sent: the messages up to the question, without replies that did not complete."""
    end = next(index for index, message in enumerate(messages) if message.id == question_id)
    return [message for message in messages[: end + 1] if message.status == "complete"]


class ReplyRun:
    """One reply streaming into the store. ``cancel()`` from any thread; ``wait()``, ``follow()`` or ``done``.

    Its ``status`` is ``streaming`` until it ends as its stored message does: ``complete``,
    ``cancelled`` or ``error`` (``error`` holds the one-line reason).
    """

    def __init__(
        self,
        store: SessionStore,
        responder: Responder,
        session_id: str,
        history: list[ChatMessage],
        question: ChatMessage | None,
        logger: logging.Logger | None = None,
    ) -> None:
        self.id = new_id()
        self.session_id = session_id
        self.question = question
        self._store = store
        self._responder = responder
        self._history = history
        self._logger = logger or logging.getLogger("codex_jupyter")
        self.message: ChatMessage = store.begin_message(session_id, "assistant")
        self.status: MessageStatus = "streaming"
        self.error: str | None = None
        #: Resolves to this run when it has ended and its end is stored.
        self.done: concurrent.futures.Future[ReplyRun] = concurrent.futures.Future()
        self._parts: list[str] = []
        self._changed = threading.Condition()
        self._ended = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[Any] | None = None
        self._cancelled = False
        threading.Thread(target=self._main, name=f"codex-jupyter-reply-{self.id[:8]}", daemon=True).start()

    @property
    def message_id(self) -> str:
        return self.message.id

    @property
    def text(self) -> str:
        """The reply so far."""
        with self._changed:
            return "".join(self._parts)

    def cancel(self) -> None:
        """Stop the reply: it is stored ``cancelled`` with the text it has. Harmless once it has ended."""
        with self._changed:
            self._cancelled = True
            loop, task = self._loop, self._task
        if loop is not None and task is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed: the reply ended meanwhile
                loop.call_soon_threadsafe(task.cancel)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the reply has ended and is stored; ``False`` if ``timeout`` passed first."""
        try:
            self.done.result(timeout)
        except concurrent.futures.TimeoutError:
            return False
        return True

    def follow(self, interval: float = FLUSH_INTERVAL) -> Iterator[str]:
        """The reply's text each time it has grown, at most every ``interval`` seconds, and once more at its end."""
        shown = -1
        while True:
            with self._changed:
                while len(self._parts) == shown and not self.done.done():
                    self._changed.wait()
                shown, text, ended = len(self._parts), "".join(self._parts), self.done.done()
            yield text
            if ended:
                return
            # Wait a little before showing more, so that a fast model does not cause one update per word.
            self._ended.wait(interval)

    def to_dict(self) -> dict[str, Any]:
        """Ids and where the reply stands, never its text (read the message for that)."""
        data: dict[str, Any] = {
            "run_id": self.id,
            "session_id": self.session_id,
            "message_id": self.message_id,
            "question_id": None if self.question is None else self.question.id,
            "status": self.status,
        }
        if self.error is not None:
            data["error"] = self.error
        return data

    # -- the reply's own thread ----------------------------------------------------------------

    def _main(self) -> None:
        try:
            status, error = asyncio.run(self._stream())
        except BaseException as failure:  # e.g. stopped a second time while closing the request
            if not self._cancelled:
                self._logger.exception("reply %s failed", self.message_id)
            status, error = ("cancelled", None) if self._cancelled else ("error", f"the reply failed ({failure!r})")
        # Said before the store announces the end, so that a client reading the run on that announcement
        # finds it ended (one reading it just before may find it ended before the message says so).
        self.status, self.error = status, error
        try:
            self.message = self._store.finish_message(self.message_id, status, error)
        except CodexError as failure:  # the session was deleted meanwhile, the store closed, the disk is full
            status, error = "error", f"the reply could not be saved: {failure}"
        self._logger.info("reply %s in session %s: %s", self.message_id, self.session_id, status)
        with self._changed:
            self.status, self.error = status, error
            self.done.set_result(self)
            self._changed.notify_all()
        self._ended.set()

    async def _stream(self) -> tuple[MessageStatus, str | None]:
        with self._changed:
            if self._cancelled:
                return "cancelled", None
            self._loop, self._task = asyncio.get_running_loop(), asyncio.current_task()
        chunks = self._responder.respond(self._history)
        try:
            async for chunk in chunks:
                self._store.append_to_message(self.message_id, chunk)
                with self._changed:
                    self._parts.append(chunk)
                    self._changed.notify_all()
        except asyncio.CancelledError:
            return "cancelled", None
        except CodexError as error:  # ResponderErrors, and the store's (the session deleted mid-reply)
            return "error", str(error)
        except Exception as error:
            self._logger.exception("the responder %r failed", self._responder)
            return "error", f"the responder failed ({type(error).__name__}); its traceback is in the log"
        finally:
            await _close(chunks)
        return "complete", None


async def _close(chunks: AsyncIterator[str]) -> None:
    """Close the responder's iterator now (its request with it), rather than whenever it is collected."""
    close = getattr(chunks, "aclose", None)
    if close is not None:
        await close()
