"""The careful HTTP core every scraper goes through.

One :class:`Fetcher` per refresh run owns one ``requests`` session and makes
every call polite and robust:

* a ``User-Agent`` naming the tool and its project URL;
* for web pages, ``robots.txt`` honoured through an RFC 9309 parser
  (``protego``: ``*``/``$`` wildcards, longest match wins), fetched through
  the same session once per origin: a 4xx robots.txt allows everything, a
  5xx or an unreachable one disallows everything (RFC 9309 section 2.3.1);
  redirects are followed by hand so every hop's host is checked; a
  ``Crawl-delay`` longer than ours is obeyed. Documented APIs follow their
  published terms of use instead (:class:`AccessPolicy`, set per source);
* a ``Retry-After`` longer than ``max_retry_after`` stops that host for the
  rest of the run with a clear message, instead of retrying early;
* a per-host minimum delay between requests that reach the network (cache
  hits are free) and a limit on concurrent requests, overall and per host;
* a timeout on every call;
* retries with exponential backoff (and jitter) on connection errors,
  timeouts, truncated bodies, 429 and 5xx, honouring ``Retry-After``;
* a size limit on every response body, enforced while reading, after
  content decoding (so a gzip bomb is cut off too);
* an on-disk HTTP cache (requests-cache, SQLite backend, in the tmlmap data
  directory) so an interrupted refresh resumes without fetching again;
  expired entries are revalidated with conditional requests (ETag /
  Last-Modified, answered by 304) rather than purged; credentials
  (``Authorization`` headers, ``api_key``/token query parameters) are kept
  out of cache keys and redacted from stored responses, and every URL in an
  error message or log line is redacted too; ``force=True`` bypasses the
  cache (and overwrites the cached copy);
* bodies decoded sensibly: declared charset, byte-order mark, ``<meta
  charset>``, UTF-8, then detection (charset-normalizer), never raising.
"""

from __future__ import annotations

import datetime as dt
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
from urllib.parse import urljoin, urlsplit

import requests
from protego import Protego
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
#: Redirect statuses followed (by hand, so robots.txt is checked on every hop).
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5  # RFC 9309 2.3.1.2 asks robots.txt fetchers to follow at least five

#: Query parameters and headers that carry credentials: never in cache keys,
#: stored responses, log lines or error messages.
SECRET_PARAMS = ("api_key", "apikey", "access_token", "token", "password")
SECRET_HEADERS = ("Authorization", "Proxy-Authorization", "X-API-Key", "X-Auth-Token",
                  "X-API-Token", "X-Access-Token", "Cookie")  # fmt: skip
_SECRET_QUERY = re.compile(
    r"(?i)((?:^|[?&;])(?:" + "|".join(SECRET_PARAMS) + r")=)[^&#\s'\")]*"
)
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")


def redact(text: str) -> str:
    """``text`` with credential query values (``api_key=...``) and bearer tokens replaced by ``REDACTED``."""
    text = _SECRET_QUERY.sub(r"\1REDACTED", text)
    return _BEARER.sub(r"\1REDACTED", text)


class _RedactingFilter(logging.Filter):
    """Redacts credentials from log records of the libraries below us (urllib3 logs request lines at DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is passed on untouched
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


_LIBRARY_LOGGERS = ("urllib3", "requests", "requests_cache", "charset_normalizer")


def _install_log_redaction() -> None:
    """Put :class:`_RedactingFilter` on every logger of the HTTP libraries (a logger's filter does not reach its children)."""
    names = [n for n in logging.Logger.manager.loggerDict if n.split(".")[0] in _LIBRARY_LOGGERS]
    for name in {*names, *_LIBRARY_LOGGERS}:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RedactingFilter) for f in logger.filters):
            logger.addFilter(_RedactingFilter())


@dataclass(frozen=True)
class AccessPolicy:
    """How a source may be accessed; set per source and shown in the run summary.

    ``kind`` is ``"robots"`` (web pages: robots.txt is fetched and obeyed) or
    ``"api-terms"`` (a documented API: its published terms of use govern the
    rate, concurrency and identification, and robots.txt, which is written for
    crawlers of web pages, is not consulted; e.g. arXiv's API host disallows
    everything to generic agents while its API terms allow programmatic use at
    one request per three seconds). ``min_delay`` is the gap in seconds
    between two requests to the source's hosts (scaled by
    :attr:`HttpSettings.policy_delay_scale`, which tests set to 0),
    ``concurrency`` the connections at once, ``terms`` the URL of the terms
    followed, ``needs`` what the user must provide (credentials).
    """

    kind: str = "robots"
    min_delay: float = 1.0
    concurrency: int = 1
    terms: str = ""
    needs: str = ""

    def describe(self) -> str:
        """One line for the summary: which rules were followed."""
        if self.kind == "robots":
            rule = f"robots.txt obeyed, >= {self.min_delay:g} s between requests"
        else:
            rule = (
                f"API terms of use ({self.terms or 'published by the site'}): "
                f">= {self.min_delay:g} s between requests, {self.concurrency} at once; "
                "robots.txt not consulted (it is written for crawlers of web pages)"
            )
        return rule + (f"; needs {self.needs}" if self.needs else "")


#: The default for web pages.
ROBOTS_POLICY = AccessPolicy()


@dataclass(frozen=True)
class HttpSettings:
    """Politeness and robustness knobs (tests set the delays to ~0).

    ``min_delay`` is the default gap in seconds between two network requests
    to one host; ``host_delays`` overrides it per host; a source's
    :class:`AccessPolicy` adds its own minimum (times ``policy_delay_scale``:
    1 in real runs, 0 in tests). ``timeout`` is (connect, read) seconds.
    ``max_retries`` counts retries after the first try; the n-th retry waits
    ``backoff_base * 2**n`` seconds (with up to 25% jitter), at most
    ``max_backoff``; a ``Retry-After`` header is honoured up to
    ``max_retry_after`` seconds, and a longer one stops that host for the run.
    ``max_bytes`` caps any response body. ``cache_path`` is the SQLite HTTP
    cache (None = no cache); listings and API pages become stale after
    ``listing_ttl`` seconds, paper pages after ``page_ttl``, and a stale entry
    is revalidated (conditional request) when the site gave an ETag or
    Last-Modified; entries older than ``cache_max_age`` are swept at start.
    ``"auto"`` puts the cache in the tmlmap data directory.
    """

    user_agent: str = field(default_factory=default_user_agent)
    min_delay: float = 1.0
    host_delays: Mapping[str, float] = field(default_factory=dict)
    policy_delay_scale: float = 1.0
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
    cache_max_age: float = 365 * 24 * 3600.0


class FetchError(Exception):
    """A URL could not be fetched; ``url`` and ``status`` (if any) say which and why.

    Both the URL and the message are redacted (:func:`redact`): no credential
    ever reaches a summary, a log or a traceback through this error.
    """

    def __init__(self, url: str, message: str, *, status: int | None = None) -> None:
        self.url = redact(url)
        self.status = status
        self.reason = redact(message)
        super().__init__(f"{self.url}: {self.reason}")


class RobotsDisallowed(FetchError):
    """robots.txt forbids this URL for our User-Agent (or could not be read: RFC 9309 says do not crawl)."""


class Unreachable(FetchError):
    """The host could not be reached at all (DNS, refused or timed-out connection)."""

    def __init__(self, url: str, host: str, cause: str) -> None:
        self.host = host
        super().__init__(url, f"cannot reach {host} (no network?): {cause}")


class HostStopped(FetchError):
    """A host asked us to wait longer than allowed (``Retry-After``); it is not asked again this run."""


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
        self._policy_delay: dict[str, float] = {}
        self._policy_concurrency: dict[str, int] = {}

    def set_crawl_delay(self, host: str, delay: float) -> None:
        with self._lock:
            self._extra_delay[host] = min(delay, self.settings.max_crawl_delay)

    def set_policy(self, host: str, delay: float, concurrency: int) -> None:
        """A source's :class:`AccessPolicy`: at least ``delay`` seconds between requests to ``host``,
        at most ``concurrency`` at once (applies from the next request on)."""
        with self._lock:
            scaled = delay * self.settings.policy_delay_scale
            self._policy_delay[host] = max(self._policy_delay.get(host, 0.0), scaled)
            # the strictest policy wins; the host's semaphore is created with it on first use
            self._policy_concurrency[host] = max(
                1, min(concurrency, self._policy_concurrency.get(host, concurrency))
            )

    def delay_for(self, host: str) -> float:
        """Seconds between two network requests to ``host``: the largest of the settings', robots.txt's and the policy's."""
        base = self.settings.host_delays.get(host, self.settings.min_delay)
        return max(base, self._extra_delay.get(host, 0.0), self._policy_delay.get(host, 0.0))

    def _sem(self, host: str) -> threading.BoundedSemaphore:
        with self._lock:
            sem = self._host_sems.get(host)
            if sem is None:
                limit = min(
                    max(1, self.settings.per_host),
                    self._policy_concurrency.get(host, self.settings.per_host),
                )
                sem = self._host_sems[host] = threading.BoundedSemaphore(max(1, limit))
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
    """The innermost reason of a requests/urllib3 error, short enough for a summary line (redacted)."""
    text = str(exc)
    m = re.search(r"Caused by \w+\([\"']?(.*?)[\"']?\)\)?$", text, re.S)
    if m:
        text = m.group(1)
    text = re.sub(r"^<[^>]+>: |^\w+\(host='[^']*', port=\d+\): ", "", text)
    text = redact(text)
    return text if len(text) <= 200 else text[:197] + "..."


def host_of(url: str) -> str:
    """The ``host[:port]`` of ``url``, lower case."""
    return urlsplit(url).netloc.lower().rpartition("@")[2]


def default_cache_path() -> Path:
    """``<tmlmap data dir>/http_cache.sqlite``."""
    from tmlmap.config import data_dir

    return data_dir() / "http_cache.sqlite"


@dataclass
class _Robots:
    """The robots.txt verdict for one origin: a parser, or allow/deny-all, and why."""

    parser: Protego | None = None
    allow_all: bool = False
    problem: str = ""  # why everything is disallowed, when robots.txt could not be read


class Fetcher:
    """Polite, cached, retrying GETs. Thread-safe; one per refresh run.

    ``stats`` counts network requests, cache hits and revalidations (a stale
    cached copy confirmed by a 304); ``sleep`` is injectable for tests of the
    backoff.
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
        _install_log_redaction()  # after requests_cache's modules (and their loggers) exist
        self._robots: dict[str, _Robots] = {}
        self._robots_lock = threading.Lock()
        self._stats_lock = threading.Lock()
        self._stopped: dict[str, str] = {}  # host -> why it is not asked again this run
        self.stats = {"network": 0, "cache_hits": 0, "revalidated": 0, "retries": 0}

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
                # credentials stay out of cache keys and are redacted from stored responses
                ignored_parameters=(*SECRET_HEADERS, *SECRET_PARAMS),
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
            # Stale entries are kept: they are revalidated with ETag/Last-Modified
            # when used. Only entries older than cache_max_age are swept, so the
            # cache does not grow without bound.
            try:
                cache.delete(older_than=dt.timedelta(seconds=s.cache_max_age))
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
        """Drop ``url`` from the HTTP cache (its copy was unusable, e.g. truncated or a challenge page)."""
        cache = getattr(self.session, "cache", None)
        if cache is None or not url:
            return
        try:
            cache.delete(urls=[url])
        except Exception as exc:  # noqa: BLE001 - best effort
            log.debug("could not drop %s from the cache: %s", redact(url), exc)

    def apply_policy(self, url: str, policy: AccessPolicy) -> None:
        """Make ``policy``'s minimum delay apply to ``url``'s host."""
        self.throttle.set_policy(host_of(url), policy.min_delay, policy.concurrency)

    # -- robots.txt --------------------------------------------------------

    def _robots_for(self, url: str) -> _Robots:
        """The robots.txt verdict for ``url``'s origin, fetched once per run.

        RFC 9309 section 2.3.1: a robots.txt answered with any 4xx
        ("unavailable", 401 and 403 included) allows everything; a 5xx or a
        network failure after retries ("unreachable") disallows everything.
        The robots.txt request itself follows up to five redirects.
        """
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._robots_lock:  # one fetch per origin, even with many workers
            cached = self._robots.get(origin)
            if cached is not None:
                return cached
            robots_url = origin + "/robots.txt"
            verdict = _Robots()
            try:
                page = self._get(
                    robots_url,
                    ttl=self.settings.listing_ttl,
                    accept_status=tuple(range(400, 500)) + (200,),
                    check_robots=False,
                )
            except Unreachable as exc:
                verdict.problem = exc.reason
            except FetchError as exc:
                verdict.problem = (
                    f"robots.txt unreachable ({exc.reason}), so not crawled (RFC 9309 section 2.3.1.4)"
                )
            else:
                if page.status != 200:
                    verdict.allow_all = True
                else:
                    verdict.parser = Protego.parse(page.text)
                    delay = verdict.parser.crawl_delay(self.settings.user_agent)
                    if delay:
                        self.throttle.set_crawl_delay(parts.netloc.lower(), float(delay))
            if verdict.problem:
                log.warning("not crawling %s: %s", origin, verdict.problem)
            self._robots[origin] = verdict
            return verdict

    def check_robots(self, url: str) -> None:
        """Raise :class:`RobotsDisallowed` (or :class:`Unreachable`) unless robots.txt lets us fetch ``url``."""
        if not self.settings.respect_robots:
            return
        verdict = self._robots_for(url)
        if verdict.allow_all:
            return
        if verdict.parser is None:
            if verdict.problem.startswith("cannot reach"):
                raise Unreachable(url, host_of(url), verdict.problem.partition(": ")[2])
            raise RobotsDisallowed(url, verdict.problem or "robots.txt could not be read")
        if not verdict.parser.can_fetch(url, self.settings.user_agent):
            raise RobotsDisallowed(url, "disallowed by robots.txt")

    def allowed(self, url: str) -> bool:
        """Whether robots.txt lets our User-Agent fetch ``url``."""
        try:
            self.check_robots(url)
        except FetchError:
            return False
        return True

    # -- GET ---------------------------------------------------------------

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        listing: bool = True,
        policy: AccessPolicy = ROBOTS_POLICY,
        headers: Mapping[str, str] | None = None,
        refresh: bool = False,
        retry_statuses: frozenset[int] = RETRY_STATUSES,
        accept_status: tuple[int, ...] = (200,),
    ) -> Page:
        """GET ``url`` politely; return a :class:`Page` with a status in ``accept_status`` (200) or raise :class:`FetchError`.

        ``listing`` picks the cache lifetime: listings and API pages change
        (short TTL), paper pages rarely do (long TTL). ``policy`` says whether
        robots.txt applies (web pages) or the source's API terms (then
        robots.txt is not consulted); ``headers`` are extra request headers
        (e.g. ``Authorization``, never cached); ``refresh`` bypasses the cache
        for this request (a cached copy known to be bad); statuses in
        ``retry_statuses`` are retried with backoff.
        """
        full = requests.Request("GET", url, params=params).prepare().url or url
        self.apply_policy(full, policy)
        ttl = self.settings.listing_ttl if listing else self.settings.page_ttl
        return self._get(
            full,
            ttl=ttl,
            check_robots=policy.kind == "robots",
            headers=headers,
            refresh=refresh,
            retry_statuses=retry_statuses,
            accept_status=accept_status,
        )

    def post_json(
        self, url: str, payload: Mapping[str, Any], *, policy: AccessPolicy = ROBOTS_POLICY
    ) -> tuple[int, Any]:
        """POST ``payload`` as JSON (never cached, never retried, never logged); return (status, parsed body or None).

        Used for logins: the payload holds credentials, so errors name only the URL.
        """
        host = host_of(url)
        self._raise_if_stopped(url, host)
        self.apply_policy(url, policy)
        try:
            resp = self.session.post(url, json=dict(payload), timeout=self.settings.timeout)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise Unreachable(url, host, f"{type(exc).__name__}: {_root_cause(exc)}") from None
        except requests.RequestException as exc:
            raise FetchError(url, type(exc).__name__) from None
        with self._stats_lock:
            self.stats["network"] += 1
        try:
            body = resp.json()
        except ValueError:
            body = None
        return resp.status_code, body

    def _raise_if_stopped(self, url: str, host: str) -> None:
        why = self._stopped.get(host)
        if why is not None:
            raise HostStopped(url, why)

    def _get(
        self,
        url: str,
        *,
        ttl: float,
        accept_status: tuple[int, ...] = (200,),
        max_retries: int | None = None,
        check_robots: bool = True,
        headers: Mapping[str, str] | None = None,
        refresh: bool = False,
        retry_statuses: frozenset[int] = RETRY_STATUSES,
    ) -> Page:
        """GET with retries, following redirects by hand (robots.txt re-checked on every new host)."""
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            if check_robots:
                self.check_robots(current)
            resp = self._send(
                current,
                ttl=ttl,
                accept_status=accept_status,
                max_retries=max_retries,
                headers=headers if host_of(current) == host_of(url) else None,
                refresh=refresh,
                retry_statuses=retry_statuses,
            )
            if resp.status in REDIRECT_STATUSES and resp.status not in accept_status:
                location = resp.headers.get("Location") or resp.headers.get("location")
                if not location:
                    raise FetchError(current, f"HTTP {resp.status} without a Location", status=resp.status)
                nxt = urljoin(current, location)
                if urlsplit(nxt).scheme not in ("http", "https"):
                    raise FetchError(current, f"redirect to a non-HTTP URL {nxt!r}")
                current = nxt
                continue
            return resp
        raise FetchError(url, f"more than {MAX_REDIRECTS} redirects")

    def _send(
        self,
        url: str,
        *,
        ttl: float,
        accept_status: tuple[int, ...],
        max_retries: int | None,
        headers: Mapping[str, str] | None,
        refresh: bool,
        retry_statuses: frozenset[int],
    ) -> Page:
        s = self.settings
        host = host_of(url)
        retries = s.max_retries if max_retries is None else max_retries
        attempt = 0
        while True:
            self._raise_if_stopped(url, host)
            kwargs: dict[str, Any] = {"timeout": s.timeout, "allow_redirects": False}
            if headers:
                kwargs["headers"] = dict(headers)
            if s.cache_path is not None:
                kwargs["expire_after"] = ttl
                if self.force or refresh:
                    kwargs["force_refresh"] = True
            wait: float | None = None
            try:
                resp = self.session.get(url, **kwargs)
            except ResponseTooLarge as exc:
                raise FetchError(url, str(exc)) from None
            except (requests.ConnectionError, requests.Timeout) as exc:
                cause = f"{type(exc).__name__}: {_root_cause(exc)}"
                connect_failed = isinstance(exc, requests.ConnectTimeout) or (
                    isinstance(exc, requests.ConnectionError) and _is_connect_failure(exc)
                )
                # a name that does not resolve will not resolve a second later (offline): say so now
                if connect_failed and (attempt >= retries or _is_dns_failure(exc)):
                    raise Unreachable(url, host, cause) from None
                reason = cause
                status = None
            except (
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError,
            ) as exc:
                reason = f"{type(exc).__name__}: {_root_cause(exc)}"
                status = None
            except requests.RequestException as exc:
                raise FetchError(url, f"{type(exc).__name__}: {_root_cause(exc)}") from None
            else:
                from_cache = bool(getattr(resp, "from_cache", False))
                revalidated = bool(getattr(resp, "revalidated", False))
                with self._stats_lock:
                    self.stats["cache_hits" if from_cache else "network"] += 1
                    if revalidated:
                        self.stats["network"] += 1
                        self.stats["revalidated"] += 1
                if resp.status_code in accept_status or resp.status_code in REDIRECT_STATUSES:
                    return Page(
                        url=resp.url or url,
                        status=resp.status_code,
                        content=resp.content or b"",
                        headers=dict(resp.headers),
                        from_cache=from_cache,
                    )
                status = resp.status_code
                reason = f"HTTP {status}"
                if status not in retry_statuses:
                    raise FetchError(url, reason, status=status)
                ra = _retry_after_seconds(resp.headers.get("Retry-After"))
                if ra is not None:
                    if ra > s.max_retry_after:
                        why = (
                            f"{host} asked us to wait {ra:,.6g} s (HTTP {status}, Retry-After), "
                            f"more than the {s.max_retry_after:,.6g} s allowed; stopped asking "
                            f"{host} for this run: try again later"
                        )
                        with self._stats_lock:
                            self._stopped[host] = why
                        raise HostStopped(url, why, status=status)
                    wait = ra
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
            log.info("retrying %s in %.2fs (%s)", redact(url), wait, reason)
            if wait > 0:
                self._sleep(wait)


def _is_dns_failure(exc: BaseException) -> bool:
    """Whether a connection error is a failed host-name lookup (typically: no network)."""
    text = str(exc)
    return any(
        marker in text
        for marker in ("NameResolutionError", "Name or service not known",
                       "Temporary failure in name resolution", "nodename nor servname")
    )  # fmt: skip


def _is_connect_failure(exc: BaseException) -> bool:
    """Whether a requests ConnectionError happened before any answer (DNS, refused, unroutable)."""
    import urllib3.exceptions as u3

    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, u3.NewConnectionError | u3.ConnectTimeoutError | ConnectionRefusedError):
            return True
        if isinstance(e, u3.ProtocolError | u3.ReadTimeoutError):
            return False
        stack.extend([getattr(e, "reason", None), e.__cause__, e.__context__])
        stack.extend(a for a in getattr(e, "args", ()) if isinstance(a, BaseException))
    return "NameResolution" in str(exc) or "Failed to establish a new connection" in str(exc)
