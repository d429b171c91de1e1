"""Evaluation helpers: AUC against sklearn, keyword labels, dev-set AUC table on a tiny map."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from tests.test_fingerprint import tiny_map
from tmlmap.maps.settings import MapSettings
from tmlmap.risk.evaluate import (
    TWML_VENUES,
    auc,
    auc_ci,
    auc_difference,
    evaluate_devset,
    evaluate_papers,
    keyword_label,
    load_devset,
    results_table,
)


def test_auc_matches_sklearn_with_ties() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 200).astype(bool)
    s = np.round(rng.normal(size=200) + y, 1)  # ties included
    assert auc(y, s) == pytest.approx(roc_auc_score(y, s))
    assert math.isnan(auc(np.ones(3, bool), np.arange(3)))
    lo, hi = auc_ci(y, s, n_boot=200)
    assert lo <= auc(y, s) <= hi


def test_auc_difference_is_paired() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 300).astype(bool)
    base = rng.normal(size=300) + 0.8 * y
    # The same scores: no difference, and no spread either.
    assert auc_difference(y, base, base, n_boot=200) == (0.0, 0.0, 0.0)
    # A small, consistent improvement on the same texts: the paired interval excludes 0 while
    # the two methods' own intervals overlap.
    better = base + 0.3 * y
    d, lo, hi = auc_difference(y, better, base, n_boot=300)
    assert d == pytest.approx(auc(y, better) - auc(y, base)) and 0 < lo <= d <= hi
    assert auc_ci(y, better, n_boot=300)[0] < auc_ci(y, base, n_boot=300)[1]
    # Swapping the methods flips the sign; one class only gives NaN; lengths must match.
    d2, lo2, hi2 = auc_difference(y, base, better, n_boot=300)
    assert (d2, lo2, hi2) == pytest.approx((-d, -hi, -lo))
    assert all(math.isnan(v) for v in auc_difference(np.ones(4, bool), np.arange(4), np.arange(4)))
    with pytest.raises(ValueError, match="length"):
        auc_difference(y, base[:-1], base)


@pytest.mark.parametrize(
    ("keywords", "fair", "priv"),
    [
        (["Fairness", "classification"], True, False),
        (["algorithmic bias"], True, False),
        (["inductive bias", "implicit bias"], False, False),
        (["Differential Privacy"], False, True),
        (["federated learning"], False, False),
        (["fair division"], True, False),
        (["unfairness", "membership inference attacks"], True, True),
        ([], False, False),
    ],
)
def test_keyword_labels(keywords: list[str], fair: bool, priv: bool) -> None:
    assert keyword_label(keywords, "fairness") is fair
    assert keyword_label(keywords, "privacy") is priv


def test_devset_evaluation_on_tiny_map(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    rows = [
        {"id": "1", "text": "loan credit", "fairness": 1, "privacy": 0, "split": "dev"},
        {"id": "2", "text": "river sensor", "fairness": 0, "privacy": 0, "split": "dev"},
        {"id": "3", "text": "membership inference", "fairness": 0, "privacy": 1, "split": "dev"},
        {"id": "4", "text": "fairness loan", "fairness": 1, "privacy": 0, "split": "test"},
        {"id": "5", "text": "privacy sensor", "fairness": 0, "privacy": 1, "split": "test"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    out = evaluate_devset(tiny_map(), path)
    assert len(out) == 2 * 2 * 4  # splits x topics x methods
    assert {r["method"] for r in out} == {"bipartite", "diffusion", "reference", "keyword"}
    for method in ("bipartite", "diffusion"):
        got = {(r["evaluation"], r["topic"]): r["auc"] for r in out if r["method"] == method}
        assert got[("project descriptions, dev split", "fairness")] == 1.0, method
        assert got[("project descriptions, test split", "privacy")] == 1.0, method
    table = results_table(out)
    assert table.count("\n") == 2 + 3  # header, rule, 4 rows
    assert "| bipartite (default) | diffusion | reference (Derzsy) | keyword lexicon |" in table
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "x", "text": "y"}) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="missing fields"):
        load_devset(bad)


def test_paper_evaluation_leaves_dedicated_venues_out_of_the_test_set(small_papers, tmp_path: Path) -> None:
    """Later papers of FAccT-like venues would be positives by venue alone: not scored by default."""
    later = [p for p in small_papers if p.year > 2020 and p.keywords and p.venue not in TWML_VENUES]
    dedicated = [p for p in small_papers if p.year > 2020 and p.keywords and p.venue in TWML_VENUES]
    assert dedicated  # corpus version 2: FAccT papers carry author keywords
    moved = {p.id for p in later[::4]}  # as if a refresh had brought more FAccT papers
    papers = [dataclasses.replace(p, venue="FAccT") if p.id in moved else p for p in small_papers]
    settings = MapSettings(consensus_runs=1)
    rows = evaluate_papers(papers, settings=settings, cache_dir=tmp_path)
    assert {r["n"] for r in rows} == {len(later) - len(moved)}
    assert "FAccT" not in rows[0]["evaluation"] and "ICLR 2021" in rows[0]["evaluation"]
    assert rows[0]["train_papers"] == sum(p.year <= 2020 for p in papers)
    everything = evaluate_papers(papers, settings=settings, cache_dir=tmp_path, exclude_venues=())
    assert {r["n"] for r in everything} == {len(later) + len(dedicated)}
    assert "FAccT" in everything[0]["evaluation"] and "FAccT" in TWML_VENUES


def test_temporal_splits_test_years_and_reserved_slices(small_papers, tmp_path: Path) -> None:
    """Split 2020 tests on 2021-2022 only; split 2022 on ICLR 2024; NeurIPS 2023 never enters."""
    from tmlmap.risk.evaluate import PAPER_SPLITS, RESERVED_VENUE_YEARS, evaluate_temporal

    assert PAPER_SPLITS == ((2020, (2021, 2022)), (2022, (2024,)))
    assert ("NeurIPS", 2023) in RESERVED_VENUE_YEARS
    # as if a user had scraped NeurIPS 2023 papers with keywords into the store
    planted = [dataclasses.replace(p, id=f"planted-{p.id}", venue="NeurIPS", year=2023)
               for p in small_papers if p.keywords][:30]
    papers = list(small_papers) + planted
    settings = MapSettings(consensus_runs=1)
    rows = evaluate_temporal(papers, settings=settings, cache_dir=tmp_path)
    by_split: dict[str, set[int]] = {}
    for r in rows:
        by_split.setdefault(r["evaluation"], set()).add(r["n"])
    assert len(by_split) == 2
    first, second = sorted(by_split)
    assert first.startswith("papers after 2020 (") and "ICLR 2024" not in first
    assert "ICLR 2021" in first and "NeurIPS 2022" in first
    assert second == "papers after 2022 (ICLR 2024)"
    n_2021_22 = sum(1 for p in small_papers if p.year in (2021, 2022) and p.keywords
                    and p.venue not in TWML_VENUES)
    n_2024 = sum(1 for p in small_papers if p.year == 2024 and p.keywords
                 and p.venue not in TWML_VENUES)
    assert by_split[first] == {n_2021_22} and by_split[second] == {n_2024}
    train_2022 = {r["train_papers"] for r in rows if r["evaluation"] == second}
    assert train_2022 == {sum(p.year <= 2022 for p in small_papers)}  # planted 2023 not counted
    # a corpus without 2024 keywords (e.g. version 1) skips the second split
    old = [p for p in small_papers if p.year != 2024]
    only_first = evaluate_temporal(old, settings=settings, cache_dir=tmp_path)
    assert {r["evaluation"] for r in only_first} == {first}
    with pytest.raises(ValueError, match="in \\[2024\\]"):
        evaluate_papers(old, year_max=2022, test_years=(2024,), settings=settings, cache_dir=tmp_path)
