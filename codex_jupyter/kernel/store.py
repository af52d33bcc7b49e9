"""The one store of this kernel (or Python process), shared by the magics, chat panels and user code.

Every client of the kernel must act on the same store, or a message said with
``%%codex_say`` would not show in a panel; the holder below is that single place.
Clients that must follow a switch of store (``%codex_store memory``) subscribe to
:meth:`KernelStore.on_did_replace` instead of keeping a store that gets disposed.

Only here can sessions be kept in the notebook's own metadata: that needs the
kernel's comm to JupyterLab (:mod:`codex_jupyter.kernel.bridge`).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..events import Disposable, EventEmitter
from ..locations import NOTEBOOK, default_scope
from ..store import SessionStore, open_store

if TYPE_CHECKING:
    from ..storage.notebook import NotebookChannel


def open_kernel_store(location: str | os.PathLike[str] | None, logger: logging.Logger) -> SessionStore:
    """:func:`~codex_jupyter.open_store`, plus ``":notebook:"``: this kernel's notebook, through JupyterLab."""
    if location is not None and os.fspath(location) == NOTEBOOK:
        from .bridge import notebook_bridge

        return notebook_store(notebook_bridge, default_scope(), logger)
    return open_store(location, logger=logger)


def notebook_store(channel: NotebookChannel, scope: str, logger: logging.Logger | None = None) -> SessionStore:
    """A store on the notebook's ``metadata.codex``, through ``channel`` (the kernel's bridge to JupyterLab).

    Its listeners hear of a metadata change by other hands as soon as the frontend sends it,
    rather than at the next write, so an open chat panel follows an edit or a page reload.
    """
    from ..storage.notebook import NotebookBackend

    backend = NotebookBackend(channel, scope)
    store = SessionStore(backend, scope=scope, logger=logger)
    backend.on_external_changes(store.poll)
    return store


class KernelStore:
    """Holds the process's current store, opening the default one on first use."""

    def __init__(self) -> None:
        self._store: SessionStore | None = None
        self._lock = threading.RLock()
        self._logger = logging.getLogger("codex_jupyter")
        self._replaced: EventEmitter[SessionStore] = EventEmitter(self._logger)

    def get(self) -> SessionStore:
        """The current store; the default workspace store is opened if none is open yet."""
        with self._lock:
            if self._store is None or self._store.disposed:
                self._store = open_store(logger=self._logger)
            return self._store

    @property
    def is_open(self) -> bool:
        return self._store is not None and not self._store.disposed

    def switch(self, location: str | os.PathLike[str] | None) -> SessionStore:
        """Open the store at ``location`` (see :func:`open_kernel_store`), make it current, dispose the old one."""
        with self._lock:
            new = open_kernel_store(location, self._logger)
            old, self._store = self._store, new
        self._replaced.emit([new])
        if old is not None:
            old.dispose()
        return new

    def on_did_replace(self, listener: Callable[[SessionStore], None]) -> Disposable:
        """Call ``listener(new_store)`` when :meth:`switch` replaces the store."""
        return self._replaced.subscribe(listener)

    def close(self) -> None:
        """Dispose the current store (if any); the next :meth:`get` opens a fresh one."""
        with self._lock:
            store, self._store = self._store, None
        if store is not None:
            store.dispose()


kernel_store = KernelStore()


def get_store() -> SessionStore:
    """This kernel's store: the one ``%load_ext codex_jupyter`` opened, or the default workspace store."""
    return kernel_store.get()
