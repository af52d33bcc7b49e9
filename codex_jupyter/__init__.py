"""Chat sessions that live with your notebooks."""

from .errors import SessionNotFoundError, StoreDisposedError, StoreFormatError
from .events import ChangeKind, Disposable, StoreChange
from .models import ROLES, ChatMessage, ChatSession, Role
from .store import SessionStore, StoreContext, open_store

__version__ = "0.1.0"

__all__ = [
    "ROLES",
    "ChangeKind",
    "ChatMessage",
    "ChatSession",
    "Disposable",
    "Role",
    "SessionNotFoundError",
    "SessionStore",
    "StoreChange",
    "StoreContext",
    "StoreDisposedError",
    "StoreFormatError",
    "__version__",
    "open_store",
]
