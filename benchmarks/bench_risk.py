"""Benchmark of risk scoring: one description, and 10,000 in a batch, against naive baselines.

Usage::

    python benchmarks/bench_risk.py [--db PATH] [--n 10000] [--repeat 50]

The map is loaded from the artifact cache (built once, with a progress bar,
if missing). Measured, in one run:

* fit: creating the :class:`~tmlmap.risk.scorer.RiskScorer` (fingerprints, corpus
  scores, calibration), once per map, with the corpus papers' risks computed (their
  cache in the map cache folder is emptied first), then again in a fresh process that
  reads them from that cache;
* single: ``scorer.score(text)`` for one description with the map loaded
  (median and 95th percentile over ``--repeat`` calls, evidence included);
* batch: ``scorer.score_many(texts)`` for ``--n`` descriptions (one call,
  evidence and spans included);
* naive loop: ``scorer.score(t)`` for each text in a Python loop (timed on a
  subset and extrapolated to ``--n``);
* naive pure Python: per text, term counts, a Python loop over its terms
  for the topic score and tf-idf vector, and one cosine against every corpus
  paper (a sparse matrix-vector product per text; timed on a subset,
  extrapolated). No spans, percentiles or evidence: it does less work.

Texts are the project descriptions of ``data/risk_devset.jsonl`` combined in
pairs (deterministic), so every text differs.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tmlmap import config  # noqa: E402
from tmlmap.corpus.store import CorpusStore  # noqa: E402
from tmlmap.maps.build import load_or_build  # noqa: E402
from tmlmap.risk.evaluate import load_devset  # noqa: E402
from tmlmap.risk.scorer import RiskScorer  # noqa: E402
from tmlmap.text.weighting import smooth_idf  # noqa: E402


def make_texts(n: int) -> list[str]:
    base = [r["text"] for r in load_devset()]
    k = len(base)
    return [f"{base[i % k]} {base[(7 * i + 3) % k]}" for i in range(n)]


def naive_score(term_map, fair_aff: np.ndarray, idf: np.ndarray, corpus, text: str) -> tuple:
    """One text, no vectorization across texts or terms."""
    counts = term_map.transform([text])
    row = counts.getrow(0)
    num = den = 0.0
    vec = np.zeros(term_map.n_terms)
    for j, c in zip(row.indices.tolist(), row.data.tolist(), strict=True):
        w = (1 + np.log(c)) * idf[j]
        num += w * fair_aff[j]
        den += w
        vec[j] = w
    norm = np.linalg.norm(vec)
    sims = corpus @ (vec / norm) if norm > 0 else np.zeros(corpus.shape[0])
    return (num / den if den else 0.0), int(np.argmax(sims))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", help="corpus database (default: $TMLMAP_DB or the data dir)")
    ap.add_argument("--n", type=int, default=10_000, help="batch size (default 10000)")
    ap.add_argument("--repeat", type=int, default=50, help="single-description repetitions (default 50)")
    ap.add_argument("--naive-subset", type=int, default=300, help="texts timed for the naive baselines")
    args = ap.parse_args()

    print(f"machine: {platform.machine()} {platform.system()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}")
    store = CorpusStore.open(args.db)
    t = time.perf_counter()
    from tmlmap.cli.map import StageProgress

    progress = StageProgress()
    term_map = load_or_build(store, progress=progress)
    progress.close()
    print(f"map: {term_map.n_terms:,} terms, {term_map.n_docs:,} papers, {term_map.n_edges:,} edges "
          f"(loaded/built in {time.perf_counter() - t:.1f} s)")

    for old in (config.cache_dir() / "risk").glob("paper-risks-*.npy"):
        old.unlink()  # a cold fit: the corpus papers' risks are computed, not read from the cache
    t = time.perf_counter()
    scorer = RiskScorer(term_map, store)
    print(f"fit RiskScorer: {time.perf_counter() - t:.2f} s (once per map, papers' risks computed)")
    # A fresh process, as the next `tmlmap score` is: the papers' risks now come from the cache.
    code = ("import sys, time; from tmlmap.cli.store import open_store; from tmlmap.maps.build import load_or_build; "
            "from tmlmap.risk.scorer import RiskScorer; s = open_store(); m = load_or_build(s); "
            "t = time.perf_counter(); RiskScorer(m, s); print(f'{time.perf_counter() - t:.2f}')")
    env = dict(os.environ, **({"TMLMAP_DB": args.db} if args.db else {}))
    warm = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True,
                          cwd=Path(__file__).resolve().parents[1])
    print(f"fit RiskScorer in a new process, papers' risks from the cache: {warm.stdout.strip()} s")

    texts = make_texts(args.n)
    scorer.score(texts[0])  # warm-up (spaCy, caches)
    times = []
    for i in range(args.repeat):
        t = time.perf_counter()
        scorer.score(texts[i + 1])
        times.append(time.perf_counter() - t)
    times.sort()
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    print(f"single description: median {1000 * statistics.median(times):.1f} ms, "
          f"p95 {1000 * p95:.1f} ms (target <= 50 ms)")

    t = time.perf_counter()
    reports = scorer.score_many(texts)
    batch = time.perf_counter() - t
    assert len(reports) == len(texts)
    print(f"batch of {len(texts):,}: {batch:.1f} s ({1000 * batch / len(texts):.2f} ms/text; target <= 30 s)")

    sub = texts[: args.naive_subset]
    t = time.perf_counter()
    for text in sub:
        scorer.score(text)
    loop = (time.perf_counter() - t) / len(sub) * len(texts)
    print(f"naive loop of score(): {loop:.1f} s for {len(texts):,} (extrapolated from {len(sub)}; "
          f"{loop / batch:.1f}x the batch)")

    idf = smooth_idf(term_map.doc_freq, term_map.n_docs)
    corpus = scorer._corpus_tfidf_T.T.tocsr()  # (n_docs, n_terms), L2-normalized rows
    fair = scorer.scorer.affinity[:, 0]
    sub = texts[: max(1, args.naive_subset // 3)]
    t = time.perf_counter()
    for text in sub:
        naive_score(term_map, fair, idf, corpus, text)
    naive = (time.perf_counter() - t) / len(sub) * len(texts)
    print(f"naive pure Python per text: {naive:.1f} s for {len(texts):,} (extrapolated from {len(sub)}; "
          f"{naive / batch:.1f}x the batch)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
