"""Paper relevance: hand-computed tf-idf, weighted means, the reference rule, profiles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from tests.test_fingerprint import TERMS, tiny_map
from tmlmap.risk.fingerprint import compute_fingerprints
from tmlmap.risk.relevance import (
    REFERENCE_WEIGHTS,
    TopicScorer,
    community_profiles,
    rank_by_relevance,
    reference_scores,
    smooth_idf,
    tfidf,
    topic_relevance,
    weighted_mean,
)


def test_smooth_idf_and_tfidf_by_hand() -> None:
    idf = smooth_idf(np.array([1, 3]), 3)
    np.testing.assert_allclose(idf, [np.log(4 / 2) + 1, np.log(4 / 4) + 1])
    X = sp.csr_matrix(np.array([[1.0, 0.0], [np.e, 2.0]]))
    T = tfidf(X, idf).toarray()
    np.testing.assert_allclose(T, [[idf[0], 0], [2 * idf[0], (1 + np.log(2)) * idf[1]]])
    N = tfidf(X, idf, normalize=True).toarray()
    np.testing.assert_allclose(np.linalg.norm(N, axis=1), 1.0)
    with pytest.raises(ValueError):
        tfidf(X, idf[:1])
    with pytest.raises(ValueError):
        smooth_idf(np.array([-1]), 3)


def test_weighted_mean_and_empty_rows() -> None:
    W = sp.csr_matrix(np.array([[1.0, 3.0], [0.0, 0.0]]))
    A = np.array([[1.0, 0.0], [0.0, 1.0]])
    np.testing.assert_allclose(weighted_mean(W, A), [[0.25, 0.75], [0.0, 0.0]])


def test_reference_rule_by_hand() -> None:
    # doc: term 0 (TwML community, score 1) and term 1 (elsewhere, score 0.2), counts do not matter
    counts = sp.csr_matrix(np.array([[5.0, 1.0, 0.0]]))
    scores = np.array([[1.0], [0.2], [0.9]])
    out = reference_scores(counts, scores, np.array([True, False, False]))
    w_in, w_out = REFERENCE_WEIGHTS
    assert out[0, 0] == pytest.approx((w_in * 1 + w_out * 0.2) / (w_in + w_out))
    with pytest.raises(ValueError):
        reference_scores(counts, scores, np.array([True, False, False]), weights=(0, 1))


def test_topic_scorer_methods_rank_the_fairness_paper_first() -> None:
    m = tiny_map()
    for method in ("bipartite", "diffusion", "reference", "keyword"):
        s = TopicScorer(m, method, ["fairness", "privacy"]).score(m.X)
        assert s.shape == (5, 2)
        assert ((s >= 0) & (s <= 1)).all()
        assert s[0, 0] > s[2, 0], method  # fairness paper > river paper
        assert s[1, 1] > s[0, 1], method  # privacy paper > fairness paper on privacy
        assert s[4].tolist() == [0.0, 0.0], method  # empty document
    # keyword = tf-idf weighted share of lexicon words: hand-computed for doc 0
    kw = TopicScorer(m, "keyword", ["fairness"]).score(m.X)
    idf = smooth_idf(m.doc_freq, m.n_docs)
    w = (1 + np.log(np.array([2.0, 1.0, 1.0]))) * idf[[0, 1, 2]]
    assert kw[0, 0] == pytest.approx(w[0] / w.sum())
    # diffusion: the loans document (no lexicon word) still leans to fairness through the graph
    d = TopicScorer(m, "diffusion", ["fairness", "privacy"]).score(m.X)
    assert kw[3, 0] == 0 and d[3, 0] > d[2, 0]
    assert TopicScorer(m).method == "bipartite"  # the default
    with pytest.raises(ValueError):  # fingerprints of another method
        TopicScorer(m, "bipartite", fp=compute_fingerprints(m, "diffusion"))
    assert TopicScorer(m, "keyword", ["fairness"], fp=compute_fingerprints(m, "diffusion")).method == "keyword"
    with pytest.raises(ValueError):
        TopicScorer(m, "bm25")
    with pytest.raises(KeyError):
        TopicScorer(m, "diffusion", ["astrology"])
    with pytest.raises(ValueError):
        TopicScorer(m, "diffusion").score(sp.csr_matrix((1, 3)))


def test_tfidf_sums_duplicate_entries() -> None:
    idf = np.array([1.0, 2.0])
    dup = sp.csr_matrix((np.array([1.0, 1.0, 1.0]), (np.array([0, 0, 0]), np.array([1, 1, 0]))), shape=(1, 2))
    once = sp.csr_matrix(np.array([[1.0, 2.0]]))
    np.testing.assert_allclose(tfidf(dup, idf).toarray(), tfidf(once, idf).toarray())
    assert tfidf(dup, idf).nnz == 2


def test_score_is_monotone_in_added_topic_terms() -> None:
    m = tiny_map()
    scorer = TopicScorer(m, "diffusion", ["fairness"])
    base = sp.csr_matrix(np.array([[0, 0, 0, 0, 0, 1, 1, 0]], dtype=float))
    more = base.copy().tolil()
    more[0, 1] = 1  # add "loan"
    assert scorer.score(more.tocsr())[0, 0] > scorer.score(base)[0, 0]


def test_community_profiles_rows_sum_to_one() -> None:
    m = tiny_map()
    P = community_profiles(m)
    assert P.shape == (m.n_docs, len(m.communities))
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    assert np.argmax(P[0]) == 0 and np.argmax(P[1]) == 1 and np.argmax(P[2]) == 2
    np.testing.assert_allclose(P[4], 0.25)  # empty paper: uniform
    P[0, 0] = -1  # a copy: the cache is not affected
    assert community_profiles(m)[0, 0] >= 0
    ranked = rank_by_relevance(m, 1, top=2)
    assert ranked[0][0] == "d1"
    with pytest.raises(ValueError):
        rank_by_relevance(m, 9)


def test_topic_relevance_dataframe() -> None:
    m = tiny_map()
    df = topic_relevance(m, topics=["fairness", "privacy"])
    assert isinstance(df, pd.DataFrame)
    assert list(df.index) == m.doc_ids and list(df.columns) == ["fairness", "privacy"]
    assert df.loc["d0", "fairness"] > df.loc["d2", "fairness"]
    full = topic_relevance(m)
    assert "other" not in full.columns and "fairness" in full.columns
    assert len(TERMS) == m.n_terms
    # the dashboard's shares stay on the diffusion scale by default
    np.testing.assert_array_equal(full.to_numpy(), topic_relevance(m, "diffusion").to_numpy())


def test_real_map_profiles_and_relevance(real_map) -> None:
    P = community_profiles(real_map)
    assert P.shape == (real_map.n_docs, len(real_map.communities))
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-9)
    from tmlmap.risk.evaluate import auc

    fat = np.asarray(real_map.doc_venues) == "FAT*"
    for method in ("bipartite", "diffusion"):
        df = topic_relevance(real_map, method, topics=["fairness", "privacy"])
        assert df.shape == (real_map.n_docs, 2)
        if fat.sum() >= 5:
            # FAT* papers rank above almost all others on fairness (both methods: AUC 0.99 when written)
            assert auc(fat, df["fairness"].to_numpy()) > 0.95
    # the walk alone gives them a far larger share (the bipartite step shrinks every term toward the
    # corpus mean, which compresses the scale, not the ranking)
    if fat.sum() >= 5:
        assert df["fairness"].to_numpy()[fat].mean() > 3 * df["fairness"].to_numpy()[~fat].mean()
