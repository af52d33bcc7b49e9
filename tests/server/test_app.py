"""The extension's life in the server: which workspace file it opens, and what kernels inherit."""

from __future__ import annotations

import os
from typing import Any

import pytest

from codex_jupyter.locations import WORKSPACE_ENV, server_workspace_file


def extension(jp_serverapp) -> Any:
    return jp_serverapp.web_app.settings["codex_jupyter"]


def test_the_server_tells_its_kernels_the_workspace_file_through_the_environment(jp_serverapp, workspace_file):
    assert extension(jp_serverapp).store.location == str(workspace_file)
    assert os.environ[WORKSPACE_ENV] == str(workspace_file)


@pytest.fixture
def unconfigured(jp_server_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.delenv(WORKSPACE_ENV, raising=False)
    return {"ServerApp": jp_server_config["ServerApp"]}


def test_without_configuration_each_server_root_has_its_own_file(unconfigured, jp_configurable_serverapp, jp_root_dir):
    app = jp_configurable_serverapp(config=unconfigured)
    location = extension(app).store.location
    assert location == str(server_workspace_file(jp_root_dir))
    assert location.startswith(os.environ["JUPYTER_DATA_DIR"])  # the user's data directory, not the root folder


async def test_a_workspace_file_set_in_the_environment_is_kept(
    unconfigured, jp_configurable_serverapp, tmp_path, monkeypatch
):
    monkeypatch.setenv(WORKSPACE_ENV, str(tmp_path / "shared.sqlite3"))
    app = jp_configurable_serverapp(config=unconfigured)
    assert extension(app).store.location == str(tmp_path / "shared.sqlite3")
    # Stopped here, while monkeypatch's variable is still set: the extension puts back what it found.
    await extension(app).stop_extension()
    assert os.environ[WORKSPACE_ENV] == str(tmp_path / "shared.sqlite3")


async def test_stopping_twice_is_harmless(jp_serverapp):
    await extension(jp_serverapp).stop_extension()
    await extension(jp_serverapp).stop_extension()
    assert WORKSPACE_ENV not in os.environ


def test_server_workspace_files_differ_between_roots_of_the_same_name(tmp_path):
    first, second = tmp_path / "a" / "project", tmp_path / "b" / "project"
    assert server_workspace_file(first) != server_workspace_file(second)
    assert server_workspace_file(first).name.startswith("project-")


async def test_stopping_the_extension_closes_the_store_and_restores_the_environment(jp_serverapp, monkeypatch):
    app = extension(jp_serverapp)
    await app.stop_extension()
    assert app.store.disposed
    assert WORKSPACE_ENV not in os.environ


def test_the_former_option_workspace_file_still_names_the_store(
    unconfigured, jp_configurable_serverapp, tmp_path, capsys
):
    config = {**unconfigured, "CodexJupyter": {"workspace_file": str(tmp_path / "old-name.sqlite3")}}
    app = jp_configurable_serverapp(config=config)
    assert extension(app).store.location == str(tmp_path / "old-name.sqlite3")
    # The extension's logger writes to stderr and does not propagate (caplog cannot see it).
    assert "workspace_file is deprecated: use c.CodexJupyter.store_url" in capsys.readouterr().err


def test_a_postgresql_url_reaches_kernels_whole_and_is_shown_without_its_password(
    unconfigured, jp_configurable_serverapp, postgres, capsys
):
    url = postgres.url("alice")
    app = jp_configurable_serverapp(config={**unconfigured, "CodexJupyter": {"store_url": url}})
    assert os.environ[WORKSPACE_ENV] == url
    password = url.split(":")[2].split("@")[0]
    assert password not in extension(app).store.location
    # Only the extension's own lines: jupyter-server itself logs its whole configuration at debug level.
    logged = "\n".join(line for line in capsys.readouterr().err.splitlines() if "CodexJupyter]" in line)
    assert f"chat sessions are saved in {extension(app).store.location}" in logged
    assert password not in logged
