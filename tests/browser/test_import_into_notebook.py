"""``%codex_import`` into the notebook's own sessions (``%codex_store notebook``), through JupyterLab, in Chromium."""

from __future__ import annotations

import pytest
from chat_files import make_chat, save_chat
from test_notebook_metadata import save, saved_sessions

pytestmark = pytest.mark.browser


def test_a_chat_file_imported_into_the_notebook_is_saved_with_it(lab):
    chat = make_chat()
    save_chat(chat, lab.server.root_dir / "groupby.chat")
    lab.write_notebook(
        "imported.ipynb", ["%load_ext codex_jupyter", "%codex_store notebook", "%codex_import groupby.chat"]
    )
    lab.open_notebook("imported.ipynb")
    for index in range(3):
        lab.run_cell(index)
    assert "Imported 1 session(s) (3 messages)" in lab.cell(2).inner_text()
    save(lab)
    lab.wait_for(lambda: saved_sessions(lab, "imported.ipynb"), "the notebook to be saved with the imported session")
    [session] = saved_sessions(lab, "imported.ipynb")
    assert (session["id"], session["title"], session["message_count"]) == (chat.get_id(), "groupby", 3)
    assert [m["role"] for m in session["messages"]] == ["user", "assistant", "user"]
