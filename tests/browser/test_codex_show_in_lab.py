"""What ``%codex_show`` and its sibling magics show in a real JupyterLab, in Chromium.

No live link from a message or a title, and a 20,000-message session shown with ``--all`` renders.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

# Markdown outputs of trusted cells are not sanitized by JupyterLab: these two made live javascript: links
# there (see tests/test_magic_output.py for how), and so must not be handed to a Markdown renderer.
TITLE = "[t](javascript:window.__codexXss='title')"
CONTENT = "> ```\n> a\n>\n> [c](javascript:window.__codexXss='content')\n> ```\n"
SETTLED = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
CELLS = [
    "%load_ext codex_jupyter\n%codex_store memory",
    f'%codex_new --title "{TITLE}"',
    f"%%codex_say\n{CONTENT}",
    "%codex_show",
]


def test_codex_show_of_hostile_markdown_carries_no_live_link(lab):
    lab.write_notebook("hostile-show.ipynb", CELLS)
    lab.open_notebook("hostile-show.ipynb")
    for index in range(len(CELLS)):
        lab.run_cell(index)  # run in the page, so the outputs are trusted, as a person's own would be
    outputs = lab.page.locator(".jp-Notebook .jp-OutputArea-output")
    lab.cell(3).locator(".jp-OutputArea-output").get_by_text(re.compile(r"1 messages? · id")).wait_for()
    lab.screenshot("codex_show_hostile_payloads", lab.cell(3))

    assert outputs.locator('a[href^="javascript:" i]').count() == 0
    opened = []
    lab.page.context.on(
        "page", lambda new_page: opened.append(new_page.url)
    )  # a link with target=_blank runs its script in a new page
    for link_text in outputs.get_by_text(re.compile(r"^(t|c)$|javascript:window\.__codexXss")).all():
        link_text.click()
    lab.page.evaluate(SETTLED)
    assert lab.page.evaluate("typeof window.__codexXss") == "undefined"
    assert opened == []


LARGE = 20_000
FILL = f"""\
%codex_store memory
from codex_jupyter import get_store
store = get_store()
for index in range({LARGE}):
    store.add_message_to_current_session(role=("user", "assistant")[index % 2], content=f"Message {{index}}")
"""


def test_showing_all_of_a_20000_message_session_renders_and_says_how_much_it_shows(lab):
    # JupyterLab's Markdown parser took minutes over the 3 MB Markdown output this used to be.
    cells = ["%load_ext codex_jupyter", FILL, "%codex_show --all"]
    lab.write_notebook("show-all.ipynb", cells)
    lab.open_notebook("show-all.ipynb")
    for index in range(len(cells)):
        lab.run_cell(index)
    output = lab.cell(2).locator(".jp-OutputArea-output")
    output.get_by_text(f"Message {LARGE - 1}", exact=True).wait_for()
    assert f"Showing the latest 1,000 of {LARGE:,} messages" in output.inner_text()
