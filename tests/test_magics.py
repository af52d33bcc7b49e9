"""The magics, driven through a real IPython InteractiveShell."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from IPython.core.completer import provisionalcompleter
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from codex_jupyter import ChatSession, get_store
from codex_jupyter.kernel.store import kernel_store


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


@pytest.fixture
def shell(workspace_file, monkeypatch):
    monkeypatch.setenv("CODEX_JUPYTER_WORKSPACE", str(workspace_file))
    monkeypatch.setenv("JPY_SESSION_NAME", "/work/analysis.ipynb")
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "codex_jupyter")
    yield shell
    shell.run_line_magic("unload_ext", "codex_jupyter")
    kernel_store.close()


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
    run(shell, "%%codex_say\n<script>x</script> ```")
    shown = run(shell, "%codex_export").data("text/markdown")
    assert shown.startswith("````markdown\n") and shown.endswith("\n````")
    assert json.loads(json.dumps(run(shell, "%codex_export --format json").data("application/json")))["format"] == 1


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
