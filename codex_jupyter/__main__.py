"""``python -m codex_jupyter demo``: a first look at the store from a terminal."""

from __future__ import annotations

import argparse
import logging

from . import open_store
from .locations import default_workspace_file


def demo(location: str | None) -> None:
    """Create a session in the workspace file, add a short exchange, and print what was stored."""
    with open_store(location) as store:
        session = store.create_session(title="Demo session")
        store.add_message_to_current_session(role="user", content="What does codex-jupyter keep?")
        store.add_message_to_current_session(
            role="assistant",
            content="Chat sessions, saved on every change into a workspace file shared by your kernels.",
        )
        print(f"Workspace file: {store.location}")
        print(f"Sessions stored there: {len(store.get_sessions())}\n")
        print(store.get_session(session.id))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m codex_jupyter")
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser("demo", help=demo.__doc__)
    demo_parser.add_argument(
        "--workspace",
        default=None,
        help=f"workspace file (default: $CODEX_JUPYTER_WORKSPACE or {default_workspace_file()})",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    demo(args.workspace)


if __name__ == "__main__":
    main()
