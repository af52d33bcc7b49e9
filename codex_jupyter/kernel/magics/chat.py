"""The magic that shows the chat panel: ``%codex_chat``."""

from __future__ import annotations

from IPython.core.magic import line_magic, magics_class
from IPython.display import display

from .base import CodexMagics


@magics_class
class ChatMagics(CodexMagics):
    @line_magic
    def codex_chat(self, line: str) -> None:
        """Display a chat panel bound to this kernel's store: it follows %%codex_say and other panels live."""
        from ..widget import ChatPanel  # ipywidgets is only loaded when a panel is wanted

        display(ChatPanel())
