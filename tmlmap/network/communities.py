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

The runs of a round are independent, so on a machine with two cores a
helper process runs every other seed (:class:`_SeedPool`); each run depends
only on its graph and seed, so the partition is the same with one process
or two.
"""

from __future__ import annotations

import os
import random
import sys
import warnings
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import scipy.sparse as sp

from tmlmap.helper_process import HelperProcess, serve


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
    """Louvain runs on one graph: the backend's graph object is built once.

    The graph is ``W`` (symmetric CSR) or, with ``edges``, ``(n, rows, cols,
    weights)``: its upper-triangle edges as :func:`_edges` gives them.
    """

    def __init__(
        self,
        W: sp.csr_matrix | None,
        backend: str,
        edges: tuple[int, np.ndarray, np.ndarray, np.ndarray] | None = None,
    ) -> None:
        if edges is None:
            assert W is not None
            rows, cols, weights = _edges(W)
            edges = (W.shape[0], rows, cols, weights)
        if backend not in ("igraph", "leiden", "louvain"):
            raise ValueError(f"unknown Louvain backend {backend!r}; expected 'igraph', 'leiden' or 'louvain'")
        self.n = edges[0]
        self.backend = backend
        self.edges = edges
        self._graph = None  # built on the first run: the pool sends the helper its job first

    @property
    def graph(self):
        """The backend's graph object (built once)."""
        if self._graph is None:
            n, rows, cols, weights = self.edges
            if self.backend in ("igraph", "leiden"):
                import igraph

                graph = igraph.Graph(n=n, directed=False)
                # From an (m, 2) array: about 4x faster than ``Graph(edges=...)`` from a list of pairs.
                graph.add_edges(np.column_stack([rows, cols]))
                # Stored once as an edge attribute: a list argument is converted again on every run.
                graph.es["weight"] = weights
            else:
                import networkx as nx

                graph = nx.Graph()
                graph.add_nodes_from(range(n))  # fixed order: python-louvain issue #105
                graph.add_weighted_edges_from(zip(rows.tolist(), cols.tolist(), weights.tolist(), strict=True))
            self._graph = graph
        return self._graph

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
                parts = self.graph.community_multilevel(weights="weight", resolution=resolution)
            else:
                parts = self.graph.community_leiden(objective_function="modularity", weights="weight",
                                                    resolution=resolution, n_iterations=-1)
            membership = np.asarray(parts.membership, dtype=np.int64)
        return relabel_by_size(membership)


#: Graphs with fewer edges run all seeds in this process (a helper costs ~0.5 s to start).
PARALLEL_MIN_EDGES = 20_000


def default_jobs() -> int:
    """Processes for Louvain runs: ``TMLMAP_JOBS``, else 2 when the machine has 2+ cores."""
    value = os.environ.get("TMLMAP_JOBS", "").strip()
    if value:
        try:
            return max(1, int(value))
        except ValueError:
            raise ValueError(f"TMLMAP_JOBS must be a whole number of processes, got {value!r}") from None
    return min(2, os.cpu_count() or 1)


class _SeedPool:
    """Runs the seeds of a round in this process and (every other seed) in one helper process.

    The helper is ``python -m tmlmap.network.communities --worker`` (a plain
    subprocess: multiprocessing would re-import the caller's ``__main__``),
    started on first use and kept for the following rounds. It reads the path
    of a job file (edges, weights, resolution, seeds as ``.npz``) per line on
    stdin and answers with the path of the memberships it wrote. If it fails,
    its seeds run here, with a warning: the result is the same.
    """

    def __init__(self, backend: str, jobs: int) -> None:
        self.backend = backend
        self.jobs = jobs
        self._helper = HelperProcess("tmlmap.network.communities", "tmlmap-louvain-")
        self._failed = False
        self._round = 0

    def __enter__(self) -> _SeedPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._helper.close()

    def _fail(self, why: str) -> None:
        detail = self._helper.kill()
        warnings.warn(f"Louvain helper process failed ({why}), running its seeds here: {detail}", stacklevel=4)
        self._failed = True

    def run(self, runner: _Runner, resolution: float, seeds: list[int]) -> list[np.ndarray]:
        """Memberships of ``runner``'s graph for each of ``seeds``, in seed order."""
        n, rows, _, _ = runner.edges
        if self.jobs < 2 or len(seeds) < 2 or len(rows) < PARALLEL_MIN_EDGES or self._failed:
            return [runner(resolution, s) for s in seeds]
        mine, theirs = seeds[0::2], seeds[1::2]
        job = None
        try:
            self._round += 1
            job = os.path.join(self._helper.folder, f"round-{self._round}.npz")
            _, rows, cols, weights = runner.edges
            np.savez(job, n=n, rows=rows, cols=cols, weights=weights, resolution=resolution,
                     seeds=np.asarray(theirs, dtype=np.int64), backend=self.backend)
            self._helper.request(job)
        except OSError as exc:
            self._fail(str(exc))
            job = None
        results = {s: runner(resolution, s) for s in mine}
        if job is not None:
            try:
                with np.load(self._helper.answer(), allow_pickle=False) as z:
                    for i, s in enumerate(theirs):
                        results[s] = z["memberships"][i]
            except (OSError, ValueError, KeyError) as exc:
                self._fail(str(exc))
        for s in theirs:
            if s not in results:
                results[s] = runner(resolution, s)
        return [results[s] for s in seeds]


def _worker_main() -> None:
    """The helper of :class:`_SeedPool`: one job path per request, the memberships' path back."""

    def handle(job: str) -> str:
        with np.load(job, allow_pickle=False) as z:
            edges = (int(z["n"]), z["rows"], z["cols"], z["weights"])
            resolution = float(z["resolution"])
            seeds = z["seeds"].tolist()
            backend = str(z["backend"])
        runner = _Runner(None, backend, edges=edges)
        memberships = np.stack([runner(resolution, s) for s in seeds])
        out = job[: -len(".npz")] + "-out.npz"
        np.savez(out, memberships=memberships)
        return out

    serve(handle)


def louvain(W: sp.csr_matrix, *, resolution: float = 1.0, seed: int = 0, backend: str = "igraph") -> np.ndarray:
    """One run of ``backend`` on ``W``; returns ``(n,)`` community ids relabelled by size.

    Backends: ``igraph`` (Louvain, C), ``louvain`` (python-louvain) and
    ``leiden`` (igraph's Leiden, Traag, Waltman & van Eck 2019, a refinement
    of Louvain that guarantees connected communities).
    """
    return _Runner(W, backend)(resolution, seed)


def adjusted_rand(a: np.ndarray, b: np.ndarray) -> float:
    """Adjusted Rand index of two ``(n,)`` labelings (Hubert & Arabie 1985).

    The formula of scikit-learn's ``adjusted_rand_score`` (from the pair
    confusion matrix, 1.0 when the labelings agree on every pair), in numpy:
    the build then needs no scikit-learn import (~1 s).
    """
    a = np.unique(np.asarray(a), return_inverse=True)[1].reshape(-1)
    b = np.unique(np.asarray(b), return_inverse=True)[1].reshape(-1)
    n = len(a)
    if len(b) != n:
        raise ValueError(f"labelings of different lengths: {n} and {len(b)}")
    cells = np.unique(a * (int(b.max(initial=0)) + 1) + b, return_counts=True)[1].astype(np.int64)
    sum_squares = int(np.sum(cells * cells))
    rows = np.bincount(a).astype(np.int64)
    cols = np.bincount(b).astype(np.int64)
    # Ordered pairs in the same cluster in both (tp), in a only (fn), in b only (fp), in neither (tn).
    tp = sum_squares - n
    fn = int(np.sum(rows * rows)) - sum_squares
    fp = int(np.sum(cols * cols)) - sum_squares
    tn = n * n - fp - fn - sum_squares
    if fn == 0 and fp == 0:
        return 1.0
    return 2.0 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn))


def mean_pairwise_ari(memberships: list[np.ndarray]) -> float:
    """Mean adjusted Rand index over all pairs of partitions (1.0 for fewer than two)."""
    pairs = list(combinations(range(len(memberships)), 2))
    if not pairs:
        return 1.0
    return float(np.mean([adjusted_rand(memberships[a], memberships[b]) for a, b in pairs]))


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
    jobs: int | None = None,
) -> Partition:
    """Louvain communities of ``W``; a consensus of ``consensus_runs`` seeds when > 1.

    Seeds used: ``seed, seed + 1, ..., seed + consensus_runs - 1``. The
    consensus follows Lancichinetti & Fortunato (2012): the runs' co-assignment
    shares reweight the edges (kept at >= 1/2), Louvain runs again on that
    graph with the same seeds, and this repeats until every run agrees (at most
    ``max_rounds`` rounds). Nodes that lose all consensus edges join the
    community of their strongest neighbour. ``modularity`` is measured on
    ``W`` at ``resolution``; ``stability_ari`` is the mean pairwise ARI of the
    first-round runs (how much single Louvain runs disagree). ``jobs``:
    processes for the runs of a round (default :func:`default_jobs`); the
    result does not depend on it.
    """
    W = sp.csr_matrix(W)
    seeds = [seed + r for r in range(consensus_runs)]
    with _SeedPool(backend, default_jobs() if jobs is None else jobs) as pool:
        runs = pool.run(_Runner(W, backend), resolution, seeds)
        ari = mean_pairwise_ari(runs)
        membership = runs[0]
        if consensus_runs > 1:
            D = W
            for _ in range(max_rounds):
                D = consensus_graph(D, runs)
                runs = pool.run(_Runner(D, backend), 1.0, seeds)
                if all(np.array_equal(runs[0], r) for r in runs[1:]):
                    break
            membership = _attach_isolates(W, D, runs[0])
    return Partition(membership, modularity(W, membership, resolution), ari, consensus_runs)


if __name__ == "__main__" and sys.argv[1:] == ["--worker"]:  # the helper of _SeedPool
    _worker_main()
