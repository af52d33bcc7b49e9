"""Transcripts are private: what codex-jupyter creates is owner-only (0600 files, 0700 folders)."""

from __future__ import annotations

import stat
from pathlib import Path

from conditions import umask

from codex_jupyter import open_store


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_workspace_file_its_wal_shm_and_lock_files_are_owner_only(workspace_file):
    with umask(0o022), open_store(workspace_file) as store:
        store.create_session()  # the write-ahead log and shared memory exist while the store is open
        made = sorted(workspace_file.parent.iterdir())
        assert [path.name for path in made] == [
            "workspace.sqlite3",
            "workspace.sqlite3-shm",
            "workspace.sqlite3-wal",
            "workspace.sqlite3.lock",
        ]
        assert {path.name: oct(mode(path)) for path in made} == {path.name: "0o600" for path in made}


def test_the_folders_made_for_a_workspace_file_are_owner_only(tmp_path):
    tmp_path.chmod(0o755)
    with umask(0o022), open_store(tmp_path / "jupyter" / "codex_jupyter" / "servers" / "root.sqlite3"):
        pass
    made = [
        tmp_path / "jupyter",
        tmp_path / "jupyter" / "codex_jupyter",
        tmp_path / "jupyter" / "codex_jupyter" / "servers",
    ]
    assert [oct(mode(folder)) for folder in made] == ["0o700"] * 3
    assert oct(mode(tmp_path)) == "0o755"  # a folder that existed is left as it was


def test_an_existing_workspace_file_keeps_the_permissions_its_owner_gave_it(workspace_file):
    with open_store(workspace_file):
        pass
    workspace_file.chmod(0o640)  # shared with a group, on purpose
    with umask(0o022), open_store(workspace_file) as store:
        store.create_session()
        assert oct(mode(workspace_file)) == "0o640"
