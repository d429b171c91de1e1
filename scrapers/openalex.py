"""OpenAlex API (api.openalex.org): venues whose publishers' libraries are paywalled.

Access: a documented API, so its terms apply rather than robots.txt. Since
2026-02-13 an API key is required (``api_key=...``, from ``$OPENALEX_API_KEY``;
free at openalex.org); ``mailto`` no longer selects a "polite pool" and is
sent only as identification when ``$TMLMAP_MAILTO`` is set. The documented
limits (>= 0.1 s between requests, one at a time here) are this source's
policy. The key is sent as a query parameter, which the HTTP cache leaves out
of its keys and redacts from stored responses; it is redacted from every URL in
messages and logs too. HTTP 403 means "rate limit exceeded" and 429 "daily
limit exceeded": neither is retried in a loop; the source stops with a message
saying what to do. A refusal of keyless access (401, or a 403 whose message
names the API key) is a :class:`~scrapers.base.NeedsLogin` failure that says
to set ``OPENALEX_API_KEY``.

Endpoint read
    ``{base}/works?filter=doi_starts_with:{PREFIX}&per_page={n}&cursor={c}&api_key={key}``
    -- JSON ``{"meta": {"count", "next_cursor", "per_page", ...}, "results":
    [...], "group_by": []}``, paged with ``cursor`` (``*`` first, then
    ``meta.next_cursor`` until it is null; the last page may carry results
    together with ``next_cursor: null``, or be empty). ``per_page`` is at
    most 100 (the API may echo another number). Fields used per work: ``id``
    (``https://openalex.org/W...``), ``doi``, ``title``/``display_name``,
    ``publication_year``, ``abstract_inverted_index`` (token -> word
    positions; the abstract is rebuilt from it), ``authorships[].author.display_name``,
    ``keywords[]`` (``{id, display_name, score}``: only keywords with a score of
    at least ``min_keyword_score``, 0.5 by default, are kept; below that they are
    generic field labels such as "Medicine"), ``is_paratext`` (front matter) and
    ``primary_location.landing_page_url``.

A venue-year is selected by its proceedings' DOI prefix (every paper's DOI
extends the proceedings DOI), from the venue registry (``[openalex.*]``).
Ids are ``openalex-W...``. Works without an abstract (the proceedings' front
matter among them) are reported as invalid records, with their DOI, and not
stored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from .base import NeedsLogin, ParseError, Source, Stub, clean
from .http import AccessPolicy, Fetcher, HostStopped
from .venues import DEFAULT

#: venue -> {year: proceedings DOI prefix}, from the shipped registry
DOI_PREFIXES: dict[str, dict[int, str]] = {
    v.venue: dict(v.doi_prefixes) for v in DEFAULT.openalex.values()
}
VENUE_ALIASES: dict[str, str] = {name: v.venue for name, v in DEFAULT.openalex.items()}
PAGE_SIZE = 100  # the API's maximum since 2025
MIN_KEYWORD_SCORE = 0.5
KEY_HELP = "set OPENALEX_API_KEY in the environment (a free key from https://openalex.org/)"

POLICY = AccessPolicy(
    kind="api-terms",
    min_delay=0.1,
    concurrency=1,
    terms="https://docs.openalex.org/how-to-use-the-api/rate-limits-and-authentication",
    needs="an API key (OPENALEX_API_KEY)",
)


def rebuild_abstract(inverted: Any) -> str:
    """Rebuild text from OpenAlex's ``abstract_inverted_index`` ({token: [0-based positions]})."""
    if not isinstance(inverted, Mapping):
        return ""
    slots: dict[int, str] = {}
    for word, positions in inverted.items():
        if not isinstance(word, str) or not isinstance(positions, list):
            continue
        for pos in positions:
            if isinstance(pos, int) and not isinstance(pos, bool) and 0 <= pos < 100_000:
                slots[pos] = word
    return clean(" ".join(slots[i] for i in sorted(slots)))


def _error_message(body: str) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    return clean(" ".join(str(data.get(k) or "") for k in ("error", "message")))[:300]


class OpenAlexSource(Source):
    """The works of one venue-year in OpenAlex."""

    name = "openalex"
    default_base_url = "https://api.openalex.org"
    policy = POLICY

    def __init__(
        self,
        spec: str,
        venue: str,
        year: int,
        *,
        prefix: str | None = None,
        base_url: str | None = None,
        page_size: int | None = None,
        mailto: str | None = None,
        api_key: str | None = None,
        min_keyword_score: float = MIN_KEYWORD_SCORE,
    ) -> None:
        super().__init__(spec, base_url=base_url)
        self.venue = venue
        self.year = year
        self.prefix = prefix or DOI_PREFIXES[venue][year]
        self.page_size = min(page_size or PAGE_SIZE, PAGE_SIZE)
        self.mailto = mailto
        self.api_key = api_key
        self.min_keyword_score = min_keyword_score

    def listing(self, fetcher: Fetcher) -> Iterator[Stub]:
        url = f"{self.base_url}/works"
        cursor: str | None = "*"
        while cursor:
            params: dict[str, Any] = {
                "filter": f"doi_starts_with:{self.prefix}",
                "per_page": self.page_size,
                "cursor": cursor,
            }
            if self.mailto:
                params["mailto"] = self.mailto
            if self.api_key:
                params["api_key"] = self.api_key
            page = fetcher.get(
                url,
                params=params,
                policy=self.policy,
                accept_status=(200, 401, 403, 429),
                retry_statuses=frozenset({500, 502, 503, 504}),
            )
            if page.status != 200:
                fetcher.forget(page.url)
                self._refused(page.url, page.status, _error_message(page.text))
            try:
                data = json.loads(page.text)
            except ValueError as exc:
                raise ParseError(page.url, f"not JSON: {exc}") from None
            if not isinstance(data, dict) or not isinstance(data.get("results"), list):
                raise ParseError(page.url, "no 'results' list in the response")
            meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
            if isinstance(meta.get("count"), int):
                self.total = meta["count"]
            results = data["results"]
            for work in results:
                stub = self._stub(work)
                if stub is not None:
                    yield stub
            nxt = meta.get("next_cursor")
            cursor = nxt if isinstance(nxt, str) and nxt and results else None

    def _refused(self, url: str, status: int, message: str) -> None:
        said = f" (OpenAlex said: {message})" if message else ""
        keyless = re.search(r"api[ _-]?key", message, re.I) is not None
        if status == 401 or (status == 403 and keyless):
            if self.api_key:
                raise NeedsLogin(url, f"OpenAlex refused the API key (HTTP {status}){said}; check OPENALEX_API_KEY")
            raise NeedsLogin(url, f"OpenAlex needs an API key (HTTP {status}){said}; {KEY_HELP}")
        if status == 403:
            raise HostStopped(
                url,
                f"OpenAlex rate limit exceeded (HTTP 403){said}; wait a minute and run again "
                "(what was fetched is kept)",
                status=status,
            )
        raise HostStopped(
            url,
            f"OpenAlex daily limit exceeded (HTTP 429){said}; run again tomorrow "
            "(what was fetched is kept)",
            status=status,
        )

    def _stub(self, work: Any) -> Stub | None:
        if not isinstance(work, dict) or not isinstance(work.get("id"), str):
            return None
        wid = work["id"].rstrip("/").rsplit("/", 1)[-1]
        if not re.fullmatch(r"W\d{1,15}", wid):
            return None
        loc = work.get("primary_location") if isinstance(work.get("primary_location"), dict) else {}
        doi = work.get("doi") if isinstance(work.get("doi"), str) else ""
        authors = []
        for a in work.get("authorships") or []:
            if isinstance(a, dict) and isinstance(a.get("author"), dict):
                name = a["author"].get("display_name")
                if isinstance(name, str):
                    authors.append(name)
        keywords = [
            k["display_name"]
            for k in work.get("keywords") or []
            if isinstance(k, dict)
            and isinstance(k.get("display_name"), str)
            and isinstance(k.get("score"), int | float)
            and k["score"] >= self.min_keyword_score
        ]
        title = work.get("title") or work.get("display_name") or ""
        landing = loc.get("landing_page_url") if isinstance(loc.get("landing_page_url"), str) else ""
        raw = {
            "id": f"openalex-{wid}",
            "title": clean(title if isinstance(title, str) else ""),
            "abstract": rebuild_abstract(work.get("abstract_inverted_index")),
            "authors": authors,
            "keywords": keywords,
            "venue": self.venue,
            "year": work.get("publication_year") or self.year,
            "url": doi or landing or work["id"],
            "source": f"openalex:{self.venue.lower()}:{self.year}",
        }
        return Stub(id=raw["id"], url=str(raw["url"]), raw=raw)
