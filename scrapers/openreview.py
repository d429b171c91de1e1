"""OpenReview (api2.openreview.net, and api.openreview.net for venues on API v1): accepted papers by venue id.

Access: a documented API, so its terms apply rather than robots.txt: one
connection, >= 1 s between requests, and an **account**. Since 2026 an
anonymous request gets HTTP 200 with an HTML "Verifying your browser |
OpenReview" page instead of JSON. Credentials come only from the environment:
``OPENREVIEW_TOKEN`` (used as is), or ``OPENREVIEW_USERNAME`` and
``OPENREVIEW_PASSWORD`` (exchanged once per run for a token with ``POST
{base}/login``). The token travels as ``Authorization: Bearer ...``, which the
HTTP cache leaves out of its keys and stored responses; neither the password
nor the token is ever logged or shown. A challenge page (detected by its
Content-Type or title, never by status) or a refused login is a
:class:`~scrapers.base.NeedsLogin` failure that says what to set.

Endpoint read
    ``{base}/notes?content.venueid={VENUEID}&offset={k}&limit={n}`` -- JSON
    ``{"notes": [...]}`` with an optional ``"count"``; paged by ``offset``
    until an empty page, a page shorter than ``limit``, or ``count``. ``limit``
    is at most 1000 (more gives a 400 ``ValidationError``, reported with its
    message). API v2 notes wrap every content field as ``{"value": ...}``
    (``title``, ``abstract``, ``authors``, ``keywords``, ``venue``, ``venueid``);
    dates are epoch milliseconds (``pdate``, ``odate``, ``cdate``).

API v1: ICLR up to 2023 and NeurIPS 2021-2022 exist only on API v1; api2
answers an empty ``notes`` list for them. Venue ids listed in the registry's
``[openreview_api_v1]`` go straight to v1, and any venue whose first v2 page
is empty is tried on v1 before the source reports "nothing listed". v1 notes
have flat content values (no ``{"value"}``) and a singular ``invitation``.
The v1 base is ``api.openreview.net`` (or ``<base-url>/v1`` for a mirror given
with ``--base-url openreview=URL``).

Ids are ``{venue}{year}-{note id}`` in lower case (``iclr2024-abc123``), as in
the embedded corpus.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from .base import NeedsLogin, ParseError, Source, Stub, clean
from .http import AccessPolicy, Fetcher, FetchError, Page

FORUM_URL = "https://openreview.net/forum?id={}"
PAGE_SIZE = 1000  # the API's maximum
V2_URL = "https://api2.openreview.net"
V1_URL = "https://api.openreview.net"
CREDENTIALS_HELP = (
    "set OPENREVIEW_USERNAME and OPENREVIEW_PASSWORD (an openreview.net account) "
    "or OPENREVIEW_TOKEN in the environment"
)

POLICY = AccessPolicy(
    kind="api-terms",
    min_delay=1.0,
    concurrency=1,
    terms="https://openreview.net/legal/terms",
    needs="an OpenReview account (OPENREVIEW_USERNAME + OPENREVIEW_PASSWORD, or OPENREVIEW_TOKEN)",
)


def _value(content: dict[str, Any], key: str) -> Any:
    field = content.get(key)
    if isinstance(field, dict):
        return field.get("value")
    return field  # API v1: flat values


def venue_label(venueid: str) -> str:
    """``ICLR.cc/2024/Conference`` -> ``ICLR``; ``TMLR`` -> ``TMLR``."""
    head = venueid.split("/", 1)[0]
    return head.split(".", 1)[0] or venueid


def is_challenge(page: Page) -> bool:
    """Whether a response is OpenReview's browser-verification page rather than API JSON."""
    ctype = page.headers.get("Content-Type", "").lower()
    head = page.text[:4096].lower()
    return "html" in ctype or "verifying your browser" in head or head.lstrip().startswith("<")


class OpenReviewSource(Source):
    """All notes of one OpenReview venue id."""

    name = "openreview"
    default_base_url = V2_URL
    policy = POLICY

    def __init__(
        self,
        spec: str,
        venueid: str,
        *,
        base_url: str | None = None,
        page_size: int | None = None,
        api_v1: bool = False,
        env: Mapping[str, str] | None = None,
        venue: str | None = None,
    ) -> None:
        super().__init__(spec, base_url=base_url)
        self.venueid = venueid
        self.venue = venue or venue_label(venueid)
        m = re.search(r"/(\d{4})(?:/|$)", venueid)
        self.year = int(m.group(1)) if m else None
        self.page_size = min(page_size or PAGE_SIZE, PAGE_SIZE)
        self.api_v1 = api_v1
        self._env = env if env is not None else {}
        if self.base_url == V2_URL:
            self.v1_url = V1_URL
        else:
            self.v1_url = self.base_url + "/v1"
        self._headers: dict[str, str] | None = None

    # -- access ----------------------------------------------------------------

    def _auth_headers(self, fetcher: Fetcher) -> dict[str, str]:
        """``Authorization`` for this run (logging in once), or {} without credentials."""
        if self._headers is not None:
            return self._headers
        token = (self._env.get("OPENREVIEW_TOKEN") or "").strip()
        user = (self._env.get("OPENREVIEW_USERNAME") or "").strip()
        password = self._env.get("OPENREVIEW_PASSWORD") or ""
        if not token and user and password:
            url = f"{self.base_url}/login"
            status, body = fetcher.post_json(
                url, {"id": user, "password": password}, policy=self.policy
            )
            if status != 200 or not isinstance(body, dict) or not isinstance(body.get("token"), str):
                raise NeedsLogin(
                    url,
                    f"OpenReview refused the login (HTTP {status}); check OPENREVIEW_USERNAME "
                    "and OPENREVIEW_PASSWORD (or set OPENREVIEW_TOKEN)",
                )
            token = body["token"]
        elif not token and (user or password):
            raise NeedsLogin(
                f"{self.base_url}/login",
                "only one of OPENREVIEW_USERNAME and OPENREVIEW_PASSWORD is set; set both "
                "(or OPENREVIEW_TOKEN)",
            )
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self._headers

    def _page(self, fetcher: Fetcher, base: str, offset: int) -> tuple[Page, dict[str, Any]]:
        url = f"{base}/notes"
        params = {"content.venueid": self.venueid, "offset": offset, "limit": self.page_size}
        headers = self._auth_headers(fetcher)
        try:
            page = fetcher.get(
                url,
                params=params,
                policy=self.policy,
                headers=headers or None,
                accept_status=(200, 400),
            )
        except FetchError as exc:
            if exc.status in (401, 403):
                raise NeedsLogin(
                    exc.url,
                    f"OpenReview answered HTTP {exc.status}: "
                    + ("the token or login was not accepted; " if headers else "")
                    + CREDENTIALS_HELP,
                ) from None
            raise
        if page.status == 400:
            fetcher.forget(page.url)
            try:
                message = json.loads(page.text).get("message")
            except (ValueError, AttributeError):
                message = None
            raise ParseError(page.url, f"OpenReview refused the query (HTTP 400): {message or page.text[:200]}")
        if is_challenge(page):
            fetcher.forget(page.url)  # never keep a challenge page in the cache
            raise NeedsLogin(
                page.url,
                "OpenReview answered with its 'Verifying your browser' page instead of JSON: "
                + (
                    "even with the credentials given; check them, or try again later"
                    if headers
                    else "an account is needed; " + CREDENTIALS_HELP
                ),
            )
        try:
            data = json.loads(page.text)
        except ValueError as exc:
            raise ParseError(page.url, f"not JSON: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("notes"), list):
            raise ParseError(page.url, "no 'notes' list in the response")
        return page, data

    # -- listing -----------------------------------------------------------------

    def listing(self, fetcher: Fetcher) -> Iterator[Stub]:
        bases = [self.v1_url] if self.api_v1 else [self.base_url, self.v1_url]
        for i, base in enumerate(bases):
            got = 0
            offset = 0
            self.total = None  # a count from the other API version says nothing about this one
            while True:
                page, data = self._page(fetcher, base, offset)
                notes = data["notes"]
                if isinstance(data.get("count"), int) and offset == 0:
                    self.total = data["count"]
                for note in notes:
                    stub = self._stub(note, v1=base == self.v1_url)
                    if stub is not None:
                        got += 1
                        yield stub
                offset += len(notes)
                if (
                    not notes
                    or len(notes) < self.page_size
                    or (self.total is not None and offset >= self.total)
                ):
                    break
            if got or offset or i == len(bases) - 1:
                if self.total is None:
                    self.total = offset
                return
            # an empty first page on v2: the venue may live on API v1

    def _stub(self, note: Any, *, v1: bool) -> Stub | None:
        if not isinstance(note, dict) or not isinstance(note.get("content"), dict):
            return None
        content = note["content"]
        nid = str(note.get("id") or note.get("forum") or "")
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", nid):
            return None
        year = self.year
        if year is None:
            stamp = note.get("pdate") or note.get("odate") or note.get("cdate")
            if isinstance(stamp, int | float) and stamp > 0:
                year = dt.datetime.fromtimestamp(stamp / 1000, tz=dt.UTC).year
        forum = str(note.get("forum") or nid)
        keywords = _value(content, "keywords")
        authors = _value(content, "authors")
        title = _value(content, "title")
        abstract = _value(content, "abstract")
        raw = {
            "id": f"{self.venue.lower()}{year or ''}-{nid}",
            "title": clean(title if isinstance(title, str) else ""),
            "abstract": clean(abstract if isinstance(abstract, str) else ""),
            "authors": [a for a in authors if isinstance(a, str)] if isinstance(authors, list) else [],
            "keywords": [k for k in keywords if isinstance(k, str)] if isinstance(keywords, list) else [],
            "venue": self.venue,
            "year": year,
            "url": FORUM_URL.format(forum),
            "source": f"openreview{'-v1' if v1 else ''}:{self.venueid}",
        }
        return Stub(id=raw["id"], url=raw["url"], raw=raw)
