"""Where tmlmap keeps its data, and the embedded default corpus.

The corpus database and the cached map artifacts live in a per-user data
directory, never inside the installed package:

* ``$TMLMAP_HOME`` if set, else ``$XDG_DATA_HOME/tmlmap``, else
  ``~/.local/share/tmlmap`` (``%LOCALAPPDATA%\\tmlmap`` on Windows).
* The database is ``<data dir>/corpus.sqlite`` unless ``$TMLMAP_DB`` (or the
  CLI's ``--db``) names another file.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

#: The repository's ``data/`` folder: the embedded corpus and its attribution.
EMBEDDED_DATA_DIR = Path(__file__).resolve().parent.parent / "data"
#: 28,428 real papers shipped with the app (version 2; see ``data/SOURCES.md``).
EMBEDDED_CORPUS = EMBEDDED_DATA_DIR / "papers.jsonl.gz"


def data_dir() -> Path:
    """Return (and create) the per-user data directory."""
    env = os.environ.get("TMLMAP_HOME")
    if env:
        path = Path(env).expanduser()
    elif sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        path = Path(os.environ["LOCALAPPDATA"]) / "tmlmap"
    else:
        base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
        path = Path(base) / "tmlmap"
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_db_path() -> Path:
    """Return the corpus database path (``$TMLMAP_DB`` overrides)."""
    env = os.environ.get("TMLMAP_DB")
    if env:
        return Path(env).expanduser()
    return data_dir() / "corpus.sqlite"


def cache_dir() -> Path:
    """Return (and create) the directory for cached map artifacts."""
    path = data_dir() / "maps"
    path.mkdir(parents=True, exist_ok=True)
    return path
