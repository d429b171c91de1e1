"""Tests of ``tmlmap import/info/search`` (subprocesses on temp databases)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tmlmap.cli import main
from tmlmap.cli.store import parse_years, safe_text
from tmlmap.corpus.store import CorpusStore

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "import"


def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``python -m tmlmap ARGS`` with the test's environment (TMLMAP_HOME/DB in tmp)."""
    return subprocess.run([sys.executable, "-m", "tmlmap", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=REPO, env=os.environ.copy())


@pytest.fixture
def real_db(tmp_path: Path, real_store: CorpusStore) -> Path:
    """A private copy of the real corpus database (subprocesses may write to it)."""
    return real_store.backup(tmp_path / "real-copy.sqlite")


def test_info_json_and_table(real_db: Path, real_store: CorpusStore) -> None:
    r = run("--db", str(real_db), "info", "--format", "json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["total"] == 28_428 == real_store.count()
    venues = {v: d["papers"] for v, d in info["venues"].items()}
    expected: dict[str, int] = {}
    for venue, _year, n in real_store.counts_by_venue_year():
        expected[venue] = expected.get(venue, 0) + n
    assert venues == expected
    assert sum(info["years"].values()) == 28_428
    assert info["fingerprint"] == real_store.fingerprint()
    r = run("--db", str(real_db), "info")
    assert r.returncode == 0, r.stderr
    assert "28,428" in r.stdout
    assert any(line.split()[:2] == ["NeurIPS", f"{expected['NeurIPS']:,}"]
               for line in r.stdout.splitlines())
    assert "1987-2019, 2022" in r.stdout  # NeurIPS years present
    assert "2020-2021, 2023-2025" in r.stdout  # and missing
    assert "topic-selected" in r.stdout  # FAccT, AIES
    assert info["venues"]["FAccT"]["selection"] == "topic-selected"
    assert info["venues"]["NeurIPS"]["years_missing"] == "2020-2021, 2023-2025"


def test_search_differential_privacy(real_db: Path) -> None:
    r = run("--db", str(real_db), "search", '"differential privacy"', "--format", "json",
            "--limit", "10")
    assert r.returncode == 0, r.stderr
    hits = json.loads(r.stdout)
    assert len(hits) == 10
    assert {"id", "title", "venue", "year", "url", "snippet", "score"} <= set(hits[0])
    assert all("«" in h["snippet"] for h in hits)
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    r = run("--db", str(real_db), "search", "differential privacy", "--venues", "ICML,ICLR",
            "--years", "2015-2019", "--limit", "50", "--format", "json")
    assert r.returncode == 0, r.stderr
    hits = json.loads(r.stdout)
    assert hits and all(h["venue"] in ("ICML", "ICLR") and 2015 <= h["year"] <= 2019
                        for h in hits)
    r = run("--db", str(real_db), "search", "differential privacy", "--limit", "3")
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("\n  1. ") + r.stdout.startswith("  1. ") == 1
    assert "  3. " in r.stdout and "  4. " not in r.stdout


def test_first_run_builds_the_database(tmp_path: Path) -> None:
    """With no database yet, `info` imports the embedded corpus into $TMLMAP_DB."""
    db = Path(os.environ["TMLMAP_DB"])
    assert not db.exists()
    r = run("info", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["total"] == 28_428
    assert "First run" in r.stderr
    assert db.is_file()
    r = run("search", "fairness", "--format", "json", "--limit", "2")
    assert r.returncode == 0 and len(json.loads(r.stdout)) == 2
    assert "First run" not in r.stderr


def test_import_reports_and_exit_codes(tmp_path: Path) -> None:
    db = str(tmp_path / "mine.sqlite")
    r = run("--db", db, "import", "--no-embedded", str(FIXTURES / "scopus_export.csv"),
            str(FIXTURES / "zotero_library.bib"))
    assert r.returncode == 0, r.stderr
    assert "scopus_export.csv: 3 new" in r.stdout
    assert "zotero_library.bib: 4 new" in r.stdout
    assert "corpus: 7 papers" in r.stdout
    assert "scopus_export.csv:5" in r.stderr and "'year'" in r.stderr
    # Same files again: nothing changes.
    r = run("--db", db, "import", "--no-embedded", str(FIXTURES / "scopus_export.csv"))
    assert r.returncode == 0 and "0 new, 0 updated, 3 unchanged" in r.stdout
    # A missing file fails the command but the other file is still imported.
    r = run("--db", db, "import", str(tmp_path / "nope.jsonl"), str(FIXTURES / "zotero_export.csv"))
    assert r.returncode == 1
    assert "nope.jsonl" in r.stderr and "no such file" in r.stderr
    with CorpusStore(db) as s:
        assert s.get("zotero:ABCD2345") is not None
    # A file with no good record at all fails too.
    bad = tmp_path / "allbad.jsonl"
    bad.write_text("{oops\n[]\n", encoding="utf-8")
    r = run("--db", db, "import", str(bad))
    assert r.returncode == 1 and "allbad.jsonl:1" in r.stderr and "allbad.jsonl:2" in r.stderr
    # --strict stops at the first bad record.
    r = run("--db", str(tmp_path / "strict.sqlite"), "import", "--no-embedded", "--strict",
            str(FIXTURES / "zotero_library.bib"))
    assert r.returncode == 1 and "@noabstract2020" in r.stderr and "'abstract'" in r.stderr


def test_bad_arguments_exit_2(tmp_path: Path) -> None:
    r = run("--db", str(tmp_path / "x.sqlite"), "search", "x", "--years", "2020-2010")
    assert r.returncode == 2 and "2020 is after 2010" in r.stderr
    r = run("--db", str(tmp_path / "x.sqlite"), "search", "x", "--limit", "0")
    assert r.returncode == 2 and "between 1 and 10000" in r.stderr
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"definitely not sqlite" * 50)
    r = run("--db", str(garbage), "info")
    assert r.returncode == 2 and "garbage.sqlite" in r.stderr


def test_untrusted_text_cannot_drive_the_terminal(tmp_path: Path, capsys) -> None:
    f = tmp_path / "evil.jsonl"
    f.write_text(json.dumps({"id": "evil\x1b[2J", "title": "Evil \x1b]0;pwned\x07 title",
                             "abstract": "Clears \x1b[31mthe screen\x1b[0m fairness.",
                             "venue": "V\u202e", "year": 2020}) + "\n", encoding="utf-8")
    db = str(tmp_path / "e.sqlite")
    assert main(["--db", db, "import", "--no-embedded", str(f)]) == 0
    assert main(["--db", db, "search", "fairness"]) == 0
    assert main(["--db", db, "info"]) == 0
    out = capsys.readouterr().out
    assert "Evil" in out and "\x1b" not in out and "\x07" not in out and "\u202e" not in out


@pytest.mark.parametrize(("text", "expected"), [
    ("2015-2022", (2015, 2022)), ("2019", (2019, 2019)), ("2015-", (2015, None)),
    ("-2020", (None, 2020)), (" 2015 - 2016 ", (2015, 2016)), ("2015..2016", (2015, 2016)),
])
def test_parse_years(text: str, expected: tuple[int | None, int | None]) -> None:
    assert parse_years(text) == expected


@pytest.mark.parametrize("text", ["", "-", "20", "2015-20", "abc", "2020-2010"])
def test_parse_years_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_years(text)


def test_safe_text() -> None:
    assert safe_text("a\x1b[0mb\u200bc\td") == "a[0mbc\td"  # tab kept
    assert safe_text("Ünïcode — ok") == "Ünïcode — ok"


def test_ci_runs_the_readme_test_command() -> None:
    """The Quick start has exactly two one-line commands, and .ci/run runs the second."""
    import re

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = [block.strip() for block in re.findall(r"```bash\n(.*?)```", quick, re.S)]
    assert len(commands) == 2 and all("\n" not in c for c in commands)
    assert commands[0].endswith(".venv/bin/streamlit run app.py")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert commands[1] in [line.strip() for line in ci]
    assert os.access(REPO / ".ci" / "run", os.X_OK)
    for section in ("Map engine", "Risk scoring", "Scrapers", "Dashboard", "Benchmarks",
                    "Evaluation"):
        assert f"\n## {section}\n" in readme


def test_info_shows_last_refresh(tmp_path: Path, capsys) -> None:
    db = tmp_path / "r.sqlite"
    with CorpusStore(db) as s:
        s.upsert([])
    assert main(["--db", str(db), "import", "--no-embedded",
                 str(FIXTURES / "zotero_export.csv")]) == 0
    with CorpusStore(db) as s:
        s.set_meta("last_refresh", "2026-11-22T01:02:03+00:00")
    capsys.readouterr()
    assert main(["--db", str(db), "info", "--format", "json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["last_refresh"] == "2026-11-22T01:02:03+00:00" and info["total"] == 3
    assert "zotero_export.csv" in info["last_import"]["file"]
    assert main(["--db", str(db), "info"]) == 0
    assert "last refresh from the sources: 2026-11-22T01:02:03+00:00" in capsys.readouterr().out
