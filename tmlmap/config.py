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
#: Released versions of the embedded corpus file, by the SHA-256 of its bytes. A database
#: records the digest it was last synced with (meta ``embedded_corpus``); opening it with a
#: file of another digest imports the file again (see ``CorpusStore.sync_embedded``).
EMBEDDED_CORPUS_VERSIONS: dict[str, int] = {
    "8b28827618d1a56127504595f4124956b111bddb1946855c198cfb24b5c9d94c": 1,  # 22,868 papers
    "17eed12f0406206eeb6696d8b116629119f39a6c3600e3f6b2994cfd3a45d980": 2,  # 28,428 papers
}


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
