"""Browser tests: a real ``jupyter lab`` and Debian's Chromium driven by Playwright.

Reusable fixtures for any test that needs JupyterLab in a browser:

- ``lab_server``: one ``jupyter lab`` for the session, on a free port with a token, a temporary
  root directory, and private Jupyter data/config/runtime directories and workspace file, so the
  tests neither depend on nor touch the user's setup.
- ``lab_model_server``: the OpenAI-compatible server on loopback (tests/openai_server.py) that answers the
  questions asked in that JupyterLab (its ``OPENAI_BASE_URL``): queue a reply on it before asking.
- ``browser`` (one Chromium per test module) and ``page`` (one fresh browser context per test).
- ``lab``: a :class:`Lab` on that page: write and open a notebook, run a cell, take screenshots
  (saved under ``artifacts/screenshots/``).

Everything waits on conditions with generous timeouts; nothing sleeps a fixed time.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from openai_server import API_KEY, OpenAIServer
from playwright.sync_api import Browser, Locator, Page, sync_playwright

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
# Without the networking flags Chromium keeps trying to reach Google's services, which fails here.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_S = 90  # generous: CI machines are slow, and waiting costs nothing when things work
# JupyterLab settings that keep pop-ups (news, update checks) out of the tests and the screenshots.
LAB_SETTINGS = {"@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False}}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives a real JupyterLab in Chromium (slow; needs /usr/bin/chromium)")


# pytest-jupyter's autouse fixtures (from the suite's conftest) run an in-process server's event loop around
# every test, and fail at teardown once Playwright's sync API has marked a loop running in this thread.
# These tests start no in-process server, so here the two fixtures do nothing.
@pytest.fixture(autouse=True)
def jp_asyncio_loop() -> None:
    return None


@pytest.fixture(autouse=True)
def jp_server_cleanup() -> None:
    return None


@dataclass(frozen=True)
class LabServer:
    """A running ``jupyter lab``: where it listens, its token, and the files it works on."""

    base_url: str
    token: str
    root_dir: Path
    workspace_file: Path
    log_file: Path

    def url(self, path: str, query: str = "") -> str:
        return f"{self.base_url}{path}?token={self.token}{query}"

    def log(self) -> str:
        return self.log_file.read_text(errors="replace")


def wait_for(condition: Callable[[], object], what: str, timeout: float = TIMEOUT_S) -> object:
    """Poll ``condition`` until it returns something truthy (and return that), or fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)  # polling interval of a condition wait, not a fixed delay
    raise TimeoutError(f"timed out after {timeout} s waiting for {what}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(server: LabServer, process: subprocess.Popen[bytes]) -> bool:
    if process.poll() is not None:
        raise RuntimeError(f"jupyter lab exited with {process.returncode}:\n{server.log()}")
    try:
        with urllib.request.urlopen(server.url("/api/status"), timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@pytest.fixture(scope="session")
def lab_model_server() -> Iterator[OpenAIServer]:
    """The OpenAI-compatible server (see tests/openai_server.py) that the lab server's responder and its
    kernels talk to: a test queues the reply it wants before asking."""
    with OpenAIServer() as server:
        yield server


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory: pytest.TempPathFactory, lab_model_server: OpenAIServer) -> Iterator[LabServer]:
    home = tmp_path_factory.mktemp("lab")
    dirs = {name: home / name for name in ("root", "data", "config", "runtime")}
    for directory in dirs.values():
        directory.mkdir()
    for plugin, settings in LAB_SETTINGS.items():
        path = dirs["config"] / "lab" / "user-settings" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(settings))
    port, token = _free_port(), secrets.token_hex(16)
    server = LabServer(
        f"http://127.0.0.1:{port}", token, dirs["root"], home / "workspace.sqlite3", home / "jupyter-lab.log"
    )
    env = {
        **os.environ,
        # The venv's share/jupyter (where the widgets' labextension lives) stays on the path:
        # Jupyter always searches sys.prefix besides these directories.
        "JUPYTER_DATA_DIR": str(dirs["data"]),
        "JUPYTER_CONFIG_DIR": str(dirs["config"]),
        "JUPYTER_RUNTIME_DIR": str(dirs["runtime"]),
        "CODEX_JUPYTER_WORKSPACE": str(server.workspace_file),
        # Questions asked in JupyterLab (and in its kernels) are answered by the tests' own model server.
        "OPENAI_BASE_URL": lab_model_server.url,
        "OPENAI_API_KEY": API_KEY,
        "CODEX_JUPYTER_MODEL": lab_model_server.model,
    }
    command = [
        str(Path(sys.executable).with_name("jupyter")),
        "lab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--port={port}",
        "--port-retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={dirs['root']}",
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: run cells through Lab's own commands
        "--LabApp.news_url=None",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    with server.log_file.open("wb") as log:
        process = subprocess.Popen(command, env=env, cwd=dirs["root"], stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: _answers(server, process), "jupyter lab to answer /api/status")
        yield server
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    """End a server process: politely, then for good if it does not end within 30 s."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# Module scope, not session: while Playwright's sync API is open it marks its event loop as running in this
# thread, and pytest-jupyter's loop fixture would then fail in every test of the suite that runs after.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup (it installs Debian's chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    if report.when == "call":
        item.stash[_failed] = report.failed
    return report


_failed = pytest.StashKey[bool]()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page in a fresh browser context; when the test fails, a screenshot of it is saved as ``failed-<test>``."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_S * 1000)
    opened = context.new_page()
    yield opened
    if request.node.stash.get(_failed, False):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        opened.screenshot(path=str(SCREENSHOTS / f"failed-{request.node.name}.png"))
    context.close()


class Lab:
    """JupyterLab in a page: notebooks written to the server's root and run through Lab's commands."""

    wait_for = staticmethod(wait_for)

    def __init__(self, server: LabServer, page: Page) -> None:
        self.server = server
        self.page = page

    def write_notebook(self, name: str, cells: list[str]) -> Path:
        """Write a notebook of code cells (with a kernelspec, so Lab asks no question when opening it)."""
        notebook = nbformat.v4.new_notebook(
            cells=[nbformat.v4.new_code_cell(source) for source in cells],
            metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        )
        path = self.server.root_dir / name
        nbformat.write(notebook, path)
        return path

    def open_notebook(self, name: str) -> None:
        """Open a notebook in Lab, alone (``reset`` drops earlier tests' tabs); wait until its kernel is idle."""
        self.page.goto(self.server.url(f"/lab/tree/{name}", "&reset"))
        self.wait_until_open(name)

    def wait_until_open(self, name: str) -> None:
        """Wait until the page shows notebook ``name`` with its kernel idle (after a load or a reload)."""
        self.page.wait_for_function(
            """name => {
                const widget = window.jupyterapp && window.jupyterapp.shell.currentWidget;
                const kernel = widget && widget.sessionContext && widget.sessionContext.session
                    && widget.sessionContext.session.kernel;
                return Boolean(widget && widget.context && widget.context.path === name
                    && kernel && kernel.status === 'idle');
            }""",
            arg=name,
        )

    def run_cell(self, index: int) -> None:
        """Run cell ``index`` of the open notebook as Shift+Enter would, and wait until it has finished."""
        ok = self.page.evaluate(
            """async index => {
                const notebook = window.jupyterapp.shell.currentWidget.content;
                notebook.activeCellIndex = index;
                return await window.jupyterapp.commands.execute('notebook:run-cell');
            }""",
            index,
        )
        assert ok, f"cell {index} failed to run"

    def cell(self, index: int) -> Locator:
        return self.page.locator(".jp-Notebook .jp-Cell").nth(index)

    def screenshot(self, name: str, locator: Locator | None = None) -> Path:
        """Save a screenshot of ``locator`` (or the page) as ``artifacts/screenshots/<name>.png``; return its path."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        (locator or self.page).screenshot(path=str(path))
        return path


@pytest.fixture
def lab(lab_server: LabServer, page: Page) -> Lab:
    return Lab(lab_server, page)
