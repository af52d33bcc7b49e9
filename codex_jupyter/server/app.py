"""The extension application: opens the server's workspace store and shares it with every kernel."""

from __future__ import annotations

import os

from jupyter_server.extension.application import ExtensionApp
from jupyter_server.serverapp import ServerApp
from traitlets import Float, Int, Unicode, observe

from ..locations import WORKSPACE_ENV, is_database_url, server_workspace
from ..responders import DEFAULT_RESPONDER, Responder, load_responder
from ..store import SessionStore, open_store
from .events import ChangeAnnouncer
from .handlers import handlers
from .replies import ReplyRuns
from .store_thread import StoreThread

#: The scope whose current session a REST call changes when it names none.
SERVER_SCOPE = "server"


class CodexJupyter(ExtensionApp):
    """codex-jupyter in a Jupyter server: ``c.CodexJupyter.<option>`` configures it."""

    name = "codex_jupyter"

    store_url = Unicode(
        None,
        allow_none=True,
        config=True,
        help=f"""Where this server and its kernels keep chat sessions: a workspace file's path, or a PostgreSQL
        database's URL (postgresql://user:password@host/dbname). By default ${WORKSPACE_ENV} when set, else one
        workspace file per server root in the Jupyter data directory (see codex_jupyter.locations).""",
    )
    workspace_file = Unicode(
        None, allow_none=True, config=True, help="Deprecated: the former name of store_url, which it sets."
    )
    max_body_bytes = Int(
        1024 * 1024,
        config=True,
        help="The largest request body the REST API accepts, in bytes; a larger one is refused with 413.",
    )
    poll_interval = Float(
        0.5,
        config=True,
        help="Seconds between two looks for changes written by kernels (announced as events).",
    )
    responder = Unicode(
        DEFAULT_RESPONDER,
        config=True,
        help="""Who answers questions asked through the REST API (the sidebar's Ask): the name of a responder,
        an entry point of codex_jupyter.responders. The default, openai, is configured with c.OpenAIResponder.*
        or $CODEX_JUPYTER_MODEL, $OPENAI_API_KEY, $OPENAI_BASE_URL.""",
    )

    store_thread: StoreThread
    replies: ReplyRuns
    _responder: Responder | None = None
    _announcer: ChangeAnnouncer
    _kernels_environment: str | None

    @observe("workspace_file")
    def _workspace_file_sets_store_url(self, change: dict) -> None:
        self.log.warning("c.CodexJupyter.workspace_file is deprecated: use c.CodexJupyter.store_url")
        if self.store_url is None:  # the new name wins when both are set
            self.store_url = change["new"]

    def initialize_settings(self) -> None:
        serverapp: ServerApp = self.serverapp  # type: ignore[assignment]
        if serverapp.event_logger is None:  # every jupyter-server 2 has one; say so if a custom server lacks it
            raise RuntimeError("codex_jupyter needs jupyter-server's event bus (ServerApp.event_logger)")
        location = server_workspace(self.store_url, serverapp.root_dir)
        self.store_thread = StoreThread(open_store(location, logger=self.log, scope=SERVER_SCOPE))
        # Kernels inherit the server's environment: this is how each of them finds the same store. A URL is
        # passed as given, password included (store.location, which is logged and shown, leaves it out).
        self._kernels_environment = os.environ.get(WORKSPACE_ENV)
        os.environ[WORKSPACE_ENV] = str(location) if is_database_url(location) else self.store.location
        self.replies = ReplyRuns(self._the_responder, self.log)
        self._announcer = ChangeAnnouncer(
            self.store_thread, serverapp.event_logger, serverapp.io_loop, self.poll_interval, self.log
        )
        self.log.info("codex_jupyter: chat sessions are saved in %s", self.store.location)

    @property
    def store(self) -> SessionStore:
        """The server's store. Call it through ``store_thread``, never on the event loop."""
        return self.store_thread.store

    def _the_responder(self) -> Responder:
        """The configured responder, made at the first question (so a missing one never stops the server)."""
        if self._responder is None:
            self._responder = load_responder(self.responder, parent=self)
        return self._responder

    def initialize_handlers(self) -> None:
        self.handlers.extend(handlers)

    async def _start_jupyter_server_extension(self, serverapp: ServerApp) -> None:
        self._announcer.start()

    async def stop_extension(self) -> None:
        if self.store.disposed:
            return
        await self.replies.stop()
        self._announcer.stop()
        await self.store_thread.close()
        if self._kernels_environment is None:
            os.environ.pop(WORKSPACE_ENV, None)
        else:
            os.environ[WORKSPACE_ENV] = self._kernels_environment
