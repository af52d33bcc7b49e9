"""What a responder is: whatever answers a chat session, given its messages."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Protocol, runtime_checkable

from ..models import ChatMessage


@runtime_checkable
class Responder(Protocol):
    """Answers a chat session: a model behind an API, a local model, a rule-based bot.

    A responder knows nothing of stores or clients: the reply runner
    (:mod:`codex_jupyter.replies`) stores the question, streams the chunks into the
    reply, and records how it ended. Errors the user must see are
    :class:`~codex_jupyter.errors.ResponderError` s with one line of text that never
    holds a secret; anything else is reported as a bug of the responder.
    """

    def check(self) -> None:
        """Raise :class:`~codex_jupyter.errors.ResponderNotConfiguredError` (saying exactly what to set) when
        this responder cannot answer as configured. Called before anything is stored, so a question asked of a
        responder that cannot answer is refused whole rather than left unanswered."""
        ...

    def respond(self, messages: Sequence[ChatMessage]) -> AsyncIterator[str]:
        """The reply to ``messages`` (the session so far, oldest first, ending with the question), in chunks.

        Each reply is iterated by a task on an event loop of its own thread, so a responder
        may take its time. Stopping the reply cancels that task: the responder sees
        ``asyncio.CancelledError`` where it waits, and should close its request in a ``finally``.
        """
        ...
