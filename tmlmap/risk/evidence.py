"""Evidence papers: the corpus papers that use most of the words driving a description's risk.

A description's *driving words* (:meth:`tmlmap.risk.model.Analysis.drivers`) are its
strongest words weighted by their part of the fairness and privacy logits. A paper is good
evidence when it uses **many** of them, not when its vector happens to point the same way:
ranked by cosine, a paper whose abstract repeats one strong but ambiguous driver ("border"
in image segmentation, "personal" in personal networks) beat papers sharing three of the
description's words. So papers are ranked by the share of the driving weight they use,

    coverage[i, d] = sum_j q[i, j] * [paper d uses word j] / sum_j q[i, j]    in [0, 1],

and papers that use the same driving words (equal coverage) by how much each paper is about
the description's signals (``tie``: the paper's profile, the idf-weighted mean of its words'
fingerprints, as a percentile among the corpus papers per signal, weighted by the
description's lift on each signal), then by cosine of ``q[i]`` with the paper's idf-weighted
word vector, then by the lower paper index, so the order is deterministic. Without the
profile, ties went to the paper repeating the words most: for a border-control text that
shares only "border" with any paper, image-segmentation papers on region borders. This is
weighted coordination-level matching of classical retrieval (G. Salton and M. J. McGill,
*Introduction to Modern Information Retrieval*, 1983), with the driver weights as the
query's term weights.

The measured effect, against cosine, is in the README (*Evidence papers*;
``benchmarks/evidence_ranking.py``).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

#: Rows of the query matrix scored per sparse product (bounds the memory of the dense-ish product).
CHUNK = 512


def coverage_ranking(Q: sp.csr_matrix, forms_papers: sp.csr_matrix, papers_T: sp.csr_matrix, k: int,
                     *, tie: tuple[np.ndarray, np.ndarray] | None = None, chunk: int = CHUNK
                     ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per row of ``Q``, the ``k`` papers covering most of its driving weight.

    ``Q``: ``(n, n_forms)`` non-negative driver weights (any scale per row).
    ``forms_papers``: ``(n_forms, n_docs)`` 0/1, which papers use each word.
    ``papers_T``: ``(n_forms, n_docs)`` L2-normalized idf-weighted paper vectors, transposed
    (a tie-break). ``tie``: optional ``(profiles, weights)``, ``profiles`` ``(n_docs, s)`` how
    much each paper is about each of ``s`` signals, ``weights`` ``(n, s)`` non-negative, how much
    each row is; papers of equal coverage go by ``profiles[d] @ weights[i]`` first. Returns,
    per row, ``(docs, coverage)``: paper indices and their coverage in ``(0, 1]``, best first
    (coverage, then the profile, then cosine, then index); papers using none of the row's
    words are never returned, so a row with no weight gets empty arrays.
    """
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    Q = sp.csr_matrix(Q, dtype=np.float64)
    if Q.shape[1] != forms_papers.shape[0] or Q.shape[1] != papers_T.shape[0]:
        raise ValueError(f"Q has {Q.shape[1]} word columns; forms_papers {forms_papers.shape[0]}, "
                         f"papers_T {papers_T.shape[0]}")
    if Q.nnz and Q.data.min() < 0:
        raise ValueError("driver weights must be non-negative")
    if tie is not None:
        profiles, weights = np.asarray(tie[0]), np.asarray(tie[1], dtype=np.float64)
        if profiles.ndim != 2 or weights.ndim != 2 or profiles.shape[0] != forms_papers.shape[1] \
                or weights.shape != (Q.shape[0], profiles.shape[1]):
            raise ValueError(f"tie needs profiles ({forms_papers.shape[1]}, s) and weights ({Q.shape[0]}, s), "
                             f"got {profiles.shape} and {weights.shape}")
        if weights.size and weights.min() < 0:
            raise ValueError("tie weights must be non-negative")
    totals = np.asarray(Q.sum(axis=1)).ravel()
    Qn = (sp.diags(np.divide(1.0, totals, out=np.zeros_like(totals), where=totals > 0)) @ Q).tocsr()
    out: list[tuple[np.ndarray, np.ndarray]] = []
    empty = (np.zeros(0, dtype=np.int64), np.zeros(0))
    for lo in range(0, Q.shape[0], chunk):
        C = (Qn[lo: lo + chunk] @ forms_papers).tocsr()  # only papers sharing a driving word
        S = (Q[lo: lo + chunk] @ papers_T).tocsr()
        for M in (C, S):
            M.sum_duplicates()
            M.sort_indices()
        for r in range(C.shape[0]):
            c_lo, c_hi = C.indptr[r], C.indptr[r + 1]
            docs, cov = C.indices[c_lo:c_hi], C.data[c_lo:c_hi]
            keep = cov > 0
            docs, cov = docs[keep], cov[keep]
            if k == 0 or len(docs) == 0:
                out.append(empty)
                continue
            # The cosine of the same papers: both products have one entry per paper sharing a word.
            s_lo, s_hi = S.indptr[r], S.indptr[r + 1]
            cos = np.zeros(len(docs))
            pos = np.searchsorted(S.indices[s_lo:s_hi], docs)
            ok = pos < s_hi - s_lo
            ok[ok] = S.indices[s_lo:s_hi][pos[ok]] == docs[ok]
            cos[ok] = S.data[s_lo:s_hi][pos[ok]]
            # Equal word sets give bit-identical sums here, but round so that no last-bit
            # difference can reorder papers that share the same words.
            cov_r = np.round(cov, 12)
            if len(docs) > k:  # the k best by coverage, plus every paper tied with the k-th
                kth = np.partition(-cov_r, k - 1)[k - 1]
                cand = np.flatnonzero(-cov_r <= kth)
                docs, cov, cov_r, cos = docs[cand], cov[cand], cov_r[cand], cos[cand]
            about = (np.round(profiles[docs] @ weights[lo + r], 9) if tie is not None
                     else np.zeros(len(docs)))
            order = np.lexsort((docs, -cos, -about, -cov_r))[:k]
            out.append((docs[order].astype(np.int64), np.minimum(cov[order], 1.0)))
    return out
