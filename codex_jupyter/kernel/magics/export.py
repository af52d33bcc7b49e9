"""The magic that writes sessions to files: ``%codex_export``."""

from __future__ import annotations

from pathlib import Path

from IPython.core.error import UsageError
from IPython.core.magic import line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments
from IPython.display import JSON, display

from ...export import FORMATS, Format, export, to_json_data
from .base import CodexMagics, parse_arguments, show


@magics_class
class ExportMagics(CodexMagics):
    @magic_arguments()
    @argument("path", nargs="?", help="file to write; without it, the export is displayed")
    @argument("--format", "-f", choices=FORMATS, help="md or json (default: from the file's suffix, else md)")
    @argument("--all", "-a", action="store_true", help="every session, not only the current one")
    @line_magic
    def codex_export(self, line: str) -> None:
        """Export the current session (or ``--all``) as Markdown or JSON, to a file or on screen.

        The export holds the messages exactly as stored; JSON loads back with ``ChatSession.from_dict``.
        """
        args = parse_arguments(self.codex_export, line)
        format: Format = args.format or ("json" if args.path and Path(args.path).suffix == ".json" else "md")
        with self.user_errors():
            if args.all:
                sessions = self.store.get_sessions()
            else:
                current = self.store.get_current_session()
                if current is None:
                    raise UsageError("there is no current session to export (use --all for every session)")
                sessions = [current]
            text = export(sessions, format)
            if args.path:
                path = Path(args.path).expanduser()
                path.write_text(text, encoding="utf-8")
        count = sum(s.message_count for s in sessions)
        if args.path:
            show(f"Wrote {len(sessions)} session(s), {count} messages, as {format} to {path}.")
        elif format == "json":
            display(JSON(to_json_data(sessions), expanded=True))
        else:
            # Shown as a code block: the export is the raw content, which must not render as HTML.
            fence = "`" * max(3, _longest_backtick_run(text) + 1)
            show(text, markdown=f"{fence}markdown\n{text}\n{fence}")


def _longest_backtick_run(text: str) -> int:
    longest = run = 0
    for character in text:
        run = run + 1 if character == "`" else 0
        longest = max(longest, run)
    return longest
