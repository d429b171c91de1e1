"""The map build, partition-parallel on a Dask cluster (``tmlmap build --workers N``).

The corpus is cut into partitions (runs of papers of the store, or one shard
file each, or pre-tokenized partition files) and every stage of
:func:`tmlmap.maps.build.build_map` that reads documents runs on the
partitions, with only statistics travelling to the client:

1. **normalize**, per partition: the spaCy normalizer with a partition-local
   form table. The client merges the local tables into the global one in the
   order the in-process build assigns ids (spaCy hash order of the spellings),
   and each partition remaps its token ids.
2. **phrases**, two passes: per partition, counts of adjacent pairs, of
   documents per pair and of words, hashed into buckets; per bucket a reducer
   adds the partitions' counts and keeps the pairs with enough documents and
   NPMI (:func:`tmlmap.text.phrases.pair_npmi` on the global counts). The
   client numbers the phrases; the spellings of joined phrases are numbered
   from the union of the partitions' spelling pairs. The thesaurus is applied
   on the client (it only changes the form table).
3. **vocabulary**: document frequencies (and spelling counts) summed over
   partitions in a tree; the vocabulary chosen on the client by
   :func:`tmlmap.network.vocabulary.choose_vocabulary`.
4. **co-occurrence**: per partition the document-term matrix ``X_p`` and its
   ``B_p^T B_p``; the products are summed in a tree reduction, ``C = sum_p
   B_p^T B_p = B^T B``.
5. Pruning, communities and labels run on the reduced graph, on the client,
   with the same functions as in-process; papers per community are counted
   per partition.

Every number is an integer count reduced exactly, and the client applies the
same floating-point formulas to the same totals, so the map is identical to
the in-process build of the same corpus (terms, edges, weights,
communities for the same seed; ``tests/test_distributed.py`` checks it on a
2-worker cluster). Every task is retried by Dask on a worker failure
(``retries``); lost partitions are recomputed from their source.

Dask (``dask[distributed]``) is imported only here and only when a
distributed build is asked for. Workers need ``tmlmap`` importable (the same
version) and, for shard URLs, the fsspec protocol package.
"""

from __future__ import annotations

import hashlib
import json
import operator
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from tmlmap.corpus.records import Paper
from tmlmap.maps.build import (
    Progress,
    _noop,
    corpus_fingerprint,
    map_communities,
    paper_text,
    prune_graph,
)
from tmlmap.maps.settings import MapSettings
from tmlmap.maps.termmap import TermMap
from tmlmap.network.backbone import min_count_filter
from tmlmap.network.cooccurrence import cooccurrence_matrix, edge_weights, incidence, select_rows
from tmlmap.network.labels import community_paper_counts, label_communities, within_strength
from tmlmap.network.vocabulary import choose_vocabulary, document_frequency
from tmlmap.text.extractor import PHRASE_PASSES, TermExtractor, counts_matrix, spelling_counts
from tmlmap.text.normalize import Normalizer, SurfaceTable, TokenStream
from tmlmap.text.phrases import merge_phrases, pair_npmi
from tmlmap.text.thesaurus import read_thesaurus

#: Papers per partition when the corpus comes from the store.
DEFAULT_PARTITION_SIZE = 20_000
#: Times Dask reruns a task whose worker died or that raised.
DEFAULT_RETRIES = 2
#: Seconds to wait for a scheduler before giving up.
CONNECT_TIMEOUT = 10.0
#: Buckets of pair codes in the phrase reduction (each reducer holds 1/B of the pairs).
PAIR_BUCKETS = 8


class ClusterUnavailable(RuntimeError):
    """The Dask scheduler could not be reached (or a local cluster not started)."""


# ---------------------------------------------------------------------------
# Partitions and their sources
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordsPartition:
    """Papers handed to a worker directly (the store's corpus, cut into runs)."""

    papers: tuple[Paper, ...]


@dataclass(frozen=True)
class ShardPartition:
    """One shard file (JSONL, JSONL.gz or Parquet; local path or fsspec URL), read by the worker."""

    url: str


@dataclass(frozen=True)
class TokenPartition:
    """A pre-tokenized partition file (:func:`save_partition`), read by the worker on every use.

    Token and spelling ids are global unless ``form_map``/``surface_map``
    (``(n_local,)`` int64, local id -> global id) are given.
    """

    url: str
    form_map: np.ndarray | None = None
    surface_map: np.ndarray | None = None

    def load(self) -> Partition:
        part = load_partition(self.url)
        if self.form_map is not None and self.surface_map is not None:
            part = _remap(part, self.form_map, self.surface_map)
        return part


@dataclass
class Partition:
    """A tokenized partition held by a worker.

    ``tokens``/``surfaces``: ``(n_positions,)`` int32 form and spelling ids
    (the :class:`~tmlmap.text.normalize.TokenStream` layout, stored narrow to
    halve worker memory); ``indptr``: ``(n_docs + 1,)`` int64; ``ids``,
    ``venues``: ``(n_docs,)`` str arrays; ``years``: ``(n_docs,)`` int64.
    Documents are sorted by id.
    """

    tokens: np.ndarray
    indptr: np.ndarray
    surfaces: np.ndarray
    ids: np.ndarray
    years: np.ndarray
    venues: np.ndarray
    digest: str = ""

    @property
    def n_docs(self) -> int:
        return len(self.indptr) - 1

    def stream(self) -> TokenStream:
        return TokenStream(self.tokens.astype(np.int64), self.indptr, surfaces=self.surfaces.astype(np.int64))


@dataclass
class LocalTables:
    """A partition's own form and spelling tables, before the merge into global ids.

    ``surface_hashes``: ``(n_surfaces,)`` uint64 spaCy string ids of the spellings
    ``surfaces``; ``surface_form``: ``(n_surfaces,)`` local form id of each.
    """

    forms: list[str]
    surfaces: list[str]
    surface_hashes: np.ndarray
    surface_form: np.ndarray


PartitionRef = Any  # a Dask future of a Partition, or a TokenPartition


def save_partition(url: str, part: Partition, tables: LocalTables | None = None) -> None:
    """Write ``part`` (and its local tables, if its ids are local) as one ``.npz`` file."""
    arrays: dict[str, np.ndarray] = {
        "tokens": part.tokens.astype(np.int32),
        "indptr": part.indptr.astype(np.int64),
        "surfaces": part.surfaces.astype(np.int32),
        "ids": part.ids.astype(str),
        "years": part.years.astype(np.int64),
        "venues": part.venues.astype(str),
        "digest": np.asarray(part.digest),
    }
    if tables is not None:
        arrays |= {
            "forms": np.asarray(tables.forms, dtype=str),
            "surface_strings": np.asarray(tables.surfaces, dtype=str),
            "surface_hashes": tables.surface_hashes,
            "surface_form": tables.surface_form,
        }
    with _open_binary(url, "wb") as fh:
        np.savez(fh, **arrays)


def load_partition(url: str) -> Partition:
    """Read a :func:`save_partition` file (no pickle)."""
    with _open_binary(url, "rb") as fh, np.load(fh, allow_pickle=False) as z:
        return Partition(z["tokens"], z["indptr"], z["surfaces"], z["ids"], z["years"], z["venues"],
                         str(z["digest"]))


def _open_binary(url: str, mode: str) -> Any:
    if "://" in url:
        import fsspec

        return fsspec.open(url, mode).open()
    return open(url, mode)  # noqa: SIM115


# ---------------------------------------------------------------------------
# Worker-side tasks (module-level functions: Dask ships them by reference)
# ---------------------------------------------------------------------------

_WORKER_NORMALIZER: Normalizer | None = None


def _worker_normalizer() -> Normalizer:
    """One normalizer per worker process (loading spaCy takes a second or two)."""
    global _WORKER_NORMALIZER
    if _WORKER_NORMALIZER is None:
        # One normalizer per worker process; it tokenizes in this process (no helper process).
        _WORKER_NORMALIZER = Normalizer()
    return _WORKER_NORMALIZER


def _papers_of(source: RecordsPartition | ShardPartition) -> list[Paper]:
    if isinstance(source, ShardPartition):
        from tmlmap.corpus.shards import read_shard

        return read_shard(source.url)
    return list(source.papers)


def _normalize_task(source: RecordsPartition | ShardPartition) -> tuple[Partition, LocalTables]:
    """Tokenize one partition with a partition-local form table."""
    from spacy.strings import get_string_id

    papers = sorted(_papers_of(source), key=lambda p: p.id)
    normalizer = _worker_normalizer()
    form_index: dict[str, int] = {}
    surface = SurfaceTable()
    stream = normalizer.stream([paper_text(p) for p in papers], form_index, grow=True, surface=surface)
    forms = [""] * len(form_index)
    for key, i in form_index.items():
        forms[i] = key
    # Every spelling in the table occurs at a word position; each has one form.
    word = stream.tokens >= 0
    surface_form = np.full(len(surface.strings), -1, dtype=np.int64)
    surface_form[stream.surfaces[word]] = stream.tokens[word]
    # spaCy's ids of the spellings: a hash, or a small symbol id for its built-in strings ("root").
    hashes = np.asarray([get_string_id(s) for s in surface.strings], dtype=np.uint64)
    part = Partition(
        tokens=stream.tokens.astype(np.int32),
        indptr=stream.indptr,
        surfaces=stream.surfaces.astype(np.int32),
        ids=np.asarray([p.id for p in papers], dtype=str),
        years=np.asarray([p.year for p in papers], dtype=np.int64),
        venues=np.asarray([p.venue for p in papers], dtype=str),
        digest=corpus_fingerprint(papers),
    )
    return part, LocalTables(forms, list(surface.strings), hashes, surface_form)


def _normalize_to_file_task(source: RecordsPartition | ShardPartition, url: str) -> tuple[str, LocalTables]:
    """:func:`_normalize_task`, the partition written to ``url`` instead of kept in memory."""
    part, tables = _normalize_task(source)
    save_partition(url, part, tables)
    return url, tables


def _remap(part: Partition, form_map: np.ndarray, surface_map: np.ndarray) -> Partition:
    tokens = part.tokens.astype(np.int64)
    word = tokens >= 0
    tokens[word] = form_map[tokens[word]]
    surfaces = part.surfaces.astype(np.int64)
    spelled = surfaces >= 0
    surfaces[spelled] = surface_map[surfaces[spelled]]
    return Partition(tokens.astype(np.int32), part.indptr, surfaces.astype(np.int32), part.ids, part.years,
                     part.venues, part.digest)


def _remap_task(part: Partition, form_map: np.ndarray, surface_map: np.ndarray) -> Partition:
    return _remap(part, form_map, surface_map)


def _materialize(ref: Partition | TokenPartition) -> Partition:
    return ref.load() if isinstance(ref, TokenPartition) else ref


@dataclass
class PhrasePass:
    """One fitted phrase pass as the partitions apply it.

    ``accepted``/``phrase_ids`` as in :attr:`TermExtractor.phrase_passes`;
    ``surface_codes`` (sorted ``first * n_surfaces + second``) and
    ``surface_ids``: the spelling id of each joined pair of spellings.
    """

    n_forms: int
    accepted: np.ndarray
    phrase_ids: np.ndarray
    n_surfaces: int = 0
    surface_codes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    surface_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def _merge_pass(stream: TokenStream, ph: PhrasePass) -> tuple[TokenStream, np.ndarray, np.ndarray, np.ndarray]:
    """Join ``ph``'s phrases in ``stream`` with :func:`merge_phrases`.

    Returns the merged stream (spellings: the first part's, for joined
    phrases to be replaced), the positions of the merged stream that are
    joined phrases, and the spelling ids of their first and second parts.
    Input position indices ride through the merge in ``starts``/``ends`` (a
    joined pair starts at its first word and ends at its second).
    """
    at = np.arange(len(stream.tokens), dtype=np.int64)
    merged = merge_phrases(TokenStream(stream.tokens, stream.indptr, at, at.copy()), ph.n_forms, ph.accepted,
                           ph.phrase_ids)
    if merged.starts is None or merged.ends is None:  # pragma: no cover - merge_phrases keeps offsets
        raise RuntimeError("merge_phrases dropped the position offsets")
    joined = np.flatnonzero(merged.ends != merged.starts)
    first = stream.surfaces[merged.starts[joined]]
    second = stream.surfaces[merged.ends[joined]]
    surfaces = stream.surfaces[merged.starts]
    return TokenStream(merged.tokens, merged.indptr, surfaces=surfaces), joined, first, second


def _apply_passes(part: Partition, passes: Sequence[PhrasePass], form_map: np.ndarray | None = None) -> TokenStream:
    """The partition's form stream after the fitted phrase passes (and the thesaurus' ``form_map``)."""
    stream = part.stream()
    for ph in passes:
        stream, joined, first, second = _merge_pass(stream, ph)
        if len(joined):
            codes = first * ph.n_surfaces + second
            stream.surfaces[joined] = ph.surface_ids[np.searchsorted(ph.surface_codes, codes)]
    if form_map is not None:
        tokens = stream.tokens.copy()
        known = tokens >= 0
        tokens[known] = form_map[tokens[known]]
        stream = TokenStream(tokens, stream.indptr, surfaces=stream.surfaces)
    return stream


def _pair_stats_task(ref: PartitionRef, passes: list[PhrasePass], n_forms: int, n_buckets: int) -> dict[str, Any]:
    """Adjacent-pair statistics of one partition: word counts, and per bucket
    (``code % n_buckets``) the distinct pair codes with their position and document counts."""
    stream = _apply_passes(_materialize(ref), passes)
    codes, counts, doc_counts = pair_counts(stream, n_forms)
    words = stream.tokens[stream.tokens >= 0]
    bucket = codes % n_buckets
    buckets = [(codes[bucket == b], counts[bucket == b], doc_counts[bucket == b]) for b in range(n_buckets)]
    return {"unigram": np.bincount(words, minlength=n_forms), "n_words": len(words), "buckets": buckets}


def pair_counts(stream: TokenStream, n_forms: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The counts of :func:`tmlmap.text.phrases.score_pairs` with one sort: sorted
    distinct pair codes ``a * n_forms + b``, positions and documents per pair,
    all ``(n_pairs,)`` int64. Sorting ``(code, document)`` keys once gives both
    counts (score_pairs sorts twice and computes NPMI, which a partition cannot)."""
    tokens = stream.tokens
    a, b = tokens[:-1], tokens[1:]
    pos = np.flatnonzero((a >= 0) & (b >= 0))
    if len(pos) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    n_docs = max(stream.n_docs, 1)
    keys = np.sort((tokens[pos] * n_forms + tokens[pos + 1]) * n_docs + stream.doc_index()[pos])
    new_key = np.concatenate(([True], keys[1:] != keys[:-1]))
    codes_per_key = keys[new_key] // n_docs
    key_counts = np.diff(np.concatenate((np.flatnonzero(new_key), [len(keys)])))
    new_code = np.concatenate(([True], codes_per_key[1:] != codes_per_key[:-1]))
    starts = np.flatnonzero(new_code)
    counts = np.add.reduceat(key_counts, starts)
    doc_counts = np.diff(np.concatenate((starts, [len(codes_per_key)])))
    return codes_per_key[starts], counts.astype(np.int64), doc_counts.astype(np.int64)


def _bucket_of(stats: dict[str, Any], b: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return stats["buckets"][b]


def _unigram_of(stats: dict[str, Any]) -> tuple[np.ndarray, int]:
    return stats["unigram"], stats["n_words"]


def _add_counts(*parts: tuple[np.ndarray, int]) -> tuple[np.ndarray, int]:
    """Element-wise sum of ``(counts, total)`` pairs."""
    return sum((p[0] for p in parts[1:]), parts[0][0]), sum(p[1] for p in parts)


def _add_sparse_counts(*parts: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    """Sum of ``(codes, counts...)`` tuples keyed by code: sorted union of the codes, counts added."""
    codes = np.concatenate([p[0] for p in parts])
    uniq, inverse = np.unique(codes, return_inverse=True)
    out: list[np.ndarray] = [uniq]
    for k in range(1, len(parts[0])):
        out.append(np.bincount(inverse, weights=np.concatenate([p[k] for p in parts]),
                               minlength=len(uniq)).astype(np.int64))
    return tuple(out)


def _accept_bucket_task(
    unigram: tuple[np.ndarray, int], min_count: int, min_npmi: float, *pieces: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> np.ndarray:
    """The accepted pair codes of one bucket, from every partition's counts of it
    (the criterion of :func:`tmlmap.text.phrases.detect_phrases` on the corpus totals)."""
    uniq, counts, doc_counts = _add_sparse_counts(*pieces)
    word_counts, n_words = unigram
    npmi = pair_npmi(uniq, counts, word_counts, n_words)
    return uniq[(doc_counts >= min_count) & (npmi >= min_npmi)]


def _surface_pairs_task(ref: PartitionRef, passes: list[PhrasePass], pending: PhrasePass) -> np.ndarray:
    """Sorted distinct spelling pairs (``first * n_surfaces + second``) that ``pending`` joins."""
    stream = _apply_passes(_materialize(ref), passes)
    _, _, first, second = _merge_pass(stream, pending)
    return np.unique(first * pending.n_surfaces + second)


def _union(*arrays: np.ndarray) -> np.ndarray:
    return np.unique(np.concatenate(arrays))


@dataclass(frozen=True)
class _Filter:
    """The settings' venue/year selection of documents."""

    venues: tuple[str, ...]
    year_min: int | None
    year_max: int | None

    def rows(self, part: Partition) -> np.ndarray:
        return select_rows(part.n_docs, part.years, part.venues.astype(object), venue_set=self.venues,
                           year_min=self.year_min, year_max=self.year_max)


def _vocab_stats_task(
    ref: PartitionRef, passes: list[PhrasePass], form_map: np.ndarray, n_cols: int, n_surfaces: int, filt: _Filter
) -> dict[str, Any]:
    """Document frequency of every form in the selected documents, and spelling counts of all documents."""
    part = _materialize(ref)
    stream = _apply_passes(part, passes, form_map)
    rows = filt.rows(part)
    X = counts_matrix(stream, n_cols)[rows]
    codes, counts = spelling_counts(stream, max(n_surfaces, 1))
    return {"df": document_frequency(X), "n_docs": int(rows.sum()), "spell": (codes, counts)}


def _df_of(stats: dict[str, Any]) -> tuple[np.ndarray, int]:
    return stats["df"], stats["n_docs"]


def _spell_of(stats: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    return stats["spell"]


def _matrix_task(
    ref: PartitionRef, passes: list[PhrasePass], form_map: np.ndarray, n_cols: int, filt: _Filter, columns: np.ndarray
) -> sp.csr_matrix:
    """``(n_selected_p, len(columns))`` float64 CSR term counts of the partition's selected documents."""
    part = _materialize(ref)
    stream = _apply_passes(part, passes, form_map)
    return counts_matrix(stream, n_cols)[filt.rows(part)][:, columns].tocsr()


def _gram_task(X: sp.csr_matrix) -> sp.csr_matrix:
    """``B_p^T B_p``, ``(n_terms, n_terms)`` int32 (diagonal kept: removed once, after the sum)."""
    B = incidence(X)
    return (B.T.tocsr() @ B).tocsr()


def _pool_gram_task(*args: Any) -> sp.csr_matrix:
    return cooccurrence_matrix(_matrix_task(*args))


def _add_matrices(*parts: sp.csr_matrix) -> sp.csr_matrix:
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    return total.tocsr()


def _docs_task(ref: PartitionRef, filt: _Filter) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ids, years and venues of the partition's selected documents."""
    part = _materialize(ref)
    rows = filt.rows(part)
    return part.ids[rows], part.years[rows], part.venues[rows]


def _paper_counts_task(X: sp.csr_matrix | None, ref: PartitionRef, matrix_args: tuple[Any, ...], linked: np.ndarray,
                       membership: np.ndarray, strength: np.ndarray) -> np.ndarray:
    """``(k,)`` papers per community in one partition (``X`` recomputed when it was not kept)."""
    if X is None:
        X = _matrix_task(ref, *matrix_args)
    return community_paper_counts(X[:, linked], membership, strength)


def _sum(*arrays: np.ndarray) -> np.ndarray:
    return sum(arrays[1:], arrays[0])


def _select_columns(X: sp.csr_matrix, linked: np.ndarray) -> sp.csr_matrix:
    return X if linked.all() else X[:, linked].tocsr()


# ---------------------------------------------------------------------------
# Client side
# ---------------------------------------------------------------------------


@contextmanager
def connect(
    *, workers: int | None = None, scheduler: str | None = None, memory_limit: str | None = None,
    timeout: float = CONNECT_TIMEOUT,
) -> Iterator[Any]:
    """A ``distributed.Client``: of a new local cluster of ``workers`` processes
    (one thread each, listening on 127.0.0.1 only), or of the running
    scheduler at ``scheduler`` (``tcp://host:8786``). ``memory_limit`` per
    local worker (``"4GB"``; default: Dask's share of the machine). Raises
    :class:`ClusterUnavailable` naming the address when the scheduler does not
    answer within ``timeout`` s.
    """
    if (workers is None) == (scheduler is None):
        raise ValueError("give exactly one of workers or scheduler")
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("the distributed build needs Dask: pip install 'dask[distributed]'") from exc
    if workers is not None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        try:
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                                   dashboard_address=None, memory_limit=memory_limit or "auto")
        except (OSError, TimeoutError, RuntimeError) as exc:
            raise ClusterUnavailable(f"cannot start a local Dask cluster of {workers} workers: {exc}") from exc
        try:
            with Client(cluster) as client:
                yield client
        finally:
            cluster.close()
        return
    try:
        client = Client(scheduler, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise ClusterUnavailable(
            f"cannot reach the Dask scheduler at {scheduler} within {timeout:g} s ({type(exc).__name__}); "
            "is it running (`dask scheduler`) and is the address right?"
        ) from None
    try:
        yield client
    finally:
        client.close()


@dataclass
class DistributedGraph:
    """What the distributed build produces before documents are gathered.

    The fields of :class:`TermMap` except the per-document ones; ``n_docs``
    selected documents; ``linked``: ``(n_vocabulary,)`` bool, the chosen
    terms that kept an edge (the map's terms); ``matrices``: futures of the
    partitions' ``X_p`` over the chosen vocabulary, kept on the workers, or None.
    """

    settings: MapSettings
    extractor: TermExtractor
    terms: list[str]
    doc_freq: np.ndarray
    n_docs: int
    cooccurrence: sp.csr_matrix
    adjacency: sp.csr_matrix
    community: np.ndarray
    communities: list[Any]
    modularity: float
    stability_ari: float
    linked: np.ndarray
    timings: dict[str, float]
    matrices: list[Any] | None = None


class _Runner:
    """Submits tasks with retries and reports partitions done per stage (to
    ``progress.note(text)`` as well, when the progress callback has one)."""

    def __init__(self, client: Any, progress: Progress, retries: int) -> None:
        self.client = client
        self.progress = progress
        self.retries = retries

    def submit(self, func: Callable[..., Any], *args: Any, priority: int = 0) -> Any:
        return self.client.submit(func, *args, retries=self.retries, pure=False, priority=priority)

    def wait(self, futures: list[Any], stage: str, lo: float = 0.0, hi: float = 1.0) -> None:
        """Block until ``futures`` are done, moving ``stage``'s progress from ``lo`` to ``hi``
        as partitions finish; re-raises the first task error.

        Empties ``futures``: the client drops each future once it is done, so a
        result no other task needs any more leaves worker memory at once.
        """
        from distributed import as_completed

        total = len(futures)
        pending = as_completed(futures)
        futures.clear()
        note = getattr(self.progress, "note", None)
        self.progress(stage, lo)
        for done, fut in enumerate(pending, start=1):
            if fut.status == "error":
                fut.result()
            del fut
            self.progress(stage, lo + (hi - lo) * done / max(total, 1))
            if note is not None:
                note(f"{done}/{total} partitions")

    def reduce(self, futures: list[Any], func: Callable[..., Any], arity: int = 2) -> Any:
        """Tree reduction: ``func(*group)`` over groups of ``arity`` futures, level by level."""
        if not futures:
            raise ValueError("nothing to reduce")
        # Reductions outrank new partition work, so partial results are consumed as they arrive.
        while len(futures) > 1:
            futures = [
                self.submit(func, *futures[i : i + arity], priority=1) if len(futures[i : i + arity]) > 1
                else futures[i]
                for i in range(0, len(futures), arity)
            ]
        return futures[0]


def _global_tables(tables: Sequence[LocalTables]) -> tuple[list[str], list[str], list[np.ndarray], list[np.ndarray]]:
    """Merge partition tables into the in-process build's global ids.

    The in-process normalizer numbers spellings and forms while walking the
    corpus's distinct spaCy hashes in sorted order; the same walk over the
    union of the partitions' spellings gives the same ids. Returns the global
    forms, the global spellings and, per partition, its local->global form
    and spelling maps.
    """
    all_hashes = np.concatenate([t.surface_hashes for t in tables])
    all_strings = np.asarray([s for t in tables for s in t.surfaces], dtype=object)
    all_forms = np.asarray([t.forms[f] for t in tables for f in t.surface_form.tolist()], dtype=object)
    uniq_hashes, first = np.unique(all_hashes, return_index=True)
    strings = all_strings[first].tolist()
    keys = all_forms[first].astype(str)
    # Forms numbered in the order of their first spelling in hash order.
    key_list, key_first = np.unique(keys, return_index=True)
    forms = key_list[np.argsort(key_first, kind="stable")].tolist()
    form_index = {k: i for i, k in enumerate(forms)}
    form_maps = [np.asarray([form_index[k] for k in t.forms], dtype=np.int64) for t in tables]
    surface_maps = [np.searchsorted(uniq_hashes, t.surface_hashes).astype(np.int64) for t in tables]
    return forms, strings, form_maps, surface_maps


def read_tokenized(directory: str) -> tuple[list[TokenPartition], list[str], list[str], str]:
    """The partitions of a pre-tokenized corpus directory (local or fsspec URL):
    ``tables.json`` (``{"forms": [...], "surfaces": [...]}``, the global
    tables) and ``part-*.npz`` files of :func:`save_partition` in global ids.
    Returns the partitions, forms, spellings and a fingerprint of the files
    (names and sizes)."""
    import fsspec

    fs, _, (root,) = fsspec.get_fs_token_paths(directory)
    with fs.open(f"{root}/tables.json", "rt") as fh:
        tables = json.load(fh)
    files = sorted(f for f in fs.ls(root, detail=False)
                   if f.rsplit("/", 1)[-1].startswith("part-") and f.endswith(".npz"))
    if not files:
        raise ValueError(f"{directory}: no part-*.npz partition files")
    protocol = directory.split("://", 1)[0] + "://" if "://" in directory else ""
    h = hashlib.sha256()
    for f in files:
        h.update(f"{f.rsplit('/', 1)[-1]}:{fs.size(f)};".encode())
    return ([TokenPartition(protocol + f) for f in files], list(tables["forms"]), list(tables["surfaces"]),
            h.hexdigest()[:16])


def _combine_digests(sources: Sequence[RecordsPartition | ShardPartition], digests: Sequence[str]) -> str:
    """The corpus fingerprint: the in-process one when the store's papers are
    the partitions (in order), else a hash of the partitions' own fingerprints."""
    if sources and all(isinstance(s, RecordsPartition) for s in sources):
        return corpus_fingerprint([p for s in sources for p in s.papers])  # type: ignore[union-attr]
    h = hashlib.sha256()
    for s, d in zip(sources, digests, strict=True):
        h.update(f"{getattr(s, 'url', '')}\0{d}\1".encode())
    return h.hexdigest()[:16]


def build_graph(
    sources: Sequence[RecordsPartition | ShardPartition] | None,
    settings: MapSettings | None,
    client: Any,
    *,
    tokenized: tuple[list[TokenPartition], list[str], list[str]] | None = None,
    keep_matrices: bool = True,
    progress: Progress | None = None,
    retries: int = DEFAULT_RETRIES,
    spill_dir: str | None = None,
) -> tuple[DistributedGraph, list[PartitionRef], str]:
    """Run the partition-parallel build up to the labelled graph (see the module docstring).

    Give ``sources`` (papers or shards, normalized on the workers) or
    ``tokenized`` (pre-tokenized partitions with their global forms and
    spellings, from :func:`read_tokenized`). ``spill_dir`` (a directory or
    fsspec URL every worker can write and read) keeps the normalized
    partitions there instead of in worker memory. ``keep_matrices`` keeps each
    partition's document-term matrix on its worker (needed by
    :func:`gather_map`; without it the labels stage recomputes them).
    Returns the graph, the partition references and the corpus fingerprint
    (the in-process one for store papers).
    """
    settings = settings or MapSettings()
    progress = progress or _noop
    run = _Runner(client, progress, retries)
    timings: dict[str, float] = {}
    extractor = TermExtractor()  # the client's normalizer: thesaurus entries, term lookups

    t = time.perf_counter()
    progress("normalize", 0.0)
    if tokenized is not None:
        refs: list[PartitionRef] = list(tokenized[0])
        forms, strings = tokenized[1], tokenized[2]
        digest = ""
    else:
        if not sources:
            raise ValueError("no partitions to build from")
        if spill_dir is not None:
            root = spill_dir.rstrip("/")
            if "://" not in root:
                Path(root).mkdir(parents=True, exist_ok=True)
            outs = [run.submit(_normalize_to_file_task, s, f"{root}/part-{i:05d}.npz") for i, s in enumerate(sources)]
        else:
            outs = [run.submit(_normalize_task, s) for s in sources]
        table_futs = [run.submit(operator.getitem, o, 1) for o in outs]
        run.wait(list(table_futs), "normalize", 0.0, 0.9)
        forms, strings, form_maps, surface_maps = _global_tables(client.gather(table_futs))
        if spill_dir is not None:
            urls = client.gather([run.submit(operator.getitem, o, 0) for o in outs])
            refs = [TokenPartition(u, fm, sm) for u, fm, sm in zip(urls, form_maps, surface_maps, strict=True)]
            digests = [""] * len(refs)
        else:
            refs = [run.submit(_remap_task, run.submit(operator.getitem, o, 0), fm, sm)
                    for o, fm, sm in zip(outs, form_maps, surface_maps, strict=True)]
            run.wait(list(refs), "normalize", 0.9, 1.0)
            digests = client.gather([run.submit(operator.attrgetter("digest"), r) for r in refs])
        del outs, table_futs
        digest = _combine_digests(sources, digests)
    extractor.form_index = {k: i for i, k in enumerate(forms)}
    extractor.forms = list(forms)
    extractor.surface = SurfaceTable(list(strings))
    progress("normalize", 1.0)
    timings["normalize"] = time.perf_counter() - t

    # -- phrases: pair counts reduced per bucket, phrases numbered centrally ----------
    t = time.perf_counter()
    thesaurus = read_thesaurus(settings.thesaurus) if settings.thesaurus else []
    forced = extractor.forced_pairs(thesaurus)
    passes: list[PhrasePass] = []
    for pass_no in range(PHRASE_PASSES):
        lo, hi = pass_no / PHRASE_PASSES, (pass_no + 1) / PHRASE_PASSES
        n_forms = len(extractor.forms)
        stats = [run.submit(_pair_stats_task, r, passes, n_forms, PAIR_BUCKETS) for r in refs]
        words = [run.submit(_unigram_of, st, priority=1) for st in stats]
        unigram = run.reduce(list(words), _add_counts)
        # Per bucket, a tree sum of the partitions' pair counts: each partition's
        # statistics leave memory as soon as their buckets are added in.
        totals = [run.reduce([run.submit(_bucket_of, st, b, priority=1) for st in stats], _add_sparse_counts)
                  for b in range(PAIR_BUCKETS)]
        del stats
        accepted_futs = [run.submit(_accept_bucket_task, unigram, settings.phrase_min_count,
                                    settings.phrase_min_npmi, tot, priority=1) for tot in totals]
        del totals
        run.wait(words, "phrases", lo, lo + (hi - lo) * 0.6)
        accepted = np.sort(np.concatenate(client.gather(accepted_futs))).astype(np.int64)
        del accepted_futs, unigram
        if extractor.add_phrase_pass(n_forms, accepted, forced if pass_no == 0 else []) is None:
            break
        _, accepted, phrase_ids = extractor.phrase_passes[-1]
        pending = PhrasePass(n_forms, accepted, phrase_ids, n_surfaces=len(extractor.surface.strings))
        codes = client.gather(run.reduce([run.submit(_surface_pairs_task, r, passes, pending) for r in refs],
                                         _union))
        # Joined spellings are numbered as merge_phrases numbers them: by sorted pair code.
        n_surf, spelled = pending.n_surfaces, extractor.surface.strings
        pending.surface_codes = codes.astype(np.int64)
        pending.surface_ids = np.asarray(
            [extractor.surface.add(f"{spelled[c // n_surf]} {spelled[c % n_surf]}") for c in codes.tolist()],
            dtype=np.int64)
        passes.append(pending)
        progress("phrases", hi)
    preferred_display = extractor.fit_thesaurus(thesaurus)
    form_map = extractor.form_map
    progress("phrases", 1.0)
    timings["phrases"] = time.perf_counter() - t

    # -- vocabulary: document frequencies summed in a tree ------------------------------
    t = time.perf_counter()
    progress("vocabulary", 0.0)
    filt = _Filter(settings.venues, settings.year_min, settings.year_max)
    n_cols = len(extractor.forms)
    vstats = [run.submit(_vocab_stats_task, r, passes, form_map, n_cols, len(extractor.surface.strings), filt)
              for r in refs]
    df_fut = run.reduce([run.submit(_df_of, v, priority=1) for v in vstats], _add_counts)
    spell_fut = run.reduce([run.submit(_spell_of, v, priority=1) for v in vstats], _add_sparse_counts)
    run.wait(vstats, "vocabulary", 0.0, 0.8)
    df, n_docs = client.gather(df_fut)
    spell_codes, spell_counts = client.gather(spell_fut)
    del df_fut, spell_fut
    if n_docs < 2:
        raise ValueError(f"only {n_docs} papers match the venue/year filter; a map needs at least 2")
    extractor.form_display = extractor.pick_spellings(spell_codes, spell_counts) | preferred_display

    def pool_cooccurrence(pool: np.ndarray) -> sp.csr_matrix:
        grams = [run.submit(_pool_gram_task, r, passes, form_map, n_cols, filt, pool) for r in refs]
        return client.gather(run.reduce(grams, _add_matrices))

    vocab = choose_vocabulary(df, n_docs, extractor.forms, min_df=settings.min_df,
                              max_df_share=settings.max_df_share, max_terms=settings.max_terms,
                              by=settings.vocab_by, pool_cooccurrence=pool_cooccurrence)
    if len(vocab) < 2:
        raise ValueError(
            f"only {len(vocab)} terms pass min_df={settings.min_df} and max_df_share={settings.max_df_share} "
            f"in {n_docs} papers; lower min_df or widen the selection"
        )
    extractor.set_vocabulary(vocab)
    doc_freq = df[vocab].astype(np.int64)
    progress("vocabulary", 1.0)
    timings["vocabulary"] = time.perf_counter() - t

    # -- co-occurrence: C = sum_p B_p^T B_p, summed in a tree ---------------------------
    t = time.perf_counter()
    matrix_args = (passes, form_map, n_cols, filt, vocab)
    matrices: list[Any] | None = [run.submit(_matrix_task, r, *matrix_args) for r in refs]
    grams = [run.submit(_gram_task, m) for m in matrices]
    if not keep_matrices:
        matrices = None  # released once their products are done
    C_fut = run.reduce(list(grams), _add_matrices)
    run.wait(grams, "cooccurrence", 0.0, 0.8)
    C = client.gather(C_fut)
    del C_fut
    C.setdiag(0)
    C.eliminate_zeros()
    W = edge_weights(C, doc_freq, n_docs, settings.weight)
    progress("cooccurrence", 1.0)
    timings["cooccurrence"] = time.perf_counter() - t

    # -- pruning, communities, labels: on the reduced graph, as build_map does -----------
    t = time.perf_counter()
    progress("pruning", 0.0)
    W, linked = prune_graph(min_count_filter(W, C, settings.min_count), settings)
    if not linked.all():
        extractor.set_vocabulary(vocab[linked])
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
    progress("labels", 0.0)
    terms = extractor.display
    communities = label_communities(W, partition.membership, terms, extractor.lookup, None, C=C)
    # Papers per community, counted where the documents are.
    strength = within_strength(sp.csr_matrix(C).multiply(W > 0).tocsr(), partition.membership)
    counts_futs = [
        run.submit(_paper_counts_task, m, r, matrix_args, linked, partition.membership, strength)
        for m, r in zip(matrices if matrices is not None else [None] * len(refs), refs, strict=True)
    ]
    n_papers_fut = run.reduce(list(counts_futs), _sum)
    run.wait(counts_futs, "labels", 0.0, 0.9)
    n_papers = client.gather(n_papers_fut)
    for c in communities:
        c.n_papers = int(n_papers[c.id])
        c.share_papers = float(n_papers[c.id] / n_docs) if n_docs else 0.0
    progress("labels", 1.0)
    timings["labels"] = time.perf_counter() - t

    graph = DistributedGraph(
        settings=settings, extractor=extractor, terms=list(terms), doc_freq=doc_freq, n_docs=n_docs,
        cooccurrence=C.multiply(W > 0).tocsr(), adjacency=W, community=partition.membership,
        communities=communities, modularity=partition.modularity, stability_ari=partition.stability_ari,
        linked=linked, timings=timings, matrices=matrices,
    )
    return graph, refs, digest


def gather_map(graph: DistributedGraph, refs: list[PartitionRef], client: Any, digest: str,
               retries: int = DEFAULT_RETRIES) -> TermMap:
    """The :class:`TermMap` of ``graph``: gathers every selected document's row and
    metadata to the client, ordered by paper id as the in-process build orders them.

    Raises ValueError when two partitions hold the same paper id.
    """
    if graph.matrices is None:
        raise ValueError("the partitions' matrices were not kept (keep_matrices=False)")
    run = _Runner(client, _noop, retries)
    filt = _Filter(graph.settings.venues, graph.settings.year_min, graph.settings.year_max)
    docs = client.gather([run.submit(_docs_task, r, filt) for r in refs])
    blocks = client.gather([run.submit(_select_columns, m, graph.linked) for m in graph.matrices])
    ids = np.concatenate([d[0] for d in docs])
    years = np.concatenate([d[1] for d in docs]).astype(np.int64)
    venues = np.concatenate([d[2] for d in docs])
    X = sp.vstack(blocks, format="csr")
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    dup = sorted_ids[1:][sorted_ids[1:] == sorted_ids[:-1]]
    if len(dup):
        raise ValueError(f"{len(dup)} paper ids occur more than once in the corpus (first: {str(dup[0])!r})")
    if not (order == np.arange(len(order))).all():
        X, ids, years, venues = X[order], sorted_ids, years[order], venues[order]
    return TermMap(
        settings=graph.settings, terms=graph.terms, doc_freq=graph.doc_freq, doc_ids=ids.tolist(),
        doc_years=years, doc_venues=venues.astype(str), X=X.tocsr(), cooccurrence=graph.cooccurrence,
        adjacency=graph.adjacency, community=graph.community, communities=graph.communities,
        modularity=graph.modularity, stability_ari=graph.stability_ari, corpus_fingerprint=digest,
        extractor=graph.extractor, timings=graph.timings,
    )


def partition_papers(papers: Sequence[Paper], partition_size: int = DEFAULT_PARTITION_SIZE) -> list[RecordsPartition]:
    """``papers`` sorted by id and cut into runs of ``partition_size``."""
    if partition_size < 1:
        raise ValueError(f"partition_size must be >= 1, got {partition_size}")
    ordered = sorted(papers, key=lambda p: p.id)
    return [RecordsPartition(tuple(ordered[i : i + partition_size])) for i in range(0, len(ordered), partition_size)]


def build_map_distributed(
    client: Any,
    settings: MapSettings | None = None,
    *,
    papers: Sequence[Paper] | None = None,
    shards: Sequence[str] | None = None,
    partition_size: int = DEFAULT_PARTITION_SIZE,
    progress: Progress | None = None,
    retries: int = DEFAULT_RETRIES,
    spill_dir: str | None = None,
) -> TermMap:
    """:func:`tmlmap.maps.build.build_map` on the cluster of ``client``: the same map.

    The corpus is ``papers`` (cut into partitions of ``partition_size``) or
    ``shards`` (one partition per file, see :mod:`tmlmap.corpus.shards`).
    """
    if (papers is None) == (shards is None):
        raise ValueError("give exactly one of papers or shards")
    if papers is not None:
        sources: list[Any] = partition_papers(papers, partition_size)
    else:
        from tmlmap.corpus.shards import expand_shards

        sources = [ShardPartition(u) for u in expand_shards(shards or [])]
    graph, refs, digest = build_graph(sources, settings, client, progress=progress, retries=retries,
                                      spill_dir=spill_dir)
    return gather_map(graph, refs, client, digest, retries)


def load_or_build_distributed(
    store: Any,
    client: Any,
    settings: MapSettings | None = None,
    *,
    partition_size: int = DEFAULT_PARTITION_SIZE,
    progress: Progress | None = None,
    cache_dir: str | Path | None = None,
    force: bool = False,
) -> TermMap:
    """:func:`tmlmap.maps.build.load_or_build` with the build on the cluster. It
    writes the same cache entry (the map is the same), so later commands load it."""
    from tmlmap.maps.build import load_or_build

    def on_cluster(store: Any, settings: MapSettings, progress: Progress | None, _root: Path) -> TermMap:
        return build_map_distributed(client, settings, papers=store.papers(), partition_size=partition_size,
                                     progress=progress)

    return load_or_build(store, settings, progress=progress, cache_dir=cache_dir, force=force,
                         builder=on_cluster)
