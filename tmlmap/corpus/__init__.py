"""The corpus: paper records, the SQLite store and the file importers.

Data flow: scrapers and importers -> :class:`Paper` records -> :class:`CorpusStore`.
Reads nothing of tmlmap's but :mod:`tmlmap.config`; everything above reads papers from here.
"""

from tmlmap.corpus.importers import count_records, normalize_title, read_records, sniff_format
from tmlmap.corpus.records import Paper, RecordError, validate_record
from tmlmap.corpus.store import CorpusStore, EmbeddedSync, ImportStats, SchemaError, SearchHit

__all__ = [
    "CorpusStore",
    "EmbeddedSync",
    "ImportStats",
    "Paper",
    "RecordError",
    "SchemaError",
    "SearchHit",
    "count_records",
    "normalize_title",
    "read_records",
    "sniff_format",
    "validate_record",
]
