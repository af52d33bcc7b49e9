"""``ChatPanel``: the chat panel, an ipywidgets view of a store's current session that stays live."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import partial
from html import escape
from typing import Any

from ipywidgets import HTML, Button, Dropdown, HBox, Label, Layout, Textarea, VBox

from ...errors import CodexError, InvalidInputError, SessionNotFoundError, StoreDisposedError
from ...events import ChangeKind, StoreChange
from ...models import ROLES, ChatSession
from ...rendering import format_time, messages_text, session_label
from ...store import SessionStore
from .binding import StoreBinding
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
    return f"{session_label(session)} · {format_time(session.created_at, seconds=False)}"


class ChatPanel(VBox):
    """A chat panel on a store's current session, live: it follows the store's change events.

    A message added by ``%%codex_say``, by Python code or by another panel appears
    without re-running anything, and every panel on a store shows the same current
    session. With ``store=None`` the panel shows the kernel's store
    (:func:`codex_jupyter.get_store`) and follows ``%codex_store`` switching it.
    :meth:`close` ends the subscriptions (and the widgets).

    Sending: ipywidgets 8 cannot offer Enter-to-send with Shift+Enter for a newline.
    Its ``Textarea`` sends no key events to the kernel (the browser view only stops
    their propagation, so keys never run the notebook cell), and Enter and Shift+Enter
    both reach the kernel as the same value change, a newline. ``Text`` does send a
    "submit" event on Enter, but it is one line, and chat about code needs several.
    So the message box is a ``Textarea`` where Enter inserts a newline, and the Send
    button sends.

    Large sessions stay responsive because only a window of the latest messages is
    live (see :mod:`codex_jupyter.kernel.widget.transcript`).
    """

    def __init__(
        self,
        store: SessionStore | None = None,
        *,
        window: int = 100,
        page_size: int = 25,
        max_live: int = 500,
        **kwargs: Any,
    ) -> None:
        self._lock = threading.RLock()
        self._syncing = False  # set while the picker is updated from the store, not by a person
        self._session_id: str | None = None

        self.picker = Dropdown(options=[], value=None, description="", tooltip="Choose the current session")
        self.new_button = Button(description="New session", icon="plus", tooltip="Start a new, empty session")
        self.clear_button = Button(description="Clear", icon="trash", tooltip="Delete the current session")
        self.count_label = Label("")
        self.count_label.add_class("codex-chat-count")
        toolbar = HBox([self.picker, self.count_label, self.new_button, self.clear_button])
        toolbar.add_class("codex-chat-toolbar")

        self.confirm_label = Label("")
        self.confirm_button = Button(description="Delete", button_style="danger", icon="trash")
        self.cancel_button = Button(description="Cancel")
        self.confirm_bar = HBox([self.confirm_label, self.confirm_button, self.cancel_button])
        self.confirm_bar.add_class("codex-chat-confirm")
        self.confirm_bar.layout.display = "none"

        self.error = HTML("")
        self.error.add_class("codex-chat-error")
        self.error.layout.display = "none"

        self.transcript = Transcript(window=window, page_size=page_size, max_live=max_live)
        # column-reverse anchors the scroll position to the bottom: new messages stay in view.
        scroller = VBox(
            [self.transcript], layout=Layout(flex_flow="column-reverse", overflow="auto", max_height="28rem")
        )
        scroller.add_class("codex-chat-scroller")

        # The text reaches the kernel once, when the box loses focus, which is before the click on Send.
        # Typed changes would be throttled by ipywidgets (one sync in flight per widget) while the click is
        # not, so on a busy kernel the click could overtake the last keystrokes and send a truncated message.
        self.text = Textarea(
            placeholder="Write a message (Markdown). Enter adds a line; click Send to send.",
            rows=3,
            continuous_update=False,
        )
        self.role = Dropdown(options=list(ROLES), value="user", tooltip="Who says it")
        self.send_button = Button(description="Send", icon="paper-plane", button_style="primary")
        composer = HBox([self.text, self.role, self.send_button])
        composer.add_class("codex-chat-composer")

        super().__init__([stylesheet(), toolbar, self.confirm_bar, self.error, scroller, composer], **kwargs)
        self.add_class(ROOT_CLASS)

        self.send_button.on_click(self._action("send the message", self.send))
        self.new_button.on_click(self._action("start a new session", self.new_session))
        self.clear_button.on_click(self._action("clear the session", self._ask_to_clear))
        self.confirm_button.on_click(self._action("clear the session", self.clear_session))
        self.cancel_button.on_click(self._action("cancel", self._hide_confirm))
        self.transcript.earlier_button.on_click(self._action("load earlier messages", self.transcript.show_earlier))
        self.picker.observe(self._on_pick, names="value")

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

    def send(self) -> None:
        """Add the message box's text to the current session (starting one if needed) and empty the box."""
        content = self.text.value
        if not content.strip():
            raise InvalidInputError("the message is empty; type something first")
        self.store.add_message_to_current_session(role=self.role.value, content=content)
        self.text.value = ""

    def new_session(self) -> None:
        self.store.create_session()

    def clear_session(self) -> None:
        """Delete the current session and its messages from the store."""
        self._hide_confirm()
        self.store.clear_current_session()

    def select_session(self, session_id: str) -> None:
        """Make ``session_id`` the current session, as choosing it in the picker does."""
        self.store.set_current_session(session_id)

    def __repr__(self) -> str:  # ipywidgets' default lists every child, stylesheet included
        shown = f"session {self._session_id}" if self._session_id else "no session"
        return f"<ChatPanel: {shown}, {self.transcript.message_count} messages>"

    def close(self) -> None:
        """Stop listening to the store and close every widget of the panel."""
        self._binding.dispose()
        close_parts(self)
        super().close()

    # -- store events --------------------------------------------------------------------------------

    def _on_store_change(self, change: StoreChange) -> None:
        with self._lock:
            try:
                if change.kind is ChangeKind.MESSAGE_ADDED:
                    if change.session_id == self._session_id and change.message is not None:
                        self.transcript.append(change.message)
                        self._show_count()
                elif change.kind is ChangeKind.CURRENT_CHANGED:
                    if change.scope == self.store.scope:
                        self._show_current()
                else:
                    self._refresh_picker()
            except CodexError as error:
                self._report("show a change", error)

    def _reload(self) -> None:
        with self._lock:
            self._show_current()

    def _show_current(self) -> None:
        store = self.store
        session = store.get_current_session()
        self._session_id = session.id if session else None
        self._hide_confirm()
        if session is None:
            self.transcript.show(None, None)
        else:
            self.transcript.show(session.message_count, partial(store.get_messages, session.id))
        self._show_count()
        self._refresh_picker()

    def _refresh_picker(self) -> None:
        sessions = sorted(self.store.get_sessions(), key=lambda session: session.created_at, reverse=True)
        options = [(_picker_label(session), session.id) for session in sessions]
        value = self._session_id if any(session_id == self._session_id for _, session_id in options) else None
        self._syncing = True
        try:
            if list(self.picker.options) != options:
                self.picker.options = options
            self.picker.value = value
        finally:
            self._syncing = False
        self.clear_button.disabled = value is None

    def _show_count(self) -> None:
        self.count_label.value = "" if self._session_id is None else messages_text(self.transcript.message_count)

    # -- helpers for the buttons ---------------------------------------------------------------------

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

    def _ask_to_clear(self) -> None:
        if self._session_id is None:
            return
        session = self.store.get_session(self._session_id)
        self.confirm_label.value = f"Delete “{session_label(session)}” and its {messages_text(session.message_count)}?"
        self.confirm_bar.layout.display = None

    def _hide_confirm(self) -> None:
        self.confirm_bar.layout.display = "none"

    def _action(self, doing: str, run: Callable[[], None]) -> Callable[..., None]:
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
