"""What is at a workspace file's path, found out before anything there is touched.

A damaged codex-jupyter store may be moved aside; someone else's file must be left as
it is. They are told apart without SQLite (which could already write to a stranger's
database, e.g. by replaying its journal) from the file's first 100 bytes, the SQLite
header: a store carries codex-jupyter's ``application_id`` at bytes 68 to 71 from its
first commit on.
"""

from __future__ import annotations

import enum
import os
import stat
from pathlib import Path

from ..errors import StoreLocationError
from ..files import storage_error
from .migrations import APPLICATION_ID

_SQLITE_MAGIC = b"SQLite format 3\x00"
_HEADER_SIZE = 100


class Found(enum.Enum):
    """What a workspace path holds."""

    NOTHING = "no file, or an empty one: a new store is made there"
    STORE = "a codex-jupyter store (perhaps damaged)"
    EMPTY_DATABASE = "a SQLite database in which no table was ever made: SQLite tells whose it is"
    OTHER = "someone else's file"


def workspace_path(location: str | os.PathLike[str]) -> Path:
    """``location`` as an absolute path, ``~`` expanded; ``StoreLocationError`` when it names no file."""
    text = os.fspath(location)
    if not text.strip():
        raise StoreLocationError("the workspace file's path is empty; give the path of a file", text)
    try:
        return Path(text).expanduser().absolute()
    except RuntimeError:  # "~someone" for a user that does not exist
        user = text.split(os.sep, 1)[0][1:]
        raise StoreLocationError(f"cannot use {text}: there is no user {user!r}", text) from None


def identify(path: Path) -> tuple[Found, str]:
    """What ``path`` holds, with a description for messages. Reads at most 100 bytes; writes nothing.

    ``StoreLocationError`` when no store can be there at all: a folder, a device, a
    file that cannot be read.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return Found.NOTHING, "no file"
    except OSError as error:
        raise storage_error(error, "read", path, kind=StoreLocationError) from None
    if stat.S_ISDIR(mode):
        raise StoreLocationError(
            f"{path} is a folder; a workspace file is a file (for example {path / 'workspace.sqlite3'})", path
        )
    if not stat.S_ISREG(mode):
        raise StoreLocationError(f"{path} is not a regular file (a device, pipe or socket cannot hold a store)", path)
    try:
        with path.open("rb") as file:
            header = file.read(_HEADER_SIZE)
    except OSError as error:
        raise storage_error(error, "read", path, kind=StoreLocationError) from None
    if not header:
        return Found.NOTHING, "an empty file"
    if not header.startswith(_SQLITE_MAGIC) or len(header) < _HEADER_SIZE:
        return Found.OTHER, "a file that is not a SQLite database"
    application_id = int.from_bytes(header[68:72], "big")
    schema_cookie = int.from_bytes(header[40:44], "big")
    if application_id == APPLICATION_ID:
        return Found.STORE, "a codex-jupyter store"
    if application_id == 0 and schema_cookie == 0:
        return Found.EMPTY_DATABASE, "an empty SQLite database"
    return Found.OTHER, f"a SQLite database of another application (application_id {application_id:#010x})"


def refusal(path: Path, description: str) -> StoreLocationError:
    """The error for someone else's file at ``path``: it is left exactly as it is."""
    return StoreLocationError(
        f"{path} is not a codex-jupyter workspace file ({description}), so it was left untouched; "
        "choose another path, or move that file away",
        path,
    )
