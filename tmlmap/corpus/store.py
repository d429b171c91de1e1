"""The corpus store: papers in SQLite (WAL) with an FTS5 full-text index.

Layout (schema version :data:`SCHEMA_VERSION`, kept in ``PRAGMA user_version``):

* ``papers``: one row per paper. ``id`` (TEXT PRIMARY KEY, the record id),
  ``title``, ``abstract``, ``authors`` and ``keywords`` (JSON lists of
  strings), ``venue``, ``year`` (INTEGER), ``url``, ``source``,
  ``title_key`` (:func:`~tmlmap.corpus.importers.normalize_title` of the title),
  ``content_hash`` (SHA-256 hex of the canonical record), ``fp`` (a 60-bit
  integer digest of id + content hash, summed for :meth:`CorpusStore.fingerprint`),
  ``added_at``/``updated_at`` (UTC ISO-8601 text) and ``docid``, a stable
  integer key (unique) that the full-text index uses as its rowid (the
  implicit rowid of a table with a TEXT primary key may change on VACUUM).
* ``papers_fts``: FTS5 external-content index over ``title``, ``abstract``,
  ``keywords`` (keywords as text joined by ``"; "``), porter stemming, kept in
  sync with ``papers`` by triggers; ranked with ``bm25`` (title weight 8,
  abstract 1, keywords 4), snippets from ``snippet()``.
* ``aliases``: ``alias_id -> paper_id`` for near-duplicates merged into an
  existing paper, with the duplicate's own record (JSON) and content hash, so
  that re-importing the same file is a no-op and an update of the kept paper
  re-applies what its duplicates contributed.
* ``meta``: key/value text (values stored as JSON), e.g. ``last_refresh``.

Threads: a :class:`CorpusStore` holds **one** connection opened with
``check_same_thread=False`` and serializes every call with a re-entrant lock,
so one instance can be shared by Streamlit's script threads (e.g. through
``st.cache_resource``). Other processes may use the same file concurrently:
WAL lets readers proceed during a write, and writers wait up to
:data:`BUSY_TIMEOUT_MS` for each other.

Transactions: every import batch is one ``BEGIN IMMEDIATE ... COMMIT``; a
process killed mid-batch leaves the database at the previous commit.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tmlmap import config
from tmlmap.corpus.importers import count_records, normalize_title, read_records
from tmlmap.corpus.records import Paper, RecordError, validate_record

#: Current schema version (``PRAGMA user_version``).
SCHEMA_VERSION = 3
#: How long a writer waits for another process's write lock (milliseconds).
BUSY_TIMEOUT_MS = 30_000
#: Markers around matched terms in :attr:`SearchHit.snippet`. Plain text, never
#: HTML: callers that render HTML must escape the snippet first, then replace these.
HIGHLIGHT_START, HIGHLIGHT_END = "\u00ab", "\u00bb"  # « »
#: Most errors kept in :attr:`ImportStats.errors` (the rest are counted).
MAX_ERRORS_KEPT = 10_000
#: Longest accepted search query (characters) and most terms used from it.
MAX_QUERY_CHARS = 1_000
MAX_QUERY_TERMS = 32

Progress = Callable[[int, int | None], None]


@dataclass
class ImportStats:
    """What an import did: counts of records and the skipped ones' errors.

    ``new``: inserted; ``updated``: same id, changed content, replaced in
    place; ``unchanged``: same content as stored; ``merged``: a near-duplicate
    (same DOI, or same normalized title, venue and year; for file imports
    same normalized title and year, any venue) folded into an existing paper;
    ``errors``: one message per skipped record, naming file,
    line and field (at most :data:`MAX_ERRORS_KEPT`; ``n_errors`` counts all);
    ``cleaned``: kind of markup removed (``"HTML tags"``, ``"control
    characters"``, ...) -> number of records it was removed from.
    """

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: int = 0
    errors: list[str] = field(default_factory=list)
    n_errors: int = 0
    cleaned: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.n_errors = max(self.n_errors, len(self.errors))

    def add_cleaned(self, kinds: Iterable[str]) -> None:
        for kind in kinds:
            self.cleaned[kind] = self.cleaned.get(kind, 0) + 1

    def add_error(self, message: str) -> None:
        self.n_errors += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(message)

    @property
    def processed(self) -> int:
        """Records read, good or bad."""
        return self.new + self.updated + self.unchanged + self.merged + self.n_errors

    def __iadd__(self, other: ImportStats) -> ImportStats:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.merged += other.merged
        self.n_errors += other.n_errors
        for kind, n in other.cleaned.items():
            self.cleaned[kind] = self.cleaned.get(kind, 0) + n
        room = MAX_ERRORS_KEPT - len(self.errors)
        self.errors.extend(other.errors[:max(room, 0)])
        return self

    def __str__(self) -> str:
        n_err = max(self.n_errors, len(self.errors))
        text = (f"{self.new:,} new, {self.updated:,} updated, {self.unchanged:,} unchanged, "
                f"{self.merged:,} merged, {n_err:,} skipped with errors")
        if self.cleaned:
            text += "; removed " + ", ".join(f"{kind} from {n:,} record{'s' if n != 1 else ''}"
                                             for kind, n in sorted(self.cleaned.items()))
        return text


@dataclass(frozen=True)
class SearchHit:
    """One full-text search result.

    ``snippet``: plain text from the best-matching field with matched terms
    between :data:`HIGHLIGHT_START` and :data:`HIGHLIGHT_END`; ``score``:
    relevance, higher is better (negated bm25, > 0).
    """

    id: str
    title: str
    venue: str
    year: int
    url: str
    snippet: str
    score: float


class SchemaError(RuntimeError):
    """The database file cannot be used by this version of tmlmap."""


@dataclass
class EmbeddedSync:
    """What :meth:`CorpusStore.sync_embedded` did with the embedded corpus file.

    ``kind``: ``"bootstrap"`` (empty database, first run), ``"upgrade"`` (a
    database synced with another version of the file) or ``"reimport"`` (the same file,
    stored by an older reading of it: :data:`tmlmap.config.EMBEDDED_IMPORT_VERSION`). ``version`` /
    ``previous_version``: release numbers from
    :data:`tmlmap.config.EMBEDDED_CORPUS_VERSIONS` (``None`` when unknown, e.g.
    a locally changed file). ``added``: ``(venue, year, n_papers)`` of the rows
    the import inserted. ``other_papers``: papers in the database that are not
    rows of the embedded file (imported by the user or scraped), all kept.
    """

    kind: str
    file: str
    sha256: str
    version: int | None
    previous_version: int | None
    stats: ImportStats
    added: list[tuple[str, int, int]]
    other_papers: int
    total: int
    at: str

    @property
    def n_added(self) -> int:
        return sum(n for _, _, n in self.added)

    def added_by_venue(self) -> list[tuple[str, str, int]]:
        """``(venue, years, n_papers)`` of the added papers, years as ``"2019-2024"``."""
        out: dict[str, tuple[int, int, int]] = {}
        for venue, year, n in self.added:
            lo, hi, total = out.get(venue, (year, year, 0))
            out[venue] = (min(lo, year), max(hi, year), total + n)
        return [(v, str(lo) if lo == hi else f"{lo}-{hi}", n)
                for v, (lo, hi, n) in sorted(out.items())]

    def message(self) -> str:
        """One plain-text sentence for people (CLI stderr, dashboard)."""
        def name(version: int | None) -> str:
            return f"version {version}" if version is not None else "an unreleased version"

        parts = ", ".join(f"{v} {years}: {n:,}" for v, years, n in self.added_by_venue())
        if self.kind == "bootstrap":
            return (f"Imported the embedded corpus ({name(self.version)}): "
                    f"{self.n_added:,} papers.")
        if self.kind == "reimport":
            changed = self.stats.updated + self.n_added
            return (f"Read the embedded corpus ({name(self.version)}) again with this version's importer: "
                    f"{self.stats.updated:,} paper{'' if self.stats.updated == 1 else 's'} updated, "
                    f"{self.stats.unchanged:,} unchanged"
                    + (f", {self.n_added:,} added" if self.n_added else "")
                    + f". Now {self.total:,} papers"
                    + ("; the map is rebuilt once for the changed papers." if changed else
                       "; the map stays as it is."))
        text = (f"Upgraded the embedded corpus from {name(self.previous_version)} to "
                f"{name(self.version)}: {self.n_added:,} papers added"
                + (f" ({parts})" if parts else "")
                + f"; {self.stats.unchanged:,} unchanged, {self.stats.updated:,} updated")
        if self.stats.merged:
            text += f", {self.stats.merged:,} merged into papers already stored"
        text += (f"; {self.other_papers:,} paper{'' if self.other_papers == 1 else 's'} you "
                 "imported or scraped kept. "
                 f"Now {self.total:,} papers; the map is rebuilt once for the new corpus.")
        return text

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "file": self.file, "sha256": self.sha256,
                "version": self.version, "previous_version": self.previous_version,
                "stats": str(self.stats), "added": [list(r) for r in self.added],
                "other_papers": self.other_papers, "total": self.total, "at": self.at,
                "message": self.message()}


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 hex digest of a file's bytes (read in 1 MiB blocks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_FIELDS = ("id", "title", "abstract", "venue", "year", "url", "authors", "keywords", "source")


def content_hash(paper: Paper) -> str:
    """SHA-256 hex of the canonical JSON of every field of ``paper``."""
    record = {name: getattr(paper, name) for name in _FIELDS}
    blob = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _fp(paper_id: str, chash: str) -> int:
    """60-bit digest of (id, content hash); the sum over rows is the fingerprint."""
    return int(hashlib.sha256(f"{paper_id}\0{chash}".encode()).hexdigest()[:15], 16)


def _keywords_text(keywords: Sequence[str]) -> str:
    return "; ".join(keywords)


def _dumps(values: Sequence[str]) -> str:
    return json.dumps(list(values), ensure_ascii=False)


def _loads_list(text: str | None) -> list[str]:
    if not text:
        return []
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return [text]
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


_PAPER_COLS = "id, title, abstract, venue, year, url, authors, keywords, source"
#: ``source`` prefix of papers read from a file by :meth:`CorpusStore.import_file`.
_IMPORT_SOURCE = "import:"
_DOI_URL = "https://doi.org/"


def _row_to_paper(row: Sequence[Any]) -> Paper:
    return Paper(id=row[0], title=row[1], abstract=row[2], venue=row[3], year=int(row[4]),
                 url=row[5] or "", authors=_loads_list(row[6]), keywords=_loads_list(row[7]),
                 source=row[8] or "")


def merge_papers(kept: Paper, other: Paper) -> Paper:
    """Fold the near-duplicate ``other`` into ``kept``.

    ``kept`` keeps its id and every non-empty field; empty ``url``,
    ``authors``, ``source`` are filled from ``other``; keywords are the union
    (``kept``'s first, case-insensitive de-duplication).
    """
    seen = {k.casefold() for k in kept.keywords}
    keywords = list(kept.keywords)
    for k in other.keywords:
        if k.casefold() not in seen:
            seen.add(k.casefold())
            keywords.append(k)
    return Paper(
        id=kept.id, title=kept.title, abstract=kept.abstract or other.abstract,
        venue=kept.venue, year=kept.year, url=kept.url or other.url,
        authors=list(kept.authors or other.authors), keywords=keywords,
        source=kept.source or other.source,
    )


# ---- Full-text query sanitizing ------------------------------------------

# An optional "-" (exclude), an optional "field:" and a "quoted phrase" or a bare token.
_QUERY_TOKEN_RE = re.compile(r'(-)?(?:([A-Za-z_]+):)?(?:"([^"]*)"?|(\S+))')
_WORD_RE = re.compile(r"[\w]+(?:[-'.][\w]+)*\*?", re.UNICODE)
#: ``field:`` prefixes of a query term -> FTS5 column.
QUERY_FIELDS = {"title": "title", "ti": "title", "abstract": "abstract", "ab": "abstract",
                "keywords": "keywords_text", "keyword": "keywords_text", "kw": "keywords_text"}
#: Words that are operators, never searched for: ``AND`` (the default) and ``NOT`` (exclude the next term).
_OPERATORS = {"AND", "NOT"}


def _fts_term(phrase: str | None, bare: str | None) -> str:
    """One FTS5 term (string literals only; prefix ``*`` kept), or ``""``."""
    if phrase is not None:
        words = _WORD_RE.findall(phrase)
        if not words:
            return ""
        return '"' + " ".join(w.rstrip("*") for w in words).replace('"', '""') + '"'
    words = _WORD_RE.findall(bare or "")
    if not words:
        return ""
    parts = []
    for w in words:
        prefix = w.endswith("*") and len(w) > 1
        w = w.rstrip("*")
        parts.append('"' + w.replace('"', '""') + '"' + ("*" if prefix else ""))
    return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"


def fts_query(query: str, *, any_term: bool = False) -> str:
    """Turn free user text into a safe FTS5 MATCH expression.

    Bare words and ``"quoted phrases"`` become FTS5 string literals (so no
    user text is ever parsed as FTS5 syntax); a trailing ``*`` on a word asks
    for a prefix match (of the porter-stemmed index terms: ``interpret*``
    finds "interpretability", indexed as "interpret", but ``interpretab*`` does not); the literal ``OR`` between terms is honoured.
    ``title:word``, ``abstract:"a phrase"``, ``keywords:word`` (also ``ti:``,
    ``ab:``, ``kw:``) search one field; ``-word`` or ``NOT word`` excludes
    papers with it; a bare ``AND`` is the default and ignored. Terms are
    AND-ed unless ``any_term``. Returns ``""`` when nothing searchable is left
    (e.g. a query of only ``AND`` or only excluded words).
    """
    query = (query or "")[:MAX_QUERY_CHARS].replace("\x00", " ")
    terms: list[str] = []
    excluded: list[str] = []
    pending_or = pending_not = False
    for m in _QUERY_TOKEN_RE.finditer(query):
        minus, field_name, phrase, bare = m.group(1), m.group(2), m.group(3), m.group(4)
        if not minus and not field_name and phrase is None and bare is not None:
            if bare == "OR":  # between terms; a leading or trailing OR is no word to search
                pending_or = bool(terms)
                continue
            if bare in _OPERATORS:
                pending_not = pending_not or bare == "NOT"
                continue
        column = QUERY_FIELDS.get(field_name.lower()) if field_name else None
        if field_name and column is None:  # "http://x" or "foo:bar": not a field, plain words
            bare = f"{field_name}:{bare if bare is not None else phrase or ''}"
            phrase = None
        term = _fts_term(phrase, bare)
        if not term:
            continue
        if column is not None:
            term = f"{column} : {term}"
        if minus or pending_not:
            excluded.append(term)
            pending_not = pending_or = False
        elif pending_or and terms:
            terms[-1] = f"{terms[-1]} OR {term}"
            pending_or = False
        else:
            terms.append(term)
        if len(terms) + len(excluded) >= MAX_QUERY_TERMS:
            break
    if not terms:
        return ""
    joiner = " OR " if any_term else " AND "
    positive = terms[0] if len(terms) == 1 else joiner.join(f"({t})" if " OR " in t else t for t in terms)
    if not excluded:
        return positive
    return f"({positive}) NOT ({' OR '.join(excluded)})"


# --------------------------------------------------------------------------
# Schema and migrations
# --------------------------------------------------------------------------


def _exec_script(conn: sqlite3.Connection, script: str) -> None:
    """Run several statements inside the current transaction.

    (``Connection.executescript`` would COMMIT first, breaking atomic migrations.)
    """
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                conn.execute(buf)
            buf = ""
    if buf.strip():
        raise ValueError(f"incomplete SQL statement: {buf[:80]!r}")


def _migrate_1(conn: sqlite3.Connection) -> None:
    """v1: papers and meta (the first released layout)."""
    _exec_script(conn, """
        CREATE TABLE IF NOT EXISTS papers (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            abstract TEXT NOT NULL,
            authors TEXT NOT NULL DEFAULT '[]',
            venue TEXT NOT NULL,
            year INTEGER NOT NULL,
            url TEXT NOT NULL DEFAULT '',
            keywords TEXT NOT NULL DEFAULT '[]',
            source TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
    """)


def _migrate_2(conn: sqlite3.Connection) -> None:
    """v2: duplicate key, content hash, timestamps, stable docid; aliases."""
    for ddl in ("title_key TEXT NOT NULL DEFAULT ''", "content_hash TEXT NOT NULL DEFAULT ''",
                "fp INTEGER NOT NULL DEFAULT 0", "added_at TEXT NOT NULL DEFAULT ''",
                "updated_at TEXT NOT NULL DEFAULT ''", "docid INTEGER"):
        conn.execute(f"ALTER TABLE papers ADD COLUMN {ddl}")
    now = _now()
    rows = conn.execute(f"SELECT {_PAPER_COLS} FROM papers ORDER BY rowid").fetchall()
    updates = []
    for docid, row in enumerate(rows, start=1):
        paper = _row_to_paper(row)
        chash = content_hash(paper)
        updates.append((normalize_title(paper.title), chash, _fp(paper.id, chash), now, now,
                        docid, paper.id))
    conn.executemany(
        "UPDATE papers SET title_key=?, content_hash=?, fp=?, added_at=?, updated_at=?, docid=? "
        "WHERE id=?", updates)
    _exec_script(conn, """
        CREATE UNIQUE INDEX papers_docid ON papers(docid);
        CREATE INDEX papers_dupkey ON papers(title_key, venue, year);
        CREATE INDEX papers_venue_year ON papers(venue, year);
        CREATE TABLE aliases (
            alias_id TEXT PRIMARY KEY,
            paper_id TEXT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
            record TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            added_at TEXT NOT NULL
        );
        CREATE INDEX aliases_paper ON aliases(paper_id);
    """)


def _migrate_3(conn: sqlite3.Connection) -> None:
    """v3: FTS5 index over title, abstract, keywords, synced by triggers."""
    conn.execute("ALTER TABLE papers ADD COLUMN keywords_text TEXT NOT NULL DEFAULT ''")
    rows = conn.execute("SELECT id, keywords FROM papers").fetchall()
    conn.executemany("UPDATE papers SET keywords_text=? WHERE id=?",
                     [(_keywords_text(_loads_list(kw)), pid) for pid, kw in rows])
    _exec_script(conn, """
        CREATE VIRTUAL TABLE papers_fts USING fts5(
            title, abstract, keywords_text,
            content='papers', content_rowid='docid',
            tokenize='porter unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER papers_fts_ai AFTER INSERT ON papers BEGIN
            INSERT INTO papers_fts(rowid, title, abstract, keywords_text)
            VALUES (new.docid, new.title, new.abstract, new.keywords_text);
        END;
        CREATE TRIGGER papers_fts_ad AFTER DELETE ON papers BEGIN
            INSERT INTO papers_fts(papers_fts, rowid, title, abstract, keywords_text)
            VALUES ('delete', old.docid, old.title, old.abstract, old.keywords_text);
        END;
        CREATE TRIGGER papers_fts_au AFTER UPDATE OF title, abstract, keywords_text, docid
        ON papers BEGIN
            INSERT INTO papers_fts(papers_fts, rowid, title, abstract, keywords_text)
            VALUES ('delete', old.docid, old.title, old.abstract, old.keywords_text);
            INSERT INTO papers_fts(rowid, title, abstract, keywords_text)
            VALUES (new.docid, new.title, new.abstract, new.keywords_text);
        END;
        INSERT INTO papers_fts(papers_fts) VALUES ('rebuild');
    """)


#: Ordered migrations: entry ``i`` brings a database from version ``i`` to ``i + 1``.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_migrate_1, _migrate_2, _migrate_3]
assert len(MIGRATIONS) == SCHEMA_VERSION


# --------------------------------------------------------------------------
# The store
# --------------------------------------------------------------------------


class CorpusStore:
    """The paper corpus in one SQLite file (see the module docstring).

    Create or open with ``CorpusStore(path)`` (creates/migrates the schema) or
    :meth:`open` (default path, first-run import of the embedded corpus).
    Thread-safe: one connection, every call serialized by a lock.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser()
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._fp_cache: tuple[tuple[int, int], str] | None = None
        #: What the last :meth:`sync_embedded` did (``None``: nothing to do, or not run).
        self.last_sync: EmbeddedSync | None = None
        try:
            conn = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_MS / 1000,
                                   isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise SchemaError(f"{self.path}: cannot open database: {exc}") from exc
        self._conn: sqlite3.Connection = conn
        try:
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA cache_size=-65536")  # up to 64 MiB: faster bulk FTS indexing
            conn.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise SchemaError(f"{self.path}: not a usable tmlmap database: {exc}") from exc
        except BaseException:
            conn.close()
            raise

    # ---- lifecycle -------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None, *, bootstrap: bool = True,
             progress: Progress | None = None,
             announce: Callable[[str], None] | None = None) -> CorpusStore:
        """Open the store at ``path`` (default :func:`config.default_db_path`).

        With ``bootstrap`` the embedded corpus (:data:`config.EMBEDDED_CORPUS`,
        28,428 papers) is synced first (:meth:`sync_embedded`): imported into an
        empty database (first run), or imported again into a database built from
        another version of it (upgrade: new papers added, the user's own kept).
        ``announce(kind)`` is called before such an import (``"bootstrap"`` or
        ``"upgrade"``), ``progress(done, total)`` during it; what was done is in
        :attr:`last_sync` (``None`` when nothing had to be done).
        """
        if path is None and config.active_corpus() != config.DEFAULT_CORPUS:
            bootstrap = False  # a named corpus holds only what its owner imports
        store = cls(path if path is not None else config.default_db_path())
        try:
            if bootstrap:
                store.sync_embedded(progress=progress, announce=announce)
        except BaseException:
            store.close()
            raise
        return store

    def embedded_pending(self, path: str | os.PathLike[str] | None = None) -> str | None:
        """What :meth:`sync_embedded` would do: ``"bootstrap"``, ``"upgrade"``, ``"reimport"`` or ``None``.

        ``"bootstrap"``: the database is empty. ``"upgrade"``: it was built from
        the embedded corpus (meta ``bootstrapped_from`` or ``embedded_corpus``)
        and the file's SHA-256 differs from the one it was last synced with
        (databases from before version 2 recorded none). ``"reimport"``: the same
        file, last read by an older importer (its recorded ``import_version``, 1 when
        none, is not :data:`tmlmap.config.EMBEDDED_IMPORT_VERSION`). A database never built
        from the embedded corpus (e.g. ``tmlmap import --no-embedded``) is left alone.
        """
        file = Path(path) if path is not None else config.EMBEDDED_CORPUS
        if not file.is_file():
            return None
        if self.count() == 0:
            return "bootstrap"
        synced = self.get_meta("embedded_corpus")
        if not isinstance(synced, dict):
            return "upgrade" if self.get_meta("bootstrapped_from") else None
        st_ = file.stat()
        same = ((synced.get("size") == st_.st_size and synced.get("mtime_ns") == st_.st_mtime_ns)
                or synced.get("sha256") == file_sha256(file))  # same size and time: skip hashing it
        if not same:
            return "upgrade"
        return None if synced.get("import_version", 1) == config.EMBEDDED_IMPORT_VERSION else "reimport"

    def sync_embedded(self, path: str | os.PathLike[str] | None = None, *,
                      progress: Progress | None = None,
                      announce: Callable[[str], None] | None = None) -> EmbeddedSync | None:
        """Import the embedded corpus file if :meth:`embedded_pending` says so.

        The import is the ordinary idempotent :meth:`import_file`: records already
        stored are unchanged, new ones inserted, near-duplicates of stored papers
        (e.g. a paper the user scraped) merged into them; no paper is deleted.
        The file's digest is recorded only after the import committed, so an
        interrupted upgrade is simply redone on the next start. Records the
        result in meta ``embedded_corpus`` and, for an upgrade,
        ``embedded_upgrade`` (see :class:`EmbeddedSync`); also sets :attr:`last_sync`.
        The map needs no flag: its cache key is the corpus fingerprint, which the
        added papers change, so the next use rebuilds it once.
        """
        file = Path(path) if path is not None else config.EMBEDDED_CORPUS
        kind = self.embedded_pending(file)
        self.last_sync = None
        if kind is None:
            return None
        if announce is not None:
            announce(kind)
        sha = file_sha256(file)
        synced = self.get_meta("embedded_corpus")
        previous = (synced.get("version") if isinstance(synced, dict)
                    else 1 if kind != "bootstrap" else None)  # untracked = built before version 2
        with self._lock:
            max_docid = int(self.conn.execute(
                "SELECT coalesce(max(docid), 0) FROM papers").fetchone()[0])
        stats = self.import_file(file, progress=progress)
        with self._lock:
            added = [(v, int(y), int(n)) for v, y, n in self.conn.execute(
                "SELECT venue, year, count(*) FROM papers WHERE docid > ? "
                "GROUP BY venue, year ORDER BY venue, year", (max_docid,))]
        total = self.count()
        st_ = file.stat()
        result = EmbeddedSync(
            kind=kind, file=file.name, sha256=sha,
            version=config.EMBEDDED_CORPUS_VERSIONS.get(sha), previous_version=previous,
            stats=stats, added=added,
            other_papers=max(total - stats.new - stats.updated - stats.unchanged, 0),
            total=total, at=_now())
        self.set_meta("embedded_corpus", {
            "file": file.name, "sha256": sha, "version": result.version,
            "size": st_.st_size, "mtime_ns": st_.st_mtime_ns, "synced_at": result.at,
            "import_version": config.EMBEDDED_IMPORT_VERSION})
        if kind == "bootstrap":
            self.set_meta("bootstrapped_from", file.name)
        else:
            self.set_meta("embedded_upgrade", result.to_dict())
        self.last_sync = result
        return result

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock:
            if self._conn is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.execute("PRAGMA optimize")
                self._conn.close()
                self._conn = None  # type: ignore[assignment]

    def __enter__(self) -> CorpusStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"CorpusStore({str(self.path)!r})"

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise sqlite3.ProgrammingError("CorpusStore is closed")
        return self._conn

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE ... COMMIT`` (rollback on any exception), under the lock."""
        with self._lock:
            conn = self.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def schema_version(self) -> int:
        with self._lock:
            return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        conn = self.conn
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise SchemaError(
                f"{self.path}: database schema version {version} is newer than this tmlmap "
                f"supports ({SCHEMA_VERSION}); upgrade tmlmap or use another --db")
        if version == SCHEMA_VERSION:
            return
        if version > 0 and str(self.path) != ":memory:" and self.path.is_file():
            # Keep a copy of the old file until the migration has committed.
            backup = self.path.with_name(f"{self.path.name}.v{version}.bak")
            with contextlib.closing(sqlite3.connect(str(backup))) as dst:
                conn.backup(dst)
        else:
            backup = None
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read under the write lock: another process may have migrated meanwhile.
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            for target in range(version, SCHEMA_VERSION):
                MIGRATIONS[target](conn)
                conn.execute(f"PRAGMA user_version={target + 1}")
            if version < SCHEMA_VERSION:
                conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                             ("schema_migrated_at", json.dumps(_now())))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        if backup is not None:
            backup.unlink(missing_ok=True)

    # ---- writing ---------------------------------------------------------

    def upsert(self, papers: Iterable[Paper], *, batch_size: int = 1000,
               progress: Progress | None = None) -> ImportStats:
        """Insert or update validated papers; one transaction per ``batch_size``.

        Same id and same content: unchanged; same id, new content: updated in
        place; new id with the normalized title, venue and year of a stored
        paper: merged into it (see :func:`merge_papers`), the id remembered as
        an alias; otherwise new. ``progress(done, None)`` after each batch.
        """
        stats = ImportStats()
        done = 0
        for batch in _batched(papers, batch_size):
            self._write_batch(batch, stats)
            done += len(batch)
            if progress is not None:
                progress(done, None)
        return stats

    def _write_batch(self, batch: list[Paper], stats: ImportStats) -> None:
        """Write one batch in one transaction, updating ``stats``."""
        if not batch:
            return
        with self._transaction() as conn:
            self._write_batch_locked(conn, batch, stats)

    @staticmethod
    def _select_in(conn: sqlite3.Connection, sql: str, values: Sequence[Any]) -> Iterator[Any]:
        """Run ``sql`` (containing one ``IN ({marks})``) over ``values`` in chunks."""
        values = list(values)
        for i in range(0, len(values), 500):
            chunk = values[i:i + 500]
            yield from conn.execute(sql.format(marks=",".join("?" * len(chunk))), chunk)

    def _write_batch_locked(self, conn: sqlite3.Connection, batch: list[Paper],
                            stats: ImportStats) -> None:
        now = _now()
        current: dict[str, Paper] = {}  # stored (or pending) papers by id
        hashes: dict[str, str] = {}  # their content hashes

        def load(rows: Iterable[Sequence[Any]]) -> Iterator[Sequence[Any]]:
            for row in rows:
                if row[0] not in current:
                    current[row[0]] = _row_to_paper(row)
                    hashes[row[0]] = row[9]
                yield row

        ids = {p.id for p in batch}
        cols = f"{_PAPER_COLS}, content_hash"
        for _ in load(self._select_in(conn, f"SELECT {cols} FROM papers WHERE id IN ({{marks}})",
                                      ids)):
            pass
        # Known near-duplicates: alias id -> (kept id, alias content hash).
        alias: dict[str, tuple[str, str]] = {
            a: (pid, h) for a, pid, h in self._select_in(
                conn, "SELECT alias_id, paper_id, content_hash FROM aliases "
                      "WHERE alias_id IN ({marks})", ids)}
        title_keys = {p.title: normalize_title(p.title) for p in batch}  # title -> key
        by_key: dict[tuple[str, str, int], str] = {}  # (title key, venue, year) -> kept id
        # (title key, year) -> (kept id, is a file import): venue names differ between
        # reference tools, so imported files match across venues.
        by_title_year: dict[tuple[str, int], tuple[str, bool]] = {}
        for row in load(self._select_in(
                conn, f"SELECT {cols}, title_key FROM papers WHERE title_key IN ({{marks}}) "
                      "ORDER BY docid DESC", {k for k in title_keys.values() if k})):
            by_key[(row[10], row[3], int(row[4]))] = row[0]  # the oldest paper wins
            by_title_year[(row[10], int(row[4]))] = (row[0], (row[8] or "").startswith(_IMPORT_SOURCE))
        # DOI -> kept id, for stored papers whose URL is the DOI's (ids "doi:..." match as ids).
        by_doi: dict[str, str] = {}
        doi_urls = {_DOI_URL + p.id[4:]: p.id[4:] for p in batch if p.id.startswith("doi:")}
        for row in load(self._select_in(
                conn, f"SELECT {cols} FROM papers WHERE lower(url) IN ({{marks}}) ORDER BY docid DESC",
                doi_urls)):
            by_doi[doi_urls[row[5].lower()]] = row[0]
        for _ in load(self._select_in(conn, f"SELECT {cols} FROM papers WHERE id IN ({{marks}})",
                                      {pid for pid, _ in alias.values()} - current.keys())):
            pass
        # What each kept paper absorbed: kept id -> [alias papers], oldest first.
        absorbed: dict[str, list[Paper]] = {}
        for pid, record in self._select_in(
                conn, "SELECT paper_id, record FROM aliases WHERE paper_id IN ({marks}) "
                      "ORDER BY rowid", ids):
            absorbed.setdefault(pid, []).append(Paper(**json.loads(record)))

        inserts: dict[str, Paper] = {}
        updates: dict[str, Paper] = {}
        alias_rows: dict[str, tuple[str, str, str, str, str]] = {}
        for paper in batch:
            key = (title_keys[paper.title], paper.venue, paper.year)
            own_hash = content_hash(paper)
            if paper.id in current:  # same id: update in place, re-applying its duplicates
                target, kind = paper.id, "updated"
                result = paper
                for dup in absorbed.get(paper.id, ()):
                    result = merge_papers(result, dup)
            elif paper.id in alias and alias[paper.id][0] in current:  # a known duplicate
                target, dup_hash = alias[paper.id]
                if dup_hash == own_hash:
                    stats.unchanged += 1
                    continue
                kind, result = "merged", merge_papers(current[target], paper)
            elif paper.id.startswith("doi:") and paper.id[4:] in by_doi:  # same DOI, other id
                target, kind = by_doi[paper.id[4:]], "merged"
                result = merge_papers(current[target], paper)
            elif key[0] and key in by_key:  # a new near-duplicate of a stored paper
                target, kind = by_key[key], "merged"
                result = merge_papers(current[target], paper)
            elif key[0] and (key[0], key[2]) in by_title_year and (
                    paper.source.startswith(_IMPORT_SOURCE) or by_title_year[(key[0], key[2])][1]):
                target, kind = by_title_year[(key[0], key[2])][0], "merged"
                result = merge_papers(current[target], paper)
            else:
                target, kind, result = paper.id, "new", paper

            if kind == "merged":
                alias[paper.id] = (target, own_hash)
                absorbed.setdefault(target, []).append(paper)
                alias_rows[paper.id] = (paper.id, target, json.dumps(paper.to_dict(),
                                        ensure_ascii=False), own_hash, now)
                stats.merged += 1
            chash = own_hash if result is paper else content_hash(result)
            if kind == "new":
                inserts[target] = current[target] = result
                hashes[target] = chash
                if key[0]:
                    by_key.setdefault(key, target)
                    by_title_year.setdefault((key[0], key[2]),
                                             (target, paper.source.startswith(_IMPORT_SOURCE)))
                stats.new += 1
                continue
            if hashes.get(target) == chash:
                if kind == "updated":
                    stats.unchanged += 1
                continue
            if kind == "updated":
                stats.updated += 1
            current[target] = result
            hashes[target] = chash
            (inserts if target in inserts else updates)[target] = result

        if inserts:
            next_docid = conn.execute(
                "SELECT coalesce(max(docid), 0) + 1 FROM papers").fetchone()[0]
            conn.executemany(
                "INSERT INTO papers (id, title, abstract, authors, venue, year, url, keywords,"
                " source, title_key, content_hash, fp, added_at, updated_at, docid,"
                " keywords_text) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [(p.id, p.title, p.abstract, _dumps(p.authors), p.venue, p.year, p.url,
                  _dumps(p.keywords), p.source, title_keys.get(p.title) or normalize_title(p.title),
                  hashes[p.id], _fp(p.id, hashes[p.id]), now, now, next_docid + i,
                  _keywords_text(p.keywords))
                 for i, p in enumerate(inserts.values())])
        if updates:
            conn.executemany(
                "UPDATE papers SET title=?, abstract=?, authors=?, venue=?, year=?, url=?,"
                " keywords=?, source=?, title_key=?, content_hash=?, fp=?, updated_at=?,"
                " keywords_text=? WHERE id=?",
                [(p.title, p.abstract, _dumps(p.authors), p.venue, p.year, p.url,
                  _dumps(p.keywords), p.source,
                  title_keys.get(p.title) or normalize_title(p.title), hashes[pid],
                  _fp(pid, hashes[pid]), now, _keywords_text(p.keywords), pid)
                 for pid, p in updates.items()])
        if alias_rows:
            conn.executemany(
                "INSERT OR REPLACE INTO aliases (alias_id, paper_id, record, content_hash,"
                " added_at) VALUES (?, ?, ?, ?, ?)", list(alias_rows.values()))

    def import_file(self, path: str | os.PathLike[str], *, format: str | None = None,
                    progress: Progress | None = None, strict: bool = False,
                    batch_size: int = 1000) -> ImportStats:
        """Import a corpus file: JSONL(.gz), JSON (CSL, OpenAlex), CSV, BibTeX, RIS or
        Web of Science text (format from the extension, see :func:`sniff_format`).

        Bad records are skipped and described in ``errors`` (file, line,
        field); with ``strict`` the first one raises :class:`RecordError`
        (the good records before it are kept). A file that cannot be read
        raises :class:`RecordError`, after storing the good records read before
        the failure (e.g. a truncated ``.gz``). ``progress(done, total)`` counts records.
        """
        path = Path(path)
        records = read_records(path, format)  # raises RecordError for unknown formats
        total = count_records(path, format) if progress is not None else None
        stats = ImportStats()
        done = 0
        batch: list[Paper] = []

        def flush() -> None:
            nonlocal done
            self._write_batch(batch, stats)
            batch.clear()
            if progress is not None:
                progress(done, total)

        try:
            for where, raw in records:
                done += 1
                try:
                    if isinstance(raw, RecordError):
                        raise raw
                    batch.append(validate_record(raw, where=where))
                    if raw.get("_cleaned"):
                        stats.add_cleaned(raw["_cleaned"])
                except RecordError as exc:
                    if strict:
                        raise
                    stats.add_error(str(exc))
                if len(batch) >= batch_size:
                    flush()
        except RecordError:
            # Strict mode, or the file broke off (e.g. a truncated download):
            # keep the good records read before the failure, then report it.
            flush()
            raise
        flush()
        if stats.new or stats.updated or stats.merged:
            self.set_meta("last_import", {"file": path.name, "at": _now(),
                                          "stats": str(stats)})
        return stats

    def delete(self, paper_ids: Iterable[str]) -> int:
        """Delete papers by id (aliases resolve); returns how many were removed."""
        ids = list(paper_ids)
        removed = 0
        with self._transaction() as conn:
            for chunk in _chunks(ids, 500):
                marks = ",".join("?" * len(chunk))
                targets = {r[0] for r in conn.execute(
                    f"SELECT paper_id FROM aliases WHERE alias_id IN ({marks})", chunk)}
                targets.update(chunk)
                tlist = list(targets)
                marks = ",".join("?" * len(tlist))
                conn.execute(f"DELETE FROM aliases WHERE paper_id IN ({marks})", tlist)
                removed += conn.execute(
                    f"DELETE FROM papers WHERE id IN ({marks})", tlist).rowcount
        return removed

    # ---- reading ---------------------------------------------------------

    def get(self, paper_id: str) -> Paper | None:
        """The paper with ``paper_id`` (or the paper it was merged into), else None."""
        with self._lock:
            row = self.conn.execute(f"SELECT {_PAPER_COLS} FROM papers WHERE id=?",
                                    (paper_id,)).fetchone()
            if row is None:
                row = self.conn.execute(
                    f"SELECT {', '.join('p.' + c.strip() for c in _PAPER_COLS.split(','))} "
                    "FROM aliases a JOIN papers p ON p.id = a.paper_id WHERE a.alias_id=?",
                    (paper_id,)).fetchone()
        return _row_to_paper(row) if row else None

    def count(self) -> int:
        """Number of papers."""
        with self._lock:
            return int(self.conn.execute("SELECT count(*) FROM papers").fetchone()[0])

    def counts_by_venue_year(self) -> list[tuple[str, int, int]]:
        """``(venue, year, n_papers)`` rows, ordered by venue then year."""
        with self._lock:
            return [(v, int(y), int(n)) for v, y, n in self.conn.execute(
                "SELECT venue, year, count(*) FROM papers GROUP BY venue, year "
                "ORDER BY venue, year")]

    def slice_counts(self, source_marker: str) -> list[tuple[str, int, int, int]]:
        """``(venue, year, n_papers, n_marked)`` ordered by venue then year, where
        ``n_marked`` counts the papers whose ``source`` contains ``source_marker``
        (see :mod:`tmlmap.corpus.coverage`)."""
        with self._lock:
            return [(v, int(y), int(n), int(m)) for v, y, n, m in self.conn.execute(
                "SELECT venue, year, count(*), coalesce(sum(instr(source, ?) > 0), 0) "
                "FROM papers GROUP BY venue, year ORDER BY venue, year", (source_marker,))]

    def ids_with_source(self, source_marker: str) -> set[str]:
        """Ids of the papers whose ``source`` contains ``source_marker``."""
        with self._lock:
            return {r[0] for r in self.conn.execute(
                "SELECT id FROM papers WHERE instr(source, ?) > 0", (source_marker,))}

    def counts_by_venue(self) -> list[tuple[str, int]]:
        """``(venue, n_papers)``, largest first (ties by name)."""
        with self._lock:
            return [(v, int(n)) for v, n in self.conn.execute(
                "SELECT venue, count(*) AS n FROM papers GROUP BY venue ORDER BY n DESC, venue")]

    def counts_by_year(self) -> list[tuple[int, int]]:
        """``(year, n_papers)`` ordered by year."""
        with self._lock:
            return [(int(y), int(n)) for y, n in self.conn.execute(
                "SELECT year, count(*) FROM papers GROUP BY year ORDER BY year")]

    def venues(self) -> list[str]:
        """Distinct venues, sorted."""
        with self._lock:
            return [r[0] for r in self.conn.execute(
                "SELECT DISTINCT venue FROM papers ORDER BY venue")]

    def year_range(self) -> tuple[int, int]:
        """``(first_year, last_year)``; raises ``ValueError`` on an empty store."""
        with self._lock:
            lo, hi = self.conn.execute("SELECT min(year), max(year) FROM papers").fetchone()
        if lo is None:
            raise ValueError(f"{self.path}: the corpus is empty")
        return int(lo), int(hi)

    @staticmethod
    def _filters(venues: Iterable[str] | None, year_min: int | None, year_max: int | None,
                 prefix: str = "") -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if venues is not None:
            vs = [venues] if isinstance(venues, str) else list(venues)
            if vs:
                clauses.append(f"{prefix}venue IN ({','.join('?' * len(vs))})")
                params.extend(vs)
        if year_min is not None:
            clauses.append(f"{prefix}year >= ?")
            params.append(int(year_min))
        if year_max is not None:
            clauses.append(f"{prefix}year <= ?")
            params.append(int(year_max))
        return (" AND ".join(clauses), params)

    def papers(self, venues: Iterable[str] | None = None, year_min: int | None = None,
               year_max: int | None = None) -> list[Paper]:
        """Papers matching the filters (``venues`` empty/None = all; years
        inclusive, None = open), ordered by id."""
        where, params = self._filters(venues, year_min, year_max)
        sql = f"SELECT {_PAPER_COLS} FROM papers"
        if where:
            sql += f" WHERE {where}"
        sql += " ORDER BY id"
        with self._lock:
            rows = self.conn.execute(sql, params).fetchall()
        return [_row_to_paper(r) for r in rows]

    def search(self, query: str, *, venues: Iterable[str] | None = None,
               year_min: int | None = None, year_max: int | None = None,
               limit: int = 20) -> list[SearchHit]:
        """Full-text search, best first (bm25 over title x8, abstract x1, keywords x4).

        ``query`` is free text, never FTS5 syntax (see :func:`fts_query`):
        words are AND-ed, ``"quoted phrases"`` match as phrases, ``word*`` is
        a prefix, ``OR`` between terms is honoured. If the AND-ed query finds
        nothing, the terms are OR-ed. Returns ``[]`` for an empty query.
        """
        limit = max(0, min(int(limit), 10_000))
        hits: list[SearchHit] = []
        if limit == 0:
            return hits
        where, params = self._filters(venues, year_min, year_max, prefix="p.")
        for any_term in (False, True):
            match = fts_query(query, any_term=any_term)
            if not match:
                return []
            sql = (
                "SELECT p.id, p.title, p.venue, p.year, p.url,"
                " snippet(papers_fts, -1, ?, ?, '\u2026', 40),"
                " bm25(papers_fts, 8.0, 1.0, 4.0) AS rank"
                " FROM papers_fts JOIN papers p ON p.docid = papers_fts.rowid"
                " WHERE papers_fts MATCH ?"
                + (f" AND {where}" if where else "")
                + " ORDER BY rank, p.id LIMIT ?")
            with self._lock:
                rows = self.conn.execute(
                    sql, [HIGHLIGHT_START, HIGHLIGHT_END, match, *params, limit]).fetchall()
            hits = [SearchHit(id=r[0], title=r[1], venue=r[2], year=int(r[3]), url=r[4] or "",
                              snippet=r[5] or "", score=-float(r[6])) for r in rows]
            if hits or match == fts_query(query, any_term=True):
                break
        return hits

    def fingerprint(self) -> str:
        """A 16-hex-digit digest of the whole corpus content.

        Equal for two stores holding the same papers (ids and content), and
        different after any paper is added, updated or deleted. Computed from
        per-row digests (a sum over an integer column), and cached until this
        or another connection commits a change.
        """
        with self._lock:
            conn = self.conn
            state = (int(conn.execute("PRAGMA data_version").fetchone()[0]), conn.total_changes)
            if self._fp_cache is not None and self._fp_cache[0] == state:
                return self._fp_cache[1]
            # Two 30-bit halves so the sums cannot overflow SQLite's 64-bit integers.
            n, hi, lo = conn.execute(
                "SELECT count(*), coalesce(sum(fp >> 30), 0), coalesce(sum(fp & 1073741823), 0)"
                " FROM papers").fetchone()
            digest = hashlib.sha256(f"tmlmap-corpus-v1:{n}:{hi}:{lo}".encode()).hexdigest()[:16]
            self._fp_cache = (state, digest)
            return digest

    def get_meta(self, key: str, default: Any = None) -> Any:
        """The value stored under ``key`` (JSON-decoded), or ``default``."""
        with self._lock:
            row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        if row is None or row[0] is None:
            return default
        try:
            return json.loads(row[0])
        except json.JSONDecodeError:
            return row[0]

    def set_meta(self, key: str, value: Any) -> None:
        """Store a JSON-serializable ``value`` under ``key`` (``None`` deletes it)."""
        with self._transaction() as conn:
            if value is None:
                conn.execute("DELETE FROM meta WHERE key=?", (key,))
            else:
                conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                             (key, json.dumps(value, ensure_ascii=False)))

    def backup(self, dest: str | os.PathLike[str]) -> Path:
        """Copy the whole database to ``dest`` (a consistent snapshot, online)."""
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, contextlib.closing(sqlite3.connect(str(dest))) as dst:
            self.conn.backup(dst)
        return dest

    def integrity_check(self) -> list[str]:
        """SQLite and FTS5 integrity checks; ``[]`` when everything is fine."""
        problems: list[str] = []
        with self._lock:
            result = [r[0] for r in self.conn.execute("PRAGMA integrity_check")]
            if result != ["ok"]:
                problems.extend(result)
            read_only = bool(self.conn.execute("PRAGMA query_only").fetchone()[0])
            if read_only:  # FTS5's own check is an INSERT; compare row counts instead
                n_fts = self.conn.execute("SELECT count(*) FROM papers_fts_docsize").fetchone()[0]
                n = self.conn.execute("SELECT count(*) FROM papers").fetchone()[0]
                if n_fts != n:
                    problems.append(f"full-text index: {n_fts} documents for {n} papers")
            else:
                try:
                    self.conn.execute(
                        "INSERT INTO papers_fts(papers_fts, rank) VALUES ('integrity-check', 1)")
                except sqlite3.DatabaseError as exc:
                    problems.append(f"full-text index: {exc}")
        return problems


def _batched(items: Iterable[Paper], size: int) -> Iterator[list[Paper]]:
    if size < 1:
        raise ValueError("batch_size must be >= 1")
    batch: list[Paper] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


__all__ = [
    "HIGHLIGHT_END", "HIGHLIGHT_START", "MIGRATIONS", "SCHEMA_VERSION", "CorpusStore",
    "EmbeddedSync", "ImportStats", "SchemaError", "SearchHit", "content_hash", "file_sha256",
    "fts_query", "merge_papers",
]
