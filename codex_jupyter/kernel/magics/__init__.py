"""The IPython extension: ``%load_ext codex_jupyter`` registers these magics on the kernel's store."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from IPython.core.interactiveshell import InteractiveShell

from ..bridge import notebook_bridge
from ..store import kernel_store
from .ask import AskMagics
from .base import CodexMagics, complete_session_ids
from .chat import ChatMagics
from .export import ExportMagics
from .messages import MessageMagics
from .search import SearchMagics
from .sessions import SessionMagics
from .store import StoreMagics

MAGIC_CLASSES: tuple[type[CodexMagics], ...] = (
    SessionMagics,
    MessageMagics,
    AskMagics,
    SearchMagics,
    ExportMagics,
    StoreMagics,
    ChatMagics,
)
#: Magics whose argument is a session id, completed with Tab.
COMPLETED = ("%codex_use", "%codex_show")

_loaded: WeakKeyDictionary[InteractiveShell, list[CodexMagics]] = WeakKeyDictionary()


def load_ipython_extension(shell: InteractiveShell) -> None:
    """Open the kernel's store and register the magics; a second load does nothing."""
    if shell in _loaded:
        return
    kernel_store.get()  # open now, so a problem with the workspace file shows at load time
    if getattr(shell, "kernel", None) is not None:
        notebook_bridge.open()  # JupyterLab answers with the notebook's metadata.codex, for %codex_store notebook
    magics = [cls(shell=shell) for cls in MAGIC_CLASSES]
    for instance in magics:
        shell.register_magics(instance)
    for command in COMPLETED:
        shell.set_hook("complete_command", complete_session_ids, str_key=command)
    _loaded[shell] = magics


def unload_ipython_extension(shell: InteractiveShell) -> None:
    """Remove the magics and their completers, and close the kernel's store cleanly."""
    magics = _loaded.pop(shell, None)
    if magics is None:
        return
    manager = shell.magics_manager
    for instance in magics:
        instance.close()
        for kind, names in instance.magics.items():
            for name in names:
                manager.magics[kind].pop(name, None)
        manager.registry.pop(type(instance).__name__, None)
        if instance in shell.configurables:
            shell.configurables.remove(instance)
    completers = shell.strdispatchers.get("complete_command")
    for command in COMPLETED:
        if completers is not None:
            completers.strs.pop(command, None)
    kernel_store.close()
    notebook_bridge.close()
