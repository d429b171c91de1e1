"""Batch scoring of project descriptions from JSONL or CSV files.

The engine behind ``tmlmap score --input`` and the dashboard's batch upload:

* :func:`read_rows` reads records one by one and reports a bad record (invalid
  JSON, a missing or non-text field, an unreadable CSV record) with its line
  number instead of failing the file.
* :func:`score_rows` scores the good records in batches of ``batch_size`` with
  one vectorized :meth:`~tmlmap.risk.scorer.RiskScorer.score_many` call per batch,
  and yields every record, scored or skipped, in input order.
* :class:`RowWriter` writes input fields plus scores as JSONL or CSV.

Problems with the file as a whole (unknown format, no such column) raise
:class:`BatchInputError`.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # pragma: no cover
    from tmlmap.risk.scorer import RiskReport, RiskScorer

#: Records scored per ``score_many`` call.
BATCH_ROWS = 2000
#: Input formats by file suffix.
INPUT_SUFFIXES = (".jsonl", ".json", ".ndjson", ".csv", ".jsonl.gz", ".csv.gz")


class BatchInputError(ValueError):
    """The input file as a whole cannot be read (format, missing column)."""


@dataclass
class BatchItem:
    """One input record: ``row`` and ``report`` when scored, ``error`` when skipped.

    ``line``: the record's line number in the file (CSV: its first physical
    line; the header is line 1).
    """

    line: int
    row: dict[str, Any] | None
    report: RiskReport | None = None
    error: str | None = None


def input_suffix(path: Path) -> str:
    """The format suffix of ``path`` (``".csv.gz"`` for a gzipped CSV), lower case."""
    return "".join(path.suffixes[-2:]).lower() if path.name.lower().endswith(".gz") else path.suffix.lower()


def _decoded_lines(raw: Iterable[bytes], path: Path) -> Iterator[str]:
    """UTF-8 lines of a binary file (a leading BOM dropped); a line that is not UTF-8 raises
    :class:`BatchInputError` naming the file and line, as ``tmlmap import`` refuses such files."""
    for number, line in enumerate(raw, start=1):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BatchInputError(
                f"{path}:{number}: not valid UTF-8 (byte 0x{line[exc.start]:02x} at column {exc.start + 1}); "
                "save the file as UTF-8") from None
        if number == 1 and text.startswith("\ufeff"):
            text = text[1:]
        yield text.replace("\x00", "")


def read_rows(path: Path, text_field: str) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """``(line_number, row, error)`` for every record of a JSONL or CSV file.

    ``row`` is None when ``error`` says why the record cannot be scored.
    Raises :class:`BatchInputError` for an unsupported suffix, a line that is
    not UTF-8 (with its line number; records before it have been yielded) or,
    for CSV, a header without ``text_field``.
    """
    suffix = input_suffix(path)
    if suffix not in INPUT_SUFFIXES:
        raise BatchInputError(f"{path}: unsupported input format (use .jsonl or .csv)")
    if suffix.endswith(".gz"):
        import gzip

        fh: io.BufferedIOBase = gzip.open(path, "rb")  # noqa: SIM115
    else:
        fh = open(path, "rb")  # noqa: SIM115
    with fh:
        lines = _decoded_lines(fh, path)
        if ".csv" in suffix:
            csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
            reader = csv.DictReader(lines)
            if reader.fieldnames is None:
                return
            if text_field not in reader.fieldnames:
                raise BatchInputError(f"{path}: no column {text_field!r} (columns: {', '.join(reader.fieldnames)})")
            line = reader.line_num
            while True:
                start = line + 1
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    line = reader.line_num
                    yield start, None, f"unreadable CSV record: {exc}"
                    continue
                line = reader.line_num
                if None in row:  # more cells than header columns
                    extra = row.pop(None)
                    row["_extra"] = json.dumps(extra, ensure_ascii=False)
                text = row.get(text_field)
                if text is None:
                    yield start, None, f"fewer cells than columns: no {text_field!r} value"
                else:
                    yield start, row, None
            return
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, None, f"invalid JSON: {exc.msg} (column {exc.colno})"
                continue
            if not isinstance(obj, dict):
                yield number, None, f"expected a JSON object, got {type(obj).__name__}"
            elif text_field not in obj:
                yield number, None, f"no {text_field!r} field"
            elif not isinstance(obj[text_field], str):
                yield number, None, f"field {text_field!r} is {type(obj[text_field]).__name__}, not text"
            else:
                yield number, obj, None


def score_rows(
    scorer: RiskScorer,
    rows: Iterable[tuple[int, dict[str, Any] | None, str | None]],
    text_field: str,
    *,
    with_spans: bool = False,
    batch_size: int = BATCH_ROWS,
    progress: Callable[[int], None] | None = None,
) -> Iterator[BatchItem]:
    """Score the good records of ``rows`` (from :func:`read_rows`) in batches.

    Yields one :class:`BatchItem` per record, in input order.
    ``progress(n_records_done)`` is called after each batch.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    pending: list[BatchItem] = []
    n_good = n_done = 0

    def flush() -> Iterator[BatchItem]:
        nonlocal n_good, n_done
        good = [it for it in pending if it.row is not None]
        reports = scorer.score_many([it.row[text_field] for it in good], with_spans=with_spans) if good else []
        for it, rep in zip(good, reports, strict=True):
            it.report = rep
        n_done += len(pending)
        yield from pending
        pending.clear()
        n_good = 0
        if progress is not None:
            progress(n_done)

    for line, row, error in rows:
        pending.append(BatchItem(line, row, None, error))
        if row is not None:
            n_good += 1
            if n_good >= batch_size:
                yield from flush()
    if pending:
        yield from flush()


def report_fields(report: RiskReport, full: bool) -> dict[str, Any]:
    """The report's contract fields, or all fields with ``full``."""
    return report.to_full_dict() if full else report.to_dict()


class RowWriter:
    """Writes scored rows as JSONL or CSV (list and dict fields JSON-encoded in CSV cells).

    CSV columns are those of the first row; later rows' extra fields are
    dropped and missing ones left empty (JSONL keeps every row whole).
    """

    def __init__(self, fh: TextIO, fmt: str) -> None:
        if fmt not in ("jsonl", "csv"):
            raise ValueError("fmt must be 'jsonl' or 'csv'")
        self.fh = fh
        self.fmt = fmt
        self.csv: csv.DictWriter | None = None

    def write(self, row: dict[str, Any]) -> None:
        if self.fmt == "jsonl":
            self.fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            return
        flat = {k: (json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v) for k, v in row.items()}
        if self.csv is None:
            self.csv = csv.DictWriter(self.fh, fieldnames=list(flat), extrasaction="ignore")
            self.csv.writeheader()
        self.csv.writerow(flat)
