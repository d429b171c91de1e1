"""Trends page: share of papers per year for each community / named topic, by venue."""

from __future__ import annotations

import altair as alt
import numpy as np
import streamlit as st

from tmlmap.analysis.trends import ALL_VENUES, yearly_shares
from tmlmap.lexicons import TOPICS
from tmlmap.risk.relevance import community_profiles, topic_relevance
from tmlmap.views import state
from tmlmap.views.evolution_chart import render_evolution_section
from tmlmap.views.graph_html import PALETTE
from tmlmap.views.widgets import download_csv, method_note

FAIRNESS_COLOUR, PRIVACY_COLOUR = "#d62728", "#1f77b4"

st.title("Trends")
term_map = state.current_map()
comms = term_map.communities

kind = st.radio("Series", ["Named topics", "Communities"], horizontal=True, key="trends_kind")
venues = sorted(set(term_map.doc_venues.tolist()))
venue = st.selectbox("Venue", [ALL_VENUES, *venues], key="trends_venue")
by_venue = venue != ALL_VENUES

if kind == "Named topics":
    rel = state.derived(term_map, "topic_relevance", lambda: topic_relevance(term_map))
    keys = [str(c) for c in rel.columns]
    names = [TOPICS[k].name if k in TOPICS else k for k in keys]
    fairness_names = {TOPICS["fairness"].name} if "fairness" in keys else set()
    privacy_names = {TOPICS["privacy"].name} if "privacy" in keys else set()
    highlight_names = fairness_names | privacy_names
    values = rel.to_numpy()
    default = [n for k, n in zip(keys, names, strict=True) if k in TOPICS and TOPICS[k].twml] or names
else:
    values = state.derived(term_map, "community_profiles", lambda: community_profiles(term_map))
    names = [f"{c.id}: {c.name}" for c in comms]
    fairness_names = {names[c.id] for c in comms if c.topic == "fairness"}
    privacy_names = {names[c.id] for c in comms if c.topic == "privacy"}
    highlight_names = fairness_names | privacy_names
    biggest = [names[c.id] for c in sorted(comms, key=lambda c: -c.n_papers)[:6]]
    default = sorted(set(biggest) | highlight_names, key=names.index)

shares = state.derived(term_map, "shares", lambda: yearly_shares(
    values, term_map.doc_years, names, doc_venues=term_map.doc_venues, by_venue=by_venue),
    kind, by_venue)
if by_venue:
    shares = shares[shares["venue"] == venue]

chosen = st.multiselect("Shown", names, default=default, key=f"trends_series_{kind}")
max_papers = int(shares["n_papers"].max()) if len(shares) else 1
min_papers = st.slider("Hide years with fewer papers than", 1, max(max_papers, 1), min(20, max_papers),
                       key="trends_min_papers")
view = shares[shares["series"].isin(chosen) & (shares["n_papers"] >= min_papers)].copy()
view["highlighted"] = np.where(view["series"].isin(highlight_names), "fairness / privacy", "other")

if view.empty:
    st.info("Nothing to show: choose series, another venue or a lower minimum of papers per year.")
else:
    topics_mode = kind == "Named topics"
    st.caption("Fairness (red) and privacy (blue) are drawn thick. "
               + ("Value = mean topic relevance of the year's papers."
                  if topics_mode else "Share = mean community profile of the year's papers "
                                      "(papers counted fractionally)."))
    others = [c for c in PALETTE if c not in (FAIRNESS_COLOUR, PRIVACY_COLOUR)]
    colours, k = [], 0
    for name in chosen:
        if name in fairness_names:
            colours.append(FAIRNESS_COLOUR)
        elif name in privacy_names:
            colours.append(PRIVACY_COLOUR)
        else:
            colours.append(others[k % len(others)])
            k += 1
    chart = alt.Chart(view).mark_line(point=True).encode(
        x=alt.X("year:O", title="year"),
        y=alt.Y("share:Q", title="mean topic relevance" if topics_mode else "share of papers",
                axis=alt.Axis(format="%")),
        color=alt.Color("series:N", title=kind.lower(), sort=chosen,
                        scale=alt.Scale(domain=chosen, range=colours)),
        strokeWidth=alt.StrokeWidth("highlighted:N", scale=alt.Scale(
            domain=["fairness / privacy", "other"], range=[4, 1.5]), legend=None),
        opacity=alt.Opacity("highlighted:N", scale=alt.Scale(
            domain=["fairness / privacy", "other"], range=[1.0, 0.55]), legend=None),
        tooltip=["series:N", "year:O", alt.Tooltip("share:Q", format=".2%"), "n_papers:Q", "venue:N"],
    ).properties(height=460)
    st.altair_chart(chart.interactive(bind_y=False), key="trends_chart")
    download_csv(view.drop(columns="highlighted"), "tmlmap-trends.csv", key="dl_trends")
    latest = view.sort_values("year").groupby("series").tail(1)
    st.dataframe(latest[["series", "year", "share", "n_papers"]].sort_values("share", ascending=False),
                 hide_index=True, key="trends_latest",
                 column_config={"share": st.column_config.NumberColumn(format="percent")})
method_note("trends")
method_note("relevance", "How paper profiles are computed")

st.divider()
render_evolution_section(state.get_store(), state.applied_settings())
