"""Chat sessions that live with your notebooks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import SessionNotFoundError, StoreDisposedError, StoreFormatError
from .events import ChangeKind, Disposable, StoreChange
from .kernel_store import get_store
from .models import ROLES, ChatMessage, ChatSession, Role
from .store import SessionStore, StoreContext, open_store

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

__version__ = "0.1.0"


def load_ipython_extension(shell: InteractiveShell) -> None:
    """``%load_ext codex_jupyter``: the magics (imported only here, so the server need not load IPython)."""
    from .magics import load_ipython_extension as load

    load(shell)


def unload_ipython_extension(shell: InteractiveShell) -> None:
    from .magics import unload_ipython_extension as unload

    unload(shell)


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where JupyterLab finds the prebuilt extension in this package (built from labextension/)."""
    return [{"src": "labextension", "dest": "codex-jupyter"}]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    """How jupyter-server finds the extension (imported only by the server)."""
    from .server import CodexJupyter

    return [{"module": "codex_jupyter.server", "app": CodexJupyter}]


def __getattr__(name: str) -> object:
    # ChatPanel is imported on first use, so that the server and plain scripts need not load ipywidgets.
    if name == "ChatPanel":
        from .widget import ChatPanel

        return ChatPanel
    raise AttributeError(f"module 'codex_jupyter' has no attribute {name!r}")


__all__ = [
    "ROLES",
    "ChangeKind",
    "ChatMessage",
    "ChatPanel",
    "ChatSession",
    "Disposable",
    "Role",
    "SessionNotFoundError",
    "SessionStore",
    "StoreChange",
    "StoreContext",
    "StoreDisposedError",
    "StoreFormatError",
    "__version__",
    "get_store",
    "load_ipython_extension",
    "open_store",
    "unload_ipython_extension",
]
