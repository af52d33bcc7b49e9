"""A real IPython kernel, started with jupyter_client, and what running code in it showed."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from jupyter_client.manager import KernelManager


@dataclass
class Execution:
    status: str
    stdout: str = ""
    stderr: str = ""
    outputs: list[dict[str, object]] = field(default_factory=list)
    error: str | None = None  # "ename: evalue"

    @property
    def text(self) -> str:
        return self.stdout + "".join(str(output.get("text/plain", "")) for output in self.outputs)


class Kernel:
    """One kernel with its own environment (the notebook path and workspace file a server would give it)."""

    def __init__(self, env: dict[str, str], extra_arguments: list[str] | None = None) -> None:
        self.manager = KernelManager(kernel_name="python3")
        self.manager.start_kernel(env={**os.environ, **env}, extra_arguments=extra_arguments or [])
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)

    def execute(self, code: str, timeout: float = 60) -> Execution:
        execution = Execution(status="")

        def collect(message: dict) -> None:
            kind, content = message["msg_type"], message["content"]
            if kind == "stream":
                if content["name"] == "stdout":
                    execution.stdout += content["text"]
                else:
                    execution.stderr += content["text"]
            elif kind in ("display_data", "execute_result"):
                execution.outputs.append(content["data"])
            elif kind == "error":
                execution.error = f"{content['ename']}: {content['evalue']}"

        reply = self.client.execute_interactive(code, output_hook=collect, timeout=timeout)
        execution.status = reply["content"]["status"]
        if execution.status == "error" and execution.error is None:
            execution.error = f"{reply['content']['ename']}: {reply['content']['evalue']}"
        return execution

    def restart(self) -> None:
        self.manager.restart_kernel(now=True)
        self.client.wait_for_ready(timeout=60)

    def shutdown(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)
