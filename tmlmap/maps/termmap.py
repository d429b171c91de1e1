"""The map artifact: everything a build produces, as plain arrays.

A :class:`TermMap` is what the CLI, the risk scorer and the dashboard consume.
It is built by :func:`tmlmap.maps.build.build_map` and saved/loaded by
:mod:`tmlmap.maps.artifacts` (numpy ``.npz`` + JSON; no pickle).

Shapes (``n_docs`` papers selected by the settings, ``n_terms`` vocabulary):

* ``terms``: list of ``n_terms`` display strings; multiword terms use spaces
  (``"differential privacy"``).
* ``doc_freq``: ``(n_terms,)`` int, documents containing each term.
* ``X``: ``(n_docs, n_terms)`` CSR, term counts per document (title +
  abstract + keywords); ``X > 0`` is the binary incidence used for co-occurrence.
* ``adjacency``: ``(n_terms, n_terms)`` symmetric CSR of the pruned, weighted
  graph (weights per ``settings.weight``); zero diagonal.
* ``cooccurrence``: ``(n_terms, n_terms)`` symmetric CSR of raw counts
  (documents shared) on the edges of ``adjacency``; zero diagonal.
* ``community``: ``(n_terms,)`` int community id; ids are ``0..k-1`` ordered
  by community size (largest first).
* ``word_docs``: ``(n_docs, n_forms)`` CSR of 0/1 float32, which papers use
  each *form* of the extractor (every lemma and phrase of the corpus, terms
  or not; forms in fewer than :data:`tmlmap.maps.build.WORD_MIN_DF` papers
  are left out). Lets the risk scorer read words that are not map terms
  through the papers that use them. ``None`` for maps saved before it existed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from tmlmap.maps.settings import MapSettings
from tmlmap.network.labels import Community

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

    from tmlmap.text.extractor import TermExtractor


@dataclass
class TermMap:
    settings: MapSettings
    terms: list[str]
    doc_freq: np.ndarray
    doc_ids: list[str]
    doc_years: np.ndarray
    doc_venues: np.ndarray
    X: sp.csr_matrix
    cooccurrence: sp.csr_matrix
    adjacency: sp.csr_matrix
    community: np.ndarray
    communities: list[Community]
    modularity: float
    stability_ari: float
    corpus_fingerprint: str
    extractor: TermExtractor
    timings: dict[str, float] = field(default_factory=dict)
    word_docs: sp.csr_matrix | None = None
    _index: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._index = {t.lower(): i for i, t in enumerate(self.terms)}

    # -- lookups -----------------------------------------------------------
    @property
    def n_terms(self) -> int:
        return len(self.terms)

    @property
    def n_docs(self) -> int:
        return len(self.doc_ids)

    @property
    def n_edges(self) -> int:
        return int(self.adjacency.nnz // 2)

    def term_id(self, term: str) -> int | None:
        """Index of ``term``, or None.

        ``term`` is matched as displayed (case-insensitive) or, failing that,
        normalized like the corpus ("Adversarial Examples" finds
        "adversarial example").
        """
        i = self._index.get(" ".join(term.lower().split()))
        return i if i is not None else self.extractor.lookup(term)

    def community_of(self, term: str) -> Community | None:
        i = self.term_id(term)
        return None if i is None else self.communities[int(self.community[i])]

    def neighbours(self, term: str, k: int = 10) -> list[tuple[str, float]]:
        """The ``k`` strongest neighbours of ``term`` in the pruned graph."""
        i = self.term_id(term)
        if i is None:
            return []
        row = self.adjacency.getrow(i)
        order = np.argsort(-row.data, kind="stable")[:k]
        return [(self.terms[row.indices[j]], float(row.data[j])) for j in order]

    def closest_terms(self, term: str, n: int = 5) -> list[str]:
        """Known terms spelled most like ``term`` (for 'did you mean')."""
        import difflib

        return difflib.get_close_matches(" ".join(term.lower().split()), self.terms, n=n, cutoff=0.6)

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        """Term counts of new texts: ``(len(texts), n_terms)`` CSR."""
        return self.extractor.transform(texts)

    def to_networkx(self) -> nx.Graph:
        """The pruned graph with ``weight``, ``community`` and ``df`` attributes."""
        import networkx as nx

        g = nx.Graph()
        for i, t in enumerate(self.terms):
            g.add_node(t, community=int(self.community[i]), df=int(self.doc_freq[i]))
        coo = sp.triu(self.adjacency, k=1).tocoo()
        g.add_weighted_edges_from(
            (self.terms[a], self.terms[b], float(w)) for a, b, w in zip(coo.row, coo.col, coo.data, strict=True)
        )
        return g
