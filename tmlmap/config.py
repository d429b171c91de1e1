"""Where tmlmap keeps its data, and the embedded default corpus.

The corpus database and the cached map artifacts live in a per-user data
directory, never inside the installed package:

* ``$TMLMAP_HOME`` if set, else ``$XDG_DATA_HOME/tmlmap``, else
  ``~/.local/share/tmlmap`` (``%LOCALAPPDATA%\\tmlmap`` on Windows).
* The database is ``<data dir>/corpus.sqlite`` unless ``$TMLMAP_DB`` (or the
  CLI's ``--db``) names another file.

Named corpora (``tmlmap corpus create NAME``) are researchers' own literature,
kept apart from the default one: each lives in ``<data dir>/corpora/NAME/``
with its own ``corpus.sqlite`` and ``maps/`` cache. The active corpus is the
one set by :func:`set_active_corpus` (the CLI's ``--corpus``), else
``$TMLMAP_CORPUS``, else :data:`DEFAULT_CORPUS` (the embedded corpus, at the
paths above). :func:`default_db_path` and :func:`cache_dir` follow it.
"""

from __future__ import annotations

import os
import re
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

#: How the importer reads the embedded file into stored text. A database last synced with an
#: older reading imports the same file again (records whose stored text differs are updated in
#: place), so every install of this version holds the same papers and builds the same map.
#: 2: control characters in abstracts replaced (commit bee4864; 17 records of version 2 differ).
#: Bump it with any importer change that alters the stored text of the embedded records.
EMBEDDED_IMPORT_VERSION = 2


#: The name of the default corpus (the embedded one, at the classic paths).
DEFAULT_CORPUS = "default"
#: A corpus name: lower-case letters, digits, ``-`` and ``_``, 1-40 characters,
#: starting with a letter or digit (so it is a safe directory name everywhere).
CORPUS_NAME_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")

_active_corpus: str | None = None


def validate_corpus_name(name: str) -> str:
    """Return ``name`` if it is a valid corpus name, else raise ``ValueError``.

    No path separators, dots or upper case: a name is used as a directory
    name, so ``../x`` or ``C:`` must never get through.
    """
    if not isinstance(name, str) or not CORPUS_NAME_RE.fullmatch(name):
        raise ValueError(
            f"invalid corpus name {str(name)[:60]!r}: use 1-40 lower-case letters, digits, "
            "'-' or '_', starting with a letter or digit (e.g. my-review)")
    return name


def set_active_corpus(name: str | None) -> None:
    """Make ``name`` the active corpus of this process (``None``: back to the environment)."""
    global _active_corpus
    _active_corpus = None if name is None else validate_corpus_name(name)


def active_corpus() -> str:
    """The active corpus name (see the module docstring); validated."""
    name = _active_corpus or os.environ.get("TMLMAP_CORPUS") or DEFAULT_CORPUS
    return validate_corpus_name(name)


def corpora_dir() -> Path:
    """The folder holding the named corpora (not created here)."""
    return data_dir() / "corpora"


def corpus_dir(name: str) -> Path:
    """The folder of corpus ``name`` (the data dir itself for the default corpus)."""
    name = validate_corpus_name(name)
    return data_dir() if name == DEFAULT_CORPUS else corpora_dir() / name


def corpus_db_path(name: str) -> Path:
    """The database of corpus ``name`` (``$TMLMAP_DB`` applies to the default corpus only)."""
    if validate_corpus_name(name) == DEFAULT_CORPUS:
        env = os.environ.get("TMLMAP_DB")
        if env:
            return Path(env).expanduser()
    return corpus_dir(name) / "corpus.sqlite"


def corpus_cache_dir(name: str) -> Path:
    """The map cache folder of corpus ``name`` (created)."""
    path = corpus_dir(name) / "maps"
    path.mkdir(parents=True, exist_ok=True)
    return path


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
    """Return the active corpus's database path (``$TMLMAP_DB`` overrides for the default corpus)."""
    return corpus_db_path(active_corpus())


def cache_dir() -> Path:
    """Return (and create) the directory for the active corpus's cached map artifacts."""
    return corpus_cache_dir(active_corpus())
