"""Dashboard pages with ``streamlit.testing.v1.AppTest`` on a small real corpus.

The corpus: ~600 real papers sampled from the embedded corpus (every FAT* and
TrustNLP paper plus a fixed-seed sample) and three papers whose title,
abstract, authors and url carry ``<script>``, ``<img onerror>`` and markdown
link markup. One database and data directory serve the whole module, so the
map is built once (a few seconds) and shared through the app's process-wide
registry; the import test writes to its own copy.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
import sqlite3
import tempfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import load_embedded_papers, sample_small
from tmlmap.corpus.records import Paper
from tmlmap.corpus.store import CorpusStore
from tmlmap.lexicons import TOPICS
from tmlmap.risk.scorer import MAX_CHARS
from tmlmap.views.state import DEFAULT_TERMS_SHOWN
from tmlmap.views.widgets import highlight_html, md_text, safe_html_block, snippet_html

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PAGES = {name: f"tmlmap/views/pages/{name}.py"
         for name in ("map", "communities", "trends", "papers", "risk", "corpus")}
TITLES = {"map": "Map of trustworthy-ML research", "communities": "Communities", "trends": "Trends",
          "papers": "Papers", "risk": "Risk scorer", "corpus": "Corpus"}
N_PAPERS = 600
EVIL = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
#: Live markup: a raw tag that runs code, an event-handler attribute inside a
#: tag, or a javascript: link. (Escaped text such as ``&lt;img onerror=`` is fine.)
RAW_MARKUP = re.compile(r"<\s*(script|img|iframe|svg|object|embed)\b|<[^>]*\son\w+\s*=|"
                        r"(href|src)\s*=\s*[\"']?\s*javascript:|\]\(\s*javascript:", re.I)


def evil_papers() -> list[Paper]:
    return [Paper(
        id=f"evil-{i}", title=f"Auditing loan approval {EVIL} [click](javascript:alert({i})) part {i}",
        abstract=(f"Loan approval models discriminate against minority applicants {EVIL}. "
                  "We audit the fairness of credit scoring and lending decisions. ") * 2,
        venue="FAT*", year=2019, url="javascript:alert(1)", authors=[EVIL], keywords=["fairness"],
        source="test") for i in range(3)]


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dashboard") / "corpus.sqlite"
    with CorpusStore(path) as store:
        store.upsert(sample_small(load_embedded_papers(), size=N_PAPERS) + evil_papers())
    return path


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dashboard-home")


@pytest.fixture
def env(corpus_db: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the app at the module's corpus and data directory (shared map cache)."""
    monkeypatch.setenv("TMLMAP_DB", str(corpus_db))
    monkeypatch.setenv("TMLMAP_HOME", str(home))
    return corpus_db


def app(page: str = "map") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    if page != "map":
        at.switch_page(PAGES[page])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> list[str]:
    """Every markdown-like text the page shows (markdown, captions, alerts, metrics)."""
    out = [m.value for m in at.markdown] + [c.value for c in at.caption]
    out += [e.value for e in (*at.error, *at.warning, *at.info, *at.success)]
    out += [str(m.value) + str(m.label) for m in at.metric]
    for table in at.table:  # static tables render their cells as markdown
        out += [str(v) for v in table.value.to_numpy().ravel()]
    return out


def iframe_html(at: AppTest) -> str:
    frames = at.get("iframe")
    assert len(frames) == 1
    return frames[0].proto.srcdoc


def drawn_counts(page_html: str) -> tuple[int, int]:
    m = re.search(r'id="tmlmap-count">(\d+) terms, (\d+) links<', page_html)
    assert m, "graph summary missing"
    return int(m.group(1)), int(m.group(2))


# ---------------------------------------------------------------------------
# Every page renders
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_renders(env: Path, page: str) -> None:
    at = app(page)
    assert at.title[0].value == TITLES[page]
    assert any("Map settings" in m.value for m in at.sidebar.markdown)
    for text in texts(at):  # untrusted text is never rendered as markup
        assert not RAW_MARKUP.search(text), text
    for frame in at.get("iframe"):  # the graph page: no markup from the corpus
        assert "<script>alert" not in frame.proto.srcdoc and "onerror=alert" not in frame.proto.srcdoc


# ---------------------------------------------------------------------------
# Map
# ---------------------------------------------------------------------------


def test_map_graph_slider_search_and_neighbours(env: Path) -> None:
    at = app("map")
    page_html = iframe_html(at)
    assert drawn_counts(page_html)[0] == DEFAULT_TERMS_SHOWN
    assert not re.search(r"<script[^>]*\bsrc=", page_html)
    assert "Communities" in page_html

    at.sidebar.slider(key="tmlmap_terms_shown").set_value(100).run()
    n_nodes, n_edges = drawn_counts(iframe_html(at))
    assert n_nodes == 100

    at.slider(key="map_max_edges").set_value(100).run()
    assert drawn_counts(iframe_html(at))[1] <= 100

    at.toggle(key="map_overlay").set_value(True).run()
    assert "Average publication year" in iframe_html(at)

    at.text_input(key="map_query").set_value("fairness").run()
    assert not at.exception
    assert '"borderWidth": 4' in iframe_html(at)  # the highlighted term
    assert any("neighbours" in m.value.lower() for m in at.markdown)
    neighbours = [d for d in at.dataframe if "neighbour" in d.value.columns]
    assert neighbours and len(neighbours[0].value) > 0
    papers = [d for d in at.dataframe if "uses" in d.value.columns]
    assert papers and len(papers[0].value) > 0

    at.text_input(key="map_query").set_value("qwertyuiop").run()
    assert any("is not a term of this map" in w.value for w in at.warning)


def test_sidebar_filters_change_the_map(env: Path) -> None:
    at = app("map")
    before = at.caption[0].value
    assert f"{N_PAPERS + 3:,} papers" in before
    at.sidebar.multiselect(key="sb_venues").set_value(["FAT*", "TrustNLP"])
    at.button(key="sb_apply").click().run()
    assert not at.exception, [e.value for e in at.exception]
    after = at.caption[0].value
    assert after != before
    n = int(re.search(r"([\d,]+) papers", after).group(1).replace(",", ""))
    assert 50 < n < N_PAPERS
    # the other pages follow the applied settings
    at.switch_page(PAGES["communities"]).run()
    assert not at.exception


# ---------------------------------------------------------------------------
# Communities, Trends
# ---------------------------------------------------------------------------


def community_table(at: AppTest):  # noqa: ANN201
    """The Communities page's table, its markdown-escaped cells back as text."""
    return at.table[0].value.map(lambda v: html.unescape(v) if isinstance(v, str) else v)


def test_communities_table_thematic_map_and_papers(env: Path) -> None:
    at = app("communities")
    table = community_table(at)
    assert {"name", "in the lens", "terms", "papers", "top terms", "share of papers"} <= set(table.columns)
    # the lens is on by default: trustworthy-ML topics first, then their neighbours
    roles = table["in the lens"].tolist()
    assert roles and all(roles) and roles[0] == "trustworthy-ML topic"
    assert "Fairness & bias" in table["name"].tolist()
    assert not table.isin(list(TOPICS)).any().any()  # no raw topic ids such as "deep_learning"
    assert roles.index(next(r for r in roles if r.startswith("neighbour"))) > 0
    counts = [len(t.split(", ")) for t in table["top terms"]]
    assert max(counts) == 10 and all(c <= 10 for c in counts)  # all ten top terms, wrapped, not cut
    at.toggle(key="comm_lens").set_value(False).run()
    whole = community_table(at)
    assert len(whole) > len(table) and "in the lens" not in whole.columns
    shown = len(whole)
    at.slider(key="comm_min_terms").set_value(20).run()
    assert len(community_table(at)) < shown
    assert (community_table(at)["terms"] >= 20).all()
    papers = [d for d in at.dataframe if "relevance" in d.value.columns]
    assert papers and len(papers[0].value) > 0
    assert any("Thematic map" in s.value for s in at.subheader)
    charts = at.get("vega_lite_chart")
    assert charts and "quadrant" in charts[0].proto.spec  # the thematic map (altair)
    assert any("labelled where the names fit" in c.value for c in at.caption)
    first = papers[0].value["title"].tolist()
    options = at.selectbox(key="comm_chosen").options
    at.selectbox(key="comm_chosen").set_value(at.selectbox(key="comm_chosen").value + 1
                                              if len(options) > 1 else None).run()
    again = [d for d in at.dataframe if "relevance" in d.value.columns][0].value["title"].tolist()
    assert again != first


def test_trends_series_and_venue(env: Path) -> None:
    at = app("trends")
    assert any(s.value == "Values by year" for s in at.subheader)  # the table has a heading
    table = at.dataframe[0].value
    assert {"year", "papers"} <= set(table.columns) and len(table) > 1  # every year shown, not one
    assert table["year"].is_unique
    series = [c for c in table.columns if c not in ("year", "papers")]
    assert series and table[series].stack().between(0, 100).all()  # percent points
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    legend = spec["encoding"]["color"]["legend"]
    assert legend["labelLimit"] == 0 and legend["orient"] == "bottom"  # full legend labels
    at.radio(key="trends_kind").set_value("Communities").run()
    communities = at.dataframe[0].value
    assert set(communities.columns) != set(table.columns)
    at.selectbox(key="trends_venue").set_value("NeurIPS").run()
    assert not at.exception
    by_venue = at.dataframe[0].value
    assert not by_venue.equals(communities)


def test_trends_leave_out_topic_selected_slices(env: Path) -> None:
    """FAccT and AIES (topic-selected) are not drawn, and the caption says why (issue 11)."""
    at = app("trends")
    captions = " ".join(c.value for c in at.caption)
    assert "FAccT" in captions and "left out" in captions and "topic-selected" in captions
    assert "All venues pools" in captions  # the venue mix differs between years
    at.selectbox(key="trends_venue").set_value("FAccT").run()
    assert not at.exception
    assert any("No trend is drawn for FAccT" in i.value for i in at.info)
    at.selectbox(key="trends_venue").set_value("ICLR").run()
    assert not at.exception and "gaps" in " ".join(c.value for c in at.caption)


# ---------------------------------------------------------------------------
# Papers
# ---------------------------------------------------------------------------


def n_results(at: AppTest, title: str) -> int:
    """Search results (bold ranked titles) whose title contains ``title``."""
    return sum(m.value.startswith("<div><strong>") and title in m.value for m in at.markdown)


def test_papers_search_filters_and_escaping(env: Path) -> None:
    at = app("papers")
    assert any("Type words to search" in i.value for i in at.info)
    at.text_input(key="papers_query").set_value("loan approval").run()
    shown = "\n".join(m.value for m in at.markdown)
    assert "Auditing loan approval" in shown
    assert '<script>alert("xss")</script>' in html.unescape(shown) and "<mark>" in shown
    assert not RAW_MARKUP.search(shown)
    assert not any(b.proto.url.startswith("javascript") for b in at.get("link_button"))
    assert any("Topic profile:" in c.value for c in at.caption)
    assert len(at.get("text")) >= 1  # the chosen paper's abstract, as plain text
    n_all = n_results(at, "Auditing loan approval")
    assert n_all == 3

    assert not any(m.key == "papers_venues" for m in at.multiselect)  # one set of filters: the map's
    at.sidebar.multiselect(key="sb_venues").set_value(["NeurIPS"])
    at.button(key="sb_apply").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert n_results(at, "Auditing loan approval") == 0
    assert any("Searching NeurIPS" in c.value for c in at.caption)
    at.toggle(key="papers_within_map").set_value(False).run()  # the whole corpus
    assert n_results(at, "Auditing loan approval") == 3

    at.text_input(key="papers_query").set_value("zzzqqqxxyy").run()
    assert any("No paper matches" in w.value for w in at.warning)


def _chosen_paper_box(at: AppTest):  # noqa: ANN202
    boxes = [b for b in at.selectbox if (b.key or "").startswith("papers_chosen_")]
    assert len(boxes) == 1
    return boxes[0]


def test_papers_topic_profile_follows_a_new_search(env: Path) -> None:
    """The profile's paper selectbox starts again from the new search's first result, and the
    abstract below it is that paper's, with its title."""
    at = app("papers")
    at.text_input(key="papers_query").set_value("loan approval").run()
    _chosen_paper_box(at).set_value(2).run()
    with CorpusStore(env) as store:
        third = store.search("loan approval", limit=25)[2]
        first_new = store.search("differential privacy", limit=25)[0]
    assert at.get("text")[0].value.strip() == store_abstract(env, third.id).strip()
    at.text_input(key="papers_query").set_value("differential privacy").run()
    assert not at.exception
    assert _chosen_paper_box(at).value == 0
    assert at.get("text")[0].value.strip() == store_abstract(env, first_new.id).strip()
    title_lines = [m.value for m in at.markdown if m.value.startswith("**") and " · " in m.value]
    assert title_lines and html.unescape(title_lines[-1]).startswith(f"**{first_new.title}**".split(":")[0])
    chart = [c for c in at.get("vega_lite_chart") if "Named topics" in c.proto.spec][0]
    domain = json.loads(chart.proto.spec)["encoding"]["x"]["scale"]["domain"]
    assert domain[0] == 0 and 0 < domain[1] < 1  # the axis follows the values


def store_abstract(db: Path, paper_id: str) -> str:
    with CorpusStore(db) as store:
        paper = store.get(paper_id)
    assert paper is not None
    return paper.abstract


# ---------------------------------------------------------------------------
# Risk scorer
# ---------------------------------------------------------------------------


DESCRIPTION = ("We will train a model on court records to predict which defendants will reoffend "
               "and give judges a risk score for bail decisions. Applicants of minority groups "
               "may be affected. <script>alert('x')</script>")


def test_risk_scores_a_description(env: Path) -> None:
    at = app("risk")
    at.text_area(key="risk_text").set_value(DESCRIPTION)
    at.button(key="risk_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    assert set(metrics) == {"Fairness risk", "Privacy risk", "Confidence"}
    assert 0.0 <= float(metrics["Fairness risk"]) <= 1.0
    highlighted = [m.value for m in at.markdown if "<mark" in m.value and "defendants" in m.value]
    assert highlighted, "the description with highlighted terms"
    assert "<script>alert" in html.unescape(highlighted[0]) and "<script>" not in highlighted[0]
    downloads = {d.proto.label for d in at.get("download_button")}
    assert {"Download the report (JSON)", "Download the report (Markdown)"} <= downloads
    assert any("nearest" in s.value.lower() for s in at.subheader)
    assert any(s.value == "Words from real incidents" for s in at.subheader)
    assert any(c.value.startswith("Weights learned from the AIAAIC") for c in at.caption)
    unmatched = [c.value for c in at.caption if c.value.startswith("Not in the map")]
    assert len(unmatched) == 1, "the words the map has no term for"
    listed = unmatched[0].split("papers): ", 1)[1].replace("\\", "").split(", ")
    assert listed and all(w in DESCRIPTION.lower() for w in listed), listed


def chart_rows(chart) -> list[dict]:  # noqa: ANN001
    """The data rows of an altair chart element (Streamlit sends them as Arrow)."""
    import pyarrow as pa

    proto = chart.proto
    blobs = [d.data.data for d in proto.datasets] or [proto.data.data]
    return pa.ipc.open_stream(blobs[0]).read_pandas().to_dict("records")


def test_risk_evidence_is_explained_in_the_score_units_and_on_the_map(env: Path) -> None:
    at = app("risk")
    at.text_area(key="risk_text").set_value(DESCRIPTION)
    at.button(key="risk_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    _, report, _ = at.session_state["risk_report"]
    # Confidence is explained, with this description's numbers
    conf = [m for m in at.metric if m.label == "Confidence"][0]
    assert "not how likely" in conf.proto.help
    explained = [c.value for c in at.caption if c.value.startswith("**Confidence**")]
    assert explained and f"{report.raw['n_distinct_words']} distinct known words" in explained[0]
    assert f"{report.raw['coverage']:.0%} of its content words" in explained[0]
    # the chart is in points of the risk score; one topic's points add up to at most its risk
    chart = [c for c in at.get("vega_lite_chart") if "points of the risk score" in c.proto.spec]
    assert len(chart) == 1
    spec = json.loads(chart[0].proto.spec)
    rows = chart_rows(chart[0])
    fair = sum(r["points"] for r in rows if r["topic"] == "fairness")
    assert 0 < fair <= report.fairness_risk + 1e-6
    colours = dict(zip(spec["encoding"]["color"]["scale"]["domain"], spec["encoding"]["color"]["scale"]["range"],
                       strict=True))
    # each highlighted term has the colour of the topic it adds most points to, as in the chart
    best: dict[str, tuple[float, str]] = {}
    for r in rows:
        if r["points"] > best.get(r["term"], (-1.0, ""))[0]:
            best[r["term"]] = (r["points"], r["topic"])
    marked = [m.value for m in at.markdown if "<mark" in m.value and "defendants" in m.value][0]
    found = re.findall(r'<mark style="background:([^;]+);[^"]*" title="([^"]+)">', marked)
    assert found
    checked = 0
    for colour, title in found:
        term = html.unescape(title).split(" · ")[0]
        if term in best:
            assert colour == colours[best[term][1]], term
            checked += 1
    assert checked >= 2
    # the description on the map: its contributing terms ringed, with neighbours, coloured by community
    frames = [f.proto.srcdoc for f in at.get("iframe")]
    assert len(frames) == 1
    nodes = json.loads(re.search(r"var nodeData = (\[.*?\]);\n", frames[0]).group(1))
    ringed = {n["term"] for n in nodes if n.get("borderWidth") == 3}
    assert ringed and ringed <= set(best) and len(nodes) > len(ringed)
    # nearest papers: full width, with why they are near
    why = "why (the description's driving words it uses)"
    near = [t.value for t in at.table if why in t.value.columns]
    assert near and near[0][why].str.len().gt(0).all()  # the report's shared_terms, for every paper
    assert {"title", "venue", "year", "share of the driving words", "link"} <= set(near[0].columns)  # wrap: st.table
    shares = near[0]["share of the driving words"].astype(float)
    assert shares.between(0, 1).all() and shares.is_monotonic_decreasing
    assert all(v == "" or re.fullmatch(r"\[open\]\(https?://\S+\)", v) for v in near[0]["link"])
    for text in texts(at):  # the table's cells are markdown: corpus titles stay inert
        assert not RAW_MARKUP.search(text), text


def test_risk_rejected_upload_is_cleared(env: Path) -> None:
    at = app("risk")
    at.file_uploader(key="risk_upload").set_value(("scan.pdf", b"%PDF-1.4", "application/pdf"))
    at.run()
    assert not at.exception
    assert any("scan.pdf" in html.unescape(e.value) and "not accepted" in e.value for e in at.error)
    assert not any(u.value for u in at.get("file_uploader"))  # a fresh uploader, no red chip
    at.run()
    assert not any("not accepted" in e.value for e in at.error)  # the old error is gone too


def test_risk_seed_terms_can_be_edited(env: Path) -> None:
    """Extra fairness seeds taken from the text's own terms raise its fairness risk; unknown ones are named."""
    at = app("risk")
    assert any(m.value.startswith("**Fairness") and "fairness" in m.value for m in at.markdown)
    at.selectbox(key="risk_example").set_value("River level forecasting").run()
    at.button(key="risk_go").click().run()
    _, before, extra = at.session_state["risk_report"]
    assert extra == {}
    terms = sorted({s["term"] for s in before.spans})
    assert len(terms) >= 2, terms
    at.text_input(key="risk_seeds_fairness").set_value(", ".join(terms) + ", zzqx unknown term").run()
    at.button(key="risk_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    _, after, extra = at.session_state["risk_report"]
    assert extra == {"fairness": terms}
    assert after.raw["fairness"] > before.raw["fairness"]
    assert any("zzqx unknown term" in w.value for w in at.warning)
    assert any("Scored with extra seed terms" in i.value for i in at.info)
    at.text_input(key="risk_seeds_privacy").set_value(", ".join(f"t{i}" for i in range(60))).run()
    at.button(key="risk_go").click().run()
    assert any("too many seed terms" in e.value for e in at.error)
    assert "risk_report" not in at.session_state and not at.metric  # no report for refused seeds
    assert at.text_input(key="risk_seeds_privacy").value.startswith("t0, t1")  # the input is kept


def test_risk_scores_an_uploaded_file_of_descriptions(env: Path) -> None:
    """Good rows are scored in order and downloadable with their fields; bad rows are named by line."""
    at = app("risk")
    at.button(key="risk_batch_go").click().run()
    assert any("Upload a CSV or JSONL file first" in w.value for w in at.warning)
    body = ('id,description\n'
            'a,"Judges see a re-arrest risk score for defendants at bail hearings."\n'
            'b\n'
            'c,Forecast river levels from upstream sensors.\n'
            'd,"<script>alert(1)</script> Loans approved from credit history."\n')
    at.file_uploader(key="risk_batch_upload").set_value(("projects.csv", body.encode(), "text/csv"))
    at.run()
    at.button(key="risk_batch_go").click().run()
    assert any("no column 'text'" in e.value and "projects.csv" in e.value for e in at.error)
    at.text_input(key="risk_batch_field").set_value("description").run()
    at.button(key="risk_batch_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("scored 3 rows, skipped 1" in s.value for s in at.success)
    assert any("line 3:" in w.value and "fewer cells" in w.value for w in at.warning)
    tables = [d.value for d in at.dataframe if "fairness_risk" in d.value.columns]
    assert len(tables) == 1
    table = tables[0]
    assert list(table["line"]) == [2, 4, 5]
    assert table["fairness_risk"].between(0, 1).all() and table["confidence"].between(0, 1).all()
    name, field, items, cut = at.session_state["risk_batch"]
    assert (name, field, cut) == ("projects.csv", "description", False)
    assert [it.row["id"] for it in items if it.report] == ["a", "c", "d"]
    downloads = {d.proto.label for d in at.get("download_button")}
    assert {"Download the scored rows (CSV)", "Download the scored rows (JSONL)"} <= downloads
    assert not at.get("iframe")
    at.selectbox(key="risk_batch_row").set_value(2).run()  # a scored row on the map
    assert not at.exception
    frames = at.get("iframe")
    assert len(frames) == 1 and '"borderWidth": 3' in frames[0].proto.srcdoc


def test_risk_empty_oversized_and_short_input(env: Path) -> None:
    at = app("risk")
    at.button(key="risk_go").click().run()
    assert any("empty" in w.value.lower() for w in at.warning)
    assert not at.metric
    at.text_area(key="risk_text").set_value("   \n\t ")
    at.button(key="risk_go").click().run()
    assert any("empty" in w.value.lower() for w in at.warning)
    long_text = "Loans are approved from applicants' credit history. " * (MAX_CHARS // 50 + 10)
    at.text_area(key="risk_text").set_value(long_text)
    at.button(key="risk_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(f"truncated from {len(long_text):,} to {MAX_CHARS:,}" in w.value for w in at.warning)
    assert {m.label for m in at.metric} == {"Fairness risk", "Privacy risk", "Confidence"}
    assert len(at.session_state["risk_report"][0]) == MAX_CHARS  # only the scored part is kept
    n_distinct = at.session_state["risk_report"][1].raw["n_distinct_words"]
    warned = [html.unescape(w.value) for w in at.warning]  # md_text escapes as entities
    assert any(f"few distinct words ({n_distinct} known" in w for w in warned), warned  # one sentence, repeated
    at.text_area(key="risk_text").set_value("We screen job applicants' CVs and rank candidates for interviews")
    at.button(key="risk_go").click().run()
    assert any("few distinct words (" in html.unescape(w.value) and "percentile" in w.value for w in at.warning)
    assert {m.label for m in at.metric} == {"Fairness risk", "Privacy risk", "Confidence"}  # scored all the same


def test_risk_example_and_upload(env: Path) -> None:
    at = app("risk")
    at.selectbox(key="risk_example").set_value("River level forecasting").run()
    assert "river levels" in at.text_area(key="risk_text").value
    at.file_uploader(key="risk_upload").set_value(
        ("project.md", b"# Loans\nWe approve small-business loans from credit histories.", "text/markdown"))
    at.run()
    at.button(key="risk_go").click().run()
    assert not at.exception
    assert any("project.md" in html.unescape(c.value) for c in at.caption)
    assert any("small" in m.value and "<mark" in m.value for m in at.markdown)


# ---------------------------------------------------------------------------
# Corpus
# ---------------------------------------------------------------------------


def test_corpus_counts_and_refresh_form_errors(env: Path) -> None:
    at = app("corpus")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Papers"] == f"{N_PAPERS + 3:,}"
    assert any(d.proto.label == "Download CSV" for d in at.get("download_button"))
    at.button(key="refresh_start").click().run()  # no spec
    assert any("Invalid source spec" in e.value for e in at.error)
    at.text_area(key="refresh_specs").set_value("nosuchsource:2024")
    at.button(key="refresh_start").click().run()
    assert any("Invalid source spec" in e.value for e in at.error)


def test_corpus_coverage_table(env: Path) -> None:
    at = app("corpus")
    table = next(d.value for d in at.dataframe if "years missing" in d.value.columns)
    rows = {r["venue"]: r for r in table.to_dict("records")}
    assert rows["FAccT"]["selection"] == "topic-selected"
    assert rows["NeurIPS"]["selection"] == "full"
    assert "2020-2021" in rows["NeurIPS"]["years missing"]
    warnings = [html.unescape(w.value) for w in at.warning]  # md_text escapes as entities
    assert any("FAccT" in w and "topic-selected" in w for w in warnings), warnings


@pytest.fixture
def writable_env(corpus_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "copy.sqlite"
    with contextlib.closing(sqlite3.connect(corpus_db)) as src, \
            contextlib.closing(sqlite3.connect(copy)) as dst:
        src.backup(dst)
    monkeypatch.setenv("TMLMAP_DB", str(copy))
    monkeypatch.setenv("TMLMAP_HOME", str(tmp_path / "home"))
    return copy


def test_corpus_import_updates_the_header_and_keeps_the_map(writable_env: Path) -> None:
    at = app("corpus")
    assert {m.label: m.value for m in at.metric}["Papers"] == f"{N_PAPERS + 3:,}"
    records = [{"id": f"new-{i}", "title": f"A new study of fairness audits {i} <img src=x onerror=alert(1)>",
                "abstract": "We audit fairness in lending and hiring decisions with new data. " * 3,
                "venue": "FAccT", "year": 2024} for i in range(4)]
    records.append({"id": "bad", "title": "", "abstract": "", "venue": "", "year": "x"})
    payload = "\n".join(json.dumps(r) for r in records).encode()
    at.file_uploader(key="corpus_upload").set_value(("new.jsonl", payload, "application/json"))
    at.run()
    at.button(key="corpus_import").click().run()
    assert not at.exception, [e.value for e in at.exception]
    msgs = [w.value for w in (*at.warning, *at.success)]
    assert any("4 new" in m for m in msgs), msgs
    assert any("records skipped" in e.label for e in at.expander)
    # the header is fresh right away: new count, "Last import" with the user's file name and a readable time
    assert {m.label: m.value for m in at.metric}["Papers"] == f"{N_PAPERS + 3 + 4:,}"
    last = [c.value for c in at.caption if c.value.startswith("Last import")]
    assert last and "new.jsonl" in html.unescape(last[0]) and "UTC" in last[0]
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d", html.unescape(last[0]))  # no raw ISO timestamp
    skipped = "\n".join(c.value for c in at.code)
    assert "new.jsonl" in skipped and tempfile.gettempdir() not in skipped
    # the map is kept until the user asks for a rebuild, and the page says so
    assert any("The map shown is kept" in i.value and "Rebuild the map" in i.value for i in at.info)
    assert any("stale" in w.value for w in at.sidebar.warning)
    with CorpusStore(writable_env) as store:
        assert store.count() == N_PAPERS + 3 + 4
    for text in texts(at):
        assert not RAW_MARKUP.search(text), text
    at.button(key="sb_rebuild").click().run()
    assert not at.exception and not at.sidebar.warning
    at.switch_page(PAGES["map"]).run()
    assert any(f"Map: {N_PAPERS + 3 + 4:,} papers" in c.value for c in at.sidebar.caption)


@pytest.mark.parametrize(("name", "body"), [("broken.jsonl.gz", b"not gzip"),
                                            ("columns.csv", b"a,b\n1,2\n")])
def test_corpus_import_error_names_the_file_not_the_server_path(writable_env: Path, name: str,
                                                                 body: bytes) -> None:
    at = app("corpus")
    at.file_uploader(key="corpus_upload").set_value((name, body, "application/octet-stream"))
    at.run()
    at.button(key="corpus_import").click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert errors and "Could not import" in errors[0] and name in html.unescape(errors[0])
    assert tempfile.gettempdir() not in html.unescape(errors[0]) and "upload" not in errors[0].lower()


def test_corpus_upload_of_another_type_is_refused_and_cleared(writable_env: Path) -> None:
    at = app("corpus")
    at.file_uploader(key="corpus_upload").set_value(("notes.pdf", b"%PDF-1.4", "application/pdf"))
    at.run()
    assert not at.exception
    assert any("notes.pdf" in html.unescape(e.value) and "not accepted" in e.value for e in at.error)
    # the uploader was reset (new key: no file, no browser error chip); the error shows once
    assert [u.value for u in at.get("file_uploader")] == [None] or not at.get("file_uploader")[0].value
    at.run()
    assert not any("not accepted" in e.value for e in at.error)


# ---------------------------------------------------------------------------
# View helpers
# ---------------------------------------------------------------------------


def test_helpers_escape_untrusted_text() -> None:
    assert not RAW_MARKUP.search(md_text(EVIL + " [x](javascript:alert(1))"))
    assert "[" not in md_text("[x](y)") and "*" not in md_text("**bold**")
    text = "Predict <b>recidivism</b> of defendants & applicants"
    spans = [{"start": 11, "end": 21, "term": "recidivism", "topic": "fairness"},
             {"start": 15, "end": 18, "term": "overlap", "topic": "privacy"},  # overlaps: skipped
             {"start": text.index("applicants"), "end": len(text), "term": "applicants", "topic": None},
             {"start": 90, "end": 99, "term": "outside", "topic": None}]  # out of range: skipped
    out = highlight_html(text, spans)
    assert out.count("<mark") == 2
    assert "<b>" not in out
    assert html.unescape(re.sub(r"</?mark[^>]*>", "", out)) == text  # all text kept, as text
    assert "&" not in out.replace("&#", "")  # every special character as a numeric reference
    assert 'title="recidivism · fairness"' in out
    assert snippet_html("a «b» <i>") == "a <mark>b</mark> &#60;i&#62;"
    assert "\n" not in safe_html_block("x\ny\n\nz")


def test_sidebar_says_when_the_map_is_stale(writable_env: Path) -> None:
    at = app("map")  # a new data directory: the map is built on this run
    # the build's progress box is gone once the graph is there (no "Map built..." left on top)
    assert not any("Building the map" in t or "Map built" in t for t in texts(at))
    assert not at.get("progress")
    # (another test may have drawn this corpus's graph already: the cache is process-wide)
    assert any("graph prepared in" in c.value or "graph from the cache" in c.value for c in at.caption)
    assert not any("prepared in 0.0 s" in c.value for c in at.caption)
    at.run()
    assert any("graph from the cache of this map" in c.value for c in at.caption)  # not "0.00 s"
    assert any(f"Map: {N_PAPERS + 3:,} papers" in c.value for c in at.sidebar.caption)
    assert not at.sidebar.warning
    with CorpusStore(writable_env) as other:  # e.g. the CLI importing in another process
        other.upsert([Paper(id="late-1", title="A late paper on fairness audits",
                            abstract="Fairness audits of lending models. " * 5, venue="FAccT",
                            year=2025, url="", authors=[], keywords=[], source="test")])
    at.run()
    assert any("stale" in w.value for w in at.sidebar.warning)
    assert any(f"{N_PAPERS + 3:,} papers" in c for c in (x.value for x in at.caption))  # old map shown
    at.button(key="sb_rebuild").click().run()
    assert not at.exception
    assert not at.sidebar.warning
    assert any(f"Map: {N_PAPERS + 4:,} papers" in c.value for c in at.sidebar.caption)


def test_build_progress_names_the_step_and_estimates_the_time_left() -> None:
    from tmlmap.maps.build import STAGES
    from tmlmap.views.state import STAGE_SHARE, build_estimate_s, build_progress_text

    assert set(STAGE_SHARE) == set(STAGES)  # every build stage has a measured share
    fractions = [build_progress_text(stage, f, 1.0, 20_000)[0] for stage in STAGES for f in (0.0, 0.5, 1.0)]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == pytest.approx(1.0)
    overall, text = build_progress_text("normalize", 0.5, 10.0, 20_000)
    assert text.startswith("step 1 of 7: reading and lemmatizing")
    # before the first step is done: the prior (seconds per paper, measured) for what is left
    assert f"about {build_estimate_s(20_000) * (1 - overall):.0f} s left" in text
    # after it: the build's own pace (here 50 s for the first ~46 %: about 59 s left)
    overall, text = build_progress_text("communities", 0.0, 50.0, 20_000)
    assert "step 6 of 7: finding communities" in text
    assert f"about {50.0 / overall * (1 - overall):.0f} s left" in text and "50 s elapsed" in text
