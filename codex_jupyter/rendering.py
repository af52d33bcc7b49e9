"""How messages and sessions look to people: sanitized HTML and Markdown for notebooks, text for terminals.

Message content comes from users, models and other processes, and notebook
frontends run scripts found in trusted outputs. So content is rendered by a real
Markdown parser with raw HTML disabled, and the result is cleaned by a real HTML
sanitizer as a second line of defence. Titles are escaped the same way.
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


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # "html": False makes raw HTML in the source come out as escaped text;
    # markdown-it also refuses javascript:, vbscript: and file: link targets.
    return MarkdownIt("commonmark", {"html": False}).enable("table").enable("strikethrough")


def render_markdown(text: str) -> str:
    """Render Markdown ``text`` to sanitized HTML; code blocks stay ``<pre><code>``."""
    return nh3.clean(_parser().render(text), link_rel="noopener noreferrer nofollow")


def format_time(moment: datetime, *, seconds: bool = True) -> str:
    """The one way times are written for people: UTC, ISO-like, to the second (or the minute)."""
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC" if seconds else "%Y-%m-%d %H:%M UTC")


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


def message_markdown(message: ChatMessage) -> str:
    # The content goes in as sanitized HTML, not as Markdown: Markdown renderers
    # pass raw HTML through, and the content is untrusted.
    return f"**{message.role}** · {format_time(message.timestamp)}\n\n{render_markdown(message.content)}"


def _summary(session: ChatSession, shown: int) -> str:
    hidden = session.message_count - shown
    earlier = f" ({hidden} earlier not shown)" if hidden else ""
    return f"{session.message_count} messages{earlier} · id {session.id} · updated {format_time(session.updated_at)}"


def transcript_text(session: ChatSession, messages: Sequence[ChatMessage] | None = None) -> str:
    """The session as plain text; ``messages`` narrows it to the ones to show (e.g. the latest)."""
    messages = session.messages if messages is None else messages
    lines = [session_label(session), _summary(session, len(messages))]
    return "\n".join(lines + [f"\n{message_text(message)}" for message in messages])


def transcript_markdown(session: ChatSession, messages: Sequence[ChatMessage] | None = None) -> str:
    messages = session.messages if messages is None else messages
    heading = f"### {escape(session_label(session))}\n\n*{escape(_summary(session, len(messages)))}*\n\n"
    return heading + "\n\n---\n\n".join(message_markdown(m) for m in messages)


def transcript_html(session: ChatSession, messages: Sequence[ChatMessage] | None = None) -> str:
    messages = session.messages if messages is None else messages
    body = "".join(message_html(m) for m in messages)
    return (
        f'<div class="codex-session"><h3>{escape(session_label(session))}</h3>'
        f"<p><em>{escape(_summary(session, len(messages)))}</em></p>{body}</div>"
    )


def text_table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    """Columns padded to line up in a terminal (for ``%codex_sessions`` and ``jupyter codex list``)."""
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
                     for row in [header, *rows])  # fmt: skip
