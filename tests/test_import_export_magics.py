"""``%codex_import`` and ``%codex_export`` with .chat files, in a real IPython shell and in a real kernel."""

from __future__ import annotations

import json

import pytest
from chat_files import load_chat, make_chat, save_chat
from kernels import Kernel
from test_magics import one_line_error, run

from codex_jupyter import get_store


@pytest.fixture(params=["workspace-file", "memory"])
def backend_shell(request, shell):
    """The shell's store on each backend a shell can use (a notebook's needs JupyterLab: see test_import.py)."""
    if request.param == "memory":
        run(shell, "%codex_store memory")
    return shell


def test_codex_import_brings_in_a_chat_file_as_a_new_session_and_says_so(backend_shell, tmp_path):
    path = save_chat(make_chat(), tmp_path / "groupby.chat")
    ran = run(backend_shell, f"%codex_import {path}")
    assert ran.error is None
    assert "Imported 1 session(s) (3 messages) from a chat file" in ran.text
    assert "Left out 1 message(s) deleted in the chat." in ran.text
    [session] = get_store().get_sessions()
    assert session.title == "groupby"
    assert [m.role for m in session.messages] == ["user", "assistant", "user"]


def test_codex_import_twice_reports_the_new_ids(backend_shell, tmp_path):
    path = save_chat(make_chat(), tmp_path / "groupby.chat")
    run(backend_shell, f"%codex_import {path}")
    ran = run(backend_shell, f"%codex_import {path}")
    assert "was taken, so it got a new one" in ran.text
    assert get_store().session_count() == 2


def test_codex_export_as_chat_writes_a_file_jupyterlab_chat_opens(backend_shell, tmp_path):
    run(backend_shell, "%codex_new --title groupby")
    run(backend_shell, "%%codex_say\nWhy does my groupby drop NaN keys?")
    run(backend_shell, "%%codex_say --role assistant\nPass dropna=False.")
    ran = run(backend_shell, f"%codex_export {tmp_path / 'groupby.chat'}")
    assert "as chat to" in ran.text
    chat = load_chat((tmp_path / "groupby.chat").read_text())
    assert [m.body for m in chat.get_messages()] == ["Why does my groupby drop NaN keys?", "Pass dropna=False."]


def test_a_chat_exported_then_imported_comes_back_as_a_copy(backend_shell, tmp_path):
    run(backend_shell, "%codex_new --title original")
    run(backend_shell, "%%codex_say\nhello")
    run(backend_shell, f"%codex_export {tmp_path / 'copy.chat'}")
    run(backend_shell, f"%codex_import {tmp_path / 'copy.chat'}")
    original, copy = get_store().get_sessions()
    assert copy.title == "copy" and copy.id != original.id
    assert [(m.role, m.content, m.timestamp) for m in copy.messages] == [
        (m.role, m.content, m.timestamp) for m in original.messages
    ]


def test_codex_export_as_chat_refuses_several_sessions_in_one_line(backend_shell, tmp_path):
    run(backend_shell, "%codex_new")
    run(backend_shell, "%codex_new")
    error = one_line_error(run(backend_shell, f"%codex_export --all {tmp_path / 'all.chat'}"))
    assert "a .chat file holds one session, not 2" in error
    assert not (tmp_path / "all.chat").exists()


@pytest.mark.parametrize(
    ("content", "named"),
    [
        ("not json", "not JSON"),
        (json.dumps({"messages": [{"id": "x", "sender": "a", "time": 1.0}], "users": {}}), "has no 'body'"),
        (json.dumps({"messages": [{"id": "x", "sender": "a", "body": "hi"}], "users": {}}), "has no 'time'"),
    ],
)
def test_codex_import_of_a_bad_file_is_one_line_naming_it_and_imports_nothing(backend_shell, tmp_path, content, named):
    path = tmp_path / "bad.chat"
    path.write_text(content)
    error = one_line_error(run(backend_shell, f"%codex_import {path}"))
    assert str(path) in error and named in error
    assert get_store().session_count() == 0


def test_codex_import_of_a_missing_file_is_one_line(backend_shell, tmp_path):
    error = one_line_error(run(backend_shell, f"%codex_import {tmp_path / 'nowhere.chat'}"))
    assert "cannot read" in error and "no such file" in error


def test_codex_import_in_a_real_kernel_imports_a_chat_file(workspace_file, tmp_path):
    path = save_chat(make_chat(), tmp_path / "groupby.chat")
    kernel = Kernel({"CODEX_JUPYTER_WORKSPACE": str(workspace_file), "JPY_SESSION_NAME": "/work/analysis.ipynb"})
    try:
        kernel.execute("%load_ext codex_jupyter")
        ran = kernel.execute(f"%codex_import {path}")
        assert ran.status == "ok" and "Imported 1 session(s) (3 messages)" in ran.text
        titles = kernel.execute(
            "import codex_jupyter\nprint([s.title for s in codex_jupyter.get_store().get_sessions()])"
        )
        assert titles.stdout.strip() == "['groupby']"
    finally:
        kernel.shutdown()
