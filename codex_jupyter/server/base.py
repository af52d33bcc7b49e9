"""What every route of the REST API shares: the store's thread, bounded JSON bodies, strict query parameters.

Bodies are streamed (``stream_request_body``), so one over ``c.CodexJupyter.max_body_bytes``
is never held in memory: past the limit, what arrives is counted and dropped, and the
request is answered 413 once the client has sent it all. Answering earlier would make
tornado close the connection while the client is still sending, and the client would see a
reset instead of the 413. A client that waits for ``100 Continue`` before sending (curl does,
for large bodies) is answered 413 at once, from its ``Content-Length``, and sends nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web

from ..errors import CodexError
from .http_errors import http_error

if TYPE_CHECKING:
    from ..store import SessionStore
    from .app import CodexJupyter

#: The authorizer's resource name for every route of this API.
AUTH_RESOURCE = "codex"
#: SQLite's integers are 64-bit: a larger offset is refused here rather than overflowing there.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

T = TypeVar("T")


@web.stream_request_body
class StoreHandler(ExtensionHandlerMixin, APIHandler):
    """The base of every route: handlers read the request, then make their store calls through :meth:`call`."""

    auth_resource = AUTH_RESOURCE

    @property
    def app(self) -> CodexJupyter:
        return self.extensionapp  # type: ignore[return-value]

    async def call(self, work: Callable[[SessionStore], T]) -> T:
        """``work(store)`` on the store's thread; an error the store raises on purpose becomes a JSON error."""
        try:
            return await self.app.store_thread.run(work)
        except CodexError as error:
            raise http_error(error, self.app.store.location) from None

    # -- the body ----------------------------------------------------------------------------

    async def prepare(self) -> None:  # type: ignore[override]  # the signature of APIHandler.prepare
        await super().prepare()
        self._kept: list[bytes] = []
        self._received = 0
        declared = self.request.headers.get("Content-Length", "")
        waiting = self.request.headers.get("Expect", "").lower() == "100-continue"
        if waiting and declared.isdigit() and int(declared) > self.app.max_body_bytes:
            raise self._too_large(int(declared))

    def data_received(self, chunk: bytes) -> None:
        self._received += len(chunk)
        if self._received <= self.app.max_body_bytes:
            self._kept.append(chunk)

    def _too_large(self, size: int) -> web.HTTPError:
        limit = self.app.max_body_bytes
        return web.HTTPError(413, f"request body of {size} bytes is over the limit of {limit} bytes")

    def raw_body(self) -> bytes:
        """The request body as it came, or 413 when it was over the limit (and so was not kept)."""
        if self._received > self.app.max_body_bytes:
            raise self._too_large(self._received)
        return b"".join(self._kept)

    def body(self, *, required: tuple[str, ...] = (), optional: tuple[str, ...] = ()) -> dict[str, Any]:
        """The request body as a JSON object with exactly these fields; 413 or 400 naming what is wrong otherwise."""
        raw = self.raw_body()
        if not raw.strip() and not required:
            return {}
        try:
            data = json.loads(raw)
        except ValueError as error:  # also bytes that are not UTF-8
            raise web.HTTPError(400, f"malformed JSON body: {error}") from None
        except RecursionError:
            raise web.HTTPError(400, "malformed JSON body: nested too deeply") from None
        if not isinstance(data, dict):
            raise web.HTTPError(400, f"the JSON body must be an object, not {type(data).__name__}")
        unknown = sorted(set(data) - set(required) - set(optional))
        if unknown:
            raise web.HTTPError(400, f"unknown field(s) {', '.join(map(repr, unknown))}")
        missing = [name for name in required if name not in data]
        if missing:
            raise web.HTTPError(400, f"missing field(s) {', '.join(map(repr, missing))}")
        return data

    # -- query parameters and the answer ---------------------------------------------------

    def int_argument(self, name: str, default: int, *, minimum: int = INT64_MIN, maximum: int = INT64_MAX) -> int:
        value = self.get_query_argument(name, None)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise web.HTTPError(400, f"query parameter {name!r} must be an integer, not {value!r}") from None
        if not minimum <= number <= maximum:
            raise web.HTTPError(400, f"query parameter {name!r} must be between {minimum} and {maximum}")
        return number

    def write_json(self, data: dict[str, Any], status: int = 200) -> None:
        self.set_status(status)
        self.finish(json.dumps(data))
