"""The "Codex" sidebar in a real JupyterLab, in Chromium: listing, sending, live updates, safety, and its look.

The store is the server's workspace file, shared by every test of the session: each test creates
the sessions it needs through the REST API, with titles no other test uses (see sidebar_helpers).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, expect
from sidebar_helpers import (
    SIDEBAR,
    WORKSPACE_LIST,
    api,
    change_theme,
    chat_title,
    create_session,
    execute,
    message,
    on_screen,
    open_lab,
    open_session,
    open_sidebar,
    session_item,
    stored_messages,
    unique,
)

from codex_jupyter import open_store

pytestmark = pytest.mark.browser


def test_the_sidebar_opens_from_its_command_and_its_tab_and_lists_the_stored_sessions(lab):
    older = unique("older session")
    newer = unique("newer session")
    create_session(lab, older)
    create_session(lab, newer, ("user", "one"), ("assistant", "two"))
    open_lab(lab)

    sidebar = open_sidebar(lab)
    expect(sidebar.locator(".codex-Composer-text")).to_be_focused()
    expect(session_item(sidebar, newer)).to_contain_text("2 messages")
    expect(session_item(sidebar, older)).to_contain_text("0 messages")
    titles = sidebar.locator(".codex-SessionList-title").all_inner_texts()
    assert titles.index(newer) < titles.index(older)  # most recently updated first

    tab = lab.page.locator(f".jp-SideBar.jp-mod-right .lm-TabBar-tab[data-id='{SIDEBAR[1:]}']")
    tab.click()  # the open sidebar's tab collapses it
    expect(sidebar).to_be_hidden()
    tab.click()
    expect(sidebar).to_be_visible()
    expect(session_item(sidebar, newer)).to_be_visible()


def test_a_session_created_elsewhere_appears_in_the_open_list(lab):
    open_lab(lab)
    sidebar = open_sidebar(lab)
    title = unique("created by another client")
    create_session(lab, title)
    expect(session_item(sidebar, title)).to_be_visible()


def test_messages_typed_in_the_sidebar_are_stored(lab):
    title = unique("typed")
    session_id = create_session(lab, title)
    open_lab(lab)
    sidebar = open_sidebar(lab)
    transcript = open_session(sidebar, title)
    text = sidebar.locator(".codex-Composer-text")

    text.click()
    lab.page.keyboard.type("Sent with the button")
    sidebar.get_by_role("button", name="Add", exact=True).click()
    expect(message(transcript, "Sent with the button")).to_be_visible()
    expect(text).to_have_value("")

    sidebar.get_by_label("Add as").select_option("assistant")
    text.click()
    lab.page.keyboard.type("Sent with Enter")
    lab.page.keyboard.press("Shift+Enter")
    lab.page.keyboard.type("on two lines")
    lab.page.keyboard.press("Enter")
    expect(message(transcript, "on two lines")).to_be_visible()

    expected = [("user", "Sent with the button"), ("assistant", "Sent with Enter\non two lines")]
    lab.wait_for(lambda: stored_messages(lab, session_id) == expected, "both messages to be stored")
    expect(transcript.locator(".codex-Message-assistant .codex-Message-role")).to_have_text("assistant")


def test_a_message_sent_with_no_session_open_starts_a_session(lab):
    open_lab(lab)
    sidebar = open_sidebar(lab)
    expect(sidebar.locator(".codex-Transcript")).to_contain_text("No session open")
    content = unique("the first words of a session")
    expect(sidebar.locator(".codex-Composer-text")).to_be_focused()  # by the command
    lab.page.keyboard.type(content)
    lab.page.keyboard.press("Enter")

    expect(chat_title(sidebar, "Untitled session")).to_be_visible()
    expect(message(sidebar.locator(".codex-Transcript"), content)).to_be_visible()
    newest = api(lab, "GET", "sessions?limit=1")["sessions"][0]
    assert stored_messages(lab, newest["id"]) == [("user", content)]


def test_a_message_said_in_a_notebook_appears_in_the_open_transcript_without_reloading(lab):
    title = unique("said in a notebook")
    lab.write_notebook(
        "sidebar_live.ipynb",
        ["%load_ext codex_jupyter", f'%codex_new --title "{title}"', "%%codex_say\nSaid from **the kernel**"],
    )
    lab.open_notebook("sidebar_live.ipynb")
    lab.run_cell(0)
    lab.run_cell(1)
    sidebar = open_sidebar(lab)
    transcript = open_session(sidebar, title)  # listed through the change event: no reload
    expect(transcript).to_contain_text("No messages yet.")
    lab.page.evaluate("() => { window.__codexSamePage = true; }")

    lab.run_cell(2)
    said = message(transcript, "Said from the kernel")
    expect(said).to_be_visible()
    expect(said.locator("strong")).to_have_text("the kernel")  # rendered as Markdown
    expect(session_item(sidebar, title)).to_contain_text("1 message")
    assert lab.page.evaluate("() => window.__codexSamePage") is True


XSS_TITLE = '<img src=x onerror="window.__codexXss=1">'
XSS_MESSAGES = [
    '<img src=x onerror="window.__codexXss=1">',
    "<script>window.__codexXss=1</script>",
    '<svg onload="window.__codexXss=1"></svg>',
    '[click me](javascript:window.__codexXss=1) or <a href="javascript:window.__codexXss=1">raw link</a>',
    "XSS payload end",
]


def test_an_xss_payload_in_a_message_or_title_never_executes(lab):
    create_session(lab, XSS_TITLE, *(("user", content) for content in XSS_MESSAGES))
    open_lab(lab)
    sidebar = open_sidebar(lab)
    item = session_item(sidebar, XSS_TITLE)
    expect(item.locator(".codex-SessionList-title")).to_have_text(XSS_TITLE)  # shown as text
    item.click()
    transcript = sidebar.locator(".codex-Transcript")
    expect(message(transcript, "XSS payload end")).to_be_visible()
    transcript.get_by_text("click me").click()
    transcript.get_by_text("raw link").click()

    dangerous = "script, [onerror], [onload], a[href^='javascript' i]"
    assert sidebar.locator(dangerous).count() == 0
    assert lab.page.evaluate("() => typeof window.__codexXss") == "undefined"


def test_deleting_a_session_asks_first_then_removes_it(lab):
    title = unique("to delete")
    session_id = create_session(lab, title, ("user", "soon gone"))
    open_lab(lab)
    sidebar = open_sidebar(lab)
    open_session(sidebar, title)

    sidebar.get_by_role("button", name="Delete Session").click()
    dialog = lab.page.locator(".jp-Dialog")
    expect(dialog).to_contain_text(title)
    dialog.get_by_role("button", name="Cancel").click()
    assert stored_messages(lab, session_id) == [("user", "soon gone")]

    sidebar.get_by_role("button", name="Delete Session").click()
    dialog.get_by_role("button", name="Delete").click()
    expect(session_item(sidebar, title)).to_have_count(0)
    expect(sidebar.locator(".codex-Transcript")).to_contain_text("No session open")
    sessions = api(lab, "GET", "sessions?limit=1000")["sessions"]
    assert session_id not in [session["id"] for session in sessions]


def test_new_session_starts_an_untitled_session_and_opens_it(lab):
    open_lab(lab)
    sidebar = open_sidebar(lab)
    before = api(lab, "GET", "sessions")["total"]
    execute(lab, "codex-jupyter:new-session")
    expect(chat_title(sidebar, "Untitled session")).to_be_visible()
    expect(sidebar.locator(".codex-Transcript")).to_contain_text("No messages yet.")
    assert api(lab, "GET", "sessions")["total"] == before + 1


def test_the_session_list_works_from_the_keyboard(lab):
    first, second = unique("keyboard first"), unique("keyboard second")
    create_session(lab, first, ("user", "from the first"))
    create_session(lab, second, ("user", "from the second"))
    open_lab(lab)
    sidebar = open_sidebar(lab)

    session_item(sidebar, second).focus()  # the most recent, listed above the other
    lab.page.keyboard.press("ArrowDown")
    expect(session_item(sidebar, first)).to_be_focused()
    lab.page.keyboard.press("Enter")
    expect(message(sidebar.locator(".codex-Transcript"), "from the first")).to_be_visible()
    expect(session_item(sidebar, first)).to_have_attribute("aria-selected", "true")


def test_a_long_session_shows_its_latest_messages_and_earlier_ones_on_request(lab):
    title = unique("long")
    create_session(lab, title, *(("user", f"message number {n}.") for n in range(130)))
    open_lab(lab)
    transcript = open_session(open_sidebar(lab), title)
    expect(message(transcript, "message number 129.")).to_be_visible()
    expect(transcript.locator(".codex-Message")).to_have_count(100)  # one page

    transcript.get_by_role("button", name="Show earlier messages").click()
    expect(transcript.locator(".codex-Message")).to_have_count(130)
    expect(transcript.locator(".codex-Message").first).to_contain_text("message number 0.")
    expect(transcript.get_by_role("button", name="Show earlier messages")).to_have_count(0)


def test_more_sessions_than_one_page_are_listed_on_request(lab):
    titles = [unique("many") for _ in range(101)]
    for title in titles:
        create_session(lab, title)
    open_lab(lab)
    sidebar = open_sidebar(lab)
    expect(session_item(sidebar, titles[-1])).to_be_visible()
    expect(session_item(sidebar, titles[0])).to_have_count(0)  # the 101st most recent

    sidebar.get_by_role("button", name="Show more sessions").click()
    expect(session_item(sidebar, titles[0])).to_have_count(1)


def bottom(locator: Locator) -> float:
    box = locator.bounding_box()
    return box["y"] + box["height"]


def store_sessions(lab, titles: list[str]) -> None:
    """Store sessions straight into the server's workspace file, the first title oldest: fast for many."""
    with open_store(lab.server.workspace_file) as store:
        for title in titles:
            store.create_session(title)


def test_the_session_list_says_how_many_sessions_it_shows_of_how_many_exist(lab):
    store_sessions(lab, [unique("counted") for _ in range(101)])
    open_lab(lab)
    sidebar = open_sidebar(lab)
    expect(sidebar.locator(WORKSPACE_LIST).get_by_role("option")).to_have_count(100)
    total = api(lab, "GET", "sessions?limit=0")["total"]
    count = sidebar.locator(f"{WORKSPACE_LIST} .codex-SessionList-count")
    expect(count).to_have_text(f"Showing 100 of {total:,} sessions")


def test_the_oldest_of_1200_sessions_can_be_reached_and_opened(lab):
    prefix = unique("paged")
    oldest = f"{prefix} oldest"
    with open_store(lab.server.workspace_file) as store:
        store.add_message(store.create_session(oldest).id, role="user", content=f"{prefix}: the oldest words")
    store_sessions(lab, [f"{prefix} {n:04}" for n in range(1, 1200)])
    open_lab(lab)
    sidebar = open_sidebar(lab)
    listed = sidebar.locator(WORKSPACE_LIST).get_by_role("option")
    expect(listed).to_have_count(100)
    item = session_item(sidebar, oldest)
    more = sidebar.get_by_role("button", name="Show more sessions")
    while item.count() == 0:
        shown = listed.count()
        expect(more).to_be_visible()  # more sessions exist than are listed: the way to them is there
        more.click()
        lab.wait_for(lambda shown=shown: listed.count() > shown, "the next page of sessions")

    item.scroll_into_view_if_needed()
    assert on_screen(item, sidebar.locator(".codex-Sessions-scroller"))
    item.click()
    expect(chat_title(sidebar, oldest)).to_be_visible()
    expect(message(sidebar.locator(".codex-Transcript"), f"{prefix}: the oldest words")).to_be_visible()


def test_a_refused_message_shows_one_error_line_and_keeps_the_text(lab):
    title = unique("too large")
    create_session(lab, title)
    open_lab(lab)
    sidebar = open_sidebar(lab)
    open_session(sidebar, title)
    too_large = "x" * (1024 * 1024 + 1)  # over the server's default max_body_bytes

    text = sidebar.locator(".codex-Composer-text")
    text.fill(too_large)
    sidebar.get_by_role("button", name="Add", exact=True).click()
    error = sidebar.locator(".codex-ErrorLine")
    expect(error).to_have_text("Could not send the message. It is too large for the server.")
    assert text.input_value() == too_large
    send = sidebar.get_by_role("button", name="Add", exact=True)
    lab.wait_for(  # the sections made room for the error line: the composer is not pushed under it
        lambda: bottom(send) <= error.bounding_box()["y"] + 1, "the composer to sit above the error line"
    )

    error.get_by_role("button", name="Dismiss").click()
    expect(error).to_be_hidden()


CONVERSATION = [
    ("system", "You are a helpful pandas assistant."),
    ("user", "Why does my `groupby` drop rows whose key is NaN?"),
    (
        "assistant",
        "By default `groupby` excludes NaN keys. Pass `dropna=False` to keep them:\n\n"
        "```python\ndf.groupby('key', dropna=False)['value'].sum()\n```",
    ),
    ("user", "Thanks, that works!"),
]


@pytest.mark.parametrize("theme", ["JupyterLab Light", "JupyterLab Dark"])
def test_a_screenshot_of_the_sidebar_is_saved(lab, theme):
    slug = theme.split()[-1].lower()
    title = unique("groupby questions")
    create_session(lab, title, *CONVERSATION)
    lab.page.set_viewport_size({"width": 1280, "height": 1000})  # room for the whole conversation
    open_lab(lab)
    try:
        change_theme(lab, theme)
        sidebar = open_sidebar(lab)
        transcript = open_session(sidebar, title)
        expect(message(transcript, "Thanks, that works!")).to_be_visible()
        lab.page.locator(".codex-Composer-text").blur()  # the screenshot shows the resting state
        path = lab.screenshot(f"sidebar_{slug}", sidebar)
    finally:
        change_theme(lab, "JupyterLab Light")  # the setting is the server's
    assert path.stat().st_size > 0
