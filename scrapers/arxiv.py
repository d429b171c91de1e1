"""arXiv API (export.arxiv.org/api/query): papers matching a search query.

Access: a documented API. arXiv's API host answers robots.txt with
``User-agent: *`` / ``Disallow: /`` (it is written for crawlers of web pages);
the API terms of use (https://info.arxiv.org/help/api/tou.html) allow
programmatic queries at no more than one request every three seconds, on a
single connection, and that is the policy this source follows (shown in the
run summary). No credentials.

Endpoint read
    ``{base}/api/query?search_query={Q}&start={k}&max_results={n}&sortBy=submittedDate&sortOrder=descending``
    -- an Atom feed, in either of the two formats recorded in 2025 (old:
    namespaces declared on each ``opensearch:*``/``arxiv:*`` element, links
    with ``rel``/``type``/``title``, hard-wrapped title and summary; new:
    namespaces on the root, bare ``link[href]``, elements reordered, single-line
    text). Both are read namespace-aware, never by position.
    ``opensearch:totalResults`` gives the total; each ``entry`` has ``id``
    (``http://arxiv.org/abs/2401.01234v2`` or ``.../abs/hep-th/9901001v1``),
    ``title``, ``summary``, ``published``, ``author/name`` and
    ``category/@term``.

Paging: ``start`` from 0 until ``start >= totalResults`` or the cap. A page
with no entries although ``totalResults > start`` (and an entirely blank
body) is a known transient failure of the API: it is asked again, past the
cache, up to ``empty_page_retries`` times before the source stops (keeping
what it has) with a message saying so. The old format's error entry
(``id`` ``http://arxiv.org/api/errors#...``) is reported as an error.

Named papers: a query ``ids=2402.01234,hep-th/9901001`` asks for those ids
(``id_list``) instead of searching. arXiv silently drops unknown ids from the
answer (4 asked, 1 returned, ``totalResults`` 1); the ids it dropped are
reported as invalid records ("arXiv returned no entry for this id").

Ids are ``arxiv-{id without version}``; the venue is ``arXiv``. The feed is
parsed with lxml with entity resolution and network access off.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from .base import ParseError, Source, Stub, clean, year_of
from .http import AccessPolicy, Fetcher, FetchError

NS = {
    "a": "http://www.w3.org/2005/Atom",
    "os": "http://a9.com/-/spec/opensearch/1.1/",
    "arxiv": "http://arxiv.org/schemas/atom",
}
PAGE_SIZE = 100
MAX_RESULTS = 2000
EMPTY_PAGE_RETRIES = 3

POLICY = AccessPolicy(
    kind="api-terms",
    min_delay=3.0,
    concurrency=1,
    terms="https://info.arxiv.org/help/api/tou.html",
)

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
_ID = r"(?:[A-Za-z.-]+/\d{7}|\d{4}\.\d{4,5})"
_ABS = re.compile(rf"arxiv\.org/abs/({_ID})(v\d+)?$")
ID_RE = re.compile(rf"^{_ID}(?:v\d+)?$")
MAX_IDS = 500


class ArxivSource(Source):
    """The newest ``max_results`` papers matching one arXiv query."""

    name = "arxiv"
    default_base_url = "https://export.arxiv.org"
    policy = POLICY

    def __init__(
        self,
        spec: str,
        query: str,
        *,
        base_url: str | None = None,
        page_size: int | None = None,
        max_results: int | None = None,
        since: int | None = None,
        empty_page_retries: int = EMPTY_PAGE_RETRIES,
    ) -> None:
        super().__init__(spec, base_url=base_url)
        self.query = query
        self.ids: tuple[str, ...] | None = None
        if query.startswith("ids="):
            ids = tuple(i.strip() for i in query.removeprefix("ids=").split(",") if i.strip())
            bad = [i for i in ids if not ID_RE.match(i)]
            if not ids or bad or len(ids) > MAX_IDS:
                raise ValueError(
                    f"ids= takes 1 to {MAX_IDS} arXiv ids like 2402.01234 or hep-th/9901001"
                    + (f" (not ids: {', '.join(bad[:5])})" if bad else "")
                )
            self.ids = ids
        self.page_size = page_size or PAGE_SIZE
        self.max_results = max_results or MAX_RESULTS
        self.since = since
        self.empty_page_retries = empty_page_retries

    def _feed(self, fetcher: Fetcher, start: int) -> tuple[str, list[etree._Element]]:
        """One page's URL and entries, asking again (past the cache) when it comes back empty too early."""
        url = f"{self.base_url}/api/query"
        params: dict[str, object]
        if self.ids is not None:
            params = {"id_list": ",".join(self.ids), "start": start,
                      "max_results": min(self.page_size, self.max_results - start)}  # fmt: skip
        else:
            params = {
                "search_query": self.query,
                "start": start,
                "max_results": min(self.page_size, self.max_results - start),
                "sortBy": "submittedDate",
                "sortOrder": "descending",
            }
        for attempt in range(self.empty_page_retries + 1):
            page = fetcher.get(url, params=params, policy=self.policy, refresh=attempt > 0)
            if not page.content.strip():
                entries: list[etree._Element] = []
                total = None
            else:
                try:
                    root = etree.fromstring(page.content, _PARSER)
                except etree.XMLSyntaxError as exc:
                    fetcher.forget(page.url)
                    raise ParseError(page.url, f"not an Atom feed: {exc}") from None
                text = root.findtext("os:totalResults", namespaces=NS)
                total = int(text) if text and text.strip().isdigit() else None
                entries = root.findall("a:entry", NS)
                for entry in entries:
                    eid = entry.findtext("a:id", namespaces=NS) or ""
                    if "/api/errors" in eid:
                        fetcher.forget(page.url)
                        why = clean(entry.findtext("a:summary", namespaces=NS)) or "error"
                        raise ParseError(page.url, f"arXiv reported an error: {why}")
            if total is not None:
                self.total = min(total, self.max_results)
            premature = not entries and (total is None or total > start)
            if not premature:
                return page.url, entries
            fetcher.forget(page.url)  # an empty page must not stay in the cache
        raise FetchError(
            page.url,
            f"arXiv returned an empty page at start={start} of {self.total or 'unknown'} results "
            f"{self.empty_page_retries + 1} times (a known transient API failure); run again later",
        )

    def listing(self, fetcher: Fetcher) -> Iterator[Stub]:
        returned: set[str] = set()
        for stub in self._listing(fetcher):
            returned.add(stub.id.removeprefix("arxiv-"))
            yield stub
        if self.ids is not None:
            for wanted in self.ids:
                bare = re.sub(r"v\d+$", "", wanted)
                if bare not in returned:
                    self.unlisted.append(
                        (f"https://arxiv.org/abs/{bare}", "arXiv returned no entry for this id (unknown id?)")
                    )

    def _listing(self, fetcher: Fetcher) -> Iterator[Stub]:
        start = 0
        while start < self.max_results:
            if self.total is not None and start >= self.total:
                break
            _url, entries = self._feed(fetcher, start)
            if not entries:
                break  # totalResults reached (or 0: nothing matches)
            too_old = False
            for entry in entries:
                stub = self._stub(entry)
                if stub is None:
                    continue
                old = self.since and stub.raw.get("year") and stub.raw["year"] < self.since
                if old and self.ids is None:
                    too_old = True  # sorted newest first: the rest are older still
                    break
                yield stub
            start += len(entries)
            if too_old:
                break

    def _stub(self, entry: etree._Element) -> Stub | None:
        abs_url = clean(entry.findtext("a:id", namespaces=NS))
        m = _ABS.search(abs_url)
        if not m:
            return None
        arxiv_id = m.group(1)
        url = f"https://arxiv.org/abs/{arxiv_id}"
        cats = [c.get("term", "") for c in entry.findall("a:category", NS)]
        primary = entry.find("arxiv:primary_category", NS)
        if primary is not None and primary.get("term") and primary.get("term") not in cats:
            cats.insert(0, primary.get("term", ""))
        raw = {
            "id": f"arxiv-{arxiv_id}",
            "title": clean(entry.findtext("a:title", namespaces=NS)),
            "abstract": clean(entry.findtext("a:summary", namespaces=NS)),
            "authors": [
                clean(a.findtext("a:name", namespaces=NS)) for a in entry.findall("a:author", NS)
            ],
            "keywords": [c for c in cats if c],
            "venue": "arXiv",
            "year": year_of(entry.findtext("a:published", namespaces=NS) or ""),
            "url": url,
            "source": f"arxiv:{self.query}",
        }
        return Stub(id=raw["id"], url=url, raw=raw)


def pdf_link(entry: etree._Element) -> str:
    """The entry's PDF link: ``title="pdf"`` (old format, restored late 2025) or ``/pdf/`` in a bare href (new)."""
    links = entry.findall("a:link", NS)
    for link in links:
        if link.get("title") == "pdf":
            return link.get("href", "")
    for link in links:
        if "/pdf/" in link.get("href", ""):
            return link.get("href", "")
    return ""
