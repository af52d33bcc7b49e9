"""Markdown, for people to read: written, never read back (it does not keep ids exactly)."""

from __future__ import annotations

from collections.abc import Sequence

from ..models import ChatSession
from ..rendering import format_time, session_label


def write(sessions: Sequence[ChatSession]) -> str:
    """Each session as a heading with its id and times, then its messages as they are stored.

    The content is not escaped: an export is the user's data, and a Markdown file is not
    rendered by the kernel.
    """
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
