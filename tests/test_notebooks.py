"""Every notebook in notebooks/ runs clean, top to bottom, in a real kernel (nbclient)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_the_notebook_runs_clean(path, tmp_path, monkeypatch):
    monkeypatch.setenv("CODEX_JUPYTER_WORKSPACE", str(tmp_path / "workspace.sqlite3"))
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / path.name))
    notebook = nbformat.read(path, as_version=4)
    # Run where a copy would live, so files the notebook writes land in tmp_path.
    NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", output
            assert not (output["output_type"] == "stream" and output["name"] == "stderr"), output["text"]


def test_notebooks_are_committed_without_outputs():
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), path.name
