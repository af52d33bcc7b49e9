"""Who answers in a chat session: responders, found by entry point (see :mod:`.discovery`).

The package itself ships one, ``openai``: any server that speaks OpenAI's chat completions
API (:class:`~.openai_compatible.OpenAIResponder`, which needs ``pip install codex-jupyter[openai]``).
"""

from .discovery import DEFAULT_RESPONDER, ENTRY_POINT_GROUP, load_responder, responder_names
from .openai_compatible import OpenAIResponder
from .protocol import Responder

__all__ = [
    "DEFAULT_RESPONDER",
    "ENTRY_POINT_GROUP",
    "OpenAIResponder",
    "Responder",
    "load_responder",
    "responder_names",
]
