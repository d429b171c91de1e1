"""Map commands: ``build``, ``communities``, ``term``.

``communities`` and ``term`` take the same map options as ``build`` and use
the cached map for those settings (building it first if needed), so
``tmlmap build --years 2015-2022`` followed by
``tmlmap communities --years 2015-2022`` reads the same map. JSON output
(``--format json``) is part of the CLI's contract.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from tmlmap.maps.settings import BACKENDS, VOCAB_BY, WEIGHTS, MapSettings


def _years(text: str) -> tuple[int | None, int | None]:
    """Parse ``2015-2022``, ``2015-``, ``-2020`` or ``2019``."""
    try:
        if "-" in text:
            lo, hi = text.split("-", 1)
            return (int(lo) if lo.strip() else None, int(hi) if hi.strip() else None)
        year = int(text)
        return year, year
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a year range like 2015-2022, got {text!r}") from None


def add_map_options(p: argparse.ArgumentParser) -> None:
    """The options that select a map (shared by every command that reads one)."""
    d = MapSettings()
    g = p.add_argument_group("map settings")
    g.add_argument("--venues", nargs="+", metavar="V", help="only these venues (default: all)")
    g.add_argument("--years", type=_years, metavar="Y1-Y2", help="inclusive year range, e.g. 2015-2022")
    g.add_argument("--weight", choices=WEIGHTS, default=d.weight, help=f"edge weight (default {d.weight})")
    g.add_argument("--resolution", type=float, default=d.resolution, help=f"Louvain resolution (default {d.resolution})")
    g.add_argument("--seed", type=int, default=d.seed, help=f"random seed (default {d.seed})")
    g.add_argument("--max-terms", type=int, default=d.max_terms, help=f"vocabulary cap (default {d.max_terms})")
    g.add_argument("--min-df", type=int, default=d.min_df, help=f"minimum documents per term (default {d.min_df})")
    g.add_argument("--vocab-by", choices=VOCAB_BY, default=d.vocab_by, help=f"vocabulary choice (default {d.vocab_by})")
    g.add_argument("--min-count", type=int, default=d.min_count,
                   help=f"minimum papers shared by an edge's terms (default {d.min_count})")
    g.add_argument("--top-k", type=int, default=d.top_k, help=f"keep each term's k strongest edges, 0 = off (default {d.top_k})")
    g.add_argument("--backbone-alpha", type=float, default=d.backbone_alpha,
                   help=f"disparity-filter significance, 0 = off (default {d.backbone_alpha})")
    g.add_argument("--consensus-runs", type=int, default=d.consensus_runs,
                   help=f"Louvain seeds in the consensus partition, 1 = single run (default {d.consensus_runs})")
    g.add_argument("--backend", choices=BACKENDS, default=d.backend, help=f"Louvain implementation (default {d.backend})")
    g.add_argument("--thesaurus", metavar="FILE", help="CSV variant,preferred to merge or remove terms")


def settings_from_args(args: argparse.Namespace) -> MapSettings:
    """:class:`MapSettings` from :func:`add_map_options` arguments (exits 2 on bad values)."""
    year_min, year_max = args.years or (None, None)
    try:
        return MapSettings(
            venues=tuple(args.venues or ()),
            year_min=year_min,
            year_max=year_max,
            weight=args.weight,
            resolution=args.resolution,
            seed=args.seed,
            max_terms=args.max_terms,
            min_df=args.min_df,
            backend=args.backend,
            vocab_by=args.vocab_by,
            min_count=args.min_count,
            top_k=args.top_k,
            backbone_alpha=args.backbone_alpha or None,
            consensus_runs=args.consensus_runs,
            thesaurus=args.thesaurus,
        )
    except ValueError as exc:
        print(f"tmlmap: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc


class StageProgress:
    """``progress(stage, fraction)`` drawing one tqdm bar per stage on stderr."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self.bar: Any = None
        self.stage = ""

    def __call__(self, stage: str, fraction: float) -> None:
        if self.quiet:
            return
        from tqdm import tqdm

        if stage != self.stage:
            self.close()
            self.stage = stage
            self.bar = tqdm(total=100, desc=f"{stage:<13}", file=sys.stderr, disable=None, leave=False,
                            bar_format="{desc} {bar} {percentage:3.0f}% {elapsed} {postfix}")
        self.bar.update(round(fraction * 100) - self.bar.n)

    def note(self, text: str) -> None:
        """Extra state of the running stage (the distributed build: partitions done)."""
        if self.bar is not None:
            self.bar.set_postfix_str(text, refresh=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def load_map(args: argparse.Namespace, settings: MapSettings | None = None, *, force: bool = False):
    """Open the store (``--db``) and load or build the map of ``settings``
    (default settings if None), drawing stage progress unless ``args.quiet``.
    Exits with status 2 and a message when the map cannot be built."""
    from tmlmap.cli.store import open_store
    from tmlmap.maps.build import load_or_build

    store = open_store(args)
    progress = StageProgress(quiet=getattr(args, "quiet", False))
    try:
        return load_or_build(store, settings or MapSettings(), progress=progress, force=force), store
    except ValueError as exc:
        progress.close()
        print(f"tmlmap: cannot build the map: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    finally:
        progress.close()


def load_map_for(args: argparse.Namespace, *, force: bool = False):
    """:func:`load_map` with the settings given by :func:`add_map_options` arguments."""
    return load_map(args, settings_from_args(args), force=force)


def map_summary(term_map) -> dict[str, Any]:
    return {
        "papers": term_map.n_docs,
        "terms": term_map.n_terms,
        "edges": term_map.n_edges,
        "communities": len(term_map.communities),
        "modularity": round(term_map.modularity, 4),
        "stability_ari": round(term_map.stability_ari, 4),
        "seconds": {k: round(v, 3) for k, v in term_map.timings.items()},
        "settings": term_map.settings.to_dict(),
    }


# ---- build ------------------------------------------------------------------


def _distributed_build(args: argparse.Namespace):
    """The map for ``build --workers/--scheduler/--input`` (see :mod:`tmlmap.maps.distributed`)."""
    from tmlmap.corpus.records import RecordError

    settings = settings_from_args(args)
    progress = StageProgress(quiet=args.quiet)
    try:
        if not (args.workers or args.scheduler):  # --input, in-process
            from tmlmap.corpus.shards import expand_shards, read_shard
            from tmlmap.maps.build import build_map

            papers = [p for url in expand_shards(args.input) for p in read_shard(url)]
            ids = [p.id for p in papers]
            if len(set(ids)) != len(ids):
                raise ValueError(f"{len(ids) - len(set(ids))} paper ids occur more than once in the shards")
            return build_map(papers, settings, progress=progress)
        from tmlmap.maps.distributed import (
            ClusterUnavailable,
            build_map_distributed,
            connect,
            load_or_build_distributed,
        )

        try:
            with connect(workers=args.workers, scheduler=args.scheduler, memory_limit=args.memory_limit) as client:
                if args.input:
                    return build_map_distributed(client, settings, shards=args.input, progress=progress,
                                                 retries=args.retries, spill_dir=args.spill_dir)
                from tmlmap.cli.store import open_store

                return load_or_build_distributed(open_store(args), client, settings,
                                                 partition_size=args.partition_size, progress=progress,
                                                 force=args.force)
        except ClusterUnavailable as exc:
            progress.close()
            print(f"tmlmap: {exc}", file=sys.stderr)
            raise SystemExit(2) from exc
    except (ValueError, RecordError) as exc:
        progress.close()
        print(f"tmlmap: cannot build the map: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    finally:
        progress.close()


def cmd_build(args: argparse.Namespace) -> int:
    t = time.perf_counter()
    if args.workers is not None and args.workers < 1:
        print(f"tmlmap: --workers must be >= 1, got {args.workers}", file=sys.stderr)
        return 2
    if args.workers or args.scheduler or args.input:
        term_map = _distributed_build(args)
        if args.output:
            from tmlmap.maps import artifacts

            artifacts.save_map(term_map, args.output)
    else:
        term_map, store = load_map_for(args, force=args.force)
    summary = map_summary(term_map)
    summary["wall_seconds"] = round(time.perf_counter() - t, 3)
    if args.format == "json":
        print(json.dumps(summary, indent=2))
        return 0
    print(f"papers       {summary['papers']:>10,}")
    print(f"terms        {summary['terms']:>10,}")
    print(f"edges        {summary['edges']:>10,}")
    print(f"communities  {summary['communities']:>10,}")
    print(f"modularity   {summary['modularity']:>10.4f}")
    print(f"stability    {summary['stability_ari']:>10.4f}  (mean pairwise ARI of single Louvain runs)")
    print("seconds per stage (of the build that made this map):")
    for stage, secs in summary["seconds"].items():
        print(f"  {stage:<13}{secs:>8.2f}")
    print(f"wall time    {summary['wall_seconds']:>10.2f} s")
    return 0


# ---- communities --------------------------------------------------------------


def cmd_communities(args: argparse.Namespace) -> int:
    term_map, _ = load_map_for(args)
    rows = [
        {"id": c.id, "name": c.name, "size": c.size, "top_terms": c.top_terms[: args.top], "topic": c.topic,
         "n_papers": c.n_papers}
        for c in term_map.communities
        if c.size >= args.min_size
    ]
    if args.format == "json":
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'id':>3}  {'size':>5}  {'papers':>6}  {'name':<32} top terms")
    for r in rows:
        print(f"{r['id']:>3}  {r['size']:>5}  {r['n_papers']:>6}  {r['name'][:32]:<32} {', '.join(r['top_terms'][:8])}")
    return 0


# ---- term ---------------------------------------------------------------------


def cmd_term(args: argparse.Namespace) -> int:
    term_map, _ = load_map_for(args)
    i = term_map.term_id(args.term)
    if i is None:
        near = term_map.closest_terms(args.term)
        msg = f"tmlmap: {args.term!r} is not a term of this map."
        if near:
            msg += " Closest known terms: " + ", ".join(near)
        print(msg, file=sys.stderr)
        return 1
    c = term_map.communities[int(term_map.community[i])]
    out = {
        "term": term_map.terms[i],
        "community": c.id,
        "community_name": c.name,
        "topic": c.topic,
        "document_frequency": int(term_map.doc_freq[i]),
        "neighbours": [{"term": t, "weight": round(w, 4)} for t, w in term_map.neighbours(term_map.terms[i], args.top)],
    }
    if args.format == "json":
        print(json.dumps(out, indent=2))
        return 0
    print(f"term         {out['term']}")
    print(f"community    {c.id}: {c.name}")
    print(f"documents    {out['document_frequency']:,}")
    print("strongest neighbours:")
    for n in out["neighbours"]:
        print(f"  {n['weight']:>8.3f}  {n['term']}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``build``, ``communities`` and ``term``."""
    p = sub.add_parser("build", help="build (or load) the term map and print a summary")
    add_map_options(p)
    p.add_argument("--force", action="store_true", help="rebuild even if a cached map matches")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    g = p.add_argument_group("distributed build (Dask; default: in-process)")
    cluster = g.add_mutually_exclusive_group()
    cluster.add_argument("--workers", type=int, metavar="N", help="build on a local Dask cluster of N processes")
    cluster.add_argument("--scheduler", metavar="ADDRESS",
                         help="build on a running Dask cluster, e.g. tcp://scheduler:8786")
    g.add_argument("--input", nargs="+", metavar="SHARD",
                   help="map these JSONL(.gz)/Parquet shards (files, directories, globs or fsspec URLs the "
                        "workers can read) instead of the store; one partition per shard")
    g.add_argument("--output", metavar="DIR", help="save the map built from --input in DIR (store maps are cached)")
    g.add_argument("--partition-size", type=int, default=20_000, metavar="N",
                   help="papers per partition when the corpus is the store (default 20000)")
    g.add_argument("--retries", type=int, default=2, metavar="N",
                   help="times a task is rerun after a worker failure (default 2)")
    g.add_argument("--memory-limit", metavar="SIZE", help="memory per local worker, e.g. 4GB (default: Dask's share)")
    g.add_argument("--spill-dir", metavar="DIR",
                   help="keep tokenized shards in DIR (shared by all workers) instead of worker memory")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("communities", help="list the map's communities")
    add_map_options(p)
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--top", type=int, default=10, help="top terms per community (default 10)")
    p.add_argument("--min-size", type=int, default=1, help="hide communities with fewer terms")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_communities)

    p = sub.add_parser("term", help="a term's community, document frequency and neighbours")
    p.add_argument("term", help='a term, multiword with spaces: "differential privacy"')
    add_map_options(p)
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--top", type=int, default=10, help="neighbours to list (default 10)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_term)
