"""A streamed reply: what it costs the store, and how much later its tokens reach the user than with the SDK alone.

No model runs here: replies come from the tests' OpenAI-compatible server on loopback
(``tests/openai_server.py``), which streams server-sent events as OpenAI's API does. Each
reply is 500 chunks, sent as fast as loopback allows, or 1 ms apart (a fast model, 1,000
tokens a second). Both sides use the real ``openai`` SDK on the same server in the same run,
interleaved: the baseline reads the stream with the SDK alone; codex-jupyter asks through the
reply runner into a workspace file (question stored, reply begun, chunks streamed into it and
saved in batches, reply finished).

- *first token*: from the call until the first text is in hand (the SDK's first chunk;
  codex-jupyter's reply as a client following it sees it), and until it is saved in the file;
- *last token*: until the stream is read (SDK), until the whole reply is saved ``complete``.

    python -m benchmarks replies [--quick]
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import openai

from codex_jupyter import ChangeKind, SessionStore, StoreChange
from codex_jupyter.replies import ask
from codex_jupyter.responders import OpenAIResponder
from codex_jupyter.storage import SQLiteBackend
from tests.openai_server import OpenAIServer, Reply

from .report import ms, percentile, table

CHUNKS = [f"tok{i} " for i in range(500)]
PACES = {"as fast as loopback allows": 0.0, "1 ms apart (1,000 tokens/s)": 0.001}


class CountingBackend:
    """The workspace file, counting its write transactions (every other call passes through)."""

    def __init__(self, backend: SQLiteBackend) -> None:
        self._backend = backend
        self.transactions = 0

    def transaction(self) -> AbstractContextManager[None]:
        self.transactions += 1
        return self._backend.transaction()

    def __getattr__(self, name: str) -> object:
        return getattr(self._backend, name)


def sdk_alone(server: OpenAIServer) -> tuple[float, float]:
    """Seconds to the first content chunk and to the end of the stream, reading it with the SDK alone."""

    async def read() -> tuple[float, float]:
        start = time.perf_counter()
        first = 0.0
        async with openai.AsyncOpenAI(base_url=server.url, api_key="benchmark", max_retries=0) as client:
            stream = await client.chat.completions.create(
                model=server.model, messages=[{"role": "user", "content": "Count"}], stream=True
            )
            async for chunk in stream:
                if not first and chunk.choices and chunk.choices[0].delta.content:
                    first = time.perf_counter() - start
        return first, time.perf_counter() - start

    return asyncio.run(read())


def through_codex(store: SessionStore, counting: CountingBackend) -> dict[str, float]:
    """One reply asked through the runner into the workspace file: its timings, writes and events."""
    saved_first = threading.Event()
    updates: list[float] = []  # when each message_updated change came

    def listen(change: StoreChange) -> None:
        if change.kind is ChangeKind.MESSAGE_UPDATED:
            updates.append(time.perf_counter())
            if change.message is not None and change.message.content:
                saved_first.set()

    subscription = store.on_did_change(listen)
    session_id = store.create_session().id  # so the model is sent one question, as in the baseline
    writes_before = counting.transactions
    start = time.perf_counter()
    run = ask(store, OpenAIResponder(max_retries=0), "Count", session_id=session_id)
    first = next(time.perf_counter() - start for text in run.follow(interval=0) if text)
    saved_first.wait()
    first_saved = time.perf_counter() - start
    run.wait()
    last = time.perf_counter() - start
    subscription.dispose()
    assert run.status == "complete" and run.message.content == "".join(CHUNKS), run.error
    return {
        "first": first,
        "first saved": first_saved,
        "last": last,
        "writes": counting.transactions - writes_before,
        "events": len(updates),
        "busiest second": max(sum(1 for other in updates if 0 <= other - moment < 1) for moment in updates),
    }


def added(seconds: float) -> str:
    return f"+{ms(seconds)}" if seconds >= 0 else f"-{ms(-seconds)}"


@contextmanager
def environment(server: OpenAIServer) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "CODEX_JUPYTER_MODEL")}
    os.environ.update(OPENAI_BASE_URL=server.url, OPENAI_API_KEY="benchmark", CODEX_JUPYTER_MODEL=server.model)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def main(quick: bool = False) -> None:
    runs = 5 if quick else 30
    latency_rows, cost_rows = [], []
    with tempfile.TemporaryDirectory(prefix="codex-bench-") as folder, OpenAIServer() as server, environment(server):
        counting = CountingBackend(SQLiteBackend(Path(folder) / "workspace.sqlite3"))
        store = SessionStore(counting, scope="benchmark.ipynb")  # type: ignore[arg-type]
        for pace, interval in PACES.items():
            baseline: list[tuple[float, float]] = []
            ours: list[dict[str, float]] = []
            for _ in range(1 + runs):  # the first of each is a warm-up (imports, connections)
                server.then(Reply(CHUNKS, interval=interval))
                baseline.append(sdk_alone(server))
                server.then(Reply(CHUNKS, interval=interval))
                ours.append(through_codex(store, counting))
            baseline, ours = baseline[1:], ours[1:]
            sdk_first, sdk_last = percentile([b[0] for b in baseline], 50), percentile([b[1] for b in baseline], 50)
            figures = {key: percentile([o[key] for o in ours], 50) for key in ("first", "first saved", "last")}
            latency_rows += [
                [pace, "SDK alone (baseline)", ms(sdk_first), ms(sdk_last), "", ""],
                [pace, "codex-jupyter, reply as a client sees it", ms(figures["first"]), ms(figures["last"]),
                 added(figures["first"] - sdk_first), added(figures["last"] - sdk_last)],
                [pace, "codex-jupyter, saved in the workspace file", ms(figures["first saved"]), ms(figures["last"]),
                 added(figures["first saved"] - sdk_first), added(figures["last"] - sdk_last)],
            ]  # fmt: skip
            writes = [o["writes"] for o in ours]
            events = [o["events"] for o in ours]
            busiest = max(o["busiest second"] for o in ours)
            cost_rows.append(
                [pace, f"{statistics.median(writes):g} (max {max(writes):g})",
                 f"{statistics.median(events):g} (max {max(events):g})", f"{busiest:g}", f"{len(CHUNKS)}"]
            )  # fmt: skip
        store.dispose()
    print(f"A {len(CHUNKS)}-chunk reply, p50 of {runs} replies each (interleaved with the baseline):\n")
    print(table(["chunks sent", "path", "first token", "last token", "added to first", "added to last"],
                latency_rows), flush=True)  # fmt: skip
    print("\nWhat one reply costs the store (a write per chunk, and an event per chunk, would be the naive way):\n")
    print(table(["chunks sent", "store writes per reply", "message_updated events per reply",
                 "most events within one second", "chunks"], cost_rows), flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
