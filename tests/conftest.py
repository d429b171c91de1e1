"""Shared test fixtures.

* Every test gets its own data directory: ``TMLMAP_HOME`` and ``TMLMAP_DB``
  point into the test's tmp dir, so no test touches the user's data.
* ``real_store``: the whole embedded corpus (28,428 papers), imported once per
  session. **Read-only** (``PRAGMA query_only``: a write raises
  ``sqlite3.OperationalError``); to test writes use ``small_store``, your own
  store, or ``real_store.backup(tmp_path / "copy.sqlite")``.
* ``small_store``: ~1,500 real papers (every FAT* and TrustNLP paper plus a
  fixed-seed sample of the rest), a fresh writable copy for each test.
* ``small_papers``: those papers as a list of :class:`~tmlmap.corpus.records.Paper`.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tmlmap import config
from tmlmap.corpus.records import Paper, validate_record
from tmlmap.corpus.store import CorpusStore

#: Size of the ``small_store`` sample and its seed.
SMALL_SIZE = 1500
SMALL_SEED = 20240101
#: Venues kept whole in ``small_store`` (the trustworthy-ML venues).
SMALL_ALL_VENUES = ("FAT*", "TrustNLP")


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point TMLMAP_HOME and TMLMAP_DB at a per-test directory."""
    home = tmp_path / "tmlmap-home"
    home.mkdir()
    monkeypatch.setenv("TMLMAP_HOME", str(home))
    monkeypatch.setenv("TMLMAP_DB", str(home / "corpus.sqlite"))
    return home


def load_embedded_papers() -> list[Paper]:
    """Every record of the embedded corpus, validated, in file order."""
    with gzip.open(config.EMBEDDED_CORPUS, "rt", encoding="utf-8") as fh:
        return [validate_record(json.loads(line), where=f"embedded:{i}")
                for i, line in enumerate(fh, start=1) if line.strip()]


def sample_small(papers: list[Paper], size: int = SMALL_SIZE, seed: int = SMALL_SEED) -> list[Paper]:
    """All FAT*/TrustNLP papers plus a fixed-seed sample of the rest, ordered by id."""
    keep = [p for p in papers if p.venue in SMALL_ALL_VENUES]
    rest = sorted((p for p in papers if p.venue not in SMALL_ALL_VENUES), key=lambda p: p.id)
    keep += random.Random(seed).sample(rest, max(0, size - len(keep)))
    return sorted(keep, key=lambda p: p.id)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[CorpusStore]:
    """An empty writable store in the test's directory."""
    with CorpusStore(tmp_path / "corpus.sqlite") as s:
        yield s


@pytest.fixture
def server() -> Iterator[object]:
    """The local HTTP server with every saved source page installed (``tests.scraper_server``)."""
    from tests.scraper_server import LocalServer, install_all

    with LocalServer() as srv:
        install_all(srv.site)
        yield srv


@pytest.fixture(scope="session")
def small_papers() -> list[Paper]:
    """The ~1,500 real papers behind ``small_store`` (ordered by id)."""
    return sample_small(load_embedded_papers())


@pytest.fixture(scope="session")
def _small_template(tmp_path_factory: pytest.TempPathFactory, small_papers: list[Paper]) -> Path:
    path = tmp_path_factory.mktemp("small_store") / "template.sqlite"
    with CorpusStore(path) as store:
        stats = store.upsert(small_papers)
        assert stats.new == len(small_papers), stats
    return path


@pytest.fixture
def small_store(tmp_path: Path, _small_template: Path) -> Iterator[CorpusStore]:
    """A writable store with the ``small_papers`` (a fresh copy per test)."""
    path = tmp_path / "small.sqlite"
    with contextlib.closing(sqlite3.connect(_small_template)) as src, \
            contextlib.closing(sqlite3.connect(path)) as dst:
        src.backup(dst)
    store = CorpusStore(path)
    yield store
    store.close()


@pytest.fixture(scope="session")
def real_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CorpusStore]:
    """The whole embedded corpus, imported once per session; read-only."""
    path = tmp_path_factory.mktemp("real_store") / "corpus.sqlite"
    store = CorpusStore(path)
    stats = store.import_file(config.EMBEDDED_CORPUS)
    assert not stats.errors, stats.errors[:5]
    store.conn.execute("PRAGMA query_only = ON")  # shared by the session: writes must fail
    yield store
    store.close()


@pytest.fixture(scope="session")
def map_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A session-wide cache for token streams and map artifacts."""
    return tmp_path_factory.mktemp("map_cache")


@pytest.fixture(scope="session")
def real_map(real_store: CorpusStore, map_cache_dir: Path):
    """The map of the whole embedded corpus with default settings, built once per session."""
    from tmlmap.maps.build import load_or_build
    from tmlmap.maps.settings import MapSettings

    return load_or_build(real_store, MapSettings(), cache_dir=map_cache_dir)
