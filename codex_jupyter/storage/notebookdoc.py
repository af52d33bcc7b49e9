"""``metadata.codex``, the document a notebook keeps its sessions in, and the kernel's changes to it.

Pure functions on JSON values, twins of ``labextension/src/notebookdoc.ts``: both ends check a
document against one JSON Schema (``codex_jupyter/schemas/notebook.schema.json``) plus the few
rules a schema cannot say, and apply changes the same idempotent way, so JupyterLab refuses what
the kernel would refuse and a change applied twice is applied once.

The document::

    {"version": 1, "current": "<session id>" | null, "sessions": [<ChatSession.to_dict()>, ...]}
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, cast

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from ..errors import CodexError, NotebookFormatError
from ..models import ChatSession

FORMAT_VERSION = 1
SCHEMA_ID = "https://schema.codex-jupyter.org/notebook/v1"

Change = dict[str, Any]
Document = dict[str, Any]


@functools.cache
def schema() -> dict[str, Any]:
    """The protocol's JSON Schema: the document and the comm messages both ways (see its ``$defs``)."""
    text = (resources.files("codex_jupyter") / "schemas" / "notebook.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@functools.cache
def validator(definition: str) -> Draft202012Validator:
    """A validator for one of the schema's ``$defs`` (``document``, ``toFrontend``, ``toKernel``, ...)."""
    root = schema()
    if definition not in root["$defs"]:
        raise KeyError(f"the notebook schema defines no {definition!r}")
    whole = Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return whole.evolve(schema={"$ref": f"#/$defs/{definition}"})


def _describe(error: ValidationError) -> str:
    where = error.json_path.removeprefix("$").removeprefix(".") or "the top level"
    if error.validator in ("pattern", "format") and "description" in error.schema:
        what = f"{error.instance!r} is not {error.schema['description']}"
    else:
        what = error.message
    return f"metadata.codex is malformed at {where}: {what}"


def check_document(document: object) -> None:
    """Raise ``NotebookFormatError`` naming the first thing wrong with ``metadata.codex``; ``None`` is fine."""
    if document is None:
        return
    if isinstance(document, dict):
        version = document.get("version")
        if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
            raise NotebookFormatError(
                f"metadata.codex uses format {version}, newer than this codex-jupyter understands "
                f"({FORMAT_VERSION}); upgrade codex-jupyter to use it"
            )
    error = best_match(validator("document").iter_errors(document))
    if error is not None:
        raise NotebookFormatError(_describe(error))
    valid = cast(Document, document)
    ids = [session["id"] for session in valid["sessions"]]
    if len(set(ids)) != len(ids):
        raise NotebookFormatError("metadata.codex holds two sessions with the same id")
    for index, session in enumerate(valid["sessions"]):
        message_ids = [message["id"] for message in session["messages"]]
        if len(set(message_ids)) != len(message_ids):
            raise NotebookFormatError(f"metadata.codex session {index} holds two messages with the same id")
    current = valid.get("current")
    if current is not None and current not in ids:
        raise NotebookFormatError(f"metadata.codex 'current' names no session of the notebook: {current!r}")


def read_document(document: object) -> tuple[list[ChatSession], str | None]:
    """The sessions and current session id in ``metadata.codex``; ``NotebookFormatError`` if it cannot be read.

    Nothing is written when the document is refused, so a malformed one is reported, never overwritten.
    """
    check_document(document)
    if document is None:
        return [], None
    valid = cast(Document, document)
    sessions = []
    for index, entry in enumerate(valid["sessions"]):
        try:
            sessions.append(ChatSession.from_dict(entry))
        except CodexError as error:
            raise NotebookFormatError(f"metadata.codex session {index} is malformed: {error}") from None
    return sessions, valid.get("current")


def empty_document() -> Document:
    return {"version": FORMAT_VERSION, "current": None, "sessions": []}


def apply_changes(document: Document | None, changes: Iterable[Change]) -> tuple[Document, list[Change]]:
    """Apply the kernel's changes to a copy of a valid document; return it and the changes that did not fit.

    Idempotent: a session that is already there is not created again (ids are UUIDs, so it is the
    same session, perhaps with more messages or edited since), a message whose id is already in its
    session is not appended again, a session already gone is not deleted again; a rename or a message
    update gives the same result however often it is applied. A change that does not fit (an append
    to, a rename of or a switch to a session that is not there, an update of a message that is not
    there) is left out.
    """
    result = empty_document() if document is None else copy.deepcopy(document)
    sessions: list[dict[str, Any]] = result["sessions"]
    refused = []
    for change in changes:
        op = change["op"]
        if op == "create_session":
            if _find(sessions, change["session"]["id"]) is None:
                sessions.append(copy.deepcopy(change["session"]))
        elif op == "append_message":
            session = _find(sessions, change["session_id"])
            message = change["message"]
            if session is None:
                refused.append(change)
            elif all(present["id"] != message["id"] for present in session["messages"]):
                session["messages"].append(copy.deepcopy(message))
                session["message_count"] = len(session["messages"])
                session["updated_at"] = message["timestamp"]
        elif op == "update_message":
            session = _find(sessions, change["session_id"])
            message = change["message"]
            index = _index(session["messages"], message["id"]) if session is not None else None
            if session is None or index is None:
                refused.append(change)
            else:
                session["messages"][index] = copy.deepcopy(message)
                session["updated_at"] = change["updated_at"]
        elif op == "rename_session":
            session = _find(sessions, change["session_id"])
            if session is None:
                refused.append(change)
            else:
                session["title"], session["updated_at"] = change["title"], change["updated_at"]
        elif op == "delete_session":
            result["sessions"] = sessions = [s for s in sessions if s["id"] != change["session_id"]]
            if result.get("current") == change["session_id"]:
                result["current"] = None
        elif op == "set_current":
            if change["session_id"] is not None and _find(sessions, change["session_id"]) is None:
                refused.append(change)
            else:
                result["current"] = change["session_id"]
        else:
            raise ValueError(f"unknown change {op!r}")  # the schema lets no other op through
    return result, refused


def _find(sessions: Sequence[dict[str, Any]], session_id: str) -> dict[str, Any] | None:
    return next((session for session in sessions if session["id"] == session_id), None)


def _index(messages: Sequence[dict[str, Any]], message_id: str) -> int | None:
    # A streamed reply is the last message, or close to it.
    return next((i for i in range(len(messages) - 1, -1, -1) if messages[i]["id"] == message_id), None)


@dataclass
class Write:
    """The changes of one committed transaction of the kernel, numbered."""

    seq: int
    changes: list[Change] = field(default_factory=list)


class UnsavedWrites:
    """The kernel's writes that the notebook file may not hold yet, kept until a save acknowledges them.

    JupyterLab applies a write to the notebook model, but only a save puts it in the file; a page
    reloaded before that loads the file without it. So a write is kept until the frontend says the
    notebook was saved with it, and re-applied on top of any document a frontend sends meanwhile.
    They are kept in memory with no bound: between two saves (autosave runs every two minutes) a
    chat writes kilobytes, not gigabytes.
    """

    def __init__(self) -> None:
        self._writes: list[Write] = []
        self._last_seq = 0

    @property
    def last_seq(self) -> int:
        """The number of the latest write (0 before the first)."""
        return self._last_seq

    def record(self, changes: list[Change]) -> Write:
        self._last_seq += 1
        write = Write(self._last_seq, changes)
        self._writes.append(write)
        return write

    def saved(self, seq: int) -> None:
        """The notebook was saved holding every write up to ``seq``: forget them."""
        self._writes = [write for write in self._writes if write.seq > seq]

    def after(self, applied: int) -> list[Change]:
        """The changes of the unsaved writes after ``applied``, in order."""
        return [change for write in self._writes if write.seq > applied for change in write.changes]

    def merge(self, document: object, applied: int) -> tuple[Document, list[Change]]:
        """``document`` with the unsaved writes after ``applied`` re-applied on top, and the changes that no longer fit.

        Those are forgotten: they went to a session removed from ``metadata.codex`` by hand, and
        its removal is taken to come after them. ``NotebookFormatError`` if ``document`` cannot be read.
        """
        check_document(document)
        merged, refused = apply_changes(cast(Document | None, document), self.after(applied))
        for write in self._writes:
            write.changes = [change for change in write.changes if not any(change is r for r in refused)]
        return merged, refused
