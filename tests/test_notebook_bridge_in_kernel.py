"""The kernel's half of the notebook bridge, over a real kernel's comm messages.

The test plays the frontend with jupyter_client: it reads the kernel's comm_open and
changes from iopub, and sends the notebook's metadata as JupyterLab's bridge.ts does.
JupyterLab itself is driven in tests/browser/test_notebook_metadata.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from kernels import Kernel

from codex_jupyter.kernel.bridge import COMM_TARGET


class ScriptedNotebook:
    """A frontend that answers the kernel's bridge and records the changes it is sent."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.comm_id: str | None = None
        self.changes: list[dict[str, Any]] = []

    def run(self, code: str) -> str:
        """Run a cell; note the bridge's messages on iopub. Return the error shown, if any."""
        error = ""

        def hook(message: dict[str, Any]) -> None:
            nonlocal error
            kind, content = message["msg_type"], message["content"]
            if kind == "comm_open" and content["target_name"] == COMM_TARGET:
                self.comm_id = content["comm_id"]
            elif kind == "comm_msg" and content["comm_id"] == self.comm_id and content["data"]["op"] == "apply":
                self.changes.extend(content["data"]["changes"])
            elif kind == "error":
                error += content["evalue"]
            elif kind == "stream" and content["name"] == "stderr":
                error += content["text"]  # how IPython shows a UsageError: one line, no traceback

        self.kernel.client.execute_interactive(code, output_hook=hook, timeout=60)
        return error

    def send_metadata(self, codex: object) -> None:
        """What bridge.ts sends when the kernel's comm opens (handled by the kernel between cells)."""
        assert self.comm_id is not None, "the kernel opened no bridge comm"
        client = self.kernel.client
        data = {"op": "state", "codex": codex, "path": "analysis.ipynb"}
        client.shell_channel.send(client.session.msg("comm_msg", {"comm_id": self.comm_id, "data": data}))


@pytest.fixture
def notebook(workspace_file):
    kernel = Kernel({"CODEX_JUPYTER_WORKSPACE": str(workspace_file), "JPY_SESSION_NAME": "/work/analysis.ipynb"})
    yield ScriptedNotebook(kernel)
    kernel.shutdown()


def test_loading_the_extension_opens_the_bridge_without_waiting(notebook):
    assert notebook.run("%load_ext codex_jupyter") == ""
    assert notebook.comm_id is not None


def test_with_the_notebooks_metadata_cached_the_kernel_writes_its_sessions_into_the_notebook(notebook):
    notebook.run("%load_ext codex_jupyter")
    notebook.send_metadata(None)
    assert notebook.run("%codex_store notebook") == ""
    notebook.run('%codex_new --title "in the notebook"')
    notebook.run("%%codex_say\nWhy does my groupby drop NaN keys?")
    assert [c["op"] for c in notebook.changes] == ["create_session", "set_current", "append_message"]
    assert notebook.changes[0]["session"]["title"] == "in the notebook"
    assert notebook.changes[2]["message"]["content"] == "Why does my groupby drop NaN keys?"


def test_the_kernel_reads_sessions_the_notebook_already_holds(notebook):
    session = {"id": "s1", "title": "saved earlier", "created_at": "2026-11-25T10:00:00+00:00",
               "updated_at": "2026-11-25T10:00:00+00:00", "messages": []}  # fmt: skip
    notebook.run("%load_ext codex_jupyter\nimport codex_jupyter")
    notebook.send_metadata({"version": 1, "current": "s1", "sessions": [session]})
    notebook.run("%codex_store notebook")
    assert notebook.run("assert codex_jupyter.get_store().get_current_session().title == 'saved earlier'") == ""


def test_with_no_frontend_answering_codex_store_notebook_says_so_and_keeps_the_workspace(notebook, workspace_file):
    notebook.run("%load_ext codex_jupyter\nimport codex_jupyter")
    error = notebook.run("%codex_store notebook")
    assert "no JupyterLab frontend answered for this notebook" in error
    assert notebook.run(f"assert codex_jupyter.get_store().location == {str(workspace_file)!r}") == ""


def test_malformed_metadata_is_reported_and_left_untouched(notebook):
    notebook.run("%load_ext codex_jupyter")
    notebook.send_metadata({"version": 1, "sessions": "not a list"})
    assert "metadata.codex 'sessions' must be a list" in notebook.run("%codex_store notebook")
    assert notebook.changes == []
