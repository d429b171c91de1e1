"""Corpus page: papers by venue and year, last refresh, file import, scraper refresh.

An import or a refresh changes the corpus but not the map shown: rebuilding the
whole map takes a minute and may change its communities, so the page says so
and the sidebar's "Rebuild the map" button does it when the user asks.
"""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from tmlmap.corpus.coverage import corpus_coverage, topic_selected_notes, year_ranges
from tmlmap.corpus.records import RecordError
from tmlmap.corpus.store import SchemaError
from tmlmap.views import state
from tmlmap.views.widgets import (
    checked_upload,
    download_csv,
    format_timestamp,
    md_text,
    scrub_paths,
)

IMPORT_SUFFIXES = (".jsonl.gz", ".jsonl", ".json", ".csv", ".bib")

st.title("Corpus")
store = state.get_store()


def _describe_meta(value: object) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


_IMPORT_RESULT = "corpus_import_result"
# The header is filled at the end of the script, after an import or a refresh
# ran, so its paper count and "Last import" are never one step behind.
header = st.container()



def coverage_section() -> None:
    """Per venue: years present and missing, topic-selected slices (computed by the engine)."""
    coverage = corpus_coverage(store)
    if not coverage:
        return
    st.subheader("Coverage")
    upgrade = store.get_meta("embedded_upgrade")
    if isinstance(upgrade, dict) and upgrade.get("message"):
        st.info(md_text(f"{upgrade['message']} ({str(upgrade.get('at', ''))[:16].replace('T', ' ')} UTC)"))
    table = pd.DataFrame([{
        "venue": c.venue, "papers": c.papers, "years present": year_ranges(c.years_present),
        "years missing": year_ranges(c.years_missing) or "-", "selection": c.selection()}
        for c in coverage])
    st.dataframe(table, hide_index=True, key="corpus_coverage")
    st.caption("Years missing: no paper of the venue in the corpus, from its first year to the "
               "corpus's last (the venue did not meet, or its papers were not collected).")
    for note in topic_selected_notes(coverage):
        st.warning(md_text(note) + " The Trends page leaves these papers out.")


def _render_header() -> None:
    counts = pd.DataFrame(store.counts_by_venue_year(), columns=["venue", "year", "papers"])
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Papers", f"{store.count():,}")
    m2.metric("Venues", f"{counts['venue'].nunique():,}")
    if len(counts):
        m3.metric("Years", f"{counts['year'].min()}-{counts['year'].max()}")
    last = store.get_meta("last_refresh")
    m4.metric("Last refresh", format_timestamp(last).split(" (")[0] if last else "never")
    if last:
        st.caption("Last refresh: " + md_text(format_timestamp(last)))
    last_import = store.get_meta("last_import")
    if isinstance(last_import, dict):
        st.caption("Last import: " + md_text(f"{last_import.get('file', '')}, "
                                             f"{format_timestamp(last_import.get('at', ''))}: "
                                             f"{last_import.get('stats', '')}"))
    elif last_import:
        st.caption("Last import: " + md_text(_describe_meta(last_import)))
    if len(counts):
        chart = alt.Chart(counts).mark_bar().encode(
            x=alt.X("year:O"), y=alt.Y("papers:Q", stack="zero"),
            color=alt.Color("venue:N", legend=alt.Legend(labelLimit=0)),
            tooltip=["venue", "year", "papers"]).properties(height=340, title="Papers by venue and year")
        st.altair_chart(chart, key="corpus_chart")
        download_csv(counts, "tmlmap-papers-by-venue-year.csv", key="dl_corpus_counts")
    coverage_section()


def _map_kept_note() -> str:
    """What happens to the map after the corpus changed: it is kept until the user rebuilds it."""
    shown = state.shown_map(store)
    before = (f" ({shown.n_docs:,} papers, {len(shown.communities)} communities)" if shown is not None else "")
    return (f"The map shown is kept as it was{before}. Rebuild it with the sidebar's **Rebuild the map** "
            f"button when you are ready: about {state.build_estimate_s(store.count()):.0f} s for "
            f"{store.count():,} papers, and the communities (their number and names) may change.")


def _safe_upload_name(name: str) -> str:
    """The uploaded file's base name, reduced to safe characters (it is recorded as "Last import")."""
    base = Path(name).name
    return re.sub(r"[^A-Za-z0-9._ -]", "_", base)[:120] or "upload"


st.subheader("Import a file")
st.caption("JSONL (one paper per line), CSV or BibTeX with title, abstract, venue and year "
           "(authors, keywords, url optional). Re-importing the same file changes nothing; "
           "near-duplicates are merged. The map is not rebuilt by an import: the sidebar offers it.")
upload = checked_upload("Corpus file", IMPORT_SUFFIXES, key="corpus_upload")
if upload is not None and st.button("Import", type="primary", key="corpus_import"):
    name = upload.name
    suffix = next((s for s in IMPORT_SUFFIXES if name.lower().endswith(s)), ".jsonl")
    safe = _safe_upload_name(name)
    if not safe.lower().endswith(suffix):
        safe += suffix
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / safe
        path.write_bytes(upload.getvalue())
        bar = st.progress(0.0, text="importing")

        def progress(done: int, total: int | None) -> None:
            bar.progress(min(done / total, 1.0) if total else 0.0, text=f"{done:,} records read")

        try:
            stats = store.import_file(path, progress=progress)
        except (RecordError, SchemaError, OSError, ValueError) as exc:
            # the server's temporary path never reaches the page: the user's file name instead
            result = ("error", f"Could not import {md_text(name)}: {md_text(scrub_paths(exc, path, name))}",
                      [], False)
        else:
            changed = bool(stats.new or stats.updated or stats.merged)
            result = ("warning" if stats.n_errors else "success",
                      f"Imported {md_text(name)}: {md_text(stats)}",
                      [scrub_paths(e, path, name) for e in stats.errors[:200]], changed)
    st.session_state[_IMPORT_RESULT] = result
    st.rerun()  # the header above shows the new counts
result = st.session_state.get(_IMPORT_RESULT)
if result is not None:
    kind, message, errors, changed = result
    {"error": st.error, "warning": st.warning, "success": st.success}[kind](message)
    if errors:
        with st.expander(f"{len(errors):,} records skipped"):
            st.code("\n".join(errors), language=None)
    if changed and state.corpus_changed(store):
        st.info(_map_kept_note())

st.subheader("Refresh from the web")
try:
    import scrapers
except ImportError as exc:  # pragma: no cover - the scrapers package ships with the app
    st.info(f"The scrapers are not available: {md_text(exc)}")
    with header:
        _render_header()
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
            st.info(_map_kept_note())

with header:
    _render_header()
