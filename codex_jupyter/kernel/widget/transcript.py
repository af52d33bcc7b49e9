"""The windowed transcript: a stretch of one session's messages, as a bounded set of widgets.

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
- A streamed reply that grows re-renders its own widget only.
- Opening a message far back (a search hit) shows a window around it instead of every
  message from there to the end; the window then no longer reaches the latest message,
  and messages added meanwhile are counted, not shown, until "Show the latest messages".
- All message widgets share one ``Layout`` and one ``HTMLStyle`` model, and all pages
  one ``Layout``, so a message costs one model in the browser, not three.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence

from ipywidgets import HTML, Button, Layout, VBox, Widget
from ipywidgets.widgets.widget_string import HTMLStyle

from ...models import ChatMessage
from .message import MessageView

#: Reads messages ``start`` to ``stop`` of the shown session (``SessionStore.get_messages`` bound to its id).
PageLoader = Callable[[int, int], Sequence[ChatMessage]]

NO_SESSION = "No session yet. Type a message below to start one, or click <b>New session</b>."
NO_MESSAGES = "No messages in this session yet."
#: The class of the message opened from a search hit (the browser side scrolls it into view).
FOUND_CLASS = "codex-chat-found"


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
        self._later = Button(icon="arrow-down", tooltip="Show the latest messages of this session")
        self._later.add_class("codex-chat-later")
        self._load: PageLoader | None = None
        self._first_page = 0  # absolute index of self._pages[0]
        self._pages: list[VBox] = []
        self._count = 0  # messages in the session, as far as this transcript knows
        self._views: dict[str, MessageView] = {}  # the live messages, by id
        self._found: MessageView | None = None
        super().__init__([self._placeholder])
        self.add_class("codex-chat-transcript")

    # -- what the panel drives -----------------------------------------------------------------

    @property
    def earlier_button(self) -> Button:
        """The "Show earlier messages" button; the panel wires it, so a failed load is reported like any action."""
        return self._earlier

    @property
    def later_button(self) -> Button:
        """The "Show the latest messages" button, shown while the window does not reach the latest message."""
        return self._later

    @property
    def message_count(self) -> int:
        return self._count

    @property
    def live_message_count(self) -> int:
        """Messages that currently have a widget (the window), however long the session is."""
        return len(self._views)

    @property
    def at_end(self) -> bool:
        """Whether the window reaches the latest message (so that new messages show as they come)."""
        return self._first_page * self._page_size + self.live_message_count >= self._count

    def show(self, count: int | None, load: PageLoader | None) -> None:
        """Show the latest window of a session of ``count`` messages read through ``load``, or (``None``) the
        no-session state."""
        self._load, self._count = load, count or 0
        first_page = max(0, self._count - self._window_pages * self._page_size) // self._page_size
        self._show_window(first_page, self._count)

    def append(self, message: ChatMessage) -> None:
        """Add a message the store announced; one already shown (e.g. read by :meth:`show`) is ignored."""
        if self._load is None or message.id in self._views:
            return
        at_end = self.at_end
        index, self._count = self._count, self._count + 1
        if not at_end:  # the reader is looking further back: counted, shown with the latest messages
            self._relayout()
            return
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

    def update(self, message: ChatMessage) -> None:
        """Show a message's new state (a streamed reply grew or ended), if it is live; no other widget changes."""
        view = self._views.get(message.id)
        if view is not None:
            view.show(message)

    def show_earlier(self) -> None:
        """Load the window of messages before the first live one."""
        if self._load is None or self._first_page == 0:
            return
        first = max(0, self._first_page - self._window_pages)
        self._pages = self._build_pages(first, self._first_page * self._page_size) + self._pages
        self._first_page = first
        self._relayout()

    def reveal(self, index: int, message_id: str) -> None:
        """Make message ``index`` (whose id is ``message_id``) live and mark it as the one found.

        Pages from it to the window are loaded while that keeps at most ``max_live`` messages live;
        further back, a window around it is shown instead.
        """
        if self._load is None or not 0 <= index < self._count:
            raise IndexError(f"message {index} is not in the shown session of {self._count}")
        page = index // self._page_size
        live_pages = range(self._first_page, self._first_page + len(self._pages))
        if page not in live_pages:
            earlier = (self._first_page - page) * self._page_size
            if page < self._first_page and self.live_message_count + earlier <= self._max_live:
                self._pages = self._build_pages(page, self._first_page * self._page_size) + self._pages
                self._first_page = page
                self._relayout()
            else:
                first = max(0, page - self._window_pages // 2)
                self._show_window(first, min(self._count, (first + self._window_pages) * self._page_size))
        self._mark(self._views.get(message_id))

    def close(self) -> None:
        for widget in (*self._pages, self._placeholder, self._earlier, self._later, *self._shared):
            close_tree(widget)
        close_parts(self)
        super().close()

    # -- internals ------------------------------------------------------------------------------

    def _show_window(self, first_page: int, stop: int) -> None:
        """Replace the live messages with those from page ``first_page`` to message ``stop``."""
        self._drop_pages(len(self._pages))
        self._found = None
        self._first_page = first_page
        if self._load is not None and stop > first_page * self._page_size:
            self._pages = self._build_pages(first_page, stop)
        else:
            self._placeholder.value = NO_SESSION if self._load is None else NO_MESSAGES
        self._relayout()

    def _mark(self, view: MessageView | None) -> None:
        if self._found is not None:
            self._found.remove_class(FOUND_CLASS)
        self._found = view
        if view is not None:
            view.add_class(FOUND_CLASS)

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
        view = MessageView(message, self._message_layout, self._message_style)
        self._views[message.id] = view
        return view

    def _drop_pages(self, count: int) -> None:
        dropped, self._pages = self._pages[:count], self._pages[count:]
        for page in dropped:
            for view in page.children:
                del self._views[view.message_id]
                if view is self._found:
                    self._found = None
            close_tree(page, shared=self._shared)

    def _relayout(self) -> None:
        hidden = self._first_page * self._page_size
        if hidden:
            step = min(hidden, self._window_pages * self._page_size)
            self._earlier.description = f"Show {step:,} earlier messages ({hidden:,} not shown)"
        later = self._count - hidden - self.live_message_count
        if later > 0:
            self._later.description = f"Show the latest messages ({later:,} later not shown)"
        head = [self._earlier] if hidden else []
        body: list[Widget] = list(self._pages) if self._pages else [self._placeholder]
        tail = [self._later] if later > 0 else []
        self.children = (*head, *body, *tail)
