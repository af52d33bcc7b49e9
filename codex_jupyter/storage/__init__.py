"""Storage backends behind one chat-shaped protocol: memory and the workspace file (SQLite)."""

from .base import SessionRecord, StorageBackend
from .memory import MemoryBackend
from .sqlite import SQLiteBackend

__all__ = ["MemoryBackend", "SQLiteBackend", "SessionRecord", "StorageBackend"]
