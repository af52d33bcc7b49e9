"""Asking from the chat panel: Ask (and Ctrl+Enter), the reply growing in its message widget, Stop.

Answered through the real ``openai`` SDK by the tests' OpenAI-compatible server on loopback
(openai_server.py), with the responder the extension sets up in a real IPython shell, as
``%%codex_ask`` uses it. Replies stream on their own thread, as in a kernel.
"""

from __future__ import annotations

from collections.abc import Iterator

import comm
import pytest
from openai_server import Failure, Reply
from panels import RecordingComm, browser_request, message_views, shown, wait_for

from codex_jupyter import ChatMessage, SessionStore
from codex_jupyter.kernel.widget import ChatPanel
from codex_jupyter.kernel.widget.message import message_html
from codex_jupyter.models import utc_now


@pytest.fixture
def panel(answering_model, store: SessionStore) -> Iterator[ChatPanel]:
    """A panel in a shell with the extension loaded (the responder is the extension's), asking the tests' model."""
    opened = ChatPanel(store)
    yield opened
    if opened.reply is not None:
        opened.reply.cancel()
        opened.reply.wait()
    opened.close()


def ask(panel: ChatPanel, text: str) -> None:
    panel.text.value = text
    panel.ask_button.click()


def ended(panel: ChatPanel) -> None:
    run = panel.reply
    assert run is not None, "no reply is streaming"
    assert run.wait(60), "the reply did not end"


def stored(store: SessionStore) -> list[tuple[str, str, str]]:
    return [(m.role, m.content, m.status) for m in store.get_current_session().messages]


def test_ask_stores_the_question_and_the_reply_and_empties_the_box(panel, store, model_server):
    model_server.then(Reply(["Pass ", "`dropna=False`", "."]))
    ask(panel, "Why does my groupby drop NaN keys?")
    ended(panel)
    assert stored(store) == [
        ("user", "Why does my groupby drop NaN keys?", "complete"),
        ("assistant", "Pass `dropna=False`.", "complete"),
    ]
    assert panel.text.value == ""
    assert panel.error.layout.display == "none"


def test_the_reply_shows_as_it_grows_marked_as_being_written(panel, model_server):
    reply = model_server.then(Reply(["Pass ", "`dropna=False`", " to keep them."], pause_after=2))
    ask(panel, "Why?")
    assert reply.paused.wait(60)
    wait_for(lambda: "<code>dropna=False</code>" in shown(panel)[-1], "the first part of the reply to show")
    assert "codex-chat-is-streaming" in shown(panel)[-1]
    assert "Writing…" in shown(panel)[-1]

    reply.resume()
    ended(panel)
    wait_for(lambda: "to keep them." in shown(panel)[-1], "the whole reply to show")
    assert "codex-chat-is-complete" in shown(panel)[-1]
    assert "Writing…" not in shown(panel)[-1]


def test_while_a_reply_streams_stop_takes_the_place_of_ask(panel, model_server):
    reply = model_server.then(Reply(["Thinking"], pause_after=1))
    ask(panel, "Why?")
    assert reply.paused.wait(60)
    assert (panel.ask_button.layout.display, panel.stop_button.layout.display) == ("none", None)

    reply.resume()
    ended(panel)
    wait_for(lambda: panel.reply is None, "the panel to see the reply end")
    assert (panel.ask_button.layout.display, panel.stop_button.layout.display) == (None, "none")


def test_stop_cancels_the_reply_keeping_what_came_marked_stopped(panel, store, model_server):
    reply = model_server.then(Reply(["Half ", "an answer", " never sent"], pause_after=2))
    ask(panel, "Why?")
    assert reply.paused.wait(60)
    wait_for(lambda: "Half an answer" in shown(panel)[-1], "the first part of the reply to show")
    run = panel.reply
    panel.stop_button.click()
    assert run is not None and run.wait(60)

    assert stored(store)[-1] == ("assistant", "Half an answer", "cancelled")
    wait_for(lambda: "Stopped" in shown(panel)[-1], "the reply to show stopped")
    assert "codex-chat-is-cancelled" in shown(panel)[-1]
    assert panel.reply is None and panel.stop_button.layout.display == "none"


def test_asking_again_while_a_reply_streams_is_refused(panel, store, model_server):
    reply = model_server.then(Reply(["Wait"], pause_after=1))
    ask(panel, "First?")
    assert reply.paused.wait(60)
    ask(panel, "Second?")
    assert "Could not ask: a reply is still coming" in panel.error.value
    assert panel.text.value == "Second?"  # kept, to ask once the reply has ended
    reply.resume()
    ended(panel)
    assert [content for role, content, _ in stored(store) if role == "user"] == ["First?"]


def test_a_failed_reply_is_marked_failed_with_the_reason(panel, store, model_server):
    model_server.then(Failure(500, "the model is overloaded"))
    ask(panel, "Why?")
    ended(panel)
    role, _, status = stored(store)[-1]
    assert (role, status) == ("assistant", "error")
    wait_for(lambda: "codex-chat-is-error" in shown(panel)[-1], "the reply to show failed")
    assert "Failed:" in shown(panel)[-1]
    assert "overloaded" in shown(panel)[-1]


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("streaming", "Writing…"),
        ("cancelled", "Stopped"),
        ("error", "Failed: the model server refused"),
        ("incomplete", "Incomplete"),
    ],
)
def test_a_reply_that_is_not_complete_says_where_it_stands(status, words):
    error = "the model server refused the request" if status == "error" else None
    html = message_html(ChatMessage("m1", "assistant", "Partial", utc_now(), status, error))
    assert f"codex-chat-is-{status}" in html
    assert words in html


def test_a_complete_message_has_no_status_line(panel, store):
    store.add_message_to_current_session(role="assistant", content="Whole.")
    assert "codex-chat-status" not in shown(panel)[0]


def test_asking_with_no_model_set_up_says_what_to_set_and_stores_nothing(panel, store, monkeypatch):
    monkeypatch.delenv("CODEX_JUPYTER_MODEL")
    ask(panel, "Why?")
    assert "Could not ask:" in panel.error.value and "CODEX_JUPYTER_MODEL" in panel.error.value
    assert store.get_sessions() == []
    assert panel.text.value == "Why?"


def test_asking_needs_the_extension_loaded_and_says_so(store):
    panel = ChatPanel(store)
    panel.text.value = "Why?"
    panel.ask_button.click()
    assert "%load_ext codex_jupyter" in panel.error.value
    panel.close()


def test_ctrl_enter_asks_with_the_text_the_browser_sends(panel, store, model_server):
    model_server.then(Reply(["Yes."]))
    browser_request(panel, {"do": "ask", "text": "Typed, not yet synced?"})
    ended(panel)
    assert stored(store) == [("user", "Typed, not yet synced?", "complete"), ("assistant", "Yes.", "complete")]
    assert panel.text.value == ""


def test_a_growing_reply_updates_its_own_widget_only(panel, store, monkeypatch):
    sent: list[tuple[str, int]] = []
    monkeypatch.setattr(RecordingComm, "sent", sent)
    monkeypatch.setattr(comm, "create_comm", RecordingComm)
    store.add_message_to_current_session(role="user", content="Why?")
    begun = store.begin_message(panel.session_id)
    [_, view] = message_views(panel)
    sent.clear()
    store.append_to_message(begun.id, "Because")
    wait_for(lambda: "Because" in view.value, "the reply's widget to show its text")
    assert sent and {comm_id for comm_id, _ in sent} == {view.comm.comm_id}
    store.finish_message(begun.id)


def test_the_transcript_stays_in_step_with_the_store_while_a_reply_streams_beside_other_writes(
    panel, store, model_server
):
    model_server.then(Reply([f"word{index} " for index in range(60)], interval=0.005))
    ask(panel, "Count?")
    for index in range(30):  # from this thread, while the reply's updates come from its own
        store.add_message_to_current_session(role="user", content=f"meanwhile {index}")
    ended(panel)
    messages = store.get_current_session().messages
    wait_for(lambda: [view.message_id for view in message_views(panel)] == [m.id for m in messages], "the ids")
    assert [view.value for view in message_views(panel)] == [message_html(m) for m in messages]
    assert panel.count_label.value == f"{len(messages)} messages"


def test_a_panel_closed_while_its_reply_streams_lets_the_reply_end_stored(answering_model, store, model_server):
    reply = model_server.then(Reply(["Still ", "coming"], pause_after=1))
    panel = ChatPanel(store)
    ask(panel, "Why?")
    run = panel.reply
    assert reply.paused.wait(60) and run is not None
    panel.close()
    reply.resume()
    assert run.wait(60)
    assert stored(store)[-1] == ("assistant", "Still coming", "complete")
