"""The `aivet` command line: one verb per module under `aivet.commands`, one-line errors.

Each module in `aivet/commands/` defines `register(subparsers)` and is found
automatically, so a new verb is a new file. Exit codes: 0 done, 1 the work
could not run (no browser, unreadable store), 2 bad arguments; verbs that
judge (verdict, diff) document their own.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from typing import NoReturn

from aivet import __version__, commands
from aivet.commands.common import EXIT_USAGE, UsageError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"aivet: error: {message} (see {self.prog} --help)\n")
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="aivet",
        description="Audit AI services: where typed data goes, who receives it, under which flag.",
    )
    parser.add_argument("--version", action="version", version=f"aivet {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_") or info.name == "common":
            continue
        module = importlib.import_module(f"aivet.commands.{info.name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
    except UsageError as exc:
        sys.stderr.write(f"aivet: error: {exc}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write("aivet: interrupted\n")
        return 130
    return code


if __name__ == "__main__":
    raise SystemExit(main())
