"""The chat panel in a real JupyterLab, in Chromium: typing, live updates, safe rendering, and its look."""

from __future__ import annotations

import pytest
from chat_panel_page import (
    ON_SCREEN,
    SETTLED,
    message,
    on_screen,
    open_long_session,
    open_with_panel,
    scroller_of,
    settle,
    stored_contents,
)
from playwright.sync_api import Locator, expect

pytestmark = pytest.mark.browser


def test_typing_and_clicking_add_stores_the_message(lab):
    shown = open_with_panel(lab, "add.ipynb")
    assert "No session yet" in shown.inner_text()
    shown.locator("textarea").click()
    lab.page.keyboard.type("Typed in Chromium")
    shown.get_by_role("button", name="Add").click()

    lab.wait_for(lambda: "Typed in Chromium" in stored_contents(lab), "the typed message to be stored")
    shown.locator(".codex-chat-msg", has_text="Typed in Chromium").wait_for()
    expect(shown.locator("textarea")).to_have_value("")


def test_a_message_said_in_another_cell_appears_in_the_panel(lab):
    shown = open_with_panel(lab, "live.ipynb", "%%codex_say\nSaid in **another cell**")
    lab.run_cell(1)
    message = shown.locator(".codex-chat-msg", has_text="Said in another cell")
    message.wait_for()
    assert message.locator("strong").inner_text() == "another cell"  # rendered as Markdown


XSS_TITLE = "<img src=x onerror=\"window.codexXss='title'\">"
XSS_MESSAGE = """\
<img src=x onerror="window.codexXss='img'">
<script>window.codexXss = 'script'</script>
<svg onload="window.codexXss='svg'"></svg>

[markdown link](javascript:window.codexXss='link') and <a href="javascript:window.codexXss='a'">raw link</a>

XSS payload end"""


def test_an_xss_payload_in_a_message_does_not_execute(lab):
    shown = open_with_panel(
        lab,
        "xss.ipynb",
        f"import codex_jupyter\ncodex_jupyter.get_store().create_session(title={XSS_TITLE!r});",
        f"%%codex_say\n{XSS_MESSAGE}",
    )
    lab.run_cell(1)
    lab.run_cell(2)
    message = shown.locator(".codex-chat-msg", has_text="XSS payload end")
    message.wait_for()
    message.get_by_text("markdown link").click()

    assert shown.locator("img, script, svg, [onerror], [onload], a[href^='javascript']").count() == 0
    assert "<img src=x" in message.inner_text()  # shown as text
    assert XSS_TITLE in shown.locator("select").first.inner_text().replace("\xa0", " ")  # ipywidgets uses nbsp
    assert lab.page.evaluate("typeof window.codexXss") == "undefined"


CONVERSATION = [
    "%%codex_say --role system\nYou are a helpful pandas assistant.",
    "%%codex_say\nWhy does my `groupby` drop rows whose key is NaN?",
    "%%codex_say --role assistant\n"
    "By default `groupby` excludes NaN keys. Pass `dropna=False` to keep them:\n\n"
    "```python\ndf.groupby('key', dropna=False)['value'].sum()\n```",
    "%%codex_say\nThanks, that works!",
]


@pytest.mark.parametrize("theme", ["JupyterLab Light", "JupyterLab Dark"])
def test_a_screenshot_of_the_panel_is_saved(lab, theme):
    slug = theme.split()[-1].lower()
    shown = open_with_panel(lab, f"screenshot-{slug}.ipynb", '%codex_new --title "groupby questions"', *CONVERSATION)
    change_theme = "theme => window.jupyterapp.commands.execute('apputils:change-theme', {theme})"
    lab.page.evaluate(change_theme, theme)
    for index in range(1, len(CONVERSATION) + 2):
        lab.run_cell(index)
    shown.locator(".codex-chat-msg", has_text="Thanks, that works!").wait_for()
    lab.page.wait_for_function(
        "light => document.body.dataset.jpThemeLight === light", arg=str(slug == "light").lower()
    )

    path = lab.screenshot(f"chat_panel_{slug}", shown)
    lab.page.evaluate(change_theme, "JupyterLab Light")  # the setting is the server's: leave it as found
    assert path.stat().st_size > 0


# -- long sessions: what a reader sees in the scroller ----------------------------------------------------

SIZES = [12, 30, 5000]
JUST_SAID = "Just said in another cell"

# Elements inside the scroller that scroll or clip vertically on their own: each is a box squeezed smaller than
# its content, so part of a message (or of the "Show earlier" button) is cut off.
INNER_SCROLL_AREAS = """scroller => [...scroller.querySelectorAll('*')]
    .filter(element => ['auto', 'scroll', 'hidden'].includes(getComputedStyle(element).overflowY)
                       && element.scrollHeight > element.clientHeight + 1)
    .map(element => `${element.tagName.toLowerCase()}.${[...element.classList].join('.')}`
                    + ` ${element.clientHeight}px showing ${element.scrollHeight}px`)"""

MESSAGES_ON_SCREEN = f"""scroller => {{
    const onScreen = {ON_SCREEN};
    return [...scroller.querySelectorAll('.codex-chat-msg')].filter(onScreen)
        .map(message => message.querySelector('.codex-chat-body').innerText.trim());
}}"""


@pytest.mark.parametrize("count", SIZES)
def test_the_panel_opens_scrolled_to_the_latest_message(lab, count):
    shown = open_long_session(lab, count, f"%%codex_say\n{JUST_SAID}")
    lab.screenshot(f"chat_panel_{count}_messages", shown)
    assert on_screen(message(shown, f"Message {count - 1}"))


@pytest.mark.parametrize("count", SIZES)
def test_a_message_said_in_another_cell_is_on_screen(lab, count):
    shown = open_long_session(lab, count, f"%%codex_say\n{JUST_SAID}")
    lab.run_cell(1)
    message(shown, JUST_SAID).wait_for()
    settle(lab, shown)
    assert on_screen(message(shown, JUST_SAID))


@pytest.mark.parametrize("count", SIZES)
def test_a_new_message_does_not_pull_a_reader_who_scrolled_up_down(lab, count):
    shown = open_long_session(lab, count, f"%%codex_say\n{JUST_SAID}")
    scroller = scroller_of(shown)
    bottom = scroller.evaluate("element => element.scrollTop")
    box = scroller.bounding_box()
    lab.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    lab.page.mouse.wheel(0, -250)
    lab.wait_for(
        lambda: scroller.evaluate("element => element.scrollTop") < bottom - 200,
        "the scroller to scroll up",
        timeout=20,
    )
    lab.page.evaluate(SETTLED)
    reading = [m for m in shown.locator(".codex-chat-msg").all() if on_screen(m)]
    assert reading, "no message on screen after scrolling up"
    middle = reading[len(reading) // 2]

    lab.run_cell(1)
    message(shown, JUST_SAID).wait_for(state="attached")
    settle(lab, shown)
    assert on_screen(middle)
    assert not on_screen(message(shown, JUST_SAID))


def scroll_to_top(lab, shown: Locator) -> None:
    scroller_of(shown).evaluate("element => element.scrollBy(0, -element.scrollHeight)")
    lab.page.evaluate(SETTLED)


def read_through(lab, shown: Locator) -> list[str]:
    """Scroll from where the scroller is to its end, half a screen at a time; the messages seen, in order."""
    scroller = scroller_of(shown)
    seen: list[str] = []
    while True:
        for text in scroller.evaluate(MESSAGES_ON_SCREEN):
            if text not in seen:
                seen.append(text)
        before = scroller.evaluate("element => element.scrollTop")
        scroller.evaluate("element => element.scrollBy(0, element.clientHeight / 2)")
        lab.page.evaluate(SETTLED)
        if scroller.evaluate("element => element.scrollTop") == before:
            return seen


def test_show_earlier_is_a_normal_size_button_at_the_top(lab):
    shown = open_long_session(lab, 5000)
    scroll_to_top(lab, shown)
    earlier = shown.locator(".codex-chat-earlier")
    assert on_screen(earlier)
    assert earlier.bounding_box()["height"] == shown.get_by_role("button", name="New session").bounding_box()["height"]


def test_after_loading_earlier_messages_every_message_reads_whole_and_in_order(lab):
    shown = open_long_session(lab, 5000)
    scroll_to_top(lab, shown)
    shown.locator(".codex-chat-earlier").click()
    lab.wait_for(lambda: shown.locator(".codex-chat-msg").count() == 200, "the earlier messages to load")
    lab.page.evaluate(SETTLED)
    lab.screenshot("chat_panel_5000_messages_earlier", shown)

    assert on_screen(message(shown, "Message 4800"))  # the loaded messages start under the button just clicked
    assert scroller_of(shown).evaluate(INNER_SCROLL_AREAS) == []
    assert read_through(lab, shown) == [f"Message {index}" for index in range(4800, 5000)]
