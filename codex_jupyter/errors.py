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
    """The workspace file was written by a newer codex-jupyter, so this version must not touch it."""
