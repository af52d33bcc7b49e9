"""Where a store lives when nobody says, and whose "current session" a process tracks."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from jupyter_core.paths import jupyter_data_dir

#: Set by the Jupyter server extension so that every kernel it starts shares its workspace file.
WORKSPACE_ENV = "CODEX_JUPYTER_WORKSPACE"
#: Set by jupyter-server for each kernel it starts: the notebook's path.
SESSION_NAME_ENV = "JPY_SESSION_NAME"
MEMORY = ":memory:"
#: How a PostgreSQL location begins (libpq's connection URIs); any other location is a workspace file's path.
DATABASE_URL_SCHEMES = ("postgresql://", "postgres://")
#: The location of a store kept in the notebook's metadata (through JupyterLab), as MEMORY is one in memory.
NOTEBOOK = ":notebook:"
DEFAULT_SCOPE = "default"


def own_folder() -> Path:
    """``<jupyter data dir>/codex_jupyter``: where codex-jupyter keeps its default workspace files.

    No other program writes there, so a file there that is not a valid store is a
    damaged store (moved aside when opened), never someone else's file.
    """
    return Path(jupyter_data_dir()) / "codex_jupyter"


def is_own_location(path: Path) -> bool:
    """Whether the file ``path`` lies in :func:`own_folder`."""
    return path.resolve().is_relative_to(own_folder().resolve())


def is_database_url(location: str | os.PathLike[str]) -> bool:
    """Whether ``location`` names a PostgreSQL database (``postgresql://...``) rather than a workspace file."""
    return isinstance(location, str) and location.startswith(DATABASE_URL_SCHEMES)


def default_workspace_file() -> Path | str:
    """``$CODEX_JUPYTER_WORKSPACE`` if set (a path, or a ``postgresql://`` URL), else
    ``<jupyter data dir>/codex_jupyter/workspace.sqlite3``.

    The Jupyter data directory is per user (``~/.local/share/jupyter`` on Linux,
    moved by ``$JUPYTER_DATA_DIR``), so a plain IPython or nbclient kernel with no
    server around still finds one stable file.
    """
    configured = os.environ.get(WORKSPACE_ENV)
    if configured:
        if is_database_url(configured):
            return configured  # a Path would fold the URL's "//"
        return Path(configured)  # "~" is expanded by the store, which reports a "~user" that does not exist
    return own_folder() / "workspace.sqlite3"


def server_workspace_file(root_dir: str | os.PathLike[str]) -> Path:
    """The workspace file of a Jupyter server whose root is ``root_dir``, when nothing else was configured.

    ``<jupyter data dir>/codex_jupyter/servers/<root name>-<hash of the root path>.sqlite3``: one file per
    root, so two projects never mix their sessions, and none inside the user's own folder.
    """
    root = Path(root_dir).expanduser().resolve()
    digest = hashlib.sha256(str(root).encode()).hexdigest()[:12]
    return own_folder() / "servers" / f"{root.name or 'root'}-{digest}.sqlite3"


def server_workspace(configured: str | None, root_dir: str | os.PathLike[str]) -> str | Path:
    """The store a Jupyter server uses: ``c.CodexJupyter.store_url`` if ``configured``, else
    ``$CODEX_JUPYTER_WORKSPACE`` if set, else :func:`server_workspace_file` of its root folder.

    The server and ``jupyter codex`` both ask this, so the command finds the server's sessions.
    """
    return configured or os.environ.get(WORKSPACE_ENV) or server_workspace_file(root_dir)


def default_scope() -> str:
    """The notebook this kernel runs for, when the server told it; else ``"default"``.

    Current sessions are kept per scope so that two notebooks sharing one
    workspace file do not steal each other's current session.
    """
    return os.environ.get(SESSION_NAME_ENV) or DEFAULT_SCOPE
