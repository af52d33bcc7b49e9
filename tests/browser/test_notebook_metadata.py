"""Sessions saved inside the notebook (``%codex_store notebook``), through JupyterLab's bridge, in Chromium."""

from __future__ import annotations

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
    lab.write_notebook("running.ipynb", [*CELLS, "%%codex_say\nSaid after reopening"])
    lab.open_notebook("running.ipynb")
    run_cells(lab, LOAD, STORE, NEW, SAY)
    save(lab)
    lab.wait_for(lambda: saved_contents(lab, "running.ipynb"), "the first save")

    lab.open_notebook("running.ipynb")  # same kernel, new page: the bridge finds the kernel's comm again
    lab.run_cell(len(CELLS))
    lab.wait_for(lambda: model_is_dirty(lab), "the kernel's write to reach the reopened notebook")
    save(lab)
    lab.wait_for(
        lambda: saved_contents(lab, "running.ipynb") == ["Where is this conversation saved?", "Said after reopening"],
        "the reopened notebook to save the kernel's new message",
    )
