"""Tests of the corpus store: import semantics, search, schema migration, robustness."""

from __future__ import annotations

import gzip
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tmlmap import config
from tmlmap.corpus.importers import normalize_title
from tmlmap.corpus.records import MAX_ABSTRACT_CHARS, Paper, RecordError
from tmlmap.corpus.store import (
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    SCHEMA_VERSION,
    CorpusStore,
    ImportStats,
    SchemaError,
    content_hash,
    fts_query,
)

REPO = Path(__file__).resolve().parent.parent


def paper(pid: str, title: str = "A title", **kw: object) -> Paper:
    base: dict[str, object] = dict(id=pid, title=title, abstract=f"Abstract of {pid}.",
                                   venue="ICML", year=2020)
    base.update(kw)
    return Paper(**base)  # type: ignore[arg-type]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path


# ---------------------------------------------------------------- basics


def test_round_trip_and_queries(store: CorpusStore) -> None:
    papers = [
        paper("b", "Zeta: Überraschung im Lernen", abstract="Ein Abstract mit Umlauten äöü.",
              venue="NeurIPS", year=2019, authors=["Jörg Müller", "李雷"], keywords=["α", "fair ML"],
              url="https://example.org/b", source="test"),
        paper("a", "Alpha", year=2018),
        paper("c", "Gamma", venue="NeurIPS", year=2021),
    ]
    stats = store.upsert(papers)
    assert (stats.new, stats.updated, stats.unchanged, stats.merged) == (3, 0, 0, 0)
    for p in papers:
        assert store.get(p.id) == p
    assert store.get("missing") is None
    assert store.count() == 3
    assert [p.id for p in store.papers()] == ["a", "b", "c"]
    assert [p.id for p in store.papers(venues=["NeurIPS"])] == ["b", "c"]
    assert [p.id for p in store.papers(year_min=2019, year_max=2020)] == ["b"]
    assert store.papers(venues=["nope"]) == []
    assert store.venues() == ["ICML", "NeurIPS"]
    assert store.year_range() == (2018, 2021)
    assert store.counts_by_venue_year() == [("ICML", 2018, 1), ("NeurIPS", 2019, 1),
                                            ("NeurIPS", 2021, 1)]
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.schema_version() == SCHEMA_VERSION
    assert store.integrity_check() == []


def test_empty_store(store: CorpusStore) -> None:
    assert store.count() == 0
    assert store.papers() == [] and store.venues() == [] and store.search("fairness") == []
    with pytest.raises(ValueError, match="empty"):
        store.year_range()


def test_meta_round_trip(store: CorpusStore) -> None:
    assert store.get_meta("last_refresh") is None
    assert store.get_meta("last_refresh", "never") == "never"
    store.set_meta("last_refresh", "2026-01-01T00:00:00Z")
    store.set_meta("stats", {"n": 3, "venues": ["ICML"]})
    assert store.get_meta("last_refresh") == "2026-01-01T00:00:00Z"
    assert store.get_meta("stats") == {"n": 3, "venues": ["ICML"]}
    store.set_meta("stats", None)
    assert store.get_meta("stats") is None


def test_import_stats_str_and_sum() -> None:
    a = ImportStats(new=2, errors=["x"])
    a += ImportStats(updated=1, merged=3, unchanged=4, errors=["y"])
    assert a.n_errors == 2 and a.processed == 12
    assert (a.new, a.updated, a.merged, a.unchanged, a.errors) == (2, 1, 3, 4, ["x", "y"])
    assert str(a) == "2 new, 1 updated, 4 unchanged, 3 merged, 2 skipped with errors"


# ---------------------------------------------------------------- import semantics


def test_reimport_is_idempotent(tmp_path: Path, store: CorpusStore, small_papers) -> None:
    f = write_jsonl(tmp_path / "p.jsonl.gz", [p.to_dict() for p in small_papers[:300]])
    first = store.import_file(f)
    assert first.new == 300 and not first.errors
    fp = store.fingerprint()
    stamps = dict(store.conn.execute("SELECT id, updated_at FROM papers"))
    second = store.import_file(f)
    assert (second.new, second.updated, second.merged, second.unchanged) == (0, 0, 0, 300)
    assert store.fingerprint() == fp
    assert dict(store.conn.execute("SELECT id, updated_at FROM papers")) == stamps


def test_changed_record_updated_in_place(tmp_path: Path, store: CorpusStore) -> None:
    recs = [paper(f"p{i}", f"Title number {i}").to_dict() for i in range(5)]
    store.import_file(write_jsonl(tmp_path / "v1.jsonl", recs))
    fp = store.fingerprint()
    docid = store.conn.execute("SELECT docid FROM papers WHERE id='p2'").fetchone()[0]
    recs[2]["abstract"] = "Now about zygomorphic orchids."
    recs[2]["keywords"] = ["botany"]
    stats = store.import_file(write_jsonl(tmp_path / "v2.jsonl", recs))
    assert (stats.new, stats.updated, stats.unchanged) == (0, 1, 4)
    assert store.count() == 5
    assert store.get("p2").abstract == "Now about zygomorphic orchids."
    assert store.get("p2").keywords == ["botany"]
    assert store.conn.execute("SELECT docid FROM papers WHERE id='p2'").fetchone()[0] == docid
    assert store.fingerprint() != fp
    # The full-text index follows the update: new words found, old ones gone.
    assert [h.id for h in store.search("zygomorphic")] == ["p2"]
    assert [h.id for h in store.search("botany")] == ["p2"]
    assert store.search('"Abstract of p2"') == []
    assert store.integrity_check() == []


def test_near_duplicates_are_merged(tmp_path: Path, store: CorpusStore) -> None:
    kept = dict(id="pmlr-1", title="Fairness Through Awareness", abstract="Original.",
                venue="FAT*", year=2018, keywords=["fairness"], url="")
    dup = dict(id="other-42", title="fairness \\emph{through} <i>{A}wareness</i>!", abstract="Other.",
               venue="FAT*", year=2018, keywords=["Fairness", "individual fairness"],
               url="https://example.org/42")
    other_year = dict(dup, id="other-43", year=2019)
    f = write_jsonl(tmp_path / "d.jsonl", [kept, dup, other_year])
    stats = store.import_file(f)
    assert (stats.new, stats.merged) == (2, 1), stats
    assert store.count() == 2
    merged = store.get("pmlr-1")
    assert merged.title == "Fairness Through Awareness"
    assert merged.abstract == "Original."
    assert merged.url == "https://example.org/42"  # filled from the duplicate
    assert merged.keywords == ["fairness", "individual fairness"]  # union, case-insensitive
    assert store.get("other-42") == merged  # the duplicate's id resolves to the kept paper
    assert store.get("other-43").year == 2019  # different year: a different paper
    again = store.import_file(f)
    assert (again.new, again.updated, again.merged, again.unchanged) == (0, 0, 0, 3)
    # Updating the kept paper keeps what its duplicate contributed.
    kept["abstract"] = "Revised."
    upd = store.import_file(write_jsonl(tmp_path / "d2.jsonl", [kept]))
    assert upd.updated == 1
    assert store.get("pmlr-1").url == "https://example.org/42"
    assert store.get("pmlr-1").abstract == "Revised."


def test_duplicate_within_one_batch_and_across_batches(store: CorpusStore) -> None:
    ps = [paper("x1", "Same Title"), paper("x2", "SAME title."), paper("x3", "same - title")]
    assert store.upsert(ps, batch_size=1).merged == 2
    assert store.count() == 1
    assert store.upsert(ps, batch_size=10).unchanged == 3


def test_delete_changes_fingerprint(store: CorpusStore) -> None:
    store.upsert([paper("a"), paper("b", "Other")])
    fp = store.fingerprint()
    assert store.delete(["a"]) == 1
    assert store.count() == 1 and store.get("a") is None
    assert store.fingerprint() != fp
    assert store.search("Abstract") and all(h.id == "b" for h in store.search("Abstract"))


def test_fingerprint_is_content_based(tmp_path: Path, small_papers) -> None:
    ps = small_papers[:200]
    with CorpusStore(tmp_path / "a.sqlite") as a, CorpusStore(tmp_path / "b.sqlite") as b:
        a.upsert(ps)
        b.upsert(reversed(ps), batch_size=7)
        assert a.fingerprint() == b.fingerprint()
        b.upsert([Paper(**{**ps[0].to_dict(), "abstract": ps[0].abstract + " x"})])
        assert a.fingerprint() != b.fingerprint()
        assert re.fullmatch(r"[0-9a-f]{16}", a.fingerprint())


def test_fingerprint_sees_other_connections(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite"
    with CorpusStore(path) as reader, CorpusStore(path) as writer:
        writer.upsert([paper("a")])
        fp = reader.fingerprint()
        writer.upsert([paper("b", "B")])
        assert reader.fingerprint() != fp
        assert reader.count() == 2


def test_content_hash_covers_every_field() -> None:
    p = paper("a", authors=["x"], keywords=["k"], url="u", source="s")
    seen = {content_hash(p)}
    for change in (dict(title="T2"), dict(abstract="A2"), dict(venue="V2"), dict(year=2001),
                   dict(url="u2"), dict(authors=["y"]), dict(keywords=["k2"]), dict(source="s2")):
        seen.add(content_hash(Paper(**{**p.to_dict(), **change})))
    assert len(seen) == 9


# ---------------------------------------------------------------- bad input


def test_bad_jsonl_records_are_skipped_with_clear_errors(tmp_path: Path, store: CorpusStore) -> None:
    good = paper("good-1", "Good paper").to_dict()
    f = tmp_path / "bad.jsonl"
    lines = [
        json.dumps(good),                                            # 1 ok
        '{"id": "broken", "title": "x",',                            # 2 malformed JSON
        json.dumps({k: v for k, v in good.items() if k != "abstract"} | {"id": "noabs"}),  # 3
        json.dumps(good | {"id": "badyear", "year": "next year"}),   # 4 wrong type
        "",                                                          # 5 blank: ignored
        json.dumps(good | {"id": "badauthors", "authors": [1, 2]}),  # 6 wrong type in list
        json.dumps(["not", "an", "object"]),                         # 7
        json.dumps(good | {"id": "huge", "abstract": "a" * (MAX_ABSTRACT_CHARS + 1)}),  # 8
        json.dumps(good | {"id": "good-2", "title": "Second good paper"}),  # 9 ok
    ]
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    stats = store.import_file(f)
    assert stats.new == 2 and stats.n_errors == 6, stats.errors
    errs = {int(re.search(r"bad\.jsonl:(\d+)", e).group(1)): e for e in stats.errors}
    assert sorted(errs) == [2, 3, 4, 6, 7, 8]
    assert str(f) in errs[2] and "malformed JSON" in errs[2]
    assert "'abstract'" in errs[3] and "missing" in errs[3]
    assert "'year'" in errs[4] and "next year" in errs[4]
    assert "'authors'" in errs[6]
    assert "object" in errs[7]
    assert "'abstract'" in errs[8] and "limit" in errs[8]
    assert {p.id for p in store.papers()} == {"good-1", "good-2"}


def test_strict_raises_at_first_bad_record_and_keeps_stored_data(tmp_path: Path,
                                                                 store: CorpusStore) -> None:
    store.upsert([paper("keep-me", "Stored before")])
    recs = [paper(f"ok{i}", f"Paper {i}").to_dict() for i in range(3)]
    recs.insert(2, {"id": "bad", "title": "T", "abstract": "A", "venue": "V", "year": True})
    f = write_jsonl(tmp_path / "s.jsonl", recs)
    with pytest.raises(RecordError) as info:
        store.import_file(f, strict=True)
    assert info.value.field == "year" and info.value.where == f"{f}:3"
    assert str(f) in str(info.value) and ":3" in str(info.value)
    assert store.get("keep-me") is not None
    assert {p.id for p in store.papers()} == {"keep-me", "ok0", "ok1"}  # records before it kept


def test_unreadable_files_raise_naming_the_file(tmp_path: Path, store: CorpusStore) -> None:
    with pytest.raises(RecordError, match="no such file"):
        store.import_file(tmp_path / "missing.jsonl")
    notgz = tmp_path / "x.jsonl.gz"
    notgz.write_bytes(b"this is not gzip")
    with pytest.raises(RecordError, match=re.escape(str(notgz))):
        store.import_file(notgz)
    latin1 = tmp_path / "latin1.jsonl"
    latin1.write_bytes('{"id": "a", "title": "caf\xe9"}\n'.encode("latin-1"))
    with pytest.raises(RecordError, match="latin1.jsonl"):
        store.import_file(latin1)
    with pytest.raises(RecordError, match="unknown file type"):
        store.import_file(tmp_path / "data.xlsx")
    assert store.count() == 0


def test_truncated_gzip_keeps_what_was_read(tmp_path: Path, store: CorpusStore,
                                            small_papers) -> None:
    full = write_jsonl(tmp_path / "full.jsonl.gz", [p.to_dict() for p in small_papers])
    cut = tmp_path / "cut.jsonl.gz"
    data = full.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(RecordError, match=r"cut\.jsonl\.gz.*cannot read file after line \d+"):
        store.import_file(cut)
    n = store.count()
    assert 0 < n < len(small_papers)
    assert {p.id for p in store.papers()} == {p.id for p in small_papers[:n]}
    assert store.integrity_check() == []


def test_interrupted_import_leaves_consistent_db(tmp_path: Path, small_papers) -> None:
    """SIGKILL the importing process in the middle of a batch: the database keeps
    every committed batch, none of the interrupted one, and passes integrity checks."""
    src = write_jsonl(tmp_path / "in.jsonl", [p.to_dict() for p in small_papers])
    db = tmp_path / "killed.sqlite"
    child = textwrap.dedent("""
        import sys, time
        from tmlmap.corpus.store import CorpusStore
        store = CorpusStore(sys.argv[1])
        state = {"armed": False, "n": 0}
        def progress(done, total):
            if done >= 200:
                state["armed"] = True          # two batches of 100 committed
        def trace(stmt):
            if state["armed"] and stmt.startswith("INSERT INTO papers ("):
                state["n"] += 1
                if state["n"] == 60:           # well inside the third batch
                    print("MIDBATCH", flush=True)
                    time.sleep(120)
        store.conn.set_trace_callback(trace)
        store.import_file(sys.argv[2], batch_size=100, progress=progress)
        print("FINISHED", flush=True)
    """)
    proc = subprocess.Popen([sys.executable, "-c", child, str(db), str(src)],
                            stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        line = proc.stdout.readline().strip()
        assert line == "MIDBATCH", line
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    with CorpusStore(db) as s:
        assert s.integrity_check() == []
        assert s.count() == 200  # exactly the two committed batches
        assert {p.id for p in s.papers()} == {p.id for p in small_papers[:200]}
        assert len(s.search("learning", limit=1000)) > 0
        again = s.import_file(src)  # resuming completes the import
        assert (again.unchanged, again.new) == (200, len(small_papers) - 200)
        assert s.count() == len(small_papers)
        assert s.integrity_check() == []


# ---------------------------------------------------------------- search


def test_search_ranks_the_obvious_paper_first(small_store: CorpusStore) -> None:
    hits = small_store.search("actuarial risk assessment ethical debate")
    assert hits and hits[0].id == "pmlr-v81-barabas18a"
    assert hits[0].venue == "FAT*" and hits[0].year == 2018 and hits[0].url.startswith("https://")
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:], strict=False))


def test_search_finds_papers_by_their_own_title(small_store: CorpusStore, small_papers) -> None:
    """Searching a paper's title finds that paper in the top 3, for a sample of papers."""
    import random

    sample = random.Random(7).sample(small_papers, 40)
    found = 0
    for p in sample:
        hits = small_store.search(p.title, limit=3)
        found += p.id in [h.id for h in hits]
    assert found >= 38, found


def test_snippets_highlight_matches(small_store: CorpusStore) -> None:
    hits = small_store.search("fairness", limit=10)
    assert len(hits) == 10
    for h in hits:
        marked = re.findall(f"{HIGHLIGHT_START}(.*?){HIGHLIGHT_END}", h.snippet)
        assert marked, h.snippet
        assert all(m.lower().startswith("fair") for m in marked)
        assert len(h.snippet) < 600


def test_phrase_search(small_store: CorpusStore) -> None:
    hits = small_store.search('"differential privacy"', limit=50)
    assert hits
    phrase = re.compile(r"differential\W+privac", re.I)
    for h in hits:
        p = small_store.get(h.id)
        assert phrase.search(" ".join([p.title, p.abstract, *p.keywords])), h.id
    loose = small_store.search("differential privacy", limit=200)
    assert {h.id for h in hits} <= {h.id for h in loose}


def test_search_filters(small_store: CorpusStore) -> None:
    hits = small_store.search("learning", venues=["ICML", "ICLR"], year_min=2015,
                              year_max=2019, limit=100)
    assert hits
    assert all(h.venue in ("ICML", "ICLR") and 2015 <= h.year <= 2019 for h in hits)
    assert small_store.search("learning", venues=["No such venue"]) == []
    assert len(small_store.search("learning", limit=3)) == 3


def test_search_falls_back_to_any_term(small_store: CorpusStore) -> None:
    hits = small_store.search("fairness qwxzyvv")  # second word occurs nowhere
    assert hits and all("fair" in h.snippet.lower() or "fair" in h.title.lower() for h in hits)


@pytest.mark.parametrize("query", [
    '"', '""', "(", ")", "*", "AND", "OR", "NOT", "NEAR(a b)", "a OR", "OR b", 'title:"x"',
    "^start", "col:value", "-neg", "a + b", "'; DROP TABLE papers; --", "\x00", "   ",
    "\u202e\u200b", "x" * 5000, '"unterminated phrase', "fair*", "*fair", "a AND OR NOT b",
])
def test_search_never_raises_on_odd_queries(small_store: CorpusStore, query: str) -> None:
    hits = small_store.search(query, limit=5)
    assert isinstance(hits, list)
    assert small_store.count() == len(set(p.id for p in small_store.papers()))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=80))
def test_fts_query_is_always_valid(small_store: CorpusStore, query: str) -> None:
    small_store.search(query, limit=2)  # must not raise
    match = fts_query(query)
    if match:
        small_store.conn.execute("SELECT count(*) FROM papers_fts WHERE papers_fts MATCH ?",
                                 (match,)).fetchone()


def test_prefix_and_or(small_store: CorpusStore) -> None:
    # Prefixes apply to porter-stemmed terms ("interpretability" is indexed as "interpret").
    pre = {h.id for h in small_store.search("interpret*", limit=200)}
    exact = {h.id for h in small_store.search("interpretability", limit=200)}
    assert exact and exact <= pre
    either = {h.id for h in small_store.search("interpretability OR counterfactual", limit=500)}
    cf = {h.id for h in small_store.search("counterfactual", limit=500)}
    assert exact | cf == either


# ---------------------------------------------------------------- threads


def test_store_is_usable_from_threads(small_store: CorpusStore) -> None:
    errors: list[BaseException] = []
    n = small_store.count()

    def reader() -> None:
        try:
            for _ in range(20):
                assert small_store.search("privacy", limit=5)
                assert small_store.count() >= n
                small_store.fingerprint()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def writer() -> None:
        try:
            small_store.upsert([paper(f"thread-{i}", f"Threaded paper {i}") for i in range(200)],
                               batch_size=20)
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(4)] + [threading.Thread(target=writer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert small_store.count() == n + 200
    assert small_store.integrity_check() == []


# ---------------------------------------------------------------- schema


V1_SCHEMA = """
CREATE TABLE papers (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    abstract TEXT NOT NULL,
    authors TEXT NOT NULL DEFAULT '[]',
    venue TEXT NOT NULL,
    year INTEGER NOT NULL,
    url TEXT NOT NULL DEFAULT '',
    keywords TEXT NOT NULL DEFAULT '[]',
    source TEXT NOT NULL DEFAULT ''
);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
PRAGMA user_version = 1;
"""


def test_migrates_a_v1_database(tmp_path: Path, small_papers) -> None:
    db = tmp_path / "old.sqlite"
    olds = small_papers[:50]
    with sqlite3.connect(db) as conn:
        conn.executescript(V1_SCHEMA)
        conn.executemany(
            "INSERT INTO papers VALUES (?,?,?,?,?,?,?,?,?)",
            [(p.id, p.title, p.abstract, json.dumps(p.authors), p.venue, p.year, p.url,
              json.dumps(p.keywords), p.source) for p in olds])
        conn.execute("INSERT INTO meta VALUES ('last_refresh', '\"2020-01-01\"')")
    conn.close()
    with CorpusStore(db) as s:
        assert s.schema_version() == SCHEMA_VERSION
        assert s.count() == 50
        assert s.papers() == sorted(olds, key=lambda p: p.id)
        assert s.get_meta("last_refresh") == "2020-01-01"
        rows = s.conn.execute("SELECT id, title_key, content_hash, docid FROM papers").fetchall()
        by_id = {p.id: p for p in olds}
        for pid, key, chash, docid in rows:
            assert key == normalize_title(by_id[pid].title)
            assert chash == content_hash(by_id[pid])
            assert docid is not None
        target = olds[7]
        assert target.id in [h.id for h in s.search(target.title, limit=3)]
        assert s.integrity_check() == []
        # After migration, importing the same papers changes nothing.
        stats = s.upsert(olds)
        assert stats.unchanged == 50
    assert not list(tmp_path.glob("*.bak"))  # the pre-migration backup is removed on success
    with CorpusStore(db) as s:  # reopening does not migrate again
        assert s.schema_version() == SCHEMA_VERSION and s.count() == 50


def test_refuses_newer_schema_and_garbage(tmp_path: Path) -> None:
    newer = tmp_path / "newer.sqlite"
    with sqlite3.connect(newer) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaError, match="newer"):
        CorpusStore(newer)
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"not a database" * 100)
    with pytest.raises(SchemaError, match="garbage.sqlite"):
        CorpusStore(garbage)


# ---------------------------------------------------------------- open / bootstrap


def test_open_bootstraps_from_embedded_corpus(tmp_path: Path, monkeypatch, small_papers) -> None:
    mini = write_jsonl(tmp_path / "mini.jsonl.gz", [p.to_dict() for p in small_papers[:120]])
    monkeypatch.setattr(config, "EMBEDDED_CORPUS", mini)
    calls: list[tuple[int, int | None]] = []
    with CorpusStore.open(progress=lambda d, t: calls.append((d, t))) as s:
        assert s.path == config.default_db_path()
        assert str(s.path).startswith(os.environ["TMLMAP_HOME"])
        assert s.count() == 120
    assert calls and calls[-1] == (120, 120)
    with CorpusStore.open() as s:  # second open: nothing imported again
        assert s.count() == 120
    with CorpusStore.open(tmp_path / "empty.sqlite", bootstrap=False) as s:
        assert s.count() == 0


# ---------------------------------------------------------------- the real corpus


def _sources_table() -> dict[str, int]:
    """Papers per venue from data/SOURCES.md's table (parts summed by venue)."""
    text = (REPO / "data" / "SOURCES.md").read_text(encoding="utf-8")
    counts: dict[str, int] = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and re.fullmatch(r"[\d,]+", cells[1]):
            venue = cells[0].split()[0]
            counts[venue] = counts.get(venue, 0) + int(cells[1].replace(",", ""))
    return counts


def test_real_corpus_matches_sources_md(real_store: CorpusStore) -> None:
    expected = _sources_table()
    assert expected["NeurIPS"] == 12_173 and expected["FAT*"] == 17  # the parse itself works
    assert real_store.count() == sum(expected.values()) == 28_428
    by_venue: dict[str, int] = {}
    for venue, _year, n in real_store.counts_by_venue_year():
        by_venue[venue] = by_venue.get(venue, 0) + n
    assert by_venue == expected
    assert real_store.year_range() == (1987, 2025)
    assert real_store.integrity_check() == []


def test_real_store_is_read_only(real_store: CorpusStore) -> None:
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        real_store.set_meta("x", 1)
    assert real_store.count() == 28_428


def test_real_corpus_round_trips_exactly(real_store: CorpusStore) -> None:
    """Every embedded record comes back field for field (keywords absent -> [])."""
    with gzip.open(config.EMBEDDED_CORPUS, "rt", encoding="utf-8") as fh:
        raws = [json.loads(line) for line in fh]
    stored = {p.id: p for p in real_store.papers()}
    assert len(stored) == len(raws)
    for raw in raws[::97]:
        p = stored[raw["id"]]
        assert p.authors == raw["authors"] and p.year == raw["year"] and p.venue == raw["venue"]
        assert p.keywords == raw.get("keywords", [])
        assert p.title == " ".join(raw["title"].split()) or p.title == raw["title"]


def test_real_corpus_search_differential_privacy(real_store: CorpusStore) -> None:
    hits = real_store.search('"differential privacy"', limit=20)
    assert len(hits) == 20
    assert sum("privacy" in h.title.lower() or "private" in h.title.lower() for h in hits) >= 15
