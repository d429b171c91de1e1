"""Communities page: the community table and the thematic map (through the trustworthy-ML
lens by default), a community's papers."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from tmlmap.analysis.lens import map_lens
from tmlmap.analysis.thematic import BASIC, EMERGING, MOTOR, NICHE, thematic_map
from tmlmap.lexicons import TOPICS
from tmlmap.network.label_placement import place_chart_labels
from tmlmap.risk.relevance import rank_by_relevance
from tmlmap.views import state
from tmlmap.views.widgets import download_csv, md_text, method_note, paper_rows, paper_table

QUADRANT_COLOURS = {MOTOR: "#d62728", NICHE: "#2ca02c", EMERGING: "#7f7f7f", BASIC: "#1f77b4"}
#: The thematic map's drawing size the labels are placed for (the main column of a
#: 1440 px wide window is about 1,050 px; narrower windows hide a few more labels).
CHART_WIDTH_PX, CHART_HEIGHT_PX = 1000, 520
LABEL_FONT_PX = 11.0

st.title("Communities")
store = state.get_store()
term_map = state.current_map()
comms = term_map.communities
lens = state.derived(term_map, "lens", lambda: map_lens(term_map))
use_lens = st.toggle("Trustworthy-ML lens", value=not lens.empty, key="comm_lens", disabled=lens.empty,
                     help="On: the communities named after the trustworthy-ML topics and their strongest "
                          "neighbouring communities (by the share of their links going to them). Off: all.")
use_lens = bool(use_lens) and not lens.empty
if lens.empty:
    st.info("No community of this map is named after a trustworthy-ML topic: all communities are shown.")

role = {c: "trustworthy-ML topic" for c in lens.core}
role |= {c: f"neighbour ({share:.0%} of its links)"
         for c, share in zip(lens.neighbours, lens.neighbour_share, strict=True)}
table = pd.DataFrame({
    "id": [c.id for c in comms],
    "name": [c.name for c in comms],
    "topic": [TOPICS[c.topic].name if c.topic in TOPICS else "" for c in comms],
    "in the lens": [role.get(c.id, "") for c in comms],
    "terms": [c.size for c in comms],
    "papers": [c.n_papers for c in comms],
    "share of papers": [round(c.share_papers, 4) for c in comms],
    "top terms": [", ".join(c.top_terms[:10]) for c in comms],
})
min_terms = st.slider("Hide communities with fewer terms than", 1, 50, 3, key="comm_min_terms")
shown = table[table["terms"] >= min_terms]
if use_lens:
    order = {c: i for i, c in enumerate(lens.communities)}
    shown = shown[shown["id"].isin(order)].sort_values("id", key=lambda s: s.map(order))
    st.caption(f"{len(shown)} communities in the lens (the trustworthy-ML topics first, then their "
               f"strongest neighbours); {len(table)} in the whole map.")
else:
    st.caption(f"{len(shown)} of {len(table)} communities shown, largest first.")
# a static table: long names and top terms wrap instead of being cut off. Its cells are
# markdown, so every text (names and terms come from the corpus) goes through md_text.
display = pd.DataFrame({
    "name": [md_text(v) for v in shown["name"]],
    "in the lens": [md_text(v) for v in shown["in the lens"]],
    "terms": shown["terms"].to_numpy(),
    "papers": shown["papers"].to_numpy(),
    "share of papers": [f"{v:.1%}" for v in shown["share of papers"]],
    "top terms": [md_text(v) for v in shown["top terms"]],
})
if not use_lens:
    display = display.drop(columns="in the lens")
st.table(display, hide_index=True)
download_csv(shown, "tmlmap-communities.csv", key="dl_comm_table")

st.subheader("Thematic map")
by = st.radio("Axes", ["rank", "value"], horizontal=True, key="comm_axes",
              format_func=lambda v: "ranks (as biblioshiny plots them)" if v == "rank" else "values")
tm = state.derived(term_map, "thematic", lambda: thematic_map(
    term_map.adjacency, term_map.community, names=[c.name for c in comms],
    n_papers=[c.n_papers for c in comms], min_size=min_terms, by=by), min_terms, by)
if len(tm) < 2:
    st.info("Too few communities for a thematic map: lower the minimum number of terms.")
else:
    x, y = ("centrality", "density") if by == "value" else ("centrality_rank", "density_rank")
    # axes and quadrants from all communities; the lens only chooses the points drawn
    x_mean, y_mean = float(tm[x].mean()), float(tm[y].mean())
    xlo, xhi, ylo, yhi = float(tm[x].min()), float(tm[x].max()), float(tm[y].min()), float(tm[y].max())
    xpad, ypad = 0.06 * (xhi - xlo or 1.0), 0.08 * (yhi - ylo or 1.0)
    xdom, ydom = [xlo - xpad, xhi + xpad], [ylo - ypad, yhi + ypad]
    drawn = tm[tm["community"].isin(lens.communities)] if use_lens and "community" in tm else tm
    if drawn.empty:
        drawn = tm
    drawn = drawn.copy()
    # label the points whose names fit without collision, by papers; the rest on hover
    px = (drawn[x].to_numpy(float) - xdom[0]) / (xdom[1] - xdom[0]) * CHART_WIDTH_PX
    py = (ydom[1] - drawn[y].to_numpy(float)) / (ydom[1] - ydom[0]) * CHART_HEIGHT_PX
    align = np.where(px < CHART_WIDTH_PX * 0.15, "left",
                     np.where(px > CHART_WIDTH_PX * 0.85, "right", "center")).tolist()
    keep = place_chart_labels(px, py, drawn["name"].astype(str).tolist(), LABEL_FONT_PX,
                              drawn["n_papers"].to_numpy(float), CHART_WIDTH_PX, CHART_HEIGHT_PX,
                              align=align)
    drawn["label"] = np.where(keep, drawn["name"].astype(str), "")
    drawn["align"] = align
    base = alt.Chart(drawn)
    xs = alt.Scale(domain=xdom, nice=False, zero=False)
    ys = alt.Scale(domain=ydom, nice=False, zero=False)
    points = base.mark_circle(opacity=0.75).encode(
        x=alt.X(f"{x}:Q", title=f"centrality ({by})", scale=xs),
        y=alt.Y(f"{y}:Q", title=f"density ({by})", scale=ys),
        size=alt.Size("n_papers:Q", title="papers", scale=alt.Scale(range=[40, 1600])),
        color=alt.Color("quadrant:N", scale=alt.Scale(domain=list(QUADRANT_COLOURS),
                                                      range=list(QUADRANT_COLOURS.values()))),
        tooltip=["name:N", "size:Q", "n_papers:Q", alt.Tooltip("centrality:Q", format=".3f"),
                 alt.Tooltip("density:Q", format=".3f"), "quadrant:N"],
    )
    labels = alt.layer(*[
        alt.Chart(drawn[drawn["align"] == side]).mark_text(dy=-12, fontSize=LABEL_FONT_PX, align=side).encode(
            x=alt.X(f"{x}:Q", scale=xs), y=alt.Y(f"{y}:Q", scale=ys), text="label:N")
        for side in ("left", "center", "right") if (drawn["align"] == side).any()])
    rules = (alt.Chart(pd.DataFrame({"v": [x_mean]})).mark_rule(strokeDash=[4, 4]).encode(x=alt.X("v:Q", scale=xs))
             + alt.Chart(pd.DataFrame({"h": [y_mean]})).mark_rule(strokeDash=[4, 4]).encode(y=alt.Y("h:Q", scale=ys)))
    corners = pd.DataFrame({
        "qx": [xdom[1], xdom[0], xdom[0], xdom[1]],
        "qy": [ydom[1], ydom[1], ydom[0], ydom[0]],
        "label": ["Motor themes", "Niche themes", "Emerging or declining", "Basic themes"],
        "side": ["right", "left", "left", "right"],
        "base": ["top", "top", "bottom", "bottom"],
    })
    corner_text = alt.layer(*[
        alt.Chart(corners[(corners["side"] == side) & (corners["base"] == vb)]).mark_text(
            fontWeight="bold", opacity=0.45, fontSize=13, align=side, baseline=vb,
            dx=6 if side == "left" else -6, dy=4 if vb == "top" else -4).encode(
            x=alt.X("qx:Q", scale=xs), y=alt.Y("qy:Q", scale=ys), text="label:N")
        for side in ("left", "right") for vb in ("top", "bottom")])
    st.altair_chart((rules + points + labels + corner_text).properties(height=CHART_HEIGHT_PX),
                    key="comm_thematic_chart")
    st.caption(f"{len(drawn)} communities drawn" + (" (the lens's)" if use_lens else "")
               + f"; {int(keep.sum())} labelled where the names fit, the others on hover. Axes and "
               "quadrants are computed over all communities.")
    download_csv(tm, "tmlmap-thematic-map.csv", key="dl_thematic")
method_note("thematic", "How the thematic map is computed")

st.subheader("Papers of a community")
options = [c.id for c in comms if c.size >= min_terms] or [c.id for c in comms]
if use_lens:  # the lens's communities first
    options = [c for c in lens.communities if c in options] + [c for c in options if c not in lens.communities]
chosen = st.selectbox("Community", options, key="comm_chosen",
                      format_func=lambda i: f"{comms[i].name} ({comms[i].size} terms)")
if chosen is not None:
    c = comms[int(chosen)]
    st.markdown(f"**{md_text(c.name)}**: {md_text(', '.join(c.top_terms[:15]))}")
    n_top = st.slider("Papers listed", 10, 200, 25, step=5, key="comm_n_papers")
    ranked = rank_by_relevance(term_map, int(chosen), top=n_top)
    df = paper_rows(store, [pid for pid, _ in ranked], {"relevance": [round(s, 4) for _, s in ranked]})
    paper_table(df, key="comm_papers_table")
    download_csv(df, f"tmlmap-community-{int(chosen)}-papers.csv", key="dl_comm_papers")
method_note("relevance", "How papers are ranked")
