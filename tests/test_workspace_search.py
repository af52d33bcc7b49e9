"""Rename and search in the workspace file: its FTS5 indexes, kept right by triggers for every writer,
the migration that builds them, and renames made by other processes."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from version_1 import Version1Writer

from codex_jupyter import ChangeKind, open_store
from codex_jupyter.search import parse_query
from codex_jupyter.storage.fulltext import CLOSE, OPEN, fts_query

FIXTURES = Path(__file__).with_name("fixtures")


def index_problems(path: Path) -> list[str]:
    """What is wrong with the file's indexes, read without codex-jupyter: [] when they match the tables."""
    problems = []
    with sqlite3.connect(path) as conn:
        try:
            # FTS5's own check of an external-content index against its table (rank 1: compare the contents too).
            conn.execute("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)")
        except sqlite3.DatabaseError as error:
            problems.append(f"messages_fts: {error}")
        titles = set(conn.execute("SELECT id, title FROM sessions WHERE title IS NOT NULL"))
        indexed = set(conn.execute("SELECT session_id, title FROM titles_fts"))
        if titles != indexed:
            problems.append(f"titles_fts holds {sorted(indexed)}, the sessions {sorted(titles)}")
    conn.close()
    return problems


def a_copy_of_version_1(folder: Path) -> tuple[Path, dict]:
    copy = folder / "workspace-v1.sqlite3"
    shutil.copyfile(FIXTURES / copy.name, copy)
    return copy, json.loads((FIXTURES / "workspace-v1.json").read_text())


def test_a_version_1_file_is_indexed_when_opened_and_its_messages_and_titles_are_found(tmp_path):
    path, expected = a_copy_of_version_1(tmp_path)
    groupby, _, unicode_session = expected["sessions"]
    with open_store(path) as store:
        [hit] = store.search("dropna")
        assert (hit.session_id, hit.message_id) == (groupby["id"], groupby["messages"][2]["id"])
        assert {(hit.session_id, hit.message_id) for hit in store.search("naive cafe")} == {
            (unicode_session["id"], unicode_session["messages"][0]["id"])
        }
        assert [hit.session_id for hit in store.search("unicode")] == [unicode_session["id"]]
    assert index_problems(path) == []


def test_writes_of_a_version_1_process_that_still_has_the_file_open_keep_the_index_right(tmp_path):
    path, expected = a_copy_of_version_1(tmp_path)
    groupby = expected["sessions"][0]
    older = Version1Writer(path)  # the first release: it knows no index
    with open_store(path) as newer:  # opening migrates the file under the older process
        older.add_message(groupby["id"], "And what about pivot tables?")
        older.create_session(title="written by the older release")
        assert [hit.snippet for hit in newer.search("pivot")] == ["And what about pivot tables?"]
        assert [hit.snippet for hit in newer.search("older release")] == ["written by the older release"]
        older.delete_session(groupby["id"])
        assert newer.search("pivot") == [] and newer.search("dropna") == []
    older.close()
    assert index_problems(path) == []


def test_every_kind_of_write_keeps_both_indexes_matching_the_tables(workspace_file):
    with open_store(workspace_file) as store:
        kept = store.create_session(title="kept")
        store.add_message(kept.id, role="user", content="a message that stays")
        gone = store.create_session(title="deleted")
        store.add_message(gone.id, role="user", content="a message deleted with its session")
        store.rename_session(kept.id, "renamed")
        store.create_session()  # untitled: nothing to index
        store.delete_session(gone.id)
    assert index_problems(workspace_file) == []


def test_each_term_reaches_fts5_as_a_quoted_string_whatever_the_user_typed():
    query = fts_query(parse_query('NEAR(groupby nan) OR "drop rows" -x col:val datafr* AND'))
    assert query == '"near groupby" "nan" "or" "drop rows" "x" "col val" "datafr"* "and"'


def test_a_rename_made_by_another_process_is_announced_as_external(workspace_file):
    with open_store(workspace_file, scope="a.ipynb") as store, open_store(workspace_file, scope="b.ipynb") as other:
        session = store.create_session(title="before")
        store.poll()
        other.rename_session(session.id, "after")
        assert [(c.kind, c.session_id, c.external) for c in store.poll()] == [
            (ChangeKind.SESSION_RENAMED, session.id, True)
        ]
        assert store.get_session(session.id).title == "after"


def test_a_session_created_and_renamed_elsewhere_between_two_looks_is_announced_once_as_created(workspace_file):
    with open_store(workspace_file, scope="a.ipynb") as store, open_store(workspace_file, scope="b.ipynb") as other:
        store.poll()
        session = other.create_session(title="first title")
        other.rename_session(session.id, "second title")
        kinds = [(c.kind, c.session_id) for c in store.poll() if c.kind is not ChangeKind.CURRENT_CHANGED]
        assert kinds == [(ChangeKind.SESSION_CREATED, session.id)]


def test_a_message_holding_the_highlight_markers_itself_is_still_marked_right(workspace_file):
    with open_store(workspace_file) as store:
        session = store.create_session()
        store.add_message(session.id, role="user", content=f"{OPEN}x{CLOSE} a groupby {OPEN}")
        [hit] = store.search("groupby")
    assert [hit.snippet[start:end] for start, end in hit.highlights] == ["groupby"]
    assert hit.snippet == f"{OPEN}x{CLOSE} a groupby {OPEN}"
