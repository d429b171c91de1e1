"""Corpus commands: ``import``, ``info``, ``search``; and :func:`open_store` for other CLIs.

All use the global ``--db`` (default ``$TMLMAP_DB`` or ``<data dir>/corpus.sqlite``).
Output for people goes to stdout; progress bars and diagnostics to stderr.
Paper text is untrusted: control characters are removed before it reaches
the terminal.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tmlmap.cli.args import bounded, parsed_by
from tmlmap.corpus.coverage import corpus_coverage, topic_selected_notes, year_ranges
from tmlmap.corpus.importers import FORMATS
from tmlmap.corpus.records import RecordError
from tmlmap.corpus.store import CorpusStore, ImportStats, SchemaError

#: Errors listed per file by ``import`` before "... and N more".
MAX_ERRORS_SHOWN = 20

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def safe_text(text: str) -> str:
    """``text`` without control/bidi characters (terminal escape injection)."""
    return _CONTROL_RE.sub("", text)


def _progress_bar(desc: str) -> tuple[Callable[[int, int | None], None], Callable[[], None]]:
    """A ``progress(done, total)`` callback drawing a tqdm bar on stderr, and a closer."""
    from tqdm import tqdm

    state: dict[str, Any] = {}

    def progress(done: int, total: int | None) -> None:
        bar = state.get("bar")
        if bar is None:
            bar = state["bar"] = tqdm(total=total, desc=desc, unit="rec", file=sys.stderr,
                                      disable=None, leave=False, dynamic_ncols=True)
        if total is not None and bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    def close() -> None:
        if "bar" in state:
            state["bar"].close()

    return progress, close


def open_store(args: argparse.Namespace | None = None, *, bootstrap: bool = True) -> CorpusStore:
    """Open the corpus store for a CLI command.

    Honours the global ``--db`` (``args.db``); unless ``bootstrap`` is false,
    syncs the embedded corpus with a progress bar on stderr: imports it on first
    run (empty database), and into a database built from an earlier version of
    it (upgrade), then says on stderr what was added. Exits with a message
    (status 2) if the database cannot be used.
    """
    path = getattr(args, "db", None) if args is not None else None
    labels = {"bootstrap": ("Building the corpus database (first run)",
                            "First run: importing the embedded corpus into the database "
                            "(a few seconds)..."),
              "upgrade": ("Upgrading the corpus database",
                          "The embedded corpus has a new version: importing it into the "
                          "database (your own papers are kept)..."),
              "reimport": ("Re-reading the embedded corpus",
                           "This version of tmlmap reads the embedded corpus differently: "
                           "importing it again (your own papers are kept)...")}
    state: dict[str, Any] = {}

    def announce(kind: str) -> None:
        desc, note = labels.get(kind, labels["bootstrap"])
        print(note, file=sys.stderr)
        state["bar"] = _progress_bar(desc)

    def progress(done: int, total: int | None) -> None:
        if "bar" in state:
            state["bar"][0](done, total)

    def close() -> None:
        if "bar" in state:
            state.pop("bar")[1]()

    try:
        store = CorpusStore.open(path, bootstrap=bootstrap, progress=progress, announce=announce)
    except (SchemaError, RecordError, OSError) as exc:
        close()
        print(f"tmlmap: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    finally:
        close()
    if store.last_sync is not None:
        print(store.last_sync.message(), file=sys.stderr)
    return store


# ---- import ---------------------------------------------------------------


def cmd_import(args: argparse.Namespace) -> int:
    store = open_store(args, bootstrap=not args.no_embedded)
    total = ImportStats()
    failed: list[str] = []
    with store:
        for name in args.files:
            progress, close = _progress_bar(f"Importing {Path(name).name}")
            try:
                stats = store.import_file(name, format=args.format, strict=args.strict,
                                          progress=progress)
            except RecordError as exc:
                close()
                print(f"error: {safe_text(str(exc))}", file=sys.stderr)
                failed.append(name)
                if args.strict:
                    print("stopped at the first bad record (--strict); batches before it were "
                          "kept", file=sys.stderr)
                continue
            finally:
                close()
            good = stats.new + stats.updated + stats.unchanged + stats.merged
            print(f"{safe_text(name)}: {stats}")
            for message in stats.errors[:MAX_ERRORS_SHOWN]:
                print(f"  skipped: {safe_text(message)}", file=sys.stderr)
            if stats.n_errors > MAX_ERRORS_SHOWN:
                print(f"  ... and {stats.n_errors - MAX_ERRORS_SHOWN:,} more skipped records",
                      file=sys.stderr)
            if good == 0:
                if not stats.n_errors:
                    print(f"  no records found in {safe_text(name)}", file=sys.stderr)
                failed.append(name)
            total += stats
        if len(args.files) > 1:
            print(f"total: {total}")
        print(f"corpus: {store.count():,} papers in {store.path}")
    if failed:
        print(f"failed: {', '.join(safe_text(f) for f in failed)}", file=sys.stderr)
        return 1
    return 0


# ---- info -----------------------------------------------------------------


def _info_dict(store: CorpusStore) -> dict[str, Any]:
    by_vy = store.counts_by_venue_year()
    coverage = corpus_coverage(store)
    return {
        "db": str(store.path),
        "total": store.count(),
        "fingerprint": store.fingerprint(),
        "venues": {c.venue: {"papers": c.papers, "first_year": c.first_year,
                             "last_year": c.last_year,
                             "years_present": year_ranges(c.years_present),
                             "years_missing": year_ranges(c.years_missing),
                             "topic_selected_papers": c.topic_selected_papers,
                             "selection": c.selection()} for c in coverage},
        "coverage": [c.to_dict() for c in coverage],
        "coverage_notes": topic_selected_notes(coverage),
        "years": {str(y): n for y, n in store.counts_by_year()},
        "by_venue_year": [[v, y, n] for v, y, n in by_vy],
        "embedded_corpus": store.get_meta("embedded_corpus"),
        "embedded_upgrade": store.get_meta("embedded_upgrade"),
        "last_import": store.get_meta("last_import"),
        "last_refresh": store.get_meta("last_refresh"),
    }


def cmd_info(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        info = _info_dict(store)
    if args.format == "json":
        json.dump(info, sys.stdout, indent=2, ensure_ascii=False)
        print()
        return 0
    print(f"database: {info['db']}")
    print(f"papers:   {info['total']:,}")
    embedded = info["embedded_corpus"]
    if isinstance(embedded, dict):
        version = embedded.get("version")
        print(f"embedded corpus: {'version ' + str(version) if version else 'unreleased version'}"
              f" (synced {safe_text(str(embedded.get('synced_at', '?')))})")
    if info["last_refresh"]:
        print(f"last refresh from the sources: {safe_text(str(info['last_refresh']))}")
    print()
    rows = [(safe_text(venue), f"{v['papers']:,}", v["years_present"], v["years_missing"] or "-",
             v["selection"]) for venue, v in info["venues"].items()]
    header = ("venue", "papers", "years present", "years missing", "selection")
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(header)]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(c.rjust(w) if i == 1 else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    print(line(header))
    print(line(tuple("-" * w for w in widths)))
    for row in rows:
        print(line(row))
    print(line(("total", f"{info['total']:,}", "", "", "")))
    print()
    print("years missing: no paper of the venue in the corpus, from its first year to the "
          "corpus's last (not held, or not collected).")
    for note in info["coverage_notes"]:
        print(f"note: {safe_text(note)}")
    print()
    print("papers by year:")
    items = list(info["years"].items())
    for i in range(0, len(items), 6):
        print("  " + "   ".join(f"{y}: {n:>5,}" for y, n in items[i:i + 6]))
    return 0


# ---- search ---------------------------------------------------------------

_YEARS_RE = re.compile(r"^\s*(\d{4})?\s*(?:(-|–|:|\.\.)\s*(\d{4})?)?\s*$")


def parse_years(text: str) -> tuple[int | None, int | None]:
    """``"2015-2022"`` -> (2015, 2022); ``"2019"`` -> (2019, 2019);
    ``"2015-"`` / ``"-2020"`` are open ranges. Raises ``ValueError``."""
    m = _YEARS_RE.match(text or "")
    if not m or not (m.group(1) or m.group(3)):
        raise ValueError(f"invalid year range {text!r}; use e.g. 2015-2022, 2019, 2015- or -2020")
    lo = int(m.group(1)) if m.group(1) else None
    hi = int(m.group(3)) if m.group(3) else None
    if not m.group(2):
        hi = lo
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f"invalid year range {text!r}: {lo} is after {hi}")
    return lo, hi


_years_arg = parsed_by(parse_years)
_limit_arg = bounded(int, 1, 10_000)


def _split_venues(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    out = [v.strip() for value in values for v in value.split(",") if v.strip()]
    return out or None


#: Shown with argparse errors of ``search`` (a query word starting with "-" looks like an option).
SEARCH_DASH_HINT = ("a word after '-' excludes it (tmlmap search privacy -fairness); to start the query "
                    "with '-', put -- before it: tmlmap search -- -fairness privacy")


def cmd_search(args: argparse.Namespace) -> int:
    from tmlmap.corpus.store import fts_query

    query = " ".join(args.query) if isinstance(args.query, list) else args.query
    args.query = query
    if not fts_query(query):
        print(f"tmlmap search: nothing to search for in {safe_text(query)[:80]!r}: give at least one "
              "word that is not an operator (AND, OR, NOT) or excluded (-word)", file=sys.stderr)
        return 2
    year_min, year_max = args.years or (None, None)
    venues = _split_venues(args.venues)
    with open_store(args) as store:
        if venues:
            known = {v.casefold(): v for v in store.venues()}
            unknown = [v for v in venues if v.casefold() not in known]
            if unknown:
                print(f"warning: unknown venue(s) {', '.join(map(safe_text, unknown))}; "
                      f"known: {', '.join(known.values())}", file=sys.stderr)
            venues = [known.get(v.casefold(), v) for v in venues]
        hits = store.search(args.query, venues=venues, year_min=year_min, year_max=year_max,
                            limit=args.limit)
    if args.format == "json":
        json.dump([h.__dict__ for h in hits], sys.stdout, indent=2, ensure_ascii=False)
        print()
        return 0
    if not hits:
        print("no matching papers", file=sys.stderr)
        return 0
    for rank, h in enumerate(hits, start=1):
        print(f"{rank:>3}. [{h.score:5.2f}] {safe_text(h.title)}")
        print(f"     {safe_text(h.venue)} {h.year} | {safe_text(h.id)} | {safe_text(h.url)}")
        snippet = safe_text(h.snippet)  # matches between « »
        for line in textwrap.wrap(snippet, width=94):
            print(f"     {line}")
        print()
    return 0


# ---- registration ---------------------------------------------------------


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``import``, ``info`` and ``search`` to ``sub``."""
    p = sub.add_parser(
        "import", help="import papers from RIS, CSL JSON, OpenAlex, Web of Science, BibTeX, CSV or JSONL",
        description="Import papers into the corpus database (use --corpus NAME for a corpus of your "
                    "own). Re-importing a file changes nothing; a changed record (same id) is updated "
                    "in place; a duplicate (same DOI, else same normalized title and year) is merged "
                    "into the stored paper. Bad records are skipped and listed (file:line: field: "
                    "problem); markup removed from the text (HTML tags, control characters) is "
                    "counted. Exit status 1 if a file yields no good record.")
    p.add_argument("files", nargs="+", metavar="FILE",
                   help=".ris (Zotero, Scopus, WoS, EndNote), .json (CSL JSON, OpenAlex works), "
                        ".jsonl (own records or OpenAlex works), .txt (RIS or WoS plain text), "
                        ".csv/.tsv (own columns or Scopus/Zotero/WoS exports), .bib")
    p.add_argument("--format", choices=FORMATS,
                   help="file format (default: from the file extension)")
    p.add_argument("--strict", action="store_true",
                   help="stop at the first bad record instead of skipping it")
    p.add_argument("--no-embedded", action="store_true",
                   help="do not load the embedded corpus into an empty database first")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("info", help="corpus size and coverage by venue and year",
                       description="Show the number of papers by venue and by year: per venue "
                                   "the years present and missing, and which slices are "
                                   "topic-selected (not full proceedings).")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser(
        "search", help="full-text search of titles, abstracts and keywords",
        description='Ranked full-text search (bm25). Words are AND-ed; "quoted phrases" '
                    "match as phrases; word* is a prefix; OR between terms is honoured; "
                    "title:word, abstract:word, keywords:word (or title:\"a phrase\") search one field; "
                    "-word or NOT word excludes it. " + SEARCH_DASH_HINT[0].upper() + SEARCH_DASH_HINT[1:] + ".")
    p.add_argument("query", nargs="+", help='e.g. \'"differential privacy" fairness\' or title:fairness -survey')
    p.add_argument("--venues", nargs="+", metavar="VENUE",
                   help="only these venues (space- or comma-separated)")
    p.add_argument("--years", type=_years_arg, metavar="RANGE",
                   help="year range, e.g. 2015-2022, 2019, 2015- or -2020")
    p.add_argument("--limit", type=_limit_arg, default=20,
                   help="number of results, 1-10000 (default 20)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_search)
    original_error = p.error

    def error(message: str) -> None:  # type: ignore[override]
        original_error(f"{message}\nhint: {SEARCH_DASH_HINT}")

    p.error = error  # type: ignore[method-assign]
