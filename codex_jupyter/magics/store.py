"""The magic that chooses where this kernel's sessions are saved: ``%codex_store``."""

from __future__ import annotations

from IPython.core.error import UsageError
from IPython.core.magic import line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from ..kernel_store import kernel_store
from ..locations import MEMORY
from .base import CodexMagics, parse_arguments, show


@magics_class
class StoreMagics(CodexMagics):
    @magic_arguments()
    @argument("kind", nargs="?", choices=("workspace", "memory"), help="where sessions go; without it, show where")
    @argument("path", nargs="?", help="with workspace: the workspace file (default: the server's, or the user's)")
    @line_magic
    def codex_store(self, line: str) -> None:
        """Choose where this kernel's sessions are saved, or show where they are.

        ``workspace [PATH]``: a workspace file shared with the server and other kernels (default).
        ``memory``: this kernel only, gone when it stops. The previous store is closed.
        """
        args = parse_arguments(self.codex_store, line)
        if args.kind is None:
            self._describe()
            return
        if args.kind == "memory" and args.path:
            raise UsageError("%codex_store memory takes no path")
        with self.user_errors():
            kernel_store.switch(MEMORY if args.kind == "memory" else args.path)
        self._describe()

    def _describe(self) -> None:
        store = self.store
        where = "in memory only (lost when the kernel stops)" if store.location == MEMORY else store.location
        show(f"Sessions are saved {'' if store.location == MEMORY else 'in the workspace file '}{where}; "
             f"the current session is kept for {store.scope!r}.")  # fmt: skip
