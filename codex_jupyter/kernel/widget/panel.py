"""``ChatPanel``: the chat panel, an ipywidgets view of a store's current session that stays live."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from functools import partial
from html import escape
from typing import Any

from ipywidgets import HTML, Button, Dropdown, HBox, Label, Layout, Text, Textarea, VBox

from ... import replies
from ...errors import CodexError, InvalidInputError, SessionNotFoundError, StoreDisposedError
from ...events import ChangeKind, StoreChange
from ...models import ROLES, ChatSession
from ...rendering import format_time, messages_text, session_label
from ...replies import ReplyRun
from ...responders import Responder
from ...search import SearchHit
from ...store import SessionStore
from ..magics.ask import kernel_responder
from .binding import StoreBinding
from .browser import BrowserSide
from .locate import message_position
from .search import SearchResults
from .style import ROOT_CLASS, stylesheet
from .transcript import Transcript, close_parts

_logger = logging.getLogger("codex_jupyter")


def _reason(error: CodexError) -> str:
    """What went wrong, in words for the person at the panel rather than a traceback."""
    if isinstance(error, StoreDisposedError):
        return "the session store was closed. Display a new panel (%codex_chat) to continue."
    if isinstance(error, SessionNotFoundError):
        return "that session no longer exists; it was probably deleted from another notebook or panel."
    return str(error)


def _picker_label(session: ChatSession) -> str:
    """A session in the picker: its title and when it last changed, in the kernel's local time."""
    return f"{session_label(session)} · {format_time(session.updated_at.astimezone(), seconds=False)}"


class ChatPanel(VBox):
    """A chat panel on a store's current session, live: it follows the store's change events.

    A message added by ``%%codex_say``, by Python code or by another panel appears
    without re-running anything, and every panel on a store shows the same current
    session. With ``store=None`` the panel shows the kernel's store
    (:func:`codex_jupyter.get_store`) and follows ``%codex_store`` switching it.
    :meth:`close` ends the subscriptions (and the widgets).

    **Add** stores the box's text as a message in the chosen role; **Ask** (or
    Ctrl+Enter) stores it as a question and streams the assistant's reply into the
    session, the panel showing it as it grows, with **Stop** while it does. Who answers
    is ``responder``, or else the kernel's (``%%codex_ask``'s, set up by the extension).
    The reply streams on its own thread, so its updates reach the panel (under the
    panel's lock) while the kernel is idle.

    Keys: ipywidgets 8's ``Textarea`` sends no key events to the kernel (the browser view
    only stops their propagation, so keys never run the notebook cell), and Enter and
    Ctrl+Enter both reach the kernel as the same value change. So Enter adds a line, and
    Ctrl+Enter is caught by the panel's piece of browser code (see
    :mod:`codex_jupyter.kernel.widget.browser`), which also adds Copy buttons to code blocks.

    Large sessions stay responsive because only a window of the latest messages is
    live (see :mod:`codex_jupyter.kernel.widget.transcript`).
    """

    def __init__(
        self,
        store: SessionStore | None = None,
        *,
        responder: Responder | None = None,
        window: int = 100,
        page_size: int = 25,
        max_live: int = 500,
        **kwargs: Any,
    ) -> None:
        self._lock = threading.RLock()
        self._syncing = False  # set while the picker is updated from the store, not by a person
        self._session_id: str | None = None
        self._responder = responder
        self._run: ReplyRun | None = None  # the reply this panel asked for, while it streams

        self.picker = Dropdown(options=[], value=None, description="", tooltip="Choose the current session")
        self.count_label = Label("")
        self.count_label.add_class("codex-chat-count")
        self.search_box = Text(
            placeholder="Search all sessions", continuous_update=False, tooltip='Words, "a phrase", prefix*; Enter'
        )
        self.search_box.add_class("codex-chat-search")
        self.rename_button = Button(description="Rename", icon="pencil", tooltip="Give this session a new title")
        self.new_button = Button(description="New session", icon="plus", tooltip="Start a new, empty session")
        self.clear_button = Button(description="Clear", icon="trash", tooltip="Delete the current session")
        toolbar = HBox(
            [self.picker, self.count_label, self.search_box, self.rename_button, self.new_button, self.clear_button]
        )
        toolbar.add_class("codex-chat-toolbar")

        self.rename_text = Text(placeholder="A title for this session")
        self.save_button = Button(description="Save", button_style="primary", tooltip="Save the new title (Enter)")
        self.rename_cancel_button = Button(description="Cancel")
        self.rename_bar = HBox([Label("Rename to"), self.rename_text, self.save_button, self.rename_cancel_button])
        self.rename_bar.add_class("codex-chat-rename")
        self.rename_bar.layout.display = "none"

        self.confirm_label = Label("")
        self.confirm_button = Button(description="Delete", button_style="danger", icon="trash")
        self.cancel_button = Button(description="Cancel")
        self.confirm_bar = HBox([self.confirm_label, self.confirm_button, self.cancel_button])
        self.confirm_bar.add_class("codex-chat-confirm")
        self.confirm_bar.layout.display = "none"

        self.error = HTML("")
        self.error.add_class("codex-chat-error")
        self.error.layout.display = "none"

        self.search_results = SearchResults(lambda hit: self._action("open the hit", partial(self.open_hit, hit)))

        self.transcript = Transcript(window=window, page_size=page_size, max_live=max_live)
        # column-reverse anchors the scroll position to the bottom: new messages stay in view.
        scroller = VBox(
            [self.transcript], layout=Layout(flex_flow="column-reverse", overflow="auto", max_height="28rem")
        )
        scroller.add_class("codex-chat-scroller")

        # The text reaches the kernel once, when the box loses focus, which is before a click on Add or Ask.
        # Typed changes would be throttled by ipywidgets (one sync in flight per widget) while the click is
        # not, so on a busy kernel the click could overtake the last keystrokes and send a truncated message.
        self.text = Textarea(
            placeholder="Write a message (Markdown). Ctrl+Enter asks the assistant; Add stores it in the chosen role.",
            rows=3,
            continuous_update=False,
        )
        self.role = Dropdown(options=list(ROLES), value="user", tooltip="Who says it, for Add")
        self.add_button = Button(description="Add", icon="plus", tooltip="Add the message in the chosen role")
        self.ask_button = Button(
            description="Ask", icon="paper-plane", button_style="primary", tooltip="Ask the assistant (Ctrl+Enter)"
        )
        self.stop_button = Button(description="Stop", icon="stop", button_style="warning", tooltip="Stop the reply")
        self.stop_button.layout.display = "none"
        composer = HBox([self.text, self.role, self.add_button, self.ask_button, self.stop_button])
        composer.add_class("codex-chat-composer")

        self.browser_side = BrowserSide({"ask": self._ask_typed, "rename": self._rename_typed})

        super().__init__(
            [
                stylesheet(),
                toolbar,
                self.rename_bar,
                self.confirm_bar,
                self.error,
                self.search_results,
                scroller,
                composer,
                self.browser_side,
            ],
            **kwargs,
        )
        self.add_class(ROOT_CLASS)

        self.add_button.on_click(self._action("add the message", self.add))
        self.ask_button.on_click(self._action("ask", self.ask))
        self.stop_button.on_click(self._action("stop the reply", self.stop))
        self.new_button.on_click(self._action("start a new session", self.new_session))
        self.rename_button.on_click(self._action("rename the session", self._start_rename))
        self.save_button.on_click(self._action("rename the session", self.rename))
        self.rename_cancel_button.on_click(self._action("cancel", self._hide_rename))
        self.clear_button.on_click(self._action("clear the session", self._ask_to_clear))
        self.confirm_button.on_click(self._action("clear the session", self.clear_session))
        self.cancel_button.on_click(self._action("cancel", self._hide_confirm))
        self.transcript.earlier_button.on_click(self._action("load earlier messages", self.transcript.show_earlier))
        self.transcript.later_button.on_click(self._action("show the latest messages", self._reload))
        self.picker.observe(self._on_pick, names="value")
        self.search_box.observe(self._on_search, names="value")

        self._binding = StoreBinding(store, self._on_store_change, self._reload)
        self._reload()

    # -- the actions, callable from Python as well as from the buttons -------------------------------

    @property
    def store(self) -> SessionStore:
        return self._binding.store

    @property
    def session_id(self) -> str | None:
        """The id of the session shown (the store's current one), or ``None``."""
        return self._session_id

    @property
    def reply(self) -> ReplyRun | None:
        """The reply this panel asked for, while it streams."""
        return self._run

    def add(self) -> None:
        """Add the message box's text in the chosen role to the current session (starting one if needed)."""
        content = self.text.value
        if not content.strip():
            raise InvalidInputError("the message is empty; type something first")
        self._to_latest()
        self.store.add_message_to_current_session(role=self.role.value, content=content)
        self.text.value = ""

    def ask(self) -> ReplyRun:
        """Store the message box's text as a question and start the reply; it streams into the session."""
        if self._run is not None:
            raise InvalidInputError("a reply is still coming: wait for it, or click Stop")
        responder = self._responder or kernel_responder()
        self._to_latest()
        run = replies.ask(self.store, responder, self.text.value, session_id=self._session_id, logger=_logger)
        self.text.value = ""
        self._run = run
        self._show_replying()
        run.done.add_done_callback(self._reply_ended)
        return run

    def stop(self) -> None:
        """Stop the reply this panel asked for: what came so far is kept, marked stopped."""
        if self._run is not None:
            self._run.cancel()
            self.stop_button.disabled = True  # until the reply has stopped

    def new_session(self) -> None:
        self.store.create_session()

    def rename(self) -> None:
        """Give the current session the title typed in the rename field."""
        if self._session_id is None:
            raise InvalidInputError("there is no session to rename")
        self.store.rename_session(self._session_id, self.rename_text.value)
        self._hide_rename()

    def clear_session(self) -> None:
        """Delete the current session and its messages from the store."""
        self._hide_confirm()
        self.store.clear_current_session()

    def select_session(self, session_id: str) -> None:
        """Make ``session_id`` the current session, as choosing it in the picker does."""
        self.store.set_current_session(session_id)

    def search(self, query: str) -> list[SearchHit]:
        """Search every session's messages and titles, and list the hits under the toolbar."""
        hits = self.store.search(query)
        self.search_results.show(query, hits)
        return hits

    def open_hit(self, hit: SearchHit) -> None:
        """Show a search hit: its session becomes the current one, and its message is shown, marked."""
        if hit.session_id != self._session_id:
            self.select_session(hit.session_id)
        if hit.message_id is not None:
            index = message_position(self.store, hit.session_id, hit.message_id, hit.timestamp)
            if index >= self.transcript.message_count:  # added by another process since this store last looked
                self._show_current()
            self.transcript.reveal(index, hit.message_id)

    def __repr__(self) -> str:  # ipywidgets' default lists every child, stylesheet included
        shown = f"session {self._session_id}" if self._session_id else "no session"
        return f"<ChatPanel: {shown}, {self.transcript.message_count} messages>"

    def close(self) -> None:
        """Stop listening to the store and close every widget of the panel (a reply it asked for goes on)."""
        with self._lock:
            self._binding.dispose()
            self._run = None
            close_parts(self)
            super().close()

    # -- store events (from any thread: a reply streams on its own) -----------------------------------

    def _on_store_change(self, change: StoreChange) -> None:
        with self._lock:
            try:
                message = change.message if change.session_id == self._session_id else None
                if change.kind is ChangeKind.MESSAGE_ADDED:
                    if message is not None:
                        self.transcript.append(message)
                        self._show_count()
                    self._refresh_picker()  # the session moved to the top, and its time changed
                elif change.kind is ChangeKind.MESSAGE_UPDATED:
                    if message is not None:
                        self.transcript.update(message)
                    if change.message is not None and change.message.status != "streaming":
                        self._refresh_picker()  # a reply ended: its session's time changed
                elif change.kind is ChangeKind.CURRENT_CHANGED:
                    if change.scope == self.store.scope:
                        self._show_current()
                else:
                    self._refresh_picker()
            except CodexError as error:
                self._report("show a change", error)

    def _reply_ended(self, done: Future[ReplyRun]) -> None:
        with self._lock:
            if done.result() is self._run:
                self._run = None
                self._show_replying()

    def _reload(self) -> None:
        with self._lock:
            self._show_current()

    def _show_current(self) -> None:
        store = self.store
        session = store.get_current_session()
        self._session_id = session.id if session else None
        self._hide_confirm()
        self._hide_rename()
        if session is None:
            self.transcript.show(None, None)
        else:
            self.transcript.show(session.message_count, partial(store.get_messages, session.id))
        self._show_count()
        self._refresh_picker()

    def _refresh_picker(self) -> None:
        options = [(_picker_label(session), session.id) for session in self.store.get_sessions(recent_first=True)]
        value = self._session_id if any(session_id == self._session_id for _, session_id in options) else None
        self._syncing = True
        try:
            if list(self.picker.options) != options:
                self.picker.options = options
            self.picker.value = value
        finally:
            self._syncing = False
        self.clear_button.disabled = self.rename_button.disabled = value is None

    def _show_count(self) -> None:
        self.count_label.value = "" if self._session_id is None else messages_text(self.transcript.message_count)

    def _show_replying(self) -> None:
        replying = self._run is not None
        self.ask_button.layout.display = "none" if replying else None
        self.stop_button.layout.display = None if replying else "none"
        self.stop_button.disabled = False

    def _to_latest(self) -> None:
        """Before adding a message: show the latest ones, if the reader was looking further back."""
        if not self.transcript.at_end:
            self._show_current()

    # -- helpers for the buttons ---------------------------------------------------------------------

    def _ask_typed(self, text: str) -> None:
        """Ctrl+Enter in the message box: the browser sends its text along (the box may not have synced it)."""

        def ask() -> None:
            self.text.value = text
            self.ask()

        self._action("ask", ask)()

    def _rename_typed(self, title: str) -> None:
        """Enter in the title field: the browser sends the title along."""

        def rename() -> None:
            self.rename_text.value = title
            self.rename()

        self._action("rename the session", rename)()

    def _on_pick(self, change: dict[str, Any]) -> None:
        if self._syncing or change["new"] is None or change["new"] == self._session_id:
            return
        self._action("switch sessions", partial(self._pick, change["new"]))()

    def _pick(self, session_id: str) -> None:
        try:
            self.select_session(session_id)
        except SessionNotFoundError:
            self._refresh_picker()  # another process deleted it: take it off the list
            raise

    def _on_search(self, change: dict[str, Any]) -> None:
        query = change["new"].strip()
        if query:
            self._action("search", partial(self.search, query))()
        else:
            self.search_results.clear()

    def _start_rename(self) -> None:
        if self._session_id is None:
            return
        self._hide_confirm()
        self.rename_text.value = self.store.get_session(self._session_id).title or ""
        self.rename_bar.layout.display = None

    def _hide_rename(self) -> None:
        self.rename_bar.layout.display = "none"

    def _ask_to_clear(self) -> None:
        if self._session_id is None:
            return
        self._hide_rename()
        session = self.store.get_session(self._session_id)
        self.confirm_label.value = f"Delete “{session_label(session)}” and its {messages_text(session.message_count)}?"
        self.confirm_bar.layout.display = None

    def _hide_confirm(self) -> None:
        self.confirm_bar.layout.display = "none"

    def _action(self, doing: str, run: Callable[[], object]) -> Callable[..., None]:
        """Wrap a button's work: a refusal shows as a friendly line in the panel, never as a traceback.

        Anything else is a bug: the panel says so, and the exception goes on to ipywidgets, which shows its traceback.
        """

        def act(*_: object) -> None:
            with self._lock:
                try:
                    run()
                except CodexError as error:
                    self._report(doing, error)
                    return
                except Exception as error:
                    self._show_error(
                        f"Could not {doing}: {type(error).__name__}, a bug in codex-jupyter (traceback below)"
                    )
                    raise
            self._show_error(None)

        return act

    def _report(self, doing: str, error: CodexError) -> None:
        _logger.debug("the chat panel could not %s", doing, exc_info=error)
        self._show_error(f"Could not {doing}: {_reason(error)}")

    def _show_error(self, text: str | None) -> None:
        if text is None:
            if self.error.layout.display != "none":
                self.error.layout.display = "none"
                self.error.value = ""
            return
        self.error.value = f'<div role="alert">{escape(text)}</div>'
        self.error.layout.display = None
