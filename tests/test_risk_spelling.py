"""Spelling-based fingerprints of rare and unseen words (issue 12): the ridge map from character
n-grams, the stream that keeps unseen words, and the spelled readings of the default model.

Pure parts run on hand-made inputs; the behaviour on real words uses the session's real map.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from tmlmap.risk.words import _block_cg, _ngram_matrix, fit_spelling

# ---- the ridge map ------------------------------------------------------------------


def test_block_cg_solves_the_ridge_system() -> None:
    rng = np.random.default_rng(0)
    X = sp.random(40, 300, density=0.05, random_state=1, format="csr")
    B = rng.normal(size=(40, 3))
    D = _block_cg(X, 0.5, B)
    K = (X @ X.T).toarray() + 0.5 * np.eye(40)
    # Stopped at a squared relative residual of 1e-8 per column (a relative residual of 1e-4).
    assert (np.linalg.norm(K @ D - B, axis=0) <= 1e-3 * np.linalg.norm(B, axis=0)).all()
    np.testing.assert_allclose(D, np.linalg.solve(K, B), rtol=1e-2, atol=1e-3)


def test_ngram_vectors_are_normalized_and_restricted_to_the_vocabulary() -> None:
    X, vocab = _ngram_matrix(["racism", "racial"], (3, 5), 20)
    assert np.allclose(np.asarray(X.multiply(X).sum(axis=1)).ravel(), 1.0)
    Y, _ = _ngram_matrix(["racist", "zzzz"], (3, 5), 20, vocab)
    assert Y.shape[1] == len(vocab)
    assert Y[0].nnz > 0 and Y[1].nnz == 0  # "zzzz" shares no n-gram with the vocabulary


def test_spelling_map_carries_leans_to_words_spelled_alike() -> None:
    keys = ["racism", "racial", "racially", "privacy", "private", "privately", "table", "chair", "window"]
    Y = np.array([[2.0, 0.0]] * 3 + [[0.0, 2.0]] * 3 + [[0.0, 0.0]] * 3)
    m = fit_spelling(keys, Y, alpha=0.3)
    P = m.predict(["racist", "privateness", "windows", "qqqq"])
    assert P[0, 0] > 0.5 and P[0, 0] > P[0, 1]  # racist ~ racism, racial
    assert P[1, 1] > 0.5 and P[1, 1] > P[1, 0]  # privateness ~ private
    assert abs(P[2]).max() < 0.3  # windows ~ window: neutral
    assert np.all(P[3] == 0.0)  # no known n-gram: the corpus mean (lift 0), no intercept
    m2 = fit_spelling(keys, Y, alpha=0.3)
    np.testing.assert_array_equal(m.predict(["racist"]), m2.predict(["racist"]))  # deterministic
    lo, hi = Y.min(axis=0), Y.max(axis=0)
    assert ((lo <= P) & (hi >= P)).all()  # clipped to the targets' range


# ---- on the real map ----------------------------------------------------------------


@pytest.fixture(scope="module")
def wf(real_map):
    from tmlmap.risk.words import word_fingerprints

    return word_fingerprints(real_map)


def _lift(wf, keys: list[str]) -> np.ndarray:
    A, _ = wf.unseen_rows(keys)
    return np.log(A[:, :2] / wf.prior[None, :2])


def test_unseen_words_stay_in_the_stream(real_map, wf) -> None:
    from tmlmap.risk.words import form_stream_unseen

    texts = ["A chatbot insults users with sexist slurs.", "Loan applicants are scored."]
    stream, new = form_stream_unseen(real_map, texts, wf.n_forms)
    base = real_map.extractor.form_stream(texts)
    assert "sexist" in new and real_map.extractor.form_index.get("sexist") is None
    tok, ref = stream.tokens, base.tokens
    assert len(tok) == len(ref)
    known = ref >= 0
    np.testing.assert_array_equal(tok[known], ref[known])  # known forms and phrases exactly as before
    assert set(tok[ref == -2].tolist()) == {wf.n_forms + j for j in range(len(new))}


def test_unseen_word_spelled_like_a_fairness_term_leans_to_fairness(real_map, wf) -> None:
    words = ["racists", "discriminates"]  # spelled like racist, racism; discrimination
    assert all(real_map.extractor.form_index.get(w) is None for w in words)  # no paper uses them
    L = _lift(wf, words)
    assert (L[:, 0] > 0.3).all() and (L[:, 0] > L[:, 1] + 0.3).all()


def test_neutral_unseen_words_do_not_lean(wf) -> None:
    L = _lift(wf, ["wheelbarrows", "pancakes", "snowboarding", "qqqq"])
    assert (L < 0.3).all()


def test_paper_only_readings_are_the_previous_ones(real_map, wf) -> None:
    from tmlmap.risk.model import features, views
    from tmlmap.risk.words import compute_word_fingerprints

    texts = ["A chatbot insults users with racist and sexist slurs.",
             "We screen job applicants' CVs and rank candidates for interviews", "Proctorio flags students."]
    old = compute_word_fingerprints(real_map, spelling=False)
    Z0 = features(real_map, old, texts)[0]
    Z = features(real_map, wf, texts)[0]
    k = len(wf.columns)
    assert len(views(wf)) == 6 and Z.shape == (3, 6 * k)
    np.testing.assert_allclose(Z[:, : 3 * k], Z0)
    assert (Z[0, 3 * k:] >= 0).all()


def test_slur_sentence_reads_its_unseen_words(real_map, real_store) -> None:
    from tmlmap.risk.scorer import RiskScorer

    sc = RiskScorer(real_map, real_store)
    rep = sc.score("A chatbot insults users with racist and sexist slurs.")
    terms = {t["term"] for t in rep.top_terms if t["topic"] == "fairness"}
    assert "racist" in terms
    # The paper-only model (the previous default) gave 0.010; spelling reads "racist" (2 papers) as
    # a fairness word. Still low: no word decides alone and "sexist" is spelled like little the map knows.
    assert rep.fairness_risk is not None and rep.fairness_risk > 0.02
    again = sc.score("A chatbot insults users with racist and sexist slurs.")
    assert again.to_dict() == rep.to_dict()  # deterministic
    full = rep.to_full_dict()
    assert "sexist" in full["unmatched_words"]  # still reported as a word the corpus does not use
