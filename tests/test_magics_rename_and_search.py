"""%codex_rename and %codex_search, in a real IPython InteractiveShell and in a real kernel."""

from __future__ import annotations

from html import escape

import pytest
from IPython.core.completer import provisionalcompleter
from IPython.core.error import UsageError
from kernels import Kernel
from test_magics import run

from codex_jupyter import get_store
from codex_jupyter.kernel.magics.search import marked
from codex_jupyter.rendering import format_time


def current_title() -> str | None:
    return get_store().get_current_session().title


# -- %codex_rename -----------------------------------------------------------------------------


def test_codex_rename_renames_the_current_session_with_the_words_given(shell):
    run(shell, "%codex_new --title before")
    ran = run(shell, "%codex_rename groupby   questions")
    assert current_title() == "groupby questions"
    assert "groupby questions" in ran.text and get_store().get_current_session().id in ran.text


def test_codex_rename_takes_another_session_by_a_start_of_its_id(shell):
    run(shell, "%codex_new --title first")
    first = get_store().get_current_session()
    run(shell, "%codex_new --title second")
    run(shell, f'%codex_rename --id {first.id[:8]} "the first, renamed"')
    assert get_store().get_session(first.id).title == "the first, renamed"
    assert current_title() == "second"


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("%codex_rename " + "x" * 201, "1 to 200 characters"),
        ("%codex_rename --id no-such-id title", "no chat session with id 'no-such-id'"),
        ("%codex_rename", "the following arguments are required: title"),
    ],
)
def test_a_bad_rename_is_one_clear_line_and_changes_nothing(shell, cell, message):
    run(shell, "%codex_new --title kept")
    ran = run(shell, cell)
    assert isinstance(ran.error, UsageError) and message in str(ran.error)
    assert current_title() == "kept"


def test_codex_rename_without_a_current_session_says_how_to_get_one(shell):
    ran = run(shell, "%codex_rename a title")
    assert isinstance(ran.error, UsageError) and "no current session to rename" in str(ran.error)
    assert get_store().get_sessions() == []


# -- %codex_search -----------------------------------------------------------------------------


def conversation(shell) -> tuple[str, str]:
    run(shell, '%codex_new --title "pandas questions"')
    run(shell, "%%codex_say\nWhy does my groupby drop rows whose key is NaN?")
    run(shell, "%%codex_say --role assistant\nPass dropna=False to groupby to keep NaN keys.")
    first = get_store().get_current_session().id
    run(shell, "%codex_new --title plotting")
    run(shell, "%%codex_say\nHow do I plot a DataFrame?")
    return first, get_store().get_current_session().id


def test_codex_search_lists_hits_with_session_titles_ids_and_the_matched_words(shell):
    first, _ = conversation(shell)
    ran = run(shell, "%codex_search groupby nan")
    assert ran.text.splitlines()[0] == "2 hits for groupby nan:"
    assert f"pandas questions · {first} · user · " in ran.text
    assert "Why does my «groupby» drop rows whose key is «NaN»?" in ran.text
    html = ran.data("text/html")
    assert "pandas questions" in html and first in html
    assert "Why does my <mark>groupby</mark> drop rows whose key is <mark>NaN</mark>?" in html


def test_codex_search_shows_no_markdown_which_jupyterlab_would_not_sanitize(shell):
    conversation(shell)
    assert all("text/markdown" not in output for output in run(shell, "%codex_search groupby").outputs)


def test_codex_search_never_lets_markup_in_a_message_or_title_through(shell):
    run(shell, '%codex_new --title "<img src=x onerror=alert(1)> groupby"')
    run(shell, "%%codex_say\n<script>window.pwned = 1</script> groupby <b onclick=x>bold</b>")
    html = run(shell, "%codex_search groupby").data("text/html")
    assert "<script" not in html and "<img" not in html and "<b " not in html
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt; <mark>groupby</mark> &lt;b onclick=x&gt;" in html


def test_codex_search_keeps_quotes_so_a_phrase_matches_words_in_a_row(shell):
    conversation(shell)
    assert "«keep NaN keys»" in run(shell, '%codex_search "keep nan keys"').text
    assert "No message or title matches" in run(shell, '%codex_search "nan keep"').text


def test_codex_search_reads_an_unclosed_quote_as_words(shell):
    conversation(shell)
    ran = run(shell, '%codex_search groupby "drop rows')
    assert ran.error is None and "«drop rows»" in ran.text


def test_codex_search_can_be_narrowed_to_a_session_and_limited(shell):
    first, second = conversation(shell)
    assert "1 hit for" in run(shell, f"%codex_search --session {second[:8]} dataframe").text
    assert "No message" in run(shell, f"%codex_search --session {first[:8]} dataframe").text
    assert "1 hit for" in run(shell, "%codex_search --limit 1 groupby").text


def test_codex_search_finds_titles(shell):
    _, second = conversation(shell)
    assert run(shell, "%codex_search plotting").text.splitlines()[1:] == [
        f"plotting · {second} · title · {format_time(get_store().get_session(second).updated_at)}",
        "    «plotting»",
    ]


def test_a_limit_outside_1_to_200_is_one_clear_line(shell):
    ran = run(shell, "%codex_search --limit 500 groupby")
    assert isinstance(ran.error, UsageError) and "limit must be a whole number from 1 to 200" in str(ran.error)


def test_an_id_shown_by_codex_search_completes_in_codex_use(shell):
    first, _ = conversation(shell)
    shown = run(shell, "%codex_search dropna").text
    typed = f"%codex_use {first[:4]}"
    assert first in shown
    with provisionalcompleter():
        assert first in [c.text for c in shell.Completer.completions(typed, len(typed))]


def test_marks_go_in_after_the_text_is_escaped_and_overlapping_matches_become_one():
    assert marked("<b>a a a</b>", [(3, 6), (5, 8)], ("<mark>", "</mark>"), escape) == (
        "&lt;b&gt;<mark>a a a</mark>&lt;/b&gt;"
    )


# -- in a real kernel --------------------------------------------------------------------------


def test_rename_and_search_in_a_real_kernel(workspace_file):
    kernel = Kernel({"CODEX_JUPYTER_WORKSPACE": str(workspace_file), "JPY_SESSION_NAME": "/work/analysis.ipynb"})
    try:
        kernel.execute("%load_ext codex_jupyter\n%codex_new --title before")
        kernel.execute("%%codex_say\nWhy does my groupby drop NaN keys?")
        assert kernel.execute("%codex_rename groupby questions").status == "ok"
        found = kernel.execute("%codex_search groupby")
        assert found.status == "ok"
        [output] = found.outputs
        assert "groupby questions" in str(output["text/plain"]) and "text/markdown" not in output
        assert "Why does my <mark>groupby</mark> drop NaN keys?" in str(output["text/html"])
    finally:
        kernel.shutdown()
