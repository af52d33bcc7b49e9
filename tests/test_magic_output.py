"""What the magics display: sanitized HTML (never Markdown) for notebooks, and a bounded transcript.

Driven through a real IPython InteractiveShell (the ``shell`` fixture of ``test_magics``), and for large
sessions through a real notebook run with nbclient.
"""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient
from test_magics import run
from test_models import assert_inert

from codex_jupyter import get_store

# Two ways a Markdown output carried a live javascript: link into JupyterLab. HTML-escaping leaves Markdown
# syntax alone, so the title stays a link; and the sanitized HTML of the content has a blank line inside
# <blockquote><pre>, which ends Markdown's HTML block, so the rest was parsed as Markdown again.
TITLE = "[t](javascript:window.__codexXss='title')"
CONTENT = "> ```\n> a\n>\n> [c](javascript:window.__codexXss='content')\n> ```\n"

# Each magic that echoes a title or a message, run after a session with both payloads was made current.
ECHOING = {
    "%codex_new": f'%codex_new --title "{TITLE}"',
    "%%codex_say": f"%%codex_say\n{CONTENT}",
    "%codex_show": "%codex_show",
    "%codex_sessions": "%codex_sessions",
    "%codex_use": "%codex_use {session_id}",
    "%codex_clear": "%codex_clear",
}


@pytest.fixture
def payload_session(shell) -> str:
    run(shell, f'%codex_new --title "{TITLE}"')
    run(shell, f"%%codex_say\n{CONTENT}")
    return get_store().get_current_session().id


@pytest.mark.parametrize("cell", ECHOING.values(), ids=ECHOING.keys())
def test_no_magic_output_is_markdown(shell, payload_session, cell):
    ran = run(shell, cell.format(session_id=payload_session))
    assert ran.error is None
    assert ran.outputs
    assert [output for output in ran.outputs if "text/markdown" in output] == []


@pytest.mark.parametrize("cell", ECHOING.values(), ids=ECHOING.keys())
def test_magic_html_shows_the_payload_as_text_without_a_live_link(shell, payload_session, cell):
    html = run(shell, cell.format(session_id=payload_session)).data("text/html")
    assert_inert(html)
    assert "javascript:window.__codexXss=" in html  # the title or message is there, as text


@pytest.fixture
def show_max(shell):
    """Set ``SessionMagics.show_max`` with ``%config`` for one test; it lives in the shell's config, so undo it."""

    def set_to(value: int) -> None:
        run(shell, f"%config SessionMagics.show_max = {value}")

    yield set_to
    run(shell, "%config SessionMagics.show_max = 1000")


def test_codex_show_all_stops_at_show_max_and_says_so(shell, show_max):
    show_max(3)
    for index in range(5):
        run(shell, f"%%codex_say\nmessage {index}")
    ran = run(shell, "%codex_show --all")
    assert "message 1" not in ran.text and "message 2" in ran.text and "message 4" in ran.text
    assert "Showing the latest 3 of 5 messages" in ran.text
    assert "Showing the latest 3 of 5 messages" in ran.data("text/html")


def test_show_max_zero_shows_every_message(shell, show_max):
    show_max(0)
    for index in range(5):
        run(shell, f"%%codex_say\nmessage {index}")
    ran = run(shell, "%codex_show --all")
    assert "message 0" in ran.text and "Showing the latest" not in ran.text


LARGE = 20_000
FILL = f"""\
from codex_jupyter import get_store
store = get_store()
for index in range({LARGE}):
    store.add_message_to_current_session(role=("user", "assistant")[index % 2], content=f"Message {{index}}")
"""


def test_showing_all_of_a_20000_message_session_finishes_and_says_how_much_it_shows(tmp_path, monkeypatch):
    """A real notebook run; the timeout is generous on purpose: the test's value is that the run ends."""
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "large.ipynb"))
    cells = ["%load_ext codex_jupyter", "%codex_store memory", FILL, "%codex_show --all"]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()

    [output] = notebook.cells[-1].outputs
    text = output["data"]["text/plain"]
    assert f"Showing the latest 1,000 of {LARGE:,} messages" in text
    assert text.count("\nMessage ") == 1000
    assert text.endswith(f"\nMessage {LARGE - 1}") and f"\nMessage {LARGE - 1000}\n" in text
