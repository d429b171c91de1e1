"""The distributed build (tmlmap.maps.distributed) gives the in-process map, on a real 2-worker cluster.

The cluster is a ``LocalCluster`` of two worker processes on 127.0.0.1 (one
thread each), started once for the module; the corpus is the real
``small_papers`` slice (~1,500 papers), cut into several partitions or
shard files so every reduction crosses partitions and workers.
"""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

pytest.importorskip("distributed")

from tmlmap.corpus.records import Paper, RecordError  # noqa: E402
from tmlmap.corpus.shards import expand_shards, read_shard, write_jsonl_shards  # noqa: E402
from tmlmap.maps.build import build_map  # noqa: E402
from tmlmap.maps.distributed import (  # noqa: E402
    ClusterUnavailable,
    build_map_distributed,
    connect,
    partition_papers,
)
from tmlmap.maps.settings import MapSettings  # noqa: E402
from tmlmap.maps.termmap import TermMap  # noqa: E402

#: Fewer consensus runs than the default keep the test quick; the comparison is exact either way.
SETTINGS = MapSettings(consensus_runs=3)


@pytest.fixture(scope="module")
def client():
    with connect(workers=2) as c:
        yield c


@pytest.fixture(scope="module")
def reference(small_papers: list[Paper]) -> TermMap:
    return build_map(small_papers, SETTINGS)


def _same_matrix(a: sp.spmatrix, b: sp.spmatrix) -> None:
    a, b = sp.csr_matrix(a), sp.csr_matrix(b)
    a.sort_indices()
    b.sort_indices()
    assert a.shape == b.shape and a.dtype == b.dtype
    np.testing.assert_array_equal(a.indptr, b.indptr)
    np.testing.assert_array_equal(a.indices, b.indices)
    np.testing.assert_array_equal(a.data, b.data)  # exact, not approximate


def assert_same_map(got: TermMap, want: TermMap) -> None:
    assert got.terms == want.terms
    np.testing.assert_array_equal(got.doc_freq, want.doc_freq)
    assert got.doc_ids == want.doc_ids
    np.testing.assert_array_equal(got.doc_years, want.doc_years)
    np.testing.assert_array_equal(got.doc_venues, want.doc_venues)
    _same_matrix(got.X, want.X)
    _same_matrix(got.cooccurrence, want.cooccurrence)
    _same_matrix(got.adjacency, want.adjacency)
    np.testing.assert_array_equal(got.community, want.community)
    assert [c.to_dict() for c in got.communities] == [c.to_dict() for c in want.communities]
    assert got.modularity == want.modularity
    assert got.stability_ari == want.stability_ari
    # The fitted extractor is the same: same forms, phrases and term lookups.
    assert got.extractor.forms == want.extractor.forms
    np.testing.assert_array_equal(got.extractor.form_map, want.extractor.form_map)
    for (n1, a1, p1), (n2, a2, p2) in zip(got.extractor.phrase_passes, want.extractor.phrase_passes, strict=True):
        assert n1 == n2
        np.testing.assert_array_equal(a1, a2)
        np.testing.assert_array_equal(p1, p2)


def test_store_papers_in_partitions_give_the_in_process_map(client, small_papers, reference):
    progress: list[tuple[str, float]] = []
    got = build_map_distributed(client, SETTINGS, papers=small_papers, partition_size=400,
                                progress=lambda s, f: progress.append((s, f)))
    assert len(partition_papers(small_papers, 400)) == 4
    assert_same_map(got, reference)
    assert got.corpus_fingerprint == reference.corpus_fingerprint
    assert reference.n_terms > 500 and len(reference.communities) > 3  # a real map, not a degenerate one
    stages = [s for s, _ in progress]
    assert stages[0] == "normalize" and stages[-1] == "labels"
    assert all(0.0 <= f <= 1.0 for _, f in progress)
    # Partitions done are reported inside the stage, not only its end.
    assert len({f for s, f in progress if s == "normalize"}) > 3


def test_shuffled_jsonl_and_parquet_shards_give_the_in_process_map(client, small_papers, reference, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    # Round-robin shards are not sorted by id: the build must order the documents itself.
    paths = write_jsonl_shards(small_papers[: len(small_papers) // 2], tmp_path, 3)
    rest = small_papers[len(small_papers) // 2 :]
    pq.write_table(pa.Table.from_pylist([p.to_dict() for p in rest]), tmp_path / "part-99999.parquet")
    shards = expand_shards([str(tmp_path)])
    assert len(shards) == 4 and shards[:3] == paths
    got = build_map_distributed(client, SETTINGS, shards=shards)
    assert_same_map(got, reference)


def test_other_settings_relevance_a_year_filter_and_a_thesaurus(client, small_papers, tmp_path):
    thesaurus = tmp_path / "thesaurus.csv"
    thesaurus.write_text("variant,preferred\nmachine learning,ML\nneural network,deep learning\ndataset,\n")
    settings = SETTINGS.replace(vocab_by="relevance", max_terms=1500, year_min=2019, weight="npmi", seed=3,
                                thesaurus=str(thesaurus))
    want = build_map(small_papers, settings)
    ex = want.extractor
    assert ex.lookup_form("machine learning") == ex.lookup_form("ML")  # the thesaurus was applied
    assert want.term_id("dataset") is None
    assert want.n_docs < len(small_papers)
    got = build_map_distributed(client, settings, papers=small_papers, partition_size=500)
    assert_same_map(got, want)


def test_duplicate_ids_across_shards_are_an_error(client, small_papers, tmp_path):
    write_jsonl_shards(small_papers[:300], tmp_path / "a", 1)
    write_jsonl_shards(small_papers[:300], tmp_path / "b", 1)
    with pytest.raises(ValueError, match="occur more than once"):
        build_map_distributed(client, SETTINGS, shards=[str(tmp_path / "a"), str(tmp_path / "b")])


def test_a_bad_record_in_a_shard_names_file_and_line(tmp_path):
    path = tmp_path / "part-0.jsonl"
    path.write_text('{"id": "a", "title": "T", "abstract": "x", "venue": "V", "year": 2020}\n'
                    '{"id": "b", "title": "T", "abstract": "x", "venue": "V", "year": "soon"}\n')
    with pytest.raises(RecordError, match=r"part-0\.jsonl:2.*year"):
        read_shard(str(path))
    with pytest.raises(RecordError, match="no such file"):
        expand_shards([str(tmp_path / "missing.jsonl")])
    with pytest.raises(RecordError, match="unknown shard type"):
        read_shard(str(tmp_path / "x.csv"))


def test_shard_text_gets_the_import_cleanup(tmp_path):
    path = tmp_path / "part-0.jsonl"
    path.write_text('{"id": "a", "title": "<b>Fair</b> ranking", "abstract": "We study &amp; fix.", '
                    '"venue": "V", "year": 2020}\n')
    (paper,) = read_shard(str(path))
    assert paper.title == "Fair ranking" and paper.abstract == "We study & fix."


def test_partition_pair_counts_equal_score_pairs() -> None:
    from tmlmap.maps.distributed import pair_counts
    from tmlmap.text.normalize import TokenStream
    from tmlmap.text.phrases import score_pairs

    rng = np.random.default_rng(0)
    for _ in range(30):
        lengths = rng.integers(0, 40, size=int(rng.integers(1, 30)))
        tokens = rng.integers(-1, 12, size=int(lengths.sum())).astype(np.int64)
        stream = TokenStream(tokens, np.concatenate(([0], np.cumsum(lengths))).astype(np.int64))
        codes, doc_counts, counts, _ = score_pairs(stream, 12)
        got = pair_counts(stream, 12)
        for a, b in zip(got, (codes, counts, doc_counts), strict=True):
            np.testing.assert_array_equal(a, b)


def _unused_loopback_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_scheduler_is_a_clear_error():
    address = f"tcp://127.0.0.1:{_unused_loopback_port()}"
    with pytest.raises(ClusterUnavailable, match=f"cannot reach the Dask scheduler at {address}"), \
            connect(scheduler=address, timeout=2):
        pass


def test_connect_needs_exactly_one_target():
    with pytest.raises(ValueError, match="exactly one"), connect():
        pass


def test_partitions_are_runs_of_sorted_papers(small_papers: list[Paper]) -> None:
    parts = partition_papers(list(reversed(small_papers)), 600)
    assert [len(p.papers) for p in parts] == [600, 600, len(small_papers) - 1200]
    ids = [p.id for part in parts for p in part.papers]
    assert ids == sorted(ids)
    with pytest.raises(ValueError, match="partition_size"):
        partition_papers(small_papers, 0)


def test_the_in_process_path_does_not_import_dask() -> None:
    import subprocess
    import sys

    code = ("import sys, tmlmap.maps.build, tmlmap.cli, tmlmap.cli.map; "
            "print('distributed' in sys.modules or 'dask' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "False"


# ---- the CLI -------------------------------------------------------------------


@pytest.fixture
def run_cli(_small_template: Path, tmp_path: Path):
    """Run ``python -m tmlmap`` on a copy of the small corpus in the test's own data dir."""
    import os
    import shutil
    import subprocess
    import sys

    home = tmp_path / "home"
    home.mkdir()
    db = home / "corpus.sqlite"
    shutil.copy(_small_template, db)
    env = dict(os.environ, TMLMAP_HOME=str(home), TMLMAP_DB=str(db))

    def _run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "tmlmap", *args], capture_output=True, text=True, env=env,
                              timeout=600, cwd=Path(__file__).resolve().parents[1])

    return _run


def test_cli_build_on_two_local_workers_matches_and_fills_the_cache(run_cli):
    import json

    opts = ("--consensus-runs", "3", "--format", "json")
    dist = run_cli("build", "--workers", "2", "--partition-size", "500", *opts)
    assert dist.returncode == 0, dist.stderr
    got = json.loads(dist.stdout)
    # The in-process command now loads the map the cluster built (same cache key) ...
    cached = json.loads(run_cli("build", *opts, "--quiet").stdout)
    assert cached["seconds"] == got["seconds"]
    # ... and rebuilding it in-process gives the same map.
    rebuilt = json.loads(run_cli("build", *opts, "--quiet", "--force").stdout)
    for key in ("papers", "terms", "edges", "communities", "modularity", "stability_ari"):
        assert rebuilt[key] == got[key], key
    assert got["papers"] == 1500


def test_cli_unreachable_scheduler_exits_2_with_the_address(run_cli):
    address = f"tcp://127.0.0.1:{_unused_loopback_port()}"
    proc = run_cli("build", "--scheduler", address, "--quiet")
    assert proc.returncode == 2
    assert f"cannot reach the Dask scheduler at {address}" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_cli_input_shards_in_process_and_bad_workers(run_cli, small_papers, tmp_path):
    import json

    from tmlmap.maps import artifacts

    write_jsonl_shards(small_papers, tmp_path / "shards", 3)
    out = tmp_path / "map"
    proc = run_cli("build", "--input", str(tmp_path / "shards" / "part-*.jsonl.gz"), "--output", str(out),
                   "--consensus-runs", "1", "--format", "json", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["papers"] == len(small_papers)
    loaded = artifacts.load_map(out)
    assert loaded is not None and loaded.n_docs == len(small_papers)
    proc = run_cli("build", "--workers", "0", "--quiet")
    assert proc.returncode == 2 and "--workers must be >= 1" in proc.stderr
    proc = run_cli("build", "--input", str(tmp_path / "nothing-*.jsonl"), "--quiet")
    assert proc.returncode == 2 and "matches no" in proc.stderr
