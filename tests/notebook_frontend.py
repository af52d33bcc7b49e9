"""``ScriptedFrontend``: JupyterLab's half of the notebook bridge, played in process.

It holds ``metadata.codex`` and takes the kernel's changes as ``bridge.ts`` does, so that the rules of the
notebook store are checked in milliseconds; the real JupyterLab half is driven in Chromium by
``tests/browser/test_notebook_metadata.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from codex_jupyter.events import Disposable, EventEmitter
from codex_jupyter.storage.notebookdoc import validator


class ScriptedFrontend:
    """Plays JupyterLab: holds ``metadata.codex``, applies the kernel's changes as bridge.ts does."""

    def __init__(self, document: object = None, *, answered: bool = True) -> None:
        self.answered = answered
        self.document = document
        self.path = "analysis.ipynb"
        self.sent: list[list[dict[str, Any]]] = []
        self._documents: EventEmitter[object] = EventEmitter(logging.getLogger("test"))

    def send(self, changes: list[dict[str, Any]]) -> None:
        validator("toFrontend").validate({"op": "apply", "seq": len(self.sent) + 1, "changes": changes})
        self.sent.append(changes)

    def on_document(self, listener: Callable[[object], None]) -> Disposable:
        return self._documents.subscribe(listener)

    def edit(self, document: object) -> None:
        """The user changes metadata.codex by hand: the frontend sends it again."""
        self.document = document
        self._documents.emit([document])
