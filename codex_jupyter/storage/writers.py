"""Who is streaming a reply into a shared store (the workspace file, PostgreSQL), and whether they still are.

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

import logging
import os
import socket
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path

from ..events import ChangeKind, StoreChange
from ..models import ChatMessage

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


class OthersReplies:
    """The replies other processes were streaming at the last look into a shared store.

    They are watched because nothing in the store changes when their writer dies: a backend
    asks :meth:`any_stopped` at each poll, then records the stopped ones as ``incomplete``.
    """

    def __init__(self) -> None:
        self._writers: dict[str, tuple[str | None, datetime | None]] = {}

    def __bool__(self) -> bool:
        return bool(self._writers)

    def see(self, streaming: Iterable[tuple[str, str | None, datetime | None]]) -> None:
        """Watch what streams now: ``(message id, writer, heartbeat)`` rows; this process's own are left out."""
        mine = this_writer()
        self._writers = {
            message_id: (writer, heartbeat_at) for message_id, writer, heartbeat_at in streaming if writer != mine
        }

    def any_stopped(self, now: datetime) -> bool:
        """Whether a writer watched has stopped; its replies are no longer watched (they are the caller's to mark)."""
        stopped = [
            message_id
            for message_id, (writer, heartbeat_at) in self._writers.items()
            if has_stopped(writer, heartbeat_at, now)
        ]
        for message_id in stopped:
            del self._writers[message_id]
        return bool(stopped)

    def recorded_incomplete(self, marked: list[tuple[str, str]], logger: logging.Logger, location: str) -> None:
        """The replies ``marked`` (session and message ids) were just recorded incomplete: stop watching, and say so."""
        for _, message_id in marked:
            self._writers.pop(message_id, None)
        logger.warning(
            "%d chat repl%s in %s stopped mid-stream (the process writing it ended); kept as incomplete",
            len(marked),
            "y" if len(marked) == 1 else "ies",
            location,
        )


def incomplete_changes(
    marked: list[tuple[str, str]],
    get_message: Callable[[str, str], ChatMessage | None],
    announced: list[StoreChange],
) -> list[StoreChange]:
    """The changes that tell of the replies ``marked`` incomplete (session and message ids), as another process's
    updates: one per message, none for a message ``announced`` already holds a change of."""
    told = {change.message.id for change in announced if change.message is not None}
    changes = []
    for session_id, message_id in marked:
        message = get_message(session_id, message_id)
        if message is not None and message_id not in told:
            changes.append(StoreChange(ChangeKind.MESSAGE_UPDATED, session_id, message, external=True))
    return changes
