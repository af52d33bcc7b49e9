"""Finding responders: any installed package can add one under the entry-point group ``codex_jupyter.responders``.

An entry point names a callable that takes the keyword argument ``parent`` (a traitlets
``Configurable`` whose configuration applies, or ``None``) and returns a
:class:`~codex_jupyter.responders.Responder`. A ``traitlets.config.Configurable`` subclass is
such a callable, so its options are set like any Jupyter option (``c.MyResponder.model``
in a config file, ``%config MyResponder.model = ...`` in a kernel)::

    [project.entry-points."codex_jupyter.responders"]
    mine = "my_package.responder:MyResponder"
"""

from __future__ import annotations

from importlib.metadata import EntryPoint, entry_points

from traitlets.config import Configurable

from ..errors import ResponderNotConfiguredError
from .protocol import Responder

ENTRY_POINT_GROUP = "codex_jupyter.responders"
#: The responder used when none is chosen: any OpenAI-compatible chat completions server.
DEFAULT_RESPONDER = "openai"


def _installed() -> dict[str, EntryPoint]:
    return {entry_point.name: entry_point for entry_point in entry_points(group=ENTRY_POINT_GROUP)}


def responder_names() -> list[str]:
    """The names of the installed responders."""
    return sorted(_installed())


def load_responder(name: str = DEFAULT_RESPONDER, *, parent: Configurable | None = None) -> Responder:
    """The responder installed as ``name``, configured from ``parent``'s configuration."""
    installed = _installed()
    if name not in installed:
        raise ResponderNotConfiguredError(
            f"no responder named {name!r} is installed (installed: {', '.join(sorted(installed)) or 'none'}); "
            f"responders are found under the entry-point group {ENTRY_POINT_GROUP!r}"
        )
    responder = installed[name].load()(parent=parent)
    if not isinstance(responder, Responder):
        raise TypeError(f"the responder {name!r} ({installed[name].value}) does not provide check() and respond()")
    return responder
