"""The chat data model: what a message and a session are, and how they travel as JSON.

Models are immutable values. The store hands out snapshots, so a caller holding a
``ChatSession`` can never change stored data by mutating it, and a session read
from another thread does not change under its reader.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal, get_args, overload

from . import rendering
from .errors import InvalidInputError, InvalidTypeError

Role = Literal["user", "assistant", "system"]
ROLES: tuple[str, ...] = get_args(Role)

#: Where a message stands. Messages added whole are ``complete``; a reply streamed from a model is ``streaming``
#: while it grows, then ``complete``, ``cancelled`` (stopped by the user) or ``error`` (the model failed; ``error``
#: says how). ``incomplete``: its writer stopped before finishing it (the process died, or its store was closed).
MessageStatus = Literal["streaming", "complete", "cancelled", "error", "incomplete"]
STATUSES: tuple[str, ...] = get_args(MessageStatus)


def new_id() -> str:
    """A fresh UUID4 string, the id format of sessions and messages."""
    return str(uuid.uuid4())


def is_id(value: object) -> bool:
    """Whether ``value`` is an id as :func:`new_id` makes them: a UUID in its canonical text form."""
    try:
        return isinstance(value, str) and str(uuid.UUID(value)) == value
    except ValueError:
        return False


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def check_role(role: object) -> Role:
    """Return ``role`` if it is one of :data:`ROLES`, else raise ``InvalidInputError`` naming them."""
    if role not in ROLES:
        raise InvalidInputError(f"invalid role {role!r}: the role must be one of {', '.join(ROLES)}")
    return role  # type: ignore[return-value]


def check_content(content: object) -> str:
    """Return ``content`` if it is text, else raise ``InvalidTypeError``: messages hold text only."""
    if not isinstance(content, str):
        raise InvalidTypeError(f"message content must be str, not {type(content).__name__}")
    return content


#: The longest session title, in characters (after trimming).
MAX_TITLE = 200


def check_title(title: object) -> str | None:
    """``title`` trimmed, if it is ``None`` or 1 to :data:`MAX_TITLE` characters of text; else ``InvalidInputError``."""
    if title is None:
        return None
    if not isinstance(title, str):
        raise InvalidTypeError(f"session title must be str or None, not {type(title).__name__}")
    trimmed = title.strip()
    if not 1 <= len(trimmed) <= MAX_TITLE:
        raise InvalidInputError(
            f"a session title must be 1 to {MAX_TITLE} characters (not counting spaces around it), not {len(trimmed)}"
        )
    return trimmed


def check_status(status: object) -> MessageStatus:
    """Return ``status`` if it is one of :data:`STATUSES`, else raise ``InvalidInputError`` naming them."""
    if status not in STATUSES:
        raise InvalidInputError(f"invalid message status {status!r}: the status must be one of {', '.join(STATUSES)}")
    return status  # type: ignore[return-value]


def _check_timestamp(name: str, value: object) -> datetime:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise InvalidInputError(f"{name} must be a timezone-aware datetime, got {value!r}")
    try:
        return value.astimezone(timezone.utc)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00 is in year 0 in UTC
        raise InvalidInputError(f"{name} is out of the range of dates (years 1 to 9999 in UTC): {value!r}") from None


def _parse_timestamp(name: str, value: object) -> datetime:
    if not isinstance(value, str):
        raise InvalidInputError(f"{name} must be an ISO 8601 string, got {value!r}")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInputError(f"{name} is not an ISO 8601 timestamp: {value!r}") from None
    return _check_timestamp(name, parsed)


def _field(data: Mapping[str, Any], name: str, kind: str) -> Any:
    if name not in data:
        raise InvalidInputError(f"{kind} is missing the field {name!r}")
    return data[name]


class _Displayed:
    """Rich display in notebooks and readable text in terminals, from the renderers each model names."""

    __slots__ = ()
    _as_text: Callable[[Any], str]
    _as_html: Callable[[Any], str]

    def __str__(self) -> str:
        return self._as_text(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # IPython's text form (terminals, text/plain): the readable text, not the dataclass fields.
        printer.text(str(self))

    def _repr_html_(self) -> str:
        # HTML, not Markdown: sanitized HTML handed to a Markdown renderer is parsed again (see rendering).
        return self._as_html(self)


@dataclass(frozen=True, slots=True)
class ChatMessage(_Displayed):
    """One message of a chat session. ``timestamp`` is timezone-aware UTC.

    ``status`` is ``complete`` unless the message is a reply streamed from a model (see
    :data:`MessageStatus`); ``error`` is the one-line reason of a reply that failed.
    """

    _as_text = staticmethod(rendering.message_text)
    _as_html = staticmethod(rendering.message_html)

    id: str
    role: Role
    content: str
    timestamp: datetime
    status: MessageStatus = "complete"
    error: str | None = None

    def __post_init__(self) -> None:
        check_role(self.role)
        check_content(self.content)
        check_status(self.status)
        if self.error is not None and not isinstance(self.error, str):
            raise InvalidTypeError(f"message error must be str or None, not {type(self.error).__name__}")
        object.__setattr__(self, "timestamp", _check_timestamp("timestamp", self.timestamp))

    def to_dict(self) -> dict[str, str]:
        """The JSON form. A complete message has exactly the fields it always had, so files written
        before replies streamed, and the schemas that describe them, stay valid."""
        data = {
            "id": self.id,
            "role": self.role,
            "content": self.content,
            "timestamp": self.timestamp.isoformat(),
        }
        if self.status != "complete":
            data["status"] = self.status
        if self.error is not None:
            data["error"] = self.error
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ChatMessage:
        """Build a message from its JSON form, raising ``InvalidInputError`` naming the bad field."""
        return cls(
            id=str(_field(data, "id", "message")),
            role=check_role(_field(data, "role", "message")),
            content=check_content(_field(data, "content", "message")),
            timestamp=_parse_timestamp("timestamp", _field(data, "timestamp", "message")),
            status=check_status(data.get("status", "complete")),
            error=data.get("error"),
        )


class LazyMessages(Sequence[ChatMessage]):
    """The messages of a stored session, read from storage on first use.

    Listing a thousand sessions must not read a hundred thousand messages, so a
    session read from the store carries its message count and a loader instead of
    the messages. The count is fixed when the session is read: the sequence is a
    snapshot and does not grow when messages are appended later.
    """

    __slots__ = ("_count", "_items", "_load")

    def __init__(self, count: int, load: Callable[[int], Sequence[ChatMessage]]) -> None:
        self._count = count
        self._load = load
        self._items: tuple[ChatMessage, ...] | None = None

    def _materialize(self) -> tuple[ChatMessage, ...]:
        if self._items is None:
            self._items = tuple(self._load(self._count))
        return self._items

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> ChatMessage: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[ChatMessage, ...]: ...
    def __getitem__(self, index: int | slice) -> ChatMessage | tuple[ChatMessage, ...]:
        return self._materialize()[index]

    def __iter__(self) -> Iterator[ChatMessage]:
        return iter(self._materialize())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(other) == self._count and tuple(self) == tuple(other)

    def __hash__(self) -> int:
        return hash(self._materialize())

    def __repr__(self) -> str:
        state = "loaded" if self._items is not None else "not loaded"
        return f"<{self._count} messages, {state}>"


@dataclass(frozen=True, slots=True)
class ChatSession(_Displayed):
    """A chat session: its messages in order, its creation and last-change times, an optional title."""

    _as_text = staticmethod(rendering.transcript_text)
    _as_html = staticmethod(rendering.session_display_html)

    id: str
    messages: Sequence[ChatMessage] = field(default_factory=tuple)
    created_at: datetime = field(default_factory=utc_now)
    updated_at: datetime = field(default_factory=utc_now)
    title: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.messages, LazyMessages):
            object.__setattr__(self, "messages", tuple(self.messages))
        object.__setattr__(self, "created_at", _check_timestamp("created_at", self.created_at))
        object.__setattr__(self, "updated_at", _check_timestamp("updated_at", self.updated_at))
        if self.title is not None and not isinstance(self.title, str):
            raise InvalidTypeError(f"session title must be str or None, not {type(self.title).__name__}")

    @property
    def message_count(self) -> int:
        return len(self.messages)

    def to_dict(self, *, include_messages: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "message_count": self.message_count,
        }
        if include_messages:
            data["messages"] = [message.to_dict() for message in self.messages]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ChatSession:
        """Build a session from its JSON form; ``message_count`` is derived, so it is not read."""
        messages = _field(data, "messages", "session")
        if not isinstance(messages, list):
            raise InvalidInputError("session field 'messages' must be a list")
        return cls(
            id=str(_field(data, "id", "session")),
            title=data.get("title"),
            messages=tuple(ChatMessage.from_dict(m) for m in messages),
            created_at=_parse_timestamp("created_at", _field(data, "created_at", "session")),
            updated_at=_parse_timestamp("updated_at", _field(data, "updated_at", "session")),
        )
