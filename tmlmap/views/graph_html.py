"""The term network as a self-contained HTML page (pyvis / vis.js), safe and offline.

:func:`network_html` draws the ``n_terms`` top terms of a map (by link
strength, number of links or papers: :data:`RANK_BY`) and at most ``max_edges`` of
their strongest links:

* node colour = community (legend of community names), or, in *overlay*
  mode, the average publication year of the papers using the term (VOSviewer's
  overlay view; a blue-to-yellow ramp from the oldest to the newest year);
* node size = document frequency (vis.js ``value`` scaling); edge width = weight;
* positions computed in Python (:mod:`tmlmap.network.layout`), physics off at first; a
  checkbox in the page turns vis.js physics on;
* an optional highlighted term: it and its neighbours keep their colour, every
  other node and link is greyed out.

Nodes and edges are assembled with :class:`pyvis.network.Network` (for its
data model), but the page comes from this module's own template rather than
pyvis's, which would load Bootstrap from a CDN: vis.js and its CSS from the
pyvis package (``lib/vis-9.1.2``) are written in-line, so the page needs no
network. Safety: every string that ends up in HTML markup (legend, heading)
goes through :func:`html.escape`; node and edge data are embedded as JSON with
``<``, ``>``, ``&`` and U+2028/9 written as ``\\uXXXX`` escapes (no
``</script>`` break-out), labels are drawn on the canvas as text, and
tooltips become DOM nodes filled through ``textContent``, never ``innerHTML``.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from tmlmap.network.layout import layout_positions, strongest_edges, top_terms

if TYPE_CHECKING:  # pragma: no cover
    from tmlmap.maps.termmap import TermMap

#: 20 distinguishable colours (Tableau 20, dark shades first); community ``i``
#: takes ``PALETTE[i % 20]``.
PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94",
    "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
)
DIMMED = "rgba(200,200,200,0.35)"
EDGE_COLOUR = "rgba(110,110,110,0.35)"
#: Overlay ramp (viridis stops), oldest to newest.
RAMP = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")


def community_colour(community: int) -> str:
    """The legend colour of community ``community``."""
    return PALETTE[int(community) % len(PALETTE)]


def ramp_colour(fraction: float) -> str:
    """A colour of :data:`RAMP` for ``fraction`` in [0, 1] (NaN -> grey), as ``#rrggbb``."""
    if fraction is None or not math.isfinite(fraction):
        return "#bbbbbb"
    f = min(max(float(fraction), 0.0), 1.0) * (len(RAMP) - 1)
    i = min(int(f), len(RAMP) - 2)
    t = f - i
    a = [int(RAMP[i][k:k + 2], 16) for k in (1, 3, 5)]
    b = [int(RAMP[i + 1][k:k + 2], 16) for k in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b, strict=True))


#: How the drawn terms are chosen: highest total link strength in the pruned
#: graph (default; VOSviewer's "total link strength": on the full corpus the 300
#: strongest terms keep ~1,000 links among them and cover ~30 communities),
#: most links, or most papers (frequent terms are general words that the
#: normalized, pruned graph barely links to each other: few links are drawn).
RANK_BY = ("strength", "degree", "frequency")


@dataclass(frozen=True)
class GraphOptions:
    """What to draw: the ``n_terms`` top terms by ``rank_by`` (:data:`RANK_BY`),
    at most ``max_edges`` links, ``physics`` initially on/off, ``overlay`` (colour
    by average year), ``highlight`` (term index or None), canvas ``height_px``,
    layout ``seed``."""

    n_terms: int = 300
    rank_by: str = "strength"
    max_edges: int = 1500
    physics: bool = False
    overlay: bool = False
    highlight: int | None = None
    height_px: int = 680
    seed: int = 0


@dataclass
class GraphData:
    """The drawn graph: ``nodes``/``edges`` as vis.js dicts, ``legend`` as
    ``(label, colour)`` pairs, ``term_ids`` (map term index of each node)."""

    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    legend: list[tuple[str, str]]
    term_ids: list[int]
    year_range: tuple[float, float] | None = None


def graph_data(terms: Sequence[str], doc_freq: np.ndarray, community: np.ndarray,
               community_names: Sequence[str], adjacency: sp.spmatrix,
               options: GraphOptions = GraphOptions(), *,
               mean_year: np.ndarray | None = None) -> GraphData:
    """Select, lay out and style the nodes and edges (no HTML yet).

    ``terms``/``doc_freq``/``community``: ``(n_terms,)``; ``community_names``:
    one per community id; ``adjacency``: ``(n_terms, n_terms)`` symmetric;
    ``mean_year``: ``(n_terms,)`` average publication year (needed for overlay).
    With ``highlight``, that term and up to 15 of its strongest neighbours are
    always among the nodes.
    """
    from pyvis.network import Network

    adjacency = sp.csr_matrix(adjacency)
    doc_freq = np.asarray(doc_freq)
    community = np.asarray(community)
    must: list[int] = []
    neighbours: set[int] = set()
    h = options.highlight
    if h is not None:
        row = adjacency.getrow(h)
        order = np.argsort(-row.data, kind="stable")
        neighbours = {int(row.indices[j]) for j in order}
        must = [h, *[int(row.indices[j]) for j in order[:15]]]
    if options.rank_by == "degree":
        score = np.diff(adjacency.indptr).astype(float)
    elif options.rank_by == "strength":
        score = np.asarray(adjacency.sum(axis=1)).ravel()
    elif options.rank_by == "frequency":
        score = doc_freq.astype(float)
    else:
        raise ValueError(f"rank_by must be one of {RANK_BY}")
    nodes_idx = top_terms(score, options.n_terms, must_include=must, tiebreak=doc_freq)
    ei, ej, ew = strongest_edges(adjacency, nodes_idx, options.max_edges)
    if h is not None:  # the highlighted term's links always drawn
        pos_h = int(np.searchsorted(nodes_idx, h))
        sub = sp.triu(adjacency[nodes_idx][:, nodes_idx], k=1).tocoo()
        touch = (sub.row == pos_h) | (sub.col == pos_h)
        have = set(zip(ei.tolist(), ej.tolist(), strict=True))
        extra = [(a, b, w) for a, b, w in zip(sub.row[touch].tolist(), sub.col[touch].tolist(),
                                                  sub.data[touch].tolist(), strict=True)
                 if (a, b) not in have]
        if extra:
            ei = np.concatenate([ei, [e[0] for e in extra]]).astype(np.int64)
            ej = np.concatenate([ej, [e[1] for e in extra]]).astype(np.int64)
            ew = np.concatenate([ew, [e[2] for e in extra]])
    pos = layout_positions(len(nodes_idx), ei, ej, ew, seed=options.seed,
                           groups=community[nodes_idx])

    years: tuple[float, float] | None = None
    if options.overlay:
        if mean_year is None:
            raise ValueError("overlay needs mean_year")
        shown = np.asarray(mean_year, dtype=float)[nodes_idx]
        finite = shown[np.isfinite(shown)]
        years = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 0.0)

    net = Network(height=f"{options.height_px}px", width="100%", cdn_resources="in_line")
    dfmax = max(float(doc_freq[nodes_idx].max()) if len(nodes_idx) else 1.0, 1.0)
    for k, t in enumerate(nodes_idx.tolist()):
        c = int(community[t])
        name = community_names[c] if 0 <= c < len(community_names) else str(c)
        if options.overlay and years is not None:
            y = float(mean_year[t]) if mean_year is not None else float("nan")
            span = years[1] - years[0]
            colour = ramp_colour((y - years[0]) / span if span > 0 else 1.0)
        else:
            colour = community_colour(c)
        lit = h is None or t == h or t in neighbours
        title = f"{terms[t]}\ncommunity: {name}\npapers: {int(doc_freq[t]):,}"
        if mean_year is not None and math.isfinite(float(mean_year[t])):
            title += f"\naverage year: {float(mean_year[t]):.1f}"
        attrs: dict[str, Any] = dict(
            label=str(terms[t]), title=title, x=float(pos[k, 0]), y=float(pos[k, 1]),
            value=float(doc_freq[t]), color=colour if lit else DIMMED,
            font={"size": 11 + int(13 * math.sqrt(float(doc_freq[t]) / dfmax)),
                  "color": "#222222" if lit else "rgba(120,120,120,0.5)"},
        )
        if t == h:
            attrs.update(borderWidth=4, color={"background": colour, "border": "#000000"})
        net.add_node(k, **attrs)
    wmax = float(ew.max()) if len(ew) else 1.0
    for a, b, w in zip(ei.tolist(), ej.tolist(), ew.tolist(), strict=True):
        lit = h is None or nodes_idx[a] == h or nodes_idx[b] == h
        net.add_edge(a, b, value=float(w), width=0.5 + 4.5 * (w / wmax if wmax > 0 else 0),
                     color=EDGE_COLOUR if lit else "rgba(200,200,200,0.15)",
                     title=f"{terms[nodes_idx[a]]} - {terms[nodes_idx[b]]}: {w:.3g}")
    nodes, edges, *_ = net.get_network_data()

    if options.overlay and years is not None:
        legend = [(f"{years[0]:.1f} (oldest)", ramp_colour(0.0)),
                  (f"{(years[0] + years[1]) / 2:.1f}", ramp_colour(0.5)),
                  (f"{years[1]:.1f} (newest)", ramp_colour(1.0))]
    else:
        present = sorted({int(community[t]) for t in nodes_idx.tolist()},
                         key=lambda c: (-int(np.sum(community[nodes_idx] == c)), c))
        legend = [(community_names[c] if c < len(community_names) else str(c), community_colour(c))
                  for c in present]
    return GraphData(nodes=nodes, edges=edges, legend=legend, term_ids=nodes_idx.tolist(),
                     year_range=years)


def safe_json(value: Any) -> str:
    """JSON that is safe inside a ``<script>`` element (no ``</script>``, no line separators)."""
    return (json.dumps(value, ensure_ascii=False, allow_nan=False)
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


@lru_cache(maxsize=1)
def _vis_assets() -> tuple[str, str]:
    import pyvis

    lib = Path(pyvis.__file__).resolve().parent / "templates" / "lib" / "vis-9.1.2"
    if not lib.is_dir():
        lib = Path(pyvis.__file__).resolve().parent / "lib" / "vis-9.1.2"
    return ((lib / "vis-network.min.js").read_text(encoding="utf-8"),
            (lib / "vis-network.css").read_text(encoding="utf-8"))


_PLACEHOLDER = re.compile(r"@@([A-Z_]+)@@")
_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:;">
<style>@@VIS_CSS@@</style>
<script>@@VIS_JS@@</script>
<style>
html, body { margin: 0; padding: 0; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; background: #ffffff; }
#tmlmap-network { width: 100%; height: @@HEIGHT@@px; border: 1px solid #e6e6e6; border-radius: 6px; box-sizing: border-box; }
#tmlmap-legend { position: absolute; top: 8px; left: 8px; max-height: @@LEGEND_HEIGHT@@px; max-width: 250px; overflow-y: auto;
  background: rgba(255,255,255,0.92); border: 1px solid #ddd; border-radius: 6px; padding: 6px 8px; font-size: 12px; line-height: 1.5; }
#tmlmap-legend .sw { display: inline-block; width: 11px; height: 11px; border-radius: 50%; margin-right: 6px; vertical-align: -1px; }
#tmlmap-controls { position: absolute; top: 8px; right: 8px; background: rgba(255,255,255,0.92); border: 1px solid #ddd;
  border-radius: 6px; padding: 4px 8px; font-size: 12px; }
div.vis-tooltip { white-space: pre-line; font-size: 12px; max-width: 360px; }
</style></head>
<body>
<div style="position: relative">
<div id="tmlmap-network" role="img" aria-label="@@ARIA@@"></div>
<div id="tmlmap-legend"><details open><summary><strong>@@LEGEND_TITLE@@</strong></summary>@@LEGEND@@</details></div>
<div id="tmlmap-controls"><label><input type="checkbox" id="tmlmap-physics" @@PHYSICS_CHECKED@@> physics</label>
 &middot; <span id="tmlmap-count">@@N_NODES@@ terms, @@N_EDGES@@ links</span></div>
</div>
<script>
(function () {
  var nodeData = @@NODES@@;
  var edgeData = @@EDGES@@;
  function asText(item) {  /* tooltips as text nodes, never parsed as HTML */
    if (typeof item.title === "string") {
      var div = document.createElement("div");
      div.textContent = item.title;
      item.title = div;
    }
    return item;
  }
  nodeData.forEach(asText);
  edgeData.forEach(asText);
  var nodes = new vis.DataSet(nodeData);
  var edges = new vis.DataSet(edgeData);
  var options = @@OPTIONS@@;
  var container = document.getElementById("tmlmap-network");
  var network = new vis.Network(container, {nodes: nodes, edges: edges}, options);
  window.network = network;
  window.tmlmapGraph = {nodes: nodes.length, edges: edges.length, drawn: false};
  network.once("afterDrawing", function () { window.tmlmapGraph.drawn = true; });
  document.getElementById("tmlmap-physics").addEventListener("change", function (e) {
    network.setOptions({physics: {enabled: e.target.checked}});
  });
})();
</script>
</body></html>
"""


def render_html(data: GraphData, options: GraphOptions = GraphOptions(), *,
                legend_title: str = "Communities") -> str:
    """The full HTML page for ``data`` (see the module docstring for the safety rules)."""
    vis_js, vis_css = _vis_assets()
    vis_options = {
        "physics": {"enabled": bool(options.physics), "solver": "forceAtlas2Based",
                    "stabilization": {"enabled": True, "iterations": 150}},
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": True,
                        "navigationButtons": False, "multiselect": False},
        "nodes": {"shape": "dot", "scaling": {"min": 5, "max": 32,
                                              "label": {"enabled": False}},
                  "borderWidth": 1},
        "edges": {"smooth": False, "scaling": {"min": 0.5, "max": 5}},
        "layout": {"improvedLayout": False},
    }
    legend = "<br>".join(
        f'<span class="sw" style="background:{html.escape(colour, quote=True)}"></span>'
        f"{html.escape(label)}" for label, colour in data.legend)
    replacements = {
        "VIS_JS": vis_js,
        "VIS_CSS": vis_css,
        "HEIGHT": str(int(options.height_px)),
        "LEGEND_HEIGHT": str(max(int(options.height_px) // 2, 60)),
        "ARIA": html.escape(f"Term network: {len(data.nodes)} terms, {len(data.edges)} links",
                                quote=True),
        "LEGEND_TITLE": html.escape(legend_title),
        "LEGEND": legend,
        "PHYSICS_CHECKED": "checked" if options.physics else "",
        "N_NODES": str(len(data.nodes)),
        "N_EDGES": str(len(data.edges)),
        "NODES": safe_json(data.nodes),
        "EDGES": safe_json(data.edges),
        "OPTIONS": safe_json(vis_options),
    }
    # one pass: text put in is never scanned for placeholders again
    return _PLACEHOLDER.sub(lambda m: replacements[m.group(1)], _TEMPLATE)


def network_html(term_map: TermMap, options: GraphOptions = GraphOptions(), *,
                 mean_year: np.ndarray | None = None) -> tuple[str, GraphData]:
    """``(html, data)`` for a :class:`~tmlmap.maps.termmap.TermMap` under ``options``.

    ``mean_year`` (``(n_terms,)``, see :func:`tmlmap.analysis.trends.term_mean_year`)
    is computed when the overlay needs it and it is not given.
    """
    if options.overlay and mean_year is None:
        from tmlmap.analysis.trends import term_mean_year

        mean_year = term_mean_year(term_map.X, term_map.doc_years)
    names = [c.name for c in term_map.communities]
    data = graph_data(term_map.terms, term_map.doc_freq, term_map.community, names,
                      term_map.adjacency, options, mean_year=mean_year)
    title = "Average publication year" if options.overlay else "Communities"
    return render_html(data, options, legend_title=title), data
