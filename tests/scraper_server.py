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
        self.inflight = 0
        self.max_inflight = 0
        self.lock = threading.Lock()

    def add(self, path: str, *replies: Reply | bytes, query: dict[str, str] | None = None, ctype: str = "text/html; charset=utf-8") -> None:
        """Serve ``replies`` in turn at ``path`` (when the query has ``query``'s items); replaces an earlier route."""
        items = [r if isinstance(r, Reply) else Reply(r, headers={"Content-Type": ctype}) for r in replies]
        for r in items:
            r.headers.setdefault("Content-Type", ctype)
        with self.lock:
            routes = [(q, rs) for q, rs in self.routes.get(path, []) if q != (query or {})]
            routes.append((query or {}, items))
            # most specific (more query items) first
            routes.sort(key=lambda qr: -len(qr[0]))
            self.routes[path] = routes

    def reply_for(self, raw_path: str) -> Reply:
        parts = urlsplit(raw_path)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        with self.lock:
            self.hits[parts.path] += 1
            self.log.append(raw_path)
            self.times.append((time.monotonic(), parts.path))
            for want, replies in self.routes.get(parts.path, []):
                if all(query.get(k) == v for k, v in want.items()):
                    return replies.pop(0) if len(replies) > 1 else replies[0]
        return Reply(b"not found", status=404, headers={"Content-Type": "text/plain"})

    def hits_under(self, prefix: str) -> int:
        return sum(n for p, n in self.hits.items() if p.startswith(prefix))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    site: FakeSite

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        with self.site.lock:
            self.site.inflight += 1
            self.site.max_inflight = max(self.site.max_inflight, self.site.inflight)
        try:
            self._answer()
        finally:
            with self.site.lock:
                self.site.inflight -= 1

    def _answer(self) -> None:
        with self.site.lock:
            self.site.agents.append(self.headers.get("User-Agent", ""))
        reply = self.site.reply_for(self.path)
        if reply.delay:
            time.sleep(min(reply.delay, MAX_DELAY))
        body = reply.body
        try:
            self.send_response(reply.status)
            for k, v in reply.headers.items():
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
NEURIPS_2023 = (
    "00a6fb1f33b4e8e1a3c8bd1b2a7ab6f1-Abstract-Conference.html",
    "1b4f5d0e2a9c7d3e8f6a0b1c2d3e4f50-Abstract-Conference.html",
    "2c3d4e5f60718293a4b5c6d7e8f90a1b-Abstract-Datasets_and_Benchmarks.html",
)
OPENALEX_NEXT = "IlsxNjg1NTc2MDAwMDAwLCAnaHR0cHM6Ly9vcGVuYWxleC5vcmcvVzQzODAwMDAwMDInXSI="
ARXIV_QUERY = "cat:cs.LG AND abs:fairness"
JSON = "application/json"


def install_all(site: FakeSite) -> None:
    """Serve every saved fixture at the path the real site uses (under its prefix)."""
    site.add("/robots.txt", ROBOTS, ctype="text/plain")
    site.add("/pmlr/v81/", fixture("pmlr", "v81_index.html"))
    for key in PMLR_KEYS:
        site.add(f"/pmlr/v81/{key}.html", fixture("pmlr", f"{key}.html"))
    site.add("/neurips/paper_files/paper/2023", fixture("neurips", "2023_listing.html"))
    for name in NEURIPS_2023:
        site.add(f"/neurips/paper_files/paper/2023/hash/{name}", fixture("neurips", name))
    site.add("/neurips/paper_files/paper/2019", fixture("neurips", "2019_listing.html"))
    name = "0118a063b4aae95277f0bc1752c75abf-Abstract.html"
    site.add(f"/neurips/paper_files/paper/2019/hash/{name}", fixture("neurips", name))
    venue = {"content.venueid": "ICLR.cc/2024/Conference"}
    site.add("/openreview/notes", fixture("openreview", "iclr2024_offset0.json"), query={**venue, "offset": "0"}, ctype=JSON)
    site.add("/openreview/notes", fixture("openreview", "iclr2024_offset2.json"), query={**venue, "offset": "2"}, ctype=JSON)
    site.add("/acl/volumes/2024.trustnlp-1.bib", fixture("acl", "2024.trustnlp-1.bib"), ctype="text/x-bibtex; charset=utf-8")
    atom = "application/atom+xml; charset=UTF-8"
    site.add("/arxiv/api/query", fixture("arxiv", "page_start0.xml"), query={"search_query": ARXIV_QUERY, "start": "0"}, ctype=atom)
    site.add("/arxiv/api/query", fixture("arxiv", "page_start2.xml"), query={"search_query": ARXIV_QUERY, "start": "2"}, ctype=atom)
    site.add("/openalex/works", fixture("openalex", "facct2023_page1.json"), query={"cursor": "*"}, ctype=JSON)
    site.add("/openalex/works", fixture("openalex", "facct2023_page2.json"), query={"cursor": OPENALEX_NEXT}, ctype=JSON)


def make_config(url: str, cache_path: Path | None, **http: object):  # noqa: ANN201 - ScrapeConfig
    """A test configuration: every source at the local server, delays ~0, tiny backoff, page size 2."""
    from scrapers import HttpSettings, ScrapeConfig

    settings = {
        "min_delay": 0.0,
        "host_delays": {},
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
    )
