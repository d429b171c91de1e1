"""``tmlmap evolution``: communities per period and the flows of terms between them.

``tmlmap evolution --periods 2013-2016,2017-2019,2020-2024 [--min-weight W] [--format table|json]``
builds (or loads from the cache) one map per period with the same map
settings, and prints each period's communities and the weighted flows to the
next period (see :mod:`tmlmap.analysis.evolution`). ``--csv F`` also writes
the flows as CSV.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from tmlmap.analysis.evolution import (
    DEFAULT_MIN_WEIGHT,
    Evolution,
    parse_periods,
    thematic_evolution,
)
from tmlmap.cli.args import bounded, parsed_by
from tmlmap.cli.store import safe_text

_periods_arg = parsed_by(parse_periods)
_min_weight_arg = bounded(float, 0.0, 1.0, "a weighted inclusion index")


def print_table(evo: Evolution, *, top: int = 6) -> None:
    comms = evo.communities
    for p, period in enumerate(evo.periods):
        rows = comms[comms["period_index"] == p].sort_values("occurrences", ascending=False)
        n_docs = evo.n_docs[p] if p < len(evo.n_docs) else 0
        print(f"== {period.label}: {n_docs:,} papers, {len(rows)} communities")
        print(f"  {'id':>3}  {'terms':>5}  {'occ.':>7}  {'status':<10} name")
        for r in rows.itertuples():
            topic = f"  [{r.topic}]" if r.topic else ""
            print(f"  {r.community:>3}  {r.size:>5}  {r.occurrences:>7,.0f}  {r.status:<10} "
                  f"{safe_text(str(r.name))[:60]}{topic}")
        if p < len(evo.periods) - 1:
            flows = evo.flows[evo.flows["period_from"] == period.label]
            nxt = evo.periods[p + 1].label
            print(f"  flows to {nxt} (weighted inclusion >= {evo.min_weight:g}): {len(flows)}")
            print(f"    {'from':>4} -> {'to':<4} {'weight':>7} {'w.incl':>6} {'w.jacc':>6} {'shared':>6}  top shared terms")
            for f in flows.sort_values("weight", ascending=False).itertuples():
                shared = ", ".join(safe_text(t) for t in f.top_shared[:top])
                print(f"    {f.source:>4} -> {f.target:<4} {f.weight:>7,.0f} {f.weighted_inclusion:>6.2f} "
                      f"{f.weighted_jaccard:>6.2f} {f.shared_terms:>6}  {shared}")
        print()
    for topic in ("fairness", "privacy"):
        first = evo.first_appearance(topic)
        print(f"{topic} community first appears in: {first or 'no period'}")


def cmd_evolution(args: argparse.Namespace) -> int:
    from tmlmap.cli.map import StageProgress, settings_from_args
    from tmlmap.cli.store import open_store

    if args.years:
        print("tmlmap evolution: --years does not apply; the periods give the years", file=sys.stderr)
        return 2
    settings = settings_from_args(args)
    bars = StageProgress(quiet=args.quiet)

    def progress(p: int, n: int, stage: str, fraction: float) -> None:
        bars(f"{args.periods[p].label} {stage}"[:13], fraction)

    store = open_store(args)
    try:
        evo = thematic_evolution(store, args.periods, settings, min_weight=args.min_weight, progress=progress)
    except ValueError as exc:
        bars.close()
        print(f"tmlmap evolution: {exc}", file=sys.stderr)
        return 2
    finally:
        bars.close()
        store.close()
    if args.csv:
        path = Path(args.csv)
        if not path.parent.is_dir():
            print(f"tmlmap evolution: the folder {str(path.parent)!r} does not exist", file=sys.stderr)
            return 2
        evo.flows_table().to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL)
        print(f"wrote {path} ({len(evo.flows):,} flows)", file=sys.stderr)
    if args.format == "json":
        json.dump(evo.to_dict(), sys.stdout, indent=2, ensure_ascii=False, default=_json_default)
        print()
    else:
        print_table(evo)
    return 0


def _json_default(value: object) -> object:
    import numpy as np

    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``evolution``."""
    from tmlmap.cli.map import add_map_options

    p = sub.add_parser(
        "evolution", help="thematic evolution: communities per period and the flows between them",
        description="Build one map per period (same settings) and link each community to the next "
                    "period's communities by the terms they share (inclusion index and Jaccard, "
                    "weighted by occurrences). Communities without a link to the next period are "
                    "listed as ending, not dropped.")
    p.add_argument("--periods", type=_periods_arg, required=True, metavar="P1,P2,...",
                   help="comma-separated year ranges in increasing order, e.g. 2013-2016,2017-2019,2020-2024")
    p.add_argument("--min-weight", type=_min_weight_arg, default=DEFAULT_MIN_WEIGHT, metavar="W",
                   help="keep flows whose weighted inclusion index is at least W, 0-1 "
                        f"(default {DEFAULT_MIN_WEIGHT})")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--csv", metavar="F", help="also write the flows to F (CSV)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    add_map_options(p)
    p.set_defaults(func=cmd_evolution)
