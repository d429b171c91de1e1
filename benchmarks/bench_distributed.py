"""The distributed build (``tmlmap build --workers N``) on synthetic corpora of millions of abstracts.

Two synthetic corpora, generated partition by partition on disk (so no process
ever holds a whole corpus it does not need), both drawn from the embedded
corpus so lengths, vocabulary and word-run structure are realistic:

* ``text``: abstracts as JSONL.gz shards (tokenization included in the build).
  Each synthetic paper takes the title, venue, year and keywords of a random
  real paper and an abstract of as many sentences as that paper's abstract,
  each drawn at random from all sentences of the embedded corpus.
* ``tokens``: pre-tokenized partitions (``part-*.npz`` + ``tables.json``, the
  format of :func:`tmlmap.maps.distributed.read_tokenized`). Each document
  takes the word runs (the words between two stop words or punctuation
  marks, e.g. "differential privacy", with their spellings) of a random real
  document of the tokenized embedded corpus, each run swapped with
  probability ``REPLACE`` for a random run of the whole corpus: lengths,
  term frequencies, burstiness and the pair statistics inside runs are those
  of real text, and no two documents are copies.

Modes (run each by hand; each prints one JSON line of what it measured, with
the load average before and after, since the machine may be shared):

    python benchmarks/bench_distributed.py gen-text   --docs 1000000 --dir /tmp/tmlmap-dist/text
    python benchmarks/bench_distributed.py gen-tokens --docs 10000000 --dir /tmp/tmlmap-dist/tokens
    python benchmarks/bench_distributed.py text   --dir ... --mode inprocess
    python benchmarks/bench_distributed.py text   --dir ... --mode cluster --workers 2
    python benchmarks/bench_distributed.py tokens --dir ... --mode cluster --workers 2
    python benchmarks/bench_distributed.py partition-cost --dir .../tokens/part-00000.npz \
        --text-shard .../text/part-00000.jsonl.gz

``text`` in process reads every shard and calls ``build_map`` (the
normalizer uses its two processes); on a cluster it calls
``build_map_distributed`` (documents gathered into the ``TermMap`` at the
end). ``tokens`` on a cluster runs ``build_graph`` without gathering the
documents (the document-term matrix of 10 M papers stays on the workers).
Peak memory: ``ru_maxrss`` of the client process and of every worker process
(fresh workers for each run).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import resource
import sys
import time
from pathlib import Path

import numpy as np

from _corpus import embedded_papers, machine, peak_rss_mb
from tmlmap.corpus.records import Paper
from tmlmap.maps.build import paper_text
from tmlmap.maps.distributed import Partition, save_partition
from tmlmap.maps.settings import MapSettings
from tmlmap.text.extractor import TermExtractor

_SENTENCE = re.compile(r"(?<=[.!?])\s+")
#: Share of a synthetic document's word runs drawn from the whole corpus instead of its model document.
REPLACE = 0.3


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def gen_text(n_docs: int, directory: Path, shard_docs: int, seed: int) -> None:
    papers = embedded_papers()
    sentences: list[str] = []
    n_sent = np.zeros(len(papers), dtype=np.int64)
    for i, p in enumerate(papers):
        parts = [s for s in _SENTENCE.split(p.abstract) if s]
        sentences.extend(parts)
        n_sent[i] = len(parts)
    sentences_arr = np.asarray(sentences, dtype=object)
    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    for s, lo in enumerate(range(0, n_docs, shard_docs)):
        hi = min(n_docs, lo + shard_docs)
        like = rng.integers(len(papers), size=hi - lo)
        counts = np.maximum(n_sent[like], 1)
        picks = sentences_arr[rng.integers(len(sentences), size=int(counts.sum()))]
        bounds = np.concatenate(([0], np.cumsum(counts)))
        path = directory / f"part-{s:05d}.jsonl.gz"
        with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as fh:
            for d in range(hi - lo):
                p = papers[int(like[d])]
                rec = {"id": f"syn-{lo + d:09d}", "title": p.title,
                       "abstract": " ".join(picks[bounds[d]:bounds[d + 1]].tolist()), "venue": p.venue,
                       "year": p.year, "keywords": p.keywords}
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(json.dumps({"generated": "text", "docs": n_docs, "shards": -(-n_docs // shard_docs),
                      "seconds": round(time.perf_counter() - t, 1),
                      "bytes": sum(f.stat().st_size for f in directory.iterdir())}))


def gen_tokens(n_docs: int, directory: Path, part_docs: int, seed: int) -> None:
    papers = sorted(embedded_papers(), key=lambda p: p.id)
    ex = TermExtractor()
    stream = ex.tokenize_corpus([paper_text(p) for p in papers])
    tokens, surfaces = stream.tokens, stream.surfaces
    assert surfaces is not None
    # Word runs: maximal stretches of word positions between boundaries.
    word = tokens >= 0
    starts = np.flatnonzero(word & ~np.concatenate(([False], word[:-1])))
    ends = np.flatnonzero(word & ~np.concatenate((word[1:], [False]))) + 1
    run_len = ends - starts
    runs_per_doc = np.bincount(stream.doc_index()[starts], minlength=stream.n_docs)
    run_first = np.concatenate(([0], np.cumsum(runs_per_doc)[:-1]))
    years = np.asarray([p.year for p in papers])
    venues = np.asarray([p.venue for p in papers], dtype=str)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "tables.json").write_text(json.dumps({"forms": ex._forms_list(), "surfaces": ex.surface.strings}))
    rng = np.random.default_rng(seed)
    t = time.perf_counter()
    n_positions = 0
    for s, lo in enumerate(range(0, n_docs, part_docs)):
        hi = min(n_docs, lo + part_docs)
        like = rng.integers(stream.n_docs, size=hi - lo)
        k = np.maximum(runs_per_doc[like], 1)
        # The runs of the real document, each swapped for a random run of the corpus
        # with probability REPLACE: documents keep their terms' burstiness without being copies.
        chosen = np.repeat(run_first[like], k) + (np.arange(int(k.sum())) - np.repeat(np.cumsum(k) - k, k))
        chosen = np.minimum(chosen, len(starts) - 1)
        swap = rng.random(len(chosen)) < REPLACE
        chosen[swap] = rng.integers(len(starts), size=int(swap.sum()))
        lens = run_len[chosen] + 1  # each run is followed by a boundary
        total = int(lens.sum())
        chunk_start = np.concatenate(([0], np.cumsum(lens)[:-1]))
        offset = np.arange(total) - np.repeat(chunk_start, lens)
        src = np.repeat(starts[chosen], lens) + offset
        is_boundary = offset == np.repeat(lens - 1, lens)
        src[is_boundary] = 0
        tok = np.where(is_boundary, -1, tokens[src]).astype(np.int32)
        surf = np.where(is_boundary, -1, surfaces[src]).astype(np.int32)
        doc_len = np.bincount(np.repeat(np.arange(hi - lo), k), weights=lens, minlength=hi - lo).astype(np.int64)
        indptr = np.concatenate(([0], np.cumsum(doc_len)))
        part = Partition(tok, indptr, surf, np.asarray([f"syn-{i:09d}" for i in range(lo, hi)]),
                         years[like].astype(np.int64), venues[like], digest=f"synthetic-{seed}-{s}")
        save_partition(str(directory / f"part-{s:05d}.npz"), part)
        n_positions += total
    print(json.dumps({"generated": "tokens", "docs": n_docs, "partitions": -(-n_docs // part_docs),
                      "positions": n_positions, "seconds": round(time.perf_counter() - t, 1),
                      "bytes": sum(f.stat().st_size for f in directory.iterdir())}))


class _Log:
    """Progress on stderr: one line per stage change or partitions-done note, at most every 5 s."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.last = (0.0, "")

    def __call__(self, stage: str, fraction: float) -> None:
        now = time.perf_counter() - self.t0
        if stage != self.last[1] or now - self.last[0] > 5:
            print(f"{now:8.1f} s  {stage:<13} {fraction:5.0%}", file=sys.stderr, flush=True)
            self.last = (now, stage)


def _worker_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _report(kind: str, mode: str, workers: int, t0: float, load0: str, summary: dict, peaks: dict | None) -> None:
    out = {
        "bench": kind, "mode": mode, "workers": workers, "seconds": round(time.perf_counter() - t0, 1),
        "client_peak_mb": round(peak_rss_mb()), "children_peak_mb": round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        "worker_peak_mb": peaks, "load_before": load0, "load_after": _load(), "machine": machine(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), **summary,
    }
    print(json.dumps(out))


def _summary(m) -> dict:
    return {"papers": m.n_docs, "terms": len(m.terms), "edges": int(m.adjacency.nnz // 2),
            "communities": len(m.communities), "modularity": round(m.modularity, 4),
            "stage_seconds": {k: round(v, 1) for k, v in m.timings.items()}}


def run_text(directory: Path, mode: str, workers: int, memory_limit: str) -> None:
    from tmlmap.corpus.shards import expand_shards, read_shard

    settings = MapSettings()
    shards = expand_shards([str(directory)])
    load0, t0 = _load(), time.perf_counter()
    if mode == "inprocess":
        from tmlmap.maps.build import build_map

        papers: list[Paper] = [p for url in shards for p in read_shard(url)]
        m = build_map(papers, settings, progress=_Log())
        _report("text", mode, 0, t0, load0, _summary(m) | {"papers_in": len(papers)}, None)
        return
    from tmlmap.maps.distributed import build_map_distributed, connect

    with connect(workers=workers, memory_limit=memory_limit) as client:
        m = build_map_distributed(client, settings, shards=shards, progress=_Log())
        peaks = client.run(_worker_peak_mb)
    _report("text", mode, workers, t0, load0, _summary(m) | {"partitions": len(shards)},
            {k.rsplit(":", 1)[-1]: round(v) for k, v in peaks.items()})


def run_tokens(directory: Path, workers: int, memory_limit: str) -> None:
    from tmlmap.maps.distributed import build_graph, connect, read_tokenized

    settings = MapSettings()
    parts, forms, surfaces, _ = read_tokenized(str(directory))
    load0, t0 = _load(), time.perf_counter()
    with connect(workers=workers, memory_limit=memory_limit) as client:
        graph, _, _ = build_graph(None, settings, client, tokenized=(parts, forms, surfaces), keep_matrices=False,
                                  progress=_Log())
        peaks = client.run(_worker_peak_mb)
    _report("tokens", "cluster", workers, t0, load0, _summary(graph) | {"partitions": len(parts)},
            {k.rsplit(":", 1)[-1]: round(v) for k, v in peaks.items()})


def partition_cost(token_part: Path, text_shard: Path | None) -> None:
    """CPU seconds (``time.process_time``) of every per-partition task on one partition,
    run one after the other in this process: on a shared machine CPU time, unlike
    wall time, does not grow with the load, so it is the basis of the estimates."""
    from tmlmap.maps import distributed as D
    from tmlmap.network.labels import community_paper_counts

    tables = json.loads((token_part.parent / "tables.json").read_text())
    ex = TermExtractor()
    ex.form_index = {k: i for i, k in enumerate(tables["forms"])}
    ex.forms = list(tables["forms"])
    ex.surface.strings = list(tables["surfaces"])
    ex.surface.index = {x: i for i, x in enumerate(ex.surface.strings)}
    ref = D.TokenPartition(str(token_part))
    cost: dict[str, float] = {}

    def timed(name: str, fn, *args):
        t = time.process_time()
        out = fn(*args)
        cost[name] = round(time.process_time() - t, 2)
        return out

    if text_shard is not None:
        timed("normalize (read, validate, tokenize)", D._normalize_task, D.ShardPartition(str(text_shard)))
    part = timed("load", ref.load)
    passes: list = []
    for pass_no in range(2):
        n_forms = len(ex.forms)
        st = timed(f"pair counts, pass {pass_no + 1}", D._pair_stats_task, ref, passes, n_forms, D.PAIR_BUCKETS)
        acc = np.sort(np.concatenate([D._accept_bucket_task((st["unigram"], st["n_words"]), 8, 0.3, b)
                                      for b in st["buckets"]]))
        if ex.add_phrase_pass(n_forms, acc) is None:
            break
        _, acc, ids = ex.phrase_passes[-1]
        pending = D.PhrasePass(n_forms, acc, ids, n_surfaces=len(ex.surface.strings))
        codes = timed(f"spelling pairs, pass {pass_no + 1}", D._surface_pairs_task, ref, passes, pending)
        n_surf = pending.n_surfaces
        pending.surface_codes = codes
        pending.surface_ids = np.asarray([ex.surface.add(f"{ex.surface.strings[c // n_surf]} "
                                                         f"{ex.surface.strings[c % n_surf]}")
                                          for c in codes.tolist()], dtype=np.int64)
        passes.append(pending)
    ex.fit_thesaurus([])
    filt = D._Filter((), None, None)
    v = timed("vocabulary counts", D._vocab_stats_task, ref, passes, ex.form_map, len(ex.forms),
              len(ex.surface.strings), filt)
    vocab = np.argsort(-v["df"], kind="stable")[:10_000]
    X = timed("document-term matrix", D._matrix_task, ref, passes, ex.form_map, len(ex.forms), filt, vocab)
    G = timed("B_p^T B_p", D._gram_task, X)
    timed("one tree-sum step (C + C)", D._add_matrices, G, G)
    membership = np.random.default_rng(0).integers(40, size=X.shape[1])
    timed("papers per community", community_paper_counts, X, membership, np.ones(X.shape[1]))
    print(json.dumps({"bench": "partition-cost", "docs": part.n_docs, "positions": len(part.tokens),
                      "X_nnz": X.nnz, "gram_nnz": G.nnz, "cpu_seconds": cost,
                      "peak_mb": round(peak_rss_mb()), "load": _load(), "machine": machine(),
                      "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("gen-text", "gen-tokens", "text", "tokens", "partition-cost"))
    parser.add_argument("--text-shard", type=Path, help="partition-cost: also time normalizing this shard")
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--part-docs", type=int, default=None,
                        help="documents per shard/partition (default 50,000 text, 100,000 tokens)")
    parser.add_argument("--mode", choices=("inprocess", "cluster"), default="cluster")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="5GB", help="per worker (the nanny restarts a worker above it)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.what == "gen-text":
        gen_text(args.docs, args.dir, args.part_docs or 50_000, args.seed)
    elif args.what == "gen-tokens":
        gen_tokens(args.docs, args.dir, args.part_docs or 100_000, args.seed)
    elif args.what == "text":
        run_text(args.dir, args.mode, args.workers, args.memory_limit)
    elif args.what == "tokens":
        run_tokens(args.dir, args.workers, args.memory_limit)
    else:
        partition_cost(args.dir, args.text_shard)


if __name__ == "__main__":
    main()
