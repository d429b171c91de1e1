"""Papers page: full-text search (within the map's venues and years, or the whole corpus),
snippets and topic profiles."""

from __future__ import annotations

import hashlib

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from tmlmap.corpus.store import SearchHit
from tmlmap.lexicons import TOPICS
from tmlmap.risk.relevance import community_profiles, topic_relevance
from tmlmap.views import state
from tmlmap.views.widgets import download_csv, md_text, method_note, safe_html_block, snippet_html

st.title("Papers")
store = state.get_store()
term_map = state.current_map()
settings = term_map.settings

c1, c2, c3 = st.columns([3, 1.4, 1])
query = c1.text_input("Search titles, abstracts and keywords", key="papers_query",
                      placeholder='e.g. "differential privacy" federated, or fair* OR bias')
within_map = c2.toggle("Only the map's venues and years", value=True, key="papers_within_map",
                       help="The venue and year selection of the map settings in the sidebar. Off: the "
                            "whole corpus (papers outside the map have no topic profile).")
limit = c3.number_input("Results", 5, 200, 25, step=5, key="papers_limit")
venues = list(settings.venues) if within_map else []
year_min = settings.year_min if within_map else None
year_max = settings.year_max if within_map else None
if within_map:
    years_text = (f"{year_min if year_min is not None else 'first'}-{year_max if year_max is not None else 'last'}"
                  if (year_min, year_max) != (None, None) else "all years")
    st.caption(f"Searching {md_text(', '.join(venues)) if venues else 'all venues'}, {years_text} "
               "(change them in the sidebar's map settings, or turn the switch off).")

def show_results(hits: list[SearchHit]) -> None:
    """Ranked results with snippets and topic profiles, a CSV, one paper's profile."""
    row_of = state.derived(term_map, "doc_index", lambda: {d: i for i, d in enumerate(term_map.doc_ids)})
    profiles = state.derived(term_map, "community_profiles", lambda: community_profiles(term_map))
    rel = state.derived(term_map, "topic_relevance", lambda: topic_relevance(term_map))
    topic_names = [TOPICS[k].name if k in TOPICS else str(k) for k in rel.columns]
    rel_matrix = rel.to_numpy()

    def profile_text(row: int | None) -> str:
        if row is None:
            return "not in the current map (outside its venue/year selection)"
        top = np.argsort(-profiles[row], kind="stable")[:3]
        return ", ".join(f"{term_map.communities[int(k)].name} {profiles[row, k]:.0%}" for k in top)

    st.caption(f"{len(hits)} results, best first.")
    for rank, h in enumerate(hits, start=1):
        row = row_of.get(h.id)
        with st.container(border=True):
            st.markdown(safe_html_block(
                f"<strong>{rank}. {snippet_html(h.title)}</strong> "
                f"<span style='color:#666'>· {snippet_html(h.venue)} {int(h.year)}</span>"),
                unsafe_allow_html=True)
            st.markdown(safe_html_block(snippet_html(h.snippet), css="font-size:0.92em;color:#333"),
                        unsafe_allow_html=True)
            st.caption("Topic profile: " + md_text(profile_text(row)))
            if h.url.startswith(("https://", "http://")):
                st.link_button("Open the paper's page", h.url)

    results = pd.DataFrame({
        "rank": range(1, len(hits) + 1), "title": [h.title for h in hits], "venue": [h.venue for h in hits],
        "year": [h.year for h in hits], "score": [round(h.score, 4) for h in hits], "url": [h.url for h in hits],
        "id": [h.id for h in hits], "topic profile": [profile_text(row_of.get(h.id)) for h in hits],
    })
    download_csv(results, "tmlmap-search-results.csv", key="dl_papers_results")

    st.subheader("Topic profile of a result")
    # keyed by the result list, so a new search starts from its own first result
    # (never the previous search's choice beside the new search's abstract)
    results_key = hashlib.sha1("\n".join(h.id for h in hits).encode()).hexdigest()[:12]
    chosen = st.selectbox("Paper", range(len(hits)), key=f"papers_chosen_{results_key}",
                          format_func=lambda i: f"{i + 1}. {hits[i].title[:120]}")
    paper = store.get(hits[int(chosen)].id)
    if paper is not None:
        st.markdown(f"**{md_text(paper.title)}** · {md_text(paper.venue)} {int(paper.year)}")
        st.text(paper.abstract)
        row = row_of.get(paper.id)
        if row is None:
            st.info("This paper is outside the current map's venue/year selection.")
        else:
            prof = pd.DataFrame({"topic": topic_names, "relevance": rel_matrix[row]})
            comm = pd.DataFrame({"community": [c.name for c in term_map.communities],
                                 "share": profiles[row]}).nlargest(8, "share")
            a, b = st.columns(2)
            # the axis follows the values (relevances are small: a 0-1 axis left the chart empty)
            a.altair_chart(alt.Chart(prof).mark_bar().encode(
                x=alt.X("relevance:Q", scale=alt.Scale(domain=[0, max(float(prof["relevance"].max()) * 1.1, 1e-6)]),
                        title="relevance (mean topic fingerprint of its terms)"),
                y=alt.Y("topic:N", sort="-x", title=None, axis=alt.Axis(labelLimit=0)),
                tooltip=["topic", alt.Tooltip("relevance:Q", format=".3f")]).properties(
                    height=24 * len(prof) + 20, title="Named topics"), key="papers_topic_chart")
            b.altair_chart(alt.Chart(comm).mark_bar().encode(
                x=alt.X("share:Q", axis=alt.Axis(format="%")),
                y=alt.Y("community:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260)),
                tooltip=["community", alt.Tooltip("share:Q", format=".1%")]).properties(
                    height=24 * len(comm) + 20, title="Communities (top 8)"), key="papers_comm_chart")
            both = pd.concat([
                prof.rename(columns={"topic": "name", "relevance": "value"}).assign(kind="topic relevance"),
                pd.DataFrame({"name": [c.name for c in term_map.communities], "value": profiles[row],
                              "kind": "community share"})], ignore_index=True)
            download_csv(both[["kind", "name", "value"]], f"tmlmap-profile-{row}.csv",
                         key="dl_papers_profile", label="Download the topic profile (CSV)")


hits = store.search(query, venues=venues or None, year_min=year_min, year_max=year_max,
                    limit=int(limit)) if query.strip() else []
if not query.strip():
    st.info("Type words to search. Words are combined with AND (falling back to OR when nothing "
            "matches); use \"quotes\" for phrases and * for prefixes.")
elif not hits:
    st.warning("No paper matches this search and these filters.")
else:
    show_results(hits)

method_note("relevance", "How topic profiles are computed")
