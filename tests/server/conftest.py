"""A real jupyter-server (pytest-jupyter) with the codex_jupyter extension, and a client for its REST API.

Every response the ``api`` client receives is checked against the shipped OpenAPI description,
so the description stays true: a route, status or field it does not describe fails the test.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from jupyter_client.asynchronous import AsyncKernelClient
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from server_events import EventWaiter, event_waiter
from tornado.httpclient import HTTPResponse
from tornado.websocket import WebSocketClientConnection

SPEC = OpenAPI.from_file_path(str(files("codex_jupyter.server") / "openapi.yaml"))


@pytest.fixture
def jp_server_config(workspace_file: Path) -> dict[str, Any]:
    return {
        "ServerApp": {"jpserver_extensions": {"codex_jupyter": True}},
        # Polled often, so tests wait little for what kernels write.
        "CodexJupyter": {"store_url": str(workspace_file), "poll_interval": 0.05},
    }


@pytest.fixture
def jp_serverapp(jp_serverapp, jp_asyncio_loop):
    """The server, with its extensions started as ``jupyter server`` starts them once its loop runs
    (pytest-jupyter skips that step); this is when codex_jupyter begins to watch for kernels' writes."""
    jp_asyncio_loop.run_until_complete(jp_serverapp.extension_manager.start_all_extensions())
    return jp_serverapp


@dataclass
class Reply:
    status: int
    data: Any
    headers: dict[str, str]


def check_against_spec(method: str, path: str, params: dict[str, str], body: bytes | None, response: HTTPResponse):
    request = MockRequest(
        "http://localhost", method.lower(), path, args=params, data=body, content_type="application/json"
    )
    content_type = media_type(response)
    # openapi-core checks a text body (Markdown) against a string schema only when it is given as text.
    data = response.body.decode() if content_type.startswith("text/") else response.body
    SPEC.validate_response(
        request,
        MockResponse(data, status_code=response.code, content_type=content_type, headers=dict(response.headers)),
    )


def media_type(response: HTTPResponse) -> str:
    """The response's media type without parameters (``text/markdown; charset=UTF-8`` → ``text/markdown``)."""
    return response.headers.get("Content-Type", "application/json").split(";")[0].strip()


Api = Callable[..., Awaitable[Reply]]


@pytest.fixture
def api(jp_fetch) -> Api:
    """``await api("POST", "sessions", {"title": "x"})``: one request, checked against the OpenAPI description."""

    async def call(method: str, path: str, body: Any = None, *, params: dict[str, str] | None = None, raw=None):
        payload = raw if raw is not None else None if body is None else json.dumps(body).encode()
        response = await jp_fetch(
            "codex",
            "api",
            *path.split("/"),
            method=method,
            body=payload,
            params=params,
            raise_error=False,
            allow_nonstandard_methods=True,
        )
        check_against_spec(method, f"/codex/api/{path}", params or {}, payload, response)
        data: Any = None
        if response.body:
            is_json = media_type(response) == "application/json"
            data = json.loads(response.body) if is_json else response.body.decode()
        return Reply(response.code, data, dict(response.headers))

    return call


@pytest.fixture
def subscribe(jp_ws_fetch) -> Iterator[Callable[[], Awaitable[EventWaiter]]]:
    """``next_event = await subscribe()`` joins the server's event bus as JupyterLab does;
    ``await next_event(match)`` then waits for this extension's first event that ``match`` accepts."""
    connections: list[WebSocketClientConnection] = []

    async def join() -> EventWaiter:
        connection = await jp_ws_fetch("api", "events", "subscribe")
        connections.append(connection)
        return event_waiter(connection)

    yield join
    for connection in connections:
        connection.close()


class NotebookKernel:
    """A kernel the server started for a notebook (as JupyterLab would), driven over ZMQ."""

    def __init__(self, client: AsyncKernelClient) -> None:
        self.client = client

    async def run(self, code: str) -> str:
        """Run ``code``; return what it printed. A cell that fails, fails the test."""
        printed: list[str] = []

        def collect(message: dict[str, Any]) -> None:
            if message["msg_type"] == "stream":
                printed.append(message["content"]["text"])

        reply = await self.client.execute_interactive(code, output_hook=collect, timeout=60)
        content = reply["content"]
        assert content["status"] == "ok", f"{content.get('ename')}: {content.get('evalue')}"
        return "".join(printed).strip()


@pytest.fixture
def start_notebook_kernel(jp_fetch, jp_serverapp) -> Iterator[Callable[[], Awaitable[NotebookKernel]]]:
    """``await start_notebook_kernel()``: a kernel for ``analysis.ipynb`` (or the contents path given), started
    through the server's sessions API as JupyterLab would, with the magics loaded. The server shuts it down after
    the test."""
    clients: list[AsyncKernelClient] = []

    async def start(path: str = "analysis.ipynb") -> NotebookKernel:
        name = path.rsplit("/", 1)[-1]  # JupyterLab names a notebook's session after its file
        body = {"path": path, "name": name, "type": "notebook", "kernel": {"name": "python3"}}
        response = await jp_fetch("api", "sessions", method="POST", body=json.dumps(body))
        kernel_id = json.loads(response.body)["kernel"]["id"]
        client = jp_serverapp.kernel_manager.get_kernel(kernel_id).client()
        clients.append(client)
        client.start_channels()
        await client.wait_for_ready(timeout=60)
        kernel = NotebookKernel(client)
        await kernel.run("%load_ext codex_jupyter\nimport codex_jupyter\nstore = codex_jupyter.get_store()")
        return kernel

    yield start
    for client in clients:
        client.stop_channels()
