"""What ``%%codex_say`` costs in a real kernel, beside an empty cell measured in the same run.

Each figure is the execute-request round trip seen by the frontend (jupyter_client):
from sending the request until the kernel is idle again, outputs included.

    python -m benchmarks magics [--quick]
"""

from __future__ import annotations

import time

from .kernel import benchmark_kernel
from .report import percentile, table


def _interleaved_round_trips(client, cases: dict[str, str], runs: int) -> dict[str, list[float]]:
    """Time each case once per round, round-robin, so background noise falls on every case alike."""
    quiet = {"output_hook": lambda message: None, "timeout": 60}
    for code in cases.values():
        for _ in range(10):  # warm-up: imports, caches, first-run effects
            client.execute_interactive(code, **quiet)
    timings: dict[str, list[float]] = {label: [] for label in cases}
    for _ in range(runs):
        for label, code in cases.items():
            start = time.perf_counter()
            reply = client.execute_interactive(code, **quiet)
            timings[label].append(time.perf_counter() - start)
            assert reply["content"]["status"] == "ok", reply["content"]
    return timings


def main(quick: bool = False) -> None:
    runs = 30 if quick else 200
    with benchmark_kernel() as client:
        quiet = {"output_hook": lambda message: None, "timeout": 60}
        client.execute_interactive(
            "%load_ext codex_jupyter\nimport codex_jupyter\nmemory = codex_jupyter.open_store(':memory:')", **quiet
        )
        cases = {
            "empty cell (baseline)": "",
            "`pass` (a one-statement cell)": "pass",
            "%%codex_say, workspace file": "%%codex_say\nWhy does my groupby drop NaN keys?",
            "store.add_message_to_current_session(...) in a cell, workspace file":
                "codex_jupyter.get_store().add_message_to_current_session(role='user', content='hi');",
            "the same call on a memory store": "memory.add_message_to_current_session(role='user', content='hi');",
        }  # fmt: skip
        timings = _interleaved_round_trips(client, cases, runs)
        rows = []
        baseline = percentile(timings["empty cell (baseline)"], 50)
        for label, measured in timings.items():
            p50 = percentile(measured, 50)
            rows.append([label, f"{p50 * 1e3:.2f} ms", f"{percentile(measured, 99) * 1e3:.2f} ms",
                         f"+{(p50 - baseline) * 1e3:.2f} ms"])  # fmt: skip
    print(f"Execute-request round trip in a real kernel, {runs} rounds (cases interleaved):\n")
    print(table(["cell", "p50", "p99", "p50 over the empty cell"], rows), flush=True)


if __name__ == "__main__":
    main()
