"""Pruning filters on hand-computable graphs."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from tmlmap.network.backbone import (
    disparity_alpha,
    disparity_filter,
    min_count_filter,
    top_k_filter,
)


def _sym(edges: dict[tuple[int, int], float], n: int) -> sp.csr_matrix:
    rows, cols, data = [], [], []
    for (a, b), w in edges.items():
        rows += [a, b]
        cols += [b, a]
        data += [w, w]
    m = sp.csr_matrix((data, (rows, cols)), shape=(n, n))
    m.sort_indices()
    return m


# A hub 0 with one heavy edge to 1 and three light edges; 4-5 hangs off 4.
STAR = {(0, 1): 10.0, (0, 2): 1.0, (0, 3): 1.0, (0, 4): 1.0, (4, 5): 2.0}


def test_disparity_alpha_by_hand():
    W = _sym(STAR, 6)
    alpha = disparity_alpha(W)
    coo = W.tocoo()
    got = {(int(r), int(c)): a for r, c, a in zip(coo.row, coo.col, alpha, strict=True)}
    # node 0: k=4, s=13 -> alpha(0,1) = (1 - 10/13)^3, alpha(0,2) = (1 - 1/13)^3
    assert np.isclose(got[(0, 1)], (3 / 13) ** 3)
    assert np.isclose(got[(0, 2)], (12 / 13) ** 3)
    # node 4: k=2, s=3 -> alpha(4,5) = 1 - 2/3, alpha(4,0) = 1 - 1/3
    assert np.isclose(got[(4, 5)], 1 / 3)
    assert np.isclose(got[(4, 0)], 2 / 3)
    # degree-1 nodes keep their only edge (alpha 0 by our convention)
    assert got[(1, 0)] == 0.0 and got[(5, 4)] == 0.0


def test_disparity_filter_keeps_significant_or_degree_one_edges():
    W = _sym(STAR, 6)
    B = disparity_filter(W, alpha=0.05)
    kept = {(int(r), int(c)) for r, c in zip(*sp.triu(B).nonzero(), strict=True)}
    # (0,1): alpha at 0 is 0.012 < 0.05 -> kept. (0,2),(0,3): alpha 0.79 at 0 but
    # their other end has degree 1 -> kept. (0,4): 0.79 at 0 and 0.67 at 4 -> dropped.
    assert kept == {(0, 1), (0, 2), (0, 3), (4, 5)}
    assert (B != B.T).nnz == 0


def test_top_k_keeps_union_of_each_nodes_strongest():
    W = _sym({(0, 1): 5.0, (0, 2): 4.0, (0, 3): 3.0, (2, 3): 1.0}, 4)
    T = top_k_filter(W, 1)
    kept = {(int(r), int(c)) for r, c in zip(*sp.triu(T).nonzero(), strict=True)}
    # 0 keeps (0,1); 1 keeps (0,1); 2 keeps (0,2); 3 keeps (0,3)
    assert kept == {(0, 1), (0, 2), (0, 3)}
    assert top_k_filter(W, 0) is W


def test_top_k_ties_are_deterministic():
    W = _sym({(0, 1): 1.0, (0, 2): 1.0, (0, 3): 1.0}, 4)
    a = top_k_filter(W, 1).toarray()
    b = top_k_filter(W.copy(), 1).toarray()
    np.testing.assert_array_equal(a, b)


def test_min_count_uses_raw_counts():
    W = _sym({(0, 1): 0.5, (1, 2): 3.0}, 3)
    C = _sym({(0, 1): 7.0, (1, 2): 1.0}, 3)
    M = min_count_filter(W, C, 2)
    assert M[0, 1] == 0.5 and M[1, 2] == 0
    assert min_count_filter(W, C, 1) is W
