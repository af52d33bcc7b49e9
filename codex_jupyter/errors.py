"""The errors a store raises, so callers can tell bad input from a missing id from a closed store."""

from __future__ import annotations


class SessionNotFoundError(KeyError):
    """No session has this id (it never existed, or it was deleted, perhaps by another process)."""

    def __init__(self, session_id: str) -> None:
        super().__init__(session_id)
        self.session_id = session_id

    def __str__(self) -> str:
        return f"no chat session with id {self.session_id!r}"


class StoreDisposedError(RuntimeError):
    """The store was disposed; open a new one to go on."""

    def __init__(self) -> None:
        super().__init__("this SessionStore has been disposed; open a new store to go on")


class StoreFormatError(RuntimeError):
    """Stored data this version must not touch: a workspace file written by a newer codex-jupyter."""


class NotebookFormatError(StoreFormatError):
    """The notebook's ``metadata.codex`` is malformed or from a newer codex-jupyter: reported, never overwritten."""


class NotebookUnavailableError(RuntimeError):
    """No JupyterLab frontend answered for this kernel's notebook, so sessions cannot be saved in it."""

    def __init__(self) -> None:
        super().__init__(
            "no JupyterLab frontend answered for this notebook (a headless run, or the codex-jupyter JupyterLab "
            "extension is not installed), so sessions cannot be saved in it. With the notebook open in JupyterLab, "
            "run %codex_store notebook in a cell after the one that ran %load_ext codex_jupyter."
        )
