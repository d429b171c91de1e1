"""Map exports for other tools: VOSviewer Online's JSON map and tmlmap's full-map JSON.

* :func:`vosviewer_json`: the VOSviewer JSON file type (``network.items``,
  ``network.links``, ``network.clusters``, ``config``), so a map opens in the
  web version of VOSviewer with our communities as clusters, our layout, the
  term occurrences as weight and the average publication year of each term's
  papers as score (VOSviewer's overlay visualization).
* :func:`map_json`: every term, community and link of a map with its
  settings, described by the JSON Schema in ``map.schema.json`` next to this
  module (:func:`map_schema`).

Paper-derived text is untrusted: item descriptions (which VOSviewer Online
renders as HTML) are HTML-escaped.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from tmlmap.analysis.trends import term_mean_year
from tmlmap.maps.termmap import TermMap
from tmlmap.network.layout import layout_positions, strongest_edges, top_terms

#: The JSON Schema of :func:`map_json` output.
MAP_SCHEMA_PATH = Path(__file__).with_name("map.schema.json")
#: Format version written in :func:`map_json` output (``format_version``).
MAP_JSON_VERSION = 1
#: Terms in a VOSviewer export by default (the layout is computed for them; VOSviewer
#: itself is comfortable with a few thousand items).
DEFAULT_VOS_ITEMS = 1000
#: Links in a VOSviewer export by default (the strongest among the exported items).
DEFAULT_VOS_LINKS = 10_000


def map_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the full-map JSON export."""
    return json.loads(MAP_SCHEMA_PATH.read_text(encoding="utf-8"))


def _round(values: np.ndarray, digits: int) -> list[float | None]:
    return [None if not np.isfinite(v) else round(float(v), digits) for v in values.tolist()]


def map_json(term_map: TermMap) -> dict[str, Any]:
    """The whole map as plain JSON data (see ``map.schema.json``).

    ``terms[i]``: ``id`` (= index), ``term``, ``community``, ``doc_freq``,
    ``mean_year`` (average publication year of the papers using it, null if
    none); ``links``: each edge once (``source < target``) with the map's
    ``weight`` and the raw ``count`` of papers sharing both terms.
    """
    mean_year = term_mean_year(term_map.X, term_map.doc_years)
    upper = sp.triu(term_map.adjacency, k=1).tocoo()
    counts = sp.csr_matrix(term_map.cooccurrence)[upper.row, upper.col]
    counts = np.asarray(counts).ravel()
    return {
        "format": "tmlmap-map",
        "format_version": MAP_JSON_VERSION,
        "corpus_fingerprint": term_map.corpus_fingerprint,
        "settings": term_map.settings.to_dict(),
        "summary": {"papers": term_map.n_docs, "terms": term_map.n_terms, "links": int(upper.nnz),
                    "communities": len(term_map.communities), "modularity": float(term_map.modularity),
                    "stability_ari": float(term_map.stability_ari)},
        "terms": [{"id": i, "term": t, "community": c, "doc_freq": d, "mean_year": y}
                  for i, (t, c, d, y) in enumerate(zip(term_map.terms, term_map.community.tolist(),
                                                       np.asarray(term_map.doc_freq).tolist(),
                                                       _round(mean_year, 2), strict=True))],
        "communities": [c.to_dict() for c in term_map.communities],
        "links": [{"source": a, "target": b, "weight": w, "count": int(n)}
                  for a, b, w, n in zip(upper.row.tolist(), upper.col.tolist(),
                                        _round(upper.data, 6), counts.tolist(), strict=True)],
    }


def vosviewer_json(term_map: TermMap, *, max_items: int = DEFAULT_VOS_ITEMS,
                   max_links: int = DEFAULT_VOS_LINKS, seed: int | None = None) -> dict[str, Any]:
    """A VOSviewer JSON map of the ``max_items`` most frequent terms.

    Items: ``id`` (1-based term rank), ``label``, ``x``/``y`` (our layout,
    scaled to about [-1, 1]), ``cluster`` (community id + 1, at most 1000),
    ``weights.Occurrences`` (papers using the term), ``scores["Avg. pub. year"]``;
    links: the ``max_links`` strongest links among them, ``strength`` = the map's
    edge weight; clusters labelled with the community names. ``seed`` (default:
    the map's seed) fixes the layout.
    """
    if max_items < 1 or max_links < 0:
        raise ValueError("max_items must be >= 1 and max_links >= 0")
    doc_freq = np.asarray(term_map.doc_freq)
    nodes = top_terms(doc_freq.astype(float), max_items)
    ei, ej, ew = strongest_edges(term_map.adjacency, nodes, max_links)
    community = np.asarray(term_map.community)[nodes]
    pos = layout_positions(len(nodes), ei, ej, ew, seed=term_map.settings.seed if seed is None else seed,
                           groups=community)
    span = float(np.abs(pos).max()) if len(pos) else 1.0
    pos = pos / (span or 1.0)
    mean_year = term_mean_year(term_map.X, term_map.doc_years)[nodes]
    names = {c.id: c.name for c in term_map.communities}
    items = []
    for k, i in enumerate(nodes.tolist()):
        c = int(term_map.community[i])
        item: dict[str, Any] = {
            "id": k + 1, "label": term_map.terms[i],
            "description": f"<b>{html.escape(term_map.terms[i])}</b><br>community: "
                           f"{html.escape(names.get(c, str(c)))}",
            "x": round(float(pos[k, 0]), 5), "y": round(float(-pos[k, 1]), 5),
            "cluster": min(c + 1, 1000), "weights": {"Occurrences": int(doc_freq[i])},
        }
        if np.isfinite(mean_year[k]):
            item["scores"] = {"Avg. pub. year": round(float(mean_year[k]), 2)}
        items.append(item)
    used = sorted({int(term_map.community[i]) for i in nodes.tolist()})
    return {
        "config": {"terminology": {"item": "Term", "items": "Terms", "link": "Link", "links": "Links",
                                   "cluster": "Community", "clusters": "Communities",
                                   "link_strength": "Link weight", "total_link_strength": "Total link weight"},
                   "parameters": {"item_size": 1, "largest_component": False}},
        "network": {
            "items": items,
            "links": [{"source_id": int(a) + 1, "target_id": int(b) + 1, "strength": round(float(w), 6)}
                      for a, b, w in zip(ei.tolist(), ej.tolist(), ew.tolist(), strict=True)],
            "clusters": [{"cluster": min(c + 1, 1000), "label": names.get(c, str(c))} for c in used],
        },
        "info": {"title": "tmlmap term map",
                 "description": html.escape(f"{term_map.n_docs:,} papers, {len(items):,} most frequent of "
                                            f"{term_map.n_terms:,} terms; clusters are tmlmap communities")},
    }
