"""The magic that adds messages: ``%%codex_say``."""

from __future__ import annotations

from IPython.core.error import UsageError
from IPython.core.magic import cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments
from traitlets import Enum

from ...models import ROLES, check_role
from ...rendering import message_html, message_text
from .base import CodexMagics, parse_arguments, show


@magics_class
class MessageMagics(CodexMagics):
    default_role = Enum(ROLES, default_value="user", help="The role of messages said without --role.").tag(config=True)

    @magic_arguments()
    @argument("--role", "-r", choices=ROLES, help="who says it (default: user; see %%config MessageMagics)")
    @cell_magic
    def codex_say(self, line: str, cell: str) -> None:
        """Add a message to the current session: the cell body is the message (Markdown welcome).

        If the notebook has no current session yet (or it was cleared), a new one is
        started and made current, so the message is never lost. Shows the stored message.
        """
        args = parse_arguments(self.codex_say, line)
        content = cell.strip("\n").rstrip()
        if not content.strip():
            raise UsageError("%%codex_say needs a message: write it in the cell body, below the magic line")
        with self.user_errors():
            message = self.store.add_message_to_current_session(
                role=check_role(args.role or self.default_role), content=content
            )
        show(message_text(message), html=message_html(message))
