"""What every codex magic shares: the kernel's store, one-line errors, and rich output."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from IPython.core.error import UsageError
from IPython.core.magic import Magics
from IPython.display import display
from IPython.utils.process import arg_split

from ...errors import CodexError, SessionNotFoundError
from ...models import ChatSession
from ...rendering import session_label
from ...store import SessionStore
from ..store import kernel_store


class CodexMagics(Magics):
    """Base of the codex magic classes, each a traitlets ``Configurable`` (``%config``)."""

    @property
    def store(self) -> SessionStore:
        return kernel_store.get()

    def close(self) -> None:
        """Release what these magics hold beyond their registration; called when the extension is unloaded."""

    @contextmanager
    def user_errors(self) -> Iterator[None]:
        """Turn a refused request (a :class:`CodexError`) into IPython's one-line ``UsageError``.

        The store validates before it writes, so the refused call has changed nothing. Any
        other exception is a bug, and keeps its traceback.
        """
        try:
            yield
        except SessionNotFoundError as error:
            raise UsageError(f"{error} (%codex_sessions lists them)") from None
        except CodexError as error:
            raise UsageError(str(error)) from None


def parse_arguments(magic: Callable[..., object], line: str) -> argparse.Namespace:
    """Parse a magic line like a shell would: ``--title "Two words"`` gives ``Two words``, without quotes."""
    try:
        argv = arg_split(line, posix=True)
    except ValueError as error:  # e.g. an unclosed quote
        raise UsageError(f"cannot read the arguments: {error}") from None
    return magic.parser.parse_args(argv)  # type: ignore[attr-defined]


def show(text: str, *, html: str | None = None) -> None:
    """Display plain text for terminals, and sanitized HTML for notebooks when given.

    Never Markdown: JupyterLab renders a Markdown output of a trusted cell without sanitizing it,
    so message text or a title in one could carry a live link.
    """
    bundle = {"text/plain": text}
    if html is not None:
        bundle["text/html"] = html
    display(bundle, raw=True)


def describe(session: ChatSession) -> str:
    return f"{session.id} “{session_label(session)}” ({session.message_count} messages)"


def complete_session_ids(shell: object, event: object) -> list[str]:
    """Tab completion for magics that take a session id (IPython filters by what is typed)."""
    if not kernel_store.is_open:
        return []
    return [session.id for session in kernel_store.get().get_sessions()]
