"""A real full disk under the server's workspace file: a small tmpfs (tests/conditions.py), filled up."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conditions import fill, small_disk


@pytest.fixture
def disk() -> Iterator[Path]:
    with small_disk() as mounted:
        yield mounted


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any], disk: Path) -> dict[str, Any]:
    jp_server_config["CodexJupyter"]["store_url"] = str(disk / "workspace.sqlite3")
    return jp_server_config


async def test_a_post_on_a_full_disk_is_507_and_the_message_is_stored_once_space_is_freed(api, disk):
    session = (await api("POST", "sessions")).data
    filler = fill(disk)
    refused = await api("POST", f"sessions/{session['id']}/messages", {"role": "user", "content": "x" * 100_000})
    assert refused.status == 507
    assert f"the disk holding the workspace file {disk / 'workspace.sqlite3'} is full" in refused.data["message"]
    assert (await api("GET", f"sessions/{session['id']}")).data["message_count"] == 0

    filler.unlink()
    stored = await api("POST", f"sessions/{session['id']}/messages", {"role": "user", "content": "x" * 100_000})
    assert stored.status == 201
    assert (await api("GET", f"sessions/{session['id']}")).data["message_count"] == 1
