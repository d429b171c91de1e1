"""OpenReview API v2 (api2.openreview.net): accepted papers of a venue by venue id.

Endpoint read
    ``{base}/notes?content.venueid={VENUEID}&offset={k}&limit={n}`` -- JSON
    ``{"notes": [...], "count": N}``, paged by ``offset`` until a short page
    or ``count`` is reached. Each note's ``content`` fields are wrapped as
    ``{"value": ...}``: ``title``, ``abstract``, ``authors`` (list),
    ``keywords`` (author keywords, list), ``venue`` and ``venueid``. The note's
    ``id``/``forum`` make the forum URL; ``pdate`` (or ``cdate``, epoch ms)
    gives the year when the venue id has none (TMLR).

Venue ids: ``ICLR.cc/2024/Conference``, ``NeurIPS.cc/2023/Conference``,
``TMLR`` (accepted papers; rejected ones carry another venue id). Ids are
``{venue}{year}-{note id}`` in lower case (``iclr2024-abc123``), as in the
embedded corpus.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from .base import ParseError, Source, Stub, clean
from .http import Fetcher

FORUM_URL = "https://openreview.net/forum?id={}"
PAGE_SIZE = 1000  # the API's maximum


def _value(content: dict[str, Any], key: str) -> Any:
    field = content.get(key)
    if isinstance(field, dict):
        return field.get("value")
    return field  # API v1 style, tolerated


def venue_label(venueid: str) -> str:
    """``ICLR.cc/2024/Conference`` -> ``ICLR``; ``TMLR`` -> ``TMLR``."""
    head = venueid.split("/", 1)[0]
    return head.split(".", 1)[0] or venueid


class OpenReviewSource(Source):
    """All notes of one OpenReview venue id."""

    name = "openreview"
    default_base_url = "https://api2.openreview.net"

    def __init__(
        self, spec: str, venueid: str, *, base_url: str | None = None, page_size: int | None = None
    ) -> None:
        super().__init__(spec, base_url=base_url)
        self.venueid = venueid
        self.venue = venue_label(venueid)
        m = re.search(r"/(\d{4})(?:/|$)", venueid)
        self.year = int(m.group(1)) if m else None
        self.page_size = page_size or PAGE_SIZE

    def listing(self, fetcher: Fetcher) -> Iterator[Stub]:
        offset = 0
        url = f"{self.base_url}/notes"
        while True:
            params = {"content.venueid": self.venueid, "offset": offset, "limit": self.page_size}
            page = fetcher.get(url, params=params)
            try:
                data = page.json()
            except ValueError as exc:
                raise ParseError(page.url, f"not JSON: {exc}") from exc
            notes = data.get("notes") if isinstance(data, dict) else None
            if not isinstance(notes, list):
                raise ParseError(page.url, "no 'notes' list in the response")
            if isinstance(data.get("count"), int):
                self.total = data["count"]
            for note in notes:
                stub = self._stub(note, page.url)
                if stub is not None:
                    yield stub
            offset += len(notes)
            if (
                len(notes) < self.page_size
                or (self.total is not None and offset >= self.total)
                or not notes
            ):
                if self.total is None:
                    self.total = offset
                return

    def _stub(self, note: Any, where: str) -> Stub | None:
        if not isinstance(note, dict) or not isinstance(note.get("content"), dict):
            return None
        content = note["content"]
        nid = str(note.get("id") or note.get("forum") or "")
        if not nid:
            return None
        year = self.year
        if year is None:
            stamp = note.get("pdate") or note.get("odate") or note.get("cdate")
            if isinstance(stamp, int | float):
                year = dt.datetime.fromtimestamp(stamp / 1000, tz=dt.UTC).year
        forum = str(note.get("forum") or nid)
        keywords = _value(content, "keywords")
        raw = {
            "id": f"{self.venue.lower()}{year or ''}-{nid}",
            "title": clean(
                _value(content, "title") if isinstance(_value(content, "title"), str) else ""
            ),
            "abstract": clean(
                _value(content, "abstract") if isinstance(_value(content, "abstract"), str) else ""
            ),
            "authors": _value(content, "authors") or [],
            "keywords": keywords if isinstance(keywords, list) else [],
            "venue": self.venue,
            "year": year,
            "url": FORUM_URL.format(forum),
            "source": f"openreview:{self.venueid}",
        }
        return Stub(id=raw["id"], url=raw["url"], raw=raw)
