"""Corpus coverage: years present/missing per venue, topic-selected slices (issue 11)."""

from __future__ import annotations

import numpy as np

from tmlmap.corpus.coverage import (
    TOPIC_SELECTED_MARKER,
    corpus_coverage,
    coverage_from_slices,
    topic_selected_mask,
    topic_selected_notes,
    year_ranges,
)
from tmlmap.corpus.records import Paper
from tmlmap.corpus.store import CorpusStore


def test_year_ranges() -> None:
    assert year_ranges([]) == ""
    assert year_ranges([2018]) == "2018"
    assert year_ranges([2014, 2013, 2017, 2018, 2021, 2013]) == "2013-2014, 2017-2018, 2021"


def test_coverage_from_slices() -> None:
    cov = coverage_from_slices([("ICLR", 2013, 5, 0), ("ICLR", 2016, 7, 0), ("FAccT", 2015, 3, 3),
                                ("Mixed", 2014, 4, 0), ("Mixed", 2015, 2, 2)])
    by = {c.venue: c for c in cov}
    assert [c.venue for c in cov] == ["ICLR", "Mixed", "FAccT"]  # largest first
    assert by["ICLR"].years_present == [2013, 2016] and by["ICLR"].years_missing == [2014, 2015]
    assert by["FAccT"].years_missing == [2016]  # up to the corpus's last year
    assert by["FAccT"].topic_selected and by["FAccT"].selection() == "topic-selected"
    assert not by["Mixed"].topic_selected and by["Mixed"].selection() == "topic-selected in 2015"
    assert by["ICLR"].selection() == "full" and by["ICLR"].topic_selected_years == []
    d = by["ICLR"].to_dict()
    assert d["years_missing_text"] == "2014-2015" and d["papers_by_year"] == {"2013": 5, "2016": 7}
    notes = topic_selected_notes(cov)
    assert len(notes) == 2 and notes[0].startswith("Mixed 2015: 2 topic-selected")
    assert coverage_from_slices([]) == []


def test_corpus_coverage_reads_the_source_marker(store: CorpusStore) -> None:
    def p(pid: str, venue: str, year: int, source: str) -> Paper:
        return Paper(id=pid, title=f"Title {pid}", abstract="Text.", venue=venue, year=year,
                     source=source)

    store.upsert([p("a", "ICML", 2020, "repo@1:file.csv"),
                  p("b", "AIES", 2021, f"repo@2:aies.csv ({TOPIC_SELECTED_MARKER}: Security)"),
                  p("c", "AIES", 2023, f"repo@2:aies.csv ({TOPIC_SELECTED_MARKER}: Fairness)")])
    by = {c.venue: c for c in corpus_coverage(store)}
    assert by["AIES"].topic_selected and by["AIES"].years_missing == [2022]
    assert by["ICML"].selection() == "full" and by["ICML"].years_missing == [2021, 2022, 2023]
    mask = topic_selected_mask(store, ["c", "a", "b", "zzz"])
    assert mask.dtype == np.bool_ and mask.tolist() == [True, False, True, False]


def test_real_corpus_coverage(real_store: CorpusStore) -> None:
    """The embedded corpus: FAccT and AIES (only they) are topic-selected, from the data."""
    by = {c.venue: c for c in corpus_coverage(real_store)}
    assert sum(c.papers for c in by.values()) == 28_428
    assert {v for v, c in by.items() if c.topic_selected_papers} == {"FAccT", "AIES"}
    assert by["FAccT"].topic_selected and by["FAccT"].papers == 466
    assert by["AIES"].topic_selected and by["AIES"].years_present == list(range(2018, 2025))
    assert year_ranges(by["NeurIPS"].years_missing) == "2020-2021, 2023-2025"  # 2023 kept out
    assert year_ranges(by["ICLR"].years_present) == "2013-2014, 2017-2018, 2021, 2024"
    assert by["ICML"].papers_by_year[2024] == 2_610
