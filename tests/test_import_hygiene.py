"""Import and search hygiene found by a hostile test (issue 15): each item pinned down."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tmlmap.cli import main
from tmlmap.corpus.records import RecordError
from tmlmap.corpus.store import CorpusStore, fts_query

RECORD = {"id": "p1", "title": "Fair ranking", "abstract": "We study fairness in ranking.",
          "venue": "FAT*", "year": 2019}


def test_csv_fractional_year_is_refused_as_in_json(tmp_path: Path, store: CorpusStore) -> None:
    csv_file = tmp_path / "a.csv"
    csv_file.write_text("id,title,abstract,venue,year\nx1,T,An abstract,V,2020.5\nx2,T2,Abs,V,2021\n",
                        encoding="utf-8")
    stats = store.import_file(csv_file)
    assert stats.new == 1 and stats.n_errors == 1
    assert "year" in stats.errors[0] and "2020.5" in stats.errors[0]
    assert store.get("x1") is None
    jl = tmp_path / "a.jsonl"
    jl.write_text(json.dumps({**RECORD, "year": 2020.5}) + "\n", encoding="utf-8")
    assert store.import_file(jl).n_errors == 1  # JSON refuses it too


@pytest.mark.parametrize("name", ["empty.jsonl", "empty.bib", "empty.ris", "blank.jsonl"])
def test_a_file_with_no_record_exits_1(tmp_path: Path, name: str, capsys) -> None:
    path = tmp_path / name
    path.write_text("\n\n" if name.startswith("blank") else "", encoding="utf-8")
    assert main(["import", "--no-embedded", str(path)]) == 1
    err = capsys.readouterr().err
    assert "no records found" in err and "failed" in err


def test_directory_error_says_directory_and_names_the_option(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    assert main(["import", "--no-embedded", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "is a directory" in err
    unknown = tmp_path / "notes.docx"
    unknown.write_text("x", encoding="utf-8")
    assert main(["import", "--no-embedded", str(unknown)]) == 1
    err = capsys.readouterr().err
    assert "--format" in err and ".tsv" in err and ".ris" in err and "format=" in err


def test_nul_byte_and_markup_are_removed_and_reported(tmp_path: Path, store: CorpusStore, capsys) -> None:
    path = tmp_path / "dirty.jsonl"
    rows = [{**RECORD, "title": "Fair\x00 ranking\x1b[31m"},
            {**RECORD, "id": "p2", "title": "Privacy <b>attacks</b>", "abstract": "x &amp; y"},
            {**RECORD, "id": "p3", "title": "Clean title"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    stats = store.import_file(path)
    assert stats.new == 3
    assert "\x00" not in store.get("p1").title and "\x1b" not in store.get("p1").title
    assert store.get("p1").title.startswith("Fair ranking")
    assert store.get("p2").title == "Privacy attacks" and store.get("p2").abstract == "x & y"
    assert stats.cleaned == {"control characters": 1, "HTML tags": 1, "HTML entities": 1}
    assert "removed HTML entities from 1 record, HTML tags from 1 record" in str(stats)
    assert main(["--db", str(tmp_path / "other.sqlite"), "import", "--no-embedded", str(path)]) == 0
    assert "removed" in capsys.readouterr().out


def test_search_field_prefix_exclusion_and_operators(small_store: CorpusStore) -> None:
    by_field = small_store.search("title:fairness", limit=50)
    assert by_field and all("fair" in h.title.lower() for h in by_field)
    assert fts_query("AND") == "" and fts_query("AND OR NOT") == "" and fts_query("-fairness") == ""
    assert small_store.search("AND") == []
    excluded = {h.id for h in small_store.search("privacy -fairness", limit=500)}
    with_fair = {h.id for h in small_store.search("privacy fairness", limit=500)}
    assert excluded and not excluded & with_fair
    assert {h.id for h in small_store.search("privacy NOT fairness", limit=500)} == excluded
    phrase = small_store.search('title:"differential privacy"', limit=20)
    assert phrase and all("differential privacy" in h.title.lower() for h in phrase)


def test_search_cli_dash_word_and_operator_only(small_store: CorpusStore, capsys) -> None:
    db = str(small_store.path)
    small_store.close()
    assert main(["--db", db, "search", "privacy", "-fairness", "--format", "json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert hits
    assert main(["--db", db, "search", "AND"]) == 2
    assert "nothing to search for" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--db", db, "search", "-fairness"])
    assert "put -- before it" in capsys.readouterr().err
    assert main(["--db", db, "search", "--format", "json", "--", "-fairness", "privacy"]) == 0
    assert {h["id"] for h in json.loads(capsys.readouterr().out)} == {h["id"] for h in hits}


def test_export_into_a_missing_folder_is_named(small_store: CorpusStore, tmp_path: Path, capsys) -> None:
    db = str(small_store.path)
    small_store.close()
    target = tmp_path / "missing" / "terms.csv"
    assert main(["--db", db, "export", "--terms", str(target)]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "Errno" not in err


def test_unreadable_inputs_still_raise_record_errors(tmp_path: Path) -> None:
    from tmlmap.corpus.importers import read_records

    with pytest.raises(RecordError, match="no such file"):
        list(read_records(tmp_path / "gone.ris"))
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(RecordError, match="malformed JSON"):
        list(read_records(bad))
