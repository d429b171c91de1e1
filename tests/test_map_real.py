"""The map of the real embedded corpus with default settings (built once per session)."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

from tmlmap.lexicons import TOPICS
from tmlmap.maps import artifacts, build
from tmlmap.maps.settings import MapSettings


def _topic_terms(term_map, topic: str) -> list[int]:
    ids = {term_map.term_id(s) for s in TOPICS[topic].seeds}
    return sorted(i for i in ids if i is not None)


#: Measured on corpus version 2 (2026-12-01, default settings): 10 of the 13 privacy lexicon
#: terms in the map (77%) are in the Privacy community, below the 80% this test asks (version 1
#: passed). The three others joined the Fairness & bias community, which with the FAccT and AIES
#: papers also holds the law/governance vocabulary: "data protection" (15 of its 23 papers are
#: FAccT; strongest links gdpr, data protection regulation, european union), "anonymity" (peer
#: review; 72% of its link weight to that community), "confidentiality" (45% of its link weight
#: to Privacy, 41% to Fairness). The core privacy terms stay together and apart from fairness
#: (next test). Kept as a strict xfail, threshold unchanged: if the map gets this right again,
#: the test fails and this mark must go (see README, "What the default map looks like").
PRIVACY_V2 = pytest.mark.xfail(strict=True, reason="corpus v2: 10/13 privacy lexicon terms (77%) "
                               "in the Privacy community; data protection, anonymity, "
                               "confidentiality joined Fairness & bias (law/governance terms)")


@pytest.mark.parametrize("topic", [pytest.param("privacy", marks=PRIVACY_V2), "fairness"])
def test_topic_terms_concentrate_in_their_anchor_community(real_map, topic):
    ids = _topic_terms(real_map, topic)
    assert len(ids) >= 8, "the map should know most of the topic's lexicon"
    anchor = int(real_map.community[real_map.term_id(topic)])
    share = np.mean([real_map.community[i] == anchor for i in ids])
    assert share >= 0.8, Counter(int(real_map.community[i]) for i in ids)
    assert real_map.communities[anchor].topic == topic


def test_privacy_and_fairness_are_different_communities(real_map):
    assert real_map.community[real_map.term_id("privacy")] != real_map.community[real_map.term_id("fairness")]
    for term in ("differential privacy", "membership inference", "privacy-preserving", "private"):
        assert real_map.term_id(term) is not None, term
        assert real_map.community[real_map.term_id(term)] == real_map.community[real_map.term_id("privacy")], term
    for term in ("demographic parity", "disparate impact", "discrimination", "fair"):
        assert real_map.term_id(term) is not None, term
        assert real_map.community[real_map.term_id(term)] == real_map.community[real_map.term_id("fairness")], term


def test_map_covers_the_corpus_and_is_well_formed(real_map):
    assert real_map.n_docs == 28_428
    assert real_map.X.shape == (28_428, real_map.n_terms)
    assert real_map.adjacency.shape == (real_map.n_terms, real_map.n_terms)
    assert (real_map.adjacency != real_map.adjacency.T).nnz == 0
    assert real_map.adjacency.diagonal().sum() == 0
    assert np.all(np.diff(real_map.adjacency.indptr) > 0), "no isolated terms"
    assert real_map.modularity > 0.3
    sizes = [c.size for c in real_map.communities]
    assert sizes == sorted(sizes, reverse=True)
    assert sum(sizes) == real_map.n_terms
    # multiword terms were detected from the corpus
    for phrase in ("federated learning", "adversarial examples", "reinforcement learning"):
        assert real_map.term_id(phrase) is not None, phrase


def test_same_settings_and_seed_rebuild_identically(real_store, real_map, map_cache_dir):
    again = build.build_map(real_store.papers(), MapSettings(), cache_dir=map_cache_dir)
    assert again.terms == real_map.terms
    np.testing.assert_array_equal(again.community, real_map.community)
    assert [c.name for c in again.communities] == [c.name for c in real_map.communities]


def test_warm_load_does_not_rebuild(real_store, real_map, map_cache_dir, monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("the cached map should have been loaded")

    monkeypatch.setattr(build, "build_map", fail)
    loaded = build.load_or_build(real_store, MapSettings(), cache_dir=map_cache_dir)
    assert loaded.terms == real_map.terms
    np.testing.assert_array_equal(loaded.community, real_map.community)
    assert (loaded.X != real_map.X).nnz == 0
    assert loaded.term_id("differential privacy") == real_map.term_id("differential privacy")


def test_map_is_stale_after_the_corpus_changes(small_store, tmp_path):
    settings = MapSettings(consensus_runs=1)
    first = build.load_or_build(small_store, settings, cache_dir=tmp_path)
    assert not build.is_stale(small_store, settings, cache_dir=tmp_path)
    assert build.is_stale(small_store, settings.replace(seed=5), cache_dir=tmp_path)
    paper = small_store.get(first.doc_ids[0])
    from dataclasses import replace

    small_store.upsert([replace(paper, abstract=paper.abstract + " Fairness of loan approval.")])
    assert build.is_stale(small_store, settings, cache_dir=tmp_path)


def test_artifacts_round_trip_and_reject_corruption(small_store, tmp_path):
    term_map = build.build_map(small_store.papers(), MapSettings(consensus_runs=1))
    path = tmp_path / "m"
    artifacts.save_map(term_map, path)
    back = artifacts.load_map(path)
    assert back.terms == term_map.terms and back.settings == term_map.settings
    assert (back.adjacency != term_map.adjacency).nnz == 0
    np.testing.assert_array_equal(back.transform(["fairness in hiring"]).toarray(),
                                  term_map.transform(["fairness in hiring"]).toarray())
    # every form's most common spelling survives the round trip where it differs from the key
    ex = term_map.extractor
    spelled = {f: d for f, d in ex.form_display.items() if d != ex.forms[f]}
    assert spelled and back.extractor.form_display == spelled
    datum = ex.form_index["datum"]  # spaCy's lemma of "data"
    assert back.extractor.form_label(datum) == "data" and back.extractor.form_label(0) == ex.form_label(0)
    # a map saved before the spellings were kept (format 2) is not loaded: it is rebuilt
    meta = json.loads((path / "meta.json").read_text())
    (path / "meta.json").write_text(json.dumps(meta | {"format_version": 2}))
    assert artifacts.load_map(path) is None
    (path / "arrays.npz").write_bytes(b"not a zip")
    assert artifacts.load_map(path) is None
    assert artifacts.load_map(tmp_path / "missing") is None


def test_filters_select_rows_before_the_product(small_store):
    all_map = build.build_map(small_store.papers(), MapSettings(consensus_runs=1))
    recent = build.build_map(small_store.papers(), MapSettings(consensus_runs=1, year_min=2018))
    assert recent.n_docs < all_map.n_docs
    assert recent.doc_years.min() >= 2018
    assert set(recent.doc_ids) <= set(all_map.doc_ids)
    with pytest.raises(ValueError, match="papers match"):
        build.build_map(small_store.papers(), MapSettings(venues=("NoSuchVenue",)))


@pytest.mark.heavy  # 75 Louvain runs: about 70 s on a quiet 2-core machine, so not in the default run
@pytest.mark.timeout(1800)  # 758 s on 2 cores shared with a dozen jobs (2026-12-01)
def test_default_partition_is_stable_across_seeds(real_map):
    """The issue's criterion: mean ARI over 5 seeds >= 0.8 with the default settings.

    Each seed's default map is a consensus of ``consensus_runs`` Louvain runs
    (seeds ``seed .. seed + runs - 1``); the five seeds are spaced so that no
    two consensus partitions share a run.
    """
    from tmlmap.network.communities import detect_communities, mean_pairwise_ari

    s = MapSettings()
    partitions = [
        detect_communities(real_map.adjacency, resolution=s.resolution, seed=seed, backend=s.backend,
                           consensus_runs=s.consensus_runs).membership
        for seed in range(0, 5 * s.consensus_runs, s.consensus_runs)
    ]
    np.testing.assert_array_equal(partitions[0], real_map.community)
    assert mean_pairwise_ari(partitions) >= 0.8
