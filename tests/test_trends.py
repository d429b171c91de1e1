"""Trends: yearly shares, overlay years and paper ranking on hand-made inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from tmlmap.analysis.trends import ALL_VENUES, term_mean_year, yearly_shares

PROFILES = np.array([
    [1.0, 0.0],   # 2019 A
    [0.5, 0.5],   # 2019 B
    [0.0, 1.0],   # 2020 A
    [0.25, 0.75], # 2020 A
])
YEARS = np.array([2019, 2019, 2020, 2020])
VENUES = np.array(["A", "B", "A", "A"])


def share(df: pd.DataFrame, year: int, series: str, venue: str = ALL_VENUES) -> float:
    row = df[(df.year == year) & (df.series == series) & (df.venue == venue)]
    assert len(row) == 1, row
    return float(row.share.iloc[0])


def test_yearly_shares_all_venues() -> None:
    df = yearly_shares(PROFILES, YEARS, ["fair", "priv"])
    assert list(df.columns) == ["year", "venue", "series", "share", "n_papers"]
    assert share(df, 2019, "fair") == pytest.approx(0.75)
    assert share(df, 2020, "priv") == pytest.approx(0.875)
    # shares of one year sum to 1 when profile rows do
    assert df.groupby("year").share.sum().tolist() == pytest.approx([1.0, 1.0])
    assert set(df.n_papers) == {2}
    assert list(df.series[:2]) == ["fair", "fair"]  # sorted by series (given order), then year


def test_yearly_shares_by_venue_and_threshold() -> None:
    df = yearly_shares(PROFILES, YEARS, ["fair", "priv"], doc_venues=VENUES, by_venue=True)
    assert share(df, 2019, "fair", "A") == 1.0
    assert share(df, 2019, "fair", "B") == 0.5
    assert share(df, 2020, "fair", "A") == pytest.approx(0.125)
    assert not ((df.venue == "B") & (df.year == 2020)).any()
    t = yearly_shares(PROFILES, YEARS, ["fair", "priv"], threshold=0.5)
    assert share(t, 2019, "fair") == 1.0 and share(t, 2019, "priv") == 0.5
    assert share(t, 2020, "priv") == 1.0


def test_yearly_shares_dataframe_and_errors() -> None:
    frame = pd.DataFrame(PROFILES, columns=["x", "y"], index=list("abcd"))
    df = yearly_shares(frame, YEARS)
    assert set(df.series) == {"x", "y"}
    with pytest.raises(ValueError):
        yearly_shares(PROFILES, YEARS[:3])
    with pytest.raises(ValueError):
        yearly_shares(PROFILES, YEARS, by_venue=True)
    with pytest.raises(ValueError):
        yearly_shares(PROFILES, YEARS, ["only one"])


def test_term_mean_year() -> None:
    X = sp.csr_matrix(np.array([[3, 0, 0], [1, 1, 0], [0, 2, 0]]))
    got = term_mean_year(X, [2010, 2020, 2022])
    assert got[0] == pytest.approx(2015.0)  # counts do not weight: each paper once
    assert got[1] == pytest.approx(2021.0)
    assert np.isnan(got[2])
