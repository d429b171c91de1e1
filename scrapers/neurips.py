"""NeurIPS-style proceedings (proceedings.neurips.cc; MLSys and other hosts of the same software).

Pages read (structure as recorded in late 2026; see ``tests/fixtures/scrapers/neurips``)
    ``{base}/paper_files/paper/{YEAR}`` -- a "book" (``<title>Book</title>``):
    ``header.book-header`` (``h1.book-title``, ``p.book-meta`` "NeurIPS
    2024", optional ``p.book-see-also > a``), then ``ul.paper-list > li``
    entries: ``a[title="paper title"]`` (its text is the title; the href is
    ``.../hash/<32 hex>-Abstract[-<Track>].html``), ``span.paper-authors``
    (names joined by ", ") and an optional ``span.paper-track-badge``. For
    2025 the year page is a small single-track book whose "See also" link
    leads to the main conference (``/paper_files/paper/2025/vol38-main-conference``):
    every "See also" book of the same year is read too.

    ``.../hash/<hash>-Abstract[-<Track>].html`` -- the paper page:
    ``h1.paper-title``, ``p.paper-authors`` (and repeated
    ``meta[name=citation_author]``), ``section.paper-section >
    p.paper-abstract``. That paragraph is never closed and its text holds raw
    ``<`` (``$W<d$``, ``$0<p<1$``, ``<word>``, ``<https://...>``) next to real
    ``<em>``: an HTML tokenizer would swallow text up to the next ``>``, so
    the raw markup between the ``p.paper-abstract`` start tag and
    ``</section>`` is taken and only well-formed known inline tags are
    removed (:func:`raw_abstract`).

Access: web pages, robots.txt obeyed. Ids are ``{venue}{YEAR}-{HASH}`` in
lower case (``neurips2024-...``, ``mlsys2026-...``), as in the embedded corpus;
the venue label comes from the registry (``[proceedings.*]``), so MLSys is
stored as MLSys; a non-main track (Datasets and Benchmarks, Creative AI)
becomes a keyword.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

from .base import (
    NotAPaper,
    ParseError,
    Source,
    Stub,
    clean,
    complete_html,
    first_last,
    meta_all,
    meta_content,
    node_text,
    soup,
)
from .http import Fetcher

_HREF = re.compile(
    r"/paper_files/paper/(\d{4})/hash/([0-9a-fA-F]{32})-Abstract(?:-([A-Za-z_]+))?\.html"
)
_ABSTRACT_START = re.compile(
    r"""<p\b[^<>]*\bclass\s*=\s*(?:"[^"]*\bpaper-abstract\b[^"]*"|'[^']*\bpaper-abstract\b[^']*'|paper-abstract\b)[^<>]*>""",
    re.I,
)
_ABSTRACT_END = re.compile(r"</section\s*>", re.I)
#: Inline tags the abstracts really use; only these, and only well formed
#: (a tag name, then attributes of the form name="value", then >), are removed.
_INLINE_TAG = re.compile(
    r"""</?(em|i|b|strong|sup|sub|br|p|span|a|code|tt|u|s|small|big)"""
    r"""(?:\s+[A-Za-z_:][-A-Za-z0-9_:.]*\s*=\s*(?:"[^"<>]*"|'[^'<>]*'))*\s*/?>""",
    re.I,
)
_TRACKS = {
    "Conference": "",
    "Datasets_and_Benchmarks_Track": "Datasets and Benchmarks",
    "Datasets_and_Benchmarks": "Datasets and Benchmarks",
    "Creative_AI_Track": "Creative AI",
}


def raw_abstract(markup: str) -> str:
    """The abstract of a paper page, read from the raw markup (see the module docstring); ``""`` if none."""
    start = _ABSTRACT_START.search(markup)
    if start is None:
        return ""
    end = _ABSTRACT_END.search(markup, start.end())
    body = markup[start.end() : end.start() if end else len(markup)]
    body = re.sub(r"</p\s*>\s*$", "", body.strip(), flags=re.I)
    # block-ish tags separate words; inline ones (<em>word</em>) must not
    text = _INLINE_TAG.sub(lambda m: " " if m.group(1).lower() in ("br", "p") else "", body)
    return clean(text)


def split_listing_authors(text: str) -> list[str]:
    """Listing author lines join names with ", "."""
    return [n for n in (clean(p) for p in text.replace("\xa0", " ").split(",")) if n]


class NeurIPSSource(Source):
    """One year of a NeurIPS-style proceedings host."""

    name = "neurips"
    default_base_url = "https://proceedings.neurips.cc"

    def __init__(
        self, spec: str, year: int, *, base_url: str | None = None, venue: str = "NeurIPS"
    ) -> None:
        super().__init__(spec, base_url=base_url)
        self.year = year
        self.venue = venue

    def _book(self, fetcher: Fetcher, url: str) -> tuple[list[Any], list[str]]:
        page = fetcher.get(url, policy=self.policy)
        doc = soup(page.text)
        items = doc.select("ul.paper-list > li") or doc.select("ul.paper-list li")
        see_also = []
        for a in doc.select("p.book-see-also a[href]"):
            target = urljoin(url, str(a["href"]))
            path = urlsplit(target).path
            # only books of the same year on the same site, read from our base URL
            if re.fullmatch(rf"/paper_files/paper/{self.year}/[A-Za-z0-9_.-]+/?", path):
                see_also.append(self.base_url + path)
        return items, see_also

    def listing(self, fetcher: Fetcher) -> Iterator[Stub]:
        """Stubs book by book: the year page first, then its "See also" books.

        A "See also" book that cannot be read stops the source *after* the
        papers already listed (status "partial", the book's URL named).
        """
        first = f"{self.base_url}/paper_files/paper/{self.year}"
        queue, done = [first], set()
        seen: set[str] = set()
        count = 0
        while queue:
            url = queue.pop(0)
            if url in done:
                continue
            done.add(url)
            items, see_also = self._book(fetcher, url)
            queue.extend(u for u in see_also if u not in done)
            stubs = self._stubs(items, seen)
            count += len(stubs)
            if url == first and not stubs and not see_also:
                raise ParseError(first, "no ul.paper-list entries: not a proceedings book?")
            # the total grows as books are read; exact once the last one is
            self.total = count if not queue else None
            yield from stubs

    def _stubs(self, items: list[Any], seen: set[str]) -> list[Stub]:
        stubs: list[Stub] = []
        prefix = re.sub(r"[^a-z0-9]+", "", self.venue.lower()) or "neurips"
        for li in items:
            link = li.find("a", href=_HREF)
            if link is None:
                continue
            m = _HREF.search(str(link["href"]))
            assert m is not None
            href = self.base_url + m.group(0)  # relative or absolute, read it from our base URL
            pid = f"{prefix}{self.year}-{m.group(2).lower()}"
            if pid in seen:
                continue
            seen.add(pid)
            track = _TRACKS.get(m.group(3) or "", (m.group(3) or "").replace("_", " "))
            raw: dict[str, Any] = {
                "id": pid,
                "title": node_text(link),
                "authors": split_listing_authors(node_text(li.select_one("span.paper-authors"))),
                "venue": self.venue,
                "year": self.year,
                "url": href,
                "keywords": [track] if track else [],
                "source": self.spec,
            }
            stubs.append(Stub(id=pid, url=href, raw=raw, needs_detail=True))
        return stubs

    def detail(self, fetcher: Fetcher, stub: Stub) -> dict[str, Any]:
        page = fetcher.get(stub.url, listing=False, policy=self.policy)
        doc = complete_html(page)
        abstract = raw_abstract(page.text)
        if not abstract:  # pages older than the current template
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
            raise NotAPaper(stub.url, "no abstract on the paper page")
        raw = dict(stub.raw)
        raw["abstract"] = abstract
        raw["title"] = (
            raw.get("title")
            or node_text(doc.select_one("h1.paper-title"))
            or meta_content(doc, "citation_title")
        )
        authors = [first_last(a) for a in meta_all(doc, "citation_author")]
        if authors:
            raw["authors"] = authors
        elif not raw.get("authors"):
            raw["authors"] = split_listing_authors(node_text(doc.select_one("p.paper-authors")))
        return raw
