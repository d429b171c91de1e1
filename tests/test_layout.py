"""Layout: deterministic positions for a seed, top-term and edge selection."""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from tmlmap.network.layout import CANVAS, layout_positions, strongest_edges, top_terms


def random_graph(n: int, m: int, seed: int = 1) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    r, c = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = r != c
    w = rng.random(keep.sum())
    a = sp.coo_matrix((w, (r[keep], c[keep])), shape=(n, n)).tocsr()
    return (a + a.T).tocsr()


def test_same_seed_same_positions_other_seed_differs() -> None:
    a = random_graph(300, 1500)
    i, j, w = strongest_edges(a, np.arange(300), 10_000)
    p1 = layout_positions(300, i, j, w, seed=3)
    p2 = layout_positions(300, i, j, w, seed=3)
    p3 = layout_positions(300, i, j, w, seed=4)
    assert p1.shape == (300, 2)
    np.testing.assert_array_equal(p1, p2)
    assert not np.allclose(p1, p3)
    assert np.abs(p1).max() <= CANVAS / 2 + 1e-6
    assert np.isfinite(p1).all()


def test_linked_nodes_end_closer_than_unlinked() -> None:
    # two cliques joined by one edge: members of a clique sit together
    edges = [(a, b) for a in range(5) for b in range(a + 1, 5)]
    edges += [(a, b) for a in range(5, 10) for b in range(a + 1, 10)] + [(4, 5)]
    i, j = np.array([e[0] for e in edges]), np.array([e[1] for e in edges])
    pos = layout_positions(10, i, j, seed=0)
    d = np.linalg.norm(pos[:, None] - pos[None], axis=-1)
    within = np.mean([d[a, b] for a, b in edges if (a < 5) == (b < 5)])
    across = np.mean([d[a, b] for a in range(5) for b in range(5, 10)])
    assert within < across


def test_groups_pull_members_together() -> None:
    # no edges at all: only the group hubs organise the picture
    groups = np.repeat([0, 1, 2], 10)
    pos = layout_positions(30, np.array([], dtype=int), np.array([], dtype=int), seed=1, groups=groups)
    again = layout_positions(30, np.array([], dtype=int), np.array([], dtype=int), seed=1, groups=groups)
    np.testing.assert_array_equal(pos, again)
    d = np.linalg.norm(pos[:, None] - pos[None], axis=-1)
    same = groups[:, None] == groups[None]
    off = ~np.eye(30, dtype=bool)
    assert d[same & off].mean() < 0.6 * d[~same].mean()


def test_fast_for_a_thousand_nodes() -> None:
    a = random_graph(1000, 5000)
    i, j, w = strongest_edges(a, np.arange(1000), 5000)
    t = time.perf_counter()
    layout_positions(1000, i, j, w, seed=0, groups=np.arange(1000) % 40)
    assert time.perf_counter() - t < 5.0  # generous: ~0.3 s alone on the dev box


def test_top_terms_and_strongest_edges() -> None:
    df = np.array([5, 9, 9, 1, 7])
    assert top_terms(df, 2).tolist() == [1, 2]
    assert top_terms(df, 2, must_include=[3]).tolist() == [1, 2, 3]
    assert top_terms(np.array([1, 2, 2, 0]), 1, tiebreak=np.array([0, 1, 5, 9])).tolist() == [2]
    a = sp.csr_matrix(np.array([
        [0, 3, 1, 0, 0],
        [3, 0, 2, 0, 5],
        [1, 2, 0, 0, 0],
        [0, 0, 0, 0, 0],
        [0, 5, 0, 0, 0],
    ], dtype=float))
    i, j, w = strongest_edges(a, np.array([0, 1, 2]), 2)
    assert list(zip(i.tolist(), j.tolist(), w.tolist(), strict=True)) == [(0, 1, 3.0), (1, 2, 2.0)]
    assert layout_positions(0, np.array([]), np.array([])).shape == (0, 2)
    assert layout_positions(1, np.array([]), np.array([])).tolist() == [[0.0, 0.0]]
