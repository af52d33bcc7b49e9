"""Searching every session from the sidebar, in a real JupyterLab: results show the session and a snippet with
the words found marked; opening one shows the session at that message, scrolled into view and highlighted.
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Locator, expect
from sidebar_helpers import (
    api,
    change_theme,
    chat_title,
    create_session,
    message,
    on_screen,
    open_lab,
    open_sidebar,
    unique,
)

from codex_jupyter import open_store

pytestmark = pytest.mark.browser


def search_box(sidebar: Locator) -> Locator:
    return sidebar.get_by_role("combobox", name="Search sessions")


def results(sidebar: Locator) -> Locator:
    return sidebar.locator(".codex-SearchResults-item")


def test_search_finds_a_message_a_kernel_added_and_opens_it_scrolled_into_view(lab):
    title, word = unique("long search"), f"needle{uuid.uuid4().hex[:8]}"
    said = f"%%codex_say\nThe {word} is in this message, said by the kernel."
    lab.write_notebook("search.ipynb", ["%load_ext codex_jupyter", f'%codex_new --title "{title}"', said])
    lab.open_notebook("search.ipynb")
    for index in range(3):
        lab.run_cell(index)
    session_id = api(lab, "GET", "current?path=search.ipynb")["session"]["id"]
    with open_store(lab.server.workspace_file) as store:  # 150 later messages: the one found is far back
        for n in range(150):
            store.add_message(session_id, role="assistant", content=f"later message {n}")
    sidebar = open_sidebar(lab)
    sidebar.locator(".codex-Transcript").focus()
    lab.page.keyboard.press("/")
    expect(search_box(sidebar)).to_be_focused()
    lab.page.keyboard.type(word)
    hit = results(sidebar).filter(has_text=title)
    expect(hit).to_have_count(1)
    expect(hit.locator("mark")).to_have_text(word)
    lab.page.keyboard.press("ArrowDown")
    expect(hit).to_have_attribute("aria-selected", "true")
    lab.page.keyboard.press("Enter")

    expect(chat_title(sidebar, title)).to_be_visible()
    transcript = sidebar.locator(".codex-Transcript")
    found = message(transcript, word)
    expect(found).to_have_class(re.compile(r"\bcodex-mod-found\b"))  # highlighted
    lab.wait_for(lambda: on_screen(found, transcript), "the message found to be scrolled into view")


def test_ctrl_f_in_the_sidebar_puts_the_cursor_in_the_search_box(lab):
    open_lab(lab)
    sidebar = open_sidebar(lab)
    sidebar.locator(".codex-Transcript").focus()
    lab.page.keyboard.press("Control+f")
    expect(search_box(sidebar)).to_be_focused()


def test_escape_clears_the_search_and_the_sessions_come_back(lab):
    title = unique("listed again")
    create_session(lab, title)
    open_lab(lab)
    sidebar = open_sidebar(lab)
    search_box(sidebar).fill("nothing-like-this-anywhere")
    expect(sidebar.locator(".codex-SearchResults-status")).to_have_text("Nothing found.")
    search_box(sidebar).press("Escape")
    expect(search_box(sidebar)).to_have_value("")
    expect(sidebar.get_by_role("option", name=title)).to_be_visible()


@pytest.mark.parametrize("theme", ["JupyterLab Light", "JupyterLab Dark"])
def test_a_screenshot_of_search_results_is_saved(lab, theme):
    slug = theme.split()[-1].lower()
    word = f"pivot{uuid.uuid4().hex[:6]}"
    create_session(
        lab,
        unique("reshaping"),
        ("user", f"How do I {word} a long table into a wide one?"),
        ("assistant", f"Use `df.{word}(index='day', columns='city', values='sales')`; {word} needs unique pairs."),
    )
    create_session(lab, f"{word} tables", ("user", "A session found by its title"))
    open_lab(lab)
    try:
        change_theme(lab, theme)
        sidebar = open_sidebar(lab)
        search_box(sidebar).fill(word)
        expect(results(sidebar)).to_have_count(3)
        path = lab.screenshot(f"sidebar_search_{slug}", sidebar)
    finally:
        change_theme(lab, "JupyterLab Light")  # the setting is the server's
    assert path.stat().st_size > 0
