"""Every route asks jupyter-server's authorizer, on the ``codex`` resource: a deployment can restrict it."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from jupyter_server.auth import Authorizer


class ReadOnlyCodex(Authorizer):
    """Allows everything but changes to chat sessions, and remembers what it was asked."""

    asked: ClassVar[list[tuple[str, str, str]]] = []

    def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
        self.asked.append((handler.request.method, action, resource))
        return not (resource == "codex" and action == "write")


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    ReadOnlyCodex.asked.clear()
    return {**jp_server_config, "ServerApp": {**jp_server_config["ServerApp"], "authorizer_class": ReadOnlyCodex}}


async def test_reads_are_authorized_as_reads_of_codex(api):
    assert (await api("GET", "sessions")).status == 200
    assert ReadOnlyCodex.asked[-1] == ("GET", "read", "codex")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "sessions", {}),
        ("DELETE", "sessions/some-id", None),
        ("POST", "sessions/some-id/messages", {"role": "user", "content": "x"}),
        ("PUT", "current", {"scope": "a.ipynb", "session_id": None}),
    ],
)
async def test_a_change_the_authorizer_refuses_is_403_and_changes_nothing(api, jp_serverapp, method, path, body):
    reply = await api(method, path, body)
    assert reply.status == 403
    assert ReadOnlyCodex.asked[-1] == (method, "write", "codex")
    assert jp_serverapp.web_app.settings["codex_jupyter"].store.session_count() == 0
