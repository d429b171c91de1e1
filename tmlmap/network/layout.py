"""Node positions for the browser graph, computed in Python (deterministic for a seed).

vis.js struggles to lay out ~1k nodes with physics on, so the dashboard sends
fixed positions and starts with physics off. :func:`top_terms` picks the
subgraph shown; :func:`layout_positions` places it with igraph's
Fruchterman-Reingold (C, ~0.2 s for 1,000 nodes / 5,000 edges) started from
positions drawn from ``numpy.random.default_rng(seed)``, with igraph's (global)
random generator set to ``random.Random(seed)`` for the call under a lock, so
the result depends only on the graph and the seed, also across threads.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

#: Width of the square the positions are scaled to (vis.js canvas units).
CANVAS = 1000.0
_IGRAPH_RNG_LOCK = threading.Lock()


def top_terms(score: np.ndarray, n: int, *, must_include: Sequence[int] = (),
              tiebreak: np.ndarray | None = None) -> np.ndarray:
    """Indices of the ``n`` terms with the highest ``score``, plus ``must_include``.

    ``score``/``tiebreak``: ``(n_terms,)``; ties go to the higher ``tiebreak``,
    then the lower index. Returns sorted unique indices.
    """
    score = np.asarray(score)
    tb = np.zeros(len(score)) if tiebreak is None else np.asarray(tiebreak)
    order = np.lexsort((np.arange(len(score)), -tb, -score))[:max(int(n), 0)]
    return np.unique(np.concatenate([order, np.asarray(list(must_include), dtype=np.int64)]))


def strongest_edges(adjacency: sp.spmatrix, nodes: np.ndarray, max_edges: int
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``max_edges`` heaviest links among ``nodes`` (each link once).

    ``adjacency``: ``(n_terms, n_terms)`` symmetric. Returns ``(i, j, w)``:
    positions *into* ``nodes`` of both ends (``i < j``) and the weights,
    heaviest first (ties by ``(i, j)``).
    """
    nodes = np.asarray(nodes, dtype=np.int64)
    sub = sp.triu(sp.csr_matrix(adjacency)[nodes][:, nodes], k=1).tocoo()
    order = np.lexsort((sub.col, sub.row, -sub.data))[:max(int(max_edges), 0)]
    return sub.row[order].astype(np.int64), sub.col[order].astype(np.int64), sub.data[order].astype(float)


def layout_positions(n_nodes: int, edges_i: np.ndarray, edges_j: np.ndarray,
                     weights: np.ndarray | None = None, *, seed: int = 0,
                     iterations: int = 300, groups: np.ndarray | None = None,
                     group_weight: float = 4.0) -> np.ndarray:
    """``(n_nodes, 2)`` float positions in ``[-CANVAS/2, CANVAS/2]``.

    Fruchterman-Reingold over the given edges (weights attract more strongly,
    rescaled to [1, 10]). With ``groups`` (``(n_nodes,)`` ids, e.g.
    communities), each group also gets an invisible hub linked to its members
    with weight ``group_weight``, so communities are drawn as regions (as
    VOSviewer does) even when few of their links are drawn. Isolated nodes and
    small components are placed by the same algorithm; far stragglers are
    pulled in (:func:`_fit_canvas`). The same inputs and ``seed`` give the
    same positions.
    """
    import igraph as ig

    if n_nodes == 0:
        return np.zeros((0, 2))
    if n_nodes == 1:
        return np.zeros((1, 2))
    ei = np.asarray(edges_i, dtype=np.int64).tolist()
    ej = np.asarray(edges_j, dtype=np.int64).tolist()
    w: list[float] = [1.0] * len(ei)
    if weights is not None and len(weights):
        wa = np.asarray(weights, dtype=float)
        lo, hi = float(wa.min()), float(wa.max())
        w = (1.0 + 9.0 * (wa - lo) / (hi - lo)).tolist() if hi > lo else [1.0] * len(wa)
    n_total = n_nodes
    if groups is not None:
        labels, member_group = np.unique(np.asarray(groups), return_inverse=True)
        hubs = n_nodes + member_group
        ei += list(range(n_nodes))
        ej += hubs.tolist()
        w += [float(group_weight)] * n_nodes
        n_total = n_nodes + len(labels)
    rng = np.random.default_rng(seed)
    start = rng.uniform(-1.0, 1.0, size=(n_total, 2)) * np.sqrt(n_total)
    g = ig.Graph(n=n_total, edges=list(zip(ei, ej, strict=True)))
    with _IGRAPH_RNG_LOCK:
        ig.set_random_number_generator(random.Random(seed))
        try:
            coords = g.layout_fruchterman_reingold(
                weights=w, niter=iterations, seed=start.tolist(), grid="nogrid").coords
        finally:
            ig.set_random_number_generator(random)
    pos = np.asarray(coords, dtype=float)[:n_nodes]
    return _fit_canvas(pos)


def _fit_canvas(pos: np.ndarray) -> np.ndarray:
    """Centre on the median and scale into the canvas, pulling far outliers in.

    Small components drift far from the main one under Fruchterman-Reingold;
    radii beyond the 90th percentile are compressed logarithmically so the bulk
    of the graph uses the canvas instead of a few stragglers.
    """
    pos = pos - np.median(pos, axis=0)
    r = np.linalg.norm(pos, axis=1)
    r90 = float(np.quantile(r, 0.9)) if len(r) else 0.0
    if r90 > 0:
        far = r > r90
        new_r = r.copy()
        new_r[far] = r90 * (1.0 + 0.35 * np.log1p((r[far] - r90) / r90))
        pos = pos * np.divide(new_r, r, out=np.ones_like(r), where=r > 0)[:, None]
    span = np.abs(pos).max() if len(pos) else 0.0
    if span > 0:
        pos = pos * ((CANVAS / 2) / span)
    return pos
