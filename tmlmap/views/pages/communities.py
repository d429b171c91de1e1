"""Communities page: the community table, the thematic map, a community's papers."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from tmlmap.analysis.thematic import BASIC, EMERGING, MOTOR, NICHE, thematic_map
from tmlmap.risk.relevance import rank_by_relevance
from tmlmap.views import state
from tmlmap.views.graph_html import community_colour
from tmlmap.views.widgets import download_csv, md_text, method_note, paper_rows, paper_table

QUADRANT_COLOURS = {MOTOR: "#d62728", NICHE: "#2ca02c", EMERGING: "#7f7f7f", BASIC: "#1f77b4"}

st.title("Communities")
store = state.get_store()
term_map = state.current_map()
comms = term_map.communities

table = pd.DataFrame({
    "id": [c.id for c in comms],
    "name": [c.name for c in comms],
    "topic": [c.topic or "" for c in comms],
    "terms": [c.size for c in comms],
    "top terms": [", ".join(c.top_terms[:10]) for c in comms],
    "papers": [c.n_papers for c in comms],
    "share of papers": [round(c.share_papers, 4) for c in comms],
})
min_terms = st.slider("Hide communities with fewer terms than", 1, 50, 3, key="comm_min_terms")
shown = table[table["terms"] >= min_terms]
st.caption(f"{len(shown)} of {len(table)} communities shown, largest first.")
st.dataframe(shown, hide_index=True, key="comm_table",
             column_config={"share of papers": st.column_config.ProgressColumn(
                 "share of papers", format="%.3f", min_value=0.0,
                 max_value=max(float(table["share of papers"].max()), 1e-9))})
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
    base = alt.Chart(tm)
    points = base.mark_circle(opacity=0.75).encode(
        x=alt.X(f"{x}:Q", title=f"centrality ({by})", scale=alt.Scale(zero=False)),
        y=alt.Y(f"{y}:Q", title=f"density ({by})", scale=alt.Scale(zero=False)),
        size=alt.Size("n_papers:Q", title="papers", scale=alt.Scale(range=[40, 1600])),
        color=alt.Color("quadrant:N", scale=alt.Scale(domain=list(QUADRANT_COLOURS),
                                                      range=list(QUADRANT_COLOURS.values()))),
        tooltip=["name:N", "size:Q", "n_papers:Q", alt.Tooltip("centrality:Q", format=".3f"),
                 alt.Tooltip("density:Q", format=".3f"), "quadrant:N"],
    )
    labels = base.mark_text(dy=-12, fontSize=11).encode(x=f"{x}:Q", y=f"{y}:Q", text="name:N")
    rules = (alt.Chart(pd.DataFrame({"v": [tm[x].mean()]})).mark_rule(strokeDash=[4, 4]).encode(x="v:Q")
             + alt.Chart(pd.DataFrame({"h": [tm[y].mean()]})).mark_rule(strokeDash=[4, 4]).encode(y="h:Q"))
    corners = pd.DataFrame({
        "qx": [tm[x].max(), tm[x].min(), tm[x].min(), tm[x].max()],
        "qy": [tm[y].max(), tm[y].max(), tm[y].min(), tm[y].min()],
        "label": ["Motor themes", "Niche themes", "Emerging or declining", "Basic themes"],
        "side": ["right", "left", "left", "right"],
    })
    corner_text = alt.layer(*[
        alt.Chart(corners[corners["side"] == side]).mark_text(
            fontWeight="bold", opacity=0.45, fontSize=13, align=side).encode(
            x="qx:Q", y="qy:Q", text="label:N")
        for side in ("left", "right")])
    st.altair_chart((rules + points + labels + corner_text).properties(height=520).interactive(),
                    key="comm_thematic_chart")
    download_csv(tm, "tmlmap-thematic-map.csv", key="dl_thematic")
method_note("thematic", "How the thematic map is computed")

st.subheader("Papers of a community")
options = [c.id for c in comms if c.size >= min_terms] or [c.id for c in comms]
chosen = st.selectbox("Community", options, key="comm_chosen",
                      format_func=lambda i: f"{comms[i].name} ({comms[i].size} terms)")
if chosen is not None:
    c = comms[int(chosen)]
    swatch = community_colour(c.id)
    st.markdown(f'<span style="color:{swatch}">&#9679;</span> **{md_text(c.name)}**: '
                f"{md_text(', '.join(c.top_terms[:15]))}", unsafe_allow_html=True)
    n_top = st.slider("Papers listed", 10, 200, 25, step=5, key="comm_n_papers")
    ranked = rank_by_relevance(term_map, int(chosen), top=n_top)
    df = paper_rows(store, [pid for pid, _ in ranked], {"relevance": [round(s, 4) for _, s in ranked]})
    paper_table(df, key="comm_papers_table")
    download_csv(df, f"tmlmap-community-{int(chosen)}-papers.csv", key="dl_comm_papers")
method_note("relevance", "How papers are ranked")
