"""The chat panel's tools in a real JupyterLab, in Chromium: Copy on code blocks, rename, search and open a hit."""

from __future__ import annotations

import pytest
from chat_panel_page import long_session, message, on_screen, open_with_panel, settle
from playwright.sync_api import expect

from codex_jupyter import open_store

pytestmark = pytest.mark.browser

CODE = "df.groupby('key', dropna=False)['value'].sum()\nprint('<b>not markup</b>')"


def test_the_copy_button_copies_a_code_block(lab):
    lab.page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=lab.server.base_url)
    shown = open_with_panel(lab, "copy.ipynb", f"%%codex_say --role assistant\nLike this:\n\n```python\n{CODE}\n```")
    lab.run_cell(1)
    block = message(shown, "Like this").locator(".codex-chat-code")
    block.wait_for()
    block.hover()
    lab.screenshot("chat_panel_copy_button", message(shown, "Like this"))

    block.get_by_role("button", name="Copy").click()
    expect(block.get_by_role("button", name="Copied")).to_be_visible()
    assert lab.page.evaluate("navigator.clipboard.readText()") == f"{CODE}\n"


def stored_titles(lab) -> list[str | None]:
    with open_store(lab.server.workspace_file) as store:
        return [session.title for session in store.get_sessions()]


def test_enter_in_the_title_field_renames_the_session(lab):
    shown = open_with_panel(lab, "rename.ipynb", '%codex_new --title "before the rename"')
    lab.run_cell(1)
    expect(shown.locator("select").first).to_contain_text("before the rename")
    shown.get_by_role("button", name="Rename").click()
    title = shown.locator(".codex-chat-rename input")
    expect(title).to_have_value("before the rename")
    title.fill("after the rename")
    lab.screenshot("chat_panel_rename", shown)
    title.press("Enter")

    lab.wait_for(lambda: "after the rename" in stored_titles(lab), "the new title to be stored")
    expect(shown.locator("select").first).to_contain_text("after the rename")
    expect(title).to_be_hidden()


def test_opening_a_search_hit_far_back_shows_the_message_marked_on_screen(lab):
    # The hit's session: not the current one, so opening the hit switches to it. Other tests' long sessions hold
    # "Message 42" too (the server is shared), so this one has a title of its own.
    long_session(lab, 5000, title="far back for the search")
    shown = open_with_panel(lab, "search.ipynb", '%codex_new --title "where the search starts"')
    lab.run_cell(1)
    search = shown.locator(".codex-chat-search input")
    search.fill('"Message 42"')
    search.press("Enter")
    hit = shown.locator(".codex-chat-hits .widget-hbox", has_text="far back for the search")
    hit.wait_for()
    expect(hit.locator("mark")).to_have_text(["Message 42"])
    lab.screenshot("chat_panel_search", shown)

    hit.get_by_role("button", name="Open").click()
    found = shown.locator(".codex-chat-found .codex-chat-msg")
    found.wait_for()
    expect(found.locator(".codex-chat-body")).to_have_text("Message 42")
    settle(lab, shown)
    lab.wait_for(lambda: on_screen(found), "the found message to be scrolled into view")
    expect(shown.locator(".codex-chat-later")).to_contain_text("4,900 later not shown")
    lab.screenshot("chat_panel_search_opened", shown)
