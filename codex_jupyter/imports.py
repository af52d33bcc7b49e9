"""What an import did, for the person who asked (one paragraph) and for JSON (the REST API).

An import never merges into or replaces a stored session: each imported session is new,
under its own id when that was free and under a fresh one when it was taken. The report
says which, so nothing happens silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .models import is_id
from .rendering import title_label


@dataclass(frozen=True, slots=True)
class ImportedSession:
    """One session an import created."""

    id: str
    #: Its id in the file; differs from ``id`` when a stored session (or an earlier one of the file) had it,
    #: or when it is not a UUID.
    original_id: str
    title: str | None
    message_count: int
    #: Messages given a fresh id because a stored message (or an earlier one of the file) had theirs, or it was
    #: not a UUID.
    new_message_ids: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "original_id": self.original_id,
            "title": self.title,
            "message_count": self.message_count,
            "new_message_ids": self.new_message_ids,
        }


@dataclass(frozen=True, slots=True)
class ImportReport:
    sessions: tuple[ImportedSession, ...]
    #: The file's format (``json``, ``chat``), when the sessions came from a file.
    format: str | None = None
    #: Messages of the file left out: those deleted in a jupyterlab-chat chat.
    skipped_messages: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "sessions": [session.to_dict() for session in self.sessions],
            "skipped_messages": self.skipped_messages,
        }

    def summary(self) -> str:
        """What happened, one line per session: ``Imported 2 sessions (12 messages) from a chat file: ...``."""
        messages = sum(session.message_count for session in self.sessions)
        source = f" from a {self.format} file" if self.format else ""
        lines = [f"Imported {len(self.sessions)} session(s) ({messages} messages){source}, as new sessions."]
        for session in self.sessions:
            notes = []
            if session.id != session.original_id:
                why = "was taken" if is_id(session.original_id) else "is not a UUID"
                notes.append(f"its id {session.original_id!r} {why}, so it got a new one")
            if session.new_message_ids:
                notes.append(f"{session.new_message_ids} message id(s) were taken or not UUIDs, so they got new ones")
            note = f" ({'; '.join(notes)})" if notes else ""
            lines.append(f"- {session.id} “{title_label(session.title)}” ({session.message_count} messages){note}")
        if self.skipped_messages:
            lines.append(f"Left out {self.skipped_messages} message(s) deleted in the chat.")
        return "\n".join(lines)
