"""Communities: planted partitions recovered, modularity, determinism, consensus, labels."""

from __future__ import annotations

import random

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.metrics import normalized_mutual_info_score

from tmlmap.corpus.records import Paper
from tmlmap.maps.build import build_map
from tmlmap.maps.settings import MapSettings
from tmlmap.network.communities import (
    consensus_graph,
    detect_communities,
    louvain,
    mean_pairwise_ari,
    modularity,
    relabel_by_size,
)

N_TOPICS = 5
WORDS_PER_TOPIC = 25


def _word(rng: random.Random) -> str:
    return "".join(rng.choice("bcdfghjklmnpqrstvwxz") + rng.choice("aeiou") for _ in range(4))


def planted_corpus(seed: int = 7, n_docs: int = 1500, noise: float = 0.15) -> tuple[list[Paper], dict[str, int]]:
    """Abstracts whose words come from one of five disjoint topics (plus noise)."""
    rng = random.Random(seed)
    vocab: dict[str, int] = {}
    while len(vocab) < N_TOPICS * WORDS_PER_TOPIC:
        vocab.setdefault(_word(rng), len(vocab) // WORDS_PER_TOPIC)
    by_topic = [[w for w, t in vocab.items() if t == k] for k in range(N_TOPICS)]
    words = list(vocab)
    papers = []
    for d in range(n_docs):
        topic = d % N_TOPICS
        doc = [rng.choice(words) if rng.random() < noise else rng.choice(by_topic[topic]) for _ in range(14)]
        papers.append(Paper(id=f"p{d:05d}", title=doc[0], abstract=". ".join(doc[1:]), venue="SYN", year=2000 + d % 20))
    return papers, vocab


@pytest.fixture(scope="module")
def planted():
    return planted_corpus()


SYN_SETTINGS = MapSettings(min_df=2, max_df_share=0.9, phrase_min_npmi=0.99, backbone_alpha=None, resolution=1.0)


def _nmi(term_map, vocab: dict[str, int]) -> float:
    truth, found = [], []
    for word, topic in vocab.items():
        i = term_map.term_id(word)
        if i is not None:
            truth.append(topic)
            found.append(int(term_map.community[i]))
    assert len(truth) >= 0.95 * len(vocab)
    return normalized_mutual_info_score(truth, found)


@pytest.mark.parametrize("weight", ["association", "npmi", "jaccard"])
def test_planted_partition_is_recovered(planted, weight):
    papers, vocab = planted
    term_map = build_map(papers, SYN_SETTINGS.replace(weight=weight))
    assert _nmi(term_map, vocab) >= 0.9
    assert term_map.modularity > 0.3


def test_planted_partition_with_python_louvain(planted):
    papers, vocab = planted
    term_map = build_map(papers, SYN_SETTINGS.replace(backend="louvain", consensus_runs=2))
    assert _nmi(term_map, vocab) >= 0.9


def test_same_corpus_settings_and_seed_give_the_same_map(planted):
    papers, _ = planted
    a = build_map(papers, SYN_SETTINGS)
    b = build_map(list(reversed(papers)), SYN_SETTINGS)  # input order must not matter
    assert a.terms == b.terms
    np.testing.assert_array_equal(a.community, b.community)
    assert (a.adjacency != b.adjacency).nnz == 0
    assert [c.to_dict() for c in a.communities] == [c.to_dict() for c in b.communities]


def _two_cliques() -> sp.csr_matrix:
    g = nx.Graph()
    g.add_edges_from((a, b) for a in range(5) for b in range(a + 1, 5))
    g.add_edges_from((a, b) for a in range(5, 10) for b in range(a + 1, 10))
    g.add_edge(4, 5)
    return nx.to_scipy_sparse_array(g, nodelist=range(10), format="csr").astype(float)


def test_modularity_matches_networkx():
    W = sp.csr_matrix(_two_cliques())
    membership = np.array([0] * 5 + [1] * 5)
    g = nx.from_scipy_sparse_array(W)
    want = nx.community.modularity(g, [set(range(5)), set(range(5, 10))], weight="weight")
    assert modularity(W, membership) == pytest.approx(want)
    assert modularity(W, membership, resolution=2.0) == pytest.approx(
        nx.community.modularity(g, [set(range(5)), set(range(5, 10))], weight="weight", resolution=2.0))


@pytest.mark.parametrize("backend", ["igraph", "louvain", "leiden"])
def test_louvain_backends_split_two_cliques(backend):
    m = louvain(sp.csr_matrix(_two_cliques()), seed=3, backend=backend)
    assert len(set(m[:5])) == 1 and len(set(m[5:])) == 1 and m[0] != m[9]


def test_unknown_backend():
    with pytest.raises(ValueError, match="unknown Louvain backend"):
        louvain(sp.csr_matrix(_two_cliques()), backend="magic")


def test_relabel_by_size_orders_largest_first():
    assert relabel_by_size(np.array([7, 3, 3, 9, 3, 7])).tolist() == [1, 0, 0, 2, 0, 1]


def test_consensus_graph_and_ari():
    W = sp.csr_matrix(_two_cliques())
    a = np.array([0] * 5 + [1] * 5)
    b = np.array([0] * 6 + [1] * 4)
    D = consensus_graph(W, [a, a, b])
    assert D[4, 5] == 0  # together in 1 of 3 runs -> dropped
    assert D[0, 1] == pytest.approx(1.0)
    assert mean_pairwise_ari([a, a]) == pytest.approx(1.0)
    assert mean_pairwise_ari([a]) == 1.0
    assert mean_pairwise_ari([a, b]) < 1.0


def test_detect_communities_reports_modularity_and_stability():
    part = detect_communities(sp.csr_matrix(_two_cliques()), seed=1, consensus_runs=3)
    assert part.runs == 3
    assert part.stability_ari == pytest.approx(1.0)
    assert part.modularity == pytest.approx(modularity(sp.csr_matrix(_two_cliques()), part.membership))
    assert sorted(np.bincount(part.membership).tolist()) == [5, 5]


def test_adjusted_rand_equals_scikit_learn():
    from sklearn.metrics import adjusted_rand_score

    from tmlmap.network.communities import adjusted_rand

    rng = np.random.default_rng(3)
    for n, k1, k2 in [(12, 2, 3), (500, 5, 40), (3000, 60, 60), (6, 1, 1), (6, 6, 6), (1, 1, 1), (7, 1, 3)]:
        a, b = rng.integers(0, k1, n), rng.integers(0, k2, n)
        near = np.where(rng.random(n) < 0.2, b, a)
        for x, y in [(a, b), (a, a), (a, near), (a + 7, a * 3)]:
            assert adjusted_rand(x, y) == pytest.approx(adjusted_rand_score(x, y), abs=1e-12)
    with pytest.raises(ValueError, match="different lengths"):
        adjusted_rand(np.zeros(3), np.zeros(4))


def test_runs_in_a_helper_process_give_the_same_partition(monkeypatch):
    """Two processes split the seeds of each round; the consensus must not depend on it."""
    import tmlmap.network.communities as communities_module

    papers, _ = planted_corpus(seed=11, noise=0.3)
    W = build_map(papers, SYN_SETTINGS.replace(consensus_runs=1)).adjacency
    monkeypatch.setattr(communities_module, "PARALLEL_MIN_EDGES", 0)
    one = detect_communities(W, resolution=1.0, seed=4, consensus_runs=6, jobs=1)
    two = detect_communities(W, resolution=1.0, seed=4, consensus_runs=6, jobs=2)
    np.testing.assert_array_equal(one.membership, two.membership)
    assert one.stability_ari == two.stability_ari and one.modularity == two.modularity


def test_a_failing_helper_process_falls_back_to_this_one(monkeypatch):
    import tmlmap.network.communities as communities_module

    papers, _ = planted_corpus(seed=11, noise=0.3)
    W = build_map(papers, SYN_SETTINGS.replace(consensus_runs=1)).adjacency
    monkeypatch.setattr(communities_module, "PARALLEL_MIN_EDGES", 0)
    monkeypatch.setattr(communities_module.sys, "executable", "/nonexistent/python")
    with pytest.warns(UserWarning, match="Louvain helper process failed"):
        broken = detect_communities(W, resolution=1.0, seed=4, consensus_runs=4, jobs=2)
    np.testing.assert_array_equal(broken.membership, detect_communities(W, resolution=1.0, seed=4,
                                                                        consensus_runs=4, jobs=1).membership)


def test_jobs_from_the_environment(monkeypatch):
    from tmlmap.network.communities import default_jobs

    monkeypatch.setenv("TMLMAP_JOBS", "1")
    assert default_jobs() == 1
    monkeypatch.setenv("TMLMAP_JOBS", "two")
    with pytest.raises(ValueError, match="TMLMAP_JOBS"):
        default_jobs()
