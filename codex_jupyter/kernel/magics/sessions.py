"""Magics that create, list, show, switch and remove sessions."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from IPython.core.error import UsageError
from IPython.core.magic import line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments
from traitlets import Int

from ...models import ChatSession
from ...rendering import (
    DISPLAY_LIMIT,
    format_time,
    session_html,
    session_label,
    text_table,
    transcript_html,
    transcript_text,
)
from .base import CodexMagics, describe, parse_arguments, show


@magics_class
class SessionMagics(CodexMagics):
    """Sessions of the kernel's store; the current one is kept per notebook."""

    show_last = Int(
        50,
        help="How many of the latest messages %codex_show displays (0: all). %codex_show --all overrides it.",
    ).tag(config=True)
    show_max = Int(
        DISPLAY_LIMIT,
        min=0,
        help="The most messages %codex_show displays, even with --all (0: no limit). Rendering takes about "
        "a millisecond per message, and outputs of many megabytes are slow to render and save; "
        "%codex_export writes every message to a file.",
    ).tag(config=True)

    @magic_arguments()
    @argument("--title", "-t", help="a title for the session")
    @line_magic
    def codex_new(self, line: str) -> None:
        """Start a new chat session and make it the current one; show its id and title."""
        args = parse_arguments(self.codex_new, line)
        with self.user_errors():
            session = self.store.create_session(title=args.title)
        show(
            f"New session {describe(session)}, now current.", html=f"New session {session_html(session)}, now current."
        )

    @line_magic
    def codex_sessions(self, line: str) -> None:
        """List the sessions in the kernel's store, most recently updated first; ● marks the current one."""
        if line.strip():
            raise UsageError("%codex_sessions takes no arguments")
        with self.user_errors():
            sessions = self.store.get_sessions(recent_first=True)
            current = self.store.get_current_session()
        if not sessions:
            show("No sessions yet: start one with %codex_new.")
            return
        current_id = current.id if current else None
        rows = [("●" if s.id == current_id else "", s.id, session_label(s), str(s.message_count),
                 format_time(s.updated_at)) for s in sessions]  # fmt: skip
        header = ("", "id", "title", "messages", "updated")
        show(text_table(header, rows), html=_html_table(header, rows))

    @magic_arguments()
    @argument("session_id", nargs="?", help="id (or a unique start of it) of the session; default: the current one")
    @argument("--all", "-a", action="store_true", help="show every message, not only the latest")
    @line_magic
    def codex_show(self, line: str) -> None:
        """Show a session's transcript: rendered Markdown (sanitized HTML) in a notebook, text in a terminal.

        Only the latest messages are shown (``%config SessionMagics.show_last``), unless ``--all``;
        never more than ``SessionMagics.show_max``, and the output says so when that limit cuts it short.
        """
        args = parse_arguments(self.codex_show, line)
        with self.user_errors():
            session = self.store.find_session(args.session_id) if args.session_id else self.store.get_current_session()
            if session is None:
                show("There is no current session: start one with %codex_new, or pick one with %codex_use.")
                return
            wanted = session.message_count if args.all or not self.show_last else self.show_last
            shown = min(wanted, self.show_max or wanted, session.message_count)
            messages = self.store.get_messages(session.id, session.message_count - shown)
        note = self._limit_note(session) if shown < min(wanted, session.message_count) else None
        show(transcript_text(session, messages, note=note), html=transcript_html(session, messages, note=note))

    def _limit_note(self, session: ChatSession) -> str:
        return (
            f"Showing the latest {self.show_max:,} of {session.message_count:,} messages, the most %codex_show "
            "displays (%config SessionMagics.show_max = 0 lifts the limit). "
            "%codex_export PATH writes every message to a file."
        )

    @magic_arguments()
    @argument("session_id", help="id of the session, or a unique start of it (Tab completes)")
    @line_magic
    def codex_use(self, line: str) -> None:
        """Make another session the current one of this notebook."""
        args = parse_arguments(self.codex_use, line)
        with self.user_errors():
            session = self.store.find_session(args.session_id)
            self.store.set_current_session(session.id)
        show(f"Current session: {describe(session)}.", html=f"Current session: {session_html(session)}.")

    @magic_arguments()
    @argument("title", nargs="+", help="the new title (1 to 200 characters; quotes are not needed)")
    @argument("--id", dest="session_id", help="id of the session, or a unique start of it; default: the current one")
    @line_magic
    def codex_rename(self, line: str) -> None:
        """Give the current session (or ``--id``'s) a new title; every client sees the change."""
        args = parse_arguments(self.codex_rename, line)
        with self.user_errors():
            session = self.store.find_session(args.session_id) if args.session_id else self.store.get_current_session()
            if session is None:
                raise UsageError("There is no current session to rename: start one with %codex_new, or give --id.")
            renamed = self.store.rename_session(session.id, " ".join(args.title))
        show(f"Renamed session {describe(renamed)}.")

    @line_magic
    def codex_clear(self, line: str) -> None:
        """Remove the current session and its messages from storage; afterwards there is no current session."""
        if line.strip():
            raise UsageError("%codex_clear takes no arguments; to remove another session, %codex_use it first")
        with self.user_errors():
            session = self.store.get_current_session()
            if session is None:
                show("There is no current session to clear.")
                return
            self.store.clear_current_session()
        show(
            f"Removed session {describe(session)}. There is no current session now.",
            html=f"Removed session {session_html(session)}. There is no current session now.",
        )


def _html_table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    head = "".join(f"<th>{escape(cell)}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<table class="codex-sessions"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
