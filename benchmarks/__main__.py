"""Run benchmarks: ``python -m benchmarks`` for all of them, or name some (``python -m benchmarks store``)."""

from __future__ import annotations

import argparse
import importlib

#: Each entry is a module of this package with a ``main()`` that prints its tables.
BENCHMARKS = {
    "store": "benchmarks.store",
    "magics": "benchmarks.magics",
    "chat_panel": "benchmarks.chat_panel",
    "server": "benchmarks.server",
    "server_lock": "benchmarks.server_lock",
    "search": "benchmarks.search",
    "replies": "benchmarks.replies",
    "postgres": "benchmarks.postgres",
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"benchmarks to run (default: all of {', '.join(BENCHMARKS)})"
    )
    parser.add_argument("--quick", action="store_true", help="fewer repetitions: a smoke run, not figures to quote")
    args = parser.parse_args()
    unknown = sorted(set(args.names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    for name in args.names or list(BENCHMARKS):
        print(f"\n## {name}\n", flush=True)
        importlib.import_module(BENCHMARKS[name]).main(quick=args.quick)


if __name__ == "__main__":
    main()
