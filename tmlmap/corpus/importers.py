"""Readers for corpus files (JSONL, CSV, BibTeX, RIS, CSL JSON, OpenAlex, WoS) and text cleanup.

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

Text cleanup is deliberately minimal: HTML tags and entities and control
characters (a NUL byte, terminal escapes) are removed from every format; TeX
markup (accents, ``\\emph{...}``, braces, escapes) only from BibTeX, where it is
native. LaTeX maths between ``$...$`` is kept as written. What was removed is
not silent: a record dict carries ``_cleaned``, the kinds of markup removed
from it (e.g. ``["HTML tags"]``), which the store counts in
:class:`~tmlmap.corpus.store.ImportStats`.

Formats exported by reference tools (each reader documents its field mapping):

* RIS (``.ris``, or ``.txt`` starting with ``TY  -``): Zotero, Scopus, Web of
  Science, EndNote; parsed record by record with ``rispy``.
* CSL JSON (``.json``: an array of CSL items): Zotero's "CSL JSON" export.
* OpenAlex works (``.json``: a work, a list of works or an API page
  ``{"results": [...]}``; ``.jsonl``: one work per line): the abstract is
  rebuilt from ``abstract_inverted_index``.
* Web of Science plain text (``.txt`` starting with ``FN``, tagged ``PT``/``TI``/...
  lines, ``ER`` ends a record) and its tab-delimited export (read as CSV).

Records of every format that carry a DOI get the id ``doi:<lower-case doi>``,
so the same paper imported from two tools merges by DOI.
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
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tmlmap.corpus.records import RecordError

#: Supported formats and the file-name endings that select them.
FORMATS = ("jsonl", "json", "csv", "bib", "ris", "wos")
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
    ".json": "json",
    ".ris": "ris",
    ".ris.gz": "ris",
    ".nbib": "ris",
    ".enw": "ris",
    ".ciw": "wos",
}
#: Extensions whose format is read from the file's first line (RIS or WoS tagged text).
_SNIFFED_EXTENSIONS = (".txt", ".txt.gz")
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


# C0/C1 control characters except tab and newlines (which whitespace collapsing handles):
# a NUL byte breaks C tools, escape sequences reach terminals.
_CONTROL_CHARS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


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


def clean_text(text: str, *, tex: bool = False, report: set[str] | None = None) -> str:
    """Minimal cleanup of one field: control characters, HTML tags/entities (and TeX
    markup when ``tex``), whitespace collapsed, NFC.

    ``report``, if given, receives the kinds of markup removed (``"HTML tags"``,
    ``"HTML entities"``, ``"control characters"``; TeX is native to BibTeX and not reported).
    """
    if _CONTROL_CHARS_RE.search(text):
        text = _CONTROL_CHARS_RE.sub(" ", text)
        if report is not None:
            report.add("control characters")
    if report is not None and "<" in text and _TAG_RE.search(text):
        report.add("HTML tags")
    if report is not None and "&" in text and _ENTITY_RE.search(text):
        report.add("HTML entities")
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


def _known_extensions() -> str:
    return ", ".join([*_EXTENSIONS, *_SNIFFED_EXTENSIONS])


def sniff_format(path: str | Path) -> str:
    """Return the format of ``path`` (one of :data:`FORMATS`) from its name.

    ``.txt`` files are told apart by their first line: ``FN``/``PT`` (Web of
    Science tagged text) or ``TY  -`` (RIS). Raises :class:`RecordError` for a
    directory, a missing ``.txt`` file or an unknown extension.
    """
    path = Path(path)
    if path.is_dir():
        raise RecordError("is a directory, not a file; give the files inside it", where=str(path))
    name = path.name.lower()
    for ext in sorted(_EXTENSIONS, key=len, reverse=True):
        if name.endswith(ext):
            return _EXTENSIONS[ext]
    if name.endswith(_SNIFFED_EXTENSIONS):
        with _open_text(path) as fh:
            try:
                head = [line for _, line in zip(range(50), fh, strict=False)]
            except _UNREADABLE as exc:
                raise RecordError(f"cannot read file: {exc}", where=str(path)) from exc
        first = next((ln.strip() for ln in head if ln.strip()), "")
        if re.match(r"(FN|VR|PT) ", first):
            return "wos"
        if re.match(r"[A-Z][A-Z0-9]  -", first):
            return "ris"
        raise RecordError("a .txt file that is neither RIS (first line 'TY  - ...') nor Web of "
                          "Science tagged text (first line 'FN ...' or 'PT ...'); choose the "
                          "format explicitly", where=str(path))
    raise RecordError(
        f"unknown file type; expected one of {_known_extensions()} "
        "(or choose the format explicitly: --format on the command line, format= in Python)",
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
    try:
        fmt = format or sniff_format(path)
        with _open_text(path) as fh:
            if fmt == "jsonl":
                return sum(1 for line in fh if line.strip())
            if fmt == "json":
                return None  # one document: the count is known only once it is parsed
            if fmt == "ris":
                return sum(1 for line in fh if _RIS_START_RE.match(line))
            if fmt == "wos":
                return sum(1 for line in fh if line.startswith("PT "))
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
                yield where, _json_object_record(obj, path)
    except _UNREADABLE as exc:
        raise RecordError(f"cannot read file after line {lineno}: {exc}", where=str(path)) from exc


def _clean_fields(obj: dict[str, Any], *, tex: bool) -> dict[str, Any]:
    """Clean the text fields of a raw record (a copy; non-strings untouched,
    so that validation can report wrong types). Sets ``_cleaned`` to the
    sorted kinds of markup removed (see :func:`clean_text`)."""
    out = dict(obj)
    cleaned: set[str] = set()
    for name in ("id", "title", "abstract", "venue", "url", "source"):
        value = out.get(name)
        if isinstance(value, str):
            out[name] = (clean_text(value, tex=tex, report=cleaned) if name in ("title", "abstract", "venue")
                         else _strip_controls(value, cleaned))
    for name in ("authors", "keywords"):
        value = out.get(name)
        if isinstance(value, str):
            value = value.split(";") if value.strip() else []
        if isinstance(value, list):
            out[name] = [clean_text(v, tex=tex, report=cleaned) if isinstance(v, str) else v for v in value]
    out["_cleaned"] = sorted(cleaned)
    return out


def _strip_controls(value: str, report: set[str]) -> str:
    if _CONTROL_CHARS_RE.search(value):
        report.add("control characters")
        return _CONTROL_CHARS_RE.sub("", value)
    return value


# --------------------------------------------------------------------------
# Shared helpers of the reference-manager formats
# --------------------------------------------------------------------------

_DOI_RE = re.compile(r"\b(10\.\d{4,9}/\S+)", re.I)


def normalize_doi(value: Any) -> str:
    """``"https://doi.org/10.1145/ABC"`` -> ``"10.1145/abc"``; ``""`` when there is no DOI.

    DOIs are case-insensitive (DOI Handbook 2.4), so the key is lower case.
    """
    if not isinstance(value, str):
        return ""
    m = _DOI_RE.search(value.strip())
    return m.group(1).rstrip(".,;").lower() if m else ""


def _year_of(value: Any) -> Any:
    """The year of a date-like value (``"2020/05/01/"``, ``"2020-05"``, ``"May 2020"``);
    other values are returned as they are, for validation to judge."""
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"\d{4}", text):
            return text
        m = re.match(r"(\d{4})(?:[/-]|$)", text) or re.search(r"\b(1[89]\d\d|20\d\d|2100)\b", text)
        if m and not re.fullmatch(r"\d{4}\.\d+", text):
            return m.group(1)
    return value


def _hash_id(prefix: str, title: str, venue: str, year: Any) -> str:
    digest = hashlib.sha256(f"{normalize_title(title)}|{venue}|{year}".encode()).hexdigest()[:16]
    return f"{prefix}:{digest}"


def _first(*values: Any) -> str:
    """The first non-empty string among ``values`` (lists: their first element)."""
    for value in values:
        if isinstance(value, list):
            value = next((v for v in value if isinstance(v, str) and v.strip()), "")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _record(*, kind: str, rid: str, doi: str, title: str, abstract: str, venue: str, year: Any,
            url: str, authors: list[str], keywords: list[str], path: Path) -> dict[str, Any]:
    """A record dict from a reference-manager format: id ``doi:...`` when there
    is a DOI, else the format's own id, else a hash of title, venue and year."""
    doi = normalize_doi(doi)
    if doi:
        rid = f"doi:{doi}"
    elif not rid:
        rid = _hash_id(kind, title, venue, year)
    if not url and doi:
        url = f"https://doi.org/{doi}"
    return _clean_fields({
        "id": rid, "title": title, "abstract": abstract, "venue": venue, "year": year, "url": url,
        "authors": [a for a in authors if a], "keywords": [k for k in keywords if k],
        "source": f"import:{path.name}",
    }, tex=False)


# --------------------------------------------------------------------------
# JSON: OpenAlex works and CSL JSON (and our own records)
# --------------------------------------------------------------------------


def is_openalex_work(obj: dict[str, Any]) -> bool:
    """True for an OpenAlex work object (``abstract_inverted_index`` or an openalex.org id)."""
    rid = obj.get("id")
    return "abstract_inverted_index" in obj or (isinstance(rid, str) and "openalex.org/W" in rid)


def is_csl_item(obj: dict[str, Any]) -> bool:
    """True for a CSL JSON item (``issued`` or ``container-title``, and no own ``venue``)."""
    return "venue" not in obj and ("issued" in obj or "container-title" in obj)


def abstract_from_inverted_index(index: Any) -> str:
    """Rebuild an abstract from OpenAlex's ``{"word": [positions]}``.

    Words are placed at their positions (gaps left out); returns ``""`` for
    ``None`` or a malformed index.
    """
    if not isinstance(index, dict) or not index:
        return ""
    placed: list[tuple[int, str]] = []
    for word, positions in index.items():
        if not isinstance(positions, list):
            return ""
        placed.extend((p, str(word)) for p in positions if isinstance(p, int) and 0 <= p < 1_000_000)
    placed.sort()
    return " ".join(word for _, word in placed)


def openalex_record(work: dict[str, Any], path: Path) -> dict[str, Any]:
    """A record from an OpenAlex work.

    title ``title`` (or ``display_name``); abstract from
    ``abstract_inverted_index``; venue ``primary_location.source.display_name``
    (or the older ``host_venue.display_name``); year ``publication_year``;
    authors ``authorships[].author.display_name``; keywords
    ``keywords[].display_name`` (or ``display_name`` of each entry); id
    ``doi:...``, else ``openalex:W...``.
    """
    def name_of(obj: Any) -> str:
        return obj.get("display_name", "") if isinstance(obj, dict) else ""

    location = work.get("primary_location") if isinstance(work.get("primary_location"), dict) else {}
    venue = _first(name_of(location.get("source")), name_of(work.get("host_venue")))
    rid = work.get("id") if isinstance(work.get("id"), str) else ""
    rid = f"openalex:{rid.rsplit('/', 1)[-1]}" if rid else ""
    authors = [name_of(a.get("author")) for a in work.get("authorships") or [] if isinstance(a, dict)]
    keywords = [k if isinstance(k, str) else name_of(k) for k in work.get("keywords") or []]
    url = _first(location.get("landing_page_url"), work.get("doi"))
    return _record(kind="openalex", rid=rid, doi=work.get("doi") or "",
                   title=_first(work.get("title"), work.get("display_name")),
                   abstract=abstract_from_inverted_index(work.get("abstract_inverted_index")),
                   venue=venue, year=work.get("publication_year"), url=url if isinstance(url, str) else "",
                   authors=authors, keywords=keywords, path=path)


def _csl_year(issued: Any) -> Any:
    if isinstance(issued, dict):
        parts = issued.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            return parts[0][0]
        for key in ("raw", "literal"):
            if isinstance(issued.get(key), str):
                return _year_of(issued[key])
    return _year_of(issued) if isinstance(issued, str) else issued


def csl_record(item: dict[str, Any], path: Path) -> dict[str, Any]:
    """A record from a CSL JSON item (Zotero's CSL JSON export).

    title ``title``; abstract ``abstract``; venue ``container-title``, else
    ``event-title``/``event``, ``collection-title``, ``publisher``; year
    ``issued.date-parts[0][0]`` (or ``issued.raw``); authors ``family, given``
    (or ``literal``); keywords ``keyword`` split on ``,`` or ``;``; id
    ``doi:...`` else ``csl:<id>``.
    """
    authors = []
    for a in item.get("author") or []:
        if isinstance(a, dict):
            name = a.get("literal") or ", ".join(p for p in (a.get("family"), a.get("given")) if isinstance(p, str) and p)
            authors.append(name if isinstance(name, str) else "")
    kw = item.get("keyword")
    keywords = re.split(r"[;,]", kw) if isinstance(kw, str) else [k for k in kw or [] if isinstance(k, str)]
    event = item.get("event")
    rid = item.get("id")
    return _record(kind="csl", rid=f"csl:{rid}" if isinstance(rid, str | int) and str(rid) else "",
                   doi=item.get("DOI") or "", title=_first(item.get("title")),
                   abstract=_first(item.get("abstract")),
                   venue=_first(item.get("container-title"), item.get("event-title"),
                                event.get("name") if isinstance(event, dict) else event,
                                item.get("collection-title"), item.get("publisher")),
                   year=_csl_year(item.get("issued")), url=_first(item.get("URL")),
                   authors=authors, keywords=[k.strip() for k in keywords], path=path)


def _json_object_record(obj: dict[str, Any], path: Path) -> dict[str, Any]:
    """One JSON object: an OpenAlex work, a CSL item or our own record."""
    if is_openalex_work(obj):
        return openalex_record(obj, path)
    if is_csl_item(obj):
        return csl_record(obj, path)
    return _clean_fields(obj, tex=False)


def read_json(path: str | Path) -> Iterator[tuple[str, Raw]]:
    """Yield the records of one JSON document: a CSL JSON array, an OpenAlex
    work, list of works or API page (``{"results": [...]}``), or a list of our
    own records. ``where`` is ``<file>#<n>`` (1-based position in the list)."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise RecordError("no such file", where=str(path)) from None
    if size > MAX_BIB_BYTES:
        raise RecordError(f"file is {size:,} bytes, over the limit of {MAX_BIB_BYTES:,}", where=str(path))
    try:
        with _open_text(path) as fh:
            doc = json.load(fh)
    except json.JSONDecodeError as exc:
        raise RecordError(f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno} "
                          "(one object per line? name the file .jsonl)", where=str(path)) from None
    except RecursionError:
        raise RecordError("malformed JSON: nested too deeply", where=str(path)) from None
    except _UNREADABLE as exc:
        raise RecordError(f"cannot read file: {exc}", where=str(path)) from exc
    if isinstance(doc, dict) and isinstance(doc.get("results"), list):
        items = doc["results"]
    elif isinstance(doc, dict) and isinstance(doc.get("items"), list):
        items = doc["items"]
    elif isinstance(doc, dict):
        items = [doc]
    elif isinstance(doc, list):
        items = doc
    else:
        raise RecordError(f"expected a JSON array or object, got {type(doc).__name__}", where=str(path))
    for n, obj in enumerate(items, start=1):
        where = f"{path}#{n}"
        if not isinstance(obj, dict):
            yield where, RecordError(f"expected a JSON object, got {type(obj).__name__}", where=where)
            continue
        yield where, _json_object_record(obj, path)


# --------------------------------------------------------------------------
# RIS (Zotero, Scopus, Web of Science, EndNote) and Web of Science tagged text
# --------------------------------------------------------------------------

_RIS_START_RE = re.compile(r"^\ufeff?TY  -")
_RIS_END_RE = re.compile(r"^ER  -")


def _tagged_chunks(path: Path, start: re.Pattern[str], end: re.Pattern[str]
                   ) -> Iterator[tuple[int, list[str] | RecordError]]:
    """Split a tagged file into records: ``(first line number, lines)``.

    A record starts at a line matching ``start`` and ends at one matching
    ``end``; a record without an end line is yielded as an error.
    """
    fh = _open_text(path)
    lineno = 0
    chunk: list[str] = []
    first = 0
    try:
        with fh:
            for lineno, line in enumerate(fh, start=1):
                line = line.rstrip("\r\n")
                if len(line) > MAX_LINE_CHARS:
                    yield lineno, RecordError(f"line is {len(line):,} characters, over the limit "
                                              f"of {MAX_LINE_CHARS:,}", where=f"{path}:{lineno}")
                    continue
                if start.match(line):
                    if chunk:
                        yield first, RecordError("record has no end line (ER) before the next record",
                                                 where=f"{path}:{first}")
                    chunk, first = [line.lstrip("\ufeff")], lineno
                elif chunk:
                    chunk.append(line)
                    if end.match(line):
                        yield first, chunk
                        chunk = []
    except _UNREADABLE as exc:
        raise RecordError(f"cannot read file after line {lineno}: {exc}", where=str(path)) from exc
    if chunk:
        yield first, RecordError("the last record has no end line (ER): truncated file?",
                                 where=f"{path}:{first}")


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)]


def ris_record(entry: dict[str, Any], path: Path) -> dict[str, Any]:
    """A record from one ``rispy`` entry.

    title ``TI``/``T1``; abstract ``AB``/``N2``; authors ``AU``/``A1``; venue
    ``T2`` (Zotero, Scopus, EndNote: journal or proceedings title), else
    ``JO``/``JF``/``J2``/``T3``/``PB``; year ``PY``/``Y1``/``DA`` (first four
    digits of ``2020/05/01/``); keywords ``KW``; DOI ``DO`` (id ``doi:...``),
    else ``ID``/``AN`` (id ``ris:...``), else a hash of title, venue and year.
    """
    unknown = entry.get("unknown_tag") if isinstance(entry.get("unknown_tag"), dict) else {}
    year = _first(entry.get("year"), entry.get("publication_year"), entry.get("date"))
    keywords = [k.strip() for kw in _as_list(entry.get("keywords")) for k in re.split(r";", kw)]
    rid = _first(entry.get("id"), entry.get("accession_number"))
    return _record(kind="ris", rid=f"ris:{rid}" if rid else "",
                   doi=_first(entry.get("doi"), unknown.get("DI"), unknown.get("R3")),
                   title=_first(entry.get("title"), entry.get("primary_title"), entry.get("translated_title")),
                   abstract=_first(entry.get("abstract"), entry.get("notes_abstract")),
                   venue=_first(entry.get("secondary_title"), entry.get("journal_name"),
                                entry.get("alternate_title3"), entry.get("alternate_title1"),
                                entry.get("alternate_title2"), unknown.get("BT"), entry.get("tertiary_title"),
                                entry.get("publisher")),
                   year=_year_of(year), url=_first(entry.get("urls")),
                   authors=_as_list(entry.get("authors")) or _as_list(entry.get("first_authors")),
                   keywords=keywords, path=path)


def read_ris(path: str | Path) -> Iterator[tuple[str, Raw]]:
    """Yield one record per RIS reference (``TY  -`` ... ``ER  -``), parsed by ``rispy``.

    ``where`` is ``<file>:<line of TY>``. See :func:`ris_record` for the fields.
    """
    import rispy

    yield from _tagged_records(Path(path), _RIS_START_RE, _RIS_END_RE, "RIS",
                               lambda chunk: rispy.loads("\n".join(chunk) + "\n"), ris_record)


def _tagged_records(
    path: Path,
    start: re.Pattern[str],
    end: re.Pattern[str],
    what: str,
    parse: Callable[[list[str]], list[dict[str, Any]]],
    record: Callable[[dict[str, Any], Path], dict[str, Any]],
) -> Iterator[tuple[str, Raw]]:
    """Records of a tagged export (RIS, Web of Science): each chunk of
    :func:`_tagged_chunks` parsed by ``parse`` into exactly one entry, turned
    into a record by ``record``; a chunk that does not parse is a
    :class:`RecordError` at ``<file>:<first line>``, the others go on."""
    for first, chunk in _tagged_chunks(path, start, end):
        where = f"{path}:{first}"
        if isinstance(chunk, RecordError):
            yield where, chunk
            continue
        try:
            entries = parse(chunk)
        except Exception as exc:  # noqa: BLE001 - rispy raises several types on bad input
            yield where, RecordError(f"unparseable {what} record: {exc}", where=where)
            continue
        if len(entries) != 1:
            yield where, RecordError(f"unparseable {what} record", where=where)
            continue
        yield where, record(entries[0], path)


_WOS_START_RE = re.compile(r"^\ufeff?PT ")
_WOS_END_RE = re.compile(r"^ER\s*$")


def wos_record(entry: dict[str, Any], path: Path) -> dict[str, Any]:
    """A record from one Web of Science tagged entry (``rispy.WokParser``).

    title ``TI``; abstract ``AB``; authors ``AF`` (full names), else ``AU``;
    venue ``SO`` (source), else ``CT`` (conference); year ``PY``, else
    ``EY``/``PD``; keywords ``DE`` (author keywords, ``;``-separated); DOI
    ``DI`` (id ``doi:...``), else ``UT`` (id ``wos:...``).
    """
    def joined(value: Any) -> str:  # continuation lines of one field
        return " ".join(_as_list(value))

    keywords = [k.strip() for k in joined(entry.get("author_keywords")).split(";")]
    ut = _first(entry.get("accession_number"))
    if ut and not ut.upper().startswith("WOS:"):
        ut = f"WOS:{ut}"
    return _record(kind="wos", rid=f"wos:{ut.split(':', 1)[1]}" if ut else "",
                   doi=_first(entry.get("doi")), title=joined(entry.get("document_title")),
                   abstract=joined(entry.get("abstract")),
                   venue=joined(entry.get("publication_name")) or joined(entry.get("conference_title")),
                   year=_year_of(_first(entry.get("publication_year"), entry.get("early_access_year"),
                                        entry.get("publication_date"))),
                   url="", authors=_as_list(entry.get("author_full_name")) or _as_list(entry.get("authors")),
                   keywords=keywords, path=path)


def read_wos(path: str | Path) -> Iterator[tuple[str, Raw]]:
    """Yield one record per entry of a Web of Science plain-text export
    (``FN``/``VR`` header, ``PT`` starts and ``ER`` ends a record, continuation
    lines indented by three spaces). See :func:`wos_record` for the fields."""
    from rispy.parser import WokParser

    yield from _tagged_records(Path(path), _WOS_START_RE, _WOS_END_RE, "Web of Science",
                               lambda chunk: WokParser(enforce_list_tags=False).parse_lines(iter([*chunk, ""])),
                               wos_record)


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
    if col == "date":  # a full date (Zotero); a year column must hold a year ("2020.5" is refused)
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
    if Path(path).is_dir():
        raise RecordError("is a directory, not a file; give the files inside it", where=str(path))
    fmt = format or sniff_format(path)
    readers = {"jsonl": read_jsonl, "json": read_json, "csv": read_csv, "bib": read_bibtex,
               "bibtex": read_bibtex, "ris": read_ris, "wos": read_wos}
    if fmt not in readers:
        raise RecordError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}", where=str(path))
    return readers[fmt](path)
