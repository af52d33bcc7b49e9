"""The chat panel in a real JupyterLab, in Chromium: typing, live updates, safe rendering, and its look."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, expect

from codex_jupyter import open_store

pytestmark = pytest.mark.browser

SHOW_PANEL = "%load_ext codex_jupyter\n%codex_chat"


def panel(lab) -> Locator:
    return lab.cell(0).locator(".codex-chat")


def open_with_panel(lab, name: str, *cells: str) -> Locator:
    """Open a notebook whose first cell shows the panel, run that cell, and return the panel."""
    lab.write_notebook(name, [SHOW_PANEL, *cells])
    lab.open_notebook(name)
    lab.run_cell(0)
    shown = panel(lab)
    shown.locator("textarea").wait_for()
    return shown


def stored_contents(lab) -> list[str]:
    with open_store(lab.server.workspace_file) as store:
        return [message.content for session in store.get_sessions() for message in session.messages]


def test_typing_and_clicking_send_stores_the_message(lab):
    shown = open_with_panel(lab, "send.ipynb")
    assert "No session yet" in shown.inner_text()
    shown.locator("textarea").click()
    lab.page.keyboard.type("Typed in Chromium")
    shown.get_by_role("button", name="Send").click()

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
