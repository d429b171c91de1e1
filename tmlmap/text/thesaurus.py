"""User thesaurus: merge variant terms and remove unwanted ones.

The file is a CSV with a header ``variant,preferred`` (VOSviewer's thesaurus
files use ``label,replace by`` and are accepted too). A row maps a variant to
its preferred term; an empty ``preferred`` removes the variant from the map.
Terms are written naturally ("DP", "differential privacy"); they are
normalized like the corpus before they are applied. Two-word variants and
preferred terms are joined as phrases even if the corpus alone would not
have joined them.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

MAX_THESAURUS_BYTES = 5_000_000


class ThesaurusError(ValueError):
    """The thesaurus file is unreadable; the message names file and line."""


def read_thesaurus(path: str | Path) -> list[tuple[str, str]]:
    """Read ``(variant, preferred)`` rows; ``preferred == ""`` means remove."""
    path = Path(path)
    data = path.read_bytes()
    if len(data) > MAX_THESAURUS_BYTES:
        raise ThesaurusError(f"{path}: larger than {MAX_THESAURUS_BYTES:,} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ThesaurusError(f"{path}: not UTF-8 text ({exc})") from None
    first_line = text.splitlines()[0] if text else ""
    dialect = "excel-tab" if "\t" in first_line else "excel"
    reader = csv.reader(io.StringIO(text), dialect=dialect)
    rows: list[tuple[str, str]] = []
    header = next(reader, None)
    if header is None:
        return rows
    names = [h.strip().lower() for h in header]
    if names[:2] not in (["variant", "preferred"], ["label", "replace by"]):
        raise ThesaurusError(f"{path}:1: expected a header 'variant,preferred' (or 'label,replace by'), got {header!r}")
    for line, row in enumerate(reader, start=2):
        if not row or not any(c.strip() for c in row):
            continue
        if len(row) > 2 and any(c.strip() for c in row[2:]):
            raise ThesaurusError(f"{path}:{line}: expected 2 columns, got {len(row)}")
        variant = row[0].strip()
        preferred = row[1].strip() if len(row) > 1 else ""
        if not variant:
            raise ThesaurusError(f"{path}:{line}: empty variant")
        rows.append((variant, preferred))
    return rows
