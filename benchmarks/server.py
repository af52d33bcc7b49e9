"""The REST API under load, on loopback, beside jupyter-server's own routes measured in the same run.

A real ``jupyter server`` with the extension runs in its own process, on a workspace file
holding 1,000 sessions; this process is the client. The baselines are jupyter-server's own
routes on the same server: ``GET /api/status`` (the lightest authenticated route: the
floor of any request) and ``PUT /api/contents`` (its own durable write: a file saved).

    python -m benchmarks server [--quick]
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tornado.httpclient import AsyncHTTPClient, HTTPRequest, HTTPResponse

from codex_jupyter import open_store
from tests.jupyter_process import Server
from tests.jupyter_process import jupyter_server as running_server

from .report import ms, percentile, table
from .store import CONTENT, SCOPE, fill_workspace

SESSIONS = 1_000


@contextmanager
def jupyter_server(home: Path) -> Iterator[Server]:
    """A real ``jupyter server`` on a workspace file of :data:`SESSIONS` sessions."""
    workspace_file = home / "workspace.sqlite3"
    fill_workspace(workspace_file, SESSIONS, 10)
    with running_server(home, workspace_file) as server:
        yield server


# -- reads ---------------------------------------------------------------------------------


async def _sequential(server: Server, paths: dict[str, str], rounds: int) -> dict[str, list[float]]:
    """One request at a time, the routes interleaved round-robin so that noise falls on all alike."""
    client = AsyncHTTPClient()
    timings: dict[str, list[float]] = {label: [] for label in paths}
    for round_ in range(rounds + 20):
        for label, path in paths.items():
            start = time.perf_counter()
            await client.fetch(server.request("GET", path))
            if round_ >= 20:  # the first rounds warm up connections and caches
                timings[label].append(time.perf_counter() - start)
    return timings


async def _throughput(server: Server, path: str, requests: int, concurrency: int) -> float:
    """Requests per second with ``concurrency`` requests in flight at all times."""
    client = AsyncHTTPClient(force_instance=True, max_clients=concurrency)
    remaining = iter(range(requests))

    async def worker() -> None:
        for _ in remaining:
            await client.fetch(server.request("GET", path))

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    client.close()
    return requests / elapsed


def reads(server: Server, rounds: int, requests: int, concurrency: int) -> str:
    paths = {
        f"codex: GET /codex/api/sessions (first 100 of {SESSIONS:,})": "/codex/api/sessions",
        "baseline: GET /api/status (jupyter-server's own)": "/api/status",
    }
    timings = asyncio.run(_sequential(server, paths, rounds))
    rows = []
    for label, path in paths.items():
        per_second = asyncio.run(_throughput(server, path, requests, concurrency))
        rows.append(
            [label, ms(percentile(timings[label], 50)), ms(percentile(timings[label], 99)), f"{per_second:,.0f}"]
        )
    header = ["route", f"p50 (n={rounds})", "p99", f"requests/s, {concurrency} in flight"]
    return table(header, rows)


# -- writes --------------------------------------------------------------------------------


async def _all_at_once(requests: list[HTTPRequest]) -> tuple[list[HTTPResponse], float]:
    client = AsyncHTTPClient(force_instance=True, max_clients=len(requests))
    start = time.perf_counter()
    responses = await asyncio.gather(*(client.fetch(r, raise_error=False) for r in requests))
    elapsed = time.perf_counter() - start
    client.close()
    return list(responses), elapsed


def writes(server: Server, count: int) -> str:
    with open_store(server.store, scope=SCOPE) as store:
        session_id = store.create_session(title="load").id
    posts = [
        server.request("POST", f"/codex/api/sessions/{session_id}/messages", {"role": "user", "content": CONTENT})
        for _ in range(count)
    ]
    responses, elapsed = asyncio.run(_all_at_once(posts))
    acknowledged = {json.loads(r.body)["id"] for r in responses if r.code == 201}
    with open_store(server.store, scope=SCOPE) as store:
        stored = {message.id for message in store.get_session(session_id).messages}
    ours = [f"codex: {count} x POST /codex/api/sessions/{{id}}/messages, one session",
            f"{len(acknowledged) / elapsed:,.0f}", str(len(acknowledged - stored)),
            str(sum(r.code != 201 for r in responses))]  # fmt: skip

    saves = [
        server.request("PUT", f"/api/contents/note-{i}.txt", {"type": "file", "format": "text", "content": CONTENT})
        for i in range(count)
    ]
    responses, elapsed = asyncio.run(_all_at_once(saves))
    theirs = [f"baseline: {count} x PUT /api/contents/note-N.txt (jupyter-server's own save)",
              f"{sum(r.code in (200, 201) for r in responses) / elapsed:,.0f}", "n/a",
              str(sum(r.code not in (200, 201) for r in responses))]  # fmt: skip
    return table(["all sent at once", "acknowledged writes/s", "lost", "errors"], [ours, theirs])


def main(quick: bool = False) -> None:
    with tempfile.TemporaryDirectory(prefix="codex-bench-") as directory, jupyter_server(Path(directory)) as server:
        print(f"A real jupyter server on loopback, {SESSIONS:,} sessions stored; reads:\n")
        print(reads(server, rounds=30 if quick else 300, requests=200 if quick else 2_000, concurrency=8), "\n")
        print("Concurrent durable writes:\n")
        print(writes(server, count=200), flush=True)


if __name__ == "__main__":
    main()
