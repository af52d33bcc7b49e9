"""``jupyter codex``, run as a real command in a subprocess, as a person runs it from a terminal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from chat_files import load_chat, make_chat, save_chat

from codex_jupyter import open_store
from codex_jupyter.locations import server_workspace_file

JUPYTER = str(Path(sys.executable).with_name("jupyter"))


@dataclass
class Finished:
    status: int
    stdout: str
    stderr: str


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A folder to run in, with Jupyter's data and config folders of its own and no workspace set."""
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("CODEX_JUPYTER_WORKSPACE", raising=False)
    monkeypatch.delenv("JUPYTER_CONFIG_PATH", raising=False)
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)
    return project


def codex(*arguments: str | Path, workspace: Path | None = None) -> Finished:
    command = [JUPYTER, "codex", *map(str, arguments)]
    if workspace is not None:
        command += ["--workspace", str(workspace)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=os.environ, check=False)
    return Finished(done.returncode, done.stdout, done.stderr)


def one_line_error(finished: Finished, status: int = 1) -> str:
    assert finished.status == status, finished
    assert "Traceback" not in finished.stderr
    [line] = finished.stderr.splitlines()
    return line


@pytest.fixture
def stored(home, workspace_file) -> dict[str, str]:
    """Two sessions in ``workspace_file``: their ids by title."""
    with open_store(workspace_file) as store:
        first = store.create_session(title="groupby questions")
        store.add_message(first.id, role="user", content="Why does my groupby drop NaN keys?")
        store.add_message(first.id, role="assistant", content="Pass dropna=False to keep them.")
        second = store.create_session(title="plotting")
        store.add_message(second.id, role="user", content="How do I plot a DataFrame?")
    return {"groupby questions": first.id, "plotting": second.id}


# -- the command ------------------------------------------------------------------------------------


def test_help_lists_every_subcommand(home):
    finished = codex("--help")
    assert finished.status == 0
    for name in ("list", "show", "search", "export", "import", "rename", "delete"):
        assert f"\n{name}\n" in finished.stdout


def test_a_subcommands_help_lists_its_options(home):
    finished = codex("export", "--help")
    assert finished.status == 0
    assert "--format" in finished.stdout and "--workspace" in finished.stdout and "--all" in finished.stdout


def test_by_default_it_uses_the_workspace_file_of_the_server_of_the_current_folder(home):
    with open_store(server_workspace_file(home)) as store:
        store.create_session(title="the server's session")
    finished = codex("list")
    assert finished.status == 0
    assert "the server's session" in finished.stdout


def test_the_workspace_environment_variable_wins_over_the_folders_file(home, workspace_file, monkeypatch):
    with open_store(workspace_file) as store:
        store.create_session(title="from the variable")
    monkeypatch.setenv("CODEX_JUPYTER_WORKSPACE", str(workspace_file))
    assert "from the variable" in codex("list").stdout


def test_the_servers_configured_workspace_file_is_used_as_the_server_uses_it(home, tmp_path, monkeypatch):
    configured = tmp_path / "configured.sqlite3"
    with open_store(configured) as store:
        store.create_session(title="configured for the server")
    (tmp_path / "config").mkdir()
    config = {"CodexJupyter": {"workspace_file": str(configured)}}
    (tmp_path / "config" / "jupyter_server_config.json").write_text(json.dumps(config))
    monkeypatch.setenv("CODEX_JUPYTER_WORKSPACE", str(tmp_path / "not this one.sqlite3"))
    assert "configured for the server" in codex("list").stdout


def test_without_a_command_it_says_which_there_are_in_one_line(home):
    assert "give a command: list, show, search" in one_line_error(codex(), status=2)


def test_an_unknown_option_is_one_line_and_status_2(home, workspace_file):
    assert "--bogus" in one_line_error(codex("list", "--bogus", "x", workspace=workspace_file), status=2)


def test_a_missing_argument_is_one_line_with_the_usage_and_status_2(home, workspace_file):
    line = one_line_error(codex("show", workspace=workspace_file), status=2)
    assert "expected 1 argument(s), got 0" in line and "usage: jupyter codex show ID" in line


# -- list, show, search ------------------------------------------------------------------------------


def test_list_shows_sessions_most_recently_updated_first(stored, workspace_file):
    lines = codex("list", workspace=workspace_file).stdout.splitlines()
    assert lines[0].split() == ["id", "title", "messages", "updated"]
    assert [line.split()[0] for line in lines[1:]] == [stored["plotting"], stored["groupby questions"]]


def test_show_prints_a_transcript_by_a_unique_start_of_its_id(stored, workspace_file):
    finished = codex("show", stored["groupby questions"][:8], workspace=workspace_file)
    assert finished.status == 0
    assert "groupby questions" in finished.stdout
    assert "assistant · " in finished.stdout and "Pass dropna=False to keep them." in finished.stdout


def test_show_of_an_unknown_id_is_one_line_and_status_1(stored, workspace_file):
    assert "no chat session with id 'nope'" in one_line_error(codex("show", "nope", workspace=workspace_file))


def test_search_prints_the_matching_messages(stored, workspace_file):
    finished = codex("search", "groupby", "nan", workspace=workspace_file)
    assert finished.status == 0
    assert stored["groupby questions"] in finished.stdout
    assert "Why does my groupby drop NaN keys?" in finished.stdout
    assert stored["plotting"] not in finished.stdout


# -- export and import --------------------------------------------------------------------------------


@pytest.mark.parametrize("format", ["md", "json", "chat"])
def test_export_writes_the_format_the_file_name_asks_for(stored, workspace_file, home, format):
    target = home / f"groupby.{format}"
    finished = codex("export", stored["groupby questions"], "-o", target, workspace=workspace_file)
    assert finished.stdout.strip() == f"Wrote 1 session(s), 2 messages, as {format} to {target}."
    assert "Pass dropna=False to keep them." in target.read_text()


def test_export_to_stdout_of_every_session_as_json(stored, workspace_file):
    finished = codex("export", "--all", "--format", "json", workspace=workspace_file)
    assert [s["title"] for s in json.loads(finished.stdout)["sessions"]] == ["groupby questions", "plotting"]


def test_an_exported_chat_file_opens_in_jupyterlab_chat(stored, workspace_file, home):
    codex("export", stored["groupby questions"], "-o", home / "groupby.chat", workspace=workspace_file)
    chat = load_chat((home / "groupby.chat").read_text())
    assert [m.body for m in chat.get_messages()] == [
        "Why does my groupby drop NaN keys?",
        "Pass dropna=False to keep them.",
    ]


def test_export_keeps_an_existing_file_without_force(stored, workspace_file, home):
    (home / "kept.md").write_text("precious")
    line = one_line_error(codex("export", stored["plotting"], "-o", home / "kept.md", workspace=workspace_file))
    assert "already exists, and was left as it is; add --force" in line
    assert (home / "kept.md").read_text() == "precious"
    assert codex("export", stored["plotting"], "-o", home / "kept.md", "--force", workspace=workspace_file).status == 0
    assert "How do I plot a DataFrame?" in (home / "kept.md").read_text()


def test_export_of_several_sessions_as_one_chat_file_is_refused_in_one_line(stored, workspace_file, home):
    line = one_line_error(codex("export", "--all", "-o", home / "all.chat", workspace=workspace_file))
    assert "a .chat file holds one session, not 2" in line
    assert not (home / "all.chat").exists()


def test_import_of_a_chat_file_reports_the_new_session(home, workspace_file):
    path = save_chat(make_chat(), home / "groupby.chat")
    finished = codex("import", path, workspace=workspace_file)
    assert finished.status == 0
    assert "Imported 1 session(s) (3 messages) from a chat file" in finished.stdout
    with open_store(workspace_file) as store:
        [session] = store.get_sessions()
        assert (session.title, [m.role for m in session.messages]) == ("groupby", ["user", "assistant", "user"])


def test_import_of_what_export_wrote_creates_copies_and_says_their_ids_were_taken(stored, workspace_file, home):
    codex("export", "--all", "-o", home / "all.json", workspace=workspace_file)
    finished = codex("import", home / "all.json", workspace=workspace_file)
    assert finished.stdout.count("was taken, so it got a new one") == 2
    assert len(codex("list", workspace=workspace_file).stdout.splitlines()) == 1 + 4


def test_import_of_a_file_that_is_not_json_is_one_line_and_imports_nothing(home, workspace_file):
    (home / "notes.chat").write_text("hello")
    line = one_line_error(codex("import", home / "notes.chat", workspace=workspace_file))
    assert f"cannot import {home / 'notes.chat'}: not JSON" in line
    with open_store(workspace_file) as store:
        assert store.session_count() == 0


# -- rename and delete ----------------------------------------------------------------------------------


def test_rename_gives_a_session_a_new_title(stored, workspace_file):
    finished = codex("rename", stored["plotting"][:8], "Plotting", "with", "pandas", workspace=workspace_file)
    assert finished.status == 0, finished.stderr
    with open_store(workspace_file) as store:
        assert store.get_session(stored["plotting"]).title == "Plotting with pandas"


def test_delete_removes_the_session(stored, workspace_file):
    finished = codex("delete", stored["plotting"], workspace=workspace_file)
    assert finished.stdout.startswith(f"Deleted session {stored['plotting']} “plotting”")
    with open_store(workspace_file) as store:
        assert [s.title for s in store.get_sessions()] == ["groupby questions"]
