"""Named corpora: researchers' own literature, each in its own database and map cache.

The default corpus (:data:`tmlmap.config.DEFAULT_CORPUS`) is the embedded one
at the classic paths; every other corpus lives in ``<data dir>/corpora/NAME/``
(``corpus.sqlite``, ``maps/``, ``corpus.json`` with its creation time and
description). Names are checked by :func:`tmlmap.config.validate_corpus_name`
(no path traversal). Nothing here ever touches another corpus's files.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tmlmap import config
from tmlmap.corpus.store import CorpusStore

#: Longest accepted corpus description (characters).
MAX_DESCRIPTION_CHARS = 500
_INFO_FILE = "corpus.json"


class CorpusNameError(ValueError):
    """A corpus name is invalid, taken, reserved or unknown."""


@dataclass(frozen=True)
class CorpusInfo:
    """One corpus as listed by :func:`list_corpora`.

    ``papers`` is ``None`` when the database does not exist yet (the default
    corpus before its first use) or cannot be read.
    """

    name: str
    db_path: Path
    papers: int | None
    description: str = ""
    created_at: str = ""


def _check(name: str) -> str:
    try:
        return config.validate_corpus_name(name)
    except ValueError as exc:
        raise CorpusNameError(str(exc)) from None


def corpus_exists(name: str) -> bool:
    """True for the default corpus and for every created named corpus."""
    name = _check(name)
    if name == config.DEFAULT_CORPUS:
        return True
    return (config.corpus_dir(name) / _INFO_FILE).is_file()


def require_corpus(name: str) -> str:
    """``name`` if that corpus exists, else :class:`CorpusNameError` saying how to create it."""
    if not corpus_exists(name):
        known = ", ".join(c.name for c in list_corpora())
        raise CorpusNameError(f"no corpus named {name!r} (known: {known}); "
                              f"create it with: tmlmap corpus create {name}")
    return name


def create_corpus(name: str, description: str = "") -> Path:
    """Create the empty named corpus ``name``; returns its database path.

    Raises :class:`CorpusNameError` for an invalid, reserved or existing name.
    The database is created empty: a named corpus never receives the embedded papers.
    """
    name = _check(name)
    if name == config.DEFAULT_CORPUS:
        raise CorpusNameError(f"{name!r} is the embedded corpus; choose another name")
    if corpus_exists(name):
        raise CorpusNameError(f"a corpus named {name!r} already exists")
    description = " ".join(str(description).split())[:MAX_DESCRIPTION_CHARS]
    folder = config.corpus_dir(name)
    folder.mkdir(parents=True, exist_ok=True)
    db = config.corpus_db_path(name)
    CorpusStore(db).close()  # creates the schema
    config.corpus_cache_dir(name)
    info = {"name": name, "description": description,
            "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    (folder / _INFO_FILE).write_text(json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8")
    return db


def _count(db: Path) -> int | None:
    if not db.is_file():
        return None
    try:
        with CorpusStore(db) as store:
            return store.count()
    except Exception:  # noqa: BLE001 - a listing must not fail on one broken database
        return None


def _info(name: str) -> dict[str, str]:
    try:
        data = json.loads((config.corpus_dir(name) / _INFO_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def list_corpora() -> list[CorpusInfo]:
    """The default corpus first, then the named corpora sorted by name."""
    out = [CorpusInfo(config.DEFAULT_CORPUS, config.corpus_db_path(config.DEFAULT_CORPUS),
                      _count(config.corpus_db_path(config.DEFAULT_CORPUS)),
                      "the embedded trustworthy-ML corpus")]
    root = config.corpora_dir()
    if root.is_dir():
        for folder in sorted(root.iterdir()):
            if not config.CORPUS_NAME_RE.fullmatch(folder.name) or folder.name == config.DEFAULT_CORPUS:
                continue
            if not (folder / _INFO_FILE).is_file():
                continue
            info = _info(folder.name)
            db = config.corpus_db_path(folder.name)
            out.append(CorpusInfo(folder.name, db, _count(db), str(info.get("description", "")),
                                  str(info.get("created_at", ""))))
    return out


def corpus_names() -> list[str]:
    """Names of every corpus, the default first."""
    return [c.name for c in list_corpora()]


def delete_corpus(name: str) -> Path:
    """Delete the named corpus ``name`` (database, maps, everything in its folder).

    Returns the folder removed. The default corpus cannot be deleted here.
    Callers ask the user first (the CLI does, unless ``--yes``).
    """
    name = _check(name)
    if name == config.DEFAULT_CORPUS:
        raise CorpusNameError("the default corpus cannot be deleted")
    require_corpus(name)
    folder = config.corpus_dir(name).resolve()
    root = config.corpora_dir().resolve()
    if folder.parent != root:  # belt and braces: the name check already forbids traversal
        raise CorpusNameError(f"refusing to delete {folder}: not inside {root}")
    shutil.rmtree(folder)
    return folder
