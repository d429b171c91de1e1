"""Incident words: a per-word correction of the risk logit, learned from the AIAAIC dev incidents.

The map and the use contexts read a description through the papers (:mod:`tmlmap.risk.words`);
what papers do not hold, the labelled incidents do: "porn" and "undress" (no paper uses them)
were privacy incidents, "racist" and "accused" fairness ones, and AIAAIC's editors file
facial-recognition headlines under privacy and surveillance far more often than under bias.
This layer gives every word the dev incidents use one **non-negative** weight per label, fitted
**on top of** the map/context model (:func:`fit_on_offset`: that model's logit is a fixed
offset, its weights stay as they are, one intercept shift is fitted with the word weights) and
shrunk toward 0 by an L2 penalty (:data:`INCIDENT_L2`), so a word the incidents rarely use
moves a score little and a word they never use not at all: on texts unlike AIAAIC's the map and
the contexts still do the reading.

Why so (all measured by dev cross-validation, ``benchmarks/risk_cv.py --incident-words``):

- **Non-negative** keeps the model monotone (a word can raise a risk, never lower one), so an
  incident-set habit cannot switch off a use context: with signed weights "employment" and
  "health" took negative fairness weights (AIAAIC files many employment and health incidents
  under other issues), which lowered every hiring text.
- **On top, not jointly:** fitted jointly, the words common to AIAAIC's entries ("purpose",
  "sectors", "deployer") took large weights and the intercept fell to match, so a text written
  another way, without them, lost most of its risk (mean fairness risk of the hand-written risky
  descriptions 0.19 -> 0.06). On top, with the common words left out (:data:`MAX_DF`), it stays
  near (0.13) at the same AUC.


The inputs ``V`` ``(n, n_forms + len(keys))``: per text, its distinct words (the map's forms,
and the words no paper uses that the dev incidents use, ``keys``), English stop words dropped,
each ``1 / sqrt(count)`` (binary, L2-normalized rows: a word counts once, a long text does not
count more). Chosen by dev cross-validation against tf-idf and sklearn word n-gram vocabularies
(``benchmarks/risk_cv.py --incident-words``; benchmarks/risk-evaluation-log.md, *Incident words*).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from tmlmap.risk.logistic import penalised_log_loss

#: L2 penalty of the incident-word weights, per example (dev CV: 3e-4, 1e-4, 5e-5 tried; the
#: largest within 0.005 AUC of the best on both labels).
INCIDENT_L2 = 1e-4
#: Words used by more than this share of the fitting texts get no weight: in AIAAIC they are its
#: entry format ("purpose", "sectors", "deployer", "machine learning"), not what happened (dev CV:
#: 1.0, 0.5, 0.2, 0.1, 0.05 tried; 0.2 best on fairness, privacy within 0.001 of the best).
MAX_DF = 0.2


def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


@dataclass
class IncidentVocabulary:
    """The columns of ``V``: the ``n_forms`` map forms, then ``keys``, the words no paper uses that
    the fitting texts use (sorted); ``keep`` ``(n_forms + len(keys),)`` marks the columns that count
    (not stop words, used by at least one and at most :data:`MAX_DF` of the fitting texts)."""

    n_forms: int
    keys: list[str]
    keep: np.ndarray

    @classmethod
    def fit(cls, display: Sequence[str], W: sp.csr_matrix, new_keys: Sequence[str], *,
            max_df: float = MAX_DF) -> IncidentVocabulary:
        """The vocabulary of the fitting texts ``W`` (canonical CSR over the forms, ``display`` their
        names, then the batch's ``new_keys``, :func:`tmlmap.risk.model.features`)."""
        if not 0 < max_df <= 1:
            raise ValueError(f"max_df must be in (0, 1], got {max_df}")
        stop = _stop_words()
        n_forms = len(display)
        used_new = np.unique(W.indices[W.indices >= n_forms]) - n_forms
        keys = sorted({new_keys[j] for j in used_new.tolist()} - stop)
        vocab = cls(n_forms, keys, np.ones(n_forms + len(keys), dtype=bool))
        vocab.keep[:n_forms] = ~np.fromiter((d in stop for d in display), dtype=bool, count=n_forms)
        col = vocab.columns(W, new_keys)
        df = np.bincount(col[col >= 0], minlength=vocab.size)
        vocab.keep &= (df > 0) & (df <= max_df * max(W.shape[0], 1))
        return vocab

    @property
    def size(self) -> int:
        return self.n_forms + len(self.keys)

    def name(self, col: int) -> str:
        """Display key of column ``col`` beyond the forms (forms are named by the caller)."""
        return self.keys[col - self.n_forms]

    def columns(self, W: sp.csr_matrix, new_keys: Sequence[str]) -> np.ndarray:
        """``(nnz,)``: the column of ``V`` of each stored entry of ``W`` (forms, then the text batch's
        ``new_keys`` from column ``n_forms`` on), -1 for words outside the vocabulary or not kept."""
        index = {k: i for i, k in enumerate(self.keys)}
        new = np.asarray([index.get(k, -1) for k in new_keys], dtype=np.int64)
        col = W.indices.astype(np.int64)
        out = np.full(len(col), -1, dtype=np.int64)
        is_form = col < self.n_forms
        out[is_form] = col[is_form]
        if len(new):
            j = new[col[~is_form] - self.n_forms]
            out[~is_form] = np.where(j >= 0, self.n_forms + j, -1)
        ok = out >= 0
        out[ok] = np.where(self.keep[out[ok]], out[ok], -1)
        return out

    def matrix(self, W: sp.csr_matrix, new_keys: Sequence[str] = ()) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
        """``(V, col, value)``: the inputs ``V`` ``(n, size)`` of texts ``W`` (canonical CSR: one entry
        per distinct word), and per stored entry of ``W`` its column in ``V`` (-1: none) and value
        (``1 / sqrt(count)``, ``count`` the text's words in ``V``)."""
        col = self.columns(W, new_keys)
        n = W.shape[0]
        rows = np.repeat(np.arange(n), np.diff(W.indptr))
        ok = col >= 0
        count = np.bincount(rows[ok], minlength=n).astype(np.float64)
        value = np.where(ok, 1.0 / np.sqrt(np.maximum(count[rows], 1.0)), 0.0)
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows[ok], minlength=n))])
        V = sp.csr_matrix((value[ok], col[ok], indptr), shape=(n, self.size))
        return V, col, value


def fit_on_offset(offset: np.ndarray, V: sp.spmatrix, y: np.ndarray, *, l2: float = INCIDENT_L2
                  ) -> tuple[float, np.ndarray]:
    """``(shift, word_coef)``: logistic regression ``p = sigmoid(offset + shift + V @ word_coef)`` with
    ``word_coef >= 0`` ``(q,)`` and L2 penalty ``l2`` (per example, on ``word_coef``), ``offset``
    ``(n,)`` the fixed logit of the model underneath, ``V`` ``(n, q)`` sparse, ``y`` ``(n,)`` 0/1
    (L-BFGS-B). Columns no text uses get weight 0."""
    from scipy.optimize import minimize

    offset = np.asarray(offset, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n, q = V.shape
    if offset.shape != (n,) or y.shape != (n,):
        raise ValueError(f"offset and y need shape ({n},), got {offset.shape} and {y.shape}")
    if l2 <= 0:
        raise ValueError(f"l2 must be > 0, got {l2}")
    Vc = sp.csc_matrix(V, dtype=np.float64)
    used = np.flatnonzero(np.diff(Vc.indptr) > 0)  # unused columns would only slow the fit
    Vu = sp.csr_matrix(Vc[:, used])

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        return penalised_log_loss(theta, offset + theta[0] + Vu @ theta[1:], y, Vu, l2)

    bounds = [(None, None)] + [(0.0, None)] * len(used)
    res = minimize(loss, np.zeros(1 + len(used)), jac=True, method="L-BFGS-B", bounds=bounds)
    word_coef = np.zeros(q)
    word_coef[used] = res.x[1:]
    return float(res.x[0]), word_coef
