"""Sessions as files: each format in one module, and the functions every client calls.

Written: Markdown (``md``, to read), codex-jupyter's JSON (``json``, everything kept) and
jupyterlab-chat's ``.chat`` (``chat``, one session, to open in JupyterLab's chat).
Read: ``json`` and ``chat``, told apart by their content. The magics, the REST API and
``jupyter codex`` call :func:`write`, :func:`parse` and :func:`read_file`, so a file means
the same to all of them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from ..errors import InvalidInputError
from ..files import storage_error
from ..models import MAX_TITLE, ChatSession
from . import chat_file, codex_json, markdown

Format = Literal["md", "json", "chat"]
FORMATS: tuple[Format, ...] = get_args(Format)
#: The Content-Type of each format, for downloads.
MEDIA_TYPES: dict[Format, str] = {
    "md": "text/markdown; charset=UTF-8",
    "json": "application/json; charset=UTF-8",
    "chat": "application/json; charset=UTF-8",
}
_BY_SUFFIX: dict[str, Format] = {".md": "md", ".json": "json", ".chat": "chat"}


def check_format(value: str) -> Format:
    """``value`` if it names a format, else ``InvalidInputError`` naming them."""
    for format in FORMATS:
        if value == format:
            return format
    raise InvalidInputError(f"the format must be one of {', '.join(FORMATS)}, not {value!r}")


def format_for(path: str | os.PathLike[str] | None) -> Format:
    """The format a file name asks for by its suffix (``.json``, ``.chat``); Markdown otherwise."""
    return "md" if path is None else _BY_SUFFIX.get(Path(path).suffix.lower(), "md")


def suffix(format: Format) -> str:
    return f".{format}"


def write(sessions: Sequence[ChatSession], format: Format) -> str:
    """``sessions`` as the text of a file of ``format``; ``InvalidInputError`` for several sessions as ``chat``."""
    if format == "chat":
        return chat_file.write(sessions)
    if format == "json":
        return codex_json.write(sessions)
    return markdown.write(sessions)


@dataclass(frozen=True, slots=True)
class Parsed:
    """What a file holds: its format, its sessions, and how many messages were left out (deleted in the chat)."""

    format: Format
    sessions: tuple[ChatSession, ...]
    skipped: int = 0


def parse(raw: str | bytes, *, name: str | None = None) -> Parsed:
    """The sessions in the text of a codex-jupyter JSON export or a ``.chat`` file.

    ``name`` is the file's name: a ``.chat`` file's session is titled after it. Anything else
    (not JSON, JSON of another shape, a message without its text or time) raises
    ``InvalidInputError`` naming what is wrong; nothing is half-read.
    """
    try:
        data = json.loads(raw)
    except ValueError as error:  # also bytes that are not UTF-8
        raise InvalidInputError(f"not JSON: {error}") from None
    except RecursionError:
        raise InvalidInputError("not JSON that can be read: nested too deeply") from None
    if codex_json.is_codex_json(data):
        return Parsed("json", tuple(codex_json.read(data)))
    if chat_file.is_chat_file(data):
        # Titled after the file, cut to the longest title a session may have.
        title = Path(name).stem.strip()[:MAX_TITLE].strip() if name else ""
        session, skipped = chat_file.read(data, title=title or None)
        return Parsed("chat", (session,), skipped)
    raise InvalidInputError(
        "neither a codex-jupyter JSON export (an object with 'format' and 'sessions') "
        "nor a jupyterlab-chat .chat file (an object with 'messages' and 'users')"
    )


def read_file(path: str | os.PathLike[str]) -> Parsed:
    """:func:`parse` the file at ``path``; errors name the file (``StorageError`` when it cannot be read)."""
    path = Path(os.path.expanduser(path))
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise storage_error(error, "read", path) from None
    try:
        return parse(raw, name=path.name)
    except InvalidInputError as error:
        raise type(error)(f"cannot import {path}: {error}") from None
