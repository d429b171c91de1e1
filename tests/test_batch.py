"""Batch scoring engine: record reading, batching in input order, CSV/JSONL writing."""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

import pytest

from tmlmap.risk.batch import BatchInputError, RowWriter, input_suffix, read_rows, score_rows
from tmlmap.risk.scorer import RiskReport


class CountingScorer:
    """Stands in for RiskScorer: the risk is the text length, and every score_many call is recorded."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def score_many(self, texts: list[str], *, with_spans: bool = True) -> list[RiskReport]:
        self.calls.append(list(texts))
        return [RiskReport(float(len(t)), 0.0, 0.0, 0.0, 1.0) for t in texts]


def write_jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_score_rows_batches_and_keeps_input_order(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [
        json.dumps({"id": 1, "text": "a"}),
        "{not json",
        json.dumps({"id": 3, "text": "ccc"}),
        json.dumps({"id": 4, "body": "no text field"}),
        json.dumps({"id": 5, "text": "eeeee"}),
        json.dumps([1, 2]),
        json.dumps({"id": 7, "text": 7}),
        json.dumps({"id": 8, "text": "hhhhhhhh"}),
    ])
    scorer = CountingScorer()
    done: list[int] = []
    items = list(score_rows(scorer, read_rows(path, "text"), "text", batch_size=2, progress=done.append))  # type: ignore[arg-type]
    assert [it.line for it in items] == list(range(1, 9))
    assert [it.row["id"] if it.row else None for it in items] == [1, None, 3, None, 5, None, None, 8]
    assert [it.report.fairness_risk if it.report else None for it in items] == [1, None, 3, None, 5, None, None, 8]
    errors = {it.line: it.error for it in items if it.error}
    assert set(errors) == {2, 4, 6, 7}
    assert "invalid JSON" in errors[2] and "no 'text' field" in errors[4]
    assert "expected a JSON object" in errors[6] and "not text" in errors[7]
    assert scorer.calls == [["a", "ccc"], ["eeeee", "hhhhhhhh"]]  # two good rows per call
    assert done == [3, 8]  # records done after each batch (flushed at its second good row), skipped included
    with pytest.raises(ValueError):
        list(score_rows(scorer, [], "text", batch_size=0))  # type: ignore[arg-type]


def test_score_rows_with_only_bad_records_never_calls_the_scorer(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", ["[]", "{}"])
    scorer = CountingScorer()
    items = list(score_rows(scorer, read_rows(path, "text"), "text"))  # type: ignore[arg-type]
    assert [it.error is not None for it in items] == [True, True] and scorer.calls == []


def test_read_rows_csv_gz_and_file_level_errors(tmp_path: Path) -> None:
    gz = tmp_path / "in.CSV.gz"
    with gzip.open(gz, "wt", encoding="utf-8", newline="") as fh:
        fh.write('id,text\n1,"two\nlines"\n2\n3,x,extra\n')
    assert input_suffix(gz) == ".csv.gz"
    rows = list(read_rows(gz, "text"))
    assert rows[0] == (2, {"id": "1", "text": "two\nlines"}, None)  # the record's first line
    assert rows[1][1] is None and "fewer cells" in rows[1][2]
    assert rows[2][1] == {"id": "3", "text": "x", "_extra": '["extra"]'}
    with pytest.raises(BatchInputError, match="no column 'body'"):
        list(read_rows(gz, "body"))
    with pytest.raises(BatchInputError, match="unsupported input format"):
        list(read_rows(tmp_path / "in.xlsx", "text"))


def test_row_writer_csv_keeps_the_first_rows_columns() -> None:
    """Later rows with other fields neither crash nor add columns (JSONL keeps them whole)."""
    out = io.StringIO()
    w = RowWriter(out, "csv")
    w.write({"id": 1, "text": "a", "top_terms": [{"term": "loan"}]})
    w.write({"id": 2, "extra": "dropped", "top_terms": []})
    got = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert got == [{"id": "1", "text": "a", "top_terms": '[{"term": "loan"}]'},
                   {"id": "2", "text": "", "top_terms": "[]"}]
    out = io.StringIO()
    w = RowWriter(out, "jsonl")
    w.write({"a": 1})
    w.write({"b": [2]})
    assert [json.loads(x) for x in out.getvalue().splitlines()] == [{"a": 1}, {"b": [2]}]
    with pytest.raises(ValueError):
        RowWriter(out, "xlsx")
