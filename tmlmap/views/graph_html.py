"""The term network as a self-contained HTML page (pyvis / vis.js), safe and offline.

:func:`network_html` draws the ``n_terms`` top terms of a map (by link
strength, number of links or papers: :data:`RANK_BY`) and at most ``max_edges`` of
their strongest links:

* with ``lens`` on, only terms of the trustworthy-ML lens are candidates
  (:mod:`tmlmap.analysis.lens`: the communities named after trustworthy-ML
  topics, their strongest neighbouring communities and bridge terms);
* node colour = community (a distinct colour for each of the
  :data:`MAX_COLOURED` communities with most terms drawn, grey for the rest;
  legend beside the drawing), or, in *overlay* mode, the average publication
  year of the papers using the term (VOSviewer's overlay view; a
  blue-to-yellow ramp from the oldest to the newest year);
* node radius grows with the square root of the document frequency (dot area
  ~ papers); edge width = weight;
* labels are drawn by the page itself, at a constant size on screen, only
  where they fit (:mod:`tmlmap.network.label_placement`, by importance: the
  highlighted and focus terms first, then papers and link strength), so they
  never overprint; the rest show on hover and as the user zooms in. Community
  names are written at their regions;
* positions computed in Python (:mod:`tmlmap.network.layout`), physics off at
  first (the Map page's toggle turns vis.js physics on);
* an optional highlighted term: it and its neighbours keep their colour, every
  other node and link is greyed out, and the view zooms to it;
* optional *focus* terms (a risk description's terms with their contribution):
  drawn with their strongest neighbours, marked and sized by contribution.

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
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from tmlmap.network.label_placement import GAP_PX, LINE_EM, ZOOM_LEVELS, place_labels
from tmlmap.network.layout import layout_positions, strongest_edges, top_terms

if TYPE_CHECKING:  # pragma: no cover
    from tmlmap.maps.termmap import TermMap

#: 30 distinguishable colours (Tableau 20, dark shades first, then 10 darker
#: tones of Tableau's 20b/20c); the communities drawn take them in order of
#: their number of drawn terms.
PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94",
    "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
    "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#5254a3", "#b5cf6b", "#e7ba52",
    "#ad494a", "#a55194",
)
#: Communities beyond the first len(PALETTE) drawn share this colour ("other communities").
OTHER_COLOUR = "#d0d0d0"
MAX_COLOURED = len(PALETTE)
DIMMED = "rgba(200,200,200,0.35)"
EDGE_COLOUR = "rgba(110,110,110,0.35)"
#: Overlay ramp (viridis stops), oldest to newest.
RAMP = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")
#: Label font sizes in screen pixels: terms (by papers) and community names.
TERM_FONT_PX = (11.0, 16.0)
REGION_FONT_PX = 15.0
#: Dot radius in canvas units (by papers; by contribution for focus terms).
RADIUS = (4.0, 22.0)
FOCUS_RADIUS = (9.0, 30.0)
#: Communities with fewer drawn terms get no name written at their region.
MIN_REGION_TERMS = 3
#: Neighbours drawn for each focus term.
FOCUS_NEIGHBOURS = 4
#: The font the page draws labels with (the width estimate assumes a sans-serif).
LABEL_FONT = 'Arial, "Liberation Sans", "DejaVu Sans", sans-serif'


def community_colours(community_ids: Sequence[int]) -> dict[int, str]:
    """A colour per community id, in the given order (most drawn terms first):
    the first :data:`MAX_COLOURED` get distinct colours, the rest :data:`OTHER_COLOUR`."""
    return {int(c): PALETTE[i] if i < len(PALETTE) else OTHER_COLOUR
            for i, c in enumerate(community_ids)}


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
    by average year), ``highlight`` (term index or None), ``lens`` (only the
    trustworthy-ML lens's terms), ``focus`` (``(term index, contribution)``
    pairs: those terms and their strongest neighbours instead of the top
    terms), canvas ``height_px``, layout ``seed``, ``place_labels`` (False
    draws every label: the overprinting baseline of the tests)."""

    n_terms: int = 300
    rank_by: str = "strength"
    max_edges: int = 1500
    physics: bool = False
    overlay: bool = False
    highlight: int | None = None
    height_px: int = 680
    seed: int = 0
    lens: bool = False
    focus: tuple[tuple[int, float], ...] = ()
    place_labels: bool = True


@dataclass
class GraphData:
    """The drawn graph: ``nodes``/``edges`` as vis.js dicts (a node's ``term``,
    ``fs`` font px, ``lv`` label bit mask over :data:`ZOOM_LEVELS`, ``size``
    radius), ``legend`` as ``(label, colour)`` pairs, ``term_ids`` (map term
    index of each node), ``regions`` (community names: ``text``, ``x``, ``y``,
    ``fs``, ``lv``, ``color``)."""

    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    legend: list[tuple[str, str]]
    term_ids: list[int]
    year_range: tuple[float, float] | None = None
    regions: list[dict[str, Any]] = field(default_factory=list)


def _focus_nodes(adjacency: sp.csr_matrix, focus: Sequence[int], candidates: np.ndarray | None,
                 per_term: int) -> list[int]:
    """The focus terms plus up to ``per_term`` strongest neighbours of each (within ``candidates``)."""
    out = list(dict.fromkeys(int(t) for t in focus))
    for t in list(out):
        row = adjacency.getrow(t)
        idx, w = row.indices, row.data
        if candidates is not None:
            keep = candidates[idx]
            idx, w = idx[keep], w[keep]
        out.extend(int(i) for i in idx[np.lexsort((idx, -w))][:per_term])
    return list(dict.fromkeys(out))


def graph_data(terms: Sequence[str], doc_freq: np.ndarray, community: np.ndarray,
               community_names: Sequence[str], adjacency: sp.spmatrix,
               options: GraphOptions = GraphOptions(), *,
               mean_year: np.ndarray | None = None,
               candidates: np.ndarray | None = None) -> GraphData:
    """Select, lay out and style the nodes and edges, and place the labels (no HTML yet).

    ``terms``/``doc_freq``/``community``: ``(n_terms,)``; ``community_names``:
    one per community id; ``adjacency``: ``(n_terms, n_terms)`` symmetric;
    ``mean_year``: ``(n_terms,)`` average publication year (needed for overlay);
    ``candidates``: ``(n_terms,)`` bool, the terms that may be drawn (the lens;
    a highlighted or focus term is drawn anyway). With ``highlight``, that term
    and up to 15 of its strongest neighbours are always among the nodes.
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
    focus = {int(t): float(c) for t, c in options.focus}
    if focus:
        must = [*_focus_nodes(adjacency, list(focus), candidates, FOCUS_NEIGHBOURS), *must]
        nodes_idx = np.unique(np.asarray(must, dtype=np.int64))
    else:
        ranked = score if candidates is None else np.where(candidates, score, -np.inf)
        n = options.n_terms if candidates is None else min(options.n_terms, int(np.sum(candidates)))
        nodes_idx = top_terms(ranked, n, must_include=must, tiebreak=doc_freq)
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
    shown_comm = community[nodes_idx]
    # whole canvas units: vis.js rounds node positions, and labels are placed where it draws them
    pos = np.round(layout_positions(len(nodes_idx), ei, ej, ew, seed=options.seed, groups=shown_comm))

    years: tuple[float, float] | None = None
    if options.overlay:
        if mean_year is None:
            raise ValueError("overlay needs mean_year")
        shown = np.asarray(mean_year, dtype=float)[nodes_idx]
        finite = shown[np.isfinite(shown)]
        years = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 0.0)

    # communities in order of drawn terms (ties by id): colours and legend
    ids, counts = np.unique(shown_comm, return_counts=True)
    present = [int(c) for c in ids[np.lexsort((ids, -counts))]]
    colour_of = community_colours(present)

    def name_of(c: int) -> str:
        return community_names[c] if 0 <= c < len(community_names) else str(c)

    # sizes, fonts and label priority (vectorized over the drawn terms)
    df_shown = doc_freq[nodes_idx].astype(float)
    dfmax = max(float(df_shown.max()) if len(df_shown) else 1.0, 1.0)
    rel_df = np.sqrt(np.clip(df_shown / dfmax, 0.0, 1.0))
    radius = RADIUS[0] + (RADIUS[1] - RADIUS[0]) * rel_df
    font_px = np.round(TERM_FONT_PX[0] + (TERM_FONT_PX[1] - TERM_FONT_PX[0]) * rel_df, 1)
    strength = score[nodes_idx] if len(nodes_idx) else np.zeros(0)
    smax = float(strength.max()) if len(strength) and strength.max() > 0 else 1.0
    priority = rel_df + np.clip(strength / smax, 0.0, 1.0)
    if focus:
        contrib = np.array([focus.get(int(t), 0.0) for t in nodes_idx.tolist()])
        cmax = float(contrib.max()) if contrib.max() > 0 else 1.0
        is_focus = np.isin(nodes_idx, np.asarray(list(focus), dtype=np.int64))
        radius = np.where(is_focus, FOCUS_RADIUS[0] + (FOCUS_RADIUS[1] - FOCUS_RADIUS[0])
                          * np.sqrt(np.clip(contrib / cmax, 0.0, 1.0)), np.minimum(radius, 10.0))
        font_px = np.where(is_focus, np.maximum(font_px, 14.0), font_px)
        priority = priority + np.where(is_focus, 10.0 + contrib / cmax, 0.0)
    if h is not None:
        priority = priority + np.where(nodes_idx == h, 1e6, 0.0)  # before community names too

    # place labels on the sizes as drawn (the page gets them rounded to 0.01 px), or a box
    # that just fits here could overlap by a hair in the drawing
    radius = np.round(radius, 2)
    # community names at their regions (median of their drawn terms), placed first
    regions = [c for c in present if np.sum(shown_comm == c) >= MIN_REGION_TERMS
               and not options.overlay and not focus]
    region_xy = np.array([np.median(pos[shown_comm == c], axis=0) for c in regions]).reshape(-1, 2)
    region_text = [name_of(c) for c in regions]
    n_reg = len(regions)
    all_xy = np.vstack([region_xy, pos]) if len(pos) else region_xy
    all_text = region_text + [str(terms[t]) for t in nodes_idx.tolist()]
    all_font = np.concatenate([np.full(n_reg, REGION_FONT_PX), font_px])
    all_radius = np.concatenate([np.zeros(n_reg), radius])
    all_priority = np.concatenate([1000.0 + np.arange(n_reg, 0, -1), priority])
    below = np.concatenate([np.zeros(n_reg, dtype=bool), np.ones(len(nodes_idx), dtype=bool)])
    masks = place_labels(all_xy, all_radius, all_text, all_font, all_priority, below=below,
                         enabled=options.place_labels)

    net = Network(height=f"{options.height_px}px", width="100%", cdn_resources="in_line")
    for k, t in enumerate(nodes_idx.tolist()):
        c = int(community[t])
        if options.overlay and years is not None:
            y = float(mean_year[t]) if mean_year is not None else float("nan")
            span = years[1] - years[0]
            colour = ramp_colour((y - years[0]) / span if span > 0 else 1.0)
        else:
            colour = colour_of.get(c, OTHER_COLOUR)
        lit = h is None or t == h or t in neighbours
        title = f"{terms[t]}\ncommunity: {name_of(c)}\npapers: {int(doc_freq[t]):,}"
        if mean_year is not None and math.isfinite(float(mean_year[t])):
            title += f"\naverage year: {float(mean_year[t]):.1f}"
        if t in focus:
            title += f"\ncontribution to the description's risk: {focus[t]:.3f}"
        attrs: dict[str, Any] = dict(
            term=str(terms[t]), title=title, x=float(pos[k, 0]), y=float(pos[k, 1]),
            size=round(float(radius[k]), 2), papers=int(doc_freq[t]),
            color=colour if lit else DIMMED, fs=float(font_px[k]), lv=int(masks[n_reg + k]),
            fc="#222222" if lit else "rgba(120,120,120,0.6)",
        )
        if t == h or t in focus:
            attrs.update(borderWidth=4 if t == h else 3,
                         color={"background": colour, "border": "#000000"})
            attrs["bold"] = True
        net.add_node(k, label=" ", **attrs)
    wmax = float(ew.max()) if len(ew) else 1.0
    for a, b, w in zip(ei.tolist(), ej.tolist(), ew.tolist(), strict=True):
        lit = h is None or nodes_idx[a] == h or nodes_idx[b] == h
        net.add_edge(a, b, value=float(w), width=0.5 + 4.5 * (w / wmax if wmax > 0 else 0),
                     color=EDGE_COLOUR if lit else "rgba(200,200,200,0.15)",
                     title=f"{terms[nodes_idx[a]]} - {terms[nodes_idx[b]]}: {w:.3g}")
    nodes, edges, *_ = net.get_network_data()
    for n in nodes:  # labels are drawn by the page (placed), not by vis.js
        n.pop("label", None)
        n.pop("shape", None)

    if options.overlay and years is not None:
        legend = [(f"{years[0]:.1f} (oldest)", ramp_colour(0.0)),
                  (f"{(years[0] + years[1]) / 2:.1f}", ramp_colour(0.5)),
                  (f"{years[1]:.1f} (newest)", ramp_colour(1.0))]
    else:
        legend = [(name_of(c), colour_of[c]) for c in present[:MAX_COLOURED]]
        if len(present) > MAX_COLOURED:
            legend.append((f"{len(present) - MAX_COLOURED} other communities", OTHER_COLOUR))
    region_data = [{"text": region_text[i], "x": float(region_xy[i, 0]), "y": float(region_xy[i, 1]),
                    "fs": REGION_FONT_PX, "lv": int(masks[i]), "color": colour_of.get(c, OTHER_COLOUR)}
                   for i, c in enumerate(regions)]
    return GraphData(nodes=nodes, edges=edges, legend=legend, term_ids=nodes_idx.tolist(),
                     year_range=years, regions=region_data)


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
#tmlmap-wrap { display: flex; gap: 8px; height: @@HEIGHT@@px; }
#tmlmap-network { flex: 1 1 auto; min-width: 0; height: 100%; border: 1px solid #e6e6e6; border-radius: 6px; box-sizing: border-box; }
#tmlmap-legend { flex: 0 0 @@LEGEND_WIDTH@@px; height: 100%; overflow-y: auto; box-sizing: border-box;
  border: 1px solid #e6e6e6; border-radius: 6px; padding: 6px 8px; font-size: 12px; line-height: 1.45; }
#tmlmap-legend .row { display: flex; align-items: flex-start; gap: 6px; margin: 2px 0; overflow-wrap: anywhere; }
#tmlmap-legend .sw { flex: 0 0 11px; width: 11px; height: 11px; border-radius: 50%; margin-top: 3px; }
#tmlmap-legend .count { color: #666; margin-bottom: 4px; }
div.vis-tooltip { white-space: pre-line; font-size: 12px; max-width: 360px; }
</style></head>
<body>
<div id="tmlmap-wrap">
<div id="tmlmap-network" role="img" aria-label="@@ARIA@@"></div>
<div id="tmlmap-legend"><strong>@@LEGEND_TITLE@@</strong>
<div class="count" id="tmlmap-count">@@N_NODES@@ terms, @@N_EDGES@@ links</div>
@@LEGEND@@
<div class="count">Labels are shown where they fit; zoom in for more, hover a dot for its term.</div></div>
</div>
<script>
(function () {
  var nodeData = @@NODES@@;
  var edgeData = @@EDGES@@;
  var regionData = @@REGIONS@@;
  var levels = @@LEVELS@@;
  var focusNode = @@FOCUS_NODE@@;
  var FONT = @@FONT@@, GAP = @@GAP@@, LINE = @@LINE@@;
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
  window.tmlmapGraph = {nodes: nodes.length, edges: edges.length, drawn: false, labels: [], level: -1};
  function levelAt(scale) {  /* the largest placement level at or below the current zoom */
    var k = -1;
    for (var i = 0; i < levels.length; i++) { if (levels[i] <= scale * 1.0001) { k = i; } }
    return k;
  }
  function drawText(ctx, text, x, y, px, scale, weight, colour, baseline, width, height) {
    /* draws one label unless it would be cut by the drawing's edge (it shows when the user
       pans or zooms to it); returns its box in page pixels, or null */
    ctx.font = weight + " " + (px / scale) + "px " + FONT;
    var w = ctx.measureText(text).width * scale;
    var anchor = network.canvasToDOM({x: x, y: y});
    var top = baseline === "top" ? anchor.y : anchor.y - px * LINE / 2;
    var box = [anchor.x - w / 2, top, anchor.x + w / 2, top + px * LINE, text];
    if (box[0] < 0 || box[1] < 0 || box[2] > width || box[3] > height) { return null; }
    ctx.textBaseline = baseline;
    ctx.lineWidth = 3 / scale;
    ctx.strokeStyle = "rgba(255,255,255,0.9)";
    ctx.strokeText(text, x, y);
    ctx.fillStyle = colour;
    ctx.fillText(text, x, y);
    return box;
  }
  network.on("afterDrawing", function (ctx) {
    var scale = network.getScale();
    var k = levelAt(scale);
    var bit = k >= 0 ? (1 << k) : 0;
    var width = container.clientWidth, height = container.clientHeight;
    var boxes = [], box;
    ctx.save();
    ctx.textAlign = "center";
    ctx.lineJoin = "round";
    for (var i = 0; i < nodeData.length; i++) {
      var n = nodeData[i];
      if (!(n.lv & bit)) { continue; }
      var b = network.body.nodes[n.id];
      if (!b) { continue; }
      box = drawText(ctx, n.term, b.x, b.y + n.size + GAP / scale, n.fs, scale,
                     n.bold ? "bold" : "normal", n.fc, "top", width, height);
      if (box) { boxes.push(box); }
    }
    for (var j = 0; j < regionData.length; j++) {
      var r = regionData[j];
      if (!(r.lv & bit)) { continue; }
      box = drawText(ctx, r.text, r.x, r.y, r.fs, scale, "bold", "#111111", "middle", width, height);
      if (box) { boxes.push(box); }
    }
    ctx.restore();
    window.tmlmapGraph.labels = boxes;
    window.tmlmapGraph.size = [width, height];
    window.tmlmapGraph.level = k;
    window.tmlmapGraph.scale = scale;
  });
  network.once("afterDrawing", function () {
    window.tmlmapGraph.drawn = true;
    if (focusNode !== null) {  /* "Find a term": zoom to it */
      network.focus(focusNode, {scale: Math.max(network.getScale() * 2.5, 0.9), animation: false});
    } else {  /* a margin around the fitted graph, so that fewer labels meet the edge */
      network.moveTo({scale: network.getScale() * 0.92, animation: false});
    }
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
        "nodes": {"shape": "dot", "borderWidth": 1},
        "edges": {"smooth": False, "scaling": {"min": 0.5, "max": 5}},
        "layout": {"improvedLayout": False},
    }
    legend = "".join(
        f'<div class="row"><span class="sw" style="background:{html.escape(colour, quote=True)}"></span>'
        f"<span>{html.escape(label)}</span></div>" for label, colour in data.legend)
    focus_node: int | None = None
    if options.highlight is not None and options.highlight in data.term_ids:
        focus_node = data.term_ids.index(options.highlight)
    replacements = {
        "VIS_JS": vis_js,
        "VIS_CSS": vis_css,
        "HEIGHT": str(int(options.height_px)),
        "LEGEND_WIDTH": "250",
        "ARIA": html.escape(f"Term network: {len(data.nodes)} terms, {len(data.edges)} links",
                                quote=True),
        "LEGEND_TITLE": html.escape(legend_title),
        "LEGEND": legend,
        "N_NODES": str(len(data.nodes)),
        "N_EDGES": str(len(data.edges)),
        "NODES": safe_json(data.nodes),
        "EDGES": safe_json(data.edges),
        "REGIONS": safe_json(data.regions),
        "LEVELS": safe_json(list(ZOOM_LEVELS)),
        "FOCUS_NODE": safe_json(focus_node),
        "FONT": safe_json(LABEL_FONT),
        "GAP": safe_json(GAP_PX),
        "LINE": safe_json(LINE_EM),
        "OPTIONS": safe_json(vis_options),
    }
    # one pass: text put in is never scanned for placeholders again
    return _PLACEHOLDER.sub(lambda m: replacements[m.group(1)], _TEMPLATE)


def network_html(term_map: TermMap, options: GraphOptions = GraphOptions(), *,
                 mean_year: np.ndarray | None = None) -> tuple[str, GraphData]:
    """``(html, data)`` for a :class:`~tmlmap.maps.termmap.TermMap` under ``options``.

    ``mean_year`` (``(n_terms,)``, see :func:`tmlmap.analysis.trends.term_mean_year`)
    is computed when the overlay needs it and it is not given. With
    ``options.lens`` and a map whose lens is empty (no community named after a
    trustworthy-ML topic), the whole map is drawn.
    """
    if options.overlay and mean_year is None:
        from tmlmap.analysis.trends import term_mean_year

        mean_year = term_mean_year(term_map.X, term_map.doc_years)
    candidates = None
    if options.lens:
        from tmlmap.analysis.lens import map_lens

        lens = map_lens(term_map)
        candidates = None if lens.empty else lens.term_mask
    names = [c.name for c in term_map.communities]
    data = graph_data(term_map.terms, term_map.doc_freq, term_map.community, names,
                      term_map.adjacency, options, mean_year=mean_year, candidates=candidates)
    title = "Average publication year" if options.overlay else "Communities"
    return render_html(data, options, legend_title=title), data
