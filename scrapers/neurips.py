"""NeurIPS proceedings (proceedings.neurips.cc).

Pages read
    ``{base}/paper_files/paper/{YEAR}`` -- the year listing: ``ul.paper-list``
    of ``li`` entries, each with the title link ``a[href*="-Abstract"]``
    (``a[title="paper title"]`` on current pages) and the authors in
    ``span.paper-authors`` (older pages: ``i``), comma separated.

    ``{base}/paper_files/paper/{YEAR}/hash/{HASH}-Abstract-{Track}.html``
    (``-Abstract.html`` for older years) -- the paper page. The abstract is
    ``p.paper-abstract`` on current pages, else the paragraph(s) after the
    ``h4``/``h3``/``h2`` whose text is "Abstract"; ``meta[name=citation_title]``
    and ``meta[name=citation_author]`` back the title and authors up.

Ids are ``neurips{YEAR}-{HASH}`` (as in the embedded corpus); the track
(Conference, Datasets_and_Benchmarks, ...) becomes a keyword.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .base import (
    ParseError,
    Source,
    Stub,
    complete_html,
    meta_all,
    meta_content,
    node_text,
    soup,
    split_authors,
)
from .http import Fetcher

_HREF = re.compile(
    r"/paper_files/paper/(\d{4})/hash/([0-9a-fA-F]+)-Abstract(?:-([A-Za-z_]+))?\.html"
)


class NeurIPSSource(Source):
    """One NeurIPS year."""

    name = "neurips"
    default_base_url = "https://proceedings.neurips.cc"

    def __init__(self, spec: str, year: int, *, base_url: str | None = None) -> None:
        super().__init__(spec, base_url=base_url)
        self.year = year

    def listing(self, fetcher: Fetcher) -> Iterator[Stub]:
        url = f"{self.base_url}/paper_files/paper/{self.year}"
        page = fetcher.get(url)
        doc = soup(page.text)
        items = doc.select("ul.paper-list li")
        if not items:
            raise ParseError(url, "no ul.paper-list entries: not a NeurIPS year listing?")
        stubs: list[Stub] = []
        seen: set[str] = set()
        for li in items:
            link = li.find("a", href=_HREF)
            if link is None:
                continue
            m = _HREF.search(str(link["href"]))
            assert m is not None
            href = self.base_url + m.group(0)  # relative or absolute, read it from our base URL
            paper_hash = m.group(2).lower()
            pid = f"neurips{self.year}-{paper_hash}"
            if pid in seen:
                continue
            seen.add(pid)
            authors_node = li.select_one("span.paper-authors") or li.find("i")
            track = (m.group(3) or "").replace("_", " ")
            raw: dict[str, Any] = {
                "id": pid,
                "title": node_text(link),
                "authors": split_authors(node_text(authors_node)),
                "venue": "NeurIPS",
                "year": self.year,
                "url": href,
                "keywords": [track] if track and track != "Conference" else [],
                "source": f"neurips:{self.year}",
            }
            stubs.append(Stub(id=pid, url=href, raw=raw, needs_detail=True))
        self.total = len(stubs)
        yield from stubs

    def detail(self, fetcher: Fetcher, stub: Stub) -> dict[str, Any]:
        page = fetcher.get(stub.url, listing=False)
        doc = complete_html(page)
        abstract = node_text(doc.select_one("p.paper-abstract, div.paper-abstract"))
        if not abstract:
            for heading in doc.find_all(["h4", "h3", "h2"]):
                if node_text(heading).lower().rstrip(":") == "abstract":
                    parts = []
                    for sib in heading.find_next_siblings():
                        if sib.name in ("h2", "h3", "h4"):
                            break
                        if sib.name in ("p", "div"):
                            parts.append(node_text(sib))
                    abstract = " ".join(p for p in parts if p)
                    break
        if not abstract or abstract.lower() in ("abstract unavailable", "abstract"):
            raise ParseError(stub.url, "no abstract on the paper page")
        raw = dict(stub.raw)
        raw["abstract"] = abstract
        raw["title"] = raw.get("title") or meta_content(doc, "citation_title")
        if not raw.get("authors"):
            raw["authors"] = meta_all(doc, "citation_author")
        return raw
