"""The REST API under ``<base_url>/codex/api/``: thin delegates to the server's ``SessionStore``.

Each handler turns a request into one store call and the result into JSON; the store
validates, so the API refuses exactly what Python callers are refused. Every verb is
authenticated and authorized by jupyter-server (token or cookie with XSRF) on the
``codex`` resource. ``openapi.yaml`` beside this module describes the API.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web

from ..errors import SessionNotFoundError, StoreDisposedError
from ..models import ChatSession

if TYPE_CHECKING:
    from ..store import SessionStore
    from .app import CodexJupyter

#: The authorizer's resource name for every route of this API.
AUTH_RESOURCE = "codex"
#: Messages returned by ``GET sessions/{id}`` when no ``limit`` is given, and the most one request returns.
DEFAULT_PAGE, MAX_PAGE = 100, 1000


@contextmanager
def store_errors_as_http() -> Iterator[None]:
    """What the store refuses becomes a JSON error: unknown id 404, bad input 400."""
    try:
        yield
    except SessionNotFoundError as error:
        raise web.HTTPError(404, str(error)) from None
    except (ValueError, TypeError) as error:
        raise web.HTTPError(400, str(error)) from None
    except StoreDisposedError as error:
        raise web.HTTPError(503, str(error)) from None


class StoreHandler(ExtensionHandlerMixin, APIHandler):
    """What every route shares: the store, and reading JSON bodies and query parameters strictly."""

    auth_resource = AUTH_RESOURCE

    @property
    def app(self) -> CodexJupyter:
        return self.extensionapp  # type: ignore[return-value]

    @property
    def store(self) -> SessionStore:
        return self.app.store

    def body(self, *, required: tuple[str, ...] = (), optional: tuple[str, ...] = ()) -> dict[str, Any]:
        """The request body as a JSON object with exactly these fields; 413 or 400 otherwise."""
        raw = self.request.body
        limit = self.app.max_body_bytes
        if len(raw) > limit:
            raise web.HTTPError(413, f"request body of {len(raw)} bytes is over the limit of {limit} bytes")
        if not raw.strip() and not required:
            return {}
        try:
            data = json.loads(raw)
        except ValueError as error:  # also bytes that are not UTF-8
            raise web.HTTPError(400, f"malformed JSON body: {error}") from None
        if not isinstance(data, dict):
            raise web.HTTPError(400, f"the JSON body must be an object, not {type(data).__name__}")
        unknown = sorted(set(data) - set(required) - set(optional))
        if unknown:
            raise web.HTTPError(400, f"unknown field(s) {', '.join(map(repr, unknown))}")
        missing = [name for name in required if name not in data]
        if missing:
            raise web.HTTPError(400, f"missing field(s) {', '.join(map(repr, missing))}")
        return data

    def int_argument(self, name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
        value = self.get_query_argument(name, None)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise web.HTTPError(400, f"query parameter {name!r} must be an integer, not {value!r}") from None
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            raise web.HTTPError(400, f"query parameter {name!r} must be between {minimum} and {maximum}")
        return number

    def write_json(self, data: dict[str, Any], status: int = 200) -> None:
        self.set_status(status)
        self.finish(json.dumps(data))


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
    def get(self) -> None:
        """One page of session summaries, most recently updated first."""
        offset = self.int_argument("offset", 0, minimum=0)
        limit = self.int_argument("limit", DEFAULT_PAGE, minimum=0, maximum=MAX_PAGE)
        with store_errors_as_http():
            total = self.store.session_count()
            sessions = self.store.get_sessions(offset=offset, limit=limit, recent_first=True)
        summaries = [session.to_dict(include_messages=False) for session in sessions]
        self.write_json({"sessions": summaries, "total": total, "offset": offset, "limit": limit})

    @web.authenticated
    @authorized
    def post(self) -> None:
        """A new session, current in ``scope`` (or in the server's own scope)."""
        body = self.body(optional=("title", "scope"))
        scope = optional_text_field(body, "scope")
        with store_errors_as_http():
            session = self.store.create_session(body.get("title"), scope=scope)
        self.set_header("Location", self.request.path.rstrip("/") + f"/{session.id}")
        self.write_json(session.to_dict(include_messages=False), status=201)


class SessionHandler(StoreHandler):
    @web.authenticated
    @authorized
    def get(self, session_id: str) -> None:
        """A session with one page of its messages; a negative ``offset`` counts from the end."""
        offset = self.int_argument("offset", 0)
        limit = self.int_argument("limit", DEFAULT_PAGE, minimum=0, maximum=MAX_PAGE)
        with store_errors_as_http():
            session = self.store.get_session(session_id)
            start = max(session.message_count + offset, 0) if offset < 0 else offset
            messages = self.store.get_messages(session_id, start, start + limit)
        self.write_json(
            {
                **session.to_dict(include_messages=False),
                "offset": start,
                "messages": [message.to_dict() for message in messages],
            }
        )

    @web.authenticated
    @authorized
    def delete(self, session_id: str) -> None:
        with store_errors_as_http():
            self.store.delete_session(session_id)
        self.set_status(204)
        self.finish()


class MessagesHandler(StoreHandler):
    @web.authenticated
    @authorized
    def post(self, session_id: str) -> None:
        """Append ``{"role", "content"}``; the stored message comes back with its id and timestamp."""
        body = self.body(required=("role", "content"))
        with store_errors_as_http():
            message = self.store.add_message(session_id, body)
        self.write_json(message.to_dict(), status=201)


class CurrentHandler(StoreHandler):
    @web.authenticated
    @authorized
    def get(self) -> None:
        """The current session of ``scope`` (a notebook path), or null."""
        scope = self.get_query_argument("scope", None)
        if not scope:
            raise web.HTTPError(400, "missing query parameter 'scope' (a notebook path)")
        with store_errors_as_http():
            session = self.store.get_current_session(scope=scope)
        self.write_json(current_session_json(scope, session))

    @web.authenticated
    @authorized
    def put(self) -> None:
        """Make ``session_id`` current in ``scope``; null means no current session."""
        body = self.body(required=("scope", "session_id"))
        scope = text_field(body, "scope")
        session_id = optional_text_field(body, "session_id")
        with store_errors_as_http():
            self.store.set_current_session(session_id, scope=scope)
            session = self.store.get_current_session(scope=scope)
        self.write_json(current_session_json(scope, session))


_ID = r"(?P<session_id>[^/]+)"
handlers: list[tuple[str, type[StoreHandler]]] = [
    (r"/codex/api/sessions/?", SessionsHandler),
    (rf"/codex/api/sessions/{_ID}/?", SessionHandler),
    (rf"/codex/api/sessions/{_ID}/messages/?", MessagesHandler),
    (r"/codex/api/current/?", CurrentHandler),
]
