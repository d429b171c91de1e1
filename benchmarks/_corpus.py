"""Shared helpers for the benchmarks: the embedded corpus, a machine line, whole-process runs."""

from __future__ import annotations

import gzip
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

from tmlmap.config import EMBEDDED_CORPUS
from tmlmap.corpus.records import Paper, validate_record


def embedded_papers() -> list[Paper]:
    with gzip.open(EMBEDDED_CORPUS, "rt", encoding="utf-8") as fh:
        return [validate_record(json.loads(line)) for line in fh if line.strip()]


def corpus_store():
    """The active corpus store as the CLI opens it: on a fresh machine (empty database) the embedded
    corpus is imported first, with a progress bar, so a benchmark never builds a map of 0 papers."""
    from tmlmap.cli.store import open_store

    return open_store()


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class ProcessRun:
    """One whole process: wall seconds, CPU seconds (user + system, its helper
    processes included), peak resident memory (MB, the largest of the process
    and its helpers), the 1-minute load average before it started, and the
    JSON object it printed last (its own measurements)."""

    wall: float
    cpu: float
    peak_rss_mb: float
    load_before: float
    report: dict[str, Any] = field(default_factory=dict)


def run_process(args: list[str], env: dict[str, str] | None = None) -> ProcessRun:
    """Run ``python ARGS`` to completion; raise RuntimeError (with its stderr tail) if it fails."""
    load = os.getloadavg()[0]
    with tempfile.TemporaryFile("w+") as out_file, tempfile.TemporaryFile("w+") as err_file:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, *args], stdout=out_file, stderr=err_file, text=True,
                                env={**os.environ, **(env or {})})
        # wait4 gives this child's own resource use (its waited-for helpers included).
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        out_file.seek(0)
        err_file.seek(0)
        out, err = out_file.read(), err_file.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}): {err[-2000:]}")
    lines = [line for line in out.splitlines() if line.startswith("{")]
    report = json.loads(lines[-1]) if lines else {}
    return ProcessRun(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, load, report)


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def spread(values: list[float]) -> str:
    """``median (min-max)`` of a few measurements."""
    return f"{median(values):7.1f} ({min(values):.1f}-{max(values):.1f})"
