"""The trustworthy-ML lens: the part of a map around the trustworthy-ML communities.

Definition (everything comes from the map; no hand-picked list of terms):

1. **Core communities**: the communities the labelling stage named after a
   trustworthy-ML topic (``Community.topic`` in
   :data:`tmlmap.lexicons.TWML_TOPICS`: privacy, fairness, robustness,
   explainability, safety). Which community carries a topic's name is decided
   by :func:`tmlmap.network.labels.label_communities` from the topic's seed
   words among the community's top terms.
2. **Neighbour communities**: of the other communities with at least
   ``min_size`` terms and ``min_papers`` papers (smaller ones are mostly
   extraction debris such as hyphenation fragments), the ``n_neighbours`` with the largest *share* of their
   link weight going to core terms (``W[d, core] / W[d, all]``, link weights of
   the map's pruned graph). A share rather than the raw sum, so that a big
   generic community (e.g. deep learning) does not come first only because it
   is big.
3. **Bridge terms**: the ``n_bridge_terms`` terms outside the core and
   neighbour communities with the largest total link weight to core terms.

The lens's terms are the terms of 1 and 2 plus the bridge terms. A map
without a community named after a trustworthy-ML topic (e.g. a narrow venue
selection) has an empty lens: the views then show the whole map and say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from tmlmap.lexicons import TWML_TOPICS

if TYPE_CHECKING:  # pragma: no cover
    from tmlmap.maps.termmap import TermMap

N_NEIGHBOURS = 6
N_BRIDGE_TERMS = 40
MIN_NEIGHBOUR_SIZE = 20
MIN_NEIGHBOUR_PAPERS = 20


@dataclass(frozen=True)
class Lens:
    """A lens over one map: ``core`` and ``neighbours`` community ids (strongest
    neighbour first), ``neighbour_share`` (share of each neighbour's link weight
    going to core terms), ``bridge_terms`` (term ids, strongest first) and
    ``term_mask`` (``(n_terms,)`` bool, the lens's terms)."""

    core: tuple[int, ...]
    neighbours: tuple[int, ...]
    neighbour_share: tuple[float, ...]
    bridge_terms: tuple[int, ...]
    term_mask: np.ndarray

    @property
    def empty(self) -> bool:
        return not self.core

    @property
    def communities(self) -> tuple[int, ...]:
        """Core then neighbour community ids."""
        return self.core + self.neighbours


def community_link_weights(adjacency: sp.spmatrix, community: np.ndarray) -> np.ndarray:
    """``(n_terms, k)`` total link weight of each term to the terms of each community.

    ``adjacency``: ``(n_terms, n_terms)`` symmetric weights; ``community``:
    ``(n_terms,)`` ids in ``0..k-1``.
    """
    community = np.asarray(community, dtype=np.int64)
    k = int(community.max()) + 1 if len(community) else 0
    onehot = sp.csr_matrix((np.ones(len(community)), (np.arange(len(community)), community)),
                           shape=(len(community), k))
    return np.asarray((sp.csr_matrix(adjacency) @ onehot).todense())


def trustworthy_lens(adjacency: sp.spmatrix, community: np.ndarray, topics: list[str | None], *,
                     n_neighbours: int = N_NEIGHBOURS, n_bridge_terms: int = N_BRIDGE_TERMS,
                     min_size: int = MIN_NEIGHBOUR_SIZE,
                     n_papers: list[int] | None = None, min_papers: int = MIN_NEIGHBOUR_PAPERS,
                     lens_topics: tuple[str, ...] = TWML_TOPICS) -> Lens:
    """The lens (module docstring) of a map given as arrays.

    ``topics``: the topic key (or None) of each community id; ``n_papers``:
    each community's paper count (``Community.n_papers``; not checked when None).
    """
    community = np.asarray(community, dtype=np.int64)
    n_terms = len(community)
    core = tuple(c for c, t in enumerate(topics) if t in lens_topics)
    if not core or n_terms == 0:
        return Lens((), (), (), (), np.zeros(n_terms, dtype=bool))
    to_comm = community_link_weights(adjacency, community)  # (n_terms, k)
    k = to_comm.shape[1]
    to_core = to_comm[:, list(core)].sum(axis=1)  # (n_terms,) weight to core terms
    total = to_comm.sum(axis=1)
    comm_to_core = np.bincount(community, weights=to_core, minlength=k)
    comm_total = np.bincount(community, weights=total, minlength=k)
    size = np.bincount(community, minlength=k)
    share = np.divide(comm_to_core, comm_total, out=np.zeros(k), where=comm_total > 0)
    eligible = (size >= min_size) & (comm_to_core > 0)
    if n_papers is not None:
        eligible &= np.asarray(n_papers, dtype=np.int64)[:k] >= min_papers
    eligible[list(core)] = False
    cand = np.flatnonzero(eligible)
    order = cand[np.lexsort((cand, -share[cand]))][:max(int(n_neighbours), 0)]
    neighbours = tuple(int(c) for c in order)
    in_comms = np.isin(community, np.asarray(core + neighbours))
    outside = np.flatnonzero(~in_comms & (to_core > 0))
    bridge = outside[np.lexsort((outside, -to_core[outside]))][:max(int(n_bridge_terms), 0)]
    mask = in_comms.copy()
    mask[bridge] = True
    return Lens(core, neighbours, tuple(round(float(share[c]), 4) for c in neighbours),
                tuple(int(t) for t in bridge), mask)


def map_lens(term_map: TermMap, **kwargs: object) -> Lens:
    """:func:`trustworthy_lens` of a :class:`~tmlmap.maps.termmap.TermMap`."""
    comms = sorted(term_map.communities, key=lambda c: c.id)
    kwargs.setdefault("n_papers", [c.n_papers for c in comms])
    return trustworthy_lens(term_map.adjacency, term_map.community, [c.topic for c in comms],
                            **kwargs)  # type: ignore[arg-type]
