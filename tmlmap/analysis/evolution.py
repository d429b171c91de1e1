"""Thematic evolution: communities per period and the flows of terms between them.

Like bibliometrix's ``thematicEvolution`` and CorTexT's alluvial view: the
corpus is split into periods (``2013-2016,2017-2019,2020-2024``), a map is
built per period with the same settings (only the year range differs), and
each community of a period is linked to the communities of the next period by
the terms they share. Terms are matched by their lower-cased display string;
a term's *occurrences* in a period are its document frequency in that
period's map (papers of the period using it).

For a community ``A`` of period ``t`` and ``B`` of period ``t + 1``, with
``S`` their shared terms and ``occ(X)`` the summed occurrences of a set's terms:

* ``shared_terms = |S|``; ``inclusion = |S| / min(|A|, |B|)``;
  ``jaccard = |S| / |A ∪ B|``;
* ``weight = Σ_{i in S} min(occ_t(i), occ_t+1(i))`` (shared occurrences, the
  width of the flow);
* ``weighted_inclusion = weight / min(occ(A), occ(B))``;
  ``weighted_jaccard = weight / (occ(A) + occ(B) - weight)``.

A flow is kept when ``weighted_inclusion >= min_weight``. A community with no
kept flow to the next period is marked ``ending`` (and kept, never dropped);
one with no flow from the previous period is ``emerging``. Each term belongs to
exactly one community per period, so every shared term adds to exactly one
pair: the sums are one ``bincount`` over the shared terms, no loop over pairs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from tmlmap.maps.settings import MapSettings
from tmlmap.maps.termmap import TermMap

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

    from tmlmap.corpus.store import CorpusStore

#: Default threshold on the weighted inclusion index for a flow to be kept.
DEFAULT_MIN_WEIGHT = 0.1
#: Most periods accepted (each is one map build).
MAX_PERIODS = 12
#: Shared terms named per flow (strongest first by shared occurrences).
TOP_SHARED = 8

#: ``progress(period_index, n_periods, stage, fraction)``.
EvolutionProgress = Callable[[int, int, str, float], None]

_PERIOD_RE = re.compile(r"^\s*(\d{4})\s*(?:(?:-|–|\.\.)\s*(\d{4}))?\s*$")


@dataclass(frozen=True)
class Period:
    """An inclusive range of publication years."""

    start: int
    end: int

    @property
    def label(self) -> str:
        return str(self.start) if self.start == self.end else f"{self.start}-{self.end}"


def parse_periods(text: str) -> list[Period]:
    """``"2013-2016,2017-2019,2020-2024"`` -> three :class:`Period` s.

    Periods are comma-separated ``YYYY-YYYY`` (or a single ``YYYY``), in
    increasing order, not overlapping; at least 2 and at most
    :data:`MAX_PERIODS`. Raises ``ValueError`` naming the bad part.
    """
    parts = [p for p in (text or "").split(",") if p.strip()]
    if len(parts) < 2:
        raise ValueError(f"give at least two periods, e.g. 2013-2016,2017-2019,2020-2024 (got {text!r:.80})")
    if len(parts) > MAX_PERIODS:
        raise ValueError(f"at most {MAX_PERIODS} periods (got {len(parts)})")
    periods: list[Period] = []
    for part in parts:
        m = _PERIOD_RE.match(part)
        if not m:
            raise ValueError(f"invalid period {part.strip()!r:.40}: use YYYY-YYYY or YYYY")
        start = int(m.group(1))
        end = int(m.group(2)) if m.group(2) else start
        if start > end:
            raise ValueError(f"invalid period {part.strip()!r}: {start} is after {end}")
        if periods and start <= periods[-1].end:
            raise ValueError(f"period {part.strip()!r} overlaps or precedes {periods[-1].label}; "
                             "list periods in increasing order without overlap")
        periods.append(Period(start, end))
    return periods


@dataclass(frozen=True)
class PeriodCommunities:
    """What the flow computation needs of one period's map.

    ``terms``: ``n_terms`` display strings; ``occurrences``: ``(n_terms,)``
    documents of the period using each term; ``community``: ``(n_terms,)`` ids
    ``0..k-1``; ``names``/``topics``/``n_papers``: per community (length ``k``).
    """

    terms: Sequence[str]
    occurrences: np.ndarray
    community: np.ndarray
    names: Sequence[str]
    topics: Sequence[str | None] = ()
    n_papers: Sequence[int] = ()
    n_docs: int = 0

    @classmethod
    def from_map(cls, term_map: TermMap) -> PeriodCommunities:
        comms = term_map.communities
        return cls(terms=term_map.terms, occurrences=np.asarray(term_map.doc_freq, dtype=np.float64),
                   community=np.asarray(term_map.community, dtype=np.int64), names=[c.name for c in comms],
                   topics=[c.topic for c in comms], n_papers=[int(c.n_papers) for c in comms],
                   n_docs=term_map.n_docs)

    @property
    def n_communities(self) -> int:
        return len(self.names)


def community_flows(a: PeriodCommunities, b: PeriodCommunities, *,
                    min_weight: float = DEFAULT_MIN_WEIGHT) -> pd.DataFrame:
    """Flows from the communities of ``a`` to those of ``b`` (see the module docstring).

    Returns one row per kept pair: ``source``, ``target`` (community ids),
    ``shared_terms``, ``inclusion``, ``jaccard``, ``weight``,
    ``weighted_inclusion``, ``weighted_jaccard``, ``top_shared`` (up to
    :data:`TOP_SHARED` shared terms, by shared occurrences), sorted by source
    then weight (largest first).
    """
    if not 0 <= min_weight <= 1:
        raise ValueError(f"min_weight must be in [0, 1], got {min_weight}")
    ka, kb = a.n_communities, b.n_communities
    occ_a = np.asarray(a.occurrences, dtype=np.float64)
    occ_b = np.asarray(b.occurrences, dtype=np.float64)
    comm_a = np.asarray(a.community, dtype=np.int64)
    comm_b = np.asarray(b.community, dtype=np.int64)
    size_a = np.bincount(comm_a, minlength=ka)
    size_b = np.bincount(comm_b, minlength=kb)
    total_a = np.bincount(comm_a, weights=occ_a, minlength=ka)
    total_b = np.bincount(comm_b, weights=occ_b, minlength=kb)

    index_b = {t.lower(): j for j, t in enumerate(b.terms)}
    pairs = [(i, index_b[t.lower()]) for i, t in enumerate(a.terms) if t.lower() in index_b]
    columns = ["source", "target", "shared_terms", "inclusion", "jaccard", "weight",
               "weighted_inclusion", "weighted_jaccard", "top_shared"]
    if not pairs:
        return pd.DataFrame(columns=columns)
    ia, ib = (np.asarray(x, dtype=np.int64) for x in zip(*pairs, strict=True))
    src, dst = comm_a[ia], comm_b[ib]
    shared_occ = np.minimum(occ_a[ia], occ_b[ib])
    pair = src * kb + dst
    n_shared = np.bincount(pair, minlength=ka * kb)
    weight = np.bincount(pair, weights=shared_occ, minlength=ka * kb)
    keys = np.flatnonzero(n_shared)
    s, t = keys // kb, keys % kb
    shared = n_shared[keys].astype(np.float64)
    w = weight[keys]
    inclusion = shared / np.minimum(size_a[s], size_b[t])
    jaccard = shared / (size_a[s] + size_b[t] - shared)
    w_inclusion = w / np.maximum(np.minimum(total_a[s], total_b[t]), 1e-12)
    w_jaccard = w / np.maximum(total_a[s] + total_b[t] - w, 1e-12)
    keep = w_inclusion >= min_weight - 1e-12
    # Top shared terms per kept pair: order the shared terms by (pair, -occurrences, term).
    order = np.lexsort((ia, -shared_occ, pair))
    top: dict[int, list[str]] = {}
    for k in order.tolist():  # one pass over shared terms (not documents x terms)
        bucket = top.setdefault(int(pair[k]), [])
        if len(bucket) < TOP_SHARED:
            bucket.append(a.terms[int(ia[k])])
    frame = pd.DataFrame({
        "source": s[keep], "target": t[keep], "shared_terms": n_shared[keys][keep].astype(int),
        "inclusion": inclusion[keep], "jaccard": jaccard[keep], "weight": w[keep],
        "weighted_inclusion": w_inclusion[keep], "weighted_jaccard": w_jaccard[keep],
        "top_shared": [top[int(key)] for key in keys[keep].tolist()],
    })
    return frame.sort_values(["source", "weight", "target"], ascending=[True, False, True],
                             ignore_index=True)


@dataclass
class Evolution:
    """Communities per period and the flows between consecutive periods.

    ``communities``: one row per (period, community): ``period`` (label),
    ``period_index``, ``community`` (id in that period's map), ``name``,
    ``topic``, ``size`` (terms), ``occurrences`` (summed document frequency of
    its terms), ``n_papers``, ``emerging``, ``ending``, ``status``
    (``"new"``, ``"continues"``, ``"ends"``, ``"new, ends"``).
    ``flows``: one row per kept flow: ``period_from``, ``source``,
    ``source_name``, ``period_to``, ``target``, ``target_name`` and the indices
    of :func:`community_flows`.
    """

    periods: list[Period]
    communities: pd.DataFrame
    flows: pd.DataFrame
    min_weight: float
    n_docs: list[int] = field(default_factory=list)

    def first_appearance(self, topic: str) -> str | None:
        """Label of the first period with a community named after ``topic`` (e.g. ``"fairness"``)."""
        rows = self.communities[self.communities["topic"] == topic]
        if rows.empty:
            return None
        return str(rows.sort_values("period_index")["period"].iloc[0])

    def subset(self, *, min_size: int = 1, top: int | None = None,
               keep_topics: Sequence[str] = ()) -> Evolution:
        """Only the communities of at least ``min_size`` terms and, with ``top``, the ``top``
        largest (by occurrences) of each period, plus every community named after one of
        ``keep_topics``, and the flows between them (for a readable chart).
        ``status``/``ending`` keep their values from the full data."""
        comms = self.communities
        keep = comms[comms["size"] >= min_size]
        if top is not None:
            keep = (keep.sort_values(["period_index", "occurrences", "community"],
                                     ascending=[True, False, True])
                    .groupby("period_index", sort=False).head(top))
        if keep_topics:
            keep = pd.concat([keep, comms[comms["topic"].isin(list(keep_topics))]])
            keep = keep[~keep.index.duplicated()]
        keep = keep.sort_index()
        kept = set(zip(keep["period"], keep["community"], strict=True))
        flows = self.flows
        if not flows.empty:
            mask = [((a, s) in kept) and ((b, t) in kept) for a, s, b, t in zip(
                flows["period_from"], flows["source"], flows["period_to"], flows["target"], strict=True)]
            flows = flows[np.asarray(mask, dtype=bool)]
        return Evolution(periods=self.periods, communities=keep.reset_index(drop=True),
                         flows=flows.reset_index(drop=True), min_weight=self.min_weight, n_docs=self.n_docs)

    def flows_table(self) -> pd.DataFrame:
        """Flows with the shared terms as one ``"; "``-joined string (for CSV)."""
        out = self.flows.copy()
        out["top_shared"] = out["top_shared"].map(lambda terms: "; ".join(terms))
        return out

    def to_dict(self) -> dict[str, object]:
        return {
            "periods": [p.label for p in self.periods],
            "papers_per_period": list(self.n_docs),
            "min_weight": self.min_weight,
            "communities": self.communities.to_dict(orient="records"),
            "flows": self.flows.to_dict(orient="records"),
            "first_appearance": {t: self.first_appearance(t) for t in ("fairness", "privacy")},
        }


def evolution_from_periods(periods: Sequence[Period], tables: Sequence[PeriodCommunities], *,
                           min_weight: float = DEFAULT_MIN_WEIGHT) -> Evolution:
    """Assemble an :class:`Evolution` from one :class:`PeriodCommunities` per period."""
    if len(periods) != len(tables):
        raise ValueError(f"{len(periods)} periods but {len(tables)} community tables")
    flow_frames = []
    for p in range(len(tables) - 1):
        f = community_flows(tables[p], tables[p + 1], min_weight=min_weight)
        f.insert(0, "period_from", periods[p].label)
        f.insert(2, "source_name", [tables[p].names[i] for i in f["source"].tolist()])
        f.insert(3, "period_to", periods[p + 1].label)
        f.insert(5, "target_name", [tables[p + 1].names[i] for i in f["target"].tolist()])
        flow_frames.append((p, f))
    rows = []
    for p, (period, table) in enumerate(zip(periods, tables, strict=True)):
        size = np.bincount(table.community, minlength=table.n_communities)
        occ = np.bincount(table.community, weights=table.occurrences, minlength=table.n_communities)
        has_out = np.zeros(table.n_communities, dtype=bool)
        has_in = np.zeros(table.n_communities, dtype=bool)
        if p < len(tables) - 1:
            has_out[flow_frames[p][1]["source"].to_numpy(dtype=np.int64)] = True
        if p > 0:
            has_in[flow_frames[p - 1][1]["target"].to_numpy(dtype=np.int64)] = True
        for c in range(table.n_communities):
            emerging = p > 0 and not has_in[c]
            ending = p < len(tables) - 1 and not has_out[c]
            status = ", ".join(s for s, on in (("new", emerging), ("ends", ending)) if on) or "continues"
            rows.append({
                "period": period.label, "period_index": p, "community": c, "name": table.names[c],
                "topic": (table.topics[c] if c < len(table.topics) else None) or "",
                "size": int(size[c]), "occurrences": float(occ[c]),
                "n_papers": int(table.n_papers[c]) if c < len(table.n_papers) else 0,
                "emerging": bool(emerging), "ending": bool(ending), "status": status,
            })
    flows = (pd.concat([f for _, f in flow_frames], ignore_index=True) if flow_frames
             else pd.DataFrame())
    return Evolution(periods=list(periods), communities=pd.DataFrame(rows), flows=flows,
                     min_weight=min_weight, n_docs=[int(t.n_docs) for t in tables])


def period_settings(settings: MapSettings, period: Period) -> MapSettings:
    """``settings`` restricted to the years of ``period`` (every other setting kept)."""
    return settings.replace(year_min=period.start, year_max=period.end)


def thematic_evolution(store: CorpusStore, periods: Sequence[Period], settings: MapSettings | None = None,
                       *, min_weight: float = DEFAULT_MIN_WEIGHT, cache_dir: str | Path | None = None,
                       progress: EvolutionProgress | None = None) -> Evolution:
    """Build (or load from the cache) one map per period and link their communities.

    ``settings`` apply to every period (their year range is replaced by the
    period's). Raises ``ValueError`` naming the period when its map cannot be
    built (e.g. too few papers in those years).
    """
    from tmlmap.maps.build import load_or_build

    settings = settings or MapSettings()
    tables = []
    for p, period in enumerate(periods):
        def stage(name: str, fraction: float, p: int = p) -> None:
            if progress is not None:
                progress(p, len(periods), name, fraction)

        try:
            term_map = load_or_build(store, period_settings(settings, period), progress=stage,
                                     cache_dir=cache_dir)
        except ValueError as exc:
            raise ValueError(f"period {period.label}: {exc}") from exc
        tables.append(PeriodCommunities.from_map(term_map))
    return evolution_from_periods(periods, tables, min_weight=min_weight)


__all__ = [
    "DEFAULT_MIN_WEIGHT", "Evolution", "Period", "PeriodCommunities", "community_flows",
    "evolution_from_periods", "parse_periods", "period_settings", "thematic_evolution",
]
