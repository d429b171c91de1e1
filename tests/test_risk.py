"""RiskScorer: contract, bounds, bad input, calibration, and real-corpus context scoring."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.test_fingerprint import tiny_map
from tmlmap.risk.evaluate import auc, load_devset
from tmlmap.risk.fingerprint import compute_fingerprints
from tmlmap.risk.scorer import (
    CONTRACT_FIELDS,
    MAX_CHARS,
    MAX_UNMATCHED,
    Calibration,
    RiskReport,
    RiskScorer,
    clean_input,
    fit_calibration,
)

RISKY = [
    "We predict recidivism risk for defendants awaiting trial to support judges in bail decisions.",
    "A model that screens job applicants' resumes and ranks candidates for interviews.",
    "Automated approval of personal loans based on applicants' credit history and income.",
]
SAFE = [
    "Forecast river levels from sensor data to warn about floods.",
    "Code completion for Python developers trained on open-source repositories.",
    "Reinforcement learning for macro placement in chip design to reduce wire length.",
]


@pytest.fixture(scope="module")
def scorer(real_map, real_store) -> RiskScorer:
    return RiskScorer(real_map, real_store)


# ---- pure helpers ----------------------------------------------------------------


def test_clean_input_truncates_and_strips_control_characters() -> None:
    text, warnings = clean_input("a\x00b\x1bc")
    assert text == "a b c" and warnings == []
    long, warnings = clean_input("x" * (MAX_CHARS + 10))
    assert len(long) == MAX_CHARS and "truncated" in warnings[0]
    _, warnings = clean_input("\x00\x01" * 500)
    assert any("binary" in w for w in warnings)
    text, _ = clean_input("ok \ud800 surrogate")
    text.encode("utf-8")  # lone surrogate replaced: encodable
    with pytest.raises(TypeError):
        clean_input(b"bytes")  # type: ignore[arg-type]


def test_calibration_is_monotone_and_bounded() -> None:
    rng = np.random.default_rng(0)
    raw = rng.uniform(0, 0.3, 2000)
    silver = rng.uniform(0, 0.3, 2000) < raw  # more positives at high raw scores
    cal = fit_calibration(raw, silver)
    grid = np.linspace(0, 1, 101)
    out = cal(grid)
    assert ((out >= 0) & (out <= 1)).all() and (np.diff(out) >= 0).all()
    assert cal.a > 0 and cal.n_positive == int(silver.sum())
    fallback = fit_calibration(raw[:10], np.zeros(10, bool))
    assert (fallback.a, fallback.b) == (1.0, 0.0)
    assert isinstance(fallback, Calibration)


def test_report_dicts() -> None:
    r = RiskReport(0.5, 0.1, 90.0, 20.0, 0.7, [{"term": "loan", "topic": "fairness", "contribution": 0.1}], [],
                   ["w"], [{"start": 0, "end": 4, "term": "loan", "topic": "fairness"}], {"fairness": 0.2},
                   ["passport"])
    assert tuple(r.to_dict()) == CONTRACT_FIELDS
    full = r.to_full_dict()
    assert set(full) == set(CONTRACT_FIELDS) | {"contexts", "incident_terms", "warnings", "spans", "raw",
                                                        "unmatched_words"}
    assert full["unmatched_words"] == ["passport"]
    json.dumps(full)


# ---- real map --------------------------------------------------------------------


def test_contract_fields_bounds_and_evidence(scorer: RiskScorer) -> None:
    text = RISKY[2]
    report = scorer.score(text)
    d = report.to_dict()
    assert tuple(d) == CONTRACT_FIELDS
    json.dumps(d)
    for key in ("fairness_risk", "privacy_risk", "confidence"):
        assert 0.0 <= d[key] <= 1.0
    for key in ("fairness_percentile", "privacy_percentile"):
        assert 0.0 <= d[key] <= 100.0
    assert d["top_terms"] and all(set(t) == {"term", "topic", "contribution"} for t in d["top_terms"])
    assert all(t["topic"] in ("fairness", "privacy") for t in d["top_terms"])
    contributions = [t["contribution"] for t in d["top_terms"]]
    assert contributions == sorted(contributions, reverse=True)
    assert d["nearest_papers"]
    for p in d["nearest_papers"]:
        assert set(p) == {"id", "title", "venue", "year", "url", "similarity", "shared_terms"}
        assert 0 < p["similarity"] <= 1 + 1e-9 and p["title"] and p["shared_terms"]
    sims = [p["similarity"] for p in d["nearest_papers"]]
    assert sims == sorted(sims, reverse=True)
    # spans point at the terms in the text
    assert report.spans
    for s in report.spans:
        assert 0 <= s["start"] < s["end"] <= len(text)
    assert any(text[s["start"]:s["end"]].lower().startswith("loan") for s in report.spans)


def test_batch_equals_single(scorer: RiskScorer) -> None:
    batch = scorer.score_many(RISKY + SAFE)
    for text, rep in zip(RISKY + SAFE, batch, strict=True):
        assert rep.to_dict() == scorer.score(text).to_dict()
    assert scorer.score_many([]) == []


def test_context_not_keywords(scorer: RiskScorer) -> None:
    """None of the risky texts says fair/bias/discrimination; each outscores every safe one."""
    for t in RISKY:
        assert not any(w in t.lower() for w in ("fair", "bias", "discrimin"))
    risky = [r.fairness_risk for r in scorer.score_many(RISKY)]
    safe = [r.fairness_risk for r in scorer.score_many(SAFE)]
    assert min(risky) > max(safe), (risky, safe)
    # Calibrated on incidents where about 1 in 5 is about bias: the risky texts sit at least ten times
    # above the safe ones and in the top 15 % of corpus papers; the safe ones far below the base rate.
    # Since the incident words (2026-12-02) absolute levels of short hand-written texts are lower: the
    # words AIAAIC's write-ups share lift an average incident, the refitted intercept takes it back, and
    # these texts use few of them (resumes text 0.114 -> 0.060, p94 -> p89; recidivism 0.32 -> 0.17,
    # loans 0.59 -> 0.38, both still in the top 5 %; measured when written).
    assert min(risky) > 0.05 and max(safe) < 0.05, (risky, safe)
    assert min(risky) > 10 * max(safe), (risky, safe)
    assert min(r.fairness_percentile for r in scorer.score_many(RISKY)) > 85


@pytest.mark.parametrize(
    "text",
    ["", "   \n\t ", "<html><body><script>alert(1)</script></body></html>", "\x00\x01\x02\xff" * 2000,
     "Dieses System bewertet Kreditanträge von Kunden automatisch und schnell.", "これは日本語の文章です。",
     "$$\\alpha + \\beta$$ http://example.com a@b.com", "🙂" * 100],
)
def test_bad_input_never_crashes(scorer: RiskScorer, text: str) -> None:
    r = scorer.score(text)
    assert r.confidence < 0.3 and r.warnings
    for v in (r.fairness_risk, r.privacy_risk):
        assert v is None or 0 <= v <= 1  # None: not language (see test_risk_contexts)
    json.dumps(r.to_full_dict())


def test_huge_input_is_truncated(scorer: RiskScorer) -> None:
    text = ("A bank approves personal loans for applicants using their credit history. " * 14_000)[:1_000_000]
    r = scorer.score(text)
    assert any("truncated" in w for w in r.warnings)
    assert r.fairness_percentile > 80  # p87 with the incident words (p95 before): the loan words still count


def test_non_string_rejected(scorer: RiskScorer) -> None:
    with pytest.raises(TypeError):
        scorer.score(None)  # type: ignore[arg-type]


def test_unmatched_words_name_what_the_map_cannot_read(scorer: RiskScorer) -> None:
    """Words the corpus never uses (or uses in one paper) are listed in order; stop words, map
    terms and corpus words with a fingerprint ("border", "passport") are not."""
    text = "Matching travellers' faces against passport photos at border control; travellers checks."
    rep = scorer.score(text)
    terms = {s["term"] for s in rep.spans}
    assert {"face", "photo"} <= terms
    assert rep.unmatched_words == ["travellers"]  # once
    assert not {"against", "at", "faces", "photos", "border", "passport"} & set(rep.unmatched_words)
    assert rep.to_full_dict()["unmatched_words"] == rep.unmatched_words
    assert "unmatched_words" not in rep.to_dict()  # the contract stays the seven fields
    assert scorer.score_many([text], with_spans=False)[0].unmatched_words == []
    many = scorer.score(" ".join(f"zzq{chr(97 + i)}{chr(97 + j)}" for i in range(8) for j in range(8)))
    assert len(many.unmatched_words) == MAX_UNMATCHED


def test_confidence_grows_with_recognised_terms(scorer: RiskScorer) -> None:
    short = scorer.score("loans")
    long = scorer.score(RISKY[2] + " " + RISKY[1])
    assert short.confidence < long.confidence


def test_devset_dev_split_auc(real_map, scorer: RiskScorer) -> None:
    """AUC on the dev split (the test split is kept for the final report).

    Observed when written: bipartite (default) 0.940 (fairness) and 0.779
    (privacy); the diffusion alone 0.898 and 0.753. The thresholds leave
    room for map tuning but fail on a broken scorer.
    """
    assert scorer.method == "contexts"
    scorer = RiskScorer(real_map, method="bipartite", n_nearest=0)  # the previous default, still selectable
    rows = [r for r in load_devset() if r["split"] == "dev"]
    assert len(rows) >= 75
    texts = [r["text"] for r in rows]
    fair, priv = np.array([r["fairness"] for r in rows]), np.array([r["privacy"] for r in rows])
    raw = scorer.raw_scores(texts)
    assert auc(fair, raw[:, 0]) >= 0.85
    assert auc(priv, raw[:, 1]) >= 0.65
    old = RiskScorer(real_map, method="diffusion", n_nearest=0).raw_scores(texts)  # still selectable
    assert auc(fair, old[:, 0]) >= 0.80
    assert auc(priv, old[:, 1]) >= 0.62


def test_devset_file_is_well_formed() -> None:
    rows = load_devset()
    assert len(rows) >= 100 and len({r["id"] for r in rows}) == len(rows)
    share = np.mean([r["fairness"] for r in rows])
    assert 0.4 <= share <= 0.6
    test_share = np.mean([r["split"] == "test" for r in rows])
    assert 0.2 <= test_share <= 0.3
    positives = [r["text"].lower() for r in rows if r["fairness"]]
    with_words = sum(any(w in t for w in ("fair", "bias", "discrimin")) for t in positives)
    assert with_words <= len(positives) // 10


def test_calibrations(real_map, scorer: RiskScorer, tmp_path) -> None:
    """Default: fitted on the dev split; the corpus fallback gives lower, paper-level probabilities."""
    assert scorer.calibration["fairness"].source == "devset"
    assert 0.3 < scorer.calibration["fairness"].base_rate < 0.7
    corpus = RiskScorer(real_map, calibration="corpus", n_nearest=0)
    assert corpus.calibration["fairness"].source == "corpus"
    assert corpus.calibration["fairness"].base_rate < 0.1
    a, b = scorer.score(RISKY[0]), corpus.score(RISKY[0])
    assert a.fairness_percentile == b.fairness_percentile  # same raw score, different scale
    missing = RiskScorer(real_map, devset=tmp_path / "none.jsonl", n_nearest=0)
    assert missing.calibration["fairness"].source == "corpus"
    with pytest.raises(ValueError):
        RiskScorer(real_map, calibration="isotonic")


def test_top_terms_list_each_term_and_topic_once(scorer: RiskScorer) -> None:
    texts = RISKY + SAFE + ["Loans, loan, LOANS and a loan: loan applicants apply for loans."]
    for rep in scorer.score_many(texts):
        pairs = [(t["term"], t["topic"]) for t in rep.top_terms]
        assert len(pairs) == len(set(pairs)), pairs


def test_top_terms_merge_duplicates_by_hand() -> None:
    """Duplicate sparse entries and two term ids with one display name give one (term, topic) each."""
    import scipy.sparse as sp

    m = tiny_map()
    s = RiskScorer(m, method="bipartite", n_nearest=0)
    # row 0: "loan" entered twice (unsummed CSR entries), "credit" once
    dup = sp.csr_matrix((np.array([1.0, 1.0, 1.0]), np.array([1, 1, 2]), np.array([0, 3])), shape=(1, m.n_terms))
    got = s._contributions(dup)[0]
    pairs = [(t["term"], t["topic"]) for t in got]
    assert len(pairs) == len(set(pairs)) and ("loan", "fairness") in pairs
    summed = s._contributions(sp.csr_matrix(dup.toarray()))[0]
    assert got == summed
    # the parts of one topic still add up to its raw score
    raw = s.scorer.score(dup)
    assert sum(t["contribution"] for t in got if t["topic"] == "fairness") == pytest.approx(raw[0, 0], abs=1e-4)
    # two ids shown as the same term are merged, contributions added
    m.terms[2] = "loan"
    merged = RiskScorer(m, method="bipartite", n_nearest=0)._contributions(sp.csr_matrix(dup.toarray()))[0]
    pairs = [(t["term"], t["topic"]) for t in merged]
    assert len(pairs) == len(set(pairs))
    loan = {t["topic"]: t["contribution"] for t in merged}
    both = {t["topic"]: 0.0 for t in summed}
    for t in summed:
        both[t["topic"]] += t["contribution"]
    for topic, v in loan.items():
        assert v == pytest.approx(both[topic], abs=1e-4)


def test_scorer_on_tiny_map_without_store() -> None:
    """Hand-made map, no store: nearest papers carry ids/venues with None titles."""
    m = tiny_map()
    s = RiskScorer(m, method="bipartite", n_nearest=2)
    X = m.X
    assert s._corpus_sorted.shape == (X.shape[0], 2)
    with pytest.raises(ValueError):
        RiskScorer(m, n_top_terms=-1)
    steered = RiskScorer(m, method="bipartite", seeds={"fairness": ["river"]}, n_nearest=0)
    assert steered.raw_scores(["river"])[0, 0] > s.raw_scores(["river"])[0, 0]
    with pytest.raises(ValueError, match="either fp or seeds"):
        RiskScorer(m, method="bipartite", seeds={"fairness": ["river"]}, fp=compute_fingerprints(m))
    with pytest.raises(ValueError, match="method must be one of"):
        RiskScorer(m, method="magic")


def test_calibration_report_on_test_split(real_map) -> None:
    from tmlmap.risk.evaluate import calibration_table, evaluate_calibration

    rows = evaluate_calibration(real_map)
    assert {(r["calibration"], r["topic"]) for r in rows} == {
        (c, t) for c in ("devset", "corpus") for t in ("fairness", "privacy")}
    for r in rows:
        assert 0 <= r["brier"] <= 1 and r["n"] >= 25
    assert "Brier" in calibration_table(rows)
