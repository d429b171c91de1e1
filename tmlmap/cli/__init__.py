"""Command-line interface: ``python -m tmlmap COMMAND ...``.

A thin layer over the engine. Each group of commands lives in its own module
exposing ``register(subparsers)``; every sub-parser sets ``func(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from tmlmap import config

#: Modules that register sub-commands, in the order they appear in --help.
COMMAND_MODULES = (
    "tmlmap.cli.store", "tmlmap.cli.corpus", "tmlmap.cli.map", "tmlmap.cli.evolution", "tmlmap.cli.risk",
    "tmlmap.cli.refresh",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tmlmap",
        description="Map trustworthy-ML research and score project descriptions for fairness risk.",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--db",
        metavar="PATH",
        help="corpus database (default: $TMLMAP_DB or <data dir>/corpus.sqlite)",
    )
    where.add_argument(
        "--corpus",
        metavar="NAME",
        help="work on the named corpus NAME (its own database and maps; see `tmlmap corpus`); "
             "default: $TMLMAP_CORPUS or the embedded corpus",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        if args.command == "search" and not any(e.startswith("--") for e in extra):
            # `tmlmap search privacy -fairness`: "-fairness" is an excluded word, not an option.
            args.query = [*args.query, *extra]
        else:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        config.set_active_corpus(args.corpus)
        active = config.active_corpus()  # validates $TMLMAP_CORPUS too
        if args.db is None and args.command != "corpus" and active != config.DEFAULT_CORPUS:
            from tmlmap.corpus.named import require_corpus

            require_corpus(active)  # a typo must not create an empty corpus
    except ValueError as exc:  # CorpusNameError is a ValueError
        config.set_active_corpus(None)
        print(f"tmlmap: {exc}", file=sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `tmlmap search ... | head`
        return 0
    finally:
        config.set_active_corpus(None)
