"""Dev-split cross-validation of the candidate risk models (issue 12): every candidate tried, winners and losers.

Usage::

    python benchmarks/risk_cv.py [--markdown | --spelling | --incident-words | --privacy-frontier | --short-texts
                                  | --contexts | --phrase-seeds | --seed-walk | --exceptions | --area-listing
                                  | --listing]

Only the AIAAIC **dev** split (``data/aiaaic.jsonl``, 1,260 incidents) is read; the
test split is never loaded here. Folds: stratified 5-fold on the (fairness, privacy)
label pair, seed 0, the same folds for every candidate. Per candidate it prints the
pooled out-of-fold AUC per label and, as a second check, the AUC on the dev part of the
122 hand-written descriptions (``data/risk_devset.jsonl``) of the candidate fitted on all
of AIAAIC dev. The map is loaded from the artifact cache (built once if missing).

With this many candidates the winner's dev number is optimistic (it is the best of many).
Prototype feature code lives here; the chosen one is :func:`tmlmap.risk.model.features`
(the ``default`` rows call it).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _corpus import corpus_store  # noqa: E402
from tmlmap.maps.build import load_or_build  # noqa: E402
from tmlmap.risk.evaluate import auc, load_devset  # noqa: E402
from tmlmap.risk.model import LABELS, _scores, fit_logistic, lift, load_aiaaic  # noqa: E402
from tmlmap.risk.scorer import clean_input  # noqa: E402
from tmlmap.risk.words import compute_word_fingerprints, form_counts, word_docs_of  # noqa: E402
from tmlmap.text.weighting import smooth_idf, tfidf  # noqa: E402

store = corpus_store()
M = load_or_build(store)
dev = load_aiaaic("dev")
texts = [clean_input(r["text"])[0] for r in dev]
Y = {lab: np.asarray([int(r[f"{lab}_label"]) for r in dev]) for lab in LABELS}
ds = [r for r in load_devset() if r["split"] == "dev"]
ds_texts = [clean_input(r["text"])[0] for r in ds]
ds_Y = {lab: np.asarray([int(bool(r[lab])) for r in ds]) for lab in LABELS}
strat = 2 * Y["fairness"] + Y["privacy"]
rng = np.random.default_rng(0)
folds = np.empty(len(dev), dtype=int)
for c in np.unique(strat):
    idx = np.flatnonzero(strat == c)
    idx = idx[rng.permutation(len(idx))]
    folds[idx] = np.arange(len(idx)) % 5


def fit_lr(X, y, signed, l2):
    """``[intercept, weights...]`` of the model's own fit (non-negative except ``signed`` columns)."""
    m = fit_logistic(X, y, l2=l2, signed=signed)
    return np.concatenate([[m.intercept], m.coef])


def out_of_fold(X, y, signed, l2):
    """Out-of-fold logits of the 5 dev folds."""
    oof = np.zeros(len(y))
    for k in range(5):
        tr = folds != k
        th = fit_lr(X[tr], y[tr], signed, l2)
        oof[~tr] = th[0] + X[~tr] @ th[1:]
    return oof


def cv(X, signed, l2, Xds=None):
    out = {}
    for lab in LABELS:
        y = Y[lab].astype(float)
        out[lab] = auc(y, out_of_fold(X, y, signed, l2))
        if Xds is not None:
            th = fit_lr(X, y, signed, l2)
            out[lab + "_ds"] = auc(ds_Y[lab], th[0] + Xds @ th[1:])
    return out


WF = {}


def get_wf(pw):
    if pw not in WF:
        WF[pw] = compute_word_fingerprints(M, prior_weight=pw)
    return WF[pw]


wf0 = get_wf(5.0)
C, _ = form_counts(M, texts, wf0.known)
Cds, _ = form_counts(M, ds_texts, wf0.known)


def Wof(Cm, wf, idf_pow=1.0):
    W = tfidf(Cm, wf.idf ** idf_pow)
    W = sp.csr_matrix(W, dtype=np.float64)
    W.sum_duplicates()
    return W


def per_row_sorted(W, V):
    """For each column of V (nnz, k): values sorted descending within row. Returns (rank (nnz,k), rows)."""
    n = W.shape[0]
    lengths = np.diff(W.indptr)
    rows = np.repeat(np.arange(n), lengths)
    ranks = np.empty(V.shape, dtype=np.int64)
    starts = np.repeat(W.indptr[:-1], lengths)
    for j in range(V.shape[1]):
        order = np.lexsort((-V[:, j], rows))
        r = np.empty(len(order), dtype=np.int64)
        r[order] = np.arange(len(order)) - starts[order]
        ranks[:, j] = r
    return ranks, rows


def feat_current(W, wf):
    S, _ = _scores(W, wf)
    return lift(S, wf.prior)


def wordlift(wf, floor=0.0):
    p = np.where(wf.prior > 0, wf.prior, 1.0)[None, :]
    return np.where(wf.prior[None, :] > 0, np.maximum(np.log(np.maximum(wf.affinity, 1e-12) / p), floor), 0.0)


def feat_wordlift_mean(W, wf, cap=True):
    """tf-idf mean of per-word log lift (floored 0), top word capped to the second."""
    L = wordlift(wf)
    n = W.shape[0]
    den = np.asarray(W.sum(axis=1)).ravel()
    V = L[W.indices]  # (nnz, k)
    w = W.data
    if cap:
        ranks, rows = per_row_sorted(W, w[:, None] * V)
        c = w[:, None] * V
        # second largest per row/col
        c2 = np.zeros((n, V.shape[1]))
        m2 = ranks == 1
        rr, cc = np.nonzero(m2)
        c2[rows[rr], cc] = c[rr, cc]
        top = ranks == 0
        c = np.where(top, np.minimum(c, c2[rows]), c)
    else:
        c = w[:, None] * V
        rows = np.repeat(np.arange(n), np.diff(W.indptr))
    S = np.zeros((n, V.shape[1]))
    np.add.at(S, rows, c)
    return S / np.maximum(den, 1e-12)[:, None]


def feat_topk(W, wf, k=3, weighted=False):
    """mean of the k largest per-word log lifts (top capped to second), divide by k."""
    L = wordlift(wf)
    n = W.shape[0]
    V = L[W.indices]
    ranks, rows = per_row_sorted(W, V)
    K = V.shape[1]
    vals = np.zeros((n, K, k + 1))
    for r in range(k + 1):
        m = ranks == r
        rr, cc = np.nonzero(m)
        vals[rows[rr], cc, r] = V[rr, cc]
    vals[:, :, 0] = vals[:, :, 1]  # cap top to second
    return vals[:, :, :k].mean(axis=2)


def feat_powmean(W, wf, p=2.0, cap=True):
    """(tf-idf mean of L^p)^(1/p) with capped top."""
    L = wordlift(wf) ** p
    n = W.shape[0]
    den = np.asarray(W.sum(axis=1)).ravel()
    V = L[W.indices]
    w = W.data
    c = w[:, None] * V
    ranks, rows = per_row_sorted(W, c)
    if cap:
        c2 = np.zeros((n, V.shape[1]))
        rr, cc = np.nonzero(ranks == 1)
        c2[rows[rr], cc] = c[rr, cc]
        c = np.where(ranks == 0, np.minimum(c, c2[rows]), c)
    S = np.zeros((n, V.shape[1]))
    np.add.at(S, rows, c)
    return (S / np.maximum(den, 1e-12)[:, None]) ** (1 / p)


# --- communities through papers
def community_fp(pw=5.0):
    ex = M.extractor
    D = word_docs_of(M)
    n_docs, n_forms = D.shape
    ncom = int(M.community.max()) + 1
    T = np.zeros((M.n_terms, ncom))
    T[np.arange(M.n_terms), M.community] = 1.0
    Wt = tfidf(M.X, smooth_idf(M.doc_freq, M.n_docs))
    den = np.asarray(Wt.sum(axis=1)).ravel()
    P = np.asarray(Wt @ T) / np.maximum(den, 1e-12)[:, None]
    has = den > 0
    prior = P[has].mean(axis=0)
    df = np.asarray((D > 0).sum(axis=0)).ravel()
    A = (np.asarray(D.T @ P) + pw * prior[None, :]) / (df[:, None] + pw)
    tf = np.asarray(ex.term_forms)
    ok = tf < n_forms
    A[tf[ok]] = T[ok]
    return A, prior


ACOM, PCOM = community_fp()


def feat_comm(W, kind="share"):
    den = np.asarray(W.sum(axis=1)).ravel()
    S = np.asarray(W @ ACOM) / np.maximum(den, 1e-12)[:, None]
    if kind == "share":
        return S
    if kind == "logratio":
        return np.log(np.maximum(S, 1e-4) / PCOM[None, :])
    if kind == "std":
        return (S - PCOM) / (S.std(axis=0) + 1e-9)


def report(name, res):
    s = " ".join(f"{k}={v:.3f}" for k, v in res.items())
    print(f"{name:55s} {s}", flush=True)
    RESULTS.append((name, res))




def second_lift(W, wf):
    """The second largest per-word lift (the library's reading 2)."""
    from tmlmap.risk.model import second_word_lift

    return second_word_lift(W, wf.affinity, wf.prior)[0]


def shifted_lift(S, prior, floor):
    p = np.where(prior > 0, prior, 1.0)[None, :]
    return np.where(prior[None, :] > 0, np.maximum(np.log(np.maximum(S, 1e-12) / p), floor), 0.0) - floor


def sharp_mean(W, wf, cap_all=False):
    """Reading 3: the mean of the concentrated fingerprints (topics capped; every signal with
    ``cap_all``), as a lift."""
    from tmlmap.risk.model import signal_scores

    if cap_all:
        return lift(signal_scores(W, wf.sharp, cap_top=True)[0], wf.sharp_prior)
    return lift(_scores(W, wf, wf.sharp)[0], wf.sharp_prior)


def sharp_second(W, wf):
    from tmlmap.risk.model import second_word_lift

    return second_word_lift(W, wf.sharp, wf.sharp_prior)[0]


def ramps(X, knots):
    cols = []
    for j in range(X.shape[1]):
        t = knots[j]
        for a, b in zip(t[:-1], t[1:], strict=False):
            cols.append(np.clip(X[:, j] - a, 0, b - a))
    return np.column_stack(cols)


def knots_of(X, q=(0.5, 0.8, 0.95)):
    ks = []
    for j in range(X.shape[1]):
        v = X[:, j][X[:, j] > 0]
        if len(v) < 10:
            ks.append(np.array([0, max(X[:, j].max(), 1e-9)]))
            continue
        ks.append(np.unique(np.concatenate([[0], np.quantile(v, q), [v.max() * 10]])))
    return ks


def main() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from tmlmap.risk.fingerprint import fingerprints
    from tmlmap.risk.model import L2, features, signal_scores

    t0 = time.time()
    res = {}
    for lab in LABELS:
        oof = np.zeros(len(texts))
        for k in range(5):
            tr = folds != k
            vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
            V = vec.fit_transform([t for t, m in zip(texts, tr, strict=True) if m])
            lr = LogisticRegression(C=10.0, max_iter=2000).fit(V, Y[lab][tr])
            oof[~tr] = lr.decision_function(vec.transform([t for t, m in zip(texts, tr, strict=True) if not m]))
        res[lab] = auc(Y[lab], oof)
    report("reference: tf-idf LR baseline (per-word weights; not allowed as default)", res)

    W, Wd = Wof(C, wf0), Wof(Cds, wf0)
    k = len(wf0.columns)
    nn = lambda p: [False] * p  # noqa: E731  non-negative weights
    X0, X0d = feat_current(W, wf0), feat_current(Wd, wf0)
    for l2 in (1e-4, 1e-3, 1e-2):
        report(f"previous default: mean lift, L2 {l2:g}", cv(X0, nn(k), l2, X0d))
    report("previous default, signed weights", cv(X0, [True] * k, 1e-3, X0d))
    for floor in (-0.5, -1.0):
        S, Sd = _scores(W, wf0)[0], _scores(Wd, wf0)[0]
        report(f"mean, log-lift floor {floor}", cv(shifted_lift(S, wf0.prior, floor), nn(k), 1e-3,
                                                  shifted_lift(Sd, wf0.prior, floor)))
    S, Sd = _scores(W, wf0)[0], _scores(Wd, wf0)[0]
    p = np.where(wf0.prior > 0, wf0.prior, 1)[None, :]
    report("mean, ratio - 1 floored (no log)", cv(np.maximum(S / p - 1, 0), nn(k), 1e-3, np.maximum(Sd / p - 1, 0)))
    for pw in (1.0, 2.0, 10.0):
        wf = get_wf(pw)
        Wp, Wpd = Wof(C, wf), Wof(Cds, wf)
        for l2 in (1e-4, 1e-3):
            report(f"mean, word prior weight {pw:g}, L2 {l2:g}", cv(feat_current(Wp, wf), nn(k), l2,
                                                                   feat_current(Wpd, wf)))
    for ip in (0.5, 2.0):
        Wp, Wpd = Wof(C, wf0, ip), Wof(Cds, wf0, ip)
        report(f"mean, idf^{ip:g} weights", cv(feat_current(Wp, wf0), nn(k), 1e-3, feat_current(Wpd, wf0)))
    for cap in (True, False):
        report(f"per-word lift, then mean (top capped: {cap})",
               cv(feat_wordlift_mean(W, wf0, cap), nn(k), 1e-3, feat_wordlift_mean(Wd, wf0, cap)))
    for kk in (2, 3, 5):
        report(f"mean of the top {kk} per-word lifts (top capped)", cv(feat_topk(W, wf0, kk), nn(k), 1e-3,
                                                                     feat_topk(Wd, wf0, kk)))
    for pp in (2.0, 4.0):
        report(f"power mean p={pp:g} of per-word lifts", cv(feat_powmean(W, wf0, pp), nn(k), 1e-3,
                                                           feat_powmean(Wd, wf0, pp)))
    T2, T2d = second_lift(W, wf0), second_lift(Wd, wf0)
    report("mean + uncapped per-word-lift mean", cv(np.hstack([X0, feat_wordlift_mean(W, wf0, False)]), nn(2 * k),
                                                   1e-3, np.hstack([X0d, feat_wordlift_mean(Wd, wf0, False)])))
    for l2 in (1e-4, 1e-3, 1e-2):
        report(f"mean + second word, L2 {l2:g}", cv(np.hstack([X0, T2]), nn(2 * k), l2, np.hstack([X0d, T2d])))
    report("mean + second word, signed", cv(np.hstack([X0, T2]), [True] * 2 * k, 1e-3, np.hstack([X0d, T2d])))
    report("mean + top word uncapped (power mean p=64, about the max)", cv(np.hstack([X0, feat_powmean(W, wf0, 64.0, cap=False)]), nn(2 * k),
                                               1e-3, np.hstack([X0d, feat_powmean(Wd, wf0, 64.0, cap=False)])))
    for kind in ("share", "logratio"):
        Xc, Xcd = feat_comm(W, kind), feat_comm(Wd, kind)
        for l2 in (1e-3, 1e-2):
            report(f"mean + map community shares ({kind}, signed), L2 {l2:g}",
                   cv(np.hstack([X0, Xc]), nn(k) + [True] * Xc.shape[1], l2, np.hstack([X0d, Xcd])))
    fp = fingerprints(M, "bipartite")
    tops = [t for t in fp.topics if t != "other"]
    wfa = compute_word_fingerprints(M, topics=tops)

    def other(Wx):
        Sx, _ = signal_scores(Wx, wfa.affinity[:, 2:len(tops)], cap_top=True)
        return lift(Sx, wfa.prior[2:len(tops)])

    Ot, Od = other(W), other(Wd)
    report("mean + second + the 13 other map topics (signed), L2 1e-4",
           cv(np.hstack([X0, T2, Ot]), nn(2 * k) + [True] * Ot.shape[1], 1e-4, np.hstack([X0d, T2d, Od])))
    XX, XXd = np.hstack([X0, T2]), np.hstack([X0d, T2d])
    K = knots_of(XX)
    for l2 in (1e-4, 1e-3):
        report(f"monotone spline (3 ramps per input) of mean + second, L2 {l2:g}",
               cv(ramps(XX, K), nn(ramps(XX, K).shape[1]), l2, ramps(XXd, K)))
    for q in (0.005, 0.01, 0.02, 0.03, 0.05, 0.1):
        wf = compute_word_fingerprints(M, sharp_share=q)
        Xs, Xsd = sharp_mean(W, wf), sharp_mean(Wd, wf)
        report(f"concentrated q={q:g} alone", cv(Xs, nn(k), 1e-4, Xsd))
        report(f"concentrated q={q:g} + its second word", cv(np.hstack([Xs, sharp_second(W, wf)]), nn(2 * k), 1e-4,
                                                            np.hstack([Xsd, sharp_second(Wd, wf)])))
        for l2 in (1e-4, 3e-4, 1e-3):
            report(f"mean + second + concentrated q={q:g}, L2 {l2:g}",
                   cv(np.hstack([X0, T2, Xs]), nn(3 * k), l2, np.hstack([X0d, T2d, Xsd])))
        report(f"mean + second + concentrated q={q:g} + its second word, L2 1e-4",
               cv(np.hstack([X0, T2, Xs, sharp_second(W, wf)]), nn(4 * k), 1e-4,
                  np.hstack([X0d, T2d, Xsd, sharp_second(Wd, wf)])))
        if q == 0.02:
            Xc, Xcd = sharp_mean(W, wf, True), sharp_mean(Wd, wf, True)
            for l2 in (1e-4, 3e-4, 1e-3):
                report(f"mean + second + concentrated q={q:g} capped on every signal, L2 {l2:g}",
                       cv(np.hstack([X0, T2, Xc]), nn(3 * k), l2, np.hstack([X0d, T2d, Xcd])))
        report(f"mean + second + concentrated q={q:g} + other topics (signed), L2 1e-4",
               cv(np.hstack([X0, T2, Xs, Ot]), nn(3 * k) + [True] * Ot.shape[1], 1e-4, np.hstack([X0d, T2d, Xsd, Od])))
    from tmlmap.risk.words import word_fingerprints

    wfd = word_fingerprints(M)
    Z, Zd = features(M, wfd, texts)[0], features(M, wfd, ds_texts)[0]
    for cap in (2.0, 3.0, 4.0):
        wfc = compute_word_fingerprints(M)
        Zc = np.minimum(np.hstack([X0, T2, sharp_mean(W, wfc, True)]), cap)
        Zcd = np.minimum(np.hstack([X0d, T2d, sharp_mean(Wd, wfc, True)]), cap)
        report(f"mean + second + concentrated (capped every signal), inputs capped at {cap:g}, L2 {L2:g}",
               cv(Zc, nn(Zc.shape[1]), L2, Zcd))
    report(f"DEFAULT (tmlmap.risk.model.features, L2 {L2:g})", cv(Z, nn(Z.shape[1]), L2, Zd))
    nt = wfd.n_topics
    groups = [np.array([nt + j for j, c in enumerate(wfd.contexts) if c.risk == r]) for r in ("fairness", "privacy")]

    def pooled(Zx, how):
        cols = []
        for v in range(3):
            for g in groups:
                B = Zx[:, v * k + g]
                cols.append(B.max(axis=1) if how == "max" else B.sum(axis=1) if how == "sum"
                            else np.sort(B, axis=1)[:, -3:].mean(axis=1))
        return np.column_stack(cols)

    for how in ("max", "top 3 mean", "sum"):
        for l2 in (3e-4, 1e-3):
            G, Gd = pooled(Z, how), pooled(Zd, how)
            report(f"default + pooled context inputs ({how} per group and reading), L2 {l2:g}",
                   cv(np.hstack([Z, G]), nn(Z.shape[1] + G.shape[1]), l2, np.hstack([Zd, Gd])))
    try:
        from sklearn.ensemble import HistGradientBoostingClassifier

        res = {}
        for lab in LABELS:
            oof = np.zeros(len(texts))
            for f in range(5):
                tr = folds != f
                g = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, max_leaf_nodes=8,
                                                   random_state=0).fit(Z[tr], Y[lab][tr])
                oof[~tr] = g.predict_proba(Z[~tr])[:, 1]
            res[lab] = auc(Y[lab], oof)
        report("probe, not a candidate: gradient boosting on the default's inputs (not monotone)", res)
    except ImportError:  # pragma: no cover
        pass
    print(f"# {time.time() - t0:.0f} s", flush=True)
    if "--markdown" in sys.argv:
        print("\n| candidate | fairness (dev CV) | privacy (dev CV) | devset dev fairness | devset dev privacy |")
        print("|---|---|---|---|---|")
        for name, r in RESULTS:
            cells = [f"{r[c]:.3f}" if c in r else "" for c in ("fairness", "privacy", "fairness_ds", "privacy_ds")]
            print(f"| {name} | " + " | ".join(cells) + " |")


def cv_oof(X, l2):
    """Pooled out-of-fold logits per label and the per-fold AUCs (for the fold noise of a difference)."""
    return {lab: out_of_fold(X, Y[lab].astype(float), [False] * X.shape[1], l2) for lab in LABELS}


def fold_aucs(oof, lab):
    return np.asarray([auc(Y[lab][folds == k], oof[folds == k]) for k in range(5)])


def spelling_main() -> None:
    """Issue 12, spelling-based fingerprints for rare and unseen words (``--spelling``): candidates
    against the default, with the fold noise of each difference (mean and standard deviation over the
    5 folds of the per-fold AUC difference) and the pooled AUC."""
    from tmlmap.risk.model import L2, _three, features
    from tmlmap.risk.words import spelled_counts, word_fingerprints

    t0 = time.time()
    wfp = compute_word_fingerprints(M, spelling=False)  # the previous default: paper-only fingerprints
    Z0, Z0d = features(M, wfp, texts)[0], features(M, wfp, ds_texts)[0]
    base = cv_oof(Z0, L2)
    # Rounds 1-3 replaced the paper-only readings by the spelled ones; their settings, stated in full.
    r1 = dict(spell_alpha=1.0, spell_weight=5.0, spell_unseen_idf=None, spell_intercept=True, spell_min_df=20,
              spell_ngrams=(3, 5), spell_topics_only=False)

    def spell_wf(**g):
        return compute_word_fingerprints(M, spelling=True, **(r1 | g))

    def zs(wf, txts, unseen=True, unseen_idf=None):
        Cx, _, keys = spelled_counts(M, txts, wf)
        if not unseen:
            Cx, keys = Cx[:, : wf.n_forms], []
        idf = np.concatenate([wf.idf, np.full(len(keys), wf.unseen_idf if unseen_idf is None else unseen_idf)])
        Wx = sp.csr_matrix(tfidf(Cx, idf), dtype=np.float64)
        Wx.sum_duplicates()
        Wx.sort_indices()
        return _three(Wx, wf, wf.spell_affinity, wf.spell_sharp, wf.unseen_rows(keys) if keys else None)[0]

    def run(name, wf, **kw):
        Z, Zd = zs(wf, texts, **kw), zs(wf, ds_texts, **kw)
        o = cv_oof(Z, L2)
        res = cv(Z, [False] * Z.shape[1], L2, Zd)
        for lab in LABELS:
            d = fold_aucs(o[lab], lab) - fold_aucs(base[lab], lab)
            res[lab + "_diff"] = d.mean()
            res[lab + "_sd"] = d.std(ddof=1)
        report(name, res)

    report(f"previous default (paper-only readings, L2 {L2:g})", cv(Z0, [False] * Z0.shape[1], L2, Z0d))
    def run_features(name, wf):
        """CV of the model's own features (``tmlmap.risk.model.features``) on fingerprints ``wf``."""
        Zf, Zfd = features(M, wf, texts)[0], features(M, wf, ds_texts)[0]
        o = cv_oof(Zf, L2)
        res = cv(Zf, [False] * Zf.shape[1], L2, Zfd)
        for lab in LABELS:
            d = fold_aucs(o[lab], lab) - fold_aucs(base[lab], lab)
            res[lab + "_diff"], res[lab + "_sd"] = d.mean(), d.std(ddof=1)
        report(name, res)

    run_features(f"NEW DEFAULT (tmlmap.risk.model.features: paper-only + spelled readings, L2 {L2:g})",
                 word_fingerprints(M))
    run_features(f"5: the same, spelled readings of the rare (< 20 papers) and unseen words only, L2 {L2:g}",
                 compute_word_fingerprints(M, spell_read_all=False))
    run_features(f"5: the same, spelling prior worth 20 papers (county fair 0.44: rejected), L2 {L2:g}",
                 compute_word_fingerprints(M, spell_weight=20.0))
    if "--default" in sys.argv:
        grid = []
    elif "--round4" in sys.argv:
        for g, u in ((dict(spell_alpha=0.1, spell_weight=10.0), 4.0), (dict(spell_alpha=0.3), 4.0),
                     (dict(spell_alpha=0.3, spell_weight=20.0), 4.0)):
            wf = spell_wf(spell_intercept=False, **g)
            tag = ", ".join(f"{k[6:]} {v}" for k, v in g.items()) + f", unseen idf {u:g}, no intercept"
            Zs, Zsd = zs(wf, texts, unseen_idf=u), zs(wf, ds_texts, unseen_idf=u)
            Zc, Zcd = np.hstack([Z0, Zs]), np.hstack([Z0d, Zsd])
            for l2 in (L2, 1e-3):
                o = cv_oof(Zc, l2)
                res = cv(Zc, [False] * Zc.shape[1], l2, Zcd)
                for lab in LABELS:
                    d = fold_aucs(o[lab], lab) - fold_aucs(base[lab], lab)
                    res[lab + "_diff"], res[lab + "_sd"] = d.mean(), d.std(ddof=1)
                report(f"default inputs + spelling inputs side by side ({tag}), L2 {l2:g}", res)
            # per label: spelling readings for fairness, the default's for privacy
            o = cv_oof(Zs, L2)
            rs = cv(Zs, [False] * Zs.shape[1], L2, Zsd)
            r0 = cv(Z0, [False] * Z0.shape[1], L2, Z0d)
            res = {"fairness": rs["fairness"], "fairness_ds": rs["fairness_ds"], "privacy": r0["privacy"],
                   "privacy_ds": r0["privacy_ds"],
                   "fairness_diff": (fold_aucs(o["fairness"], "fairness") - fold_aucs(base["fairness"], "fairness")).mean(),
                   "fairness_sd": (fold_aucs(o["fairness"], "fairness") - fold_aucs(base["fairness"], "fairness")).std(ddof=1),
                   "privacy_diff": 0.0, "privacy_sd": 0.0}
            report(f"per label: spelling inputs for fairness, the default's for privacy ({tag})", res)
        grid = []
    elif "--round3" in sys.argv:
        for g in (dict(spell_intercept=True), dict(), dict(spell_alpha=0.3), dict(spell_alpha=0.1),
                  dict(spell_weight=20.0), dict(spell_alpha=0.3, spell_weight=20.0), dict(spell_alpha=0.1, spell_weight=10.0)):
            wf = spell_wf(**({"spell_intercept": False} | g))
            print("# spelling mean (fairness, privacy):", wf.spelling.mean[:2], flush=True)
            tag = ", ".join(f"{k[6:]} {v}" for k, v in g.items()) or "alpha 1, weight 5"
            tag += "" if "spell_intercept" in g else ", no intercept"
            run(f"spelling prior for rare words + unseen words ({tag})", wf)
            run(f"spelling prior for rare words only ({tag})", wf, unseen=False)
            run(f"spelling + unseen words weighted as idf 4 ({tag})", wf, unseen_idf=4.0)
        grid = []
    elif "--round2" in sys.argv:
        for g in (dict(spell_alpha=0.1), dict(spell_alpha=0.3, spell_weight=20.0), dict(spell_weight=10.0),
                  dict(spell_topics_only=True), dict(spell_topics_only=True, spell_alpha=0.3),
                  dict(spell_topics_only=True, spell_alpha=0.3, spell_weight=20.0)):
            wf = spell_wf(**g)
            tag = ", ".join(f"{k[6:]} {v}" for k, v in g.items())
            run(f"spelling prior for rare words + unseen words ({tag})", wf)
            run(f"spelling prior for rare words only ({tag})", wf, unseen=False)
            run(f"spelling + unseen words weighted as idf 4 ({tag})", wf, unseen_idf=4.0)
        grid = []
    else:
        grid = [dict(), dict(spell_alpha=0.3), dict(spell_alpha=3.0), dict(spell_alpha=10.0),
            dict(spell_ngrams=(2, 4)), dict(spell_ngrams=(3, 6)), dict(spell_ngrams=(4, 6)),
            dict(spell_min_df=10), dict(spell_min_df=50),
            dict(spell_weight=20.0), dict(spell_weight=2.0)]
    for g in grid:
        wf = spell_wf(**g)
        tag = ", ".join(f"{k[6:]} {v}" for k, v in g.items()) or "alpha 1, n-grams 3-5, min df 20, weight 5"
        run(f"spelling prior for rare words + unseen words ({tag})", wf)
        if not g:
            run(f"spelling prior for rare words only, unseen words left out ({tag})", wf, unseen=False)
            for u in (4.0, 8.0):
                run(f"spelling + unseen words weighted as idf {u:g} ({tag})", wf, unseen_idf=u)
    print(f"# {time.time() - t0:.0f} s", flush=True)
    print("\n| candidate | fairness (dev CV) | privacy (dev CV) | fairness diff vs default (fold sd) "
          "| privacy diff (fold sd) | devset dev fairness | devset dev privacy |")
    print("|---|---|---|---|---|---|---|")
    for name, r in RESULTS:
        d = [f"{r[lab + '_diff']:+.3f} ({r[lab + '_sd']:.3f})" if lab + "_diff" in r else "" for lab in LABELS]
        print(f"| {name} | {r['fairness']:.3f} | {r['privacy']:.3f} | {d[0]} | {d[1]} | "
              f"{r['fairness_ds']:.3f} | {r['privacy_ds']:.3f} |")


def dev_features():
    """``(wf, Z, W, keys, Zds, Wds, keys_ds)``: the default's word fingerprints, and the model inputs,
    tf-idf and unseen-word keys of AIAAIC dev and of the devset's dev part."""
    from tmlmap.risk.model import features
    from tmlmap.risk.words import word_fingerprints

    wf = word_fingerprints(M)
    Z, W, *rest = features(M, wf, texts, full=True)
    Zds, Wds, *rest_ds = features(M, wf, ds_texts, full=True)
    return wf, Z, W, rest[5], Zds, Wds, rest_ds[5]


def cross_validate(name, fit_predict, Z, W, keys, Zds, Wds, keys_ds, oofs=None) -> dict:
    """Out-of-fold AUC per label of ``fit_predict(lab, tr, te_Z, te_W, te_keys, te_texts, y)`` (logits
    of the test rows, fitted on rows ``tr``), its AUC on the devset's dev part fitted on all of dev,
    and the mean risk of the devset's risky and plain texts; appended to ``RESULTS`` and printed.
    ``oofs``: a dict that also keeps the out-of-fold logits, by ``(name, label)``."""
    t = time.time()
    res = {}
    for lab in LABELS:
        y = Y[lab].astype(float)
        oof = np.zeros(len(y))
        for k in range(5):
            tr, te = np.flatnonzero(folds != k), np.flatnonzero(folds == k)
            oof[te] = fit_predict(lab, tr, Z[te], W[te], keys, [texts[i] for i in te], y[tr])
        if oofs is not None:
            oofs[(name, lab)] = oof
        res[lab] = auc(y, oof)
        z_ds = fit_predict(lab, np.arange(len(y)), Zds, Wds, keys_ds, ds_texts, y)
        p_ds = 1 / (1 + np.exp(-z_ds))
        res[lab + "_ds"] = auc(ds_Y[lab], z_ds)
        res[lab + "_pos"] = float(p_ds[ds_Y[lab] == 1].mean())
        res[lab + "_neg"] = float(p_ds[ds_Y[lab] == 0].mean())
    RESULTS.append((name, res))
    print(f"{name:75s} F {res['fairness']:.3f} P {res['privacy']:.3f} | devset F {res['fairness_ds']:.3f} "
          f"P {res['privacy_ds']:.3f} | risky/plain mean F {res['fairness_pos']:.3f}/{res['fairness_neg']:.3f} "
          f"P {res['privacy_pos']:.3f}/{res['privacy_neg']:.3f} ({time.time() - t:.0f} s)", flush=True)
    return res


def incident_main() -> None:
    """Issue 12, incident words (``--incident-words``): per-word weights learned from the dev
    incidents on top of, or jointly with, the map/context model, against the default and the
    supervised baselines; the same folds, the vocabulary of each fit learned on its training part
    only. Also prints, per candidate, the mean risk of the hand-written risky and plain
    descriptions (devset dev part): a vocabulary that learns AIAAIC's entry format moves them."""
    from scipy.optimize import minimize
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from tmlmap.risk.incident_words import IncidentVocabulary, fit_on_offset

    t0 = time.time()
    wf, Z, W, keys, Zds, Wds, keys_ds = dev_features()
    display = wf.display[: wf.n_forms]
    print(f"# features {time.time() - t0:.0f} s", flush=True)

    def joint(Ztr, Vtr, y, l2v, signed):
        """Map/context weights (non-negative, L2 3e-4) and word weights (L2 ``l2v``) in one fit."""
        n, p = Ztr.shape
        Vc = sp.csc_matrix(Vtr)
        used = np.flatnonzero(np.diff(Vc.indptr) > 0)
        Vu = sp.csr_matrix(Vc[:, used])
        pen = np.concatenate([np.full(p, 3e-4), np.full(len(used), l2v)])

        def loss(th):
            z = th[0] + Ztr @ th[1:p + 1] + Vu @ th[p + 1:]
            g = 1 / (1 + np.exp(-z)) - y
            grad = np.concatenate([[g.sum()], Ztr.T @ g, Vu.T @ g]) / n + np.r_[0, 2 * pen * th[1:]]
            return (np.logaddexp(0, z) - y * z).mean() + pen @ th[1:] ** 2, grad

        th0 = np.zeros(1 + p + len(used))
        th0[0] = np.log(y.mean() / (1 - y.mean()))
        bounds = [(None, None)] + [(0, None)] * p + [(None, None) if signed else (0, None)] * len(used)
        x = minimize(loss, th0, jac=True, method="L-BFGS-B", bounds=bounds).x
        coef = np.zeros(Vtr.shape[1])
        coef[used] = x[p + 1:]
        return x[0], x[1:p + 1], coef

    def vocab_inputs(tr, te_W, te_keys, kind, max_df):
        """(V_train, V_other) of the training rows and of ``te_W`` for a vocabulary ``kind``."""
        if kind == "sklearn words (1,2)":
            tr_texts = [texts[i] for i in tr]  # te_W is raw text for this kind
            v = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, stop_words="english",
                                max_df=max_df).fit(tr_texts)
            return v.transform(tr_texts), v.transform(te_W)
        voc = IncidentVocabulary.fit(display, W[tr], keys, max_df=max_df)
        return voc.matrix(W[tr], keys)[0], voc.matrix(te_W, te_keys)[0]

    def candidate(how, kind="map forms + unseen words", l2v=1e-4, max_df=1.0, signed=False, free_b=True,
                  shift_l2=0.0, extra=None, w_extra=1.0):
        def fit_predict(tr, te_Z, te_W, te_keys, y):
            if how in ("tfidf LR", "char LR"):
                kw = dict(ngram_range=(1, 2)) if how == "tfidf LR" else dict(analyzer="char_wb", ngram_range=(2, 5))
                v = TfidfVectorizer(min_df=2, sublinear_tf=True, **kw).fit([texts[i] for i in tr])
                lr = LogisticRegression(C=10.0, max_iter=3000).fit(v.transform([texts[i] for i in tr]), y)
                return lr.decision_function(v.transform(te_W))
            if how == "default":
                th = fit_lr(Z[tr], y, [False] * Z.shape[1], 3e-4)
                return th[0] + te_Z @ th[1:]
            Vtr, Vte = vocab_inputs(tr, te_W, te_keys, kind, max_df)
            if extra is not None:  # more columns read off the raw text (te_keys tells which texts te_W are)
                other = ds_texts if te_keys is keys_ds else [texts[i] for i in np.flatnonzero(np.isin(
                    np.arange(len(texts)), tr, invert=True))]
                v = TfidfVectorizer(min_df=2, max_df=0.2, sublinear_tf=True, **extra).fit([texts[i] for i in tr])
                Vtr = sp.hstack([Vtr, w_extra * v.transform([texts[i] for i in tr])]).tocsr()
                Vte = sp.hstack([Vte, w_extra * v.transform(other)]).tocsr()
            if how == "joint":
                b, a, d = joint(Z[tr], Vtr, y, l2v, signed)
                return b + te_Z @ a + Vte @ d
            th = fit_lr(Z[tr], y, [False] * Z.shape[1], 3e-4)  # "on top": the default, then the words
            if free_b and not shift_l2:
                shift, d = fit_on_offset(th[0] + Z[tr] @ th[1:], Vtr, y, l2=l2v)
            else:  # the intercept kept (or its shift penalised): fitted here
                shift, d = _offset_fixed(th[0] + Z[tr] @ th[1:], Vtr, y, l2v, shift_l2 if free_b else None)
            return th[0] + shift + te_Z @ th[1:] + Vte @ d
        return fit_predict

    def _offset_fixed(off, V, y, l2v, shift_l2):
        """Word weights on the offset ``off``, with no intercept shift (``shift_l2`` None) or one
        penalised by ``shift_l2``."""
        n = V.shape[0]
        lb = 0.0 if shift_l2 is None else shift_l2

        def loss(th):
            z = off + th[0] + V @ th[1:]
            g = 1 / (1 + np.exp(-z)) - y
            grad = np.concatenate([[g.sum() if shift_l2 is not None else 0.0], V.T @ g]) / n
            grad += np.r_[2 * lb * th[0], 2 * l2v * th[1:]]
            return (np.logaddexp(0, z) - y * z).mean() + l2v * th[1:] @ th[1:] + lb * th[0] ** 2, grad
        x = minimize(loss, np.zeros(1 + V.shape[1]), jac=True, method="L-BFGS-B",
                     bounds=[(None, None)] + [(0, None)] * V.shape[1]).x
        return x[0], x[1:]

    def run(name, fit_predict):
        def adapted(lab, tr, te_Z, te_W, te_keys, te_texts, y):
            return fit_predict(tr, te_Z, te_texts if fit_predict in raw_kinds else te_W, te_keys, y)
        cross_validate(name, adapted, Z, W, keys, Zds, Wds, keys_ds)

    # The sklearn candidates read raw text, the others the tf-idf W of the map's forms.
    raw_kinds: set = set()

    def raw(fp):
        raw_kinds.add(fp)
        return fp

    run("default (map topic + contexts, six readings)", candidate("default"))
    run("tf-idf LR baseline (word 1-2 grams, C=10)", raw(candidate("tfidf LR")))
    run("tf-idf LR on character 2-5 grams (within words, C=10)", raw(candidate("char LR")))
    for l2v in (1e-3, 3e-4, 1e-4):
        run(f"joint, signed, sklearn words (1,2), L2 {l2v:g}", raw(candidate("joint", "sklearn words (1,2)", l2v,
                                                                        signed=True)))
    for l2v in (3e-4, 2e-4, 1e-4, 5e-5):
        run(f"joint, signed, map forms + unseen words, L2 {l2v:g}", candidate("joint", l2v=l2v, signed=True))
    for l2v in (3e-4, 1e-4, 5e-5, 3e-5):
        run(f"joint, non-negative, map forms + unseen words, L2 {l2v:g}", candidate("joint", l2v=l2v))
    for mdf in (0.5, 0.2, 0.1, 0.05):
        run(f"joint, non-negative, L2 1e-4, max_df {mdf:g}", candidate("joint", max_df=mdf))
    for l2v in (3e-4, 1e-4, 5e-5):
        for fb in (False, True):
            run(f"on top, non-negative, max_df 0.2, L2 {l2v:g}, intercept {'refitted' if fb else 'kept'}",
                candidate("on top", l2v=l2v, max_df=0.2, free_b=fb))
    for lb in (0.003, 0.01, 0.03):
        run(f"on top, non-negative, max_df 0.2, L2 1e-4, intercept shift penalised {lb:g}",
            candidate("on top", l2v=1e-4, max_df=0.2, shift_l2=lb))
    for what, extra in (("word bigrams", dict(ngram_range=(2, 2), stop_words="english")),
                        ("character 3-5 grams", dict(analyzer="char_wb", ngram_range=(3, 5)))):
        for w in (1.0, 0.5):
            run(f"the default + {what} of the raw text (x{w:g}, max_df 0.2)",
                candidate("on top", max_df=0.2, extra=extra, w_extra=w))
    print(f"# {time.time() - t0:.0f} s", flush=True)
    print("\n| candidate | fairness (dev CV) | privacy (dev CV) | devset dev fairness | devset dev privacy "
          "| mean risk, risky / plain devset texts: fairness | privacy |")
    print("|---|---|---|---|---|---|---|")
    for name, r in RESULTS:
        print(f"| {name} | {r['fairness']:.3f} | {r['privacy']:.3f} | {r['fairness_ds']:.3f} | {r['privacy_ds']:.3f} "
              f"| {r['fairness_pos']:.3f} / {r['fairness_neg']:.3f} | {r['privacy_pos']:.3f} / {r['privacy_neg']:.3f} |")


def frontier_main() -> None:
    """Issue 12, privacy (``--privacy-frontier``): what else was tried for privacy after the
    incident words, on the same folds, with the devset as the transfer check. Each row is the
    default with one change (or a stack/ensemble with the tf-idf baseline); then the paired
    bootstrap of the default minus the baseline on the out-of-fold scores."""
    from scipy.optimize import minimize
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from tmlmap.risk.contexts import SOURCE_RISK
    from tmlmap.risk.evaluate import auc_difference
    from tmlmap.risk.incident_words import IncidentVocabulary
    from tmlmap.risk.logistic import penalised_log_loss

    t0 = time.time()
    wf, Z, W, keys, Zds, Wds, keys_ds = dev_features()
    nf = wf.n_forms
    display = wf.display[:nf]
    lift_of = wf.affinity / wf.prior[None, :]
    label_cols = {lab: [j for j, c in enumerate(wf.columns) if c == lab or (
        j >= wf.n_topics and SOURCE_RISK.get(wf.contexts[j - wf.n_topics].source) == lab)] for lab in LABELS}
    print(f"# features {time.time() - t0:.0f} s", flush=True)

    # Map neighbours of the forms the incidents and the devset use: cosine of their paper sets.
    D = sp.csc_matrix(word_docs_of(M))
    used = np.unique(np.concatenate([W.indices[W.indices < nf], Wds.indices[Wds.indices < nf]]))
    Du = D[:, used]
    dfu = np.maximum(np.asarray(Du.sum(axis=0)).ravel(), 1.0)
    cos = (Du.T @ Du).toarray() / np.sqrt(np.outer(dfu, dfu))
    np.fill_diagonal(cos, 0.0)

    def neighbours(k):
        idx = np.argsort(-cos, axis=1)[:, :k]
        val = np.take_along_axis(cos, idx, 1)
        val /= np.maximum(val.sum(axis=1, keepdims=True), 1e-12)
        return sp.csr_matrix((val.ravel(), (np.repeat(used, k), used[idx.ravel()])), shape=(nf, nf))

    def fit_words(off, V, y, lower, scale):
        """``(shift, offset scale, weights)``: words on the offset, each weight >= ``lower`` (per column)."""
        Vc = sp.csc_matrix(V)
        cols = np.flatnonzero(np.diff(Vc.indptr) > 0)
        Vu = sp.csr_matrix(Vc[:, cols])
        X = sp.hstack([sp.csr_matrix(off[:, None]), Vu]).tocsr() if scale else Vu

        def loss(th):
            z = th[0] + (X @ th[1:] if scale else off + Vu @ th[1:])
            f, g = penalised_log_loss(th, z, y, X, 1e-4)
            if scale:  # the offset's weight is not penalised
                f -= 1e-4 * th[1] ** 2
                g[1] -= 2e-4 * th[1]
            return f, g
        lo = [None if np.isinf(v) else v for v in lower[cols]]
        bounds = [(None, None)] + ([(0.0, None)] if scale else []) + [(v, None) for v in lo]
        th0 = np.zeros(len(bounds))
        if scale:
            th0[1] = 1.0
        x = minimize(loss, th0, jac=True, method="L-BFGS-B", bounds=bounds).x
        w = np.zeros(V.shape[1])
        w[cols] = x[2:] if scale else x[1:]
        return x[0], (x[1] if scale else 1.0), w

    def words(lower="nonneg", scale=False, expand=None, beta=0.0):
        def fit_predict(lab, tr, te_Z, te_W, te_keys, te_texts, y):
            th = fit_lr(Z[tr], y, [False] * Z.shape[1], 3e-4)
            voc = IncidentVocabulary.fit(display, W[tr], keys)
            Vtr, Vte = voc.matrix(W[tr], keys)[0], voc.matrix(te_W, te_keys)[0]
            if expand is not None:  # each form also counts beta times, spread over its map neighbours
                def grow(V):
                    E = sp.csr_matrix(V[:, :nf] @ expand).multiply(voc.keep[:nf][None, :]).tocsr()
                    E.resize(V.shape)
                    return (V + beta * E).tocsr()
                Vtr, Vte = grow(Vtr), grow(Vte)
            q = Vtr.shape[1]
            if lower == "nonneg":
                lb = np.zeros(q)
            elif lower == "signed":
                lb = np.full(q, -np.inf)
            elif lower.startswith("protect"):  # words the map reads as this label's stay >= 0
                lb = np.full(q, -np.inf)
                lb[:nf][(lift_of[:, label_cols[lab]] > float(lower.split()[1])).any(axis=1)] = 0.0
            else:
                lb = np.full(q, -float(lower))
            b, a, w = fit_words(th[0] + Z[tr] @ th[1:], Vtr, y, lb, scale)
            return b + a * (th[0] + te_Z @ th[1:]) + Vte @ w
        return fit_predict

    def per_word_shift(q):
        """The intercept kept; instead, ``c <= 0`` per incident-vocabulary word the text uses, up to
        the ``q`` quantile of the training texts' count (None: no cap): a text using none of the
        incidents' words keeps the map/context model's risk."""
        def fit_predict(lab, tr, te_Z, te_W, te_keys, te_texts, y):
            th = fit_lr(Z[tr], y, [False] * Z.shape[1], 3e-4)
            voc = IncidentVocabulary.fit(display, W[tr], keys)
            Vtr, Vte = voc.matrix(W[tr], keys)[0], voc.matrix(te_W, te_keys)[0]
            m_tr = np.diff(Vtr.indptr).astype(float)
            cap = np.inf if q is None else np.quantile(m_tr, q)
            u_tr, u_te = np.minimum(m_tr, cap), np.minimum(np.diff(Vte.indptr), cap)
            X = sp.hstack([sp.csr_matrix(u_tr[:, None]), Vtr]).tocsr()
            off = th[0] + Z[tr] @ th[1:]

            def loss(t):
                f, g = penalised_log_loss(np.r_[0.0, t], off + X @ t, y, X, 1e-4)
                f -= 1e-4 * t[0] ** 2  # c is not penalised
                g[1] -= 2e-4 * t[0]
                return f, g[1:]
            t = minimize(loss, np.zeros(X.shape[1]), jac=True, method="L-BFGS-B",
                         bounds=[(None, 0.0)] + [(0.0, None)] * Vtr.shape[1]).x
            return th[0] + te_Z @ th[1:] + t[0] * u_te + Vte @ t[1:]
        return fit_predict

    def baseline(lab, tr, te_Z, te_W, te_keys, te_texts, y, C=10.0):
        v = TfidfVectorizer(min_df=2, sublinear_tf=True, ngram_range=(1, 2)).fit([texts[i] for i in tr])
        lr = LogisticRegression(C=C, max_iter=3000).fit(v.transform([texts[i] for i in tr]), y)
        return lr.decision_function(v.transform(te_texts))

    def stack(C):
        def fit_predict(lab, tr, te_Z, te_W, te_keys, te_texts, y):
            th = fit_lr(Z[tr], y, [False] * Z.shape[1], 3e-4)
            v = TfidfVectorizer(min_df=2, sublinear_tf=True, ngram_range=(1, 2)).fit([texts[i] for i in tr])
            # the map/context logit as one more input, scaled down so its penalty is negligible
            Xtr = sp.hstack([v.transform([texts[i] for i in tr]), (th[0] + Z[tr] @ th[1:])[:, None] / 10]).tocsr()
            Xte = sp.hstack([v.transform(te_texts), (th[0] + te_Z @ th[1:])[:, None] / 10]).tocsr()
            return LogisticRegression(C=C, max_iter=3000).fit(Xtr, y).decision_function(Xte)
        return fit_predict

    def ensemble(lab, tr, te_Z, te_W, te_keys, te_texts, y):
        """Mean of the default's and the baseline's logits, each standardised on the training part."""
        out = []
        for f in (words(), baseline):
            z_tr = f(lab, tr, Z[tr], W[tr], keys, [texts[i] for i in tr], y)
            out.append((f(lab, tr, te_Z, te_W, te_keys, te_texts, y) - z_tr.mean()) / z_tr.std())
        return (out[0] + out[1]) / 2

    oofs: dict = {}

    def run(name, fit_predict):
        cross_validate(name, fit_predict, Z, W, keys, Zds, Wds, keys_ds, oofs)

    run("default (incident words on the map/context logit)", words())
    run("tf-idf LR baseline (word 1-2 grams, C=10)", baseline)
    for k, beta in ((5, 0.3), (20, 0.3), (20, 1.0)):
        run(f"words also spread over their {k} map neighbours (x{beta:g})", words(expand=neighbours(k), beta=beta))
    run("offset weight fitted (not fixed at 1)", words(scale=True))
    run("signed word weights", words("signed"))
    for b in ("0.5", "1"):
        run(f"word weights >= -{b}", words(b))
    for thr in ("1.5", "3"):
        run(f"signed, except words the map reads as the label (lift > {thr})", words(f"protect {thr}"))
    run("signed word weights, offset weight fitted", words("signed", scale=True))
    run("intercept kept; a shift per incident-vocabulary word the text uses", per_word_shift(None))
    for q in (0.5, 0.9):
        run(f"the same, the count capped at its {q:g} quantile", per_word_shift(q))
    for C in (3.0, 10.0):
        run(f"stack: the baseline's LR with the map/context logit as an input (C={C:g})", stack(C))
    run("ensemble: mean of the default's and the baseline's standardised logits", ensemble)
    print(f"# {time.time() - t0:.0f} s", flush=True)
    print("\n| candidate | fairness (dev CV) | privacy (dev CV) | devset dev fairness | devset dev privacy "
          "| mean risk of the risky devset texts: fairness / privacy |")
    print("|---|---|---|---|---|---|")
    for name, r in RESULTS:
        print(f"| {name} | {r['fairness']:.3f} | {r['privacy']:.3f} | {r['fairness_ds']:.3f} | {r['privacy_ds']:.3f} "
              f"| {r['fairness_pos']:.3f} / {r['privacy_pos']:.3f} |")
    print("\n| label | default minus the tf-idf baseline, dev CV (paired 95 % bootstrap) |\n|---|---|")
    for lab in LABELS:
        d, lo, hi = auc_difference(Y[lab], oofs[(RESULTS[0][0], lab)], oofs[(RESULTS[1][0], lab)])
        print(f"| {lab} | {d:+.3f} [{lo:+.3f}, {hi:+.3f}] |")


def short_main() -> None:
    """Issue 12, short texts (``--short-texts``): AIAAIC entries are a headline plus metadata fields
    (System, Technology, Purpose, Sector, Deployer), a median of 24 words (the headline 9); a
    description a user types is often one sentence (the devset's median is 16 words). Each
    candidate fits on the dev entries as they are and/or on copies cut to the headline (or the
    headline and the Purpose field, or the metadata alone) with the same labels, and is read out
    of fold on the entry, headline and headline + purpose forms (the same folds: a held-out
    incident's copies are held out too), on the devset's dev part (the transfer check) and on
    the issue's hiring and county-fair sentences."""
    import re

    from tmlmap.risk.evaluate import auc_difference
    from tmlmap.risk.incident_words import IncidentVocabulary
    from tmlmap.risk.model import features
    from tmlmap.risk.words import word_fingerprints

    t0 = time.time()
    n = len(texts)

    def headline(t: str) -> str:
        return t.split(" System:")[0].strip()

    def headline_purpose(t: str) -> str:
        m = re.search(r"Purpose: ([^.]*)", t)
        return headline(t) + (". " + m.group(1) if m else "")

    sentences = {"hiring": "We screen job applicants' CVs and rank candidates for interviews",
                 "county fair": "the county state fair forecasts attendance"}
    def metadata(t: str) -> str:
        return t[len(headline(t)):].strip()

    wf = word_fingerprints(M)

    every = (texts + [headline(t) for t in texts] + [headline_purpose(t) for t in texts]
             + [metadata(t) for t in texts] + ds_texts + list(sentences.values()))
    Z, W, *rest = features(M, wf, every, full=True)  # one batch: the unseen-word keys are shared
    keys, display = rest[5], wf.display[: wf.n_forms]
    forms = {"entry": np.arange(n), "headline": np.arange(n, 2 * n), "headline + purpose": np.arange(2 * n, 3 * n)}
    metadata_rows = np.arange(3 * n, 4 * n)  # a form to fit on, not to read
    other = np.arange(4 * n, len(every))  # the devset's dev part, then the sentences
    every_form = {**forms, "metadata": metadata_rows}
    print(f"# features {time.time() - t0:.0f} s", flush=True)

    def fit_predict(rows: dict[str, np.ndarray], y: dict[str, np.ndarray], test: np.ndarray) -> np.ndarray:
        """The default's two stages fitted on ``rows['map']`` / ``rows['words']`` (labels ``y``), logits of ``test``."""
        voc = IncidentVocabulary.fit(display, W[rows["words"]], keys)
        m = fit_logistic(Z[rows["map"]], y["map"]).with_incident_words(
            Z[rows["words"]], voc.matrix(W[rows["words"]], keys)[0], y["words"])
        return m.logit(Z[test], voc.matrix(W[test], keys)[0])

    def training(map_forms: list[str], word_forms: list[str], idx: np.ndarray, y: np.ndarray
                 ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Rows and labels of incidents ``idx`` in each stage's forms (labels ``y`` of ``idx``)."""
        stages = {"map": map_forms, "words": word_forms}
        return ({s: np.concatenate([every_form[f][idx] for f in fs]) for s, fs in stages.items()},
                {s: np.tile(y, len(fs)) for s, fs in stages.items()})

    def run(name: str, map_forms: list[str], word_forms: list[str]) -> None:
        res: dict = {}
        for lab in LABELS:
            y = Y[lab].astype(float)
            oof = {f: np.zeros(n) for f in forms}
            for k in range(5):
                tr, te = np.flatnonzero(folds != k), np.flatnonzero(folds == k)
                out = fit_predict(*training(map_forms, word_forms, tr, y[tr]),
                                  np.concatenate([forms[f][te] for f in forms]))
                for i, f in enumerate(forms):
                    oof[f][te] = out[i * len(te):(i + 1) * len(te)]
            z = fit_predict(*training(map_forms, word_forms, np.arange(n), y), other)
            p = 1 / (1 + np.exp(-z))
            z_ds, p_ds, p_sent = z[: len(ds_texts)], p[: len(ds_texts)], p[len(ds_texts):]
            res[lab] = {f: auc(y, oof[f]) for f in forms}
            res[lab].update(z_ds=z_ds, oof_headline=oof["headline"], ds=auc(ds_Y[lab], z_ds),
                            pos=float(p_ds[ds_Y[lab] == 1].mean()), neg=float(p_ds[ds_Y[lab] == 0].mean()),
                            sent=dict(zip(sentences, p_sent.tolist(), strict=True)))
        RESULTS.append((name, res))
        print(name, {lab: {k: round(v, 3) for k, v in r.items() if isinstance(v, float)} for lab, r in res.items()},
              flush=True)

    run("default: both stages on the entries", ["entry"], ["entry"])
    run("both stages on entries + headline copies", ["entry", "headline"], ["entry", "headline"])
    run("both stages on entries + headline-and-purpose copies", ["entry", "headline + purpose"],
        ["entry", "headline + purpose"])
    run("both stages on entries + both kinds of copies", ["entry", "headline", "headline + purpose"],
        ["entry", "headline", "headline + purpose"])
    run("map/context weights on the entries, incident words on entries + headline copies", ["entry"],
        ["entry", "headline"])
    run("map/context weights on entries + headline copies, incident words on the entries",
        ["entry", "headline"], ["entry"])
    run("both stages on the metadata alone (headline removed)", ["metadata"], ["metadata"])
    # A deployment description says what is decided and about whom, as an entry's metadata does:
    # the map/context weights learn from that part, the incident words from the whole entry.
    run("map/context weights on the metadata, incident words on the entries", ["metadata"], ["entry"])
    run("map/context weights on entries + metadata copies, incident words on the entries",
        ["entry", "metadata"], ["entry"])
    print(f"# {time.time() - t0:.0f} s", flush=True)
    print("\n| candidate (fitted on) | dev CV, entries: fairness / privacy | dev CV, headlines only "
          "| dev CV, headline + purpose | devset dev AUC | mean risk, risky / plain devset texts: fairness "
          "| privacy | hiring sentence, fairness | county-fair sentence, fairness |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, r in RESULTS:
        f, q = r["fairness"], r["privacy"]
        print(f"| {name} | {f['entry']:.3f} / {q['entry']:.3f} | {f['headline']:.3f} / {q['headline']:.3f} "
              f"| {f['headline + purpose']:.3f} / {q['headline + purpose']:.3f} | {f['ds']:.3f} / {q['ds']:.3f} "
              f"| {f['pos']:.3f} / {f['neg']:.3f} | {q['pos']:.3f} / {q['neg']:.3f} "
              f"| {f['sent']['hiring']:.3f} | {f['sent']['county fair']:.3f} |")
    print("\n| candidate minus the default (paired 95 % bootstrap) | devset dev: fairness | privacy "
          "| dev CV, headlines only: fairness | privacy |\n|---|---|---|---|---|")
    base = RESULTS[0][1]
    for name, r in RESULTS[1:]:
        cells = [auc_difference(ds_Y[lab], r[lab]["z_ds"], base[lab]["z_ds"]) for lab in LABELS]
        cells += [auc_difference(Y[lab], r[lab]["oof_headline"], base[lab]["oof_headline"]) for lab in LABELS]
        print(f"| {name} | " + " | ".join(f"{d:+.3f} [{lo:+.3f}, {hi:+.3f}]" for d, lo, hi in cells) + " |")


def contexts_main(only: str | None = None) -> None:
    """Issue 12, use contexts (``--contexts``): how much the AIAAIC incidents weigh each context, and
    what was tried to make the contexts count more, on the same folds, with the devset as the check.

    Part 1, per context: how many dev incidents touch it as a report lists it (mean-reading lift at
    least :data:`~tmlmap.risk.model.CONTEXT_MIN_LIFT`), the share of them labelled fairness / privacy,
    the default map/context model's summed weight per label over the six readings, and the same counts
    on the devset's dev part. Part 2, candidates (both stages refitted, incident words on top as in
    the default): (a) a **taxonomy prior**: the weights of every context pulled, by an extra L2
    penalty ``lam``, toward ``c`` for the risk its source speaks to (Annex III / Article 5: fairness;
    GDPR: privacy; the law says these uses carry that risk, the incidents need not); (b) the AIAAIC
    **entry-format labels** ("System:", "Technology:", "Purpose:", "Sector:", "Deployer:") removed
    before reading, as the incident words leave out words of more than a fifth of the incidents; (c)
    **stricter seeds**: a definition word seeds its context only if at most 0.5-2 % of papers use it
    (default 5 %), so generic words ("decide", "tools", "score") no longer carry a context alone;
    (d) an Annex III point seeded by its own words, without its area's heading; (e) seeds without
    their floor; (f) words of two or more areas' definitions seeding "decisions about people" only.
    (g) the other setting of :data:`~tmlmap.risk.words.SPLIT_PHRASE_SEEDS` (a definition phrase that
    is no map term seeding through its words; the default since 2026-12-03). Per candidate also the
    contexts a report would list on the devset's texts: how many per text, the share listed on texts
    labelled with the context's risk, the share of risky / plain texts with at least one, and the
    context listed on most AIAAIC dev incidents with its share. ``only="phrases"``
    (``--phrase-seeds``): part 1, the default and (g) only. ``only="walk"`` (``--seed-walk``): part 1,
    the default, and (h) the contexts' walk: term seeds weighted by their paper count to the power
    -0.5 or -1 (:data:`~tmlmap.risk.words.SEED_DF_POWER`; rarer definition words, more specific to
    it, weigh more), and restart probabilities 0.5 and 0.75 (:data:`~tmlmap.risk.words.CONTEXT_RESTART`;
    the walk stays nearer its seeds, so contexts lean further from the corpus mean); (i) the definitions
    read without :func:`~tmlmap.risk.hygiene.unbracket_affixes` (6(d)'s "(re)offending" lost); then
    :func:`walk_listing`. ``only="exceptions"`` (``--exceptions``): part 1, the default, and (j) the
    definitions read without the bracketed clauses that name what a point leaves out ("(fraud
    detection excepted)"), then :func:`walk_listing`."""
    import re
    from dataclasses import replace

    from scipy.optimize import minimize

    import tmlmap.risk.words as words_mod
    from tmlmap.risk.contexts import PEOPLE_KEY, SOURCE_RISK, exception_clauses, parse_contexts
    from tmlmap.risk.incident_words import IncidentVocabulary
    from tmlmap.risk.logistic import penalised_log_loss
    from tmlmap.risk.model import CONTEXT_MIN_LIFT, L2, Logistic, features, listed_contexts, views
    from tmlmap.risk.words import (
        CONTEXT_RESTART,
        MAX_SEED_DF_SHARE,
        SEED_DF_POWER,
        SPLIT_PHRASE_SEEDS,
        compute_word_fingerprints,
        word_fingerprints,
    )

    t0 = time.time()
    n, nd = len(texts), len(ds_texts)
    sentences = {"hiring": "We screen job applicants' CVs and rank candidates for interviews",
                 "county fair": "the county state fair forecasts attendance"}
    wf = word_fingerprints(M)
    k, nv = len(wf.columns), len(views(wf))
    labels_re = re.compile(r"\b(?:System|Technology|Purpose|Sector|Deployer):\s*")

    def inputs(dev_texts, wf_=wf):
        Z, W, *rest = features(M, wf_, list(dev_texts) + ds_texts + list(sentences.values()), full=True)
        return Z, W, rest[5], wf_

    as_is = inputs(texts)
    print(f"# features {time.time() - t0:.0f} s", flush=True)

    def rate(yy, m):
        return f"{yy['fairness'][m].mean():.2f} / {yy['privacy'][m].mean():.2f}" if m.any() else "-"

    # Part 1: what the incidents weigh.
    Z = as_is[0]
    weights = {lab: fit_logistic(Z[:n], Y[lab].astype(float)).coef.reshape(nv, k).sum(axis=0) for lab in LABELS}
    print("\n| context | point | dev incidents touching it | of them fairness / privacy | weight, fairness / "
          "privacy (six readings) | devset dev texts touching it | of them fairness / privacy |\n|---|---|---|---|---|---|---|")
    print(f"| (all) | | {n} | {Y['fairness'].mean():.2f} / {Y['privacy'].mean():.2f} | | {nd} | "
          f"{ds_Y['fairness'].mean():.2f} / {ds_Y['privacy'].mean():.2f} |")
    for j, c in enumerate(wf.contexts):
        s = wf.n_topics + j
        t, td = Z[:n, s] >= CONTEXT_MIN_LIFT, Z[n:n + nd, s] >= CONTEXT_MIN_LIFT
        print(f"| {c.name[:60]} | {c.point} | {t.sum()} | {rate(Y, t)} | {weights['fairness'][s]:.2f} / "
              f"{weights['privacy'][s]:.2f} | {td.sum()} | {rate(ds_Y, td)} |")

    # Part 2: candidates.
    sig_risk = list(wf.columns[: wf.n_topics]) + [SOURCE_RISK[c.source] for c in wf.contexts]

    def fit_prior(X, y, target, lam):
        """Non-negative logistic weights with L2 ``L2`` toward 0, or ``lam`` toward ``target`` where ``lam > 0``."""
        pen = np.where(lam > 0, lam, L2)

        def loss(th):
            f, g = penalised_log_loss(th, th[0] + X @ th[1:], y, X, 0.0)
            d = th[1:] - target
            return f + pen @ d ** 2, g + np.r_[0.0, 2 * pen * d]
        # started from 0 as fit_logistic is: started at the target, the logits saturate (intercept -64)
        # and L-BFGS-B stops on the flat loss at once
        th0 = np.r_[np.log(y.mean() / (1 - y.mean())), np.zeros(X.shape[1])]
        x = minimize(loss, th0, jac=True, method="L-BFGS-B", bounds=[(None, None)] + [(0, None)] * X.shape[1]).x
        return Logistic(x[1:], float(x[0]), len(y), int(y.sum()))

    def prior(lab, c, lam, which):
        target, strength = np.zeros(nv * k), np.zeros(nv * k)
        for v, name in enumerate(views(wf)):
            for s in range(wf.n_topics, k):
                if name in which and sig_risk[s] == lab:
                    target[v * k + s], strength[v * k + s] = c, lam
        return target, strength

    def run(name, data, spec=None):
        Z, W, keys, wf_ = data
        display = wf_.display[: wf_.n_forms]
        other = np.arange(n, Z.shape[0])
        res = {}
        for lab in LABELS:
            y = Y[lab].astype(float)

            def fit(rows, y=y, lab=lab):
                m = fit_logistic(Z[rows], y[rows]) if spec is None else fit_prior(Z[rows], y[rows], *prior(lab, *spec))
                voc = IncidentVocabulary.fit(display, W[rows], keys)
                m = m.with_incident_words(Z[rows], voc.matrix(W[rows], keys)[0], y[rows])
                return lambda idx: m.logit(Z[idx], voc.matrix(W[idx], keys)[0])
            oof = np.zeros(n)
            for f in range(5):
                oof[folds == f] = fit(np.flatnonzero(folds != f))(np.flatnonzero(folds == f))
            z = fit(np.arange(n))(other)
            p = 1 / (1 + np.exp(-z))
            res[lab] = dict(cv=auc(y, oof), oof=oof, z_ds=z[:nd], ds=auc(ds_Y[lab], z[:nd]),
                            pos=float(p[:nd][ds_Y[lab] == 1].mean()), neg=float(p[:nd][ds_Y[lab] == 0].mean()),
                            sent=dict(zip(sentences, p[nd:].tolist(), strict=True)))
        # the contexts a report lists on the devset texts: how often, and on texts labelled with their risk
        on_dev = listed_contexts(Z[:n], wf_).mean(axis=0)
        res["most_listed"] = (wf_.contexts[int(np.argmax(on_dev))].point, float(on_dev.max()))
        res["listed"] = listing_summary(listed_contexts(Z[n:n + nd], wf_), ds_Y, sig_risk[wf_.n_topics:])
        RESULTS.append((name, res))
        print(name, {lab: round(res[lab]["cv"], 3) for lab in LABELS}, res["listed"], f"({time.time() - t0:.0f} s)",
              flush=True)

    run("default", as_is)
    if only == "exceptions":
        # A bracketed clause naming what a point leaves out seeds that very point today: "(fraud
        # detection excepted)" seeds 5(b) with "fraud detection", "(not mere verification that someone
        # is who they claim)" 1(a) with "verification", "(checking travel documents excepted)" 7(d)
        # with "check", "travel", "document", "(narrow exceptions)" 5(1)(h) with "narrow". The
        # candidate reads the definitions without such clauses (brackets listing what is covered,
        # "(granting, reducing, revoking, reclaiming)", stay).
        def without_exceptions(definition: str) -> str:
            for clause in exception_clauses(definition):
                definition = definition.replace(f" ({clause})", "")
            return definition
        without = [replace(c, definition=without_exceptions(c.definition)) for c in parse_contexts()]
        print("# exception clauses removed from:", [c.point for c, d in zip(parse_contexts(), without, strict=True)
                                                   if c.definition != d.definition], flush=True)
        run("definitions read without their exception clauses", inputs(
            texts, compute_word_fingerprints(M, without)))
        print(f"# {time.time() - t0:.0f} s", flush=True)
        table(base=RESULTS[0][1])
        return walk_listing()
    if only == "walk":
        for power in (0.5, 1.0):
            assert power != SEED_DF_POWER
            run(f"walk: term seeds weighted by paper count^-{power:g} (default ^-{SEED_DF_POWER:g})",
                inputs(texts, compute_word_fingerprints(M, seed_df_power=power)))
        for restart in (0.5, 0.75):
            assert restart != CONTEXT_RESTART
            run(f"walk: restart {restart:g} (default {CONTEXT_RESTART:g})",
                inputs(texts, compute_word_fingerprints(M, context_restart=restart)))
        # the definitions read without unbracket_affixes ("(re)offending" lost, as until 2026-12-03)
        words_mod.unbracket_affixes = lambda text: text
        try:
            run("definitions: '(re)offending' lost to the tokenizer (until 2026-12-03)",
                inputs(texts, compute_word_fingerprints(M)))
        finally:
            from tmlmap.risk.hygiene import unbracket_affixes
            words_mod.unbracket_affixes = unbracket_affixes
        print(f"# {time.time() - t0:.0f} s", flush=True)
        table(base=RESULTS[0][1])
        return walk_listing()
    split = "no longer" if SPLIT_PHRASE_SEEDS else "also"
    run(f"seeds: a definition phrase that is no map term {split} seeds through its words", inputs(
        texts, compute_word_fingerprints(M, split_phrase_seeds=not SPLIT_PHRASE_SEEDS)))
    if only == "phrases":
        return table(base=RESULTS[0][1])
    mean_only, all_six = ("mean",), tuple(views(wf))
    for c, lam, which in ((0.25, 1e-3, mean_only), (0.5, 1e-3, mean_only), (1.0, 1e-3, mean_only),
                          (0.5, 1e-2, mean_only), (0.25, 1e-3, all_six), (0.5, 1e-3, all_six)):
        label = "mean reading" if which is mean_only else "all six readings"
        run(f"taxonomy prior: context weights pulled toward {c:g} ({label}, strength {lam:g})", as_is,
            (c, lam, which))
    run("entry-format labels removed before reading", inputs([labels_re.sub("", t) for t in texts]))
    points = [replace(c, definition=c.definition.split(": ", 1)[1]) if c.source == "annex3" else c
              for c in parse_contexts()]
    run("seeds: an Annex III point's own words, without its area's heading", inputs(
        texts, compute_word_fingerprints(M, points)))
    run("seeds keep no floor (their papers decide their value)", inputs(
        texts, compute_word_fingerprints(M, seed_floor=False)))
    # compute_word_fingerprints has no seed hook (no default needs one): its context_seeds is swapped
    # for this one candidate and put back
    plain_seeds = words_mod.context_seeds

    def exclusive_seeds(*a, **kw):
        """Words of the definitions of two or more Annex III areas seed "decisions about people" only."""
        out = plain_seeds(*a, **kw)
        shared = set(out[PEOPLE_KEY])
        return {key: v if key == PEOPLE_KEY else [f for f in v if f not in shared] for key, v in out.items()}
    words_mod.context_seeds = exclusive_seeds
    try:
        run("seeds: words shared by two or more areas seed only 'decisions about people'", inputs(
            texts, compute_word_fingerprints(M)))
    finally:
        words_mod.context_seeds = plain_seeds
    for share in (0.005, 0.01, 0.02):
        assert share != MAX_SEED_DF_SHARE
        run(f"seeds: definition words in at most {share:.1%} of papers (default {MAX_SEED_DF_SHARE:.0%})",
            inputs(texts, compute_word_fingerprints(M, max_seed_df_share=share)))
    print(f"# {time.time() - t0:.0f} s", flush=True)
    table(base=RESULTS[0][1])


def listing_summary(listed: np.ndarray, yy: dict, risks) -> dict:
    """What a listing ``(n_texts, n_contexts)`` bool gets right on texts labelled ``yy``, the contexts
    speaking to ``risks`` (one "fairness" / "privacy" per context): contexts per text, the share of
    listed contexts on texts labelled with their risk, and the share of risky / plain texts with one."""
    fair = np.asarray(risks)[None, :] == "fairness"
    agree = np.where(fair, yy["fairness"][:, None], yy["privacy"][:, None]).astype(bool)
    risky = (yy["fairness"] | yy["privacy"]).astype(bool)
    return dict(per_text=float(listed.sum(1).mean()), agree=float(agree[listed].mean()),
                risky=float(listed[risky].any(1).mean()), plain=float(listed[~risky].any(1).mean()))


def walk_listing() -> None:
    """``--seed-walk``, parts 3 and 2. Part 3, what the default's listing rests on: the share of listed
    contexts showing one of their own seed words, how far the walk carries (the lift of each context's
    50th-strongest word that is no seed), and the listing at lower mean-reading thresholds. Part 2, the
    listing at each restart of the contexts' walk, over mean-reading lifts of 3, 4 and 6 and
    second-word readings of 1.5, 2 and 3 (both dev splits): can a stricter rule keep a sharper walk's
    risky listings without its plain ones?"""
    from tmlmap.risk.contexts import SOURCE_RISK
    from tmlmap.risk.model import features, listed_contexts
    from tmlmap.risk.scorer import RiskScorer
    from tmlmap.risk.words import CONTEXT_RESTART, compute_word_fingerprints, word_fingerprints

    splits = {"devset dev": (ds_texts, ds_Y), "AIAAIC dev": (texts, Y)}
    walks = {restart: word_fingerprints(M) if restart == CONTEXT_RESTART
             else compute_word_fingerprints(M, context_restart=restart) for restart in (CONTEXT_RESTART, 0.5, 0.75)}
    inputs = {(restart, name): features(M, wf, txts)[0] for restart, wf in walks.items()
              for name, (txts, _) in splits.items()}

    # Part 3: what the default's listing rests on: a context's own seed words, or words its walk reached
    wf0 = walks[CONTEXT_RESTART]
    own = {c.key: {wf0.label(f) for f in wf0.seeds[c.key] if f < wf0.n_forms} for c in wf0.contexts}
    scorer = RiskScorer(M, store)
    for name, (txts, _) in splits.items():
        listed = [c for r in scorer.score_many(txts, with_spans=False) for c in r.contexts]
        seeded = sum(bool(set(c["words"]) & own[c["key"]]) for c in listed)
        print(f"# {name}: {len(listed)} contexts listed, {seeded} of them showing one of the context's own seed words")
    tops = [np.sort(np.where(wf0.known, wf0.affinity[:, wf0.n_topics + j], 0.0)
                    * np.isin(np.arange(wf0.n_forms), wf0.seeds[c.key], invert=True))[-50]
            / wf0.prior[wf0.n_topics + j] for j, c in enumerate(wf0.contexts) if wf0.prior[wf0.n_topics + j] > 0]
    print(f"# lift of each context's 50th-strongest word that is not its seed: median {np.median(tops):.2f}, "
          f"range {min(tops):.2f}-{max(tops):.2f}")
    risks = [SOURCE_RISK[c.source] for c in wf0.contexts]  # the same contexts at every restart
    for name, (_, yy) in splits.items():
        for ml in (1.5, 2.0, 2.5, 3.0):
            L = listed_contexts(inputs[CONTEXT_RESTART, name], wf0, min_lift=float(np.log(ml)))
            g = listing_summary(L, yy, risks)
            print(f"# {name}, mean-reading lift >= {ml:g}x (second word as the default): risky / plain texts "
                  f"with a context {g['risky']:.2f} / {g['plain']:.2f}, contexts per text {g['per_text']:.2f}")

    # Part 2: the listing rules at each restart
    print("\n| restart | texts | rule: mean lift / second word | contexts per text | share listed on texts with "
          "their risk | risky / plain texts with a context | most listed (share of texts) |\n|---|---|---|---|---|---|---|")
    for restart, wf in walks.items():
        for name, (_, yy) in splits.items():
            for ml in (3.0, 4.0, 6.0):
                for ms in (1.5, 2.0, 3.0):
                    L = listed_contexts(inputs[restart, name], wf, min_lift=float(np.log(ml)),
                                        min_second=float(np.log(ms)))
                    g = listing_summary(L, yy, risks)
                    print(f"| {restart:g} | {name} | {ml:g}x / {ms:g}x | {g['per_text']:.2f} | {g['agree']:.3f} | "
                          f"{g['risky']:.2f} / {g['plain']:.2f} | {wf.contexts[int(np.argmax(L.mean(0)))].point} "
                          f"({L.mean(0).max():.2f}) |", flush=True)


def table(base: dict) -> None:
    """The Markdown table of :func:`contexts_main`'s candidates (``RESULTS``), differences against ``base``."""
    from tmlmap.risk.evaluate import auc_difference

    print("\n| candidate | dev CV: fairness / privacy | minus the default, dev CV (paired 95 %): fairness | privacy "
          "| devset dev AUC | minus the default, devset dev: fairness | privacy | mean risk, risky / plain "
          "devset texts: fairness | privacy | hiring sentence, fairness | county-fair sentence, fairness "
          "| devset contexts listed per text | share listed on texts with their risk | risky / plain texts "
          "with a context | most listed on the dev incidents (share) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, r in RESULTS:
        f, q = r["fairness"], r["privacy"]
        diffs = []
        for key, yy in (("oof", Y), ("z_ds", ds_Y)):
            for lab in LABELS:
                if r is base:
                    diffs.append("")
                else:
                    d, lo, hi = auc_difference(yy[lab], r[lab][key], base[lab][key])
                    diffs.append(f"{d:+.3f} [{lo:+.3f}, {hi:+.3f}]")
        print(f"| {name} | {f['cv']:.3f} / {q['cv']:.3f} | {diffs[0]} | {diffs[1]} | {f['ds']:.3f} / {q['ds']:.3f} "
              f"| {diffs[2]} | {diffs[3]} | {f['pos']:.3f} / {f['neg']:.3f} | {q['pos']:.3f} / {q['neg']:.3f} "
              f"| {f['sent']['hiring']:.3f} | {f['sent']['county fair']:.3f} | {r['listed']['per_text']:.2f} "
              f"| {r['listed']['agree']:.3f} | {r['listed']['risky']:.2f} / {r['listed']['plain']:.2f} "
              f"| {r['most_listed'][0]} ({r['most_listed'][1]:.2f}) |")


def listing_main() -> None:
    """Issue 12, which contexts a report lists (``--listing``; display only, no score moves): the rule
    :func:`~tmlmap.risk.model.listed_contexts` with the second-word condition off or at several
    thresholds, on the devset's dev texts and the AIAAIC dev incidents. Per rule: contexts listed per
    text; the share of listed contexts on texts labelled with the risk the context's source speaks
    to; the share of risky and of plain texts (neither label) with at least one; the largest share
    of texts one context is listed on; and the share of listed contexts that show one evidence word."""
    from tmlmap.risk.contexts import SOURCE_RISK
    from tmlmap.risk.model import CONTEXT_MIN_SECOND_LIFT, features, listed_contexts
    from tmlmap.risk.scorer import RiskScorer
    from tmlmap.risk.words import word_fingerprints

    wf = word_fingerprints(M)
    sig_risk = np.array([SOURCE_RISK[c.source] for c in wf.contexts])
    data = {"devset dev": (ds_texts, ds_Y), "AIAAIC dev": (texts, Y)}
    Z = {name: features(M, wf, t)[0] for name, (t, _) in data.items()}
    scorer = RiskScorer(M, store)
    print("\n| rule | texts | contexts per text | share listed on texts with their risk | risky / plain texts "
          "with a context | most listed (share of texts) | listed with one evidence word (default rule) |")
    print("|---|---|---|---|---|---|---|")
    rules = [("mean-reading lift >= log 3 only (until 2026-12-03)", None)]
    rules += [(f"and second word > {np.exp(t):.1f}x" + (" (default)" if t == CONTEXT_MIN_SECOND_LIFT else ""), t)
              for t in (0.0, CONTEXT_MIN_SECOND_LIFT, float(np.log(2.0)), float(np.log(3.0)))]
    for rule, t in rules:
        for name, (txts, yy) in data.items():
            L = listed_contexts(Z[name], wf, min_second=t)
            got = listing_summary(L, yy, sig_risk)
            one = ""
            if t == CONTEXT_MIN_SECOND_LIFT:  # what a report shows: evidence words per listed context
                counts = [len(c["words"]) for r in scorer.score_many(txts, with_spans=False) for c in r.contexts]
                one = f"{np.mean(np.asarray(counts) == 1):.2f}"
            print(f"| {rule} | {name} | {got['per_text']:.2f} | {got['agree']:.3f} | "
                  f"{got['risky']:.2f} / {got['plain']:.2f} | "
                  f"{wf.contexts[int(np.argmax(L.mean(0)))].point} ({L.mean(0).max():.2f}) | {one} |", flush=True)


def area_listing_main() -> None:
    """Issue 12, naming a listed Annex III point by its area (``--area-listing``; display only, no score
    moves). Part 1, from the definitions and the map alone: for each lettered point, how many times as
    much each word of its area's heading (which seeds all the area's points) and each of its own
    definition words leans to it as to the most-leaning sibling point
    (:data:`~tmlmap.risk.model.POINT_OVER_SIBLINGS` sits between the two). Part 2, on both dev splits:
    the Annex III listings of the reports, how many are named by their area, and the commonest."""
    import collections

    from tmlmap.risk.model import POINT_OVER_SIBLINGS, area_siblings
    from tmlmap.risk.scorer import RiskScorer
    from tmlmap.risk.words import definition_forms, phrase_parts, word_fingerprints

    wf = word_fingerprints(M)
    nt = wf.n_topics
    sib = area_siblings(wf.contexts)
    lifts = wf.affinity[:, nt:] / np.maximum(wf.prior[nt:], 1e-300)
    heading_ratios, own_ratios = [], []
    print("| point | area heading words: lift over the most-leaning sibling | the point's own words |\n|---|---|---|")
    for j, c in enumerate(wf.contexts):
        if not sib[j]:
            continue
        head = [f for f in phrase_parts(M, definition_forms(M, c.area)) if f < wf.n_forms]
        own = [f for f in phrase_parts(M, definition_forms(M, c.definition.split(": ", 1)[1]))
               if f < wf.n_forms and f not in head]
        ratio = {f: float(lifts[f, j] / lifts[f, sib[j]].max()) for f in head + own}
        heading_ratios += [ratio[f] for f in head]
        own_ratios += [ratio[f] for f in own]
        print(f"| {c.point} | " + ", ".join(f"{wf.label(f)} {ratio[f]:.2f}" for f in head) + " | "
              + ", ".join(f"{wf.label(f)} {ratio[f]:.1f}" for f in own) + " |")
    own_ratios = np.asarray(own_ratios)
    print(f"# heading words: {min(heading_ratios):.2f}-{max(heading_ratios):.2f}; own words: median "
          f"{np.median(own_ratios):.1f}, {np.mean(own_ratios > POINT_OVER_SIBLINGS):.0%} above "
          f"{POINT_OVER_SIBLINGS:g} (the rest are words several points share: 'decide', 'risk', 'people')")
    scorer = RiskScorer(M, store)
    for name, txts in (("devset dev", ds_texts), ("AIAAIC dev", texts)):
        entries = [c for r in scorer.score_many(txts, with_spans=False) for c in r.contexts
                   if c["point"].startswith("Annex III")]
        area = [c for c in entries if "(" not in c["point"]]
        common = collections.Counter((c["point"], ", ".join(c["words"][:3])) for c in area).most_common(6)
        print(f"# {name}: {len(entries)} Annex III listings, {len(area)} named by their area; commonest: {common}")


RESULTS: list = []
if __name__ == "__main__":
    if "--incident-words" in sys.argv:
        incident_main()
    elif "--privacy-frontier" in sys.argv:
        frontier_main()
    elif "--spelling" in sys.argv:
        spelling_main()
    elif "--area-listing" in sys.argv:
        area_listing_main()
    elif "--exceptions" in sys.argv:
        contexts_main(only="exceptions")
    elif "--short-texts" in sys.argv:
        short_main()
    elif "--contexts" in sys.argv:
        contexts_main()
    elif "--phrase-seeds" in sys.argv:
        contexts_main(only="phrases")
    elif "--seed-walk" in sys.argv:
        contexts_main(only="walk")
    elif "--listing" in sys.argv:
        listing_main()
    else:
        main()
