"""Risk page panels that stand alone: the use contexts a description touches, and the incident words.

Kept out of :mod:`tmlmap.views.pages.risk` so the page only calls
:func:`contexts_panel` and :func:`incident_words_panel` (and their ``*_markdown`` for the
downloadable report). Every string from the report is escaped (:func:`md_text`).
"""

from __future__ import annotations

from typing import Any

from tmlmap.views.widgets import md_text

#: Column names of the evidence papers (dashboard table and Markdown report).
WHY = "why (the description's driving words it uses)"
SIMILARITY = "share of the driving words"


def nearest_papers_markdown(report: Any) -> list[str]:
    """Markdown lines of the evidence papers: title, venue, year, the share of the driving weight
    each uses (``similarity``) and the driving words it shares, every string escaped."""
    lines = ["## Nearest papers", "", f"| title | venue | year | {SIMILARITY} | driving words it uses |",
             "|---|---|---|---|---|"]
    lines += [f"| {md_text(p.get('title') or p['id'])} | {md_text(p['venue'])} | {p['year']} | "
              f"{float(p['similarity']):.3f} | {md_text(', '.join(map(str, p.get('shared_terms') or [])))} |"
              for p in report.nearest_papers]
    return lines


def format_risk(value: float | None, digits: int = 2) -> str:
    """A risk or percentile for display; ``None`` (text that is not language) shows as "n/a"."""
    return "n/a" if value is None else f"{value:.{digits}f}"


def context_rows(report: Any) -> list[dict[str, Any]]:
    """The report's contexts as table rows: point, context, risk, score, evidence words, what each
    adds to the fairness and privacy logits (None in reports made before contexts carried it)."""
    return [{"point": c["point"], "context": c["name"], "risk": c["risk"], "score": c["score"],
             "evidence words": ", ".join(c["words"]),
             "adds to fairness": (c.get("contribution") or {}).get("fairness"),
             "adds to privacy": (c.get("contribution") or {}).get("privacy")}
            for c in getattr(report, "contexts", [])]


#: Why a strong context can add nothing, said wherever the contexts are listed.
CONTEXTS_CAPTION = ("A context is listed when the description leans to it at least three times as much as an "
                    "average corpus paper and two of its words agree (one generic word lists nothing). "
                    "score: how much more the description leans to the context than an average corpus paper "
                    "(log lift; 0.69 = twice, 1.1 = three times). adds: the context's part of each risk's logit, "
                    "as the AIAAIC incidents weighed it. A context can be strong and add little, when the incidents "
                    "touching it were rarely about that risk; its legal point stands whatever the risk says. "
                    "An Annex III area without a letter (\"Annex III 5\") means the words fit the area's heading "
                    "but single out none of its points.")


def _signed(v: float | None) -> str:
    return "n/a" if v is None else f"{v:+.2f}"


def contexts_panel(report: Any) -> None:
    """The contexts panel: each use context the description touches, with its Annex III /
    Article 5 / GDPR point, its score (log lift: 0.69 = twice an average paper) and the words
    that carry it."""
    import pandas as pd
    import streamlit as st

    st.subheader("Use contexts (EU AI Act, GDPR)")
    rows = context_rows(report)
    if not rows:
        st.caption("The description touches none of the listed high-risk use contexts "
                   "(EU AI Act Annex III areas, Article 5 practices, GDPR risk factors): none is leant to "
                   "three times as much as by an average paper with two of its words agreeing.")
        return
    adds = "the context's part of the {} risk's logit (its weights, fitted on the AIAAIC incidents, times its inputs)"
    st.dataframe(pd.DataFrame(rows), hide_index=True, use_container_width=True,
                 column_config={"score": st.column_config.NumberColumn(
                     "score", help="log of how much more the description leans to the context than an "
                                   "average corpus paper (0.69 = twice, 1.1 = three times)", format="%.2f"),
                     **{f"adds to {lab}": st.column_config.NumberColumn(
                         f"adds to {lab}", help=adds.format(lab), format="%+.2f") for lab in ("fairness", "privacy")}})
    st.caption(CONTEXTS_CAPTION + " Contexts and their seed words come from the definitions in "
               "data/high-risk-uses.md (a summary of Annex III and Article 5 of Regulation (EU) 2024/1689 and of "
               "GDPR Art. 9/22); the map carries the seeds to the words of the description.")


def _markdown_section(title: str, empty: str, columns: list[str], cells: list[list[str]],
                      after: str = "") -> list[str]:
    """Markdown lines of one report section: a heading, then ``empty`` or a table of ``cells``
    (already escaped) and the ``after`` paragraph."""
    lines = [f"## {title}", ""]
    if not cells:
        return lines + [empty, ""]
    lines += ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    return lines + [""] + ([after, ""] if after else [])


def contexts_markdown(report: Any) -> list[str]:
    """Markdown lines of the contexts section of the downloadable report."""
    return _markdown_section(
        "Use contexts (EU AI Act, GDPR)", "None of the listed high-risk use contexts.",
        ["point", "context", "risk", "score", "evidence words", "adds to fairness", "adds to privacy"],
        [[md_text(r["point"]), md_text(r["context"]), md_text(r["risk"]), f"{r['score']:.2f}",
          md_text(r["evidence words"]), _signed(r["adds to fairness"]), _signed(r["adds to privacy"])]
         for r in context_rows(report)],
        after=md_text(CONTEXTS_CAPTION))


INCIDENT_CAPTION = ("Weights learned from the AIAAIC incidents' dev split (CC BY-SA 4.0) on top of the map and "
                    "the contexts: a word raises a risk as much as it marked fairness or privacy incidents there, "
                    "never lowers one; words used by more than a fifth of the incidents get none.")


def incident_rows(report: Any) -> list[dict[str, Any]]:
    """The report's incident words as table rows: word, risk, logit points."""
    return [{"word": t["term"], "risk": t["topic"], "logit points": t["contribution"]}
            for t in getattr(report, "incident_terms", [])]


def incident_words_panel(report: Any) -> None:
    """The words whose incident weights raise the risks (:mod:`tmlmap.risk.incident_words`)."""
    import pandas as pd
    import streamlit as st

    st.subheader("Words from real incidents")
    rows = incident_rows(report)
    if not rows:
        st.caption("No word of the description marked incidents in the AIAAIC dev split.")
        return
    st.dataframe(pd.DataFrame(rows), hide_index=True, use_container_width=True,
                 column_config={"logit points": st.column_config.NumberColumn(
                     "logit points", help="what the word adds to the risk's log-odds (0.69 = twice the odds)",
                     format="%.2f")})
    st.caption(INCIDENT_CAPTION)


def incident_words_markdown(report: Any) -> list[str]:
    """Markdown lines of the incident-words section of the downloadable report."""
    return _markdown_section(
        "Words from real incidents", "No word of the description marked incidents in the AIAAIC dev split.",
        ["word", "risk", "logit points"],
        [[md_text(r["word"]), md_text(r["risk"]), f"{float(r['logit points']):.2f}"] for r in incident_rows(report)],
        INCIDENT_CAPTION)
