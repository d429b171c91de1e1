"""Stage 4, co-occurrence: the term x term matrix and its edge weights.

``C = B^T B`` with ``B`` the binary ``(n_docs, n_terms)`` incidence matrix,
so ``C[i, j]`` is the number of documents in which terms ``i`` and ``j``
both occur (Derzsy et al. 2021 use these raw counts as edge weights). One
sparse product, no loops over documents or tokens.

Normalizations of a count ``c_ij`` (``s_i`` = documents containing term i,
``N`` = documents):

* ``count``: ``c_ij``.
* ``association``: association strength (Van Eck & Waltman 2009),
  ``N c_ij / (s_i s_j)``: observed over expected co-occurrences if the two
  terms were independent (1 = independence).
* ``npmi``: ``log(p_ij / (p_i p_j)) / -log(p_ij)`` with ``p = count / N``
  (Bouma 2009), in [-1, 1].
* ``jaccard``: ``c_ij / (s_i + s_j - c_ij)``.

Community detection needs positive weights, so :func:`edge_weights` keeps
only pairs that co-occur more often than independence predicts
(association > 1, equivalently NPMI > 0) for the normalized weights; raw
counts keep every pair (as the reference did).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def incidence(X: sp.spmatrix) -> sp.csr_matrix:
    """Binary ``(n_docs, n_terms)`` int32 incidence (1 where ``X`` is non-zero)."""
    X = sp.csr_matrix(X)
    if not X.has_canonical_format:
        X = X.copy()
        X.sum_duplicates()
    if X.nnz and not X.data.all():
        X = X.copy()
        X.eliminate_zeros()
    return sp.csr_matrix((np.ones(X.nnz, dtype=np.int32), X.indices, X.indptr), shape=X.shape)


def cooccurrence_matrix(X: sp.spmatrix) -> sp.csr_matrix:
    """Documents shared by each pair of terms: ``(n_terms, n_terms)`` int32 CSR.

    ``X`` is any ``(n_docs, n_terms)`` matrix whose non-zeros mark a term in
    a document. The diagonal (each term's document frequency) is removed.
    Counts are int32 (exact up to 2**31 documents): integer products are
    about a third faster than float ones here. Column indices are sorted:
    the product leaves them unsorted, and since ``C`` is symmetric its
    transpose (a counting sort, linear in the non-zeros) is ``C`` sorted,
    so every later stage keeps that order without sorting ~15 M entries.
    """
    B = incidence(X)
    C = (B.T.tocsr() @ B).T.tocsr()
    C.setdiag(0)
    C.eliminate_zeros()
    return C


def _rows_of(M: sp.csr_matrix) -> np.ndarray:
    """``(nnz,)`` the row of every stored entry of the CSR ``M`` (int32 when it fits)."""
    dtype = np.int32 if M.shape[0] < 2**31 else np.int64
    return np.repeat(np.arange(M.shape[0], dtype=dtype), np.diff(M.indptr))


def counts_on_edges(C: sp.csr_matrix, W: sp.csr_matrix) -> sp.csr_matrix:
    """``C``'s values at ``W``'s stored entries: a CSR of ``C``'s dtype with ``W``'s
    structure (entries where ``C`` is zero dropped), i.e. ``C.multiply(W != 0)``
    for a ``W`` without explicit zeros, without touching all of ``C``."""
    W, C = sp.csr_matrix(W), sp.csr_matrix(C)
    if not C.has_sorted_indices:
        C = C.sorted_indices()
    # Row-major codes of sorted CSR entries are sorted: one binary search per edge of W.
    n = np.int64(C.shape[1])
    c_codes = _rows_of(C).astype(np.int64) * n + C.indices
    w_codes = _rows_of(W).astype(np.int64) * n + W.indices
    at = np.minimum(np.searchsorted(c_codes, w_codes), max(len(c_codes) - 1, 0))
    found = c_codes[at] == w_codes if len(c_codes) else np.zeros(len(w_codes), dtype=bool)
    values = np.where(found, C.data[at] if len(c_codes) else 0, 0).astype(C.dtype)
    out = sp.csr_matrix((values, W.indices.copy(), W.indptr.copy()), shape=W.shape)
    out.eliminate_zeros()
    return out


def edge_weights(
    C: sp.csr_matrix, doc_freq: np.ndarray, n_docs: int, method: str, *, min_count: int = 1
) -> sp.csr_matrix:
    """Weight every co-occurring pair by ``method`` (see module docstring).

    Returns a symmetric ``(n_terms, n_terms)`` float64 CSR with the same
    sparsity as ``C`` minus, for normalized weights, the pairs at or below
    independence, and minus the pairs sharing fewer than ``min_count``
    documents (what :func:`~tmlmap.network.backbone.min_count_filter` does
    afterwards, here without a second pass over ~12 M entries). The entries
    keep ``C``'s order: sorted when ``C``'s indices are.
    """
    C = sp.csr_matrix(C)
    if method not in ("count", "association", "npmi", "jaccard"):
        raise ValueError(f"unknown weight {method!r}; expected count, association, npmi or jaccard")
    i, j = _rows_of(C), C.indices
    if min_count > 1:
        # Most pairs share one document: dropping them first leaves the weights a fraction of the entries.
        frequent = np.flatnonzero(C.data >= min_count)
        i, j, counts = i[frequent], j[frequent], C.data[frequent]
    else:
        counts = C.data
    c = counts.astype(np.float64)
    s_i = doc_freq[i].astype(np.float64)
    s_j = doc_freq[j].astype(np.float64)
    if method == "count":
        w = c
        keep = c > 0
    elif method == "association":
        w = n_docs * c / (s_i * s_j)
        keep = w > 1.0
    elif method == "npmi":
        p_ij = c / n_docs
        with np.errstate(divide="ignore", invalid="ignore"):
            w = np.log(p_ij * n_docs * n_docs / (s_i * s_j)) / -np.log(p_ij)
        w[p_ij >= 1] = 1.0
        keep = w > 0
    else:  # jaccard
        w = c / (s_i + s_j - c)
        lift = n_docs * c / (s_i * s_j)
        keep = lift > 1.0
    # The kept entries, still grouped by row: the CSR arrays directly (no COO round trip).
    indptr = np.zeros(C.shape[0] + 1, dtype=C.indptr.dtype)
    np.cumsum(np.bincount(i[keep], minlength=C.shape[0]), out=indptr[1:])
    W = sp.csr_matrix((w[keep], j[keep], indptr), shape=C.shape)
    W.sort_indices()  # a check only, when C was sorted
    return W


def select_rows(n_docs: int, years: np.ndarray, venues: np.ndarray, *, venue_set=(), year_min=None, year_max=None) -> np.ndarray:
    """Boolean ``(n_docs,)`` mask of documents inside the venue/year filter."""
    mask = np.ones(n_docs, dtype=bool)
    if venue_set:
        mask &= np.isin(venues, list(venue_set))
    if year_min is not None:
        mask &= years >= year_min
    if year_max is not None:
        mask &= years <= year_max
    return mask
