"""The replies the server streams for the browser (``POST /codex/api/sessions/{id}/replies``).

A reply streams on a thread of its own (see :mod:`codex_jupyter.replies`), not on the
server's event loop: the responder's HTTP client, and the store's writes of the reply, wait
on the network and the disk. Starting a reply stores the question and begins the reply's
message, so it runs on the store's thread like every other store call; the reply's text is
then written by the store's stream thread and its end by the reply's thread, which the
store's backend serializes with its own lock. The browser follows through the change events
(``message_added``, then ``message_updated`` at most about ten times a second) and reads the
message; the run itself says only where it stands.

Runs are kept by id while they stream and for a while after (the latest :data:`KEEP_ENDED`),
so that a client can read how one ended.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence

from ..context import CellContext, with_context
from ..replies import ReplyRun, ask
from ..responders import Responder
from ..store import SessionStore

#: How many ended runs are remembered.
KEEP_ENDED = 200
#: Seconds the server waits, when it stops, for its replies to save their end.
STOP_TIMEOUT = 10.0


class ReplyRuns:
    """The server's reply runs by id; ``responder()`` gives the configured responder (it may refuse)."""

    def __init__(self, responder: Callable[[], Responder], logger: logging.Logger) -> None:
        self._responder = responder
        self._logger = logger
        self._runs: OrderedDict[str, ReplyRun] = OrderedDict()

    def start(self, store: SessionStore, session_id: str, question: str, context: Sequence[CellContext]) -> ReplyRun:
        """Store the question and start its reply; call on the store's thread."""
        run = ask(store, self._responder(), with_context(question, context), session_id=session_id, logger=self._logger)
        self._runs[run.id] = run
        ended = [run_id for run_id, kept in self._runs.items() if kept.done.done()]
        for run_id in ended[: max(len(ended) - KEEP_ENDED, 0)]:
            del self._runs[run_id]
        return run

    def get(self, session_id: str, run_id: str) -> ReplyRun | None:
        run = self._runs.get(run_id)
        return run if run is not None and run.session_id == session_id else None

    async def cancel(self, run: ReplyRun) -> ReplyRun:
        """Stop ``run``, and wait (without blocking the loop) until its end is stored."""
        run.cancel()
        return await asyncio.wrap_future(run.done)

    async def stop(self) -> None:
        """Stop every reply still streaming (each is stored ``cancelled``); the server is stopping."""
        streaming = [run for run in list(self._runs.values()) if not run.done.done()]  # runs start on another thread
        if not streaming:
            return
        for run in streaming:
            run.cancel()
        _, pending = await asyncio.wait([asyncio.wrap_future(run.done) for run in streaming], timeout=STOP_TIMEOUT)
        if pending:
            self._logger.warning("codex_jupyter: %d repl(ies) did not stop within %s s", len(pending), STOP_TIMEOUT)
