"""The magics that move sessions in and out through files: ``%codex_export`` and ``%codex_import``."""

from __future__ import annotations

import json
from html import escape

from IPython.core.error import UsageError
from IPython.core.magic import line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments
from IPython.display import JSON, display

from ...formats import FORMATS, format_for, write
from ...transfer import import_file, write_export
from .base import CodexMagics, parse_arguments, show


@magics_class
class ExportMagics(CodexMagics):
    @magic_arguments()
    @argument("path", nargs="?", help="file to write; without it, the export is displayed")
    @argument("--format", "-f", choices=FORMATS, help="md, json or chat (default: from the file's suffix, else md)")
    @argument("--all", "-a", action="store_true", help="every session, not only the current one")
    @argument(
        "--force", action="store_true", help="replace the file if it exists (without it, an existing file is kept)"
    )
    @line_magic
    def codex_export(self, line: str) -> None:
        """Export the current session (or ``--all``) as Markdown, JSON or a jupyterlab-chat ``.chat`` file.

        The export holds the messages exactly as stored; JSON and ``.chat`` load back with
        ``%codex_import``, and a ``.chat`` file opens in JupyterLab's chat (one session per file).
        A file is written whole or not at all, readable by its owner only, and an existing
        file is replaced only with ``--force``.
        """
        args = parse_arguments(self.codex_export, line)
        format = args.format or format_for(args.path)
        with self.user_errors():
            if args.all:
                sessions = self.store.get_sessions()
            else:
                current = self.store.get_current_session()
                if current is None:
                    raise UsageError("there is no current session to export (use --all for every session)")
                sessions = [current]
            text = write(sessions, format)
            if args.path:
                path = write_export(args.path, text, replace=args.force)
        count = sum(s.message_count for s in sessions)
        if args.path:
            show(f"Wrote {len(sessions)} session(s), {count} messages, as {format} to {path}.")
        elif format != "md":
            display(JSON(json.loads(text), expanded=True))
        else:
            # Shown as it is, escaped in a <pre>: the export is the raw content, which must render as neither
            # HTML nor Markdown (JupyterLab parses a Markdown output of a trusted cell without sanitizing it).
            show(text, html=f'<pre class="codex-export">{escape(text)}</pre>')

    @magic_arguments()
    @argument("path", help="a JSON file written by %%codex_export, or a jupyterlab-chat .chat file")
    @line_magic
    def codex_import(self, line: str) -> None:
        """Import the sessions of a codex-jupyter JSON export or a jupyterlab-chat ``.chat`` file, as new sessions.

        Nothing stored is merged into or replaced: a session or message whose id is taken gets
        a new one, and the report says so. A file with anything wrong in it imports nothing.
        A ``.chat`` file's session is titled after the file; Jupyter AI's personas become the
        ``assistant``, people the ``user``, and messages deleted in the chat are left out.
        """
        args = parse_arguments(self.codex_import, line)
        with self.user_errors():
            report = import_file(self.store, args.path)
        show(report.summary())
