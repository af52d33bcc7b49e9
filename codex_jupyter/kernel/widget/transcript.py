"""The windowed transcript: the latest messages of one session, as a bounded set of widgets.

A session can hold thousands of messages, and both ends suffer if each becomes a
live widget: the browser renders them all, and a ``Box`` re-sends its whole
``children`` list (every model id) whenever one child is added. So:

- Only a window is live: the latest ``window`` messages (rounded to whole pages)
  when a session is shown; "Show earlier messages" loads more, one window at a time,
  with :meth:`SessionStore.get_messages` (a page read, never the whole session).
- Messages are grouped in pages of ``page_size``, message ``i`` always in page
  ``i // page_size``. Appending a message sends one new widget and the children of
  the last page (at most ``page_size`` ids); the list of pages changes only once per
  ``page_size`` messages. The bytes sent per append do not depend on the session's length.
- When appends push the live messages past ``max_live``, the oldest pages are closed.
- All message widgets share one ``Layout`` and one ``HTMLStyle`` model, and all pages
  one ``Layout``, so a message costs one model in the browser, not three.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence

from ipywidgets import HTML, Button, Layout, VBox, Widget
from ipywidgets.widgets.widget_string import HTMLStyle

from ...models import ChatMessage
from ...rendering import format_time, render_markdown

#: Reads messages ``start`` to ``stop`` of the shown session (``SessionStore.get_messages`` bound to its id).
PageLoader = Callable[[int, int], Sequence[ChatMessage]]

NO_SESSION = "No session yet. Type a message below to start one, or click <b>New session</b>."
NO_MESSAGES = "No messages in this session yet."


def message_html(message: ChatMessage) -> str:
    """One message as HTML; its content goes through the Markdown renderer and the sanitizer, never raw."""
    moment = message.timestamp
    return (
        f'<div class="codex-chat-msg codex-chat-{message.role}">'
        f'<div class="codex-chat-meta"><span class="codex-chat-role">{message.role}</span>'
        f'<time datetime="{moment.isoformat()}" title="{format_time(moment)}">'
        f"{format_time(moment, seconds=False)}</time></div>"
        f'<div class="codex-chat-body jp-RenderedHTMLCommon">{render_markdown(message.content)}</div></div>'
    )


class MessageView(HTML):
    """A message's widget; it remembers the message id in Python only (the browser has no use for it)."""

    def __init__(self, message: ChatMessage, layout: Layout, style: HTMLStyle) -> None:
        super().__init__(message_html(message), layout=layout, style=style)
        self.message_id = message.id


def close_parts(widget: Widget, shared: Collection[Widget] = ()) -> None:
    """Close a widget's children and its own layout and style models, but not the ``shared`` ones.

    ``Widget.close()`` closes one model; the children of a box and every widget's layout
    and style are models of their own, and would stay open (in the kernel and the browser).
    """
    parts = [*getattr(widget, "children", ()), getattr(widget, "layout", None), getattr(widget, "style", None)]
    for part in parts:
        if isinstance(part, Widget) and not any(part is kept for kept in shared):
            close_tree(part, shared)


def close_tree(widget: Widget, shared: Collection[Widget] = ()) -> None:
    """Close a widget with all its parts (see :func:`close_parts`)."""
    close_parts(widget, shared)
    widget.close()


class Transcript(VBox):
    """The live window of a session's messages; see the module docstring for the paging scheme."""

    def __init__(self, *, window: int = 100, page_size: int = 25, max_live: int = 500) -> None:
        if not 0 < page_size <= window <= max_live:
            raise ValueError("need 0 < page_size <= window <= max_live")
        self._page_size = page_size
        self._window_pages = -(-window // page_size)  # whole pages, at least ``window`` messages
        self._max_live = max_live
        self._message_layout = Layout()
        self._message_style = HTMLStyle()
        self._page_layout = Layout()
        self._shared = (self._message_layout, self._message_style, self._page_layout)
        self._placeholder = HTML(NO_SESSION)
        self._placeholder.add_class("codex-chat-empty")
        self._earlier = Button(icon="arrow-up", tooltip="Load earlier messages of this session")
        self._earlier.add_class("codex-chat-earlier")
        self._load: PageLoader | None = None
        self._first_page = 0  # absolute index of self._pages[0]
        self._pages: list[VBox] = []
        self._count = 0  # messages in the session, as far as this transcript knows
        self._shown: set[str] = set()
        super().__init__([self._placeholder])
        self.add_class("codex-chat-transcript")

    # -- what the panel drives -----------------------------------------------------------------

    @property
    def earlier_button(self) -> Button:
        """The "Show earlier messages" button; the panel wires it, so a failed load is reported like any action."""
        return self._earlier

    @property
    def message_count(self) -> int:
        return self._count

    @property
    def live_message_count(self) -> int:
        """Messages that currently have a widget (the window), however long the session is."""
        return sum(len(page.children) for page in self._pages)

    def show(self, count: int | None, load: PageLoader | None) -> None:
        """Show a session of ``count`` messages read through ``load``, or (``None``) the no-session state."""
        self._drop_pages(len(self._pages))
        self._load, self._count, self._shown = load, count or 0, set()
        if load is not None and self._count:
            self._first_page = max(0, self._count - self._window_pages * self._page_size) // self._page_size
            self._pages = self._build_pages(self._first_page, self._count)
        else:
            self._first_page = 0
            self._placeholder.value = NO_SESSION if load is None else NO_MESSAGES
        self._relayout()

    def append(self, message: ChatMessage) -> None:
        """Add a message the store announced; one already shown (e.g. read by :meth:`show`) is ignored."""
        if self._load is None or message.id in self._shown:
            return
        index, self._count = self._count, self._count + 1
        widget = self._message_widget(message)
        page = index // self._page_size
        if self._pages and page == self._first_page + len(self._pages) - 1:
            last = self._pages[-1]
            last.children = (*last.children, widget)
            return
        if not self._pages:
            self._first_page = page
        self._pages.append(self._page([widget]))
        excess = self.live_message_count - self._max_live
        drop = 0
        while excess > 0 and drop < len(self._pages) - 1:
            excess -= len(self._pages[drop].children)
            drop += 1
        self._drop_pages(drop)
        self._first_page += drop
        self._relayout()

    def show_earlier(self) -> None:
        """Load the window of messages before the first live one."""
        if self._load is None or self._first_page == 0:
            return
        first = max(0, self._first_page - self._window_pages)
        self._pages = self._build_pages(first, self._first_page * self._page_size) + self._pages
        self._first_page = first
        self._relayout()

    def close(self) -> None:
        for widget in (*self._pages, self._placeholder, self._earlier, *self._shared):
            close_tree(widget)
        close_parts(self)
        super().close()

    # -- internals ------------------------------------------------------------------------------

    def _build_pages(self, first_page: int, stop: int) -> list[VBox]:
        assert self._load is not None
        start = first_page * self._page_size
        messages = list(self._load(start, stop))
        size = self._page_size
        return [
            self._page(self._message_widget(m) for m in messages[i : i + size]) for i in range(0, len(messages), size)
        ]

    def _page(self, widgets: Iterable[MessageView]) -> VBox:
        return VBox(list(widgets), layout=self._page_layout, _dom_classes=("codex-chat-page",))

    def _message_widget(self, message: ChatMessage) -> MessageView:
        self._shown.add(message.id)
        return MessageView(message, self._message_layout, self._message_style)

    def _drop_pages(self, count: int) -> None:
        dropped, self._pages = self._pages[:count], self._pages[count:]
        for page in dropped:
            self._shown.difference_update(view.message_id for view in page.children)
            close_tree(page, shared=self._shared)

    def _relayout(self) -> None:
        hidden = self._first_page * self._page_size
        if hidden:
            step = min(hidden, self._window_pages * self._page_size)
            self._earlier.description = f"Show {step:,} earlier messages ({hidden:,} not shown)"
        head = [self._earlier] if hidden else []
        body: list[Widget] = list(self._pages) if self._pages else [self._placeholder]
        self.children = (*head, *body)
