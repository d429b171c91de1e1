"""The calibrated risk model: map topic score + use contexts -> ``fairness_risk``, ``privacy_risk``.

Per description (vectorized over many), for every signal ``k`` (2 topics + the
use contexts of :mod:`tmlmap.risk.contexts`), three readings of the text's
known forms (:mod:`tmlmap.risk.words`; ``w`` their tf-idf weights):

1. **Mean** (:func:`signal_scores` on the fingerprints ``A``): the weighted
   mean ``sum_f w_f A[f, k] / sum_f w_f``; for the topics *after cutting the one
   form that contributes most down to the second*: no single word decides a
   score alone ("fair" in "the county state fair", "apple" in "we sort
   apples"), two words that agree do. Feature: its lift ``log(score / prior)``
   floored at 0 (0 = an average paper).
2. **Second word** (:func:`second_word_lift`): the *second largest* per-word
   lift ``log(A[f, k] / prior_k)`` (floored at 0) among the text's forms. Long
   generic lists ("Technology: Machine learning; Neural network; Deep
   learning") dilute a mean; they do not lower this one, and one word alone
   still gives 0 (it needs a second word at least as strong).
3. **Concentrated** (:func:`signal_scores` on ``sharp``): the mean, with the
   top word capped as in 1 *for every signal* (a single word's few papers
   would otherwise decide a context: "county" in census-data papers), of the
   share of each word's papers among the 2 % most signal-``k`` papers of the
   corpus; feature: its lift over that share.

4. **Spelled readings** (:data:`SPELLED_VIEWS`): readings 1-3 again on the
   fingerprints whose prior is the word's spelling (:mod:`tmlmap.risk.words`,
   step 5), over every word of the text, words no paper uses included ("sexist",
   "surveil": their fingerprint is their spelling's prediction, weight
   :data:`~tmlmap.risk.words.SPELL_UNSEEN_IDF`). Readings 1-3 stay exactly as
   without it (words with papers, paper-only fingerprints); the logistic model
   weighs both (dev CV: replacing them lost privacy AUC, adding them did not).

Model inputs ``Z`` (:func:`views` order): ``(n, 6k)`` = [mean | second word |
concentrated | the three spelled], each capped at :data:`MAX_LIFT` (a 7.4-fold lift). :data:`FEATURES` (the two topics and the strongest fairness and
privacy context, of the mean reading) are reported in ``raw``; they are not
model inputs.

**Logistic model** per label, ``p = sigmoid(b + sum_j a_j z_j)`` with every
``a_j >= 0`` (monotone: more of any signal never lowers a risk), L2 penalty
:data:`L2`, fitted by :func:`fit_logistic` on the AIAAIC ``dev`` split only
(``data/aiaaic.jsonl``): one weight per signal and reading plus an intercept
per label. Every choice (the readings, ``SHARP_SHARE``, ``L2``, the word prior, the spelling map)
was made by stratified 5-fold cross-validation on the dev split
(``benchmarks/risk_cv.py``).

**Incident words** (:mod:`tmlmap.risk.incident_words`): on top of that model, one non-negative
weight per label for every word the dev incidents use (map forms and words no paper uses;
stop words and words in more than a fifth of the incidents left out), fitted with the
model's logit as a fixed offset (:meth:`Logistic.with_incident_words`): the map/context
weights stay as they are, the intercept shifts, and a word the incidents mark ("racist",
"porn", "facial recognition") raises a risk by its weight, divided by the square root of the
text's number of such words. Words the incidents never use add nothing, so on other kinds of
text the map and the contexts do the reading. Reports list these parts (``incident_terms``);
``top_terms`` adds a word's incident part to its map part.

What a value means: ``fairness_risk = 0.7`` says that among AIAAIC-like
descriptions of deployed systems with these features, about 70 % were
incidents about bias or discrimination (the fitted calibration; base rate in
the dev split about 19 % for fairness and 29 % for privacy).
"""

from __future__ import annotations

import functools
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from tmlmap.config import EMBEDDED_DATA_DIR
from tmlmap.risk.hygiene import clean_input
from tmlmap.risk.incident_words import IncidentVocabulary
from tmlmap.risk.logistic import penalised_log_loss
from tmlmap.risk.words import WordFingerprints

#: The labelled incidents (AIAAIC, CC BY-SA 4.0; see data/AIAAIC-README.md).
AIAAIC = EMBEDDED_DATA_DIR / "aiaaic.jsonl"
FEATURES = ("topic_fairness", "topic_privacy", "contexts_fairness", "contexts_privacy")
#: L2 penalty of the logistic fit (on the weights, not the intercept), per example
#: (dev CV: 1e-4, 3e-4, 1e-3 tried; the largest within 0.005 AUC of the best on both labels).
L2 = 3e-4
#: Largest value of a model input (log lift 2: a 7.4-fold lift over the corpus counts as much as any
#: more). Keeps the top of the ranking informative (below 1.00); dev CV: caps 2, 3, 4 and none tried,
#: AUC within 0.002 of each other (3 and none round to 1.0000 for two dev incidents).
MAX_LIFT = 2.0
#: The three readings of every signal, in the column order of the model inputs ``Z``.
VIEWS = ("mean", "second", "sharp")
#: The same three readings on the spelled fingerprints (:mod:`tmlmap.risk.words`, step 5).
SPELLED_VIEWS = ("spelled mean", "spelled second", "spelled sharp")


def load_aiaaic(split: str | None = "dev", path: str | Path = AIAAIC) -> list[dict]:
    """Records of the AIAAIC labels file, of one ``split`` (``None``: all)."""
    with open(path, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return [r for r in rows if split is None or r.get("split") == split]


def _top_two(values: np.ndarray, indptr: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per row of the CSR layout ``indptr`` (at least one entry in all) and per column of the
    non-negative ``values`` ``(nnz, k)``: ``(largest, n_largest, second, is_largest)``, the
    ``(n, k)`` largest entry, how many entries equal it, the second largest (the largest
    again when it is tied, 0 for a row of one entry or none), and the ``(nnz, k)`` mask of the
    entries equal to their row's largest."""
    n, k = len(indptr) - 1, values.shape[1]
    lengths = np.diff(indptr)
    rows = np.repeat(np.arange(n), lengths)
    nonempty = lengths > 0
    starts = indptr[:-1][nonempty]
    largest = np.zeros((n, k))
    largest[nonempty] = np.maximum.reduceat(values, starts, axis=0)
    is_largest = values >= largest[rows]
    n_largest = np.zeros((n, k))
    n_largest[nonempty] = np.add.reduceat(is_largest.astype(np.float64), starts, axis=0)
    below = np.zeros((n, k))
    below[nonempty] = np.maximum.reduceat(np.where(is_largest, 0.0, values), starts, axis=0)
    return largest, n_largest, np.where(n_largest >= 2, largest, below), is_largest


def signal_scores(W: sp.csr_matrix, A: np.ndarray, *, cap_top: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """``(scores, contrib)`` of texts ``W`` ``(n, n_forms)`` (tf-idf) on signals ``A`` ``(n_forms, k)``.

    ``scores`` ``(n, k)``: the weighted mean ``sum_f w_f A[f, k] / sum_f w_f``;
    with ``cap_top`` the largest contribution of a row is cut down to the
    second largest, so one word alone adds nothing and a word counts at most
    as much as the next strongest one. ``contrib`` ``(nnz, k)``: each stored
    entry's (capped) contribution ``w_f A[f, k] / sum_f w_f``, aligned with
    ``W.data`` (rows sum to ``scores``).
    """
    W = sp.csr_matrix(W, dtype=np.float64)
    W.sum_duplicates()
    n, k = W.shape[0], A.shape[1]
    den = np.asarray(W.sum(axis=1)).ravel()
    lengths = np.diff(W.indptr)
    rows = np.repeat(np.arange(n), lengths)
    contrib = W.data[:, None] * A[W.indices]  # (nnz, k)
    if cap_top and W.nnz:
        cmax, n_max, c2, is_max = _top_two(contrib, W.indptr)
        # The largest entry becomes the second largest: tied maxima (n_max >= 2) stay as they are,
        # a lone maximum is scaled down to c2. Scaled per maximal entry: the group sums to
        # (n_max - 1) * cmax + c2.
        scale = np.divide((n_max - 1) * cmax + c2, cmax * n_max, out=np.zeros((n, k)), where=cmax > 0)
        np.copyto(contrib, contrib * scale[rows], where=is_max & (cmax[rows] > 0))
    inv = np.divide(1.0, den, out=np.zeros(n), where=den > 0)
    contrib *= inv[rows][:, None]
    scores = np.zeros((n, k))
    if W.nnz:
        nonempty = lengths > 0
        scores[nonempty] = np.add.reduceat(contrib, W.indptr[:-1][nonempty], axis=0)
    return scores, contrib


def lift(scores: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """``log(score / prior)`` floored at 0 (``(n, k)``; prior ``(k,)``, 0 priors give 0)."""
    p = np.asarray(prior, dtype=np.float64)[None, :]
    ratio = np.divide(scores, p, out=np.ones_like(scores), where=p > 0)
    return np.log(np.maximum(ratio, 1.0))


def word_lift(W: sp.csr_matrix, A: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """``(nnz, k)``: ``log(A[f, k] / prior_k)`` floored at 0 of each stored entry of ``W`` (0 where the prior is 0)."""
    p = np.asarray(prior, dtype=np.float64)
    safe = np.where(p > 0, p, 1.0)[None, :]
    V = A[W.indices] / safe
    return np.where(p[None, :] > 0, np.log(np.maximum(V, 1.0)), 0.0)


def second_word_lift(W: sp.csr_matrix, A: np.ndarray, prior: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(second (n, k), share (nnz, k))`` of texts ``W`` (canonical CSR) on signals ``A``.

    ``second``: per row and signal the second largest per-word lift
    (:func:`word_lift`; tied maxima count twice, a row of one word gives 0): the
    strength that two of the text's words reach. ``share``: the entries that
    back it (lift at least ``second``, when ``second > 0``), each ``1 / count``
    of its row, so per row the shares of a positive ``second`` sum to 1.
    """
    n, k = W.shape[0], A.shape[1]
    V = word_lift(W, A, prior)
    lengths = np.diff(W.indptr)
    rows = np.repeat(np.arange(n), lengths)
    second = np.zeros((n, k))
    share = np.zeros_like(V)
    if not W.nnz:
        return second, share
    nonempty = lengths > 0
    starts = W.indptr[:-1][nonempty]
    second = _top_two(V, W.indptr)[2]
    back = (second[rows] <= V) & (second[rows] > 0)
    count = np.zeros((n, k))
    count[nonempty] = np.add.reduceat(back.astype(np.float64), starts, axis=0)
    share = np.divide(back, count[rows], out=np.zeros_like(V), where=back)
    return second, share


@dataclass
class Logistic:
    """``p = sigmoid(intercept + coef @ x + word_coef @ v)``; ``coef >= 0`` (except ``signed``
    columns); ``word_coef`` (``>= 0``, :mod:`tmlmap.risk.incident_words`) only when the incident
    words were fitted on top (:meth:`with_incident_words`)."""

    coef: np.ndarray
    intercept: float
    n_fit: int = 0
    n_positive: int = 0
    word_coef: np.ndarray | None = None

    def with_incident_words(self, X: np.ndarray, V: sp.spmatrix, y: np.ndarray, **kw) -> Logistic:
        """This model plus incident-word weights fitted on its logit (:func:`~tmlmap.risk.incident_words.fit_on_offset`):
        ``coef`` unchanged, the intercept shifted, ``word_coef`` set."""
        from tmlmap.risk.incident_words import fit_on_offset

        shift, word_coef = fit_on_offset(self.logit(X), V, y, **kw)
        return Logistic(self.coef.copy(), self.intercept + shift, self.n_fit, self.n_positive, word_coef)

    def logit(self, X: np.ndarray, V: sp.spmatrix | None = None) -> np.ndarray:
        """``(n,)`` the logit of inputs ``X`` ``(n, p)`` and, for a model with word weights, ``V``."""
        z = self.intercept + np.asarray(X, dtype=np.float64) @ self.coef
        if self.word_coef is not None:
            if V is None:
                raise ValueError("this model has incident-word weights: give V")
            z = z + np.asarray(V @ self.word_coef).ravel()
        return z

    def __call__(self, X: np.ndarray, V: sp.spmatrix | None = None) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logit(X, V)))

    def to_dict(self) -> dict:
        out = {"coef": [round(float(c), 6) for c in self.coef], "intercept": round(self.intercept, 6),
               "n_fit": self.n_fit, "n_positive": self.n_positive}
        if self.word_coef is not None:
            out["n_word_weights"] = int(np.count_nonzero(self.word_coef))
        return out


def fit_logistic(X: np.ndarray, y: np.ndarray, *, l2: float = L2, signed: Sequence[bool] | None = None) -> Logistic:
    """Logistic regression with non-negative weights (L-BFGS-B), ``X`` ``(n, p)``, ``y`` ``(n,)`` 0/1.

    ``signed`` ``(p,)``: columns whose weight may be negative (default none; the
    cross-validation script compares such candidates). Raises ValueError with
    fewer than 5 examples of either class.
    """
    from scipy.optimize import minimize

    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n_pos = int(y.sum())
    if n_pos < 5 or len(y) - n_pos < 5:
        raise ValueError(f"need at least 5 positive and 5 negative examples, got {n_pos} of {len(y)}")
    n, p = X.shape

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        return penalised_log_loss(theta, theta[0] + X @ theta[1:], y, X, l2)

    base = np.clip(y.mean(), 1e-6, 1 - 1e-6)
    theta0 = np.concatenate([[np.log(base / (1 - base))], np.zeros(p)])
    free = [False] * p if signed is None else list(signed)
    if len(free) != p:
        raise ValueError(f"signed has {len(free)} entries for {p} columns")
    bounds = [(None, None)] + [(None, None) if f else (0.0, None) for f in free]
    res = minimize(loss, theta0, jac=True, method="L-BFGS-B", bounds=bounds)
    return Logistic(np.asarray(res.x[1:]), float(res.x[0]), n, n_pos)


def combine(scores: np.ndarray, prior: np.ndarray, columns: Sequence[str], groups: dict[str, Sequence[str]]
            ) -> np.ndarray:
    """``(n, len(groups))``: per group, the largest lift of its columns (:data:`FEATURES` order of ``groups``)."""
    L = lift(scores, prior)
    idx = {c: j for j, c in enumerate(columns)}
    out = np.zeros((scores.shape[0], len(groups)))
    for g, (_, cols) in enumerate(groups.items()):
        js = [idx[c] for c in cols if c in idx]
        if js:
            out[:, g] = L[:, js].max(axis=1)
    return out


# ---------------------------------------------------------------------------
# The fitted model
# ---------------------------------------------------------------------------

#: A context is listed in a report when its feature (log lift) is at least this:
#: the description leans to it at least 3 times as much as an average paper (display only:
#: the risks use every context's lift).
CONTEXT_MIN_LIFT = float(np.log(3.0))
#: ... and when the text's **second** word leaning most to it does so at least this much (log lift of
#: the second-word reading, paper-only or spelled): two words agree, so one generic definition word
#: ("decide", "score", "detect") does not list a context alone. Display only, like the lift above;
#: chosen on the dev splits (AIAAIC dev and the devset's dev part: 1, 1.5, 2, 3 tried;
#: benchmarks/risk-evaluation-log.md, *Listing rule*).
CONTEXT_MIN_SECOND_LIFT = float(np.log(1.5))
#: A listed Annex III point is named by its area ("Annex III 5") unless one of its evidence words
#: leans to it at least this many times as much as to each other point of the area (display only).
#: The same factor as the listing's lift (3): on the default map the words of an area's heading,
#: which seed all its points, lean 0.2-2.1 times as much to one point as to its siblings, and 87 %
#: of the points' own definition words 7-150 times (the rest are words several points share,
#: "decide", "risk"; ``risk_cv.py --area-listing`` prints both).
POINT_OVER_SIBLINGS = 3.0
#: Longest list of contexts in a report, and evidence words per context.
MAX_CONTEXTS = 6
CONTEXT_WORDS = 5
#: Text that is language: at least one known word, at least this share of its
#: whitespace-separated tokens hold a Latin word, and at least this share of its non-space
#: characters are letters. (The share of *known* words only lowers the confidence: a small
#: corpus does not know every English word.)
MIN_WORD_SHARE = 0.5
MIN_LETTER_SHARE = 0.5
#: Confidence scales (as the previous scorer): distinct known words, coverage counted as full.
CONF_WORDS_SCALE = 6.0
CONF_FULL_COVERAGE = 0.6
LABELS = ("fairness", "privacy")
#: Driving words per text used to rank evidence papers.
MAX_DRIVERS = 10


_LETTER = re.compile(r"[^\W\d_]")
_NON_SPACE = re.compile(r"\S")
_POINT_RE = re.compile(r"^(Annex III (\d+))\([a-z]\)$")


def area_siblings(contexts: Sequence) -> list[list[int]]:
    """For each context, the indices of the other lettered points of its Annex III area (``[]`` for
    an area with one point and for Article 5, GDPR and "decisions about people")."""
    area = [m.group(1) if (m := _POINT_RE.match(c.point)) else None for c in contexts]
    return [[i for i, b in enumerate(area) if a is not None and b == a and i != j] for j, a in enumerate(area)]


def as_area(entry: dict, area: str) -> dict:
    """A listed Annex III point ``entry`` named by its area instead ("Annex III 5", key ``annex3-5``):
    for a listing whose words do not single out the point among its area's points."""
    m = _POINT_RE.match(entry["point"])
    assert m is not None, entry["point"]
    return {**entry, "key": f"annex3-{m.group(2)}", "name": area, "point": m.group(1)}


def listed_contexts(Z: np.ndarray, wf: WordFingerprints, *, min_lift: float = CONTEXT_MIN_LIFT,
                    min_second: float | None = CONTEXT_MIN_SECOND_LIFT) -> np.ndarray:
    """``(n, n_contexts)`` bool: the contexts a report lists for model inputs ``Z`` ``(n, len(views) k)``:
    mean-reading lift at least ``min_lift`` and, unless ``min_second`` is None, the larger of the
    paper-only and the spelled second-word readings above ``min_second``."""
    k, nt = len(wf.columns), wf.n_topics
    names = views(wf)

    def block(view: str) -> np.ndarray:
        v = names.index(view)
        return Z[:, v * k + nt:(v + 1) * k]

    out = block("mean") >= min_lift
    if min_second is not None:
        second = block("second")
        if "spelled second" in names:
            second = np.maximum(second, block("spelled second"))
        out &= second > min_second
    return out


def _letter_share(text: str, removed: int = 0) -> float:
    """Share of the non-space characters that are letters (regex counts, no Python loop per character),
    ``removed`` more non-letters counted (the binary characters cleaning blanked)."""
    n = len(_NON_SPACE.findall(text)) + removed
    return len(_LETTER.findall(text)) / n if n else 0.0


_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def _latin_word_share(text: str) -> float:
    """Share of the whitespace-separated tokens that contain a Latin word of 2+ letters."""
    tokens = text.split()
    return sum(1 for t in tokens if _LATIN_WORD.search(t)) / len(tokens) if tokens else 0.0


@dataclass
class Analysis:
    """Everything :meth:`ContextModel.analyse` computed for a batch of texts (arrays over texts)."""

    model: ContextModel
    W: sp.csr_matrix  # (n, n_forms) tf-idf of known forms
    contrib: np.ndarray  # (nnz, k) per-entry contribution to each signal score
    scores: np.ndarray  # (n, k) signal scores (mean reading)
    X: np.ndarray  # (n, k) lift features of the mean reading (contexts listed from these)
    Z: np.ndarray  # (n, 6k) model inputs (views(): mean | second word | concentrated | the three spelled)
    parts: np.ndarray  # (nnz, 2) each entry's additive part of the fairness/privacy logit (minus intercept)
    risk: np.ndarray  # (n, 2)
    percentile: np.ndarray  # (n, 2)
    n_known: np.ndarray
    n_distinct: np.ndarray
    coverage: np.ndarray
    confidence: np.ndarray
    is_language: np.ndarray
    stream: object
    known_mask: np.ndarray  # (n_positions,) the stream position is a known form
    new_keys: list[str] = field(default_factory=list)  # words no form is (columns n_forms + j of W)
    unseen: tuple[np.ndarray, np.ndarray] | None = None  # their (affinity, sharp) rows from spelling
    V: sp.csr_matrix | None = None  # (n, vocabulary) incident-word inputs (None: model without them)
    word_parts: np.ndarray | None = None  # (nnz, 2) each entry's incident-word part of the logit (>= 0)

    def word(self, f: int) -> str:
        """Display name of column ``f`` of ``W`` (a form, or a word no paper uses)."""
        n0 = self.model.words.n_forms
        return self.model.words.label(f) if f < n0 else self.new_keys[f - n0]

    def affinity_row(self, f: int) -> np.ndarray:
        """``(k,)`` fingerprint of column ``f`` of ``W``."""
        n0 = self.model.words.n_forms
        if f < n0:
            return self.model.words.affinity[f]
        assert self.unseen is not None
        return self.unseen[0][f - n0]

    @property
    def topic(self) -> np.ndarray:
        return self.scores[:, : self.model.words.n_topics]

    def _parts(self) -> np.ndarray:
        """``(nnz, 2)``: each entry's additive part of the fairness/privacy logit (minus intercept)."""
        return self.parts

    def evidence(self) -> np.ndarray:
        """``(n, 2)``: ``sum_j a_j z_j`` (+ the incident-word part) per label, the logit above the
        intercept; the ``contribution`` of ``top_terms`` and ``incident_terms`` are additive parts of it."""
        return np.column_stack([self.model.models[lab].logit(self.Z, self.V) - self.model.models[lab].intercept
                                for lab in LABELS])

    def incident_terms(self, i: int, n: int) -> list[dict]:
        """``[{term, topic, contribution}]``: the largest incident-word parts of text ``i``'s logits
        (each > 0: the weights are non-negative), largest first (:mod:`tmlmap.risk.incident_words`)."""
        if n == 0 or self.word_parts is None:
            return []
        lo, hi = self.W.indptr[i], self.W.indptr[i + 1]
        return self._ranked_terms(lo, self.word_parts[lo:hi], n)

    def _ranked_terms(self, lo: int, P: np.ndarray, n: int) -> list[dict]:
        """``[{term, topic, contribution}]``: the ``n`` largest positive entries of ``P`` (the rows of
        ``W`` from entry ``lo`` on, one column per label), largest first, ties by term and label."""
        items = [(float(P[r, j]), self.word(int(self.W.indices[lo + r])), LABELS[j])
                 for r in range(len(P)) for j in range(2) if P[r, j] > 1e-6]
        items.sort(key=lambda x: (-x[0], x[1], x[2]))
        return [{"term": t, "topic": lab, "contribution": round(v, 5)} for v, t, lab in items[:n]]

    def term_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """``(n_term_hits, n_distinct_terms)`` per text: occurrences and distinct map terms."""
        ex = self.model.term_map.extractor
        tok = self.stream.tokens
        n = self.W.shape[0]
        ok = (tok >= 0) & (tok < len(ex.form_to_term))
        tid = np.full(len(tok), -1, dtype=np.int64)
        tid[ok] = ex.form_to_term[tok[ok]]
        doc = self.stream.doc_index()
        hit = tid >= 0
        n_hits = np.bincount(doc[hit], minlength=n)
        pairs = np.unique(doc[hit] * max(len(ex.term_forms), 1) + tid[hit])
        n_distinct = np.bincount(pairs // max(len(ex.term_forms), 1), minlength=n)
        return n_hits, n_distinct

    def drivers(self) -> sp.csr_matrix:
        """``(n, n_forms)`` L2-normalized weights of the words that drive either risk (their logit parts);
        rows with no driver fall back to the text's tf-idf."""
        if not hasattr(self, "_parts_cache"):
            self._parts_cache = self._parts()
        parts = np.maximum(self._parts_cache, 0.0).sum(axis=1)
        # Keep each text's MAX_DRIVERS strongest driving words: the evidence is about them, and a
        # generic word's thousands of papers would only add noise (and time).
        lengths = np.diff(self.W.indptr)
        rows = np.repeat(np.arange(self.W.shape[0]), lengths)
        order = np.lexsort((-parts, rows))  # by row, strongest first
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order)) - np.repeat(self.W.indptr[:-1], lengths)
        parts = np.where(rank < MAX_DRIVERS, parts, 0.0)
        # Words no paper uses (spelling only) cannot point to papers: the evidence is on the forms.
        n0 = self.model.words.n_forms
        parts = np.where(self.W.indices < n0, parts, 0.0)
        Q = sp.csr_matrix((parts, self.W.indices.copy(), self.W.indptr.copy()), shape=self.W.shape)
        Q.eliminate_zeros()
        Q = Q[:, :n0].tocsr() if Q.shape[1] > n0 else Q
        empty = np.diff(Q.indptr) == 0
        if empty.any():
            Wf = self.W[:, :n0].tocsr() if self.W.shape[1] > n0 else self.W
            Q = sp.vstack([Q[i] if not empty[i] else Wf[i] for i in range(Q.shape[0])]).tocsr()
        norms = np.sqrt(np.asarray(Q.multiply(Q).sum(axis=1)).ravel())
        return (sp.diags(np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)) @ Q).tocsr()

    def top_terms(self, i: int, n: int) -> list[dict]:
        """``[{term, topic, contribution}]``: the words adding most to the fairness/privacy logit of text ``i``."""
        if n == 0:
            return []
        if not hasattr(self, "_parts_cache"):
            self._parts_cache = self._parts()
        lo, hi = self.W.indptr[i], self.W.indptr[i + 1]
        P = self._parts_cache[lo:hi]
        if self.word_parts is not None:  # a word's whole part: map readings and its incident weight
            P = P + self.word_parts[lo:hi]
        return self._ranked_terms(lo, P, n)

    def group_features(self, i: int) -> dict[str, float]:
        """The four summaries of :data:`FEATURES` for text ``i`` (computed for all texts once)."""
        if not hasattr(self, "_groups_cache"):
            self._groups_cache = combine(self.scores, self.model.words.prior, self.model.words.columns,
                                         self.model.groups)
        return dict(zip(FEATURES, self._groups_cache[i].tolist(), strict=True))

    def signal_parts(self) -> np.ndarray:
        """``(n, k, 2)``: each signal's part of the fairness/privacy logit (minus intercept): the sum over
        its readings of weight x input, ``sum_v a[v k + s] Z[:, v k + s]`` (the incident words not included).
        A context can be strong (high lift) and add nothing: the incidents did not weigh it."""
        if not hasattr(self, "_signal_cache"):
            n, k = self.X.shape
            nv = self.Z.shape[1] // k
            Zr = self.Z.reshape(n, nv, k)
            self._signal_cache = np.stack([np.einsum("nvk,vk->nk", Zr, self.model.models[lab].coef.reshape(nv, k))
                                           for lab in LABELS], axis=2)
        return self._signal_cache

    def contexts(self, i: int) -> list[dict]:
        """The contexts text ``i`` touches (:func:`listed_contexts`: lift >= :data:`CONTEXT_MIN_LIFT` and two
        words agreeing), strongest first, at most :data:`MAX_CONTEXTS`, with evidence words and
        ``contribution``: the context's part of each risk's logit (:meth:`signal_parts`). An Annex III
        point none of whose evidence words leans to it :data:`POINT_OVER_SIBLINGS` times as much as to
        each sibling point is named by its area (:func:`as_area`; one entry per area, contributions
        added), and an area listed beside one of its own points is left out. A word of a clause the
        point's definition excepts (:func:`~tmlmap.risk.words.exception_forms`) is no evidence for it."""
        wf = self.model.words
        nt = wf.n_topics
        parts = self.signal_parts()[i]
        lo, hi = self.W.indptr[i], self.W.indptr[i + 1]
        out = []
        if not hasattr(self, "_listed_cache"):  # every text's listing at once, as signal_parts
            self._listed_cache = listed_contexts(self.Z, wf)
        listed = self._listed_cache[i]
        order = [j for j in np.argsort(-self.X[i, nt:], kind="stable").tolist() if listed[j]]
        siblings, excepted = self.model.siblings, self.model.excepted_forms
        for j in order:
            if len(out) == MAX_CONTEXTS:
                break
            lift_ = float(self.X[i, nt + j])
            c = wf.contexts[j]
            col = self.contrib[lo:hi, nt + j]
            best = np.argsort(-col, kind="stable")[:CONTEXT_WORDS]
            # Evidence words: those whose own fingerprint leans to the context as much as the listing
            # asks of the second word (1.5 times the corpus mean), so the agreeing words show.
            floor = np.exp(CONTEXT_MIN_SECOND_LIFT) * wf.prior[nt + j]
            # ... and not a word of a clause the point excepts ("fraud" is no evidence of 5(b),
            # creditworthiness, "(fraud detection excepted)").
            evidence = [(f, row) for f in (int(self.W.indices[lo + b]) for b in best.tolist() if col[b] > 0)
                        if f not in excepted[j] and (row := self.affinity_row(f))[nt + j] >= floor]
            words = [self.word(f) for f, _ in evidence]
            entry = {"key": c.key, "name": c.name, "point": c.point, "risk": c.risk,
                     "score": round(lift_, 3), "words": words,
                     "contribution": {lab: round(float(parts[nt + j, li]), 4) for li, lab in enumerate(LABELS)}}
            sib = [nt + s for s in siblings[j]]
            # The area's heading seeds each of its points ("services", "benefits" for 5(a)-(d)): when no
            # evidence word leans to this point POINT_OVER_SIBLINGS times as much as to each sibling, the
            # words show the area, not the point (a welfare-fraud text is not about creditworthiness).
            if sib and evidence and not any(
                    row[nt + j] / wf.prior[nt + j] > POINT_OVER_SIBLINGS * (row[sib] / wf.prior[sib]).max()
                    for _, row in evidence):
                entry = as_area(entry, c.area)
                same = next((e for e in out if e["key"] == entry["key"]), None)
                if same is not None:  # one entry per area: the strongest point's score, words joined
                    same["words"] = list(dict.fromkeys(same["words"] + words))[:CONTEXT_WORDS]
                    same["contribution"] = {lab: round(same["contribution"][lab] + entry["contribution"][lab], 4)
                                            for lab in LABELS}
                    continue
            out.append(entry)
        # An area named beside one of its own points says less than the point: the point stays.
        named = {m.group(1) for e in out if (m := _POINT_RE.match(e["point"]))}
        return [e for e in out if e["point"] not in named]


def _paper_risks(Wp: sp.csr_matrix, wf: WordFingerprints, models: dict[str, Logistic],
                 incident: IncidentVocabulary | None = None) -> np.ndarray:
    """``(n_docs, 2)`` the sorted fairness and privacy risks of the corpus papers (for percentiles).

    Every paper read six ways takes ~25 s on the v2 corpus, so the result is kept in the map
    cache folder between processes (:func:`tmlmap.maps.artifacts.cached_array`), keyed by
    everything it depends on: the papers' weighted words ``Wp``, the word fingerprints, the
    fitted models, and the source of the modules that compute it.
    """
    from tmlmap import config
    from tmlmap.maps.artifacts import cached_array, content_key
    from tmlmap.risk import fingerprint, incident_words, words

    def compute() -> np.ndarray:
        # In chunks: the (nnz, k) contributions of all papers at once would be large.
        risks = []
        for lo in range(0, Wp.shape[0], 2000):
            chunk = sp.csr_matrix(Wp[lo: lo + 2000], dtype=np.float64)
            chunk.sum_duplicates()
            chunk.sort_indices()
            Zp = readings(chunk, wf)[0]
            Vp = incident.matrix(chunk)[0] if incident is not None else None
            risks.append(np.column_stack([models[lab](Zp, Vp) for lab in LABELS]))
        return np.sort(np.vstack(risks), axis=0) if risks else np.zeros((0, 2))

    spelling = wf.spelling
    parts: list = [Path(m.__file__).read_bytes() for m in (sys.modules[__name__], words, fingerprint, incident_words)]
    parts += [Wp.shape, Wp.indptr, Wp.indices, Wp.data, wf.columns, wf.affinity, wf.prior, wf.idf, wf.known,
              wf.sharp, wf.sharp_prior, wf.spell_affinity, wf.spell_sharp, wf.spell_rare, wf.unseen_idf]
    if spelling is not None:
        parts += [spelling.ngrams, spelling.coef, spelling.mean, spelling.lo, spelling.hi]
    for lab in LABELS:
        parts += [models[lab].coef, models[lab].intercept, models[lab].word_coef]
    if incident is not None:
        parts += [incident.n_forms, incident.keys, incident.keep]
    return cached_array(config.cache_dir() / "risk", "paper-risks", content_key(parts), compute)


@dataclass
class ContextModel:
    """Word fingerprints + one non-negative logistic model per label (fitted on AIAAIC dev).

    ``groups``: the four interpretable summaries of :data:`FEATURES` shown in
    reports; the logistic models use every signal's lift (``k`` = 2 topics +
    the contexts), one non-negative weight each.
    """

    term_map: object
    words: WordFingerprints
    models: dict[str, Logistic]
    groups: dict[str, list[str]]
    corpus_sorted: np.ndarray  # (n_docs, 2) sorted paper risks (for percentiles)
    papers_T: sp.csr_matrix  # (n_forms, n_docs) L2-normalized idf-weighted paper vectors, transposed
    paper_forms: sp.csr_matrix  # (n_docs, n_forms) 0/1
    incident: IncidentVocabulary | None = None  # the incident words' columns (None: a model without them)
    # The dev inputs ``Z`` ``(n_dev, p)`` and labels the models were fitted on: evaluation fits its
    # comparison models on the same inputs without computing the dev features a second time.
    fit_inputs: np.ndarray | None = None
    fit_labels: dict[str, np.ndarray] | None = None

    @classmethod
    def fit(cls, term_map, *, topic_fp=None, labels: str | Path = AIAAIC) -> ContextModel:
        """Fit on ``term_map`` and the dev split of ``labels`` (raises OSError/ValueError if unusable):
        the map/context model, then the incident words on top (:mod:`tmlmap.risk.incident_words`)."""
        from tmlmap.risk.words import compute_word_fingerprints, word_docs_of, word_fingerprints

        wf = word_fingerprints(term_map) if topic_fp is None else compute_word_fingerprints(term_map, topic_fp=topic_fp)
        cache_key = (id(term_map), id(wf), str(labels))
        hit = _MODEL_CACHE.get(cache_key)
        if hit is not None:
            return hit
        groups = {
            "topic_fairness": ["fairness"],
            "topic_privacy": ["privacy"],
            "contexts_fairness": [c.key for c in wf.contexts if c.risk == "fairness"],
            "contexts_privacy": [c.key for c in wf.contexts if c.risk == "privacy"],
        }
        dev = load_aiaaic("dev", labels)
        texts = [clean_input(r["text"])[0] for r in dev]
        Z, W, *rest = features(term_map, wf, texts, full=True)
        y = {lab: np.asarray([int(r[f"{lab}_label"]) for r in dev]) for lab in LABELS}
        new_keys = rest[5]
        incident = IncidentVocabulary.fit(wf.display[: wf.n_forms], W, new_keys)
        V = incident.matrix(W, new_keys)[0]
        models = {lab: fit_logistic(Z, y[lab]).with_incident_words(Z, V, y[lab]) for lab in LABELS}
        D = word_docs_of(term_map)
        Wp = (D @ sp.diags(wf.idf)).tocsr()
        corpus = _paper_risks(Wp, wf, models, incident)
        norms = np.sqrt(np.asarray(Wp.multiply(Wp).sum(axis=1)).ravel())
        papers = (sp.diags(np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)) @ Wp).astype(np.float32)
        paper_forms = (D > 0).astype(np.float32).tocsr()
        paper_forms.sort_indices()
        model = cls(term_map, wf, models, groups, corpus, papers.T.tocsr(), paper_forms, incident, Z, y)
        _MODEL_CACHE[cache_key] = model
        import weakref

        weakref.finalize(term_map, _MODEL_CACHE.pop, cache_key, None)
        return model

    def analyse(self, texts: Sequence[str], *, with_offsets: bool = False,
                removed: Sequence[int] | None = None) -> Analysis:
        """Scores, features, risks and evidence arrays of cleaned ``texts``; ``removed`` ``(n,)``: per
        text, the binary characters cleaning blanked (:func:`~tmlmap.risk.hygiene.binary_characters`
        of the raw text), counted as non-letters by the language check (default: none)."""
        if removed is not None and len(removed) != len(texts):
            raise ValueError(f"removed needs one count per text ({len(texts)}), got {len(removed)}")
        Z, W, S, contrib, stream, known_mask, shares, new_keys, unseen = features(
            self.term_map, self.words, texts, with_offsets=with_offsets, full=True)
        n = len(texts)
        k = len(self.words.columns)
        X = Z[:, :k]
        rows = np.repeat(np.arange(n), np.diff(W.indptr))
        parts = np.zeros((W.nnz, 2))
        for j, lab in enumerate(LABELS):
            za = Z * self.models[lab].coef[None, :]
            for v, share in enumerate(shares):
                parts[:, j] += (share * za[rows, v * k: (v + 1) * k]).sum(axis=1)
        V = word_parts = None
        if self.incident is not None:
            V, col, value = self.incident.matrix(W, new_keys)
            word_parts = np.zeros((W.nnz, 2))
            ok = col >= 0
            for j, lab in enumerate(LABELS):
                wc = self.models[lab].word_coef
                assert wc is not None
                word_parts[ok, j] = value[ok] * wc[col[ok]]
        risk = np.column_stack([self.models[lab](Z, V) for lab in LABELS]) if n else np.zeros((0, 2))
        n_docs = max(self.corpus_sorted.shape[0], 1)
        pct = np.column_stack([100.0 * np.searchsorted(self.corpus_sorted[:, j], risk[:, j], side="right") / n_docs
                               for j in range(2)]) if n else np.zeros((0, 2))
        doc = stream.doc_index()
        words = stream.tokens != -1
        n_word = np.bincount(doc[words], minlength=n)
        n_known = np.bincount(doc[known_mask], minlength=n)
        in_corpus = W.indices < self.words.n_forms
        in_corpus[in_corpus] = self.words.known[W.indices[in_corpus]]
        n_distinct = np.bincount(rows[in_corpus], minlength=n)  # distinct words the corpus uses
        coverage = np.divide(n_known, n_word, out=np.zeros(n), where=n_word > 0)
        conf = (1 - np.exp(-n_distinct / CONF_WORDS_SCALE)) * np.minimum(1.0, coverage / CONF_FULL_COVERAGE)
        letters = np.asarray([_letter_share(t, 0 if removed is None else int(removed[i]))
                              for i, t in enumerate(texts)])
        latin = np.asarray([_latin_word_share(t) for t in texts])
        is_lang = (n_known >= 1) & (latin >= MIN_WORD_SHARE) & (letters >= MIN_LETTER_SHARE)
        conf = np.where(is_lang, conf, 0.0)
        return Analysis(self, W, contrib, S, X, Z, parts, risk, pct, n_known, n_distinct, coverage, conf, is_lang, stream,
                        known_mask, new_keys, unseen, V, word_parts)

    @functools.cached_property
    def siblings(self) -> list[list[int]]:
        """Per context, the other points of its Annex III area (:func:`area_siblings`), once per model."""
        return area_siblings(self.words.contexts)

    @functools.cached_property
    def excepted_forms(self) -> list[set[int]]:
        """Per context, the forms of the clauses its definition excepts
        (:func:`~tmlmap.risk.words.exception_forms`): about 7 ms of tokenizing, once per model."""
        from tmlmap.risk.words import exception_forms

        return exception_forms(self.term_map, self.words.contexts)

    @functools.cached_property
    def forms_papers(self) -> sp.csr_matrix:
        """``(n_forms, n_docs)`` 0/1: which papers use each word (:mod:`tmlmap.risk.evidence`)."""
        return self.paper_forms.T.tocsr()

    @functools.cached_property
    def paper_profiles(self) -> np.ndarray:
        """``(n_docs, k)`` float32: how much each paper is about each signal (2 topics + the
        contexts), as its percentile among the corpus papers (1.0 = the paper most about it) of
        its profile, the idf-weighted mean of its words' fingerprints; the evidence tie-break
        (:func:`tmlmap.risk.evidence.coverage_ranking`)."""
        n0 = self.words.n_forms
        Wp = (self.paper_forms[:, :n0].astype(np.float64) @ sp.diags(self.words.idf[:n0])).tocsr()
        mass = np.maximum(np.asarray(Wp.sum(axis=1)), 1e-12)
        profile = np.asarray(Wp @ self.words.affinity[:n0]) / mass
        ranks = np.argsort(np.argsort(profile, axis=0, kind="stable"), axis=0, kind="stable")
        return ((ranks + 1) / max(len(profile), 1)).astype(np.float32)

    def shared_words(self, paper: int, q_idx: np.ndarray, q_w: np.ndarray, n: int = 5) -> list[str]:
        """The query's driving words that paper ``paper`` uses, strongest first (at most ``n``)."""
        lo, hi = self.paper_forms.indptr[paper], self.paper_forms.indptr[paper + 1]
        have = self.paper_forms.indices[lo:hi]  # sorted (canonical CSR)
        pos = np.minimum(np.searchsorted(have, q_idx), max(len(have) - 1, 0))
        mask = (have[pos] == q_idx) if len(have) else np.zeros(len(q_idx), dtype=bool)
        idx, w = q_idx[mask], q_w[mask]
        order = np.argsort(-w, kind="stable")[:n]
        return [self.words.label(int(f)) for f in idx[order].tolist()]

    def input_names(self) -> list[str]:
        """Names of the model inputs ``Z``: ``"<view>:<signal>"`` (:data:`VIEWS`)."""
        return [f"{v}:{c}" for v in views(self.words) for c in self.words.columns]

    def incident_word_name(self, col: int) -> str:
        """Display name of column ``col`` of the incident-word inputs."""
        assert self.incident is not None
        return self.words.label(col) if col < self.incident.n_forms else self.incident.name(col)

    def describe(self, n_words: int = 10) -> dict:
        """The fitted parameters: per label, intercept, the (positive) weight of every input and, with
        incident words, how many have a weight and the ``n_words`` strongest (none is negative)."""
        out = {}
        for lab, m in self.models.items():
            d = {"intercept": round(m.intercept, 4),
                 "weights": {c: round(float(a), 4) for c, a in zip(self.input_names(), m.coef, strict=True) if a > 0},
                 "n_fit": m.n_fit, "n_positive": m.n_positive}
            if m.word_coef is not None:
                order = np.argsort(-m.word_coef, kind="stable")
                nz = np.flatnonzero(m.word_coef)
                d["n_word_weights"] = int(len(nz))
                d["raising_words"] = {self.incident_word_name(int(c)): round(float(m.word_coef[c]), 4)
                                      for c in order[:n_words] if m.word_coef[c] > 0}
            out[lab] = d
        return out


_MODEL_CACHE: dict[tuple, ContextModel] = {}


def _scores(W: sp.csr_matrix, wf: WordFingerprints, A: np.ndarray | None = None
            ) -> tuple[np.ndarray, np.ndarray]:
    """Signal scores on ``A`` (default ``wf.affinity``): topics with their top word capped (ambiguous
    words), contexts as plain means."""
    A = wf.affinity if A is None else A
    nt = wf.n_topics
    S_t, c_t = signal_scores(W, A[:, :nt], cap_top=True)
    S_c, c_c = signal_scores(W, A[:, nt:], cap_top=False)
    return np.hstack([S_t, S_c]), np.hstack([c_t, c_c])


def _shares(contrib: np.ndarray, S: np.ndarray, W: sp.csr_matrix) -> np.ndarray:
    rows = np.repeat(np.arange(W.shape[0]), np.diff(W.indptr))
    return np.divide(contrib, S[rows], out=np.zeros_like(contrib), where=S[rows] > 0)


def _local(W: sp.csr_matrix, wf: WordFingerprints, A_all: np.ndarray, sharp_all: np.ndarray,
           extra: tuple[np.ndarray, np.ndarray] | None) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """``(W_local, A, sharp)``: ``W`` on its used columns only (same entry order) and their rows of
    ``A_all``, ``sharp_all``; columns from ``wf.n_forms`` on are the rows of ``extra`` (unseen words)."""
    cols, inv = np.unique(W.indices, return_inverse=True)
    Wl = sp.csr_matrix((W.data, inv.reshape(-1), W.indptr), shape=(W.shape[0], len(cols)))
    n0 = wf.n_forms
    old, new = cols[cols < n0], cols[cols >= n0] - n0
    if len(new) and extra is None:
        raise ValueError("columns beyond the forms need their fingerprint rows (extra)")
    A, sharp = A_all[old], sharp_all[old]
    if len(new):
        assert extra is not None
        A, sharp = np.vstack([A, extra[0][new]]), np.vstack([sharp, extra[1][new]])
    return Wl, A, sharp


def _three(W: sp.csr_matrix, wf: WordFingerprints, A_all: np.ndarray, sharp_all: np.ndarray,
           extra: tuple[np.ndarray, np.ndarray] | None):
    """The three readings of ``W`` (canonical CSR) on fingerprints ``A_all``, ``sharp_all``:
    ``(Z (n, 3k), S, contrib, shares)`` (see :func:`readings`)."""
    assert wf.sharp_prior is not None
    Wl, A, sharp = _local(W, wf, A_all, sharp_all, extra)
    S, contrib = _scores(Wl, wf, A)
    second, share2 = second_word_lift(Wl, A, wf.prior)
    S_sh, c_sh = signal_scores(Wl, sharp, cap_top=True)  # every signal capped: one word's papers decide nothing
    Z = np.minimum(np.hstack([lift(S, wf.prior), second, lift(S_sh, wf.sharp_prior)]), MAX_LIFT)
    return Z, S, contrib, [_shares(contrib, S, Wl), share2, _shares(c_sh, S_sh, Wl)]


def views(wf: WordFingerprints) -> tuple[str, ...]:
    """Names of the readings in the column blocks of the model inputs: :data:`VIEWS`, then, with a
    spelling map, :data:`SPELLED_VIEWS`."""
    return VIEWS + (SPELLED_VIEWS if wf.spell_affinity is not None else ())


def readings(W: sp.csr_matrix, wf: WordFingerprints, *, full: bool = False,
             extra: tuple[np.ndarray, np.ndarray] | None = None):
    """``Z`` ``(n, 3k)`` (``(n, 6k)`` with a spelling map): the readings of texts ``W`` (tf-idf,
    canonical CSR) per signal (module docstring; :func:`views` order). With ``full`` also ``(S,
    contrib, shares)``: the (paper-only) mean reading's scores and per-entry contributions, and per
    view the ``(nnz, k)`` share of each entry in that view's feature (rows sum to 1 where the
    feature is positive). ``extra``: ``(affinity, sharp)`` rows of the columns from ``wf.n_forms``
    on (words no paper uses, :func:`features`).

    With a spelling map the first three readings use only the words with papers (``wf.known``) and
    the paper-only fingerprints, exactly as without one; the three spelled readings use the columns
    of ``W`` that ``wf.spell_rare`` marks and every unseen word, with ``wf.spell_affinity``,
    ``wf.spell_sharp``, ``extra``.
    """
    if wf.sharp is None or wf.sharp_prior is None:
        raise ValueError("word fingerprints without concentrated fingerprints (compute_word_fingerprints makes them)")
    W = sp.csr_matrix(W, dtype=np.float64)
    W.sum_duplicates()
    W.sort_indices()
    if wf.spell_affinity is None or wf.spell_sharp is None:
        Z, S, contrib, shares = _three(W, wf, wf.affinity, wf.sharp, extra)
        return (Z, None) if not full else (Z, (S, contrib, shares))
    rows = np.repeat(np.arange(W.shape[0]), np.diff(W.indptr))

    def entries(mask: np.ndarray) -> sp.csr_matrix:
        """``W`` with only its entries under ``mask`` (same order, same shape)."""
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows[mask], minlength=W.shape[0]))])
        return sp.csr_matrix((W.data[mask], W.indices[mask], indptr), shape=W.shape)

    keep = W.indices < wf.n_forms
    keep[keep] = wf.known[W.indices[keep]]
    Z0, S, c0, sh0 = _three(entries(keep), wf, wf.affinity, wf.sharp, None)
    rare = W.indices >= wf.n_forms
    if wf.spell_rare is not None:
        rare[~rare] = wf.spell_rare[W.indices[~rare]]
    Z1, _, _, sh1 = _three(entries(rare), wf, wf.spell_affinity, wf.spell_sharp, extra)
    Z = np.hstack([Z0, Z1])
    if not full:
        return Z, None

    def spread(V: np.ndarray, mask: np.ndarray) -> np.ndarray:
        out = np.zeros((W.nnz, V.shape[1]))
        out[mask] = V
        return out

    return Z, (S, spread(c0, keep), [spread(v, keep) for v in sh0] + [spread(v, rare) for v in sh1])


def features(term_map, wf: WordFingerprints, texts: Sequence[str], *, with_offsets: bool = False,
             full: bool = False):
    """``(n, 3k)`` model inputs ``Z`` of ``texts`` (``(n, 6k)`` with a spelling map; already cleaned;
    :func:`readings`) and their tf-idf ``W`` (with a spelling map, the words no form is are its
    columns from ``wf.n_forms`` on); with ``full``: ``(Z, W, scores, contrib, stream, known_mask,
    shares, new_keys, unseen)``, ``new_keys`` those words and ``unseen`` their ``(affinity, sharp)``
    rows from spelling (None without a spelling map)."""
    from tmlmap.risk.words import form_counts, spelled_counts
    from tmlmap.text.weighting import tfidf

    rows = None
    new_keys: list[str] = []
    if wf.spelling is not None:
        C, stream, new_keys = spelled_counts(term_map, texts, wf, with_offsets=with_offsets)
        idf = np.concatenate([wf.idf, np.full(len(new_keys), wf.unseen_idf)])
        rows = wf.unseen_rows(new_keys)
    else:
        C, stream = form_counts(term_map, texts, wf.known, with_offsets=with_offsets)
        idf = wf.idf
    W = sp.csr_matrix(tfidf(C, idf), dtype=np.float64)
    W.sum_duplicates()
    W.sort_indices()
    Z, extra = readings(W, wf, full=full, extra=rows)
    if not full:
        return Z, W
    S, contrib, shares = extra
    tok = stream.tokens
    known_mask = (tok >= 0) & (tok < len(wf.known))
    known_mask[known_mask] = wf.known[tok[known_mask]]
    return Z, W, S, contrib, stream, known_mask, shares, new_keys, rows
