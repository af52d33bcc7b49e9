"""codex-jupyter's own JSON: ``{"format": 1, "sessions": [...]}``, each session as ``ChatSession.to_dict()``.

It keeps everything a session is (ids, titles, roles, times to the microsecond), so it is
the format to move sessions between workspace files, notebooks and machines.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ..errors import InvalidInputError
from ..models import ChatSession

FORMAT_VERSION = 1


def write_data(sessions: Sequence[ChatSession]) -> dict[str, Any]:
    return {"format": FORMAT_VERSION, "sessions": [s.to_dict() for s in sessions]}


def write(sessions: Sequence[ChatSession]) -> str:
    return json.dumps(write_data(sessions), indent=2, ensure_ascii=False)


def is_codex_json(data: object) -> bool:
    """Whether ``data`` (parsed JSON) claims to be this format; :func:`read` then says what is wrong with it."""
    return isinstance(data, dict) and "format" in data and "sessions" in data


def read(data: dict[str, Any]) -> list[ChatSession]:
    """The sessions of an export, or ``InvalidInputError`` naming the first thing wrong in it."""
    version = data["format"]
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise InvalidInputError(f"'format' must be a positive integer, not {version!r}")
    if version > FORMAT_VERSION:
        raise InvalidInputError(
            f"the file uses format {version}, newer than this codex-jupyter reads ({FORMAT_VERSION}); "
            "upgrade codex-jupyter to import it"
        )
    entries = data["sessions"]
    if not isinstance(entries, list):
        raise InvalidInputError(f"'sessions' must be a list, not {type(entries).__name__}")
    return [_session(index, entry) for index, entry in enumerate(entries)]


def _session(index: int, entry: object) -> ChatSession:
    if not isinstance(entry, dict):
        raise InvalidInputError(f"session {index} must be an object, not {type(entry).__name__}")
    messages = entry.get("messages")
    if isinstance(messages, list):
        for position, message in enumerate(messages):
            if not isinstance(message, dict):
                raise InvalidInputError(
                    f"session {index}, message {position} must be an object, not {type(message).__name__}"
                )
    try:
        return ChatSession.from_dict(entry)
    except InvalidInputError as error:
        raise type(error)(f"session {index}: {error}") from None
