"""Scrapers that refresh the tmlmap corpus from six real sources, politely and resumably.

Public API (what the dashboard calls)::

    from scrapers import refresh
    summary = refresh(["icml:2024", "acl:2024.trustnlp-1"], store,
                      force=False, since=None, dry_run=False,
                      progress=lambda label, done, total: ...)
    print(summary.format()); summary.ok

Sources: :mod:`scrapers.pmlr`, :mod:`scrapers.neurips`,
:mod:`scrapers.openreview`, :mod:`scrapers.acl`, :mod:`scrapers.arxiv`,
:mod:`scrapers.openalex`, each with its access policy (robots.txt for web
pages, the published terms for APIs); the careful HTTP core is
:mod:`scrapers.http`; which spec names which venue is the registry
``scrapers/venues.toml`` (:mod:`scrapers.venues`, extended with
``--venues-file``). Command line: ``tmlmap refresh SPEC...`` (also
``tmlmap-scrape`` and ``python -m scrapers refresh``). Credentials:
``OPENREVIEW_USERNAME``/``OPENREVIEW_PASSWORD`` or ``OPENREVIEW_TOKEN``,
``OPENALEX_API_KEY``, from the environment only.
"""

from __future__ import annotations

from .base import NeedsLogin, NotAPaper
from .http import AccessPolicy, FetchError, HostStopped, HttpSettings, RobotsDisallowed, Unreachable
from .refresh import RefreshInterrupted, RefreshSummary, SourceResult, refresh
from .specs import PRESETS, SPEC_HELP, ScrapeConfig, SpecError, expand, parse_spec
from .venues import VenueFileError, VenueRegistry, load_registry

__all__ = [
    "PRESETS",
    "SPEC_HELP",
    "AccessPolicy",
    "FetchError",
    "HostStopped",
    "HttpSettings",
    "NeedsLogin",
    "NotAPaper",
    "Unreachable",
    "VenueFileError",
    "VenueRegistry",
    "load_registry",
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
