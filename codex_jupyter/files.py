"""Files that hold transcripts: created owner-only, and written whole or not at all.

Chat transcripts are private, so the files and folders codex-jupyter creates are
``0600`` / ``0700`` (never more open, whatever the umask), as Jupyter does for its own secrets. Files
and folders that already exist keep the permissions their owner gave them.

OS failures are turned into :class:`~codex_jupyter.errors.StorageError` s naming the
path, so clients show them as one line.
"""

from __future__ import annotations

import errno
import os
import tempfile
from contextlib import suppress
from pathlib import Path

from .errors import StorageError, StorageFullError

FILE_MODE = 0o600
FOLDER_MODE = 0o700
#: Errors that mean "no space left": the disk, or the user's quota.
_FULL = (errno.ENOSPC, errno.EDQUOT)


def storage_error(
    error: OSError, action: str, path: str | os.PathLike[str], *, kind: type[StorageError] = StorageError
) -> StorageError:
    """``error`` as one line naming the path, e.g. ``cannot write /x/a.md: permission denied``.

    A full disk or quota is always a :class:`StorageFullError`; other failures are ``kind``.
    """
    if error.errno in _FULL:
        return StorageFullError(f"cannot {action} {os.fspath(path)}: the disk is full (nothing was written)", path)
    reason = error.strerror.lower() if error.strerror else str(error)
    return kind(f"cannot {action} {os.fspath(path)}: {reason}", path)


def make_private_folders(folder: Path) -> None:
    """Create ``folder`` and its missing parents, each ``0700``; folders that exist are left as they are."""
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        with suppress(FileExistsError):  # another process made it meanwhile
            os.mkdir(path, FOLDER_MODE)


def create_private_file(path: Path) -> None:
    """Create ``path`` empty and ``0600`` unless it exists (then it is left alone)."""
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))


def write_private_file(path: Path, data: bytes, *, replace: bool = False) -> None:
    """Write ``data`` to ``path``, ``0600``, so that the file is either whole or not there at all.

    The data goes to a temporary file beside ``path``, is fsynced, and is renamed over
    ``path``: a full disk or a crash never leaves a partial file, nor destroys the file it
    would have replaced. Without ``replace``, an existing file is refused
    (``FileExistsError``): the name is claimed with ``O_EXCL`` first (an empty ``0600``
    file, removed again on failure), which works on every file system, unlike ``link``.
    """
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    claimed = False
    temporary = None
    try:
        if not replace:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
            claimed = True
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # 0600
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
        temporary, claimed = None, False
        _fsync_folder(path.parent)
    except BaseException:
        if temporary is not None:
            os.unlink(temporary)
        if claimed:
            os.unlink(path)
        raise


def _fsync_folder(folder: Path) -> None:
    # The rename is durable once the folder's entry is on disk.
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
