"""The server's event loop never waits for the workspace file.

A kernel may hold the file's write lock for a while. Only the codex requests that need it
wait for it; the rest of the server (here jupyter-server's own ``/api/status``) goes on.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Another process (a kernel, say) in the middle of a write: it holds the lock until told to commit.
HOLD_WRITE_LOCK = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("COMMIT")
"""


@pytest.fixture
def hold_write_lock(workspace_file: Path) -> Iterator[Callable[[], Callable[[], None]]]:
    """``release = hold_write_lock()`` takes the workspace file's write lock in another process until ``release()``."""
    processes: list[subprocess.Popen[str]] = []

    def hold() -> Callable[[], None]:
        process = subprocess.Popen(
            [sys.executable, "-c", HOLD_WRITE_LOCK, str(workspace_file)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        processes.append(process)
        assert process.stdout is not None and process.stdout.readline() == "locked\n"

        def release() -> None:
            process.communicate("\n", timeout=60)
            assert process.returncode == 0

        return release

    yield hold
    for process in processes:
        process.kill()
        process.wait()


async def test_while_another_process_holds_the_write_lock_the_server_answers_and_a_codex_post_waits(
    api, jp_fetch, hold_write_lock
):
    session = (await api("POST", "sessions")).data
    release = hold_write_lock()
    post = asyncio.ensure_future(api("POST", f"sessions/{session['id']}/messages", {"role": "user", "content": "hi"}))
    status = await jp_fetch("api", "status")
    assert status.code == 200
    assert not post.done()  # still waiting for the lock
    release()
    reply = await post
    assert reply.status == 201
    assert (await api("GET", f"sessions/{session['id']}")).data["message_count"] == 1
