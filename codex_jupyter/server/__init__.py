"""The jupyter-server extension: the server's workspace store, its REST API and its change events.

Kept apart from the rest of the package so that kernels and plain scripts never import
jupyter-server; the server finds it through ``codex_jupyter._jupyter_server_extension_points``.
"""

from __future__ import annotations

from .app import CodexJupyter

__all__ = ["CodexJupyter"]
