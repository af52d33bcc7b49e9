"""The commands the README tells a newcomer to run."""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.__main__ import BENCHMARKS
from codex_jupyter import open_store

ROOT = Path(__file__).parent.parent


def test_the_demo_stores_a_session_in_the_workspace_file_and_prints_it(workspace_file):
    done = subprocess.run(
        [sys.executable, "-m", "codex_jupyter", "demo", "--workspace", str(workspace_file)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert f"Workspace file: {workspace_file}" in done.stdout
    assert "What does codex-jupyter keep?" in done.stdout
    with open_store(workspace_file) as store:
        [session] = store.get_sessions()
        assert [m.role for m in session.messages] == ["user", "assistant"]


@functools.cache
def quick_benchmark(name: str) -> str:
    """A smoke run, so the benchmarks keep working; their timings are not checked (machines are noisy)."""
    return subprocess.run(
        [sys.executable, "-m", "benchmarks", name, "--quick"],
        capture_output=True, text=True, check=True, timeout=600, cwd=ROOT,
    ).stdout  # fmt: skip


@pytest.mark.parametrize("name", sorted(BENCHMARKS))
def test_each_benchmark_runs_and_prints_its_table(name):
    printed = quick_benchmark(name)
    assert f"## {name}" in printed
    assert "|---" in printed


def test_the_store_benchmarks_concurrent_writers_lose_nothing():
    [ours] = [line for line in quick_benchmark("store").splitlines() if line.startswith("| codex-jupyter, 4 x")]
    assert [cell.strip() for cell in ours.split("|")[3:5]] == ["0", "0"]  # lost, errors


def test_the_server_benchmarks_concurrent_posts_lose_nothing():
    [ours] = [line for line in quick_benchmark("server").splitlines() if line.startswith("| codex: 200 x POST")]
    assert [cell.strip() for cell in ours.split("|")[3:5]] == ["0", "0"]  # lost, errors
