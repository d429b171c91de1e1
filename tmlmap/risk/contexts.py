"""Use contexts from public taxonomies: what a system decides, about whom.

The contexts and their seed words come from one file,
``data/high-risk-uses.md`` (a summary, in the project's words, of the EU AI Act
(Regulation (EU) 2024/1689) Annex III high-risk areas and Article 5
prohibited practices, and of the GDPR's Article 9 special categories and the
factors that make processing risky). :func:`parse_contexts` reads it:

* Each numbered Annex III area ("4. **Employment ...**: a; b; c.") gives one
  context per ``;``-separated point. Points are lettered in order, as in the
  Act, except that the summary splits the Act's point 4(b) in two
  (:data:`POINT_LETTERS` says so).
* The Article 5 paragraph gives one context per practice, lettered 5(1)(a)-(h).
* The GDPR paragraph gives one context per Article 9 special category and one
  per risk factor ("Risk grows with: ...").
* "Decisions about people": the words shared by the definitions of at least
  two Annex III areas (who is affected, what is decided: "person",
  "assessment", "decisions", "applications", ...), computed, not typed.

A context's seed words are the forms (lemmas and the map's phrases) of its own
definition text; :mod:`tmlmap.risk.words` carries them through the map's graph
and papers to the words real descriptions use. Nothing here is tuned to an
evaluation set: the only inputs are the definitions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from tmlmap.config import EMBEDDED_DATA_DIR

#: The taxonomy summary (shipped copy of ``shared/notes/high-risk-uses.md``).
CONTEXTS_FILE = EMBEDDED_DATA_DIR / "high-risk-uses.md"
#: Which risk a context's source speaks to (Annex III / Article 5: people's rights, mostly
#: discrimination; GDPR: personal data).
SOURCE_RISK = {"annex3": "fairness", "art5": "fairness", "gdpr": "privacy", "people": "fairness"}
#: Annex III letters where the summary's ``;``-split differs from the Act's lettering:
#: ``(area, 0-based part) -> letter`` (the Act's 4(b) covers promotion, termination,
#: task allocation *and* monitoring of workers).
POINT_LETTERS = {("4", 2): "b"}
#: Key of the "decisions about people" context: its seeds are the words shared by the
#: definitions of at least :data:`PEOPLE_MIN_AREAS` Annex III areas.
PEOPLE_KEY = "people"
PEOPLE_MIN_AREAS = 2
#: The largest definition, in characters (the file is data; refuse surprises).
MAX_FILE_CHARS = 200_000


@dataclass(frozen=True)
class Context:
    """One use context.

    ``key``: stable id (``"annex3-4a"``); ``name``: short display name; ``point``:
    the legal reference ("Annex III 4(a)", "Article 5(1)(c)", "GDPR Art. 9");
    ``area``: the area heading ("Employment and workers' management");
    ``definition``: the text its seeds come from; ``source``: ``annex3``,
    ``art5``, ``gdpr`` or ``people``; ``risk``: ``fairness`` or ``privacy``
    (:data:`SOURCE_RISK`).
    """

    key: str
    name: str
    point: str
    area: str
    definition: str
    source: str
    risk: str = field(default="fairness")


# A bracketed clause naming what a point leaves out: "(fraud detection excepted)", "(not mere
# verification that someone is who they claim)", "(narrow exceptions)". Brackets listing what a
# point covers ("(granting, reducing, revoking, reclaiming)") are not such clauses.
_EXCEPTION_RE = re.compile(r"\((not\b[^()]*|[^()]*\b(?:excepted|excluded|exceptions?))\)", re.I)


def exception_clauses(text: str) -> list[str]:
    """The bracketed clauses of a definition that name what its point leaves out, in order:
    ``"credit scores (fraud detection excepted)"`` -> ``["fraud detection excepted"]``."""
    return [m.group(1).strip() for m in _EXCEPTION_RE.finditer(text)]


def _clean(text: str) -> str:
    return " ".join(text.replace("**", "").split())


def _short(text: str, n: int = 60) -> str:
    text = _clean(re.sub(r"\([^)]*\)", "", text)).strip(" .;:,")
    return text if len(text) <= n else text[: n - 1].rsplit(" ", 1)[0] + "..."


def _sections(md: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for block in re.split(r"^## ", md, flags=re.M)[1:]:
        title, _, body = block.partition("\n")
        out[title.strip()] = body
    return out


def _parse_annex(body: str) -> list[Context]:
    out: list[Context] = []
    # "1. **Biometrics**: text" items, continued on indented lines.
    items = re.findall(r"^(\d+)\. \*\*(.+?)\*\*:(.*?)(?=^\d+\. |\Z|^\S)", body, flags=re.M | re.S)
    for num, area, text in items:
        parts = [p for p in (_clean(x) for x in _clean(text).split(";")) if p.strip(" .")]
        for j, part in enumerate(parts):
            letter = "" if len(parts) == 1 else POINT_LETTERS.get((num, j), "abcdefghij"[j])
            key = f"annex3-{num}{letter}"
            if any(c.key == key for c in out):  # a split point: same letter, definitions joined
                prev = next(c for c in out if c.key == key)
                out[out.index(prev)] = Context(key, prev.name, prev.point, prev.area,
                                               prev.definition + "; " + part, "annex3", SOURCE_RISK["annex3"])
                continue
            point = f"Annex III {num}({letter})" if letter else f"Annex III {num}"
            out.append(Context(key, f"{_clean(area)}: {_short(part)}", point, _clean(area),
                               f"{_clean(area)}: {part}", "annex3", SOURCE_RISK["annex3"]))
    return out


def _parse_art5(body: str) -> list[Context]:
    text = _clean(body)
    parts = [p for p in (x.strip(" .") for x in text.split(";")) if p]
    out = []
    for j, part in enumerate(parts[:8]):
        letter = "abcdefgh"[j]
        out.append(Context(f"art5-{letter}", f"Prohibited: {_short(part)}", f"Article 5(1)({letter})",
                           "Prohibited practices", part, "art5", SOURCE_RISK["art5"]))
    return out


def _parse_gdpr(body: str) -> list[Context]:
    text = _clean(body)
    out: list[Context] = []
    m = re.search(r'"special categories"[^:]*:(.*?)\.(?:\s|$)', text)
    if m:
        for j, cat in enumerate(x.strip(" .") for x in m.group(1).split(",")):
            if cat:
                out.append(Context(f"gdpr-9-{j + 1}", f"Special category: {_short(cat)}", "GDPR Art. 9",
                                   "Special categories of personal data", cat, "gdpr", SOURCE_RISK["gdpr"]))
    m = re.search(r"Risk grows with:(.*?)\.(?:\s|$)", text)
    if m:
        # Split on commas outside parentheses.
        parts, depth, cur = [], 0, ""
        for ch in m.group(1):
            depth += ch == "("
            depth -= ch == ")"
            if ch == "," and depth == 0:
                parts.append(cur)
                cur = ""
            else:
                cur += ch
        parts.append(cur)
        for j, part in enumerate(p.strip(" .") for p in parts):
            part = re.sub(r"^and ", "", part)
            if part:
                art = re.search(r"Article (\d+)", part)
                point = f"GDPR Art. {art.group(1)}" if art else "GDPR risk factor"
                out.append(Context(f"gdpr-risk-{j + 1}", f"Personal data: {_short(part)}", point,
                                   "Risky processing of personal data", part, "gdpr", SOURCE_RISK["gdpr"]))
    return out


def parse_contexts(path: str | Path = CONTEXTS_FILE) -> list[Context]:
    """The contexts of the taxonomy summary at ``path`` (see the module docstring).

    Raises ValueError when the file has none of the expected sections.
    """
    md = Path(path).read_text(encoding="utf-8")
    if len(md) > MAX_FILE_CHARS:
        raise ValueError(f"{path}: {len(md):,} characters, more than {MAX_FILE_CHARS:,}")
    secs = _sections(md)
    out: list[Context] = []
    for title, body in secs.items():
        if "Annex III" in title:
            out += _parse_annex(body)
        elif "Article 5" in title:
            out += _parse_art5(body)
        elif "GDPR" in title or title.lower().startswith("privacy"):
            out += _parse_gdpr(body)
    if not out:
        raise ValueError(f"{path}: no Annex III, Article 5 or GDPR section found")
    annex = [c for c in out if c.source == "annex3"]
    if annex:
        out.append(Context(PEOPLE_KEY, "Decisions about people", "Annex III (all areas), Art. 6(3)",
                           "Who is affected, what is decided",
                           " | ".join(f"{c.area}: {c.definition}" for c in annex), "people", SOURCE_RISK["people"]))
    return out
