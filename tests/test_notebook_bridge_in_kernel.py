"""The kernel's half of the notebook bridge, over a real kernel's comm messages.

The test plays the frontend with jupyter_client: it reads the kernel's comm_open and
changes from iopub, and sends the notebook's metadata as JupyterLab's bridge.ts does.
Every message either way is checked against the protocol's JSON Schema.
JupyterLab itself is driven in tests/browser/test_notebook_metadata.py.
"""

from __future__ import annotations

import ast
from typing import Any

import pytest
from kernels import Kernel

from codex_jupyter.kernel.bridge import COMM_TARGET
from codex_jupyter.storage.notebookdoc import validator

SESSION = {"id": "s1", "title": "saved earlier", "created_at": "2026-11-25T10:00:00+00:00",
           "updated_at": "2026-11-25T10:00:00+00:00", "messages": []}  # fmt: skip
SAVED = {"version": 1, "current": "s1", "sessions": [SESSION]}


class ScriptedNotebook:
    """A frontend that answers the kernel's bridge and records what it is sent."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.comm_id: str | None = None
        self.applied: list[dict[str, Any]] = []  # the kernel's apply messages, in order

    @property
    def changes(self) -> list[dict[str, Any]]:
        """The changes of the kernel's live writes (replays left out)."""
        return [change for message in self.applied if not message.get("replay") for change in message["changes"]]

    @property
    def replays(self) -> list[dict[str, Any]]:
        return [message for message in self.applied if message.get("replay")]

    def run(self, code: str) -> str:
        """Run a cell; note the bridge's messages on iopub. Return the error shown, if any."""
        error = ""

        def hook(message: dict[str, Any]) -> None:
            nonlocal error
            kind, content = message["msg_type"], message["content"]
            self._note(message)
            if kind == "error":
                error += content["evalue"]
            elif kind == "stream" and content["name"] == "stderr":
                error += content["text"]  # how IPython shows a UsageError: one line, no traceback

        self.kernel.client.execute_interactive(code, output_hook=hook, timeout=60)
        return error

    def _note(self, message: dict[str, Any]) -> None:
        kind, content = message["msg_type"], message["content"]
        if kind == "comm_open" and content["target_name"] == COMM_TARGET:
            self.comm_id = content["comm_id"]
        elif kind == "comm_msg" and content["comm_id"] == self.comm_id:
            validator("toFrontend").validate(content["data"])
            self.applied.append(content["data"])

    def send(self, data: dict[str, Any]) -> None:
        """Send a message on the bridge's comm, and note the kernel's answers until it has handled it."""
        assert self.comm_id is not None, "the kernel opened no bridge comm"
        validator("toKernel").validate(data)
        client = self.kernel.client
        request = client.session.msg("comm_msg", {"comm_id": self.comm_id, "data": data})
        client.shell_channel.send(request)
        while True:
            message = client.get_iopub_msg(timeout=60)
            if message["parent_header"].get("msg_id") != request["header"]["msg_id"]:
                continue
            if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
                return
            self._note(message)

    def send_metadata(self, codex: object, applied: int = 0) -> None:
        """What bridge.ts sends when it takes the comm, and when metadata.codex changes by other hands."""
        self.send({"op": "state", "codex": codex, "path": "analysis.ipynb", "applied": applied})

    def saved(self, seq: int) -> None:
        """What bridge.ts sends once the notebook was saved with the kernel's writes up to ``seq``."""
        self.send({"op": "ack", "seq": seq})

    def contents(self) -> list[str]:
        """The messages of the kernel's current store, as the kernel holds them."""
        expression = "[m.content for s in __import__('codex_jupyter').get_store().get_sessions() for m in s.messages]"
        reply = self.kernel.client.execute_interactive("", user_expressions={"m": expression}, timeout=60)
        return ast.literal_eval(reply["content"]["user_expressions"]["m"]["data"]["text/plain"])


@pytest.fixture
def notebook(workspace_file):
    kernel = Kernel({"CODEX_JUPYTER_WORKSPACE": str(workspace_file), "JPY_SESSION_NAME": "/work/analysis.ipynb"})
    yield ScriptedNotebook(kernel)
    kernel.shutdown()


def notebook_store(notebook: ScriptedNotebook, codex: object = None) -> None:
    notebook.run("%load_ext codex_jupyter\nimport codex_jupyter")
    notebook.send_metadata(codex)
    assert notebook.run("%codex_store notebook") == ""


def test_loading_the_extension_opens_the_bridge_without_waiting(notebook):
    assert notebook.run("%load_ext codex_jupyter") == ""
    assert notebook.comm_id is not None


def test_with_the_notebooks_metadata_cached_the_kernel_writes_its_sessions_into_the_notebook(notebook):
    notebook_store(notebook)
    notebook.run('%codex_new --title "in the notebook"')
    notebook.run("%%codex_say\nWhy does my groupby drop NaN keys?")
    assert [c["op"] for c in notebook.changes] == ["create_session", "set_current", "append_message"]
    assert notebook.changes[0]["session"]["title"] == "in the notebook"
    assert notebook.changes[2]["message"]["content"] == "Why does my groupby drop NaN keys?"


def test_each_write_is_numbered(notebook):
    notebook_store(notebook)
    notebook.run("%%codex_say\none")
    notebook.run("%%codex_say\ntwo")
    assert [m["seq"] for m in notebook.applied if not m.get("replay")] == [1, 2]


def test_the_kernel_reads_sessions_the_notebook_already_holds(notebook):
    notebook_store(notebook, SAVED)
    assert notebook.run("assert codex_jupyter.get_store().get_current_session().title == 'saved earlier'") == ""


def test_with_no_frontend_answering_codex_store_notebook_says_so_and_keeps_the_workspace(notebook, workspace_file):
    notebook.run("%load_ext codex_jupyter\nimport codex_jupyter")
    error = notebook.run("%codex_store notebook")
    assert "no JupyterLab frontend answered for this notebook" in error
    assert notebook.run(f"assert codex_jupyter.get_store().location == {str(workspace_file)!r}") == ""


def test_malformed_metadata_is_reported_and_left_untouched(notebook):
    notebook.run("%load_ext codex_jupyter")
    notebook.send_metadata({"version": 1, "sessions": "not a list"})
    assert "metadata.codex is malformed at sessions: 'not a list' is not of type 'array'" in notebook.run(
        "%codex_store notebook"
    )
    assert notebook.changes == []


def test_metadata_edited_to_a_timestamp_out_of_range_refuses_the_next_write_in_one_line(notebook):
    notebook_store(notebook, SAVED)
    notebook.send_metadata({**SAVED, "sessions": [{**SESSION, "created_at": "0001-01-01T00:00:00+01:00"}]})
    error = notebook.run("%%codex_say\nwritten into what?")
    assert error.startswith("UsageError: metadata.codex is malformed at sessions[0].created_at")
    assert error.count("\n") <= 1
    assert notebook.changes == []


def test_a_write_the_reloaded_page_lacks_is_kept_and_sent_to_it_again(notebook):
    notebook_store(notebook, SAVED)
    notebook.run("%%codex_say\nsaid before the reload")
    # The page reloads before any save: it sends the file as last saved, without the message.
    notebook.send_metadata(SAVED)
    assert notebook.contents() == ["said before the reload"]
    replay = notebook.replays[-1]
    assert [c["message"]["content"] for c in replay["changes"]] == ["said before the reload"]
    assert replay["seq"] == 1


THREE_WRITES = """
for i in range(3):
    codex_jupyter.get_store().add_message_to_current_session(role="user", content=f"m{i}")
"""


def test_writes_made_while_a_cell_runs_reach_a_page_that_attaches_after_it(notebook):
    notebook_store(notebook, SAVED)
    notebook.run(THREE_WRITES)
    notebook.send_metadata(SAVED)  # a page opened meanwhile, from the file
    assert notebook.contents() == ["m0", "m1", "m2"]
    assert [c["message"]["content"] for c in notebook.replays[-1]["changes"]] == ["m0", "m1", "m2"]


def test_a_page_that_holds_the_writes_is_sent_only_those_after_them(notebook):
    notebook_store(notebook, SAVED)
    notebook.run("%%codex_say\none")
    notebook.run("%%codex_say\ntwo")
    holding_one = {**SAVED, "sessions": [{**SESSION, "messages": [notebook.changes[0]["message"]]}]}
    notebook.send_metadata(holding_one, applied=1)
    assert [c["message"]["content"] for c in notebook.replays[-1]["changes"]] == ["two"]
    assert notebook.contents() == ["one", "two"]


def test_a_write_the_notebook_was_saved_with_is_forgotten(notebook):
    notebook_store(notebook, SAVED)
    notebook.run("%%codex_say\nsaved")
    notebook.saved(1)
    notebook.send_metadata(SAVED)  # the file, edited by hand since: the message removed
    assert notebook.replays[-1]["changes"] == []
    assert notebook.contents() == []
