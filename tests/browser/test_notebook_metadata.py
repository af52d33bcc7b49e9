"""Sessions saved inside the notebook (``%codex_store notebook``), through JupyterLab's bridge, in Chromium."""

from __future__ import annotations

import json

import nbformat
import pytest

pytestmark = pytest.mark.browser

CELLS = [
    "%load_ext codex_jupyter",
    "%codex_store notebook",
    '%codex_new --title "travels with the notebook"',
    "%%codex_say\nWhere is this conversation saved?",
    "%codex_show",
]
LOAD, STORE, NEW, SAY, SHOW = range(len(CELLS))


def saved_sessions(lab, name: str) -> list[dict]:
    """The sessions in ``metadata.codex`` of the notebook file on disk."""
    codex = nbformat.read(lab.server.root_dir / name, as_version=4).metadata.get("codex")
    return codex["sessions"] if codex else []


def saved_contents(lab, name: str) -> list[str]:
    return [message["content"] for session in saved_sessions(lab, name) for message in session["messages"]]


def model_is_dirty(lab) -> bool:
    return lab.page.evaluate("() => window.jupyterapp.shell.currentWidget.context.model.dirty")


def save(lab) -> None:
    lab.page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")


def restart_kernel(lab) -> None:
    """Restart the open notebook's kernel (as Kernel > Restart does, without its dialog) and wait until idle."""
    lab.page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.restart()")
    lab.page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'"
    )


def run_cells(lab, *indices: int) -> None:
    for index in indices:
        lab.run_cell(index)


def start_cell(lab, index: int) -> None:
    """Start running cell ``index`` (as Shift+Enter does) without waiting for it to finish."""
    lab.page.evaluate(
        """index => {
            window.jupyterapp.shell.currentWidget.content.activeCellIndex = index;
            void window.jupyterapp.commands.execute('notebook:run-cell');
        }""",
        index,
    )


def shown_contents(lab) -> list[str]:
    """The messages in ``metadata.codex`` of the open notebook's model (what a save would write)."""
    return lab.page.evaluate(
        """() => {
            const codex = window.jupyterapp.shell.currentWidget.context.model.getMetadata('codex');
            return codex ? codex.sessions.flatMap(session => session.messages.map(message => message.content)) : [];
        }"""
    )


def reload(lab, name: str) -> None:
    """Reload the page (unsaved changes are dropped, as when a person confirms leaving); wait until the
    notebook is open again and its kernel idle."""
    lab.page.reload()
    lab.wait_until_open(name)


def open_with_a_saved_session(lab, name: str, said_next: str) -> None:
    """Open a notebook whose kernel saved a session in it, with a last cell saying ``said_next``."""
    lab.write_notebook(name, [*CELLS, f"%%codex_say\n{said_next}"])
    lab.open_notebook(name)
    run_cells(lab, LOAD, STORE, NEW, SAY)
    save(lab)
    lab.wait_for(lambda: saved_contents(lab, name), "the first save")


#: A cell that writes messages for a few seconds, and at its end lists those the store acknowledged.
WRITER = """
import json, pathlib, time
from codex_jupyter import get_store
acknowledged = []
end = time.monotonic() + 6
while time.monotonic() < end:
    message = get_store().add_message_to_current_session(role="user", content=f"message {len(acknowledged)}")
    acknowledged.append(message.content)
    time.sleep(0.02)
pathlib.Path("acknowledged.tmp").write_text(json.dumps(acknowledged))
pathlib.Path("acknowledged.tmp").replace("acknowledged.json")
"""


def test_a_kernel_writes_its_sessions_into_the_notebook_which_saves_them(lab):
    lab.write_notebook("saved.ipynb", CELLS)
    lab.open_notebook("saved.ipynb")
    run_cells(lab, LOAD, STORE)
    assert "in this notebook's metadata" in lab.cell(STORE).inner_text()
    run_cells(lab, NEW, SAY)

    assert model_is_dirty(lab)  # the kernel's change reached the notebook model
    assert saved_sessions(lab, "saved.ipynb") == []  # nothing on disk until JupyterLab saves
    save(lab)
    lab.wait_for(lambda: saved_sessions(lab, "saved.ipynb"), "the saved notebook to hold the session")
    [session] = saved_sessions(lab, "saved.ipynb")
    assert session["title"] == "travels with the notebook"
    assert [m["content"] for m in session["messages"]] == ["Where is this conversation saved?"]
    assert nbformat.read(lab.server.root_dir / "saved.ipynb", as_version=4).metadata["codex"]["version"] == 1


def test_the_session_survives_reopening_the_notebook_and_restarting_the_kernel(lab):
    lab.write_notebook("reopened.ipynb", CELLS)
    lab.open_notebook("reopened.ipynb")
    run_cells(lab, LOAD, STORE, NEW, SAY)
    save(lab)
    lab.wait_for(lambda: saved_contents(lab, "reopened.ipynb"), "the notebook to be saved with its session")

    lab.open_notebook("reopened.ipynb")  # a fresh page: the notebook closed and opened again
    restart_kernel(lab)
    run_cells(lab, LOAD, STORE, SHOW)
    shown = lab.cell(SHOW).inner_text()
    assert "travels with the notebook" in shown
    assert "Where is this conversation saved?" in shown


def test_a_notebook_reopened_on_its_running_kernel_still_receives_the_kernels_writes(lab):
    open_with_a_saved_session(lab, "running.ipynb", "Said after reopening")

    lab.open_notebook("running.ipynb")  # same kernel, new page: the bridge finds the kernel's comm again
    lab.run_cell(len(CELLS))
    lab.wait_for(lambda: model_is_dirty(lab), "the kernel's write to reach the reopened notebook")
    save(lab)
    lab.wait_for(
        lambda: saved_contents(lab, "running.ipynb") == ["Where is this conversation saved?", "Said after reopening"],
        "the reopened notebook to save the kernel's new message",
    )


def test_reloading_the_page_while_a_cell_writes_keeps_every_message_the_kernel_acknowledged(lab):
    (lab.server.root_dir / "acknowledged.json").unlink(missing_ok=True)
    lab.write_notebook("reloaded.ipynb", [CELLS[LOAD], CELLS[STORE], WRITER])
    lab.open_notebook("reloaded.ipynb")
    run_cells(lab, LOAD, STORE)
    start_cell(lab, 2)
    lab.wait_for(lambda: len(shown_contents(lab)) >= 5, "the kernel's first writes to reach the page")
    reload(lab, "reloaded.ipynb")  # while the cell still writes

    listed = lab.server.root_dir / "acknowledged.json"
    lab.wait_for(listed.exists, "the writing cell to finish")
    acknowledged = json.loads(listed.read_text())
    lab.wait_for(lambda: shown_contents(lab) == acknowledged, "the reloaded page to get every acknowledged message")
    save(lab)
    lab.wait_for(lambda: saved_contents(lab, "reloaded.ipynb"), "the save")
    assert saved_contents(lab, "reloaded.ipynb") == acknowledged


def test_a_write_the_page_applied_but_did_not_save_survives_a_reload(lab):
    lab.write_notebook("unsaved.ipynb", CELLS)
    lab.open_notebook("unsaved.ipynb")
    run_cells(lab, LOAD, STORE, NEW, SAY)
    assert shown_contents(lab) == ["Where is this conversation saved?"]
    reload(lab, "unsaved.ipynb")  # the file was never saved: the page loads it without the session

    lab.wait_for(lambda: shown_contents(lab), "the kernel to send the write again")
    save(lab)
    lab.wait_for(lambda: saved_contents(lab, "unsaved.ipynb"), "the save")
    [session] = saved_sessions(lab, "unsaved.ipynb")
    assert session["title"] == "travels with the notebook"
    assert [m["content"] for m in session["messages"]] == ["Where is this conversation saved?"]


def test_reloading_a_notebook_whose_kernel_has_the_bridge_logs_no_error(lab):
    open_with_a_saved_session(lab, "quiet.ipynb", "Said after the reload")

    lab.page.reload()
    errors: list[str] = []  # those of the reloaded page (not of the one unloading)
    lab.page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    lab.page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    lab.wait_until_open("quiet.ipynb")
    lab.run_cell(len(CELLS))
    lab.wait_for(lambda: len(shown_contents(lab)) == 2, "the kernel's write to reach the reloaded page")
    assert errors == []
