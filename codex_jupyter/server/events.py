"""Announcing store changes on jupyter-server's event bus, so the frontend follows without polling.

The server's own REST writes are announced as they happen. Kernels (and, on PostgreSQL,
other servers) write the same store from other processes. A store told of those
(PostgreSQL's ``LISTEN/NOTIFY``) wakes the announcer, which looks at once; the workspace file
is looked at every ``poll_interval`` seconds (one ``PRAGMA data_version`` query when nothing
changed; the same look costs PostgreSQL nothing until it is told). Looks happen on the store's
own thread (:mod:`.store_thread`); the events are emitted on the server's event loop, where
``jupyter_events`` and the event websockets expect them.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from jupyter_events import EventLogger
from tornado.ioloop import IOLoop, PeriodicCallback

from ..errors import StoreDisposedError
from ..events import StoreChange
from ..store import SessionStore
from .store_thread import StoreThread

SCHEMA_ID = "https://schema.codex-jupyter.org/store_changed/v1"
SCHEMA_FILE = Path(__file__).parent / "event_schemas" / "store_changed" / "v1.yaml"


def event_data(change: StoreChange) -> dict[str, Any]:
    """The event for one change: ids only, never message text (every subscriber receives it)."""
    return {
        "kind": change.kind.value,
        "session_id": change.session_id,
        "message_id": change.message.id if change.message else None,
        "scope": change.scope,
        "external": change.external,
    }


class ChangeAnnouncer:
    """Emits one event per store change, and polls the store for other processes' changes."""

    def __init__(
        self,
        thread: StoreThread,
        event_logger: EventLogger,
        io_loop: IOLoop,
        poll_interval: float,
        logger: logging.Logger,
    ) -> None:
        self._thread = thread
        self._event_logger = event_logger
        self._io_loop = io_loop
        self._logger = logger
        event_logger.register_event_schema(SCHEMA_FILE)
        self._subscription = thread.store.on_did_change(self._announce)
        self._woken = thread.store.on_external_changes(lambda: io_loop.add_callback(self._poll))
        self._poller = PeriodicCallback(self._poll, poll_interval * 1000)

    def start(self) -> None:
        """Start polling; needs the server's running event loop."""
        self._poller.start()

    def stop(self) -> None:
        self._poller.stop()
        self._woken.dispose()
        self._subscription.dispose()

    def _announce(self, change: StoreChange) -> None:
        # Called on whichever thread made the change: usually the store's own.
        self._io_loop.add_callback(self._event_logger.emit, schema_id=SCHEMA_ID, data=event_data(change))

    async def _poll(self) -> None:
        # PeriodicCallback skips its next runs while this one waits (e.g. behind a held write lock).
        try:
            await self._thread.run(SessionStore.poll)  # delivers what it finds to _announce
        except StoreDisposedError:
            self._poller.stop()
        except Exception:
            # A passing problem with the file (e.g. a full disk) must not stop the server, nor the polling.
            self._logger.exception("codex_jupyter could not look for changes in %s", self._thread.store.location)
