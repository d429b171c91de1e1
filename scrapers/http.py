"""The careful HTTP core every scraper goes through.

One :class:`Fetcher` per refresh run owns one ``requests`` session and makes
every call polite and robust:

* a ``User-Agent`` naming the tool and its project URL;
* ``robots.txt`` honoured (``urllib.robotparser``), fetched through the same
  session and cached per host, following RFC 9309 (unreachable = disallow);
  a ``Crawl-delay`` longer than ours is obeyed;
* a per-host minimum delay between requests that reach the network (cache
  hits are free) and a limit on concurrent requests, overall and per host;
* a timeout on every call;
* retries with exponential backoff (and jitter) on connection errors,
  timeouts, truncated bodies, 429 and 5xx, honouring ``Retry-After``;
* a size limit on every response body, enforced while reading, after
  content decoding (so a gzip bomb is cut off too);
* an on-disk HTTP cache (requests-cache, SQLite backend, in the tmlmap data
  directory) so an interrupted refresh resumes without fetching again;
  ``force=True`` bypasses it (and overwrites the cached copy);
* bodies decoded sensibly: declared charset, byte-order mark, ``<meta
  charset>``, UTF-8, then detection (charset-normalizer), never raising.
"""

from __future__ import annotations

import email.utils
import logging
import os
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import requests
from requests.adapters import HTTPAdapter

log = logging.getLogger(__name__)

#: Where the tool's source lives; named in the User-Agent so site operators can reach us.
PROJECT_URL = "https://github.com/tmlmap/tmlmap"
USER_AGENT = f"tmlmap-scrape/0.1 (+{PROJECT_URL})"


def default_user_agent() -> str:
    """The User-Agent: tool and project URL, plus the operator's contact from
    ``$TMLMAP_MAILTO`` when set (sites prefer to reach the person running a crawl)."""
    contact = os.environ.get("TMLMAP_MAILTO", "").strip()
    if contact and "\n" not in contact and "\r" not in contact and len(contact) < 200:
        return f"tmlmap-scrape/0.1 (+{PROJECT_URL}; mailto:{contact})"
    return USER_AGENT

#: Status codes worth retrying.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class HttpSettings:
    """Politeness and robustness knobs (tests set the delays to ~0).

    ``min_delay`` is the default gap in seconds between two network requests
    to one host; ``host_delays`` overrides it per host (arXiv asks for 3 s).
    ``timeout`` is (connect, read) seconds. ``max_retries`` counts retries
    after the first try; the n-th retry waits ``backoff_base * 2**n`` seconds
    (with up to 25% jitter), at most ``max_backoff``; a ``Retry-After`` header
    is honoured up to ``max_retry_after`` seconds. ``max_bytes`` caps any
    response body. ``cache_path`` is the SQLite HTTP cache (None = no cache);
    listings and API pages expire after ``listing_ttl`` seconds, paper pages
    after ``page_ttl``. ``"auto"`` puts the cache in the tmlmap data directory.
    """

    user_agent: str = field(default_factory=default_user_agent)
    min_delay: float = 1.0
    host_delays: Mapping[str, float] = field(
        default_factory=lambda: {"export.arxiv.org": 3.0, "arxiv.org": 3.0}
    )
    concurrency: int = 4
    per_host: int = 1
    timeout: tuple[float, float] = (10.0, 60.0)
    max_retries: int = 4
    backoff_base: float = 1.0
    max_backoff: float = 60.0
    max_retry_after: float = 300.0
    max_bytes: int = 50 * 1024 * 1024
    respect_robots: bool = True
    max_crawl_delay: float = 30.0
    cache_path: Path | str | None = "auto"
    listing_ttl: float = 24 * 3600.0
    page_ttl: float = 30 * 24 * 3600.0


class FetchError(Exception):
    """A URL could not be fetched; ``url`` and ``status`` (if any) say which and why."""

    def __init__(self, url: str, message: str, *, status: int | None = None) -> None:
        self.url = url
        self.status = status
        super().__init__(f"{url}: {message}")


class RobotsDisallowed(FetchError):
    """robots.txt forbids this URL for our User-Agent."""


class ResponseTooLarge(requests.RequestException):
    """A response body exceeded :attr:`HttpSettings.max_bytes`."""


@dataclass
class Page:
    """A fetched response: final URL, status, bytes, decoded text, and whether it came from the cache."""

    url: str
    status: int
    content: bytes
    headers: Mapping[str, str]
    from_cache: bool = False
    _text: str | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = decode_body(self.content, self.headers.get("Content-Type", ""))
        return self._text

    def json(self) -> Any:
        import json

        return json.loads(self.text)


# ---------------------------------------------------------------------------
# decoding

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)


def _codec(name: str | None) -> str | None:
    import codecs

    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None


def _header_charset(content_type: str) -> str | None:
    m = re.search(r"charset\s*=\s*([^;\s]+)", content_type or "", re.I)
    return _codec(m.group(1)) if m else None


def decode_body(content: bytes, content_type: str = "") -> str:
    """Decode a response body to text without ever raising.

    Order: the charset declared in ``Content-Type``; a byte-order mark; an
    XML declaration or ``<meta charset>`` in the first 4 KiB; strict UTF-8;
    charset-normalizer's best guess; finally cp1252 with replacement.
    A declared charset that fails to decode strictly is ignored (sites lie).
    """
    if not content:
        return ""
    candidates: list[str | None] = [_header_charset(content_type)]
    if content.startswith(b"\xef\xbb\xbf"):
        candidates.append("utf-8-sig")
    elif content.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates.append("utf-16")
    head = content[:4096]
    for pattern in (_XML_ENCODING, _META_CHARSET):
        m = pattern.search(head)
        if m:
            candidates.append(_codec(m.group(1).decode("ascii", "replace")))
    candidates.append("utf-8")
    for enc in candidates:
        if not enc:
            continue
        try:
            return content.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(content[:1_000_000]).best()
        if best is not None and best.encoding:
            return content.decode(best.encoding, errors="replace")
    except Exception:  # noqa: BLE001 - detection is best effort
        pass
    return content.decode("cp1252", errors="replace")


# ---------------------------------------------------------------------------
# throttling (applies only to requests that reach the network)


class HostThrottle:
    """Per-host minimum delay and concurrency limits, shared by all threads."""

    def __init__(self, settings: HttpSettings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}
        self._host_sems: dict[str, threading.BoundedSemaphore] = {}
        self._global = threading.BoundedSemaphore(max(1, settings.concurrency))
        self._extra_delay: dict[str, float] = {}

    def set_crawl_delay(self, host: str, delay: float) -> None:
        with self._lock:
            self._extra_delay[host] = min(delay, self.settings.max_crawl_delay)

    def delay_for(self, host: str) -> float:
        base = self.settings.host_delays.get(host, self.settings.min_delay)
        return max(base, self._extra_delay.get(host, 0.0))

    def _sem(self, host: str) -> threading.BoundedSemaphore:
        with self._lock:
            sem = self._host_sems.get(host)
            if sem is None:
                sem = self._host_sems[host] = threading.BoundedSemaphore(
                    max(1, self.settings.per_host)
                )
            return sem

    def acquire(self, host: str) -> None:
        self._global.acquire()
        self._sem(host).acquire()
        with self._lock:
            now = time.monotonic()
            last = self._last.get(host)
            slot = now if last is None else max(now, last + self.delay_for(host))
            self._last[host] = slot
        wait = slot - time.monotonic()
        if wait > 0:
            time.sleep(wait)

    def release(self, host: str) -> None:
        self._sem(host).release()
        self._global.release()


class PoliteAdapter(HTTPAdapter):
    """Transport adapter: throttles every network send and caps the body size.

    It sits below requests-cache, so cache hits never wait and never count
    against a host; the body is read in chunks and cut off at ``max_bytes``.
    """

    def __init__(self, throttle: HostThrottle, max_bytes: int, **kwargs: Any) -> None:
        self.throttle = throttle
        self.max_bytes = max_bytes
        super().__init__(**kwargs)

    def send(
        self, request: requests.PreparedRequest, stream: bool = False, **kwargs: Any
    ) -> requests.Response:  # type: ignore[override]
        host = urlsplit(request.url or "").netloc.lower()
        self.throttle.acquire(host)
        try:
            response = super().send(request, stream=True, **kwargs)
            try:
                length = int(response.headers.get("Content-Length") or 0)
            except ValueError:
                length = 0
            if length > self.max_bytes:
                response.close()
                raise ResponseTooLarge(
                    f"Content-Length {length:,} is over the limit of {self.max_bytes:,} bytes"
                )
            chunks: list[bytes] = []
            total = 0
            for chunk in response.iter_content(64 * 1024):
                total += len(chunk)
                if total > self.max_bytes:
                    response.close()
                    raise ResponseTooLarge(f"body is over the limit of {self.max_bytes:,} bytes")
                chunks.append(chunk)
            response._content = b"".join(chunks)
            response._content_consumed = True
            return response
        finally:
            self.throttle.release(host)


# ---------------------------------------------------------------------------
# the fetcher


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _root_cause(exc: BaseException) -> str:
    """The innermost reason of a requests/urllib3 error, short enough for a summary line."""
    text = str(exc)
    m = re.search(r"Caused by \w+\([\"']?(.*?)[\"']?\)\)?$", text, re.S)
    if m:
        text = m.group(1)
    text = re.sub(r"^<[^>]+>: |^\w+\(host='[^']*', port=\d+\): ", "", text)
    return text if len(text) <= 200 else text[:197] + "..."


def default_cache_path() -> Path:
    """``<tmlmap data dir>/http_cache.sqlite``."""
    from tmlmap.config import data_dir

    return data_dir() / "http_cache.sqlite"


class Fetcher:
    """Polite, cached, retrying GETs. Thread-safe; one per refresh run.

    ``stats`` counts network requests and cache hits; ``sleep`` is injectable
    for tests of the backoff.
    """

    def __init__(
        self,
        settings: HttpSettings | None = None,
        *,
        force: bool = False,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings or HttpSettings()
        self.force = force
        self._sleep = sleep
        self.throttle = HostThrottle(self.settings)
        self.session = self._make_session()
        self._robots: dict[str, tuple[RobotFileParser, str]] = {}
        self._robots_lock = threading.Lock()
        self._stats_lock = threading.Lock()
        self.stats = {"network": 0, "cache_hits": 0, "retries": 0}

    def _make_session(self) -> requests.Session:
        s = self.settings
        session: requests.Session
        if s.cache_path is not None:
            import requests_cache

            path = default_cache_path() if s.cache_path == "auto" else Path(s.cache_path)
            path.parent.mkdir(parents=True, exist_ok=True)
            self.cache_path: Path | None = path
            session = requests_cache.CachedSession(
                str(path),
                backend="sqlite",
                expire_after=s.listing_ttl,
                allowable_codes=(200,),
                allowable_methods=("GET",),
                stale_if_error=False,
                cache_control=False,
            )
        else:
            self.cache_path = None
            session = requests.Session()
        adapter = PoliteAdapter(
            self.throttle,
            s.max_bytes,
            pool_connections=max(4, s.concurrency),
            pool_maxsize=max(4, s.concurrency),
        )
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.headers["User-Agent"] = s.user_agent
        cache = getattr(session, "cache", None)
        if cache is not None:
            try:  # keep the cache from growing without bound
                cache.delete(expired=True)
            except Exception as exc:  # noqa: BLE001 - best effort
                log.debug("could not sweep the HTTP cache: %s", exc)
        return session

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def forget(self, url: str) -> None:
        """Drop ``url`` from the HTTP cache (its copy was unusable, e.g. truncated)."""
        cache = getattr(self.session, "cache", None)
        if cache is None or not url:
            return
        try:
            cache.delete(urls=[url])
        except Exception as exc:  # noqa: BLE001 - best effort
            log.debug("could not drop %s from the cache: %s", url, exc)

    # -- robots.txt --------------------------------------------------------

    def _robots_for(self, url: str) -> tuple[RobotFileParser, str]:
        """The parsed robots.txt of ``url``'s origin (fetched once per run) and, if it
        could not be fetched, why.

        Per RFC 9309: 401/403 disallow everything, other 4xx allow everything,
        and an unreachable robots.txt (5xx or network errors, after retries)
        disallows everything.
        """
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._robots_lock:  # one fetch per origin, even with many workers
            cached = self._robots.get(origin)
            if cached is not None:
                return cached
            robots_url = origin + "/robots.txt"
            parser = RobotFileParser(robots_url)
            problem = ""
            try:
                page = self._get(
                    robots_url,
                    ttl=self.settings.listing_ttl,
                    accept_status=(200, 401, 403, 404, 410),
                )
            except FetchError as exc:
                log.warning("robots.txt unreachable, not crawling %s: %s", origin, exc)
                parser.disallow_all = True
                problem = str(exc).removeprefix(f"{robots_url}: ")
            else:
                if page.status in (401, 403):
                    parser.disallow_all = True
                elif page.status != 200:
                    parser.allow_all = True
                else:
                    parser.parse(page.text.splitlines())
                    delay = parser.crawl_delay(self.settings.user_agent)
                    if delay:
                        self.throttle.set_crawl_delay(parts.netloc.lower(), float(delay))
            self._robots[origin] = (parser, problem)
            return parser, problem

    def allowed(self, url: str) -> bool:
        """Whether robots.txt lets our User-Agent fetch ``url``."""
        if not self.settings.respect_robots:
            return True
        parser, _ = self._robots_for(url)
        return parser.can_fetch(self.settings.user_agent, url)

    # -- GET ---------------------------------------------------------------

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        listing: bool = True,
    ) -> Page:
        """GET ``url`` politely; return a :class:`Page` with status 200 or raise :class:`FetchError`.

        ``listing`` picks the cache lifetime: listings and API pages change
        (short TTL), paper pages rarely do (long TTL).
        """
        full = requests.Request("GET", url, params=params).prepare().url or url
        if not self.allowed(full):
            _, problem = self._robots_for(full)
            why = (
                f"robots.txt unreachable ({problem}), so not crawled (RFC 9309)"
                if problem
                else "disallowed by robots.txt"
            )
            raise RobotsDisallowed(full, why)
        ttl = self.settings.listing_ttl if listing else self.settings.page_ttl
        return self._get(full, ttl=ttl)

    def _get(
        self,
        url: str,
        *,
        ttl: float,
        accept_status: tuple[int, ...] = (200,),
        max_retries: int | None = None,
    ) -> Page:
        s = self.settings
        retries = s.max_retries if max_retries is None else max_retries
        attempt = 0
        while True:
            kwargs: dict[str, Any] = {"timeout": s.timeout, "allow_redirects": True}
            if s.cache_path is not None:
                kwargs["expire_after"] = ttl
                if self.force:
                    kwargs["force_refresh"] = True
            wait: float | None = None
            try:
                resp = self.session.get(url, **kwargs)
            except ResponseTooLarge as exc:
                raise FetchError(url, str(exc)) from exc
            except (
                requests.ConnectionError,
                requests.Timeout,
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError,
            ) as exc:
                reason = f"{type(exc).__name__}: {_root_cause(exc)}"
                status = None
            except requests.RequestException as exc:
                raise FetchError(url, f"{type(exc).__name__}: {exc}") from exc
            else:
                from_cache = bool(getattr(resp, "from_cache", False))
                with self._stats_lock:
                    self.stats["cache_hits" if from_cache else "network"] += 1
                if resp.status_code in accept_status:
                    return Page(
                        url=resp.url or url,
                        status=resp.status_code,
                        content=resp.content or b"",
                        headers=dict(resp.headers),
                        from_cache=from_cache,
                    )
                status = resp.status_code
                reason = f"HTTP {status}"
                if status not in RETRY_STATUSES:
                    raise FetchError(url, reason, status=status)
                ra = _retry_after_seconds(resp.headers.get("Retry-After"))
                if ra is not None:
                    wait = min(ra, s.max_retry_after)
            if attempt >= retries:
                raise FetchError(
                    url, f"{reason} (gave up after {attempt + 1} tries)", status=status
                )
            if wait is None:
                wait = min(s.max_backoff, s.backoff_base * (2**attempt))
                wait += random.uniform(0, wait / 4)
            attempt += 1
            with self._stats_lock:
                self.stats["retries"] += 1
            log.info("retrying %s in %.2fs (%s)", url, wait, reason)
            if wait > 0:
                self._sleep(wait)
