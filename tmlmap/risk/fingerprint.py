"""Term fingerprints: every term's affinity to the named topics and to the communities.

Three methods, all computed for all terms at once:

``"bipartite"`` (default)
    The diffusion fingerprints below, smoothed once through the papers: a
    step term -> paper -> term on the bipartite paper x term graph. Each
    paper ``d`` gets the topic profile ``P[d] = sum_t w[d, t] F[t] / sum_t
    w[d, t]`` (the tf-idf weighted mean of its terms' diffusion
    fingerprints ``F``, exactly :mod:`tmlmap.risk.relevance`'s paper score), and
    a term gets the mean profile of the ``n_t`` papers that contain it,
    shrunk toward the corpus mean profile ``prior`` with a Dirichlet-style
    prior worth ``prior_weight`` papers:

        B[t] = (sum_{d contains t} P[d] + prior_weight * prior) / (n_t + prior_weight)
        p(k | t) = (1 - blend) * F[t, k] + blend * B[t, k]

    The first step is ``p(k | d)``, the second ``p(d | t)`` uniform over the
    term's papers, so ``B`` is ``sum_d p(k | d) p(d | t)`` smoothed; rows
    still sum to 1 (background included). Unlike the walk, which only sees
    the pruned backbone, this counts *every* paper a context term appears
    in: a term whose papers lean to a topic gets that topic's mass even when
    its edges to the topic's terms were pruned or are indirect, and a rare
    term is not extreme (``prior_weight``). Defaults ``prior_weight=20``,
    ``blend=1`` were chosen on the dev split of the project descriptions
    (see the Evaluation section of README.md).

``"diffusion"``
    Random walk with restart (personalized PageRank) on the weighted map graph.
    With ``W`` the ``(n_terms, n_terms)`` symmetric adjacency, ``d = W 1`` the
    strengths and ``P = W D^-1`` the column-stochastic transition matrix, the
    stationary distribution of a walker that restarts with probability
    ``restart`` into the seed distribution ``s_k`` of topic ``k`` is the fixed
    point ``r_k = (1 - restart) P r_k + restart s_k`` (dangling terms, i.e.
    isolated ones, send their mass back to ``s_k``, like networkx). All topics
    are iterated together as one dense ``(n_terms, n_topics)`` matrix ``R``.

    ``R[i, k]`` is how often the walk from topic ``k`` visits term ``i``;
    turned into a posterior ``p(topic | term)`` with a *background* walker
    that restarts anywhere in proportion to strength: on an undirected graph
    that walk's stationary distribution is exactly ``b = d / sum(d)`` (no
    iteration needed). With equal priors for every topic and the background,

        p(k | i) = R[i, k] / (sum_j R[i, j] + background_weight * b[i] * n_topics)

    so a generic term visited about as often from a topic as by a random
    walker gets a small share, and a term near a topic's seeds a large one.
    The background column is returned as ``"other"``.

    Community fingerprints use the same walk with each community's members
    as restart set, weighted by strength. Because the communities partition
    the terms, the volume-weighted mixture of those walks *is* the background
    walk, so ``p(c | i) = vol(c) R[i, c] / (sum(d) b[i])`` is an exact
    posterior whose rows sum to 1 without a background column.

``"reference"`` (Derzsy, Majumdar & Malik 2021)
    Seed terms score 1. Any other term scores from the mean of its weighted
    shortest-path lengths to the seeds it can reach, divided by a maximum
    (see :func:`reference_topic_scores` for the two readings); 0 if it
    reaches none. Edge weights become lengths as ``length = 1 / w`` (strong
    association = short edge). Computed with
    :func:`scipy.sparse.csgraph.dijkstra` from all seeds at once.

Seeds of a topic: the concept words of :data:`tmlmap.lexicons.TOPICS` found in
the map, plus the top ``n_community_seeds`` terms of the communities the
labeller named after that topic. Callers can replace or extend any topic's
seed list (``seeds=``) or add new topics.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from tmlmap.lexicons import TOPICS, TWML_TOPICS
from tmlmap.text.weighting import smooth_idf, tfidf

if TYPE_CHECKING:  # pragma: no cover
    from tmlmap.maps.termmap import TermMap

METHODS = ("bipartite", "diffusion", "reference")
#: Defaults of the bipartite smoothing (chosen on the dev split, see README).
BIPARTITE_PRIOR_WEIGHT = 20.0
BIPARTITE_BLEND = 1.0
#: Name of the background column of diffusion topic fingerprints.
BACKGROUND = "other"


# ---------------------------------------------------------------------------
# Seeds
# ---------------------------------------------------------------------------


def resolve_seeds(
    term_map: TermMap,
    topics: Sequence[str] | None = None,
    *,
    seeds: Mapping[str, Sequence[str]] | None = None,
    extend: bool = True,
    n_community_seeds: int = 10,
) -> dict[str, list[int]]:
    """Seed term ids per topic.

    ``topics``: topic keys (default: every key of :data:`TOPICS` plus the keys
    of ``seeds``). ``seeds``: user seed lists per topic, written naturally
    ("adversarial examples"); with ``extend`` they are added to the lexicon
    and community seeds, otherwise they replace them. Terms not in the map are
    ignored. ``n_community_seeds``: top terms taken from each community
    labelled with the topic (0 = lexicon only). Returns sorted, unique ids;
    a topic may end up with no seeds (its fingerprint is then all zero).
    """
    if n_community_seeds < 0:
        raise ValueError("n_community_seeds must be >= 0")
    seeds = dict(seeds or {})
    keys = list(topics) if topics is not None else list(TOPICS) + [k for k in seeds if k not in TOPICS]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate topic keys")
    if BACKGROUND in keys:
        raise ValueError(f"{BACKGROUND!r} is reserved for the background column")
    out: dict[str, list[int]] = {}
    for key in keys:
        words: list[str] = []
        if key in seeds and not extend:
            words = list(seeds[key])
        else:
            if key in TOPICS:
                words += list(TOPICS[key].seeds)
            if n_community_seeds:
                for c in term_map.communities:
                    if c.topic == key:
                        words += list(c.top_terms[:n_community_seeds])
            words += list(seeds.get(key, ()))
        ids = {term_map.term_id(w) for w in words if isinstance(w, str) and w.strip()}
        out[key] = sorted(i for i in ids if i is not None)
    return out


#: Limits on user seed lists typed into a form: characters and terms per topic.
MAX_SEED_CHARS = 2000
MAX_SEED_TERMS = 50


def parse_seed_terms(text: str) -> list[str]:
    """Seed terms typed by a user: split on commas, semicolons and newlines.

    Whitespace is collapsed, empty items and repeats (case-insensitive) are
    dropped. Raises ValueError past :data:`MAX_SEED_CHARS` characters or
    :data:`MAX_SEED_TERMS` terms, so nothing is silently cut off.
    """
    if len(text) > MAX_SEED_CHARS:
        raise ValueError(f"seed list too long: {len(text):,} characters, at most {MAX_SEED_CHARS:,}")
    out: list[str] = []
    seen: set[str] = set()
    for item in re.split(r"[,;\n]", text):
        term = " ".join(item.split())
        if term and term.lower() not in seen:
            seen.add(term.lower())
            out.append(term)
    if len(out) > MAX_SEED_TERMS:
        raise ValueError(f"too many seed terms: {len(out)}, at most {MAX_SEED_TERMS}")
    return out


def seed_terms(term_map: TermMap, topic: str, *, seeds: Mapping[str, Sequence[str]] | None = None) -> list[str]:
    """Display names of ``topic``'s seed terms in ``term_map`` (see :func:`resolve_seeds`)."""
    ids = resolve_seeds(term_map, [topic], seeds=seeds)[topic]
    return [term_map.terms[i] for i in ids]


def seed_matrix(seeds: Mapping[str, Sequence[int]], n_terms: int) -> sp.csc_matrix:
    """``(n_terms, n_topics)`` 0/1 CSC indicator of the seeds, columns in ``seeds`` order."""
    rows = np.concatenate([np.asarray(list(v), dtype=np.int64) for v in seeds.values()] or [np.zeros(0, np.int64)])
    cols = np.repeat(np.arange(len(seeds)), [len(v) for v in seeds.values()])
    if len(rows) and (rows.min() < 0 or rows.max() >= n_terms):
        raise ValueError("seed id out of range")
    data = np.ones(len(rows))
    m = sp.csc_matrix((data, (rows, cols)), shape=(n_terms, len(seeds)))
    m.data[:] = 1.0
    return m


# ---------------------------------------------------------------------------
# Diffusion
# ---------------------------------------------------------------------------


def _check_adjacency(adjacency: sp.spmatrix) -> sp.csr_matrix:
    W = sp.csr_matrix(adjacency, dtype=np.float64)
    if W.shape[0] != W.shape[1]:
        raise ValueError(f"adjacency must be square, got {W.shape}")
    if W.nnz and (W.data.min() < 0 or not np.isfinite(W.data).all()):
        raise ValueError("adjacency weights must be finite and >= 0")
    return W


def personalized_pagerank(
    adjacency: sp.spmatrix,
    restart_vectors: np.ndarray | sp.spmatrix,
    *,
    restart: float = 0.25,
    tol: float = 1e-10,
    max_iter: int = 500,
) -> np.ndarray:
    """Random walk with restart from many restart distributions at once.

    ``adjacency``: ``(n, n)`` non-negative weights (used as ``W[i, j]`` = weight
    of the step ``j -> i``; symmetric for the map). ``restart_vectors``:
    ``(n, k)`` non-negative; each non-zero column is normalized to sum 1
    (all-zero columns give all-zero results). ``restart``: probability of
    jumping back at each step, in (0, 1] (networkx's ``alpha`` is
    ``1 - restart``). Returns ``(n, k)`` dense float64, columns summing to 1
    (or 0). Dangling nodes (no out-weight) jump to the restart distribution.
    Raises RuntimeError if the L1 change does not fall below ``tol`` (per
    column, summed over nodes) within ``max_iter`` steps.
    """
    if not 0 < restart <= 1:
        raise ValueError("restart must be in (0, 1]")
    if tol <= 0 or max_iter < 1:
        raise ValueError("tol must be > 0 and max_iter >= 1")
    W = _check_adjacency(adjacency)
    n = W.shape[0]
    S = restart_vectors.toarray() if sp.issparse(restart_vectors) else np.asarray(restart_vectors, dtype=np.float64)
    S = np.asarray(S, dtype=np.float64)
    if S.ndim == 1:
        S = S[:, None]
    if S.shape[0] != n:
        raise ValueError(f"restart_vectors has {S.shape[0]} rows for {n} nodes")
    if (S < 0).any() or not np.isfinite(S).all():
        raise ValueError("restart_vectors must be finite and >= 0")
    mass = S.sum(axis=0)
    S = np.divide(S, mass, out=np.zeros_like(S), where=mass > 0)
    out_strength = np.asarray(W.sum(axis=0)).ravel()  # column sums: out-weight of j
    dangling = out_strength <= 0
    inv = np.divide(1.0, out_strength, out=np.zeros_like(out_strength), where=~dangling)
    P = (W @ sp.diags(inv)).tocsr()  # column-stochastic except dangling columns
    R = S.copy()
    damping = 1.0 - restart
    for _ in range(max_iter):
        dangling_mass = R[dangling].sum(axis=0) if dangling.any() else 0.0
        R_new = damping * (P @ R + S * dangling_mass) + restart * S
        err = np.abs(R_new - R).sum(axis=0).max() if R.size else 0.0
        R = R_new
        if err < tol:
            return R
    raise RuntimeError(f"personalized PageRank did not converge in {max_iter} iterations (last change {err:.2e})")


def diffusion_topic_affinity(
    adjacency: sp.spmatrix,
    seeds: sp.spmatrix | np.ndarray,
    *,
    restart: float = 0.25,
    background_weight: float = 1.0,
    tol: float = 1e-10,
    max_iter: int = 500,
) -> np.ndarray:
    """``p(topic | term)``: ``(n_terms, n_topics + 1)`` rows summing to 1, last column the background.

    ``seeds``: ``(n_terms, n_topics)`` seed weights (restart distributions).
    ``background_weight``: prior of the background walker relative to one
    topic, per topic (1.0 = the background is as likely as all topics
    together; smaller values give topics more room). Terms with no edges
    and no seed get background 1.
    """
    if background_weight < 0:
        raise ValueError("background_weight must be >= 0")
    W = _check_adjacency(adjacency)
    S = seeds.toarray() if sp.issparse(seeds) else np.asarray(seeds, dtype=np.float64)
    R = personalized_pagerank(W, S, restart=restart, tol=tol, max_iter=max_iter)
    d = np.asarray(W.sum(axis=1)).ravel()
    b = d / d.sum() if d.sum() > 0 else np.zeros_like(d)
    n_topics = R.shape[1]
    scores = np.column_stack([R, background_weight * n_topics * b])
    total = scores.sum(axis=1, keepdims=True)
    out = np.zeros_like(scores)
    out[:, -1] = 1.0
    np.divide(scores, total, out=out, where=total > 0)
    return out


def diffusion_community_affinity(
    adjacency: sp.spmatrix,
    membership: np.ndarray,
    *,
    n_communities: int | None = None,
    restart: float = 0.25,
    tol: float = 1e-10,
    max_iter: int = 500,
) -> np.ndarray:
    """``p(community | term)``: ``(n_terms, n_communities)`` rows summing to 1.

    Each community's walk restarts into its members in proportion to their
    strength; the posterior weighs walks by community volume (see the module
    docstring). Isolated terms get 1 for their own community.
    """
    W = _check_adjacency(adjacency)
    membership = np.asarray(membership, dtype=np.int64)
    n = W.shape[0]
    if membership.shape != (n,) or (n and membership.min() < 0):
        raise ValueError("membership must be (n_terms,) non-negative ints")
    k = int(n_communities if n_communities is not None else (membership.max() + 1 if n else 0))
    d = np.asarray(W.sum(axis=1)).ravel()
    M = sp.csc_matrix((np.ones(n), (np.arange(n), membership)), shape=(n, k))
    vol = np.asarray(M.T @ d).ravel()
    S = (sp.diags(d) @ M).toarray()
    R = personalized_pagerank(W, S, restart=restart, tol=tol, max_iter=max_iter)
    scores = R * vol[None, :]
    total = scores.sum(axis=1, keepdims=True)
    out = M.toarray()  # isolated terms: their own community
    np.divide(scores, total, out=out, where=total > 0)
    return out


def bipartite_topic_affinity(
    doc_term_weights: sp.spmatrix,
    term_affinity: np.ndarray,
    *,
    prior_weight: float = BIPARTITE_PRIOR_WEIGHT,
) -> np.ndarray:
    """One term -> paper -> term step: ``(n_terms, k)`` smoothed affinities.

    ``doc_term_weights``: ``(n_docs, n_terms)`` non-negative weights (tf-idf
    of the corpus; a term "contains" a paper where the weight is > 0).
    ``term_affinity``: ``(n_terms, k)``, e.g. ``p(topic | term)``.
    Paper profiles are the weighted means ``P[d] = sum_t w[d, t] F[t] /
    sum_t w[d, t]``; ``prior`` is the mean of ``P`` over papers with
    weight; term ``t`` gets ``(sum_{d: w[d,t] > 0} P[d] + prior_weight *
    prior) / (n_t + prior_weight)``. Terms in no paper get ``prior`` (or 0
    when ``prior_weight`` is 0). If the rows of ``term_affinity`` sum to 1,
    so do the result's.
    """
    if prior_weight < 0 or not np.isfinite(prior_weight):
        raise ValueError("prior_weight must be finite and >= 0")
    W = sp.csr_matrix(doc_term_weights, dtype=np.float64, copy=True)
    W.sum_duplicates()
    W.eliminate_zeros()
    F = np.asarray(term_affinity, dtype=np.float64)
    if W.shape[1] != F.shape[0]:
        raise ValueError(f"doc_term_weights has {W.shape[1]} columns for {F.shape[0]} terms")
    if W.nnz and (W.data.min() < 0 or not np.isfinite(W.data).all()):
        raise ValueError("doc_term_weights must be finite and >= 0")
    den = np.asarray(W.sum(axis=1)).ravel()
    has = den > 0
    P = np.zeros((W.shape[0], F.shape[1]))
    P[has] = np.asarray(W[has] @ F) / den[has, None]
    prior = P[has].mean(axis=0) if has.any() else np.zeros(F.shape[1])
    B = W.copy()
    B.data[:] = 1.0  # incidence: each paper of the term counts once
    acc = np.asarray(B.T @ P)
    n_t = np.asarray(B.sum(axis=0)).ravel()
    total = n_t + prior_weight
    out = np.zeros_like(acc)
    np.divide(acc + prior_weight * prior[None, :], total[:, None], out=out, where=total[:, None] > 0)
    return out


# ---------------------------------------------------------------------------
# Reference (shortest paths)
# ---------------------------------------------------------------------------


REFERENCE_READINGS = ("proximity", "literal")


def reference_topic_scores(
    adjacency: sp.spmatrix, seeds: Mapping[str, Sequence[int]], *, reading: str = "proximity"
) -> np.ndarray:
    """Derzsy et al.'s word scores: ``(n_terms, n_topics)`` in [0, 1].

    Lengths are ``1 / w`` (strong association = short edge). For topic ``k``
    with seeds ``S_k``, ``m_i`` is the mean shortest-path length from term
    ``i`` to the seeds it reaches. Seeds score 1, terms reaching no seed 0,
    other terms:

    * ``reading="proximity"`` (default): ``1 - m_i / max_j m_j``, the mean
      distance divided by its maximum over all terms, turned into a closeness
      so that terms near the seeds score high, like the seeds themselves.
    * ``reading="literal"``: ``m_i / max_s dist(i, s)``, the per-term mean
      over the per-term maximum.

    The paper's wording ("mean of the weighted shortest-path lengths divided
    by their maximum") admits both; on our development split the literal
    reading ranks worse than chance, so the proximity reading is the default
    (see the Evaluation section of README.md).
    """
    if reading not in REFERENCE_READINGS:
        raise ValueError(f"reading must be one of {REFERENCE_READINGS}")
    W = _check_adjacency(adjacency)
    n = W.shape[0]
    L = W.copy()
    L.eliminate_zeros()
    L.data = 1.0 / L.data  # length = 1 / weight
    all_seeds = np.unique(np.concatenate([np.asarray(list(v), dtype=np.int64) for v in seeds.values()] or [np.zeros(0, np.int64)]))
    out = np.zeros((n, len(seeds)))
    if len(all_seeds) == 0:
        return out
    D = dijkstra(L, directed=False, indices=all_seeds)  # (n_seeds, n)
    pos = {int(s): j for j, s in enumerate(all_seeds)}
    for k, ids in enumerate(seeds.values()):
        ids = list(ids)
        if not ids:
            continue
        Dk = D[[pos[int(s)] for s in ids]]  # (|S_k|, n)
        reach = np.isfinite(Dk) & (Dk > 0)
        cnt = reach.sum(axis=0)
        total = np.where(reach, Dk, 0.0).sum(axis=0)
        mean = np.divide(total, cnt, out=np.zeros(n), where=cnt > 0)
        if reading == "literal":
            mx = np.where(reach, Dk, 0.0).max(axis=0)
            score = np.divide(mean, mx, out=np.zeros(n), where=(cnt > 0) & (mx > 0))
        else:
            top = mean.max() if n else 0.0
            score = np.where(cnt > 0, 1.0 - mean / top, 0.0) if top > 0 else np.zeros(n)
        score[ids] = 1.0
        out[:, k] = score
    return out


# ---------------------------------------------------------------------------
# The fitted object
# ---------------------------------------------------------------------------


@dataclass
class Fingerprints:
    """Fitted fingerprints of one map.

    ``topics``: topic keys, columns of ``topic`` (``"other"`` is appended for
    the bipartite and diffusion methods). ``topic``: ``(n_terms,
    len(topics))`` affinities (``p(topic | term)`` for bipartite and
    diffusion, reference word scores otherwise). ``community``: ``(n_terms,
    n_communities)`` ``p(community | term)`` of the diffusion (also for
    bipartite; ``None`` for the reference method). ``seeds``: the seed ids
    used per topic. ``params``: the settings.
    """

    method: str
    topics: list[str]
    topic: np.ndarray
    community: np.ndarray | None
    seeds: dict[str, list[int]]
    params: dict[str, object] = field(default_factory=dict)

    def column(self, topic: str) -> np.ndarray:
        """``(n_terms,)`` affinity to ``topic``."""
        try:
            return self.topic[:, self.topics.index(topic)]
        except ValueError:
            raise KeyError(f"unknown topic {topic!r}; known: {self.topics}") from None

    def dominant_topic(self) -> list[str]:
        """Most probable topic (or ``"other"``) of every term."""
        best = np.argmax(self.topic, axis=1)
        return [self.topics[j] for j in best.tolist()]


def compute_fingerprints(
    term_map: TermMap,
    method: str = "bipartite",
    *,
    topics: Sequence[str] | None = None,
    seeds: Mapping[str, Sequence[str]] | None = None,
    extend_seeds: bool = True,
    n_community_seeds: int = 10,
    restart: float = 0.25,
    background_weight: float = 1.0,
    communities: bool = True,
    reading: str = "proximity",
    prior_weight: float = BIPARTITE_PRIOR_WEIGHT,
    blend: float = BIPARTITE_BLEND,
) -> Fingerprints:
    """Fingerprints of every term of ``term_map`` (see the module docstring).

    ``communities``: also compute community affinities (diffusion and
    bipartite). ``prior_weight``/``blend``: of the bipartite smoothing.
    """
    if method == "bipartite":
        base = compute_fingerprints(
            term_map, "diffusion", topics=topics, seeds=seeds, extend_seeds=extend_seeds,
            n_community_seeds=n_community_seeds, restart=restart, background_weight=background_weight,
            communities=communities,
        )
        return bipartite_fingerprints(term_map, base, prior_weight=prior_weight, blend=blend)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    seed_ids = resolve_seeds(term_map, topics, seeds=seeds, extend=extend_seeds, n_community_seeds=n_community_seeds)
    keys = list(seed_ids)
    params: dict[str, object] = {"n_community_seeds": n_community_seeds}
    if method == "reference":
        T = reference_topic_scores(term_map.adjacency, seed_ids, reading=reading)
        params["reading"] = reading
        return Fingerprints(method, keys, T, None, seed_ids, params)
    S = seed_matrix(seed_ids, term_map.n_terms)
    T = diffusion_topic_affinity(term_map.adjacency, S, restart=restart, background_weight=background_weight)
    C = None
    if communities:
        C = diffusion_community_affinity(
            term_map.adjacency, term_map.community, n_communities=len(term_map.communities), restart=restart
        )
    params.update(restart=restart, background_weight=background_weight)
    return Fingerprints(method, keys + [BACKGROUND], T, C, seed_ids, params)


def bipartite_fingerprints(
    term_map: TermMap,
    diffusion: Fingerprints,
    *,
    prior_weight: float = BIPARTITE_PRIOR_WEIGHT,
    blend: float = BIPARTITE_BLEND,
) -> Fingerprints:
    """Smooth ``diffusion`` fingerprints through ``term_map``'s papers (method ``"bipartite"``).

    Paper weights are the tf-idf of :mod:`tmlmap.risk.relevance`; the community
    affinities are the diffusion's, unchanged.
    """
    if diffusion.method != "diffusion":
        raise ValueError(f"bipartite smoothing needs diffusion fingerprints, got {diffusion.method}")
    if not 0 <= blend <= 1:
        raise ValueError("blend must be in [0, 1]")
    W = tfidf(term_map.X, smooth_idf(term_map.doc_freq, term_map.n_docs))
    B = bipartite_topic_affinity(W, diffusion.topic, prior_weight=prior_weight)
    T = (1.0 - blend) * diffusion.topic + blend * B
    params = dict(diffusion.params) | {"prior_weight": prior_weight, "blend": blend}
    return Fingerprints("bipartite", list(diffusion.topics), T, diffusion.community, diffusion.seeds, params)


# Cache of default fingerprints per live TermMap (TermMap is unhashable).
_CACHE: dict[tuple[int, str], Fingerprints] = {}


def fingerprints(term_map: TermMap, method: str = "bipartite") -> Fingerprints:
    """Default-parameter fingerprints of ``term_map``, computed once per map object.

    The bipartite fingerprints reuse the cached diffusion ones.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    key = (id(term_map), method)
    fp = _CACHE.get(key)
    if fp is None:
        if method == "bipartite":
            fp = bipartite_fingerprints(term_map, fingerprints(term_map, "diffusion"))
        else:
            fp = compute_fingerprints(term_map, method, communities=(method == "diffusion"))
        _CACHE[key] = fp
        weakref.finalize(term_map, _CACHE.pop, key, None)
    return fp


def twml_community_mask(term_map: TermMap) -> np.ndarray:
    """``(n_terms,)`` bool: the term's community is labelled with a trustworthy-ML topic."""
    twml = np.asarray([c.topic in TWML_TOPICS for c in term_map.communities], dtype=bool)
    return twml[np.asarray(term_map.community, dtype=np.int64)] if len(twml) else np.zeros(term_map.n_terms, bool)
