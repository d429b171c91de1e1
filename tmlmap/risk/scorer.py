"""Fairness- and privacy-risk scores of free-text project descriptions.

The default, ``method="contexts"`` (:mod:`tmlmap.risk.model`): every word of the
text (map terms and every other corpus word, :mod:`tmlmap.risk.words`) is read
against the two topics and the use contexts of the EU AI Act / GDPR
(:mod:`tmlmap.risk.contexts`); a non-negative logistic model fitted on the
AIAAIC dev split, with the incident words on top (:mod:`tmlmap.risk.incident_words`),
turns them into ``fairness_risk`` / ``privacy_risk`` (``None`` for text that is not
language); ``contexts`` lists the contexts the text touches, each with its ``contribution``
(its part of each risk's logit, which can be 0), ``incident_terms`` the
words the incidents marked; ``nearest_papers`` are the papers using most of the risk-driving
words (:mod:`tmlmap.risk.evidence`; ties by what each paper is about) and
carry ``shared_terms``. A text with fewer than :data:`SHORT_TEXT_WORDS` distinct
known words is scored with a warning (short texts score low and rank less well).
Input hygiene (:func:`clean_input`) and the report fields are shared by all methods.

The previous methods (``"bipartite"``, ``"diffusion"``, ``"reference"``,
``"keyword"``), kept for comparison, score as follows:

1. **Text hygiene.** Input is untrusted: non-``str`` input is rejected with a
   clear error, control characters and NULs are removed, markup/URLs/maths
   are blanked by the normalizer, and texts longer than
   :data:`MAX_CHARS` characters are truncated (a warning says so).
2. **Terms.** The map's own extractor turns the text into map terms (same
   lemmatization and phrases as the corpus).
3. **Raw score** per topic (``fairness``, ``privacy``): the tf-idf weighted
   mean of the terms' fingerprints ``p(topic | term)``
   (:mod:`tmlmap.risk.fingerprint`), i.e. the share of the description's weighted
   vocabulary that the map attributes to the topic. Default fingerprints:
   ``"bipartite"``, a random walk with restart from the topic's seeds on
   the map graph, then one term -> paper -> term step over the corpus (a
   term takes the mean topic profile of the papers it appears in, shrunk
   toward the corpus mean). Context words count through the graph and the
   papers: "recidivism", "loan" or "applicants" sit next to the fairness
   seeds and appear in fairness papers, so a description about them scores
   high without ever saying "fairness". ``method="diffusion"`` (the walk
   alone), ``"reference"`` and ``"keyword"`` are kept as baselines.
4. **Calibration** to [0, 1], monotone (it never changes a ranking, only
   its scale): ``risk = sigmoid(a * logit(raw) + b)`` fitted by logistic
   regression (Platt scaling) with one of two label sources:

   * ``calibration="devset"`` (default): the *dev* split of the hand-labelled
     project descriptions in ``data/risk_devset.jsonl`` (about 90 texts; the
     test split is never used). ``fairness_risk`` then reads as "the share
     of descriptions with this score that a reviewer labelled as carrying a
     fairness risk", in a set where about half do.
   * ``calibration="corpus"``: the corpus papers with a *silver label*, "the
     paper uses at least :data:`SILVER_MIN_SEEDS` distinct lexicon seed words
     of the topic". This answers "how likely is a research paper with this
     score to be about the topic", a rarer event (about 1 % of papers), so it
     gives much lower values for project descriptions. Used as a fallback
     when the dev set is missing or has fewer than 5 texts per class.

   ``*_percentile`` is the share (0-100) of corpus papers whose raw score is
   at most the description's.
5. **Confidence** in [0, 1]: ``(1 - exp(-n_terms / 6)) * min(1, coverage /
   0.5)`` where ``n_terms`` is the number of distinct map terms found and
   ``coverage`` the share of the text's content words (not stop words) that
   are map terms. Few recognised terms (short, off-topic or non-English text)
   give a low confidence and a warning.
6. **Evidence.** ``top_terms``: the (term, topic) pairs contributing most to
   the raw fairness/privacy scores, each pair at most once; ``contribution``
   is the term's additive part of that raw score (``w_t p(topic | t) /
   sum(w)``; the parts of one topic sum to its raw score). ``spans`` give
   each term the dominant topic of its *diffusion* fingerprint (where the
   term sits on the map). ``nearest_papers``:
   cosine similarity of L2-normalized tf-idf vectors over map terms.
   ``unmatched_words``: the text's content words (stop words left out) that
   are not map terms, lower-cased, in order, at most :data:`MAX_UNMATCHED`:
   words the corpus never uses, or uses in too few (``min_df``) or too many
   papers to be a term. (This describes the previous scorers; the default
   lists the words no paper uses, or one, which count only through their
   spelling and the incident words and point to no evidence paper.)

:meth:`RiskReport.to_dict` gives exactly the seven contract fields;
:meth:`RiskReport.to_full_dict` adds ``warnings``, ``spans`` (character
offsets of map terms with their dominant topic), the raw scores and
``unmatched_words`` (filled when scored ``with_spans``).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from tmlmap.config import EMBEDDED_DATA_DIR
from tmlmap.lexicons import TOPICS
from tmlmap.risk.evidence import coverage_ranking
from tmlmap.risk.fingerprint import BACKGROUND, Fingerprints, compute_fingerprints, fingerprints
from tmlmap.risk.hygiene import MAX_CHARS, binary_characters, clean_input, decode_markup  # noqa: F401 - the scorer's public names too
from tmlmap.risk.model import AIAAIC, Analysis, ContextModel
from tmlmap.risk.relevance import TopicScorer, keyword_affinity
from tmlmap.text.extractor import counts_matrix
from tmlmap.text.normalize import UNKNOWN, TokenStream
from tmlmap.text.weighting import smooth_idf, tfidf

if TYPE_CHECKING:  # pragma: no cover
    from tmlmap.corpus.store import CorpusStore
    from tmlmap.maps.termmap import TermMap

#: The contract fields of :meth:`RiskReport.to_dict`, in order.
CONTRACT_FIELDS = (
    "fairness_risk",
    "privacy_risk",
    "fairness_percentile",
    "privacy_percentile",
    "confidence",
    "top_terms",
    "nearest_papers",
)
RISK_TOPICS = ("fairness", "privacy")
#: Scoring methods: ``contexts`` (default, :mod:`tmlmap.risk.model`) and the previous topic-only ones.
METHODS = ("contexts", "bipartite", "diffusion", "reference", "keyword")
#: The hand-labelled project descriptions (dev split used for calibration).
DEVSET = EMBEDDED_DATA_DIR / "risk_devset.jsonl"
CALIBRATIONS = ("devset", "corpus")
#: Silver label for calibration: distinct lexicon seeds a paper must use.
SILVER_MIN_SEEDS = 2
#: Longest list of ``unmatched_words`` in a report.
MAX_UNMATCHED = 25
#: Below this confidence a report carries a "low confidence" warning.
LOW_CONFIDENCE = 0.3
#: A description with fewer distinct known words than this gets a "few distinct words" warning:
#: 95 % of the AIAAIC dev entries the risks are fitted on have at least 10 (median 15; the
#: hand-written devset's median is 9), and cut to their headline (median 6) held-out entries
#: rank at 0.766 / 0.738 AUC instead of 0.860 / 0.873 (benchmarks/risk-evaluation-log.md, *Short texts*).
SHORT_TEXT_WORDS = 10
#: How that warning starts (batch output sums these up instead of repeating them per row).
SHORT_TEXT_WARNING = "few distinct words"
#: Confidence scales: hits for ~63% of full weight, coverage counted as full.
CONF_HITS_SCALE = 6.0
CONF_FULL_COVERAGE = 0.5

_LATIN_WORD_RE = re.compile(r"[A-Za-z]{2,}")
_ANY_WORD_RE = re.compile(r"[^\W\d_]{2,}")


@dataclass
class RiskReport:
    """The risk assessment of one description (see the module docstring)."""

    fairness_risk: float | None
    privacy_risk: float | None
    fairness_percentile: float | None
    privacy_percentile: float | None
    confidence: float
    top_terms: list[dict[str, Any]] = field(default_factory=list)
    nearest_papers: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    spans: list[dict[str, Any]] = field(default_factory=list)
    raw: dict[str, float] = field(default_factory=dict)
    unmatched_words: list[str] = field(default_factory=list)
    contexts: list[dict[str, Any]] = field(default_factory=list)
    incident_terms: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Exactly the JSON contract fields (:data:`CONTRACT_FIELDS`)."""
        return {
            "fairness_risk": self.fairness_risk,
            "privacy_risk": self.privacy_risk,
            "fairness_percentile": self.fairness_percentile,
            "privacy_percentile": self.privacy_percentile,
            "confidence": self.confidence,
            "top_terms": [dict(t) for t in self.top_terms],
            "nearest_papers": [dict(p) for p in self.nearest_papers],
        }

    def to_full_dict(self) -> dict[str, Any]:
        """The contract fields plus ``contexts``, ``incident_terms``, ``warnings``, ``spans``, ``raw``
        scores and ``unmatched_words``."""
        d = self.to_dict()
        d["contexts"] = copy.deepcopy(self.contexts)  # a context holds a list and a dict of its own
        d["incident_terms"] = [dict(t) for t in self.incident_terms]
        d["warnings"] = list(self.warnings)
        d["spans"] = [dict(s) for s in self.spans]
        d["raw"] = dict(self.raw)
        d["unmatched_words"] = list(self.unmatched_words)
        return d


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


@dataclass
class Calibration:
    """Monotone map raw score -> [0, 1]: ``sigmoid(a * logit(raw) + b)``.

    ``base_rate``/``n_positive``: of the labels it was fitted on; ``source``:
    ``"devset"``, ``"corpus"`` or ``"identity"`` (too few labels to fit).
    """

    a: float
    b: float
    base_rate: float
    n_positive: int
    source: str = ""

    def __call__(self, raw: np.ndarray) -> np.ndarray:
        z = self.a * _logit(raw) + self.b
        return 1.0 / (1.0 + np.exp(-z))


def fit_calibration(raw: np.ndarray, silver: np.ndarray, source: str = "") -> Calibration:
    """Fit :class:`Calibration` on raw scores ``(n,)`` and binary labels ``(n,)``.

    With fewer than 5 positives or negatives, returns the identity map
    ``a=1, b=0`` (raw score as is) with ``source="identity"``.
    """
    silver = np.asarray(silver, dtype=bool)
    n_pos = int(silver.sum())
    if n_pos < 5 or len(silver) - n_pos < 5:
        return Calibration(1.0, 0.0, float(silver.mean()) if len(silver) else 0.0, n_pos, "identity")
    from sklearn.linear_model import LogisticRegression

    x = _logit(raw)[:, None]
    lr = LogisticRegression(C=1e4, max_iter=1000).fit(x, silver)
    a = float(lr.coef_[0, 0])
    if a <= 0:  # a non-monotone calibration would invert the ranking
        return Calibration(1.0, 0.0, float(silver.mean()), n_pos, "identity")
    return Calibration(a, float(lr.intercept_[0]), float(silver.mean()), n_pos, source)


def load_dev_labels(path: str | Path = DEVSET) -> tuple[list[str], dict[str, np.ndarray]] | None:
    """Texts and labels of the dev split of ``path``, or None if unreadable."""
    try:
        with open(path, encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
        rows = [r for r in rows if r.get("split") == "dev" and isinstance(r.get("text"), str)]
        return [r["text"] for r in rows], {t: np.asarray([bool(r.get(t)) for r in rows]) for t in RISK_TOPICS}
    except (OSError, ValueError, AttributeError):
        return None


def silver_labels(term_map: TermMap, topic: str, min_seeds: int = SILVER_MIN_SEEDS) -> np.ndarray:
    """``(n_docs,)`` bool: the paper uses at least ``min_seeds`` distinct lexicon seeds of ``topic``."""
    K = keyword_affinity(term_map, [topic])[:, 0]
    B = (term_map.X > 0).astype(np.float64)
    return np.asarray(B @ K).ravel() >= min_seeds


class RiskScorer:
    """Scores project descriptions for fairness and privacy risk against a map.

    ``term_map``: a built :class:`~tmlmap.maps.termmap.TermMap`. ``store``:
    optional corpus store for paper titles/URLs in ``nearest_papers``.
    ``method``: ``"contexts"`` (default: topics + use contexts, logistic model
    fitted on the dev split of ``labels``, AIAAIC), or the previous
    ``"bipartite"``, ``"diffusion"``, ``"reference"``, ``"keyword"`` (for
    evaluation); ``fp`` must then be fingerprints of the same method
    (``"bipartite"`` for ``"contexts"``). ``seeds``: extra seed terms per topic
    (``{"fairness": ["welfare"]}``, added to the defaults, terms not in the
    map ignored); the fingerprints are then computed for them (not with ``fp``). ``n_top_terms``/``n_nearest``: evidence list
    lengths. Fitting (fingerprints, corpus scores, calibration) takes a few
    seconds once per map; scoring is vectorized.
    """

    def __init__(
        self,
        term_map: TermMap,
        store: CorpusStore | None = None,
        *,
        method: str = "contexts",
        n_top_terms: int = 10,
        n_nearest: int = 5,
        fp: Fingerprints | None = None,
        seeds: Mapping[str, Sequence[str]] | None = None,
        calibration: str = "devset",
        devset: str | Path = DEVSET,
        labels: str | Path = AIAAIC,
    ) -> None:
        if n_top_terms < 0 or n_nearest < 0:
            raise ValueError("n_top_terms and n_nearest must be >= 0")
        if calibration not in CALIBRATIONS:
            raise ValueError(f"calibration must be one of {CALIBRATIONS}")
        self.term_map = term_map
        self.store = store
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {method!r}")
        self.method = method
        self.n_top_terms = n_top_terms
        self.n_nearest = n_nearest
        topic_method = "bipartite" if method == "contexts" else method
        if seeds:
            if fp is not None:
                raise ValueError("give either fp or seeds, not both")
            fp = compute_fingerprints(term_map, "diffusion" if topic_method == "keyword" else topic_method,
                                      seeds=seeds, communities=False)
        self.scorer = TopicScorer(term_map, topic_method, RISK_TOPICS, fp=fp)
        self.idf = smooth_idf(term_map.doc_freq, term_map.n_docs)
        diff = fingerprints(term_map, "diffusion")
        self._dominant = np.asarray(diff.dominant_topic(), dtype=object)
        self._corpus_tfidf_T = tfidf(term_map.X, self.idf, normalize=True).T.tocsr()
        corpus_raw = self.scorer.score(term_map.X)
        self._corpus_sorted = np.sort(corpus_raw, axis=0)
        self.calibration = self._fit_calibration(calibration, corpus_raw, devset)
        self._paper_cache: dict[str, dict[str, Any]] = {}
        self.context_model: ContextModel | None = None
        if method == "contexts":
            self.context_model = ContextModel.fit(term_map, topic_fp=fp if seeds else None, labels=labels)

    def _fit_calibration(self, how: str, corpus_raw: np.ndarray, devset: str | Path) -> dict[str, Calibration]:
        out: dict[str, Calibration] = {}
        dev = load_dev_labels(devset) if how == "devset" else None
        dev_raw = self.raw_scores(dev[0]) if dev and dev[0] else None
        for j, t in enumerate(RISK_TOPICS):
            cal = None
            if dev is not None and dev_raw is not None:
                cal = fit_calibration(dev_raw[:, j], dev[1][t], "devset")
            if cal is None or cal.source == "identity":
                cal = fit_calibration(corpus_raw[:, j], silver_labels(self.term_map, t), "corpus")
            out[t] = cal
        return out

    # -- scoring -------------------------------------------------------------
    def score(self, text: str) -> RiskReport:
        """Score one description (see :meth:`score_many`)."""
        return self.score_many([text])[0]

    def score_many(self, texts: Sequence[str], *, with_spans: bool = True) -> list[RiskReport]:
        """Score descriptions; returns one :class:`RiskReport` per text, in order.

        Never raises for odd text (empty, markup, binary junk, huge): such
        input yields a zero-confidence report with warnings. Raises TypeError
        if an item is not a ``str``.
        """
        texts = list(texts)
        cleaned: list[str] = []
        warns: list[list[str]] = []
        removed: list[int] = []
        for t in texts:
            c, w = clean_input(t)
            cleaned.append(c)
            warns.append(w)
            removed.append(binary_characters(t[:MAX_CHARS]))
        if not texts:
            return []
        if self.context_model is not None:
            return self._score_contexts(cleaned, warns, with_spans, removed)
        ex = self.term_map.extractor
        forms = ex.form_stream(cleaned, with_offsets=with_spans)
        known = forms.tokens >= 0
        term_tokens = np.full(len(forms.tokens), -1, dtype=np.int64)
        term_tokens[known] = ex.form_to_term[forms.tokens[known]]
        doc = forms.doc_index()
        n_content = np.bincount(doc[forms.tokens != -1], minlength=len(texts))  # known + unknown words
        n_unknown = np.bincount(doc[forms.tokens == UNKNOWN], minlength=len(texts))  # never seen in the corpus
        n_hits = np.bincount(doc[term_tokens >= 0], minlength=len(texts))
        hit_pairs = np.unique(doc[term_tokens >= 0] * self.term_map.n_terms + term_tokens[term_tokens >= 0])
        n_distinct = np.bincount(hit_pairs // max(self.term_map.n_terms, 1), minlength=len(texts))
        counts = counts_matrix(TokenStream(term_tokens, forms.indptr), self.term_map.n_terms)
        raw = self.scorer.score(counts)  # (n, 2)
        risk = np.column_stack([self.calibration[t](raw[:, j]) for j, t in enumerate(RISK_TOPICS)])
        pct = np.column_stack(
            [
                100.0 * np.searchsorted(self._corpus_sorted[:, j], raw[:, j], side="right") / max(self.term_map.n_docs, 1)
                for j in range(len(RISK_TOPICS))
            ]
        )
        coverage = np.divide(n_hits, n_content, out=np.zeros(len(texts)), where=n_content > 0)
        conf = (1 - np.exp(-n_distinct / CONF_HITS_SCALE)) * np.minimum(1.0, coverage / CONF_FULL_COVERAGE)
        empty = n_hits == 0
        risk[empty] = 0.0
        pct[empty] = 0.0
        nearest = self._nearest(counts)
        contrib = self._contributions(counts)
        reports = []
        for i in range(len(texts)):
            w = list(warns[i])
            if not cleaned[i].strip():
                w.append("empty text: nothing to score")
            elif n_hits[i] == 0:
                if not _LATIN_WORD_RE.search(cleaned[i]) and _ANY_WORD_RE.search(cleaned[i]):
                    w.append("no map terms found: the text does not look like English")
                else:
                    w.append("no map terms found in the text: scores are 0 and meaningless")
            elif conf[i] < LOW_CONFIDENCE:
                w.append(
                    f"low confidence: only {int(n_distinct[i])} distinct map terms "
                    f"({coverage[i]:.0%} of content words); the scores may not be meaningful"
                )
            if n_content[i] >= 4 and n_unknown[i] > 0.5 * n_content[i]:
                w.append("most words are unknown to the map: is the text in English?")
            spans: list[dict[str, Any]] = []
            unmatched: list[str] = []
            if with_spans:
                lo, hi = forms.indptr[i], forms.indptr[i + 1]
                hit = lo + np.flatnonzero(term_tokens[lo:hi] >= 0)
                assert forms.starts is not None and forms.ends is not None
                missed = lo + np.flatnonzero((forms.tokens[lo:hi] != -1) & (term_tokens[lo:hi] < 0))
                for p in missed.tolist():
                    word = cleaned[i][int(forms.starts[p]) : int(forms.ends[p])].lower()
                    if word not in unmatched:
                        unmatched.append(word)
                        if len(unmatched) == MAX_UNMATCHED:
                            break
                for p in hit.tolist():
                    tid = int(term_tokens[p])
                    topic = self._dominant[tid]
                    spans.append(
                        {
                            "start": int(forms.starts[p]),
                            "end": int(forms.ends[p]),
                            "term": self.term_map.terms[tid],
                            "topic": None if topic == BACKGROUND else topic,
                        }
                    )
            reports.append(
                RiskReport(
                    fairness_risk=round(float(risk[i, 0]), 4),
                    privacy_risk=round(float(risk[i, 1]), 4),
                    fairness_percentile=round(float(pct[i, 0]), 2),
                    privacy_percentile=round(float(pct[i, 1]), 2),
                    confidence=round(float(conf[i]), 4),
                    top_terms=contrib[i],
                    nearest_papers=nearest[i],
                    warnings=w,
                    spans=spans,
                    unmatched_words=unmatched,
                    raw={t: float(raw[i, j]) for j, t in enumerate(RISK_TOPICS)}
                    | {"n_term_hits": int(n_hits[i]), "n_distinct_terms": int(n_distinct[i]),
                       "coverage": float(coverage[i])},
                )
            )
        return reports

    def _score_contexts(self, cleaned: list[str], warns: list[list[str]], with_spans: bool,
                        removed: list[int]) -> list[RiskReport]:
        """The default path (``method="contexts"``): see :mod:`tmlmap.risk.model`."""
        cm = self.context_model
        assert cm is not None
        res = cm.analyse(cleaned, with_offsets=with_spans, removed=removed)
        n = len(cleaned)
        nearest = self._nearest_on_drivers(res) if self.n_nearest else [[] for _ in range(n)]
        evidence = res.evidence()  # raw[topic]: the logit above the intercept; top_terms are parts of it
        term_hits, term_distinct = res.term_counts()
        reports = []
        for i in range(n):
            w = list(warns[i])
            ok = bool(res.is_language[i])
            if not cleaned[i].strip():
                w.append("empty text: nothing to score")
            elif not ok:
                w.append("the text does not look like English prose (too few known words, Latin words or letters): "
                         "no score")
            elif res.confidence[i] < LOW_CONFIDENCE:
                w.append(f"low confidence: only {int(res.n_distinct[i])} distinct known words "
                         f"({res.coverage[i]:.0%} of the words); the scores may not be meaningful")
            elif res.n_distinct[i] < SHORT_TEXT_WORDS:
                # counted in distinct words, so a long text repeating one sentence is flagged too
                w.append(f"{SHORT_TEXT_WARNING} ({int(res.n_distinct[i])} known; the incident descriptions the "
                         f"risks were fitted on nearly all have {SHORT_TEXT_WORDS} or more): a text saying this "
                         "little scores low and ranks less well, so compare the percentile, or say what the "
                         "system decides, about whom, from what data")
            if ok and res.coverage[i] < 0.4 and res.n_known[i] >= 1:
                w.append("most words are unknown to the map: is the text in English?")
            spans: list[dict[str, Any]] = []
            unmatched: list[str] = []
            if with_spans:
                spans, unmatched = self._spans_unmatched(cleaned[i], res, i)
            risk = [round(float(res.risk[i, j]), 4) if ok else None for j in range(2)]
            pct = [round(float(res.percentile[i, j]), 2) if ok else None for j in range(2)]
            reports.append(RiskReport(
                fairness_risk=risk[0], privacy_risk=risk[1], fairness_percentile=pct[0], privacy_percentile=pct[1],
                confidence=round(float(res.confidence[i]), 4),
                top_terms=res.top_terms(i, self.n_top_terms) if ok else [],
                nearest_papers=nearest[i] if ok else [],
                warnings=w, spans=spans, unmatched_words=unmatched,
                contexts=res.contexts(i) if ok else [],
                incident_terms=res.incident_terms(i, self.n_top_terms) if ok else [],
                raw={t: float(evidence[i, j]) for j, t in enumerate(RISK_TOPICS)}
                | {f"topic_score_{t}": float(res.topic[i, j]) for j, t in enumerate(RISK_TOPICS)}
                | {f"feature_{k}": round(float(v), 4) for k, v in res.group_features(i).items()}
                | {"n_word_hits": int(res.n_known[i]), "n_distinct_words": int(res.n_distinct[i]),
                   "n_term_hits": int(term_hits[i]), "n_distinct_terms": int(term_distinct[i]),
                   "coverage": float(res.coverage[i])},
            ))
        return reports

    def _spans_unmatched(self, text: str, res: Analysis, i: int) -> tuple[list[dict[str, Any]], list[str]]:
        st = res.stream
        assert st.starts is not None and st.ends is not None
        lo, hi = st.indptr[i], st.indptr[i + 1]
        tok = st.tokens[lo:hi]
        ex = self.term_map.extractor
        known = res.known_mask[lo:hi]
        spans: list[dict[str, Any]] = []
        unmatched: list[str] = []
        for off in np.flatnonzero(tok != -1).tolist():
            p = lo + off
            f = int(tok[off])
            tid = int(ex.form_to_term[f]) if 0 <= f < len(ex.form_to_term) else -1
            if tid >= 0:
                topic = self._dominant[tid]
                spans.append({"start": int(st.starts[p]), "end": int(st.ends[p]), "term": self.term_map.terms[tid],
                              "topic": None if topic == BACKGROUND else topic})
            elif not known[off]:
                word = text[int(st.starts[p]): int(st.ends[p])].lower()
                if word not in unmatched and len(unmatched) < MAX_UNMATCHED:
                    unmatched.append(word)
        return spans, unmatched

    def _nearest_on_drivers(self, res: Analysis) -> list[list[dict[str, Any]]]:
        """Evidence papers: those using most of the words that drive the risk, weighted by their part
        of the logits (:func:`tmlmap.risk.evidence.coverage_ranking`, :meth:`ContextModel.drivers`);
        ``similarity`` is the share of that driving weight the paper uses; papers using the same
        driving words go by how much they are about the text's signals (its lifts)."""
        cm = self.context_model
        assert cm is not None
        Q = res.drivers()
        ranked = coverage_ranking(Q, cm.forms_papers, cm.papers_T, self.n_nearest,
                                  tie=(cm.paper_profiles, np.maximum(res.X, 0.0)))
        out: list[list[dict[str, Any]]] = []
        for r, (docs, cov) in enumerate(ranked):
            q_idx, q_w = Q.indices[Q.indptr[r]: Q.indptr[r + 1]], Q.data[Q.indptr[r]: Q.indptr[r + 1]]
            out.append([self._paper(int(d), float(c)) | {"shared_terms": cm.shared_words(int(d), q_idx, q_w)}
                        for d, c in zip(docs.tolist(), cov.tolist(), strict=True)])
        return out

    def raw_scores(self, texts: Sequence[str]) -> np.ndarray:
        """``(n, 2)`` uncalibrated fairness/privacy scores (for evaluation)."""
        counts = self.term_map.transform([clean_input(t)[0] for t in texts])
        return self.scorer.score(counts)

    # -- evidence ------------------------------------------------------------
    def _contributions(self, counts: sp.csr_matrix) -> list[list[dict[str, Any]]]:
        W = self.scorer.weights(counts).tocsr()
        W.sum_duplicates()
        out: list[list[dict[str, Any]]] = []
        if self.n_top_terms == 0:
            return [[] for _ in range(W.shape[0])]
        aff = self.scorer.affinity  # (n_terms, 2)
        total = np.asarray(W.sum(axis=1)).ravel()
        for i in range(W.shape[0]):
            lo, hi = W.indptr[i], W.indptr[i + 1]
            idx, w = W.indices[lo:hi], W.data[lo:hi]
            if len(idx) == 0 or total[i] <= 0:
                out.append([])
                continue
            parts: dict[tuple[str, str], float] = {}  # (term, topic) -> additive part of the raw score
            for t, row in zip(idx.tolist(), (w[:, None] * aff[idx] / total[i]).tolist(), strict=True):
                name = self.term_map.terms[t]
                for j, topic in enumerate(RISK_TOPICS):
                    parts[(name, topic)] = parts.get((name, topic), 0.0) + row[j]
            ranked = sorted(((v, k) for k, v in parts.items() if v > 0), key=lambda x: (-x[0], x[1]))
            out.append([{"term": term, "topic": topic, "contribution": round(v, 5)}
                        for v, (term, topic) in ranked[: self.n_top_terms]])
        return out

    def _paper(self, row: int, similarity: float) -> dict[str, Any]:
        doc_id = self.term_map.doc_ids[row]
        info = self._paper_cache.get(doc_id)
        if info is None:
            info = {"id": doc_id, "title": None, "venue": str(self.term_map.doc_venues[row]),
                    "year": int(self.term_map.doc_years[row]), "url": None}
            if self.store is not None:
                try:
                    p = self.store.get(doc_id)
                except Exception:  # noqa: BLE001 - evidence is best effort
                    p = None
                if p is not None:
                    info.update(title=p.title, venue=p.venue, year=int(p.year), url=p.url or None)
            if len(self._paper_cache) < 100_000:
                self._paper_cache[doc_id] = info
        return info | {"similarity": round(similarity, 4)}

    def _nearest(self, counts: sp.csr_matrix, chunk: int = 512) -> list[list[dict[str, Any]]]:
        n = counts.shape[0]
        if self.n_nearest == 0:
            return [[] for _ in range(n)]
        Q = tfidf(counts, self.idf, normalize=True)
        out: list[list[dict[str, Any]]] = []
        k = self.n_nearest
        for lo in range(0, n, chunk):
            S = (Q[lo : lo + chunk] @ self._corpus_tfidf_T).toarray()  # (c, n_docs)
            if S.shape[1] > k:
                top = np.argpartition(-S, k - 1, axis=1)[:, :k]
            else:
                top = np.tile(np.arange(S.shape[1]), (S.shape[0], 1))
            for r in range(S.shape[0]):
                cand = top[r]
                cand = cand[np.lexsort((cand, -S[r, cand]))]
                out.append([self._paper(int(c), float(S[r, c])) for c in cand.tolist() if S[r, c] > 0])
        return out


def describe_topics() -> dict[str, str]:
    """Display names of the risk topics."""
    return {t: TOPICS[t].name for t in RISK_TOPICS}
