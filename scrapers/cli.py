"""``python -m scrapers refresh SPEC... [--preset NAME] [--venues-file F] [--base-url SOURCE=URL] [--db PATH] ...``.

Also installed as ``tmlmap-scrape`` and as ``tmlmap refresh``. Exit codes: 0
every source yielded data (some pages may have failed: see the summary), 1 a
source yielded no valid record (nothing listed, all records invalid, not
allowed, needs login, site unreachable), 2 bad arguments, specs or venue
files, 130 interrupted (what was complete is stored).
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import logging
import sys
from collections.abc import Callable
from typing import Any

from .specs import SOURCES, SPEC_HELP, ScrapeConfig, SpecError, expand, parse_base_url, parse_spec
from .venues import DEFAULT, VenueFileError, load_registry


def build_parser(prog: str = "tmlmap-scrape") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Refresh the tmlmap corpus from conference proceedings and APIs.",
        epilog=SPEC_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    add_refresh_parser(sub)
    return parser


def add_refresh_parser(sub: Any, *, db_default: Any = None) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "refresh",
        help="fetch papers from sources into the corpus",
        description="Fetch papers from the named sources into the corpus database.",
        epilog=SPEC_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("specs", nargs="*", metavar="SPEC", help="source specs (see below)")
    p.add_argument(
        "--preset", metavar="NAME", help=f"add a documented list of venues ({', '.join(DEFAULT.presets)})"
    )
    p.add_argument(
        "--venues-file",
        action="append",
        default=[],
        metavar="FILE",
        help="a TOML venue registry extending the shipped one (repeatable; see the README)",
    )
    p.add_argument(
        "--base-url",
        action="append",
        default=[],
        metavar="SOURCE=URL",
        help=f"read SOURCE from URL instead (a mirror; repeatable; SOURCE one of {', '.join(SOURCES)})",
    )
    p.add_argument(
        "--db",
        metavar="PATH",
        default=db_default,
        help="corpus database (default: $TMLMAP_DB or <data dir>/corpus.sqlite)",
    )
    p.add_argument("--since", type=int, metavar="YEAR", help="keep only papers from YEAR on")
    p.add_argument(
        "--force", action="store_true", help="refetch everything, bypassing the HTTP cache"
    )
    p.add_argument("--dry-run", action="store_true", help="fetch and validate, but write nothing")
    p.add_argument("--rebuild", action="store_true", help="rebuild the map right after the refresh")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("-v", "--verbose", action="store_true", help="log every warning as it happens")
    p.set_defaults(func=run_refresh)
    return p


def register(
    sub: Any,
    *,
    open_store: Callable[[argparse.Namespace], Any] | None = None,
    rebuild: Callable[[Any], None] | None = None,
) -> None:
    """Add ``refresh`` to another CLI's sub-commands (e.g. ``tmlmap refresh``).

    The parent parser's global ``--db`` keeps working: this ``--db`` has no
    default of its own, so it does not overwrite the parent's value.
    """
    p = add_refresh_parser(sub, db_default=argparse.SUPPRESS)
    p.set_defaults(func=functools.partial(run_refresh, open_store=open_store, rebuild=rebuild))


def _open_store(args: argparse.Namespace) -> Any:
    from tmlmap.corpus import CorpusStore

    return CorpusStore.open(getattr(args, "db", None))


class _Bars:
    """One tqdm bar per source, driven by refresh's progress callback."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bars: dict[str, Any] = {}

    def __call__(self, label: str, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        bar = self.bars.get(label)
        if bar is None:
            for other in self.bars.values():
                other.close()
            bar = self.bars[label] = tqdm(
                total=total, desc=label[:40], unit="paper", file=sys.stderr
            )
        if total is not None and bar.total != total:
            bar.total = total
            bar.refresh()
        bar.update(done - bar.n)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


def _config(args: argparse.Namespace, config: ScrapeConfig | None) -> ScrapeConfig:
    """``config`` (or the defaults) with the command line's venue files and base URLs applied."""
    config = config or ScrapeConfig()
    files = list(getattr(args, "venues_file", None) or [])
    base_urls = dict(config.base_urls)
    for text in getattr(args, "base_url", None) or []:
        source, url = parse_base_url(text)
        base_urls[source] = url
    changes: dict[str, Any] = {"base_urls": base_urls}
    if files:
        changes["venues"] = load_registry(files)
    return dataclasses.replace(config, **changes)


def run_refresh(
    args: argparse.Namespace,
    config: ScrapeConfig | None = None,
    *,
    open_store: Callable[[argparse.Namespace], Any] | None = None,
    rebuild: Callable[[Any], None] | None = None,
) -> int:
    from .refresh import RefreshInterrupted, refresh

    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.ERROR, format="%(levelname)s %(message)s"
    )
    try:
        config = _config(args, config)
        specs = expand(list(args.specs), args.preset, since=args.since, venues=config.venues)
        if not specs:
            raise SpecError("", "no specs given (name at least one, or --preset)")
        for spec in specs:  # fail fast, before opening anything
            parse_spec(spec, config)
    except (SpecError, VenueFileError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        store = (open_store or _open_store)(args)
    except ImportError as exc:
        print(f"error: the corpus store is not available ({exc})", file=sys.stderr)
        return 1
    bars = _Bars(enabled=not args.no_progress and sys.stderr.isatty())
    try:
        try:
            summary = refresh(
                specs,
                store,
                force=args.force,
                since=args.since,
                dry_run=args.dry_run,
                progress=bars,
                config=config,
            )
        except RefreshInterrupted as exc:
            bars.close()
            print(exc.summary.format(), file=sys.stderr)
            return 130
        bars.close()
        print(summary.format())
        if args.rebuild and summary.changed and not args.dry_run:
            if rebuild is None:
                print(
                    "the map is now stale; `tmlmap refresh --rebuild` or the next `tmlmap` "
                    "command rebuilds it (the scrapers alone have no map engine)"
                )
            else:
                rebuild(store)
        elif summary.changed and not args.dry_run:
            print("the map is now stale; it is rebuilt on next use (or pass --rebuild)")
        return 0 if summary.ok else 1
    finally:
        close = getattr(store, "close", None)
        if close is not None:
            close()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
