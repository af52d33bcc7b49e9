"""Acting on sessions from the sidebar, in a real JupyterLab: rename in place, export and import files, the
chat in the main area, the split kept across reloads, copying code, and long sessions from their start.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Locator, expect
from sidebar_helpers import (
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
    unique,
)

from codex_jupyter.formats import read_file

pytestmark = pytest.mark.browser


def title_of(lab, session_id: str) -> str:
    return api(lab, "GET", f"sessions/{session_id}?limit=0")["title"]


def rename_box(sidebar: Locator) -> Locator:
    return sidebar.get_by_role("textbox", name="New title")


def context_menu(lab, item: Locator, entry: str) -> None:
    """Right-click ``item`` and choose ``entry`` in Lab's context menu."""
    item.click(button="right")
    lab.page.locator(".lm-Menu").get_by_role("menuitem", name=entry, exact=True).click()


def test_a_session_renamed_in_the_sidebar_is_seen_through_rest_and_by_codex_sessions(lab):
    before, after = unique("before renaming"), unique("renamed in the sidebar")
    session_id = create_session(lab, before)
    lab.write_notebook("renamed.ipynb", ["%load_ext codex_jupyter", "%codex_sessions"])
    lab.open_notebook("renamed.ipynb")
    sidebar = open_sidebar(lab)

    session_item(sidebar, before).dblclick()
    rename_box(sidebar).fill(after)
    rename_box(sidebar).press("Enter")
    expect(session_item(sidebar, after)).to_be_visible()
    assert title_of(lab, session_id) == after
    lab.run_cell(0)
    lab.run_cell(1)
    expect(lab.cell(1).locator(".jp-OutputArea")).to_contain_text(after)


def test_f2_renames_the_focused_session_and_escape_keeps_its_title(lab):
    title = unique("kept")
    session_id = create_session(lab, title)
    open_lab(lab)
    sidebar = open_sidebar(lab)
    session_item(sidebar, title).focus()
    lab.page.keyboard.press("F2")
    expect(rename_box(sidebar)).to_be_focused()
    lab.page.keyboard.type("not this")
    lab.page.keyboard.press("Escape")
    expect(session_item(sidebar, title)).to_be_focused()
    assert title_of(lab, session_id) == title


def test_rename_session_on_the_context_menu_renames_that_session(lab):
    title, renamed = unique("right-clicked"), unique("renamed from the menu")
    session_id = create_session(lab, title)
    open_lab(lab)
    sidebar = open_sidebar(lab)
    context_menu(lab, session_item(sidebar, title), "Rename Session")
    rename_box(sidebar).fill(renamed)
    rename_box(sidebar).press("Enter")
    lab.wait_for(lambda: title_of(lab, session_id) == renamed, "the session to be renamed")


def test_export_as_json_downloads_a_file_that_loads_back_as_the_session(lab, tmp_path):
    title = unique("exported")
    create_session(lab, title, ("user", "Why does groupby drop NaN keys?"), ("assistant", "Pass `dropna=False`."))
    open_lab(lab)
    sidebar = open_sidebar(lab)
    with lab.page.expect_download() as downloading:
        context_menu(lab, session_item(sidebar, title), "Export as JSON")
    download = downloading.value
    assert download.suggested_filename == f"{title}.json"
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    json.loads(path.read_text())  # JSON
    [session] = read_file(path).sessions
    assert session.title == title
    assert [(m.role, m.content) for m in session.messages] == [
        ("user", "Why does groupby drop NaN keys?"),
        ("assistant", "Pass `dropna=False`."),
    ]


def test_import_sessions_adds_the_sessions_of_the_file_picked_and_opens_the_first(lab, tmp_path):
    title = unique("imported")
    source = create_session(lab, title, ("user", "came in a file"))
    path = tmp_path / "export.json"
    path.write_text(json.dumps(api(lab, "GET", f"sessions/{source}/export?format=json")))
    open_lab(lab)
    sidebar = open_sidebar(lab)
    with lab.page.expect_file_chooser() as choosing:
        sidebar.get_by_role("button", name="Import Sessions…").click()
    choosing.value.set_files(str(path))

    expect(lab.page.locator(".Toastify")).to_contain_text(f"Imported 1 session (1 message) from {path.name}.")
    expect(sidebar.locator(WORKSPACE_LIST).get_by_role("option", name=title)).to_have_count(2)  # a new one beside
    expect(message(sidebar.locator(".codex-Transcript"), "came in a file")).to_be_visible()


def test_the_main_area_view_follows_live_changes(lab):
    title = unique("in the main area")
    session_id = create_session(lab, title, ("user", "the first words"))
    open_lab(lab)
    open_session(open_sidebar(lab), title)
    execute(lab, "codex-jupyter:open-in-main-area")
    main = lab.page.locator("#codex-jupyter-chat")
    expect(lab.page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text=title)).to_be_visible()
    transcript = main.locator(".codex-Transcript")
    expect(message(transcript, "the first words")).to_be_visible()

    api(lab, "POST", f"sessions/{session_id}/messages", {"role": "assistant", "content": "written elsewhere"})
    said = message(transcript, "written elsewhere")
    expect(said).to_be_visible()
    lab.wait_for(lambda: on_screen(said, transcript), "the new message in view in the main area")


def section_sizes(sidebar: Locator) -> list[float]:
    """The heights of the sidebar's two sections, Sessions and Chat."""
    boxes = (sidebar.locator(section).bounding_box() for section in (".codex-Sessions", ".codex-Chat"))
    return [box["height"] for box in boxes]


def saved_layout(lab) -> object:
    """The split as Lab saved it in its workspace on the server."""
    workspace = lab.page.evaluate(
        """async () => {
            const workspaces = window.jupyterapp.serviceManager.workspaces;
            return (await workspaces.fetch('default')).data;
        }"""
    )
    return workspace.get("codex-jupyter:sidebar-layout")


def test_the_split_between_sessions_and_chat_keeps_its_proportions_after_a_reload(lab):
    open_lab(lab)
    sidebar = open_sidebar(lab)
    handle = sidebar.locator(".lm-AccordionPanel > .lm-SplitPanel-handle:not(.lm-mod-hidden)")  # between the sections
    box = handle.bounding_box()
    lab.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    lab.page.mouse.down()
    lab.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 200, steps=5)
    lab.page.mouse.up()
    sessions, chat = section_sizes(sidebar)
    lab.wait_for(lambda: saved_layout(lab) is not None, "Lab to save the split in its workspace")

    lab.page.goto(lab.server.url("/lab"))
    lab.page.evaluate("() => window.jupyterapp.restored")
    sidebar = open_sidebar(lab)
    lab.wait_for(
        lambda: abs(section_sizes(sidebar)[0] / sum(section_sizes(sidebar)) - sessions / (sessions + chat)) < 0.02,
        "the sections to have the proportions they had",
    )


def test_a_code_block_copy_button_copies_its_code(lab):
    title = unique("with code")
    code = "df.groupby('key', dropna=False)['value'].sum()"
    create_session(lab, title, ("assistant", f"Like this:\n\n```python\n{code}\n```"))
    lab.page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    open_lab(lab)
    transcript = open_session(open_sidebar(lab), title)
    copy = message(transcript, "Like this").get_by_role("button", name="Copy code")
    copy.click()
    lab.wait_for(lambda: lab.page.evaluate("() => navigator.clipboard.readText()") == code, "the code on the clipboard")


def test_jump_to_first_message_shows_the_start_of_a_long_session(lab):
    title = unique("long")
    create_session(lab, title, *(("user", f"message number {n}.") for n in range(250)))
    open_lab(lab)
    sidebar = open_sidebar(lab)
    transcript = open_session(sidebar, title)
    expect(message(transcript, "message number 249.")).to_be_visible()

    transcript.get_by_role("button", name="Jump to first message").click()
    first = message(transcript, "message number 0.")
    expect(first).to_be_visible()
    lab.wait_for(lambda: on_screen(first, transcript), "the first message in view")
    expect(transcript.locator(".codex-Message")).to_have_count(100)
    transcript.get_by_role("button", name="Jump to latest").click()
    expect(message(transcript, "message number 249.")).to_be_visible()


@pytest.mark.parametrize("theme", ["JupyterLab Light", "JupyterLab Dark"])
def test_a_screenshot_of_the_main_area_view_is_saved(lab, theme):
    slug = theme.split()[-1].lower()
    title = unique("groupby, in the main area")
    create_session(
        lab,
        title,
        ("user", "Why does my `groupby` drop rows whose key is NaN?"),
        (
            "assistant",
            "By default `groupby` excludes NaN keys. Pass `dropna=False` to keep them:\n\n"
            "```python\ndf.groupby('key', dropna=False)['value'].sum()\n```",
        ),
        ("user", "Thanks, that works!"),
    )
    open_lab(lab)
    try:
        change_theme(lab, theme)
        open_session(open_sidebar(lab), title)
        execute(lab, "codex-jupyter:open-in-main-area")
        main = lab.page.locator("#codex-jupyter-chat")
        expect(message(main.locator(".codex-Transcript"), "Thanks, that works!")).to_be_visible()
        expect(chat_title(lab.page.locator("#codex-jupyter-sidebar"), title)).to_be_visible()
        path = lab.screenshot(f"main_area_{slug}")
    finally:
        change_theme(lab, "JupyterLab Light")  # the setting is the server's
    assert path.stat().st_size > 0
