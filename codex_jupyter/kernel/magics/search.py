"""The magic that searches the kernel's store: ``%codex_search``.

Hits are shown as text for terminals and as an HTML table for notebooks, never as Markdown:
JupyterLab does not sanitize the Markdown outputs of a trusted notebook, and a snippet is
untrusted text. In the HTML, the text is escaped first and the ``<mark>``\\ s are put in from
the hit's offsets afterwards, and the whole goes through the sanitizer that message HTML
goes through (``nh3``), as a second line of defence.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from html import escape

import nh3
from IPython.core.magic import line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments
from IPython.utils.process import arg_split

from ...rendering import UNTITLED, format_time
from ...search import SearchHit
from .base import CodexMagics, show

#: What marks a matched word in the text shown to terminals.
TEXT_MARKS = ("«", "»")


@magics_class
class SearchMagics(CodexMagics):
    @magic_arguments()
    @argument("query", nargs="+", help='words (all must match), "a phrase" (words in a row), prefix*')
    @argument("--limit", "-n", type=int, default=20, help="the most hits to show, 1 to 200 (default: 20)")
    @argument("--session", "-s", help="search this session only (its id, or a unique start of it)")
    @line_magic
    def codex_search(self, line: str) -> None:
        """Search the messages and session titles of the kernel's store, best matches first.

        Words are found whatever their case and accents; every word must match. Each hit shows
        its session's title and id (``%codex_use`` completes ids with Tab) and the matched text.
        """
        args = self._parse(line)
        query = " ".join(args.query)
        with self.user_errors():
            session_id = self.store.find_session(args.session).id if args.session else None
            hits = self.store.search(query, limit=args.limit, session_id=session_id)
        if not hits:
            show(f"No message or title matches {query}.")
            return
        show(hits_text(query, hits), html=hits_html(query, hits))

    def _parse(self, line: str) -> argparse.Namespace:
        # Unlike the other magics' arguments, the query keeps its quotes: they make phrases. An
        # unclosed quote is not an error either (it runs to the end of the query).
        return self.codex_search.parser.parse_args(arg_split(line, posix=False, strict=False))


def _heading(query: str, hits: Sequence[SearchHit]) -> str:
    return f"{len(hits)} hit{'s' if len(hits) != 1 else ''} for {query}"


def _title(hit: SearchHit) -> str:
    return " ".join((hit.session_title or UNTITLED).split())


def _what(hit: SearchHit) -> str:
    return "title" if hit.message_id is None else str(hit.role)


def _merged(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans in order, with those that overlap or touch made one (a phrase may match twice over)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def marked(snippet: str, spans: Sequence[tuple[int, int]], marks: tuple[str, str], quote: Callable[[str], str]) -> str:
    """``snippet`` with ``marks`` around each span; ``quote`` is applied to the text, never to the marks."""
    parts, done = [], 0
    for start, end in _merged(spans):
        parts += [quote(snippet[done:start]), marks[0], quote(snippet[start:end]), marks[1]]
        done = end
    parts.append(quote(snippet[done:]))
    return "".join(parts)


def hits_text(query: str, hits: Sequence[SearchHit]) -> str:
    """The hits for terminals: a line naming each hit's session, then its snippet, matches in «»."""
    lines = [f"{_heading(query, hits)}:"]
    for hit in hits:
        lines.append(f"{_title(hit)} · {hit.session_id} · {_what(hit)} · {format_time(hit.timestamp)}")
        lines.append(f"    {marked(hit.snippet, hit.highlights, TEXT_MARKS, str)}")
    return "\n".join(lines)


def hits_html(query: str, hits: Sequence[SearchHit]) -> str:
    """The hits for notebooks: a table of session, match and time, matches in ``<mark>``, sanitized."""
    rows = "".join(
        "<tr>"
        f"<td>{escape(_title(hit))}<br><small><code>{escape(hit.session_id)}</code></small></td>"
        f"<td>{escape(_what(hit))}</td>"
        f"<td>{marked(hit.snippet, hit.highlights, ('<mark>', '</mark>'), escape)}</td>"
        f"<td><small>{escape(format_time(hit.timestamp))}</small></td>"
        "</tr>"
        for hit in hits
    )
    caption = escape(_heading(query, hits))
    head = "<tr><th>session</th><th>in</th><th>match</th><th>when</th></tr>"
    return nh3.clean(f"<table><caption>{caption}</caption><thead>{head}</thead><tbody>{rows}</tbody></table>")
