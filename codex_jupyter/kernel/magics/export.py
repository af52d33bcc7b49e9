"""The magic that writes sessions to files: ``%codex_export``."""

from __future__ import annotations

import os
from pathlib import Path

from IPython.core.error import UsageError
from IPython.core.magic import line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments
from IPython.display import JSON, display

from ...errors import StorageError
from ...export import FORMATS, Format, export, to_json_data
from ...files import storage_error, write_private_file
from .base import CodexMagics, parse_arguments, show


@magics_class
class ExportMagics(CodexMagics):
    @magic_arguments()
    @argument("path", nargs="?", help="file to write; without it, the export is displayed")
    @argument("--format", "-f", choices=FORMATS, help="md or json (default: from the file's suffix, else md)")
    @argument("--all", "-a", action="store_true", help="every session, not only the current one")
    @argument(
        "--force", action="store_true", help="replace the file if it exists (without it, an existing file is kept)"
    )
    @line_magic
    def codex_export(self, line: str) -> None:
        """Export the current session (or ``--all``) as Markdown or JSON, to a file or on screen.

        The export holds the messages exactly as stored; JSON loads back with ``ChatSession.from_dict``.
        A file is written whole or not at all, readable by its owner only, and an existing
        file is replaced only with ``--force``.
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
                path = _write(args.path, text, replace=args.force)
        count = sum(s.message_count for s in sessions)
        if args.path:
            show(f"Wrote {len(sessions)} session(s), {count} messages, as {format} to {path}.")
        elif format == "json":
            display(JSON(to_json_data(sessions), expanded=True))
        else:
            # Shown as a code block: the export is the raw content, which must not render as HTML.
            fence = "`" * max(3, _longest_backtick_run(text) + 1)
            show(text, markdown=f"{fence}markdown\n{text}\n{fence}")


def _write(given: str, text: str, *, replace: bool) -> Path:
    """Write the export to the file ``given`` (see :func:`~codex_jupyter.files.write_private_file`); return its path."""
    path = Path(os.path.expanduser(given)).absolute()
    try:
        write_private_file(path, text.encode("utf-8"), replace=replace)
    except FileExistsError:
        raise StorageError(f"{path} already exists, and was left as it is; add --force to replace it", path) from None
    except OSError as error:
        raise storage_error(error, "write", path) from None
    return path


def _longest_backtick_run(text: str) -> int:
    longest = run = 0
    for character in text:
        run = run + 1 if character == "`" else 0
        longest = max(longest, run)
    return longest
