"""The notebook change protocol's pure half: its schema, applying changes, and the kernel's unsaved writes.

``labextension/src/notebookdoc.ts`` is the TypeScript twin of what is tested here.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from codex_jupyter import ChatMessage, ChatSession
from codex_jupyter.errors import NotebookFormatError
from codex_jupyter.storage.notebookdoc import UnsavedWrites, apply_changes, schema, validator

TIME = "2026-11-25T10:00:00+00:00"


def message(message_id: str, content: str = "hello") -> dict[str, Any]:
    return {"id": message_id, "role": "user", "content": content, "timestamp": TIME}


def session(session_id: str, *messages: dict[str, Any]) -> dict[str, Any]:
    return {"id": session_id, "title": None, "created_at": TIME, "updated_at": TIME, "messages": list(messages)}


def document(*sessions: dict[str, Any], current: str | None = None) -> dict[str, Any]:
    return {"version": 1, "current": current, "sessions": list(sessions)}


def append(session_id: str, message_id: str, content: str = "hello") -> dict[str, Any]:
    return {"op": "append_message", "session_id": session_id, "message": message(message_id, content)}


def test_the_schema_is_a_valid_json_schema():
    Draft202012Validator.check_schema(schema())


def test_the_documents_the_models_write_follow_the_schema():
    written = ChatSession("s1", [ChatMessage("m1", "user", "hi", ChatSession("x").created_at)], title="t").to_dict()
    assert validator("document").is_valid(document(written, current="s1"))


def test_a_message_of_neither_kind_is_refused_both_ways():
    assert not validator("toFrontend").is_valid({"op": "apply", "seq": 1, "changes": [{"op": "drop_table"}]})
    assert not validator("toKernel").is_valid({"op": "ack"})


# -- applying changes ------------------------------------------------------------------------


def test_changes_are_applied_in_order_to_a_copy():
    before = document()
    after, refused = apply_changes(
        before,
        [
            {"op": "create_session", "session": session("s1")},
            {"op": "set_current", "session_id": "s1"},
            append("s1", "m1", "first"),
        ],
    )
    assert refused == [] and before == document()
    [created] = after["sessions"]
    assert [m["content"] for m in created["messages"]] == ["first"]
    assert (after["current"], created["message_count"]) == ("s1", 1)


def test_a_notebook_without_metadata_gets_a_new_document():
    after, _ = apply_changes(None, [{"op": "create_session", "session": session("s1")}])
    assert after == document(session("s1"))


def test_creating_a_session_that_is_there_changes_nothing():
    there = document(session("s1", message("m1")))
    assert apply_changes(there, [{"op": "create_session", "session": session("s1")}]) == (there, [])


def test_appending_a_message_whose_id_is_there_changes_nothing():
    there = document(session("s1", message("m1")))
    assert apply_changes(there, [append("s1", "m1")]) == (there, [])


def test_deleting_a_session_that_is_gone_changes_nothing():
    there = document(session("s1"), current="s1")
    assert apply_changes(there, [{"op": "delete_session", "session_id": "s2"}]) == (there, [])


def test_deleting_the_current_session_leaves_none_current():
    after, _ = apply_changes(document(session("s1"), current="s1"), [{"op": "delete_session", "session_id": "s1"}])
    assert after == document()


@pytest.mark.parametrize(
    "change", [append("gone", "m1"), {"op": "set_current", "session_id": "gone"}], ids=["append", "set_current"]
)
def test_a_change_to_a_session_that_is_not_there_is_refused(change):
    there = document(session("s1"))
    assert apply_changes(there, [change]) == (there, [change])


# -- the kernel's unsaved writes -------------------------------------------------------------


def test_writes_are_numbered_from_one():
    writes = UnsavedWrites()
    assert [writes.record([]).seq, writes.record([]).seq] == [1, 2]
    assert writes.last_seq == 2


def test_unsaved_writes_are_applied_on_top_of_a_document_that_lacks_them():
    writes = UnsavedWrites()
    writes.record([{"op": "create_session", "session": session("s1")}, {"op": "set_current", "session_id": "s1"}])
    writes.record([append("s1", "m1")])
    merged, refused = writes.merge(document(), applied=0)
    assert merged == document(session("s1", message("m1")) | {"message_count": 1}, current="s1")
    assert refused == []


def test_writes_the_frontend_holds_are_not_applied_again():
    writes = UnsavedWrites()
    writes.record([append("s1", "m1")])
    writes.record([append("s1", "m2")])
    # m1 was applied, then removed by hand: the frontend's edit stands.
    merged, _ = writes.merge(document(session("s1")), applied=1)
    assert [m["id"] for m in merged["sessions"][0]["messages"]] == ["m2"]


def test_writes_the_notebook_was_saved_with_are_forgotten():
    writes = UnsavedWrites()
    writes.record([append("s1", "m1")])
    writes.record([append("s1", "m2")])
    writes.saved(1)
    assert writes.after(0) == [append("s1", "m2")]


def test_a_write_to_a_session_removed_by_hand_is_forgotten():
    writes = UnsavedWrites()
    writes.record([{"op": "create_session", "session": session("s1")}])
    writes.saved(1)
    writes.record([append("s1", "m1")])
    merged, refused = writes.merge(document(), applied=0)
    assert (merged, refused) == (document(), [append("s1", "m1")])
    assert writes.after(0) == []


def test_an_unreadable_document_is_refused_and_the_writes_are_kept():
    writes = UnsavedWrites()
    writes.record([append("s1", "m1")])
    with pytest.raises(NotebookFormatError):
        writes.merge({"version": 1, "sessions": "oops"}, applied=0)
    assert writes.after(0) == [append("s1", "m1")]


def test_merging_leaves_the_frontends_document_as_it_was():
    frontend = document(session("s1"))
    kept = copy.deepcopy(frontend)
    writes = UnsavedWrites()
    writes.record([append("s1", "m1")])
    writes.merge(frontend, applied=0)
    assert frontend == kept


# -- the cases both ends share (labextension/src/__tests__/notebookdoc.spec.ts runs them too) ----------

SHARED = json.loads((Path(__file__).with_name("fixtures") / "notebook-changes.json").read_text())["cases"]


@pytest.mark.parametrize("case", SHARED, ids=[case["name"] for case in SHARED])
def test_a_shared_case_applies_as_both_ends_agree(case):
    for change in case["changes"]:
        assert validator("change").is_valid(change), change
    after, refused = apply_changes(case["document"], case["changes"])
    assert after == case["expected"]
    assert refused == [case["changes"][index] for index in case["refused"]]
    assert validator("document").is_valid(after)
