"""What the corpus covers: per venue, the years present, the years missing, topic-selected slices.

A *slice* is the papers of one venue in one year. A paper is **topic-selected** when its
``source`` field contains :data:`TOPIC_SELECTED_MARKER` (the embedded corpus marks every FAccT
and AIES record so, ``"... (topic-selected: Fairness & Bias)"``, see ``data/SOURCES.md``): the
collection it comes from kept only papers of some topics, so the slice is not the venue's
proceedings and its size or topic mix says nothing about the venue. Any importer can use the
same marker for its own partial collections.

*Years missing* are the years without any paper of the venue, between its first year and the
last year of the whole corpus: the venue either did not meet that year or its papers were not
collected (the corpus cannot tell which; e.g. NeurIPS 2020-2021 and 2023- are not collected).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from tmlmap.corpus.store import CorpusStore

#: Substring of a record's ``source`` that marks the paper as topic-selected.
TOPIC_SELECTED_MARKER = "topic-selected"


def year_ranges(years: Iterable[int]) -> str:
    """``[2013, 2014, 2017, 2018]`` -> ``"2013-2014, 2017-2018"``; ``""`` for no years."""
    ys = sorted(set(int(y) for y in years))
    parts: list[str] = []
    i = 0
    while i < len(ys):
        j = i
        while j + 1 < len(ys) and ys[j + 1] == ys[j] + 1:
            j += 1
        parts.append(str(ys[i]) if i == j else f"{ys[i]}-{ys[j]}")
        i = j + 1
    return ", ".join(parts)


@dataclass(frozen=True)
class VenueCoverage:
    """Coverage of one venue.

    ``years_present``: years with at least one paper, ascending; ``years_missing``: years
    from ``first_year`` to the corpus's last year without one; ``papers_by_year``: papers
    per present year; ``topic_selected_by_year``: topic-selected papers per present year
    (0 when none); ``topic_selected_papers``: their total.
    """

    venue: str
    papers: int
    years_present: list[int]
    years_missing: list[int]
    papers_by_year: dict[int, int]
    topic_selected_by_year: dict[int, int]
    topic_selected_papers: int

    @property
    def first_year(self) -> int:
        return self.years_present[0]

    @property
    def last_year(self) -> int:
        return self.years_present[-1]

    @property
    def topic_selected(self) -> bool:
        """Every paper of the venue is topic-selected (no full proceedings at all)."""
        return self.topic_selected_papers == self.papers

    @property
    def topic_selected_years(self) -> list[int]:
        """Years whose slice holds topic-selected papers."""
        return [y for y in self.years_present if self.topic_selected_by_year.get(y, 0)]

    def selection(self) -> str:
        """``"full"``, ``"topic-selected"`` or ``"topic-selected in 2019-2020"`` (mixed)."""
        if not self.topic_selected_papers:
            return "full"
        if self.topic_selected:
            return "topic-selected"
        return f"topic-selected in {year_ranges(self.topic_selected_years)}"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["papers_by_year"] = {str(y): n for y, n in self.papers_by_year.items()}
        d["topic_selected_by_year"] = {str(y): n for y, n in self.topic_selected_by_year.items()
                                       if n}
        d.update(first_year=self.first_year, last_year=self.last_year,
                 years_present_text=year_ranges(self.years_present),
                 years_missing_text=year_ranges(self.years_missing),
                 topic_selected=self.topic_selected, selection=self.selection())
        return d


def coverage_from_slices(slices: Sequence[tuple[str, int, int, int]]) -> list[VenueCoverage]:
    """Coverage from ``(venue, year, n_papers, n_topic_selected)`` rows, largest venue first."""
    if not slices:
        return []
    last_year = max(int(y) for _, y, _, _ in slices)
    by_venue: dict[str, dict[int, tuple[int, int]]] = {}
    for venue, year, n, n_sel in slices:
        by_venue.setdefault(str(venue), {})[int(year)] = (int(n), int(n_sel))
    out: list[VenueCoverage] = []
    for venue, years in by_venue.items():
        present = sorted(years)
        missing = [y for y in range(present[0], last_year + 1) if y not in years]
        out.append(VenueCoverage(
            venue=venue, papers=sum(n for n, _ in years.values()), years_present=present,
            years_missing=missing, papers_by_year={y: years[y][0] for y in present},
            topic_selected_by_year={y: years[y][1] for y in present},
            topic_selected_papers=sum(s for _, s in years.values())))
    out.sort(key=lambda c: (-c.papers, c.venue))
    return out


def corpus_coverage(store: CorpusStore) -> list[VenueCoverage]:
    """Per-venue coverage of the papers in ``store`` (one GROUP BY query)."""
    return coverage_from_slices(store.slice_counts(TOPIC_SELECTED_MARKER))


def topic_selected_notes(coverage: Sequence[VenueCoverage]) -> list[str]:
    """One sentence per venue with topic-selected papers, for captions and ``tmlmap info``."""
    notes = []
    for c in coverage:
        if c.topic_selected_papers:
            notes.append(
                f"{c.venue} {year_ranges(c.topic_selected_years)}: {c.topic_selected_papers:,} "
                "topic-selected papers (a collection kept only papers of some topics), "
                "not the venue's full proceedings; its counts say nothing about the venue's "
                "size or trends.")
    return notes


__all__ = [
    "TOPIC_SELECTED_MARKER", "VenueCoverage", "corpus_coverage", "coverage_from_slices",
    "topic_selected_mask", "topic_selected_notes", "year_ranges",
]


def topic_selected_mask(store: CorpusStore, doc_ids: Sequence[str]) -> np.ndarray:
    """``(len(doc_ids),)`` bool: which of these papers are topic-selected."""
    marked = store.ids_with_source(TOPIC_SELECTED_MARKER)
    return np.fromiter((str(i) in marked for i in doc_ids), dtype=bool, count=len(doc_ids))
