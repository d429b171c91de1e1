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


# ---- honest shares (issue 11: topic-selected slices, gaps) -----------------


def test_honest_mask_leaves_out_topic_selected_papers() -> None:
    from tmlmap.analysis.trends import honest_mask

    venues = np.array(["ICML", "FAccT", "FAccT", "ICML", "AIES"])
    years = np.array([2019, 2019, 2021, 2020, 2018])
    selected = np.array([False, True, True, False, True])
    keep, left = honest_mask(venues, years, selected)
    assert keep.tolist() == [True, False, False, True, False]
    assert [(lo.venue, lo.years, lo.n_papers) for lo in left] == [
        ("AIES", "2018", 1), ("FAccT", "2019, 2021", 2)]
    assert all("topic-selected" in lo.reason for lo in left)
    with pytest.raises(ValueError):
        honest_mask(venues, years, selected[:2])


def test_a_topic_selected_slice_cannot_fake_a_turn_to_fairness() -> None:
    """Pooled, 40 fairness-selected papers make 2021 look like a jump; left out, it is flat."""
    from tmlmap.analysis.trends import honest_mask

    years = np.repeat([2020, 2021], [100, 140])
    venues = np.array(["ICML"] * 200 + ["FAccT"] * 40)
    fairness = np.r_[np.full(200, 0.1), np.ones(40)]  # 10% in ICML every year
    values = np.c_[fairness, 1 - fairness]
    selected = venues == "FAccT"
    pooled = yearly_shares(values, years, ["fair", "other"])
    assert share(pooled, 2021, "fair") > 2 * share(pooled, 2020, "fair")
    keep, _ = honest_mask(venues, years, selected)
    honest = yearly_shares(values[keep], years[keep], ["fair", "other"])
    assert share(honest, 2021, "fair") == pytest.approx(share(honest, 2020, "fair")) == \
        pytest.approx(0.1)


def test_venue_gaps_and_with_gaps() -> None:
    from tmlmap.analysis.trends import venue_gaps, with_gaps

    venues = np.array(["A"] * 6 + ["B"] * 3 + ["C"])
    years = np.array([2015, 2016, 2017, 2018, 2019, 2020, 2015, 2018, 2020, 2020])
    assert venue_gaps(venues, years, min_share=0.2) == [("B", "2016-2017, 2019")]
    assert venue_gaps(venues, years, min_share=0.0) == [("B", "2016-2017, 2019")]  # C: no gap
    df = yearly_shares(np.ones((10, 1)), years, ["s"], doc_venues=venues, by_venue=True)
    gapped = with_gaps(df)
    b = gapped[gapped.venue == "B"]
    assert b.year.tolist() == [2015, 2016, 2017, 2018, 2019, 2020]
    assert b.share.isna().tolist() == [False, True, True, False, True, False]
    assert (b[b.share.isna()].n_papers == 0).all()
    assert len(gapped[gapped.venue == "A"]) == 6 and not gapped[gapped.venue == "A"].share.isna().any()
    assert with_gaps(df.iloc[:0]).empty
