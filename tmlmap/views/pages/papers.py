"""Papers page: full-text search with venue/year filters, snippets and topic profiles."""

from __future__ import annotations

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
lo, hi = store.year_range()

c1, c2 = st.columns([3, 1])
query = c1.text_input("Search titles, abstracts and keywords", key="papers_query",
                      placeholder='e.g. "differential privacy" federated, or fair* OR bias')
limit = c2.number_input("Results", 5, 200, 25, step=5, key="papers_limit")
f1, f2 = st.columns(2)
venues = f1.multiselect("Venues (none = all)", store.venues(), key="papers_venues")
years = f2.slider("Years", lo, hi, (lo, hi), key="papers_years") if lo < hi else (lo, hi)

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
    chosen = st.selectbox("Paper", range(len(hits)), key="papers_chosen",
                          format_func=lambda i: f"{i + 1}. {hits[i].title[:120]}")
    paper = store.get(hits[int(chosen)].id)
    if paper is not None:
        st.text(paper.abstract)
        row = row_of.get(paper.id)
        if row is None:
            st.info("This paper is outside the current map's venue/year selection.")
        else:
            prof = pd.DataFrame({"topic": topic_names, "relevance": rel_matrix[row]})
            comm = pd.DataFrame({"community": [c.name for c in term_map.communities],
                                 "share": profiles[row]}).nlargest(8, "share")
            a, b = st.columns(2)
            a.altair_chart(alt.Chart(prof).mark_bar().encode(
                x=alt.X("relevance:Q", scale=alt.Scale(domain=[0, 1])), y=alt.Y("topic:N", sort="-x"),
                tooltip=["topic", alt.Tooltip("relevance:Q", format=".3f")]).properties(
                    height=220, title="Named topics"), key="papers_topic_chart")
            b.altair_chart(alt.Chart(comm).mark_bar().encode(
                x=alt.X("share:Q", axis=alt.Axis(format="%")), y=alt.Y("community:N", sort="-x"),
                tooltip=["community", alt.Tooltip("share:Q", format=".1%")]).properties(
                    height=220, title="Communities (top 8)"), key="papers_comm_chart")
            both = pd.concat([
                prof.rename(columns={"topic": "name", "relevance": "value"}).assign(kind="topic relevance"),
                pd.DataFrame({"name": [c.name for c in term_map.communities], "value": profiles[row],
                              "kind": "community share"})], ignore_index=True)
            download_csv(both[["kind", "name", "value"]], f"tmlmap-profile-{row}.csv",
                         key="dl_papers_profile", label="Download the topic profile (CSV)")


hits = store.search(query, venues=venues or None, year_min=years[0], year_max=years[1],
                    limit=int(limit)) if query.strip() else []
if not query.strip():
    st.info("Type words to search. Words are combined with AND (falling back to OR when nothing "
            "matches); use \"quotes\" for phrases and * for prefixes.")
elif not hits:
    st.warning("No paper matches this search and these filters.")
else:
    show_results(hits)

method_note("relevance", "How topic profiles are computed")
