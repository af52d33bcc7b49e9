"""A request body over the limit is refused without the server ever holding it in memory.

The server under test runs in this process (pytest-jupyter), so its memory is this process's:
the kernel's peak-RSS counter (``VmHWM``), reset before the request, shows the most memory the
process held while the body went through. The client streams the body in small chunks, so the
client side adds next to nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

BODY_BYTES = 64 * 2**20  # far over the 1 MiB limit, and under tornado's own cap (100 MiB in tests)
CHUNK = b"x" * 2**16
STATUS = Path("/proc/self/status")


def memory_kib(field: str) -> int:
    match = re.search(rf"^{field}:\s+(\d+) kB$", STATUS.read_text(), re.MULTILINE)
    assert match, f"no {field} in {STATUS}"
    return int(match[1])


class Producer:
    """Streams ``size`` bytes of body in small chunks, counting what it was allowed to send."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.sent = 0

    async def __call__(self, write: Callable[[bytes], Awaitable[None]]) -> None:
        while self.sent < self.size:
            chunk = CHUNK[: self.size - self.sent]
            await write(chunk)
            self.sent += len(chunk)


pytestmark = pytest.mark.skipif(not STATUS.exists(), reason="reads the process's peak memory from Linux's /proc")


@pytest.mark.parametrize("framing", ["Content-Length", "chunked"])
async def test_a_body_over_the_limit_is_413_and_never_held_in_memory(jp_fetch, framing):
    headers = {"Content-Length": str(BODY_BYTES)} if framing == "Content-Length" else {}
    Path("/proc/self/clear_refs").write_text("5")  # the peak RSS starts again from the current RSS
    before = memory_kib("VmRSS")
    response = await jp_fetch(
        "codex", "api", "sessions", method="POST", headers=headers, body_producer=Producer(BODY_BYTES),
        raise_error=False, request_timeout=120,
    )  # fmt: skip
    assert response.code == 413
    assert f"over the limit of {2**20} bytes" in json.loads(response.body)["message"]
    grew_by = (memory_kib("VmHWM") - before) * 1024
    assert grew_by < BODY_BYTES / 4, f"the server held {grew_by / 2**20:.0f} MiB while refusing the body"


async def test_a_client_waiting_for_100_continue_is_refused_before_it_sends_the_body(jp_fetch):
    producer = Producer(BODY_BYTES)
    response = await jp_fetch(
        "codex", "api", "sessions", method="POST", headers={"Content-Length": str(BODY_BYTES)},
        body_producer=producer, expect_100_continue=True, raise_error=False,
    )  # fmt: skip
    assert response.code == 413
    assert producer.sent == 0
