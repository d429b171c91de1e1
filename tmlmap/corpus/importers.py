"""Readers for corpus files (JSONL, JSONL.gz, CSV, BibTeX) and text normalization.

Every reader is a generator of ``(where, raw)`` pairs:

* ``where`` is a human-readable location, ``"<file>:<line>"`` (JSONL, CSV;
  1-based line of the record's first line) or ``"<file>:<line> (@<key>)"``
  (BibTeX), used in every error message about that record;
* ``raw`` is either a ``dict`` of record fields ready for
  :func:`tmlmap.corpus.records.validate_record` (``id, title, abstract, venue, year,
  url, authors, keywords, source``), or a :class:`~tmlmap.corpus.records.RecordError`
  when the record could not even be parsed (malformed JSON line, broken
  BibTeX block). Readers never stop at a bad record; the caller decides
  whether to skip it or raise it.

Problems with the file as a whole (missing, not gzip, not UTF-8, a CSV
without a title column) raise :class:`~tmlmap.corpus.records.RecordError` naming the
file before anything is yielded (or at the point of failure for a stream).

Text cleanup is deliberately minimal: HTML tags and entities are removed from
every format; TeX markup (accents, ``\\emph{...}``, braces, escapes) only from
BibTeX, where it is native. LaTeX maths between ``$...$`` is kept as written.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import html
import io
import itertools
import json
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tmlmap.corpus.records import RecordError

#: Supported formats and the file-name endings that select them.
FORMATS = ("jsonl", "csv", "bib")
_EXTENSIONS = {
    ".jsonl": "jsonl",
    ".jsonl.gz": "jsonl",
    ".ndjson": "jsonl",
    ".ndjson.gz": "jsonl",
    ".json.gz": "jsonl",
    ".csv": "csv",
    ".csv.gz": "csv",
    ".tsv": "csv",
    ".bib": "bib",
    ".bibtex": "bib",
    ".bib.gz": "bib",
}
#: Largest accepted input line / CSV field / BibTeX file (characters or bytes).
MAX_LINE_CHARS = 1_000_000
MAX_BIB_BYTES = 200_000_000

Raw = dict[str, Any] | RecordError


# --------------------------------------------------------------------------
# Text cleanup
# --------------------------------------------------------------------------

# HTML/XML tags as they occur in abstracts (incl. JATS ``<jats:p>``); a bare
# ``<`` in maths (``x < y``) is not a tag because a letter must follow it.
_TAG_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?::[A-Za-z0-9]+)?(?:\s[^<>]*)?/?>")
_ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_WS_RE = re.compile(r"\s+")

# TeX accent commands -> combining characters (NFC composes them afterwards).
_TEX_ACCENTS = {
    '"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303",
    "=": "\u0304", ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b",
    "c": "\u0327", "k": "\u0328", "r": "\u030a",
}
_TEX_SYMBOLS = {
    "ss": "ß", "o": "ø", "O": "Ø", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ",
    "aa": "å", "AA": "Å", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ",
}
# \"o  \"{o}  {\"o}  \'{\i}  \c{c}  \v s
_TEX_ACCENT_RE = re.compile(
    r"\\([\"'`^~=.])\s*(?:\{\s*(\\?[A-Za-z])\s*\}|(\\?[A-Za-z]))"
    r"|\\([uvHckr])(?:\s*\{\s*(\\?[A-Za-z])\s*\}|\s+([A-Za-z]))"
)
_TEX_SYMBOL_RE = re.compile(r"\\(ss|ae|AE|oe|OE|aa|AA|[oOlLij])(?![A-Za-z])\s?")
# Formatting commands whose argument is kept: \emph{x} -> x.
_TEX_FORMAT_RE = re.compile(
    r"\\(?:emph|textit|textbf|textsc|texttt|textrm|textsf|textup|textsl|text|mbox|"
    r"mathrm|url|href\{[^{}]*\}|uppercase|lowercase|MakeUppercase|MakeLowercase|"
    r"bf|it|em|sc|tt|rm)\s*\{([^{}]*)\}"
)
_TEX_SWITCH_RE = re.compile(r"\{\\(?:bf|it|em|sc|tt|rm|sl|sf)\s+([^{}]*)\}")
_TEX_ESCAPES = {
    r"\&": "&", r"\%": "%", r"\_": "_", r"\#": "#", r"\$": "$", r"\{": "{",
    r"\}": "}", r"\textendash": "–", r"\textemdash": "—", r"\ldots": "…",
    r"\dots": "…", r"\textquoteright": "’", r"\textquoteleft": "‘",
}
_MATH_RE = re.compile(r"(\$\$.*?\$\$|\$[^$]*\$)", re.S)


def strip_html(text: str) -> str:
    """Remove HTML/XML tags and decode entities (``&amp;`` -> ``&``)."""
    if "<" in text:
        text = _TAG_RE.sub(" ", text)
    if "&" in text and _ENTITY_RE.search(text):
        text = html.unescape(text)
    return text


def _tex_accent(m: re.Match[str]) -> str:
    if m.group(1):
        accent, base = _TEX_ACCENTS[m.group(1)], m.group(2) or m.group(3)
    else:
        accent, base = _TEX_ACCENTS[m.group(4)], m.group(5) or m.group(6)
    if base.startswith("\\"):  # \'{\i} -> dotless i + accent
        base = _TEX_SYMBOLS.get(base[1:], base[1:])
    if base == "ı":
        base = "i"
    return unicodedata.normalize("NFC", base + accent)


def _strip_tex_text(text: str) -> str:
    """TeX cleanup of a piece of text containing no maths."""
    if "\\" in text:
        text = _TEX_ACCENT_RE.sub(_tex_accent, text)
        text = _TEX_SYMBOL_RE.sub(lambda m: _TEX_SYMBOLS[m.group(1)], text)
        for _ in range(4):  # nested \emph{\textbf{x}}
            new = _TEX_SWITCH_RE.sub(r"\1", _TEX_FORMAT_RE.sub(r"\1", text))
            if new == text:
                break
            text = new
        for esc, repl in _TEX_ESCAPES.items():
            if esc in text:
                text = text.replace(esc, repl)
        text = text.replace("\\\\", " ")
    if "{" in text or "}" in text:
        text = text.replace("{", "").replace("}", "")
    if "~" in text:
        text = text.replace("~", " ")
    return text


def strip_tex(text: str) -> str:
    """Remove TeX markup outside maths: accents (``{\\"o}`` -> ``ö``),
    formatting commands (``\\emph{x}`` -> ``x``), escapes (``\\&``), braces and
    ties. Text between ``$...$`` is kept as written."""
    if "\\" not in text and "{" not in text and "}" not in text and "~" not in text:
        return text
    if "$" not in text:
        return _strip_tex_text(text)
    parts = _MATH_RE.split(text)
    return "".join(p if i % 2 else _strip_tex_text(p) for i, p in enumerate(parts))


def clean_text(text: str, *, tex: bool = False) -> str:
    """Minimal cleanup of one field: HTML tags/entities (and TeX markup when
    ``tex``), whitespace collapsed, NFC."""
    text = strip_html(text)
    if tex:
        text = strip_tex(text)
    return " ".join(unicodedata.normalize("NFC", text).split())


_PUNCT_CATEGORIES = ("P", "S", "Z", "C")
_ASCII_NONWORD_RE = re.compile(r"[^a-z0-9]+")


def normalize_title(text: str) -> str:
    """The duplicate-detection key of a title.

    Unicode NFKC, HTML tags/entities and TeX markup removed, casefolded,
    punctuation and symbols turned into spaces, whitespace collapsed. Letters
    keep their diacritics (``M{\\"u}ller`` and ``Müller`` give the same key).
    Returns ``""`` for a title with no letters or digits.
    """
    if not isinstance(text, str):
        raise TypeError(f"normalize_title expects str, got {type(text).__name__}")
    text = strip_tex(strip_html(text))
    if text.isascii():
        return " ".join(_ASCII_NONWORD_RE.sub(" ", text.casefold()).split())
    text = unicodedata.normalize("NFKC", text).casefold()
    # Casefolding can produce decomposable sequences again; recompose.
    text = unicodedata.normalize("NFKC", text)
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat[0] in _PUNCT_CATEGORIES:
            out.append(" ")
        elif cat[0] == "M":  # stray combining marks (no base) are dropped
            if out and out[-1] != " ":
                out.append(ch)
        else:
            out.append(ch)
    return " ".join("".join(out).split())


# --------------------------------------------------------------------------
# Format detection and file opening
# --------------------------------------------------------------------------


def sniff_format(path: str | Path) -> str:
    """Return ``"jsonl"``, ``"csv"`` or ``"bib"`` from the file name.

    Raises :class:`RecordError` for an unknown extension.
    """
    name = Path(path).name.lower()
    for ext in sorted(_EXTENSIONS, key=len, reverse=True):
        if name.endswith(ext):
            return _EXTENSIONS[ext]
    raise RecordError(
        "unknown file type; expected one of .jsonl, .jsonl.gz, .csv, .bib (or pass format=)",
        where=str(path),
    )


def _open_text(path: Path) -> io.TextIOBase:
    """Open ``path`` for reading UTF-8 text, transparently gunzipping ``*.gz``."""
    try:
        if path.name.lower().endswith(".gz"):
            return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
        return open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115
    except FileNotFoundError:
        raise RecordError("no such file", where=str(path)) from None
    except IsADirectoryError:
        raise RecordError("is a directory, not a file", where=str(path)) from None
    except PermissionError:
        raise RecordError("permission denied", where=str(path)) from None


#: Exceptions that mean the file itself is unreadable.
_UNREADABLE = (UnicodeDecodeError, gzip.BadGzipFile, EOFError, OSError)


def count_records(path: str | Path, format: str | None = None) -> int | None:
    """A cheap estimate of the number of records (for progress bars).

    JSONL: non-blank lines; CSV: data rows; BibTeX: ``@`` entry starts.
    Returns ``None`` if the file cannot be read.
    """
    path = Path(path)
    fmt = format or sniff_format(path)
    try:
        with _open_text(path) as fh:
            if fmt == "jsonl":
                return sum(1 for line in fh if line.strip())
            if fmt == "csv":
                return max(0, sum(1 for _ in csv.reader(fh)) - 1)
            return sum(1 for line in fh if line.lstrip().startswith("@")
                       and not line.lstrip().lower().startswith(("@comment", "@string", "@preamble")))
    except (RecordError, csv.Error, *_UNREADABLE):
        return None


# --------------------------------------------------------------------------
# JSONL
# --------------------------------------------------------------------------


def read_jsonl(path: str | Path) -> Iterator[tuple[str, Raw]]:
    """Yield one record per non-blank line of a JSONL (optionally gzipped) file.

    Keys are the record fields; ``authors``/``keywords`` may be lists or
    ``;``-separated strings. Text fields get HTML cleanup.
    """
    path = Path(path)
    fh = _open_text(path)
    lineno = 0
    try:
        with fh:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                where = f"{path}:{lineno}"
                if len(line) > MAX_LINE_CHARS:
                    yield where, RecordError(
                        f"line is {len(line):,} characters, over the limit of {MAX_LINE_CHARS:,}",
                        where=where)
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield where, RecordError(f"malformed JSON: {exc.msg} at column {exc.colno}",
                                             where=where)
                    continue
                except RecursionError:
                    yield where, RecordError("malformed JSON: nested too deeply", where=where)
                    continue
                if not isinstance(obj, dict):
                    yield where, RecordError(
                        f"expected a JSON object, got {type(obj).__name__}", where=where)
                    continue
                yield where, _clean_fields(obj, tex=False)
    except _UNREADABLE as exc:
        raise RecordError(f"cannot read file after line {lineno}: {exc}", where=str(path)) from exc


def _clean_fields(obj: dict[str, Any], *, tex: bool) -> dict[str, Any]:
    """Clean the text fields of a raw record in place (non-strings untouched,
    so that validation can report wrong types)."""
    out = dict(obj)
    for name in ("title", "abstract", "venue"):
        value = out.get(name)
        if isinstance(value, str):
            out[name] = clean_text(value, tex=tex)
    for name in ("authors", "keywords"):
        value = out.get(name)
        if isinstance(value, str):
            value = value.split(";") if value.strip() else []
        if isinstance(value, list):
            out[name] = [clean_text(v, tex=tex) if isinstance(v, str) else v for v in value]
    return out


# --------------------------------------------------------------------------
# CSV (own columns, Scopus, Zotero, Web of Science)
# --------------------------------------------------------------------------

#: Record field -> accepted column names (compared casefolded), in priority order.
CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "paper id", "doi", "di", "eid", "key", "ut (unique wos id)", "ut",
           "citation key"),
    "title": ("title", "article title", "document title", "ti"),
    "abstract": ("abstract", "abstract note", "ab"),
    "authors": ("authors", "author", "author full names", "author(s)", "af", "au"),
    "venue": ("venue", "conference name", "proceedings title", "source title",
              "publication title", "journal", "booktitle", "conference", "so"),
    "year": ("year", "publication year", "pubyear", "py", "date"),
    "url": ("url", "link", "doi", "di"),
    "keywords": ("keywords", "author keywords", "manual tags", "de", "index keywords",
                 "automatic tags", "tags"),
    "source": ("source",),
}
# Web of Science tab-delimited exports use two-letter field tags (TI, AB, AU, SO, PY, DI, DE, UT).
_ID_PREFIX = {"doi": "doi:", "di": "doi:", "eid": "scopus:", "key": "zotero:",
              "ut (unique wos id)": "wos:", "ut": "wos:"}
_YEAR_IN_DATE = re.compile(r"\b(1[89]\d\d|20\d\d|2100)\b")
_SCOPUS_AUTHORS = re.compile(r"(?<=\.),\s+(?=[^\s,])")


def _csv_mapping(header: list[str]) -> dict[str, list[str]]:
    """Map each record field to the present column names (priority order)."""
    present = {h.strip().casefold(): h for h in header if h is not None}
    mapping = {name: [present[a] for a in aliases if a in present]
               for name, aliases in CSV_COLUMNS.items()}
    if {"ut", "ti", "py"} <= present.keys():
        # Web of Science tags: "ID" is Keywords Plus, not an identifier.
        mapping["id"] = [c for c in mapping["id"] if c.strip().casefold() != "id"]
    return mapping


def _split_authors(value: str) -> list[str]:
    """Split an author cell: ``;``-separated, or Scopus ``Smith J., Doe A.``."""
    parts = [p.strip() for p in value.split(";")]
    if len(parts) == 1 and _SCOPUS_AUTHORS.search(value):
        parts = [p.strip() for p in _SCOPUS_AUTHORS.split(value)]
    return [p for p in parts if p]


def _csv_record(row: dict[str, str], mapping: dict[str, list[str]], path: Path) -> dict[str, Any]:
    def first(field_: str) -> tuple[str, str]:
        for col in mapping[field_]:
            value = row.get(col)
            if isinstance(value, str) and value.strip():
                return col.strip().casefold(), value.strip()
        return "", ""

    rec: dict[str, Any] = {}
    col, rid = first("id")
    if col in _ID_PREFIX:
        rid = _ID_PREFIX[col] + (rid.lower() if _ID_PREFIX[col] == "doi:" else rid)
    rec["id"] = rid
    rec["title"] = first("title")[1]
    rec["abstract"] = first("abstract")[1]
    rec["venue"] = first("venue")[1]
    col, year = first("year")
    if col == "date" or (year and not year.isdigit()):
        m = _YEAR_IN_DATE.search(year)
        year = m.group(1) if m else year
    rec["year"] = year
    col, url = first("url")
    if col in ("doi", "di"):
        url = "https://doi.org/" + url
    rec["url"] = url
    rec["authors"] = _split_authors(first("authors")[1])
    rec["keywords"] = first("keywords")[1]
    rec["source"] = first("source")[1] or f"import:{path.name}"
    if not rec["id"] and rec["title"]:
        # No identifier column: a stable id from what identifies the paper.
        digest = hashlib.sha256(
            f"{normalize_title(rec['title'])}|{rec['venue']}|{rec['year']}".encode()
        ).hexdigest()[:16]
        rec["id"] = f"csv:{digest}"
    return _clean_fields(rec, tex=False)


def _csv_delimiter(header_line: str) -> str:
    """``,`` unless the header row is clearly ``;``- or tab-separated."""
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def read_csv(path: str | Path) -> Iterator[tuple[str, Raw]]:
    """Yield one record per CSV row (header required, UTF-8, BOM allowed).

    Columns are the record fields, or the usual Scopus/Zotero/WoS export
    names (see :data:`CSV_COLUMNS`); ``authors`` and ``keywords`` are
    ``;``-separated. The delimiter is ``,``, or ``;``/tab when the header
    row clearly uses it (spreadsheet and Web of Science exports). Without an id column the id is taken from the DOI
    (``doi:...``), Scopus EID (``scopus:...``), Zotero key (``zotero:...``)
    or, failing those, a hash of title, venue and year (``csv:<hex>``).
    """
    path = Path(path)
    csv.field_size_limit(MAX_LINE_CHARS)
    fh = _open_text(path)
    lineno = 1
    try:
        with fh:
            first = fh.readline()
            reader = csv.DictReader(itertools.chain([first], fh),
                                    delimiter=_csv_delimiter(first))
            try:
                header = reader.fieldnames
            except csv.Error as exc:
                raise RecordError(f"cannot read the CSV header: {exc}", where=f"{path}:1") from exc
            if not header:
                raise RecordError("empty CSV file (no header row)", where=str(path))
            mapping = _csv_mapping(list(header))
            if not mapping["title"]:
                raise RecordError(
                    f"no title column in the header (found: {', '.join(h for h in header if h)[:300]})",
                    where=f"{path}:1", field="title")
            while True:
                start = reader.line_num + 1
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    yield f"{path}:{start}", RecordError(
                        f"malformed CSV: {exc}; the rest of the file is skipped",
                        where=f"{path}:{start}")
                    break
                where = f"{path}:{start}"
                if None in row:  # more cells than header columns
                    yield where, RecordError(
                        f"row has {len(header) + len(row[None])} cells, the header has {len(header)}",
                        where=where)
                    continue
                if not any((v or "").strip() for v in row.values()):
                    continue
                yield where, _csv_record(row, mapping, path)
                lineno = reader.line_num
    except _UNREADABLE as exc:
        raise RecordError(f"cannot read file after line {lineno}: {exc}", where=str(path)) from exc


# --------------------------------------------------------------------------
# BibTeX
# --------------------------------------------------------------------------

_BIB_VENUE = ("booktitle", "journal", "journaltitle", "eventtitle", "series", "publisher",
              "school", "institution", "howpublished")


def _bib_record(fields: dict[str, str], key: str, path: Path) -> dict[str, Any]:
    f = {k.lower(): v for k, v in fields.items()}

    def tex(value: str) -> str:
        return clean_text(value, tex=True)

    venue = next((f[k] for k in _BIB_VENUE if f.get(k, "").strip()), "")
    year = f.get("year", "").strip()
    if not year and f.get("date"):
        m = _YEAR_IN_DATE.search(f["date"])
        year = m.group(1) if m else f["date"]
    url = f.get("url", "").strip()
    doi = f.get("doi", "").strip()
    if not url and doi:
        url = doi if doi.lower().startswith("http") else "https://doi.org/" + doi
    authors = [tex(a) for a in re.split(r"\s+and\s+", f.get("author", "").strip()) if a.strip()]
    keywords_raw = f.get("keywords", "") or f.get("keyword", "")
    keywords = [tex(k) for k in re.split(r"[;,]", keywords_raw) if k.strip()]
    return {
        "id": key,
        "title": tex(f.get("title", "")),
        "abstract": tex(f.get("abstract", "")),
        "venue": tex(venue),
        "year": year,
        "url": url,
        "authors": authors,
        "keywords": keywords,
        "source": f"import:{path.name}",
    }


def read_bibtex(path: str | Path) -> Iterator[tuple[str, Raw]]:
    """Yield one record per BibTeX entry (bibtexparser 2.x).

    ``id`` is the citation key; ``author`` is split on `` and ``;
    ``booktitle``/``journal`` (then ``series``, ``publisher``...) give the
    venue; ``url`` or the DOI give the URL; ``keywords`` is split on ``,`` or
    ``;``. Broken blocks and duplicate keys are yielded as errors.
    """
    import logging

    import bibtexparser

    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise RecordError("no such file", where=str(path)) from None
    if size > MAX_BIB_BYTES:
        raise RecordError(f"file is {size:,} bytes, over the limit of {MAX_BIB_BYTES:,}",
                          where=str(path))
    fh = _open_text(path)
    try:
        with fh:
            text = fh.read()
    except _UNREADABLE as exc:
        raise RecordError(f"cannot read file: {exc}", where=str(path)) from exc
    logger = logging.getLogger("bibtexparser")
    level = logger.level
    logger.setLevel(logging.ERROR + 10)  # its warnings duplicate our error records
    try:
        library = bibtexparser.parse_string(text)
    finally:
        logger.setLevel(level)
    blocks: list[tuple[int, Any]] = [(e.start_line, e) for e in library.entries]
    blocks += [(b.start_line, b) for b in library.failed_blocks]
    blocks.sort(key=lambda item: item[0] if item[0] is not None else -1)
    for start, block in blocks:
        line = (start or 0) + 1
        key = getattr(block, "key", None)
        where = f"{path}:{line}" + (f" (@{key})" if key else "")
        if hasattr(block, "fields_dict"):
            fields = {name: fld.value for name, fld in block.fields_dict.items()
                      if isinstance(fld.value, str)}
            yield where, _bib_record(fields, str(block.key), path)
        else:
            err = getattr(block, "error", None)
            lines = [ln.strip() for ln in str(err or "").splitlines() if ln.strip()]
            first = next((ln.strip() for ln in (getattr(block, "raw", "") or "").splitlines()
                          if ln.strip()), "")
            msg = (f"unparseable BibTeX block starting {first[:80]!r}"
                   + (f": {' '.join(lines)[:300]}" if lines else ""))
            if type(block).__name__ == "DuplicateBlockKeyBlock":
                msg = f"duplicate citation key {block.key!r}; entry skipped"
                where = f"{path}:{line} (@{block.key})"
            yield where, RecordError(msg, where=where)


# --------------------------------------------------------------------------


def read_records(path: str | Path, format: str | None = None) -> Iterator[tuple[str, Raw]]:
    """Dispatch to the reader of ``format`` (sniffed from the name if None)."""
    fmt = format or sniff_format(path)
    if fmt == "jsonl":
        return read_jsonl(path)
    if fmt == "csv":
        return read_csv(path)
    if fmt in ("bib", "bibtex"):
        return read_bibtex(path)
    raise RecordError(f"unknown format {fmt!r}; expected one of {FORMATS}", where=str(path))
