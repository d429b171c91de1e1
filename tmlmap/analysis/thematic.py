"""Thematic map (Callon et al. 1991, as drawn by biblioshiny): centrality and density per community.

With ``e_ij`` the (normalized) link weight of the pruned term graph:

* **centrality** of community ``k`` = sum of ``e_ij`` over links with exactly one
  end in ``k`` (every cross-community link counts once for *each* of its two
  communities): how strongly the theme is tied to the rest of the field;
* **density** of ``k`` = ``100 * sum of e_ij over links inside k / n_k`` (``n_k``
  terms in ``k``): how well developed the theme is internally.

Each link of the symmetric adjacency is counted once (upper triangle). Both axes
are split at their means (of the values, or of their ranks as biblioshiny plots
them) into four quadrants:

==================  ===========  =========  ======================================
quadrant            centrality   density    reading
==================  ===========  =========  ======================================
``motor``           high         high       well developed and central themes
``niche``           low          high       specialised, peripheral themes
``emerging or       low          low        marginal themes (new or fading)
declining``
``basic``           high         low        transversal, general themes
==================  ===========  =========  ======================================

"High" means ``>=`` the mean.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

MOTOR = "motor"
NICHE = "niche"
EMERGING = "emerging or declining"
BASIC = "basic"
QUADRANTS = (MOTOR, NICHE, EMERGING, BASIC)


def centrality_density(adjacency: sp.spmatrix, membership: np.ndarray,
                       n_communities: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Callon centrality and density of every community.

    ``adjacency``: ``(n_terms, n_terms)`` symmetric weighted graph (zero diagonal
    expected; a diagonal is ignored). ``membership``: ``(n_terms,)`` community id
    per term, ``0..k-1``. Returns ``(centrality, density)``, each ``(k,)`` float:
    centrality in link-weight units, density in 100 x weight per term.
    """
    membership = np.asarray(membership, dtype=np.int64)
    k = int(n_communities if n_communities is not None else (membership.max() + 1 if len(membership) else 0))
    upper = sp.triu(sp.coo_matrix(adjacency), k=1).tocoo()
    ci, cj, w = membership[upper.row], membership[upper.col], upper.data.astype(float)
    inside = ci == cj
    internal = np.bincount(ci[inside], weights=w[inside], minlength=k)
    cross = ~inside
    centrality = (np.bincount(ci[cross], weights=w[cross], minlength=k)
                  + np.bincount(cj[cross], weights=w[cross], minlength=k))
    sizes = np.bincount(membership, minlength=k).astype(float)
    density = np.divide(100.0 * internal, sizes, out=np.zeros(k), where=sizes > 0)
    return centrality[:k], density[:k]


def quadrant(high_centrality: bool, high_density: bool) -> str:
    """The quadrant name for one community."""
    if high_centrality:
        return MOTOR if high_density else BASIC
    return NICHE if high_density else EMERGING


def thematic_map(adjacency: sp.spmatrix, membership: np.ndarray, *,
                 names: Sequence[str] | None = None, n_papers: Sequence[int] | None = None,
                 min_size: int = 1, by: str = "value") -> pd.DataFrame:
    """One row per community (with at least ``min_size`` terms): its thematic-map position.

    Columns: ``community`` (id), ``name``, ``size`` (terms), ``n_papers`` (if
    given), ``centrality``, ``density``, ``centrality_rank``/``density_rank``
    (1 = lowest, average ranks for ties, among the rows kept), and
    ``quadrant``. ``by="value"`` splits at the mean of the values,
    ``by="rank"`` at the mean of the ranks (biblioshiny's plot). Means are
    taken over the rows kept.
    """
    if by not in ("value", "rank"):
        raise ValueError("by must be 'value' or 'rank'")
    membership = np.asarray(membership, dtype=np.int64)
    k = int(membership.max() + 1) if len(membership) else 0
    centrality, density = centrality_density(adjacency, membership, k)
    sizes = np.bincount(membership, minlength=k)
    df = pd.DataFrame({
        "community": np.arange(k),
        "name": list(names) if names is not None else [str(i) for i in range(k)],
        "size": sizes,
    })
    if n_papers is not None:
        df["n_papers"] = np.asarray(n_papers, dtype=np.int64)
    df["centrality"] = centrality
    df["density"] = density
    df = df[df["size"] >= min_size].reset_index(drop=True)
    df["centrality_rank"] = df["centrality"].rank(method="average")
    df["density_rank"] = df["density"].rank(method="average")
    x, y = ("centrality", "density") if by == "value" else ("centrality_rank", "density_rank")
    if len(df):
        hx, hy = df[x] >= df[x].mean(), df[y] >= df[y].mean()
        df["quadrant"] = [quadrant(a, b) for a, b in zip(hx, hy, strict=True)]
    else:
        df["quadrant"] = pd.Series(dtype=object)
    return df
