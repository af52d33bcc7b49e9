"""Notebook cells sent with a question: how they are marked in the stored message."""

from __future__ import annotations

import re

import pytest

from codex_jupyter import InvalidInputError
from codex_jupyter.context import CONTEXT_HEADING, MAX_OUTPUT_CHARS, CellContext, cells_from_json, with_context


def test_without_cells_the_message_is_the_question():
    assert with_context("Why?", []) == "Why?"


def test_cells_follow_the_question_under_a_heading_that_marks_them_as_context():
    message = with_context("Why does this fail?", [CellContext("df.groupby('k').sum()", "KeyError: 'k'", "In [3]")])
    assert message == (
        "Why does this fail?\n\n"
        f"{CONTEXT_HEADING} (1 cell)\n\n"
        "`In [3]`\n```python\ndf.groupby('k').sum()\n```\n"
        "Output:\n```text\nKeyError: 'k'\n```"
    )


def test_a_cell_holding_a_code_fence_cannot_close_the_fence_around_it():
    message = with_context("Q", [CellContext('text = """\n```\nnot the end\n```\n"""')])
    assert "````python\n" in message and message.endswith("\n````")


def test_a_long_output_is_cut_saying_how_much_was_left_out():
    message = with_context("Q", [CellContext("x", "y" * (MAX_OUTPUT_CHARS + 10))])
    assert "… (10 more characters not sent)" in message
    assert "y" * (MAX_OUTPUT_CHARS + 1) not in message


def test_cells_are_read_from_json():
    assert cells_from_json([{"source": "x = 1", "output": None, "label": "In [1]"}]) == [
        CellContext("x = 1", None, "In [1]")
    ]
    assert cells_from_json(None) == []


@pytest.mark.parametrize(
    ("data", "fault"),
    [
        ({"source": "x"}, "must be a list"),
        (["x = 1"], "must be an object"),
        ([{"output": "1"}], "needs a 'source' string"),
        ([{"source": "x", "output": 1}], "'output' must be a string or null"),
        ([{"source": "x", "outputs": []}], "unknown context cell field(s) 'outputs'"),
    ],
)
def test_malformed_cells_are_refused_naming_the_fault(data, fault):
    with pytest.raises(InvalidInputError, match=re.escape(fault)):
        cells_from_json(data)
