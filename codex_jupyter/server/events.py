"""Announcing store changes on jupyter-server's event bus, so the frontend follows without polling.

The server's own REST writes are announced as they happen. Kernels write the same
workspace file from other processes; a cheap periodic look (one ``PRAGMA data_version``
query when nothing changed) notices those within ``poll_interval`` seconds.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from jupyter_events import EventLogger
from tornado.ioloop import PeriodicCallback

from ..errors import StoreDisposedError
from ..events import StoreChange
from ..store import SessionStore

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
        self, store: SessionStore, event_logger: EventLogger, poll_interval: float, logger: logging.Logger
    ) -> None:
        self._store = store
        self._event_logger = event_logger
        self._logger = logger
        event_logger.register_event_schema(SCHEMA_FILE)
        self._subscription = store.on_did_change(self._announce)
        self._poller = PeriodicCallback(self._poll, poll_interval * 1000)

    def start(self) -> None:
        """Start polling; needs the server's running event loop."""
        self._poller.start()

    def stop(self) -> None:
        self._poller.stop()
        self._subscription.dispose()

    def _announce(self, change: StoreChange) -> None:
        self._event_logger.emit(schema_id=SCHEMA_ID, data=event_data(change))

    def _poll(self) -> None:
        try:
            self._store.poll()  # delivers what it finds to _announce
        except StoreDisposedError:
            self._poller.stop()
        except Exception:
            # A passing problem with the file (e.g. a full disk) must not stop the server, nor the polling.
            self._logger.exception("codex_jupyter could not look for changes in %s", self._store.location)
