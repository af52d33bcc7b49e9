"""The sidebar as the active notebook's companion, in a real JupyterLab: it opens and marks the notebook's
current session, follows ``%codex_new`` there and the switch to another notebook, makes a session the
notebook's own with "Use in this notebook", and reads and writes the sessions a notebook keeps inside it.
"""

from __future__ import annotations

import nbformat
import pytest
from playwright.sync_api import Locator, expect
from sidebar_helpers import (
    NOTEBOOK_LIST,
    WORKSPACE_LIST,
    api,
    chat_title,
    create_session,
    execute,
    message,
    open_sidebar,
    session_item,
    stored_messages,
    unique,
)

pytestmark = pytest.mark.browser

LOAD = "%load_ext codex_jupyter"


def new_session_cell(title: str) -> str:
    return f'%codex_new --title "{title}"'


def open_another_notebook(lab, name: str) -> None:
    """Open notebook ``name`` beside those open (as a double-click in the file browser does); wait until it is ready."""
    execute(lab, "docmanager:open", {"path": name})
    lab.wait_until_open(name)


def marked_current(sidebar: Locator, title: str) -> Locator:
    return session_item(sidebar, title).locator(".codex-SessionList-current")


def notebook_bar(sidebar: Locator) -> Locator:
    """The line above the transcript telling whether the open session is the active notebook's."""
    return sidebar.locator(".codex-NotebookBar")


def use_here(sidebar: Locator) -> Locator:
    return notebook_bar(sidebar).get_by_role("button", name="Use in this notebook")


def test_codex_new_in_the_active_notebook_opens_its_session_in_the_sidebar_marked_current(lab):
    title = unique("made by codex_new")
    lab.write_notebook("follow_new.ipynb", [LOAD, new_session_cell(title)])
    lab.open_notebook("follow_new.ipynb")
    sidebar = open_sidebar(lab)
    lab.run_cell(0)
    lab.run_cell(1)

    expect(chat_title(sidebar, title)).to_be_visible()
    expect(marked_current(sidebar, title)).to_have_text("current")
    expect(notebook_bar(sidebar).locator(".codex-NotebookBar-text")).to_have_text(
        "The current session of follow_new.ipynb"
    )
    expect(use_here(sidebar)).to_be_hidden()


def test_switching_notebooks_opens_the_current_session_of_the_notebook_switched_to(lab):
    first, second = unique("first notebook's"), unique("second notebook's")
    lab.write_notebook("switch_a.ipynb", [LOAD, new_session_cell(first)])
    lab.write_notebook("switch_b.ipynb", [LOAD, new_session_cell(second)])
    lab.open_notebook("switch_a.ipynb")
    lab.run_cell(0)
    lab.run_cell(1)
    open_another_notebook(lab, "switch_b.ipynb")
    lab.run_cell(0)
    lab.run_cell(1)
    sidebar = open_sidebar(lab)
    expect(chat_title(sidebar, second)).to_be_visible()

    execute(lab, "docmanager:open", {"path": "switch_a.ipynb"})  # brings its tab to the front
    expect(chat_title(sidebar, first)).to_be_visible()
    expect(marked_current(sidebar, first)).to_be_visible()
    expect(marked_current(sidebar, second)).to_have_count(0)


def test_use_in_this_notebook_makes_the_next_codex_say_write_to_the_session_picked(lab):
    first, picked = unique("made first"), unique("picked in the sidebar")
    lab.write_notebook("use_here.ipynb", [LOAD, new_session_cell(first), "%%codex_say\nWritten after picking"])
    lab.open_notebook("use_here.ipynb")
    lab.run_cell(0)
    lab.run_cell(1)
    first_id = api(lab, "GET", "current?path=use_here.ipynb")["session"]["id"]
    picked_id = create_session(lab, picked)
    sidebar = open_sidebar(lab)
    expect(chat_title(sidebar, first)).to_be_visible()

    session_item(sidebar, picked).click()
    expect(notebook_bar(sidebar)).to_contain_text("Not the current session of use_here.ipynb")
    use_here(sidebar).click()
    expect(notebook_bar(sidebar)).to_contain_text("The current session of use_here.ipynb")
    expect(use_here(sidebar)).to_be_hidden()
    expect(marked_current(sidebar, picked)).to_be_visible()

    lab.run_cell(2)
    assert stored_messages(lab, picked_id) == [("user", "Written after picking")]
    assert stored_messages(lab, first_id) == []


# -- sessions kept in the notebook itself (%codex_store notebook) ------------------------------------------


def notebook_with_its_own_session(lab, name: str, title: str, *more: str) -> None:
    """Open a notebook whose kernel keeps its sessions in it, with one session made there."""
    lab.write_notebook(name, [LOAD, "%codex_store notebook", new_session_cell(title), *more])
    lab.open_notebook(name)
    for index in range(3):
        lab.run_cell(index)


def saved_contents(lab, name: str) -> list[str]:
    """The messages in ``metadata.codex`` of the notebook file on disk."""
    codex = nbformat.read(lab.server.root_dir / name, as_version=4).metadata.get("codex") or {"sessions": []}
    return [message["content"] for session in codex["sessions"] for message in session["messages"]]


def test_a_session_kept_in_the_notebook_is_listed_in_its_own_section(lab):
    title = unique("kept in the notebook")
    notebook_with_its_own_session(lab, "own_listed.ipynb", title)
    sidebar = open_sidebar(lab)

    expect(sidebar.locator(".codex-Sessions-heading", has_text="In this notebook")).to_be_visible()
    expect(sidebar.locator(NOTEBOOK_LIST).get_by_role("option", name=title)).to_be_visible()
    expect(sidebar.locator(WORKSPACE_LIST).get_by_role("option", name=title)).to_have_count(0)
    expect(chat_title(sidebar, title)).to_be_visible()  # the notebook's current session, opened
    lab.screenshot("sidebar_with_notebook_light")


def test_a_message_added_from_the_sidebar_to_a_notebook_session_lands_in_the_saved_ipynb(lab):
    title = unique("written from the sidebar")
    notebook_with_its_own_session(lab, "own_written.ipynb", title)
    sidebar = open_sidebar(lab)
    expect(chat_title(sidebar, title)).to_be_visible()

    sidebar.locator(".codex-Composer-text").fill("Added in the sidebar")
    sidebar.get_by_role("button", name="Add", exact=True).click()
    expect(message(sidebar.locator(".codex-Transcript"), "Added in the sidebar")).to_be_visible()
    execute(lab, "docmanager:save")
    lab.wait_for(lambda: saved_contents(lab, "own_written.ipynb") == ["Added in the sidebar"], "the saved notebook")


def test_the_kernel_hears_a_message_the_sidebar_wrote_into_its_notebook_and_writes_after_it(lab):
    title = unique("two writers")
    notebook_with_its_own_session(lab, "own_both.ipynb", title, "%%codex_say\nSaid by the kernel", "%codex_show")
    sidebar = open_sidebar(lab)
    expect(chat_title(sidebar, title)).to_be_visible()
    sidebar.locator(".codex-Composer-text").fill("Added in the sidebar")
    sidebar.get_by_role("button", name="Add", exact=True).click()
    expect(message(sidebar.locator(".codex-Transcript"), "Added in the sidebar")).to_be_visible()

    lab.run_cell(3)
    lab.run_cell(4)
    expect(lab.cell(4).locator(".jp-OutputArea")).to_contain_text("Added in the sidebar")
    expect(message(sidebar.locator(".codex-Transcript"), "Said by the kernel")).to_be_visible()
    execute(lab, "docmanager:save")
    lab.wait_for(
        lambda: saved_contents(lab, "own_both.ipynb") == ["Added in the sidebar", "Said by the kernel"],
        "both writes in the saved notebook, in order",
    )
