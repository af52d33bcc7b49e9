"""Every notebook in notebooks/ runs clean, top to bottom, in a real kernel (nbclient), and leaves no mess."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from jupyter_client.manager import start_new_kernel
from nbclient import NotebookClient

from codex_jupyter import open_store

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))
QUICKSTART = Path(__file__).parent.parent / "notebooks" / "quickstart.ipynb"


def run_notebook(path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch) -> nbformat.NotebookNode:
    """Run a copy of ``path`` in ``folder`` (its working directory) on a workspace file of its own."""
    monkeypatch.setenv("CODEX_JUPYTER_WORKSPACE", str(folder.parent / "workspace.sqlite3"))
    monkeypatch.setenv("JPY_SESSION_NAME", str(folder / path.name))
    shutil.copy(path, folder)
    notebook = nbformat.read(folder / path.name, as_version=4)
    NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    ).execute()
    return notebook


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_the_notebook_runs_clean(path, tmp_path, monkeypatch):
    (folder := tmp_path / "project").mkdir()
    notebook = run_notebook(path, folder, monkeypatch)
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", output
            assert not (output["output_type"] == "stream" and output["name"] == "stderr"), output["text"]


def test_the_quickstart_writes_no_file_beside_itself(tmp_path, monkeypatch):
    (folder := tmp_path / "project").mkdir()
    run_notebook(QUICKSTART, folder, monkeypatch)
    assert sorted(path.name for path in folder.iterdir()) == [QUICKSTART.name]


def test_the_quickstart_leaves_its_session_to_look_at(tmp_path, monkeypatch):
    (folder := tmp_path / "project").mkdir()
    run_notebook(QUICKSTART, folder, monkeypatch)
    with open_store(tmp_path / "workspace.sqlite3") as store:
        titles = {session.title: session.message_count for session in store.get_sessions()}
    assert titles["Quickstart: groupby and NaN"] == 2
    assert "Scratch" not in titles


def test_notebooks_are_committed_without_outputs():
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), path.name


def test_notebooks_carry_the_kernel_metadata_jupyterlab_would_fill_in():
    """JupyterLab writes the kernel's language_info into an opened notebook: a notebook lacking it shows as modified."""
    manager, client = start_new_kernel(kernel_name="python3")
    try:
        language_info = client.kernel_info(reply=True, timeout=60)["content"]["language_info"]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    for path in NOTEBOOKS:
        metadata = nbformat.read(path, as_version=4).metadata
        assert metadata.kernelspec == {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
        assert metadata.language_info == language_info, path.name
