"""Which HTTP answer each error the store raises on purpose gets.

Only :class:`~codex_jupyter.errors.CodexError` is translated. Anything else raised while
serving a request is a bug: it is left to jupyter-server, which logs its traceback and
answers 500.
"""

from __future__ import annotations

from tornado.web import HTTPError

from ..errors import (
    CodexError,
    NotebookUnavailableError,
    ResponderNotConfiguredError,
    SessionNotFoundError,
    StorageError,
    StorageFullError,
    StoreDamagedError,
    StoreDisposedError,
    StoreFormatError,
)

#: Nothing is wrong with the request, but the server cannot serve it until someone acts (no model is set up
#: to answer questions, say).
_UNAVAILABLE = (
    StoreFormatError,
    StoreDisposedError,
    NotebookUnavailableError,
    StorageError,
    ResponderNotConfiguredError,
)


def http_error(error: CodexError, location: str) -> HTTPError:
    """The JSON error for ``error``, raised by the store at ``location`` (used when the error names no file).

    A full disk and a damaged file are the server's trouble, not the client's: their answers
    say what happened to the request (nothing was stored) and what the server's owner can do.
    """
    if isinstance(error, SessionNotFoundError):
        return HTTPError(404, str(error))
    if isinstance(error, StorageFullError):
        return HTTPError(
            507,
            f"the disk holding the workspace file {error.location or location} is full, so nothing was stored "
            f"({error}). Free some space on it, then try again.",
        )
    if isinstance(error, StoreDamagedError):
        return HTTPError(
            503,
            f"the workspace file {error.location or location} is damaged ({error}); this request changed nothing. "
            "Stop the Jupyter server, move the file aside (keep it: its sessions may be recoverable), "
            "and start the server again: it starts a fresh workspace file.",
        )
    if isinstance(error, _UNAVAILABLE):
        return HTTPError(503, str(error))
    return HTTPError(400, str(error))
