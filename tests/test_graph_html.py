"""graph_html: in-line vis.js (no CDN), escaping of untrusted text, node/edge selection."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import scipy.sparse as sp

from tmlmap.network.label_placement import ZOOM_LEVELS, label_boxes, overlaps, text_widths
from tmlmap.views.graph_html import (
    OTHER_COLOUR,
    PALETTE,
    GraphOptions,
    graph_data,
    ramp_colour,
    render_html,
    safe_json,
)

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
    assert EVIL in {n["term"] for n in nodes}
    assert not any("label" in n for n in nodes)  # labels are drawn by the page, where they fit
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
    by_label = {n["term"]: n for n in data.nodes}
    assert by_label["fairness"]["color"] == by_label["bias"]["color"] != by_label["privacy"]["color"]
    assert by_label["fairness"]["papers"] == 50
    assert by_label["fairness"]["size"] > by_label["bias"]["size"] > by_label["noise"]["size"]
    assert [c for _, c in data.legend] == ["#1f77b4", "#ff7f0e"]
    assert data.legend[0][0] == NAMES[0]
    assert all("x" in n and "y" in n for n in data.nodes)
    _, again = page()
    assert [(n["x"], n["y"]) for n in again.nodes] == [(n["x"], n["y"]) for n in data.nodes]
    html_page, _ = page(GraphOptions(physics=True))
    assert '"physics": {"enabled": true' in html_page
    assert 'id="tmlmap-physics"' not in html_page  # the page's own toggle is the only physics control
    assert '"physics": {"enabled": false' in page()[0]


def test_overlay_colours_by_mean_year() -> None:
    years = np.array([2015.0, 2016.0, 2017.0, 2020.0, 2022.0, np.nan])
    with pytest.raises(ValueError):
        page(GraphOptions(overlay=True))
    html_page, data = page(GraphOptions(overlay=True), mean_year=years)
    by_label = {n["term"]: n for n in data.nodes}
    assert by_label["fairness"]["color"] == ramp_colour(0.0)
    assert by_label["differential privacy"]["color"] == ramp_colour(1.0)
    assert by_label["noise"]["color"] == "#bbbbbb"
    assert data.year_range == (2015.0, 2022.0)
    assert "2015.0 (oldest)" in html_page and "Communities" in html_page  # default title


def test_highlight_term_and_neighbours() -> None:
    _, data = page(GraphOptions(n_terms=1, highlight=3, rank_by="frequency"))
    ids = data.term_ids
    assert 3 in ids and {1, 4, 5} <= set(ids)  # neighbours forced in
    by_label = {n["term"]: n for n in data.nodes}
    assert by_label["privacy"]["borderWidth"] == 4
    assert by_label["noise"]["color"] != "rgba(200,200,200,0.35)"
    assert by_label["fairness"]["color"] == "rgba(200,200,200,0.35)"  # not a neighbour: dimmed
    pairs = {frozenset((data.term_ids[e["from"]], data.term_ids[e["to"]])) for e in data.edges}
    assert frozenset((1, 3)) in pairs


def test_ramp_colour() -> None:
    assert ramp_colour(0.0) == "#440154" and ramp_colour(1.0) == "#fde725"
    assert ramp_colour(float("nan")) == "#bbbbbb"
    assert ramp_colour(2.0) == ramp_colour(1.0)


# ---------------------------------------------------------------------------
# Lens, focus, colours, labels
# ---------------------------------------------------------------------------


def test_candidates_restrict_the_drawn_terms() -> None:
    mask = np.array([False, False, False, True, True, True])
    _, data = page(GraphOptions(n_terms=6), candidates=mask)
    assert sorted(data.term_ids) == [3, 4, 5]
    _, data = page(GraphOptions(n_terms=2), candidates=mask)
    assert sorted(data.term_ids) == [3, 4]
    _, data = page(GraphOptions(n_terms=2, highlight=0), candidates=mask)
    assert 0 in data.term_ids  # a searched term is drawn even outside the lens


def test_focus_terms_with_neighbours_marked_and_sized_by_contribution() -> None:
    _, data = page(GraphOptions(focus=((3, 0.30), (0, 0.05))))
    ids = set(data.term_ids)
    assert {3, 0} <= ids and {4, 5, 1, 2} <= ids  # their neighbours
    by_label = {n["term"]: n for n in data.nodes}
    assert by_label["privacy"]["size"] > by_label["fairness"]["size"] > by_label["bias"]["size"]
    assert by_label["privacy"]["color"]["border"] == "#000000"
    assert "contribution to the description's risk: 0.300" in by_label["privacy"]["title"]
    mask = np.array([True, False, True, True, False, True])
    _, data = page(GraphOptions(focus=((3, 0.3),)), candidates=mask)
    assert 4 not in data.term_ids and 5 in data.term_ids  # neighbours from the lens only


def test_distinct_colours_for_the_communities_drawn() -> None:
    n = 40
    terms = [f"t{i}" for i in range(n)]
    community = np.arange(n)  # 40 one-term communities
    a = sp.csr_matrix(sp.diags(np.ones(n - 1), 1, shape=(n, n)))
    data = graph_data(terms, np.arange(n) + 1, community, [f"c{i}" for i in range(n)], a + a.T,
                      GraphOptions(n_terms=n))
    colours = [n_["color"] for n_ in data.nodes]
    coloured = [c for c in colours if c != OTHER_COLOUR]
    assert len(coloured) == len(set(coloured)) == len(PALETTE) == len(set(PALETTE))
    assert data.legend[-1] == (f"{n - len(PALETTE)} other communities", OTHER_COLOUR)


def _drawn_overlaps(data, level: int) -> int:  # noqa: ANN001
    """Overlapping pairs among the labels (terms and community names) drawn at ``level``."""
    items = [(n["x"], n["y"], n["size"], n["term"], n["fs"], n["lv"], True) for n in data.nodes]
    items += [(r["x"], r["y"], 0.0, r["text"], r["fs"], r["lv"], False) for r in data.regions]
    on = [it for it in items if (it[5] >> level) & 1]
    if len(on) < 2:
        return 0
    xy = np.array([[it[0], it[1]] for it in on])
    font = np.array([it[4] for it in on])
    boxes = label_boxes(xy, np.array([it[2] for it in on]), text_widths([it[3] for it in on], font), font,
                        ZOOM_LEVELS[level], below=np.array([it[6] for it in on]))
    return len(overlaps(boxes))


def crowded(n: int = 300, seed: int = 1) -> tuple[list[str], np.ndarray, np.ndarray, list[str], sp.csr_matrix]:
    rng = np.random.default_rng(seed)
    community = rng.integers(0, 8, size=n)
    i, j = rng.integers(0, n, size=(2, 4 * n))
    same = community[i] == community[j]
    w = np.where(same, 3.0, 0.3) * rng.uniform(0.5, 1.5, size=len(i))
    a = sp.coo_matrix((w, (i, j)), shape=(n, n)).tocsr()
    a = (a + a.T).tocsr()
    a.setdiag(0)
    a.eliminate_zeros()
    return ([f"term number {k}" for k in range(n)], rng.integers(1, 500, size=n), community,
            [f"community {c}" for c in range(8)], a)


def test_visible_labels_do_not_overlap_and_the_check_fails_without_placement() -> None:
    """Label boxes from the layout and the drawn font sizes: no overprinting at any zoom
    level; the same check finds plenty with the placement switched off."""
    terms, df, community, names, adj = crowded()
    data = graph_data(terms, df, community, names, adj, GraphOptions(n_terms=300))
    assert data.regions and all(r["lv"] for r in data.regions[:3])
    start = next(k for k, s in enumerate(ZOOM_LEVELS) if s >= 0.6)  # about the initial view
    for level in range(len(ZOOM_LEVELS)):
        assert _drawn_overlaps(data, level) == 0, level
    shown = [sum((n["lv"] >> k) & 1 for n in data.nodes) for k in (start, len(ZOOM_LEVELS) - 1)]
    assert 10 < shown[0] < shown[1]
    raw = graph_data(terms, df, community, names, adj, GraphOptions(n_terms=300, place_labels=False))
    assert _drawn_overlaps(raw, start) > 100


def test_highlight_is_labelled_and_zoomed_to() -> None:
    html_page, data = page(GraphOptions(highlight=2))
    node = data.term_ids.index(2)
    assert data.nodes[node]["lv"] == (1 << len(ZOOM_LEVELS)) - 1  # always labelled
    assert f"var focusNode = {node};" in html_page and "network.focus(focusNode" in html_page
    assert "var focusNode = null;" in page()[0]


@pytest.mark.slow
def test_real_map_labels_do_not_overlap(real_map) -> None:  # noqa: ANN001
    from tmlmap.views.graph_html import network_html

    for lens in (True, False):
        _, data = network_html(real_map, GraphOptions(lens=lens))
        assert len(data.nodes) == 300
        for level in range(len(ZOOM_LEVELS)):
            assert _drawn_overlaps(data, level) == 0, (lens, level)
    _, lensed = network_html(real_map, GraphOptions(lens=True))
    legend = [name for name, _ in lensed.legend]
    assert legend[:2] != [] and {"Fairness & bias", "Privacy"} <= set(legend)
