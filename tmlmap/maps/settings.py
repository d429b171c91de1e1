"""All map settings in one validated, hashable object (part of the cache key)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

WEIGHTS = ("count", "association", "npmi", "jaccard")
BACKENDS = ("igraph", "louvain", "leiden")
VOCAB_BY = ("frequency", "relevance")


@dataclass(frozen=True)
class MapSettings:
    """Settings of one map build.

    Corpus selection
        venues: venues to keep (empty = all); year_min/year_max: inclusive range
        (None = open).
    Vocabulary
        min_df: minimum number of documents a term occurs in; max_df_share:
        maximum share of documents (0-1]; max_terms: vocabulary size cap;
        vocab_by: ``"frequency"`` (document frequency) or ``"relevance"``
        (KL divergence of the term's co-occurrence profile, VOSviewer-like).
    Phrases
        phrase_min_count: minimum documents for a multiword term;
        phrase_min_npmi: minimum normalized PMI of its words, in (-1, 1].
    Edges
        weight: ``count`` (the paper's raw counts), ``association``
        (association strength), ``npmi`` or ``jaccard``; min_count: minimum
        documents shared by an edge's terms; top_k: keep each node's k
        strongest edges (0 = off); backbone_alpha: disparity-filter
        significance (None = off).
    Communities
        backend: ``igraph`` (C Louvain, default), ``louvain``
        (python-louvain) or ``leiden`` (igraph's Leiden); resolution: Louvain resolution (> 0); seed: random
        seed; consensus_runs: seeds combined into the consensus partition
        (1 = single run).
    thesaurus: optional CSV path (variant,preferred); its content hash is part
    of the cache key.
    """

    venues: tuple[str, ...] = ()
    year_min: int | None = None
    year_max: int | None = None
    min_df: int = 3
    max_df_share: float = 0.25
    max_terms: int = 10000
    vocab_by: str = "frequency"
    phrase_min_count: int = 8
    phrase_min_npmi: float = 0.3
    weight: str = "association"
    min_count: int = 2
    top_k: int = 0
    backbone_alpha: float | None = 0.05
    backend: str = "igraph"
    resolution: float = 1.5
    seed: int = 0
    consensus_runs: int = 15
    thesaurus: str | None = None
    _thesaurus_hash: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        def bad(name: str, why: str) -> None:
            raise ValueError(f"MapSettings.{name}: {why}")

        if not isinstance(self.venues, tuple):
            object.__setattr__(self, "venues", tuple(self.venues))
        if self.year_min is not None and self.year_max is not None and self.year_min > self.year_max:
            bad("year_min", f"{self.year_min} is after year_max {self.year_max}")
        if self.min_df < 1:
            bad("min_df", "must be >= 1")
        if not 0 < self.max_df_share <= 1:
            bad("max_df_share", "must be in (0, 1]")
        if self.max_terms < 2:
            bad("max_terms", "must be >= 2")
        if self.vocab_by not in VOCAB_BY:
            bad("vocab_by", f"must be one of {VOCAB_BY}")
        if self.phrase_min_count < 2:
            bad("phrase_min_count", "must be >= 2")
        if not -1 < self.phrase_min_npmi <= 1:
            bad("phrase_min_npmi", "must be in (-1, 1]")
        if self.weight not in WEIGHTS:
            bad("weight", f"must be one of {WEIGHTS}")
        if self.min_count < 1:
            bad("min_count", "must be >= 1")
        if self.top_k < 0:
            bad("top_k", "must be >= 0")
        if self.backbone_alpha is not None and not 0 < self.backbone_alpha < 1:
            bad("backbone_alpha", "must be in (0, 1) or None")
        if self.backend not in BACKENDS:
            bad("backend", f"must be one of {BACKENDS}")
        if not self.resolution > 0:
            bad("resolution", "must be > 0")
        if self.consensus_runs < 1:
            bad("consensus_runs", "must be >= 1")
        if self.thesaurus and not self._thesaurus_hash:
            path = Path(self.thesaurus)
            if not path.is_file():
                bad("thesaurus", f"no such file: {path}")
            object.__setattr__(self, "_thesaurus_hash", hashlib.sha256(path.read_bytes()).hexdigest())

    def replace(self, **changes: Any) -> MapSettings:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["venues"] = list(self.venues)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> MapSettings:
        d = dict(d)
        d["venues"] = tuple(d.get("venues") or ())
        return cls(**d)

    def key(self) -> str:
        """A stable hash of every setting (thesaurus by content)."""
        blob = json.dumps(self.to_dict(), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]
