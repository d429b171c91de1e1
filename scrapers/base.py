"""What every source module shares: the :class:`Source` interface, listing stubs, HTML helpers."""

from __future__ import annotations

import html as html_lib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from bs4 import BeautifulSoup

from .http import ROBOTS_POLICY, AccessPolicy, Fetcher, Page, redact


class ParseError(Exception):
    """A page had not the structure we rely on (``url`` names it, redacted)."""

    def __init__(self, url: str, message: str) -> None:
        self.url = redact(url)
        self.reason = redact(message)
        super().__init__(f"{self.url}: {self.reason}")


class NotAPaper(ParseError):
    """The page exists but cannot yield a paper (front matter, a preface, a keynote without abstract).

    The refresh remembers such pages and does not fetch them again on the next
    run (``--force`` does); they are counted apart from failures.
    """


class NeedsLogin(ParseError):
    """The source wants credentials (or answered with a challenge page); the message says what to set."""


@dataclass
class Stub:
    """One paper found on a listing.

    ``raw`` is the (partial) record read from the listing, in the shape
    :func:`tmlmap.corpus.records.validate_record` takes. When ``needs_detail`` is
    true the paper's own page (``url``) must be fetched to complete it (with
    :meth:`Source.detail`); a stub whose id (or one of its ``aliases``) is
    already stored with the same title is skipped without that fetch.
    """

    id: str
    url: str
    raw: dict[str, Any] = field(default_factory=dict)
    needs_detail: bool = False
    aliases: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return str(self.raw.get("title") or "")


class Source:
    """A source of papers: a listing of stubs, and detail pages when needed.

    Subclasses set ``name`` (the module's short name) and implement
    :meth:`listing` (and :meth:`detail` if any stub needs it). ``total`` is
    the number of papers expected, once known (for progress bars).
    """

    name = "source"
    #: How this source may be accessed (robots.txt or an API's terms); see :class:`~scrapers.http.AccessPolicy`.
    policy: AccessPolicy = ROBOTS_POLICY

    def __init__(self, spec: str, *, base_url: str | None = None) -> None:
        self.spec = spec
        self.base_url = (base_url or self.default_base_url).rstrip("/")
        self.total: int | None = None
        #: (url, reason) of papers asked for but not in the listing; reported as invalid records
        self.unlisted: list[tuple[str, str]] = []

    default_base_url = ""

    @property
    def label(self) -> str:
        return self.spec

    def listing(self, fetcher: Fetcher) -> Iterator[Stub]:  # pragma: no cover - interface
        raise NotImplementedError

    def detail(
        self, fetcher: Fetcher, stub: Stub
    ) -> dict[str, Any]:  # pragma: no cover - interface
        raise NotImplementedError(f"{type(self).__name__} has no detail pages")


# ---------------------------------------------------------------------------
# helpers for untrusted markup

_WS = re.compile(r"\s+")


def clean(text: str | None) -> str:
    """Unescape entities, normalise Unicode (NFC), drop control characters, collapse whitespace."""
    if not text:
        return ""
    text = html_lib.unescape(text)
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch for ch in text if ch in "\t\n\r" or unicodedata.category(ch) != "Cc")
    return _WS.sub(" ", text).strip()


def soup(markup: str) -> BeautifulSoup:
    """Parse HTML leniently (lxml); broken or truncated markup still yields a tree."""
    return BeautifulSoup(markup, "lxml")


def complete_html(page: Page) -> BeautifulSoup:
    """Parse a page that must be a whole HTML document.

    A body cut short (a dropped connection behind a proxy, a server that
    died mid-page) still parses, and would give a truncated abstract; the
    sites we read always end their pages with ``</html>``, so a page
    without it is refused (:class:`ParseError`) instead of stored half.
    """
    if b"</html" not in page.content[-4096:].lower():
        raise ParseError(page.url, "page looks truncated (no closing </html>)")
    return soup(page.text)


def node_text(node: Any) -> str:
    """The cleaned text of a tag (tags stripped), or ``""`` for None."""
    if node is None:
        return ""
    return clean(node.get_text(" "))


def meta_content(doc: BeautifulSoup, name: str) -> str:
    tag = doc.find("meta", attrs={"name": name})
    return clean(tag.get("content", "")) if tag is not None else ""


def meta_all(doc: BeautifulSoup, name: str) -> list[str]:
    return [
        clean(t.get("content", ""))
        for t in doc.find_all("meta", attrs={"name": name})
        if t.get("content")
    ]


def first_last(name: str) -> str:
    """``"Last, First"`` (how ``citation_author`` tags often write names) -> ``"First Last"``."""
    last, sep, first = name.partition(",")
    return clean(f"{first} {last}") if sep and first.strip() else clean(name)


def split_authors(text: str) -> list[str]:
    """Split an author line on commas / semicolons / " and "."""
    text = clean(text.replace("\xa0", " "))
    parts = re.split(r"\s*[,;]\s*|\s+and\s+", text)
    return [p for p in (clean(x) for x in parts) if p]


def year_of(text: str) -> int | None:
    m = re.search(r"\b(19\d\d|20\d\d)\b", text or "")
    return int(m.group(1)) if m else None
