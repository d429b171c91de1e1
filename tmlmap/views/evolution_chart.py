"""The thematic-evolution (alluvial) chart of the Trends page, and its downloads.

The geometry is computed here (numpy, no Streamlit) and drawn with altair:
one column of stacked community blocks per period (height proportional to
the community's occurrences), bands between consecutive columns whose width
is the flow's shared occurrences (see :mod:`tmlmap.analysis.evolution`).
A community with no flow to the next period keeps its block, drawn with a
dashed outline and marked "ends". PNG and SVG are rendered offline by
``vl-convert-python`` (it bundles Vega; no browser, no network).
"""

from __future__ import annotations

from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from tmlmap.analysis.evolution import Evolution

FAIRNESS_COLOUR, PRIVACY_COLOUR, OTHER_COLOUR = "#d62728", "#1f77b4", "#9a9a9a"
#: Width of a period's column of blocks (x units; periods are 1 apart).
NODE_WIDTH = 0.06
#: Vertical space shared by the gaps of the tallest column (share of the height).
GAP_SHARE = 0.15
#: Points per band edge (the smooth S-curve between two columns).
BAND_SAMPLES = 16
#: Communities drawn per period by default on the dashboard (the largest by occurrences).
DEFAULT_DRAWN_PER_PERIOD = 20
#: Blocks thinner than this (share of the height) get no text label.
MIN_LABEL_HEIGHT = 0.018


def _colour(topic: str) -> str:
    return {"fairness": FAIRNESS_COLOUR, "privacy": PRIVACY_COLOUR}.get(topic or "", OTHER_COLOUR)


def alluvial_geometry(evo: Evolution) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Block and band coordinates of the chart (y from 0 at the top to 1; each period's
    column of blocks fills the height, block height = share of the period's occurrences).

    Returns ``(nodes, bands)``: ``nodes`` has one row per community (``period_index``,
    ``community``, ``x0``, ``x1``, ``y0``, ``y1`` and the community columns of
    ``evo.communities``); ``bands`` has :data:`BAND_SAMPLES` rows per flow
    (``flow``, ``x``, ``y_top``, ``y_bottom``, ``colour`` and the flow's names and indices).
    Blocks of the first period are ordered by size; later ones by the mean
    position of the blocks their flows come from (fewer crossings), the
    communities with no incoming flow below.
    """
    comms = evo.communities.copy()
    flows = evo.flows
    n_periods = len(evo.periods)
    if comms.empty:
        return comms, pd.DataFrame()
    totals = comms.groupby("period_index")["occurrences"].sum()
    counts = comms.groupby("period_index").size()
    # Each column fills the height: a block is its community's share of the period's
    # occurrences (periods differ several-fold in papers); a band is as wide, at each end,
    # as its share of that end's period.
    scale = {int(p): (1.0 - GAP_SHARE) / max(float(t), 1e-12) for p, t in totals.items()}
    comms["height"] = comms["occurrences"] * comms["period_index"].map(scale)
    centre: dict[tuple[int, int], float] = {}
    placed = []
    for p in range(n_periods):
        col = comms[comms["period_index"] == p].copy()
        if p == 0 or flows.empty:
            col["order"] = -col["occurrences"]
            col["bary"] = 0.0
        else:
            f = flows[flows["period_from"] == evo.periods[p - 1].label]
            src_y = np.array([centre[(p - 1, int(s))] for s in f["source"]], dtype=float)
            w = f["weight"].to_numpy(dtype=float)
            num = np.bincount(f["target"].to_numpy(dtype=np.int64), weights=src_y * w,
                              minlength=int(col["community"].max()) + 1)
            den = np.bincount(f["target"].to_numpy(dtype=np.int64), weights=w,
                              minlength=int(col["community"].max()) + 1)
            ids = col["community"].to_numpy(dtype=np.int64)
            bary = np.where(den[ids] > 0, num[ids] / np.maximum(den[ids], 1e-12), 2.0 + ids * 1e-6)
            col["bary"] = bary
            col["order"] = bary
        col = col.sort_values(["order", "community"])
        n = int(counts.get(p, 0))
        gap = GAP_SHARE / max(n - 1, 1) if n > 1 else 0.0
        tops = np.concatenate([[0.0], np.cumsum(col["height"].to_numpy() + gap)[:-1]])
        col["y0"] = tops
        col["y1"] = tops + col["height"].to_numpy()
        col["x0"] = p - NODE_WIDTH / 2
        col["x1"] = p + NODE_WIDTH / 2
        for c, y0, y1 in zip(col["community"], col["y0"], col["y1"], strict=True):
            centre[(p, int(c))] = (y0 + y1) / 2
        placed.append(col)
    nodes = pd.concat(placed, ignore_index=True).drop(columns=["order", "bary"])
    nodes["colour"] = [_colour(t) for t in nodes["topic"]]
    if flows.empty:
        return nodes, pd.DataFrame(columns=["flow", "x", "y_top", "y_bottom", "colour"])

    top_of = {(int(r.period_index), int(r.community)): float(r.y0) for r in nodes.itertuples()}
    label_to_index = {p.label: i for i, p in enumerate(evo.periods)}
    f = flows.reset_index(drop=True).copy()
    f["p"] = f["period_from"].map(label_to_index).astype(int)
    f["h"] = f["weight"].to_numpy(dtype=float) * f["p"].map(scale).to_numpy(dtype=float)
    f["h_to"] = f["weight"].to_numpy(dtype=float) * (f["p"] + 1).map(scale).to_numpy(dtype=float)
    f["src_centre"] = [centre[(p, int(s))] for p, s in zip(f["p"], f["source"], strict=True)]
    f["dst_centre"] = [centre[(p + 1, int(t))] for p, t in zip(f["p"], f["target"], strict=True)]
    # Stack bands inside each block: at the source by target position, at the target by source position.
    f = f.sort_values(["p", "source", "dst_centre"])
    f["s0"] = [top_of[(p, int(s))] for p, s in zip(f["p"], f["source"], strict=True)]
    f["s0"] += f.groupby(["p", "source"])["h"].cumsum() - f["h"]
    f = f.sort_values(["p", "target", "src_centre"])
    f["t0"] = [top_of[(p + 1, int(t))] for p, t in zip(f["p"], f["target"], strict=True)]
    f["t0"] += f.groupby(["p", "target"])["h_to"].cumsum() - f["h_to"]
    f = f.sort_index()

    u = np.linspace(0.0, 1.0, BAND_SAMPLES)
    smooth = 3 * u**2 - 2 * u**3  # (samples,)
    x_from = f["p"].to_numpy(dtype=float)[:, None] + NODE_WIDTH / 2
    x = x_from + u[None, :] * (1 - NODE_WIDTH)  # (flows, samples)
    s0, t0, h, h_to = (f[c].to_numpy(dtype=float)[:, None] for c in ("s0", "t0", "h", "h_to"))
    y_top = s0 + (t0 - s0) * smooth[None, :]
    width = h + (h_to - h) * smooth[None, :]
    n_flows = len(f)
    topic_of = {(int(r.period_index), int(r.community)): r.topic for r in nodes.itertuples()}
    colours = [_colour(topic_of[(p, int(s))]) for p, s in zip(f["p"], f["source"], strict=True)]
    bands = pd.DataFrame({
        "flow": np.repeat(np.arange(n_flows), BAND_SAMPLES),
        "x": x.ravel(), "y_top": y_top.ravel(), "y_bottom": (y_top + width).ravel(),
        "colour": np.repeat(colours, BAND_SAMPLES),
    })
    info = f[["period_from", "source_name", "period_to", "target_name", "weight", "weighted_inclusion",
              "weighted_jaccard", "shared_terms"]].reset_index(drop=True)
    info["shared"] = f["top_shared"].map(lambda t: ", ".join(t[:6])).to_numpy()
    bands = bands.join(info, on="flow")
    return nodes, bands


def alluvial_chart(evo: Evolution, *, width: int = 900, height: int = 560) -> alt.LayerChart:
    """The altair chart of ``evo`` (blocks, bands, labels; fairness red, privacy blue)."""
    nodes, bands = alluvial_geometry(evo)
    labels = [p.label for p in evo.periods]
    x_scale = alt.Scale(domain=[-0.1, len(labels) - 1 + 0.9])
    y_scale = alt.Scale(domain=[1.0, 0.0])
    x_axis = alt.Axis(values=list(range(len(labels))), title=None, grid=False,
                      labelExpr=f"{labels!r}[datum.value]", orient="top")
    layers = []
    if not bands.empty:
        layers.append(alt.Chart(bands).mark_area(opacity=0.42, interpolate="linear").encode(
            x=alt.X("x:Q", scale=x_scale, axis=x_axis),
            y=alt.Y("y_top:Q", scale=y_scale, axis=None), y2="y_bottom:Q",
            detail="flow:N", color=alt.Color("colour:N", scale=None),
            tooltip=[alt.Tooltip("period_from:N", title="from period"),
                     alt.Tooltip("source_name:N", title="from"),
                     alt.Tooltip("period_to:N", title="to period"), alt.Tooltip("target_name:N", title="to"),
                     alt.Tooltip("weight:Q", title="shared occurrences", format=",.0f"),
                     alt.Tooltip("weighted_inclusion:Q", title="weighted inclusion", format=".2f"),
                     alt.Tooltip("weighted_jaccard:Q", title="weighted Jaccard", format=".2f"),
                     alt.Tooltip("shared_terms:Q", title="shared terms"),
                     alt.Tooltip("shared:N", title="top shared terms")]))
    nodes = nodes.assign(ends=np.where(nodes["ending"], "ends", ""),
                         label=[f"{n[:38]}" + (" (ends)" if e else "")
                                for n, e in zip(nodes["name"], nodes["ending"], strict=True)])
    tooltip = [alt.Tooltip("period:N"), alt.Tooltip("name:N"), alt.Tooltip("topic:N"),
               alt.Tooltip("size:Q", title="terms"),
               alt.Tooltip("occurrences:Q", title="occurrences", format=",.0f"),
               alt.Tooltip("n_papers:Q", title="papers"), alt.Tooltip("status:N")]
    base = alt.Chart(nodes)
    layers.append(base.mark_rect().encode(
        x=alt.X("x0:Q", scale=x_scale, axis=x_axis), x2="x1:Q",
        y=alt.Y("y0:Q", scale=y_scale, axis=None), y2="y1:Q",
        color=alt.Color("colour:N", scale=None),
        stroke=alt.value("#333333"),
        strokeDash=alt.condition("datum.ending", alt.value([3, 2]), alt.value([1, 0])),
        strokeWidth=alt.condition("datum.ending", alt.value(1.2), alt.value(0.3)),
        tooltip=tooltip))
    big = nodes[(nodes["y1"] - nodes["y0"]) >= MIN_LABEL_HEIGHT]
    layers.append(alt.Chart(big).mark_text(align="left", baseline="middle", dx=4, fontSize=10).encode(
        x=alt.X("x1:Q", scale=x_scale, axis=x_axis),
        y=alt.Y("mid:Q", scale=y_scale, axis=None), text="label:N",
        tooltip=tooltip).transform_calculate(mid="(datum.y0 + datum.y1) / 2"))
    return alt.layer(*layers).properties(width=width, height=height).configure_view(stroke=None)


def chart_spec(chart: alt.TopLevelMixin) -> str:
    """The chart's Vega-Lite JSON with its data inline.

    A few hundred flows are thousands of band points, over altair's 5,000-row guard for
    inline data (Streamlit passes data frames its own way and is not affected).
    """
    with alt.data_transformers.disable_max_rows():
        return chart.to_json()


def chart_svg(chart: alt.TopLevelMixin) -> str:
    """The chart as SVG text, rendered offline by vl-convert."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(chart_spec(chart))


def chart_png(chart: alt.TopLevelMixin, *, scale: float = 2.0) -> bytes:
    """The chart as PNG bytes, rendered offline by vl-convert."""
    import vl_convert as vlc

    return vlc.vegalite_to_png(chart_spec(chart), scale=scale)


def default_periods(years: np.ndarray | list[int], n: int = 3) -> str:
    """``n`` consecutive periods holding about equal numbers of papers, as ``"Y-Y,Y-Y,..."``.

    ``years``: ``(n_papers,)`` publication years. Fewer periods when there are
    fewer distinct years.
    """
    ys = np.sort(np.asarray(years, dtype=np.int64))
    distinct = np.unique(ys)
    if len(distinct) < 2:
        return ""
    n = min(n, len(distinct))
    cuts = np.quantile(ys, np.linspace(0, 1, n + 1)[1:-1], method="lower")
    bounds = [int(distinct[0])]
    for c in cuts.tolist():
        nxt = int(distinct[distinct > c].min()) if (distinct > c).any() else None
        if nxt is not None and nxt > bounds[-1]:
            bounds.append(nxt)
    edges = [*bounds, int(distinct[-1]) + 1]
    parts = [f"{a}-{b - 1}" if b - 1 > a else f"{a}" for a, b in zip(edges[:-1], edges[1:], strict=True)]
    return ",".join(parts)


def render_evolution_section(store: Any, settings: Any) -> None:
    """The Trends page section: periods, flows threshold, build button, chart, downloads."""
    import streamlit as st

    from tmlmap.analysis.evolution import DEFAULT_MIN_WEIGHT, parse_periods, thematic_evolution
    from tmlmap.views import state
    from tmlmap.views.widgets import download_csv, md_text

    st.subheader("Thematic evolution")
    st.caption("One map per period with the current settings (their year range replaced by the period's); "
               "each community is linked to the next period's communities by the terms they share. "
               "Band width = shared occurrences; a dashed block is a community that ends (no link to the "
               "next period). Fairness communities are red, privacy blue.")
    years = [y for y, n in store.counts_by_year() for _ in range(n)]
    c1, c2, c3 = st.columns([3, 1, 1])
    periods_text = c1.text_input("Periods", value=default_periods(years), key="evo_periods",
                                 help="Comma-separated year ranges in increasing order, e.g. 2013-2016,2017-2019,2020-2024")
    min_weight = c2.number_input("Min. weighted inclusion", 0.0, 1.0, DEFAULT_MIN_WEIGHT, 0.05,
                                 key="evo_min_weight")
    try:
        periods = parse_periods(periods_text)
    except ValueError as exc:
        st.warning(md_text(exc))
        return
    key = (state.db_path(), store.fingerprint(), settings.replace(year_min=None, year_max=None).key(),
           tuple(p.label for p in periods), float(min_weight))
    cached = st.session_state.get("evo_result")
    evo = cached[1] if cached and cached[0] == key else None
    if evo is None:
        if not c3.button("Build", key="evo_build", type="primary",
                         help="Builds one map per period (cached on disk afterwards)"):
            st.info("Choose the periods and press Build (each period is one map build; cached ones load fast).")
            return
        bar = st.progress(0.0, text="starting")

        def progress(p: int, n: int, stage: str, fraction: float) -> None:
            bar.progress(min((p + fraction) / n, 1.0), text=f"{periods[p].label}: {stage} ({fraction:.0%})")

        try:
            evo = thematic_evolution(store, periods, settings, min_weight=float(min_weight),
                                     cache_dir=state.map_cache_dir(), progress=progress)
        except ValueError as exc:
            bar.empty()
            st.error(f"Cannot build the evolution: {md_text(exc)}")
            return
        bar.empty()
        st.session_state["evo_result"] = (key, evo)
    most = int(evo.communities.groupby("period_index").size().max()) if len(evo.communities) else 1
    top = st.slider("Communities drawn per period (the largest, and fairness and privacy)", 1, max(most, 2),
                    min(DEFAULT_DRAWN_PER_PERIOD, most), key="evo_top",
                    help="Only for the chart: the table and the CSV keep every community and flow.")
    shown = evo.subset(top=top, keep_topics=("fairness", "privacy"))
    hidden = len(evo.communities) - len(shown.communities)
    chart = alluvial_chart(shown)
    st.altair_chart(chart, key="evo_chart")
    if hidden:
        st.caption(f"{hidden} smaller communities are not drawn (they are in the table and the CSV).")
    firsts = {t: evo.first_appearance(t) for t in ("fairness", "privacy")}
    st.caption(" · ".join(f"{t} community first appears in {md_text(v) if v else 'no period'}"
                          for t, v in firsts.items()))
    d1, d2, d3 = st.columns(3)
    with d1:
        download_csv(evo.flows_table(), "tmlmap-evolution-flows.csv", key="evo_dl_csv",
                     label="Flows (CSV)")
    try:
        # Rendering takes seconds: once per result and drawing, not on every rerun of the page.
        image_key = (key, top)
        images = st.session_state.get("evo_images")
        if not images or images[0] != image_key:
            images = (image_key, chart_png(chart), chart_svg(chart).encode("utf-8"))
            st.session_state["evo_images"] = images
        d2.download_button("Chart (PNG)", images[1], file_name="tmlmap-evolution.png",
                           mime="image/png", key="evo_dl_png")
        d3.download_button("Chart (SVG)", images[2], file_name="tmlmap-evolution.svg",
                           mime="image/svg+xml", key="evo_dl_svg")
    except Exception as exc:  # noqa: BLE001 - the CSV and the chart stay usable without images
        d2.caption(f"PNG/SVG unavailable: {md_text(exc)}")
    with st.expander("Communities per period"):
        st.dataframe(evo.communities, hide_index=True, key="evo_communities")
