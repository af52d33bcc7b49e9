"""Fixtures shared by the whole suite."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell
from notebook_frontend import ScriptedFrontend
from openai_server import API_KEY, OpenAIServer
from postgres_server import PostgresDatabase, PostgresServer

from codex_jupyter import SessionStore, open_store
from codex_jupyter.kernel.store import kernel_store, notebook_store

pytest_plugins = ["pytest_jupyter.jupyter_server"]


@pytest.fixture
def workspace_file(tmp_path: Path) -> Path:
    return tmp_path / "workspace.sqlite3"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One real PostgreSQL server for the whole run, started when a test first needs it.

    Its default is ``synchronous_commit = off``, so every test shows that the backend asks for it itself.
    """
    server = PostgresServer(settings={"synchronous_commit": "off"})
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_database(postgres_server: PostgresServer) -> PostgresDatabase:
    """A database set up as an administrator would (``jupyter codex postgres-setup``), for the users alice and bob."""
    return PostgresDatabase.set_up(postgres_server, "codex")


@pytest.fixture
def postgres(postgres_database: PostgresDatabase) -> PostgresDatabase:
    """The database, emptied of every user's sessions: each test starts from nothing."""
    postgres_database.empty()
    return postgres_database


def store_location(backend: str, workspace_file: Path, request: pytest.FixtureRequest) -> str | Path:
    """Where a store of ``backend`` lives for one test: alice's rows of the test database, for PostgreSQL."""
    if backend == "memory":
        return ":memory:"
    if backend == "postgresql":
        return request.getfixturevalue("postgres").url("alice")
    return workspace_file


@pytest.fixture(params=["memory", "workspace-file", "postgresql", "notebook"])
def store(request: pytest.FixtureRequest, workspace_file: Path) -> Iterator[SessionStore]:
    """A store on each backend: the behaviour of the API must not depend on where sessions live.

    The notebook's metadata is held by ``ScriptedFrontend``, JupyterLab's half of the bridge played in process.
    """
    scope = "notebooks/analysis.ipynb"
    if request.param == "notebook":
        opened = notebook_store(ScriptedFrontend(), scope)
    else:
        opened = open_store(store_location(request.param, workspace_file, request), scope=scope)
    with opened:
        yield opened


@pytest.fixture(params=["workspace-file", "postgresql"])
def shared_location(request: pytest.FixtureRequest, workspace_file: Path) -> str | Path:
    """A location that several stores and processes share, on each backend that other processes write."""
    return store_location(request.param, workspace_file, request)


@pytest.fixture
def model_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIServer]:
    """An OpenAI-compatible server on loopback (see openai_server.py), configured as a user would:
    ``$OPENAI_BASE_URL``, ``$OPENAI_API_KEY`` and ``$CODEX_JUPYTER_MODEL`` (kernels started now inherit them)."""
    with OpenAIServer() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.url)
        monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
        monkeypatch.setenv("CODEX_JUPYTER_MODEL", server.model)
        yield server


@pytest.fixture
def answering_model(model_server: OpenAIServer, shell: InteractiveShell) -> OpenAIServer:
    """The model server, asked once per question: a failure a test makes it give ends the reply, not a retry."""
    shell.run_line_magic("config", "OpenAIResponder.max_retries = 0")
    return model_server


@pytest.fixture
def shell(workspace_file: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    """A real IPython shell with the extension loaded, its store the test's workspace file, named as a notebook's
    kernel is by jupyter-server."""
    monkeypatch.setenv("CODEX_JUPYTER_WORKSPACE", str(workspace_file))
    monkeypatch.setenv("JPY_SESSION_NAME", "/work/analysis.ipynb")
    shell = InteractiveShell.instance()
    config = copy.deepcopy(shell.config)  # %config also changes the shell's own config, which outlives the test
    shell.run_line_magic("load_ext", "codex_jupyter")
    yield shell
    shell.run_line_magic("unload_ext", "codex_jupyter")
    kernel_store.close()
    shell.config = config
