"""The chat panel in a JupyterLab page: opening it, and what a person sees of it.

Shared by the panel's browser tests (``test_chat_panel*.py``).
"""

from __future__ import annotations

from playwright.sync_api import Locator

from codex_jupyter import open_store

SHOW_PANEL = "%load_ext codex_jupyter\n%codex_chat"

# Whether a person sees the element: its centre is inside the scroller's visible rectangle, and nothing covers
# it there. (Playwright's is_visible() is true for an element clipped away by a scroll area.)
ON_SCREEN = """element => {
    const view = element.closest('.codex-chat-scroller').getBoundingClientRect();
    const box = element.getBoundingClientRect();
    const x = box.left + box.width / 2, y = box.top + box.height / 2;
    if (x < view.left || x > view.right || y < view.top || y > view.bottom) return false;
    const hit = document.elementFromPoint(x, y);
    return hit !== null && element.contains(hit);
}"""

SETTLED = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


def panel(lab) -> Locator:
    return lab.cell(0).locator(".codex-chat")


def open_with_panel(lab, name: str, *cells: str, setup: str = "") -> Locator:
    """Open a notebook whose first cell (after ``setup`` code) shows the panel, run that cell; return the panel."""
    lab.write_notebook(name, [f"{setup}\n{SHOW_PANEL}".strip(), *cells])
    lab.open_notebook(name)
    lab.run_cell(0)
    shown = panel(lab)
    shown.locator("textarea").wait_for()
    return shown


def stored_contents(lab) -> list[str]:
    with open_store(lab.server.workspace_file) as store:
        return [message.content for session in store.get_sessions() for message in session.messages]


def long_session(lab, count: int, title: str | None = None) -> str:
    """Store a session of ``count`` messages ("Message 0" ...) in the server's workspace file; return its id."""
    with open_store(lab.server.workspace_file, scope="tests/long-sessions") as store:
        session = store.create_session(title=title or f"{count:,} messages")
        for index in range(count):
            store.add_message(session.id, role=("user", "assistant")[index % 2], content=f"Message {index}")
    return session.id


def open_long_session(lab, count: int, *cells: str) -> Locator:
    """A notebook whose first cell shows the panel on a session of ``count`` messages; the panel, once drawn."""
    session_id = long_session(lab, count)
    show_panel = f"{SHOW_PANEL.splitlines()[0]}\nget_store().set_current_session({session_id!r})\n%codex_chat"
    name = f"long-{count}-{session_id[:8]}.ipynb"
    lab.write_notebook(name, [f"from codex_jupyter import get_store\n{show_panel}", *cells])
    lab.open_notebook(name)
    lab.run_cell(0)
    shown = panel(lab)
    latest = shown.locator(".codex-chat-msg", has_text=f"Message {count - 1}")
    latest.wait_for(state="attached")
    lab.wait_for(lambda: shown.locator(".codex-chat-msg").count() == min(count, 100), "the panel to draw its window")
    settle(lab, shown)
    return shown


def settle(lab, shown: Locator) -> None:
    """Bring the panel into the page's view (not its scroller: that is the panel's business), after layout."""
    shown.evaluate("element => element.scrollIntoView({block: 'nearest'})")
    lab.page.evaluate(SETTLED)


def on_screen(element: Locator) -> bool:
    return element.evaluate(ON_SCREEN)


def scroller_of(shown: Locator) -> Locator:
    return shown.locator(".codex-chat-scroller")


def message(shown: Locator, text: str) -> Locator:
    return shown.locator(".codex-chat-msg").filter(has_text=text).last
