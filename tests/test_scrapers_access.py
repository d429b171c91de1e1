"""Access rules against a local server: RFC 9309 robots.txt, redirects, per-source policies,
HTTP cache revalidation, credentials kept out of caches, logs and messages, and the CLI's options."""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path

import pytest

from scrapers import cli, refresh
from scrapers.http import AccessPolicy, Fetcher, HttpSettings, redact
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
    make_config,
)
from tmlmap.corpus.store import CorpusStore

pytestmark = pytest.mark.timeout(60)

BINNS = "/pmlr/v81/binns18a.html"


def pmlr(server: LocalServer, store: CorpusStore, tmp_path: Path, **http: object):  # noqa: ANN201
    return refresh(["pmlr:v81"], store, config=make_config(server.url, tmp_path / "http.sqlite", **http))


# -- robots.txt (RFC 9309) ----------------------------------------------------------------


def test_robots_wildcards_and_longest_match(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    # "*" and "$" are wildcards; the longest matching rule wins, whatever the order (RFC 9309 2.2.2)
    server.site.add("/robots.txt", b"User-agent: *\nDisallow: /pmlr/v81/*18a.html$\nAllow: /pmlr/v81/binns*.html$\n", ctype="text/plain")
    summary = pmlr(server, store, tmp_path)
    assert summary.ok, summary.format()
    assert store.count() == 1 and store.get("pmlr-v81-binns18a") is not None
    assert server.site.hits[BINNS] == 1
    for key in ("buolamwini18a", "barabas18a", *PMLR_FRONT):
        assert server.site.hits[f"/pmlr/v81/{key}.html"] == 0
    assert all("disallowed by robots.txt" in why for _, why in summary.sources[0].failed)


def test_first_match_would_differ_from_longest_match(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    # urllib.robotparser takes the first matching line (Allow: /pmlr/) and would fetch everything
    server.site.add("/robots.txt", b"User-agent: *\nAllow: /pmlr/\nDisallow: /pmlr/v81/\n", ctype="text/plain")
    summary = pmlr(server, store, tmp_path)
    assert not summary.ok and summary.sources[0].failure == "not allowed"
    assert server.site.hits_under("/pmlr/") == 0


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 429])
def test_4xx_robots_txt_allows_everything(status: int, server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    server.site.add("/robots.txt", Reply(b"nope", status=status))
    summary = pmlr(server, store, tmp_path)
    assert summary.ok and store.count() == 3
    assert server.site.hits["/robots.txt"] == 1  # read once, not retried


def test_5xx_robots_txt_disallows_everything(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    server.site.add("/robots.txt", Reply(b"down", status=500))
    summary = pmlr(server, store, tmp_path)
    assert summary.sources[0].failure == "not allowed" and server.site.hits_under("/pmlr/") == 0


def test_robots_txt_is_checked_again_on_the_host_a_redirect_leads_to(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    port = server.url.rsplit(":", 1)[1]
    other = f"http://localhost:{port}"  # another host name for the same loopback server
    server.site.add(BINNS, Reply(b"", status=301, headers={"Location": f"{other}/private/binns18a.html"}))
    server.site.add("/private/binns18a.html", Reply(fixture("pmlr", "binns18a.html")))
    summary = pmlr(server, store, tmp_path)
    assert server.site.hits["/robots.txt"] == 2  # 127.0.0.1's and localhost's
    assert server.site.hits["/private/binns18a.html"] == 0  # "Disallow: /private/" on the new host
    assert store.get("pmlr-v81-binns18a") is None and store.count() == 2
    assert any(url.startswith(other) and "robots.txt" in why for url, why in summary.sources[0].failed)


def test_an_allowed_redirect_is_followed(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    server.site.add(BINNS, Reply(b"", status=302, headers={"Location": "/pmlr/v81/moved/binns18a.html"}))
    server.site.add("/pmlr/v81/moved/binns18a.html", Reply(fixture("pmlr", "binns18a.html")))
    assert pmlr(server, store, tmp_path).ok and store.count() == 3


# -- per-source access policy ------------------------------------------------------------------


def test_policies_are_explicit_and_shown(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    summary = refresh(["pmlr:v81", f"arxiv:{ARXIV_QUERY}", "openalex:facct:2023", "iclr:2024"], store, config=make_config(server.url, tmp_path / "h.sqlite"))
    text = summary.format()
    assert text.count("access: robots.txt obeyed") == 1
    assert text.count("robots.txt not consulted") == 3
    assert "needs an OpenReview account" in text and "needs an API key (OPENALEX_API_KEY)" in text


def test_the_arxiv_policy_asks_for_three_seconds_and_it_is_applied(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    from scrapers import arxiv

    fetcher = Fetcher(HttpSettings(cache_path=None, min_delay=0.0))
    fetcher.apply_policy("https://export.arxiv.org/api/query", arxiv.POLICY)
    assert fetcher.throttle.delay_for("export.arxiv.org") == 3.0
    fetcher.close()
    # scaled down (3 s x 0.1 = 0.3 s) so the test is quick, but really waited for
    summary = refresh([f"arxiv:{ARXIV_QUERY}"], store, config=make_config(server.url, None, policy_delay_scale=0.1))
    assert summary.ok
    times = [t for t, p in server.site.times if p.startswith("/arxiv/")]
    assert len(times) == 2 and times[1] - times[0] >= 0.28


# -- the HTTP cache ---------------------------------------------------------------------------


def test_stale_cache_entries_are_revalidated_with_etag(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    server.site.add("/pmlr/v81/", Reply(fixture("pmlr", "v81_index.html"), etag='"v81-1"'))
    first = pmlr(server, store, tmp_path, listing_ttl=0.0)
    assert first.ok and first.revalidated == 0
    time.sleep(0.05)
    second = pmlr(server, store, tmp_path, listing_ttl=0.0)  # the cached index is stale: ask if it changed
    assert second.ok and second.revalidated >= 1
    index_requests = [h for h, (_, p) in zip(server.site.request_headers, server.site.times, strict=True) if p == "/pmlr/v81/"]
    assert len(index_requests) == 2 and index_requests[1].get("If-None-Match") == '"v81-1"'
    assert second.sources[0].skipped == 3  # the 304'd listing was used


def test_credentials_stay_out_of_the_cache_logs_and_messages(server: LocalServer, store: CorpusStore, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    password = "pw-never-shown-9f3"
    server.site.add("POST /openreview/login", Reply(b'{"token": "%s"}' % OPENREVIEW_TOKEN.encode(), headers={"Content-Type": JSON}))
    env = {"OPENREVIEW_USERNAME": "me@example.org", "OPENREVIEW_PASSWORD": password, "OPENALEX_API_KEY": OPENALEX_KEY}
    # a persistent 500 on OpenAlex's second page makes an error message that names the URL
    server.site.add("/openalex/works", Reply(b"oops", status=500), query={"cursor": OPENALEX_NEXT, "api_key": OPENALEX_KEY})
    cache = tmp_path / "http.sqlite"
    summary = refresh(["iclr:2024", "openalex:facct:2023"], store, config=make_config(server.url, cache, env=env))
    assert summary.sources[0].new == 3 and summary.sources[1].fetched >= 1
    text = summary.format()
    assert "api_key=REDACTED" in text  # the failing URL is named, without the key
    everything = text + caplog.text + cache.read_bytes().decode("latin-1")
    for secret in (password, OPENREVIEW_TOKEN, OPENALEX_KEY):
        assert secret not in everything, secret
    # the requests did carry them
    assert any(h.get("Authorization") == f"Bearer {OPENREVIEW_TOKEN}" for h in server.site.request_headers)
    assert any(f"api_key={OPENALEX_KEY}" in q for q in server.site.log)


def test_redact() -> None:
    assert redact("https://x/works?filter=a&api_key=abc123&cursor=*") == "https://x/works?filter=a&api_key=REDACTED&cursor=*"
    assert redact("Authorization: Bearer eyJ.abc-def") == "Authorization: Bearer REDACTED"
    assert redact("?token=t1") == "?token=REDACTED"


# -- the command line ----------------------------------------------------------------------


def _cli(argv: list[str], server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **kw: object) -> int:
    monkeypatch.setattr(cli, "_open_store", lambda args: CorpusStore(args.db))
    args = cli.build_parser().parse_args(["refresh", *argv, "--db", str(tmp_path / "cli.sqlite"), "--no-progress"])
    config = make_config("http://127.0.0.1:9", tmp_path / "http.sqlite", **kw)  # nothing listens on port 9
    return cli.run_refresh(args, config=dataclasses.replace(config, base_urls={}))


def test_cli_base_url_and_venues_file(server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    venues = tmp_path / "venues.toml"
    venues.write_text('[pmlr.fairws]\nvenue = "FairWS"\nvolumes = { 2018 = 81 }\n\n[presets]\nmine = ["fairws:2018"]\n', encoding="utf-8")
    code = _cli(["--preset", "mine", "--venues-file", str(venues), "--base-url", f"pmlr={server.url}/pmlr"], server, tmp_path, monkeypatch)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "fairws:2018: ok" in out
    with CorpusStore(tmp_path / "cli.sqlite") as s:
        p = s.get("pmlr-v81-binns18a")
        assert p is not None and (p.venue, p.year) == ("FairWS", 2018)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["pmlr:v81", "--base-url", "nosuch=http://x"], "SOURCE one of pmlr, neurips"),
        (["pmlr:v81", "--base-url", "pmlr=ftp://x"], "must start with http"),
        (["pmlr:v81", "--venues-file", "/no/such/file.toml"], "cannot read it"),
        (["--preset", "nosuch"], "unknown preset"),
    ],
)
def test_cli_bad_options_exit_2(argv: list[str], message: str, server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(argv, server, tmp_path, monkeypatch) == 2
    assert message in capsys.readouterr().err


def test_cli_bad_venues_file_names_the_entry(server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    venues = tmp_path / "v.toml"
    venues.write_text('[openalex.kdd]\nvenue = "KDD"\ndoi_prefixes = { 2023 = "not-a-doi" }\n', encoding="utf-8")
    assert _cli(["openalex:kdd:2023", "--venues-file", str(venues)], server, tmp_path, monkeypatch) == 2
    err = capsys.readouterr().err
    assert "[openalex.kdd]" in err and "not a DOI prefix" in err
    venues.write_text("[pmlr.x\n", encoding="utf-8")
    assert _cli(["pmlr:v81", "--venues-file", str(venues)], server, tmp_path, monkeypatch) == 2
    assert "not valid TOML" in capsys.readouterr().err


def test_cli_exit_1_when_a_source_needs_login(server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code = _cli(["iclr:2024", "pmlr:v81", "--base-url", f"openreview={server.url}/openreview", "--base-url", f"pmlr={server.url}/pmlr"], server, tmp_path, monkeypatch, env={})
    out = capsys.readouterr().out
    assert code == 1
    assert "iclr:2024: FAILED (needs login)" in out and "pmlr:v81: ok" in out and "OPENREVIEW_USERNAME" in out


def test_pmlr_keys_are_those_served() -> None:
    assert set(PMLR_KEYS).isdisjoint(PMLR_FRONT)
    assert AccessPolicy().kind == "robots"


def test_an_api_policy_limits_concurrency_even_when_settings_allow_more(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    from scrapers import openreview

    fetcher = Fetcher(HttpSettings(cache_path=None, per_host=4, policy_delay_scale=0.0))
    fetcher.apply_policy(f"{server.url}/openreview/notes", openreview.POLICY)
    assert fetcher.throttle._sem("127.0.0.1:" + server.url.rsplit(":", 1)[1])._initial_value == 1
    fetcher.close()


def test_turning_robots_off_is_never_silent(server: LocalServer, store: CorpusStore, tmp_path: Path) -> None:
    server.site.add("/robots.txt", b"User-agent: *\nDisallow: /\n", ctype="text/plain")
    summary = pmlr(server, store, tmp_path, respect_robots=False)
    assert summary.ok and "robots.txt NOT consulted" in summary.format()
