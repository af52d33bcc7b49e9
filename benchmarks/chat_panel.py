"""What the chat panel sends to the browser, beside two naive panels measured in the same run.

Runs in a real kernel (jupyter_client) and counts the widget traffic on iopub: every
``comm_open``, ``comm_msg`` and ``comm_close``, at its serialized size (the frames the
kernel sends, header and signature included). On a session of 5,000 messages it
measures building the panel, then appending one message, several times over, then
streaming a reply of 200 chunks into it (as a model does: the store writes it in batches,
at most ten a second, and announces each batch as ``message_updated``).

Panels compared, each on its own 5,000-message session in a memory store:

- ``ChatPanel``: the windowed, paged transcript of :mod:`codex_jupyter.kernel.widget.transcript`;
- one HTML value: the whole transcript rendered into one ``HTML`` widget, re-rendered per message;
- a VBox of 5,000 widgets: one ``HTML`` widget per message, every message live.

    python -m benchmarks chat_panel [--quick]
"""

from __future__ import annotations

import statistics
from typing import Any

from .kernel import benchmark_kernel
from .report import table

COMM_MESSAGES = {"comm_open", "comm_msg", "comm_close"}

# Runs in the kernel: one store per panel, so each append reaches exactly one panel.
SETUP = """
import time
from codex_jupyter import open_store
from codex_jupyter.kernel.widget import ChatPanel
from codex_jupyter.kernel.widget.message import message_html
from ipywidgets import HTML, VBox


class OneHTMLValue(HTML):
    def __init__(self, store):
        session = store.get_current_session()
        self.parts = {message.id: message_html(message) for message in session.messages}
        super().__init__("".join(self.parts.values()))
        store.on_did_change(self.changed)

    def changed(self, change):
        if change.message is not None:
            self.parts[change.message.id] = message_html(change.message)
            self.value = "".join(self.parts.values())


class EveryMessageLive(VBox):
    def __init__(self, store):
        session = store.get_current_session()
        self.views = {message.id: HTML(message_html(message)) for message in session.messages}
        super().__init__(list(self.views.values()))
        store.on_did_change(self.changed)

    def changed(self, change):
        if change.message is None:
            return
        if change.message.id in self.views:
            self.views[change.message.id].value = message_html(change.message)
        else:
            self.views[change.message.id] = HTML(message_html(change.message))
            self.children = (*self.children, self.views[change.message.id])


PANELS = {"chat": ChatPanel, "one_html": OneHTMLValue, "every_live": EveryMessageLive}
stores = {}
for name in PANELS:
    stores[name] = open_store(":memory:")
    session = stores[name].create_session(title="long")
    for index in range(MESSAGES):
        stores[name].add_message(session.id, role=("user", "assistant")[index % 2],
                                 content=f"Message {index}: why does `groupby` drop **NaN** keys?")
panels = {}
"""

BUILD = """
start = time.perf_counter()
panels[{name!r}] = PANELS[{name!r}](stores[{name!r}])
print(time.perf_counter() - start)
"""

APPEND = "stores[{name!r}].add_message_to_current_session(role='user', content='One more question about `merge`?')"

# A reply of CHUNKS chunks, 5 ms apart, streamed into the store and ended, all within the cell (so that every update
# the store's writing thread sends is counted). It prints how many updates the store announced.
STREAM = """
store = stores[{name!r}]
updates = []
listening = store.on_did_change(lambda change: updates.append(change.kind.value == "message_updated"))
reply = store.begin_message(store.get_current_session().id)
for index in range(CHUNKS):
    store.append_to_message(reply.id, f"word{{index}} ")
    time.sleep(0.005)
store.finish_message(reply.id)
listening.dispose()
print(sum(updates))
"""

LABELS = {
    "chat": "ChatPanel (windowed)",
    "one_html": "baseline: one HTML value",
    "every_live": "baseline: VBox of every message",
}


def _run(client: Any, code: str) -> tuple[int, int, str]:
    """Execute ``code``; return the widget messages sent while it ran, their bytes, and its stdout."""
    msg_id = client.execute(code)
    count = size = 0
    stdout = ""
    while True:
        message = client.get_iopub_msg(timeout=600)
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        kind = message["msg_type"]
        if kind in COMM_MESSAGES:
            count += 1
            size += sum(len(frame) for frame in client.session.serialize(message))
        elif kind == "stream":
            stdout += message["content"]["text"]
        elif kind == "error":
            raise RuntimeError("\n".join(message["content"]["traceback"]))
        elif kind == "status" and message["content"]["execution_state"] == "idle":
            return count, size, stdout


def _kib(size: float) -> str:
    return f"{size:,.0f} B" if size < 10_000 else f"{size / 1024:,.0f} KiB"


def main(quick: bool = False) -> None:
    messages, appends, chunks = (1_000, 5, 50) if quick else (5_000, 50, 200)
    with benchmark_kernel() as client:
        _run(client, f"MESSAGES = {messages}\nCHUNKS = {chunks}\n{SETUP}")
        rows = []
        for name, label in LABELS.items():
            built_messages, built_bytes, seconds = _run(client, BUILD.format(name=name))
            sizes = [_run(client, APPEND.format(name=name))[1] for _ in range(appends)]
            streamed_messages, streamed_bytes, updates = _run(client, STREAM.format(name=name))
            rows.append([
                label,
                f"{float(seconds) * 1e3:,.0f} ms",
                f"{built_messages:,} / {_kib(built_bytes)}",
                _kib(statistics.median(sizes)),
                _kib(max(sizes)),
                f"{int(updates)} / {streamed_messages:,} / {_kib(streamed_bytes)}",
            ])  # fmt: skip
    print(
        f"A session of {messages:,} messages in a real kernel; widget traffic on iopub (comm_open/comm_msg/comm_close,"
        f" serialized size), {appends} appends of one message each, then a reply of {chunks} chunks streamed in:\n"
    )
    header = [
        "panel",
        "build (kernel)",
        "build: messages / bytes",
        "append one: median",
        "append one: max",
        "stream a reply: updates / messages / bytes",
    ]
    print(table(header, rows), flush=True)


if __name__ == "__main__":
    main()
