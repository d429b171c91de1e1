"""Upgrading a database built from embedded corpus version 1 to version 2 (issue 11).

Version 1 databases were made by tmlmap before version tracking (commit 27cf373): its
``CorpusStore.open`` imported the embedded file into an empty database and set only the meta
``bootstrapped_from``; :func:`make_v1_database` does exactly those two steps. The v1 records
are the v2 records minus the parts version 2 added (ICLR and ICML 2024, FAccT, AIES): every
one of the 22,868 v1 records is unchanged in v2 (checked when version 2 was shipped, and by
:func:`test_real_v1_database_upgrades_to_v2`, which rebuilds the whole v1 file).
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tmlmap import config
from tmlmap.corpus.records import Paper
from tmlmap.corpus.store import CorpusStore, EmbeddedSync, ImportStats, file_sha256

REPO = Path(__file__).resolve().parent.parent


def added_in_v2(p: Paper) -> bool:
    """The parts version 2 added to version 1 (data/SOURCES.md, last four rows)."""
    return p.venue in ("FAccT", "AIES") or (p.venue in ("ICLR", "ICML") and p.year == 2024)


def write_jsonl(path: Path, papers: list[Paper]) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for p in papers:
            fh.write(json.dumps(p.to_dict(), ensure_ascii=False) + "\n")
    return path


def make_v1_database(path: Path, v1_file: Path) -> CorpusStore:
    """What tmlmap before version 2 did on first run: import, then ``bootstrapped_from``."""
    store = CorpusStore(path)
    store.import_file(v1_file)
    store.set_meta("bootstrapped_from", "papers.jsonl.gz")
    return store


def user_papers(duplicate_of: Paper) -> list[Paper]:
    """A paper of the user's own, and one the user scraped that version 2 also holds."""
    own = Paper(id="user-own-1", title="Auditing a Loan Model for Disparate Impact",
                abstract="We audit a credit scoring model for disparate impact across groups.",
                venue="Workshop on Lending", year=2023, source="my notes")
    scraped = Paper(id="arxiv-9999.00001", title=duplicate_of.title, abstract=duplicate_of.abstract,
                    venue=duplicate_of.venue, year=duplicate_of.year, url="https://arxiv.org/abs/x",
                    source="scraped by the user")
    return [own, scraped]


@pytest.fixture
def mini_versions(tmp_path: Path, small_papers: list[Paper]) -> tuple[Path, Path, list[Paper]]:
    """A v1 slice (300 papers) and its v2 (the same plus 80 papers of the added parts)."""
    old = [p for p in small_papers if not added_in_v2(p)][:300]
    added = [p for p in small_papers if added_in_v2(p)]
    new = added[::len(added) // 80][:80]  # spread over the added parts (ids sort by venue)
    assert len(old) == 300 and len(new) == 80
    assert {p.venue for p in new} >= {"ICLR", "ICML", "FAccT"}
    v1 = write_jsonl(tmp_path / "v1.jsonl.gz", old)
    v2 = write_jsonl(tmp_path / "v2.jsonl.gz", sorted(old + new, key=lambda p: p.id))
    return v1, v2, new


def assert_no_duplicates(store: CorpusStore) -> None:
    rows = store.conn.execute(
        "SELECT title_key, venue, year, count(*) FROM papers GROUP BY title_key, venue, year "
        "HAVING count(*) > 1").fetchall()
    assert rows == []


def test_v1_database_gets_the_new_papers_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              mini_versions) -> None:
    from tmlmap.maps.build import is_stale, load_or_build
    from tmlmap.maps.settings import MapSettings

    v1, v2, new = mini_versions
    db = tmp_path / "corpus.sqlite"
    cache = tmp_path / "maps"
    with make_v1_database(db, v1) as store:
        stats = store.upsert(user_papers(duplicate_of=new[0]))
        assert stats.new == 2
        assert store.count() == 302
        load_or_build(store, MapSettings(), cache_dir=cache)
        assert not is_stale(store, MapSettings(), cache)
        fp_v1 = store.fingerprint()

    monkeypatch.setattr(config, "EMBEDDED_CORPUS", v2)
    announced: list[str] = []
    with CorpusStore.open(db, announce=announced.append) as store:
        sync = store.last_sync
        assert announced == ["upgrade"]
        assert isinstance(sync, EmbeddedSync) and sync.kind == "upgrade"
        assert sync.previous_version == 1  # an untracked bootstrapped database is version 1
        assert sync.version is None  # the mini file is no released version
        # 380 records: 300 unchanged, 79 new, 1 merged into the paper the user scraped
        assert (sync.stats.unchanged, sync.stats.new, sync.stats.merged) == (300, 79, 1)
        assert sync.n_added == 79 and sync.other_papers == 2
        assert store.count() == 380 + 1  # v2's papers + the user's own (the scraped one merged)
        assert_no_duplicates(store)
        assert store.get("user-own-1") is not None
        assert store.get(new[0].id).id == "arxiv-9999.00001"  # v2's id resolves to the kept one
        message = sync.message()
        assert "from version 1" in message and "79 papers added" in message
        assert "2 papers you imported or scraped kept" in message
        for venue, years, n in sync.added_by_venue():
            assert f"{venue} {years}: {n:,}" in message
        assert store.get_meta("embedded_upgrade")["message"] == message
        assert store.get_meta("embedded_corpus")["sha256"] == file_sha256(v2)
        # the map of the old corpus no longer matches: stale, rebuilt once
        assert store.fingerprint() != fp_v1
        assert is_stale(store, MapSettings(), cache)
        load_or_build(store, MapSettings(), cache_dir=cache)
        assert not is_stale(store, MapSettings(), cache)
        fp_v2 = store.fingerprint()

    announced.clear()
    with CorpusStore.open(db, announce=announced.append) as store:  # next start: nothing to do
        assert store.last_sync is None and announced == []
        assert store.count() == 381 and store.fingerprint() == fp_v2
        assert not is_stale(store, MapSettings(), cache)
    os.utime(v2, ns=(1, 1))  # touched but same bytes: hashed, still nothing to do
    with CorpusStore.open(db) as store:
        assert store.last_sync is None and store.count() == 381


def test_interrupted_upgrade_is_redone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       mini_versions) -> None:
    v1, v2, _new = mini_versions
    db = tmp_path / "corpus.sqlite"
    make_v1_database(db, v1).close()
    monkeypatch.setattr(config, "EMBEDDED_CORPUS", v2)
    real_import = CorpusStore.import_file

    def crash(self: CorpusStore, *a: object, **kw: object) -> ImportStats:
        raise KeyboardInterrupt

    monkeypatch.setattr(CorpusStore, "import_file", crash)
    with pytest.raises(KeyboardInterrupt):
        CorpusStore.open(db)
    monkeypatch.setattr(CorpusStore, "import_file", real_import)
    with CorpusStore.open(db) as store:
        assert store.last_sync is not None and store.last_sync.kind == "upgrade"
        assert store.count() == 380


def test_own_database_is_not_filled_with_the_embedded_corpus(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mini_versions) -> None:
    """A database made with ``import --no-embedded`` (no ``bootstrapped_from``) stays as it is."""
    _v1, v2, new = mini_versions
    monkeypatch.setattr(config, "EMBEDDED_CORPUS", v2)
    db = tmp_path / "own.sqlite"
    with CorpusStore(db) as store:
        store.upsert(user_papers(duplicate_of=new[0]))
    with CorpusStore.open(db) as store:
        assert store.last_sync is None and store.count() == 2


def test_fresh_database_records_the_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            mini_versions) -> None:
    _v1, v2, _new = mini_versions
    monkeypatch.setattr(config, "EMBEDDED_CORPUS", v2)
    monkeypatch.setitem(config.EMBEDDED_CORPUS_VERSIONS, file_sha256(v2), 7)
    with CorpusStore.open(tmp_path / "fresh.sqlite") as store:
        sync = store.last_sync
        assert sync is not None and sync.kind == "bootstrap" and sync.version == 7
        assert sync.message() == "Imported the embedded corpus (version 7): 380 papers."
        assert store.get_meta("embedded_corpus")["version"] == 7
        assert store.get_meta("bootstrapped_from") == "v2.jsonl.gz"
        assert store.get_meta("embedded_upgrade") is None


def test_cli_says_what_the_upgrade_added(tmp_path: Path, mini_versions) -> None:
    """``tmlmap info`` on a v1 database: the message on stderr, the new count on stdout."""
    v1, v2, new = mini_versions
    db = tmp_path / "corpus.sqlite"
    with make_v1_database(db, v1) as store:
        store.upsert(user_papers(duplicate_of=new[0])[:1])
    env = os.environ.copy()
    code = ("import sys; from pathlib import Path; from tmlmap import config; "
            f"config.EMBEDDED_CORPUS = Path({str(v2)!r}); "
            "from tmlmap.cli import main; sys.exit(main(sys.argv[1:]))")
    r = subprocess.run([sys.executable, "-c", code, "--db", str(db), "info"],
                       capture_output=True, text=True, timeout=300, cwd=REPO, env=env)
    assert r.returncode == 0, r.stderr
    assert "Upgraded the embedded corpus from version 1" in r.stderr
    assert "80 papers added" in r.stderr and "1 paper you imported or scraped kept" in r.stderr
    assert "papers:   381" in r.stdout
    r = subprocess.run([sys.executable, "-c", code, "--db", str(db), "info"],
                       capture_output=True, text=True, timeout=300, cwd=REPO, env=env)
    assert r.returncode == 0 and "Upgraded" not in r.stderr  # once only


@pytest.mark.slow
def test_real_v1_database_upgrades_to_v2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole version-1 corpus (22,868 papers) plus a user's paper, opened with version 2."""
    from tests.conftest import load_embedded_papers

    v2_papers = load_embedded_papers()
    v1_papers = [p for p in v2_papers if not added_in_v2(p)]
    assert len(v2_papers) == 28_428 and len(v1_papers) == 22_868
    v1 = write_jsonl(tmp_path / "papers-v1.jsonl.gz", v1_papers)
    db = tmp_path / "corpus.sqlite"
    with make_v1_database(db, v1) as store:
        store.upsert(user_papers(duplicate_of=v1_papers[0])[:1])
        assert store.count() == 22_869
    assert config.EMBEDDED_CORPUS_VERSIONS[file_sha256(config.EMBEDDED_CORPUS)] == 2
    with CorpusStore.open(db) as store:
        sync = store.last_sync
        assert sync is not None and (sync.previous_version, sync.version) == (1, 2)
        assert store.count() == 28_428 + 1
        assert (sync.stats.new, sync.stats.unchanged, sync.stats.updated) == (5_560, 22_868, 0)
        assert {v: n for v, _years, n in sync.added_by_venue()} == {
            "AIES": 224, "FAccT": 466, "ICLR": 2_260, "ICML": 2_610}
        assert dict((v, y) for v, y, _n in sync.added_by_venue()) == {
            "AIES": "2018-2024", "FAccT": "2019-2024", "ICLR": "2024", "ICML": "2024"}
        assert_no_duplicates(store)
        assert store.get("user-own-1") is not None


def test_dashboard_says_what_the_upgrade_added(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               mini_versions) -> None:
    """First dashboard start on a v1 database: the status box and the Corpus page say it."""
    import html

    from streamlit.testing.v1 import AppTest

    v1, v2, new = mini_versions
    db = tmp_path / "dash-v1.sqlite"
    with make_v1_database(db, v1) as store:
        store.upsert(user_papers(duplicate_of=new[0])[:1])
    monkeypatch.setattr(config, "EMBEDDED_CORPUS", v2)
    monkeypatch.setenv("TMLMAP_DB", str(db))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=180)
    at.switch_page("tmlmap/views/pages/corpus.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    labels = [s.proto.label for s in at.get("expandable")] if at.get("expandable") else []
    infos = [html.unescape(i.value) for i in at.info]
    shown = " ".join(labels + infos)
    assert "Upgraded the embedded corpus from version 1" in shown, shown
    assert "80 papers added" in shown
    assert {m.label: m.value for m in at.metric}["Papers"] == "381"


def test_database_read_by_an_older_importer_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          small_papers: list[Paper]) -> None:
    """The same embedded file, stored by an importer that kept control characters (as before
    commit bee4864), is imported again once: the stored text becomes what a fresh install holds,
    the user's own papers stay, and the map's corpus fingerprint follows the text."""
    import dataclasses

    papers = [dataclasses.replace(p, abstract=(p.abstract[:40] + "evalua\x02tion " + p.abstract[40:]) if i == 3
                                  else p.abstract) for i, p in enumerate(small_papers[:60])]
    file = write_jsonl(tmp_path / "embedded.jsonl.gz", papers)
    monkeypatch.setattr(config, "EMBEDDED_CORPUS", file)
    fresh_db, old_db = tmp_path / "fresh.sqlite", tmp_path / "old.sqlite"
    with CorpusStore.open(fresh_db) as fresh:
        assert fresh.last_sync is not None and fresh.last_sync.kind == "bootstrap"
        assert fresh.get_meta("embedded_corpus")["import_version"] == config.EMBEDDED_IMPORT_VERSION
        cleaned = fresh.get(papers[3].id).abstract
        assert "\x02" not in cleaned and "evalua tion" in cleaned
        fp_fresh = fresh.fingerprint()
    with CorpusStore.open(old_db) as old:  # then made to look as the older importer left it
        old.upsert([papers[3], *user_papers(duplicate_of=papers[10])[:1]])
        meta = old.get_meta("embedded_corpus")
        del meta["import_version"]
        old.set_meta("embedded_corpus", meta)
        assert "\x02" in old.get(papers[3].id).abstract and old.fingerprint() != fp_fresh
        assert old.embedded_pending() == "reimport"

    announced: list[str] = []
    with CorpusStore.open(old_db, announce=announced.append) as store:
        sync = store.last_sync
        assert announced == ["reimport"] and sync is not None and sync.kind == "reimport"
        assert (sync.stats.updated, sync.stats.unchanged, sync.n_added) == (1, 59, 0)
        assert store.get(papers[3].id).abstract == cleaned
        assert store.get("user-own-1") is not None and store.count() == 61
        message = sync.message()
        assert "again with this version's importer: 1 paper updated, 59 unchanged" in message
        assert "the map is rebuilt once" in message
        assert store.get_meta("embedded_corpus")["import_version"] == config.EMBEDDED_IMPORT_VERSION
        assert store.get_meta("embedded_upgrade")["message"] == message
    with CorpusStore.open(old_db, announce=announced.append) as store:  # once only
        assert store.last_sync is None and announced == ["reimport"]
        assert store.embedded_pending() is None

    # A database the current importer filled but which recorded no version: read again, no change.
    with CorpusStore(fresh_db) as fresh:
        meta = fresh.get_meta("embedded_corpus")
        del meta["import_version"]
        fresh.set_meta("embedded_corpus", meta)
    with CorpusStore.open(fresh_db) as fresh:
        assert fresh.last_sync is not None and fresh.last_sync.stats.updated == 0
        assert fresh.fingerprint() == fp_fresh and "the map stays as it is" in fresh.last_sync.message()


def test_cli_says_what_the_reimport_did(tmp_path: Path, small_papers: list[Paper]) -> None:
    file = write_jsonl(tmp_path / "embedded.jsonl.gz", small_papers[:20])
    db = tmp_path / "corpus.sqlite"
    code = ("import sys; from pathlib import Path; from tmlmap import config; "
            f"config.EMBEDDED_CORPUS = Path({str(file)!r}); "
            "from tmlmap.cli import main; sys.exit(main(sys.argv[1:]))")

    def info() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", code, "--db", str(db), "info"],
                              capture_output=True, text=True, timeout=300, cwd=REPO, env=os.environ.copy())

    assert info().returncode == 0
    with CorpusStore(db) as store:  # as a database filled before import versions were recorded
        meta = store.get_meta("embedded_corpus")
        del meta["import_version"]
        store.set_meta("embedded_corpus", meta)
    r = info()
    assert r.returncode == 0, r.stderr
    assert "reads the embedded corpus differently: importing it again" in r.stderr
    assert "0 papers updated, 20 unchanged" in r.stderr and "the map stays as it is" in r.stderr
    assert "reads the embedded corpus" not in info().stderr  # once only


def test_dashboard_says_what_the_reimport_did(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              small_papers: list[Paper]) -> None:
    import html

    from streamlit.testing.v1 import AppTest

    file = write_jsonl(tmp_path / "embedded.jsonl.gz", small_papers[:40])
    monkeypatch.setattr(config, "EMBEDDED_CORPUS", file)
    db = tmp_path / "dash.sqlite"
    with CorpusStore.open(db) as store:  # filled before import versions were recorded
        meta = store.get_meta("embedded_corpus")
        del meta["import_version"]
        store.set_meta("embedded_corpus", meta)
    monkeypatch.setenv("TMLMAP_DB", str(db))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=180)
    at.switch_page("tmlmap/views/pages/corpus.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    shown = " ".join(html.unescape(i.value) for i in at.info)
    assert "again with this version's importer: 0 papers updated, 40 unchanged" in shown, shown
    assert {m.label: m.value for m in at.metric}["Papers"] == "40"
