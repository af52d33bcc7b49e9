"""Which store a panel shows, and the subscriptions that keep it live.

A panel given a store keeps it. A panel given none shows *the kernel's* store, and
that can change under it: ``%codex_store memory`` replaces it (announced by
``kernel_store.on_did_replace``), and ``%unload_ext`` disposes it without a
replacement. Following the kernel means re-subscribing to the new store on a
replacement, and reopening the kernel's store on next use after a disposal,
rather than failing forever on a disposed one.
"""

from __future__ import annotations

from collections.abc import Callable

from ...events import Disposable, Listener
from ...store import SessionStore
from ..store import kernel_store


class StoreBinding:
    """A store plus this panel's change subscription on it; :meth:`dispose` ends every subscription."""

    def __init__(self, store: SessionStore | None, on_change: Listener, on_rebind: Callable[[], None]) -> None:
        self._follows_kernel = store is None
        self._on_change = on_change
        self._on_rebind = on_rebind
        self._store = kernel_store.get() if store is None else store
        self._subscription: Disposable | None = self._store.on_did_change(on_change)
        self._replaced = kernel_store.on_did_replace(self._rebind) if self._follows_kernel else None

    @property
    def follows_kernel(self) -> bool:
        return self._follows_kernel

    @property
    def store(self) -> SessionStore:
        """The store to act on; a disposed kernel store is swapped for the kernel's current one first."""
        if self._follows_kernel and self._store.disposed and self._subscription is not None:
            self._rebind(kernel_store.get())
        return self._store

    def dispose(self) -> None:
        for subscription in (self._subscription, self._replaced):
            if subscription is not None:
                subscription.dispose()
        self._subscription = self._replaced = None

    def _rebind(self, store: SessionStore) -> None:
        if self._subscription is None:  # disposed: a late replacement must not resubscribe
            return
        self._subscription.dispose()
        self._store = store
        self._subscription = store.on_did_change(self._on_change)
        self._on_rebind()
