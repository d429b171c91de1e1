"""Small view helpers shared by the pages: safe text/HTML, downloads, method notes.

Rule for untrusted text (paper titles, abstracts, snippets, user input, file
names): render it with a text element (``st.text``, ``st.dataframe``, ``st.code``)
or through :func:`md_text` / :func:`safe_html_block`, which escape it. Never pass
it raw to ``st.markdown``: Streamlit's markdown would render links and images.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from tmlmap.corpus.store import HIGHLIGHT_END, HIGHLIGHT_START
from tmlmap.risk.scorer import SHORT_TEXT_WORDS

#: Highlight colours of the named topics (keys of :data:`tmlmap.lexicons.TOPICS`).
TOPIC_COLOURS = {
    "fairness": "#ffb4a2",
    "privacy": "#a8d5ff",
    "robustness": "#ffe08a",
    "explainability": "#c9f2c7",
    "safety": "#e4c1f9",
}
OTHER_TOPIC_COLOUR = "#e8e8e8"
#: Colours of the two risks, shared by the Risk page's highlighted description and its chart.
RISK_COLOURS = {"fairness": "#f4a08c", "privacy": "#8ec3f2"}

_MD_SPECIAL = re.compile(r"[\\`*_{}\[\]()#+\-.!|<>~$&:\"'=/]")


def escape_text(text: Any) -> str:
    """``text`` inert in both HTML and markdown: every HTML/markdown special
    character written as a numeric character reference (``<`` -> ``&#60;``,
    ``[`` -> ``&#91;``); whitespace kept."""
    return _MD_SPECIAL.sub(lambda m: f"&#{ord(m.group(0))};", str(text if text is not None else ""))


def md_text(text: Any) -> str:
    """``text`` as inert markdown on one line (see :func:`escape_text`)."""
    return escape_text(" ".join(str(text if text is not None else "").split()))


def safe_html_block(inner_html: str, *, css: str = "") -> str:
    """Wrap already-escaped HTML in one ``<div>`` line so markdown leaves it alone.

    (A CommonMark HTML block runs to the first blank line: no newlines inside.)
    """
    inner = inner_html.replace("\r", " ").replace("\n", "<br>")
    style = f' style="{html.escape(css, quote=True)}"' if css else ""
    return f"<div{style}>{inner}</div>"


def snippet_html(snippet: str) -> str:
    """A store search snippet as HTML: escaped, matched terms in ``<mark>``."""
    s = escape_text(" ".join(snippet.split()))
    return s.replace(HIGHLIGHT_START, "<mark>").replace(HIGHLIGHT_END, "</mark>")


def highlight_html(text: str, spans: Iterable[dict[str, Any]],
                   colours: dict[str, str] | None = None) -> str:
    """``text`` as escaped HTML with each span ``{start, end, term, topic}`` in a
    coloured ``<mark>`` (colour by topic, tooltip "term · topic").

    Overlapping or out-of-range spans are skipped; text between spans is escaped.
    """
    colours = colours or TOPIC_COLOURS
    out: list[str] = []
    pos = 0
    for sp in sorted(spans, key=lambda s: (int(s["start"]), int(s["end"]))):
        a, b = int(sp["start"]), int(sp["end"])
        if a < pos or b <= a or b > len(text):
            continue
        topic = sp.get("topic")
        colour = colours.get(topic, OTHER_TOPIC_COLOUR) if topic else OTHER_TOPIC_COLOUR
        tip = f"{sp.get('term', '')} · {topic or 'other'}"
        out.append(escape_text(text[pos:a]))
        out.append(f'<mark style="background:{colour};padding:0 2px;border-radius:3px" '
                   f'title="{escape_text(tip)}">{escape_text(text[a:b])}</mark>')
        pos = b
    out.append(escape_text(text[pos:]))
    return "".join(out)


def format_timestamp(value: Any, *, now: dt.datetime | None = None) -> str:
    """An ISO 8601 timestamp as "1 Dec 2026, 18:07 UTC (5 minutes ago)"; other values as text."""
    try:
        at = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    at = at.astimezone(dt.UTC)
    seconds = ((now or dt.datetime.now(dt.UTC)) - at).total_seconds()
    if seconds < 0:
        ago = ""
    elif seconds < 90:
        ago = " (just now)"
    elif seconds < 90 * 60:
        ago = f" ({seconds / 60:.0f} minutes ago)"
    elif seconds < 36 * 3600:
        ago = f" ({seconds / 3600:.0f} hours ago)"
    else:
        ago = f" ({seconds / 86400:.0f} days ago)"
    return f"{at.day} {at:%b %Y, %H:%M} UTC{ago}"


def scrub_paths(message: Any, path: str | Path, shown_name: str) -> str:
    """``message`` with the server's temporary file ``path`` (and any other path under the
    temporary directory) replaced by the user's file name ``shown_name``."""
    text = str(message).replace(str(path), shown_name).replace(str(Path(path).parent), "")
    tmp = re.escape(str(Path(tempfile.gettempdir())))
    return re.sub(tmp + r"[^\s'\",;:)]*", shown_name, text)


_UPLOAD_VERSION = "tmlmap_upload_version_"
_UPLOAD_ERROR = "tmlmap_upload_error_"


def checked_upload(label: str, suffixes: Sequence[str], *, key: str, help: str | None = None) -> Any:
    """A file uploader whose file type is checked here rather than in the browser.

    A file with another suffix is refused with an error naming it and the
    uploader is reset (a new widget key), so neither the browser's red "file
    type not allowed" chip nor an old error stays on the page: the error shows
    once, above the fresh uploader. Returns the accepted ``UploadedFile`` or None.
    """
    version = int(st.session_state.get(_UPLOAD_VERSION + key, 0))
    error = st.session_state.pop(_UPLOAD_ERROR + key, None)
    if error:
        st.error(error)
    widget_key = key if version == 0 else f"{key}__{version}"
    upload = st.file_uploader(label, key=widget_key, help=help)
    if upload is None:
        return None
    name = upload.name
    if not any(name.lower().endswith(s) for s in suffixes):
        st.session_state[_UPLOAD_ERROR + key] = (
            f"{md_text(name)} was not accepted: use a {', '.join(suffixes)} file.")
        st.session_state[_UPLOAD_VERSION + key] = version + 1
        st.rerun()
    return upload


def download_csv(df: pd.DataFrame, filename: str, *, key: str, label: str = "Download CSV") -> None:
    """A CSV download button for ``df``."""
    st.download_button(label, df.to_csv(index=False).encode("utf-8"), file_name=filename,
                       mime="text/csv", key=key)


def paper_rows(store: Any, ids: Sequence[str], extra: dict[str, Sequence[Any]] | None = None
               ) -> pd.DataFrame:
    """A table of papers (title, venue, year, url, id) in ``ids`` order, plus ``extra`` columns."""
    rows = []
    for i, pid in enumerate(ids):
        p = store.get(pid)
        row = {"title": p.title if p else pid, "venue": p.venue if p else "",
               "year": p.year if p else None, "url": p.url if p else "", "id": pid}
        for name, values in (extra or {}).items():
            row[name] = values[i]
        rows.append(row)
    return pd.DataFrame(rows, columns=["title", "venue", "year", "url", "id", *(extra or {})])


def paper_table(df: pd.DataFrame, *, key: str, height: int | None = None) -> None:
    """Show a paper table (title, year, venue, other columns, link, id) with clickable
    links; titles are plain text cells."""
    config = {"url": st.column_config.LinkColumn("link", display_text="open", width="small"),
              "year": st.column_config.NumberColumn("year", format="%d", width="small"),
              "title": st.column_config.TextColumn("title", width="large"),
              "id": st.column_config.TextColumn("id", width="small")}
    first = [c for c in ("title", "year", "venue") if c in df.columns]
    order = first + [c for c in df.columns if c not in (*first, "url", "id")] + [
        c for c in ("url", "id") if c in df.columns]
    kwargs: dict[str, Any] = {"hide_index": True, "column_config": config, "key": key,
                              "column_order": order}
    if height:
        kwargs["height"] = height
    st.dataframe(df, **kwargs)


_SAFE_URL = re.compile(r"https?://[^\s()<>\[\]\"'`\\]+")


def paper_table_static(df: pd.DataFrame, *, numbers: dict[str, str] | None = None) -> None:
    """A short paper table whose long titles wrap instead of being cut off (``st.table``).

    Its cells are markdown: every text goes through :func:`md_text`, numbers through
    ``numbers[column]`` (a format string, default ``{}``), and the ``url`` column becomes
    an "open" link only for plain ``http(s)`` URLs (no spaces, brackets or quotes).
    """
    numbers = numbers or {}
    out = pd.DataFrame(index=df.index)
    for col in df.columns:
        if col in ("url", "id"):
            continue
        if col in numbers:
            out[col] = [numbers[col].format(v) if v is not None and v == v else "" for v in df[col]]
        elif col == "year":
            out[col] = [str(int(v)) if v is not None and v == v else "" for v in df[col]]
        else:
            out[col] = [md_text(v) for v in df[col]]
    if "url" in df.columns:
        out["link"] = [f"[open]({u})" if isinstance(u, str) and _SAFE_URL.fullmatch(u) else ""
                       for u in df["url"]]
    st.table(out, hide_index=True)


METHODS = {
    "map": (
        "**Term map.** Terms (lemmatized words and NPMI phrases) of titles, abstracts and "
        "keywords are linked when they appear in the same paper. Link weights are raw "
        "co-occurrence counts as in Derzsy et al. (2021) or normalized, by default by the "
        "association strength of Van Eck & Waltman (2009); weak links are pruned with the "
        "disparity filter (Serrano et al. 2009). Communities are found with Louvain "
        "modularity optimization (Blondel et al. 2008), combined over several seeds. "
        "Positions are computed in Python (Fruchterman-Reingold, fixed seed), so the "
        "same settings draw the same picture. The overlay colours each term by the average "
        "publication year of the papers using it, like VOSviewer's overlay view.\n\n"
        "References: Derzsy N., Majumdar S., Malik A. (2021), CompleNet 2021, "
        "arXiv:2105.06591. Blondel V. D., Guillaume J.-L., Lambiotte R., Lefebvre E. (2008), "
        "Fast unfolding of communities in large networks, J. Stat. Mech. P10008. "
        "Van Eck N. J., Waltman L. (2009), How to normalize cooccurrence data?, JASIST 60(8). "
        "Serrano M. A., Boguñá M., Vespignani A. (2009), Extracting the multiscale backbone "
        "of complex weighted networks, PNAS 106(16)."
    ),
    "thematic": (
        "**Thematic map** (Callon et al. 1991, as drawn by biblioshiny). Centrality of a "
        "community = sum of the weights of its links to terms of other communities (each "
        "such link counts for both communities): how tied the theme is to the field. "
        "Density = 100 × the sum of the weights of links inside the community / its number "
        "of terms: how developed the theme is. Split at the means: **motor** themes "
        "(central and dense), **niche** (dense, peripheral), **emerging or declining** "
        "(neither), **basic** (central, not dense).\n\nReference: Callon M., Courtial J. P., "
        "Laville F. (1991), Co-word analysis as a tool for describing the network of "
        "interactions between basic and technological research, Scientometrics 22(1)."
    ),
    "relevance": (
        "**Paper relevance and topics.** Each term gets a fingerprint p(community | term) and "
        "p(topic | term) by a random walk with restart from seed terms over the weighted "
        "graph; a paper's profile is the tf-idf weighted mean of its terms' fingerprints "
        "(rows sum to 1 for communities). Derzsy et al. (2021) scored papers by shortest-"
        "path distances to seed words; that method stays available as a baseline in the "
        "engine."
    ),
    "trends": (
        "**Trends.** The share of a community in a year is the mean of the papers' community "
        "profiles that year (papers counted fractionally; shares of a year sum to 1). For a "
        "named topic it is the mean topic relevance. Years with few papers are noisy: hide "
        "them with the minimum-papers slider."
    ),
    "risk": (
        "**Risk score.** Every word of the description is read against the map's fairness and "
        "privacy topics and against 50 use contexts taken from the definitions of the EU AI Act "
        "(Annex III high-risk areas, Article 5 practices) and the GDPR (special categories): "
        "a random walk on the map carries each context's definition words to the words papers "
        "use with them, and a word that is not a map term still counts through the papers that "
        "use it. A logistic model with non-negative weights, fitted on real AI incidents "
        "labelled by the AIAAIC repository (dev split only), turns these readings into the two "
        "risks, with words that marked fairness or privacy incidents added on top; no word can "
        "lower a risk. 0.7 means that about 70 % of incident descriptions like this one were "
        "about bias (or privacy); base rates are about 19 % and 29 %, so most texts score low: "
        "compare the percentile (the share of corpus papers scoring at most as high) and the "
        "contexts listed. Each context shows what it adds to each risk: as the incidents weighed it, a "
        "listed context can add nothing (incidents about credit scoring or triage were about bias barely "
        "more often than others), and its legal point stands whatever the risk says. "
        "Confidence falls when few of the description's words are known. "
        f"A description of fewer than {SHORT_TEXT_WORDS} distinct known words is flagged: one-line texts "
        "score low and rank less well than the incident descriptions the model was fitted on, so "
        "say what the system decides, about whom, from what data. "
        "Evidence papers are those that use most of the words driving the risk, weighted by "
        "their part of it (the share column); of papers using the same words, the one most "
        "about the description's topics and contexts comes first. Text that is not language "
        "gets no score. This is a screening aid, not an audit; README, *Risk scoring*, has the details."
    ),
}


def method_note(name: str, title: str = "How this is computed") -> None:
    """An expander explaining a method with its references."""
    with st.expander(title):
        st.markdown(METHODS[name])
