"""The workspace file (and, where other processes share a store, PostgreSQL): persistence, sharing, damaged files."""

from __future__ import annotations

import logging
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from codex_jupyter import ChangeKind, StoreFormatError, open_store
from codex_jupyter.errors import StoreDamagedError, StoreLocationError
from codex_jupyter.locations import DEFAULT_SCOPE, default_workspace_file
from codex_jupyter.storage.migrations import latest_version

WORKER = Path(__file__).with_name("store_worker.py")


def run_worker(path: str | Path, scope: str, count: int, *extra: str) -> list[str]:
    """Append ``count`` messages from a separate Python process; return the acknowledged ids."""
    done = subprocess.run(
        [sys.executable, str(WORKER), str(path), scope, str(count), *extra],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.split()[1:]


def test_sessions_survive_closing_and_reopening_the_file(shared_location):
    with open_store(shared_location, scope="a.ipynb") as store:
        session = store.create_session(title="kept")
        store.add_message_to_current_session(role="user", content="remember me")
    with open_store(shared_location, scope="a.ipynb") as reopened:
        current = reopened.get_current_session()
        assert (current.id, current.title) == (session.id, "kept")
        assert [m.content for m in current.messages] == ["remember me"]


def test_a_store_sees_what_another_process_wrote(shared_location):
    with open_store(shared_location, scope="mine.ipynb") as store:
        store.create_session()
        acknowledged = run_worker(shared_location, "theirs.ipynb", 3)
        sessions = store.get_sessions()
        assert len(sessions) == 2
        theirs = store.get_current_session(scope="theirs.ipynb")
        assert [m.id for m in theirs.messages] == acknowledged


def test_two_scopes_on_one_file_keep_separate_current_sessions(shared_location):
    with open_store(shared_location, scope="one.ipynb") as one, open_store(shared_location, scope="two.ipynb") as two:
        first = one.create_session(title="one")
        second = two.create_session(title="two")
        assert one.get_current_session().id == first.id
        assert two.get_current_session().id == second.id
        assert {s.id for s in one.get_sessions()} == {s.id for s in two.get_sessions()} == {first.id, second.id}


def test_poll_announces_other_processes_changes_as_external(shared_location):
    with open_store(shared_location, scope="mine.ipynb") as store:
        heard = []
        store.on_did_change(heard.append)
        assert store.poll() == []
        acknowledged = run_worker(shared_location, "theirs.ipynb", 2)
        changes = store.poll()
        assert heard == changes
        assert all(change.external for change in changes)
        assert [c.kind for c in changes] == [
            ChangeKind.SESSION_CREATED,
            ChangeKind.MESSAGE_ADDED,
            ChangeKind.MESSAGE_ADDED,
            ChangeKind.CURRENT_CHANGED,
        ]
        assert [c.message.id for c in changes if c.message] == acknowledged
        assert changes[-1].scope == "theirs.ipynb"
        assert store.poll() == []


def test_other_processes_changes_are_announced_before_this_stores_next_write(shared_location):
    with open_store(shared_location, scope="a.ipynb") as store, open_store(shared_location, scope="b.ipynb") as other:
        theirs = other.create_session()
        store.poll()
        heard = []
        store.on_did_change(heard.append)
        other.delete_session(theirs.id)
        mine = store.create_session()
        assert [(c.kind, c.session_id, c.scope, c.external) for c in heard] == [
            (ChangeKind.SESSION_DELETED, theirs.id, None, True),
            (ChangeKind.CURRENT_CHANGED, None, "b.ipynb", True),
            (ChangeKind.SESSION_CREATED, mine.id, None, False),
            (ChangeKind.CURRENT_CHANGED, mine.id, "a.ipynb", False),
        ]


def test_changes_made_and_undone_elsewhere_between_two_looks_are_not_announced(shared_location):
    with open_store(shared_location, scope="a.ipynb") as store, open_store(shared_location, scope="b.ipynb") as other:
        store.poll()
        other.delete_session(other.create_session().id)
        assert store.poll() == []


def test_a_session_deleted_elsewhere_is_replaced_on_the_next_message(shared_location):
    with open_store(shared_location, scope="a.ipynb") as store, open_store(shared_location, scope="b.ipynb") as other:
        gone = store.create_session()
        other.delete_session(gone.id)
        added = store.add_message_to_current_session(role="user", content="still saved")
        current = store.get_current_session()
        assert current.id != gone.id
        assert current.messages == (added,)


# -- files that are not a store ---------------------------------------------------------------


def moved_aside(workspace_file: Path) -> list[Path]:
    return sorted(workspace_file.parent.glob(f"{workspace_file.name}.corrupt-*"))


def assert_replaced_by_a_fresh_store(workspace_file: Path, original: bytes, caplog) -> None:
    with caplog.at_level(logging.ERROR, logger="codex_jupyter"), open_store(workspace_file) as store:
        assert store.get_sessions() == []
        store.create_session()
    [aside] = [path for path in moved_aside(workspace_file) if not path.name.endswith(("-wal", "-shm"))]
    assert aside.read_bytes() == original
    assert "is not a valid codex-jupyter store" in caplog.text
    assert str(aside) in caplog.text


def assert_refused_untouched(path: Path, original: bytes) -> None:
    before = sorted(path.parent.iterdir())
    with pytest.raises(StoreLocationError, match="is not a codex-jupyter workspace file") as refused:
        open_store(path)
    assert str(path) in str(refused.value) and refused.value.location == str(path)
    assert path.read_bytes() == original
    assert sorted(path.parent.iterdir()) == before  # no lock file, journal or copy beside it


@pytest.fixture
def default_workspace(tmp_path, monkeypatch) -> Path:
    """The default workspace file, in codex-jupyter's own folder of a Jupyter data dir made for the test."""
    monkeypatch.delenv("CODEX_JUPYTER_WORKSPACE", raising=False)
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    path = default_workspace_file()
    path.parent.mkdir(parents=True)
    return path


def another_applications_database(path: Path) -> bytes:
    with sqlite3.connect(path) as foreign:
        foreign.execute("CREATE TABLE photos (name TEXT)")
        foreign.execute("INSERT INTO photos VALUES ('cat.png')")
    foreign.close()
    return path.read_bytes()


def a_damaged_store(path: Path) -> bytes:
    """A store cut in half, as a crashed copy or a full disk leaves it; its header still says whose it is."""
    with open_store(path) as store:
        for _ in range(40):
            store.create_session()
            for _ in range(25):
                store.add_message_to_current_session(role="user", content="x" * 200)
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])
    return whole[: len(whole) // 2]


def test_a_damaged_store_is_moved_aside_and_a_fresh_store_starts(workspace_file, caplog):
    assert_replaced_by_a_fresh_store(workspace_file, a_damaged_store(workspace_file), caplog)


def test_a_text_file_given_as_the_workspace_is_refused_and_left_untouched(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes, not a store\n")
    assert_refused_untouched(notes, notes.read_bytes())


def test_another_applications_sqlite_database_is_refused_and_left_untouched(workspace_file):
    assert_refused_untouched(workspace_file, another_applications_database(workspace_file))


def test_another_applications_database_whose_tables_are_still_only_in_its_log_is_refused(workspace_file):
    # Its header is still that of an empty database, so only SQLite, reading the log, can tell whose it is.
    foreign = sqlite3.connect(workspace_file)
    foreign.execute("PRAGMA journal_mode = WAL")
    foreign.execute("CREATE TABLE photos (name TEXT)")
    foreign.commit()
    try:
        before = workspace_file.read_bytes()
        with pytest.raises(StoreLocationError, match="application_id 0 and 1 tables"):
            open_store(workspace_file)
        assert workspace_file.read_bytes() == before
        assert moved_aside(workspace_file) == []
    finally:
        foreign.close()


def test_a_file_of_garbage_bytes_is_refused_and_left_untouched(workspace_file):
    workspace_file.write_bytes(bytes(range(256)) * 64)
    assert_refused_untouched(workspace_file, bytes(range(256)) * 64)


def test_garbage_in_the_default_workspace_file_is_moved_aside_and_a_fresh_store_starts(default_workspace, caplog):
    garbage = bytes(range(256)) * 64
    default_workspace.write_bytes(garbage)
    assert_replaced_by_a_fresh_store(default_workspace, garbage, caplog)


def test_another_applications_database_in_codex_jupyters_own_folder_is_moved_aside(default_workspace, caplog):
    original = another_applications_database(default_workspace)
    assert_replaced_by_a_fresh_store(default_workspace, original, caplog)


def test_a_store_damaged_while_in_use_raises_store_damaged_error_naming_the_file(workspace_file):
    with open_store(workspace_file) as store:
        session = store.create_session()
        for n in range(30):
            store.add_message_to_current_session(role="user", content=f"message {n:02} " + "x" * 2000)
    # Overwrite the header of the page holding one message in the middle with bytes no b-tree page has.
    data = bytearray(workspace_file.read_bytes())
    page = data.index(b"message 15 ") // 4096 * 4096
    data[page : page + 12] = b"\xff" * 12
    workspace_file.write_bytes(bytes(data))
    with open_store(workspace_file) as store:
        with pytest.raises(StoreDamagedError, match="is damaged") as damaged:
            store.get_messages(session.id)
        assert str(workspace_file) in str(damaged.value) and damaged.value.location == str(workspace_file)


def test_a_file_from_a_newer_version_is_refused_and_left_untouched(workspace_file):
    with open_store(workspace_file):
        pass
    with sqlite3.connect(workspace_file) as newer:
        newer.execute(f"PRAGMA user_version = {latest_version() + 1}")
    newer.close()
    before = workspace_file.read_bytes()
    with pytest.raises(StoreFormatError, match="upgrade codex-jupyter"):
        open_store(workspace_file)
    assert workspace_file.read_bytes() == before
    assert moved_aside(workspace_file) == []


def test_an_empty_file_becomes_a_store(workspace_file):
    workspace_file.touch()
    with open_store(workspace_file) as store:
        store.create_session()
    assert moved_aside(workspace_file) == []


# -- where stores live by default ------------------------------------------------------------


def test_open_store_uses_the_workspace_named_by_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CODEX_JUPYTER_WORKSPACE", str(tmp_path / "server.sqlite3"))
    with open_store() as store:
        assert store.location == str(tmp_path / "server.sqlite3")


def test_a_workspace_named_by_the_environment_in_an_unknown_users_home_is_a_store_location_error(monkeypatch):
    monkeypatch.setenv("CODEX_JUPYTER_WORKSPACE", "~nosuchuser/workspace.sqlite3")
    with pytest.raises(StoreLocationError, match="there is no user 'nosuchuser'"):
        open_store()


def test_open_store_defaults_to_a_file_in_the_users_jupyter_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("CODEX_JUPYTER_WORKSPACE", raising=False)
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    assert default_workspace_file() == tmp_path / "data" / "codex_jupyter" / "workspace.sqlite3"
    with open_store() as store:
        store.create_session()
    assert (tmp_path / "data" / "codex_jupyter" / "workspace.sqlite3").exists()


def test_the_scope_is_the_notebook_path_jupyter_gives_the_kernel(workspace_file, monkeypatch):
    monkeypatch.setenv("JPY_SESSION_NAME", "/home/me/analysis.ipynb")
    with open_store(workspace_file) as store:
        assert store.scope == "/home/me/analysis.ipynb"
    monkeypatch.delenv("JPY_SESSION_NAME")
    with open_store(workspace_file) as store:
        assert store.scope == DEFAULT_SCOPE


def test_memory_stores_are_separate_and_leave_no_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with open_store(":memory:") as one, open_store(":memory:") as two:
        one.create_session()
        assert two.get_sessions() == []
    assert list(tmp_path.iterdir()) == []
