"""Fixtures shared by the whole suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from openai_server import API_KEY, OpenAIServer

from codex_jupyter import SessionStore, open_store

pytest_plugins = ["pytest_jupyter.jupyter_server"]


@pytest.fixture
def workspace_file(tmp_path: Path) -> Path:
    return tmp_path / "workspace.sqlite3"


@pytest.fixture(params=["memory", "workspace-file"])
def store(request: pytest.FixtureRequest, workspace_file: Path) -> Iterator[SessionStore]:
    """A store on each backend: the behaviour of the API must not depend on where sessions live."""
    location = ":memory:" if request.param == "memory" else workspace_file
    with open_store(location, scope="notebooks/analysis.ipynb") as opened:
        yield opened


@pytest.fixture
def model_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIServer]:
    """An OpenAI-compatible server on loopback (see openai_server.py), configured as a user would:
    ``$OPENAI_BASE_URL``, ``$OPENAI_API_KEY`` and ``$CODEX_JUPYTER_MODEL`` (kernels started now inherit them)."""
    with OpenAIServer() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.url)
        monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
        monkeypatch.setenv("CODEX_JUPYTER_MODEL", server.model)
        yield server
