"""Stage 1, normalize: text -> a flat stream of normalized word ids.

The tokenizer is spaCy's (``spacy.blank("en")``, or ``en_core_web_sm``'s when
that model is installed); lemmas come from the lookup table of
``spacy-lookups-data``. Tokens are read out of each ``Doc`` as hash arrays
(``Doc.to_array``), so every *distinct* surface form is classified and
lemmatized once, not every token.

A :class:`TokenStream` is the corpus in flat numpy form:

* ``tokens``: ``(n_positions,)`` int64; ``>= 0`` a form id (index into
  ``forms``), :data:`BOUNDARY` where a stop word, number, punctuation mark,
  URL or maths broke the text (phrases never span a boundary). Every document
  ends with a boundary.
* ``indptr``: ``(n_docs + 1,)`` int64, document ``d`` is
  ``tokens[indptr[d]:indptr[d + 1]]``.
* ``starts``/``ends``: ``(n_positions,)`` character offsets in the document's
  text (used to highlight terms), or None.
* ``surfaces``: ``(n_positions,)`` id of the lowercase spelling at each
  position (into a :class:`SurfaceTable`; -1 at boundaries), or None. Used
  to display each term in its most common spelling.

Dropped: spaCy's English stop words and the research boilerplate of
:data:`tmlmap.lexicons.RESEARCH_BOILERPLATE`, numbers, URLs, e-mail
addresses, LaTeX maths (``$...$``, ``\\(...\\)``, commands such as ``\\alpha``),
tokens of one letter, tokens that are not words (digits or symbols inside).
Hyphens inside compounds ("privacy-preserving") are transparent: the parts
stay adjacent so the phrase stage can join them. Latin letters are folded to
ASCII before a word is classified (:func:`fold_ascii`): "Rényi" and "Renyi"
are one form, and words spelled with PDF ligatures ("classiﬁcation", with
U+FB01) are read instead of dropped; words in other scripts are dropped.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from tmlmap.lexicons import RESEARCH_BOILERPLATE

BOUNDARY = -1
UNKNOWN = -2  # a word not in the fitted form table (transform only)
_TRANSPARENT = -3  # removed without breaking adjacency (hyphens)

_WORD = re.compile(r"^[a-z][a-z']*(?:-[a-z']+)*[a-z]$")
_MATH = re.compile(r"\$\$.*?\$\$|\$[^$]{0,300}?\$|\\\(.*?\\\)|\\\[.*?\\\]", re.S)
_TEX_CMD = re.compile(r"\\[a-zA-Z]+\*?")
_URL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+")
_MARKUP = re.compile(r"<[^>]{0,200}>")


def fold_ascii(word: str) -> str:
    """``word`` with diacritics removed and compatibility characters spelled out.

    NFKD decomposition without combining marks: "rényi" -> "renyi", "naïve"
    -> "naive", the ligature "ﬁ" -> "fi". Letters with no ASCII decomposition
    ("ß", "ø", other scripts) stay as they are (and fail the word pattern).
    """
    if word.isascii():
        return word
    return "".join(ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch))


def clean_text(text: str) -> str:
    """Remove maths, TeX commands, URLs and HTML tags, keeping offsets.

    Each removed span is replaced by the same number of characters (a ``|``
    then spaces), so character offsets into the result are offsets into the
    input and a removed span still breaks phrases.
    """

    def blank(m: re.Match[str]) -> str:
        n = m.end() - m.start()
        return "|" + " " * (n - 1)

    for pattern in (_MATH, _URL, _MARKUP, _TEX_CMD):
        text = pattern.sub(blank, text)
    return text


@dataclass
class TokenStream:
    """A corpus as flat arrays (see the module docstring for shapes)."""

    tokens: np.ndarray
    indptr: np.ndarray
    starts: np.ndarray | None = None
    ends: np.ndarray | None = None
    surfaces: np.ndarray | None = None

    @property
    def n_docs(self) -> int:
        return len(self.indptr) - 1

    def doc_index(self) -> np.ndarray:
        """``(n_positions,)`` the document of every position."""
        return np.repeat(np.arange(self.n_docs, dtype=np.int64), np.diff(self.indptr))

    def select(self, keep: np.ndarray) -> TokenStream:
        """Keep positions where ``keep`` is True, fixing ``indptr``."""
        doc = self.doc_index()
        counts = np.bincount(doc[keep], minlength=self.n_docs)
        indptr = np.zeros(self.n_docs + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        return TokenStream(
            self.tokens[keep],
            indptr,
            None if self.starts is None else self.starts[keep],
            None if self.ends is None else self.ends[keep],
            None if self.surfaces is None else self.surfaces[keep],
        )


def _load_nlp():  # pragma: no cover - exercised through Normalizer
    import spacy

    try:
        nlp = spacy.load("en_core_web_sm", exclude=["parser", "ner", "tagger", "attribute_ruler", "lemmatizer", "tok2vec", "senter"])
    except OSError:
        nlp = spacy.blank("en")
    from spacy.lookups import load_lookups

    table = load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")
    return nlp, table


#: Corpora at least this large are tokenized in two processes (when n_jobs > 1).
PARALLEL_MIN_DOCS = 4000


def _tokenize(
    nlp, texts: Sequence[str], with_offsets: bool, progress: Callable[[int, int], None] | None, batch_size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """spaCy tokens of ``texts`` as arrays: lowercase hashes ``(n_tokens,)``
    uint64, tokens per text ``(n_texts,)``, and ``(n_tokens, 2)`` offsets
    (start, length) or None."""
    from spacy.attrs import IDX, LENGTH, LOWER

    n = len(texts)
    hashes: list[np.ndarray] = []
    offsets: list[np.ndarray] = []
    lengths = np.zeros(n, dtype=np.int64)
    for d, doc in enumerate(nlp.tokenizer.pipe((clean_text(t) for t in texts), batch_size=batch_size)):
        arr = doc.to_array([LOWER, IDX, LENGTH]) if len(doc) else np.zeros((0, 3), dtype=np.uint64)
        hashes.append(arr[:, 0].astype(np.uint64))
        if with_offsets:
            offsets.append(arr[:, 1:].astype(np.int64))
        lengths[d] = len(doc)
        if progress is not None and (d + 1) % batch_size == 0:
            progress(d + 1, n)
    all_hashes = np.concatenate(hashes) if hashes else np.zeros(0, dtype=np.uint64)
    off = None
    if with_offsets:
        off = np.concatenate(offsets) if offsets else np.zeros((0, 2), dtype=np.int64)
    return all_hashes, lengths, off


class _WorkerTokenizer:
    """Tokenize texts in a subprocess (``python -m tmlmap.text.normalize IN OUT``)."""

    def __init__(self, texts: Sequence[str], batch_size: int) -> None:
        import sys
        import tempfile

        self._dir = tempfile.TemporaryDirectory(prefix="tmlmap-tok-")
        self._in = os.path.join(self._dir.name, "in.json")
        self._out = os.path.join(self._dir.name, "out")
        with open(self._in, "w", encoding="utf-8") as fh:
            json.dump({"texts": list(texts), "batch_size": batch_size}, fh)
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "tmlmap.text.normalize", self._in, self._out],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def result(self) -> tuple[np.ndarray, np.ndarray, dict[int, str]] | None:
        """The worker's hashes, lengths and hash strings; None (with a warning) if it failed."""
        try:
            _, err = self._proc.communicate(timeout=3600)
            if self._proc.returncode != 0:
                warnings.warn(f"tokenizer worker failed, continuing in one process: {err.decode()[-500:]}",
                              stacklevel=3)
                return None
            with np.load(self._out + ".npz", allow_pickle=False) as z:
                hashes, lengths = z["hashes"], z["lengths"]
            with open(self._out + ".json", encoding="utf-8") as fh:
                strings = {int(k): v for k, v in json.load(fh).items()}
            return hashes, lengths, strings
        except (OSError, ValueError, KeyError, subprocess.TimeoutExpired) as exc:
            warnings.warn(f"tokenizer worker failed, continuing in one process: {exc}", stacklevel=3)
            return None
        finally:
            if self._proc.poll() is None:
                self._proc.kill()
                self._proc.wait()
            self._dir.cleanup()


def _worker_main(in_path: str, out_path: str) -> None:
    with open(in_path, encoding="utf-8") as fh:
        job = json.load(fh)
    nlp = _load_nlp()[0]
    hashes, lengths, _ = _tokenize(nlp, job["texts"], False, None, int(job["batch_size"]))
    np.savez(out_path + ".npz", hashes=hashes, lengths=lengths)
    strings = nlp.vocab.strings
    with open(out_path + ".json", "w", encoding="utf-8") as fh:
        json.dump({str(h): strings[h] for h in np.unique(hashes).tolist()}, fh)


class SurfaceTable:
    """Lowercase spellings seen in the corpus, with ids (phrases join their parts' spellings)."""

    def __init__(self, strings: list[str] | None = None) -> None:
        self.strings: list[str] = list(strings or [])
        self.index: dict[str, int] = {s: i for i, s in enumerate(self.strings)}

    def add(self, text: str) -> int:
        i = self.index.get(text)
        if i is None:
            i = self.index[text] = len(self.strings)
            self.strings.append(text)
        return i


class Normalizer:
    """Tokenize, filter and lemmatize texts into form *keys*.

    A form key is the lowercase lookup lemma of a word (``"classifiers"`` ->
    ``"classifier"``). Given a :class:`SurfaceTable`, :meth:`stream` also
    records the lowercase spelling at every position, so the map can display
    the most common spelling ("federated learning" rather than the lemmas
    "federate learn").
    """

    def __init__(self, extra_stop_words: Iterable[str] = (), n_jobs: int | None = None) -> None:
        from spacy.lang.en.stop_words import STOP_WORDS

        if n_jobs is None:
            n_jobs = int(os.environ.get("TMLMAP_JOBS", min(2, os.cpu_count() or 1)))
        self.n_jobs = max(1, n_jobs)
        self.nlp, self._lemma_table = _load_nlp()
        self.stop_words = frozenset(STOP_WORDS) | RESEARCH_BOILERPLATE | frozenset(extra_stop_words)
        # lowercase hash -> key (str), or None for a boundary, or "" for transparent
        self._hash_cache: dict[int, str | None] = {}

    # -- single words ------------------------------------------------------
    def lemma(self, lower: str) -> str:
        """Lookup lemma of a lowercase word (hyphenated parts lemmatized separately)."""
        if "-" in lower:
            return "-".join(self._lemma_table.get(p, p) for p in lower.split("-"))
        return self._lemma_table.get(lower, lower)

    def key_of(self, lower: str) -> str | None:
        """The form key of one lowercase token, ``""`` if transparent, None if dropped."""
        if lower in ("-", "\u2010", "\u2011", "\u2013"):
            return ""
        lower = fold_ascii(lower.replace("\u2019", "'")).lower().strip("'-")
        if len(lower) < 2 or not _WORD.match(lower) or lower in self.stop_words:
            return None
        if lower.endswith("'s"):
            lower = lower[:-2]
        key = self.lemma(lower)
        if len(key) < 2 or key in self.stop_words:
            return None
        return key

    # -- texts -------------------------------------------------------------
    def keys(self, text: str) -> list[tuple[str | None, int, int]]:
        """``(key or None for a boundary, start, end)`` per token of one text."""
        out: list[tuple[str | None, int, int]] = []
        for tok in self.nlp.tokenizer(clean_text(text)):
            key = self.key_of(tok.lower_)
            if key == "":
                continue
            out.append((key, tok.idx, tok.idx + len(tok)))
        return out

    def stream(
        self,
        texts: Sequence[str],
        form_index: dict[str, int],
        *,
        grow: bool,
        surface: SurfaceTable | None = None,
        with_offsets: bool = False,
        progress: Callable[[int, int], None] | None = None,
        batch_size: int = 500,
    ) -> TokenStream:
        """Turn ``texts`` into a :class:`TokenStream` of form ids.

        ``form_index`` maps form keys to ids; with ``grow`` new keys are added
        (fitting), otherwise unseen words become :data:`UNKNOWN`. With
        ``surface``, the stream's ``surfaces`` hold spelling ids of that table.
        """
        n = len(texts)
        extra_strings: dict[int, str] = {}
        if self.n_jobs > 1 and n >= PARALLEL_MIN_DOCS and not with_offsets:
            # spaCy's tokenizer holds the GIL: the second half goes to a worker
            # process, started as a plain `python -m` subprocess (multiprocessing
            # would re-import the caller's __main__, which breaks unguarded scripts).
            half = n // 2
            worker = _WorkerTokenizer(texts[half:], batch_size)
            scaled = None if progress is None else (lambda d, _n: progress(d, n))
            h1, l1, _ = _tokenize(self.nlp, texts[:half], False, scaled, batch_size)
            result = worker.result()
            if result is None:  # the worker failed: do its half here
                h2, l2, _ = _tokenize(self.nlp, texts[half:], False, None, batch_size)
            else:
                h2, l2, extra_strings = result
            all_hashes = np.concatenate([h1, h2])
            lengths = np.concatenate([l1, l2])
            offsets = None
        else:
            all_hashes, lengths, offsets = _tokenize(self.nlp, texts, with_offsets, progress, batch_size)
        if progress is not None:
            progress(n, n)
        uniq, inverse = np.unique(all_hashes, return_inverse=True)
        # Classify each distinct lowercase form once.
        strings = self.nlp.vocab.strings
        ids = np.empty(len(uniq), dtype=np.int64)
        for u, h in enumerate(uniq.tolist()):
            key = self._hash_cache.get(h, 0)
            if key == 0:
                key = self.key_of(extra_strings[h] if h in extra_strings else strings[h])
                self._hash_cache[h] = key
            if key is None:
                ids[u] = BOUNDARY
            elif key == "":
                ids[u] = _TRANSPARENT
            else:
                fid = form_index.get(key)
                if fid is None:
                    if grow:
                        fid = len(form_index)
                        form_index[key] = fid
                    else:
                        fid = UNKNOWN
                ids[u] = fid
        tokens = ids[inverse.reshape(-1)]
        surf_ids = None
        if surface is not None:
            per_uniq = np.full(len(uniq), -1, dtype=np.int64)
            for u in np.flatnonzero(ids >= 0).tolist():
                h = int(uniq[u])
                per_uniq[u] = surface.add(extra_strings[h] if h in extra_strings else strings[h])
            surf_ids = per_uniq[inverse.reshape(-1)]
        # Append one boundary per document so nothing spans two documents.
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lengths + 1, out=indptr[1:])
        doc_end = indptr[1:] - 1
        full = np.full(indptr[-1], BOUNDARY, dtype=np.int64)
        body = np.ones(indptr[-1], dtype=bool)
        body[doc_end] = False
        full[body] = tokens
        starts = ends = surfaces = None
        if surf_ids is not None:
            surfaces = np.full(indptr[-1], -1, dtype=np.int64)
            surfaces[body] = surf_ids
        if with_offsets:
            off = offsets
            starts = np.zeros(indptr[-1], dtype=np.int64)
            ends = np.zeros(indptr[-1], dtype=np.int64)
            starts[body] = off[:, 0]
            ends[body] = off[:, 0] + off[:, 1]
        stream = TokenStream(full, indptr, starts, ends, surfaces)
        # Drop transparent tokens and collapse runs of boundaries.
        prev = np.concatenate(([BOUNDARY], full[:-1]))
        keep = (full != _TRANSPARENT) & ~((full == BOUNDARY) & (prev == BOUNDARY) & body)
        return stream.select(keep)


if __name__ == "__main__":  # the worker of _WorkerTokenizer
    import sys

    _worker_main(sys.argv[1], sys.argv[2])
