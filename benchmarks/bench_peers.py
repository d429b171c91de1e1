"""tmlmap's cold build beside the tools a user would pick instead, on the same corpus.

``python benchmarks/bench_peers.py [--repeats 3] [--only tmlmap,bertopic,recipe]``
runs, each as a whole process (a fresh ``python``: imports, reading the
embedded corpus, the model, empty caches), ``--repeats`` times:

* ``tmlmap``: :func:`tmlmap.maps.build.build_map` with default settings
  (normalize, phrases, co-occurrence, backbone, a consensus of 15 Louvain
  runs, labels).
* ``bertopic``: BERTopic 0.17 with a scikit-learn embedding pipeline
  (TF-IDF of unigrams and bigrams, English stop words, ``min_df=3`` ->
  ``TruncatedSVD(100)``), then its defaults: UMAP (5 dimensions, 15
  neighbours, ``random_state=0``), HDBSCAN (``min_cluster_size=10``) and
  c-TF-IDF topic words.
* ``recipe``: the scikit-learn + networkx recipe: ``CountVectorizer``
  (binary, unigrams and bigrams, English stop words, ``min_df=3``,
  ``max_df=0.25``, 10,000 terms, tmlmap's vocabulary settings), ``X^T X``,
  association strength, pairs sharing at least 10 documents with
  association > 1 (no backbone: ~1.3 M edges on the v2 corpus), a networkx
  graph and ``networkx.community.louvain_communities`` (resolution 1.5,
  ``seed=0``).

Every tool gets the same texts: title, abstract and keywords of every paper
of the embedded corpus (``tmlmap.maps.build.paper_text``). Reported per
tool: medians (min-max) of wall time and CPU time (user + system, helper
processes included), the peak resident memory of its largest process, the
load average before each run, the ratios to tmlmap, and what it found
(communities or topics). The development machine is shared: read the CPU
times beside the wall times.

The peers' dependencies are NOT in ``requirements.txt``; install them into
the environment by hand (BERTopic's light install, no PyTorch)::

    pip install --no-deps bertopic==0.17.4
    pip install umap-learn==0.5.12 hdbscan==0.8.44 plotly==7.1.0

(``umap-learn`` brings ``numba``, ``llvmlite`` and ``pynndescent``;
networkx and scikit-learn are tmlmap dependencies already.)
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

from _corpus import embedded_papers, machine, median, run_process, spread

TOOLS = ("tmlmap", "bertopic", "recipe")


def _texts() -> list[str]:
    from tmlmap.maps.build import paper_text

    return [paper_text(p) for p in sorted(embedded_papers(), key=lambda p: p.id)]


def run_tmlmap() -> dict[str, object]:
    import tempfile

    from tmlmap.maps.build import build_map
    from tmlmap.maps.settings import MapSettings

    papers = embedded_papers()
    with tempfile.TemporaryDirectory() as tmp:
        term_map = build_map(papers, MapSettings(), cache_dir=tmp)
    return {"docs": term_map.n_docs, "found": f"{len(term_map.communities)} communities of {term_map.n_terms:,} terms"}


def run_bertopic() -> dict[str, object]:
    from bertopic import BERTopic
    from hdbscan import HDBSCAN
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from umap import UMAP

    texts = _texts()
    embedding = make_pipeline(TfidfVectorizer(stop_words="english", ngram_range=(1, 2), min_df=3),
                              TruncatedSVD(100, random_state=0))
    model = BERTopic(
        embedding_model=embedding,
        umap_model=UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=0),
        hdbscan_model=HDBSCAN(min_cluster_size=10, metric="euclidean", cluster_selection_method="eom",
                              prediction_data=True),
    )
    topics, _ = model.fit_transform(texts)
    n_topics = len(set(topics) - {-1})
    outliers = int(np.sum(np.asarray(topics) == -1))
    return {"docs": len(texts), "found": f"{n_topics} topics, {outliers:,} papers as outliers"}


def run_recipe() -> dict[str, object]:
    import networkx as nx
    from sklearn.feature_extraction.text import CountVectorizer

    texts = _texts()
    X = CountVectorizer(binary=True, stop_words="english", ngram_range=(1, 2), min_df=3, max_df=0.25,
                        max_features=10_000).fit_transform(texts).tocsc().astype(np.int32)
    C = (X.T @ X).tocoo()
    df = np.asarray(X.sum(axis=0)).ravel().astype(np.float64)
    upper = (C.row < C.col) & (C.data >= 10)
    i, j, c = C.row[upper], C.col[upper], C.data[upper].astype(np.float64)
    strength = len(texts) * c / (df[i] * df[j])
    keep = strength > 1.0
    G = nx.Graph()
    G.add_nodes_from(range(X.shape[1]))
    G.add_weighted_edges_from(zip(i[keep].tolist(), j[keep].tolist(), strength[keep].tolist(), strict=True))
    parts = nx.community.louvain_communities(G, weight="weight", resolution=1.5, seed=0)
    return {"docs": len(texts), "found": f"{len(parts)} communities of {X.shape[1]:,} terms, "
                                         f"{G.number_of_edges():,} edges"}


def child(tool: str) -> None:
    t = time.perf_counter()
    report = {"tmlmap": run_tmlmap, "bertopic": run_bertopic, "recipe": run_recipe}[tool]()
    report["work_wall"] = time.perf_counter() - t
    print(json.dumps(report))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="whole processes per tool (default 3)")
    parser.add_argument("--only", default=",".join(TOOLS), help="comma-separated tools to run")
    parser.add_argument("--child", choices=TOOLS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    tools = [t.strip() for t in args.only.split(",") if t.strip()]
    unknown = set(tools) - set(TOOLS)
    if unknown:
        parser.error(f"unknown tools {sorted(unknown)}; choose from {', '.join(TOOLS)}")
    results = {}
    for tool in tools:
        results[tool] = []
        for r in range(args.repeats):
            run = run_process([__file__, "--child", tool])
            results[tool].append(run)
            print(f"{tool} run {r + 1}: {run.wall:6.1f} s wall, {run.cpu:6.1f} s CPU, peak RSS {run.peak_rss_mb:5.0f} MB, "
                  f"load before {run.load_before:.1f}; {run.report.get('found')}", flush=True)
    print(f"\nmachine: {machine()}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
          f"load average now {os.getloadavg()[0]:.1f} (1 min); medians of {args.repeats} whole processes (min-max)")
    print(f"{'tool':<10}{'wall s':>20}{'CPU s':>20}{'peak RSS MB':>13}{'wall x':>8}{'CPU x':>7}{'RSS x':>7}  found")
    base = results.get("tmlmap")
    for tool, runs in results.items():
        wall, cpu, rss = median([x.wall for x in runs]), median([x.cpu for x in runs]), median([x.peak_rss_mb for x in runs])
        ratios = ""
        if base:
            ratios = (f"{wall / median([x.wall for x in base]):8.1f}{cpu / median([x.cpu for x in base]):7.1f}"
                      f"{rss / median([x.peak_rss_mb for x in base]):7.1f}")
        print(f"{tool:<10}{spread([x.wall for x in runs]):>20}{spread([x.cpu for x in runs]):>20}{rss:>13.0f}{ratios}"
              f"  {runs[0].report.get('found')}")
    for tool, runs in results.items():
        print(f"load before the {tool} runs: {', '.join(f'{x.load_before:.1f}' for x in runs)}")


if __name__ == "__main__":
    main()
