"""Corpus page: papers by venue and year, last refresh, file import, scraper refresh."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from tmlmap.corpus.records import RecordError
from tmlmap.corpus.store import SchemaError
from tmlmap.views import state
from tmlmap.views.widgets import download_csv, md_text

IMPORT_SUFFIXES = (".jsonl.gz", ".jsonl", ".json", ".csv", ".tsv", ".bib", ".ris", ".txt")

st.title("Corpus")
store = state.get_store()


def _describe_meta(value: object) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


counts = pd.DataFrame(store.counts_by_venue_year(), columns=["venue", "year", "papers"])
m1, m2, m3, m4 = st.columns(4)
m1.metric("Papers", f"{store.count():,}")
m2.metric("Venues", f"{counts['venue'].nunique():,}")
if len(counts):
    m3.metric("Years", f"{counts['year'].min()}-{counts['year'].max()}")
last = store.get_meta("last_refresh")
m4.metric("Last refresh", _describe_meta(last)[:16].replace("T", " ") if last else "never")
if last:
    st.caption("Last refresh: " + md_text(_describe_meta(last)))
last_import = store.get_meta("last_import")
if last_import:
    st.caption("Last import: " + md_text(_describe_meta(last_import)))

if len(counts):
    chart = alt.Chart(counts).mark_bar().encode(
        x=alt.X("year:O"), y=alt.Y("papers:Q", stack="zero"), color=alt.Color("venue:N"),
        tooltip=["venue", "year", "papers"]).properties(height=340, title="Papers by venue and year")
    st.altair_chart(chart, key="corpus_chart")
    download_csv(counts, "tmlmap-papers-by-venue-year.csv", key="dl_corpus_counts")


def _rebuild_map() -> None:
    """After the corpus changed: show the new corpus's map (built here, with progress)."""
    state.repin(store)
    term_map = state.current_map()
    st.success(f"The map now covers {term_map.n_docs:,} papers ({term_map.n_terms:,} terms, "
               f"{len(term_map.communities)} communities).")


st.subheader("Import a file")
st.caption("RIS (Zotero, Scopus, Web of Science, EndNote), CSL JSON, OpenAlex works (JSON/JSONL), "
           "Web of Science plain text (.txt), JSONL (one paper per line), CSV or BibTeX with title, "
           "abstract, venue and year (authors, keywords, url optional). Re-importing the same file "
           "changes nothing; duplicates (same DOI, else same title and year) are merged.")
upload = st.file_uploader("Corpus file", type=["jsonl", "json", "csv", "tsv", "bib", "ris", "txt", "gz"],
                          key="corpus_upload")
if upload is not None and st.button("Import", type="primary", key="corpus_import"):
    name = upload.name
    suffix = next((s for s in IMPORT_SUFFIXES if name.lower().endswith(s)), None)
    if suffix is None:
        st.error(f"Unsupported file type: {md_text(name)}. Use {', '.join(IMPORT_SUFFIXES)}.")
    else:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"upload{suffix}"
            path.write_bytes(upload.getvalue())
            bar = st.progress(0.0, text="importing")

            def progress(done: int, total: int | None) -> None:
                bar.progress(min(done / total, 1.0) if total else 0.0, text=f"{done:,} records read")

            try:
                stats = store.import_file(path, progress=progress)
            except (RecordError, SchemaError, OSError, ValueError) as exc:
                st.error(f"Could not import {md_text(name)}: {md_text(exc)}")
                stats = None
        if stats is not None:
            (st.success if not stats.n_errors else st.warning)(
                f"Imported {md_text(name)}: {md_text(stats)}")
            if stats.errors:
                with st.expander(f"{stats.n_errors:,} records skipped"):
                    st.code("\n".join(stats.errors[:200]), language=None)
            if stats.new or stats.updated or stats.merged:
                _rebuild_map()

st.subheader("Refresh from the web")
try:
    import scrapers
except ImportError as exc:  # pragma: no cover - the scrapers package ships with the app
    st.info(f"The scrapers are not available: {md_text(exc)}")
    st.stop()

with st.form("corpus_refresh"):
    preset = st.selectbox("Preset", ["(none)", *scrapers.PRESETS], key="refresh_preset")
    specs_text = st.text_area("Source specs, one per line", key="refresh_specs",
                              placeholder="icml:2024\nacl:2024.trustnlp-1\nopenalex:facct:2023")
    r1, r2, r3 = st.columns(3)
    since = r1.number_input("Only papers from year (0 = all)", 0, 2100, 0, key="refresh_since")
    dry_run = r2.checkbox("Dry run (fetch, store nothing)", key="refresh_dry_run")
    force = r3.checkbox("Refetch everything", key="refresh_force")
    start = st.form_submit_button("Start the refresh", type="primary", key="refresh_start")
with st.expander("Valid source specs"):
    st.code(scrapers.SPEC_HELP, language=None)

if start:
    specs = [s.strip() for s in specs_text.splitlines() if s.strip()]
    try:
        specs = scrapers.expand(specs, None if preset == "(none)" else preset,
                                since=int(since) or None)
        if not specs:
            raise scrapers.SpecError("", "give at least one source spec or choose a preset")
        for spec in specs:
            scrapers.parse_spec(spec)
    except (scrapers.SpecError, ValueError) as exc:
        st.error(f"Invalid source spec: {md_text(exc)}")
    else:
        t0 = time.perf_counter()
        with st.status(f"Refreshing from {len(specs)} source(s)...", expanded=True) as box:
            bar = st.progress(0.0, text="starting")
            line = st.empty()

            def on_progress(label: str, done: int, total: int | None) -> None:
                frac = min(done / total, 1.0) if total else 0.0
                bar.progress(frac, text=f"{label}: {done:,}" + (f" of {total:,}" if total else ""))
                line.caption(f"{time.perf_counter() - t0:.0f} s elapsed")

            try:
                summary = scrapers.refresh(specs, store, force=bool(force), since=int(since) or None,
                                           dry_run=bool(dry_run), progress=on_progress)
            except Exception as exc:  # a network/source failure must not crash the page
                box.update(label="The refresh failed", state="error")
                st.error(f"The refresh failed: {md_text(type(exc).__name__)}: {md_text(exc)}")
                summary = None
            else:
                box.update(label="Refresh finished" if summary.ok else "Refresh finished with errors",
                           state="complete" if summary.ok else "error", expanded=True)
                st.code(summary.format(), language=None)
        if summary is not None and summary.changed and not dry_run:
            _rebuild_map()
