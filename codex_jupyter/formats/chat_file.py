"""jupyterlab-chat's ``.chat`` files (the chats of Jupyter AI 3): one session each, read and written as plain JSON.

A ``.chat`` file is the JSON of jupyterlab-chat's ``YChat`` document::

    {"messages": [{"type": "msg", "id", "body", "time", "sender", "raw_time", "deleted", ...}],
     "users": {"<username>": {"username", "name", "display_name", ..., "bot"}},
     "attachments": {...}, "metadata": {"id": "<chat id>"}}

``time`` is seconds since the epoch (a float); ``sender`` is a key of ``users``. Jupyter AI 3's
personas are users with ``"bot": true`` and usernames ``jupyter-ai-personas::<package>::<class>``:
their messages become ``assistant`` messages, everyone else's ``user`` messages. A message
deleted in the chat stays in the file with ``"deleted": true`` and is skipped.

jupyterlab-chat has no system messages, so a written file also keeps each message's role in
the message's own ``metadata`` (``codex_jupyter_role``), which jupyterlab-chat keeps and
shows nowhere, and which :func:`read` prefers: a session round-trips with its roles.
This module only needs JSON; the tests check it against the real ``jupyterlab-chat`` package.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from ..errors import InvalidInputError
from ..models import ROLES, ChatMessage, ChatSession, Role, check_role, new_id, utc_now

#: How Jupyter AI 3 names the users that are its personas.
PERSONA_PREFIX = "jupyter-ai-personas::"
#: The key, in a message's ``metadata``, of the role codex-jupyter wrote it with.
ROLE_KEY = "codex_jupyter_role"


#: The users a written file's messages come from, one per role, with jupyter-server's ``User`` fields and ``bot``.
def _user(role: Role, name: str) -> dict[str, Any]:
    return {
        "username": f"codex-jupyter-{role}",
        "name": name,
        "display_name": name,
        "initials": name[0],
        "avatar_url": None,
        "color": None,
        "bot": role != "user",
    }


USERS: dict[Role, dict[str, Any]] = {
    "user": _user("user", "User"),
    "assistant": _user("assistant", "Assistant"),
    "system": _user("system", "System"),
}


def is_chat_file(data: object) -> bool:
    """Whether ``data`` (parsed JSON) claims to be a ``.chat`` file; :func:`read` then says what is wrong with it."""
    return isinstance(data, dict) and "messages" in data and "format" not in data


def read(data: dict[str, Any], *, title: str | None = None) -> tuple[ChatSession, int]:
    """The chat as one session titled ``title``, and how many deleted messages were skipped.

    The session keeps the chat's id (``metadata.id``) and its messages' ids, order and times;
    it was created when its first message was sent (or now, for an empty chat).
    """
    messages, users = data["messages"], data.get("users", {})
    if not isinstance(messages, list):
        raise InvalidInputError(f"'messages' must be a list, not {type(messages).__name__}")
    if not isinstance(users, dict):
        raise InvalidInputError(f"'users' must be an object, not {type(users).__name__}")
    metadata = data.get("metadata")
    chat_id = metadata.get("id") if isinstance(metadata, dict) else None
    kept = [
        _message(position, entry, users)
        for position, entry in enumerate(messages)
        if not (isinstance(entry, dict) and entry.get("deleted") is True)
    ]
    created = kept[0].timestamp if kept else utc_now()
    updated = max([created, *(message.timestamp for message in kept)])
    session_id = chat_id if isinstance(chat_id, str) else new_id()
    session = ChatSession(session_id, kept, created, updated, title)
    return session, len(messages) - len(kept)


def _message(position: int, entry: object, users: dict[str, Any]) -> ChatMessage:
    where = f"message {position}"
    if not isinstance(entry, dict):
        raise InvalidInputError(f"{where} must be an object, not {type(entry).__name__}")
    body, moment = entry.get("body"), entry.get("time")
    if not isinstance(body, str):
        raise InvalidInputError(
            f"{where} has no 'body' (its text)" if body is None else f"{where}: 'body' must be text"
        )
    if moment is None:
        raise InvalidInputError(f"{where} has no 'time' (seconds since the epoch)")
    message_id = entry.get("id")
    return ChatMessage(
        id=message_id if isinstance(message_id, str) else new_id(),
        role=_role(entry, users),
        content=body,
        timestamp=_time(where, moment),
    )


def _time(where: str, moment: object) -> datetime:
    if isinstance(moment, bool) or not isinstance(moment, (int, float)) or not math.isfinite(moment):
        raise InvalidInputError(f"{where}: 'time' must be a number of seconds since the epoch, not {moment!r}")
    try:
        return datetime.fromtimestamp(moment, timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise InvalidInputError(f"{where}: 'time' {moment!r} is out of the range of dates") from None


def _role(entry: dict[str, Any], users: dict[str, Any]) -> Role:
    metadata = entry.get("metadata")
    written = metadata.get(ROLE_KEY) if isinstance(metadata, dict) else None
    if written in ROLES:
        return check_role(written)
    sender = entry.get("sender")
    user = users.get(sender) if isinstance(sender, str) else None
    is_bot = isinstance(user, dict) and user.get("bot") is True
    return "assistant" if is_bot or (isinstance(sender, str) and sender.startswith(PERSONA_PREFIX)) else "user"


def write_data(session: ChatSession) -> dict[str, Any]:
    """The ``.chat`` document of one session; jupyterlab-chat opens it as a chat with the same messages."""
    roles = sorted({message.role for message in session.messages}, key=ROLES.index)
    return {
        "messages": [
            {
                "type": "msg",
                "id": message.id,
                "body": message.content,
                "time": message.timestamp.timestamp(),
                "sender": USERS[message.role]["username"],
                "mentions": [],
                # The server's time already: jupyterlab-chat re-stamps messages whose raw_time is not false.
                "raw_time": False,
                "metadata": {ROLE_KEY: message.role},
            }
            for message in session.messages
        ],
        "users": {USERS[role]["username"]: USERS[role] for role in roles},
        "attachments": {},
        "metadata": {"id": session.id},
    }


def write(sessions: Sequence[ChatSession]) -> str:
    if len(sessions) != 1:
        raise InvalidInputError(
            f"a .chat file holds one session, not {len(sessions)}: export one session at a time "
            "(or every session as json)"
        )
    return json.dumps(write_data(sessions[0]), indent=2, ensure_ascii=False)
