"""Time of the thematic evolution on the embedded corpus (run by hand; prints what it measured).

``python benchmarks/bench_evolution.py [--periods 2013-2016,2017-2019,2020-2024]``: in a fresh
temporary data directory, imports the embedded corpus, then runs
:func:`tmlmap.analysis.evolution.thematic_evolution` three times: cold (tokenization and
every period's map built), warm (maps loaded from the cache) and the flow computation alone on
the loaded maps (:func:`evolution_from_periods`), with the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import datetime
import tempfile
import time
from pathlib import Path

from _corpus import machine, peak_rss_mb
from tmlmap import config
from tmlmap.analysis.evolution import (
    PeriodCommunities,
    evolution_from_periods,
    parse_periods,
    period_settings,
    thematic_evolution,
)
from tmlmap.corpus.store import CorpusStore
from tmlmap.maps.build import load_or_build
from tmlmap.maps.settings import MapSettings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--periods", default="2013-2016,2017-2019,2020-2024")
    args = ap.parse_args()
    periods = parse_periods(args.periods)
    settings = MapSettings()
    print(f"{datetime.date.today()}; {machine()}; periods {args.periods}")
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "maps"
        with CorpusStore(Path(tmp) / "corpus.sqlite") as store:
            t = time.perf_counter()
            store.import_file(config.EMBEDDED_CORPUS)
            print(f"import of {store.count():,} papers: {time.perf_counter() - t:.1f} s")
            t = time.perf_counter()
            evo = thematic_evolution(store, periods, settings, cache_dir=cache)
            print(f"cold (tokenize + {len(periods)} map builds + flows): {time.perf_counter() - t:.1f} s; "
                  f"{len(evo.communities)} communities, {len(evo.flows)} flows")
            t = time.perf_counter()
            thematic_evolution(store, periods, settings, cache_dir=cache)
            print(f"warm (maps loaded from the cache + flows): {time.perf_counter() - t:.2f} s")
            tables = [PeriodCommunities.from_map(load_or_build(store, period_settings(settings, p),
                                                               cache_dir=cache)) for p in periods]
            t = time.perf_counter()
            for _ in range(10):
                evolution_from_periods(periods, tables)
            print(f"flows alone: {(time.perf_counter() - t) / 10 * 1000:.1f} ms per run "
                  f"({sum(len(x.terms) for x in tables):,} period terms)")
    print(f"peak resident memory: {peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
