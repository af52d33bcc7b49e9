"""The kernel's end of the JupyterLab bridge to its notebook's ``metadata.codex``.

A kernel handles comm messages from the frontend on its shell channel, that is between
cells: while a magic runs, no reply can reach it. So nothing here waits. The kernel opens
the comm when the extension loads; the frontend takes it (when the kernel opens it, or
later through a comm-info request when a page opens on a running kernel) and sends the
notebook's ``metadata.codex`` (``state``), which is cached here by the time the next cell
runs, and sends it again whenever it changes by other hands.

The kernel's writes go the other way as numbered one-way ``apply`` messages. A write is
kept until the frontend says the notebook was *saved* with it (``ack``): the page may be
reloaded before that, and the reloaded page holds the file as last saved. So whenever a
frontend sends its state, the kernel takes that document with its unsaved writes applied
on top, and sends them again (a ``replay``), which the frontend applies idempotently.
Every message is described in ``codex_jupyter/schemas/notebook.schema.json``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ..errors import NotebookFormatError
from ..events import Disposable, EventEmitter
from ..storage.notebookdoc import Change, UnsavedWrites, validator

#: The comm target, the same on both sides (see labextension/src/bridge.ts).
COMM_TARGET = "codex_jupyter.notebook"

_logger = logging.getLogger("codex_jupyter")


class NotebookBridge:
    """The comm to the frontend that shows this kernel's notebook, the latest metadata it sent,
    and the writes it has not saved yet."""

    def __init__(self) -> None:
        self._comm: Any = None
        self._documents: EventEmitter[object] = EventEmitter(_logger)
        self._forget()

    def _forget(self) -> None:
        self._answered = False
        self._reported: object = None
        self._applied = 0
        self._path: str | None = None
        self._unsaved = UnsavedWrites()

    @property
    def answered(self) -> bool:
        return self._answered

    @property
    def document(self) -> object:
        """The frontend's ``metadata.codex`` with the writes it may lack applied on top.

        A document that cannot be read is given as it is, for the store to refuse.
        """
        try:
            return self._unsaved.merge(self._reported, self._applied)[0]
        except NotebookFormatError:
            return self._reported

    @property
    def path(self) -> str | None:
        """The notebook's path, as JupyterLab knows it."""
        return self._path

    def open(self) -> None:
        """Announce this kernel to the frontend. Outside a kernel (a terminal IPython) there is no
        frontend: nothing happens."""
        import comm

        self._comm = comm.create_comm(target_name=COMM_TARGET, data={})
        self._comm.on_msg(self._on_message)

    def close(self) -> None:
        """Close the comm and forget the notebook (``%unload_ext``); opening again starts afresh."""
        if self._comm is None:
            return
        self._comm.close()
        self._comm = None
        self._documents.clear()
        self._forget()

    def send(self, changes: list[Change]) -> None:
        """Send changes for the frontend to apply to the notebook (one way: nothing waits for an answer).

        They are kept until the frontend says the notebook was saved with them.
        """
        write = self._unsaved.record(changes)
        self._comm.send({"op": "apply", "seq": write.seq, "changes": write.changes})

    def on_document(self, listener: Callable[[object], None]) -> Disposable:
        """Call ``listener(document)`` when the frontend sends ``metadata.codex`` again (see :attr:`document`)."""
        return self._documents.subscribe(listener)

    def _on_message(self, message: dict[str, Any]) -> None:
        data = message["content"]["data"]
        if not validator("toKernel").is_valid(data):
            _logger.warning("ignored a message from JupyterLab that does not follow the notebook schema: %.200r", data)
        elif data["op"] == "ack":
            self._unsaved.saved(data["seq"])
        else:
            self._on_state(data)

    def _on_state(self, data: dict[str, Any]) -> None:
        self._answered, self._reported, self._path = True, data["codex"], data["path"]
        self._applied = min(data["applied"], self._unsaved.last_seq)
        document: object = self._reported  # if it cannot be read, the store refuses it; the writes wait
        try:
            document, refused = self._unsaved.merge(self._reported, self._applied)
        except NotebookFormatError:
            pass
        else:
            for change in refused:
                _logger.warning("a write to a session removed from metadata.codex by hand was dropped: %r", change)
        # Every state is answered with one replay, bringing the frontend up to the latest write.
        replay = self._unsaved.after(self._applied)
        self._comm.send({"op": "apply", "seq": self._unsaved.last_seq, "changes": replay, "replay": True})
        self._documents.emit([document])


notebook_bridge = NotebookBridge()
