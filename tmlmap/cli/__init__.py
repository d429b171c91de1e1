"""Command-line interface: ``python -m tmlmap COMMAND ...``.

A thin layer over the engine. Each group of commands lives in its own module
exposing ``register(subparsers)``; every sub-parser sets ``func(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

#: Modules that register sub-commands, in the order they appear in --help.
COMMAND_MODULES = ("tmlmap.cli.store", "tmlmap.cli.map", "tmlmap.cli.risk", "tmlmap.cli.refresh")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tmlmap",
        description="Map trustworthy-ML research and score project descriptions for fairness risk.",
    )
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="corpus database (default: $TMLMAP_DB or <data dir>/corpus.sqlite)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `tmlmap search ... | head`
        return 0
