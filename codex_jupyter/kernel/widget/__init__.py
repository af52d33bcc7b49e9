"""The chat panel (ipywidgets 8): ``ChatPanel``, also shown by ``%codex_chat``."""

from __future__ import annotations

from .panel import ChatPanel

__all__ = ["ChatPanel"]
