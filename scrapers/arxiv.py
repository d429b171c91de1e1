"""arXiv API (export.arxiv.org/api/query): papers matching a search query.

Endpoint read
    ``{base}/api/query?search_query={Q}&start={k}&max_results={n}&sortBy=submittedDate&sortOrder=descending``
    -- an Atom feed. ``opensearch:totalResults`` gives the total; each
    ``entry`` has ``id`` (``http://arxiv.org/abs/2401.01234v2``), ``title``,
    ``summary`` (abstract), ``published`` (year), ``author/name`` and
    ``category/@term`` (keywords). Paged with ``start`` until an empty page,
    the total, or the configured cap; arXiv asks for 3 s between calls (the
    default delay for its hosts).

Ids are ``arxiv-{id without version}``; the venue is ``arXiv``. The feed is
parsed with lxml with entity resolution and network access off.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from .base import ParseError, Source, Stub, clean, year_of
from .http import Fetcher

NS = {
    "a": "http://www.w3.org/2005/Atom",
    "os": "http://a9.com/-/spec/opensearch/1.1/",
    "arxiv": "http://arxiv.org/schemas/atom",
}
PAGE_SIZE = 100
MAX_RESULTS = 2000

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)


class ArxivSource(Source):
    """The newest ``max_results`` papers matching one arXiv query."""

    name = "arxiv"
    default_base_url = "https://export.arxiv.org"

    def __init__(
        self,
        spec: str,
        query: str,
        *,
        base_url: str | None = None,
        page_size: int | None = None,
        max_results: int | None = None,
        since: int | None = None,
    ) -> None:
        super().__init__(spec, base_url=base_url)
        self.query = query
        self.page_size = page_size or PAGE_SIZE
        self.max_results = max_results or MAX_RESULTS
        self.since = since

    def listing(self, fetcher: Fetcher) -> Iterator[Stub]:
        start = 0
        url = f"{self.base_url}/api/query"
        while start < self.max_results:
            params = {
                "search_query": self.query,
                "start": start,
                "max_results": min(self.page_size, self.max_results - start),
                "sortBy": "submittedDate",
                "sortOrder": "descending",
            }
            page = fetcher.get(url, params=params)
            try:
                root = etree.fromstring(page.content, _PARSER)
            except etree.XMLSyntaxError as exc:
                raise ParseError(page.url, f"not an Atom feed: {exc}") from exc
            total = root.findtext("os:totalResults", namespaces=NS)
            if total and total.strip().isdigit():
                self.total = min(int(total), self.max_results)
            entries = root.findall("a:entry", NS)
            if not entries:
                break
            too_old = False
            for entry in entries:
                stub = self._stub(entry)
                if stub is None:
                    continue
                if self.since and stub.raw.get("year") and stub.raw["year"] < self.since:
                    too_old = True  # sorted newest first: the rest are older still
                    break
                yield stub
            start += len(entries)
            if too_old or (self.total is not None and start >= self.total):
                break

    def _stub(self, entry: etree._Element) -> Stub | None:
        abs_url = clean(entry.findtext("a:id", namespaces=NS))
        m = re.search(r"arxiv\.org/abs/(.+?)(v\d+)?$", abs_url)
        if not m:
            return None
        arxiv_id = m.group(1)
        url = f"https://arxiv.org/abs/{arxiv_id}"
        cats = [c.get("term", "") for c in entry.findall("a:category", NS)]
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
