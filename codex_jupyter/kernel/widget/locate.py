"""Where a message stands in its session, to show a search hit among its neighbours.

A search hit names a message by id, and the transcript pages by position; the store reads
pages of messages, not positions of ids. Messages are stored in the order they were added,
each stamped later than the one before (the store makes sure of it), so a binary search on
the hit's timestamp finds it in a few one-message reads, however long the session. Only an
imported session may hold times out of order (they are kept as the file had them): there the
search falls back to reading the session page by page.
"""

from __future__ import annotations

from datetime import datetime

from ...errors import MessageNotFoundError
from ...store import SessionStore

#: Messages read at a time when looking through a session whose times are out of order.
PAGE = 500


def message_position(store: SessionStore, session_id: str, message_id: str, timestamp: datetime) -> int:
    """The index of message ``message_id`` (stamped ``timestamp``) in session ``session_id``."""
    count = store.get_session(session_id).message_count
    low, high = 0, count
    while low < high:
        middle = (low + high) // 2
        if store.get_messages(session_id, middle, middle + 1)[0].timestamp < timestamp:
            low = middle + 1
        else:
            high = middle
    for start in (low, *range(0, count, PAGE)):
        for offset, message in enumerate(store.get_messages(session_id, start, start + PAGE)):
            if message.id == message_id:
                return start + offset
    raise MessageNotFoundError(session_id, message_id)
