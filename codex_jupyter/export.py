"""Sessions as files a person keeps: Markdown to read, JSON to load back with ``ChatSession.from_dict``.

Unlike the notebook display, an export holds the content exactly as stored: it is
the user's data, and a Markdown file is not rendered by the kernel.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal

from .models import ChatSession
from .rendering import format_time, session_label

Format = Literal["md", "json"]
FORMATS: tuple[Format, ...] = ("md", "json")


def to_markdown(sessions: Sequence[ChatSession]) -> str:
    parts = []
    for session in sessions:
        header = (
            f"# {session_label(session)}\n\n"
            f"- id: `{session.id}`\n- created: {format_time(session.created_at)}\n"
            f"- updated: {format_time(session.updated_at)}\n- messages: {session.message_count}\n"
        )
        messages = [f"## {m.role} · {format_time(m.timestamp)}\n\n{m.content}\n" for m in session.messages]
        parts.append("\n".join([header, *messages]))
    return "\n".join(parts)


def to_json_data(sessions: Sequence[ChatSession]) -> dict[str, Any]:
    """``{"format": 1, "sessions": [...]}``, each session as in ``ChatSession.to_dict()``."""
    return {"format": 1, "sessions": [s.to_dict() for s in sessions]}


def to_json(sessions: Sequence[ChatSession]) -> str:
    return json.dumps(to_json_data(sessions), indent=2, ensure_ascii=False)


def export(sessions: Sequence[ChatSession], format: Format) -> str:
    return to_markdown(sessions) if format == "md" else to_json(sessions)
