"""The magics, driven through a real IPython InteractiveShell."""

from __future__ import annotations

import json
import sqlite3
import stat
from dataclasses import dataclass
from pathlib import Path

import pytest
from conditions import IS_ROOT, fill, shared_folder, small_disk, umask, unprivileged
from IPython.core.completer import provisionalcompleter
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from codex_jupyter import ChatSession, get_store
from codex_jupyter.kernel.store import kernel_store
from codex_jupyter.storage.sqlite import SQLiteBackend


@dataclass
class Ran:
    """What running one cell showed."""

    error: BaseException | None
    stdout: str
    stderr: str
    outputs: list[dict[str, str]]

    @property
    def text(self) -> str:
        return "\n".join(output.get("text/plain", "") for output in self.outputs)

    def data(self, mimetype: str) -> str:
        [found] = [output[mimetype] for output in self.outputs if mimetype in output]
        return found


def run(shell: InteractiveShell, cell: str) -> Ran:
    with capture_output() as captured:
        result = shell.run_cell(cell, store_history=False)
    return Ran(result.error_in_exec, captured.stdout, captured.stderr, [o.data for o in captured.outputs])


def stored(shell: InteractiveShell) -> list[dict]:
    current = get_store().get_current_session()
    return [{**s.to_dict(), "current": current and current.id == s.id} for s in get_store().get_sessions()]


# -- loading -----------------------------------------------------------------------------------


def test_load_ext_opens_the_kernels_store_on_the_servers_workspace_file(shell, workspace_file):
    assert get_store().location == str(workspace_file)
    assert get_store().scope == "/work/analysis.ipynb"


def test_loading_twice_is_harmless(shell):
    from codex_jupyter import load_ipython_extension

    store = get_store()
    load_ipython_extension(shell)
    assert get_store() is store
    assert run(shell, "%codex_new").error is None


def test_unload_ext_removes_the_magics_and_closes_the_store(shell):
    store = get_store()
    shell.run_line_magic("unload_ext", "codex_jupyter")
    assert store.disposed
    assert "codex_new" not in shell.magics_manager.magics["line"]
    shell.run_line_magic("load_ext", "codex_jupyter")  # the fixture unloads it again


def test_the_magics_have_real_help(shell):
    assert "--title" in shell.magics_manager.magics["line"]["codex_new"].__doc__
    assert "--role {user,assistant,system}" in shell.magics_manager.magics["cell"]["codex_say"].__doc__


# -- sessions and messages ---------------------------------------------------------------------


def test_codex_new_starts_a_current_session_and_shows_its_id_and_title(shell):
    ran = run(shell, '%codex_new --title "groupby questions"')
    session = get_store().get_current_session()
    assert session.title == "groupby questions"
    assert session.id in ran.text and "groupby questions" in ran.text


def test_codex_say_stores_the_cell_body_as_a_user_message_and_shows_it(shell):
    run(shell, "%codex_new")
    ran = run(shell, "%%codex_say\nWhy does my groupby drop NaN keys?\n\n```python\ndf.groupby('k')\n```\n")
    [message] = get_store().get_current_session().messages
    assert (message.role, message.content) == (
        "user",
        "Why does my groupby drop NaN keys?\n\n```python\ndf.groupby('k')\n```",
    )
    assert "<strong>user</strong> · " in ran.data("text/html")
    assert "<pre><code>df.groupby('k')" in ran.data("text/html")


def test_codex_say_takes_a_role(shell):
    run(shell, "%%codex_say --role assistant\nUse dropna=False.")
    assert get_store().get_current_session().messages[0].role == "assistant"


def test_codex_say_without_a_current_session_starts_one(shell):
    assert get_store().get_current_session() is None
    run(shell, "%%codex_say\nfirst words")
    assert [m.content for m in get_store().get_current_session().messages] == ["first words"]


def test_the_default_role_is_configurable_with_config(shell):
    run(shell, "%config MessageMagics.default_role = 'system'")
    run(shell, "%%codex_say\nYou are a helpful assistant.")
    assert get_store().get_current_session().messages[0].role == "system"
    run(shell, "%config MessageMagics.default_role = 'user'")


def test_codex_sessions_lists_sessions_and_marks_the_current_one(shell):
    run(shell, "%codex_new --title older")
    run(shell, "%%codex_say\nhello")
    run(shell, "%codex_new --title newer")
    ran = run(shell, "%codex_sessions")
    lines = ran.text.splitlines()
    assert lines[0].split() == ["id", "title", "messages", "updated"]
    assert lines[1].startswith("●") and "newer" in lines[1] and " 0 " in lines[1]
    assert "older" in lines[2] and " 1 " in lines[2]
    assert "<table" in ran.data("text/html")


def test_codex_sessions_escapes_titles_in_html(shell):
    run(shell, '%codex_new --title "<img src=x onerror=alert(1)>"')
    assert "<img" not in run(shell, "%codex_sessions").data("text/html")


def test_codex_show_renders_the_transcript_with_roles_and_times(shell):
    run(shell, "%codex_new --title demo")
    run(shell, "%%codex_say\nquestion **one**")
    run(shell, "%%codex_say --role assistant\nanswer")
    ran = run(shell, "%codex_show")
    html = ran.data("text/html")
    assert "<h3>demo</h3>" in html
    assert "<strong>user</strong>" in html and "<strong>assistant</strong>" in html and " UTC" in html
    assert "question <strong>one</strong>" in html
    assert "question **one**" in ran.text


def test_codex_show_never_lets_message_markup_through(shell):
    run(shell, "%%codex_say\n<script>window.pwned = 1</script><img src=x onerror=alert(1)>")
    html = run(shell, "%codex_show").data("text/html")
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_codex_show_shows_the_latest_messages_unless_asked_for_all(shell):
    run(shell, "%config SessionMagics.show_last = 3")
    for i in range(5):
        run(shell, f"%%codex_say\nmessage {i}")
    latest = run(shell, "%codex_show").text
    assert "message 1" not in latest and "message 4" in latest and "2 earlier not shown" in latest
    assert "message 0" in run(shell, "%codex_show --all").text
    run(shell, "%config SessionMagics.show_last = 50")


def test_codex_show_takes_a_session_id_prefix(shell):
    run(shell, "%codex_new --title first")
    first = get_store().get_current_session()
    run(shell, "%codex_new --title second")
    assert "first" in run(shell, f"%codex_show {first.id[:8]}").text


def test_codex_use_switches_the_current_session_by_id_or_unique_prefix(shell):
    run(shell, "%codex_new --title first")
    first = get_store().get_current_session()
    run(shell, "%codex_new --title second")
    run(shell, f"%codex_use {first.id}")
    assert get_store().get_current_session().id == first.id
    run(shell, "%codex_new")
    run(shell, f"%codex_use {first.id[:6]}")
    assert get_store().get_current_session().id == first.id


def test_codex_use_completes_session_ids_with_tab(shell):
    run(shell, "%codex_new")
    session_id = get_store().get_current_session().id
    typed = f"%codex_use {session_id[:4]}"
    with provisionalcompleter():
        offered = [c.text for c in shell.Completer.completions(typed, len(typed))]
    assert session_id in offered


def test_codex_clear_removes_the_current_session(shell):
    run(shell, "%codex_new --title keep")
    run(shell, "%codex_new --title drop")
    ran = run(shell, "%codex_clear")
    assert "drop" in ran.text
    assert get_store().get_current_session() is None
    assert [s.title for s in get_store().get_sessions()] == ["keep"]


# -- export ------------------------------------------------------------------------------------


def test_codex_export_writes_markdown_with_the_content_as_stored(shell, tmp_path):
    run(shell, "%codex_new --title notes")
    run(shell, "%%codex_say\nSee `df.groupby`")
    run(shell, f"%codex_export {tmp_path / 'notes.md'}")
    text = (tmp_path / "notes.md").read_text()
    assert text.startswith("# notes\n")
    assert "## user · " in text and "See `df.groupby`" in text


def test_codex_export_writes_json_that_loads_back(shell, tmp_path):
    run(shell, "%%codex_say\nhello")
    run(shell, f"%codex_export {tmp_path / 'one.json'}")
    [loaded] = [ChatSession.from_dict(s) for s in json.loads((tmp_path / "one.json").read_text())["sessions"]]
    assert loaded == get_store().get_current_session()


def test_codex_export_all_writes_every_session(shell, tmp_path):
    run(shell, "%codex_new --title a")
    run(shell, "%codex_new --title b")
    run(shell, f"%codex_export --all --format json {tmp_path / 'all.txt'}")
    assert [s["title"] for s in json.loads((tmp_path / "all.txt").read_text())["sessions"]] == ["a", "b"]


def test_codex_export_without_a_path_displays_the_export_safely(shell):
    run(shell, "%%codex_say\n<script>x</script> [c](javascript:alert(1))")
    ran = run(shell, "%codex_export")
    assert all("text/markdown" not in output for output in ran.outputs)
    shown = ran.data("text/html")
    assert "<script>" not in shown and "&lt;script&gt;x&lt;/script&gt; [c](javascript:alert(1))" in shown
    assert json.loads(json.dumps(run(shell, "%codex_export --format json").data("application/json")))["format"] == 1


def one_line_error(ran: Ran) -> str:
    """The error a cell showed, checked to be IPython's one-line ``UsageError``, with no traceback."""
    assert isinstance(ran.error, UsageError), ran.stdout
    assert "Traceback" not in ran.stderr and "Traceback" not in ran.stdout
    return str(ran.error)


def test_codex_export_refuses_to_replace_an_existing_file(shell, tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "sub").mkdir(parents=True)
    (home / "precious.md").write_text("my own notes")
    monkeypatch.chdir(home)
    run(shell, "%%codex_say\nhello")
    error = one_line_error(run(shell, "%codex_export sub/../precious.md"))
    assert "precious.md already exists" in error and "--force" in error
    assert (home / "precious.md").read_text() == "my own notes"
    assert sorted(p.name for p in home.iterdir()) == ["precious.md", "sub"]


def test_codex_export_writes_a_file_only_its_owner_can_read(shell, tmp_path):
    run(shell, "%%codex_say\nprivate")
    with umask(0o022):
        run(shell, f"%codex_export {tmp_path / 'mine.md'}")
    assert oct(stat.S_IMODE((tmp_path / "mine.md").stat().st_mode)) == "0o600"


def test_codex_export_force_replaces_an_existing_file(shell, tmp_path):
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "old.md").write_text("an older export")
    run(shell, "%codex_new --title newer")
    assert run(shell, f"%codex_export --force {exports / 'old.md'}").error is None
    assert (exports / "old.md").read_text().startswith("# newer\n")
    assert [p.name for p in exports.iterdir()] == ["old.md"]


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("{folder}", "is a directory"),
        ("{folder}/missing/notes.md", "no such file or directory"),
        ("{folder}/read-only/notes.md", "permission denied"),
    ],
    ids=["a folder", "a missing folder", "an unwritable folder"],
)
def test_codex_export_to_a_path_it_cannot_write_is_one_line_and_writes_nothing(shell, target, message):
    run(shell, "%%codex_say\nhello")
    with shared_folder() as folder:
        (folder / "read-only").mkdir(mode=0o555)
        before = sorted(folder.rglob("*"))
        with unprivileged():
            ran = run(shell, f"%codex_export --force {target.format(folder=folder)}")
        error = one_line_error(ran)
        assert message in error and str(folder) in error
        assert sorted(folder.rglob("*")) == before


def test_codex_export_on_a_full_disk_leaves_no_partial_file(shell):
    run(shell, "%%codex_say\n" + "a long answer " * 20_000)
    with small_disk() as disk:
        fill(disk)
        error = one_line_error(run(shell, f"%codex_export {disk / 'notes.md'}"))
        assert "the disk is full" in error and str(disk / "notes.md") in error
        assert sorted(p.name for p in disk.iterdir()) == ["filler"]


def test_codex_export_force_on_a_full_disk_keeps_the_file_it_would_replace(shell):
    run(shell, "%%codex_say\n" + "a long answer " * 20_000)
    with small_disk() as disk:
        (disk / "notes.md").write_text("the previous export")
        fill(disk)
        error = one_line_error(run(shell, f"%codex_export --force {disk / 'notes.md'}"))
        assert "the disk is full" in error
        assert (disk / "notes.md").read_text() == "the previous export"
        assert sorted(p.name for p in disk.iterdir()) == ["filler", "notes.md"]


# -- choosing the store ------------------------------------------------------------------------


def test_codex_store_shows_where_sessions_are_saved(shell, workspace_file):
    assert str(workspace_file) in run(shell, "%codex_store").text


def test_codex_store_memory_switches_this_kernel_to_memory(shell, workspace_file):
    run(shell, "%codex_new --title saved")
    run(shell, "%codex_store memory")
    assert get_store().location == ":memory:"
    assert get_store().get_sessions() == []
    run(shell, f"%codex_store workspace {workspace_file}")
    assert [s.title for s in get_store().get_sessions()] == ["saved"]


def another_applications_database(path: Path) -> None:
    with sqlite3.connect(path) as foreign:
        foreign.execute("CREATE TABLE photos (name TEXT)")
    foreign.close()


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (lambda path: path.write_text("my notes\n"), "a file that is not a SQLite database"),
        (another_applications_database, "a SQLite database of another application"),
    ],
    ids=["a text file", "another application's SQLite database"],
)
def test_codex_store_workspace_refuses_someone_elses_file_in_one_line_and_touches_nothing(
    shell, tmp_path, workspace_file, make, kind
):
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    make(folder / "theirs.db")
    before = {path: path.read_bytes() for path in folder.iterdir()}
    error = one_line_error(run(shell, f"%codex_store workspace {folder / 'theirs.db'}"))
    assert f"{folder / 'theirs.db'} is not a codex-jupyter workspace file ({kind}" in error
    assert {path: path.read_bytes() for path in folder.iterdir()} == before
    assert get_store().location == str(workspace_file)


@pytest.mark.skipif(not IS_ROOT, reason="needs root, to make a file that belongs to another user than the one acting")
def test_codex_store_workspace_as_another_user_leaves_a_read_only_root_owned_file_in_place(shell, workspace_file):
    with shared_folder(0o777) as folder:
        precious = folder / "precious.txt"
        precious.write_text("root's file")
        precious.chmod(0o444)
        with unprivileged():
            error = one_line_error(run(shell, f"%codex_store workspace {precious}"))
        assert "is not a codex-jupyter workspace file" in error
        assert [path.name for path in folder.iterdir()] == ["precious.txt"]
        assert precious.read_text() == "root's file" and precious.stat().st_uid == 0
    assert get_store().location == str(workspace_file)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("{folder}", "is a folder; a workspace file is a file"),
        ("''", "the workspace file's path is empty"),
        ("/dev/null", "/dev/null is not a regular file"),
        ("~nosuchuser/x", "there is no user 'nosuchuser'"),
        ("{folder}/unreadable.sqlite3", "unreadable.sqlite3: permission denied"),
    ],
    ids=["a folder", "empty", "a device", "an unknown user's home", "an unreadable file"],
)
def test_codex_store_workspace_refuses_a_path_that_cannot_hold_a_store_in_one_line(
    shell, workspace_file, path, message
):
    run(shell, "%codex_new --title existing")
    before = stored(shell)
    with shared_folder() as folder:
        (folder / "unreadable.sqlite3").touch(mode=0o000)
        with unprivileged():
            ran = run(shell, f"%codex_store workspace {path.format(folder=folder)}")
        assert message in one_line_error(ran)
        assert sorted(p.name for p in folder.iterdir()) == ["unreadable.sqlite3"]
    assert get_store().location == str(workspace_file)
    assert stored(shell) == before


# -- failures of the disk: one line naming the file, nothing changed ------------------------------


@pytest.mark.parametrize("cell", ["%%codex_say\n" + "a long question " * 10_000, "%codex_new --title more"])
def test_a_full_disk_is_one_line_naming_the_file_and_changes_nothing(shell, cell):
    with small_disk() as disk:
        run(shell, f"%codex_store workspace {disk / 'workspace.sqlite3'}")
        run(shell, "%codex_new --title existing")
        run(shell, "%%codex_say\nkept")
        before = stored(shell)
        filler = fill(disk)
        error = one_line_error(run(shell, cell))
        assert "is full" in error and str(disk / "workspace.sqlite3") in error
        filler.unlink()
        assert stored(shell) == before
        kernel_store.close()


def test_a_bug_in_the_backend_shows_a_traceback_while_bad_input_stays_one_line(shell, monkeypatch):
    def append_message(self, session_id, message):
        raise TypeError("a bug, not the user's mistake")

    monkeypatch.setattr(SQLiteBackend, "append_message", append_message)  # stands in for a backend with a bug
    ran = run(shell, "%%codex_say\nhello")
    assert isinstance(ran.error, TypeError)
    assert "Traceback" in ran.stdout and "a bug, not the user's mistake" in ran.stdout
    assert "invalid choice: 'robot'" in one_line_error(run(shell, "%%codex_say --role robot\nhello"))


# -- bad usage: one clear line, nothing changed --------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("%codex_use no-such-id", "no chat session with id 'no-such-id'"),
        ("%codex_show no-such-id", "no chat session with id 'no-such-id'"),
        ("%%codex_say\n   \n", "%%codex_say needs a message"),
        ("%%codex_say --role robot\nhello", "invalid choice: 'robot'"),
        ("%codex_new --colour blue", "unrecognized arguments: --colour blue"),
        ("%codex_store memory /tmp/x", "%codex_store memory takes no path"),
        ('%codex_new --title "unclosed', "cannot read the arguments"),
        ("%codex_sessions extra", "takes no arguments"),
    ],
)
def test_bad_usage_is_one_clear_line_and_changes_nothing(shell, cell, message):
    run(shell, "%codex_new --title existing")
    run(shell, "%%codex_say\nkept")
    before = stored(shell)
    ran = run(shell, cell)
    assert isinstance(ran.error, UsageError)
    assert message in str(ran.error)
    assert "Traceback" not in ran.stderr and "Traceback" not in ran.stdout
    assert stored(shell) == before


def test_an_ambiguous_prefix_is_refused_naming_the_matches(shell):
    for _ in range(20):
        run(shell, "%codex_new")
    ids = [s.id for s in get_store().get_sessions()]
    shared = next(c for c in "0123456789abcdef" if sum(i.startswith(c) for i in ids) > 1)
    ran = run(shell, f"%codex_use {shared}")
    assert isinstance(ran.error, UsageError) and "type more of the id" in str(ran.error)
