"""Reading a real jupyter server's event bus (``/api/events/subscribe``) as JupyterLab does."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from tornado.websocket import WebSocketClientConnection

from codex_jupyter.server.events import SCHEMA_ID

#: A generous bound for a shared machine; changes normally arrive within milliseconds (or one poll_interval).
EVENT_TIMEOUT_S = 30

EventWaiter = Callable[[Callable[[dict[str, Any]], bool]], Awaitable[dict[str, Any]]]


def event_waiter(connection: WebSocketClientConnection) -> EventWaiter:
    """``await next_event(match)`` on the joined ``connection``: the first codex event that ``match`` accepts."""

    async def next_event(match: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        async def read() -> dict[str, Any]:
            while True:
                raw = await connection.read_message()
                assert raw is not None, "the events websocket closed"
                event = json.loads(raw)
                if event["schema_id"] == SCHEMA_ID and match(event):
                    return event

        return await asyncio.wait_for(read(), EVENT_TIMEOUT_S)

    return next_event
