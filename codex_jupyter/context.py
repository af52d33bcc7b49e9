"""Notebook cells sent with a question as context, and how they are marked in the stored message.

The model sees what the user saw: the code, and what it printed as text. The cells are
stored inside the user's message, below the question under a heading that says they are
context, each as a fenced code block. So the transcript shows exactly what was sent, and a
later question in the session still has that context.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import InvalidInputError

#: The heading under which context is stored in a message.
CONTEXT_HEADING = "**Context from the notebook**"
#: The most characters of one cell's output that are sent; the rest is cut, saying how much.
MAX_OUTPUT_CHARS = 4000


@dataclass(frozen=True, slots=True)
class CellContext:
    """One notebook cell given as context: its source, its text output if any, and how to name it."""

    source: str
    output: str | None = None
    label: str | None = None

    @classmethod
    def from_dict(cls, data: object) -> CellContext:
        """A cell from JSON ``{"source", "output"?, "label"?}``, refused with ``InvalidInputError`` naming the fault."""
        if not isinstance(data, Mapping):
            raise InvalidInputError(f"a context cell must be an object, not {type(data).__name__}")
        unknown = sorted(set(data) - {"source", "output", "label"})
        if unknown:
            raise InvalidInputError(f"unknown context cell field(s) {', '.join(map(repr, unknown))}")
        source, output, label = data.get("source"), data.get("output"), data.get("label")
        if not isinstance(source, str):
            raise InvalidInputError("a context cell needs a 'source' string")
        for name, value in (("output", output), ("label", label)):
            if value is not None and not isinstance(value, str):
                raise InvalidInputError(f"a context cell's {name!r} must be a string or null")
        return cls(source, output, label)


def cells_from_json(data: Any) -> list[CellContext]:
    """Context cells from a JSON list (``None`` for none)."""
    if data is None:
        return []
    if not isinstance(data, list):
        raise InvalidInputError(f"'context' must be a list of cells, not {type(data).__name__}")
    return [CellContext.from_dict(cell) for cell in data]


def with_context(question: str, cells: Sequence[CellContext]) -> str:
    """The user's message: ``question``, then the cells under :data:`CONTEXT_HEADING`."""
    if not cells:
        return question
    count = f"{len(cells)} cell{'s' if len(cells) != 1 else ''}"
    parts = [question, "", f"{CONTEXT_HEADING} ({count})"]
    for cell in cells:
        parts += ["", f"`{cell.label}`" if cell.label else "Cell:", _fenced(cell.source, "python")]
        if cell.output and cell.output.strip():
            parts += ["Output:", _fenced(_shortened(cell.output.rstrip()), "text")]
    return "\n".join(parts)


def _fenced(text: str, language: str) -> str:
    """``text`` in a code fence longer than any run of backticks inside it, so nothing in it can close the fence."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


def _shortened(output: str) -> str:
    if len(output) <= MAX_OUTPUT_CHARS:
        return output
    return f"{output[:MAX_OUTPUT_CHARS]}\n… ({len(output) - MAX_OUTPUT_CHARS} more characters not sent)"
