"""How messages and sessions look to people: sanitized HTML for notebooks, text for terminals.

Message content comes from users, models and other processes, and notebook
frontends run scripts found in trusted outputs. So content is rendered by a real
Markdown parser with raw HTML disabled, and the result is cleaned by a real HTML
sanitizer as a second line of defence. Titles are escaped the same way.

Notebooks get that HTML as ``text/html``, never wrapped in ``text/markdown``: a
Markdown renderer would parse it again, and neither escaping nor sanitizing makes
HTML safe to re-parse as Markdown. A title ``[t](javascript:…)`` survives HTML
escaping as a live link, and sanitized HTML with a blank line inside ``<pre>`` ends
the Markdown "HTML block" early, so the rest of the message is read as Markdown
again. JupyterLab does not sanitize the Markdown of trusted outputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from html import escape
from typing import TYPE_CHECKING

import nh3
from markdown_it import MarkdownIt

if TYPE_CHECKING:
    from .models import ChatMessage, ChatSession

UNTITLED = "Untitled session"

#: The most messages a rich display renders. Rendering takes about a millisecond per message of chat-sized
#: Markdown, and a notebook output of many megabytes is slow to render, save and load; exports have no limit.
DISPLAY_LIMIT = 1000


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # "html": False makes raw HTML in the source come out as escaped text;
    # markdown-it also refuses javascript:, vbscript: and file: link targets.
    return MarkdownIt("commonmark", {"html": False}).enable("table").enable("strikethrough")


def render_markdown(text: str) -> str:
    """Render Markdown ``text`` to sanitized HTML; code blocks stay ``<pre><code>``."""
    return nh3.clean(_parser().render(text), link_rel="noopener noreferrer nofollow")


def format_time(moment: datetime, *, seconds: bool = True) -> str:
    """The one way times are written for people: ISO-like, to the second (or the minute), with the zone named.

    Stored times are UTC, and files and terminals get them so; the chat panel passes the kernel's
    local time (``moment.astimezone()``), written the same way with its own zone (``CET``).
    """
    return moment.strftime("%Y-%m-%d %H:%M:%S %Z" if seconds else "%Y-%m-%d %H:%M %Z")


def session_label(session: ChatSession) -> str:
    """A one-line name for a session, for lists and headings."""
    return title_label(session.title)


def title_label(title: str | None) -> str:
    """A title on one line, or :data:`UNTITLED`."""
    return " ".join((title or UNTITLED).split())


def message_text(message: ChatMessage) -> str:
    return f"{message.role} · {format_time(message.timestamp)}\n{message.content}"


def message_html(message: ChatMessage) -> str:
    return (
        f'<div class="codex-message codex-role-{message.role}">'
        f"<p><strong>{message.role}</strong> · <small>{format_time(message.timestamp)}</small></p>"
        f"{render_markdown(message.content)}</div>"
    )


def messages_text(count: int) -> str:
    """``"1 message"``, ``"1,234 messages"``."""
    return f"{count:,} message{'s' * (count != 1)}"


def session_html(session: ChatSession) -> str:
    """A session in one line of HTML (title, id, message count), for the magics that name one."""
    return (
        f"<strong>{escape(session_label(session))}</strong> "
        f"(<code>{escape(session.id)}</code>, {messages_text(session.message_count)})"
    )


def _summary(session: ChatSession, shown: int) -> str:
    count = session.message_count
    earlier = f" ({count - shown:,} earlier not shown)" if count > shown else ""
    return f"{messages_text(count)}{earlier} · id {session.id} · updated {format_time(session.updated_at)}"


def latest_messages(session: ChatSession, limit: int = DISPLAY_LIMIT) -> Sequence[ChatMessage]:
    """The messages a rich display of ``session`` shows: the latest ``limit``."""
    return session.messages[max(0, session.message_count - limit) :]


def transcript_text(
    session: ChatSession, messages: Sequence[ChatMessage] | None = None, *, note: str | None = None
) -> str:
    """The session as plain text; ``messages`` narrows it to the ones to show (e.g. the latest).

    ``note`` is a line for the reader, shown before the messages (e.g. why not all of them are shown).
    """
    messages = session.messages if messages is None else messages
    lines = [session_label(session), _summary(session, len(messages)), *([note] if note else [])]
    return "\n".join(lines + [f"\n{message_text(message)}" for message in messages])


def transcript_html(
    session: ChatSession, messages: Sequence[ChatMessage] | None = None, *, note: str | None = None
) -> str:
    """The session as sanitized HTML; ``messages`` and ``note`` as for :func:`transcript_text`."""
    messages = session.messages if messages is None else messages
    body = "<hr>".join(message_html(m) for m in messages)
    shown_note = f'<p class="codex-note"><strong>{escape(note)}</strong></p>' if note else ""
    return (
        f'<div class="codex-session"><h3>{escape(session_label(session))}</h3>'
        f"<p><em>{escape(_summary(session, len(messages)))}</em></p>{shown_note}{body}</div>"
    )


def session_display_html(session: ChatSession) -> str:
    """A session's rich display in a notebook: its latest :data:`DISPLAY_LIMIT` messages."""
    return transcript_html(session, latest_messages(session))


def text_table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    """Columns padded to line up in a terminal (for ``%codex_sessions`` and ``jupyter codex list``)."""
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
                     for row in [header, *rows])  # fmt: skip
