"""Asking from the chat panel in a real JupyterLab, in Chromium: the reply grows on screen, Stop, Ctrl+Enter.

The kernel's responder talks through the real ``openai`` SDK to the tests' OpenAI-compatible server
on loopback (openai_server.py), set up as a person would: the environment, set in the panel's cell.
The reply streams on its own thread after the click's cell message has been handled, so what the
page sees arrives while the kernel is idle.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

import pytest
from chat_panel_page import message, open_with_panel
from openai_server import API_KEY, OpenAIServer, Reply
from playwright.sync_api import Locator, expect

from codex_jupyter import open_store

pytestmark = pytest.mark.browser

WAIT_S = 90


@pytest.fixture
def model() -> Iterator[OpenAIServer]:
    with OpenAIServer() as server:
        yield server


def setup(model: OpenAIServer) -> str:
    """The cell code that points the kernel at the model server (the key set silently: no output shows it)."""
    return (
        "import os\n"
        f"os.environ.update(OPENAI_BASE_URL={model.url!r}, OPENAI_API_KEY={API_KEY!r}, "
        f"CODEX_JUPYTER_MODEL={model.model!r})\n"
        "%config OpenAIResponder.max_retries = 0"
    )


def stored_reply(lab, question: str) -> tuple[str, str] | None:
    """The content and status of the stored reply to ``question``, once there is one."""
    with open_store(lab.server.workspace_file) as store:
        for session in store.get_sessions():
            for asked, reply in pairwise(session.messages):
                if asked.content == question and reply.role == "assistant":
                    return reply.content, reply.status
    return None


# Every state the last assistant message goes through, as the page shows it: its text and whether it is
# marked as being written. Recorded on each change of the panel's DOM, so none is missed between two looks.
RECORD_REPLY_STATES = """panel => {
    window.codexReplyStates = [];
    const record = () => {
        const replies = panel.querySelectorAll('.codex-chat-msg.codex-chat-assistant');
        const reply = replies[replies.length - 1];
        if (!reply) return;
        const state = {
            text: reply.querySelector('.codex-chat-body').innerText.trim(),
            streaming: reply.classList.contains('codex-chat-is-streaming'),
        };
        const last = window.codexReplyStates[window.codexReplyStates.length - 1];
        if (!last || last.text !== state.text || last.streaming !== state.streaming) {
            window.codexReplyStates.push(state);
        }
    };
    new MutationObserver(record).observe(panel, {subtree: true, childList: true, characterData: true});
}"""


KERNEL_STATUS = "() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status"


def type_question(shown: Locator, question: str) -> None:
    shown.locator("textarea").click()
    shown.page.keyboard.type(question)


def test_ask_shows_the_reply_growing_and_stores_the_final_text(lab, model):
    chunks = ["The ", "answer ", "grows ", "word ", "by ", "word."]
    reply = model.then(Reply(chunks, pause_after=3, interval=0.5))
    shown = open_with_panel(lab, "ask-grows.ipynb", setup=setup(model))
    shown.evaluate(RECORD_REPLY_STATES)
    type_question(shown, "How does a reply grow?")
    shown.get_by_role("button", name="Ask").click()

    assert reply.paused.wait(WAIT_S), "the model server was never asked"
    growing = message(shown, "The answer grows")
    growing.wait_for()
    assert lab.page.evaluate(KERNEL_STATUS) == "idle"  # the updates came from the reply's thread, not from a cell
    expect(growing.locator(".codex-chat-status")).to_have_text("Writing…")
    expect(shown.get_by_role("button", name="Stop")).to_be_visible()
    lab.screenshot("chat_panel_reply_streaming", shown)

    reply.resume()
    final = "".join(chunks)
    lab.wait_for(lambda: stored_reply(lab, "How does a reply grow?") == (final, "complete"), "the final reply stored")
    done = shown.locator(".codex-chat-msg.codex-chat-is-complete", has_text=final)
    done.wait_for()
    expect(done.locator(".codex-chat-status")).to_have_count(0)
    expect(shown.get_by_role("button", name="Ask")).to_be_visible()
    lab.screenshot("chat_panel_reply_complete", shown)

    states = lab.page.evaluate("window.codexReplyStates")
    part_way = [state["text"] for state in states if state["streaming"]]
    assert all(final.startswith(text) for text in part_way), states
    assert len({text for text in part_way if text and text != final}) >= 2, states  # seen part-way, twice at least
    assert states[-1] == {"text": final, "streaming": False}


def test_stop_cancels_the_reply_and_shows_it_stopped(lab, model):
    reply = model.then(Reply(["Half ", "an answer", " never sent"], pause_after=2))
    shown = open_with_panel(lab, "ask-stop.ipynb", setup=setup(model))
    type_question(shown, "Will you stop?")
    shown.get_by_role("button", name="Ask").click()
    assert reply.paused.wait(WAIT_S), "the model server was never asked"
    message(shown, "Half an answer").wait_for()

    shown.get_by_role("button", name="Stop").click()
    lab.wait_for(lambda: stored_reply(lab, "Will you stop?") == ("Half an answer", "cancelled"), "a stopped reply")
    stopped = shown.locator(".codex-chat-msg.codex-chat-is-cancelled", has_text="Half an answer")
    stopped.wait_for()
    expect(stopped.locator(".codex-chat-status")).to_contain_text("Stopped")
    expect(shown.get_by_role("button", name="Ask")).to_be_visible()
    expect(shown.get_by_role("button", name="Stop")).to_be_hidden()
    lab.screenshot("chat_panel_reply_stopped", shown)


def test_ctrl_enter_in_the_message_box_asks(lab, model):
    model.then(Reply(["Asked with the keyboard."]))
    shown = open_with_panel(lab, "ask-keys.ipynb", setup=setup(model))
    type_question(shown, "Keys?")
    shown.locator("textarea").press("Control+Enter")

    lab.wait_for(lambda: stored_reply(lab, "Keys?") == ("Asked with the keyboard.", "complete"), "the reply stored")
    message(shown, "Asked with the keyboard.").wait_for()
    expect(shown.locator("textarea")).to_have_value("")
    expect(lab.cell(0).locator(".jp-InputPrompt")).to_have_text("[1]:")  # the keys did not run the cell again
