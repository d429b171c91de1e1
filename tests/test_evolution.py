"""Thematic evolution: periods, flows on a hand-computable toy, the chart and its files, the CLI."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from tmlmap.analysis.evolution import (
    Period,
    PeriodCommunities,
    community_flows,
    evolution_from_periods,
    parse_periods,
    thematic_evolution,
)


def table(communities: list[dict[str, int]], topics: list[str | None] | None = None) -> PeriodCommunities:
    """A period from ``[{term: occurrences}, ...]`` (one dict per community)."""
    terms, occ, comm = [], [], []
    for c, members in enumerate(communities):
        for term, n in members.items():
            terms.append(term)
            occ.append(n)
            comm.append(c)
    names = [next(iter(m)) for m in communities]
    return PeriodCommunities(terms=terms, occurrences=np.array(occ, dtype=float), community=np.array(comm),
                             names=names, topics=topics or [None] * len(communities),
                             n_papers=[0] * len(communities), n_docs=10)


# Period 1: c0 fairness (20 occurrences, 3 terms), c1 privacy (10, 2), c2 kernel (5, 1).
# Period 2: c0 fairness (20, 3), c1 privacy (16, 3), c2 robustness (7, 1).
P1 = table([{"fairness": 10, "bias": 6, "discrimination": 4}, {"privacy": 8, "attack": 2}, {"kernel": 5}],
           ["fairness", "privacy", None])
P2 = table([{"Fairness": 12, "bias": 3, "audit": 5}, {"privacy": 9, "federated": 6, "attack": 1},
            {"robustness": 7}], ["fairness", "privacy", None])


def test_flows_by_hand() -> None:
    f = community_flows(P1, P2, min_weight=0.0).set_index(["source", "target"])
    assert sorted(f.index) == [(0, 0), (1, 1)]  # kernel shares nothing
    fair = f.loc[(0, 0)]
    # shared {fairness (case-insensitive), bias}: min(10,12) + min(6,3) = 13
    assert fair["shared_terms"] == 2
    assert fair["weight"] == 13
    assert fair["inclusion"] == pytest.approx(2 / 3)
    assert fair["jaccard"] == pytest.approx(2 / 4)
    assert fair["weighted_inclusion"] == pytest.approx(13 / 20)
    assert fair["weighted_jaccard"] == pytest.approx(13 / 27)
    assert fair["top_shared"] == ["fairness", "bias"]
    priv = f.loc[(1, 1)]
    # shared {privacy, attack}: min(8,9) + min(2,1) = 9
    assert priv["weight"] == 9
    assert priv["inclusion"] == pytest.approx(1.0)
    assert priv["jaccard"] == pytest.approx(2 / 3)
    assert priv["weighted_inclusion"] == pytest.approx(9 / 10)
    assert priv["weighted_jaccard"] == pytest.approx(9 / 17)


def test_threshold_and_ending_communities_are_kept() -> None:
    periods = [Period(2015, 2017), Period(2018, 2020)]
    evo = evolution_from_periods(periods, [P1, P2], min_weight=0.7)  # drops fairness (0.65)
    assert list(zip(evo.flows["source"], evo.flows["target"], strict=True)) == [(1, 1)]
    c = evo.communities.set_index(["period_index", "community"])
    assert len(c) == 6  # every community listed, linked or not
    assert c.loc[(0, 0), "status"] == "ends" and c.loc[(0, 2), "status"] == "ends"
    assert c.loc[(0, 1), "status"] == "continues"
    assert c.loc[(1, 0), "status"] == "new" and c.loc[(1, 2), "status"] == "new"
    assert c.loc[(0, 0), "occurrences"] == 20 and c.loc[(1, 1), "size"] == 3
    assert evo.first_appearance("fairness") == "2015-2017"
    assert evo.first_appearance("safety") is None
    json.dumps(evo.to_dict(), default=float)


def test_parse_periods() -> None:
    assert parse_periods("2013-2016, 2017-2019,2020-2024") == [Period(2013, 2016), Period(2017, 2019),
                                                               Period(2020, 2024)]
    assert parse_periods("2019,2020")[0].label == "2019"
    for bad in ("2013-2016", "2013-2016,2015-2019", "2017-2019,2013-2016", "2016-2013,2017-2018",
                "2013-16,2017-2019", "a,b", ""):
        with pytest.raises(ValueError):
            parse_periods(bad)
    with pytest.raises(ValueError, match="min_weight"):
        community_flows(P1, P2, min_weight=1.5)


def test_alluvial_geometry_bands_fit_their_blocks() -> None:
    from tmlmap.views.evolution_chart import BAND_SAMPLES, alluvial_geometry

    evo = evolution_from_periods([Period(2015, 2017), Period(2018, 2020)], [P1, P2], min_weight=0.0)
    nodes, bands = alluvial_geometry(evo)
    assert len(nodes) == 6 and len(bands) == 2 * BAND_SAMPLES
    n = nodes.set_index(["period_index", "community"])
    heights = n["y1"] - n["y0"]
    # heights are proportional to occurrences
    assert heights[(0, 0)] / heights[(0, 2)] == pytest.approx(20 / 5)
    for flow, b in bands.groupby("flow"):
        row = evo.flows.iloc[flow]
        src, dst = n.loc[(0, row["source"])], n.loc[(1, row["target"])]
        first, last = b.iloc[0], b.iloc[-1]
        assert src["y0"] - 1e-9 <= first["y_top"] and first["y_bottom"] <= src["y1"] + 1e-9
        assert dst["y0"] - 1e-9 <= last["y_top"] and last["y_bottom"] <= dst["y1"] + 1e-9
        # as wide as its share of each end's period (each column fills the height)
        assert first["y_bottom"] - first["y_top"] == pytest.approx(row["weight"] * heights[(0, 0)] / 20)
        assert last["y_bottom"] - last["y_top"] == pytest.approx(row["weight"] * heights[(1, 0)] / 20)
    for p in (0, 1):  # every column spans the same height
        assert n.loc[p, "y1"].max() == pytest.approx(1.0)


def test_chart_of_many_flows_renders() -> None:
    """Hundreds of flows (thousands of band points) are more rows than altair lets a data
    frame carry; the chart passes them inline, so its spec is still written."""
    from tmlmap.views.evolution_chart import BAND_SAMPLES, alluvial_chart, chart_spec

    vocab = [f"term{i}" for i in range(2000)]

    def period(seed: int) -> PeriodCommunities:
        r = np.random.default_rng(seed)
        comm = r.integers(0, 15, size=len(vocab))
        return PeriodCommunities(terms=vocab, occurrences=r.integers(1, 50, size=len(vocab)).astype(float),
                                 community=comm, names=[f"c{i}" for i in range(15)], n_docs=100)

    evo = evolution_from_periods([Period(2001, 2002), Period(2003, 2004), Period(2005, 2006)],
                                 [period(1), period(2), period(3)], min_weight=0.0)
    assert len(evo.flows) * BAND_SAMPLES > 5000
    spec = json.loads(chart_spec(alluvial_chart(evo, width=300, height=200)))
    rows = {name: len(values) for name, values in spec["datasets"].items()}
    assert len(evo.flows) * BAND_SAMPLES in rows.values()


def test_subset_keeps_the_largest_and_the_named_topics() -> None:
    evo = evolution_from_periods([Period(2015, 2017), Period(2018, 2020)], [P1, P2], min_weight=0.0)
    top1 = evo.subset(top=1)
    assert set(zip(top1.communities["period_index"], top1.communities["community"], strict=True)) == {
        (0, 0), (1, 0)}
    assert len(top1.flows) == 1  # fairness -> fairness only
    with_privacy = evo.subset(top=1, keep_topics=("privacy",))
    assert len(with_privacy.communities) == 4 and len(with_privacy.flows) == 2
    assert list(evo.subset(min_size=2).communities["size"]) == [3, 2, 3, 3]


def test_chart_exports_parse() -> None:
    from PIL import Image

    from tmlmap.views.evolution_chart import alluvial_chart, chart_png, chart_svg

    evo = evolution_from_periods([Period(2015, 2017), Period(2018, 2020)], [P1, P2], min_weight=0.0)
    chart = alluvial_chart(evo, width=400, height=300)
    svg = ET.fromstring(chart_svg(chart))  # a real XML parser
    assert svg.tag.endswith("svg")
    text = "".join(svg.itertext())
    assert "fairness" in text and "kernel" in text
    img = Image.open(io.BytesIO(chart_png(chart, scale=1.0)))
    img.verify()
    assert img.format == "PNG"


def test_default_periods() -> None:
    from tmlmap.views.evolution_chart import default_periods

    years = [2010] * 10 + [2011] * 10 + [2012] * 10 + [2013] * 10 + [2014] * 10 + [2015] * 10
    text = default_periods(years)
    periods = parse_periods(text)
    assert periods[0].start == 2010 and periods[-1].end == 2015 and len(periods) == 3
    assert default_periods([2020, 2020]) == ""


def test_evolution_on_small_store_and_cli(small_store, tmp_path, capsys) -> None:
    """Real maps per period (small corpus, single Louvain run): every community is listed,
    flows link only consecutive periods and the CLI prints the same as JSON."""
    from tmlmap.cli import main
    from tmlmap.maps.settings import MapSettings

    settings = MapSettings(consensus_runs=1)
    periods = parse_periods("1987-2017,2018-2025")
    evo = thematic_evolution(small_store, periods, settings, cache_dir=tmp_path / "maps")
    assert set(evo.communities["period"]) == {"1987-2017", "2018-2025"}
    assert len(evo.flows) > 0
    assert set(evo.flows["period_from"]) == {"1987-2017"}
    assert (evo.flows["weighted_inclusion"] >= 0.1).all()
    small_store.close()
    rc = main(["--db", str(small_store.path), "evolution", "--periods", "1987-2017,2018-2025",
               "--consensus-runs", "1", "--format", "json", "--quiet", "--csv", str(tmp_path / "flows.csv")])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["periods"] == ["1987-2017", "2018-2025"]
    assert len(out["flows"]) == len(evo.flows)
    assert len(out["communities"]) == len(evo.communities)
    import csv

    with open(tmp_path / "flows.csv", encoding="utf-8") as fh:
        assert len(list(csv.DictReader(fh))) == len(evo.flows)


def test_cli_rejects_bad_periods(capsys) -> None:
    from tmlmap.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["evolution", "--periods", "2019-2017,2020"])
    assert exc.value.code == 2
    assert "after" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.heavy  # three period maps of the whole corpus: about 35 s, so not in the default run
def test_real_corpus_fairness_community_in_last_period(real_store, map_cache_dir) -> None:
    evo = thematic_evolution(real_store, parse_periods("2013-2016,2017-2019,2020-2024"),
                             cache_dir=map_cache_dir)
    last = evo.communities[evo.communities["period"] == "2020-2024"]
    assert "fairness" in set(last["topic"])
    assert evo.first_appearance("fairness") is not None
    # every community of a period before the last either flows on or is marked as ending
    early = evo.communities[evo.communities["period_index"] < 2]
    linked = set(zip(evo.flows["period_from"], evo.flows["source"], strict=True))
    for r in early.itertuples():
        assert ((r.period, r.community) in linked) != r.ending
