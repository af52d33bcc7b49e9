"""Asking from the sidebar, in a real JupyterLab: the server stores the question and streams the reply from a
model (the tests' OpenAI-compatible server on loopback, which the lab server is configured with); the sidebar
shows the reply growing, and Stop stops it.
"""

from __future__ import annotations

import pytest
from openai_server import Failure, Reply
from playwright.sync_api import Locator, expect
from sidebar_helpers import api, create_session, message, open_lab, open_session, open_sidebar, unique

pytestmark = pytest.mark.browser

#: Every text and state the reply's view goes through, recorded in the page as it changes.
RECORD_STATES = """transcript => {
    window.__codexStates = [];
    const record = () => {
        const reply = transcript.querySelector('.codex-Message-assistant');
        const body = reply && reply.querySelector('.codex-Message-body');
        if (!body) { return; }
        const state = [reply.dataset.status, body.textContent.trim()];
        const last = window.__codexStates[window.__codexStates.length - 1];
        if (!last || last[0] !== state[0] || last[1] !== state[1]) { window.__codexStates.push(state); }
    };
    new MutationObserver(record).observe(transcript, {
        subtree: true, childList: true, characterData: true, attributes: true
    });
}"""


def ask_in_new_session(lab, question: str) -> tuple[str, Locator, Locator]:
    """Open a new session in the sidebar and ask ``question`` with Ctrl+Enter; its id, the sidebar and transcript."""
    title = unique("asking")
    session_id = create_session(lab, title)
    open_lab(lab)
    sidebar = open_sidebar(lab)
    transcript = open_session(sidebar, title)
    transcript.evaluate(RECORD_STATES)
    sidebar.locator(".codex-Composer-text").fill(question)
    sidebar.locator(".codex-Composer-text").press("Control+Enter")
    return session_id, sidebar, transcript


def reply_view(transcript: Locator) -> Locator:
    return transcript.locator(".codex-Message-assistant")


def stored_reply(lab, session_id: str) -> dict:
    return api(lab, "GET", f"sessions/{session_id}")["messages"][1]


def test_ask_shows_the_reply_growing_and_stores_the_final_text(lab, lab_model_server):
    chunks = ["Pass ", "`dropna=False`", " to keep ", "the NaN keys."]
    # The first chunk, then a pause until the test has seen it; then the rest, a second apart, as a slow model writes.
    reply = lab_model_server.then(Reply(chunks, pause_after=1, interval=1.0))
    session_id, sidebar, transcript = ask_in_new_session(lab, "Why does groupby drop NaN keys?")

    expect(message(transcript, "Why does groupby drop NaN keys?")).to_be_visible()
    answer = reply_view(transcript)
    expect(answer.locator(".codex-Message-body")).to_have_text("Pass")
    expect(answer).to_have_attribute("data-status", "streaming")
    expect(answer.locator(".codex-Message-state")).to_have_text("writing…")
    expect(sidebar.get_by_role("button", name="Stop")).to_be_visible()
    reply.resume()

    expect(answer).to_have_attribute("data-status", "complete")
    expect(answer.locator(".codex-Message-body")).to_have_text("Pass dropna=False to keep the NaN keys.")
    expect(sidebar.get_by_role("button", name="Ask")).to_be_visible()
    expect(sidebar.get_by_role("button", name="Stop")).to_be_hidden()
    states = lab.page.evaluate("() => window.__codexStates")
    growing = {text for status, text in states if status == "streaming" and text}
    assert len(growing) >= 2, growing  # seen growing, not only at its end
    stored = stored_reply(lab, session_id)
    assert (stored["content"], stored.get("status", "complete")) == ("".join(chunks), "complete")


def test_stop_stops_the_reply_and_keeps_what_came(lab, lab_model_server):
    reply = lab_model_server.then(Reply(["Pass ", "dropna", "=False"], pause_after=2))
    try:
        session_id, sidebar, transcript = ask_in_new_session(lab, "Why?")
        answer = reply_view(transcript)
        expect(answer.locator(".codex-Message-body")).to_have_text("Pass dropna")
        sidebar.get_by_role("button", name="Stop").click()

        expect(answer).to_have_attribute("data-status", "cancelled")
        expect(answer.locator(".codex-Message-state")).to_have_text("stopped")
        expect(sidebar.get_by_role("button", name="Ask")).to_be_visible()
        stored = stored_reply(lab, session_id)
        assert (stored["content"], stored["status"]) == ("Pass dropna", "cancelled")
    finally:
        reply.resume()  # the model server's side of the stopped request ends


def test_a_reply_that_fails_shows_why(lab, lab_model_server):
    lab_model_server.then(Failure(400, "This model cannot answer that."))
    session_id, _, transcript = ask_in_new_session(lab, "Why?")
    answer = reply_view(transcript)
    expect(answer).to_have_attribute("data-status", "error")
    expect(answer.locator(".codex-Message-state")).to_have_text("failed")
    expect(answer.locator(".codex-Message-error")).to_have_text(stored_reply(lab, session_id)["error"])


def test_include_active_cell_sends_the_cell_and_its_output_with_the_question(lab, lab_model_server):
    lab_model_server.then(Reply(["Forty-two."]))
    lab.write_notebook("ask_cell.ipynb", ["total = 40 + 2\ntotal"])
    lab.open_notebook("ask_cell.ipynb")
    lab.run_cell(0)
    title = unique("with a cell")
    session_id = create_session(lab, title)
    sidebar = open_sidebar(lab)
    transcript = open_session(sidebar, title)
    sidebar.get_by_label("Include active cell").check()
    sidebar.locator(".codex-Composer-text").fill("What is total?")
    sidebar.get_by_role("button", name="Ask").click()

    expect(reply_view(transcript)).to_have_attribute("data-status", "complete")
    question = api(lab, "GET", f"sessions/{session_id}")["messages"][0]["content"]
    assert question.startswith("What is total?")
    assert "Context from the notebook" in question
    assert "total = 40 + 2" in question and "42" in question
    sent = lab_model_server.requests[-1].body["messages"][-1]["content"]
    assert "total = 40 + 2" in sent
