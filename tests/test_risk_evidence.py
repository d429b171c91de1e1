"""Evidence papers ranked by the share of the driving weight they use (:mod:`tmlmap.risk.evidence`)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from tmlmap.risk.evidence import coverage_ranking

# Five papers over four words (rows: papers). Word 0 is the strongest driver.
USES = np.array([
    [1, 0, 0, 0],  # paper 0: only the strongest word, and a short paper (high cosine)
    [0, 1, 1, 0],  # paper 1: the second and third words
    [0, 1, 1, 1],  # paper 2: the same two words in a longer paper, plus word 3
    [0, 0, 0, 0],  # paper 3: none of them
    [0, 1, 1, 0],  # paper 4: the same words as paper 1
], dtype=float)


def _matrices(uses: np.ndarray, extra_words: np.ndarray | None = None):
    """``(forms_papers, papers_T)``: incidence and L2-normalized paper vectors (idf 1), where
    ``extra_words`` adds words outside the query to some papers (a longer paper, lower cosine)."""
    full = uses if extra_words is None else np.hstack([uses, extra_words])
    norms = np.linalg.norm(full, axis=1, keepdims=True)
    vec = np.divide(full, norms, out=np.zeros_like(full), where=norms > 0)[:, : uses.shape[1]]
    return sp.csr_matrix(uses.T), sp.csr_matrix(vec.T)


def test_more_of_the_driving_weight_beats_one_strong_word() -> None:
    fp, pt = _matrices(USES)
    q = sp.csr_matrix(np.array([[0.5, 0.3, 0.3, 0.0]]))
    docs, cov = coverage_ranking(q, fp, pt, 5)[0]
    # papers 1, 2 and 4 use 0.6 of the 1.1 driving weight, paper 0 only 0.5
    assert docs[-1] == 0 and set(docs[:3]) == {1, 2, 4}
    np.testing.assert_allclose(cov, [0.6 / 1.1] * 3 + [0.5 / 1.1])
    assert 3 not in docs  # a paper sharing no driving word is never evidence
    # ... while the cosine ranking puts the one-word paper first
    cos = (q @ pt).toarray().ravel()
    assert np.argmax(cos) == 0


def test_ties_go_to_the_more_focused_paper_then_the_lower_index() -> None:
    extra = np.array([[0], [0], [0], [0], [1]], dtype=float)  # paper 4 has one more word of its own
    fp, pt = _matrices(USES, extra)
    q = sp.csr_matrix(np.array([[0.0, 0.4, 0.4, 0.0]]))
    docs, cov = coverage_ranking(q, fp, pt, 3)[0]
    # 1, 2 and 4 all cover the whole weight; paper 1 is the most focused on the two words
    # (cosine 0.8 / sqrt(2)); paper 2's third word and paper 4's own word dilute them equally
    # (0.8 / sqrt(3) each), so of those two the lower index comes first
    np.testing.assert_allclose(cov, 1.0)
    assert docs.tolist() == [1, 2, 4]
    # a cut inside a tie keeps the best of the tied papers, not the first ones found
    assert coverage_ranking(q, fp, pt, 1)[0][0].tolist() == [1]


def test_scale_free_chunked_and_bounded() -> None:
    rng = np.random.default_rng(0)
    uses = (rng.random((60, 12)) < 0.3).astype(float)
    fp, pt = _matrices(uses)
    Q = sp.csr_matrix(rng.random((9, 12)) * (rng.random((9, 12)) < 0.4))
    whole = coverage_ranking(Q, fp, pt, 4)
    assert [d.tolist() for d, _ in coverage_ranking(Q, fp, pt, 4, chunk=2)] == [d.tolist() for d, _ in whole]
    scaled = coverage_ranking(sp.diags(np.arange(1, 10.0)) @ Q, fp, pt, 4)
    assert [d.tolist() for d, _ in scaled] == [d.tolist() for d, _ in whole]
    for r, (docs, cov) in enumerate(whole):
        row = Q[r].toarray().ravel()
        if row.sum() == 0:
            assert len(docs) == 0
            continue
        brute = uses @ row / row.sum()
        assert np.all((cov > 0) & (cov <= 1)) and np.all(np.diff(cov) <= 1e-12)
        np.testing.assert_allclose(cov, brute[docs])
        # nothing left out covers more than the last paper kept
        rest = np.setdiff1d(np.arange(len(uses)), docs)
        assert brute[rest].max(initial=0) <= cov[-1] + 1e-12


def test_empty_rows_zero_k_and_bad_input() -> None:
    fp, pt = _matrices(USES)
    q = sp.csr_matrix((2, 4))
    assert [len(d) for d, _ in coverage_ranking(q, fp, pt, 5)] == [0, 0]
    assert len(coverage_ranking(sp.csr_matrix(np.ones((1, 4))), fp, pt, 0)[0][0]) == 0
    with pytest.raises(ValueError, match="non-negative"):
        coverage_ranking(sp.csr_matrix(np.array([[1.0, -1.0, 0, 0]])), fp, pt, 2)
    with pytest.raises(ValueError, match="word columns"):
        coverage_ranking(sp.csr_matrix(np.ones((1, 3))), fp, pt, 2)
    with pytest.raises(ValueError, match="k must be"):
        coverage_ranking(q, fp, pt, -1)


def test_ties_go_first_to_the_paper_most_about_the_texts_signals() -> None:
    """With ``tie``, papers using the same driving words go by ``profiles @ weights`` before cosine:
    a paper repeating the words (high cosine) but about something else comes after one about the
    text's signals. The share covered is unchanged; papers of higher coverage still come first."""
    extra = np.array([[0], [1], [1], [0], [1]], dtype=float)  # papers 1, 2, 4 carry a word of their own
    fp, pt = _matrices(USES, extra)
    q = sp.csr_matrix(np.array([[0.0, 0.4, 0.4, 0.0], [0.5, 0.3, 0.3, 0.0]]))
    # two signals; paper 4 is the one most about signal 1, paper 0 the most about signal 0
    profiles = np.array([[0.99, 0.1], [0.5, 0.2], [0.6, 0.3], [0.3, 0.3], [0.2, 0.9]], dtype=np.float32)
    weights = np.array([[0.0, 1.0], [1.0, 0.0]])
    plain = coverage_ranking(q, fp, pt, 3)
    about = coverage_ranking(q, fp, pt, 3, tie=(profiles, weights))
    # by cosine, 1 and 4 (two words of three) tie before 2 (two of four), then by index
    assert plain[0][0].tolist() == [1, 4, 2] and about[0][0].tolist() == [4, 2, 1]
    np.testing.assert_allclose(about[0][1], plain[0][1])
    # row 1 leans on signal 0: among the tied 1, 2, 4, paper 2 first; paper 0, the most about
    # signal 0, covers less of the driving weight and stays last
    assert coverage_ranking(q, fp, pt, 4, tie=(profiles, weights))[1][0].tolist() == [2, 1, 4, 0]
    with pytest.raises(ValueError, match="tie needs"):
        coverage_ranking(q, fp, pt, 3, tie=(profiles[:4], weights))
    with pytest.raises(ValueError, match="tie needs"):
        coverage_ranking(q, fp, pt, 3, tie=(profiles, weights[:1]))
    with pytest.raises(ValueError, match="tie weights"):
        coverage_ranking(q, fp, pt, 3, tie=(profiles, -weights))
