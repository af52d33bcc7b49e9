"""The magics in real kernels started with jupyter_client, as Jupyter would start them for notebooks."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from kernels import Kernel

StartKernel = Callable[..., Kernel]


@pytest.fixture
def start_kernel(workspace_file) -> Iterator[StartKernel]:
    started: list[Kernel] = []

    def start(notebook: str, extra_arguments: list[str] | None = None) -> Kernel:
        env = {"CODEX_JUPYTER_WORKSPACE": str(workspace_file), "JPY_SESSION_NAME": notebook}
        kernel = Kernel(env, extra_arguments)
        started.append(kernel)
        return kernel

    yield start
    for kernel in started:
        kernel.shutdown()


def current_id(kernel: Kernel) -> str:
    return kernel.execute("print(codex_jupyter.get_store().get_current_session().id)").stdout.strip()


def test_after_a_kernel_restart_the_notebooks_session_is_current_with_all_its_messages(start_kernel):
    kernel = start_kernel("/work/analysis.ipynb")
    assert kernel.execute("%load_ext codex_jupyter\nimport codex_jupyter").status == "ok"
    kernel.execute('%codex_new --title "before restart"')
    kernel.execute("%%codex_say\nWhy does my groupby drop NaN keys?")
    kernel.execute("%%codex_say --role assistant\nPass dropna=False.")
    session_id = current_id(kernel)

    kernel.restart()
    assert kernel.execute("%load_ext codex_jupyter\nimport codex_jupyter").status == "ok"
    assert current_id(kernel) == session_id
    shown = kernel.execute("%codex_show")
    assert "before restart" in shown.text
    assert "Why does my groupby drop NaN keys?" in shown.text and "Pass dropna=False." in shown.text
    assert "<strong>assistant</strong>" in str(shown.outputs[0]["text/html"])


def test_two_notebooks_keep_their_own_current_sessions_and_both_see_all_sessions(start_kernel):
    first, second = start_kernel("/work/first.ipynb"), start_kernel("/work/second.ipynb")
    for kernel, title in ((first, "first"), (second, "second")):
        kernel.execute(f"%load_ext codex_jupyter\nimport codex_jupyter\n%codex_new --title {title}")
    first.execute("%%codex_say\nfrom the first notebook")
    assert "first" in first.execute("%codex_show").text.splitlines()[0]
    assert "second" in second.execute("%codex_show").text.splitlines()[0]
    for kernel in (first, second):
        listing = kernel.execute("%codex_sessions").text
        assert "first" in listing and "second" in listing


def test_the_extension_can_be_loaded_when_the_kernel_starts(start_kernel):
    kernel = start_kernel("/work/startup.ipynb", ["--InteractiveShellApp.extensions=codex_jupyter"])
    assert kernel.execute("%codex_new --title at-startup").status == "ok"
    assert "at-startup" in kernel.execute("%codex_sessions").text


def test_bad_usage_in_a_kernel_is_one_line_without_a_traceback(start_kernel):
    kernel = start_kernel("/work/typos.ipynb")
    kernel.execute("%load_ext codex_jupyter")
    failed = kernel.execute("%codex_use 12345678")
    assert failed.status == "error"
    assert failed.stderr.strip() == "UsageError: no chat session with id '12345678' (%codex_sessions lists them)"
    assert "Traceback" not in failed.stdout + failed.stderr
