"""Writes as the first release (schema version 1) made them, in its own SQL.

A process of that release may still have a workspace file open while a newer one migrates
it, and it goes on writing the tables it knows. The tests play that process with the
statements ``codex_jupyter/storage/sqlite.py`` ran in that release, and the benchmarks use
them to write a version-1 file quickly.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

from codex_jupyter.models import new_id
from codex_jupyter.storage import migrations


class Version1Writer:
    """A connection to a workspace file that writes as the first release did (each call one transaction)."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, timeout=60)
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA foreign_keys = ON")

    @classmethod
    def create(cls, path: Path) -> Version1Writer:
        """A new file of schema version 1."""
        writer = cls(path)
        writer.conn.execute("BEGIN IMMEDIATE")
        migrations.create_version_1(writer.conn)
        writer.conn.execute("PRAGMA user_version = 1")
        writer.conn.execute("COMMIT")
        return writer

    def create_session(self, title: str | None = None, messages: Iterable[str] = ()) -> str:
        """A session with ``messages`` (user messages), in one transaction; its id."""
        session_id, now = new_id(), datetime.now(timezone.utc).isoformat()
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.execute(
            "INSERT INTO sessions (id, title, created_at, updated_at, message_count) VALUES (?, ?, ?, ?, ?)",
            (session_id, title, now, now, 0),
        )
        for content in messages:
            self._append(session_id, content)
        self.conn.execute("COMMIT")
        return session_id

    def add_message(self, session_id: str, content: str) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        self._append(session_id, content)
        self.conn.execute("COMMIT")

    def delete_session(self, session_id: str) -> None:
        self.conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))

    def close(self) -> None:
        self.conn.close()

    def _append(self, session_id: str, content: str) -> None:
        timestamp = datetime.now(timezone.utc).isoformat()
        position = self.conn.execute(
            "UPDATE sessions SET message_count = message_count + 1, updated_at = ? WHERE id = ? "
            "RETURNING message_count - 1",
            (timestamp, session_id),
        ).fetchone()[0]
        self.conn.execute(
            "INSERT INTO messages (session_id, position, id, role, content, timestamp) VALUES (?, ?, ?, ?, ?, ?)",
            (session_id, position, new_id(), "user", content, timestamp),
        )
