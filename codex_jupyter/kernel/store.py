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

from ..events import Disposable, EventEmitter
from ..locations import NOTEBOOK, default_scope
from ..store import SessionStore, open_store


def open_kernel_store(location: str | os.PathLike[str] | None, logger: logging.Logger) -> SessionStore:
    """:func:`~codex_jupyter.open_store`, plus ``":notebook:"``: this kernel's notebook, through JupyterLab."""
    if location is not None and os.fspath(location) == NOTEBOOK:
        from ..storage.notebook import NotebookBackend
        from .bridge import notebook_bridge

        scope = default_scope()
        return SessionStore(NotebookBackend(notebook_bridge, scope), scope=scope, logger=logger)
    return open_store(location, logger=logger)


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
