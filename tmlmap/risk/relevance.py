"""Paper relevance: per document, how much it is about each topic and community.

All scores aggregate term fingerprints (:mod:`tmlmap.risk.fingerprint`) over a
document's terms, vectorized as one sparse-dense product:

* ``"bipartite"`` (default of :class:`TopicScorer`, i.e. of risk scoring),
  ``"diffusion"`` (default of :func:`topic_relevance`, the dashboard's
  shares) and ``"keyword"``: the tf-idf
  weighted mean of the terms' affinities, ``score[d, k] = sum_t w[d, t]
  F[t, k] / sum_t w[d, t]``, with ``w = (1 + log tf) * idf`` and ``idf =
  log((1 + n) / (1 + df)) + 1`` (smooth idf over the map's corpus). With
  bipartite or diffusion fingerprints ``F = p(topic | term)`` the score is
  the expected share of the document's (weighted) vocabulary that belongs
  to the topic, in [0, 1]. The
  ``"keyword"`` baseline uses ``F[t, k] = 1`` if ``t`` is one of the topic's
  lexicon seed words, else 0 (the share of lexicon words).
* ``"reference"`` (Derzsy et al. 2021): the weighted mean of the reference
  word scores over the *distinct* terms of the document, weight 3 for terms
  in a community labelled with a trustworthy-ML topic and 0.5 otherwise.

Documents with no map term score 0 (community profiles: uniform).
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from tmlmap.risk.fingerprint import (
    BACKGROUND,
    Fingerprints,
    fingerprints,
    resolve_seeds,
    seed_matrix,
    twml_community_mask,
)
from tmlmap.text.weighting import smooth_idf, tfidf, weighted_mean

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from tmlmap.maps.termmap import TermMap

SCORE_METHODS = ("bipartite", "diffusion", "reference", "keyword")
#: Weights of the reference paper rule: terms in TwML communities / others.
REFERENCE_WEIGHTS = (3.0, 0.5)


def keyword_affinity(term_map: TermMap, topics: Sequence[str]) -> np.ndarray:
    """``(n_terms, len(topics))`` 0/1: the term is one of the topic's lexicon seeds."""
    seeds = resolve_seeds(term_map, list(topics), n_community_seeds=0)
    return seed_matrix(seeds, term_map.n_terms).toarray()


def reference_scores(
    counts: sp.spmatrix,
    word_scores: np.ndarray,
    twml_mask: np.ndarray,
    weights: tuple[float, float] = REFERENCE_WEIGHTS,
) -> np.ndarray:
    """Derzsy et al.'s paper rule: ``(n_docs, k)`` weighted mean of word scores.

    ``counts``: ``(n_docs, n_terms)``; only presence matters. ``word_scores``:
    ``(n_terms, k)``; ``twml_mask``: ``(n_terms,)`` bool; ``weights``: (in TwML
    communities, elsewhere), both > 0.
    """
    w_in, w_out = weights
    if w_in <= 0 or w_out <= 0:
        raise ValueError("reference weights must be > 0")
    B = sp.csr_matrix(counts, copy=True)
    B.sum_duplicates()
    B.eliminate_zeros()
    B.data[:] = 1.0
    term_w = np.where(np.asarray(twml_mask, dtype=bool), w_in, w_out)
    return weighted_mean(B @ sp.diags(term_w), word_scores)


class TopicScorer:
    """Scores term-count rows against topics with one method (fitted on a map).

    ``method``: one of :data:`SCORE_METHODS`. ``topics``: topic keys scored
    (default: every topic of the fingerprints, without the background).
    :meth:`score` maps ``(n, n_terms)`` counts to ``(n, len(topics))``.
    """

    def __init__(self, term_map: TermMap, method: str = "bipartite", topics: Sequence[str] | None = None,
                 fp: Fingerprints | None = None) -> None:
        if method not in SCORE_METHODS:
            raise ValueError(f"method must be one of {SCORE_METHODS}, got {method!r}")
        self.method = method
        self.idf = smooth_idf(term_map.doc_freq, term_map.n_docs)
        fp_method = "diffusion" if method == "keyword" else method  # keyword only needs the topic list
        if fp is None:
            fp = fingerprints(term_map, fp_method)
        elif fp.method != fp_method and not (method == "keyword" and fp.method != "reference"):
            raise ValueError(f"method {method!r} needs {fp_method} fingerprints, got {fp.method}")
        known = [t for t in fp.topics if t != BACKGROUND]
        self.topics = list(topics) if topics is not None else known
        missing = [t for t in self.topics if t not in known]
        if missing:
            raise KeyError(f"unknown topics {missing}; known: {known}")
        cols = [fp.topics.index(t) for t in self.topics]
        if method == "keyword":
            self.affinity = keyword_affinity(term_map, self.topics)
        else:
            self.affinity = fp.topic[:, cols]
        self.twml_mask = twml_community_mask(term_map)

    def weights(self, counts: sp.spmatrix) -> sp.csr_matrix:
        """Per-term weights of each row (tf-idf; presence x 3/0.5 for the reference)."""
        if self.method == "reference":
            B = sp.csr_matrix(counts, copy=True, dtype=np.float64)
            B.sum_duplicates()
            B.eliminate_zeros()
            B.data[:] = 1.0
            return (B @ sp.diags(np.where(self.twml_mask, *REFERENCE_WEIGHTS))).tocsr()
        return tfidf(counts, self.idf)

    def score(self, counts: sp.spmatrix) -> np.ndarray:
        """``(n, len(topics))`` scores in [0, 1] of term-count rows ``(n, n_terms)``."""
        if counts.shape[1] != self.affinity.shape[0]:
            raise ValueError(f"counts have {counts.shape[1]} columns, the map {self.affinity.shape[0]} terms")
        return weighted_mean(self.weights(counts), self.affinity)


_PROFILE_CACHE: dict[int, np.ndarray] = {}


def community_profiles(term_map: TermMap) -> np.ndarray:
    """``(n_docs, n_communities)``: each paper's tf-idf weighted mean of ``p(community | term)``.

    Rows sum to 1 (papers without map terms get a uniform row). Columns
    follow ``term_map.communities`` ids.
    """
    key = id(term_map)
    cached = _PROFILE_CACHE.get(key)
    if cached is not None:
        return cached.copy()
    fp = fingerprints(term_map, "diffusion")
    assert fp.community is not None
    W = tfidf(term_map.X, smooth_idf(term_map.doc_freq, term_map.n_docs))
    P = weighted_mean(W, fp.community)
    k = P.shape[1]
    empty = P.sum(axis=1) <= 0
    if empty.any() and k:
        P[empty] = 1.0 / k
    P /= np.maximum(P.sum(axis=1, keepdims=True), 1e-300)
    _PROFILE_CACHE[key] = P
    weakref.finalize(term_map, _PROFILE_CACHE.pop, key, None)
    return P.copy()


def topic_relevance(term_map: TermMap, method: str = "diffusion", topics: Sequence[str] | None = None) -> pd.DataFrame:
    """Relevance of every map paper to every topic: DataFrame indexed by ``doc_ids``, one column per topic.

    Values in [0, 1] (see the module docstring for each ``method``). The
    default stays ``"diffusion"`` here: the dashboard reads these values as
    shares (papers, trends), and the bipartite step pulls every term toward
    the corpus mean, which keeps the ranking (slightly better paper AUC) but
    flattens the shares. Risk scoring (:class:`TopicScorer`) defaults to
    ``"bipartite"``.
    """
    import pandas as pd

    scorer = TopicScorer(term_map, method, topics)
    return pd.DataFrame(scorer.score(term_map.X), index=pd.Index(term_map.doc_ids, name="id"), columns=scorer.topics)


def rank_by_relevance(term_map: TermMap, community: int, top: int = 20) -> list[tuple[str, float]]:
    """The ``top`` papers most relevant to community id ``community``: ``[(doc_id, share)]``."""
    if not 0 <= community < len(term_map.communities):
        raise ValueError(f"community must be in [0, {len(term_map.communities)})")
    col = community_profiles(term_map)[:, community]
    order = np.argsort(-col, kind="stable")[:top]
    return [(term_map.doc_ids[i], float(col[i])) for i in order.tolist()]
