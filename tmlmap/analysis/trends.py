"""Trends: how the share of papers of each community or topic changes per year (and venue).

Inputs are per-paper profiles aligned with a map's documents:

* community profiles: :func:`tmlmap.risk.relevance.community_profiles`, an
  ``(n_docs, n_communities)`` array whose rows sum to 1 (a soft assignment of
  each paper to the communities);
* topic relevance: :func:`tmlmap.risk.relevance.topic_relevance`, a DataFrame
  indexed by document id with one column per named topic.

The *share* of a community in a year is the mean of its profile column over
that year's papers: with rows summing to 1, the shares of one year sum to 1
(papers counted fractionally). With a ``threshold``, the share is instead the
fraction of the year's papers whose value is ``>= threshold`` (a paper counts
for every topic it passes), which suits unnormalized relevance scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from tmlmap.corpus.coverage import year_ranges

ALL_VENUES = "All venues"


def yearly_shares(values: np.ndarray | pd.DataFrame, doc_years: Sequence[int] | np.ndarray,
                  names: Sequence[str] | None = None, *,
                  doc_venues: Sequence[str] | np.ndarray | None = None,
                  by_venue: bool = False, threshold: float | None = None) -> pd.DataFrame:
    """Share of papers per year (and venue) for each column of ``values``.

    ``values``: ``(n_docs, k)`` array (or DataFrame; its columns name the
    series unless ``names`` is given); ``doc_years``: ``(n_docs,)`` ints;
    ``doc_venues``: ``(n_docs,)`` strings, needed when ``by_venue``.

    Returns a long DataFrame with columns ``year`` (int), ``venue``
    (:data:`ALL_VENUES` unless ``by_venue``), ``series`` (the column's name),
    ``share`` (in [0, 1]) and ``n_papers`` (papers in that year/venue),
    sorted by venue, series, year. Years without papers are absent.
    """
    if isinstance(values, pd.DataFrame):
        if names is None:
            names = [str(c) for c in values.columns]
        matrix = values.to_numpy(dtype=float)
    else:
        matrix = np.asarray(values, dtype=float)
    if matrix.ndim != 2:
        raise ValueError("values must be 2-D (n_docs, k)")
    n_docs, k = matrix.shape
    years = np.asarray(doc_years, dtype=np.int64)
    if len(years) != n_docs:
        raise ValueError(f"{len(years)} years for {n_docs} documents")
    names = list(names) if names is not None else [str(i) for i in range(k)]
    if len(names) != k:
        raise ValueError(f"{len(names)} names for {k} columns")
    if by_venue:
        if doc_venues is None:
            raise ValueError("by_venue needs doc_venues")
        venues = np.asarray(doc_venues, dtype=object).astype(str)
        if len(venues) != n_docs:
            raise ValueError(f"{len(venues)} venues for {n_docs} documents")
    else:
        venues = np.full(n_docs, ALL_VENUES, dtype=object)
    if threshold is not None:
        matrix = (matrix >= threshold).astype(float)
    wide = pd.DataFrame(matrix, columns=pd.RangeIndex(k))
    wide["year"] = years
    wide["venue"] = venues
    grouped = wide.groupby(["venue", "year"], sort=True)
    means = grouped.mean()
    counts = grouped.size()
    long = means.reset_index().melt(id_vars=["venue", "year"], var_name="col", value_name="share")
    long["n_papers"] = counts.reindex(pd.MultiIndex.from_frame(long[["venue", "year"]])).to_numpy()
    long["series"] = [names[int(c)] for c in long["col"]]
    long = long[["year", "venue", "series", "share", "n_papers"]]
    long["year"] = long["year"].astype(int)
    long["n_papers"] = long["n_papers"].astype(int)
    order = {n: i for i, n in enumerate(names)}
    long = long.assign(_o=long["series"].map(order)).sort_values(["venue", "_o", "year"])
    return long.drop(columns="_o").reset_index(drop=True)


def term_mean_year(X: sp.spmatrix, doc_years: Sequence[int] | np.ndarray) -> np.ndarray:
    """Average publication year of the papers using each term (VOSviewer's overlay score).

    ``X``: ``(n_docs, n_terms)`` term counts (only ``X > 0`` matters: each
    paper counts once per term); ``doc_years``: ``(n_docs,)``. Returns
    ``(n_terms,)`` float years, NaN for a term no paper uses.
    """
    binary = sp.csr_matrix(X, copy=True)
    binary.data = (binary.data > 0).astype(float)
    years = np.asarray(doc_years, dtype=float)
    totals = np.asarray(binary.T @ years).ravel()
    counts = np.asarray(binary.sum(axis=0)).ravel()
    out = np.full(binary.shape[1], np.nan)
    np.divide(totals, counts, out=out, where=counts > 0)
    return out


# ---- honest shares: what a trend must leave out, and gaps -----------------

#: Venues with at least this share of the plotted papers get a note on the years they miss.
MIX_NOTE_MIN_SHARE = 0.05


@dataclass(frozen=True)
class LeftOut:
    """Papers a trend leaves out: ``n_papers`` of ``venue`` in ``years`` (e.g. ``"2019-2024"``)."""

    venue: str
    years: str
    n_papers: int
    reason: str


def honest_mask(doc_venues: Sequence[str] | np.ndarray, doc_years: Sequence[int] | np.ndarray,
                doc_topic_selected: Sequence[bool] | np.ndarray) -> tuple[np.ndarray, list[LeftOut]]:
    """Which papers may enter year-share trends, and what is left out and why.

    A topic-selected paper (:mod:`tmlmap.corpus.coverage`: its collection kept only papers of
    some topics, e.g. FAccT and AIES in the embedded corpus) is left out, from its venue's own
    line and from "All venues": the share of fairness in a slice selected for fairness measures
    the selection, and pooled with other venues it would make the years it covers look like a
    field turning to fairness. All arrays are ``(n_docs,)``. Returns the ``(n_docs,)`` bool
    mask of papers kept and one :class:`LeftOut` per venue with papers left out.
    """
    venues = np.asarray(doc_venues, dtype=object).astype(str)
    years = np.asarray(doc_years, dtype=np.int64)
    selected = np.asarray(doc_topic_selected, dtype=bool)
    if not (len(venues) == len(years) == len(selected)):
        raise ValueError(f"{len(venues)} venues, {len(years)} years, {len(selected)} flags")
    left: list[LeftOut] = []
    for venue in sorted(set(venues[selected].tolist())):
        rows = selected & (venues == venue)
        left.append(LeftOut(venue, year_ranges(years[rows].tolist()), int(rows.sum()),
                            "topic-selected: only papers its collection classified as some "
                            "topics (e.g. fairness, privacy), not the venue's proceedings"))
    return ~selected, left


def venue_gaps(doc_venues: Sequence[str] | np.ndarray, doc_years: Sequence[int] | np.ndarray,
               min_share: float = MIX_NOTE_MIN_SHARE) -> list[tuple[str, str]]:
    """``(venue, years absent)`` for the venues pooled in "All venues" that miss some years.

    Only venues with at least ``min_share`` of the papers are listed; a venue's absent years
    run from its first year to the last year of the papers: in those years "All venues" pools
    a different mix, so a change of share there may be a change of mix, not of the field.
    """
    venues = np.asarray(doc_venues, dtype=object).astype(str)
    years = np.asarray(doc_years, dtype=np.int64)
    if not len(years):
        return []
    last = int(years.max())
    out = []
    names, counts = np.unique(venues, return_counts=True)
    for venue, n in sorted(zip(names.tolist(), counts.tolist(), strict=True), key=lambda t: -t[1]):
        if n < min_share * len(venues):
            continue
        present = set(years[venues == venue].tolist())
        absent = [y for y in range(min(present), last + 1) if y not in present]
        if absent:
            out.append((venue, year_ranges(absent)))
    return out


def with_gaps(shares: pd.DataFrame) -> pd.DataFrame:
    """``shares`` (from :func:`yearly_shares`, maybe filtered) plus a row with ``share`` NaN and
    ``n_papers`` 0 for every year missing inside each venue/series's span, so that a line
    chart breaks there instead of joining years that are far apart with a straight segment."""
    if shares.empty:
        return shares.copy()
    parts = [shares]
    for (venue, series), group in shares.groupby(["venue", "series"], sort=False):
        present = set(group["year"].tolist())
        gap = [y for y in range(min(present), max(present) + 1) if y not in present]
        if gap:
            parts.append(pd.DataFrame({"year": gap, "venue": venue, "series": series,
                                       "share": np.nan, "n_papers": 0}))
    out = pd.concat(parts, ignore_index=True)
    out["year"] = out["year"].astype(int)
    out["n_papers"] = out["n_papers"].astype(int)
    return out.sort_values(["venue", "series", "year"], kind="stable").reset_index(drop=True)
