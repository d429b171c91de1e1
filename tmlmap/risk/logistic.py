"""The penalised logistic loss that the risk models' fits minimise.

One function, so :func:`tmlmap.risk.model.fit_logistic` (the map/context weights) and
:func:`tmlmap.risk.incident_words.fit_on_offset` (the incident words on that model's logit)
cannot drift apart: they differ only in the logits they pass, their inputs and their bounds.
"""

from __future__ import annotations

import numpy as np


def penalised_log_loss(theta: np.ndarray, z: np.ndarray, y: np.ndarray, X, l2: float
                       ) -> tuple[float, np.ndarray]:
    """``(loss, gradient)`` of a logistic model at ``theta`` = ``[intercept, weights (q,)]``: the mean
    log loss of logits ``z`` ``(n,)`` against ``y`` ``(n,)`` 0/1 plus ``l2 * |weights|^2``, the logits
    being ``intercept + X @ weights`` (+ any fixed offset), ``X`` ``(n, q)`` dense or sparse."""
    n = len(y)
    ll = np.logaddexp(0.0, z) - y * z
    g = 1.0 / (1.0 + np.exp(-z)) - y
    grad = np.concatenate([[g.sum()], X.T @ g]) / n
    grad[1:] += 2 * l2 * theta[1:]
    return float(ll.mean() + l2 * theta[1:] @ theta[1:]), grad
