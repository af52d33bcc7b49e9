"""A real ``jupyter server`` in a process of its own, with the codex_jupyter extension, on private Jupyter folders.

For what needs a whole server process: two hub nodes on one database (tests), load on loopback (benchmarks).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tornado.httpclient import HTTPRequest


@dataclass(frozen=True)
class Server:
    url: str
    token: str
    store: str | Path

    def request(self, method: str, path: str, body: object = None) -> HTTPRequest:
        return HTTPRequest(
            f"{self.url}{path}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
            body=None if body is None else json.dumps(body),
            request_timeout=120,
        )

    @property
    def events_url(self) -> str:
        """The event bus's websocket, as JupyterLab subscribes to it."""
        return f"{self.url.replace('http://', 'ws://')}/api/events/subscribe?token={self.token}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def jupyter_server(home: Path, store: str | Path, *options: str) -> Iterator[Server]:
    """``jupyter server`` keeping sessions at ``store`` (given as ``$CODEX_JUPYTER_WORKSPACE``, as a hub does),
    with ``options`` on its command line; stopped afterwards."""
    dirs = {name: home / name for name in ("root", "data", "config", "runtime")}
    for directory in dirs.values():
        directory.mkdir(parents=True)
    (dirs["config"] / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": {"codex_jupyter": True}}})
    )
    port, token = _free_port(), secrets.token_hex(16)
    server = Server(f"http://127.0.0.1:{port}", token, store)
    env = {
        **os.environ,
        **{f"JUPYTER_{name.upper()}_DIR": str(path) for name, path in dirs.items() if name != "root"},
        "CODEX_JUPYTER_WORKSPACE": str(store),
    }
    command = [sys.executable, "-m", "jupyter_server", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--port={port}", "--port-retries=0", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={dirs['root']}", "--ServerApp.log_level=WARN", *options]  # fmt: skip
    if os.geteuid() == 0:
        command.append("--allow-root")
    with open(home / "server.log", "wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(server, process)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_until_up(server: Server, process: subprocess.Popen[bytes]) -> None:
    """Wait for the extension to answer (synchronously: the caller may be inside an event loop of its own)."""
    request = urllib.request.Request(
        f"{server.url}/codex/api/sessions?limit=1", headers={"Authorization": f"token {server.token}"}
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(request, timeout=10):
                return
        except OSError:  # not listening yet, or the extension not loaded yet
            time.sleep(0.1)
    raise TimeoutError("jupyter server did not answer within 60 s")
