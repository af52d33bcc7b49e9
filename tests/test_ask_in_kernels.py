"""``%%codex_ask`` in real kernels started with jupyter_client: the reply streams into the cell's output live,
the kernel's interrupt stops it, and killing the kernel mid-reply loses neither the question nor what came.

Answered through the real ``openai`` SDK by the tests' OpenAI-compatible server on loopback (no model
can run here; see openai_server.py): the kernels inherit its address from the environment.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from kernels import Kernel
from openai_server import Reply

from codex_jupyter import open_store

WAIT_S = 60  # a generous bound for a shared machine


@pytest.fixture
def kernel(workspace_file, model_server) -> Iterator[Kernel]:
    started = Kernel({"CODEX_JUPYTER_WORKSPACE": str(workspace_file), "JPY_SESSION_NAME": "/work/ask.ipynb"})
    assert started.execute("%load_ext codex_jupyter").status == "ok"
    yield started
    started.shutdown()


class Cell:
    """A cell sent to the kernel without waiting for it, whose messages the test reads as they come."""

    def __init__(self, kernel: Kernel, code: str) -> None:
        self.client = kernel.client
        self.msg_id = self.client.execute(code)
        self.outputs: list[dict[str, Any]] = []  # display_data and update_display_data contents, in order
        self.errors: list[str] = []
        self.idle = False

    def read_until(self, condition: Callable[[Cell], bool], what: str) -> None:
        deadline = time.monotonic() + WAIT_S
        while not condition(self):
            assert time.monotonic() < deadline, f"gave up waiting for {what}"
            try:
                message = self.client.get_iopub_msg(timeout=1)
            except Exception:  # queue.Empty: nothing yet
                continue
            if message["parent_header"].get("msg_id") != self.msg_id:
                continue
            kind, content = message["msg_type"], message["content"]
            if kind in ("display_data", "update_display_data"):
                self.outputs.append(content)
            elif kind == "error":
                self.errors.append(f"{content['ename']}: {content['evalue']}")
            elif kind == "status" and content["execution_state"] == "idle":
                self.idle = True

    def shown(self) -> list[str]:
        return [output["data"]["text/plain"] for output in self.outputs]


def test_the_reply_streams_into_the_cells_output_as_sanitized_html_updated_in_place(
    kernel, model_server, workspace_file
):
    reply = model_server.then(Reply(["**Pass** `dropna=False`", " <script>alert(1)</script>", " done."], pause_after=1))
    cell = Cell(kernel, "%%codex_ask\nWhy does my groupby drop NaN keys?")
    cell.read_until(lambda c: any("dropna=False" in text for text in c.shown()), "the first part of the reply")
    reply.resume()
    cell.read_until(lambda c: c.idle, "the end of the cell")
    first, *updates = cell.outputs
    display_id = first["transient"]["display_id"]
    assert {update["transient"]["display_id"] for update in updates} == {display_id}  # one output, updated in place
    assert len(set(cell.shown())) >= 3  # at least two states before the last: nothing yet, then part of it
    assert cell.shown()[-1] == "**Pass** `dropna=False` <script>alert(1)</script> done."
    final = updates[-1]["data"]
    assert set(final) == {"text/html", "text/plain"}  # never text/markdown, which trusted notebooks do not sanitize
    assert "<strong>Pass</strong>" in final["text/html"] and "<script>" not in final["text/html"]
    assert cell.errors == []
    with open_store(workspace_file) as store:
        [session] = store.get_sessions()
        assert [(m.role, m.status) for m in session.messages] == [("user", "complete"), ("assistant", "complete")]
        assert session.messages[1].content == cell.shown()[-1]


def test_interrupting_the_kernel_stops_the_reply_and_stores_it_cancelled(kernel, model_server, workspace_file):
    model_server.then(Reply(["Half ", "an answer", " and the rest"], pause_after=2))
    cell = Cell(kernel, "%%codex_ask\nTell me everything.")
    cell.read_until(lambda c: any("Half an answer" in text for text in c.shown()), "the first part of the reply")
    kernel.manager.interrupt_kernel()
    cell.read_until(lambda c: c.idle, "the end of the interrupted cell")
    assert cell.errors == ["KeyboardInterrupt: "]
    assert cell.shown()[-1] == "Half an answer\n(stopped)"
    with open_store(workspace_file) as store:
        question, answer = store.get_sessions()[0].messages
    assert (question.content, answer.content, answer.status) == ("Tell me everything.", "Half an answer", "cancelled")


def test_kill_9_of_the_kernel_mid_reply_keeps_the_question_and_the_partial_reply_marked_incomplete(
    kernel, model_server, workspace_file
):
    model_server.then(Reply(["What came ", "before the crash", " and after"], pause_after=2))
    cell = Cell(kernel, "%%codex_ask\nWill this survive?")
    cell.read_until(lambda c: any("before the crash" in text for text in c.shown()), "the first part of the reply")
    with open_store(workspace_file) as watcher:
        deadline = time.monotonic() + WAIT_S
        while watcher.get_sessions()[0].messages[-1].content != "What came before the crash":
            assert time.monotonic() < deadline, "the partial reply never reached the workspace file"
            time.sleep(0.01)
    os.kill(kernel.manager.provisioner.pid, signal.SIGKILL)
    kernel.manager.provisioner.process.wait(timeout=WAIT_S)  # reaped, as the server's restarter would
    with open_store(workspace_file) as store:
        question, reply = store.get_sessions()[0].messages
    assert (question.content, question.status) == ("Will this survive?", "complete")
    assert (reply.content, reply.status) == ("What came before the crash", "incomplete")
