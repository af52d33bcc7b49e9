"""The PostgreSQL store beside the workspace file, measured in the same run, both durable.

A real PostgreSQL server (Debian's, started in a temporary folder by ``tests/postgres_server.py``)
with fsync on and ``synchronous_commit = on``, on this machine's disk, reached through its Unix
socket; the store connects as an ordinary user's role, under row-level security. Figures:

- durable append latency (p50, p99) at 1,000 / 100,000 / 1,000,000 stored messages;
- 8 writer processes x 1,000 appends to one session: messages/s, lost, errors;
- a change announced by ``NOTIFY`` to a store listening in another connection: from the write's
  acknowledgement to the listener's wake, and to the change returned by its ``poll()``;
- search (p50, p99) at 100,000 messages of 20 to 200 words (``benchmarks/search.py``'s text);
- the bytes one stored message takes, tables and indexes included, for the README's sizing.

    python -m benchmarks postgres [--quick]
"""

from __future__ import annotations

import random
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from itertools import islice
from pathlib import Path

from codex_jupyter import open_store
from codex_jupyter.models import new_id
from codex_jupyter.storage.postgres.fulltext import owner_tag, tsvector
from tests.postgres_server import PostgresDatabase, PostgresServer

from .report import latencies, ms, percentile, table
from .search import messages, queries, vocabulary
from .store import CONTENT, SCOPE, _run_writers, _writer, fill_workspace

USER = "alice"


def fill_postgres(database: PostgresDatabase, sessions: int, per_session: int, contents: Iterator[str] | None) -> None:
    """Rows for ``USER`` written with ``COPY`` by the administrator (one transaction), as the backend writes them."""
    now = datetime.now(timezone.utc)
    tag = owner_tag(USER)
    content_words = tsvector(CONTENT, tag)
    with database.connect() as conn, conn.transaction():
        conn.execute("INSERT INTO codex_jupyter.owners (owner) VALUES (%s) ON CONFLICT DO NOTHING", (USER,))
        session_ids = [new_id() for _ in range(sessions)]
        with conn.cursor().copy(
            "COPY codex_jupyter.sessions (owner, id, created_at, updated_at, message_count) FROM STDIN"
        ) as copy:
            for session_id in session_ids:
                copy.write_row((USER, session_id, now, now, per_session))
        with conn.cursor().copy(
            "COPY codex_jupyter.messages (owner, session_id, position, id, role, content, timestamp, added, "
            "revision, words) FROM STDIN"
        ) as copy:
            for session_id in session_ids:
                for position in range(per_session):
                    content = CONTENT if contents is None else next(contents)
                    words = content_words if contents is None else tsvector(content, tag)
                    copy.write_row((USER, session_id, position, new_id(), "user", content, now, 1, 1, words))
        conn.execute(
            "INSERT INTO codex_jupyter.current_sessions (owner, scope, session_id) VALUES (%s, %s, %s)",
            (USER, SCOPE, session_ids[-1]),
        )
        conn.execute("ANALYZE")


def append_latency(database: PostgresDatabase, root: Path, sizes: list[int], samples: int) -> str:
    rows = []
    for size in sizes:
        database.empty()
        fill_postgres(database, 1, size, None)
        path = root / f"append-{size}.sqlite3"
        fill_workspace(path, 1, size)
        measured = []
        for location in (database.url(USER), path):
            with open_store(location, scope=SCOPE) as store:
                measured.append(
                    latencies(
                        lambda store=store: store.add_message_to_current_session(role="user", content=CONTENT),
                        samples,
                        warmup=20,
                    )
                )
        path.unlink()
        ours, file = measured
        rows.append([f"{size:,}", ms(percentile(ours, 50)), ms(percentile(ours, 99)),
                     ms(percentile(file, 50)), ms(percentile(file, 99)), str(samples)])  # fmt: skip
    header = ["stored messages", "PostgreSQL p50", "p99", "workspace file p50", "p99", "n"]
    return table(header, rows)


def concurrent_writers(database: PostgresDatabase, root: Path, processes: int, appends: int) -> str:
    rows = []
    database.empty()
    for label, location in (("PostgreSQL", database.url(USER)), ("workspace file", str(root / "writers.sqlite3"))):
        with open_store(location, scope=SCOPE) as store:
            session_id = store.create_session(title="shared").id
        acknowledged, errors, elapsed = _run_writers(_writer, (location, session_id, appends), processes)
        with open_store(location, scope=SCOPE) as store:
            stored = [m.id for m in store.get_session(session_id).messages]
        lost = len(set(acknowledged) - set(stored))
        duplicated = len(stored) - len(set(stored))
        rows.append([f"{label}, {processes} x {appends:,} appends", f"{len(acknowledged) / elapsed:,.0f}",
                     str(lost), str(duplicated), str(errors)])  # fmt: skip
    return table(["writers (one shared session)", "messages/s", "lost", "duplicated", "errors"], rows)


def notify_latency(database: PostgresDatabase, samples: int) -> str:
    """A write by one store, the wake of another that listens (another connection), and its poll() returning it."""
    database.empty()
    woken_at: list[float] = []
    woken = threading.Event()

    def wake() -> None:
        woken_at.append(time.perf_counter())
        woken.set()

    to_wake, to_change = [], []
    with open_store(database.url(USER), scope="listener") as listener, open_store(database.url(USER)) as writer:
        session_id = writer.create_session().id
        listener.on_external_changes(wake)
        assert listener._backend.wait_listening(30)  # type: ignore[attr-defined]
        for _ in range(samples + 10):
            listener.poll()
            woken.clear()
            writer.add_message(session_id, role="user", content=CONTENT)
            acknowledged = time.perf_counter()
            if not woken.wait(30):
                raise TimeoutError("no notification within 30 s")
            changes = listener.poll()
            delivered = time.perf_counter()
            assert changes, "the wake came without a change"
            to_wake.append(woken_at[-1] - acknowledged)
            to_change.append(delivered - acknowledged)
    to_wake, to_change = to_wake[10:], to_change[10:]
    rows = [
        ["write acknowledged → listener woken", ms(percentile(to_wake, 50)), ms(percentile(to_wake, 99))],
        [
            "write acknowledged → change returned by poll()",
            ms(percentile(to_change, 50)),
            ms(percentile(to_change, 99)),
        ],
    ]
    return table([f"LISTEN/NOTIFY, n = {samples}", "p50", "p99"], rows) + (
        "\n\n(Negative: the listener was woken before the writer's COMMIT returned to it.)"
    )


def search_latency(database: PostgresDatabase, root: Path, total: int, count: int) -> str:
    words = vocabulary()
    database.empty()
    per_session = 100
    fill_postgres(database, total // per_session, per_session, messages(words, random.Random(1)))
    path = root / "search.sqlite3"
    fill_workspace(path, total // per_session, per_session, contents=messages(words, random.Random(1)))
    asked = queries(words, random.Random(2), count)
    rows = []
    for label, texts in asked.items():
        measured = []
        for location in (database.url(USER), path):
            with open_store(location, scope=SCOPE) as store:
                for text in islice(texts, 20):  # warm-up: pages into the caches, as in a running server
                    store.search(text)
                remaining = iter(texts)
                measured.append(latencies(lambda store=store, left=remaining: store.search(next(left)), count, 0))
        ours, file = measured
        rows.append([label, ms(percentile(ours, 50)), ms(percentile(ours, 99)),
                     ms(percentile(file, 50)), ms(percentile(file, 99)), str(count)])  # fmt: skip
    return table([f"{total:,} messages", "PostgreSQL p50", "p99", "workspace file p50", "p99", "n"], rows)


def bytes_per_message(database: PostgresDatabase) -> str:
    with database.connect() as conn:
        count, size = conn.execute(
            "SELECT (SELECT count(*) FROM codex_jupyter.messages), "
            "pg_total_relation_size('codex_jupyter.messages') + pg_total_relation_size('codex_jupyter.sessions')"
        ).fetchone()
    return table(
        ["stored messages (~140 characters each)", "tables + indexes", "per message"],
        [[f"{count:,}", f"{size / 2**20:,.0f} MiB", f"{size / count:,.0f} bytes"]],
    )


def main(quick: bool = False) -> None:
    sizes = [1_000, 10_000] if quick else [1_000, 100_000, 1_000_000]
    server = PostgresServer(durable=True)
    try:
        database = PostgresDatabase.set_up(server, "codex")
        with tempfile.TemporaryDirectory(prefix="codex-bench-") as directory:
            root = Path(directory)
            print("Durable append latency, one message added to the current session (one session of N):\n")
            print(append_latency(database, root, sizes, samples=50 if quick else 500), "\n", flush=True)
            print("Size on the server, at the largest size above:\n")
            print(bytes_per_message(database), "\n", flush=True)
            print("Concurrent writer processes, each its own connection:\n")
            print(concurrent_writers(database, root, 8, 100 if quick else 1_000), "\n", flush=True)
            print("A change pushed to another store:\n")
            print(notify_latency(database, 50 if quick else 500), "\n", flush=True)
            print("Search:\n")
            print(search_latency(database, root, 10_000 if quick else 100_000, 50 if quick else 200), flush=True)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
