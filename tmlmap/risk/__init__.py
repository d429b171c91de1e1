"""Risk scoring of project descriptions on a map: fingerprints, relevance, scorer, batch, evaluation.

Data flow: :class:`tmlmap.maps.TermMap` -> topic fingerprints of every term
(:func:`fingerprints`) -> fingerprints of every corpus word for the topics and the
use contexts (:mod:`tmlmap.risk.words`, :mod:`tmlmap.risk.contexts`) -> the
calibrated model (:mod:`tmlmap.risk.model`, with the incident words of
:mod:`tmlmap.risk.incident_words` on top) -> :class:`RiskScorer` (one text or
many) -> :class:`RiskReport`;
:mod:`tmlmap.risk.batch` scores files, :mod:`tmlmap.risk.evaluate` measures it all.
"""

from tmlmap.risk.batch import BatchInputError, RowWriter, read_rows, score_rows
from tmlmap.risk.contexts import Context, parse_contexts
from tmlmap.risk.fingerprint import Fingerprints, fingerprints, parse_seed_terms, seed_terms
from tmlmap.risk.model import ContextModel
from tmlmap.risk.relevance import TopicScorer, community_profiles, topic_relevance
from tmlmap.risk.scorer import RiskReport, RiskScorer, clean_input

__all__ = [
    "BatchInputError",
    "Context",
    "ContextModel",
    "Fingerprints",
    "RiskReport",
    "RiskScorer",
    "RowWriter",
    "TopicScorer",
    "clean_input",
    "community_profiles",
    "fingerprints",
    "parse_contexts",
    "parse_seed_terms",
    "read_rows",
    "score_rows",
    "seed_terms",
    "topic_relevance",
]
