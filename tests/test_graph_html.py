"""graph_html: in-line vis.js (no CDN), escaping of untrusted text, node/edge selection."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import scipy.sparse as sp

from tmlmap.views.graph_html import GraphOptions, graph_data, ramp_colour, render_html, safe_json

EVIL = '<script>alert(1)</script><img src=x onerror=alert(2)>'
TERMS = ["fairness", "bias", EVIL, "privacy", "differential privacy", "noise"]
DF = np.array([50, 40, 30, 45, 20, 5])
COMMUNITY = np.array([0, 0, 0, 1, 1, 1])
NAMES = ["Fairness & bias " + EVIL, "Privacy </script><script>alert(3)</script>"]


def adjacency() -> sp.csr_matrix:
    pairs = [(0, 1, 5.0), (0, 2, 2.0), (1, 2, 1.0), (3, 4, 6.0), (3, 5, 1.0), (1, 3, 0.5)]
    a = sp.coo_matrix(([w for *_, w in pairs], ([p[0] for p in pairs], [p[1] for p in pairs])),
                      shape=(6, 6)).tocsr()
    return (a + a.T).tocsr()


def page(options: GraphOptions | None = None, **kw: object) -> tuple[str, object]:
    options = options or GraphOptions()
    data = graph_data(TERMS, DF, COMMUNITY, NAMES, adjacency(), options, **kw)
    return render_html(data, options), data


def embedded(page_html: str, var: str) -> list[dict]:
    m = re.search(rf"var {var} = (\[.*?\]);\n", page_html)
    assert m, var
    return json.loads(m.group(1))


def test_vis_inline_no_remote_resources() -> None:
    html_page, _ = page()
    assert not re.search(r"<script[^>]*\bsrc\s*=", html_page, re.I)
    assert not re.search(r"<link[^>]*\bhref\s*=\s*[\"']?https?:", html_page, re.I)
    assert "cdn.jsdelivr" not in html_page and "cdnjs" not in html_page.split("<script>", 2)[0] + ""
    assert "vis.Network" in html_page and len(html_page) > 400_000  # the bundle is in the page
    assert "default-src 'none'" in html_page


def test_untrusted_text_never_reaches_markup() -> None:
    html_page, _ = page()
    # no raw markup from terms or community names anywhere in the page
    assert "<script>alert" not in html_page
    assert "<img src=x" not in html_page
    assert "</script><script>" not in html_page
    # the legend shows the escaped names
    assert "Fairness &amp; bias &lt;script&gt;alert(1)&lt;/script&gt;" in html_page
    assert "Privacy &lt;/script&gt;&lt;script&gt;alert(3)&lt;/script&gt;" in html_page
    # the data still round-trips to the original text (drawn as text on the canvas)
    nodes = embedded(html_page, "nodeData")
    assert EVIL in {n["label"] for n in nodes}
    assert any(EVIL in n["title"] for n in nodes)
    # tooltips go through textContent, never innerHTML
    assert "textContent = item.title" in html_page and "innerHTML" not in html_page.split(
        "var nodeData", 1)[1]


def test_safe_json() -> None:
    s = safe_json({"a": "</script>&\u2028"})
    assert "<" not in s and ">" not in s and "&" not in s and "\u2028" not in s
    assert json.loads(s) == {"a": "</script>&\u2028"}


def test_top_n_and_edge_cap() -> None:
    _, data = page(GraphOptions(n_terms=4, max_edges=2, rank_by="frequency"))
    assert sorted(data.term_ids) == [0, 1, 2, 3]  # the four most frequent terms
    assert len(data.edges) == 2
    weights = sorted(e["value"] for e in data.edges)
    assert weights == [2.0, 5.0]  # strongest links among them
    # by links: 1 and 3 have 3 links each, then 0 (2 links, df 50) beats 2 and 3's peers
    _, data = page(GraphOptions(n_terms=3, rank_by="degree"))
    assert sorted(data.term_ids) == [0, 1, 3]
    _, data = page(GraphOptions(n_terms=2, rank_by="strength"))
    assert sorted(data.term_ids) == [0, 3]  # strengths 7.5 (term 3) and 7.0 (term 0)
    with pytest.raises(ValueError):
        page(GraphOptions(rank_by="nope"))
    html_page, data = page(GraphOptions(n_terms=6, max_edges=100))
    assert len(embedded(html_page, "nodeData")) == 6 == len(data.nodes)
    assert len(data.edges) == 6
    assert "6 terms, 6 links" in html_page


def test_colours_sizes_legend_positions() -> None:
    _, data = page()
    by_label = {n["label"]: n for n in data.nodes}
    assert by_label["fairness"]["color"] == by_label["bias"]["color"] != by_label["privacy"]["color"]
    assert by_label["fairness"]["value"] == 50
    assert [c for _, c in data.legend] == ["#1f77b4", "#ff7f0e"]
    assert data.legend[0][0] == NAMES[0]
    assert all("x" in n and "y" in n for n in data.nodes)
    _, again = page()
    assert [(n["x"], n["y"]) for n in again.nodes] == [(n["x"], n["y"]) for n in data.nodes]
    html_page, _ = page(GraphOptions(physics=True))
    assert '"physics": {"enabled": true' in html_page and "checked" in html_page
    assert '"physics": {"enabled": false' in page()[0]


def test_overlay_colours_by_mean_year() -> None:
    years = np.array([2015.0, 2016.0, 2017.0, 2020.0, 2022.0, np.nan])
    with pytest.raises(ValueError):
        page(GraphOptions(overlay=True))
    html_page, data = page(GraphOptions(overlay=True), mean_year=years)
    by_label = {n["label"]: n for n in data.nodes}
    assert by_label["fairness"]["color"] == ramp_colour(0.0)
    assert by_label["differential privacy"]["color"] == ramp_colour(1.0)
    assert by_label["noise"]["color"] == "#bbbbbb"
    assert data.year_range == (2015.0, 2022.0)
    assert "2015.0 (oldest)" in html_page and "Communities" in html_page  # default title


def test_highlight_term_and_neighbours() -> None:
    _, data = page(GraphOptions(n_terms=1, highlight=3, rank_by="frequency"))
    ids = data.term_ids
    assert 3 in ids and {1, 4, 5} <= set(ids)  # neighbours forced in
    by_label = {n["label"]: n for n in data.nodes}
    assert by_label["privacy"]["borderWidth"] == 4
    assert by_label["noise"]["color"] != "rgba(200,200,200,0.35)"
    assert by_label["fairness"]["color"] == "rgba(200,200,200,0.35)"  # not a neighbour: dimmed
    pairs = {frozenset((data.term_ids[e["from"]], data.term_ids[e["to"]])) for e in data.edges}
    assert frozenset((1, 3)) in pairs


def test_ramp_colour() -> None:
    assert ramp_colour(0.0) == "#440154" and ramp_colour(1.0) == "#fde725"
    assert ramp_colour(float("nan")) == "#bbbbbb"
    assert ramp_colour(2.0) == ramp_colour(1.0)
