"""python-louvain vs igraph's C Louvain on the real map graph, in one run.

Both run the same algorithm (Blondel et al. 2008) on the pruned, weighted
term graph of the embedded corpus (default settings), at the default
resolution, for several seeds. Reports seconds per run and the modularity of
each result (measured by one function, ``tmlmap.network.communities.modularity``),
and the agreement of the two backends' partitions (ARI).

Run: ``python benchmarks/bench_louvain.py [--seeds 3]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score

from _corpus import embedded_papers, machine
from tmlmap.maps.build import build_map
from tmlmap.maps.settings import MapSettings
from tmlmap.network.communities import louvain, modularity


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    settings = MapSettings(consensus_runs=1)
    term_map = build_map(embedded_papers(), settings, cache_dir=Path(tempfile.gettempdir()) / "tmlmap-bench")
    W = term_map.adjacency
    print(f"machine: {machine()}")
    print(f"graph: {W.shape[0]:,} terms, {W.nnz // 2:,} edges, resolution {settings.resolution}")
    results: dict[str, list[tuple[float, float, np.ndarray]]] = {}
    for backend in ("igraph", "louvain"):
        for seed in range(args.seeds):
            t = time.perf_counter()
            m = louvain(W, resolution=settings.resolution, seed=seed, backend=backend)
            secs = time.perf_counter() - t
            q = modularity(W, m, settings.resolution)
            results.setdefault(backend, []).append((secs, q, m))
            print(f"{backend:<8} seed {seed}: {secs:7.2f} s  modularity {q:.4f}  communities {m.max() + 1}")
    ig = np.mean([r[0] for r in results["igraph"]])
    pl = np.mean([r[0] for r in results["louvain"]])
    q_ig = np.mean([r[1] for r in results["igraph"]])
    q_pl = np.mean([r[1] for r in results["louvain"]])
    ari = np.mean([adjusted_rand_score(a[2], b[2]) for a in results["igraph"] for b in results["louvain"]])
    print(f"mean seconds: igraph {ig:.2f}, python-louvain {pl:.2f} -> igraph {pl / ig:.0f}x faster")
    print(f"mean modularity: igraph {q_ig:.4f}, python-louvain {q_pl:.4f}")
    print(f"mean ARI between the backends' partitions: {ari:.3f}")


if __name__ == "__main__":
    main()
