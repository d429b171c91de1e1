"""``tmlmap build | communities | term`` as a user runs them (subprocesses, small corpus)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def run(_small_template: Path, tmp_path_factory: pytest.TempPathFactory):
    """Run ``python -m tmlmap`` on a copy of the small corpus; one data dir per module,
    so the default map is built once and reused like a user's cache."""
    home = tmp_path_factory.mktemp("cli_map_home")
    db = home / "corpus.sqlite"
    shutil.copy(_small_template, db)
    env = dict(os.environ, TMLMAP_HOME=str(home), TMLMAP_DB=str(db))

    def _run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run([sys.executable, "-m", "tmlmap", *args], capture_output=True, text=True, env=env,
                              timeout=300)
        if check:
            assert proc.returncode == 0, proc.stderr
        return proc

    return _run


def test_build_communities_and_term_json(run):
    summary = json.loads(run("build", "--format", "json", "--quiet").stdout)
    assert summary["papers"] == 1500
    assert summary["terms"] > 500 and summary["edges"] > summary["terms"]
    assert summary["communities"] >= 2 and 0 < summary["modularity"] < 1
    assert set(summary["seconds"]) == {"normalize", "phrases", "vocabulary", "cooccurrence", "pruning",
                                       "communities", "labels"}

    communities = json.loads(run("communities", "--format", "json", "--quiet").stdout)
    assert len(communities) == summary["communities"]
    for c in communities:
        assert {"id", "name", "size", "top_terms"} <= set(c)
        assert isinstance(c["top_terms"], list) and c["top_terms"]
    assert sum(c["size"] for c in communities) == summary["terms"]

    term = json.loads(run("term", "fairness", "--format", "json", "--quiet").stdout)
    assert term["term"] == "fairness"
    names = {c["id"]: c["name"] for c in communities}
    assert names[term["community"]] == term["community_name"]
    assert term["document_frequency"] > 0 and term["neighbours"]


def test_multiword_terms_and_unknown_terms(run):
    run("build", "--quiet")
    out = json.loads(run("term", "Reinforcement Learning", "--format", "json", "--quiet").stdout)
    assert out["term"] == "reinforcement learning"
    proc = run("term", "reinforcment lerning", "--quiet", check=False)
    assert proc.returncode == 1
    assert "not a term of this map" in proc.stderr and "reinforcement learning" in proc.stderr


def test_filters_and_bad_settings(run):
    recent = json.loads(run("build", "--years", "2018-2022", "--format", "json", "--quiet").stdout)
    everything = json.loads(run("build", "--format", "json", "--quiet").stdout)
    assert recent["papers"] < everything["papers"]
    assert recent["settings"]["year_min"] == 2018
    proc = run("build", "--years", "2022-2018", "--quiet", check=False)
    assert proc.returncode == 2 and "year_min" in proc.stderr
    proc = run("build", "--venues", "NoSuchVenue", "--quiet", check=False)
    assert proc.returncode == 2 and "papers match" in proc.stderr


def test_second_build_loads_the_cache(run):
    first = json.loads(run("build", "--format", "json", "--quiet").stdout)
    second = json.loads(run("build", "--format", "json", "--quiet").stdout)
    assert second["seconds"] == first["seconds"]  # the same saved map, not a new build
    forced = json.loads(run("build", "--force", "--format", "json", "--quiet").stdout)
    assert forced["terms"] == first["terms"]
