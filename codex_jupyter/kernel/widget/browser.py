"""The panel's piece of browser code: keys, Copy buttons on code blocks, scrolling to a search hit.

ipywidgets 8 cannot do these from the kernel. Its ``Textarea`` sends no key events (its
view stops them, so that keys never run the notebook cell), so Ctrl+Enter cannot be told
from Enter. Its ``HTML`` takes no script (and must not: message text is untrusted), and a
kernel has no access to the browser's clipboard, so a Copy button needs code in the
browser. And a kernel cannot scroll the page. So the panel carries one invisible widget made
with anywidget, whose module (``browser.js``, some 130 lines of ours) is sent with it and
runs wherever ipywidgets runs (JupyterLab, Notebook 7, VS Code), with no extension to build
or enable. It adds only elements it makes itself, and sends the kernel two requests:
``{"do": "ask" | "rename", "text": ...}``, the text travelling with the request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from anywidget import AnyWidget

#: What the browser asks the panel to do: ``do`` names it, ``text`` is what the person typed.
Requests = Mapping[str, Callable[[str], None]]


class BrowserSide(AnyWidget):
    """Runs ``browser.js`` inside a panel, and hands its requests to the panel's actions."""

    _esm = Path(__file__).with_name("browser.js")

    def __init__(self, requests: Requests) -> None:
        super().__init__()
        self._requests = requests
        self.layout.display = "none"
        self.on_msg(self._received)

    def _received(self, _widget: object, content: dict[str, Any], _buffers: object) -> None:
        self._requests[content["do"]](str(content["text"]))
