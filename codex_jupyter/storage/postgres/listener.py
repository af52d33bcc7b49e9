"""Other processes' changes, pushed: ``LISTEN`` on the owner's channel, on a thread of its own.

Every writing transaction of an owner raises its change number, and a trigger sends the
number, alone, on the owner's private channel (see :mod:`.schema`). The listener marks that
changes are waiting when a number it receives is beyond what its backend has seen (so a
process's own writes wake nobody in it), and tells its subscribers once per batch; they then
call the store's ``poll()``, which is a no-op until the listener marks something again. A
connection that drops is opened again with backoff, and changes are then assumed to be waiting,
since notifications sent meanwhile are lost. Nothing polls the database meanwhile: TCP
keepalives tell a connection to a vanished server apart from a quiet one.
"""

from __future__ import annotations

import logging
import os
import selectors
import threading
from collections.abc import Callable

import psycopg
from psycopg import sql

from ...events import Disposable, EventEmitter

#: TCP keepalives for the listening connection (ignored on a Unix socket): a dead server is noticed in about 25 s.
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3}


class Listener:
    """Listens on ``channel`` with connections from ``connect``; ``seen()`` is the backend's latest change number."""

    def __init__(
        self,
        connect: Callable[[dict[str, int]], psycopg.Connection],
        channel: str,
        seen: Callable[[], int],
        logger: logging.Logger,
    ) -> None:
        self._connect = connect
        self._channel = channel
        self._seen = seen
        self._logger = logger
        self._waiting = threading.Event()
        self._woken: EventEmitter[None] = EventEmitter(logger)
        self._stop_reading, self._stop_writing = os.pipe()
        self._stopped = threading.Event()
        self._connected = threading.Event()
        self._thread = threading.Thread(target=self._run, name="codex-jupyter-listen", daemon=True)
        self._thread.start()

    def subscribe(self, listener: Callable[[], object]) -> Disposable:
        def wake(_: None) -> None:
            listener()

        return self._woken.subscribe(wake)

    def take_waiting(self) -> bool:
        """Whether changes were announced since the last call (it clears the mark)."""
        waiting = self._waiting.is_set()
        self._waiting.clear()
        return waiting

    def wait_connected(self, timeout: float) -> bool:
        """Wait until the first ``LISTEN`` is in place (tests and benchmarks start writing only then)."""
        return self._connected.wait(timeout)

    def close(self) -> None:
        self._stopped.set()
        os.write(self._stop_writing, b"x")
        self._thread.join()
        os.close(self._stop_reading)
        os.close(self._stop_writing)

    # -- the thread ------------------------------------------------------------------------

    def _run(self) -> None:
        delay = 0.1
        while not self._stopped.is_set():
            try:
                conn = self._connect(KEEPALIVES)
            except Exception as error:
                self._logger.warning("codex_jupyter cannot listen for changes (%s); trying again", error)
                if self._sleep(delay):
                    return
                delay = min(delay * 2, 5.0)
                continue
            delay = 0.1
            try:
                with conn:
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
                    self._connected.set()
                    self._mark()  # what was sent while this connection was not listening is lost: look
                    self._listen(conn)
            except psycopg.Error as error:
                if not self._stopped.is_set():
                    self._logger.warning("codex_jupyter stopped listening for changes (%s); listening again", error)

    def _listen(self, conn: psycopg.Connection) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(conn.fileno(), selectors.EVENT_READ)
            selector.register(self._stop_reading, selectors.EVENT_READ)
            while not self._stopped.is_set():
                selector.select()
                if self._stopped.is_set():
                    return
                seen = self._seen()
                if any(not n.payload.isdigit() or int(n.payload) > seen for n in conn.notifies(timeout=0)):
                    self._mark()

    def _mark(self) -> None:
        if not self._waiting.is_set():
            self._waiting.set()
            self._woken.emit([None])

    def _sleep(self, seconds: float) -> bool:
        """Wait ``seconds`` unless closed meanwhile; whether it was closed."""
        return self._stopped.wait(seconds)
