"""The README's main job, as a newcomer meets it: ``scripts/start`` prints a URL that opens the quickstart,
and the shipped notebooks open unmodified.

``scripts/start`` runs for real (set-up included), with private Jupyter directories so it neither depends on nor
touches the user's own setup; it serves the repository's ``notebooks/`` folder, which these tests only read.
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from conftest import REPO, TIMEOUT_S, _free_port, stop
from playwright.sync_api import Page

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Started:
    url: str
    output: list[str]


@pytest.fixture(scope="module")
def started(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Started]:
    """``scripts/start --no-browser`` on a free port, and the first URL it printed (with the token it generated)."""
    home = tmp_path_factory.mktemp("start")
    env = {
        **os.environ,
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
    }
    env.pop("CODEX_JUPYTER_WORKSPACE", None)  # the default workspace store, as for a newcomer
    command = [str(REPO / "scripts" / "start"), "--no-browser", f"--port={_free_port()}", "--port-retries=0",
               "--LabApp.news_url=None", "--LabApp.expose_app_in_browser=True"]  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO)
    lines: queue.Queue[str] = queue.Queue()
    output: list[str] = []
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout or ()], daemon=True).start()
    try:
        while True:
            line = lines.get(timeout=TIMEOUT_S * 3)  # the set-up may install packages first
            output.append(line)
            found = re.search(r"http://127\.0\.0\.1:\d+/\S*token=\S+", line)
            if found:
                yield Started(found.group(0), output)
                break
    finally:
        stop(process)


def open_and_wait_for_kernel(page: Page, url: str) -> str:
    """Load ``url`` in JupyterLab; once a notebook is open and holds its kernel's language_info, return its path."""
    page.goto(url)
    page.wait_for_function(
        """() => {
            const widget = window.jupyterapp && window.jupyterapp.shell.currentWidget;
            const session = widget && widget.sessionContext && widget.sessionContext.session;
            return Boolean(session && session.kernel && session.kernel.status === 'idle');
        }"""
    )
    # JupyterLab copies the kernel's language_info into the notebook once the kernel tells it.
    told = page.evaluate("async () => (await window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.info)")
    page.wait_for_function(
        """told => {
            const sorted = value => JSON.stringify(value, Object.keys(value).sort());
            const held = window.jupyterapp.shell.currentWidget.context.model.getMetadata('language_info');
            return Boolean(held) && sorted(held) === sorted(told);
        }""",
        arg=told["language_info"],
    )
    return page.evaluate("() => window.jupyterapp.shell.currentWidget.context.path")


def test_scripts_start_prints_the_quickstarts_url(started):
    assert urlsplit(started.url).path == "/lab/tree/quickstart.ipynb"


def test_the_printed_url_opens_the_quickstart(started, page):
    assert open_and_wait_for_kernel(page, started.url) == "quickstart.ipynb"


@pytest.mark.parametrize("name", sorted(path.name for path in (REPO / "notebooks").glob("*.ipynb")))
def test_a_shipped_notebook_opens_unmodified(started, page, name):
    # reset: open this notebook alone, not the layout an earlier test's page left in the workspace
    url = started.url.replace("/lab/tree/quickstart.ipynb", f"/lab/tree/{name}") + "&reset"
    assert open_and_wait_for_kernel(page, url) == name
    # Whatever JupyterLab fills in on opening (kernelspec, language_info) is there already: nothing to save.
    assert page.evaluate("() => window.jupyterapp.shell.currentWidget.context.model.dirty") is False
