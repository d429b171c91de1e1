"""Map page: the term network (pyvis) through the trustworthy-ML lens (or the whole map),
search/highlight a term, its neighbours and papers."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import streamlit as st

from tmlmap.analysis.lens import map_lens
from tmlmap.analysis.trends import term_mean_year
from tmlmap.views import state
from tmlmap.views.graph_html import RANK_BY, GraphOptions, network_html
from tmlmap.views.widgets import download_csv, md_text, method_note, paper_rows, paper_table

RANK_LABELS = {"strength": "link strength", "degree": "most links", "frequency": "most papers"}

st.title("Map of trustworthy-ML research")
store = state.get_store()
term_map = state.current_map()
settings = term_map.settings
st.caption(f"{term_map.n_docs:,} papers · {term_map.n_terms:,} terms · {term_map.n_edges:,} links · "
           f"{len(term_map.communities)} communities (modularity {term_map.modularity:.2f}, "
           f"stability ARI {term_map.stability_ari:.2f}) · weighting: {settings.weight}")

lens = state.derived(term_map, "lens", lambda: map_lens(term_map))
c1, c0, c2 = st.columns([2.4, 1.6, 2.0])
c5, c3, c4, _ = st.columns([1.4, 1.6, 1.2, 2.8])  # switches on their own row: labels in full
use_lens = c5.toggle("Trustworthy-ML lens", value=not lens.empty, key="map_lens", disabled=lens.empty,
                     help="On: the communities named after the trustworthy-ML topics (privacy, fairness, "
                          "robustness, explainability, safety), their strongest neighbouring communities "
                          "and the terms most linked to them. Off: the whole map.")
query = c1.text_input("Find a term", key="map_query", placeholder="e.g. fairness, differential privacy")
rank_by = c0.selectbox("Terms chosen by", RANK_BY, key="map_rank_by", format_func=RANK_LABELS.get)
max_edges = c2.slider("Most links drawn", 100, 5000, 1500, step=100, key="map_max_edges",
                      help="A cap on the links drawn keeps the browser responsive.")
overlay = c3.toggle("Overlay: average year", key="map_overlay",
                    help="Colour terms by the average publication year of their papers.")
physics = c4.toggle("Physics", key="map_physics", help="Let vis.js move the nodes (slower).")

highlight: int | None = None
if query.strip():
    highlight = term_map.term_id(query)
    if highlight is None:
        close = term_map.closest_terms(query)
        hint = f" Did you mean: {', '.join(md_text(t) for t in close)}?" if close else ""
        st.warning(f"'{md_text(query)}' is not a term of this map.{hint}")

mean_year = state.derived(term_map, "mean_year", lambda: term_mean_year(term_map.X, term_map.doc_years))
if lens.empty:
    st.info("No community of this map is named after a trustworthy-ML topic (see the Communities page): "
            "the whole map is shown.")
elif use_lens:
    comms = term_map.communities
    st.caption("**Trustworthy-ML lens**: " + ", ".join(md_text(comms[c].name) for c in lens.core)
               + "; their strongest neighbours: " + ", ".join(
                   f"{md_text(comms[c].name)} ({share:.0%} of its links)"
                   for c, share in zip(lens.neighbours, lens.neighbour_share, strict=True))
               + f"; and {len(lens.bridge_terms)} terms of other communities most linked to them. "
               "Turn the lens off to see the whole map.")
options = GraphOptions(n_terms=state.terms_shown(), rank_by=rank_by, max_edges=int(max_edges), physics=bool(physics),
                       overlay=bool(overlay), highlight=highlight, seed=settings.seed,
                       lens=bool(use_lens) and not lens.empty)
timing: dict[str, float] = {}


def _draw() -> tuple[str, object]:
    t0 = time.perf_counter()
    out = network_html(term_map, options, mean_year=mean_year)
    timing["s"] = time.perf_counter() - t0
    return out


page_html, data = state.derived(term_map, "graph", _draw, options)
st.iframe(page_html, height=options.height_px + 12, alt="Term network")
prepared = (f"graph prepared in {timing['s']:.1f} s" if "s" in timing
            else "graph from the cache of this map")
st.caption(f"{len(data.nodes):,} terms and {len(data.edges):,} links drawn ({prepared}). Drag to pan, "
           "scroll to zoom (more labels appear), hover a term for details.")

nodes_df = pd.DataFrame({
    "term": [term_map.terms[i] for i in data.term_ids],
    "community": [term_map.communities[int(term_map.community[i])].name for i in data.term_ids],
    "papers": [int(term_map.doc_freq[i]) for i in data.term_ids],
    "average_year": [round(float(mean_year[i]), 2) if np.isfinite(mean_year[i]) else None
                     for i in data.term_ids],
    "x": [n["x"] for n in data.nodes], "y": [n["y"] for n in data.nodes],
})
d1, d2 = st.columns(2)
with d1:
    download_csv(nodes_df, "tmlmap-terms-shown.csv", key="dl_map_nodes",
                 label="Download the terms shown (CSV)")
d2.download_button("Download the graph (offline HTML)", page_html, file_name="tmlmap-graph.html",
                   mime="text/html", key="dl_map_html")

st.subheader("A term, its neighbours and papers")
shown_terms = sorted(nodes_df["term"], key=str.lower)
default_term = term_map.terms[highlight] if highlight is not None else None
if default_term is not None and default_term not in shown_terms:
    shown_terms.insert(0, default_term)
selected = st.selectbox("Term", shown_terms, index=shown_terms.index(default_term) if default_term else None,
                        key=f"map_selected_term_{highlight}", placeholder="Choose a term")
if selected:
    tid = term_map.term_id(selected)
    if tid is not None:
        comm = term_map.communities[int(term_map.community[tid])]
        st.markdown(f"**{md_text(selected)}** is used by {int(term_map.doc_freq[tid]):,} papers and "
                    f"belongs to the community **{md_text(comm.name)}**.")
        left, right = st.columns(2)
        with left:
            nb = term_map.neighbours(selected, 15)
            nb_df = pd.DataFrame({
                "neighbour": [t for t, _ in nb],
                "weight": [round(w, 4) for _, w in nb],
                "community": [term_map.communities[int(term_map.community[term_map.term_id(t)])].name
                              for t, _ in nb],
            })
            st.markdown("Strongest neighbours")
            st.dataframe(nb_df, hide_index=True, key="map_nb_table")
            download_csv(nb_df, f"tmlmap-neighbours-{tid}.csv", key="dl_map_nb")
        with right:
            col = term_map.X.getcol(tid).tocoo()
            order = np.lexsort((-term_map.doc_years[col.row], -col.data))[:20]
            ids = [term_map.doc_ids[int(col.row[j])] for j in order]
            papers_df = paper_rows(store, ids, {"uses": [int(col.data[j]) for j in order]})
            st.markdown(f"Papers using it ({col.nnz:,}; the 20 using it most)")
            paper_table(papers_df, key="map_papers_table")
            download_csv(papers_df, f"tmlmap-papers-{tid}.csv", key="dl_map_papers")

method_note("map")
