"""Thematic map: hand-computed centrality, density and quadrants."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from tmlmap.analysis.thematic import (
    BASIC,
    EMERGING,
    MOTOR,
    NICHE,
    centrality_density,
    quadrant,
    thematic_map,
)


def graph(edges: list[tuple[int, int, float]], n: int) -> sp.csr_matrix:
    r = [a for a, b, _ in edges] + [b for a, b, _ in edges]
    c = [b for a, b, _ in edges] + [a for a, b, _ in edges]
    w = [x for *_, x in edges] * 2
    return sp.csr_matrix((w, (r, c)), shape=(n, n))


# Community 0 = {0, 1, 2}, 1 = {3, 4}, 2 = {5}
MEMBERSHIP = np.array([0, 0, 0, 1, 1, 2])
EDGES = [
    (0, 1, 2.0), (1, 2, 4.0),  # inside 0: 6
    (3, 4, 1.0),               # inside 1: 1
    (2, 3, 0.5),               # 0 - 1
    (0, 5, 3.0), (4, 5, 1.5),  # 0 - 2 and 1 - 2
]


def test_centrality_counts_each_cross_link_for_both_communities() -> None:
    c, d = centrality_density(graph(EDGES, 6), MEMBERSHIP)
    np.testing.assert_allclose(c, [0.5 + 3.0, 0.5 + 1.5, 3.0 + 1.5])
    np.testing.assert_allclose(d, [100 * 6 / 3, 100 * 1 / 2, 0.0])
    # the total centrality is twice the total cross-community weight
    assert c.sum() == pytest.approx(2 * (0.5 + 3.0 + 1.5))


def test_quadrants_split_at_means() -> None:
    df = thematic_map(graph(EDGES, 6), MEMBERSHIP, names=["a", "b", "c"], n_papers=[5, 3, 1])
    # centrality 3.5, 2.0, 4.5 (mean 3.33); density 200, 50, 0 (mean 83.3)
    assert list(df["quadrant"]) == [MOTOR, EMERGING, BASIC]
    assert list(df["name"]) == ["a", "b", "c"]
    assert list(df["n_papers"]) == [5, 3, 1]
    assert list(df["centrality_rank"]) == [2.0, 1.0, 3.0]
    # dropping small communities recomputes the means over the rows kept
    kept = thematic_map(graph(EDGES, 6), MEMBERSHIP, min_size=2)
    assert list(kept["community"]) == [0, 1]
    assert list(kept["quadrant"]) == [MOTOR, EMERGING]


def test_rank_split_and_niche() -> None:
    # community 1 dense inside, hardly linked outside -> niche
    edges = [(0, 1, 1.0), (2, 3, 10.0), (1, 2, 0.1), (0, 4, 2.0), (1, 4, 2.0)]
    df = thematic_map(graph(edges, 5), np.array([0, 0, 1, 1, 2]), by="rank")
    q = dict(zip(df["community"], df["quadrant"], strict=True))
    assert q[1] == NICHE
    assert q[0] == MOTOR  # highest centrality, middle density rank == mean counts as high


def test_quadrant_names() -> None:
    assert quadrant(True, True) == MOTOR
    assert quadrant(False, True) == NICHE
    assert quadrant(False, False) == EMERGING
    assert quadrant(True, False) == BASIC


def test_diagonal_ignored_and_bad_by() -> None:
    g = graph(EDGES, 6) + sp.identity(6, format="csr") * 100
    c, d = centrality_density(g, MEMBERSHIP)
    np.testing.assert_allclose(d, [200.0, 50.0, 0.0])
    with pytest.raises(ValueError):
        thematic_map(g, MEMBERSHIP, by="x")
