"""Does a kernel holding the workspace file's write lock stall the whole Jupyter server?

A real ``jupyter server`` with the extension runs in its own process; this process probes
``GET /api/status`` (jupyter-server's own lightest route, which never touches the workspace
file) every 20 ms. The baseline is that probe on the idle server, measured in the same run.
Then another process takes the workspace file's write lock (``BEGIN IMMEDIATE``) for 2 s at a
time, releasing it briefly between holds, as a kernel writing a long transaction would, while 8
clients append messages through the REST API. If the extension waited for the lock on the
server's event loop, every request of the server (kernels, contents, this probe) would wait too.

    python -m benchmarks server_lock [--quick]
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import multiprocessing.synchronize
import sqlite3
import tempfile
import time
from pathlib import Path

from tornado.httpclient import AsyncHTTPClient

from .report import ms, percentile, table
from .server import Server, jupyter_server
from .store import CONTENT

PROBE_EVERY_S = 0.02
HOLD_S, RELEASE_S = 2.0, 0.05
APPENDERS = 8


def hold_write_lock(path: str, stop: multiprocessing.synchronize.Event) -> None:
    """In another process: hold the file's write lock for ``HOLD_S``, release it ``RELEASE_S``, until stopped."""
    conn = sqlite3.connect(path, timeout=60, isolation_level=None)
    while not stop.is_set():
        conn.execute("BEGIN IMMEDIATE")
        stop.wait(HOLD_S)
        conn.execute("COMMIT")
        time.sleep(RELEASE_S)
    conn.close()


async def _probe(server: Server, seconds: float) -> tuple[list[float], int]:
    """Latencies of ``GET /api/status`` sent every ``PROBE_EVERY_S`` (or as soon as the last one answered)."""
    client = AsyncHTTPClient(force_instance=True)
    timings: list[float] = []
    end = time.perf_counter() + seconds
    next_send = time.perf_counter()
    while (now := time.perf_counter()) < end:
        await asyncio.sleep(max(0.0, next_send - now))
        start = time.perf_counter()
        await client.fetch(server.request("GET", "/api/status"))
        timings.append(time.perf_counter() - start)
        next_send = start + PROBE_EVERY_S
    client.close()
    return timings, round(seconds / PROBE_EVERY_S)


async def _probe_while_appending(server: Server, session_id: str, seconds: float) -> tuple[list[float], int, int, int]:
    """Probe while ``APPENDERS`` clients POST messages one after another; also count their answers."""
    client = AsyncHTTPClient(force_instance=True, max_clients=APPENDERS)
    stopping = asyncio.Event()
    statuses: list[int] = []

    async def append() -> None:
        while not stopping.is_set():
            body = {"role": "user", "content": CONTENT}
            request = server.request("POST", f"/codex/api/sessions/{session_id}/messages", body)
            statuses.append((await client.fetch(request, raise_error=False)).code)

    appenders = [asyncio.create_task(append()) for _ in range(APPENDERS)]
    timings, expected = await _probe(server, seconds)
    stopping.set()
    await asyncio.gather(*appenders)  # each finishes the request it has in flight
    client.close()
    return timings, expected, statuses.count(201), len(statuses) - statuses.count(201)


async def _create_session(server: Server) -> str:
    response = await AsyncHTTPClient().fetch(server.request("POST", "/codex/api/sessions", {"title": "lock"}))
    return json.loads(response.body)["id"]


def _row(label: str, timings: list[float], expected: int, acknowledged: str, errors: str) -> list[str]:
    return [label, ms(percentile(timings, 50)), ms(percentile(timings, 99)), ms(max(timings)),
            f"{len(timings)} / {expected}", acknowledged, errors]  # fmt: skip


def main(quick: bool = False) -> None:
    seconds = 4.0 if quick else 20.0
    with tempfile.TemporaryDirectory(prefix="codex-bench-") as directory, jupyter_server(Path(directory)) as server:
        idle, idle_expected = asyncio.run(_probe(server, seconds))
        session_id = asyncio.run(_create_session(server))
        stop = multiprocessing.Event()
        holder = multiprocessing.Process(target=hold_write_lock, args=(str(server.store), stop))
        holder.start()
        try:
            busy, busy_expected, acknowledged, errors = asyncio.run(_probe_while_appending(server, session_id, seconds))
        finally:
            stop.set()
            holder.join()
    print(
        f"`GET /api/status` on a real jupyter server, probed every {PROBE_EVERY_S * 1e3:.0f} ms for {seconds:.0f} s; "
        f"the lock is held {HOLD_S:.0f} s at a time by another process:\n"
    )
    header = ["GET /api/status while", "p50", "p99", "max", "answered / probes due",
              "codex POSTs acknowledged", "codex POST errors"]  # fmt: skip
    contended = f"another process holds the write lock, {APPENDERS} clients POST messages"
    rows = [
        _row("baseline: the server is idle", idle, idle_expected, "n/a", "n/a"),
        _row(contended, busy, busy_expected, str(acknowledged), str(errors)),
    ]
    print(table(header, rows), flush=True)


if __name__ == "__main__":
    main()
