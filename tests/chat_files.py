"""Real ``.chat`` files, made with jupyterlab-chat's own ``YChat`` model, as Jupyter AI 3 writes them."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from jupyterlab_chat.models import NewMessage, User
from jupyterlab_chat.ychat import YChat

ALICE = User(username="d0c4a1f2-alice", name="Alice", display_name="Alice")
# How Jupyter AI 3 registers a persona in a chat (BasePersona.as_user): a bot user named jupyter-ai-personas::...
JUPYTERNAUT = User(
    username="jupyter-ai-personas::jupyter_ai::JupyternautPersona",
    name="Jupyternaut",
    display_name="Jupyternaut",
    bot=True,
)
#: (sender, body) of the chat :func:`make_chat` writes; the third message is deleted in the chat afterwards.
EXCHANGE = [
    (ALICE, "Why does my groupby drop NaN keys?"),
    (JUPYTERNAUT, "Pass `dropna=False` to keep them."),
    (ALICE, "never mind this one"),
    (ALICE, "Thanks!"),
]
DELETED = 2


def make_chat() -> YChat:
    """A chat between a person and Jupyter AI's persona, one of whose messages the person deleted."""
    chat = YChat()
    chat.create_id()
    for user in (ALICE, JUPYTERNAUT):
        chat.set_user(user)
    ids = [chat.add_message(NewMessage(body=body, sender=user.username)) for user, body in EXCHANGE]
    deleted = chat.get_message(ids[DELETED])
    assert deleted is not None
    deleted.body, deleted.deleted = "", True  # what jupyterlab-chat's frontend does to a deleted message
    chat.update_message(deleted)
    return chat


def save_chat(chat: YChat, path: Path) -> Path:
    """Save as jupyter-collaboration saves a chat document: the model's own ``get()``."""
    path.write_text(chat.get())
    return path


def load_chat(text: str) -> YChat:
    """Open a file's text in jupyterlab-chat's model, as JupyterLab does when it opens a ``.chat`` file."""
    chat = YChat()
    chat.set(text)
    return chat


def sent_at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, timezone.utc)
