"""``%%codex_ask`` in a real IPython InteractiveShell, answered through the real ``openai`` SDK by the tests'
OpenAI-compatible server on loopback (no model can run here; see openai_server.py)."""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from openai_server import Failure, Reply

from codex_jupyter import get_store
from codex_jupyter.responders import OpenAIResponder

#: Each test asks the tests' model server (its fixture is `model_server`), which answers once per question.
pytestmark = pytest.mark.usefixtures("answering_model")


def run(shell: InteractiveShell, cell: str, *, store_history: bool = False) -> tuple[BaseException | None, str, str]:
    """Run a cell; return its error, what it printed, and its standard error."""
    with capture_output() as captured:
        result = shell.run_cell(cell, store_history=store_history)
    return result.error_in_exec, captured.stdout, captured.stderr


def stored(shell: InteractiveShell) -> list[tuple[str, str, str]]:
    return [(m.role, m.content, m.status) for m in get_store().get_current_session().messages]


def test_codex_ask_stores_the_question_and_the_streamed_reply_and_prints_it(shell, model_server):
    model_server.then(Reply(["Pass ", "`dropna=False`", "."]))
    error, printed, _ = run(shell, "%%codex_ask\nWhy does my groupby drop NaN keys?\n")
    assert error is None
    assert printed == "Pass `dropna=False`.\n"
    assert stored(shell) == [
        ("user", "Why does my groupby drop NaN keys?", "complete"),
        ("assistant", "Pass `dropna=False`.", "complete"),
    ]


def test_codex_ask_continues_the_current_session(shell, model_server):
    run(shell, '%codex_new --title "groupby"')
    run(shell, "%%codex_say\nI use pandas 2.")
    model_server.then(Reply(["Good."]))
    run(shell, "%%codex_ask\nWhich version?")
    assert [m["content"] for m in model_server.requests[0].body["messages"]] == ["I use pandas 2.", "Which version?"]
    assert get_store().get_current_session().title == "groupby"


def test_codex_ask_again_adds_a_new_reply_to_the_last_question(shell, model_server):
    model_server.then(Reply(["First."]))
    run(shell, "%%codex_ask\nWhy?")
    model_server.then(Reply(["Second."]))
    error, printed, _ = run(shell, "%codex_ask --again")
    assert (error, printed) == (None, "Second.\n")
    assert [content for _, content, _ in stored(shell)] == ["Why?", "First.", "Second."]


def test_codex_ask_with_cells_sends_the_previous_code_cells_and_their_results_marked_as_context(shell, model_server):
    run(shell, "import math", store_history=True)
    run(shell, "%%codex_say\nnot code", store_history=True)
    run(shell, "math.sqrt(2)", store_history=True)
    model_server.then(Reply(["It is √2."]))
    run(shell, "%%codex_ask --cells 2\nWhat is this number?", store_history=True)
    question = stored(shell)[1][1]
    first, second = shell.execution_count - 4, shell.execution_count - 2
    assert question == (
        "What is this number?\n\n"
        "**Context from the notebook** (2 cells)\n\n"
        f"`In [{first}]`\n```python\nimport math\n```\n\n"
        f"`In [{second}]`\n```python\nmath.sqrt(2)\n```\nOutput:\n```text\n1.4142135623730951\n```"
    )
    assert model_server.requests[0].body["messages"][-1]["content"] == question


def test_codex_ask_with_cell_sends_the_previous_code_cell(shell, model_server):
    run(shell, "x = 41 + 1", store_history=True)
    model_server.then(Reply(["42."]))
    run(shell, "%%codex_ask --cell\nWhat is x?", store_history=True)
    assert "```python\nx = 41 + 1\n```" in stored(shell)[0][1]


@pytest.mark.parametrize(
    ("cell", "refusal"),
    [
        ("%%codex_ask\n  \n", "UsageError: %%codex_ask needs a question: write it in the cell body"),
        ("%codex_ask", "UsageError: %%codex_ask needs a question"),
        ("%%codex_ask --again\nWhy?", "UsageError: %codex_ask --again answers the last question again"),
        ("%%codex_ask --cells 0\nWhy?", "UsageError: --cells needs a number of cells, 1 or more"),
        ("%codex_ask --again", "UsageError: there is no current session, so no question to answer again"),
    ],
)
def test_bad_usage_is_one_line_and_stores_nothing(shell, model_server, cell, refusal):
    _, _, stderr = run(shell, cell)
    assert stderr.strip().startswith(refusal) and "Traceback" not in stderr
    assert get_store().get_sessions() == [] and model_server.requests == []


def test_with_nothing_configured_codex_ask_says_in_one_line_what_to_set_and_stores_nothing(shell, monkeypatch):
    monkeypatch.delenv("CODEX_JUPYTER_MODEL")
    _, _, stderr = run(shell, "%%codex_ask\nHello?")
    assert stderr.strip() == (
        "UsageError: no model is set up to answer: set $CODEX_JUPYTER_MODEL (or c.OpenAIResponder.model) "
        "to the model's name"
    )
    assert get_store().get_sessions() == []


def test_a_failed_reply_is_a_one_line_usage_error_and_the_question_is_kept(shell, model_server):
    model_server.then(Failure(500, "The server had an error"))
    _, _, stderr = run(shell, "%%codex_ask\nWill it work?")
    assert stderr.strip() == (
        f"UsageError: the model server at {model_server.url} failed (HTTP 500): The server had an error"
    )
    assert stored(shell) == [("user", "Will it work?", "complete"), ("assistant", "", "error")]


def test_config_sets_the_model_of_the_responder(shell, model_server):
    shell.run_line_magic("config", "OpenAIResponder.model = 'llama3.2'")
    assert shell.run_line_magic("config", "OpenAIResponder.model") == "llama3.2"
    model_server.then(Reply(["ok"]))
    run(shell, "%%codex_ask\nHi")
    assert model_server.requests[0].body["model"] == "llama3.2"


def test_an_unknown_responder_chosen_with_config_is_refused_when_asking(shell, model_server):
    shell.run_line_magic("config", "AskMagics.responder = 'nope'")
    _, _, stderr = run(shell, "%%codex_ask\nHi")
    assert stderr.strip().startswith("UsageError: no responder named 'nope' is installed (installed: ")
    assert get_store().get_sessions() == []


def test_unloading_the_extension_removes_the_responder_from_config(shell):
    assert any(isinstance(c, OpenAIResponder) for c in shell.configurables)
    shell.run_line_magic("unload_ext", "codex_jupyter")
    assert not any(isinstance(c, OpenAIResponder) for c in shell.configurables)
    shell.run_line_magic("load_ext", "codex_jupyter")  # the fixture unloads it again


def test_the_magic_has_real_help(shell):
    help_text = shell.magics_manager.magics["cell"]["codex_ask"].__doc__
    assert "--cells N" in help_text and "--again" in help_text and "Interrupt the kernel" in help_text
