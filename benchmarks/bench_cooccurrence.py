"""Naive pair counting vs the vectorized co-occurrence matrix, in one run.

Both count, for every pair of map terms, the documents of the embedded corpus
in which both occur. Two naive baselines, both pure Python:

* as specified in the issue: per document, a ``Counter`` of
  ``itertools.combinations`` of its distinct terms, added into the total;
* leaner: one ``Counter`` updated directly with each document's
  combinations (no per-document ``Counter``).

The vectorized path is ``tmlmap.network.cooccurrence.cooccurrence_matrix`` (one
sparse product, ``B^T B``). The benchmark checks that all three give
identical counts and reports the speed-ups against each baseline.

Run: ``python benchmarks/bench_cooccurrence.py [--max-terms N]``
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from itertools import combinations

import numpy as np
import scipy.sparse as sp

from _corpus import embedded_papers, machine
from tmlmap.maps.build import paper_text
from tmlmap.maps.settings import MapSettings
from tmlmap.network.cooccurrence import cooccurrence_matrix
from tmlmap.network.vocabulary import select_vocabulary
from tmlmap.text.extractor import TermExtractor, counts_matrix


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-terms", type=int, default=MapSettings().max_terms)
    args = parser.parse_args()
    papers = embedded_papers()
    s = MapSettings(max_terms=args.max_terms)
    ex = TermExtractor()
    stream = ex.tokenize_corpus([paper_text(p) for p in papers])
    stream = ex.fit_phrases(stream, min_count=s.phrase_min_count, min_npmi=s.phrase_min_npmi)
    X_forms = counts_matrix(stream, len(ex.forms))
    vocab = select_vocabulary(X_forms, ex.forms, min_df=s.min_df, max_df_share=s.max_df_share, max_terms=s.max_terms)
    X = X_forms[:, vocab].tocsr()
    # The documents' term lists, as the naive code would hold them.
    doc_terms = [X.indices[X.indptr[d]:X.indptr[d + 1]].tolist() for d in range(X.shape[0])]

    t = time.perf_counter()
    per_doc: Counter = Counter()
    for terms in doc_terms:
        per_doc.update(Counter(combinations(sorted(set(terms)), 2)))
    t_per_doc = time.perf_counter() - t

    t = time.perf_counter()
    naive: Counter = Counter()
    for terms in doc_terms:
        naive.update(combinations(sorted(set(terms)), 2))
    t_naive = time.perf_counter() - t

    t = time.perf_counter()
    C = cooccurrence_matrix(X)
    t_vec = time.perf_counter() - t

    upper = sp.triu(C, k=1).tocoo()
    vec = dict(zip(zip(upper.row.tolist(), upper.col.tolist(), strict=True), upper.data.tolist(), strict=True))
    identical = vec == dict(naive) == dict(per_doc)
    print(f"machine: {machine()}")
    print(f"corpus: {X.shape[0]:,} documents, {X.shape[1]:,} terms, {X.nnz:,} document-term pairs")
    print(f"pairs counted: {len(naive):,} distinct, {sum(naive.values()):,} in all")
    print(f"naive, Counter per document:       {t_per_doc:8.2f} s")
    print(f"naive, one Counter:                {t_naive:8.2f} s")
    print(f"vectorized (B^T B):                {t_vec:8.2f} s")
    print(f"identical counts: {identical}")
    print(f"speed-up vs Counter per document: {t_per_doc / t_vec:.0f}x")
    print(f"speed-up vs one Counter:          {t_naive / t_vec:.0f}x")
    if not identical:
        raise SystemExit("counts differ")
    assert np.all(C.diagonal() == 0)


if __name__ == "__main__":
    main()
