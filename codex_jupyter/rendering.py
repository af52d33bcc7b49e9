"""Turning untrusted message text into HTML that is safe to show.

Message content comes from users, models and other processes, and notebook
frontends run scripts found in trusted outputs. So content is rendered by a real
Markdown parser with raw HTML disabled, and the result is cleaned by a real HTML
sanitizer as a second line of defence.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # "html": False makes raw HTML in the source come out as escaped text;
    # markdown-it also refuses javascript:, vbscript: and file: link targets.
    return MarkdownIt("commonmark", {"html": False}).enable("table").enable("strikethrough")


def render_markdown(text: str) -> str:
    """Render Markdown ``text`` to sanitized HTML; code blocks stay ``<pre><code>``."""
    return nh3.clean(_parser().render(text), link_rel="noopener noreferrer nofollow")
