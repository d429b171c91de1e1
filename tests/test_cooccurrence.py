"""Co-occurrence counts and edge weights against brute force; row filters."""

from __future__ import annotations

import math
from collections import Counter
from itertools import combinations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from tmlmap.network.cooccurrence import cooccurrence_matrix, edge_weights, select_rows
from tmlmap.network.vocabulary import document_frequency, relevance_scores, select_vocabulary

docs_strategy = st.lists(st.lists(st.integers(0, 7), max_size=12), min_size=1, max_size=25)


def _matrix(docs: list[list[int]], n_terms: int = 8) -> sp.csr_matrix:
    rows = [d for d, doc in enumerate(docs) for _ in doc]
    cols = [t for doc in docs for t in doc]
    return sp.csr_matrix((np.ones(len(cols)), (rows, cols)), shape=(len(docs), n_terms))


def _brute(docs: list[list[int]]) -> Counter:
    pairs: Counter = Counter()
    for doc in docs:
        for a, b in combinations(sorted(set(doc)), 2):
            pairs[(a, b)] += 1
    return pairs


@given(docs_strategy)
@settings(max_examples=60, deadline=None)
def test_cooccurrence_equals_brute_force(docs):
    C = cooccurrence_matrix(_matrix(docs)).toarray()
    expected = np.zeros((8, 8), dtype=np.int64)
    for (a, b), n in _brute(docs).items():
        expected[a, b] = expected[b, a] = n
    np.testing.assert_array_equal(C, expected)


@given(docs_strategy, st.sampled_from(["count", "association", "npmi", "jaccard"]))
@settings(max_examples=60, deadline=None)
def test_edge_weights_match_formulas(docs, method):
    X = _matrix(docs)
    n = len(docs)
    df = document_frequency(X)
    W = edge_weights(cooccurrence_matrix(X), df, n, method).toarray()
    for (a, b), c in _brute(docs).items():
        s_a, s_b = df[a], df[b]
        lift = n * c / (s_a * s_b)
        if method == "count":
            want = c
        elif method == "association":
            want = lift if lift > 1 else 0.0
        elif method == "jaccard":
            want = c / (s_a + s_b - c) if lift > 1 else 0.0
        else:
            p = c / n
            want = 1.0 if p >= 1 else math.log(lift) / -math.log(p)
            want = want if want > 0 else 0.0
        assert W[a, b] == pytest.approx(want)
        assert W[b, a] == pytest.approx(W[a, b])
    assert np.all(np.diag(W) == 0)


def test_unknown_weight_is_an_error():
    X = _matrix([[0, 1]])
    with pytest.raises(ValueError, match="unknown weight"):
        edge_weights(cooccurrence_matrix(X), document_frequency(X), 1, "cosine")


def test_repeated_terms_in_a_document_count_once():
    X = sp.csr_matrix(np.array([[3.0, 2.0, 0.0], [1.0, 0.0, 5.0]]))
    C = cooccurrence_matrix(X).toarray()
    assert C[0, 1] == 1 and C[0, 2] == 1 and C[1, 2] == 0


def test_select_rows_filters_venue_and_years():
    years = np.array([2015, 2018, 2020, 2022])
    venues = np.array(["ICML", "NeurIPS", "ICML", "FAT*"], dtype=object)
    assert select_rows(4, years, venues).tolist() == [True] * 4
    assert select_rows(4, years, venues, venue_set=("ICML",)).tolist() == [True, False, True, False]
    assert select_rows(4, years, venues, year_min=2018, year_max=2020).tolist() == [False, True, True, False]
    assert select_rows(4, years, venues, venue_set=("ICML", "FAT*"), year_min=2019).tolist() == [
        False, False, True, True]


def test_vocabulary_respects_df_limits_and_ties_deterministically():
    # term df: 0->4, 1->4, 2->2, 3->1, 4->5 (in all docs)
    docs = [[0, 1, 4], [0, 1, 2, 4], [0, 1, 2, 4], [0, 1, 3, 4], [4]]
    X = _matrix(docs, 5)
    keys = ["b", "a", "c", "d", "e"]
    chosen = select_vocabulary(X, keys, min_df=2, max_df_share=0.9, max_terms=10)
    # term 4 is in every document (share 1.0 > 0.9); term 3 is below min_df
    assert chosen.tolist() == [1, 0, 2]  # df 4, 4 (tie: "a" before "b"), then 2
    chosen = select_vocabulary(X, keys, min_df=2, max_df_share=0.9, max_terms=1)
    assert chosen.tolist() == [1]


def test_relevance_prefers_concentrated_terms():
    # term 0 co-occurs with everything (general); term 3 only with term 4.
    docs = [[0, 1], [0, 2], [0, 1, 2], [0, 3, 4], [3, 4], [3, 4], [1, 2]]
    scores = relevance_scores(_matrix(docs, 5))
    assert scores[3] > scores[0]
    assert scores[4] > scores[0]


def _random_incidence(seed: int = 5, n_docs: int = 400, n_terms: int = 60) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    return sp.csr_matrix((rng.random((n_docs, n_terms)) < rng.random(n_terms) * 0.3).astype(np.float64))


def test_cooccurrence_indices_come_out_sorted():
    from tmlmap.network.cooccurrence import cooccurrence_matrix

    C = cooccurrence_matrix(_random_incidence())
    assert C.has_sorted_indices
    order = sp.csr_matrix(C, copy=True)
    order.has_sorted_indices = False
    order.sort_indices()
    np.testing.assert_array_equal(order.indices, C.indices)


@pytest.mark.parametrize("method", ["count", "association", "npmi", "jaccard"])
def test_min_count_while_weighting_equals_the_filter_afterwards(method):
    from tmlmap.network.backbone import min_count_filter
    from tmlmap.network.cooccurrence import cooccurrence_matrix, edge_weights
    from tmlmap.network.vocabulary import document_frequency

    X = _random_incidence()
    C = cooccurrence_matrix(X)
    df = document_frequency(X)
    fused = edge_weights(C, df, X.shape[0], method, min_count=4)
    after = min_count_filter(edge_weights(C, df, X.shape[0], method), C, 4)
    assert fused.nnz < edge_weights(C, df, X.shape[0], method).nnz
    np.testing.assert_array_equal(fused.indptr, after.indptr)
    np.testing.assert_array_equal(fused.indices, after.indices)
    np.testing.assert_array_equal(fused.data, after.data)


def test_counts_on_edges_is_the_masked_product():
    from tmlmap.network.backbone import disparity_filter
    from tmlmap.network.cooccurrence import cooccurrence_matrix, counts_on_edges, edge_weights
    from tmlmap.network.vocabulary import document_frequency

    X = _random_incidence()
    C = cooccurrence_matrix(X)
    W = disparity_filter(edge_weights(C, document_frequency(X), X.shape[0], "association"), 0.3)
    got = counts_on_edges(C, W)
    want = C.multiply(W > 0).tocsr()
    assert got.dtype == C.dtype and 0 < got.nnz < C.nnz
    assert (got != want).nnz == 0
    np.testing.assert_array_equal(got.indptr, W.indptr)
