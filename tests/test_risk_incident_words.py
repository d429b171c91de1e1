"""Incident words: the vocabulary, the fit on top of the map/context model, and what reports show.

Pure parts run on hand-made inputs; the behaviour of the default scorer uses the session's
real map (``real_map``, marked slow by the fixture).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.sparse as sp

from tmlmap.risk.incident_words import MAX_DF, IncidentVocabulary, fit_on_offset
from tmlmap.risk.model import Logistic, fit_logistic, load_aiaaic
from tmlmap.risk.scorer import RiskScorer

# ---- the vocabulary ----------------------------------------------------------------


def _batch(rows: list[list[int]], n_cols: int) -> sp.csr_matrix:
    """A canonical CSR batch: each row holds the given distinct columns with weight 1."""
    data, idx, ptr = [], [], [0]
    for r in rows:
        idx += sorted(r)
        data += [1.0] * len(r)
        ptr.append(len(idx))
    return sp.csr_matrix((data, idx, ptr), shape=(len(rows), n_cols))


def test_vocabulary_keeps_words_the_texts_use_except_stop_and_common_words() -> None:
    display = ["the", "purpose", "racist", "loan", "apple"]
    # 10 texts: "purpose" in all (entry format), "the" a stop word, "racist" in 2, "loan" in 1,
    # "apple" in none; two words no paper uses ("porn", "undress") as batch columns 5 and 6.
    rows = [[0, 1, 2], [0, 1, 2], [1, 3], [1, 5], [1, 5, 6]] + [[1]] * 5
    W = _batch(rows, 7)
    voc = IncidentVocabulary.fit(display, W, ["porn", "undress"])
    assert voc.keys == ["porn", "undress"] and voc.size == 7
    assert voc.keep.tolist() == [False, False, True, True, False, True, True]
    # Another batch: its own new-word columns are matched by key, unknown words get no column.
    W2 = _batch([[2, 5, 6], [4, 1]], 7)
    V, col, value = voc.matrix(W2, ["undress", "sexist"])
    assert col.tolist() == [2, 6, -1, -1, -1]
    assert value[:2] == pytest.approx([2 ** -0.5] * 2) and not value[2:].any()
    assert V.shape == (2, 7) and V.toarray()[0].tolist() == pytest.approx([0, 0, 2 ** -0.5, 0, 0, 0, 2 ** -0.5])
    assert V[1].nnz == 0
    with pytest.raises(ValueError, match="max_df"):
        IncidentVocabulary.fit(display, W, ["porn", "undress"], max_df=0)


def test_max_df_default_drops_entry_format_words() -> None:
    display = ["deployer", "bias"]
    W = _batch([[0, 1]] + [[0]] * 9, 2)
    assert IncidentVocabulary.fit(display, W, []).keep.tolist() == [False, True]
    assert IncidentVocabulary.fit(display, W, [], max_df=1.0).keep.tolist() == [True, True]
    assert 0 < MAX_DF < 1


# ---- the fit on top -----------------------------------------------------------------


def test_fit_on_offset_gives_marking_words_positive_weight_and_never_negative() -> None:
    rng = np.random.default_rng(0)
    n = 400
    y = (rng.random(n) < 0.3).astype(float)
    # column 0 marks positives, column 1 marks negatives, column 2 is noise, column 3 unused
    c0 = (y == 1) & (rng.random(n) < 0.6)
    c1 = (y == 0) & (rng.random(n) < 0.6)
    c2 = rng.random(n) < 0.3
    V = sp.csr_matrix(np.column_stack([c0, c1, c2, np.zeros(n)]).astype(float))
    shift, w = fit_on_offset(np.zeros(n), V, y)
    assert w.shape == (4,) and np.all(w >= 0)
    assert w[0] > 1.0 and w[1] == 0.0 and w[3] == 0.0 and w[2] < 0.5 * w[0]
    assert shift < 0  # the base rate is below one half
    # A stronger penalty shrinks the weights toward 0.
    assert fit_on_offset(np.zeros(n), V, y, l2=1e-1)[1][0] < w[0]
    # The offset is kept fixed: a large one leaves less to explain.
    big = np.where(y == 1, 3.0, -3.0)
    assert fit_on_offset(big, V, y)[1][0] < w[0]
    with pytest.raises(ValueError, match="shape"):
        fit_on_offset(np.zeros(n - 1), V, y)
    with pytest.raises(ValueError, match="l2"):
        fit_on_offset(np.zeros(n), V, y, l2=0)


def test_penalised_log_loss_matches_its_definition_and_a_numerical_gradient() -> None:
    from scipy.optimize import check_grad

    from tmlmap.risk.logistic import penalised_log_loss

    rng = np.random.default_rng(2)
    X = sp.csr_matrix(rng.random((50, 4)) * (rng.random((50, 4)) < 0.5))
    y = (rng.random(50) < 0.4).astype(float)
    off = rng.standard_normal(50)

    def loss(th):
        return penalised_log_loss(th, off + th[0] + X @ th[1:], y, X, 0.1)

    th = rng.standard_normal(5)
    z = off + th[0] + X @ th[1:]
    p = 1 / (1 + np.exp(-z))
    want = -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean() + 0.1 * (th[1:] ** 2).sum()
    assert loss(th)[0] == pytest.approx(want)
    assert check_grad(lambda t: loss(t)[0], lambda t: loss(t)[1], th) < 1e-5
    # Dense inputs give the same as sparse ones.
    assert penalised_log_loss(th, z, y, X.toarray(), 0.1)[1] == pytest.approx(loss(th)[1])


def test_with_incident_words_keeps_the_map_weights() -> None:
    rng = np.random.default_rng(1)
    X = rng.random((300, 3))
    y = (X[:, 0] + 0.3 * rng.standard_normal(300) > 0.6).astype(float)
    V = sp.csr_matrix((rng.random((300, 5)) < 0.2).astype(float))
    base = fit_logistic(X, y)
    m = base.with_incident_words(X, V, y)
    assert np.array_equal(m.coef, base.coef) and m.word_coef is not None and np.all(m.word_coef >= 0)
    z = m.logit(X, V)
    assert z == pytest.approx(m.intercept + X @ m.coef + V @ m.word_coef)
    assert m(X, V) == pytest.approx(1 / (1 + np.exp(-z)))
    with pytest.raises(ValueError, match="give V"):
        m(X)
    assert base(X) == pytest.approx(Logistic(base.coef, base.intercept)(X))
    assert m.to_dict()["n_word_weights"] == int(np.count_nonzero(m.word_coef))


# ---- the default scorer ---------------------------------------------------------------


@pytest.fixture(scope="module")
def scorer(real_map, real_store) -> RiskScorer:
    return RiskScorer(real_map, real_store)


def test_default_learns_incident_words_beyond_the_map(scorer: RiskScorer) -> None:
    cm = scorer.context_model
    assert cm is not None and cm.incident is not None
    params = cm.describe()
    for lab in ("fairness", "privacy"):
        m = cm.models[lab]
        assert m.word_coef is not None and np.all(m.word_coef >= 0) and params[lab]["n_word_weights"] > 100
        assert len(params[lab]["raising_words"]) == 10 and min(params[lab]["raising_words"].values()) > 0
    cols = {cm.incident_word_name(int(c)): int(c) for c in np.flatnonzero(cm.incident.keep)}
    assert cm.models["privacy"].word_coef[cols["porn"]] > 0 and cm.models["fairness"].word_coef[cols["racist"]] > 0
    # Words no paper uses get weight from the incidents too (the columns after the forms).
    n0 = cm.incident.n_forms
    assert cm.incident.keys and max(cm.models[lab].word_coef[n0:].max() for lab in ("fairness", "privacy")) > 0.5
    # AIAAIC's entry format is no evidence: its field names get no column.
    assert not {"purpose", "deployer", "sectors", "technology"} & set(cols)


def test_reports_show_the_incident_words(scorer: RiskScorer) -> None:
    text = "A chatbot insults users with racist slurs."
    rep = scorer.score(text)
    inc = rep.incident_terms
    assert inc and all(t["contribution"] > 0 for t in inc)
    assert ("racist", "fairness") in {(t["term"], t["topic"]) for t in inc}
    full = rep.to_full_dict()
    assert full["incident_terms"] == inc and "incident_terms" not in rep.to_dict()
    json.dumps(full)
    # The word's whole part (map readings + incident weight) is what top_terms ranks.
    top = {(t["term"], t["topic"]): t["contribution"] for t in rep.top_terms}
    part = {(t["term"], t["topic"]): t["contribution"] for t in inc}
    assert top[("racist", "fairness")] >= part[("racist", "fairness")] - 1e-4
    # The logit above the intercept adds up the map readings and the incident words.
    res = scorer.context_model.analyse([text])
    m = scorer.context_model.models["fairness"]
    assert res.evidence()[0, 0] == pytest.approx(m.logit(res.Z, res.V)[0] - m.intercept)
    assert rep.fairness_risk == pytest.approx(float(m(res.Z, res.V)[0]), abs=1e-4)


def test_incident_words_raise_aiaaic_dev_fit_without_moving_calibration(scorer: RiskScorer, real_map) -> None:
    """In-sample on AIAAIC dev the words add ranking (observed +0.1 AUC when written) and the risks
    stay calibrated in the large; the map/context weights are those of the fit without them (the
    evaluation's "previous default"), only the intercept moved."""
    from tmlmap.risk.evaluate import auc
    from tmlmap.risk.scorer import clean_input

    dev = load_aiaaic("dev")
    texts = [clean_input(r["text"])[0] for r in dev]
    cm = scorer.context_model
    res = cm.analyse(texts)
    # The evaluation fits its comparison models on the inputs kept from the fit: they are these.
    assert cm.fit_inputs is not None and cm.fit_labels is not None
    assert np.array_equal(cm.fit_inputs, res.Z)
    for j, lab in enumerate(("fairness", "privacy")):
        y = np.array([r[f"{lab}_label"] for r in dev])
        assert np.array_equal(cm.fit_labels[lab], y)
        plain = fit_logistic(res.Z, y)
        m = scorer.context_model.models[lab]
        assert np.array_equal(m.coef, plain.coef) and m.intercept < plain.intercept
        assert auc(y, res.risk[:, j]) > auc(y, plain(res.Z)) + 0.03
        assert abs(res.risk[:, j].mean() - y.mean()) < 0.02


def test_dashboard_incident_rows_and_markdown_escape_the_report() -> None:
    from tmlmap.risk.scorer import RiskReport
    from tmlmap.views.risk_panels import incident_rows, incident_words_markdown

    rep = RiskReport(0.3, 0.2, 97.0, 50.0, 0.6, incident_terms=[
        {"term": "racist <b>", "topic": "fairness", "contribution": 1.234},
        {"term": "dox|x", "topic": "privacy", "contribution": 0.5}])
    assert incident_rows(rep)[0] == {"word": "racist <b>", "risk": "fairness", "logit points": 1.234}
    md = "\n".join(incident_words_markdown(rep))
    assert "| fairness | 1.23 |" in md and "<b>" not in md and "dox|x" not in md
    assert "No word of the description" in "\n".join(incident_words_markdown(RiskReport(0.1, 0.1, 1.0, 1.0, 0.5)))
