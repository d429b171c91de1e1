"""Stage 6, communities: Louvain on the pruned term graph, with stability.

Louvain (Blondel, Guillaume, Lambiotte & Lefebvre, "Fast unfolding of
communities in large networks", J. Stat. Mech. 2008) maximizes modularity
with a resolution parameter (Reichardt & Bornholdt 2006). Two backends run
the same algorithm:

* ``igraph``: ``Graph.community_multilevel`` (C); the default, measured
  many times faster than python-louvain at equal modularity
  (``benchmarks/bench_louvain.py``).
* ``louvain``: ``community.best_partition`` from python-louvain (pure
  Python), nodes added in index order so ``random_state`` fixes the result
  (its issue #105).

Stability: the partitions of several seeds are compared by the mean pairwise
adjusted Rand index (Hubert & Arabie 1985). The consensus partition
(Lancichinetti & Fortunato, "Consensus clustering in complex networks",
Sci. Rep. 2012) reweights each edge by the share of runs that put its two
ends together, drops edges below one half, and runs Louvain again on that
graph; it is what the map uses when ``consensus_runs > 1``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import scipy.sparse as sp


@dataclass
class Partition:
    """``membership``: ``(n,)`` community ids ``0..k-1`` by size, largest first;
    ``modularity`` of it on the weighted graph; ``stability_ari``: mean
    pairwise ARI of the runs it was made from (1.0 for one run)."""

    membership: np.ndarray
    modularity: float
    stability_ari: float = 1.0
    runs: int = 1


def _edges(W: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    upper = sp.triu(W, k=1).tocoo()
    return upper.row.astype(np.int64), upper.col.astype(np.int64), upper.data.astype(np.float64)


def relabel_by_size(membership: np.ndarray) -> np.ndarray:
    """Renumber communities ``0..k-1`` by size (largest first), ties by first node."""
    membership = np.asarray(membership, dtype=np.int64)
    labels, first, inverse, counts = np.unique(membership, return_index=True, return_inverse=True, return_counts=True)
    order = np.lexsort((first, -counts))
    new_id = np.empty(len(labels), dtype=np.int64)
    new_id[order] = np.arange(len(labels))
    return new_id[inverse.reshape(-1)]


def modularity(W: sp.csr_matrix, membership: np.ndarray, resolution: float = 1.0) -> float:
    """Newman-Girvan modularity of ``membership`` on the weighted undirected ``W``."""
    W = sp.csr_matrix(W)
    total = W.sum()  # = 2m for a symmetric matrix
    if total == 0:
        return 0.0
    coo = W.tocoo()
    same = membership[coo.row] == membership[coo.col]
    inside = np.bincount(membership[coo.row][same], weights=coo.data[same], minlength=membership.max() + 1)
    strength = np.asarray(W.sum(axis=1)).ravel()
    comm_strength = np.bincount(membership, weights=strength, minlength=membership.max() + 1)
    return float(inside.sum() / total - resolution * np.sum((comm_strength / total) ** 2))


class _Runner:
    """Louvain runs on one graph: the backend's graph object is built once."""

    def __init__(self, W: sp.csr_matrix, backend: str) -> None:
        self.n = W.shape[0]
        self.backend = backend
        rows, cols, weights = _edges(W)
        if backend in ("igraph", "leiden"):
            import igraph

            self.graph = igraph.Graph(n=self.n, edges=np.column_stack([rows, cols]).tolist(), directed=False)
            self.weights = weights.tolist()
        elif backend == "louvain":
            import networkx as nx

            self.graph = nx.Graph()
            self.graph.add_nodes_from(range(self.n))  # fixed order: python-louvain issue #105
            self.graph.add_weighted_edges_from(zip(rows.tolist(), cols.tolist(), weights.tolist(), strict=True))
        else:
            raise ValueError(f"unknown Louvain backend {backend!r}; expected 'igraph', 'leiden' or 'louvain'")

    def __call__(self, resolution: float, seed: int) -> np.ndarray:
        if self.backend == "louvain":
            import community as community_louvain

            part = community_louvain.best_partition(self.graph, weight="weight", resolution=resolution,
                                                    random_state=seed)
            membership = np.asarray([part[i] for i in range(self.n)], dtype=np.int64)
        else:
            import igraph

            random.seed(seed)
            igraph.set_random_number_generator(random)
            if self.backend == "igraph":
                parts = self.graph.community_multilevel(weights=self.weights, resolution=resolution)
            else:
                parts = self.graph.community_leiden(objective_function="modularity", weights=self.weights,
                                                    resolution=resolution, n_iterations=-1)
            membership = np.asarray(parts.membership, dtype=np.int64)
        return relabel_by_size(membership)


def louvain(W: sp.csr_matrix, *, resolution: float = 1.0, seed: int = 0, backend: str = "igraph") -> np.ndarray:
    """One run of ``backend`` on ``W``; returns ``(n,)`` community ids relabelled by size.

    Backends: ``igraph`` (Louvain, C), ``louvain`` (python-louvain) and
    ``leiden`` (igraph's Leiden, Traag, Waltman & van Eck 2019, a refinement
    of Louvain that guarantees connected communities).
    """
    return _Runner(W, backend)(resolution, seed)


def mean_pairwise_ari(memberships: list[np.ndarray]) -> float:
    """Mean adjusted Rand index over all pairs of partitions (1.0 for fewer than two)."""
    from sklearn.metrics import adjusted_rand_score

    pairs = list(combinations(range(len(memberships)), 2))
    if not pairs:
        return 1.0
    return float(np.mean([adjusted_rand_score(memberships[a], memberships[b]) for a, b in pairs]))


def consensus_graph(W: sp.csr_matrix, memberships: list[np.ndarray], threshold: float = 0.5) -> sp.csr_matrix:
    """Edges of ``W`` weighted by the share of runs that co-assign their ends (kept if >= threshold)."""
    coo = sp.csr_matrix(W).tocoo()
    agree = np.mean([m[coo.row] == m[coo.col] for m in memberships], axis=0)
    keep = agree >= threshold
    D = sp.csr_matrix((agree[keep], (coo.row[keep], coo.col[keep])), shape=W.shape)
    D.sort_indices()
    return D


def _attach_isolates(W: sp.csr_matrix, D: sp.csr_matrix, membership: np.ndarray) -> np.ndarray:
    """Give nodes left without consensus edges the community of their strongest ``W`` neighbour."""
    isolated = np.diff(sp.csr_matrix(D).indptr) == 0
    has_edges = np.diff(W.indptr) > 0
    todo = np.flatnonzero(isolated & has_edges)
    if len(todo) == 0:
        return membership
    sub = W[todo].tocoo()
    order = np.lexsort((sub.col, -sub.data, sub.row))
    first = order[np.unique(sub.row[order], return_index=True)[1]]
    out = membership.copy()
    out[todo[sub.row[first]]] = membership[sub.col[first]]
    return relabel_by_size(out)


def detect_communities(
    W: sp.csr_matrix,
    *,
    resolution: float = 1.0,
    seed: int = 0,
    backend: str = "igraph",
    consensus_runs: int = 5,
    max_rounds: int = 5,
) -> Partition:
    """Louvain communities of ``W``; a consensus of ``consensus_runs`` seeds when > 1.

    Seeds used: ``seed, seed + 1, ..., seed + consensus_runs - 1``. The
    consensus follows Lancichinetti & Fortunato (2012): the runs' co-assignment
    shares reweight the edges (kept at >= 1/2), Louvain runs again on that
    graph with the same seeds, and this repeats until every run agrees (at most
    ``max_rounds`` rounds). Nodes that lose all consensus edges join the
    community of their strongest neighbour. ``modularity`` is measured on
    ``W`` at ``resolution``; ``stability_ari`` is the mean pairwise ARI of the
    first-round runs (how much single Louvain runs disagree).
    """
    W = sp.csr_matrix(W)
    seeds = [seed + r for r in range(consensus_runs)]
    runner = _Runner(W, backend)
    runs = [runner(resolution, s) for s in seeds]
    ari = mean_pairwise_ari(runs)
    membership = runs[0]
    if consensus_runs > 1:
        D = W
        for _ in range(max_rounds):
            D = consensus_graph(D, runs)
            runner = _Runner(D, backend)
            runs = [runner(1.0, s) for s in seeds]
            if all(np.array_equal(runs[0], r) for r in runs[1:]):
                break
        membership = _attach_isolates(W, D, runs[0])
    return Partition(membership, modularity(W, membership, resolution), ari, consensus_runs)
