"""Build a :class:`~tmlmap.maps.termmap.TermMap` from papers: the pipeline, stage by stage.

normalize -> phrases -> vocabulary -> co-occurrence -> pruning -> communities
-> labels. Each stage lives in its own module; this one only wires them,
times them and reports progress. :func:`load_or_build` adds the artifact
cache: a map is rebuilt only when the corpus or a setting changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from tmlmap.corpus.records import Paper
from tmlmap.maps import artifacts
from tmlmap.maps.settings import MapSettings
from tmlmap.maps.termmap import TermMap
from tmlmap.network.backbone import disparity_filter, top_k_filter
from tmlmap.network.communities import Partition, default_jobs, detect_communities
from tmlmap.network.cooccurrence import (
    cooccurrence_matrix,
    counts_on_edges,
    edge_weights,
    select_rows,
)
from tmlmap.network.labels import label_communities
from tmlmap.network.vocabulary import document_frequency, select_vocabulary
from tmlmap.text.extractor import TermExtractor, counts_matrix
from tmlmap.text.normalize import (
    HELPER_MIN_TEXTS,
    Normalizer,
    SurfaceTable,
    TokenizerHelper,
    TokenStream,
)
from tmlmap.text.thesaurus import read_thesaurus

if TYPE_CHECKING:  # pragma: no cover
    from tmlmap.corpus.store import CorpusStore

#: ``progress(stage, fraction)`` with ``fraction`` in [0, 1] within the stage.
Progress = Callable[[str, float], None]

STAGES = ("normalize", "phrases", "vocabulary", "cooccurrence", "pruning", "communities", "labels")
#: Bump when tokenization changes, to invalidate cached token streams.
NORMALIZER_VERSION = "4"


def paper_text(paper: Paper, *, with_keywords: bool = True) -> str:
    """The text a paper contributes: title, abstract and (optionally) author keywords.

    Parts are separated by a full stop so no phrase spans two of them.
    """
    parts = [paper.title, paper.abstract]
    if with_keywords and paper.keywords:
        parts.append(" . ".join(paper.keywords))
    return " . ".join(parts)


def corpus_fingerprint(papers: Sequence[Paper]) -> str:
    """A content hash of the papers' ids and texts (order-sensitive)."""
    h = hashlib.sha256()
    for p in papers:
        h.update(p.id.encode())
        h.update(b"\0")
        h.update(paper_text(p).encode())
        h.update(b"\1")
    return h.hexdigest()[:16]


def _noop(stage: str, fraction: float) -> None:
    pass


def _tokenize(
    extractor: TermExtractor,
    texts: list[str],
    cache: Path | None,
    cached: tuple[TokenStream, list[str], list[str]] | None,
    helper: TokenizerHelper | None,
    progress: Progress,
) -> TokenStream:
    """Tokenize the corpus (with the ``helper`` process if given), or use the ``cached`` token stream."""
    if cached is not None:
        stream, forms, surface_strings = cached
        extractor.form_index = {k: i for i, k in enumerate(forms)}
        extractor.surface = SurfaceTable(surface_strings)
        progress("normalize", 1.0)
        return stream
    stream = extractor.tokenize_corpus(texts, progress=lambda d, n: progress("normalize", d / max(n, 1)),
                                       helper=helper)
    if cache is not None:
        artifacts.save_token_cache(cache, stream, extractor._forms_list(), extractor.surface.strings)
    return stream


def prune_graph(W: sp.csr_matrix, settings: MapSettings) -> tuple[sp.csr_matrix, np.ndarray]:
    """The weighted graph ``W`` ``(n, n)`` after the backbone and top-k filters of ``settings``,
    and the ``(n,)`` mask of terms that keep an edge (terms without one carry no structure:
    the caller drops them). Raises ValueError when fewer than 2 terms keep an edge."""
    if settings.backbone_alpha is not None:
        W = disparity_filter(W, settings.backbone_alpha)
    if settings.top_k:
        W = top_k_filter(W, settings.top_k)
    linked = np.diff(W.indptr) > 0
    if linked.sum() < 2:
        raise ValueError("fewer than 2 terms keep an edge after pruning; relax min_count/backbone_alpha/top_k")
    return W, linked


def map_communities(W: sp.csr_matrix, settings: MapSettings) -> Partition:
    """Communities of the pruned graph with the resolution, seed, backend and consensus of ``settings``."""
    return detect_communities(W, resolution=settings.resolution, seed=settings.seed, backend=settings.backend,
                              consensus_runs=settings.consensus_runs)


def build_map(
    papers: Sequence[Paper],
    settings: MapSettings | None = None,
    *,
    progress: Progress | None = None,
    cache_dir: str | Path | None = None,
    normalizer: Normalizer | None = None,
) -> TermMap:
    """Build the map of ``papers`` under ``settings`` (defaults: :class:`MapSettings`).

    ``cache_dir`` (optional) keeps the tokenized corpus so a rebuild with
    other settings skips spaCy. Raises ValueError when the selection holds
    too few papers or terms to make a map.
    """
    settings = settings or MapSettings()
    progress = progress or _noop
    timings: dict[str, float] = {}
    papers = sorted(papers, key=lambda p: p.id)
    fingerprint = corpus_fingerprint(papers)
    cache = Path(cache_dir) / f"tokens-{fingerprint}-v{NORMALIZER_VERSION}" if cache_dir else None
    cached = artifacts.load_token_cache(cache) if cache is not None else None
    # The helper starts now, so spaCy loads in both processes at once (~1.7 s each).
    use_helper = cached is None and len(papers) >= HELPER_MIN_TEXTS and default_jobs() >= 2
    with TokenizerHelper() if use_helper else contextlib.nullcontext() as helper:
        extractor = TermExtractor(normalizer)
        t = time.perf_counter()
        texts = [paper_text(p) for p in papers]
        stream = _tokenize(extractor, texts, cache, cached, helper, progress)
        timings["normalize"] = time.perf_counter() - t

    t = time.perf_counter()
    progress("phrases", 0.0)
    thesaurus = read_thesaurus(settings.thesaurus) if settings.thesaurus else []
    stream = extractor.fit_phrases(
        stream, min_count=settings.phrase_min_count, min_npmi=settings.phrase_min_npmi, thesaurus=thesaurus
    )
    progress("phrases", 1.0)
    timings["phrases"] = time.perf_counter() - t

    t = time.perf_counter()
    progress("vocabulary", 0.0)
    years = np.asarray([p.year for p in papers], dtype=np.int64)
    venues = np.asarray([p.venue for p in papers], dtype=object)
    rows = select_rows(
        len(papers), years, venues, venue_set=settings.venues, year_min=settings.year_min, year_max=settings.year_max
    )
    if rows.sum() < 2:
        raise ValueError(f"only {int(rows.sum())} papers match the venue/year filter; a map needs at least 2")
    X_forms = counts_matrix(stream, len(extractor.forms))[rows]
    vocab = select_vocabulary(
        X_forms,
        extractor.forms,
        min_df=settings.min_df,
        max_df_share=settings.max_df_share,
        max_terms=settings.max_terms,
        by=settings.vocab_by,
    )
    if len(vocab) < 2:
        raise ValueError(
            f"only {len(vocab)} terms pass min_df={settings.min_df} and max_df_share={settings.max_df_share} "
            f"in {int(rows.sum())} papers; lower min_df or widen the selection"
        )
    extractor.set_vocabulary(vocab)
    word_docs = word_incidence(X_forms)
    X = X_forms[:, vocab].tocsr()
    doc_freq = document_frequency(X)
    progress("vocabulary", 1.0)
    timings["vocabulary"] = time.perf_counter() - t

    t = time.perf_counter()
    progress("cooccurrence", 0.0)
    C = cooccurrence_matrix(X)
    # min_count is applied while weighting (one pass over the pairs, not two).
    W = edge_weights(C, doc_freq, X.shape[0], settings.weight, min_count=settings.min_count)
    progress("cooccurrence", 1.0)
    timings["cooccurrence"] = time.perf_counter() - t

    t = time.perf_counter()
    progress("pruning", 0.0)
    W, linked = prune_graph(W, settings)
    # Raw counts are kept only on the map's edges: the full matrix is ~40x
    # larger and nothing downstream needs pairs the pruning removed.
    C = counts_on_edges(C, W)
    if not linked.all():
        vocab = vocab[linked]
        extractor.set_vocabulary(vocab)
        X = X[:, linked].tocsr()
        doc_freq = doc_freq[linked]
        C = C[linked][:, linked].tocsr()
        W = W[linked][:, linked].tocsr()
    progress("pruning", 1.0)
    timings["pruning"] = time.perf_counter() - t

    t = time.perf_counter()
    progress("communities", 0.0)
    partition = map_communities(W, settings)
    progress("communities", 1.0)
    timings["communities"] = time.perf_counter() - t

    t = time.perf_counter()
    terms = extractor.display
    communities = label_communities(W, partition.membership, terms, extractor.lookup, X, C=C)
    progress("labels", 1.0)
    timings["labels"] = time.perf_counter() - t

    sel = np.flatnonzero(rows)
    return TermMap(
        settings=settings,
        terms=list(terms),
        doc_freq=doc_freq,
        doc_ids=[papers[i].id for i in sel.tolist()],
        doc_years=years[sel],
        doc_venues=venues[sel].astype(str),
        X=X,
        cooccurrence=C,
        adjacency=W,
        community=partition.membership,
        communities=communities,
        modularity=partition.modularity,
        stability_ari=partition.stability_ari,
        corpus_fingerprint=fingerprint,
        extractor=extractor,
        timings=timings,
        word_docs=word_docs,
    )


#: Forms used by fewer papers are left out of ``TermMap.word_docs`` (a word in
#: one paper says nothing about its context, and they are most of the forms).
WORD_MIN_DF = 2


def word_incidence(X_forms: sp.csr_matrix, min_df: int = WORD_MIN_DF) -> sp.csr_matrix:
    """``(n_docs, n_forms)`` 0/1 float32 CSR: the paper uses the form; forms in < ``min_df`` papers dropped."""
    B = sp.csr_matrix(X_forms, dtype=np.float32, copy=True)
    B.sum_duplicates()
    B.eliminate_zeros()
    B.data[:] = 1.0
    df = np.bincount(B.indices, minlength=B.shape[1])
    keep = df >= min_df
    B.data[~keep[B.indices]] = 0.0
    B.eliminate_zeros()
    return B


def map_key(store_fingerprint: str, settings: MapSettings) -> str:
    """Cache key of a map: corpus fingerprint + settings hash + pipeline version."""
    blob = json.dumps([store_fingerprint, settings.key(), artifacts.MAP_FORMAT_VERSION, NORMALIZER_VERSION])
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def _cache_root(cache_dir: str | Path | None) -> Path:
    from tmlmap.config import cache_dir as default_cache_dir

    return Path(cache_dir) if cache_dir else default_cache_dir()


def map_path(store: CorpusStore, settings: MapSettings, cache_dir: str | Path | None = None) -> Path:
    """Where the map of ``store``'s current corpus under ``settings`` is (or would be) saved."""
    return _cache_root(cache_dir) / f"map-{map_key(store.fingerprint(), settings)}"


def load_or_build(
    store: CorpusStore,
    settings: MapSettings | None = None,
    *,
    progress: Progress | None = None,
    cache_dir: str | Path | None = None,
    force: bool = False,
    builder: Callable[[CorpusStore, MapSettings, Progress | None, Path], TermMap] | None = None,
) -> TermMap:
    """The map of ``store`` under ``settings``: loaded from the cache if the
    corpus and settings are unchanged, else built and saved.

    ``cache_dir`` defaults to :func:`tmlmap.config.cache_dir`. ``builder(store,
    settings, progress, cache_root)`` builds the map instead of :func:`build_map`
    (the Dask build passes its own; the cache entry is the same, as the map is).
    """
    settings = settings or MapSettings()
    path = map_path(store, settings, cache_dir)
    if not force:
        loaded = artifacts.load_map(path)
        if loaded is not None:
            if progress:
                for stage in STAGES:
                    progress(stage, 1.0)
            return loaded
    if builder is None:
        term_map = build_map(store.papers(), settings, progress=progress, cache_dir=path.parent)
    else:
        term_map = builder(store, settings, progress, path.parent)
    artifacts.save_map(term_map, path)
    return term_map


def is_stale(store: CorpusStore, settings: MapSettings | None = None, cache_dir: str | Path | None = None) -> bool:
    """True when no cached map matches the store's current corpus and ``settings``."""
    return not artifacts.exists(map_path(store, settings or MapSettings(), cache_dir))
