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

import numpy as np
import pandas as pd
import scipy.sparse as sp

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
