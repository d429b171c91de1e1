"""Stage 7, labels: top terms and a name for every community.

A term's within-community strength is the sum of its raw co-occurrence
counts over the map's edges to terms of the same community; a community's
``top_terms`` are its terms by that strength, strongest first. Raw counts,
not the normalized edge weights, rank the terms: association strength
favours rare, specific terms, which make poor labels.

Naming: each topic lexicon of :data:`tmlmap.lexicons.TOPICS` is scored
against each community by the within-community strength of the lexicon's
terms among the community's top ``TOP_N`` terms. A community takes the name
of a topic when at least ``MIN_HITS`` of the topic's terms are among its top
terms; each topic names at most one community (the one it scores highest
in, assigned greedily from the best match down). Other communities are named
by their top 3 terms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from tmlmap.lexicons import TOPICS


@dataclass
class Community:
    """One community of terms.

    ``topic`` is the matched topic lexicon key (``"privacy"``, ``"fairness"``,
    ...) or None; ``name`` its display name (the topic's name or the top 3
    terms); ``top_terms`` strongest first by within-community strength;
    ``n_papers`` papers using at least one of its top terms... see
    :func:`tmlmap.network.labels.label_communities`.
    """

    id: int
    name: str
    topic: str | None
    size: int
    top_terms: list[str]
    n_papers: int = 0
    share_papers: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "topic": self.topic,
            "size": self.size,
            "top_terms": list(self.top_terms),
            "n_papers": self.n_papers,
            "share_papers": self.share_papers,
        }



TOP_N = 30
MIN_HITS = 2


def within_strength(W: sp.csr_matrix, membership: np.ndarray) -> np.ndarray:
    """``(n,)`` sum of each node's edge weights inside its own community."""
    coo = W.tocoo()
    same = membership[coo.row] == membership[coo.col]
    return np.bincount(coo.row[same], weights=coo.data[same], minlength=W.shape[0])


def top_terms_by_community(W: sp.csr_matrix, membership: np.ndarray) -> list[np.ndarray]:
    """Per community, its term indices by within-community strength (ties by index)."""
    strength = within_strength(W, membership)
    order = np.lexsort((np.arange(len(membership)), -strength, membership))
    bounds = np.searchsorted(membership[order], np.arange(membership.max() + 2))
    return [order[bounds[k] : bounds[k + 1]] for k in range(membership.max() + 1)]


def community_paper_counts(X: sp.spmatrix, membership: np.ndarray, strength: np.ndarray) -> np.ndarray:
    """``(k,)`` papers per community: each paper of ``X`` (``(n_docs, n_terms)``) counts
    for the community whose terms' within-community ``strength`` it sums most
    (papers without a term count for none). Additive over row blocks of ``X``."""
    k = int(membership.max()) + 1
    B = sp.csr_matrix(X, dtype=np.float64, copy=True)
    B.data[:] = 1.0
    M = sp.csr_matrix((strength + 1e-9, (np.arange(len(membership)), membership)), shape=(len(membership), k))
    profile = (B @ M).toarray()
    has = profile.sum(axis=1) > 0
    return np.bincount(profile[has].argmax(axis=1), minlength=k)


def topic_term_ids(lookup: Callable[[str], int | None]) -> dict[str, np.ndarray]:
    """Term ids of each topic's seeds that are in the vocabulary."""
    out = {}
    for key, topic in TOPICS.items():
        ids = {lookup(s) for s in topic.seeds}
        out[key] = np.asarray(sorted(i for i in ids if i is not None), dtype=np.int64)
    return out


def label_communities(
    W: sp.csr_matrix,
    membership: np.ndarray,
    terms: list[str],
    lookup: Callable[[str], int | None],
    X: sp.csr_matrix | None = None,
    n_top: int = 10,
    C: sp.csr_matrix | None = None,
) -> list[Community]:
    """Build the :class:`~tmlmap.maps.termmap.Community` list (ids = membership ids).

    ``C`` (raw co-occurrence counts, same shape as ``W``) ranks the top terms
    over the edges of ``W``; without it, ``W``'s weights do.

    ``X`` (``(n_docs, n_terms)``) gives each community's paper count: papers
    whose strongest community (by summed within-community strength of the
    paper's terms) is this one.
    """
    k = int(membership.max()) + 1
    if C is not None:
        W = sp.csr_matrix(C).multiply(W > 0).tocsr()
    ranked = top_terms_by_community(W, membership)
    strength = within_strength(W, membership)
    topic_ids = topic_term_ids(lookup)
    # score[c, t]: strength of topic t's terms among community c's top terms
    topics = list(TOPICS)
    score = np.zeros((k, len(topics)))
    hits = np.zeros((k, len(topics)), dtype=np.int64)
    for c in range(k):
        top = ranked[c][:TOP_N]
        for t, key in enumerate(topics):
            inter = np.intersect1d(top, topic_ids[key])
            hits[c, t] = len(inter)
            score[c, t] = strength[inter].sum()
    names: dict[int, str] = {}
    topic_of: dict[int, str] = {}
    eligible = hits >= MIN_HITS
    flat = np.argsort(-(score * eligible), axis=None, kind="stable")
    used_topics: set[int] = set()
    for f in flat.tolist():
        c, t = divmod(f, len(topics))
        if not eligible[c, t] or c in topic_of or t in used_topics:
            continue
        topic_of[c] = topics[t]
        names[c] = TOPICS[topics[t]].name
        used_topics.add(t)
    n_papers = np.zeros(k, dtype=np.int64)
    if X is not None and X.shape[0]:
        n_papers = community_paper_counts(X, membership, strength)
    n_docs = X.shape[0] if X is not None else 0
    out = []
    for c in range(k):
        top = [terms[i] for i in ranked[c][:n_top].tolist()]
        out.append(
            Community(
                id=c,
                name=names.get(c, ", ".join(top[:3])),
                topic=topic_of.get(c),
                size=len(ranked[c]),
                top_terms=top,
                n_papers=int(n_papers[c]),
                share_papers=float(n_papers[c] / n_docs) if n_docs else 0.0,
            )
        )
    return out
