"""Analyses of a built map: the thematic map (centrality x density) and trends over years.

Reads :class:`tmlmap.maps.TermMap`; returns plain data frames and arrays for the views.
"""

from tmlmap.analysis.thematic import centrality_density, quadrant, thematic_map
from tmlmap.analysis.trends import term_mean_year, yearly_shares

__all__ = ["centrality_density", "quadrant", "term_mean_year", "thematic_map", "yearly_shares"]
