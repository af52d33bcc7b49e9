"""The panel's search results: each hit's session, what matched with the words marked, and Open.

A snippet is untrusted text: it is escaped first, the ``<mark>``\\ s are put in from the hit's
offsets afterwards (as ``%codex_search`` does), and the result goes through the sanitizer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

import nh3
from ipywidgets import HTML, Button, HBox, Layout, VBox

from ...rendering import title_label
from ...search import SearchHit
from ..magics.search import marked
from .message import time_html
from .transcript import close_tree

#: The click handler of a hit's Open button (the panel's: it shows the hit's session and message).
OpenAction = Callable[[SearchHit], Callable[..., None]]


def hit_html(hit: SearchHit) -> str:
    """A hit as HTML: its session's title, what matched (a role, or the title) and when, and its snippet."""
    what = "title" if hit.role is None else hit.role
    untrusted = (
        f"<strong>{escape(title_label(hit.session_title))}</strong>",
        marked(hit.snippet, hit.highlights, ("<mark>", "</mark>"), escape),
    )
    title, snippet = (nh3.clean(part) for part in untrusted)
    return (
        f'<div class="codex-chat-hit"><div class="codex-chat-meta">{title}'
        f'<span class="codex-chat-role">{what}</span>{time_html(hit.timestamp)}</div>'
        f'<div class="codex-chat-snippet">{snippet}</div></div>'
    )


def hits_heading(query: str, hits: Sequence[SearchHit]) -> str:
    if not hits:
        return f"Nothing matches {query}."
    return f"{len(hits)} hit{'s' * (len(hits) != 1)} for {query}"


class SearchResults(VBox):
    """The hits of the last search with a button to open each, under a heading with Close; hidden until a search."""

    def __init__(self, open_action: OpenAction) -> None:
        self._open_action = open_action
        self.heading = HTML("")
        self.heading.add_class("codex-chat-hits-heading")
        self.close_button = Button(description="Close", icon="times", tooltip="Hide the search results")
        self.close_button.on_click(lambda _: self.clear())
        self._rows = VBox([])
        self._rows.add_class("codex-chat-hits")
        self._row_layout = Layout()
        super().__init__([HBox([self.heading, self.close_button]), self._rows])
        self.add_class("codex-chat-search-results")
        self.layout.display = "none"

    @property
    def open_buttons(self) -> list[Button]:
        """Each hit's Open button, in the order the hits are listed."""
        return [row.children[1] for row in self._rows.children]

    def show(self, query: str, hits: Sequence[SearchHit]) -> None:
        self._drop_rows()
        self.heading.value = f"<div>{escape(hits_heading(query, hits))}</div>"
        rows = []
        for hit in hits:
            button = Button(description="Open", tooltip="Show this in the panel")
            button.on_click(self._open_action(hit))
            rows.append(HBox([HTML(hit_html(hit)), button], layout=self._row_layout))
        self._rows.children = rows
        self.layout.display = None

    def clear(self) -> None:
        self._drop_rows()
        self.layout.display = "none"

    def close(self) -> None:
        close_tree(self._row_layout)  # shared by the rows, so dropping them leaves it open
        super().close()

    def _drop_rows(self) -> None:
        rows, self._rows.children = self._rows.children, ()
        for row in rows:
            close_tree(row, shared=(self._row_layout,))
