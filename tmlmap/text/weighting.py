"""Term weights of a document-term count matrix: smooth idf, tf-idf, weighted means.

Shared by the risk scorer, the topic relevance of papers and the fingerprints,
so it sits in :mod:`tmlmap.text`, below all of them.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def smooth_idf(doc_freq: np.ndarray, n_docs: int) -> np.ndarray:
    """``(n_terms,)`` smooth idf, ``log((1 + n_docs) / (1 + df)) + 1`` (always > 0)."""
    df = np.asarray(doc_freq, dtype=np.float64)
    if n_docs < 0 or (df < 0).any():
        raise ValueError("doc_freq and n_docs must be >= 0")
    return np.log((1.0 + n_docs) / (1.0 + df)) + 1.0


def tfidf(counts: sp.spmatrix, idf: np.ndarray, *, normalize: bool = False) -> sp.csr_matrix:
    """``(n_docs, n_terms)`` CSR of ``(1 + log tf) * idf``; L2-normalized rows if ``normalize``."""
    X = sp.csr_matrix(counts, dtype=np.float64, copy=True)
    if X.shape[1] != len(idf):
        raise ValueError(f"counts have {X.shape[1]} columns for {len(idf)} idf values")
    X.sum_duplicates()  # a term entered twice in a row is one term with its total count
    X.eliminate_zeros()
    X.data = (1.0 + np.log(X.data)) * idf[X.indices]
    if normalize:
        norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
        X = sp.diags(np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)) @ X
    return X.tocsr()


def weighted_mean(weights: sp.spmatrix, affinity: np.ndarray) -> np.ndarray:
    """``(n_docs, k)``: row-weighted mean of ``affinity`` ``(n_terms, k)``; 0 for empty rows."""
    W = sp.csr_matrix(weights)
    num = np.asarray(W @ affinity)
    den = np.asarray(W.sum(axis=1)).ravel()[:, None]
    return np.divide(num, den, out=np.zeros_like(num, dtype=np.float64), where=den > 0)
