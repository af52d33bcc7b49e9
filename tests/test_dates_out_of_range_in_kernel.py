"""Dates at the ends of the calendar, met in a notebook's metadata by a real kernel: one line, never a traceback.

Python's datetimes stop at years 1 and 9999, so a timestamp such as ``0001-01-01T00:00:00+01:00`` (year 0
in UTC) or a session updated at the very last microsecond of 9999 cannot be handled like others. The
frontend is played over the kernel's real comm by ``ScriptedNotebook`` (see test_notebook_bridge_in_kernel.py).
"""

from __future__ import annotations

import pytest
from kernels import Kernel
from test_notebook_bridge_in_kernel import ScriptedNotebook


@pytest.fixture
def notebook(workspace_file):
    kernel = Kernel({"CODEX_JUPYTER_WORKSPACE": str(workspace_file), "JPY_SESSION_NAME": "/work/analysis.ipynb"})
    notebook = ScriptedNotebook(kernel)
    notebook.run("%load_ext codex_jupyter")
    yield notebook
    kernel.shutdown()


def a_session(created_at: str, updated_at: str) -> dict:
    return {"id": "s1", "title": "edge", "created_at": created_at, "updated_at": updated_at, "messages": []}


def one_line(error: str) -> str:
    """``error`` as shown by the kernel, checked to be a ``UsageError`` line (a traceback shows its exception)."""
    assert error.startswith("UsageError: ") and error.count("\n") <= 1, error
    return error


@pytest.mark.parametrize("timestamp", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_metadata_with_a_date_outside_the_calendar_is_refused_in_one_line(notebook, timestamp):
    notebook.send_metadata({"version": 1, "current": "s1", "sessions": [a_session(timestamp, timestamp)]})
    error = one_line(notebook.run("%codex_store notebook"))
    assert "metadata.codex is malformed at sessions[0]" in error and timestamp in error
    assert notebook.changes == []


def test_a_message_after_the_last_representable_time_is_refused_in_one_line(notebook):
    last = "9999-12-31T23:59:59.999999+00:00"
    notebook.send_metadata({"version": 1, "current": "s1", "sessions": [a_session(last, last)]})
    assert notebook.run("%codex_store notebook") == ""
    error = one_line(notebook.run("%%codex_say\nhello"))
    assert "9999" in error
    assert notebook.changes == []
