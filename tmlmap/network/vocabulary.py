"""Stage 3, vocabulary: which terms make the map.

A term qualifies when it occurs in at least ``min_df`` documents and in at
most ``max_df_share`` of them. Of those, at most ``max_terms`` are kept:

* ``frequency``: the most frequent by document frequency;
* ``relevance``: VOSviewer-like relevance. Among the ``2 * max_terms`` most
  frequent candidates, a term whose co-occurrences concentrate on a few other
  terms is more informative than a general one ("model", "result"). The
  score is the Kullback-Leibler divergence ``KL(p_i || q)`` between the
  term's co-occurrence distribution ``p_i = c_i. / sum_j c_ij`` and the
  overall distribution ``q`` (Van Eck & Waltman 2011, in spirit).

Ties are broken by the form key, so the choice is deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import scipy.sparse as sp

from tmlmap.network.cooccurrence import cooccurrence_matrix


def document_frequency(X: sp.spmatrix) -> np.ndarray:
    """``(n_terms,)`` number of documents with a non-zero in each column."""
    X = sp.csc_matrix(X, copy=True)
    X.sum_duplicates()
    X.eliminate_zeros()
    return np.diff(X.indptr).astype(np.int64)


def relevance_scores(X: sp.spmatrix) -> np.ndarray:
    """``(n_terms,)`` KL divergence of each term's co-occurrence profile from the mean profile."""
    return relevance_from_cooccurrence(cooccurrence_matrix(X))


def relevance_from_cooccurrence(C: sp.spmatrix) -> np.ndarray:
    """:func:`relevance_scores` from the ``(n_terms, n_terms)`` co-occurrence counts (zero diagonal)."""
    C = sp.csr_matrix(C).astype(np.float64)
    C.sort_indices()  # the float sums below then do not depend on how C was assembled
    row_sum = np.asarray(C.sum(axis=1)).ravel()
    total = row_sum.sum()
    if total == 0:
        return np.zeros(C.shape[0])
    q = row_sum / total  # column distribution equals row distribution (C symmetric)
    coo = C.tocoo()
    p = coo.data / row_sum[coo.row]
    contrib = p * np.log(p / q[coo.col])
    return np.bincount(coo.row, weights=contrib, minlength=C.shape[0])


def select_vocabulary(
    X: sp.spmatrix,
    keys: Sequence[str],
    *,
    min_df: int,
    max_df_share: float,
    max_terms: int,
    by: str = "frequency",
    candidates: np.ndarray | None = None,
) -> np.ndarray:
    """Column indices of ``X`` chosen as the vocabulary, most frequent first.

    ``X`` is ``(n_docs, n_forms)``; ``keys`` the ``n_forms`` form keys (for
    tie-breaks); ``candidates`` an optional boolean mask of eligible columns.
    """
    return choose_vocabulary(
        document_frequency(X),
        X.shape[0],
        keys,
        min_df=min_df,
        max_df_share=max_df_share,
        max_terms=max_terms,
        by=by,
        candidates=candidates,
        pool_cooccurrence=lambda pool: cooccurrence_matrix(sp.csr_matrix(X)[:, pool]),
    )


def choose_vocabulary(
    df: np.ndarray,
    n_docs: int,
    keys: Sequence[str],
    *,
    min_df: int,
    max_df_share: float,
    max_terms: int,
    by: str = "frequency",
    candidates: np.ndarray | None = None,
    pool_cooccurrence: Callable[[np.ndarray], sp.spmatrix] | None = None,
) -> np.ndarray:
    """:func:`select_vocabulary` from the ``(n_forms,)`` document frequencies ``df`` of
    ``n_docs`` documents. ``pool_cooccurrence(pool)`` (needed for ``by="relevance"``)
    returns the co-occurrence counts of the form ids ``pool``, ``(len(pool), len(pool))``."""
    ok = (df >= min_df) & (df <= max_df_share * n_docs)
    if candidates is not None:
        ok &= candidates
    idx = np.flatnonzero(ok)
    key_rank = np.argsort(np.argsort(np.asarray(keys, dtype=object)[idx].astype(str), kind="stable"), kind="stable")
    order = idx[np.lexsort((key_rank, -df[idx]))]
    if by == "frequency":
        chosen = order[:max_terms]
    elif by == "relevance":
        if pool_cooccurrence is None:
            raise ValueError("by='relevance' needs pool_cooccurrence")
        pool = order[: 2 * max_terms]
        scores = relevance_from_cooccurrence(pool_cooccurrence(pool))
        best = np.lexsort((np.arange(len(pool)), -scores))[:max_terms]
        chosen = pool[np.sort(best)]
    else:
        raise ValueError(f"unknown vocabulary selection {by!r}")
    return chosen
