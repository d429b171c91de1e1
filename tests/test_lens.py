"""The trustworthy-ML lens: core communities from the map's labels, neighbours by share of link weight."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from tmlmap.analysis.lens import community_link_weights, map_lens, trustworthy_lens


def graph() -> tuple[sp.csr_matrix, np.ndarray, list[str | None]]:
    """Communities 0 (fairness), 1 (tied to 0 by a third of its links), 2 (big, weakly tied),
    3 (no tie); 5 terms each except 2 with 10; term 19 of community 2 links to 0 strongly."""
    community = np.array([0] * 5 + [1] * 5 + [2] * 10 + [3] * 5)
    edges: list[tuple[int, int, float]] = []
    for c in range(4):
        members = np.flatnonzero(community == c)
        edges += [(int(a), int(b), 1.0) for a in members for b in members if a < b]
    edges += [(0, 5, 2.0), (1, 6, 2.0), (2, 10, 0.5), (0, 19, 3.0)]
    i, j, w = zip(*edges, strict=True)
    a = sp.coo_matrix((w, (i, j)), shape=(25, 25)).tocsr()
    return (a + a.T).tocsr(), community, ["fairness", None, None, None]


def test_community_link_weights() -> None:
    adj, community, _ = graph()
    to = community_link_weights(adj, community)
    assert to.shape == (25, 4)
    assert to[0].tolist() == [4.0, 2.0, 3.0, 0.0]
    assert np.allclose(to.sum(axis=1), np.asarray(adj.sum(axis=1)).ravel())


def test_lens_core_neighbours_and_bridge_terms() -> None:
    adj, community, topics = graph()
    lens = trustworthy_lens(adj, community, topics, n_neighbours=1, n_bridge_terms=1, min_size=5)
    assert lens.core == (0,)
    # community 1 sends 4 of its 24 link weight to fairness terms; community 2 3.5 of ~96
    assert lens.neighbours == (1,)
    assert lens.neighbour_share[0] == pytest.approx(4.0 / 24.0, abs=1e-4)
    assert lens.bridge_terms == (19,)
    assert lens.term_mask.sum() == 11 and lens.term_mask[19] and not lens.term_mask[20]
    wider = trustworthy_lens(adj, community, topics, n_neighbours=5, min_size=5)
    assert wider.neighbours == (1, 2)  # 3 has no link to the core
    assert wider.communities == (0, 1, 2)
    small = trustworthy_lens(adj, community, topics, min_size=6)
    assert small.neighbours == (2,)
    few_papers = trustworthy_lens(adj, community, topics, min_size=5, n_papers=[50, 50, 3, 50],
                                  min_papers=20)
    assert few_papers.neighbours == (1,)


def test_no_trustworthy_community_gives_an_empty_lens() -> None:
    adj, community, _ = graph()
    lens = trustworthy_lens(adj, community, [None, "optimization", None, None])
    assert lens.empty and not lens.term_mask.any() and lens.communities == ()


@pytest.mark.slow
def test_lens_of_the_real_map(real_map) -> None:  # noqa: ANN001
    lens = map_lens(real_map)
    topics = {real_map.communities[c].topic for c in lens.core}
    assert {"fairness", "privacy"} <= topics
    assert len(lens.neighbours) == 6 and not set(lens.neighbours) & set(lens.core)
    assert list(lens.neighbour_share) == sorted(lens.neighbour_share, reverse=True)
    assert 0.02 * real_map.n_terms < lens.term_mask.sum() < 0.5 * real_map.n_terms
