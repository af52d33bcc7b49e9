"""The chat panel's sessions: rename, search (and opening a hit), their order in the picker, and times.

Driven like the browser would (see panels.py), on a real store of each kind.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from panels import add, browser_request, fill, message_views, shown

from codex_jupyter import SessionStore, open_store
from codex_jupyter.kernel.widget import ChatPanel
from codex_jupyter.kernel.widget.transcript import FOUND_CLASS


@pytest.fixture
def panel(store: SessionStore) -> Iterator[ChatPanel]:
    opened = ChatPanel(store)
    yield opened
    opened.close()


def titles(panel: ChatPanel) -> list[str]:
    return [label.split(" · ")[0] for label, _ in panel.picker.options]


def found(panel: ChatPanel) -> list[str]:
    """The contents of the messages marked as found, as the transcript shows them."""
    return [view.value for view in message_views(panel) if FOUND_CLASS in view._dom_classes]


# -- rename ----------------------------------------------------------------------------------------


def test_rename_opens_an_editor_holding_the_current_title(panel, store):
    store.create_session(title="groupby")
    panel.rename_button.click()
    assert panel.rename_bar.layout.display != "none"
    assert panel.rename_text.value == "groupby"


def test_saving_a_new_title_renames_the_session_and_the_picker_shows_it(panel, store):
    session = store.create_session(title="groupby")
    panel.rename_button.click()
    panel.rename_text.value = "  NaN keys in groupby "
    panel.save_button.click()
    assert store.get_session(session.id).title == "NaN keys in groupby"
    assert titles(panel) == ["NaN keys in groupby"]
    assert panel.rename_bar.layout.display == "none"


def test_enter_in_the_title_field_saves_the_title_the_browser_sends(panel, store):
    session = store.create_session(title="groupby")
    panel.rename_button.click()
    browser_request(panel, {"do": "rename", "text": "merge questions"})
    assert store.get_session(session.id).title == "merge questions"
    assert panel.rename_bar.layout.display == "none"


def test_cancelling_a_rename_keeps_the_title(panel, store):
    session = store.create_session(title="groupby")
    panel.rename_button.click()
    panel.rename_text.value = "something else"
    panel.rename_cancel_button.click()
    assert store.get_session(session.id).title == "groupby"
    assert panel.rename_bar.layout.display == "none"


def test_an_empty_title_is_refused_saying_why_and_the_editor_stays(panel, store):
    session = store.create_session(title="groupby")
    panel.rename_button.click()
    panel.rename_text.value = "   "
    panel.save_button.click()
    assert "Could not rename the session:" in panel.error.value and "1 to 200 characters" in panel.error.value
    assert store.get_session(session.id).title == "groupby"
    assert panel.rename_bar.layout.display != "none"


def test_rename_is_disabled_without_a_session(panel):
    assert panel.rename_button.disabled


def test_a_rename_elsewhere_shows_in_the_picker(panel, store):
    session = store.create_session(title="before")
    store.rename_session(session.id, "after")
    assert titles(panel) == ["after"]


# -- order and times -----------------------------------------------------------------------------------


def test_the_picker_lists_sessions_most_recently_updated_first(panel, store):
    first = store.create_session(title="first")
    store.create_session(title="second")
    store.create_session(title="third")
    assert titles(panel) == ["third", "second", "first"]
    store.add_message(first.id, role="user", content="back to the first")
    assert titles(panel) == ["first", "third", "second"]


@pytest.fixture
def kolkata(monkeypatch) -> Iterator[None]:
    """The kernel's local time zone is India's (UTC+05:30, no summer time)."""
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_times_are_shown_in_the_kernels_local_time_zone(kolkata, panel, store):
    message = store.add_message_to_current_session(role="user", content="when?")
    local = message.timestamp + timedelta(hours=5, minutes=30)
    assert f">{local:%Y-%m-%d %H:%M} IST</time>" in shown(panel)[0]
    assert f'datetime="{message.timestamp.isoformat()}"' in shown(panel)[0]
    assert panel.picker.options[0][0].endswith(f"· {local:%Y-%m-%d %H:%M} IST")


# -- search ----------------------------------------------------------------------------------------------


def test_a_search_lists_each_hit_with_its_session_and_the_matched_words_marked(panel, store):
    session = store.create_session(title="pandas")
    store.add_message(session.id, role="assistant", content="Pass dropna=False to groupby to keep NaN keys.")
    store.create_session(title="other")
    panel.search_box.value = "groupby"
    assert panel.search_results.layout.display != "none"
    assert "1 hit for groupby" in panel.search_results.heading.value
    [row] = panel.search_results.children[1].children
    html = row.children[0].value
    assert "<strong>pandas</strong>" in html and ">assistant<" in html
    assert "<mark>groupby</mark>" in html


def test_a_snippet_is_shown_as_text_with_only_the_marks_as_markup(panel, store):
    store.add_message_to_current_session(role="user", content='<img src=x onerror="alert(1)"> groupby <b>bold</b>')
    panel.search_box.value = "groupby"
    html = panel.search_results.children[1].children[0].children[0].value
    assert "&lt;img src=x onerror=" in html and "<img" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "<mark>groupby</mark>" in html


def test_a_search_that_finds_nothing_says_so(panel, store):
    store.add_message_to_current_session(role="user", content="hello")
    panel.search_box.value = "merge"
    assert "Nothing matches merge." in panel.search_results.heading.value
    assert panel.search_results.open_buttons == []


def test_a_query_with_no_word_is_refused_saying_why(panel):
    panel.search_box.value = "!!!"
    assert "Could not search:" in panel.error.value and "holds no word" in panel.error.value


def test_emptying_the_search_box_hides_the_results(panel, store):
    store.add_message_to_current_session(role="user", content="groupby")
    panel.search_box.value = "groupby"
    panel.search_box.value = ""
    assert panel.search_results.layout.display == "none"
    assert panel.search_results.open_buttons == []


def test_opening_a_hit_makes_its_session_current_and_marks_its_message(panel, store):
    wanted = store.create_session(title="wanted")
    store.add_message(wanted.id, role="user", content="the needle is here")
    store.add_message(wanted.id, role="assistant", content="and not here")
    store.create_session(title="current")
    panel.search_box.value = "needle"
    [open_hit] = panel.search_results.open_buttons
    open_hit.click()
    assert store.get_current_session().id == wanted.id
    assert panel.session_id == wanted.id
    assert ["needle" in html for html in found(panel)] == [True]


def test_opening_a_title_hit_shows_its_session(panel, store):
    wanted = store.create_session(title="needle in the title")
    store.create_session(title="current")
    panel.search_box.value = "needle"
    panel.search_results.open_buttons[0].click()
    assert panel.session_id == wanted.id
    assert found(panel) == []


def test_opening_a_hit_a_few_pages_back_loads_the_pages_down_to_it(store):
    fill(store, 1_000)
    panel = ChatPanel(store, window=100, page_size=25, max_live=500)
    [hit] = store.search('"message 700"')
    panel.open_hit(hit)
    assert [">message 700<" in html for html in found(panel)] == [True]
    assert panel.transcript.at_end
    assert panel.transcript.live_message_count == 300  # messages 700 to 999
    panel.close()


def test_opening_a_hit_far_back_shows_a_window_around_it_and_a_way_back_to_the_latest(store):
    fill(store, 5_000)
    panel = ChatPanel(store, window=100, page_size=25, max_live=500)
    [hit] = store.search('"message 10"')
    panel.open_hit(hit)
    assert [">message 10<" in html for html in found(panel)] == [True]
    assert panel.transcript.live_message_count <= 125
    assert panel.transcript.later_button in panel.transcript.children
    assert "(4,900 later not shown)" in panel.transcript.later_button.description

    panel.transcript.later_button.click()
    assert panel.transcript.at_end
    assert "message 4999" in shown(panel)[-1]
    panel.close()


def test_a_message_added_while_reading_far_back_is_counted_not_shown(store):
    fill(store, 5_000)
    panel = ChatPanel(store, window=100, page_size=25)
    panel.open_hit(store.search('"message 10"')[0])
    store.add_message_to_current_session(role="user", content="a new one")
    assert "a new one" not in "".join(shown(panel))
    assert "(4,901 later not shown)" in panel.transcript.later_button.description
    assert panel.count_label.value == "5,001 messages"
    panel.close()


def test_adding_a_message_while_reading_far_back_shows_the_latest_with_it(store):
    fill(store, 5_000)
    panel = ChatPanel(store, window=100, page_size=25)
    panel.open_hit(store.search('"message 10"')[0])
    add(panel, "my new question")
    assert panel.transcript.at_end
    assert "my new question" in shown(panel)[-1]
    panel.close()


def test_a_hit_in_an_imported_session_with_times_out_of_order_is_found(panel, store):
    session = store.get_session(fill(store, 300))
    later = session.messages[-1].timestamp + timedelta(days=1)
    out_of_order = [replace(m, timestamp=later) if m.content == "message 10" else m for m in session.messages]
    [imported] = store.import_sessions([replace(session, messages=out_of_order)]).sessions
    hit = next(hit for hit in store.search('"message 10"') if hit.session_id == imported.id)
    panel.open_hit(hit)
    assert [">message 10<" in html for html in found(panel)] == [True]


def test_a_hit_another_process_added_since_this_store_last_looked_opens(workspace_file):
    with open_store(workspace_file) as store, open_store(workspace_file) as elsewhere:
        session = store.create_session(title="shared")
        panel = ChatPanel(store)
        elsewhere.add_message(session.id, role="user", content="written elsewhere")  # not polled by `store` yet
        [hit] = store.search("elsewhere")
        panel.open_hit(hit)
        assert ["written elsewhere" in html for html in found(panel)] == [True]
        panel.close()
