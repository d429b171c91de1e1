"""A local HTTP server for the scraper tests: saved pages in each site's real structure.

Listens on 127.0.0.1 only, on a free port, in a daemon thread. Routes map a
path (plus, optionally, query parameters that must match) to a list of
responses served in turn (the last one repeats), so a test can say "500, then
the page". Every request is counted in :attr:`FakeSite.hits` (by path) and
:attr:`FakeSite.log` (path with query). Slow responses sleep a bounded time.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).parent / "fixtures" / "scrapers"
MAX_DELAY = 3.0  # seconds; no handler ever sleeps longer


@dataclass
class Reply:
    """One response: status, body, headers; ``delay`` before answering; ``truncate`` to cut the body short."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    truncate: bool = False
    etag: str | None = None  # answered with 304 when the request's If-None-Match matches


def fixture(site: str, name: str) -> bytes:
    return (FIXTURES / site / name).read_bytes()


class FakeSite:
    """Routes and hit counts; the handler consults it."""

    def __init__(self) -> None:
        self.routes: dict[str, list[tuple[dict[str, str], list[Reply]]]] = {}
        self.hits: Counter[str] = Counter()
        self.log: list[str] = []
        self.times: list[tuple[float, str]] = []  # (monotonic time, path) of each request
        self.agents: list[str] = []  # User-Agent of each request
        self.request_headers: list[dict[str, str]] = []  # headers of each request
        self.bodies: list[bytes] = []  # bodies of POST requests
        self.auth: dict[str, str] = {}  # path -> Authorization a route requires (else CHALLENGE)
        self.inflight = 0
        self.max_inflight = 0
        self.lock = threading.Lock()

    def add(self, path: str, *replies: Reply | bytes, query: dict[str, str] | None = None, ctype: str = "text/html; charset=utf-8", auth: str | None = None) -> None:
        """Serve ``replies`` in turn at ``path`` (when the query has ``query``'s items); replaces an earlier route.

        ``auth``: the Authorization header the path requires; requests without it get
        OpenReview's challenge page (HTTP 200, text/html). ``path`` may start with
        ``"POST "`` for a POST route.
        """
        if auth is not None:
            self.auth[path] = auth
        items = [r if isinstance(r, Reply) else Reply(r, headers={"Content-Type": ctype}) for r in replies]
        for r in items:
            r.headers.setdefault("Content-Type", ctype)
        with self.lock:
            routes = [(q, rs) for q, rs in self.routes.get(path, []) if q != (query or {})]
            routes.append((query or {}, items))
            # most specific (more query items) first
            routes.sort(key=lambda qr: -len(qr[0]))
            self.routes[path] = routes

    def reply_for(self, raw_path: str, headers: dict[str, str] | None = None, method: str = "GET") -> Reply:
        parts = urlsplit(raw_path)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        key = parts.path if method == "GET" else f"{method} {parts.path}"
        with self.lock:
            self.hits[key] += 1
            self.log.append(raw_path if method == "GET" else f"{method} {raw_path}")
            self.times.append((time.monotonic(), key))
            need = self.auth.get(key)
            if need is not None and (headers or {}).get("Authorization") != need:
                return Reply(CHALLENGE, headers={"Content-Type": "text/html; charset=utf-8"})
            for want, replies in self.routes.get(key, []):
                if all(query.get(k) == v for k, v in want.items()):
                    return replies.pop(0) if len(replies) > 1 else replies[0]
        return Reply(b"not found", status=404, headers={"Content-Type": "text/plain"})

    def hits_under(self, prefix: str) -> int:
        return sum(n for p, n in self.hits.items() if p.startswith(prefix))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    site: FakeSite

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self._serve("POST")

    def _serve(self, method: str) -> None:
        with self.site.lock:
            self.site.inflight += 1
            self.site.max_inflight = max(self.site.max_inflight, self.site.inflight)
        try:
            self._answer(method)
        finally:
            with self.site.lock:
                self.site.inflight -= 1

    def _answer(self, method: str) -> None:
        headers = {k: v for k, v in self.headers.items()}
        with self.site.lock:
            self.site.agents.append(self.headers.get("User-Agent", ""))
            self.site.request_headers.append(headers)
        if method == "POST":
            length = int(self.headers.get("Content-Length") or 0)
            body_in = self.rfile.read(min(length, 1_000_000))
            with self.site.lock:
                self.site.bodies.append(body_in)
        reply = self.site.reply_for(self.path, headers, method)
        if reply.delay:
            time.sleep(min(reply.delay, MAX_DELAY))
        body = reply.body
        status = reply.status
        extra = dict(reply.headers)
        if reply.etag is not None:
            extra["ETag"] = reply.etag
            if self.headers.get("If-None-Match") == reply.etag:
                status, body = 304, b""
                extra.pop("Content-Type", None)
        try:
            self.send_response(status)
            for k, v in extra.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body) + (1000 if reply.truncate else 0)))
            if reply.truncate:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            if reply.truncate:
                self.wfile.flush()
                self.close_connection = True
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class LocalServer:
    """``with LocalServer() as srv:`` -- ``srv.url`` is ``http://127.0.0.1:PORT``, ``srv.site`` the routes."""

    def __init__(self) -> None:
        self.site = FakeSite()
        handler = type("Handler", (_Handler,), {"site": self.site})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        host, port = self.httpd.server_address[:2]
        assert host == "127.0.0.1"
        self.url = f"http://127.0.0.1:{port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> LocalServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


# ---------------------------------------------------------------------------
# the six sites, mounted under one local origin

#: source name -> path prefix on the local server
PREFIX = {
    "pmlr": "/pmlr",
    "neurips": "/neurips",
    "openreview": "/openreview",
    "acl": "/acl",
    "arxiv": "/arxiv",
    "openalex": "/openalex",
}
ROBOTS = b"User-agent: *\nDisallow: /private/\n"
PMLR_KEYS = ("binns18a", "buolamwini18a", "barabas18a")
PMLR_FRONT = ("friedler18a", "sweeney18a")  # the preface (empty abstract) and a keynote (no abstract)
OPENALEX_NEXT = "IlsxNjg1NTc2MDAwMDAwLCAnaHR0cHM6Ly9vcGVuYWxleC5vcmcvVzQzODAwMDAwMDInXSI="
OPENALEX_NEXT2 = "IlsxNjg1NTc2MDAwMDAwLCAnaHR0cHM6Ly9vcGVuYWxleC5vcmcvVzQzODAwMDAwMDMnXSI="
ARXIV_QUERY = "cat:cs.LG AND abs:fairness"
JSON = "application/json"
ATOM = "application/atom+xml; charset=UTF-8"
#: The credentials the local OpenReview and OpenAlex require (test values, not secrets).
OPENREVIEW_TOKEN = "or-test-token-5f2c9a"
OPENALEX_KEY = "oa-test-key-81d7e0"
CHALLENGE = (FIXTURES / "openreview" / "challenge.html").read_bytes()
ACL_PAPERS = ("2024.trustnlp-1.1", "2024.trustnlp-1.7", "2024.trustnlp-1.9", "2024.trustnlp-1.13")


def neurips_pages(prefix: str) -> list[tuple[str, str]]:
    """(fixture name, server path) of the saved NeurIPS-style paper pages whose name starts with ``prefix``."""
    out = []
    for f in sorted((FIXTURES / "neurips").glob(f"{prefix}_*-Abstract*.html")):
        year_or_site, _, rest = f.name.partition("_")
        if prefix == "mlsys":
            year, _, rest = rest.partition("_")
            out.append((f.name, f"/mlsys/paper_files/paper/{year}/hash/{rest}"))
        else:
            out.append((f.name, f"/neurips/paper_files/paper/{year_or_site}/hash/{rest}"))
    return out


def install_all(site: FakeSite) -> None:
    """Serve every saved fixture at the path the real site uses (under its prefix)."""
    site.add("/robots.txt", ROBOTS, ctype="text/plain")
    site.add("/pmlr/v81/", fixture("pmlr", "v81_index.html"))
    for key in PMLR_KEYS + PMLR_FRONT:
        site.add(f"/pmlr/v81/{key}.html", fixture("pmlr", f"{key}.html"))
    for year in ("2013", "2024", "2025"):
        site.add(f"/neurips/paper_files/paper/{year}", fixture("neurips", f"{year}_listing.html"))
        for name, path in neurips_pages(year):
            site.add(path, fixture("neurips", name))
    site.add("/neurips/paper_files/paper/2025/vol38-main-conference", fixture("neurips", "2025_vol38-main-conference.html"))
    site.add("/mlsys/paper_files/paper/2026", fixture("neurips", "mlsys_2026_listing.html"))
    for name, path in neurips_pages("mlsys"):
        site.add(path, fixture("neurips", name))
    bearer = f"Bearer {OPENREVIEW_TOKEN}"
    venue = {"content.venueid": "ICLR.cc/2024/Conference"}
    site.add("/openreview/notes", fixture("openreview", "iclr2024_offset0.json"), query={**venue, "offset": "0"}, ctype=JSON, auth=bearer)
    site.add("/openreview/notes", fixture("openreview", "iclr2024_offset2.json"), query={**venue, "offset": "2"}, ctype=JSON, auth=bearer)
    site.add("/openreview/notes", fixture("openreview", "empty.json"), ctype=JSON, auth=bearer)  # any other venue: nothing on v2
    site.add("/openreview/v1/notes", fixture("openreview", "iclr2023_v1.json"), query={"content.venueid": "ICLR.cc/2023/Conference", "offset": "0"}, ctype=JSON, auth=bearer)
    site.add("/openreview/v1/notes", fixture("openreview", "empty.json"), ctype=JSON, auth=bearer)
    site.add("/acl/volumes/2024.trustnlp-1.bib", fixture("acl", "2024.trustnlp-1.bib"), ctype="text/x-bibtex; charset=utf-8")
    for pid in ACL_PAPERS:
        site.add(f"/acl/{pid}.bib", fixture("acl", f"{pid}.bib"), ctype="text/x-bibtex; charset=utf-8")
    install_arxiv(site, "new")
    site.add("/openalex/works", fixture("openalex", "facct2023_page1.json"), query={"cursor": "*", "api_key": OPENALEX_KEY}, ctype=JSON)
    site.add("/openalex/works", fixture("openalex", "facct2023_page2.json"), query={"cursor": OPENALEX_NEXT, "api_key": OPENALEX_KEY}, ctype=JSON)
    site.add("/openalex/works", fixture("openalex", "facct2023_page3_empty.json"), query={"cursor": OPENALEX_NEXT2, "api_key": OPENALEX_KEY}, ctype=JSON)
    site.add("/openalex/works", Reply(fixture("openalex", "keyless_refused.json"), status=403, headers={"Content-Type": JSON}))


def install_arxiv(site: FakeSite, fmt: str) -> None:
    """Serve the arXiv query in the ``old`` (2025-08) or ``new`` (2025-11) feed format."""
    for start in ("0", "2"):
        site.add("/arxiv/api/query", fixture("arxiv", f"{fmt}_start{start}.xml"), query={"search_query": ARXIV_QUERY, "start": start}, ctype=ATOM)


def make_config(url: str, cache_path: Path | None, *, env: dict[str, str] | None = None, **http: object):  # noqa: ANN201 - ScrapeConfig
    """A test configuration: every source at the local server, delays ~0, tiny backoff, page size 2.

    ``env`` replaces the credentials (default: the test token and key the local server accepts).
    """
    from scrapers import HttpSettings, ScrapeConfig

    settings = {
        "min_delay": 0.0,
        "host_delays": {},
        "policy_delay_scale": 0.0,
        "timeout": (2.0, 2.0),
        "max_retries": 2,
        "backoff_base": 0.01,
        "max_backoff": 0.05,
        "max_retry_after": 2.0,
        "cache_path": cache_path,
        **http,
    }
    return ScrapeConfig(
        http=HttpSettings(**settings),  # type: ignore[arg-type]
        base_urls={name: url + prefix for name, prefix in PREFIX.items()},
        page_size=2,
        workers=2,
        batch_size=2,
        mailto="tests@example.org",
        env={"OPENREVIEW_TOKEN": OPENREVIEW_TOKEN, "OPENALEX_API_KEY": OPENALEX_KEY} if env is None else env,
    )
