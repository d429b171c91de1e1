"""The paper record: one validated, plain data object shared by every stage.

Scrapers and importers produce :class:`Paper` objects through
:func:`validate_record`; the store keeps them; the map engine reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

#: Size limits for untrusted input (characters).
MAX_TITLE_CHARS = 2_000
MAX_ABSTRACT_CHARS = 100_000
MAX_FIELD_CHARS = 10_000
MIN_YEAR, MAX_YEAR = 1900, 2100


class RecordError(ValueError):
    """A record failed validation.

    The message names where the record came from (file and line or record
    number) and the offending field, so the user can fix the input.
    """

    def __init__(self, message: str, *, where: str = "", field: str = "") -> None:
        self.where = where
        self.field = field
        parts = [p for p in (where, f"field {field!r}" if field else "") if p]
        super().__init__(f"{': '.join(parts)}: {message}" if parts else message)


@dataclass(frozen=True)
class Paper:
    """A paper: the unit of the corpus.

    ``id`` is the stable primary key (e.g. ``pmlr-v81-binns18a``), ``year`` an
    integer, ``authors`` and ``keywords`` lists of strings (possibly empty).
    """

    id: str
    title: str
    abstract: str
    venue: str
    year: int
    url: str = ""
    authors: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _text(value: Any, name: str, where: str, *, required: bool, limit: int) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise RecordError(f"expected text, got {type(value).__name__}", where=where, field=name)
    value = value.strip()
    if required and not value:
        raise RecordError("is missing or empty", where=where, field=name)
    if len(value) > limit:
        raise RecordError(f"is {len(value):,} characters, over the limit of {limit:,}", where=where, field=name)
    return value


def _str_list(value: Any, name: str, where: str) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        # CSV/BibTeX style: "a; b; c" (or " and " for BibTeX authors, split by the importer).
        value = [v for v in value.split(";")]
    if not isinstance(value, list | tuple):
        raise RecordError(f"expected a list of strings, got {type(value).__name__}", where=where, field=name)
    out = []
    for item in value:
        if not isinstance(item, str):
            raise RecordError(f"expected a list of strings, found {type(item).__name__}", where=where, field=name)
        item = item.strip()
        if item:
            out.append(item[:MAX_FIELD_CHARS])
    return out


def _year(value: Any, where: str) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise RecordError("is missing or empty", where=where, field="year")
    if isinstance(value, bool):
        raise RecordError("expected a year, got a boolean", where=where, field="year")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        raise RecordError(f"expected an integer year, got {value!r:.40}", where=where, field="year")
    if not MIN_YEAR <= value <= MAX_YEAR:
        raise RecordError(f"year {value} is outside {MIN_YEAR}-{MAX_YEAR}", where=where, field="year")
    return value


def validate_record(raw: Mapping[str, Any], *, where: str = "") -> Paper:
    """Check one raw record and return a :class:`Paper`.

    Required: ``id``, ``title``, ``abstract``, ``venue``, ``year``. Optional:
    ``url``, ``authors``, ``keywords``, ``source``. Raises :class:`RecordError`
    naming ``where`` and the field on any problem.
    """
    if not isinstance(raw, Mapping):
        raise RecordError(f"expected an object, got {type(raw).__name__}", where=where)
    rid = raw.get("id")
    if isinstance(rid, int) and not isinstance(rid, bool):
        rid = str(rid)
    return Paper(
        id=_text(rid, "id", where, required=True, limit=500),
        title=_text(raw.get("title"), "title", where, required=True, limit=MAX_TITLE_CHARS),
        abstract=_text(raw.get("abstract"), "abstract", where, required=True, limit=MAX_ABSTRACT_CHARS),
        venue=_text(raw.get("venue"), "venue", where, required=True, limit=200),
        year=_year(raw.get("year"), where),
        url=_text(raw.get("url"), "url", where, required=False, limit=MAX_FIELD_CHARS),
        authors=_str_list(raw.get("authors"), "authors", where),
        keywords=_str_list(raw.get("keywords"), "keywords", where),
        source=_text(raw.get("source"), "source", where, required=False, limit=MAX_FIELD_CHARS),
    )
