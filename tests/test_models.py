"""ChatMessage and ChatSession: validation, JSON round trips, and safe rich display."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest

from codex_jupyter import ChatMessage, ChatSession

UTC = timezone.utc
MOMENT = datetime(2026, 11, 25, 9, 30, 0, 123456, tzinfo=UTC)


def message(content: str = "Why does my groupby drop NaN keys?", role: str = "user") -> ChatMessage:
    return ChatMessage(id="m-1", role=role, content=content, timestamp=MOMENT)


def test_message_round_trips_through_json_with_iso_8601_timestamps():
    original = message()
    data = json.loads(json.dumps(original.to_dict()))
    assert data["timestamp"] == "2026-11-25T09:30:00.123456+00:00"
    assert ChatMessage.from_dict(data) == original


def test_session_round_trips_through_json_with_its_messages_and_title():
    session = ChatSession(
        id="s-1",
        title="pandas",
        messages=[message(), message("Use dropna=False.", "assistant")],
        created_at=MOMENT,
        updated_at=MOMENT + timedelta(seconds=5),
    )
    data = json.loads(json.dumps(session.to_dict()))
    assert data["message_count"] == 2
    assert ChatSession.from_dict(data) == session


def test_timestamps_in_other_zones_are_stored_as_utc():
    paris = timezone(timedelta(hours=1))
    stamped = ChatMessage(id="m", role="user", content="x", timestamp=datetime(2026, 1, 1, 12, tzinfo=paris))
    assert stamped.timestamp == datetime(2026, 1, 1, 11, tzinfo=UTC)
    assert stamped.timestamp.tzinfo is UTC


def test_a_zulu_suffix_is_accepted_when_reading_json():
    data = {**message().to_dict(), "timestamp": "2026-11-25T09:30:00Z"}
    assert ChatMessage.from_dict(data).timestamp == datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def test_naive_timestamps_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        ChatMessage(id="m", role="user", content="x", timestamp=datetime(2026, 1, 1))


def test_an_unknown_role_is_refused_naming_the_allowed_roles():
    with pytest.raises(ValueError, match="user, assistant, system"):
        message(role="robot")


def test_non_text_content_is_refused():
    with pytest.raises(TypeError, match="content must be str, not bytes"):
        ChatMessage(id="m", role="user", content=b"hi", timestamp=MOMENT)


@pytest.mark.parametrize("field", ["id", "role", "content", "timestamp"])
def test_json_missing_a_field_is_refused_naming_it(field):
    data = message().to_dict()
    del data[field]
    with pytest.raises(ValueError, match=repr(field)):
        ChatMessage.from_dict(data)


def test_json_with_a_malformed_timestamp_is_refused_naming_it():
    with pytest.raises(ValueError, match="timestamp is not an ISO 8601 timestamp"):
        ChatMessage.from_dict({**message().to_dict(), "timestamp": "yesterday"})


def test_sessions_and_messages_are_immutable_values():
    session = ChatSession(id="s", messages=[message()])
    with pytest.raises(AttributeError):
        session.title = "changed"  # type: ignore[misc]
    assert isinstance(session.messages, tuple)


XSS_PAYLOADS = [
    "<script>window.pwned = 1</script>",
    '<img src=x onerror="window.pwned = 1">',
    "[click me](javascript:window.pwned=1)",
    '<a href="javascript:window.pwned=1">click</a>',
    '<svg onload="window.pwned=1"></svg>',
]


class _Elements(HTMLParser):
    """Collects the real elements and attributes of an HTML fragment (escaped text is not markup)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def assert_inert(html: str) -> None:
    for tag, attributes in _Elements(html).elements:
        assert tag not in {"script", "img", "svg", "iframe", "object", "embed", "style"}, html
        for name, value in attributes.items():
            assert not name.startswith("on"), html
            assert not (value or "").strip().lower().startswith(("javascript:", "data:", "vbscript:")), html


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_rich_display_never_emits_live_markup_from_message_text(payload):
    shown = message(payload)
    session = ChatSession(id="s", title='<b onmouseover="alert(1)">t</b>', messages=[shown])
    for html in (shown._repr_html_(), session._repr_html_()):
        assert_inert(html)


def test_a_sessions_rich_display_is_html_of_its_latest_1000_messages():
    session = ChatSession(id="s", messages=[message(f"message {index}") for index in range(1005)])
    html = session._repr_html_()
    assert "message 4<" not in html and "message 5<" in html and "message 1004<" in html
    assert "5 earlier not shown" in html
    assert not hasattr(session, "_repr_markdown_")


def test_rich_display_keeps_the_payload_visible_as_text():
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in message(XSS_PAYLOADS[0])._repr_html_()


def test_rich_display_renders_markdown_and_keeps_code_blocks_as_code():
    shown = message("Use **dropna=False**:\n\n```python\ndf.groupby('k', dropna=False)\n```")
    html = shown._repr_html_()
    assert "<strong>dropna=False</strong>" in html
    assert "<pre><code>df.groupby('k', dropna=False)\n</code></pre>" in html
    assert "codex-role-user" in html


def test_plain_text_form_shows_role_time_and_content():
    assert str(message()) == "user · 2026-11-25 09:30:00 UTC\nWhy does my groupby drop NaN keys?"
