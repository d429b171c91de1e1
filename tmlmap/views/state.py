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

    The very first start imports the embedded corpus, with a progress bar.
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
        empty = probe.count() == 0
        probe.close()
        if active_corpus() != config.DEFAULT_CORPUS:
            store = CorpusStore.open(path, bootstrap=False)  # a named corpus: only its owner's papers
        elif empty:
            with st.status("First start: importing the embedded corpus...", expanded=True) as box:
                bar = st.progress(0.0)

                def progress(done: int, total: int | None) -> None:
                    bar.progress(min(done / total, 1.0) if total else 0.0,
                                 text=f"{done:,} of {total:,} papers" if total else f"{done:,} papers")

                store = CorpusStore.open(path, progress=progress)
                box.update(label=f"Imported {store.count():,} papers", state="complete", expanded=False)
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


def _load_or_build_with_progress(store: CorpusStore, settings: MapSettings) -> TermMap:
    t0 = time.perf_counter()
    if not is_stale(store, settings, map_cache_dir()):
        with st.spinner("Loading the cached map..."):
            return load_or_build(store, settings, cache_dir=map_cache_dir())
    with st.status(f"Building the map of {store.count():,} papers...", expanded=True) as box:
        bar = st.progress(0.0, text="starting")

        def progress(stage: str, fraction: float) -> None:
            i = STAGES.index(stage) if stage in STAGES else 0
            overall = min((i + min(max(fraction, 0.0), 1.0)) / len(STAGES), 1.0)
            bar.progress(overall, text=f"{stage} ({i + 1}/{len(STAGES)}): {fraction:.0%}")

        term_map = load_or_build(store, settings, progress=progress, cache_dir=map_cache_dir())
        box.update(label=f"Map built in {time.perf_counter() - t0:.1f} s: {term_map.n_terms:,} terms, "
                         f"{len(term_map.communities)} communities", state="complete", expanded=False)
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
        shown = registry().get_map(_map_cache_key(applied, pinned_fingerprint(store)))
        if shown is None:
            if is_stale(store, applied, map_cache_dir()):
                st.info("The map for these settings is not built yet: the Map page builds it "
                        "(about 25 s for the full corpus).")
        else:
            st.caption(f"Map: {shown.n_docs:,} papers, {shown.n_terms:,} terms, "
                       f"{shown.n_edges:,} links, {len(shown.communities)} communities, "
                       f"modularity {shown.modularity:.2f}")
