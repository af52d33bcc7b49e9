"""Driving a chat panel's Python side as the browser would, and reading what it shows.

No frontend is attached: ipywidgets keeps the model state in Python, which is what the tests
read. Buttons are pressed with ``Button.click()``, the same callback path a click in the
browser takes; requests of the panel's browser code arrive as the comm messages it sends.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, ClassVar

from comm.base_comm import BaseComm

from codex_jupyter import SessionStore
from codex_jupyter.kernel.widget import ChatPanel
from codex_jupyter.kernel.widget.message import MessageView

WAIT_S = 60  # a generous bound for a shared machine; what is awaited normally takes a tenth of a second


def message_views(panel: ChatPanel) -> list[MessageView]:
    pages = [child for child in panel.transcript.children if hasattr(child, "children")]
    return [view for page in pages for view in page.children]


def shown(panel: ChatPanel) -> list[str]:
    """The rendered HTML of every live message widget, oldest first."""
    return [view.value for view in message_views(panel)]


def add(panel: ChatPanel, text: str, role: str = "user") -> None:
    panel.text.value = text
    panel.role.value = role
    panel.add_button.click()


def fill(store: SessionStore, count: int, title: str = "long") -> str:
    session = store.create_session(title=title)
    for index in range(count):
        store.add_message(session.id, role="user", content=f"message {index}")
    return session.id


def browser_request(panel: ChatPanel, request: dict[str, Any]) -> None:
    """What the panel's browser code sends (Ctrl+Enter, Enter in the title field), as ipywidgets delivers it."""
    panel.browser_side._handle_msg({"content": {"data": {"method": "custom", "content": request}}, "buffers": []})


def wait_for(condition: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.01)


class RecordingComm(BaseComm):
    """A comm that records what it would send to the frontend (there is none in a unit test)."""

    sent: ClassVar[list[tuple[str, int]]] = []  # (comm id, bytes)

    def publish_msg(self, msg_type: str, data: Any = None, metadata: Any = None, buffers: Any = None, **_: Any) -> None:
        size = len(json.dumps(data, default=str)) + sum(len(buffer) for buffer in buffers or ())
        self.sent.append((self.comm_id, size))
