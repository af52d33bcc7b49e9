"""Full-text search in the workspace file (SQLite FTS5) beside a ``LIKE '%word%'`` scan of the same table, in one run.

The text: 100,000 messages (10,000 with ``--quick``) in sessions of 100, each of 20 to 200
words (uniformly), drawn from a fixed vocabulary of 30,000 words with a Zipf distribution
(the n-th most frequent word is used in proportion to 1/n, as in natural language): about
250 real English and programming words at the top, generated pseudo-words in the long tail,
some capitals and punctuation. Each query is different: two words of rank 50 to 2,000 (the
words people search for, not "the"), or the first four letters of one such word and ``*``.
Search is timed through ``SessionStore.search`` (parse, FTS5, snippets: what a user waits
for), the 20 best hits; the scan is one ``SELECT`` with a ``LIKE`` per word, which must read
every message, as any search that ranks its hits must.

Also what the index costs: a durable append with and without it at 100,000 messages (the
file without it is the same file with the index's tables and triggers dropped), the file's
size, and the time taken to index a version-1 file (written with the first release's SQL,
``tests/version_1.py``) when the current code first opens it.

    python -m benchmarks search [--quick]
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from itertools import accumulate, product
from pathlib import Path

from codex_jupyter import open_store
from codex_jupyter.search import parse_query
from codex_jupyter.storage.fulltext import fts_query
from tests.version_1 import Version1Writer

from .report import ms, percentile, table
from .store import SCOPE

VOCABULARY_SIZE = 30_000
PER_SESSION = 100
SEED = 20261126

_COMMON = """
the of and to a in is you that it for on with as this was be are not have but or by from at your can what if
do an my will there so all about which one would more when up out has they we how their no just like then some
its them other into than only been also any time could these should use get way make may first new most where
need here see because know work why does each data value values row rows column columns table index function
file files error code line list type key keys name number string method class object model result results set
return call run query frame dataframe series array numpy pandas python notebook kernel cell output input plot
figure axis label test tests import module package version install environment path memory time date group
groupby merge join sort filter apply map loop iterate missing nan null drop fill mean sum count size shape dtype
float int bool str dict tuple copy view slice select where order limit sql database cache thread process
request response server client api json yaml config setting option default argument parameter variable
instance attribute property decorator generator iterator exception raise catch warning debug log logging
print format regex pattern match search replace split strip encode decode unicode bytes read write open close
save load export chart matplotlib seaborn scikit learn train fit predict score feature features target
accuracy loss batch epoch tensor gpu cpu vector matrix linear regression cluster sample random seed
""".split()  # noqa: SIM905 (a paragraph reads better than 250 quoted words)
_SYLLABLES = [c + v for c, v in product("bcdfghklmnprstvz", "aeiou")] + ["qu", "th", "sh", "ch", "st"]


def vocabulary(size: int = VOCABULARY_SIZE) -> list[str]:
    """Real words first, then pseudo-words of two to four syllables, the same in every run."""
    words = list(dict.fromkeys(_COMMON))
    rng = random.Random(SEED)
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choices(_SYLLABLES, k=rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def messages(words: list[str], rng: random.Random) -> Iterator[str]:
    """Endless messages of 20 to 200 Zipf-distributed words, with sentences, capitals and punctuation."""
    weights = list(accumulate(1 / rank for rank in range(1, len(words) + 1)))
    while True:
        chosen = rng.choices(words, cum_weights=weights, k=rng.randint(20, 200))
        for start in range(0, len(chosen), 12):
            chosen[start] = chosen[start].capitalize()
            chosen[min(start + 11, len(chosen) - 1)] += rng.choice((".", ".", ",", "?", ":"))
        yield " ".join(chosen)


def queries(words: list[str], rng: random.Random, count: int) -> dict[str, list[str]]:
    searched = words[50:2_000]
    return {
        "two words": [" ".join(rng.sample(searched, 2)) for _ in range(count)],
        "prefix (4 letters*)": [rng.choice(searched)[:4] + "*" for _ in range(count)],
    }


def _like_scan(conn: sqlite3.Connection, query: str) -> list[tuple[int]]:
    patterns = [f"%{word.rstrip('*')}%" for word in query.split()]
    where = " AND ".join("content LIKE ?" for _ in patterns)
    return conn.execute(f"SELECT seq FROM messages WHERE {where}", patterns).fetchall()


def _timed_each(operation: Callable[[str], object], arguments: list[str]) -> tuple[list[float], list[float]]:
    """Seconds taken by ``operation`` on each argument: wall-clock, and this process's CPU time."""
    wall, cpu = [], []
    for argument in arguments:
        start, start_cpu = time.perf_counter(), time.process_time()
        operation(argument)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return wall, cpu


def search_table(path: Path, asked: dict[str, list[str]], scans: int) -> str:
    rows = []
    with open_store(path, scope=SCOPE) as store, sqlite3.connect(path) as conn:
        for label, texts in asked.items():
            for text in texts[:20]:  # warm-up: the file's pages into the page cache, as in a running server
                store.search(text)
            ours, ours_cpu = _timed_each(store.search, texts)
            matching = [
                conn.execute(
                    "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH ?", (fts_query(parse_query(text)),)
                ).fetchone()[0]
                for text in texts
            ]
            theirs, _ = _timed_each(lambda text: _like_scan(conn, text), texts[:scans])
            rows.append(
                [
                    label,
                    ms(percentile(ours, 50)),
                    ms(percentile(ours, 99)),
                    ms(percentile(ours_cpu, 50)),
                    str(len(ours)),
                    f"{statistics.median(matching):,.0f}",
                    ms(percentile(theirs, 50)),
                    ms(percentile(theirs, 99)),
                    str(len(theirs)),
                    f"{percentile(theirs, 50) / percentile(ours, 50):,.0f}x",
                ]
            )
    conn.close()
    header = [
        "query",
        "search p50",
        "p99",
        "CPU p50",
        "n",
        "median matches",
        "LIKE scan p50",
        "p99",
        "n",
        "p50 speed-up",
    ]
    return table(header, rows)


def append_table(indexed: Path, unindexed: Path, samples: int) -> str:
    """Appends to both files in turn, so that background noise falls on both alike."""
    stores = {
        "with the search index": open_store(indexed, scope=SCOPE),
        "without it": open_store(unindexed, scope=SCOPE),
    }
    contents = messages(vocabulary(), random.Random(SEED + 1))
    timings: dict[str, tuple[list[float], list[float]]] = {label: ([], []) for label in stores}
    for round in range(20 + samples):  # the first 20: warm-up
        content = next(contents)
        for label, store in stores.items():
            wall, cpu = _timed_each(
                lambda text, store=store: store.add_message_to_current_session(role="user", content=text), [content]
            )
            if round >= 20:
                timings[label][0].extend(wall)
                timings[label][1].extend(cpu)
    for store in stores.values():
        store.dispose()
    rows = [
        [label, ms(percentile(wall, 50)), ms(percentile(wall, 99)), ms(percentile(cpu, 50)), str(samples)]
        for label, (wall, cpu) in timings.items()
    ]
    (with_index, _), (without, _) = timings.values()
    rows.append(["ratio (p50)", f"{percentile(with_index, 50) / percentile(without, 50):.2f}x", "", "", ""])
    return table(["durable append, 20 to 200 words", "p50", "p99", "CPU p50", "n"], rows)


def write_version_1(path: Path, count: int, texts: Iterator[str]) -> None:
    """A version-1 file of ``count`` messages in sessions of :data:`PER_SESSION`, as the first release wrote it."""
    writer = Version1Writer.create(path)
    for _ in range(count // PER_SESSION):
        writer.create_session(messages=(next(texts) for _ in range(PER_SESSION)))
    writer.close()


def drop_search_index(path: Path) -> None:
    """The file as it would be without the search index: its FTS5 tables and the triggers that fill them dropped."""
    with sqlite3.connect(path) as conn:
        triggers = [row[0] for row in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'trigger'")]
        for name in triggers:
            if name.startswith(("messages_fts_", "titles_fts_")):
                conn.execute(f"DROP TRIGGER {name}")
        conn.execute("DROP TABLE messages_fts")
        conn.execute("DROP TABLE titles_fts")
        conn.execute("VACUUM")
    conn.close()


def main(quick: bool = False) -> None:
    count = 10_000 if quick else 100_000
    words = vocabulary()
    with tempfile.TemporaryDirectory(prefix="codex-bench-") as directory:
        root = Path(directory)
        indexed, unindexed = root / "indexed.sqlite3", root / "unindexed.sqlite3"
        began = time.perf_counter()
        write_version_1(indexed, count, messages(words, random.Random(SEED)))
        filled = time.perf_counter() - began
        began = time.perf_counter()
        open_store(indexed).dispose()  # migrates: builds the index of every message
        migrated = time.perf_counter() - began
        shutil.copyfile(indexed, unindexed)
        drop_search_index(unindexed)
        sizes = table(
            ["the file", "size", "indexing a version-1 file when first opened"],
            [
                ["without the index", f"{unindexed.stat().st_size / 1e6:,.1f} MB", ""],
                ["with it", f"{indexed.stat().st_size / 1e6:,.1f} MB", f"{migrated:.1f} s"],
            ],
        )
        load = ", ".join(f"{figure:.1f}" for figure in os.getloadavg())
        print(f"{count:,} messages, a {len(words):,}-word Zipf vocabulary (written in {filled:.1f} s).")
        print(f"Load average before measuring: {load} on {os.cpu_count()} CPUs.\n")
        print("Search, the 20 best hits with snippets, each query different:\n")
        asked = queries(words, random.Random(SEED + 2), 50 if quick else 300)
        print(search_table(indexed, asked, scans=10 if quick else 60), "\n", flush=True)
        print("What the index costs:\n")
        print(append_table(indexed, unindexed, 100 if quick else 500), "\n")
        print(sizes, flush=True)


if __name__ == "__main__":
    main()
