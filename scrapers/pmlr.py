"""PMLR (Proceedings of Machine Learning Research, proceedings.mlr.press): one volume.

Pages read (structure as recorded in late 2026; see ``tests/fixtures/scrapers/pmlr``)
    ``{base}/v{N}/`` -- the volume index (Jekyll). ``main.page-content >
    div.wrapper`` holds the ``h2`` "Volume N: <conference>, <dates>, <place>"
    (the year comes from here or the registry, never from ``<title>``, which
    can name another volume), ``div#sectionnav``, optional ``h3[id]``
    section headings (Preface, Keynotes, Contributed Papers ...) and one
    ``div.paper`` per entry: ``p.title`` (bare title), ``p.details >
    span.authors`` (names joined by ``,&nbsp;``), ``span.info`` ("... PMLR
    81:149-159") and ``p.links`` (``[abs]`` with an absolute, sometimes
    ``http://``, href; ``[Download PDF]``; optionally ``[Supplementary PDF]``
    and ``[OpenReview]``).

    ``{base}/v{N}/{key}.html`` -- the paper page: ``div#abstract`` (the
    abstract), repeated ``meta[name=citation_author]`` (authors, in order),
    ``meta[name=citation_title]`` and ``meta[name=citation_publication_date]``
    (``YYYY/MM/DD``). Preface and keynote pages have an empty
    ``div#abstract`` or none at all: they are *not papers*
    (:class:`~scrapers.base.NotAPaper`), remembered by the refresh and not
    fetched again.

Access: web pages, so robots.txt is obeyed (1 s between requests by default).
Ids are ``pmlr-v{N}-{key}`` (e.g. ``pmlr-v81-binns18a``); the embedded
corpus's older ``{venue}{year}-v{N}/{key}`` ids are checked as aliases so those
papers are not fetched again. Conference-year -> volume comes from the venue
registry (``venues.toml``, ``[pmlr.*]``); any other volume works as
``pmlr:vN`` (venue ``PMLR vN``, year from the volume heading).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

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
    year_of,
)
from .http import Fetcher
from .venues import DEFAULT

#: venue -> {year: volume}, from the shipped venue registry.
VOLUMES: dict[str, dict[int, int]] = {v.venue: dict(v.volumes) for v in DEFAULT.pmlr.values()}
#: spec name -> venue label.
VENUE_ALIASES: dict[str, str] = {name: v.venue for name, v in DEFAULT.pmlr.items()}
#: volume -> (venue, year)
BY_VOLUME: dict[int, tuple[str, int]] = DEFAULT.pmlr_by_volume()

_KEY = re.compile(r"/v(\d+)/([A-Za-z0-9_.-]+)\.html$")


def volume_for(venue: str, year: int) -> int:
    """The PMLR volume of ``venue`` (a key of :data:`VOLUMES`) in ``year``; KeyError if unknown."""
    return VOLUMES[venue][year]


def split_pmlr_authors(text: str) -> list[str]:
    """PMLR joins names with ``,&nbsp;`` (a comma, a no-break space, no "and"); split on the commas."""
    return [n for n in (clean(p.replace("\xa0", " ")) for p in text.split(",")) if n]


class PMLRSource(Source):
    """One PMLR volume."""

    name = "pmlr"
    default_base_url = "https://proceedings.mlr.press"

    def __init__(
        self,
        spec: str,
        volume: int,
        *,
        venue: str | None = None,
        year: int | None = None,
        base_url: str | None = None,
    ) -> None:
        super().__init__(spec, base_url=base_url)
        self.volume = volume
        known_venue, known_year = BY_VOLUME.get(volume, (f"PMLR v{volume}", 0))
        self.venue = venue or known_venue
        self.year = year if year is not None else known_year

    def listing(self, fetcher: Fetcher) -> Iterator[Stub]:
        index_url = f"{self.base_url}/v{self.volume}/"
        page = fetcher.get(index_url, policy=self.policy)
        doc = soup(page.text)
        if not self.year:
            heading = doc.select_one("main div.wrapper > h2") or doc.find(["h2", "h1"])
            self.year = year_of(node_text(heading)) or 0
        entries = doc.select("div.paper")
        if not entries:
            raise ParseError(index_url, "no div.paper entries: not a PMLR volume index?")
        stubs: list[Stub] = []
        for entry in entries:
            title = node_text(entry.select_one("p.title"))
            link = None
            for a in entry.select("p.links a[href]"):
                if clean(a.get_text()).lower() == "abs" or str(a["href"]).endswith(".html"):
                    link = urljoin(index_url, str(a["href"]))
                    break
            if not title or not link:
                continue
            m = _KEY.search(link)
            key = m.group(2) if m else link.rsplit("/", 1)[-1].removesuffix(".html")
            if not re.fullmatch(r"[A-Za-z0-9_.-]{1,200}", key):
                continue
            # Index links are absolute (http or https); read pages from our base URL.
            link = f"{self.base_url}/v{self.volume}/{key}.html"
            authors_node = entry.select_one("p.details span.authors")
            authors = split_pmlr_authors(authors_node.get_text() if authors_node else "")
            raw: dict[str, Any] = {
                "id": f"pmlr-v{self.volume}-{key}",
                "title": title,
                "authors": authors,
                "venue": self.venue,
                "year": self.year or None,
                "url": link,
                "source": f"pmlr:v{self.volume}",
            }
            aliases = (
                (f"{self.venue.lower()}{self.year}-v{self.volume}/{key}",) if self.year else ()
            )
            stubs.append(Stub(id=raw["id"], url=link, raw=raw, needs_detail=True, aliases=aliases))
        self.total = len(stubs)
        yield from stubs

    def detail(self, fetcher: Fetcher, stub: Stub) -> dict[str, Any]:
        page = fetcher.get(stub.url, listing=False, policy=self.policy)
        doc = complete_html(page)
        raw = dict(stub.raw)
        node = doc.select_one("div#abstract")
        abstract = node_text(node)
        if not abstract:
            why = "empty div#abstract" if node is not None else "no div#abstract"
            raise NotAPaper(stub.url, f"no abstract ({why}): front matter such as a preface or keynote")
        raw["abstract"] = abstract
        raw["title"] = (
            raw.get("title") or meta_content(doc, "citation_title") or node_text(doc.find("h1"))
        )
        authors = [first_last(a) for a in meta_all(doc, "citation_author")]
        if authors:  # one tag per author, in order: more reliable than the listing's separators
            raw["authors"] = authors
        if not raw.get("year"):
            raw["year"] = year_of(meta_content(doc, "citation_publication_date"))
        return raw
