"""Schema migrations of the workspace file, on files that earlier versions really wrote.

``tests/fixtures/workspace-v<N>.sqlite3`` was made by the code of schema version N with
``tests/fixtures/make_workspace_fixture.py``; ``workspace-v<N>.json`` beside it is what it holds.
Fixtures are copied before opening: opening migrates, and the committed files must stay as made.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from codex_jupyter import SessionStore, StoreFormatError
from codex_jupyter.storage import migrations
from codex_jupyter.storage.sqlite import SQLiteBackend

FIXTURES = Path(__file__).with_name("fixtures")


def a_copy_of_version(version: int, folder: Path) -> tuple[Path, dict]:
    fixture = FIXTURES / f"workspace-v{version}.sqlite3"
    assert fixture.exists(), f"no file of schema version {version}: see tests/fixtures/make_workspace_fixture.py"
    copy = folder / fixture.name
    shutil.copyfile(fixture, copy)
    return copy, json.loads(fixture.with_suffix(".json").read_text())


def schema_of(path: Path) -> tuple[int, list[str], list[str]]:
    """The file's version, its tables, and the columns of its messages table, read without codex-jupyter."""
    with sqlite3.connect(path) as conn:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")]
        columns = [row[1] for row in conn.execute("PRAGMA table_info(messages)")]
    conn.close()
    return version, tables, columns


def add_pinned(conn: sqlite3.Connection) -> None:
    """A step of the kind the next issues add: a column with a default, which older writers keep valid."""
    conn.execute("ALTER TABLE messages ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0")


#: The real steps and one more: the code reads the latest schema, so a test step comes after the real ones.
WITH_ONE_MORE = (*migrations.STEPS, add_pinned)
LATEST = migrations.latest_version()


def store_with_steps(path: Path, steps: tuple[migrations.Step, ...]) -> SessionStore:
    return SessionStore(SQLiteBackend(path, steps=steps), scope="notebooks/analysis.ipynb")


@pytest.mark.parametrize("version", range(1, LATEST))
def test_a_file_of_every_earlier_version_opens_and_everything_in_it_reads_back(tmp_path, version):
    path, expected = a_copy_of_version(version, tmp_path)
    with store_with_steps(path, migrations.STEPS) as store:
        assert [session.to_dict() for session in store.get_sessions()] == expected["sessions"]
        for scope, session_id in expected["current"].items():
            assert store.get_current_session(scope=scope).id == session_id
    assert schema_of(path)[0] == migrations.latest_version()


def test_a_registered_step_runs_on_a_file_of_the_previous_version_and_keeps_its_data(tmp_path):
    path, expected = a_copy_of_version(1, tmp_path)
    with store_with_steps(path, WITH_ONE_MORE) as store:
        assert [session.to_dict() for session in store.get_sessions()] == expected["sessions"]
        store.add_message_to_current_session(role="user", content="written after the migration")
    version, _, columns = schema_of(path)
    assert (version, columns[-1]) == (LATEST + 1, "pinned")


def test_a_new_store_is_made_through_every_step(workspace_file):
    with store_with_steps(workspace_file, WITH_ONE_MORE) as store:
        store.add_message_to_current_session(role="user", content="hello")
    version, tables, columns = schema_of(workspace_file)
    assert (version, columns[-1]) == (LATEST + 1, "pinned")
    assert {"sessions", "messages", "current_sessions"} <= set(tables)


def test_a_step_that_fails_leaves_the_file_at_its_version_with_nothing_changed(tmp_path):
    path, _ = a_copy_of_version(1, tmp_path)
    before = schema_of(path)

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("a bug in a migration step")

    with pytest.raises(RuntimeError, match="a bug in a migration step"):
        store_with_steps(path, (*WITH_ONE_MORE, broken))
    assert schema_of(path) == before


def test_a_file_newer_than_the_known_steps_is_refused_untouched(tmp_path):
    path, _ = a_copy_of_version(1, tmp_path)
    with store_with_steps(path, WITH_ONE_MORE):
        pass
    before = path.read_bytes()
    with pytest.raises(StoreFormatError, match=f"uses store format {LATEST + 1}, newer than this codex-jupyter under"):
        store_with_steps(path, migrations.STEPS)
    assert path.read_bytes() == before


# Each process opens the file with a step that can run only once: a second run fails on CREATE TABLE.
OPEN_WITH_A_ONE_TIME_STEP = """
import os, sys
from codex_jupyter.storage import migrations
from codex_jupyter.storage.sqlite import SQLiteBackend

def once(conn):
    conn.execute("CREATE TABLE migrated_by (pid INTEGER)")
    conn.execute("INSERT INTO migrated_by VALUES (?)", (os.getpid(),))

SQLiteBackend(sys.argv[1], steps=(*migrations.STEPS, once)).close()
"""


def test_processes_opening_an_older_file_at_once_migrate_it_once(tmp_path):
    path, _ = a_copy_of_version(1, tmp_path)
    openers = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_WITH_A_ONE_TIME_STEP, str(path)], stderr=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    errors = [opener.communicate(timeout=120)[1] for opener in openers]
    assert [opener.returncode for opener in openers] == [0] * 4, errors
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM migrated_by").fetchone()[0] == 1
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST + 1
    conn.close()
