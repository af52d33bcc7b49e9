"""Asking the assistant from a notebook: ``%%codex_ask`` (and ``%codex_ask --again``)."""

from __future__ import annotations

import sys
from html import escape
from typing import Any

from IPython import get_ipython
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.core.magic import line_cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments
from IPython.display import DisplayHandle, display
from traitlets import Unicode, observe
from traitlets.config import Configurable

from ...context import CellContext, with_context
from ...errors import CodexError, ResponderNotConfiguredError
from ...rendering import render_markdown
from ...replies import ReplyRun, ask, ask_again
from ...responders import DEFAULT_RESPONDER, Responder, load_responder
from .base import CodexMagics, parse_arguments

#: What follows a reply's text while it streams, and how it ended (why it failed follows as the cell's error).
_ENDINGS = {"streaming": "…", "cancelled": "(stopped)", "error": "(failed)", "incomplete": "(incomplete)"}


@magics_class
class AskMagics(CodexMagics):
    """Questions to the assistant; the reply streams into the cell's output and into the current session."""

    responder = Unicode(
        DEFAULT_RESPONDER,
        help="Who answers: the name of a responder (an entry point of codex_jupyter.responders).",
    ).tag(config=True)

    def __init__(self, shell: InteractiveShell | None = None, **kwargs: Any) -> None:
        self._responder: Responder | None = None
        self._refusal: CodexError | None = None
        super().__init__(shell=shell, **kwargs)
        self._load_responder()

    @observe("responder")
    def _responder_changed(self, change: dict[str, Any]) -> None:
        if self.shell is not None:
            self._load_responder()

    def _load_responder(self) -> None:
        """Make the responder now, so that ``%config OpenAIResponder.model = ...`` finds it before any question."""
        self.close()
        try:
            self._responder = load_responder(self.responder, parent=self.shell)
        except CodexError as refusal:  # reported when a question is asked; loading the extension goes on
            self._refusal = refusal
            return
        if isinstance(self._responder, Configurable):
            self._shell.configurables.append(self._responder)

    def close(self) -> None:
        if self._responder is not None and self._responder in self._shell.configurables:
            self._shell.configurables.remove(self._responder)
        self._responder, self._refusal = None, None

    @property
    def _shell(self) -> InteractiveShell:
        assert self.shell is not None, "the codex magics are made with the shell they serve"
        return self.shell

    @magic_arguments()
    @argument("--again", action="store_true", help="answer the session's last question again, as a new reply")
    @argument("--cells", type=int, metavar="N", help="send the previous N code cells and their text results along")
    @argument("--cell", action="store_true", help="send the previous code cell and its text result along")
    @line_cell_magic
    def codex_ask(self, line: str, cell: str | None = None) -> None:
        """Ask the assistant: the cell body is the question, stored in the current session (one is started
        if there is none); the reply streams into this cell's output and is stored as it comes.

        Interrupt the kernel to stop the reply: what came so far is stored, marked stopped.
        %codex_ask --again answers the last question again, as a new reply.

        With --cells N (or --cell for one), the previous N code cells (this kernel's inputs,
        codex magics left out) and their results as text go along as context, below the
        question under the heading "Context from the notebook". Printed output is not kept
        by the kernel, so it is not sent.

        Who answers is set with %config AskMagics.responder (default: openai, any
        OpenAI-compatible server: set $CODEX_JUPYTER_MODEL, and $OPENAI_API_KEY or
        $OPENAI_BASE_URL; see %config OpenAIResponder).
        """
        args = parse_arguments(self.codex_ask, line)
        question = (cell or "").strip("\n").rstrip()
        count = 1 if args.cell else args.cells
        if args.again and (question.strip() or count):
            raise UsageError("%codex_ask --again answers the last question again: it takes no question or cells")
        if not args.again and not question.strip():
            raise UsageError("%%codex_ask needs a question: write it in the cell body, below the magic line")
        if count is not None and count < 1:
            raise UsageError("--cells needs a number of cells, 1 or more")
        with self.user_errors():
            responder = self.ready_responder()
            if args.again:
                run = ask_again(self.store, responder)
            else:
                run = ask(self.store, responder, with_context(question, previous_cells(self._shell, count or 0)))
        if getattr(self.shell, "kernel", None) is not None:
            _stream_into_output(run)
        else:
            _stream_into_terminal(run)
        if run.status == "error":
            raise UsageError(run.error or "the reply failed")

    def ready_responder(self) -> Responder:
        """The responder as set up here (``AskMagics.responder``, and its options from ``%config``); it is
        checked when asked, since its settings (the environment included) may change between questions."""
        if self._responder is None:
            raise self._refusal or CodexError(f"the responder {self.responder!r} could not be loaded")
        return self._responder


def kernel_responder() -> Responder:
    """Who answers in this kernel: the responder ``%%codex_ask`` uses, for other clients of the kernel (the chat
    panel), so that one ``%config`` sets up both. It exists once the extension is loaded."""
    shell = get_ipython()
    magics = None if shell is None else shell.magics_manager.registry.get(AskMagics.__name__)
    if not isinstance(magics, AskMagics):
        raise ResponderNotConfiguredError(
            "asking needs the codex_jupyter extension, which sets up who answers: run %load_ext codex_jupyter"
        )
    return magics.ready_responder()


def previous_cells(shell: InteractiveShell, count: int) -> list[CellContext]:
    """The ``count`` code cells run before this one (as typed, codex magics left out), with their results as text."""
    if count <= 0:
        return []
    history = shell.history_manager
    assert history is not None  # an InteractiveShell always has one
    sources, results = history.input_hist_raw, history.output_hist
    cells: list[CellContext] = []
    # While a cell runs, its own input is already at index execution_count when history is stored.
    for number in range(min(shell.execution_count, len(sources)) - 1, 0, -1):
        source = sources[number]
        if not source.strip() or source.lstrip().startswith(("%codex_", "%%codex_")):
            continue
        result = None
        if number in results and shell.display_formatter is not None:
            result = shell.display_formatter.format(results[number], include={"text/plain"})[0].get("text/plain")
        cells.append(CellContext(source.rstrip(), result, f"In [{number}]"))
        if len(cells) == count:
            break
    return cells[::-1]


def _bundle(run: ReplyRun, text: str) -> dict[str, str]:
    """The output for the reply as far as it has come: sanitized HTML (never text/markdown, which JupyterLab
    renders unsanitized in trusted notebooks) and plain text."""
    ending = _ENDINGS.get(run.status, "")
    html = render_markdown(text)
    if ending:
        html += f"<p><em>{escape(ending)}</em></p>"
    return {"text/html": html, "text/plain": f"{text}\n{ending}" if ending else text}


def _stream_into_output(run: ReplyRun) -> None:
    """Show the reply in the cell's output, updated in place as it grows."""
    handle = display(_bundle(run, ""), raw=True, display_id=True)
    assert isinstance(handle, DisplayHandle)
    try:
        for text in run.follow():
            handle.update(_bundle(run, text), raw=True)
    except KeyboardInterrupt:  # the kernel's interrupt: stop the reply, keep what came
        run.cancel()
        run.wait()
        handle.update(_bundle(run, run.text), raw=True)
        raise


def _stream_into_terminal(run: ReplyRun) -> None:
    """In a terminal, where an output cannot be updated in place: print the text as it comes."""
    shown = 0
    try:
        for text in run.follow():
            sys.stdout.write(text[shown:])
            sys.stdout.flush()
            shown = len(text)
    except KeyboardInterrupt:
        run.cancel()
        run.wait()
        print(f"\n{_ENDINGS['cancelled']}")
        raise
    print(f"\n{_ENDINGS['cancelled']}" if run.status == "cancelled" else "")
