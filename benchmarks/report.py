"""Measuring and printing, shared by every benchmark: latencies, percentiles, Markdown tables."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence


def latencies(operation: Callable[[], object], samples: int, warmup: int) -> list[float]:
    """Seconds taken by each of ``samples`` calls of ``operation``, after ``warmup`` untimed ones."""
    for _ in range(warmup):
        operation()
    timings = []
    for _ in range(samples):
        start = time.perf_counter()
        operation()
        timings.append(time.perf_counter() - start)
    return timings


def percentile(timings: Sequence[float], p: float) -> float:
    ordered = sorted(timings)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3f} ms" if seconds < 0.01 else f"{seconds * 1e3:.1f} ms"


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"  # noqa: E731
    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])
