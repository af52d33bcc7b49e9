"""Nothing acknowledged is lost: not to a killed process, not to concurrent writers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conditions import fill, small_disk

from codex_jupyter import open_store
from codex_jupyter.errors import StorageFullError

WORKER = Path(__file__).with_name("store_worker.py")


def start_worker(path: str | Path, scope: str, count: int, *extra: str) -> subprocess.Popen[str]:
    worker = subprocess.Popen(
        [sys.executable, str(WORKER), str(path), scope, str(count), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Read "ready" from the pipe a byte at a time: a buffered readline() may also take in ids written just
    # after it, and communicate() reads the pipe itself, not that buffer, so it would never see them.
    line = b""
    while not line.endswith(b"\n") and (byte := os.read(worker.stdout.fileno(), 1)):
        line += byte
    assert line == b"ready\n", worker.stderr.read()
    return worker


def test_every_acknowledged_message_survives_kill_9_of_the_writer(shared_location):
    acknowledged: list[str] = []
    for attempt in range(3):
        worker = start_worker(shared_location, "crash.ipynb", 0)
        # Let it write a while, then kill it without warning, mid-stream.
        acknowledged += [worker.stdout.readline().strip() for _ in range(150 + 50 * attempt)]
        os.kill(worker.pid, signal.SIGKILL)
        # Ids it printed before dying were acknowledged too.
        acknowledged += worker.stdout.read().split()
        worker.wait(timeout=30)
        assert worker.returncode == -signal.SIGKILL
    with open_store(shared_location, scope="crash.ipynb") as store:
        stored = [m.id for m in store.get_current_session().messages]
    promised = set(acknowledged)
    assert [message_id for message_id in stored if message_id in promised] == acknowledged
    # A write committed just before a kill, but not yet acknowledged, may be there too: at most one per kill.
    assert len(stored) - len(acknowledged) <= 3


def test_four_processes_appending_to_one_session_lose_nothing_and_see_no_lock_errors(shared_location):
    with open_store(shared_location) as store:
        shared = store.create_session(title="busy")
    writers = [start_worker(shared_location, f"writer-{n}.ipynb", 250, "--session", shared.id) for n in range(4)]
    outcomes = [writer.communicate(timeout=300) for writer in writers]
    for writer, (_, stderr) in zip(writers, outcomes, strict=True):
        assert writer.returncode == 0, stderr
        assert "locked" not in stderr
    acknowledged = [line for stdout, _ in outcomes for line in stdout.split()]
    with open_store(shared_location) as store:
        messages = list(store.get_session(shared.id).messages)
    assert len(acknowledged) == 1000
    assert sorted(m.id for m in messages) == sorted(acknowledged)
    # Each writer's own messages stay in the order it wrote them.
    for n in range(4):
        mine = [int(m.content.split()[-1]) for m in messages if m.content.startswith(f"writer-{n}.ipynb ")]
        assert mine == list(range(250))


def test_four_processes_each_with_its_own_current_session_share_the_file(shared_location):
    writers = [start_worker(shared_location, f"notebook-{n}.ipynb", 100) for n in range(4)]
    outcomes = [writer.communicate(timeout=300) for writer in writers]
    assert [writer.returncode for writer in writers] == [0, 0, 0, 0], [err for _, err in outcomes]
    with open_store(shared_location) as store:
        for n, (stdout, _) in enumerate(outcomes):
            current = store.get_current_session(scope=f"notebook-{n}.ipynb")
            assert [m.id for m in current.messages] == stdout.split()
        assert len(store.get_sessions()) == 4


# -- a full disk ---------------------------------------------------------------------------------
# A real full disk: a small tmpfs filled up (tests/conditions.py), so SQLite meets a real ENOSPC.


def test_a_write_on_a_full_disk_raises_storage_full_error_naming_the_file(tmp_path):
    with small_disk() as disk, open_store(disk / "workspace.sqlite3") as store:
        store.create_session(title="kept")
        fill(disk)
        with pytest.raises(StorageFullError, match="is full") as full:
            store.add_message_to_current_session(role="user", content="x" * 100_000)
        assert full.value.location == str(disk / "workspace.sqlite3")
        assert str(disk / "workspace.sqlite3") in str(full.value)


def test_a_write_refused_for_a_full_disk_stores_nothing_and_the_store_works_once_space_is_freed(tmp_path):
    with small_disk() as disk:
        with open_store(disk / "workspace.sqlite3") as store:
            session = store.create_session(title="kept")
            store.add_message_to_current_session(role="user", content="before")
            filler = fill(disk)
            with pytest.raises(StorageFullError):
                store.add_message_to_current_session(role="user", content="x" * 100_000)
            with pytest.raises(StorageFullError):
                store.create_session(title="not made")
            filler.unlink()
            assert [s.title for s in store.get_sessions()] == ["kept"]
            assert [m.content for m in store.get_session(session.id).messages] == ["before"]
            store.add_message_to_current_session(role="user", content="after")
        with open_store(disk / "workspace.sqlite3") as reopened:
            assert [m.content for m in reopened.get_session(session.id).messages] == ["before", "after"]


def test_making_a_new_store_on_a_full_disk_raises_storage_full_error(tmp_path):
    with small_disk() as disk:
        fill(disk)
        with pytest.raises(StorageFullError, match="is full"):
            open_store(disk / "workspace.sqlite3")
