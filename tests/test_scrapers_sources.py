"""Each of the six sources end to end: pages in the sites' late-2026 structure on a local server -> a real CorpusStore.

The fixtures are rebuilt from ``/work/shared/notes/sites-2026.md`` (see the
comment at the top of each); the failure modes the note describes each have a
test here (challenge page, v1-only venue, volume BibTeX without abstracts,
mid-result empty arXiv page, OpenAlex 403, NeurIPS 2025's "See also" book,
raw ``<`` in abstracts, front matter on a second run).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scrapers import refresh
from scrapers.venues import load_registry
from tests.scraper_server import (
    ARXIV_QUERY,
    JSON,
    OPENALEX_KEY,
    OPENALEX_NEXT,
    OPENREVIEW_TOKEN,
    PMLR_FRONT,
    PMLR_KEYS,
    LocalServer,
    Reply,
    fixture,
    install_arxiv,
    make_config,
    neurips_pages,
)
from tmlmap.corpus.store import CorpusStore

pytestmark = pytest.mark.timeout(60)


def run(server: LocalServer, store: CorpusStore, tmp_path: Path, *specs: str, env=None, config=None, **kw):  # noqa: ANN001, ANN201
    config = config or make_config(server.url, tmp_path / "http.sqlite", env=env)
    return refresh(list(specs), store, config=config, **kw)


def assert_complete(p) -> None:  # noqa: ANN001
    assert p is not None
    assert p.title and p.abstract and p.authors and p.year and p.venue and p.url


# -- PMLR ---------------------------------------------------------------------------


def test_pmlr_volume_end_to_end(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    summary = run(server, store, tmp_path, "pmlr:v81")
    assert summary.ok, summary.format()
    (src,) = summary.sources
    assert (src.listed, src.fetched, src.new, len(src.failed), len(src.invalid)) == (5, 3, 3, 0, 0)
    assert len(src.not_papers) == 2  # the preface (empty abstract) and the keynote (no abstract)
    assert store.count() == 3
    p = store.get("pmlr-v81-buolamwini18a")
    assert_complete(p)
    assert p.title == "Gender Shades: Intersectional Accuracy Disparities in Commercial Gender Classification"
    assert p.authors == ["Joy Buolamwini", "Timnit Gebru"]
    assert (p.venue, p.year) == ("FAT*", 2018)
    assert p.abstract.startswith("Recent studies demonstrate") and "34.7%" in p.abstract
    assert p.url == f"{server.url}/pmlr/v81/buolamwini18a.html"
    barabas = store.get("pmlr-v81-barabas18a")
    assert barabas is not None and barabas.authors[-1] == "Jonathan Zittrain" and len(barabas.authors) == 5
    binns = store.get("pmlr-v81-binns18a")
    assert binns is not None and "\u2018fair\u2019" in binns.abstract  # &lsquo; entities decoded
    assert "access: robots.txt obeyed" in summary.format()


def test_pmlr_front_matter_is_remembered_not_refetched(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    first = run(server, store, tmp_path, "pmlr:v81")
    assert "friedler18a.html" in first.format() and "no abstract" in first.format()
    second = run(server, store, tmp_path, "pmlr:v81")
    src = second.sources[0]
    assert second.ok and (src.skipped, src.remembered, len(src.failed), len(src.not_papers)) == (3, 2, 0, 0)
    for key in PMLR_FRONT + PMLR_KEYS:
        assert server.site.hits[f"/pmlr/v81/{key}.html"] == 1, key
    forced = run(server, store, tmp_path, "pmlr:v81", force=True)  # --force re-checks them
    assert len(forced.sources[0].not_papers) == 2
    assert server.site.hits["/pmlr/v81/sweeney18a.html"] == 2


def test_pmlr_spliced_title_does_not_decide_the_volume(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    # the index's <title> names volume 178 (a splice, as recorded); the year comes from the h2/registry
    index = fixture("pmlr", "v81_index.html").replace(b"/v81/", b"/v999/").replace(b"Volume 81:", b"Volume 999:")
    index = index.replace(b"23-24 February 2018", b"3 May 2021")
    server.site.add("/pmlr/v999/", Reply(index))
    for key in PMLR_KEYS + PMLR_FRONT:
        server.site.add(f"/pmlr/v999/{key}.html", Reply(fixture("pmlr", f"{key}.html")))
    summary = run(server, store, tmp_path, "pmlr:v999")
    assert summary.ok and store.count() == 3
    p = store.get("pmlr-v999-binns18a")
    assert p is not None and (p.venue, p.year) == ("PMLR v999", 2021)


def test_pmlr_conference_year_spec_uses_the_registry(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    summary = run(server, store, tmp_path, "fat:2018")
    assert summary.ok and store.count() == 3
    assert server.site.hits["/pmlr/v81/"] == 1


# -- NeurIPS-style proceedings ---------------------------------------------------------


def test_neurips_multi_track_year_and_raw_angle_brackets(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    summary = run(server, store, tmp_path, "neurips:2024")
    assert summary.ok, summary.format()
    assert store.count() == 3
    assert len([n for n in neurips_pages("2024") if "2f6b653a" in n[0]]) == 1
    p = store.get("neurips2024-2f6b653a558d4357e3fa4e8e4a18f9fa")
    assert_complete(p)
    assert p.title == "Synthetic Title: Fair Ranking under Uncertainty"
    assert p.authors == ["Synthetic Author A", "Synthetic Author B"]
    assert (p.venue, p.year) == ("NeurIPS", 2024)
    # nothing cut at a raw "<": every word after each one survives
    for piece in ("$W<d$", "$0<p<1$", "x < y holds", "<a, b, c>", "<label> tokens", "uncertainty-aware ranking",
                  "<https://example.org/fair-ranking>", "n<100 & beyond."):
        assert piece in p.abstract, (piece, p.abstract)
    assert "<em>" not in p.abstract
    db = store.get("neurips2024-6fcb44159ba4127dd15c3b3d7fa5b436")
    assert db is not None and db.keywords == ["Datasets and Benchmarks"] and db.abstract.endswith("twelve demographic groups.")
    amp = store.get("neurips2024-ad98754d5970492e96b70f854d3f2182")
    assert amp is not None and amp.title == "Synthetic Title: Certified Robustness & Beyond"
    assert "to adversarial perturbations" in amp.abstract and len(amp.authors) == 3


def test_neurips_2025_follows_see_also_to_the_main_conference(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    summary = run(server, store, tmp_path, "neurips:2025")
    assert summary.ok, summary.format()
    assert summary.sources[0].listed == 3 and store.count() == 3  # 1 Creative AI + 2 on vol38-main-conference
    assert server.site.hits["/neurips/paper_files/paper/2025/vol38-main-conference"] == 1
    main = store.get("neurips2025-4e697c83075135e591e3a7a92f3df596") or store.get("neurips2025-51ffd6909dc0c8ca1be6454ba9887174")
    assert_complete(main)
    creative = store.get("neurips2025-ef10602f4d6046fe55408c4c4168a295")
    assert creative is not None and creative.keywords == ["Creative AI"]


def test_neurips_pre_track_year(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    summary = run(server, store, tmp_path, "neurips:2013")
    assert summary.ok, summary.format()
    p = store.get("neurips2013-07126bd29d51b3893c167c816cc3479c")
    assert_complete(p)
    assert p.authors == ["Synthetic Author G", "Synthetic Author H"] and p.keywords == []
    assert p.abstract.startswith("Imitation learning copies")


def test_mlsys_is_read_as_mlsys_from_a_venues_file(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    venues = tmp_path / "venues.toml"
    venues.write_text(f'[proceedings.mlsys]\nvenue = "MLSys"\nurl = "{server.url}/mlsys"\n', encoding="utf-8")
    import dataclasses

    config = dataclasses.replace(make_config(server.url, tmp_path / "http.sqlite"), venues=load_registry([venues]))
    summary = run(server, store, tmp_path, "mlsys:2026", config=config)
    assert summary.ok, summary.format()
    p = store.get("mlsys2026-67c3ad3fed0e1bf28bc45adab9930463")
    assert_complete(p)
    assert (p.venue, p.year) == ("MLSys", 2026)
    assert p.authors == ["Ana Lopez", "Wei Chen", "Sam Okafor"]


# -- OpenReview ----------------------------------------------------------------------


def test_openreview_with_a_token_pages_by_offset(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    seen: list[tuple[int, int | None]] = []
    summary = run(server, store, tmp_path, "openreview:ICLR.cc/2024/Conference", progress=lambda _l, d, t: seen.append((d, t)))
    assert summary.ok, summary.format()
    assert store.count() == 3
    queries = [q for q in server.site.log if q.startswith("/openreview/notes")]
    assert len(queries) == 2 and "offset=0" in queries[0] and "offset=2" in queries[1]
    assert all("limit=2" in q and "content.venueid=ICLR.cc%2F2024%2FConference" in q for q in queries)
    p = store.get("iclr2024-" + "".join(__import__("json").loads(fixture("openreview", "iclr2024_offset0.json"))["notes"][0]["id"]))
    assert_complete(p)
    assert p.title == "Synthetic Title: Demographic Parity Without Demographics"
    assert p.keywords == ["fairness", "demographic parity", "missing attributes"]
    assert (p.venue, p.year) == ("ICLR", 2024) and p.url.startswith("https://openreview.net/forum?id=")
    assert seen[-1] == (3, 3)


def test_openreview_login_with_username_and_password(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    server.site.add("POST /openreview/login", Reply(b'{"token": "%s"}' % OPENREVIEW_TOKEN.encode(), headers={"Content-Type": JSON}))
    env = {"OPENREVIEW_USERNAME": "me@example.org", "OPENREVIEW_PASSWORD": "pw-s3cret-42"}
    summary = run(server, store, tmp_path, "iclr:2024", env=env)
    assert summary.ok, summary.format() and store.count() == 3
    assert server.site.hits["POST /openreview/login"] == 1  # once per run
    assert b"pw-s3cret-42" in server.site.bodies[0]


def test_openreview_challenge_page_is_a_clear_needs_login_failure(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    summary = run(server, store, tmp_path, "iclr:2024", env={})
    assert not summary.ok
    (src,) = summary.sources
    assert src.failure == "needs login"
    text = summary.format()
    assert "FAILED (needs login)" in text and "Verifying your browser" in text
    assert "OPENREVIEW_USERNAME" in text and "OPENREVIEW_PASSWORD" in text and "OPENREVIEW_TOKEN" in text
    assert store.count() == 0
    # the challenge page was not cached: with a token the next run gets the notes
    assert run(server, store, tmp_path, "iclr:2024").ok and store.count() == 3


def test_openreview_refused_login_says_what_to_check(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    server.site.add("POST /openreview/login", Reply(b'{"name":"ForbiddenError"}', status=403, headers={"Content-Type": JSON}))
    summary = run(server, store, tmp_path, "iclr:2024", env={"OPENREVIEW_USERNAME": "me", "OPENREVIEW_PASSWORD": "wrong-pw-77"})
    assert summary.sources[0].failure == "needs login"
    assert "refused the login" in summary.format() and "wrong-pw-77" not in summary.format()


def test_openreview_v1_venue_is_read_from_api_v1(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    # ICLR 2023 is in the registry's v1 list: no v2 request at all
    summary = run(server, store, tmp_path, "iclr:2023")
    assert summary.ok, summary.format()
    assert store.count() == 2 and server.site.hits["/openreview/notes"] == 0
    p = next(iter(store.get(pid) for pid in [f"iclr2023-{n['id']}" for n in __import__("json").loads(fixture("openreview", "iclr2023_v1.json"))["notes"]]))
    assert_complete(p)
    assert p.source.startswith("openreview-v1:")


def test_empty_v2_answer_falls_back_to_v1_not_ok_fetched_0(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    # a venue not in the v1 list whose v2 answer is empty is tried on v1 before anything is reported
    v1 = fixture("openreview", "iclr2023_v1.json").replace(b"ICLR.cc/2023/Conference", b"ICLR.cc/2022/Workshop/X")
    server.site.add("/openreview/v1/notes", Reply(v1, headers={"Content-Type": JSON}), query={"content.venueid": "ICLR.cc/2022/Workshop/X"}, auth=f"Bearer {OPENREVIEW_TOKEN}")
    summary = run(server, store, tmp_path, "openreview:ICLR.cc/2022/Workshop/X")
    assert summary.ok and store.count() == 2
    assert server.site.hits["/openreview/notes"] == 1 and server.site.hits["/openreview/v1/notes"] == 1
    # nothing on either API: FAILED (nothing listed), never "ok; fetched 0"
    nothing = run(server, store, tmp_path, "openreview:NoSuch.cc/2020/Conference")
    assert not nothing.ok and nothing.sources[0].failure == "nothing listed"
    assert "FAILED (nothing listed)" in nothing.format()


def test_openreview_validation_error_is_reported_with_its_message(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    venue = {"content.venueid": "ICLR.cc/2024/Conference", "offset": "0"}
    server.site.add("/openreview/notes", Reply(fixture("openreview", "validation_error.json"), status=400, headers={"Content-Type": JSON}), query=venue, auth=f"Bearer {OPENREVIEW_TOKEN}")
    summary = run(server, store, tmp_path, "iclr:2024")
    assert not summary.ok and "limit must be <= 1000" in summary.format()


# -- ACL Anthology ---------------------------------------------------------------------


def test_acl_abstracts_come_from_the_per_paper_bibtex(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    summary = run(server, store, tmp_path, "acl:2024.trustnlp-1")
    assert summary.ok, summary.format()
    (src,) = summary.sources
    assert (src.listed, src.fetched, src.new) == (4, 3, 3)
    assert [url for url, _ in src.not_papers] == [f"{server.url}/acl/2024.trustnlp-1.9.bib"]  # no abstract
    p = store.get("2024.trustnlp-1.7")
    assert_complete(p)
    assert p.title == "Exploring Causal Mechanisms for Machine Text Detection Methods"
    assert p.authors == ["Kiyoon Yoo", "Wonhyuk Ahn", "Yeji Song", "Nojun Kwak"]
    assert (p.venue, p.year, p.url) == ("TrustNLP", 2024, "https://aclanthology.org/2024.trustnlp-1.7/")
    assert p.abstract.startswith("The immense attraction towards text generation")
    g = store.get("2024.trustnlp-1.13")
    assert g is not None and g.authors == ["Tobias Groot", "Matias Valdenegro-Toro"] and "{" not in g.title
    assert store.get("2024.trustnlp-1.0") is None  # the front matter is not a paper
    assert server.site.hits["/acl/2024.trustnlp-1.7.bib"] == 1
    again = run(server, store, tmp_path, "acl:2024.trustnlp-1")  # stored papers: no per-paper fetch
    assert again.sources[0].skipped == 3 and server.site.hits["/acl/2024.trustnlp-1.7.bib"] == 1


def test_acl_volume_without_abstracts_and_no_paper_files_fails(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    for pid in ("2024.trustnlp-1.1", "2024.trustnlp-1.7", "2024.trustnlp-1.9", "2024.trustnlp-1.13"):
        server.site.add(f"/acl/{pid}.bib", Reply(b"not found", status=404))
    summary = run(server, store, tmp_path, "acl:2024.trustnlp-1")
    assert not summary.ok and summary.sources[0].failed_entirely
    assert "FAILED" in summary.format() and store.count() == 0


# -- arXiv -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["old", "new"])
def test_arxiv_both_feed_formats(fmt: str, server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    install_arxiv(server.site, fmt)
    server.site.add("/robots.txt", b"User-agent: *\nDisallow: /\n", ctype="text/plain")  # as on export.arxiv.org
    summary = run(server, store, tmp_path, f"arxiv:{ARXIV_QUERY}")
    assert summary.ok, summary.format()
    assert store.count() == 3 and server.site.hits["/robots.txt"] == 0  # the API's terms apply, not robots.txt
    assert "API terms of use (https://info.arxiv.org/help/api/tou.html)" in summary.format()
    queries = [q for q in server.site.log if q.startswith("/arxiv/")]
    assert len(queries) == 2 and "start=0" in queries[0] and "start=2" in queries[1]
    p = store.get("arxiv-2402.01234")
    assert_complete(p)
    assert p.title == "Fairness Under Label Noise: A Robust Approach"
    assert p.abstract.startswith("We study group fairness") and "\n" not in p.abstract and "  " not in p.abstract
    assert p.keywords == ["cs.LG", "cs.CY", "stat.ML"] and p.url == "https://arxiv.org/abs/2402.01234"
    assert p.authors == ["Ana Pereira", "Ken Ito"] and (p.venue, p.year) == ("arXiv", 2024)
    e = store.get("arxiv-2401.05678")
    assert e is not None and e.authors == ["\u00c9lodie Martin"] and e.title == "Counterfactual Fairness & Causal Graphs"


def test_arxiv_pdf_link_in_both_formats() -> None:
    from lxml import etree

    from scrapers.arxiv import NS, pdf_link

    for fmt in ("old", "new"):
        root = etree.fromstring(fixture("arxiv", f"{fmt}_start0.xml"))
        assert pdf_link(root.find("a:entry", NS)).endswith("/pdf/2402.01234v2")


def test_arxiv_empty_page_mid_result_is_retried(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    mid = Reply(fixture("arxiv", "new_midresult_empty_start2.xml"), headers={"Content-Type": "application/atom+xml"})
    full = Reply(fixture("arxiv", "new_start2.xml"), headers={"Content-Type": "application/atom+xml"})
    server.site.add("/arxiv/api/query", mid, full, query={"search_query": ARXIV_QUERY, "start": "2"})
    summary = run(server, store, tmp_path, f"arxiv:{ARXIV_QUERY}")
    assert summary.ok and store.count() == 3  # not taken as the end
    assert sum("start=2" in q for q in server.site.log) == 2


def test_arxiv_persistent_mid_result_empty_page_stops_with_a_message(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    mid = Reply(fixture("arxiv", "new_midresult_empty_start2.xml"), headers={"Content-Type": "application/atom+xml"})
    server.site.add("/arxiv/api/query", mid, query={"search_query": ARXIV_QUERY, "start": "2"})
    summary = run(server, store, tmp_path, f"arxiv:{ARXIV_QUERY}")
    src = summary.sources[0]
    assert store.count() == 2 and src.status() == "partial"
    assert "empty page at start=2 of 3" in (src.error or "")


def test_arxiv_query_matching_nothing_is_a_failed_source(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    server.site.add("/arxiv/api/query", fixture("arxiv", "new_empty.xml"), query={"search_query": "ti:nothing"}, ctype="application/atom+xml")
    summary = run(server, store, tmp_path, "arxiv:ti:nothing")
    assert not summary.ok and summary.sources[0].failure == "nothing listed"


def test_arxiv_since_stops_paging(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    summary = run(server, store, tmp_path, f"arxiv:{ARXIV_QUERY}", since=2024)
    assert summary.ok
    assert store.count() == 2 and store.get("arxiv-2312.09999") is None


# -- OpenAlex ------------------------------------------------------------------------------


def test_openalex_cursor_paging_with_an_api_key(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    summary = run(server, store, tmp_path, "openalex:facct:2023")
    assert summary.ok, summary.format()
    (src,) = summary.sources
    queries = [q for q in server.site.log if q.startswith("/openalex/")]
    assert len(queries) == 3 and "cursor=%2A" in queries[0] and OPENALEX_NEXT.rstrip("=") in queries[1]
    assert all("doi_starts_with%3A10.1145%2F3593013" in q and "per_page=2" in q for q in queries)
    assert all(f"api_key={OPENALEX_KEY}" in q for q in queries)
    assert store.count() == 2
    assert len(src.invalid) == 1  # the proceedings front matter has no abstract
    p = store.get("openalex-W4380000002")
    assert_complete(p)
    assert p.abstract == (
        "Third-party audits of AI systems vary widely. We interview auditors and derive recommendations for accountable audits."
    )
    assert (p.venue, p.year, p.url) == ("FAccT", 2023, "https://doi.org/10.1145/3593013.3594001")
    assert p.authors == ["Kim Lee"] and p.keywords == ["Audit"]  # "Medicine" (score 0.39) dropped
    assert OPENALEX_KEY not in summary.format()


def test_openalex_last_page_with_results_and_null_cursor(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    server.site.add("/openalex/works", fixture("openalex", "facct2023_page2_last.json"), query={"cursor": OPENALEX_NEXT, "api_key": OPENALEX_KEY}, ctype=JSON)
    summary = run(server, store, tmp_path, "openalex:facct:2023")
    assert summary.ok and store.count() == 2
    assert len([q for q in server.site.log if q.startswith("/openalex/")]) == 2


def test_openalex_without_a_key_says_to_set_it(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    summary = run(server, store, tmp_path, "openalex:facct:2023", env={})
    assert not summary.ok and summary.sources[0].failure == "needs login"
    assert "OPENALEX_API_KEY" in summary.format()


def test_openalex_403_is_rate_limited_not_retried(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    limited = Reply(fixture("openalex", "rate_limited_403.json"), status=403, headers={"Content-Type": JSON})
    server.site.add("/openalex/works", limited, query={"cursor": OPENALEX_NEXT, "api_key": OPENALEX_KEY})
    summary = run(server, store, tmp_path, "openalex:facct:2023")
    src = summary.sources[0]
    assert src.status() == "partial" and store.count() == 1  # page 1 kept
    assert "rate limit" in (src.error or "") and sum(OPENALEX_NEXT.rstrip("=") in q for q in server.site.log) == 1
    assert OPENALEX_KEY not in summary.format()


# -- several sources ------------------------------------------------------------------------


def test_several_specs_in_one_run(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    summary = run(server, store, tmp_path, "pmlr:v81", "neurips:2024", "openalex:facct:2023")
    assert summary.ok
    assert [s.label for s in summary.sources] == ["pmlr:v81", "neurips:2024", "openalex:facct:2023"]
    assert store.count() == 8 and summary.total("new") == 8
    assert store.get_meta("last_refresh")


def test_unreachable_site_says_so_on_the_first_line(store: CorpusStore, tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:  # a port on 127.0.0.1 that nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    summary = refresh(["pmlr:v81", "acl:2024.trustnlp-1"], store, config=make_config(f"http://127.0.0.1:{port}", tmp_path / "c.sqlite"))
    assert not summary.ok and summary.sources[0].failed_entirely
    first = summary.format().splitlines()[0]
    assert first == f"cannot reach 127.0.0.1:{port} (no network?)"
    assert "RFC" not in first and summary.sources[0].failure == "cannot reach the site"
    assert "Connection refused" in (summary.sources[0].error or "")


def test_arxiv_blank_body_is_retried_too(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    blank = Reply(b"", headers={"Content-Type": "application/atom+xml"})
    full = Reply(fixture("arxiv", "new_start0.xml"), headers={"Content-Type": "application/atom+xml"})
    server.site.add("/arxiv/api/query", blank, full, query={"search_query": ARXIV_QUERY, "start": "0"})
    summary = run(server, store, tmp_path, f"arxiv:{ARXIV_QUERY}")
    assert summary.ok and store.count() == 3


def test_arxiv_old_format_error_entry_is_reported(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    feed = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        b'<opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">1</opensearch:totalResults>'
        b"<entry><id>http://arxiv.org/api/errors#incorrect_id_format_for_12345</id><title>Error</title>"
        b"<summary>incorrect id format for 12345</summary></entry></feed>"
    )
    server.site.add("/arxiv/api/query", feed, query={"search_query": "id:12345"}, ctype="application/atom+xml")
    summary = run(server, store, tmp_path, "arxiv:id:12345")
    assert not summary.ok and "arXiv reported an error: incorrect id format for 12345" in summary.format()


def test_arxiv_named_ids_report_the_ones_arxiv_dropped(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    ids = "2402.01234,2499.99999,hep-th/9901001,2401.00000"
    server.site.add("/arxiv/api/query", fixture("arxiv", "new_idlist_partial.xml"), query={"id_list": ids, "start": "0"}, ctype="application/atom+xml")
    summary = run(server, store, tmp_path, f"arxiv:ids={ids}")
    assert summary.ok, summary.format()
    assert store.count() == 1 and store.get("arxiv-2402.01234") is not None
    dropped = [url for url, _ in summary.sources[0].invalid]
    assert dropped == ["https://arxiv.org/abs/2499.99999", "https://arxiv.org/abs/hep-th/9901001", "https://arxiv.org/abs/2401.00000"]
    assert "arXiv returned no entry for this id" in summary.format()
    assert all("search_query" not in q and "sortBy" not in q for q in server.site.log if q.startswith("/arxiv/"))


def test_neurips_see_also_book_that_fails_keeps_the_year_page_papers(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    server.site.add("/neurips/paper_files/paper/2025/vol38-main-conference", Reply(b"gone", status=404))
    summary = run(server, store, tmp_path, "neurips:2025")
    src = summary.sources[0]
    assert src.status() == "partial" and store.count() == 1  # the Creative AI paper
    assert "vol38-main-conference: HTTP 404" in (src.error or "")
