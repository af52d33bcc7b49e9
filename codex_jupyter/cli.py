"""``jupyter codex``: the sessions of a workspace file, from a terminal.

A ``jupyter_core`` application with one subcommand per action, so ``jupyter codex --help`` and
``jupyter codex export --help`` work like other Jupyter commands. Every subcommand opens the
workspace file the Jupyter server of the current folder uses (see
:func:`~codex_jupyter.locations.server_workspace`; the server's own configuration,
``c.CodexJupyter.store_url`` and ``c.ServerApp.root_dir``, is read from
``jupyter_server_config``), or ``--workspace PATH``. An error is one line on stderr and a
non-zero exit status; nothing is changed by a refused command.
"""

from __future__ import annotations

import io
import logging
import os
import sys
from contextlib import redirect_stderr
from typing import Any

from jupyter_core.application import JupyterApp
from traitlets import Bool, Unicode
from traitlets.config.loader import KVArgParseConfigLoader

from . import __version__
from .errors import CodexError
from .formats import FORMATS, check_format, format_for, write
from .locations import server_workspace
from .rendering import format_time, session_label, text_table, title_label, transcript_text
from .store import SessionStore, open_store
from .transfer import import_file, write_export

#: Exit status of a command whose arguments are wrong, as argparse does; 1 is for a refused action.
USAGE_ERROR = 2


class UsageError(Exception):
    """The command line is wrong (a missing or extra argument)."""


class StrictLoader(KVArgParseConfigLoader):
    """Refuses an unknown option (traitlets would only warn), so a mistyped ``--fromat json`` is not ignored."""

    def _handle_unrecognized_alias(self, arg: str) -> None:
        self.parser.error(f"unrecognized option --{arg}")


class OneLineErrors(JupyterApp):
    """Errors as one line on stderr, a wrong option included (argparse would print its usage first)."""

    version = __version__

    @property
    def prog(self) -> str:
        """How the command is named in errors: ``jupyter codex``, or ``jupyter codex export`` for a subcommand."""
        return "jupyter codex" if self.name == CodexApp.name else f"jupyter codex {self.name}"

    def _log_level_default(self) -> int:
        return logging.WARNING

    def fail(self, message: str, status: int) -> None:
        print(f"{self.prog}: {' '.join(message.split())}", file=sys.stderr)
        self.exit(status)

    def _create_loader(self, argv: Any, aliases: Any, flags: Any, classes: Any) -> KVArgParseConfigLoader:
        return StrictLoader(argv, aliases, flags, classes=classes, log=self.log, subcommands=self.subcommands)

    def parse_command_line(self, argv: list[str] | None = None) -> None:
        captured = io.StringIO()
        try:
            with redirect_stderr(captured):
                super().parse_command_line(argv)
        except SystemExit as exit:
            said = captured.getvalue()
            if exit.code and said.startswith("usage:"):  # argparse's refusal: its last line says what was wrong
                self.fail(said.strip().splitlines()[-1].split("error: ", 1)[-1] + " (see --help)", USAGE_ERROR)
            sys.stderr.write(said)
            raise
        sys.stderr.write(captured.getvalue())


class CodexCommand(OneLineErrors):
    """What every subcommand shares: the workspace file, positional arguments, and one-line errors."""

    #: The positional arguments, for the usage line and for their count.
    arguments = ""

    workspace = Unicode(
        None,
        allow_none=True,
        config=True,
        help="""The workspace file, or a PostgreSQL URL. Default: the store the Jupyter server of the current folder
        uses (c.CodexJupyter.store_url, else $CODEX_JUPYTER_WORKSPACE, else the file for this root folder).""",
    )
    aliases = {"workspace": "CodexCommand.workspace"}
    flags: dict[str, Any] = {}

    def _config_file_name_default(self) -> str:
        # The server's configuration names its workspace file and its root folder.
        return "jupyter_server_config"

    def workspace_file(self) -> str | os.PathLike[str]:
        if self.workspace:
            return self.workspace
        settings = self.config
        server = settings.CodexJupyter if "CodexJupyter" in settings else {}
        configured = server.get("store_url") or server.get("workspace_file")
        root_dir = settings.ServerApp.get("root_dir") if "ServerApp" in settings else None
        return server_workspace(configured, root_dir or os.getcwd())

    def start(self) -> None:
        try:
            with open_store(self.workspace_file(), logger=self.log) as store:
                self.run(store)
        except UsageError as error:
            usage = " ".join(filter(None, [self.prog, self.arguments]))
            self.fail(f"{error} (usage: {usage})", USAGE_ERROR)
        except CodexError as error:
            self.fail(str(error), 1)
        except BrokenPipeError:  # the reader went away (`| head`): nothing more to say, and no one to say it to
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            self.exit(1)

    def run(self, store: SessionStore) -> None:
        """The subcommand's action on the store (each subcommand defines it)."""
        raise NotImplementedError(f"{type(self).__name__} defines no run()")

    def positional(self, count: int, *, rest: bool = False) -> list[str]:
        """The ``count`` positional arguments (the last one joined from all the rest when ``rest``)."""
        given = list(self.extra_args)
        if rest and len(given) > count:
            given[count - 1 :] = [" ".join(given[count - 1 :])]
        if len(given) != count:
            expected = f"{count} argument(s)" if count else "no arguments"
            raise UsageError(f"expected {expected}, got {len(given)}: {' '.join(given) or 'none'}")
        return given


class ListCommand(CodexCommand):
    name = "list"
    description = "List the sessions, most recently updated first."

    def run(self, store: SessionStore) -> None:
        self.positional(0)
        sessions = store.get_sessions(recent_first=True)
        if not sessions:
            print(f"No sessions in {store.location}.")
            return
        rows = [(s.id, session_label(s), str(s.message_count), format_time(s.updated_at)) for s in sessions]
        print(text_table(("id", "title", "messages", "updated"), rows))


class ShowCommand(CodexCommand):
    name = "show"
    description = "Print a session's transcript (ID: a session id, or a unique start of one)."
    arguments = "ID"

    def run(self, store: SessionStore) -> None:
        [wanted] = self.positional(1)
        print(transcript_text(store.find_session(wanted)))


class SearchCommand(CodexCommand):
    name = "search"
    description = 'Search messages and titles: words (all must match), "a phrase", prefix*.'
    arguments = "QUERY"

    limit = Unicode("20", config=True, help="The most hits to show (1 to 200).")
    aliases = {**CodexCommand.aliases, "limit": "SearchCommand.limit"}

    def run(self, store: SessionStore) -> None:
        [query] = self.positional(1, rest=True)
        if not self.limit.isdigit():
            raise UsageError(f"--limit must be a number, not {self.limit!r}")
        hits = store.search(query, limit=int(self.limit))
        if not hits:
            print(f"No message or title matches {query!r}.")
        for hit in hits:
            what = hit.role or "title"
            print(f"{hit.session_id}  “{title_label(hit.session_title)}”  {what} · {format_time(hit.timestamp)}")
            print(f"    {' '.join(hit.snippet.split())}")


class ExportCommand(CodexCommand):
    name = "export"
    description = "Write a session (or --all) as Markdown, JSON or a jupyterlab-chat .chat file, to stdout or -o PATH."
    arguments = "[ID | --all] [--format md|json|chat] [-o PATH] [--force]"

    format = Unicode(
        None, allow_none=True, config=True, help=f"{', '.join(FORMATS)}; default: from -o's suffix, else md."
    )
    output = Unicode(None, allow_none=True, config=True, help="The file to write (default: stdout).")
    all = Bool(False, config=True, help="Every session, not one.")
    force = Bool(False, config=True, help="Replace the -o file if it exists.")
    aliases = {
        **CodexCommand.aliases,
        "format": "ExportCommand.format",
        "output": "ExportCommand.output",
        "o": "ExportCommand.output",
    }
    flags = {
        "all": ({"ExportCommand": {"all": True}}, "Export every session."),
        "force": ({"ExportCommand": {"force": True}}, "Replace the output file if it exists."),
    }

    def run(self, store: SessionStore) -> None:
        if self.all:
            self.positional(0)
            sessions = store.get_sessions()
        else:
            if not self.extra_args:
                raise UsageError("give the id of the session to export, or --all")
            [wanted] = self.positional(1)
            sessions = [store.find_session(wanted)]
        try:
            format = check_format(self.format) if self.format else format_for(self.output)
        except CodexError as error:
            raise UsageError(f"--format: {error}") from None
        text = write(sessions, format)
        if self.output is None:
            sys.stdout.write(text if text.endswith("\n") else f"{text}\n")
            return
        path = write_export(self.output, text, replace=self.force)
        count = sum(s.message_count for s in sessions)
        print(f"Wrote {len(sessions)} session(s), {count} messages, as {format} to {path}.")


class ImportCommand(CodexCommand):
    name = "import"
    description = "Import a codex-jupyter JSON export or a jupyterlab-chat .chat file, as new sessions."
    arguments = "PATH"

    def run(self, store: SessionStore) -> None:
        [path] = self.positional(1)
        print(import_file(store, path).summary())


class RenameCommand(CodexCommand):
    name = "rename"
    description = "Give a session a new title."
    arguments = "ID TITLE"

    def run(self, store: SessionStore) -> None:
        wanted, title = self.positional(2, rest=True)
        session = store.rename_session(store.find_session(wanted).id, title)
        print(f"Renamed session {session.id} to “{session_label(session)}”.")


class DeleteCommand(CodexCommand):
    name = "delete"
    description = "Delete a session and its messages."
    arguments = "ID"

    def run(self, store: SessionStore) -> None:
        [wanted] = self.positional(1)
        session = store.find_session(wanted)
        store.delete_session(session.id)
        print(f"Deleted session {session.id} “{session_label(session)}” ({session.message_count} messages).")


class PostgresSetupCommand(OneLineErrors):
    """``jupyter codex postgres-setup``: the administrator's one step (see codex_jupyter.storage.postgres.admin)."""

    name = "postgres-setup"
    description = (
        "Set up a PostgreSQL database for codex-jupyter, as an administrator: make or migrate the schema, "
        "make the users' roles and let each see only its own sessions. Run it again after upgrading."
    )

    url = Unicode(None, allow_none=True, config=True, help="The database's URL, as a role that may create roles.")
    users = Unicode("", config=True, help="The users' role names, separated by commas (JupyterHub's user names).")
    password_secret_env = Unicode(
        None,
        allow_none=True,
        config=True,
        help="""The environment variable holding the deployment's secret: each role's password is then
        HMAC-SHA256(secret, user name) in hex, as the hub computes it for the user's URL. Without it, roles get no
        password (for certificate or peer authentication).""",
    )
    aliases = {
        "url": "PostgresSetupCommand.url",
        "users": "PostgresSetupCommand.users",
        "password-secret-env": "PostgresSetupCommand.password_secret_env",
    }
    flags: dict[str, Any] = {}

    def start(self) -> None:
        url = self.url or ""
        if not url or self.extra_args:
            self.fail("give the database with --url URL, and nothing else (see --help)", USAGE_ERROR)
        secret = None
        if self.password_secret_env:
            secret = os.environ.get(self.password_secret_env)
            if not secret:
                self.fail(f"${self.password_secret_env} is not set: it must hold the deployment's secret", 1)
        try:
            from .storage.postgres.admin import setup
            from .storage.postgres.database import Database

            users = [user.strip() for user in self.users.split(",") if user.strip()]
            print(setup(Database(url, logger=self.log), users, secret).summary())
        except ImportError as error:
            self.fail(f"the postgres extra is needed: pip install 'codex-jupyter[postgres]' ({error})", 1)
        except CodexError as error:
            self.fail(str(error), 1)


COMMANDS: tuple[type[OneLineErrors], ...] = (
    ListCommand,
    ShowCommand,
    SearchCommand,
    ExportCommand,
    ImportCommand,
    RenameCommand,
    DeleteCommand,
    PostgresSetupCommand,
)


class CodexApp(OneLineErrors):
    """``jupyter codex``: dispatches to the subcommands."""

    name = "jupyter-codex"
    description = (
        "Chat sessions of codex-jupyter's stores: list, show, search, export, import, rename, delete; "
        "postgres-setup for an administrator."
    )
    subcommands = {command.name: (command, command.description) for command in COMMANDS}
    aliases: dict[str, Any] = {}
    flags: dict[str, Any] = {}

    def start(self) -> None:
        if self.subapp is None:
            self.fail(f"give a command: {', '.join(self.subcommands)} (see --help)", USAGE_ERROR)
        else:
            self.subapp.start()


main = launch_new_instance = CodexApp.launch_instance
