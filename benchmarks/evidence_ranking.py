"""How good are the evidence papers? Cosine against coverage rankings (issue 12, part 4).

Usage::

    python benchmarks/evidence_ranking.py [--k 5]

Texts: the AIAAIC **dev** split (1,260 incidents) and the dev part of the hand-written
descriptions (``data/risk_devset.jsonl``); no test split is read. For every text, each
ranking picks ``k`` papers from the text's driving words (:meth:`Analysis.drivers`) and
this prints, averaged over texts:

* **on-topic percentile**, over the texts that touch a use context: the text's leading
  context is the one with the largest lift among those a report lists (lift >= log 3); each
  evidence paper's own profile (the idf-weighted mean of its words' fingerprints over *all*
  its words, not only the shared ones) is ranked among the corpus papers on that context.
  1.0 = the paper is the corpus paper most about the text's context; 0.5 = an average paper.
* **shared words**: distinct driving words a paper shares with the text.
* **one-word papers**: share of evidence papers that share a single driving word.
* **weight covered**: share of the text's driving weight the paper uses.
* **lexicon papers**, over the texts *labelled* fairness (or privacy), by AIAAIC's editors or
  the devset's authors, not by the model: share of evidence papers that use a word of that
  topic's keyword lexicon (:data:`tmlmap.lexicons.TOPICS`, e.g. "discrimination", "differential
  privacy"; 5 % and 3 % of corpus papers do). A rough, model-independent check that the
  evidence is about the risk at all.
* **time**: the ranking of the whole set (the drivers computed once before).

Rankings: ``cosine`` (the ranking before 2026-12-02: cosine of the driver weights with the
papers' L2-normalized idf vectors), ``coverage`` with ties by cosine (the default from then to
2026-12-02 17:00 UTC), ``coverage`` with ties by the paper's profile on the text's signals (the
default since, :func:`tmlmap.risk.evidence.coverage_ranking` with ``tie``), and variants tried
beside them.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _corpus import corpus_store  # noqa: E402
from tmlmap.lexicons import TOPICS  # noqa: E402
from tmlmap.maps.build import load_or_build  # noqa: E402
from tmlmap.risk.evaluate import load_devset  # noqa: E402
from tmlmap.risk.evidence import coverage_ranking  # noqa: E402
from tmlmap.risk.model import CONTEXT_MIN_LIFT, LABELS, load_aiaaic  # noqa: E402
from tmlmap.risk.scorer import RiskScorer, clean_input  # noqa: E402


def cosine_ranking(Q: sp.csr_matrix, papers_T: sp.csr_matrix, k: int) -> list[np.ndarray]:
    """The previous ranking: cosine with the papers' idf vectors, ties by paper index."""
    out = []
    S = (Q @ papers_T).tocsr()
    S.sum_duplicates()
    for r in range(S.shape[0]):
        sims, docs = S.data[S.indptr[r]: S.indptr[r + 1]], S.indices[S.indptr[r]: S.indptr[r + 1]]
        out.append(docs[np.lexsort((docs, -sims))][:k])
    return out


def reweighted(Q: sp.csr_matrix, power: float, idf: np.ndarray | None) -> sp.csr_matrix:
    """``Q`` with each weight raised to ``power`` and (optionally) times the word's idf."""
    R = Q.copy()
    R.data = R.data ** power * (idf[R.indices] if idf is not None else 1.0)
    return R


def profile_weighted(Q: sp.csr_matrix, cm, about: tuple[np.ndarray, np.ndarray], k: int) -> list[np.ndarray]:  # noqa: ANN001
    """A variant: papers by coverage times how much they are about the text's signals (the
    profile percentiles weighted by the text's lifts, scaled to [0, 1]); ties by coverage order."""
    out = []
    for i, (docs, cov) in enumerate(coverage_ranking(Q, cm.forms_papers, cm.papers_T, 10**9)):
        w = about[1][i]
        rel = about[0][docs] @ w / w.sum() if w.sum() > 0 else np.full(len(docs), 0.5)
        out.append(docs[np.lexsort((np.arange(len(docs)), -np.round(cov * rel, 12)))][:k])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--k", type=int, default=5, help="evidence papers per text (default 5, as reports)")
    k = ap.parse_args().k
    t0 = time.time()
    store = corpus_store()
    term_map = load_or_build(store)
    cm = RiskScorer(term_map, store, n_nearest=0).context_model
    assert cm is not None
    wf = cm.words
    n0 = wf.n_forms
    D = cm.paper_forms[:, :n0].astype(np.float64).tocsr()
    percentile = cm.paper_profiles  # (n_docs, k) each paper's profile as a percentile per signal
    form = {d: i for i, d in enumerate(wf.display[:n0])}
    lexicon = {lab: np.asarray(D[:, [form[w] for w in TOPICS[lab].seeds if w in form]].sum(axis=1)).ravel() > 0
               for lab in LABELS}
    rows = {"AIAAIC dev": [(r["text"], {lab: bool(r[f"{lab}_label"]) for lab in LABELS}) for r in load_aiaaic("dev")],
            "hand-written, dev part": [(r["text"], {lab: bool(r[lab]) for lab in LABELS})
                                       for r in load_devset() if r["split"] == "dev"]}
    sets = {name: [clean_input(t)[0] for t, _ in rs] for name, rs in rows.items()}
    print(f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()} {platform.system()}, "
          f"Python {platform.python_version()}, k = {k}; setup {time.time() - t0:.0f} s", flush=True)
    print("\n| texts | ranking | on-topic percentile | lexicon papers, fairness / privacy texts | shared words "
          "| one-word papers | weight covered | time |")
    print("|---|---|---|---|---|---|---|---|")
    for name, texts in sets.items():
        res = cm.analyse(texts)
        Q = res.drivers()
        about = (cm.paper_profiles, np.maximum(res.X, 0.0))
        nt = wf.n_topics
        lead = nt + np.argmax(res.X[:, nt:], axis=1)
        listed = res.X[:, nt:].max(axis=1) >= CONTEXT_MIN_LIFT
        variants = {
            "cosine (previous)": lambda q: cosine_ranking(q, cm.papers_T, k),
            "coverage, ties by cosine (previous)": lambda q: [
                d for d, _ in coverage_ranking(q, cm.forms_papers, cm.papers_T, k)],
            "coverage, ties by the paper's profile (default)": lambda q, a=about: [
                d for d, _ in coverage_ranking(q, cm.forms_papers, cm.papers_T, k, tie=a)],
            "coverage, weights square-rooted": lambda q, a=about: [d for d, _ in coverage_ranking(
                reweighted(q, 0.5, None), cm.forms_papers, cm.papers_T, k, tie=a)],
            "coverage, weights times idf": lambda q, a=about: [d for d, _ in coverage_ranking(
                reweighted(q, 1.0, wf.idf[:n0]), cm.forms_papers, cm.papers_T, k, tie=a)],
            "coverage times the paper's profile": lambda q, a=about: profile_weighted(q, cm, a, k),
        }
        rankings, seconds = {}, {}
        for rname, rank in variants.items():
            t = time.perf_counter()
            rankings[rname] = rank(Q)
            seconds[rname] = time.perf_counter() - t
        for rname, picks in rankings.items():
            on_topic, shared, single, covered = [], [], [], []
            lex: dict[str, list[float]] = {lab: [] for lab in LABELS}
            for i, docs in enumerate(picks):
                if len(docs) == 0:
                    continue
                for lab in LABELS:
                    if rows[name][i][1][lab]:
                        lex[lab].append(lexicon[lab][docs].mean())
                q_idx, q_w = Q.indices[Q.indptr[i]: Q.indptr[i + 1]], Q.data[Q.indptr[i]: Q.indptr[i + 1]]
                uses = D[docs][:, q_idx].toarray() > 0  # (k, drivers)
                n_shared = uses.sum(axis=1)
                shared.append(n_shared.mean())
                single.append((n_shared == 1).mean())
                covered.append((uses @ q_w / q_w.sum()).mean())
                if listed[i]:
                    on_topic.append(percentile[docs, lead[i]].mean())
            print(f"| {name} ({len(texts)}; {int(listed.sum())} touch a context) | {rname} | "
                  f"{np.mean(on_topic):.3f} | {np.mean(lex['fairness']):.3f} / {np.mean(lex['privacy']):.3f} | "
                  f"{np.mean(shared):.2f} | {np.mean(single):.1%} | "
                  f"{np.mean(covered):.3f} | {seconds[rname]:.2f} s |", flush=True)
    print(f"\n# {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
