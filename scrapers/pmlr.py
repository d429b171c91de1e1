"""PMLR (Proceedings of Machine Learning Research, proceedings.mlr.press).

Pages read
    ``{base}/v{N}/`` -- the volume index. Each paper is a ``div.paper`` with
    ``p.title`` (title), ``span.authors`` inside ``p.details`` (authors,
    comma separated, ``&nbsp;`` inside names) and ``p.links`` whose ``abs``
    link names the paper page ``{base}/v{N}/{key}.html`` (read from ``{base}``
    whatever host the absolute link names). The heading
    (``h1``/``h2``, "Volume N: ...") gives a year for volumes not in the table.

    ``{base}/v{N}/{key}.html`` -- the paper page: ``div#abstract`` (abstract),
    ``meta[name=citation_title]`` / ``h1`` (title), ``meta[name=citation_author]``
    (authors), ``meta[name=citation_publication_date]`` (year fallback).

Ids are ``pmlr-v{N}-{key}`` (e.g. ``pmlr-v81-binns18a``); the embedded
corpus's older ``{venue}{year}-v{N}/{key}`` ids are checked as aliases so
those papers are not fetched again.

Volume table (conference, year) -> volume, every entry checked:

=========  =====================================================================
ICML       2013 v28, 2014 v32, 2015 v37, 2016 v48, 2017 v70, 2018 v80, 2019 v97,
           2020 v119, 2021 v139, 2022 v162, 2023 v202, 2024 v235, 2025 v267
AISTATS    2017 v54, 2018 v84, 2019 v89, 2020 v108, 2021 v130, 2022 v151,
           2023 v206, 2024 v238, 2025 v258
COLT       2020 v125, 2021 v134, 2022 v178, 2023 v195, 2024 v247
CLeaR      2022 v177, 2023 v213, 2024 v236
UAI        2022 v180, 2023 v216, 2024 v244
FAT*       2018 v81
=========  =====================================================================

How: ICML 2013-2019, AISTATS 2017-2023 and FAT* 2018 against the PMLR URLs
of the embedded corpus's papers; ICML 2020-2025, AISTATS 2024-2025, COLT 2022
and 2024, CLeaR 2022-2023 and UAI 2022 and 2024 against the ``shortname`` and
``year`` of each volume's ``_config.yml`` (``mlresearch/v{N}`` repositories);
COLT 2020, 2021, 2023, CLeaR 2024 and UAI 2023 against published citations
("Proceedings of Thirty Third Conference on Learning Theory, volume 125 ...")
and paper URLs. Any other volume works as ``pmlr:vN`` (venue ``PMLR vN``,
year from the volume heading or the paper pages).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

from .base import (
    ParseError,
    Source,
    Stub,
    clean,
    complete_html,
    meta_all,
    meta_content,
    node_text,
    soup,
    split_authors,
    year_of,
)
from .http import Fetcher

#: venue -> {year: volume}. See the module docstring for how each was checked.
VOLUMES: dict[str, dict[int, int]] = {
    "ICML": {2013: 28, 2014: 32, 2015: 37, 2016: 48, 2017: 70, 2018: 80, 2019: 97,
             2020: 119, 2021: 139, 2022: 162, 2023: 202, 2024: 235, 2025: 267},
    "AISTATS": {2017: 54, 2018: 84, 2019: 89, 2020: 108, 2021: 130, 2022: 151,
                2023: 206, 2024: 238, 2025: 258},
    "COLT": {2020: 125, 2021: 134, 2022: 178, 2023: 195, 2024: 247},
    "CLeaR": {2022: 177, 2023: 213, 2024: 236},
    "UAI": {2022: 180, 2023: 216, 2024: 244},
    "FAT*": {2018: 81},
}  # fmt: skip

#: spec prefix -> venue in :data:`VOLUMES`.
VENUE_ALIASES = {"icml": "ICML", "aistats": "AISTATS", "colt": "COLT", "clear": "CLeaR",
                 "uai": "UAI", "fat": "FAT*", "fatstar": "FAT*"}  # fmt: skip

#: volume -> (venue, year)
BY_VOLUME: dict[int, tuple[str, int]] = {
    vol: (venue, year) for venue, years in VOLUMES.items() for year, vol in years.items()
}

_KEY = re.compile(r"/v(\d+)/([A-Za-z0-9_.-]+)\.html$")


def volume_for(venue: str, year: int) -> int:
    """The PMLR volume of ``venue`` (a key of :data:`VOLUMES`) in ``year``; KeyError if unknown."""
    return VOLUMES[venue][year]


class PMLRSource(Source):
    """One PMLR volume."""

    name = "pmlr"
    default_base_url = "https://proceedings.mlr.press"

    def __init__(self, spec: str, volume: int, *, base_url: str | None = None) -> None:
        super().__init__(spec, base_url=base_url)
        self.volume = volume
        self.venue, self.year = BY_VOLUME.get(volume, (f"PMLR v{volume}", 0))

    def listing(self, fetcher: Fetcher) -> Iterator[Stub]:
        index_url = f"{self.base_url}/v{self.volume}/"
        page = fetcher.get(index_url)
        doc = soup(page.text)
        if not self.year:
            heading = doc.find(["h1", "h2"])
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
            # Index links are absolute (and sometimes http); read pages from our base URL.
            link = f"{self.base_url}/v{self.volume}/{key}.html"
            authors = split_authors(node_text(entry.select_one("span.authors")))
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
        page = fetcher.get(stub.url, listing=False)
        doc = complete_html(page)
        raw = dict(stub.raw)
        abstract = node_text(doc.select_one("div#abstract"))
        if not abstract:
            raise ParseError(stub.url, "no abstract (div#abstract) on the paper page")
        raw["abstract"] = abstract
        raw["title"] = (
            raw.get("title") or meta_content(doc, "citation_title") or node_text(doc.find("h1"))
        )
        if not raw.get("authors"):
            raw["authors"] = meta_all(doc, "citation_author")
        if not raw.get("year"):
            raw["year"] = year_of(meta_content(doc, "citation_publication_date"))
        return raw
