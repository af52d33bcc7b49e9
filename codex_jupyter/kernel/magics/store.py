"""The magic that chooses where this kernel's sessions are saved: ``%codex_store``."""

from __future__ import annotations

from IPython.core.error import UsageError
from IPython.core.magic import line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from ...locations import MEMORY, NOTEBOOK
from ..bridge import notebook_bridge
from ..store import kernel_store
from .base import CodexMagics, parse_arguments, show


@magics_class
class StoreMagics(CodexMagics):
    @magic_arguments()
    @argument(
        "kind", nargs="?", choices=("workspace", "notebook", "memory"), help="where sessions go; without it, show where"
    )
    @argument("path", nargs="?", help="with workspace: the workspace file (default: the server's, or the user's)")
    @line_magic
    def codex_store(self, line: str) -> None:
        """Choose where this kernel's sessions are saved, or show where they are.

        ``workspace [PATH]``: a workspace file shared with the server and other kernels (default).
        ``notebook``: inside this notebook (``metadata.codex``), saved with it by JupyterLab; needs the
        notebook open in JupyterLab, and a cell run after ``%load_ext codex_jupyter``.
        ``memory``: this kernel only, gone when it stops. The previous store is closed.
        """
        args = parse_arguments(self.codex_store, line)
        if args.kind is None:
            self._describe()
            return
        if args.kind != "workspace" and args.path:
            raise UsageError(f"%codex_store {args.kind} takes no path")
        with self.user_errors():
            kernel_store.switch({"memory": MEMORY, "notebook": NOTEBOOK}.get(args.kind, args.path))
        self._describe()

    def _describe(self) -> None:
        store = self.store
        if store.location == MEMORY:
            where = "in memory only (lost when the kernel stops)"
        elif store.location == NOTEBOOK:
            where = f"in this notebook's metadata ({notebook_bridge.path}), written when JupyterLab saves it"
        else:
            where = f"in the workspace file {store.location}"
        show(f"Sessions are saved {where}; the current session is kept for {store.scope!r}.")
