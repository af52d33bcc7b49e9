"""The answers to the server's trouble (a full disk, a damaged file) and to bugs, beside the client's fault.

A full disk, a file damaged while in use and a bug in the store cannot be produced on demand
on a shared test machine (a full disk needs a filesystem of its own), so those tests run the
server on a real workspace-file backend wrapped by :class:`FaultyBackend`, which raises the
error the real backend raises in that case from the method named. Everything else is real.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from codex_jupyter import SessionStore
from codex_jupyter.errors import StorageFullError, StoreDamagedError
from codex_jupyter.server import app as server_app
from codex_jupyter.storage import SQLiteBackend


class FaultyBackend:
    """A real backend, except that the methods named in ``failures`` raise the error given there."""

    def __init__(self, backend: SQLiteBackend) -> None:
        self.backend = backend
        self.failures: dict[str, Exception] = {}

    def __getattr__(self, name: str) -> Any:
        if name in self.failures:
            error = self.failures[name]

            def fail(*args: Any, **kwargs: Any) -> Any:
                raise error

            return fail
        return getattr(self.backend, name)


@pytest.fixture
def faulty_backends(monkeypatch: pytest.MonkeyPatch) -> list[FaultyBackend]:
    """The backends of the stores the server extension opens from now on."""
    opened: list[FaultyBackend] = []

    def open_faulty_store(location: str, **options: Any) -> SessionStore:
        opened.append(FaultyBackend(SQLiteBackend(location)))
        return SessionStore(opened[-1], **options)

    monkeypatch.setattr(server_app, "open_store", open_faulty_store)
    return opened


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any], faulty_backends: list[FaultyBackend]) -> dict[str, Any]:
    return jp_server_config  # the same server, started once open_store is patched


@pytest.fixture
def backend(jp_serverapp, faulty_backends: list[FaultyBackend]) -> FaultyBackend:
    [backend] = faulty_backends
    return backend


async def test_a_full_disk_is_507_saying_so_and_nothing_is_stored(api, backend):
    session = (await api("POST", "sessions")).data
    # What the workspace file backend raises for SQLite's "database or disk is full", inside the real transaction.
    backend.failures["append_message"] = StorageFullError("database or disk is full", backend.location)
    reply = await api("POST", f"sessions/{session['id']}/messages", {"role": "user", "content": "hello"})
    assert reply.status == 507
    assert "is full, so nothing was stored" in reply.data["message"]
    del backend.failures["append_message"]
    assert (await api("GET", f"sessions/{session['id']}")).data["message_count"] == 0


async def test_a_damaged_workspace_file_is_503_naming_the_file_and_what_to_do(api, backend):
    session = (await api("POST", "sessions")).data
    backend.failures["get_session"] = StoreDamagedError("database disk image is malformed", backend.location)
    reply = await api("GET", f"sessions/{session['id']}")
    assert reply.status == 503
    assert f"the workspace file {backend.location} is damaged" in reply.data["message"]
    assert "move the file aside" in reply.data["message"]


async def test_a_bug_in_the_store_is_a_500_with_its_traceback_logged(api, backend, caplog):
    backend.failures["list_sessions"] = TypeError("a bug, not the client's fault")
    with caplog.at_level(logging.ERROR):
        reply = await api("GET", "sessions")
    assert reply.status == 500
    [logged] = [record for record in caplog.records if record.exc_info and record.exc_info[0] is TypeError]
    assert "a bug, not the client's fault" in logging.Formatter().formatException(logged.exc_info)


async def test_content_of_the_wrong_type_is_still_400_when_the_backend_has_a_bug(api, backend):
    session = (await api("POST", "sessions")).data
    backend.failures["append_message"] = TypeError("a bug, not the client's fault")
    reply = await api("POST", f"sessions/{session['id']}/messages", {"role": "user", "content": 42})
    assert reply.status == 400
    assert "content must be str, not int" in reply.data["message"]
