"""Input hygiene for every text the risk scorer reads (CLI, batch files, dashboard, the AIAAIC fit).

Untrusted text: HTML entities are decoded and tags blanked *keeping every
character offset* (so highlighted spans stay on the user's text), letters in
brackets glued to a word ("(re)offending", "applicant(s)") blanked, control and
bidi characters are removed, lone surrogates replaced, and input longer than
:data:`MAX_CHARS` is truncated with a warning.
"""

from __future__ import annotations

import re

#: Longest text scored, in characters; longer input is truncated with a warning.
MAX_CHARS = 20_000

_ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});?")
_TAG_RE = re.compile(r"</?[A-Za-z][^<>]{0,200}>|<!--.*?-->", re.S)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufffe\uffff]")
# The part of it that only binary data holds: C0/C1 controls (not tab or line breaks) and the two
# non-characters. The zero-width and bidi marks are left out: copied web text carries them.
_BINARY_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


# "(re)offending", "applicant(s)": letters in brackets glued to a word. The tokenizer keeps such a
# word whole ("re)offending", "applicant(s") and the map knows no such form, so the word is lost.
_BRACKETED_AFFIX_RE = re.compile(r"(?<=[^\W\d_])\([^\W\d_]{1,5}\)|\([^\W\d_]{1,5}\)(?=[^\W\d_])")


def unbracket_affixes(text: str) -> str:
    """Letters in brackets glued to a word blanked, *keeping every character offset*:
    "(re)offending" reads as "offending", "applicant(s)" as "applicant" (the map reads
    "re-offending" as "offending" too). A bracket apart from a word ("risk (low)") is kept."""
    if "(" not in text:
        return text
    return _BRACKETED_AFFIX_RE.sub(lambda m: " " * len(m.group(0)), text)


def _same_length(repl: str, n: int) -> str:
    return (repl + " " * n)[:n] if len(repl) <= n else repl[:n]


def decode_markup(text: str) -> str:
    """HTML entities decoded and tags blanked, *keeping every character offset*.

    ``&amp;`` becomes ``&`` plus 4 spaces (so "amp" is not a word), ``<b>`` and
    ``</b>`` become spaces so ``loan <b>applicants</b>`` reads as "loan
    applicants" (the words inside tags are kept). Offsets into the result are
    offsets into ``text``, so highlighted spans stay on the user's text.
    """
    import html

    if "&" in text:
        text = _ENTITY_RE.sub(lambda m: _same_length(html.unescape(m.group(0)), len(m.group(0))), text)
    if "<" in text:
        text = _TAG_RE.sub(lambda m: " " * len(m.group(0)), text)
    return text


def binary_characters(text: str) -> int:
    """How many characters of ``text`` are binary control characters (C0/C1 controls other than
    tab and line breaks, U+FFFE, U+FFFF): :func:`clean_input` blanks them, and the language check
    counts them as characters that are not letters (a PNG header's "PNG" and "IHDR" are no prose)."""
    return len(_BINARY_RE.findall(text))


def clean_input(text: str) -> tuple[str, list[str]]:
    """Sanitize untrusted text: ``(clean, warnings)``.

    Decodes HTML entities and blanks tags (:func:`decode_markup`, contents
    kept), blanks bracketed affixes (:func:`unbracket_affixes`), removes
    control/bidi characters and lone surrogates, truncates to :data:`MAX_CHARS`.
    Offsets are preserved except for lone surrogates.
    Raises TypeError for non-``str`` input.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    warnings: list[str] = []
    if len(text) > MAX_CHARS:
        warnings.append(f"text truncated from {len(text):,} to {MAX_CHARS:,} characters")
        text = text[:MAX_CHARS]
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates -> '?'
    cleaned = unbracket_affixes(decode_markup(_CONTROL_RE.sub(" ", text)))
    n_bad = sum(1 for _ in _CONTROL_RE.finditer(text))
    if n_bad > max(10, len(text) // 20):
        warnings.append(f"removed {n_bad:,} control characters: the input may be binary data")
    return cleaned, warnings
