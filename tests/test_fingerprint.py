"""Fingerprints on small hand-computable graphs, checked against networkx."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from tmlmap.maps.settings import MapSettings
from tmlmap.maps.termmap import Community, TermMap
from tmlmap.risk.fingerprint import (
    BACKGROUND,
    MAX_SEED_CHARS,
    MAX_SEED_TERMS,
    bipartite_fingerprints,
    bipartite_topic_affinity,
    compute_fingerprints,
    diffusion_community_affinity,
    diffusion_topic_affinity,
    fingerprints,
    parse_seed_terms,
    personalized_pagerank,
    reference_topic_scores,
    resolve_seeds,
    seed_matrix,
    seed_terms,
    twml_community_mask,
)

TERMS = ["fairness", "loan", "credit", "privacy", "membership inference", "river", "sensor", "isolated"]
EDGES = [(0, 1, 3.0), (1, 2, 2.0), (0, 2, 1.0), (3, 4, 3.0), (2, 6, 0.5), (5, 6, 2.0), (4, 6, 0.25)]
MEMBERSHIP = [0, 0, 0, 1, 1, 2, 2, 3]


def tiny_adjacency() -> sp.csr_matrix:
    n = len(TERMS)
    rows = [a for a, b, _ in EDGES] + [b for a, b, _ in EDGES]
    cols = [b for a, b, _ in EDGES] + [a for a, b, _ in EDGES]
    data = [w for *_, w in EDGES] * 2
    return sp.csr_matrix((data, (rows, cols)), shape=(n, n))


class StubExtractor:
    """Whole-word, case-insensitive matching of the tiny vocabulary (no spaCy)."""

    def __init__(self, terms: list[str]) -> None:
        self.terms = terms

    def lookup(self, term: str) -> int | None:
        t = " ".join(term.lower().split())
        return self.terms.index(t) if t in self.terms else None

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        rows, cols = [], []
        for i, text in enumerate(texts):
            low = f" {' '.join(text.lower().split())} "
            for j, t in enumerate(self.terms):
                for _ in range(low.count(f" {t} ")):
                    rows.append(i)
                    cols.append(j)
        return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(texts), len(self.terms)))


def tiny_map(X: sp.csr_matrix | None = None) -> TermMap:
    """A hand-made map: fairness/loan/credit, privacy/membership inference, river/sensor, an isolated term."""
    if X is None:
        X = sp.csr_matrix(np.array([
            [2, 1, 1, 0, 0, 0, 0, 0],  # a fairness paper
            [0, 0, 0, 2, 1, 0, 0, 0],  # a privacy paper
            [0, 0, 0, 0, 0, 2, 2, 0],  # a river paper
            [0, 1, 1, 0, 0, 0, 1, 0],  # loans
            [0, 0, 0, 0, 0, 0, 0, 0],  # empty
        ], dtype=float))
    communities = [
        Community(0, "Fairness & bias", "fairness", 3, ["fairness", "loan", "credit"]),
        Community(1, "Privacy", "privacy", 2, ["privacy", "membership inference"]),
        Community(2, "river, sensor", None, 2, ["river", "sensor"]),
        Community(3, "isolated", None, 1, ["isolated"]),
    ]
    return TermMap(
        settings=MapSettings(), terms=list(TERMS), doc_freq=np.asarray((X > 0).sum(axis=0)).ravel(),
        doc_ids=[f"d{i}" for i in range(X.shape[0])], doc_years=np.full(X.shape[0], 2020),
        doc_venues=np.asarray(["X"] * X.shape[0]), X=X, cooccurrence=tiny_adjacency(),
        adjacency=tiny_adjacency(), community=np.asarray(MEMBERSHIP), communities=communities,
        modularity=0.0, stability_ari=1.0, corpus_fingerprint="tiny", extractor=StubExtractor(TERMS),  # type: ignore[arg-type]
    )


def nx_graph() -> nx.Graph:
    g = nx.Graph()
    g.add_nodes_from(range(len(TERMS)))
    g.add_weighted_edges_from(EDGES)
    return g


# ---- personalized PageRank ---------------------------------------------------


@pytest.mark.parametrize("restart", [0.15, 0.25, 0.6])
def test_ppr_matches_networkx_pagerank_with_personalization(restart: float) -> None:
    S = np.zeros((len(TERMS), 3))
    S[[0, 1], 0] = [1.0, 3.0]  # non-uniform restart weights
    S[3, 1] = 1.0
    S[7, 2] = 1.0  # isolated seed: all mass stays there
    R = personalized_pagerank(tiny_adjacency(), S, restart=restart, tol=1e-13)
    g = nx_graph()
    for k in range(S.shape[1]):
        pers = {i: S[i, k] for i in range(len(TERMS))}
        ref = nx.pagerank(g, alpha=1 - restart, personalization=pers, weight="weight", tol=1e-14, max_iter=10_000)
        np.testing.assert_allclose(R[:, k], [ref[i] for i in range(len(TERMS))], atol=1e-9)
    np.testing.assert_allclose(R.sum(axis=0), 1.0)


def test_ppr_zero_column_and_validation() -> None:
    S = np.zeros((len(TERMS), 2))
    S[0, 0] = 1
    R = personalized_pagerank(tiny_adjacency(), S)
    assert np.all(R[:, 1] == 0)
    with pytest.raises(ValueError):
        personalized_pagerank(tiny_adjacency(), S, restart=0)
    with pytest.raises(ValueError):
        personalized_pagerank(tiny_adjacency(), -S)
    with pytest.raises(ValueError):
        personalized_pagerank(tiny_adjacency(), S[:3])
    bad = tiny_adjacency().copy()
    bad.data[0] = -1
    with pytest.raises(ValueError):
        personalized_pagerank(bad, S)
    with pytest.raises(RuntimeError):
        personalized_pagerank(tiny_adjacency(), S, restart=0.01, tol=1e-15, max_iter=2)


def test_topic_affinity_is_a_posterior_with_background() -> None:
    S = seed_matrix({"fairness": [0], "privacy": [3]}, len(TERMS))
    P = diffusion_topic_affinity(tiny_adjacency(), S, restart=0.25)
    assert P.shape == (len(TERMS), 3)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    assert (P >= 0).all()
    # loan is next to the fairness seed: fairness beats privacy by far
    assert P[1, 0] > 10 * P[1, 1] and P[1, 0] > 1 / 3
    assert P[4, 1] > P[4, 0]
    # fairness affinity decays along the path fairness - credit - sensor - river
    assert P[0, 0] > P[2, 0] > P[6, 0] > P[5, 0]
    # the isolated term is pure background
    np.testing.assert_allclose(P[7], [0, 0, 1])
    # a larger background prior lowers every topic share
    P2 = diffusion_topic_affinity(tiny_adjacency(), S, restart=0.25, background_weight=5.0)
    assert (P2[:7, 0] <= P[:7, 0] + 1e-12).all()


def test_community_affinity_rows_sum_to_one_and_favour_own_community() -> None:
    C = diffusion_community_affinity(tiny_adjacency(), np.asarray(MEMBERSHIP), restart=0.25)
    assert C.shape == (len(TERMS), 4)
    np.testing.assert_allclose(C.sum(axis=1), 1.0)
    assert (np.argmax(C, axis=1) == np.asarray(MEMBERSHIP)).all()
    np.testing.assert_allclose(C[7], [0, 0, 0, 1])  # isolated: its own community
    # Two disconnected cliques: affinity to the own community is exactly 1.
    A = sp.csr_matrix(np.kron(np.eye(2), np.ones((3, 3)) - np.eye(3)))
    C2 = diffusion_community_affinity(A, np.asarray([0, 0, 0, 1, 1, 1]))
    np.testing.assert_allclose(C2, np.kron(np.eye(2), np.ones((3, 1))), atol=1e-12)


def test_community_posterior_mixture_is_the_background_walk() -> None:
    """Volume-weighted community walks add up to the strength distribution (the exactness claim)."""
    W = tiny_adjacency()[:7, :7]  # drop the isolated term
    membership = np.asarray(MEMBERSHIP[:7])
    d = np.asarray(W.sum(axis=1)).ravel()
    M = sp.csc_matrix((np.ones(7), (np.arange(7), membership)), shape=(7, 3))
    R = personalized_pagerank(W, (sp.diags(d) @ M).toarray(), restart=0.3, tol=1e-14)
    vol = M.T @ d
    np.testing.assert_allclose(R @ (vol / d.sum()), d / d.sum(), atol=1e-10)


# ---- reference method --------------------------------------------------------


def _nx_distances(seeds: list[int]) -> np.ndarray:
    g = nx_graph()
    for _, _, data in g.edges(data=True):
        data["length"] = 1.0 / data["weight"]
    D = np.full((len(seeds), len(TERMS)), np.inf)
    for a, s in enumerate(seeds):
        for node, dist in nx.single_source_dijkstra_path_length(g, s, weight="length").items():
            D[a, node] = dist
    return D


@pytest.mark.parametrize("reading", ["proximity", "literal"])
def test_reference_scores_match_networkx_shortest_paths(reading: str) -> None:
    seeds = {"fairness": [0, 1], "privacy": [3]}
    T = reference_topic_scores(tiny_adjacency(), seeds, reading=reading)
    for k, ids in enumerate(seeds.values()):
        D = _nx_distances(ids)
        reach = np.isfinite(D) & (D > 0)
        cnt = reach.sum(axis=0)
        mean = np.where(cnt > 0, np.where(reach, D, 0).sum(axis=0) / np.maximum(cnt, 1), 0)
        if reading == "literal":
            expect = np.where(cnt > 0, mean / np.maximum(np.where(reach, D, 0).max(axis=0), 1e-300), 0)
        else:
            expect = np.where(cnt > 0, 1 - mean / mean.max(), 0)
        expect[ids] = 1.0
        np.testing.assert_allclose(T[:, k], expect, atol=1e-12)
    assert T[7].tolist() == [0.0, 0.0]  # unreachable
    assert ((T >= 0) & (T <= 1)).all()


def test_reference_hand_computed_value() -> None:
    # seeds {fairness}: dist(loan)=1/3, dist(credit)=min(1, 1/3+1/2)=5/6
    T = reference_topic_scores(tiny_adjacency(), {"f": [0]}, reading="proximity")
    D = _nx_distances([0])[0]
    top = D[np.isfinite(D) & (D > 0)].max()
    assert D[2] == pytest.approx(5 / 6)
    assert T[2, 0] == pytest.approx(1 - (5 / 6) / top)
    assert T[1, 0] > T[2, 0]  # closer = higher
    with pytest.raises(ValueError):
        reference_topic_scores(tiny_adjacency(), {"f": [0]}, reading="nope")


# ---- seeds and the fitted object ------------------------------------------------


def test_resolve_seeds_lexicon_community_and_user_lists() -> None:
    m = tiny_map()
    seeds = resolve_seeds(m, ["fairness", "privacy"], n_community_seeds=0)
    assert seeds == {"fairness": [0], "privacy": [3, 4]}
    with_comm = resolve_seeds(m, ["fairness"], n_community_seeds=10)
    assert with_comm["fairness"] == [0, 1, 2]  # the labelled community's top terms
    user = resolve_seeds(m, ["fairness", "water"], seeds={"water": ["River", "unknown term"]}, n_community_seeds=0)
    assert user["water"] == [5]
    replaced = resolve_seeds(m, ["fairness"], seeds={"fairness": ["loan"]}, extend=False)
    assert replaced["fairness"] == [1]
    with pytest.raises(ValueError):
        resolve_seeds(m, [BACKGROUND])
    with pytest.raises(ValueError):
        resolve_seeds(m, ["fairness", "fairness"])


def test_parse_seed_terms_and_seed_names() -> None:
    assert parse_seed_terms(" welfare ,eligibility;\n  benefit   claims, Welfare,, ") == [
        "welfare", "eligibility", "benefit claims"]
    assert parse_seed_terms("") == []
    with pytest.raises(ValueError, match="too many seed terms"):
        parse_seed_terms(",".join(f"t{i}" for i in range(MAX_SEED_TERMS + 1)))
    with pytest.raises(ValueError, match="too long"):
        parse_seed_terms("x" * (MAX_SEED_CHARS + 1))
    m = tiny_map()
    assert seed_terms(m, "fairness") == ["fairness", "loan", "credit"]
    assert seed_terms(m, "fairness", seeds={"fairness": ["river", "no such term"]}) == [
        "fairness", "loan", "credit", "river"]


def test_compute_fingerprints_all_methods() -> None:
    m = tiny_map()
    fp = compute_fingerprints(m, "diffusion", topics=["fairness", "privacy"])
    assert fp.topics == ["fairness", "privacy", BACKGROUND]
    assert fp.topic.shape == (len(TERMS), 3) and fp.community is not None
    dom = fp.dominant_topic()
    assert dom[4] == "privacy" and dom[5] == BACKGROUND and dom[7] == BACKGROUND
    assert fp.column("fairness")[1] > fp.column("fairness")[5]
    with pytest.raises(KeyError):
        fp.column("nope")
    ref = compute_fingerprints(m, "reference", topics=["fairness", "privacy"])
    assert ref.topics == ["fairness", "privacy"] and ref.community is None
    assert ref.column("fairness")[0] == 1.0
    with pytest.raises(ValueError):
        compute_fingerprints(m, "pagerank")
    bip = compute_fingerprints(m, topics=["fairness", "privacy"])  # the default
    assert bip.method == "bipartite" and bip.topics == fp.topics
    np.testing.assert_array_equal(bip.community, fp.community)  # the diffusion's community affinities
    np.testing.assert_allclose(bip.topic.sum(axis=1), 1.0)
    # cached per map object; the bipartite cache reuses the diffusion one
    assert fingerprints(m) is fingerprints(m)
    assert fingerprints(m).method == "bipartite"
    assert fingerprints(m).community is fingerprints(m, "diffusion").community
    with pytest.raises(ValueError):
        fingerprints(m, "pagerank")
    assert twml_community_mask(m).tolist() == [True, True, True, True, True, False, False, False]


def test_diffusion_is_deterministic() -> None:
    a = compute_fingerprints(tiny_map()).topic
    b = compute_fingerprints(tiny_map()).topic
    assert np.array_equal(a, b)


def bipartite_brute_force(X: np.ndarray, F: np.ndarray, prior_weight: float) -> np.ndarray:
    """Term -> paper -> term by explicit loops over papers and terms."""
    n_docs, n_terms = X.shape
    profiles, has = [], []
    for d in range(n_docs):
        den = sum(X[d, t] for t in range(n_terms))
        has.append(den > 0)
        profiles.append(sum(X[d, t] * F[t] for t in range(n_terms)) / den if den > 0 else np.zeros(F.shape[1]))
    prior = np.mean([profiles[d] for d in range(n_docs) if has[d]], axis=0)
    out = np.zeros((n_terms, F.shape[1]))
    for t in range(n_terms):
        docs = [d for d in range(n_docs) if X[d, t] > 0]
        if len(docs) + prior_weight > 0:
            out[t] = (sum((profiles[d] for d in docs), np.zeros(F.shape[1])) + prior_weight * prior) / (
                len(docs) + prior_weight)
    return out


@pytest.mark.parametrize("prior_weight", [0.0, 1.0, 20.0])
def test_bipartite_matches_brute_force(prior_weight: float) -> None:
    rng = np.random.default_rng(3)
    X = rng.random((12, 7)) * (rng.random((12, 7)) < 0.4)
    X[4] = 0.0  # an empty paper: no profile, not in the prior
    X[:, 6] = 0.0  # a term in no paper
    X[0, 6] = 0.0
    F = rng.random((7, 3))
    F /= F.sum(axis=1, keepdims=True)
    got = bipartite_topic_affinity(sp.csr_matrix(X), F, prior_weight=prior_weight)
    want = bipartite_brute_force(X, F, prior_weight)  # a term in no paper and no prior: 0
    np.testing.assert_allclose(got, want, atol=1e-12)
    if prior_weight > 0:
        np.testing.assert_allclose(got.sum(axis=1), 1.0)  # rows of F sum to 1, so do the results


def test_bipartite_hand_computed_and_validation() -> None:
    # paper 0: terms a (w 1), b (w 3); paper 1: term b (w 2). F = p(k | t) over 2 topics.
    X = sp.csr_matrix(np.array([[1.0, 3.0], [0.0, 2.0]]))
    F = np.array([[1.0, 0.0], [0.0, 1.0]])
    # profiles: P0 = (0.25, 0.75), P1 = (0, 1); prior = (0.125, 0.875)
    got = bipartite_topic_affinity(X, F, prior_weight=2.0)
    np.testing.assert_allclose(got[0], ((0.25, 0.75) + 2 * np.array([0.125, 0.875])) / 3)
    np.testing.assert_allclose(got[1], ((0.25, 1.75) + 2 * np.array([0.125, 0.875])) / 4)
    # duplicate entries in the sparse input count as one weight (summed)
    dup = sp.csr_matrix((np.array([1.0, 1.0, 2.0, 2.0]), (np.array([0, 0, 0, 1]), np.array([0, 1, 1, 1]))), shape=(2, 2))
    np.testing.assert_allclose(bipartite_topic_affinity(dup, F, prior_weight=2.0), got)
    with pytest.raises(ValueError):
        bipartite_topic_affinity(X, F, prior_weight=-1.0)
    with pytest.raises(ValueError):
        bipartite_topic_affinity(X, F[:1])
    with pytest.raises(ValueError):
        bipartite_topic_affinity(-X, F)


def test_bipartite_fingerprints_on_tiny_map() -> None:
    from tmlmap.text.weighting import smooth_idf, tfidf

    m = tiny_map()
    diff = compute_fingerprints(m, "diffusion", topics=["fairness", "privacy"])
    W = tfidf(m.X, smooth_idf(m.doc_freq, m.n_docs)).toarray()
    for blend in (0.0, 0.5, 1.0):
        bip = bipartite_fingerprints(m, diff, prior_weight=1.0, blend=blend)
        want = (1 - blend) * diff.topic + blend * bipartite_brute_force(W, diff.topic, 1.0)
        np.testing.assert_allclose(bip.topic, want, atol=1e-12)
        assert bip.params["prior_weight"] == 1.0 and bip.params["blend"] == blend
    np.testing.assert_array_equal(bipartite_fingerprints(m, diff, blend=0.0).topic, diff.topic)
    # loan shares the fairness paper: it leans to fairness more than river does
    bip = bipartite_fingerprints(m, diff, prior_weight=1.0)
    assert bip.column("fairness")[1] > bip.column("fairness")[5]
    same = compute_fingerprints(m, topics=["fairness", "privacy"], prior_weight=1.0)
    np.testing.assert_allclose(same.topic, bip.topic)
    with pytest.raises(ValueError):
        bipartite_fingerprints(m, diff, blend=1.5)
    with pytest.raises(ValueError):
        bipartite_fingerprints(m, compute_fingerprints(m, "reference", topics=["fairness"]))


def test_real_map_bipartite_context_terms_lean_to_fairness(real_map) -> None:
    """The default (bipartite) fingerprints keep the application contexts above generic terms."""
    fair = fingerprints(real_map).column("fairness")
    median = float(np.median(fair))
    found = 0
    for word in ("recidivism", "loan", "applicants"):
        i = real_map.term_id(word)
        if i is not None:
            found += 1
            assert fair[i] > 2 * median, (word, fair[i], median)
    assert found >= 2
    for word in ("gradient", "image"):
        i = real_map.term_id(word)
        if i is not None:
            assert fair[i] < 1.5 * median


def test_real_map_context_terms_lean_to_fairness(real_map) -> None:
    """On the real map, application contexts get fairness affinity through the links, not the lexicon."""
    fp = fingerprints(real_map, "diffusion")
    fair = fp.column("fairness")
    lexicon_only = resolve_seeds(real_map, ["fairness"], n_community_seeds=0)["fairness"]
    median = float(np.median(fair))
    found = 0
    for word in ("recidivism", "loan", "applicants"):
        i = real_map.term_id(word)
        if i is None:
            continue
        found += 1
        assert i not in lexicon_only
        assert fair[i] > 10 * median, (word, fair[i], median)
    assert found >= 2
    for word in ("gradient", "image"):
        i = real_map.term_id(word)
        if i is not None:
            assert fair[i] < 3 * median
