"""One message as the panel shows it: role, time, content, and how a streamed reply stands.

Times are written in the kernel's local time zone, named (``2026-11-26 14:05 CET``). The
panel's text is made in the kernel, which cannot know the browser's zone; where JupyterLab
runs on the person's own machine, as usual, the two are the same, and elsewhere the zone's
name says which time it is. The ``<time>`` element carries the exact moment in ISO 8601.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from ipywidgets import HTML, Layout
from ipywidgets.widgets.widget_string import HTMLStyle

from ...models import ChatMessage
from ...rendering import format_time, render_markdown

#: What is said under a reply that is not complete (an error's reason follows its words).
STATUS_WORDS = {
    "streaming": "Writing…",
    "cancelled": "Stopped before the end.",
    "error": "Failed:",
    "incomplete": "Incomplete: its writer stopped before the reply ended.",
}


def time_html(moment: datetime) -> str:
    """A ``<time>`` in the kernel's local time to the minute, with the seconds in its tooltip."""
    local = moment.astimezone()
    shown = format_time(local, seconds=False)
    return f'<time datetime="{moment.isoformat()}" title="{format_time(local)}">{shown}</time>'


def message_html(message: ChatMessage) -> str:
    """One message as HTML; its content goes through the Markdown renderer and the sanitizer, never raw."""
    status = ""
    if message.status in STATUS_WORDS:
        words = STATUS_WORDS[message.status]
        if message.error:
            words = f"{words} {message.error}"
        status = f'<div class="codex-chat-status" role="status">{escape(words)}</div>'
    return (
        f'<div class="codex-chat-msg codex-chat-{message.role} codex-chat-is-{message.status}">'
        f'<div class="codex-chat-meta"><span class="codex-chat-role">{message.role}</span>'
        f"{time_html(message.timestamp)}</div>"
        f'<div class="codex-chat-body jp-RenderedHTMLCommon">{render_markdown(message.content)}</div>{status}</div>'
    )


class MessageView(HTML):
    """A message's widget; it remembers the message id in Python only (the browser has no use for it)."""

    def __init__(self, message: ChatMessage, layout: Layout, style: HTMLStyle) -> None:
        super().__init__(message_html(message), layout=layout, style=style)
        self.message_id = message.id

    def show(self, message: ChatMessage) -> None:
        """Show the message as it now stands (a streamed reply that grew or ended)."""
        self.value = message_html(message)
