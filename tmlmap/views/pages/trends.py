"""Trends page: share of papers per year for each community / named topic, by venue."""

from __future__ import annotations

import altair as alt
import numpy as np
import streamlit as st

from tmlmap.analysis.trends import ALL_VENUES, honest_mask, venue_gaps, with_gaps, yearly_shares
from tmlmap.corpus.coverage import topic_selected_mask
from tmlmap.lexicons import TOPICS
from tmlmap.risk.relevance import community_profiles, topic_relevance
from tmlmap.views import state
from tmlmap.views.graph_html import PALETTE
from tmlmap.views.widgets import download_csv, md_text, method_note

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


def coverage_note() -> np.ndarray:
    """Papers that may enter the shares (topic-selected slices never do), and a caption
    saying what was left out and which years pool a different venue mix."""
    keep, left_out = state.derived(term_map, "honest_mask", lambda: honest_mask(
        term_map.doc_venues, term_map.doc_years,
        topic_selected_mask(state.get_store(), term_map.doc_ids)))
    lines = [f"**{md_text(lo.venue)} {lo.years}** ({lo.n_papers:,} papers) is left out: {lo.reason}; its "
             "share would show what was selected, not a field turning to that topic."
             for lo in left_out]
    if by_venue and venue in {lo.venue for lo in left_out} and not keep[
            term_map.doc_venues == venue].any():
        st.info(f"No trend is drawn for {md_text(venue)}: " + " ".join(lines))
        st.stop()
    if not by_venue:
        gaps = venue_gaps(term_map.doc_venues[keep], term_map.doc_years[keep])
        if gaps:
            lines.append("All venues pools the venues the corpus holds for each year; missing: "
                         + "; ".join(f"{md_text(v)} {years}" for v, years in gaps)
                         + ". A change of share across those years may be a change of mix.")
    else:
        lines.append("Years without papers of the venue are gaps in the lines.")
    if lines:
        st.caption(" ".join(lines))
    return keep


keep = coverage_note()
shares = state.derived(term_map, "shares", lambda: yearly_shares(
    values[keep], term_map.doc_years[keep], names, doc_venues=term_map.doc_venues[keep],
    by_venue=by_venue), kind, by_venue, "honest")
if by_venue:
    shares = shares[shares["venue"] == venue]

chosen = st.multiselect("Shown", names, default=default, key=f"trends_series_{kind}")
max_papers = int(shares["n_papers"].max()) if len(shares) else 1
min_papers = st.slider("Hide years with fewer papers than", 1, max(max_papers, 1), min(20, max_papers),
                       key="trends_min_papers")
view = with_gaps(shares[shares["series"].isin(chosen) & (shares["n_papers"] >= min_papers)])
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
                        scale=alt.Scale(domain=chosen, range=colours),
                        # full names, in columns under the chart (a side legend cut them off)
                        legend=alt.Legend(orient="bottom", direction="vertical", columns=2,
                                          labelLimit=0, symbolType="stroke")),
        strokeWidth=alt.StrokeWidth("highlighted:N", scale=alt.Scale(
            domain=["fairness / privacy", "other"], range=[4, 1.5]), legend=None),
        opacity=alt.Opacity("highlighted:N", scale=alt.Scale(
            domain=["fairness / privacy", "other"], range=[1.0, 0.55]), legend=None),
        tooltip=["series:N", "year:O", alt.Tooltip("share:Q", format=".2%"), "n_papers:Q", "venue:N"],
    ).properties(height=460 + 18 * ((len(chosen) + 1) // 2))
    st.altair_chart(chart.interactive(bind_y=False), key="trends_chart")
    download_csv(view.drop(columns="highlighted"), "tmlmap-trends.csv", key="dl_trends")
    st.subheader("Values by year")
    st.caption(("Mean topic relevance" if topics_mode else "Share of papers")
               + f" per year (rows: years with at least {min_papers} papers; columns: the series shown).")
    table = view.pivot_table(index="year", columns="series", values="share", aggfunc="first")
    table = table[[c for c in chosen if c in table.columns]].sort_index(ascending=False)
    papers_per_year = view.groupby("year")["n_papers"].max()
    table = table * 100  # percent points, shown with two decimals in every cell
    table.insert(0, "papers", papers_per_year.reindex(table.index).astype(int))
    table = table.reset_index()
    st.dataframe(table, hide_index=True, key="trends_table", width="stretch",
                 column_config={"year": st.column_config.NumberColumn("year", format="%d"),
                                "papers": st.column_config.NumberColumn("papers", format="%d")}
                 | {c: st.column_config.NumberColumn(c, format="%.2f%%") for c in chosen})
method_note("trends")
method_note("relevance", "How paper profiles are computed")
