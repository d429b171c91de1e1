"""Evaluation of the topic/risk scores: papers (reference style) and project descriptions.

(a) **Papers, temporal split, reference style.** The map is built only on the
papers published up to ``year_max``; later papers of the split's test years that carry
author keywords (papers of the dedicated venues :data:`TWML_VENUES` are left out) are
labelled by those keywords (:data:`KEYWORD_PATTERNS`) and scored from their title and
abstract only (``paper_text(p, with_keywords=False)``), so the label source never
enters the score. AUC per topic for the methods. Two splits (:data:`PAPER_SPLITS`): map
up to 2020, tested on ICLR 2021 and NeurIPS 2022 (the original one); map up to 2022,
tested on ICLR 2024 (added with corpus version 2; ICML 2024 has no keywords).
NeurIPS 2023 (:data:`RESERVED_VENUE_YEARS`) is reserved for independent evaluation: it
is not in the embedded corpus, and if a store holds it, it enters neither map nor test set.

(b) **Project descriptions.** ``data/risk_devset.jsonl`` (hand-written,
labels ``fairness``/``privacy``, ``split`` dev/test) scored against the map
of the whole corpus; AUC per split and method.

Methods: ``bipartite`` (default: diffusion smoothed through the papers,
:mod:`tmlmap.risk.fingerprint`), ``diffusion`` (the random walk alone),
``reference`` (Derzsy et al.: shortest paths, paper rule 3/0.5), ``keyword``
(share of lexicon seed words). AUCs come with a percentile-bootstrap 95% interval.
"""

from __future__ import annotations

import json
import platform
import re
from collections.abc import Callable, Collection, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tmlmap.maps.build import build_map, paper_text
from tmlmap.maps.settings import MapSettings
from tmlmap.risk.model import AIAAIC
from tmlmap.risk.relevance import SCORE_METHODS, TopicScorer
from tmlmap.risk.scorer import DEVSET, RISK_TOPICS, clean_input

if TYPE_CHECKING:  # pragma: no cover
    from tmlmap.corpus.records import Paper
    from tmlmap.corpus.store import CorpusStore
    from tmlmap.maps.termmap import TermMap

#: Author-keyword patterns (case-insensitive, matched per keyword) that make a
#: paper positive for a topic. "bias" alone is excluded (inductive, implicit,
#: spectral bias are not about fairness), and so is "federated" alone.
KEYWORD_PATTERNS: dict[str, re.Pattern[str]] = {
    "fairness": re.compile(
        r"\b(fair|fairness|unfair|unfairness|discrimination|demographic parity|equalized odds|"
        r"equal opportunity|disparate impact|algorithmic bias|social bias(es)?|gender bias|racial bias|"
        r"bias mitigation|protected attributes?|sensitive attributes?)\b",
        re.I,
    ),
    "privacy": re.compile(
        r"\b(privacy|private|differential privacy|differentially private|membership inference|"
        r"model inversion|anonymi[sz]ation|privacy[- ]preserving|data leakage|gradient leakage|"
        r"reconstruction attacks?|machine unlearning|secure aggregation)\b",
        re.I,
    ),
}


#: Venues whose whole programme is trustworthy ML. Their papers stay in the
#: map but not in the labelled test set of (a): there the venue alone gives
#: the topic away, and the task (as in the reference) is to find TwML papers
#: among general machine-learning papers.
TWML_VENUES = frozenset({"FAT*", "FAccT", "AIES", "TrustNLP"})

#: The temporal splits of (a): ``(year_max, test_years)``: the map is built on papers up
#: to ``year_max``, the test set is the later papers of ``test_years`` with author keywords.
PAPER_SPLITS: tuple[tuple[int, tuple[int, ...]], ...] = ((2020, (2021, 2022)), (2022, (2024,)))

#: ``(venue, year)`` slices reserved for independent evaluation: never used here.
RESERVED_VENUE_YEARS = frozenset({("NeurIPS", 2023)})


def keyword_label(keywords: Sequence[str], topic: str) -> bool:
    """True when one of ``keywords`` matches :data:`KEYWORD_PATTERNS` ``[topic]``."""
    pattern = KEYWORD_PATTERNS[topic]
    return any(pattern.search(k) for k in keywords)


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC (ties count 1/2); NaN when only one class is present."""
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    from scipy.stats import rankdata

    r = rankdata(s)
    return float((r[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _resamples(y: np.ndarray, n_boot: int, seed: int) -> Iterator[np.ndarray]:
    """``n_boot`` bootstrap index arrays of ``y`` (bool), stratified by class (empty if one class)."""
    pos, neg = np.flatnonzero(y), np.flatnonzero(~y)
    if len(pos) == 0 or len(neg) == 0:
        return
    rng = np.random.default_rng(seed)
    for _ in range(n_boot):
        yield np.concatenate([rng.choice(pos, len(pos)), rng.choice(neg, len(neg))])


def auc_ci(labels: np.ndarray, scores: np.ndarray, *, n_boot: int = 1000, seed: int = 0) -> tuple[float, float]:
    """Percentile-bootstrap 95% interval of :func:`auc` (stratified by class)."""
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    vals = [auc(y[idx], s[idx]) for idx in _resamples(y, n_boot, seed)]
    if not vals:
        return float("nan"), float("nan")
    lo, hi = np.percentile(vals, [2.5, 97.5])
    return float(lo), float(hi)


def auc_difference(labels: np.ndarray, scores_a: np.ndarray, scores_b: np.ndarray, *, n_boot: int = 1000,
                   seed: int = 0) -> tuple[float, float, float]:
    """``(difference, low, high)``: ``auc(a) - auc(b)`` on the same texts and its paired
    percentile-bootstrap 95 % interval (both scores on each resample, stratified by class).

    Two methods' own intervals overlap far more often than their difference is unclear: their
    errors are correlated, since they score the same texts. The paired interval answers "is ``a``
    better than ``b`` on texts like these" (it excludes 0 when it is, at this level).
    """
    y = np.asarray(labels, dtype=bool)
    a = np.asarray(scores_a, dtype=np.float64)
    b = np.asarray(scores_b, dtype=np.float64)
    if not (len(y) == len(a) == len(b)):
        raise ValueError(f"labels and scores differ in length: {len(y)}, {len(a)}, {len(b)}")
    vals = [auc(y[idx], a[idx]) - auc(y[idx], b[idx]) for idx in _resamples(y, n_boot, seed)]
    if not vals:
        return float("nan"), float("nan"), float("nan")
    lo, hi = np.percentile(vals, [2.5, 97.5])
    return auc(y, a) - auc(y, b), float(lo), float(hi)


def _method_scores(term_map: TermMap, texts: Sequence[str]) -> dict[str, np.ndarray]:
    counts = term_map.transform([clean_input(t)[0] for t in texts])
    return {m: TopicScorer(term_map, m, RISK_TOPICS).score(counts) for m in SCORE_METHODS}


def _rows(labels: dict[str, np.ndarray], scores: dict[str, np.ndarray], what: str) -> list[dict[str, Any]]:
    out = []
    for j, topic in enumerate(RISK_TOPICS):
        y = labels[topic]
        for method, sc in scores.items():
            lo, hi = auc_ci(y, sc[:, j])
            out.append({"evaluation": what, "topic": topic, "method": method, "auc": auc(y, sc[:, j]),
                        "ci_low": lo, "ci_high": hi, "n": int(len(y)), "n_positive": int(y.sum())})
    return out


def evaluate_papers(
    papers: Sequence[Paper],
    *,
    year_max: int = 2020,
    settings: MapSettings | None = None,
    cache_dir: str | Path | None = None,
    progress: Callable[[str, float], None] | None = None,
    exclude_venues: Collection[str] = TWML_VENUES,
    test_years: Collection[int] | None = None,
) -> list[dict[str, Any]]:
    """(a): build on papers with ``year <= year_max``; label and score later papers with keywords.

    Later papers of ``exclude_venues`` (default :data:`TWML_VENUES`) are not scored;
    ``test_years`` (default: every year after ``year_max``) limits the test set to those
    years. Papers of :data:`RESERVED_VENUE_YEARS` are dropped from both sides.
    """
    papers = [p for p in papers if (p.venue, p.year) not in RESERVED_VENUE_YEARS]
    years = None if test_years is None else {int(y) for y in test_years}
    train = [p for p in papers if p.year <= year_max]
    test = [p for p in papers if p.year > year_max and p.keywords and p.venue not in exclude_venues
            and (years is None or p.year in years)]
    if not train or not test:
        wanted = f" in {sorted(years)}" if years is not None else ""
        raise ValueError(f"need papers up to {year_max} and later papers{wanted} with author keywords")
    term_map = build_map(train, settings or MapSettings(), progress=progress, cache_dir=cache_dir)
    labels = {t: np.asarray([keyword_label(p.keywords, t) for p in test]) for t in RISK_TOPICS}
    scores = _method_scores(term_map, [paper_text(p, with_keywords=False) for p in test])
    venues = sorted({f"{p.venue} {p.year}" for p in test})
    rows = _rows(labels, scores, f"papers after {year_max} ({', '.join(venues)})")
    for r in rows:
        r["train_papers"] = len(train)
    return rows


def load_devset(path: str | Path = DEVSET) -> list[dict[str, Any]]:
    """The project-description set: dicts with id, text, fairness, privacy, split."""
    rows = []
    with open(path, encoding="utf-8") as fh:
        for i, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            r = json.loads(line)
            missing = {"id", "text", "fairness", "privacy", "split"} - set(r)
            if missing:
                raise ValueError(f"{path}:{i}: missing fields {sorted(missing)}")
            rows.append(r)
    return rows


def evaluate_devset(term_map: TermMap, path: str | Path = DEVSET) -> list[dict[str, Any]]:
    """(b): AUC per split (dev, test) and topic method on the project descriptions."""
    rows = load_devset(path)
    out: list[dict[str, Any]] = []
    for split in ("dev", "test"):
        part = [r for r in rows if r["split"] == split]
        if not part:
            continue
        labels = {t: np.asarray([bool(r[t]) for r in part]) for t in RISK_TOPICS}
        out += _rows(labels, _method_scores(term_map, [r["text"] for r in part]), f"project descriptions, {split} split")
    return out


def evaluate_descriptions(term_map: TermMap, path: str | Path = DEVSET, *,
                          methods: DescriptionMethods | None = None) -> list[dict[str, Any]]:
    """(b) with every description method (:class:`DescriptionMethods`): AUC per split of the devset."""
    rows = load_devset(path)
    methods = methods or DescriptionMethods(term_map)
    out: list[dict[str, Any]] = []
    for split in ("dev", "test"):
        part = [r for r in rows if r["split"] == split]
        if part:
            y = {t: np.asarray([bool(r[t]) for r in part]) for t in RISK_TOPICS}
            out += _rows(y, methods.scores([r["text"] for r in part]), f"project descriptions, {split} split")
    return out


#: Description methods in table order: the new default, it without the incident words, its two map
#: halves, the older default and baselines.
DESCRIPTION_METHODS = ("contexts", "map_contexts", "topic", "contexts_only", "bipartite", "reference", "keyword",
                       "tfidf_lr")
#: The methods the default is compared with pair by pair on the AIAAIC split (paired bootstrap).
PAIRED_METHODS = ("tfidf_lr", "map_contexts", "contexts_only")
METHOD_NAMES = {
    "contexts": "default (map + contexts + incident words)",
    "map_contexts": "previous default (map + contexts, no incident words)",
    "topic": "map topic score alone",
    "contexts_only": "contexts alone (logistic)",
    "bipartite": "older default (bipartite)",
    "diffusion": "diffusion",
    "reference": "reference (Derzsy)",
    "keyword": "keyword lexicon",
    "tfidf_lr": "tf-idf LR baseline",
}


class DescriptionMethods:
    """Every method compared on descriptions, fitted once (AIAAIC ``dev`` only).

    ``contexts``: :class:`~tmlmap.risk.scorer.RiskScorer`'s default;
    ``map_contexts``: the same model fitted without the incident words (the previous default);
    ``topic``: its capped map topic score over every word, unfitted;
    ``contexts_only``: the same logistic form on the context inputs alone (every reading; fitted on dev);
    ``bipartite``/``reference``/``keyword``: the previous scores (raw, ranking only);
    ``tfidf_lr``: tf-idf of word unigrams and bigrams (min_df 2, sublinear tf) and a
    logistic regression (C=10), fitted on the dev split: the bar a reviewer could train.
    """

    def __init__(self, term_map: TermMap, labels: str | Path = AIAAIC) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        from tmlmap.risk.model import ContextModel, fit_logistic, load_aiaaic

        self.term_map = term_map
        self.model = ContextModel.fit(term_map, labels=labels)
        dev = load_aiaaic("dev", labels)
        texts = [clean_input(r["text"])[0] for r in dev]
        Z, y = self.model.fit_inputs, self.model.fit_labels  # the dev inputs the default was fitted on
        assert Z is not None and y is not None
        self.ctx_cols = self._context_columns()
        self.ctx_models = {t: fit_logistic(Z[:, self.ctx_cols], y[t]) for t in RISK_TOPICS}
        # The default without its incident words: the same fit on every input (the default's
        # map/context weights are these, its intercept shifted; see ContextModel.fit).
        self.map_models = {t: fit_logistic(Z, y[t]) for t in RISK_TOPICS}
        self.vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        V = self.vectorizer.fit_transform(texts)
        self.lr = {t: LogisticRegression(C=10.0, max_iter=2000).fit(V, y[t]) for t in RISK_TOPICS}

    def _context_columns(self) -> np.ndarray:
        """Indices of the context inputs of every reading in the model inputs ``Z``."""
        from tmlmap.risk.model import views

        k, nt = len(self.model.words.columns), self.model.words.n_topics
        return np.concatenate([np.arange(v * k + nt, (v + 1) * k) for v in range(len(views(self.model.words)))])

    def scores(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """``{method: (n, 2)}`` fairness/privacy scores of ``texts``."""
        cleaned = [clean_input(t)[0] for t in texts]
        res = self.model.analyse(cleaned)
        out: dict[str, np.ndarray] = {
            "contexts": res.risk,
            "map_contexts": np.column_stack([self.map_models[t](res.Z) for t in RISK_TOPICS]),
            "topic": res.topic,
            "contexts_only": np.column_stack([self.ctx_models[t](res.Z[:, self.ctx_cols]) for t in RISK_TOPICS]),
        }
        counts = self.term_map.transform(cleaned)
        for m in ("bipartite", "reference", "keyword"):
            out[m] = TopicScorer(self.term_map, m, RISK_TOPICS).score(counts)
        V = self.vectorizer.transform(cleaned)
        out["tfidf_lr"] = np.column_stack([self.lr[t].predict_proba(V)[:, 1] for t in RISK_TOPICS])
        return out


def evaluate_aiaaic(term_map: TermMap, *, split: str = "test", labels: str | Path = AIAAIC,
                    methods: DescriptionMethods | None = None, n_worst: int = 8) -> dict[str, Any]:
    """(c): the AIAAIC incidents of ``split``: AUC (bootstrap 95 %) of every method, Brier scores of
    the calibrated ones, and the ``n_worst`` worst errors of the default per label.

    The ``test`` split is for reporting only: nothing is fitted or chosen on it.
    """
    from tmlmap.risk.model import load_aiaaic

    methods = methods or DescriptionMethods(term_map, labels)
    rows = load_aiaaic(split, labels)
    texts = [r["text"] for r in rows]
    y = {t: np.asarray([bool(r[f"{t}_label"]) for r in rows]) for t in RISK_TOPICS}
    scores = methods.scores(texts)
    table = _rows(y, scores, f"AIAAIC incidents, {split} split")
    brier = []
    for m in ("contexts", "map_contexts", "contexts_only", "tfidf_lr"):
        for j, t in enumerate(RISK_TOPICS):
            p = scores[m][:, j]
            brier.append({"method": m, "topic": t, "brier": float(np.mean((p - y[t]) ** 2)),
                          "mean_risk": float(p.mean()), "observed_rate": float(y[t].mean()), "n": len(rows)})
    paired = []
    for j, t in enumerate(RISK_TOPICS):
        for m in PAIRED_METHODS:
            diff, lo, hi = auc_difference(y[t], scores["contexts"][:, j], scores[m][:, j])
            paired.append({"topic": t, "method": m, "difference": diff, "ci_low": lo, "ci_high": hi, "n": len(rows)})
    worst = []
    for j, t in enumerate(RISK_TOPICS):
        p = scores["contexts"][:, j]
        err = np.abs(p - y[t])
        for i in np.argsort(-err, kind="stable")[:n_worst].tolist():
            worst.append({"topic": t, "id": rows[i]["id"], "label": int(y[t][i]), "risk": round(float(p[i]), 3),
                          "text": texts[i][:160]})
    return {"rows": table, "brier": brier, "paired": paired, "worst": worst}


def paired_table(rows: Sequence[dict[str, Any]]) -> str:
    """Markdown table of the paired AUC differences of :func:`evaluate_aiaaic` (default minus method)."""
    lines = ["| topic | default minus | AUC difference (paired 95 % bootstrap) | n |", "|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['topic']} | {METHOD_NAMES.get(r['method'], r['method'])} | {r['difference']:+.3f} "
                     f"[{r['ci_low']:+.3f}, {r['ci_high']:+.3f}] | {r['n']} |")
    return "\n".join(lines)


def brier_table(rows: Sequence[dict[str, Any]]) -> str:
    """Markdown table of the Brier rows of :func:`evaluate_aiaaic`."""
    lines = ["| method | topic | Brier score (lower is better) | mean risk | observed rate | n |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {METHOD_NAMES.get(r['method'], r['method'])} | {r['topic']} | {r['brier']:.3f} | "
                     f"{r['mean_risk']:.3f} | {r['observed_rate']:.3f} | {r['n']} |")
    return "\n".join(lines)


def worst_table(rows: Sequence[dict[str, Any]]) -> str:
    """Markdown table of the worst errors of the default."""
    lines = ["| topic | id | label | risk | text |", "|---|---|---|---|---|"]
    for r in rows:
        text = r["text"].replace("|", "/")
        lines.append(f"| {r['topic']} | {r['id']} | {r['label']} | {r['risk']:.3f} | {text} |")
    return "\n".join(lines)


def description_table(rows: Sequence[dict[str, Any]]) -> str:
    """Markdown table of description rows: one line per evaluation and topic, one AUC column per method."""
    methods = [m for m in DESCRIPTION_METHODS if any(r["method"] == m for r in rows)]
    head = "| evaluation | topic | n (positive) | " + " | ".join(METHOD_NAMES[m] for m in methods) + " |"
    lines = [head, "|" + "---|" * (3 + len(methods))]
    keys: list[tuple[str, str]] = []
    for r in rows:
        if (r["evaluation"], r["topic"]) not in keys:
            keys.append((r["evaluation"], r["topic"]))
    for ev, topic in keys:
        cells = {r["method"]: f"{r['auc']:.3f} [{r['ci_low']:.2f}, {r['ci_high']:.2f}]" for r in rows
                 if r["evaluation"] == ev and r["topic"] == topic}
        n = next(f"{r['n']} ({r['n_positive']})" for r in rows if r["evaluation"] == ev and r["topic"] == topic)
        lines.append(f"| {ev} | {topic} | {n} | " + " | ".join(cells.get(m, "") for m in methods) + " |")
    return "\n".join(lines)


def evaluate_calibration(term_map: TermMap, path: str | Path = DEVSET) -> list[dict[str, Any]]:
    """Calibration quality on the *test* split: Brier score and mean risk vs observed rate.

    For both calibrations of the previous default, :class:`~tmlmap.risk.scorer.RiskScorer`
    with ``method="bipartite"`` (``devset``:
    fitted on the dev split; ``corpus``: fitted on silver-labelled papers).
    """
    from tmlmap.risk.scorer import RiskScorer

    rows = [r for r in load_devset(path) if r["split"] == "test"]
    out: list[dict[str, Any]] = []
    if not rows:
        return out
    for how in ("devset", "corpus"):
        scorer = RiskScorer(term_map, method="bipartite", calibration=how, devset=path, n_nearest=0, n_top_terms=0)
        reports = scorer.score_many([r["text"] for r in rows], with_spans=False)
        for topic in RISK_TOPICS:
            p = np.asarray([getattr(rep, f"{topic}_risk") for rep in reports])
            y = np.asarray([bool(r[topic]) for r in rows], dtype=float)
            out.append({"calibration": how, "topic": topic, "brier": float(np.mean((p - y) ** 2)),
                        "mean_risk": float(p.mean()), "observed_rate": float(y.mean()), "n": len(rows),
                        "fitted_on": scorer.calibration[topic].source})
    return out


def calibration_table(rows: Sequence[dict[str, Any]]) -> str:
    """Markdown table of :func:`evaluate_calibration` rows."""
    lines = ["| calibration | topic | Brier score (lower is better) | mean risk | observed rate | n |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['calibration']} (fitted on {r['fitted_on']}) | {r['topic']} | {r['brier']:.3f} | "
                     f"{r['mean_risk']:.3f} | {r['observed_rate']:.3f} | {r['n']} |")
    return "\n".join(lines)


def machine_info() -> str:
    """A one-line description of the machine (CPU count, platform, Python)."""
    import os

    return f"{platform.machine()} {platform.system()} {platform.release()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def results_table(rows: Sequence[dict[str, Any]]) -> str:
    """Markdown table: one line per evaluation and topic, one AUC column per method."""
    lines = ["| evaluation | topic | n (positive) | bipartite (default) | diffusion | reference (Derzsy) | "
             "keyword lexicon |",
             "|---|---|---|---|---|---|---|"]
    keys: list[tuple[str, str]] = []
    for r in rows:
        if (r["evaluation"], r["topic"]) not in keys:
            keys.append((r["evaluation"], r["topic"]))
    for ev, topic in keys:
        cells = {}
        n = ""
        for r in rows:
            if r["evaluation"] == ev and r["topic"] == topic:
                cells[r["method"]] = f"{r['auc']:.3f} [{r['ci_low']:.2f}, {r['ci_high']:.2f}]"
                n = f"{r['n']} ({r['n_positive']})"
        lines.append(f"| {ev} | {topic} | {n} | {cells.get('bipartite', '')} | {cells.get('diffusion', '')} | "
                     f"{cells.get('reference', '')} | {cells.get('keyword', '')} |")
    return "\n".join(lines)


def evaluate_temporal(
    papers: Sequence[Paper],
    splits: Sequence[tuple[int, Collection[int] | None]] = PAPER_SPLITS,
    **kwargs: Any,
) -> list[dict[str, Any]]:
    """(a) for each ``(year_max, test_years)`` of ``splits``; a split whose test set is empty
    in this corpus (e.g. an older database without ICLR 2024) is skipped."""
    rows: list[dict[str, Any]] = []
    for year_max, test_years in splits:
        try:
            rows += evaluate_papers(papers, year_max=year_max, test_years=test_years, **kwargs)
        except ValueError:
            if len(splits) == 1:
                raise
    if not rows:
        raise ValueError("no temporal split has papers with author keywords to test on")
    return rows


def run_evaluation(
    store: CorpusStore,
    term_map: TermMap,
    *,
    year_max: int | None = None,
    devset: str | Path = DEVSET,
    cache_dir: str | Path | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> dict[str, Any]:
    """Both evaluations; returns ``{"date", "machine", "rows", "calibration"}``.

    ``year_max`` None runs every split of :data:`PAPER_SPLITS`; a year runs one split
    (map up to that year, every later year tested).
    """
    splits: Sequence[tuple[int, Collection[int] | None]] = (
        PAPER_SPLITS if year_max is None else [(year_max, None)])
    rows = evaluate_temporal(store.papers(), splits, cache_dir=cache_dir, progress=progress)
    rows += evaluate_devset(term_map, devset)
    methods = DescriptionMethods(term_map)
    aiaaic = evaluate_aiaaic(term_map, methods=methods)
    descriptions = evaluate_descriptions(term_map, devset, methods=methods)
    return {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine_info(), "rows": rows,
            "descriptions": aiaaic["rows"] + descriptions, "brier": aiaaic["brier"], "paired": aiaaic["paired"],
            "worst": aiaaic["worst"],
            "calibration": evaluate_calibration(term_map, devset)}
