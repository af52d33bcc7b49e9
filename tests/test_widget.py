"""The chat panel's Python side, driven like the browser would (see panels.py): real widgets, a real store,
real events. Asking is in test_widget_ask.py; rename, search, times and order in test_widget_sessions.py."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser

import comm
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from ipywidgets.widgets.widget import _instances
from panels import RecordingComm, add, fill, shown

from codex_jupyter import ChatMessage, SessionStore, open_store
from codex_jupyter.kernel.store import kernel_store
from codex_jupyter.kernel.widget import ChatPanel
from codex_jupyter.storage import MemoryBackend


@pytest.fixture
def panel(store: SessionStore) -> Iterator[ChatPanel]:
    opened = ChatPanel(store)
    yield opened
    opened.close()


# -- empty state, sending ----------------------------------------------------------------------------


def test_a_panel_on_an_empty_store_says_there_is_no_session_yet(panel):
    assert "No session yet" in panel.transcript.children[0].value
    assert panel.picker.value is None
    assert panel.clear_button.disabled


def test_add_stores_the_text_with_the_chosen_role_and_empties_the_box(panel, store):
    store.create_session()
    add(panel, "Pass `dropna=False`.", role="assistant")
    [message] = store.get_current_session().messages
    assert (message.role, message.content) == ("assistant", "Pass `dropna=False`.")
    assert panel.text.value == ""


def test_adding_with_no_session_starts_one_and_shows_the_message_once(panel, store):
    add(panel, "first words")
    assert panel.session_id == store.get_current_session().id
    assert len(shown(panel)) == 1
    assert panel.count_label.value == "1 message"


def test_an_empty_message_is_not_added_and_the_panel_says_why(panel, store):
    add(panel, "  \n ")
    assert store.get_sessions() == []
    assert "empty" in panel.error.value
    assert panel.error.layout.display != "none"


def test_the_next_successful_action_hides_the_error(panel):
    add(panel, "")
    add(panel, "now with words")
    assert panel.error.layout.display == "none"


# -- how messages look -------------------------------------------------------------------------------


def test_a_message_shows_its_role_time_and_markdown(panel, store):
    message = store.add_message_to_current_session(role="system", content="Use **pandas**.\n\n```\ndf.head()\n```")
    [html] = shown(panel)
    assert "codex-chat-system" in html
    assert ">system</span>" in html
    assert message.timestamp.astimezone().strftime("%Y-%m-%d %H:%M %Z") in html  # the kernel's local time
    assert "<strong>pandas</strong>" in html
    assert "<pre><code>df.head()\n</code></pre>" in html


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">click</a>',
        '![x](x "onerror=alert(1)")',
    ],
)
def test_untrusted_content_cannot_bring_markup_that_runs(panel, store, payload):
    store.add_message_to_current_session(role="user", content=payload)
    [html] = shown(panel)
    elements = Elements()
    elements.feed(html)
    assert "script" not in [tag for tag, _ in elements.found]
    for _, attributes in elements.found:
        assert not [name for name in attributes if name.startswith("on")]
        assert not [value for value in attributes.values() if "javascript:" in (value or "")]


class Elements(HTMLParser):
    """The elements of an HTML fragment, with their attributes, as a browser's parser would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


# -- live updates ------------------------------------------------------------------------------------


def test_a_message_added_from_python_appears_without_rerunning_anything(panel, store):
    store.add_message_to_current_session(role="user", content="from code")
    assert "from code" in shown(panel)[0]


def test_a_message_sent_from_one_panel_appears_in_another(panel, store):
    other = ChatPanel(store)
    try:
        add(other, "from the other panel")
        assert "from the other panel" in shown(panel)[0]
        assert panel.count_label.value == other.count_label.value == "1 message"
    finally:
        other.close()


def test_a_message_added_to_another_session_does_not_show(panel, store):
    elsewhere = store.create_session(title="elsewhere")
    store.create_session(title="shown")
    store.add_message(elsewhere.id, role="user", content="not here")
    assert shown(panel) == []


def test_another_notebooks_current_session_change_is_ignored(panel, store):
    session = store.create_session()
    store.set_current_session(None, scope="notebooks/other.ipynb")
    assert panel.session_id == session.id


# -- sessions: picker, new, clear --------------------------------------------------------------------


def test_the_picker_lists_session_titles_newest_first(panel, store):
    for title in ("first", "second", "third"):
        store.create_session(title=title)
    labels = [label for label, _ in panel.picker.options]
    assert [label.split(" · ")[0] for label in labels] == ["third", "second", "first"]


def test_choosing_a_session_makes_it_current_in_the_store_and_in_every_panel(panel, store):
    first = store.create_session(title="first")
    store.add_message(first.id, role="user", content="in the first")
    store.create_session(title="second")
    other = ChatPanel(store)
    try:
        other.picker.value = first.id
        assert store.get_current_session().id == first.id
        assert panel.session_id == first.id
        assert panel.picker.value == first.id
        assert "in the first" in shown(panel)[0]
    finally:
        other.close()


def test_new_session_starts_an_empty_current_session(panel, store):
    store.add_message_to_current_session(role="user", content="old")
    panel.new_button.click()
    assert len(store.get_sessions()) == 2
    assert panel.session_id == store.get_current_session().id
    assert "No messages in this session yet" in panel.transcript.children[0].value
    assert panel.picker.value == panel.session_id


def test_clear_asks_before_deleting(panel, store):
    store.add_message_to_current_session(role="user", content="keep me for now")
    panel.clear_button.click()
    assert panel.confirm_bar.layout.display != "none"
    assert "1 message" in panel.confirm_label.value
    assert store.get_current_session() is not None


def test_confirming_clear_deletes_the_current_session(panel, store):
    store.add_message_to_current_session(role="user", content="delete me")
    panel.clear_button.click()
    panel.confirm_button.click()
    assert store.get_sessions() == []
    assert panel.session_id is None
    assert panel.confirm_bar.layout.display == "none"
    assert "No session yet" in panel.transcript.children[0].value


def test_cancelling_clear_keeps_the_session(panel, store):
    store.add_message_to_current_session(role="user", content="keep me")
    panel.clear_button.click()
    panel.cancel_button.click()
    assert panel.confirm_bar.layout.display == "none"
    assert store.get_current_session().message_count == 1


# -- errors --------------------------------------------------------------------------------------------


def test_a_failing_action_shows_a_friendly_error_instead_of_raising(store):
    panel = ChatPanel(store)
    store.dispose()
    add(panel, "into a closed store")
    assert "Could not add the message: the session store was closed" in panel.error.value
    panel.close()


class BrokenBackend(MemoryBackend):
    """A backend with a bug in ``append_message``: no real backend fails that way on purpose, so one is made."""

    def append_message(self, session_id: str, message: ChatMessage) -> None:
        raise TypeError("append_message() got an unexpected keyword argument")


@pytest.fixture
def broken_panel() -> Iterator[ChatPanel]:
    with SessionStore(BrokenBackend(), scope="notebooks/analysis.ipynb") as store:
        opened = ChatPanel(store)
        yield opened
        opened.close()


def test_a_bug_behind_an_action_is_named_a_bug_and_its_traceback_shown(broken_panel):
    # In a kernel, ipywidgets hands an exception raised by a click handler to the shell's showtraceback.
    InteractiveShell.instance()
    with capture_output() as shown_traceback:
        add(broken_panel, "hello")
    assert "Could not add the message: TypeError, a bug in codex-jupyter" in broken_panel.error.value
    assert "TypeError" in shown_traceback.stdout  # the traceback, in colour
    assert ": append_message() got an unexpected keyword argument" in shown_traceback.stdout


def test_a_refused_input_still_gets_its_one_line_when_the_backend_is_broken(broken_panel):
    with capture_output() as shown_traceback:
        add(broken_panel, "   ")
    assert "Could not add the message: the message is empty" in broken_panel.error.value
    assert "Traceback" not in shown_traceback.stdout + shown_traceback.stderr


def test_choosing_a_session_another_process_deleted_says_it_no_longer_exists(workspace_file):
    with open_store(workspace_file) as store, open_store(workspace_file) as elsewhere:
        gone = store.create_session(title="gone")
        store.create_session(title="kept")
        panel = ChatPanel(store)
        elsewhere.delete_session(gone.id)  # this store has not polled yet: the picker still lists it
        panel.picker.value = gone.id
        assert "Could not switch sessions: that session no longer exists" in panel.error.value
        assert gone.id not in [session_id for _, session_id in panel.picker.options]
        panel.close()


# -- closing ---------------------------------------------------------------------------------------------


def test_a_closed_panel_stops_listening_to_the_store(store):
    before = store._events.listener_count  # no public count: the emitter's is the ground truth
    panel = ChatPanel(store)
    panel.close()
    assert store._events.listener_count == before
    store.add_message_to_current_session(role="user", content="after close")
    assert panel.transcript.message_count == 0


def test_closing_a_panel_closes_all_its_widgets(store):
    store.add_message_to_current_session(role="user", content="hello")
    before = set(_instances)
    panel = ChatPanel(store)
    panel.close()
    assert set(_instances) == before


# -- following the kernel's store ----------------------------------------------------------------------


@pytest.fixture
def kernel_panel(workspace_file, monkeypatch) -> Iterator[ChatPanel]:
    monkeypatch.setenv("CODEX_JUPYTER_WORKSPACE", str(workspace_file))
    kernel_store.close()
    opened = ChatPanel()
    yield opened
    opened.close()
    kernel_store.close()


def test_a_default_panel_shows_the_kernels_store(kernel_panel):
    kernel_store.get().add_message_to_current_session(role="user", content="in the kernel's store")
    assert kernel_panel.store is kernel_store.get()
    assert "in the kernel's store" in shown(kernel_panel)[0]


def test_a_default_panel_follows_a_switch_of_the_kernels_store(kernel_panel):
    kernel_store.get().add_message_to_current_session(role="user", content="in the workspace file")
    memory = kernel_store.switch(":memory:")
    assert shown(kernel_panel) == []
    memory.add_message_to_current_session(role="user", content="in memory")
    assert "in memory" in shown(kernel_panel)[0]


def test_a_default_panel_reopens_the_kernels_store_after_it_was_closed(kernel_panel):
    kernel_store.close()  # what %unload_ext does
    add(kernel_panel, "still works")
    assert kernel_panel.error.layout.display == "none"
    assert kernel_store.get().get_current_session().messages[0].content == "still works"
    assert "still works" in shown(kernel_panel)[0]


def test_a_closed_default_panel_ignores_a_later_switch(kernel_panel):
    kernel_panel.close()
    memory = kernel_store.switch(":memory:")
    assert memory._events.listener_count == 0


# -- large sessions ---------------------------------------------------------------------------------------


@pytest.fixture
def large(store: SessionStore) -> str:
    return fill(store, 5_000)


def test_a_large_session_shows_only_a_window_of_the_latest_messages(large, store):
    panel = ChatPanel(store, window=100, page_size=25)
    assert 100 <= panel.transcript.live_message_count < 125
    assert "message 4999" in shown(panel)[-1]
    assert panel.count_label.value == "5,000 messages"
    assert "earlier messages (4,900 not shown)" in panel.transcript.earlier_button.description
    panel.close()


def test_show_earlier_loads_the_previous_window(large, store):
    panel = ChatPanel(store, window=100, page_size=25)
    panel.transcript.earlier_button.click()
    assert panel.transcript.live_message_count == 200
    assert "message 4800" in shown(panel)[0]
    panel.close()


def test_appends_past_the_live_limit_close_the_oldest_pages(store):
    panel = ChatPanel(store, window=50, page_size=25, max_live=100)
    for index in range(300):
        store.add_message_to_current_session(role="user", content=f"message {index}")
    assert panel.transcript.live_message_count <= 100
    assert "message 299" in shown(panel)[-1]
    assert panel.transcript.message_count == 300
    panel.close()


@pytest.fixture
def frontend_messages(monkeypatch) -> list[tuple[str, int]]:
    """The comm messages widgets send from now on, as (comm id, bytes) (ipywidgets creates comms with
    comm.create_comm)."""
    sent: list[tuple[str, int]] = []
    monkeypatch.setattr(RecordingComm, "sent", sent)
    monkeypatch.setattr(comm, "create_comm", RecordingComm)
    return sent


def test_appending_to_a_large_transcript_sends_a_few_kilobytes_not_the_transcript(large, store, frontend_messages):
    panel = ChatPanel(store)
    frontend_messages.clear()
    store.add_message_to_current_session(role="assistant", content="one more")
    assert 0 < sum(size for _, size in frontend_messages) < 4_000
    panel.close()


def test_showing_another_session_closes_the_widgets_of_the_old_transcript(store):
    first = store.create_session()
    for index in range(30):
        store.add_message(first.id, role="user", content=f"message {index}")
    panel = ChatPanel(store)
    open_models = len(_instances)
    panel.new_button.click()
    panel.select_session(first.id)
    assert len(_instances) == open_models
    panel.close()
