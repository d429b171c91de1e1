"""Time and memory of the full map build, the warm load, and a 1M-abstract co-occurrence.

Modes (run each by hand; they print what they measured):

* ``python benchmarks/bench_build.py [--repeats 3]``: the cold build of the
  whole embedded corpus with default settings as whole processes (a fresh
  ``python`` each time: imports, reading the corpus, spaCy's tokenizer, the
  Louvain helper process, empty caches). Reports medians (and min-max) over
  the repeats of the process's wall time, its CPU time (user + system, the
  helper process included), the build's own wall time, per-stage wall and
  CPU seconds, peak resident memory, and the load average before each run
  (the development machine is shared: CPU time is the steadier number).
* ``python benchmarks/bench_build.py --details``: in one process, a cold
  build, a rebuild with other settings reusing the token cache, a warm load
  of the saved artifact, and per stage the peak of memory traced by
  ``tracemalloc`` (numpy/scipy arrays and Python objects; spaCy's C
  allocations are not traced), in a second, traced run.
* ``python benchmarks/bench_build.py --synthetic 1000000``: a synthetic corpus
  of that many abstracts whose lengths and term frequencies are drawn from
  the embedded corpus's map (document lengths resampled, terms drawn with
  probability proportional to their document frequency), turned into the
  binary document-term matrix and the co-occurrence matrix. Tokenization is
  not part of this mode (spaCy would dominate; it is linear in text size).
  Reports seconds and the process's peak resident memory.
* ``python benchmarks/bench_build.py --warm-only [--cache DIR]``: only the warm load: the
  default map of the embedded corpus is built once into ``DIR`` (default a folder in the
  temp dir, kept between runs) if it is not there, then loaded from disk ``--repeat`` times
  (default 5, each a fresh read); reports the median and the slowest load.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from _corpus import embedded_papers, machine, median, peak_rss_mb, run_process, spread
from tmlmap.maps import artifacts
from tmlmap.maps.build import build_map
from tmlmap.maps.settings import MapSettings
from tmlmap.network.cooccurrence import cooccurrence_matrix


class StagePeaks:
    """A build progress callback recording tracemalloc's peak per stage."""

    def __init__(self) -> None:
        self.stage = ""
        self.peaks: dict[str, float] = {}

    def __call__(self, stage: str, fraction: float) -> None:
        if stage != self.stage:
            self.flush()
            self.stage = stage
            tracemalloc.reset_peak()

    def flush(self) -> None:
        if self.stage:
            self.peaks[self.stage] = tracemalloc.get_traced_memory()[1] / 2**20


class StageClock:
    """A build progress callback recording this process's CPU seconds per stage."""

    def __init__(self) -> None:
        self.stage = "normalize"
        self.started = time.process_time()
        self.cpu: dict[str, float] = {}

    def __call__(self, stage: str, fraction: float) -> None:
        if stage != self.stage:
            self.flush()
            self.stage = stage
            self.started = time.process_time()

    def flush(self) -> None:
        self.cpu[self.stage] = self.cpu.get(self.stage, 0.0) + time.process_time() - self.started
        self.started = time.process_time()


def cold_child() -> None:
    """One cold build in this fresh process; prints its measurements as JSON."""
    import resource

    papers = embedded_papers()
    clock = StageClock()
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        term_map = build_map(papers, MapSettings(), cache_dir=tmp, progress=clock)
        build_wall = time.perf_counter() - t
    clock.flush()
    helper = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({
        "build_wall": build_wall,
        "stage_wall": term_map.timings,
        "stage_cpu": clock.cpu,
        "helper_cpu": helper.ru_utime + helper.ru_stime,
        "n_docs": term_map.n_docs, "n_terms": term_map.n_terms, "n_edges": term_map.n_edges,
        "communities": len(term_map.communities), "modularity": term_map.modularity,
        "stability_ari": term_map.stability_ari,
    }))


def cold_processes(repeats: int) -> None:
    """The cold build as ``repeats`` whole processes, medians reported."""
    runs = []
    for r in range(repeats):
        run = run_process([__file__, "--cold-child"])
        runs.append(run)
        print(f"run {r + 1}: process {run.wall:6.1f} s wall, {run.cpu:6.1f} s CPU, build {run.report['build_wall']:6.1f} s, "
              f"peak RSS {run.peak_rss_mb:5.0f} MB, load before {run.load_before:.1f}", flush=True)
    rep = runs[0].report
    print(f"machine: {machine()}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
          f"load average now {os.getloadavg()[0]:.1f} (1 min)")
    print(f"corpus: {rep['n_docs']:,} papers -> {rep['n_terms']:,} terms, {rep['n_edges']:,} edges, "
          f"{rep['communities']} communities, modularity {rep['modularity']:.3f}, single-run ARI {rep['stability_ari']:.3f}")
    print(f"medians of {repeats} whole processes (min-max):")
    print(f"{'stage':<14}{'wall s':>18}{'CPU s (main)':>20}")
    for stage in rep["stage_wall"]:
        print(f"{stage:<14}{spread([x.report['stage_wall'][stage] for x in runs]):>18}"
              f"{spread([x.report['stage_cpu'].get(stage, 0.0) for x in runs]):>20}")
    print(f"{'helper CPU':<14}{'':>18}{spread([x.report['helper_cpu'] for x in runs]):>20}")
    print(f"build_map wall:       {spread([x.report['build_wall'] for x in runs])} s")
    print(f"whole process wall:   {spread([x.wall for x in runs])} s")
    print(f"whole process CPU:    {spread([x.cpu for x in runs])} s (user + system, helper included)")
    print(f"peak RSS:             {median([x.peak_rss_mb for x in runs]):7.0f} MB (largest process)")
    print(f"load before each run: {', '.join(f'{x.load_before:.1f}' for x in runs)}")


def full_build() -> None:
    papers = embedded_papers()
    settings = MapSettings()
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        t = time.perf_counter()
        term_map = build_map(papers, settings, cache_dir=cache)
        cold = time.perf_counter() - t
        t = time.perf_counter()
        other = build_map(papers, settings.replace(resolution=1.0, seed=1), cache_dir=cache)
        rebuild = time.perf_counter() - t
        artifacts.save_map(term_map, cache / "map")
        t = time.perf_counter()
        loaded = artifacts.load_map(cache / "map")
        warm = time.perf_counter() - t
        assert loaded is not None and loaded.terms == term_map.terms
        size = sum(f.stat().st_size for f in (cache / "map").iterdir()) / 2**20

        tracemalloc.start()
        peaks = StagePeaks()
        with tempfile.TemporaryDirectory() as tmp2:
            build_map(papers, settings, cache_dir=tmp2, progress=peaks)
        peaks.flush()
        tracemalloc.stop()

    print(f"machine: {machine()}")
    print(f"corpus: {term_map.n_docs:,} papers -> {term_map.n_terms:,} terms, {term_map.n_edges:,} edges, "
          f"{len(term_map.communities)} communities, modularity {term_map.modularity:.3f}, "
          f"single-run ARI {term_map.stability_ari:.3f}")
    print(f"{'stage':<14}{'seconds':>9}{'peak traced MB':>16}")
    for stage, secs in term_map.timings.items():
        print(f"{stage:<14}{secs:>9.2f}{peaks.peaks.get(stage, float('nan')):>16.0f}")
    print(f"cold build (empty caches):        {cold:6.2f} s")
    print(f"rebuild, other settings (tokens cached): {rebuild:6.2f} s  ({other.n_terms:,} terms, "
          f"{len(other.communities)} communities)")
    print(f"warm load of the artifact:        {warm:6.2f} s  ({size:.0f} MB on disk)")
    print(f"peak resident memory of the process: {peak_rss_mb():.0f} MB")


def synthetic(n_docs: int, seed: int) -> None:
    papers = embedded_papers()
    term_map = build_map(papers, MapSettings(consensus_runs=1), cache_dir=Path(tempfile.gettempdir()) / "tmlmap-bench")
    lengths = np.diff(term_map.X.indptr)
    p = term_map.doc_freq / term_map.doc_freq.sum()
    rss_before = peak_rss_mb()
    rng = np.random.default_rng(seed)
    t = time.perf_counter()
    doc_len = rng.choice(lengths, size=n_docs)
    cols = rng.choice(term_map.n_terms, size=int(doc_len.sum()), p=p).astype(np.int32)
    rows = np.repeat(np.arange(n_docs, dtype=np.int32), doc_len)
    X = sp.csr_matrix((np.ones(len(cols), dtype=np.float32), (rows, cols)), shape=(n_docs, term_map.n_terms))
    del rows, cols
    t_matrix = time.perf_counter() - t
    t = time.perf_counter()
    C = cooccurrence_matrix(X)
    t_cooc = time.perf_counter() - t
    print(f"machine: {machine()}")
    print(f"synthetic corpus: {n_docs:,} abstracts, {X.nnz:,} document-term pairs over {term_map.n_terms:,} terms")
    print(f"document-term matrix: {t_matrix:7.1f} s")
    print(f"co-occurrence matrix: {t_cooc:7.1f} s  ({C.nnz:,} non-zeros)")
    print(f"total:                {t_matrix + t_cooc:7.1f} s")
    print(f"peak resident memory: {peak_rss_mb():.0f} MB (before the synthetic corpus: {rss_before:.0f} MB)")


def warm_only(cache_dir: Path | None, repeat: int) -> None:
    papers = embedded_papers()
    cache = cache_dir or Path(tempfile.gettempdir()) / "tmlmap-bench-warm"
    target = cache / "map"
    term_map = artifacts.load_map(target) if artifacts.exists(target) else None
    if term_map is None or term_map.n_docs != len(papers):
        term_map = build_map(papers, MapSettings(), cache_dir=cache)
        artifacts.save_map(term_map, target)
    times = []
    for _ in range(max(1, repeat)):
        t = time.perf_counter()
        loaded = artifacts.load_map(target)
        times.append(time.perf_counter() - t)
        assert loaded is not None and loaded.terms == term_map.terms
    size = sum(f.stat().st_size for f in target.iterdir()) / 2**20
    times.sort()
    print(f"machine: {machine()}")
    print(f"map: {term_map.n_docs:,} papers, {term_map.n_terms:,} terms, {term_map.n_edges:,} edges")
    print(f"warm load of the artifact: median {times[len(times) // 2]:.2f} s, slowest {times[-1]:.2f} s "
          f"over {len(times)} loads ({size:.0f} MB on disk; target <= 2 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", type=int, metavar="N", help="co-occurrence of N synthetic abstracts")
    parser.add_argument("--details", action="store_true", help="rebuild, warm load and traced memory, one process")
    parser.add_argument("--repeats", type=int, default=3, help="whole processes for the cold build (default 3)")
    parser.add_argument("--cold-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--warm-only", action="store_true", help="only time the warm load of the default map")
    parser.add_argument("--cache", type=Path, help="artifact folder for --warm-only (kept between runs)")
    parser.add_argument("--repeat", type=int, default=5, help="loads timed by --warm-only (default 5)")
    args = parser.parse_args()
    if args.cold_child:
        cold_child()
    elif args.warm_only:
        warm_only(args.cache, args.repeat)
    elif args.synthetic:
        synthetic(args.synthetic, args.seed)
    elif args.details:
        full_build()
    else:
        cold_processes(args.repeats)


if __name__ == "__main__":
    main()
