"""The "Codex" sidebar in a real JupyterLab, in Chromium: listing, sending, live updates, safety, and its look.

The store is the server's workspace file, shared by every test of the session: each test creates
the sessions it needs through the REST API, with titles no other test uses.
"""

from __future__ import annotations

import json
import urllib.request
import uuid
from typing import Any

import pytest
from playwright.sync_api import Locator, expect

from codex_jupyter import open_store

pytestmark = pytest.mark.browser

OPEN_CHAT = "codex-jupyter:open-chat"
SIDEBAR = "#codex-jupyter-sidebar"


def unique(title: str) -> str:
    return f"{title} {uuid.uuid4().hex[:8]}"


def api(lab, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """Call the codex REST API with the server's token; the decoded JSON answer (None for 204)."""
    request = urllib.request.Request(
        f"{lab.server.base_url}/codex/api/{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {lab.server.token}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        raw = response.read()
    return json.loads(raw) if raw else None


def create_session(lab, title: str, *messages: tuple[str, str]) -> str:
    """Store a session with ``(role, content)`` messages; return its id."""
    session_id = api(lab, "POST", "sessions", {"title": title})["id"]
    for role, content in messages:
        api(lab, "POST", f"sessions/{session_id}/messages", {"role": role, "content": content})
    return session_id


def stored_messages(lab, session_id: str) -> list[tuple[str, str]]:
    return [(m["role"], m["content"]) for m in api(lab, "GET", f"sessions/{session_id}")["messages"]]


def execute(lab, command: str, args: dict[str, Any] | None = None) -> Any:
    return lab.page.evaluate(
        "([command, args]) => window.jupyterapp.commands.execute(command, args)", [command, args or {}]
    )


def open_lab(lab) -> None:
    """Load JupyterLab with only a launcher open (``reset`` drops earlier tests' layout), once it is settled.

    After start-up, Lab may open a launcher when the main area is empty, which takes the focus,
    at a moment that depends on the file browser's first listing. Opening one first leaves
    nothing to come later and take the focus from the sidebar.
    """
    lab.page.goto(lab.server.url("/lab", "&reset"))
    lab.page.wait_for_function("() => window.jupyterapp !== undefined")
    lab.page.evaluate("() => window.jupyterapp.restored")
    execute(lab, "launcher:create")


def open_sidebar(lab) -> Locator:
    execute(lab, OPEN_CHAT)
    sidebar = lab.page.locator(SIDEBAR)
    expect(sidebar).to_be_visible()
    return sidebar


def session_item(sidebar: Locator, title: str) -> Locator:
    return sidebar.get_by_role("option", name=title)


def open_session(sidebar: Locator, title: str) -> Locator:
    """Click a session in the list; return its transcript once loaded."""
    session_item(sidebar, title).click()
    expect(sidebar.locator(".jp-AccordionPanel-title", has_text=title)).to_be_visible()
    return sidebar.locator(".codex-Transcript")


def bottom(locator: Locator) -> float:
    box = locator.bounding_box()
    return box["y"] + box["height"]


def message(transcript: Locator, text: str) -> Locator:
    return transcript.locator(".codex-Message", has_text=text)


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
    sidebar.get_by_role("button", name="Send").click()
    expect(message(transcript, "Sent with the button")).to_be_visible()
    expect(text).to_have_value("")

    sidebar.get_by_label("Send as").select_option("assistant")
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

    expect(sidebar.locator(".jp-AccordionPanel-title", has_text="Untitled session")).to_be_visible()
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
    expect(sidebar.locator(".jp-AccordionPanel-title", has_text="Untitled session")).to_be_visible()
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


def store_sessions(lab, titles: list[str]) -> None:
    """Store sessions straight into the server's workspace file, the first title oldest: fast for many."""
    with open_store(lab.server.workspace_file) as store:
        for title in titles:
            store.create_session(title)


def on_screen(item: Locator, scroller: Locator) -> bool:
    """Whether a person sees ``item``: its centre is inside ``scroller``'s visible rectangle, and not covered."""
    return item.evaluate(
        """(element, scroller) => {
            const box = element.getBoundingClientRect();
            const view = scroller.getBoundingClientRect();
            const x = box.left + box.width / 2;
            const y = box.top + box.height / 2;
            const inside = view.left <= x && x <= view.right && view.top <= y && y <= view.bottom;
            const hit = document.elementFromPoint(x, y);
            return inside && hit !== null && element.contains(hit);
        }""",
        scroller.element_handle(),
    )


def test_the_session_list_says_how_many_sessions_it_shows_of_how_many_exist(lab):
    store_sessions(lab, [unique("counted") for _ in range(101)])
    open_lab(lab)
    sidebar = open_sidebar(lab)
    expect(sidebar.locator(".codex-SessionList").get_by_role("option")).to_have_count(100)
    total = api(lab, "GET", "sessions?limit=0")["total"]
    expect(sidebar.locator(".codex-SessionList-count")).to_have_text(f"Showing 100 of {total:,} sessions")


def test_the_oldest_of_1200_sessions_can_be_reached_and_opened(lab):
    prefix = unique("paged")
    oldest = f"{prefix} oldest"
    with open_store(lab.server.workspace_file) as store:
        store.add_message(store.create_session(oldest).id, role="user", content=f"{prefix}: the oldest words")
    store_sessions(lab, [f"{prefix} {n:04}" for n in range(1, 1200)])
    open_lab(lab)
    sidebar = open_sidebar(lab)
    listed = sidebar.locator(".codex-SessionList").get_by_role("option")
    expect(listed).to_have_count(100)
    item = session_item(sidebar, oldest)
    more = sidebar.get_by_role("button", name="Show more sessions")
    while item.count() == 0:
        shown = listed.count()
        expect(more).to_be_visible()  # more sessions exist than are listed: the way to them is there
        more.click()
        lab.wait_for(lambda shown=shown: listed.count() > shown, "the next page of sessions")

    item.scroll_into_view_if_needed()
    assert on_screen(item, sidebar.locator(".codex-SessionList"))
    item.click()
    expect(sidebar.locator(".jp-AccordionPanel-title", has_text=oldest)).to_be_visible()
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
    sidebar.get_by_role("button", name="Send").click()
    error = sidebar.locator(".codex-ErrorLine")
    expect(error).to_have_text("Could not send the message. This message is too large for the server.")
    assert text.input_value() == too_large
    send = sidebar.get_by_role("button", name="Send")
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
        execute(lab, "apputils:change-theme", {"theme": theme})
        lab.page.wait_for_function(
            "light => document.body.dataset.jpThemeLight === light", arg=str(slug == "light").lower()
        )
        sidebar = open_sidebar(lab)
        transcript = open_session(sidebar, title)
        expect(message(transcript, "Thanks, that works!")).to_be_visible()
        lab.page.locator(".codex-Composer-text").blur()  # the screenshot shows the resting state
        path = lab.screenshot(f"sidebar_{slug}", sidebar)
    finally:
        execute(lab, "apputils:change-theme", {"theme": "JupyterLab Light"})  # the setting is the server's
    assert path.stat().st_size > 0
