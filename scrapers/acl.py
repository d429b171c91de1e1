"""ACL Anthology (aclanthology.org): one volume, from its structured BibTeX export.

Endpoint read
    ``{base}/volumes/{VOLUME}.bib`` (e.g. ``2024.trustnlp-1``, ``2023.acl-long``)
    -- the volume's BibTeX: an ``@proceedings`` entry (the front matter,
    skipped) then one ``@inproceedings`` per paper with ``title``,
    ``author`` ("Last, First and ..."), ``year``, ``url``
    (``https://aclanthology.org/{paper id}/``) and ``abstract``. Parsed with
    bibtexparser (LaTeX accents decoded); a malformed entry is reported and
    skipped. No HTML page is scraped.

Ids are the Anthology paper ids (``2024.trustnlp-1.7``); the venue is the
collection's name (``trustnlp`` -> ``TrustNLP``, ``acl`` -> ``ACL``, ...).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

from .base import ParseError, Source, Stub, clean, year_of
from .http import Fetcher

log = logging.getLogger(__name__)

VOLUME_RE = re.compile(r"^(\d{4})\.([a-z0-9]+)-([a-z0-9]+)$")
_PAPER_URL = re.compile(r"aclanthology\.org/([^/\s]+?)/?$")

#: collection slug -> venue label (others are upper-cased)
VENUE_NAMES = {
    "acl": "ACL", "emnlp": "EMNLP", "naacl": "NAACL", "eacl": "EACL", "aacl": "AACL",
    "findings": "Findings", "tacl": "TACL", "cl": "CL", "coling": "COLING", "conll": "CoNLL",
    "trustnlp": "TrustNLP", "gebnlp": "GeBNLP", "blackboxnlp": "BlackboxNLP", "woah": "WOAH",
    "c3nlp": "C3NLP", "ltedi": "LT-EDI", "privatenlp": "PrivateNLP", "nlp4pi": "NLP4PI",
}  # fmt: skip


def _person(name: str) -> str:
    """``Last, First`` -> ``First Last``."""
    name = clean(name.replace("{", "").replace("}", ""))
    if "," in name:
        last, _, first = name.partition(",")
        return clean(f"{first} {last}")
    return name


class ACLSource(Source):
    """One ACL Anthology volume."""

    name = "acl"
    default_base_url = "https://aclanthology.org"

    def __init__(self, spec: str, volume: str, *, base_url: str | None = None) -> None:
        super().__init__(spec, base_url=base_url)
        m = VOLUME_RE.match(volume)
        if not m:
            raise ValueError(f"not an ACL Anthology volume id: {volume!r} (e.g. 2024.trustnlp-1)")
        self.volume = volume
        self.year = int(m.group(1))
        self.venue = VENUE_NAMES.get(m.group(2), m.group(2).upper())

    def listing(self, fetcher: Fetcher) -> Iterator[Stub]:
        import bibtexparser
        from bibtexparser.middlewares import LatexDecodingMiddleware

        url = f"{self.base_url}/volumes/{self.volume}.bib"
        page = fetcher.get(url)
        try:
            library = bibtexparser.parse_string(
                page.text, append_middleware=[LatexDecodingMiddleware()]
            )
        except Exception as exc:  # noqa: BLE001 - any parser failure is a bad page
            raise ParseError(url, f"unreadable BibTeX: {exc}") from exc
        for block in library.failed_blocks:
            log.warning(
                "%s: skipped a malformed BibTeX entry at line %s",
                url,
                getattr(block, "start_line", "?"),
            )
        papers = [e for e in library.entries if e.entry_type.lower() == "inproceedings"]
        if not papers and not library.entries:
            raise ParseError(url, "no BibTeX entries")
        self.total = len(papers)
        for entry in papers:
            fields = {k.lower(): str(f.value) for k, f in entry.fields_dict.items()}
            paper_url = clean(fields.get("url", ""))
            m = _PAPER_URL.search(paper_url)
            pid = m.group(1) if m else f"{self.volume}.{entry.key}"
            authors = [
                _person(a) for a in re.split(r"\s+and\s+", fields.get("author", "")) if a.strip()
            ]
            raw: dict[str, Any] = {
                "id": pid,
                "title": clean(fields.get("title", "").replace("{", "").replace("}", "")),
                "abstract": clean(fields.get("abstract", "")),
                "authors": authors,
                "venue": self.venue,
                "year": year_of(fields.get("year", "")) or self.year,
                "url": paper_url or f"{self.base_url}/{pid}/",
                "source": f"acl:{self.volume}",
            }
            yield Stub(id=pid, url=raw["url"], raw=raw)
