"""Failure modes against a local server: 404, 500, 429, timeouts, truncation, bad encodings,
robots.txt, size limits, interruption and resumption, idempotent re-runs, politeness."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from scrapers import RefreshInterrupted, cli, refresh
from tests.scraper_server import PMLR_KEYS, LocalServer, Reply, fixture, make_config
from tmlmap.corpus.store import CorpusStore

pytestmark = pytest.mark.timeout(60)

BINNS = "/pmlr/v81/binns18a.html"
INDEX = "/pmlr/v81/"


def pmlr(server: LocalServer, store: CorpusStore, tmp_path: Path, cache: str = "http.sqlite", http=None, workers: int | None = None, **kw):  # noqa: ANN001, ANN201
    config = make_config(server.url, tmp_path / cache if cache else None, **(http or {}))
    if workers is not None:
        import dataclasses

        config = dataclasses.replace(config, workers=workers)
    return refresh(["pmlr:v81"], store, config=config, **kw)


def detail_hits(server: LocalServer) -> dict[str, int]:
    return {key: server.site.hits[f"/pmlr/v81/{key}.html"] for key in PMLR_KEYS}


# -- HTTP failures ------------------------------------------------------------------


def test_404_on_one_paper_is_a_warning_and_the_run_goes_on(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    server.site.add(BINNS, Reply(b"<html>gone</html>", status=404))
    summary = pmlr(server, store, tmp_path)
    assert summary.ok  # one bad page is not a failed source
    (src,) = summary.sources
    assert src.fetched == 2 and store.count() == 2
    assert src.failed == [(f"{server.url}{BINNS}", "HTTP 404")]
    assert f"{server.url}{BINNS}" in summary.format()
    assert server.site.hits[BINNS] == 1  # a 404 is not retried


def test_500_then_success_is_retried(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    server.site.add(BINNS, Reply(b"oops", status=500), Reply(fixture("pmlr", "binns18a.html")))
    summary = pmlr(server, store, tmp_path)
    assert summary.ok and store.count() == 3
    assert server.site.hits[BINNS] == 2
    assert summary.sources[0].failed == []


def test_persistent_503_gives_up_after_max_retries(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    server.site.add(BINNS, Reply(b"down", status=503))
    summary = pmlr(server, store, tmp_path, http={"max_retries": 2})
    assert server.site.hits[BINNS] == 3  # first try + 2 retries
    assert store.count() == 2
    (url, why), = summary.sources[0].failed
    assert url.endswith(BINNS) and "HTTP 503" in why and "3 tries" in why


def test_429_with_retry_after_is_honoured(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    server.site.add(BINNS, Reply(b"slow down", status=429, headers={"Retry-After": "1"}), Reply(fixture("pmlr", "binns18a.html")))
    start = time.monotonic()
    summary = pmlr(server, store, tmp_path)
    elapsed = time.monotonic() - start
    assert summary.ok and store.count() == 3
    assert elapsed >= 0.95  # waited as asked, not the tiny test backoff
    times = [t for t, p in server.site.times if p == BINNS]
    assert len(times) == 2 and times[1] - times[0] >= 0.95


def test_retry_after_too_long_stops_that_host_with_a_clear_message(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    first = "/pmlr/v81/friedler18a.html"  # the first paper page of the listing
    server.site.add(first, Reply(b"", status=429, headers={"Retry-After": "3600"}), Reply(fixture("pmlr", "friedler18a.html")))
    start = time.monotonic()
    summary = pmlr(server, store, tmp_path, http={"max_retry_after": 0.1}, workers=1)
    assert time.monotonic() - start < 5  # not slept, not retried early
    assert server.site.hits[first] == 1
    text = summary.format()
    assert "asked us to wait 3,600 s" in text and "more than the 0.1 s allowed" in text and "try again later" in text
    # the host is not asked again this run: the later pages are reported, never requested
    assert set(detail_hits(server).values()) == {0} and store.count() == 0
    src = summary.sources[0]
    assert len(src.failed) == 5 and all("stopped asking" in why for _, why in src.failed)
    assert src.failure == "stopped by the site"


def test_timeout_then_success(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    server.site.add(BINNS, Reply(fixture("pmlr", "binns18a.html"), delay=1.5), Reply(fixture("pmlr", "binns18a.html")))
    summary = pmlr(server, store, tmp_path, http={"timeout": (1.0, 0.4)})
    assert summary.ok and store.count() == 3
    assert server.site.hits[BINNS] == 2


def test_persistent_timeout_is_a_failure_with_its_url(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    server.site.add(BINNS, Reply(fixture("pmlr", "binns18a.html"), delay=1.0))
    summary = pmlr(server, store, tmp_path, http={"timeout": (1.0, 0.3), "max_retries": 1})
    assert store.count() == 2
    (url, why), = summary.sources[0].failed
    assert url.endswith(BINNS) and "Timeout" in why


def test_body_cut_short_by_the_connection_is_retried(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    page = fixture("pmlr", "binns18a.html")
    server.site.add(BINNS, Reply(page[:400], truncate=True), Reply(page))
    summary = pmlr(server, store, tmp_path)
    assert summary.ok and store.count() == 3
    assert server.site.hits[BINNS] == 2
    binns = store.get("pmlr-v81-binns18a")
    assert binns is not None and binns.abstract.endswith("fair machine learning.")


def test_truncated_html_document_is_refused_not_stored_half(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    page = fixture("pmlr", "binns18a.html")
    cut = page[: page.index(b"political philosophy in order")]  # mid-abstract, valid HTTP framing
    server.site.add(BINNS, Reply(cut))
    summary = pmlr(server, store, tmp_path)
    assert store.get("pmlr-v81-binns18a") is None and store.count() == 2
    (url, why), = summary.sources[0].failed
    assert url.endswith(BINNS) and "truncated" in why
    # the bad copy was not kept in the cache: once the site is fixed, the next run gets the page
    server.site.add(BINNS, Reply(page))
    pmlr(server, store, tmp_path)
    assert store.get("pmlr-v81-binns18a") is not None
    assert server.site.hits[BINNS] == 2


def test_missing_abstract_is_reported_and_others_stored(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    page = fixture("pmlr", "binns18a.html").replace(b'id="abstract" class="abstract"', b'class="summary"')
    server.site.add(BINNS, Reply(page))
    summary = pmlr(server, store, tmp_path)
    assert summary.ok and store.count() == 2
    src = summary.sources[0]
    assert src.failed == [] and len(src.not_papers) == 3  # with the preface and the keynote
    assert any(url.endswith(BINNS) and "no abstract" in why for url, why in src.not_papers)
    assert f"{server.url}{BINNS}" in summary.format()


def test_a_volume_where_no_page_has_an_abstract_is_failed(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    for key in PMLR_KEYS:
        page = fixture("pmlr", f"{key}.html").replace(b'id="abstract" class="abstract"', b'class="summary"')
        server.site.add(f"/pmlr/v81/{key}.html", Reply(page))
    summary = pmlr(server, store, tmp_path)
    assert not summary.ok and summary.sources[0].failure == "all records invalid"
    assert "pmlr:v81: FAILED (all records invalid)" in summary.format()


def test_non_utf8_page_with_declared_charset(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    text = fixture("pmlr", "binns18a.html").decode("utf-8")
    text = text.replace('<meta charset="utf-8">', '<meta charset="windows-1252">')
    text = text.replace("&lsquo;fair&rsquo;", "\u2018fair\u2019 \u2014 na\u00efve")
    server.site.add(BINNS, Reply(text.encode("cp1252"), headers={"Content-Type": "text/html"}))
    summary = pmlr(server, store, tmp_path)
    assert summary.ok and store.count() == 3
    binns = store.get("pmlr-v81-binns18a")
    assert binns is not None and "\u2018fair\u2019 \u2014 na\u00efve" in binns.abstract


def test_undeclared_non_utf8_bytes_never_crash(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    body = fixture("pmlr", "binns18a.html").replace(b'<meta charset="utf-8">', b"")
    body = body.replace(b"Reuben Binns", b"R\xe9uben Binns").replace(b"What does", b"What \xff\xfe does")
    # the header even claims UTF-8: a lie, the bytes are Latin-1
    server.site.add(BINNS, Reply(body, headers={"Content-Type": "text/html; charset=utf-8"}))
    summary = pmlr(server, store, tmp_path)
    assert summary.ok and store.count() == 3
    binns = store.get("pmlr-v81-binns18a")
    assert binns is not None and binns.abstract.startswith("What ")


def test_robots_disallow_is_honoured(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    server.site.add("/robots.txt", b"User-agent: *\nDisallow: /pmlr/\n", ctype="text/plain")
    summary = pmlr(server, store, tmp_path)
    assert not summary.ok and summary.sources[0].failed_entirely
    assert "robots.txt" in (summary.sources[0].error or "")
    assert server.site.hits_under("/pmlr/") == 0 and store.count() == 0


def test_robots_disallow_for_paper_pages_only(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    server.site.add("/robots.txt", b"User-agent: tmlmap-scrape\nDisallow: /pmlr/v81/binns18a.html\n", ctype="text/plain")
    summary = pmlr(server, store, tmp_path)
    assert summary.ok and store.count() == 2 and server.site.hits[BINNS] == 0
    assert "robots.txt" in summary.sources[0].failed[0][1]


def test_unreachable_robots_txt_means_do_not_crawl(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    server.site.add("/robots.txt", Reply(b"down", status=503))
    summary = pmlr(server, store, tmp_path)
    assert summary.sources[0].failed_entirely and "RFC 9309" in (summary.sources[0].error or "")
    assert server.site.hits["/robots.txt"] == 3 and server.site.hits_under("/pmlr/") == 0


def test_missing_robots_txt_allows_everything(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    server.site.add("/robots.txt", Reply(b"no such file", status=404))
    assert pmlr(server, store, tmp_path).ok and store.count() == 3


def test_crawl_delay_is_obeyed(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    server.site.add("/robots.txt", b"User-agent: *\nCrawl-delay: 1\n", ctype="text/plain")
    summary = refresh(["neurips:2013"], store, config=make_config(server.url, tmp_path / "c.sqlite"))
    assert summary.ok
    (t_robots, first), (t_listing, second), (t_page, _) = server.site.times
    assert (first, second) == ("/robots.txt", "/neurips/paper_files/paper/2013")
    assert t_listing - t_robots >= 0.95 and t_page - t_listing >= 0.95


def test_oversized_response_is_refused(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    summary = pmlr(server, store, tmp_path, http={"max_bytes": 1000})
    assert summary.sources[0].failed_entirely
    assert "limit" in (summary.sources[0].error or "") and store.count() == 0


def test_listing_404_fails_the_source_entirely(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    summary = refresh(["pmlr:v235"], store, config=make_config(server.url, tmp_path / "c.sqlite"))
    assert not summary.ok and summary.sources[0].failed_entirely
    assert f"{server.url}/pmlr/v235/" in summary.format()


# -- resumption, idempotence, incremental ---------------------------------------


def test_interrupted_run_resumes_without_duplicates_or_refetching(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    def ctrl_c_after_first_paper(label: str, done: int, total: int | None) -> None:
        if done == 1:
            raise KeyboardInterrupt

    with pytest.raises(RefreshInterrupted) as info:
        pmlr(server, store, tmp_path, progress=ctrl_c_after_first_paper)
    assert info.value.summary.interrupted and not info.value.summary.ok
    stored_first = store.count()
    assert 1 <= stored_first <= 3  # the completed papers were written
    fp = store.fingerprint()

    summary = pmlr(server, store, tmp_path)
    assert summary.ok
    assert store.count() == 3  # no duplicates
    assert server.site.hits[INDEX] == 1  # the listing came from the on-disk cache
    assert set(detail_hits(server).values()) == {1}  # no page was fetched twice
    assert summary.sources[0].skipped == stored_first
    assert store.fingerprint() != fp or stored_first == 3


def test_rerun_changes_nothing_and_fetches_no_paper_page(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    first = pmlr(server, store, tmp_path)
    assert first.total("new") == 3
    fp = store.fingerprint()
    second = pmlr(server, store, tmp_path)
    src = second.sources[0]
    assert (src.new, src.updated, src.skipped, src.fetched) == (0, 0, 3, 0)
    assert not second.changed and store.fingerprint() == fp and store.count() == 3
    assert set(detail_hits(server).values()) == {1}
    # an API source: records come with the listing, the store finds them unchanged
    for _ in range(2):
        again = refresh(["openalex:facct:2023"], store, config=make_config(server.url, tmp_path / "http.sqlite"))
    assert again.sources[0].unchanged == 2 and again.sources[0].new == 0


def test_changed_title_on_the_listing_refetches_that_paper_only(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    pmlr(server, store, tmp_path)
    index = fixture("pmlr", "v81_index.html").replace(b"Lessons from Political Philosophy", b"Lessons From Philosophy")
    server.site.add(INDEX, Reply(index))
    summary = pmlr(server, store, tmp_path, cache="fresh.sqlite")  # a listing fetched anew
    src = summary.sources[0]
    assert (src.skipped, src.fetched, src.updated) == (2, 1, 1)
    assert detail_hits(server) == {"binns18a": 2, "buolamwini18a": 1, "barabas18a": 1}
    binns = store.get("pmlr-v81-binns18a")
    assert binns is not None and binns.title.endswith("Lessons From Philosophy")


def test_force_refetches_everything_without_duplicates(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    pmlr(server, store, tmp_path)
    summary = pmlr(server, store, tmp_path, force=True)
    assert summary.sources[0].unchanged == 3 and store.count() == 3
    assert server.site.hits[INDEX] == 2 and set(detail_hits(server).values()) == {2}


def test_dry_run_writes_nothing(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    summary = pmlr(server, store, tmp_path, dry_run=True)
    assert summary.sources[0].new == 3 and store.count() == 0
    assert store.get_meta("last_refresh") is None
    assert "would be new 3" in summary.format()


def test_refresh_makes_the_map_stale(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    before = store.fingerprint()
    pmlr(server, store, tmp_path)
    assert store.fingerprint() != before
    assert store.get_meta("last_refresh")


def test_known_ids_of_the_embedded_corpus_count_as_stored(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    from tmlmap.corpus.records import validate_record

    # the embedded corpus names AISTATS/ICML papers "{venue}{year}-v{N}/{key}"
    legacy = validate_record({
        "id": "fat*2018-v81/binns18a", "title": "Fairness in Machine Learning: Lessons from Political Philosophy",
        "abstract": "x", "venue": "FAT*", "year": 2018,
    })  # fmt: skip
    store.upsert([legacy])
    summary = pmlr(server, store, tmp_path)
    assert summary.sources[0].skipped == 1 and server.site.hits[BINNS] == 0


# -- politeness -------------------------------------------------------------------


def test_per_host_delay_and_concurrency_limit(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    summary = pmlr(server, store, tmp_path, http={"min_delay": 0.15, "per_host": 1})
    assert summary.ok
    times = sorted(t for t, _ in server.site.times)
    assert len(times) == 7  # robots.txt, index, 3 papers, preface, keynote
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= 0.13
    assert server.site.max_inflight == 1


def test_user_agent_names_the_tool_and_its_project(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    from scrapers.http import PROJECT_URL, USER_AGENT

    pmlr(server, store, tmp_path)
    assert set(server.site.agents) == {USER_AGENT}
    assert USER_AGENT.startswith("tmlmap-scrape/") and PROJECT_URL in USER_AGENT


# -- the command line ------------------------------------------------------------------


def _cli(argv: list[str], server: LocalServer, tmp_path: Path) -> int:
    args = cli.build_parser().parse_args(["refresh", *argv, "--db", str(tmp_path / "cli.sqlite"), "--no-progress"])
    return cli.run_refresh(args, config=make_config(server.url, tmp_path / "http.sqlite"))


def test_cli_refresh_stores_and_reports(server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "_open_store", lambda args: CorpusStore(args.db))
    assert _cli(["pmlr:v81", "acl:2024.trustnlp-1"], server, tmp_path) == 0
    out = capsys.readouterr().out
    assert "pmlr:v81: ok; listed 5, fetched 3, new 3" in out and "total: fetched 6, new 6" in out
    assert "/acl/2024.trustnlp-1.9.bib  (the paper's BibTeX has no abstract)" in out  # with its URL
    with CorpusStore(tmp_path / "cli.sqlite") as s:
        assert s.count() == 6


def test_cli_exit_code_when_a_source_fails_entirely(server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "_open_store", lambda args: CorpusStore(args.db))
    server.site.add("/robots.txt", b"User-agent: *\nDisallow: /neurips/\n", ctype="text/plain")
    assert _cli(["pmlr:v81", "neurips:2023"], server, tmp_path) == 1
    out = capsys.readouterr().out
    assert "neurips:2023: FAILED" in out and "pmlr:v81: ok" in out


def test_cli_bad_spec_lists_valid_forms(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["refresh", "icml:24"]) == 2
    err = capsys.readouterr().err
    assert "bad source spec 'icml:24'" in err and "openalex:VENUE:YEAR" in err and "pmlr:v235" in err
    assert cli.main(["refresh"]) == 2


def test_cli_rebuild_is_wired(server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "_open_store", lambda args: CorpusStore(args.db))
    calls: list[object] = []
    args = cli.build_parser().parse_args(
        ["refresh", "pmlr:v81", "--rebuild", "--db", str(tmp_path / "cli.sqlite"), "--no-progress"]
    )
    config = make_config(server.url, tmp_path / "http.sqlite")
    assert cli.run_refresh(args, config=config, rebuild=calls.append) == 0
    assert len(calls) == 1


def test_tmlmap_refresh_gets_the_engine_store_opener_and_rebuild() -> None:
    """``tmlmap refresh`` hands the scrapers the engine's hooks (they import only tmlmap.corpus)."""
    from tmlmap.cli import build_parser
    from tmlmap.cli import refresh as cli_refresh
    from tmlmap.cli.store import open_store

    args = build_parser().parse_args(["refresh", "pmlr:v81", "--rebuild"])
    assert args.func.func is cli.run_refresh
    assert args.func.keywords == {"open_store": open_store, "rebuild": cli_refresh.rebuild_map}


