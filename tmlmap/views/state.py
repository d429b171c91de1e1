"""Shared dashboard state: the store, the current map and what is derived from it.

Streamlit runs every session's script in its own thread; objects live in one
process-wide :class:`Registry` (created once through ``st.cache_resource``):

* stores, one per database path (:class:`~tmlmap.corpus.store.CorpusStore` is
  thread-safe: one connection behind a lock);
* maps, keyed by ``(database path, corpus fingerprint, settings key)``, the
  :data:`MAX_MAPS` most recent kept; a map is built at most once at a time
  (per-key lock) and loaded from the engine's artifacts when cached on disk;
* values derived from a map (risk scorer, thematic table, graph HTML, ...),
  keyed by the map's key plus a name, dropped with their map.

The map a session shows is pinned in ``st.session_state``: its settings (the
sidebar form's last *applied* values) and the corpus fingerprint it was built
for. When the corpus changes (import, refresh, another process), the sidebar
says the map is stale until the user rebuilds it (or a page rebuilds it after
changing the corpus).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from tmlmap import config
from tmlmap.corpus.store import CorpusStore
from tmlmap.maps.build import STAGES, is_stale, load_or_build
from tmlmap.maps.settings import WEIGHTS, MapSettings
from tmlmap.maps.termmap import TermMap

T = TypeVar("T")

#: Maps kept in memory (each ~50-200 MB for the full corpus).
MAX_MAPS = 3
#: Derived values kept per map.
MAX_DERIVED = 48
#: Terms drawn on the Map page by default, and the slider's range.
DEFAULT_TERMS_SHOWN = 300
TERMS_SHOWN_RANGE = (25, 1500)
WEIGHT_LABELS = {
    "association": "association strength (VOSviewer)",
    "npmi": "normalized PMI",
    "jaccard": "Jaccard",
    "count": "raw count (Derzsy et al.)",
}

_APPLIED = "tmlmap_applied_settings"
_PINNED_FP = "tmlmap_pinned_fingerprint"
_TERMS_SHOWN = "tmlmap_terms_shown"


@dataclass
class Registry:
    """Process-wide caches (see the module docstring)."""

    lock: threading.RLock = field(default_factory=threading.RLock)
    stores: dict[str, CorpusStore] = field(default_factory=dict)
    maps: OrderedDict[tuple[str, str, str], TermMap] = field(default_factory=OrderedDict)
    build_locks: dict[tuple[str, str, str], threading.Lock] = field(default_factory=dict)
    derived: dict[tuple[str, str], OrderedDict[Any, Any]] = field(default_factory=dict)

    def build_lock(self, key: tuple[str, str, str]) -> threading.Lock:
        with self.lock:
            return self.build_locks.setdefault(key, threading.Lock())

    def put_map(self, key: tuple[str, str, str], term_map: TermMap) -> None:
        with self.lock:
            self.maps[key] = term_map
            self.maps.move_to_end(key)
            while len(self.maps) > MAX_MAPS:
                _, old = self.maps.popitem(last=False)
                self.derived.pop(map_id(old), None)

    def get_map(self, key: tuple[str, str, str]) -> TermMap | None:
        with self.lock:
            m = self.maps.get(key)
            if m is not None:
                self.maps.move_to_end(key)
            return m


@st.cache_resource(show_spinner=False)
def registry() -> Registry:
    """The one :class:`Registry` of this server process."""
    return Registry()


# --------------------------------------------------------------------------
# Store
# --------------------------------------------------------------------------


_CORPUS = "tmlmap_corpus"


def active_corpus() -> str:
    """The corpus this session works on: the sidebar's choice, else ``$TMLMAP_CORPUS`` or the default."""
    name = st.session_state.get(_CORPUS)
    if name is None:
        try:
            name = config.active_corpus()
        except ValueError:  # an invalid $TMLMAP_CORPUS: the default corpus, never a path from it
            name = config.DEFAULT_CORPUS
    return name


def db_path() -> str:
    return str(config.corpus_db_path(active_corpus()))


def map_cache_dir() -> str:
    """The map cache folder of this session's corpus."""
    return str(config.corpus_cache_dir(active_corpus()))


def corpus_switch() -> None:
    """Sidebar selector of the corpus (default or a named one, see ``tmlmap corpus``).

    Switching drops the session's map settings and pinned map (a venue filter of
    one corpus means nothing in another); each corpus keeps its own maps on disk.
    """
    from tmlmap.corpus.named import corpus_names

    names = corpus_names()
    current = active_corpus()
    if current not in names:  # deleted meanwhile (e.g. from the CLI)
        current = config.DEFAULT_CORPUS
    if len(names) == 1:
        st.session_state[_CORPUS] = current
        return
    chosen = st.selectbox("Corpus", names, index=names.index(current), key="sb_corpus",
                          help="Your own corpora are made with `tmlmap corpus create NAME` and filled "
                               "with `tmlmap --corpus NAME import FILE`; each has its own maps.")
    if chosen != st.session_state.get(_CORPUS, current):
        st.session_state[_CORPUS] = chosen
        st.session_state.pop(_APPLIED, None)
        st.session_state.pop(_PINNED_FP, None)
        st.rerun()
    st.session_state[_CORPUS] = chosen


def get_store() -> CorpusStore:
    """The corpus store at ``$TMLMAP_DB`` (or the default path), opened once.

    The very first start imports the embedded corpus, with a progress bar; so does the
    first start after a new version of it shipped (an upgrade that keeps the user's papers),
    and the status box then says what was added (see ``CorpusStore.sync_embedded``).
    """
    reg = registry()
    path = db_path()
    with reg.lock:
        store = reg.stores.get(path)
    if store is not None:
        return store
    with reg.build_lock(("store", path, "")):
        with reg.lock:
            store = reg.stores.get(path)
        if store is not None:
            return store
        probe = CorpusStore(path)
        pending = probe.embedded_pending()
        probe.close()
        if active_corpus() != config.DEFAULT_CORPUS:
            store = CorpusStore.open(path, bootstrap=False)  # a named corpus: only its owner's papers
        elif pending is not None:
            label = {"bootstrap": "**First start: importing the embedded corpus** (once; then the map is "
                                  "built, see below)",
                     "upgrade": "**The embedded corpus has a new version: importing it** "
                                "(your own papers are kept)",
                     "reimport": "**This version reads the embedded corpus differently: importing it "
                                 "again** (your own papers are kept)"}[pending]
            # a placeholder, emptied when done: no "Imported..." box left at the top of the page
            box = st.empty()
            with box.container(border=True):
                st.markdown(label)
                bar = st.progress(0.0)
            t0 = time.perf_counter()

            def progress(done: int, total: int | None) -> None:
                elapsed = time.perf_counter() - t0
                left = elapsed / done * (total - done) if total and done else None
                bar.progress(min(done / total, 1.0) if total else 0.0,
                             text=(f"{done:,} of {total:,} papers" if total else f"{done:,} papers")
                             + f" · {elapsed:.0f} s" + (f" · about {left:.0f} s left" if left else ""))

            store = CorpusStore.open(path, progress=progress)
            box.empty()
            sync = store.last_sync
            if sync is not None and sync.kind in ("upgrade", "reimport"):
                st.info(sync.message())  # what the upgrade added stays readable, not a toast
            else:
                st.toast(sync.message() if sync is not None else
                         f"Imported {store.count():,} papers in {time.perf_counter() - t0:.0f} s")
        else:
            store = CorpusStore.open(path)
        with reg.lock:
            reg.stores[path] = store
        return store


# --------------------------------------------------------------------------
# Settings and the current map
# --------------------------------------------------------------------------


def applied_settings() -> MapSettings:
    """The settings of the map this session shows (defaults until the form is applied)."""
    d = st.session_state.get(_APPLIED)
    return MapSettings.from_dict(d) if d else MapSettings()


def set_applied_settings(settings: MapSettings) -> None:
    st.session_state[_APPLIED] = settings.to_dict()


def terms_shown() -> int:
    """How many terms the Map page draws (sidebar slider)."""
    return int(st.session_state.get(_TERMS_SHOWN, DEFAULT_TERMS_SHOWN))


def pinned_fingerprint(store: CorpusStore) -> str:
    """The corpus fingerprint the shown map was built for (the current one at first)."""
    fp = st.session_state.get(_PINNED_FP)
    if fp is None:
        fp = store.fingerprint()
        st.session_state[_PINNED_FP] = fp
    return fp


def corpus_changed(store: CorpusStore) -> bool:
    """True when the corpus changed since the shown map was built."""
    return pinned_fingerprint(store) != store.fingerprint()


def repin(store: CorpusStore) -> None:
    """Show the map of the current corpus from now on (it is built on next use)."""
    st.session_state[_PINNED_FP] = store.fingerprint()


def _map_cache_key(settings: MapSettings, fingerprint: str) -> tuple[str, str, str]:
    return (db_path(), fingerprint, settings.key())


def shown_map(store: CorpusStore) -> TermMap | None:
    """The map this session shows, if it is in memory (None before it is built or loaded)."""
    return registry().get_map(_map_cache_key(applied_settings(), pinned_fingerprint(store)))


def current_map() -> TermMap:
    """The map this session shows, built (with a progress display) or loaded as needed.

    On a build error (e.g. a venue/year filter leaving too few papers) shows the
    message and stops the page.
    """
    store = get_store()
    settings = applied_settings()
    reg = registry()
    key = _map_cache_key(settings, pinned_fingerprint(store))
    term_map = reg.get_map(key)
    if term_map is not None:
        return term_map
    # the pinned corpus is gone from memory: use the current one
    repin(store)
    key = _map_cache_key(settings, store.fingerprint())
    with reg.build_lock(key):
        term_map = reg.get_map(key)
        if term_map is not None:
            return term_map
        try:
            term_map = _load_or_build_with_progress(store, settings)
        except ValueError as exc:
            from tmlmap.views.widgets import md_text

            st.error(f"Cannot build a map with these settings: {md_text(exc)}. "
                     "Change the venue/year selection in the sidebar.")
            st.stop()
        reg.put_map(key, term_map)
    return term_map


#: What each build stage does, for the progress bar.
STAGE_LABELS = {
    "normalize": "reading and lemmatizing titles and abstracts",
    "phrases": "finding phrases",
    "vocabulary": "choosing the terms",
    "cooccurrence": "counting co-occurrences",
    "pruning": "pruning weak links",
    "communities": "finding communities (Louvain, several seeds)",
    "labels": "naming the communities",
}
#: Share of a full build's time each stage took, and the seconds per paper of a
#: whole build, measured on the full embedded corpus (22,868 papers, default
#: settings) on 2026-12-01 on the shared 2-core machine (108 s while other jobs
#: ran: noisy). The progress bar's estimate starts from these and switches to
#: the build's own pace once a stage has finished.
STAGE_SHARE = {"normalize": 0.46, "phrases": 0.04, "vocabulary": 0.01, "cooccurrence": 0.04,
               "pruning": 0.02, "communities": 0.42, "labels": 0.01}
BUILD_SECONDS_PER_PAPER = 0.0047


def build_estimate_s(n_papers: int) -> float:
    """Expected seconds to build a map of ``n_papers`` (see :data:`BUILD_SECONDS_PER_PAPER`)."""
    return max(2.0, n_papers * BUILD_SECONDS_PER_PAPER)


def build_progress_text(stage: str, fraction: float, elapsed_s: float, n_papers: int
                        ) -> tuple[float, str]:
    """``(overall fraction, text)`` for the build progress bar: stage, elapsed time and an
    estimate of the time left, weighted by the measured share of each stage."""
    i = STAGES.index(stage) if stage in STAGES else 0
    done = sum(STAGE_SHARE.get(s, 0.0) for s in STAGES[:i])
    done += STAGE_SHARE.get(stage, 0.0) * min(max(fraction, 0.0), 1.0)
    total = sum(STAGE_SHARE.get(s, 0.0) for s in STAGES) or 1.0
    overall = min(done / total, 1.0)
    prior = build_estimate_s(n_papers) * (1.0 - overall)
    # after the first stage the build's own pace is a better guess than the prior
    left = elapsed_s / overall * (1.0 - overall) if overall >= STAGE_SHARE["normalize"] else prior
    text = (f"step {i + 1} of {len(STAGES)}: {STAGE_LABELS.get(stage, stage)} · "
            f"{elapsed_s:.0f} s elapsed · about {max(left, 0.0):.0f} s left")
    return overall, text


def _load_or_build_with_progress(store: CorpusStore, settings: MapSettings) -> TermMap:
    """Load the cached map, or build it in a worker thread while this script thread
    keeps the progress bar moving (the longest steps report no progress of their
    own: without this the bar and its clock would freeze for a minute)."""
    t0 = time.perf_counter()
    if not is_stale(store, settings, map_cache_dir()):
        with st.spinner("Loading the cached map..."):
            return load_or_build(store, settings, cache_dir=map_cache_dir())
    n_papers = store.count()
    box = st.empty()  # emptied when done: no "Map built..." box left at the top of the page
    with box.container(border=True):
        st.markdown(f"**Building the map of {n_papers:,} papers** (once for these settings and this "
                    f"corpus; about {build_estimate_s(n_papers):.0f} s on a quiet 2-core machine, "
                    "longer when it is busy)")
        bar = st.progress(0.0, text=build_progress_text("normalize", 0.0, 0.0, n_papers)[1])
    latest: dict[str, Any] = {"stage": STAGES[0], "fraction": 0.0, "since": t0}
    outcome: dict[str, Any] = {}

    def progress(stage: str, fraction: float) -> None:  # called from the worker thread
        if stage != latest["stage"]:
            latest["since"] = time.perf_counter()
        latest["stage"], latest["fraction"] = stage, fraction

    def work() -> None:
        try:
            outcome["map"] = load_or_build(store, settings, progress=progress, cache_dir=map_cache_dir())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the script thread below
            outcome["error"] = exc

    worker = threading.Thread(target=work, name="tmlmap-map-build", daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(timeout=0.5)
        now = time.perf_counter()
        stage, fraction = latest["stage"], float(latest["fraction"])
        # inside a step that reports nothing, advance by the time its measured share predicts,
        # scaled by this build's pace so far (a busy machine is slower in every step), at most
        # 90 %: the bar never claims a step done before it is
        done_before = build_progress_text(stage, 0.0, 0.0, n_papers)[0]
        prior_before = done_before * build_estimate_s(n_papers)
        pace = (latest["since"] - t0) / prior_before if prior_before > 0 else 1.0
        expected = STAGE_SHARE.get(stage, 0.0) * build_estimate_s(n_papers) * max(pace, 1.0)
        if expected > 0:
            fraction = max(fraction, min(0.9, (now - latest["since"]) / expected))
        overall, text = build_progress_text(stage, fraction, now - t0, n_papers)
        bar.progress(overall, text=text)
    if "error" in outcome:
        raise outcome["error"]
    term_map = outcome["map"]
    box.empty()
    st.toast(f"Map built in {time.perf_counter() - t0:.0f} s: {term_map.n_terms:,} terms, "
             f"{len(term_map.communities)} communities")
    return term_map


def map_id(term_map: TermMap) -> tuple[str, str]:
    """The key of values derived from ``term_map``: its corpus hash and settings."""
    return (term_map.corpus_fingerprint, term_map.settings.key())


def derived(term_map: TermMap, name: str, compute: Callable[[], T], *args: Any) -> T:
    """``compute()`` once per ``(map, name, args)``; kept while the map is cached."""
    reg = registry()
    mkey = map_id(term_map)
    key = (name, *args)
    with reg.lock:
        bucket = reg.derived.setdefault(mkey, OrderedDict())
        if key in bucket:
            bucket.move_to_end(key)
            return bucket[key]
    value = compute()
    with reg.lock:
        bucket = reg.derived.setdefault(mkey, OrderedDict())
        bucket[key] = value
        while len(bucket) > MAX_DERIVED:
            bucket.popitem(last=False)
    return value


# --------------------------------------------------------------------------
# Sidebar
# --------------------------------------------------------------------------


def sidebar() -> DeltaGenerator | None:
    """The shared sidebar: map settings form and terms shown.

    Returns a sidebar container for :func:`sidebar_status`, which app.py
    fills after the page ran (so it describes the map the page just built).
    """
    with st.sidebar:
        corpus_switch()
    store = get_store()
    applied = applied_settings()
    venues = store.venues()
    try:
        lo, hi = store.year_range()
    except ValueError:
        st.sidebar.error("The corpus is empty: import papers on the Corpus page.")
        return None
    with st.sidebar:
        st.markdown("### Map settings")
        with st.form("map_settings", border=False):
            chosen = st.multiselect("Venues (none = all)", venues,
                                    default=[v for v in applied.venues if v in venues],
                                    key="sb_venues")
            if lo < hi:
                y0 = applied.year_min if applied.year_min is not None else lo
                y1 = applied.year_max if applied.year_max is not None else hi
                years = st.slider("Years", lo, hi, (max(lo, min(y0, hi)), min(hi, max(y1, lo))),
                                  key="sb_years")
            else:
                years = (lo, hi)
                st.caption(f"Year: {lo}")
            weight = st.selectbox("Link weighting", WEIGHTS, index=WEIGHTS.index(applied.weight),
                                  format_func=lambda w: WEIGHT_LABELS.get(w, w), key="sb_weight")
            resolution = st.slider("Louvain resolution", 0.2, 4.0, float(applied.resolution), 0.1,
                                   key="sb_resolution",
                                   help="Higher values give more, smaller communities.")
            seed = st.number_input("Seed", 0, 10_000, int(applied.seed), step=1, key="sb_seed")
            submitted = st.form_submit_button("Apply settings", type="primary", key="sb_apply")
        if submitted:
            new = applied.replace(
                venues=tuple(sorted(chosen)),
                year_min=None if years[0] <= lo else int(years[0]),
                year_max=None if years[1] >= hi else int(years[1]),
                weight=weight, resolution=float(resolution), seed=int(seed))
            if new != applied:
                set_applied_settings(new)
                repin(store)
        st.slider("Terms shown on the map", *TERMS_SHOWN_RANGE, DEFAULT_TERMS_SHOWN, step=25,
                  key=_TERMS_SHOWN)
        return st.container()


def sidebar_status(box: DeltaGenerator | None) -> None:
    """Fill the sidebar ``box``: is the shown map stale, and what it holds."""
    if box is None:
        return
    store = get_store()
    applied = applied_settings()
    with box:
        if corpus_changed(store):
            st.warning(f"The corpus changed since this map was built (now {store.count():,} "
                       "papers): the map shown is stale.")
            if st.button("Rebuild the map", key="sb_rebuild"):
                repin(store)
                st.rerun()
        shown = shown_map(store)
        if shown is None:
            if is_stale(store, applied, map_cache_dir()):
                st.info("The map for these settings is not built yet: the Map page builds it "
                        f"(about {build_estimate_s(store.count()):.0f} s for {store.count():,} papers).")
        else:
            st.caption(f"Map: {shown.n_docs:,} papers, {shown.n_terms:,} terms, "
                       f"{shown.n_edges:,} links, {len(shown.communities)} communities, "
                       f"modularity {shown.modularity:.2f}")
