"""Scrapers that refresh the tmlmap corpus from six real sources, politely and resumably.

Public API (what the dashboard calls)::

    from scrapers import refresh
    summary = refresh(["icml:2024", "acl:2024.trustnlp-1"], store,
                      force=False, since=None, dry_run=False,
                      progress=lambda label, done, total: ...)
    print(summary.format()); summary.ok

Sources: :mod:`scrapers.pmlr`, :mod:`scrapers.neurips`,
:mod:`scrapers.openreview`, :mod:`scrapers.acl`, :mod:`scrapers.arxiv`,
:mod:`scrapers.openalex`; the careful HTTP core is :mod:`scrapers.http`.
Command line: ``python -m scrapers refresh SPEC...`` (``tmlmap-scrape``).
"""

from __future__ import annotations

from .http import FetchError, HttpSettings, RobotsDisallowed
from .refresh import RefreshInterrupted, RefreshSummary, SourceResult, refresh
from .specs import PRESETS, SPEC_HELP, ScrapeConfig, SpecError, expand, parse_spec

__all__ = [
    "PRESETS",
    "SPEC_HELP",
    "FetchError",
    "HttpSettings",
    "RefreshInterrupted",
    "RefreshSummary",
    "RobotsDisallowed",
    "ScrapeConfig",
    "SourceResult",
    "SpecError",
    "expand",
    "parse_spec",
    "refresh",
    "register",
]


def register(sub: object, **hooks: object) -> None:
    """Add the ``refresh`` sub-command to another CLI (e.g. ``tmlmap``); see :func:`scrapers.cli.register`."""
    from .cli import register as _register

    _register(sub, **hooks)  # type: ignore[arg-type]
