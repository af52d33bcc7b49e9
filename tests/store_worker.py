"""A writer process for the cross-process tests: it opens a workspace file and appends messages.

It prints each message id once ``add_message_to_current_session`` has returned, i.e. once
the write is acknowledged, so a test can kill it at any moment and know what was promised.

    python store_worker.py PATH SCOPE COUNT [--title TITLE]
"""

from __future__ import annotations

import argparse
import sys

from codex_jupyter import open_store


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("scope")
    parser.add_argument("count", type=int, help="messages to append; 0 appends until killed")
    parser.add_argument("--session", help="append to this session instead of the scope's current one")
    args = parser.parse_args()
    with open_store(args.path, scope=args.scope) as store:
        print("ready", flush=True)
        sent = 0
        while args.count == 0 or sent < args.count:
            content = f"{args.scope} message {sent}"
            if args.session:
                message = store.add_message(args.session, role="user", content=content)
            else:
                message = store.add_message_to_current_session(role="user", content=content)
            sys.stdout.write(f"{message.id}\n")
            sys.stdout.flush()
            sent += 1


if __name__ == "__main__":
    main()
