"""The one thread that calls the server's store, so that SQLite never runs on jupyter-server's event loop.

A store call can wait: for an fsync, and for up to the busy timeout while a kernel holds
the workspace file's write lock. On the event loop that wait would stall every request of
the server (kernels, contents, the frontend's polling). On one dedicated thread it stalls
only the codex requests queued behind it, and calls stay serialized as the store expects.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from ..errors import StoreDisposedError
from ..store import SessionStore

T = TypeVar("T")


class StoreThread:
    """Runs calls on ``store`` one at a time, in order, on a thread of its own."""

    def __init__(self, store: SessionStore) -> None:
        self.store = store
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="codex-jupyter-store")

    async def run(self, work: Callable[[SessionStore], T]) -> T:
        """``work(store)``, run on the store's thread; the caller's event loop goes on meanwhile."""
        if self.store.disposed:  # the thread may be gone too: say what the store would say
            raise StoreDisposedError()
        return await asyncio.wrap_future(self._executor.submit(work, self.store))

    async def close(self) -> None:
        """Dispose of the store once the calls already queued are done, then let the thread end."""
        if not self.store.disposed:
            await self.run(SessionStore.dispose)
        self._executor.shutdown(wait=False)
