"""Who is streaming a reply into a shared workspace file, and whether they still are.

A reply is written while it streams, so a process that dies mid-reply leaves a message
marked ``streaming`` that nobody will finish. Readers must tell that apart from a reply
another live process is still streaming. Each streamed message records its writer as
``pid@host`` and a heartbeat time, which the writer renews at least every
:data:`HEARTBEAT_INTERVAL` while the reply is open. The writer has stopped when:

- its heartbeat is older than :data:`STALE_AFTER` (any host; this also covers a reused pid), or
- it ran on this host and its process no longer exists (or is a zombie), which is known at once.

A writer blocked for longer than ``STALE_AFTER`` (say, waiting for another process's write
lock) reads as stopped meanwhile; its next write marks the reply ``streaming`` again.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta
from pathlib import Path

#: How often a writer renews the heartbeat of the replies it streams.
HEARTBEAT_INTERVAL = timedelta(seconds=2)
#: A heartbeat older than this means its writer has stopped.
STALE_AFTER = timedelta(seconds=30)


def this_writer() -> str:
    """This process, as recorded in the messages it streams (read at each call: a forked child is another writer)."""
    return f"{os.getpid()}@{socket.gethostname()}"


def has_stopped(writer: str | None, heartbeat_at: datetime | None, now: datetime) -> bool:
    """Whether the process streaming a reply (``writer``, last alive at ``heartbeat_at``) has stopped."""
    if writer is None or heartbeat_at is None or now - heartbeat_at > STALE_AFTER:
        return True
    pid, _, host = writer.partition("@")
    return host == socket.gethostname() and pid.isdigit() and not _running(int(pid))


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    try:  # a killed process its parent has not reaped yet still exists, as a zombie (Linux tells)
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")
