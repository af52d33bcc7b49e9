"""A real kernel for the benchmarks, on a throwaway workspace file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from jupyter_client.blocking import BlockingKernelClient
from jupyter_client.manager import KernelManager


@contextmanager
def benchmark_kernel() -> Iterator[BlockingKernelClient]:
    """Start a kernel whose store is a fresh temporary workspace file; shut it down afterwards."""
    with tempfile.TemporaryDirectory(prefix="codex-bench-") as directory:
        env = {**os.environ, "CODEX_JUPYTER_WORKSPACE": str(Path(directory) / "workspace.sqlite3")}
        manager = KernelManager(kernel_name="python3")
        manager.start_kernel(env=env)
        client = manager.client()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=60)
            yield client
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=True)
