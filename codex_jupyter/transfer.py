"""Import and export as the clients do them (the magics, the REST API, ``jupyter codex``), in one place.

Reading and writing each format is :mod:`codex_jupyter.formats`; storing what was read is
:meth:`SessionStore.import_sessions`. This module joins them, and writes exports to files
the way every client does: whole or not at all, owner-only, never over an existing file
unless asked.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import StorageError
from .files import storage_error, write_private_file
from .formats import Parsed, parse, read_file

if TYPE_CHECKING:
    from .imports import ImportReport
    from .store import SessionStore


def import_parsed(store: SessionStore, parsed: Parsed) -> ImportReport:
    report = store.import_sessions(parsed.sessions)
    return dataclasses.replace(report, format=parsed.format, skipped_messages=parsed.skipped)


def import_file(store: SessionStore, path: str | os.PathLike[str]) -> ImportReport:
    """Import a codex-jupyter JSON export or a ``.chat`` file: all of it, or (on any error) nothing."""
    return import_parsed(store, read_file(path))


def import_text(store: SessionStore, raw: str | bytes, *, name: str | None = None) -> ImportReport:
    """Import a file's content; ``name`` (the file's name) titles a ``.chat`` file's session."""
    return import_parsed(store, parse(raw, name=name))


def write_export(given: str | os.PathLike[str], text: str, *, replace: bool) -> Path:
    """Write an export to the file ``given`` (see :func:`~codex_jupyter.files.write_private_file`); return its path.

    An existing file is kept, and named in a ``StorageError``, unless ``replace``.
    """
    path = Path(os.path.expanduser(given)).absolute()
    try:
        write_private_file(path, text.encode("utf-8"), replace=replace)
    except FileExistsError:
        raise StorageError(f"{path} already exists, and was left as it is; add --force to replace it", path) from None
    except OSError as error:
        raise storage_error(error, "write", path) from None
    return path
