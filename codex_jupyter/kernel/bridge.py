"""The kernel's end of the JupyterLab bridge to its notebook's ``metadata.codex``.

A kernel handles comm messages from the frontend on its shell channel, that is between
cells: while a magic runs, no reply can reach it. So nothing here waits. The kernel opens
the comm when the extension loads; the frontend answers with the notebook's
``metadata.codex``, which is cached here by the time the next cell runs, and sends it again
whenever it changes. The kernel's writes go the other way as one-way messages.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ..events import Disposable, EventEmitter

#: The comm target, the same on both sides (see labextension/src/bridge.ts).
COMM_TARGET = "codex_jupyter.notebook"


class NotebookBridge:
    """The comm to the frontend that shows this kernel's notebook, and the latest metadata it sent."""

    def __init__(self) -> None:
        self._comm: Any = None
        self._answered = False
        self._document: object = None
        self._path: str | None = None
        self._documents: EventEmitter[object] = EventEmitter(logging.getLogger("codex_jupyter"))

    @property
    def answered(self) -> bool:
        return self._answered

    @property
    def document(self) -> object:
        return self._document

    @property
    def path(self) -> str | None:
        """The notebook's path, as JupyterLab knows it."""
        return self._path

    def open(self) -> None:
        """Announce this kernel to the frontend, and accept the frontend's own comm when a notebook
        reopens on this kernel. Outside a kernel (a terminal IPython) there is no frontend: nothing happens."""
        import comm

        comm.get_comm_manager().register_target(COMM_TARGET, lambda opened, message: self._attach(opened))
        self._attach(comm.create_comm(target_name=COMM_TARGET, data={}))

    def close(self) -> None:
        """Close the comm and forget the notebook (``%unload_ext``); opening again starts afresh."""
        import comm

        if self._comm is None:
            return
        comm.get_comm_manager().unregister_target(COMM_TARGET, None)  # type: ignore[arg-type]
        self._comm.close()
        self._comm = None
        self._answered, self._document, self._path = False, None, None
        self._documents.clear()

    def send(self, changes: list[dict[str, Any]]) -> None:
        """Send changes for the frontend to apply to the notebook (one way: nothing waits for an answer)."""
        self._comm.send({"op": "apply", "changes": changes})

    def on_document(self, listener: Callable[[object], None]) -> Disposable:
        """Call ``listener(document)`` when the frontend sends ``metadata.codex`` again."""
        return self._documents.subscribe(listener)

    def _attach(self, new: Any) -> None:
        old, self._comm = self._comm, new
        new.on_msg(self._on_message)
        if old is not None:
            old.close()

    def _on_message(self, message: dict[str, Any]) -> None:
        data = message["content"]["data"]
        if data.get("op") != "state":
            return
        self._answered, self._document, self._path = True, data.get("codex"), data.get("path")
        self._documents.emit([self._document])


notebook_bridge = NotebookBridge()
