"""Asking the assistant: the reply runner with the OpenAI-compatible responder, through the real ``openai`` SDK.

No model can run on these machines, so the SDK talks to an OpenAI-compatible server of the
tests' own on loopback (``openai_server.py``), which streams server-sent events as the real
API does and fails in the ways real servers fail.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest
from openai_server import API_KEY, Failure, OpenAIServer, Reply
from traitlets.config import Config

from codex_jupyter import ChangeKind, ChatMessage, InvalidInputError, SessionStore, StoreChange, open_store
from codex_jupyter.errors import ResponderNotConfiguredError
from codex_jupyter.replies import ReplyRun, ask, ask_again
from codex_jupyter.responders import OpenAIResponder, load_responder, responder_names

WAIT_S = 60  # a generous bound for a shared machine; replies from loopback take milliseconds


@pytest.fixture
def workspace(workspace_file) -> SessionStore:
    with open_store(workspace_file, scope="notebooks/analysis.ipynb") as store:
        yield store


def ended(run: ReplyRun) -> ReplyRun:
    assert run.wait(WAIT_S), "the reply did not end"
    return run


def follow_until(run: ReplyRun, text: str) -> None:
    """Read the reply as it grows until it says ``text`` (the server then pauses, so it cannot say more)."""
    for shown in run.follow():
        if shown == text:
            return
    raise AssertionError(f"the reply ended as {run.text!r} without saying {text!r}")


def quick(**options: object) -> OpenAIResponder:
    """A responder that gives up at the first failure (the SDK retries twice by default, with pauses)."""
    return OpenAIResponder(max_retries=0, **options)


# -- a reply -----------------------------------------------------------------------------------


def test_the_request_carries_the_model_the_history_in_order_and_asks_for_a_stream(model_server, workspace):
    session = workspace.create_session()
    workspace.add_message(session.id, role="system", content="You answer about pandas.")
    workspace.add_message(session.id, role="user", content="What is a DataFrame?")
    workspace.add_message(session.id, role="assistant", content="A table.")
    model_server.then(Reply(["Use ", "dropna=False."]))
    ended(ask(workspace, OpenAIResponder(), "Why does groupby drop NaN keys?"))
    [request] = model_server.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert (request.body["model"], request.body["stream"]) == ("test-model", True)
    assert request.body["messages"] == [
        {"role": "system", "content": "You answer about pandas."},
        {"role": "user", "content": "What is a DataFrame?"},
        {"role": "assistant", "content": "A table."},
        {"role": "user", "content": "Why does groupby drop NaN keys?"},
    ]


def test_the_stored_reply_is_the_chunks_put_together(model_server, store):
    chunks = ["Pass ", "`dropna=False`", ":\n\n```python\n", "df.groupby('k', dropna=False)\n```", " ✓"]
    model_server.then(Reply(chunks))
    run = ended(ask(store, OpenAIResponder(), "Why?"))
    question, reply = store.get_current_session().messages
    assert (question.role, question.content) == ("user", "Why?")
    assert (reply.role, reply.content, reply.status) == ("assistant", "".join(chunks), "complete")
    assert (run.status, run.message_id, run.question.id) == ("complete", reply.id, question.id)


def test_the_system_prompt_is_sent_first(model_server, workspace):
    model_server.then(Reply(["ok"]))
    ended(ask(workspace, OpenAIResponder(system_prompt="Answer in one line."), "Hi"))
    assert model_server.requests[0].body["messages"][0] == {"role": "system", "content": "Answer in one line."}


def test_options_in_traitlets_config_win_over_the_environment(model_server, workspace):
    model_server.then(Reply(["ok"]))
    config = Config({"OpenAIResponder": {"model": "configured-model"}})
    ended(ask(workspace, OpenAIResponder(config=config), "Hi"))
    assert model_server.requests[0].body["model"] == "configured-model"


def test_the_question_is_stored_before_the_model_is_called(model_server, workspace):
    reply = model_server.then(Reply(["late"], pause_after=0))
    run = ask(workspace, OpenAIResponder(), "Is my question safe?")
    assert reply.paused.wait(WAIT_S)  # the model has been asked, and has said nothing yet
    with open_store(workspace.location) as elsewhere:  # as another process (the server) reads the file
        question, begun = elsewhere.get_session(run.session_id).messages
    assert (question.content, begun.content, begun.status) == ("Is my question safe?", "", "streaming")
    reply.resume()
    assert ended(run).status == "complete"


def test_follow_shows_the_reply_as_it_grows(model_server, workspace):
    reply = model_server.then(Reply(["one ", "two ", "three"], pause_after=2))
    run = ask(workspace, OpenAIResponder(), "Count")
    follow_until(run, "one two ")
    reply.resume()
    assert list(run.follow())[-1] == "one two three"


def test_the_run_has_ended_when_the_store_announces_the_end_of_its_reply(model_server, workspace):
    """A client that reads the run when the reply's last message_updated arrives must not find it streaming."""
    reply = model_server.then(Reply(["a", "b"], pause_after=1))
    runs: list[ReplyRun] = []
    seen: list[str] = []

    def on_change(change: StoreChange) -> None:
        if change.kind is ChangeKind.MESSAGE_UPDATED and change.message.status != "streaming":
            seen.append(runs[0].status)

    workspace.on_did_change(on_change)
    runs.append(ask(workspace, OpenAIResponder(), "Done yet?"))
    reply.resume()
    ended(runs[0])
    assert seen == ["complete"]


def test_a_question_with_no_current_session_starts_one(model_server, workspace):
    model_server.then(Reply(["hello"]))
    run = ended(ask(workspace, OpenAIResponder(), "Hi"))
    assert workspace.get_current_session().id == run.session_id


def test_an_empty_question_is_refused_and_nothing_is_stored(model_server, workspace):
    with pytest.raises(InvalidInputError, match="the question is empty"):
        ask(workspace, OpenAIResponder(), "  \n")
    assert workspace.get_sessions() == [] and model_server.requests == []


# -- asking again ------------------------------------------------------------------------------


def test_asking_again_answers_the_last_question_as_a_new_reply(model_server, workspace):
    model_server.then(Reply(["first answer"]))
    first = ended(ask(workspace, OpenAIResponder(), "Why?"))
    model_server.then(Reply(["second answer"]))
    again = ended(ask_again(workspace, OpenAIResponder()))
    contents = [m.content for m in workspace.get_session(first.session_id).messages]
    assert contents == ["Why?", "first answer", "second answer"]
    assert again.question is None
    assert model_server.requests[1].body["messages"] == [{"role": "user", "content": "Why?"}]


def test_asking_again_without_a_question_is_refused(model_server, workspace):
    workspace.create_session()
    with pytest.raises(InvalidInputError, match="no question to answer again"):
        ask_again(workspace, OpenAIResponder())


def test_replies_that_did_not_complete_are_not_sent_to_the_model(model_server, workspace):
    model_server.then(Failure(500))
    ended(ask(workspace, quick(), "First try"))
    model_server.then(Reply(["fine"]))
    ended(ask(workspace, OpenAIResponder(), "Second try"))
    assert [m["content"] for m in model_server.requests[1].body["messages"]] == ["First try", "Second try"]


# -- stopping ----------------------------------------------------------------------------------


def test_stopping_mid_reply_stores_it_cancelled_with_the_text_so_far(model_server, workspace):
    model_server.then(Reply(["The ", "answer ", "is ", "42"], pause_after=2))
    run = ask(workspace, OpenAIResponder(), "What is it?")
    follow_until(run, "The answer ")
    run.cancel()
    assert ended(run).status == "cancelled"
    question, reply = workspace.get_session(run.session_id).messages
    assert (question.content, reply.content, reply.status) == ("What is it?", "The answer ", "cancelled")


def test_stopping_works_while_the_model_has_not_answered_at_all(model_server, workspace):
    model_server.then(Failure(None))  # the server takes the request and says nothing
    run = ask(workspace, OpenAIResponder(), "Anyone there?")
    while not model_server.requests:
        run.wait(0.01)
    run.cancel()
    assert ended(run).status == "cancelled"
    assert workspace.get_message(run.session_id, run.message_id).status == "cancelled"


# -- failures ------------------------------------------------------------------------------------

FAILURES = {
    "401": (Failure(401, "Incorrect API key provided"), "refused the API key (HTTP 401): check $OPENAI_API_KEY"),
    "429": (Failure(429, "Rate limit reached for requests"), "is limiting requests (HTTP 429): Rate limit reached"),
    "500": (Failure(500, "The server had an error"), "failed (HTTP 500): The server had an error"),
    "404": (Failure(404, "The model `x` does not exist"), "refused the request (HTTP 404): The model `x` does not"),
    "dropped": (Reply(["Half a"], ending="drop"), "dropped mid-reply (RemoteProtocolError: peer closed connection"),
    "timeout": (Failure(None), "did not answer within 0.5 s"),
    "stalled": (Reply(["Half a"], ending="stall"), "did not answer within 0.5 s"),
}


@pytest.mark.parametrize("failure", FAILURES, ids=FAILURES.get)
def test_a_failed_request_ends_the_reply_with_one_line_saying_why_and_keeps_the_question(
    model_server, workspace, failure
):
    script, expected = FAILURES[failure]
    model_server.then(script)
    run = ended(ask(workspace, quick(timeout=0.5), "Will it work?"))
    question, reply = workspace.get_session(run.session_id).messages
    assert question.content == "Will it work?"
    assert (run.status, reply.status, reply.error) == ("error", "error", run.error)
    assert expected in run.error and "\n" not in run.error
    assert f"the model server at {model_server.url} " in run.error
    assert reply.content == ("Half a" if isinstance(script, Reply) else "")


def test_a_server_that_cannot_be_reached_ends_the_reply_saying_so(workspace, monkeypatch):
    with OpenAIServer() as closed:  # a port where nothing listens any more
        url = closed.url
    monkeypatch.setenv("OPENAI_BASE_URL", url)
    monkeypatch.setenv("CODEX_JUPYTER_MODEL", "test-model")
    run = ended(ask(workspace, quick(), "Hello?"))
    assert run.error.startswith(f"could not connect to the model server at {url} (ConnectError: ")


def test_a_failure_that_passes_is_retried_by_the_sdk(model_server, workspace):
    model_server.then(Failure(500))
    model_server.then(Reply(["made it"]))
    run = ended(ask(workspace, OpenAIResponder(), "Try again?"))
    assert (run.status, run.message.content, len(model_server.requests)) == ("complete", "made it", 2)


def test_the_api_key_never_appears_in_errors_logs_or_the_workspace_file(model_server, workspace, caplog):
    caplog.set_level(logging.DEBUG)  # every logger, the SDK's and its HTTP client's included
    model_server.then(Failure(401, "Incorrect API key provided", echo_key=True))
    run = ended(ask(workspace, quick(), "Is my key safe?"))
    assert run.status == "error" and "HTTP 401" in run.error
    workspace.dispose()
    assert API_KEY in str(model_server.requests[0].headers)  # it was sent, and echoed back in the 401
    stored = b"".join(path.read_bytes() for path in Path(workspace.location).parent.glob("workspace.sqlite3*"))
    assert API_KEY not in run.error and API_KEY not in str(run.to_dict()) and API_KEY not in caplog.text
    assert API_KEY.encode() not in stored


def test_an_error_text_that_quotes_the_key_has_it_removed(model_server, workspace):
    model_server.then(Failure(400, "Bad request", echo_key=True))
    run = ended(ask(workspace, quick(), "Hi"))
    assert "HTTP 400" in run.error and "[API key]" in run.error and API_KEY not in run.error


class Broken:
    """A responder with a bug: not a ResponderError, so the reply ends with a generic line and the log has why."""

    def check(self) -> None:
        pass

    async def respond(self, messages: Sequence[ChatMessage]) -> AsyncIterator[str]:
        yield "Before the bug, "
        raise ZeroDivisionError("a bug in the responder")


def test_a_responder_with_a_bug_ends_the_reply_with_an_error_and_logs_its_traceback(workspace, caplog):
    run = ended(ask(workspace, Broken(), "Hi"))
    assert (run.status, run.message.content) == ("error", "Before the bug, ")
    assert run.error == "the responder failed (ZeroDivisionError); its traceback is in the log"
    assert "a bug in the responder" in caplog.text


# -- nothing configured ------------------------------------------------------------------------


def test_with_nothing_configured_asking_fails_in_one_line_naming_what_to_set_and_stores_nothing(workspace, monkeypatch):
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CODEX_JUPYTER_MODEL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ResponderNotConfiguredError) as refused:
        ask(workspace, OpenAIResponder(), "Hello?")
    assert str(refused.value) == (
        "no model is set up to answer: set $CODEX_JUPYTER_MODEL (or c.OpenAIResponder.model) to the model's name; "
        "and $OPENAI_API_KEY to your API key for OpenAI, or $OPENAI_BASE_URL to another server's URL "
        "(Ollama: http://localhost:11434/v1)"
    )
    assert workspace.get_sessions() == []


def test_a_local_server_needs_no_api_key(model_server, workspace, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    model_server.then(Reply(["local"]))
    assert ended(ask(workspace, OpenAIResponder(), "Hi")).status == "complete"


def test_without_the_openai_package_asking_says_how_to_install_it(model_server, workspace, monkeypatch):
    monkeypatch.setitem(sys.modules, "openai", None)  # what Python does when a package is not installed
    with pytest.raises(ResponderNotConfiguredError, match=r"pip install 'codex-jupyter\[openai\]'"):
        ask(workspace, OpenAIResponder(), "Hi")
    assert workspace.get_sessions() == []


# -- finding responders ------------------------------------------------------------------------


def test_the_openai_responder_is_found_through_its_entry_point():
    assert "openai" in responder_names()
    assert isinstance(load_responder("openai"), OpenAIResponder)


def test_an_unknown_responder_is_refused_naming_the_installed_ones():
    with pytest.raises(
        ResponderNotConfiguredError, match=r"no responder named 'nope' is installed \(installed: .*openai"
    ):
        load_responder("nope")


ECHO_RESPONDER = """
from traitlets import Unicode
from traitlets.config import Configurable

class EchoResponder(Configurable):
    prefix = Unicode("echo: ").tag(config=True)

    def check(self):
        pass

    async def respond(self, messages):
        yield self.prefix
        yield messages[-1].content
"""

USE_IT = """
from traitlets.config import Config, Configurable
from codex_jupyter import open_store
from codex_jupyter.replies import ask
from codex_jupyter.responders import load_responder

parent = Configurable(config=Config({"EchoResponder": {"prefix": "you said: "}}))
with open_store(":memory:") as store:
    run = ask(store, load_responder("echo", parent=parent), "hello")
    run.wait(60)
    print(run.status, run.message.content)
"""


def test_another_package_adds_a_responder_through_the_entry_point(tmp_path):
    (tmp_path / "echo_responder.py").write_text(ECHO_RESPONDER)
    metadata = tmp_path / "echo_responder-1.0.dist-info"
    metadata.mkdir()
    (metadata / "METADATA").write_text("Metadata-Version: 2.1\nName: echo-responder\nVersion: 1.0\n")
    (metadata / "entry_points.txt").write_text(
        textwrap.dedent("""
            [codex_jupyter.responders]
            echo = echo_responder:EchoResponder
        """)
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}  # as if pip had installed it
    done = subprocess.run([sys.executable, "-c", USE_IT], env=env, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "complete you said: hello", done.stderr


def test_two_replies_stream_at_once_without_mixing(model_server, workspace):
    first = model_server.then(Reply(["a1 ", "a2"], pause_after=1))
    first_run = ask(workspace, OpenAIResponder(), "First")
    follow_until(first_run, "a1 ")
    model_server.then(Reply(["b1 ", "b2"]))
    second_run = ended(ask(workspace, OpenAIResponder(), "Second"))
    first.resume()
    ended(first_run)
    assert (first_run.message.content, second_run.message.content) == ("a1 a2", "b1 b2")
