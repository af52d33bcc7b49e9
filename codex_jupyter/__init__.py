"""Chat sessions that live with your notebooks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import (
    CodexError,
    InvalidInputError,
    SessionNotFoundError,
    StorageError,
    StoreDisposedError,
    StoreFormatError,
)
from .events import ChangeKind, Disposable, StoreChange
from .models import ROLES, ChatMessage, ChatSession, Role
from .store import SessionStore, open_store

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

    from .kernel.store import get_store
    from .kernel.widget import ChatPanel

__version__ = "0.1.0"


def load_ipython_extension(shell: InteractiveShell) -> None:
    """``%load_ext codex_jupyter``: the magics (imported only here, so the server need not load IPython)."""
    from .kernel.magics import load_ipython_extension as load

    load(shell)


def unload_ipython_extension(shell: InteractiveShell) -> None:
    from .kernel.magics import unload_ipython_extension as unload

    unload(shell)


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where JupyterLab finds the prebuilt extension in this package (built from labextension/)."""
    return [{"src": "labextension", "dest": "codex-jupyter"}]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    """How jupyter-server finds the extension (imported only by the server)."""
    from .server import CodexJupyter

    return [{"module": "codex_jupyter.server", "app": CodexJupyter}]


def __getattr__(name: str) -> object:
    # The kernel side is imported on first use, so that the server and plain scripts never load it (nor ipywidgets).
    if name == "get_store":
        from .kernel.store import get_store

        return get_store
    if name == "ChatPanel":
        from .kernel.widget import ChatPanel

        return ChatPanel
    raise AttributeError(f"module 'codex_jupyter' has no attribute {name!r}")


__all__ = [
    "ROLES",
    "ChangeKind",
    "ChatMessage",
    "ChatPanel",
    "ChatSession",
    "CodexError",
    "Disposable",
    "InvalidInputError",
    "Role",
    "SessionNotFoundError",
    "SessionStore",
    "StorageError",
    "StoreChange",
    "StoreDisposedError",
    "StoreFormatError",
    "__version__",
    "get_store",
    "load_ipython_extension",
    "open_store",
    "unload_ipython_extension",
]
