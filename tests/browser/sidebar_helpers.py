"""What the sidebar's browser tests share: the REST API with the server's token, and the sidebar as a person uses it.

The store is the server's workspace file, shared by every test of the session: each test creates
the sessions it needs, with titles no other test uses (:func:`unique`).
"""

from __future__ import annotations

import json
import urllib.request
import uuid
from typing import Any

from playwright.sync_api import Locator, expect

OPEN_CHAT = "codex-jupyter:open-chat"
SIDEBAR = "#codex-jupyter-sidebar"
WORKSPACE_LIST = ".codex-SessionList[data-place='workspace']"
NOTEBOOK_LIST = ".codex-SessionList[data-place='notebook']"


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
    return [(m["role"], m["content"]) for m in api(lab, "GET", f"sessions/{session_id}?limit=1000")["messages"]]


def execute(lab, command: str, args: dict[str, Any] | None = None) -> None:
    """Run a JupyterLab command and wait for it to finish.

    What the command returns is dropped in the page: it is often a widget (``docmanager:open`` gives the notebook
    panel), which Playwright cannot bring over ("object reference chain is too long").
    """
    lab.page.evaluate(
        "([command, args]) => window.jupyterapp.commands.execute(command, args).then(() => null)",
        [command, args or {}],
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


def chat_title(sidebar: Locator, title: str) -> Locator:
    """The chat section's title, naming the open session."""
    return sidebar.locator(".jp-AccordionPanel-title", has_text=title)


def open_session(sidebar: Locator, title: str) -> Locator:
    """Click a session in the list; return its transcript once loaded."""
    session_item(sidebar, title).click()
    expect(chat_title(sidebar, title)).to_be_visible()
    return sidebar.locator(".codex-Transcript")


def message(transcript: Locator, text: str) -> Locator:
    return transcript.locator(".codex-Message", has_text=text)


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


def change_theme(lab, theme: str) -> None:
    """Switch Lab's theme (a server-side setting: put it back after the test) and wait until it shows."""
    execute(lab, "apputils:change-theme", {"theme": theme})
    light = str("Light" in theme).lower()
    lab.page.wait_for_function("light => document.body.dataset.jpThemeLight === light", arg=light)
