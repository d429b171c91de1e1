"""Each of the six sources end to end: saved pages on a local server -> a real temporary CorpusStore."""

from __future__ import annotations

from pathlib import Path

import pytest

from scrapers import refresh
from tests.scraper_server import (
    ARXIV_QUERY,
    NEURIPS_2023,
    OPENALEX_NEXT,
    PMLR_KEYS,
    LocalServer,
    make_config,
)
from tmlmap.corpus.store import CorpusStore

pytestmark = pytest.mark.timeout(60)


def run(server: LocalServer, store: CorpusStore, tmp_path: Path, *specs: str, **kw):  # noqa: ANN201
    return refresh(list(specs), store, config=make_config(server.url, tmp_path / "http.sqlite"), **kw)


def test_pmlr_volume_end_to_end(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    summary = run(server, store, tmp_path, "pmlr:v81")
    assert summary.ok, summary.format()
    (src,) = summary.sources
    assert (src.fetched, src.new, len(src.failed), len(src.invalid)) == (3, 3, 0, 0)
    assert store.count() == 3
    p = store.get("pmlr-v81-buolamwini18a")
    assert p is not None
    assert p.title == "Gender Shades: Intersectional Accuracy Disparities in Commercial Gender Classification"
    assert p.authors == ["Joy Buolamwini", "Timnit Gebru"]
    assert (p.venue, p.year) == ("FAT*", 2018)
    assert p.abstract.startswith("Recent studies demonstrate") and "34.7%" in p.abstract
    assert p.url == f"{server.url}/pmlr/v81/buolamwini18a.html"
    binns = store.get("pmlr-v81-binns18a")
    assert binns is not None and "\u2018fair\u2019" in binns.abstract  # &lsquo; entities decoded
    for key in PMLR_KEYS:
        assert server.site.hits[f"/pmlr/v81/{key}.html"] == 1


def test_pmlr_conference_year_spec_uses_the_volume_table(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    summary = run(server, store, tmp_path, "fat:2018")
    assert summary.ok and store.count() == 3
    assert server.site.hits["/pmlr/v81/"] == 1


def test_neurips_year_listing_end_to_end(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    summary = run(server, store, tmp_path, "neurips:2023")
    assert summary.ok, summary.format()
    assert store.count() == 3
    p = store.get("neurips2023-00a6fb1f33b4e8e1a3c8bd1b2a7ab6f1")
    assert p is not None
    assert p.title == "Fair Ranking under Disparate Uncertainty"
    assert p.authors == ["Richa Rastogi", "Thorsten Joachims"]
    assert p.abstract.startswith("Ranking is a ubiquitous method") and p.abstract.endswith("between groups of options.")
    assert (p.venue, p.year) == ("NeurIPS", 2023)
    db = store.get("neurips2023-2c3d4e5f60718293a4b5c6d7e8f90a1b")
    assert db is not None and db.keywords == ["Datasets and Benchmarks"]
    amp = store.get("neurips2023-1b4f5d0e2a9c7d3e8f6a0b1c2d3e4f50")
    assert amp is not None and amp.title == "Certified Robustness via Randomized Smoothing & Beyond"
    assert "adversarial perturbations" in amp.abstract  # <em> stripped, words kept
    for name in NEURIPS_2023:
        assert server.site.hits[f"/neurips/paper_files/paper/2023/hash/{name}"] == 1


def test_neurips_older_listing_style(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    summary = run(server, store, tmp_path, "neurips:2019")
    assert summary.ok
    assert store.count() == 1  # the listing repeats the paper: stored once, fetched once
    p = store.get("neurips2019-0118a063b4aae95277f0bc1752c75abf")
    assert p is not None and p.authors == ["Jane Doe", "John Roe"]
    assert p.abstract.startswith("Imitation learning copies")
    assert server.site.hits["/neurips/paper_files/paper/2019/hash/0118a063b4aae95277f0bc1752c75abf-Abstract.html"] == 1


def test_openreview_pages_by_offset(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    seen: list[tuple[int, int | None]] = []
    summary = run(
        server, store, tmp_path, "openreview:ICLR.cc/2024/Conference", progress=lambda _l, d, t: seen.append((d, t))
    )
    assert summary.ok, summary.format()
    assert store.count() == 3
    offsets = [q for q in server.site.log if q.startswith("/openreview/notes")]
    assert len(offsets) == 2 and "offset=0" in offsets[0] and "offset=2" in offsets[1]
    assert all("limit=2" in q and "content.venueid=ICLR.cc%2F2024%2FConference" in q for q in offsets)
    p = store.get("iclr2024-a1B2c3D4e5")
    assert p is not None
    assert p.title == "Demographic Parity Without Demographics"
    assert p.keywords == ["fairness", "demographic parity", "missing attributes"]
    assert p.authors == ["Mina Park", "Omar Haddad"]
    assert (p.venue, p.year, p.url) == ("ICLR", 2024, "https://openreview.net/forum?id=a1B2c3D4e5")
    assert seen[-1] == (3, 3)


def test_iclr_shorthand_is_the_same_source(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    assert run(server, store, tmp_path, "iclr:2024").ok and store.count() == 3


def test_acl_volume_from_bibtex(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    summary = run(server, store, tmp_path, "acl:2024.trustnlp-1")
    assert summary.ok, summary.format()
    (src,) = summary.sources
    assert (src.fetched, src.new) == (2, 2)
    # the paper without an abstract is reported with its URL, not stored
    assert [url for url, _ in src.invalid] == ["https://aclanthology.org/2024.trustnlp-1.9/"]
    assert "abstract" in src.invalid[0][1]
    assert "https://aclanthology.org/2024.trustnlp-1.9/" in summary.format()
    p = store.get("2024.trustnlp-1.7")
    assert p is not None
    assert p.authors == ["Omkar Dige", "Diljot Arneja", "Tsz Fung Yau", "J\u00e9r\u00f4me M\u00fcller"]
    assert "\u2014" in p.abstract and "{" not in p.abstract  # LaTeX decoded
    assert (p.venue, p.year) == ("TrustNLP", 2024)
    q = store.get("2024.trustnlp-1.8")
    assert q is not None and "5%" in q.abstract and q.title == "Tokenization Matters: Privacy Leakage in BPE Vocabularies"
    assert store.get("2024.trustnlp-1.0") is None  # the front matter is not a paper


def test_arxiv_pages_by_start(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    summary = run(server, store, tmp_path, f"arxiv:{ARXIV_QUERY}")
    assert summary.ok, summary.format()
    assert store.count() == 3
    queries = [q for q in server.site.log if q.startswith("/arxiv/")]
    assert len(queries) == 2 and "start=0" in queries[0] and "start=2" in queries[1]
    p = store.get("arxiv-2402.01234")
    assert p is not None
    assert p.title == "Fairness Under Label Noise: A Robust Approach"
    assert p.abstract.startswith("We study group fairness") and "\n" not in p.abstract
    assert p.keywords == ["cs.LG", "cs.CY"] and p.url == "https://arxiv.org/abs/2402.01234"
    assert (p.venue, p.year) == ("arXiv", 2024)
    old = store.get("arxiv-2312.09999")
    assert old is not None and old.year == 2023
    e = store.get("arxiv-2401.05678")
    assert e is not None and e.authors == ["\u00c9lodie Martin"] and e.title == "Counterfactual Fairness & Causal Graphs"


def test_arxiv_since_stops_paging(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    summary = run(server, store, tmp_path, f"arxiv:{ARXIV_QUERY}", since=2024)
    assert summary.ok
    assert store.count() == 2 and store.get("arxiv-2312.09999") is None


def test_openalex_cursor_paging_and_inverted_abstracts(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    summary = run(server, store, tmp_path, "openalex:facct:2023")
    assert summary.ok, summary.format()
    (src,) = summary.sources
    queries = [q for q in server.site.log if q.startswith("/openalex/")]
    assert len(queries) == 2 and "cursor=%2A" in queries[0] and OPENALEX_NEXT.rstrip("=") in queries[1]
    assert all("doi_starts_with%3A10.1145%2F3593013" in q and "mailto=tests%40example.org" in q for q in queries)
    assert store.count() == 2
    assert len(src.invalid) == 1  # the proceedings front matter has no abstract
    p = store.get("openalex-W4380000002")
    assert p is not None
    assert p.abstract == (
        "Third-party audits of AI systems vary widely. We interview auditors and derive recommendations for accountable audits."
    )
    assert (p.venue, p.year, p.url) == ("FAccT", 2023, "https://doi.org/10.1145/3593013.3594001")
    assert p.authors == ["Kim Lee"] and p.keywords == ["audit"]


def test_several_specs_in_one_run(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    summary = run(server, store, tmp_path, "pmlr:v81", "neurips:2023", "openalex:facct:2023")
    assert summary.ok
    assert [s.label for s in summary.sources] == ["pmlr:v81", "neurips:2023", "openalex:facct:2023"]
    assert store.count() == 8 and summary.total("new") == 8
    assert store.get_meta("last_refresh")


def test_pmlr_volume_outside_the_table(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    from tests.scraper_server import Reply, fixture

    index = fixture("pmlr", "v81_index.html").replace(b"/v81/", b"/v999/")
    index = index.replace(b"Volume 81: Conference on Fairness, Accountability and Transparency, 23-24 February 2018",
                          b"Volume 999: Workshop on Trust, 3 May 2021")  # fmt: skip
    server.site.add("/pmlr/v999/", Reply(index))
    for key in PMLR_KEYS:
        server.site.add(f"/pmlr/v999/{key}.html", Reply(fixture("pmlr", f"{key}.html")))
    summary = run(server, store, tmp_path, "pmlr:v999")
    assert summary.ok and store.count() == 3
    p = store.get("pmlr-v999-binns18a")
    assert p is not None and (p.venue, p.year) == ("PMLR v999", 2021)


def test_unreachable_site_fails_the_source_quickly(store: CorpusStore, tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:  # a port on 127.0.0.1 that nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    summary = refresh(["pmlr:v81"], store, config=make_config(f"http://127.0.0.1:{port}", tmp_path / "c.sqlite"))
    assert not summary.ok and summary.sources[0].failed_entirely
    assert "Connection refused" in (summary.sources[0].error or "")
