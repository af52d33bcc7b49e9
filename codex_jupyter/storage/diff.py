"""Other hands' changes, told as events: the difference between what a backend saw and what it sees now.

Every backend whose data can change under it (another process's write to the workspace file,
``metadata.codex`` edited in JupyterLab or reloaded with the page) reports that difference the
same way, so a client such as the chat panel follows any backend without knowing which it is.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

from ..events import ChangeKind, StoreChange
from ..models import ChatMessage


def external_changes(
    *,
    seen: Collection[str],
    sessions: Sequence[str],
    added: Iterable[tuple[str, ChatMessage]],
    seen_current: Mapping[str, str],
    current: Mapping[str, str],
    replaced: Collection[str] = (),
    renamed: Iterable[str] = (),
    updated: Iterable[tuple[str, ChatMessage]] = (),
) -> list[StoreChange]:
    """The external events that turn what was seen into what is there now.

    ``seen``/``sessions``: session ids before, and now in creation order. ``added``: the messages
    appended since, as ``(session id, message)`` in order. ``seen_current``/``current``: the current
    session of each scope, before and now. ``replaced``: sessions still there but changed otherwise
    than by appended or updated messages (their history edited): they are told as deleted and created
    again, and the scopes they are current for as changed, so a client showing one reads it afresh.
    ``renamed``: sessions whose title changed. ``updated``: messages that changed in place (a streamed
    reply that grew or ended), each as it now stands.

    In that order: replaced sessions, created sessions, added messages, updated messages, renamed
    sessions, deleted sessions, changed current sessions (by scope name).
    """
    found = [
        StoreChange(kind, session_id, external=True)
        for session_id in sessions
        if session_id in replaced
        for kind in (ChangeKind.SESSION_DELETED, ChangeKind.SESSION_CREATED)
    ]
    found += [StoreChange(ChangeKind.SESSION_CREATED, s, external=True) for s in sessions if s not in seen]
    found += [StoreChange(ChangeKind.MESSAGE_ADDED, s, message, external=True) for s, message in added]
    found += [StoreChange(ChangeKind.MESSAGE_UPDATED, s, message, external=True) for s, message in updated]
    found += [StoreChange(ChangeKind.SESSION_RENAMED, s, external=True) for s in renamed if s not in replaced]
    found += [StoreChange(ChangeKind.SESSION_DELETED, s, external=True) for s in sorted(set(seen) - set(sessions))]
    found += [
        StoreChange(ChangeKind.CURRENT_CHANGED, current.get(scope), scope=scope, external=True)
        for scope in sorted(current.keys() | seen_current.keys())
        if current.get(scope) != seen_current.get(scope) or current.get(scope) in replaced
    ]
    return found


def message_changes(
    before: Sequence[ChatMessage], after: Sequence[ChatMessage]
) -> tuple[list[ChatMessage], list[ChatMessage]] | None:
    """The messages of ``before`` that ``after`` changed in place, and those it adds at the end;
    ``None`` if it changed the history otherwise (a message removed, moved or replaced by another)."""
    if len(after) < len(before) or any(old.id != new.id for old, new in zip(before, after, strict=False)):
        return None
    changed = [new for old, new in zip(before, after, strict=False) if old != new]
    return changed, list(after[len(before) :])
