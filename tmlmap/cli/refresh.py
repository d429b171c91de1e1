"""``tmlmap refresh``: the scrapers' command, with the engine's store opener and map rebuild.

The scrapers talk to the engine only through :mod:`tmlmap.corpus`; the CLI hands
them the two things they cannot do alone: opening the store with the first-run
import (and its progress bar), and rebuilding the map after ``--rebuild``.
"""

from __future__ import annotations

import argparse
import sys

import scrapers
from tmlmap.cli.store import open_store
from tmlmap.corpus import CorpusStore


def rebuild_map(store: CorpusStore) -> None:
    """Rebuild the default map of ``store`` now (what ``refresh --rebuild`` does)."""
    from tmlmap.maps import load_or_build

    print("rebuilding the map ...", file=sys.stderr)
    load_or_build(store)
    print("map rebuilt", file=sys.stderr)


def register(sub: argparse._SubParsersAction) -> None:
    scrapers.register(sub, open_store=open_store, rebuild=rebuild_map)
