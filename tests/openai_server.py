"""An OpenAI-compatible chat completions server of the tests' own, on loopback.

No model can run on these machines (no GPU, no network beyond the package registries), so
the tests talk to this server with the real ``openai`` SDK instead. It speaks the protocol
as OpenAI's API does: ``POST /v1/chat/completions`` with ``stream: true`` is answered
``200`` with ``Content-Type: text/event-stream`` over HTTP/1.1 chunked transfer encoding,
one server-sent event per chunk (``data: {"object": "chat.completion.chunk", ...}``: a first
chunk with the assistant role, then content deltas, then one with ``finish_reason``), ended
by ``data: [DONE]``; errors are JSON ``{"error": {"message", "type", "param", "code"}}``
with their HTTP status.

Each request takes the next queued script: a :class:`Reply` (chunks, optionally pausing
after some until the test resumes it, then ending, dropping the connection or stalling) or
a :class:`Failure` (an HTTP error). Every request's headers and JSON body are recorded.
"""

from __future__ import annotations

import json
import queue
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

#: The API key the tests configure: recognisable, so a test can search for it where it must never be.
API_KEY = "sk-test-codex-jupyter-S3CRET-0123456789abcdef"

#: How a streamed reply ends: properly, by dropping the connection, or by sending nothing more.
Ending = Literal["done", "drop", "stall"]


@dataclass
class Reply:
    """A streamed reply of ``chunks``, sent ``interval`` seconds apart (as a model writes); with ``pause_after``,
    it stops after that many until :meth:`resume`."""

    chunks: list[str]
    pause_after: int | None = None
    ending: Ending = "done"
    interval: float = 0.0
    paused: threading.Event = field(default_factory=threading.Event)
    resumed: threading.Event = field(default_factory=threading.Event)

    def resume(self) -> None:
        self.resumed.set()


@dataclass
class Failure:
    """An HTTP error: ``status`` with OpenAI's JSON error body (or never an answer, with ``status=None``).

    ``echo_key`` puts the bearer token the request carried into the message, as some servers do.
    """

    status: int | None
    message: str = "something went wrong"
    echo_key: bool = False
    headers: dict[str, str] = field(default_factory=dict)


Script = Reply | Failure


@dataclass
class Request:
    path: str
    headers: dict[str, str]  # names in lower case
    body: dict[str, Any]


class OpenAIServer:
    """Serves queued scripts on ``url`` (``http://127.0.0.1:<port>/v1``) until :meth:`close`."""

    def __init__(self, model: str = "test-model") -> None:
        self.model = model
        self.requests: list[Request] = []
        self._scripts: queue.SimpleQueue[Script] = queue.SimpleQueue()
        self.stopping = threading.Event()
        self._http = _HTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._http.serve_forever, name="openai-server", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}/v1"

    def then(self, script: Script) -> Script:
        """Queue ``script`` for the next request; returned so the test can pause and resume it."""
        self._scripts.put(script)
        return script

    def close(self) -> None:
        self.stopping.set()
        self._http.shutdown()
        self._http.server_close()

    def __enter__(self) -> OpenAIServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _next(self) -> Script:
        try:
            return self._scripts.get_nowait()
        except queue.Empty:
            return Failure(500, "the test queued no reply for this request")


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up mid-reply (a reply stopped, a timeout) is what tests do on purpose: no traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _chunk(model: str, delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "fp_test",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
    }


def _handler(server: OpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive and chunked transfer encoding, as the real API

        def log_message(self, format: str, *args: Any) -> None:  # quiet: pytest shows stderr of failures
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            server.requests.append(
                Request(self.path, {name.lower(): value for name, value in self.headers.items()}, body)
            )
            script = server._next()
            if isinstance(script, Failure):
                self._fail(script)
            else:
                self._stream(script)

        def _fail(self, failure: Failure) -> None:
            if failure.status is None:
                server.stopping.wait()
                self.close_connection = True
                return
            message = failure.message
            if failure.echo_key:
                message += f" (you sent {self.headers.get('Authorization', '').removeprefix('Bearer ')})"
            payload = json.dumps(
                {"error": {"message": message, "type": "test_error", "param": None, "code": None}}
            ).encode()
            self.send_response(failure.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in failure.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def _stream(self, reply: Reply) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("x-request-id", "req_test")
            self.end_headers()
            self._event(_chunk(server.model, {"role": "assistant", "content": ""}))
            for sent, text in enumerate(reply.chunks):
                if sent == reply.pause_after and not self._hold(reply):
                    return
                if sent and reply.interval:
                    time.sleep(reply.interval)
                self._event(_chunk(server.model, {"content": text}))
            if reply.pause_after == len(reply.chunks) and not self._hold(reply):
                return
            if reply.ending == "drop":  # mid-reply, without the chunked body's end: the client sees a broken stream
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            if reply.ending == "stall":
                server.stopping.wait()
                self.close_connection = True
                return
            self._event(_chunk(server.model, {}, "stop"))
            self._send(b"data: [DONE]\n\n")
            self._send(b"")  # the last chunk of the chunked body

        def _hold(self, reply: Reply) -> bool:
            """Pause until the test resumes the reply; ``False`` if the server stops first."""
            reply.paused.set()
            while not reply.resumed.wait(0.05):
                if server.stopping.is_set():
                    return False
            return True

        def _event(self, data: dict[str, Any]) -> None:
            self._send(f"data: {json.dumps(data)}\n\n".encode())

        def _send(self, data: bytes) -> None:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

    return Handler
