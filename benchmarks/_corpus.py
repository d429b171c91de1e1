"""Shared helpers for the benchmarks: the embedded corpus and a machine line."""

from __future__ import annotations

import gzip
import json
import os
import platform
import resource

from tmlmap.config import EMBEDDED_CORPUS
from tmlmap.corpus.records import Paper, validate_record


def embedded_papers() -> list[Paper]:
    with gzip.open(EMBEDDED_CORPUS, "rt", encoding="utf-8") as fh:
        return [validate_record(json.loads(line)) for line in fh if line.strip()]


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
