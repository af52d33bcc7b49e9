"""The errors codex-jupyter raises on purpose, all under :class:`CodexError`.

Clients (the magics' one-line errors, the REST API's 4xx/5xx answers, the chat panel's
error line) translate ``CodexError`` and nothing else: any other exception is a bug and
must surface as one (a traceback, a logged 500). Each error also keeps the built-in base
it always had (``ValueError``, ``KeyError``, ...), so ``except ValueError`` in user code
keeps working.
"""

from __future__ import annotations

import os


class CodexError(Exception):
    """Base of every error codex-jupyter raises on purpose; its text is fit to show to the user as is."""


class InvalidInputError(CodexError, ValueError):
    """A caller's input was refused (a wrong role, a missing field, a bad title): nothing was stored."""


class InvalidTypeError(InvalidInputError, TypeError):
    """A caller's input has the wrong type (message content that is not text): nothing was stored."""


class SessionNotFoundError(CodexError, KeyError):
    """No session has this id (it never existed, or it was deleted, perhaps by another process)."""

    def __init__(self, session_id: str) -> None:
        super().__init__(session_id)
        self.session_id = session_id

    def __str__(self) -> str:
        return f"no chat session with id {self.session_id!r}"


class MessageNotFoundError(SessionNotFoundError):
    """The session has no message with this id."""

    def __init__(self, session_id: str, message_id: str) -> None:
        super().__init__(session_id)
        self.message_id = message_id

    def __str__(self) -> str:
        return f"chat session {self.session_id!r} has no message with id {self.message_id!r}"


class StoreDisposedError(CodexError, RuntimeError):
    """The store was disposed; open a new one to go on."""

    def __init__(self) -> None:
        super().__init__("this SessionStore has been disposed; open a new store to go on")


class StoreFormatError(CodexError, RuntimeError):
    """Stored data this version must not touch: a workspace file written by a newer codex-jupyter."""


class NotebookFormatError(StoreFormatError):
    """The notebook's ``metadata.codex`` cannot be read (malformed, or from a newer codex-jupyter).

    It is reported, never overwritten: writes are refused until it is fixed.
    """


class NotebookUnavailableError(CodexError, RuntimeError):
    """No JupyterLab frontend answered for this kernel's notebook, so sessions cannot be saved in it."""

    def __init__(self) -> None:
        super().__init__(
            "no JupyterLab frontend answered for this notebook (a headless run, or the codex-jupyter JupyterLab "
            "extension is not installed), so sessions cannot be saved in it. With the notebook open in JupyterLab, "
            "run %codex_store notebook in a cell after the one that ran %load_ext codex_jupyter."
        )


class StorageError(CodexError, OSError):
    """The storage could not do what was asked, for a reason outside this package (the disk, the file).

    ``location`` names the file or database concerned.
    """

    def __init__(self, message: str, location: str | os.PathLike[str] | None = None) -> None:
        super().__init__(message)
        self.location = None if location is None else os.fspath(location)

    def __str__(self) -> str:
        return str(self.args[0])


class StorageFullError(StorageError):
    """The disk (or quota) is full: the write was refused, and nothing of it was stored."""


class StoreDamagedError(StorageError):
    """The store's file turned out damaged while in use: reading or writing it failed."""


class StoreLocationError(StorageError):
    """A location that cannot hold a store: a folder, a device, someone else's file, an unreadable path.

    Nothing at that location was touched.
    """


class ResponderError(CodexError, RuntimeError):
    """The assistant could not answer. The text is one line for the user; it never holds a secret (an API key)."""


class ResponderNotConfiguredError(ResponderError):
    """Nothing says which model answers, or how to reach it; the text says exactly what to set. Nothing was stored."""


class ModelRequestError(ResponderError):
    """The model's server refused the request (an HTTP 4xx other than those below: a wrong model name, say)."""


class ModelAuthenticationError(ModelRequestError):
    """The model's server refused the API key (HTTP 401 or 403)."""


class ModelRateLimitError(ModelRequestError):
    """The model's server is rate-limiting, or the account is out of quota (HTTP 429)."""


class ModelServerError(ResponderError):
    """The model's server failed (HTTP 5xx)."""


class ModelConnectionError(ResponderError):
    """The model's server could not be reached, or the connection dropped mid-reply."""


class ModelTimeoutError(ModelConnectionError):
    """The model's server did not answer (or stopped sending) within the configured timeout."""
