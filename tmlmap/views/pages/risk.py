"""Risk scorer page: fairness and privacy risk of a project description."""

from __future__ import annotations

import io
import itertools
import json
import tempfile
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from tmlmap.analysis.lens import map_lens
from tmlmap.lexicons import TOPICS
from tmlmap.risk.batch import (
    BatchInputError,
    BatchItem,
    RowWriter,
    input_suffix,
    read_rows,
    report_fields,
    score_rows,
)
from tmlmap.risk.fingerprint import MAX_SEED_CHARS, parse_seed_terms, seed_terms
from tmlmap.risk.model import CONF_FULL_COVERAGE, CONF_WORDS_SCALE
from tmlmap.risk.scorer import MAX_CHARS, RISK_TOPICS, RiskReport, RiskScorer
from tmlmap.views import state
from tmlmap.views.graph_html import GraphOptions, network_html
from tmlmap.views.risk_panels import (
    SIMILARITY,
    WHY,
    contexts_markdown,
    contexts_panel,
    format_risk,
    incident_words_markdown,
    incident_words_panel,
    nearest_papers_markdown,
)
from tmlmap.views.widgets import (
    OTHER_TOPIC_COLOUR,
    RISK_COLOURS,
    checked_upload,
    download_csv,
    highlight_html,
    md_text,
    method_note,
    paper_table_static,
    safe_html_block,
)

EXAMPLES = {
    "Recidivism risk for bail decisions": (
        "We will train a gradient-boosted model on court records to predict which defendants are "
        "likely to be re-arrested, and give judges a risk score at pre-trial bail hearings."),
    "Screening job applicants": (
        "A tool that ranks job applicants from their CVs and video interviews so recruiters can "
        "shortlist candidates faster, trained on past hiring decisions."),
    "Hospital records for readmission": (
        "Predict 30-day readmission from electronic health records of patients across several "
        "hospitals, sharing model updates instead of raw patient data."),
    "River level forecasting": (
        "Forecast river levels for the next 48 hours from upstream sensor data and rainfall "
        "measurements to plan maintenance of flood barriers."),
}
_TEXT = "risk_text"
_REPORT = "risk_report"
_BATCH = "risk_batch"
_BATCH_VIEW = "risk_batch_view"
#: Most rows scored from one uploaded file (the CLI has no limit).
MAX_BATCH_ROWS = 10_000

st.title("Risk scorer")
st.write("Describe a machine-learning project in a few sentences. The scorer reads it against the "
         "map and estimates how much it touches fairness and privacy concerns, with evidence.")
store = state.get_store()
term_map = state.current_map()


def _load_example() -> None:
    name = st.session_state.get("risk_example")
    if name in EXAMPLES:
        st.session_state[_TEXT] = EXAMPLES[name]
        st.session_state.pop(_REPORT, None)


st.selectbox("Try an example", list(EXAMPLES), index=None, key="risk_example",
             placeholder="Choose an example description", on_change=_load_example)
text = st.text_area("Project description", key=_TEXT, height=180,
                    placeholder="e.g. We will build a model that approves small-business loans from ...")
upload = checked_upload("...or upload a .txt / .md file", (".txt", ".md"), key="risk_upload")
if upload is not None:
    raw = upload.getvalue()
    text = raw.decode("utf-8", errors="replace")
    st.caption(f"Using the uploaded file {md_text(upload.name)} ({len(raw):,} bytes).")
with st.expander("Seed terms: where each risk starts on the map"):
    st.caption("The fairness and privacy fingerprints spread from these map terms: the topic's lexicon "
               "words found in the map plus the top terms of the community labelled with it. Add terms "
               "to steer a topic (comma-separated); terms that are not in the map are ignored.")
    _defaults = state.derived(term_map, "risk_default_seeds",
                              lambda: {t: seed_terms(term_map, t) for t in RISK_TOPICS})
    for _topic in RISK_TOPICS:
        st.markdown(f"**{md_text(TOPICS[_topic].name)}** ({len(_defaults[_topic])}): "
                    + ", ".join(md_text(x) for x in _defaults[_topic]))
        st.text_input(f"Extra seed terms for {TOPICS[_topic].name.lower()}", key=f"risk_seeds_{_topic}",
                      max_chars=MAX_SEED_CHARS, placeholder="e.g. welfare, eligibility")
go = st.button("Score the description", type="primary", key="risk_go")


def _extra_seeds() -> dict[str, list[str]] | None:
    """The user's extra seeds per topic (only topics with some), or None with an error shown."""
    extra: dict[str, list[str]] = {}
    for topic in RISK_TOPICS:
        try:
            terms = parse_seed_terms(st.session_state.get(f"risk_seeds_{topic}") or "")
        except ValueError as exc:
            st.error(f"{TOPICS[topic].name} seeds: {exc}")
            return None
        unknown = [t for t in terms if term_map.term_id(t) is None]
        if unknown:
            st.warning(f"Not map terms, so not used as {TOPICS[topic].name.lower()} seeds: "
                       + ", ".join(md_text(t) for t in unknown))
        known = [t for t in terms if t not in unknown]
        if known:
            extra[topic] = known
    return extra


def _scorer(extra: dict[str, list[str]]) -> RiskScorer:
    """The scorer of this map with these extra seeds, fitted once and kept with the map."""

    def fit() -> RiskScorer:
        with st.spinner("Preparing the risk scorer for this map and these seeds (once each)..."):
            return RiskScorer(term_map, store, seeds=extra)

    seed_key = tuple((t, tuple(v)) for t, v in sorted(extra.items()))
    return state.derived(term_map, "risk_scorer", fit, *seed_key)


def _markdown_report(description: str, report: RiskReport, extra: dict[str, list[str]]) -> str:
    lines = ["# tmlmap risk report", "", "## Description", "", "```text", description.replace("```", "'''"),
             "```", "", "## Scores", "",
             "| | risk | percentile among corpus papers |", "|---|---|---|",
             f"| fairness | {format_risk(report.fairness_risk, 3)} | {format_risk(report.fairness_percentile, 1)} |",
             f"| privacy | {format_risk(report.privacy_risk, 3)} | {format_risk(report.privacy_percentile, 1)} |", "",
             f"Confidence: {report.confidence:.2f}", ""]
    if extra:
        lines += ["Extra seed terms: " + "; ".join(f"{t}: " + ", ".join(md_text(x) for x in v)
                                                   for t, v in extra.items()), ""]
    if report.warnings:
        lines += ["## Warnings", ""] + [f"- {md_text(w)}" for w in report.warnings] + [""]
    if report.unmatched_words:
        lines += ["## Words no corpus paper uses (read only through their spelling and the incident words)", "",
                  ", ".join(md_text(w) for w in report.unmatched_words), ""]
    lines += contexts_markdown(report)
    lines += incident_words_markdown(report)
    lines += ["## Top contributing terms", "", "| term | topic | contribution |", "|---|---|---|"]
    lines += [f"| {md_text(t['term'])} | {md_text(t['topic'])} | {float(t['contribution']):.3f} |"
              for t in report.top_terms]
    lines += [""] + nearest_papers_markdown(report)
    lines += ["", f"Map: {term_map.n_docs:,} papers, {term_map.n_terms:,} terms, settings "
              f"{term_map.settings.key()}."]
    return "\n".join(lines) + "\n"


def _points(report: RiskReport) -> list[dict[str, object]]:
    """The report's top terms with their contribution in points of the risk score.

    ``contribution`` is a term's additive part of the topic's raw score (the parts
    sum to it); the calibrated risk is a monotone function of the raw score, so a
    term is credited with the same share of the risk: ``contribution / raw * risk``.
    The points of one topic add up to at most its risk (only the top terms are listed).
    """
    risk = {"fairness": report.fairness_risk, "privacy": report.privacy_risk}
    out = []
    for t in report.top_terms:
        topic = str(t.get("topic"))
        raw = float(report.raw.get(topic, 0.0) or 0.0)
        share = float(t.get("contribution", 0.0)) / raw if raw > 0 else 0.0
        out.append({"term": str(t.get("term")), "topic": topic,
                    "points": round(share * float(risk.get(topic, 0.0)), 4),
                    "share of the raw score": round(share, 4)})
    return out


def _term_colours(points: list[dict[str, object]]) -> dict[str, str]:
    """Each listed term's topic: the one it adds most points to (the chart's colour)."""
    best: dict[str, tuple[float, str]] = {}
    for p in points:
        term, topic, value = str(p["term"]), str(p["topic"]), float(p["points"])  # type: ignore[arg-type]
        if value > best.get(term, (-1.0, ""))[0]:
            best[term] = (value, topic)
    return {term: topic for term, (_, topic) in best.items()}


def _why(paper_id: str, description_terms: set[str]) -> str:
    """The description's map terms that the paper uses too (why it is near)."""
    row_of = state.derived(term_map, "doc_index", lambda: {d: i for i, d in enumerate(term_map.doc_ids)})
    row = row_of.get(paper_id)
    if row is None or not description_terms:
        return ""
    used = {term_map.terms[int(j)] for j in term_map.X.getrow(row).indices}
    return ", ".join(sorted(used & description_terms)[:8])


def _description_map(report: RiskReport) -> None:
    """"This description on the map": its contributing terms and their strongest neighbours
    (within the trustworthy-ML lens), coloured by community, marked and sized by contribution."""
    focus: dict[int, float] = {}
    for p in _points(report):
        tid = term_map.term_id(str(p["term"]))
        if tid is not None:
            focus[tid] = focus.get(tid, 0.0) + float(p["points"])  # type: ignore[arg-type]
    if not focus:
        st.info("None of the description's words adds to the scores: nothing to place on the map.")
        return
    lens = state.derived(term_map, "lens", lambda: map_lens(term_map))
    options = GraphOptions(focus=tuple(sorted(focus.items())), lens=not lens.empty, height_px=520,
                           max_edges=400, seed=term_map.settings.seed)
    page_html, data = state.derived(term_map, "risk_graph", lambda: network_html(term_map, options),
                                    options)
    st.iframe(page_html, height=options.height_px + 12, alt="The description on the map")
    st.caption(f"{len(focus)} terms of the description (black rings, sized by the points they add to the "
               f"risk) and their strongest neighbours{' in the trustworthy-ML lens' if not lens.empty else ''}"
               f": {len(data.nodes)} terms, {len(data.edges)} links, coloured by community. The links show "
               "through which research communities the risk runs; hover a term for its community.")


if go:
    st.session_state.pop(_REPORT, None)
    if not text or not text.strip():
        st.warning("The description is empty: type or upload a project description first.")
    else:
        extra = _extra_seeds()
        if extra is not None:
            scorer = _scorer(extra)
            # The scorer reads the first MAX_CHARS characters and says so in a warning;
            # only that part is kept for display and the report.
            st.session_state[_REPORT] = (text[:MAX_CHARS], scorer.score(text), extra)



result = st.session_state.get(_REPORT)
if result is not None:
    description, report, extra_seeds = result
    if extra_seeds:
        st.info("Scored with extra seed terms: " + "; ".join(
            f"{TOPICS[t].name.lower()}: " + ", ".join(md_text(x) for x in v) for t, v in extra_seeds.items()))
    for w in report.warnings:
        st.warning(md_text(w))
    m1, m2, m3 = st.columns(3)
    m1.metric("Fairness risk", format_risk(report.fairness_risk),
              f"{format_risk(report.fairness_percentile, 0)}th percentile of papers", delta_color="off",
              delta_arrow="off", border=True)
    m2.metric("Privacy risk", format_risk(report.privacy_risk),
              f"{format_risk(report.privacy_percentile, 0)}th percentile of papers", delta_color="off",
              delta_arrow="off", border=True)
    m3.metric("Confidence", f"{report.confidence:.2f}",
              "low: few known words" if report.confidence < 0.3 else None, delta_color="off",
              delta_arrow="off", border=True,
              help="How much of the description the map could read (0-1), not how likely the risk is. "
                   "It grows with the number of distinct words the corpus knows and the share of the "
                   "description's content words that it knows.")
    n_words = report.raw.get("n_distinct_words", report.raw.get("n_distinct_terms"))
    coverage = report.raw.get("coverage")
    st.caption("**Confidence** says how much of the description the map could read, not how sure the "
               "risk is: " + (f"{int(n_words)} distinct known words, covering {float(coverage):.0%} of "
                              "its content words; " if n_words is not None and coverage is not None else "")
               + f"it is (1 − e^(−words / {CONF_WORDS_SCALE:g})) × min(1, coverage / "
               f"{CONF_FULL_COVERAGE:.0%}). Below 0.3 the scores may not mean much.")

    points = _points(report)
    term_topic = _term_colours(points)
    st.subheader("The description, with the terms the map recognises")
    legend = " ".join(
        f'<mark style="background:{colour};padding:0 4px;border-radius:3px">adds to '
        f"{md_text(TOPICS[k].name.lower() if k in TOPICS else k)} risk</mark>"
        for k, colour in RISK_COLOURS.items())
    st.markdown(safe_html_block(legend + f" <mark style='background:{OTHER_TOPIC_COLOUR};padding:0 4px'>"
                                "map term, not among the top contributors</mark>", css="font-size:0.85em"),
                unsafe_allow_html=True)
    # colour = the topic the term adds most to (the chart's colours), not where it sits on the map
    spans = [dict(sp, topic=term_topic.get(str(sp.get("term")))) for sp in report.spans]
    st.markdown(safe_html_block(highlight_html(description, spans, RISK_COLOURS),
                                css="line-height:1.9;border:1px solid #e6e6e6;border-radius:6px;"
                                    "padding:10px"), unsafe_allow_html=True)
    if report.unmatched_words:
        st.caption("Not in the map's papers, so they count only through their spelling and the incident words "
                   "(the corpus never uses these words, or uses them in one paper only; no evidence papers): " + ", ".join(md_text(w) for w in report.unmatched_words))
    contexts_panel(report)
    incident_words_panel(report)

    st.subheader("Top contributing terms")
    terms_df = pd.DataFrame(points, columns=["term", "topic", "points", "share of the raw score"])
    if terms_df.empty:
        st.info("No map term contributes to the scores.")
    else:
        topics_shown = [t for t in RISK_COLOURS if t in set(terms_df["topic"])]
        # a term adding to both risks gets one bar per colour, stacked
        st.altair_chart(alt.Chart(terms_df).mark_bar().encode(
            x=alt.X("points:Q", title="points of the risk score (0-1) the term accounts for", stack="zero"),
            y=alt.Y("term:N", sort="-x", title=None, axis=alt.Axis(labelLimit=0)),
            color=alt.Color("topic:N", title="adds to", scale=alt.Scale(
                domain=topics_shown, range=[RISK_COLOURS[t] for t in topics_shown])),
            tooltip=["term", "topic", alt.Tooltip("points:Q", format=".3f"),
                     alt.Tooltip("share of the raw score:Q", format=".1%")],
        ).properties(height=max(160, 26 * len(terms_df))), key="risk_terms_chart")
        st.caption("A term's points = its share of the topic's raw score × the risk score, so the bars of "
                   "one colour add up to (at most) that risk. The description above uses the same colours.")
        download_csv(terms_df, "tmlmap-risk-terms.csv", key="dl_risk_terms")

    st.subheader("This description on the map")
    _description_map(report)

    st.subheader("Nearest papers")
    near = pd.DataFrame(report.nearest_papers,
                        columns=["title", "venue", "year", "similarity", "url", "id"])
    if near.empty:
        st.info("No similar paper found.")
    else:
        described = {str(sp.get("term")) for sp in report.spans} | {str(p["term"]) for p in points}
        # The engine's own answer (the driving words each paper uses) where the method gives it.
        near[WHY] = [", ".join(map(str, p["shared_terms"])) if p.get("shared_terms") else _why(str(p["id"]), described)
                     for p in report.nearest_papers]
        near = near.rename(columns={"similarity": SIMILARITY})
        # a static table: long titles wrap (five rows); the ids are in the download
        paper_table_static(near, numbers={SIMILARITY: "{:.3f}"})
        download_csv(near, "tmlmap-risk-nearest-papers.csv", key="dl_risk_near")

    d1, d2 = st.columns(2)
    full = report.to_full_dict() | {"description": description, "extra_seeds": extra_seeds}
    d1.download_button("Download the report (JSON)", json.dumps(full, indent=2, ensure_ascii=False),
                       file_name="tmlmap-risk-report.json", mime="application/json", key="dl_risk_json")
    d2.download_button("Download the report (Markdown)", _markdown_report(description, report, extra_seeds),
                       file_name="tmlmap-risk-report.md", mime="text/markdown", key="dl_risk_md")


def _batch_view(items: list[BatchItem], field_name: str) -> tuple[pd.DataFrame, str, str]:
    """The scored rows as a display table and as CSV and JSONL downloads (built once per scoring)."""
    scored = [it for it in items if it.row is not None and it.report is not None]
    table = pd.DataFrame([
        {"line": it.line, "text": str(it.row[field_name])[:160],
         "fairness_risk": it.report.fairness_risk, "privacy_risk": it.report.privacy_risk,
         "confidence": it.report.confidence,
         "top fairness terms": ", ".join(t["term"] for t in it.report.top_terms if t["topic"] == "fairness")}
        for it in scored])
    outputs = []
    for fmt in ("csv", "jsonl"):
        buf = io.StringIO()
        writer = RowWriter(buf, fmt)
        for it in scored:
            writer.write(dict(it.row) | report_fields(it.report, full=False))
        outputs.append(buf.getvalue())
    return table, outputs[0], outputs[1]


st.divider()
st.subheader("Score a file of descriptions")
st.caption(f"A CSV or JSONL file, one description per row (at most {MAX_BATCH_ROWS:,} rows and the upload "
           "limit; the command line `tmlmap score --input` has no row limit). Every row keeps its fields "
           "and gets the scores; rows that cannot be scored are listed with their line numbers. The extra "
           "seed terms above apply here too.")
b1, b2 = st.columns([3, 1])
with b1:
    batch_file = checked_upload("Descriptions file (.csv, .jsonl)", (".csv", ".jsonl", ".ndjson"),
                                key="risk_batch_upload")
batch_field = b2.text_input("Text column or field", value="text", key="risk_batch_field", max_chars=200)
if st.button("Score the file", key="risk_batch_go"):
    st.session_state.pop(_BATCH, None)
    st.session_state.pop(_BATCH_VIEW, None)
    if batch_file is None:
        st.warning("Upload a CSV or JSONL file first.")
    elif (extra := _extra_seeds()) is not None:
        scorer = _scorer(extra)
        data = batch_file.getvalue()
        total = min(MAX_BATCH_ROWS, max(1, data.count(b"\n") + 1))
        bar = st.progress(0.0, text="Scoring...")
        suffix = input_suffix(Path(batch_file.name))
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"upload{suffix}"
            path.write_bytes(data)
            try:
                rows = itertools.islice(read_rows(path, batch_field), MAX_BATCH_ROWS + 1)
                items = list(score_rows(scorer, rows, batch_field, batch_size=500,
                                        progress=lambda n: bar.progress(min(1.0, n / total),
                                                                        text=f"Scored {n:,} rows")))
            except BatchInputError as exc:
                bar.empty()
                st.error(str(exc).replace(str(path), batch_file.name))
            else:
                bar.empty()
                st.session_state[_BATCH] = (batch_file.name, batch_field, items[:MAX_BATCH_ROWS],
                                            len(items) > MAX_BATCH_ROWS)
                st.session_state[_BATCH_VIEW] = _batch_view(items[:MAX_BATCH_ROWS], batch_field)

batch = st.session_state.get(_BATCH)
if batch is not None:
    name, _field, items, cut = batch
    table, csv_text, jsonl_text = st.session_state[_BATCH_VIEW]
    scored = [it for it in items if it.report is not None]
    skipped = [it for it in items if it.report is None]
    st.success(f"{md_text(name)}: scored {len(scored):,} rows" + (f", skipped {len(skipped):,}" if skipped else ""))
    if cut:
        st.warning(f"Only the first {MAX_BATCH_ROWS:,} rows were read; use `tmlmap score --input` for the rest.")
    if skipped:
        st.warning("Rows not scored: " + "; ".join(f"line {it.line}: {md_text(str(it.error))}"
                                                    for it in skipped[:20])
                   + (f"; and {len(skipped) - 20:,} more" if len(skipped) > 20 else ""))
    if scored:
        st.dataframe(table, hide_index=True, key="risk_batch_table",
                     column_config={"text": st.column_config.TextColumn("text", width="large")})
        with st.expander("A scored row on the map", expanded=False):
            by_line = {it.line: it for it in scored}
            line = st.selectbox("Row", list(by_line), key="risk_batch_row", index=None,
                                placeholder="Choose a scored row",
                                format_func=lambda n: f"line {n}: {str(by_line[n].row[_field])[:90]}")
            if line is not None:
                _description_map(by_line[line].report)
        c1, c2 = st.columns(2)
        stem = Path(name).stem.split(".")[0] or "descriptions"
        c1.download_button("Download the scored rows (CSV)", csv_text, file_name=f"{stem}-scored.csv",
                           mime="text/csv", key="dl_risk_batch_csv")
        c2.download_button("Download the scored rows (JSONL)", jsonl_text, file_name=f"{stem}-scored.jsonl",
                           mime="application/x-ndjson", key="dl_risk_batch_jsonl")
method_note("risk", "How the risk is scored")
