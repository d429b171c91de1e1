"""Stage 5, pruning: minimum count, top-k edges per node, disparity backbone.

All filters take and return symmetric ``(n, n)`` CSR matrices with a zero
diagonal and work on the COO arrays at once (no loops over nodes).

The disparity filter (Serrano, Boguna & Vespignani, "Extracting the
multiscale backbone of complex weighted networks", PNAS 106, 2009): for node
``i`` with degree ``k_i`` and strength ``s_i``, edge ``(i, j)`` has
``p_ij = w_ij / s_i`` and significance ``alpha_ij = (1 - p_ij)^(k_i - 1)``.
An edge is kept when ``alpha_ij < alpha`` at either end point. A node of
degree 1 has no null model (``alpha`` would be 1); we keep its only edge so
the filter never isolates a node that was connected.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def _symmetric_mask(W: sp.csr_matrix, keep: np.ndarray) -> sp.csr_matrix:
    """Keep entries (in ``W.tocoo()`` order) where ``keep``, or whose mirror is kept.

    Works on the kept entries only (a few per cent of ``W`` after the
    disparity filter): they and their mirrors, as sorted ``row * n + col``
    codes, are the result's structure; a mirror takes the value of the kept
    entry, which equals its own in a symmetric ``W``.
    """
    coo = W.tocoo()
    n = W.shape[0]
    i, j, v = coo.row[keep].astype(np.int64), coo.col[keep].astype(np.int64), coo.data[keep]
    codes, first = np.unique(np.concatenate([i * n + j, j * n + i]), return_index=True)
    values = np.concatenate([v, v])[first]  # stable: an entry kept itself gives its own value
    nonzero = values != 0
    codes, values = codes[nonzero], values[nonzero]
    indptr = np.zeros(n + 1, dtype=np.int32 if len(codes) < 2**31 else np.int64)
    np.cumsum(np.bincount(codes // n, minlength=n), out=indptr[1:])
    return sp.csr_matrix((values, (codes % n).astype(indptr.dtype), indptr), shape=W.shape)


def min_count_filter(W: sp.csr_matrix, C: sp.csr_matrix, min_count: int) -> sp.csr_matrix:
    """Drop edges whose terms share fewer than ``min_count`` documents (``C`` raw counts)."""
    if min_count <= 1:
        return W
    mask = (min_count <= C).astype(np.int8)
    out = W.multiply(mask).tocsr()
    out.eliminate_zeros()
    out.sort_indices()
    return out


def top_k_filter(W: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """Keep each node's ``k`` strongest edges (an edge stays if either end keeps it).

    Ties are broken by the neighbour's index, so the result is deterministic.
    """
    if k <= 0:
        return W
    coo = W.tocoo()
    order = np.lexsort((coo.col, -coo.data, coo.row))
    rows_sorted = coo.row[order]
    first = np.searchsorted(rows_sorted, rows_sorted, side="left")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - first
    return _symmetric_mask(W, rank < k)


def disparity_alpha(W: sp.csr_matrix) -> np.ndarray:
    """``alpha_ij`` of every stored entry of ``W`` (in ``W.tocoo()`` order), from the row's end."""
    coo = W.tocoo()
    strength = np.asarray(W.sum(axis=1)).ravel()
    degree = np.diff(W.indptr)
    p = coo.data / strength[coo.row]
    k = degree[coo.row]
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = np.power(1.0 - p, k - 1)
    alpha[k <= 1] = 0.0  # degree-1 nodes keep their only edge
    return alpha


def disparity_filter(W: sp.csr_matrix, alpha: float) -> sp.csr_matrix:
    """The disparity-filter backbone of ``W`` at significance ``alpha``."""
    W = sp.csr_matrix(W)
    W.sort_indices()
    return _symmetric_mask(W, disparity_alpha(W) < alpha)
