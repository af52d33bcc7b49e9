"""The REST API under ``<base_url>/codex/api/``: thin delegates to the server's ``SessionStore``.

Each handler turns a request into store calls, made on the store's own thread (see
:mod:`.store_thread`), and the result into JSON; the store validates, so the API refuses
exactly what Python callers are refused. Every verb is authenticated and authorized by
jupyter-server (token or cookie with XSRF) on the ``codex`` resource. ``openapi.yaml``
beside this module describes the API.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..context import cells_from_json
from ..errors import InvalidInputError
from ..formats import MEDIA_TYPES, Format, check_format, suffix, write
from ..locations import SESSION_NAME_ENV
from ..models import ChatMessage, ChatSession
from ..search import MAX_LIMIT
from ..transfer import import_text
from .base import StoreHandler

if TYPE_CHECKING:
    from ..replies import ReplyRun
    from ..store import SessionStore

#: Messages returned by ``GET sessions/{id}`` when no ``limit`` is given, and the most one request returns.
DEFAULT_PAGE, MAX_PAGE = 100, 1000
#: Hits returned by ``GET search`` when no ``limit`` is given (the most is :data:`~codex_jupyter.search.MAX_LIMIT`).
DEFAULT_HITS = 20


def text_field(data: dict[str, Any], name: str) -> str:
    """A field that must be a non-empty string: 400 naming it otherwise."""
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise web.HTTPError(400, f"field {name!r} must be a non-empty string")
    return value


def optional_text_field(data: dict[str, Any], name: str) -> str | None:
    """Like :func:`text_field`, but absent or null gives ``None``."""
    return None if data.get(name) is None else text_field(data, name)


def current_session_json(scope: str, session: ChatSession | None) -> dict[str, Any]:
    return {"scope": scope, "session": None if session is None else session.to_dict(include_messages=False)}


class SessionsHandler(StoreHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        """One page of session summaries, most recently updated first."""
        offset = self.int_argument("offset", 0, minimum=0)
        limit = self.int_argument("limit", DEFAULT_PAGE, minimum=0, maximum=MAX_PAGE)
        total, sessions = await self.call(
            lambda store: (store.session_count(), store.get_sessions(offset=offset, limit=limit, recent_first=True))
        )
        summaries = [session.to_dict(include_messages=False) for session in sessions]
        self.write_json({"sessions": summaries, "total": total, "offset": offset, "limit": limit})

    @web.authenticated
    @authorized
    async def post(self) -> None:
        """A new session, current in ``scope`` (or in the server's own scope)."""
        body = self.body(optional=("title", "scope"))
        scope = optional_text_field(body, "scope")
        session = await self.call(lambda store: store.create_session(body.get("title"), scope=scope))
        self.set_header("Location", self.request.path.rstrip("/") + f"/{session.id}")
        self.write_json(session.to_dict(include_messages=False), status=201)


class SessionHandler(StoreHandler):
    @web.authenticated
    @authorized
    async def get(self, session_id: str) -> None:
        """A session with one page of its messages; a negative ``offset`` counts from the end."""
        offset = self.int_argument("offset", 0)
        limit = self.int_argument("limit", DEFAULT_PAGE, minimum=0, maximum=MAX_PAGE)

        def page(store: SessionStore) -> tuple[ChatSession, int, list[ChatMessage]]:
            session = store.get_session(session_id)
            start = max(session.message_count + offset, 0) if offset < 0 else offset
            return session, start, store.get_messages(session_id, start, start + limit)

        session, start, messages = await self.call(page)
        self.write_json(
            {
                **session.to_dict(include_messages=False),
                "offset": start,
                "messages": [message.to_dict() for message in messages],
            }
        )

    @web.authenticated
    @authorized
    async def patch(self, session_id: str) -> None:
        """Rename: ``{"title"}``, trimmed, 1 to 200 characters; the session's summary comes back."""
        title = self.body(required=("title",))["title"]
        session = await self.call(lambda store: store.rename_session(session_id, title))
        self.write_json(session.to_dict(include_messages=False))

    @web.authenticated
    @authorized
    async def delete(self, session_id: str) -> None:
        await self.call(lambda store: store.delete_session(session_id))
        self.set_status(204)
        self.finish()


class MessagesHandler(StoreHandler):
    @web.authenticated
    @authorized
    async def post(self, session_id: str) -> None:
        """Append ``{"role", "content"}``; the stored message comes back with its id and timestamp."""
        body = self.body(required=("role", "content"))
        message = await self.call(lambda store: store.add_message(session_id, body))
        self.write_json(message.to_dict(), status=201)


class ExportHandler(StoreHandler):
    @web.authenticated
    @authorized
    async def get(self, session_id: str) -> None:
        """The session as a file to download: ``format`` is ``md`` (default), ``json`` or ``chat``."""
        try:
            format = check_format(self.get_query_argument("format", "md"))
        except InvalidInputError as error:
            raise web.HTTPError(400, f"query parameter 'format': {error}") from None
        session, text = await self.call(lambda store: _export(store, session_id, format))
        self.set_header("Content-Disposition", attachment(session, suffix(format)))
        self.finish(text.encode("utf-8"), set_content_type=MEDIA_TYPES[format])


def _export(store: SessionStore, session_id: str, format: Format) -> tuple[ChatSession, str]:
    session = store.get_session(session_id)
    return session, write([session], format)


def attachment(session: ChatSession, extension: str) -> str:
    """``Content-Disposition`` for a download named after the session's title (else its id).

    ``filename`` is a plain ASCII fallback; ``filename*`` (RFC 6266) carries the title as it is.
    """
    name = " ".join((session.title or session.id).split())
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    fallback = " ".join(re.sub(r"[^A-Za-z0-9._ -]+", "_", ascii_name).split()).strip("._") or session.id
    return f"attachment; filename=\"{fallback}{extension}\"; filename*=UTF-8''{quote(name + extension, safe='')}"


class ImportHandler(StoreHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        """Import a codex-jupyter JSON export or a ``.chat`` file (the body) as new sessions; 201 with the report.

        ``name``, the file's name, titles a ``.chat`` file's session. A body with anything wrong
        in it imports nothing (400); one over the size limit is never read (413).
        """
        raw, name = self.raw_body(), self.get_query_argument("name", None)
        report = await self.call(lambda store: import_text(store, raw, name=name))
        self.write_json(report.to_dict(), status=201)


class MessageHandler(StoreHandler):
    @web.authenticated
    @authorized
    async def get(self, session_id: str, message_id: str) -> None:
        """One message as it now stands: a streamed reply, as far as it has come."""
        message = await self.call(lambda store: store.get_message(session_id, message_id))
        self.write_json(message.to_dict())


class RepliesHandler(StoreHandler):
    @web.authenticated
    @authorized
    async def post(self, session_id: str) -> None:
        """Store ``content`` as a question (with ``context`` cells below it), and start the reply: 202 with the run."""
        body = self.body(required=("content",), optional=("context",))
        content = text_field(body, "content")
        run = await self.call(
            lambda store: self.app.replies.start(store, session_id, content, cells_from_json(body.get("context")))
        )
        self.set_header("Location", self.request.path.rstrip("/") + f"/{run.id}")
        self.write_json(run.to_dict(), status=202)


class ReplyHandler(StoreHandler):
    def _run(self, session_id: str, run_id: str) -> ReplyRun:
        run = self.app.replies.get(session_id, run_id)
        if run is None:
            raise web.HTTPError(404, f"session {session_id!r} has no reply run {run_id!r} (or it ended long ago)")
        return run

    @web.authenticated
    @authorized
    async def get(self, session_id: str, run_id: str) -> None:
        """Where the reply stands: ``streaming``, or how it ended."""
        self.write_json(self._run(session_id, run_id).to_dict())

    @web.authenticated
    @authorized
    async def delete(self, session_id: str, run_id: str) -> None:
        """Stop the reply (stored ``cancelled`` with what came so far); answered once that is stored."""
        run = await self.app.replies.cancel(self._run(session_id, run_id))
        self.write_json(run.to_dict())


class CurrentHandler(StoreHandler):
    """A notebook's current session, the notebook named by ``scope`` (as its kernel knows it) or by
    ``path`` (its contents path, as JupyterLab knows it)."""

    def kernel_scope(self, path: str) -> str:
        """The scope a kernel started for the notebook at contents path ``path`` keeps its current session in.

        That is the kernel's ``JPY_SESSION_NAME``, which jupyter-server computes when it starts the kernel
        from the session's path and name (JupyterLab names a notebook's session after the file): asking
        the session manager the same question gives the same answer, for whatever contents and kernel
        managers the server runs.
        """
        environment = self.serverapp.session_manager.get_kernel_env(path, posixpath.basename(path))
        return str(environment[SESSION_NAME_ENV])

    def scope_of(self, scope: object, path: object, kind: str) -> str:
        """The scope given as ``scope``, or computed from ``path``: exactly one of them, a non-empty string."""
        if (scope is None) == (path is None):
            what = f"{kind} 'scope' (a notebook as its kernel knows it) or 'path' (its contents path)"
            raise web.HTTPError(400, f"give exactly one of {what}")
        name, value = ("scope", scope) if path is None else ("path", path)
        if not isinstance(value, str) or not value:
            raise web.HTTPError(400, f"{kind} {name!r} must be a non-empty string")
        return value if path is None else self.kernel_scope(value)

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """The current session of the notebook named by ``scope`` or ``path``, or null."""
        scope = self.scope_of(
            self.get_query_argument("scope", None), self.get_query_argument("path", None), "query parameter"
        )
        session = await self.call(lambda store: store.get_current_session(scope=scope))
        self.write_json(current_session_json(scope, session))

    @web.authenticated
    @authorized
    async def put(self) -> None:
        """Make ``session_id`` current in the notebook named by ``scope`` or ``path``; null means no current session."""
        body = self.body(required=("session_id",), optional=("scope", "path"))
        scope = self.scope_of(body.get("scope"), body.get("path"), "field")
        session_id = optional_text_field(body, "session_id")

        def set_current(store: SessionStore) -> ChatSession | None:
            store.set_current_session(session_id, scope=scope)
            return store.get_current_session(scope=scope)

        self.write_json(current_session_json(scope, await self.call(set_current)))


class SearchHandler(StoreHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        """The messages and titles matching ``q``, best first: ``{"hits": [...]}``."""
        query = self.get_query_argument("q", None)
        if query is None:
            raise web.HTTPError(400, "missing query parameter 'q' (the words to look for)")
        limit = self.int_argument("limit", DEFAULT_HITS, minimum=1, maximum=MAX_LIMIT)
        session_id = self.get_query_argument("session_id", None)
        hits = await self.call(lambda store: store.search(query, limit=limit, session_id=session_id))
        self.write_json({"hits": [hit.to_dict() for hit in hits]})


_ID = r"(?P<session_id>[^/]+)"
handlers: list[tuple[str, type[StoreHandler]]] = [
    (r"/codex/api/sessions/?", SessionsHandler),
    (rf"/codex/api/sessions/{_ID}/?", SessionHandler),
    (rf"/codex/api/sessions/{_ID}/messages/?", MessagesHandler),
    (rf"/codex/api/sessions/{_ID}/export/?", ExportHandler),
    (r"/codex/api/import/?", ImportHandler),
    (rf"/codex/api/sessions/{_ID}/messages/(?P<message_id>[^/]+)/?", MessageHandler),
    (rf"/codex/api/sessions/{_ID}/replies/?", RepliesHandler),
    (rf"/codex/api/sessions/{_ID}/replies/(?P<run_id>[^/]+)/?", ReplyHandler),
    (r"/codex/api/current/?", CurrentHandler),
    (r"/codex/api/search/?", SearchHandler),
]
