"""ACL Anthology (aclanthology.org): one volume, from BibTeX (no HTML is scraped).

Endpoints read (structure as recorded in late 2026; see ``tests/fixtures/scrapers/acl``)
    ``{base}/volumes/{VOLUME}.bib`` -- the volume's BibTeX: an
    ``@proceedings`` entry (the front matter, paper number 0, skipped), then
    one ``@inproceedings`` per paper with ``title`` (capitals brace-protected),
    ``author`` ("Last, First" joined by ``  and\\n      ``), ``year``, ``url``
    (``https://aclanthology.org/{paper id}/``) ... but **no abstract**.

    ``{base}/{PAPER-ID}.bib`` -- one paper's BibTeX: the same entry plus
    ``abstract = "..."`` (double quotes; BibTeX escapes such as ``{--}``).

Where the abstracts come from, and why: the per-paper ``.bib`` files. The
alternative, the Anthology's complete export with abstracts, is one file of
the whole Anthology (over 100,000 papers, tens of megabytes compressed): it
would be downloaded whole to read one workshop of 20 papers, it is larger
than the size limit a response may have, and it changes with every paper
added anywhere, so the cache would refetch it all. A per-paper file is a
few kilobytes, is cached with the long paper-page lifetime (then revalidated),
is fetched only for papers not yet stored, and is paced like every other
request (robots.txt obeyed, >= 1 s apart). Parsed with bibtexparser (LaTeX
accents decoded); a malformed entry is reported and skipped.

Ids are the Anthology paper ids (``2024.trustnlp-1.7``); the venue is the
collection's name from the registry's ``[acl.names]`` (``trustnlp`` ->
``TrustNLP``; others upper-cased).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from typing import Any

from .base import NotAPaper, ParseError, Source, Stub, clean, year_of
from .http import Fetcher
from .venues import DEFAULT

log = logging.getLogger(__name__)

VOLUME_RE = re.compile(r"^(\d{4})\.([a-z0-9]+)-([a-z0-9]+)$")
_PAPER_ID = re.compile(r"^(\d{4}\.[a-z0-9]+-[a-z0-9]+)\.(\d{1,4})$")
_PAPER_URL = re.compile(r"aclanthology\.org/([^/\s]+?)/?$")

#: collection slug -> venue label (others are upper-cased), from the shipped registry
VENUE_NAMES: dict[str, str] = dict(DEFAULT.acl_names)


def _person(name: str) -> str:
    """``Last, First`` -> ``First Last``."""
    name = clean(name.replace("{", "").replace("}", ""))
    if "," in name:
        last, _, first = name.partition(",")
        return clean(f"{first} {last}")
    return name


def parse_bibtex(text: str, url: str) -> list[dict[str, str]]:
    """Entries of a BibTeX file as {"ENTRYTYPE", "key", field: value}; :class:`ParseError` if unreadable."""
    import bibtexparser
    from bibtexparser.middlewares import LatexDecodingMiddleware

    try:
        library = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    except Exception as exc:  # noqa: BLE001 - any parser failure is a bad page
        raise ParseError(url, f"unreadable BibTeX: {exc}") from None
    for block in library.failed_blocks:
        log.warning(
            "%s: skipped a malformed BibTeX entry at line %s", url, getattr(block, "start_line", "?")
        )
    out = []
    for entry in library.entries:
        fields = {k.lower(): str(f.value) for k, f in entry.fields_dict.items()}
        fields["ENTRYTYPE"] = entry.entry_type.lower()
        fields["key"] = entry.key
        out.append(fields)
    return out


class ACLSource(Source):
    """One ACL Anthology volume."""

    name = "acl"
    default_base_url = "https://aclanthology.org"

    def __init__(
        self,
        spec: str,
        volume: str,
        *,
        base_url: str | None = None,
        names: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(spec, base_url=base_url)
        m = VOLUME_RE.match(volume)
        if not m:
            raise ValueError(f"not an ACL Anthology volume id: {volume!r} (e.g. 2024.trustnlp-1)")
        self.volume = volume
        self.year = int(m.group(1))
        self.venue = (names or VENUE_NAMES).get(m.group(2), m.group(2).upper())

    def listing(self, fetcher: Fetcher) -> Iterator[Stub]:
        url = f"{self.base_url}/volumes/{self.volume}.bib"
        page = fetcher.get(url, policy=self.policy)
        entries = parse_bibtex(page.text, url)
        if not entries:
            raise ParseError(url, "no BibTeX entries")
        stubs = []
        for fields in entries:
            if fields["ENTRYTYPE"] != "inproceedings":
                continue  # the @proceedings front matter
            m = _PAPER_URL.search(clean(fields.get("url", "")))
            pid = m.group(1) if m else ""
            pm = _PAPER_ID.match(pid)
            if pm is None or pm.group(1) != self.volume:
                log.warning("%s: entry %s has no paper URL of this volume", url, fields["key"])
                continue
            if pm.group(2) == "0":
                continue  # paper number 0 is the front matter
            raw: dict[str, Any] = {
                "id": pid,
                "title": clean(fields.get("title", "").replace("{", "").replace("}", "")),
                "authors": [
                    _person(a) for a in re.split(r"\s+and\s+", fields.get("author", "")) if a.strip()
                ],
                "venue": self.venue,
                "year": year_of(fields.get("year", "")) or self.year,
                "url": f"https://aclanthology.org/{pid}/",
                "source": f"acl:{self.volume}",
            }
            stubs.append(Stub(id=pid, url=f"{self.base_url}/{pid}.bib", raw=raw, needs_detail=True))
        self.total = len(stubs)
        yield from stubs

    def detail(self, fetcher: Fetcher, stub: Stub) -> dict[str, Any]:
        page = fetcher.get(stub.url, listing=False, policy=self.policy)
        entries = [e for e in parse_bibtex(page.text, stub.url) if e["ENTRYTYPE"] == "inproceedings"]
        if not entries:
            raise ParseError(stub.url, "no @inproceedings entry in the paper's BibTeX")
        fields = entries[0]
        abstract = clean(fields.get("abstract", ""))
        if not abstract:
            raise NotAPaper(stub.url, "the paper's BibTeX has no abstract")
        raw = dict(stub.raw)
        raw["abstract"] = abstract
        if fields.get("title"):
            raw["title"] = clean(fields["title"].replace("{", "").replace("}", ""))
        return raw
