"""The core store against the design it replaces, measured in one run.

The baseline is how the VS Code extension kept sessions in ``workspaceState``: the
whole history as one JSON document, re-written (atomically: temp file, fsync,
rename) on every change. Every figure here is durable: a write counts when it is
on disk.

    python -m benchmarks store [--quick]
"""

from __future__ import annotations

import json
import multiprocessing
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path

from codex_jupyter import ChatMessage, ChatSession, open_store
from codex_jupyter.models import new_id
from codex_jupyter.storage import SessionRecord, SQLiteBackend, migrations

from .report import latencies, ms, percentile, table

SCOPE = "benchmark.ipynb"
CONTENT = "Why does my groupby drop NaN keys? " * 4  # ~140 characters, a typical short message


# -- the baseline: one JSON document, re-written on every change --------------------------------


class NaiveJSONStore:
    """The workspaceState design: load everything, change it in memory, write everything back."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sessions: dict[str, dict] = json.loads(path.read_text()) if path.exists() else {}

    def add_message(self, session_id: str, role: str, content: str) -> None:
        now = datetime.now(timezone.utc).isoformat()
        session = self.sessions[session_id]
        session["messages"].append({"id": new_id(), "role": role, "content": content, "timestamp": now})
        session["updated_at"] = now
        self.save()

    def save(self) -> None:
        temporary = self.path.with_suffix(f".{os.getpid()}.tmp")
        with open(temporary, "w") as file:
            json.dump(self.sessions, file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self.path)

    def load_sessions(self) -> list[ChatSession]:
        return [ChatSession.from_dict(session) for session in self.sessions.values()]


def _session_json(session_id: str, count: int) -> dict:
    now = datetime.now(timezone.utc).isoformat()
    messages = [{"id": new_id(), "role": "user", "content": CONTENT, "timestamp": now} for _ in range(count)]
    return {"id": session_id, "title": None, "created_at": now, "updated_at": now, "messages": messages}


# -- filling a workspace file quickly --------------------------------------------------------


def fill_workspace(
    path: Path,
    sessions: int,
    messages_per_session: int,
    *,
    contents: Iterator[str] | None = None,
    steps: Sequence[migrations.Step] = migrations.STEPS,
) -> None:
    """Write fixtures through the backend protocol in one transaction (one fsync, not one per message).

    Every message is ``CONTENT`` unless ``contents`` gives each its text; ``steps`` are the
    schema migrations to make the file with (fewer: a file of an earlier version).
    """
    backend = SQLiteBackend(path, steps=steps)
    now = datetime.now(timezone.utc)
    with backend.transaction():
        for _ in range(sessions):
            record = SessionRecord(new_id(), None, now, now, 0)
            backend.create_session(record)
            backend.set_current(SCOPE, record.id)
            for _ in range(messages_per_session):
                content = CONTENT if contents is None else next(contents)
                backend.append_message(record.id, ChatMessage(new_id(), "user", content, now))
    backend.close()


def append_latency(root: Path, sizes: list[int], samples: int) -> str:
    rows = []
    for size in sizes:
        path = root / f"append-{size}.sqlite3"
        fill_workspace(path, 1, size)
        with open_store(path, scope=SCOPE) as store:
            ours = latencies(
                lambda store=store: store.add_message_to_current_session(role="user", content=CONTENT),
                samples,
                warmup=20,
            )
        naive_path = root / f"append-{size}.json"
        naive_path.write_text(json.dumps({"s": _session_json("s", size)}))
        naive = NaiveJSONStore(naive_path)
        # The baseline's cost grows with the history; fewer samples keep the run short at 100,000.
        naive_samples = max(5, min(samples, 200_000 // size))
        theirs = latencies(lambda store=naive: store.add_message("s", "user", CONTENT), naive_samples, warmup=2)
        rows.append(
            [
                f"{size:,}",
                ms(percentile(ours, 50)),
                ms(percentile(ours, 99)),
                str(samples),
                ms(percentile(theirs, 50)),
                ms(percentile(theirs, 99)),
                str(naive_samples),
                f"{percentile(theirs, 50) / percentile(ours, 50):,.0f}x",
            ]
        )
    header = ["stored messages", "codex-jupyter p50", "p99", "n", "naive JSON p50", "p99", "n", "p50 speed-up"]
    return table(header, rows)


def open_and_list(root: Path, sessions: int, per_session: int, repeats: int) -> str:
    path = root / "list.sqlite3"
    fill_workspace(path, sessions, per_session)
    naive_path = root / "list.json"
    naive_path.write_text(json.dumps({str(i): _session_json(str(i), per_session) for i in range(sessions)}))

    def ours_list() -> None:
        with open_store(path, scope=SCOPE) as store:
            assert len(store.get_sessions()) == sessions

    def ours_read_all() -> None:
        with open_store(path, scope=SCOPE) as store:
            assert sum(len(list(s.messages)) for s in store.get_sessions()) == sessions * per_session

    def naive_read_all() -> None:
        assert len(NaiveJSONStore(naive_path).load_sessions()) == sessions

    rows = [
        [label, ms(statistics.median(latencies(operation, repeats, warmup=1)))]
        for label, operation in [
            ("codex-jupyter: open + get_sessions()", ours_list),
            ("codex-jupyter: open + get_sessions() + read every message", ours_read_all),
            ("naive JSON: open (parse everything) + list", naive_read_all),
        ]
    ]
    return table([f"{sessions:,} sessions x {per_session} messages", f"median of {repeats}"], rows)


def _writer(path: str, session_id: str, appends: int, start: multiprocessing.Event, results) -> None:
    acknowledged, errors = [], 0
    with open_store(path, scope=SCOPE) as store:
        start.wait()
        for _ in range(appends):
            try:
                acknowledged.append(store.add_message(session_id, role="user", content=CONTENT).id)
            except Exception:
                errors += 1
    results.put((acknowledged, errors))


def _naive_writer(path: str, appends: int, start: multiprocessing.Event, results) -> None:
    acknowledged, errors = [], 0
    start.wait()
    for i in range(appends):
        try:
            # Each change re-reads the document, as separate processes sharing workspaceState would have to.
            store = NaiveJSONStore(Path(path))
            store.add_message("s", "user", f"{os.getpid()}-{i}")
            acknowledged.append(f"{os.getpid()}-{i}")
        except Exception:
            errors += 1
    results.put((acknowledged, errors))


def _run_writers(target: Callable, args: tuple, processes: int) -> tuple[list[str], int, float]:
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    workers = [context.Process(target=target, args=(*args, start, results)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    time.sleep(1.0)  # let every process import and open its store before the clock starts
    began = time.perf_counter()
    start.set()
    outcomes = [results.get(timeout=600) for _ in workers]
    elapsed = time.perf_counter() - began
    for worker in workers:
        worker.join()
    return [i for acknowledged, _ in outcomes for i in acknowledged], sum(e for _, e in outcomes), elapsed


def concurrent_writers(root: Path, processes: int, appends: int, naive_appends: int) -> str:
    path = root / "concurrent.sqlite3"
    with open_store(path, scope=SCOPE) as store:
        session_id = store.create_session(title="shared").id
    acknowledged, errors, elapsed = _run_writers(_writer, (str(path), session_id, appends), processes)
    with open_store(path, scope=SCOPE) as store:
        stored = {m.id for m in store.get_session(session_id).messages}
    ours = [
        f"codex-jupyter, {processes} x {appends:,} appends",
        f"{len(acknowledged) / elapsed:,.0f}",
        str(len(set(acknowledged) - stored)),
        str(errors),
    ]

    naive_path = root / "concurrent.json"
    naive_path.write_text(json.dumps({"s": _session_json("s", 0)}))
    acknowledged, errors, elapsed = _run_writers(_naive_writer, (str(naive_path), naive_appends), processes)
    stored = {m["content"] for m in json.loads(naive_path.read_text())["s"]["messages"]}
    theirs = [
        f"naive JSON, {processes} x {naive_appends:,} appends",
        f"{len(acknowledged) / elapsed:,.0f}",
        str(len(set(acknowledged) - stored)),
        str(errors),
    ]
    return table(["writers (one shared session)", "messages/s", "lost", "errors"], [ours, theirs])


def main(quick: bool = False) -> None:
    sizes = [1_000, 2_000] if quick else [1_000, 10_000, 100_000]
    with tempfile.TemporaryDirectory(prefix="codex-bench-") as directory:
        root = Path(directory)
        print("Durable append latency, one message added to the current session:\n")
        print(append_latency(root, sizes, samples=50 if quick else 500), "\n", flush=True)
        print("Opening a workspace and listing it:\n")
        print(open_and_list(root, 100 if quick else 1_000, 100, repeats=3 if quick else 9), "\n", flush=True)
        print("Concurrent writer processes:\n")
        print(concurrent_writers(root, 4, 100 if quick else 1_000, 50 if quick else 250), flush=True)


if __name__ == "__main__":
    main()
