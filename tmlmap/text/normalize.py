"""Stage 1, normalize: text -> a flat stream of normalized word ids.

The tokenizer is spaCy's (``spacy.blank("en")``, or ``en_core_web_sm``'s when
that model is installed); lemmas come from the lookup table of
``spacy-lookups-data``. Tokens are read out of each ``Doc`` as hash arrays
(``Doc.to_array``), so every *distinct* surface form is classified and
lemmatized once, not every token. For a corpus, spaCy itself runs once per
distinct whitespace-separated chunk (:func:`_tokenize_chunks`): the same
tokens as per document, about three times faster.

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
import operator
import os
import re
import sys
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from tmlmap.helper_process import HelperProcess, serve
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

    # Each pattern needs a character most abstracts lack: test for it first
    # (a substitution only inserts "|" and spaces, so no check sees a stale text).
    if "$" in text or "\\" in text:
        text = _MATH.sub(blank, text)
    if "://" in text or "www." in text or "@" in text:
        text = _URL.sub(blank, text)
    if "<" in text:
        text = _MARKUP.sub(blank, text)
    if "\\" in text:
        text = _TEX_CMD.sub(blank, text)
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


def _load_tokenizer():  # pragma: no cover - exercised through Normalizer
    """The spaCy pipeline whose tokenizer the normalizer uses."""
    import spacy
    from spacy.attrs import LOWER

    try:
        nlp = spacy.load("en_core_web_sm", exclude=["parser", "ner", "tagger", "attribute_ruler", "lemmatizer", "tok2vec", "senter"])
    except OSError:
        nlp = spacy.blank("en")
    # Every new word spaCy meets becomes a lexeme with a dozen attributes computed in
    # Python (shape, like_num, like_url, is_stop, ...): 2-3 s of the v2 corpus's
    # normalize stage. Only LOWER is ever read from this pipeline (tokens are read
    # as LOWER/IDX/LENGTH, words as ``lower_``), so only LOWER is computed.
    getters = nlp.vocab.lex_attr_getters
    if LOWER in getters:
        nlp.vocab.lex_attr_getters = {LOWER: getters[LOWER]}
    return nlp


def _load_nlp():  # pragma: no cover - exercised through Normalizer
    from spacy.lookups import load_lookups

    table = load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")
    return _load_tokenizer(), table


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


#: A run of whitespace other than one plain space: spaCy makes it a token of its own.
_ODD_SPACE = re.compile(r"\s{2,}|[^\S ]")
#: What such a run becomes before splitting on spaces: one chunk that stands for a whitespace token.
_SPACE_CHUNK = "\n"


def _has_odd_space(text: str) -> bool:
    """True when ``text`` holds whitespace other than lone plain spaces."""
    if text.isascii():  # the common case: a few substring scans instead of the regex
        return "  " in text or any(c in text for c in "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f")
    return _ODD_SPACE.search(text) is not None


def _tokenize_distinct(
    nlp, chunks: list[str], batch_chars: int, progress: Callable[[int], None] | None
) -> tuple[np.ndarray, np.ndarray]:
    """spaCy's tokens of each of ``chunks`` (no whitespace inside): ``(hashes, counts)``,
    the lowercase hashes (uint64) of all their tokens in chunk order and
    ``(len(chunks),)`` tokens per chunk. Chunks are tokenized in batches of
    about ``batch_chars`` characters, joined by newlines (so no special case
    spans two of them)."""
    from spacy.attrs import IDX, LOWER

    counts = np.zeros(len(chunks), dtype=np.int64)
    hashes: list[np.ndarray] = []
    start = 0
    while start < len(chunks):
        stop, size = start, 0
        while stop < len(chunks) and size < batch_chars:
            size += len(chunks[stop]) + 1
            stop += 1
        batch = chunks[start:stop]
        chunk_len = np.fromiter(map(len, batch), dtype=np.int64, count=len(batch))
        chunk_start = np.zeros(len(batch), dtype=np.int64)
        np.cumsum(chunk_len[:-1] + 1, out=chunk_start[1:])
        arr = nlp.tokenizer("\n".join(batch)).to_array([LOWER, IDX])
        idx = arr[:, 1].astype(np.int64)
        owner = np.searchsorted(chunk_start, idx, side="right") - 1
        inside = idx - chunk_start[owner] < chunk_len[owner]  # not a newline between two chunks
        hashes.append(arr[inside, 0].astype(np.uint64))
        counts[start:stop] = np.bincount(owner[inside], minlength=len(batch))
        start = stop
        if progress is not None:
            progress(start)
    return (np.concatenate(hashes) if hashes else np.zeros(0, dtype=np.uint64)), counts


def _split_texts(texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """The whitespace-separated chunks of the cleaned ``texts``: ``(chunks, per_text)``,
    every text's ``text.split(" ")`` in order and ``(len(texts),)`` chunks per text.

    A run of whitespace other than one plain space becomes the chunk
    :data:`_SPACE_CHUNK` (spaCy makes such a run a token of its own). The
    texts are split as one string joined by single spaces, which gives the
    same chunks as splitting each text (the joining space is a cut between the
    last chunk of one text and the first of the next), in one call instead of
    one per text; a text's chunks are its spaces plus one.
    """
    cleaned: list[str] = []
    for text in texts:
        text = clean_text(text)
        if _has_odd_space(text):
            text = _ODD_SPACE.sub(f" {_SPACE_CHUNK} ", text)
        cleaned.append(text)
    if not cleaned:
        return [], np.zeros(0, dtype=np.int64)
    per_text = np.fromiter(map(operator.methodcaller("count", " "), cleaned), dtype=np.int64, count=len(cleaned))
    return " ".join(cleaned).split(" "), per_text + 1  # "" where a lone space led or ended a text: no token


def _distinct_chunks(chunks: list[str]) -> tuple[list[str], np.ndarray]:
    """The distinct ``chunks`` in order of first occurrence, and ``(len(chunks),)`` the index of each chunk
    into them. ``dict.setdefault`` gives each chunk the position of its first occurrence in one pass;
    the positions become dense indices with numpy (about twice as fast as a dict built, then looked up)."""
    first: dict[str, int] = {}
    first_at = np.fromiter(map(first.setdefault, chunks, range(len(chunks))), dtype=np.int64, count=len(chunks))
    rank = np.cumsum(first_at == np.arange(len(chunks), dtype=np.int64)) - 1
    return list(first), rank[first_at]


def _tokenize_texts(
    nlp, texts: Sequence[str], progress: Callable[[int], None] | None, batch_chars: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The tokens of ``texts`` with spaCy run once per distinct chunk, in this process:
    ``(uniq, inverse, lengths)`` as :func:`_tokenize_chunks` returns them. ``progress(done)``
    gets the share of the distinct chunks tokenized so far, in [0, 1]."""
    n = len(texts)
    parts, chunks_per_text = _split_texts(texts)
    distinct, chunk_ids = _distinct_chunks(parts)
    space = distinct.index(_SPACE_CHUNK) if _SPACE_CHUNK in distinct else None
    del parts

    tokens_per_chunk = np.zeros(len(distinct), dtype=np.int64)
    todo = [i for i, c in enumerate(distinct) if c and c != _SPACE_CHUNK]
    report = None if progress is None else lambda done: progress(done / max(len(todo), 1))
    chunk_tokens, counts_of_todo = _tokenize_distinct(nlp, [distinct[i] for i in todo], batch_chars, report)
    tokens_per_chunk[todo] = counts_of_todo
    # Tokens of the distinct chunks, contiguous in chunk order (``todo`` is ascending).
    if space is not None:
        at = int(tokens_per_chunk[:space].sum())
        tokens_per_chunk[space] = 1
        chunk_tokens = np.insert(chunk_tokens, at, np.uint64(nlp.vocab.strings.add(_SPACE_CHUNK)))
    chunk_offset = np.zeros(len(distinct) + 1, dtype=np.int64)
    np.cumsum(tokens_per_chunk, out=chunk_offset[1:])
    # Sorting the distinct chunks' ~0.3 M tokens, not the corpus's ~5 M.
    uniq, chunk_token_inverse = np.unique(chunk_tokens, return_inverse=True)
    # Gather: the corpus's chunk sequence, each chunk replaced by its tokens.
    counts = tokens_per_chunk[chunk_ids]
    out_start = np.cumsum(counts) - counts
    positions = np.arange(int(counts.sum()), dtype=np.int64) + np.repeat(chunk_offset[chunk_ids] - out_start, counts)
    text_of_chunk = np.repeat(np.arange(n, dtype=np.int64), chunks_per_text)
    lengths = np.bincount(text_of_chunk, weights=counts, minlength=n).astype(np.int64)
    return uniq, chunk_token_inverse.reshape(-1)[positions], lengths


def _concat_tokens(
    first: tuple[np.ndarray, np.ndarray, np.ndarray], second: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``(uniq, inverse, lengths)`` of two runs of texts, one after the other, as one run gives them."""
    uniq_a, inverse_a, lengths_a = first
    uniq_b, inverse_b, lengths_b = second
    uniq, where = np.unique(np.concatenate([uniq_a, uniq_b]), return_inverse=True)
    where = where.reshape(-1)
    inverse = np.concatenate([where[: len(uniq_a)][inverse_a], where[len(uniq_a):][inverse_b]])
    return uniq, inverse, np.concatenate([lengths_a, lengths_b])


def _half_by_characters(texts: Sequence[str]) -> int:
    """The index that cuts ``texts`` into two runs of about the same number of characters."""
    sizes = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)))
    return int(np.searchsorted(sizes, sizes[-1] / 2)) + 1 if len(texts) else 0


def _tokenize_chunks(
    nlp,
    texts: Sequence[str],
    progress: Callable[[int, int], None] | None,
    batch_chars: int = 100_000,
    helper: TokenizerHelper | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The tokens of ``texts`` as :func:`_tokenize` finds them, with spaCy run
    once per *distinct* chunk: ``(uniq, inverse, lengths)``, the sorted
    distinct lowercase hashes (uint64), ``(n_tokens,)`` the index into
    ``uniq`` of every token, and ``(n_texts,)`` tokens per text.

    spaCy's tokenizer cuts a text at whitespace and tokenizes each chunk on
    its own (prefixes, suffixes, infixes, special cases); a run of
    whitespace other than one space becomes a whitespace token. The v2
    corpus has ~4.7 M chunks but only ~156 k distinct ones, and spaCy's own
    cache skips every chunk whose pieces include a special case (``"."``,
    ``"'s"``), so most of its time went into tokenizing the same chunks
    again. Here the texts are cut with ``str.split`` (:func:`_split_texts`),
    the distinct chunks are tokenized in batches (joined by newlines, so no
    special case spans two of them), and the corpus's tokens are gathered
    from theirs with numpy (:func:`_tokenize_texts`). A whitespace token is a
    boundary whatever its text, so once :meth:`Normalizer.stream` collapses
    boundaries the stream equals the one of per-document tokenization: token
    for token on the whole v2 corpus (28,428 papers), and
    ``tests/test_normalize.py`` checks it on 1,500 real abstracts and on odd
    whitespace. The one context spaCy has across chunks is its special-case
    matcher: a match over two adjacent chunks can block a special case inside
    one of them (``''deep'' ''fast''`` then splits the second ``''`` in two).
    Per document that can happen, here it cannot; in the v2 corpus it changed
    no token, and where it touches only punctuation (as there) the stream is
    the same anyway.

    With a ``helper``, the second half of the texts (by characters) is cut,
    de-duplicated and tokenized in its process while this one does the
    first half; the two results are joined (:func:`_concat_tokens`). Each
    half tokenizes its own distinct chunks (~98 k each: the chunks both
    halves hold are tokenized twice), which costs less than cutting the
    whole corpus in one process first. Chunks are tokenized independently,
    so the result is the one of a single process.
    """
    n = len(texts)
    cut = _half_by_characters(texts) if helper is not None and n >= 2 else n
    if cut < n:
        assert helper is not None
        helper.submit(texts[cut:])
    report = None if progress is None else lambda share: progress(int(cut * share), n)
    tokens = _tokenize_texts(nlp, texts[:cut], report, batch_chars)
    if cut < n:
        assert helper is not None
        theirs = helper.result(nlp.vocab.strings)
        if theirs is None:
            theirs = _tokenize_texts(nlp, texts[cut:], None, batch_chars)
        tokens = _concat_tokens(tokens, theirs)
    return tokens


#: ``build_map`` starts a helper for corpora of at least this many texts (it costs ~1.7 s of CPU to start).
HELPER_MIN_TEXTS = 5_000


class TokenizerHelper:
    """A second process that tokenizes the second half of a corpus's texts.

    ``python -m tmlmap.text.normalize --worker`` (a
    :class:`~tmlmap.helper_process.HelperProcess`). It is started by the
    constructor, so spaCy loads there while this process loads its own;
    :func:`_tokenize_chunks` gives it the second half of the texts
    (:meth:`submit`, a JSON file in the helper's private folder), cut,
    de-duplicated and tokenized there as :func:`_tokenize_texts` does here,
    while this process does the first half; :meth:`result` reads the
    helper's tokens and adds their spellings to this process's string store.
    spaCy's hashes are a function of the string and each chunk is tokenized
    on its own, so the tokens are those of one process
    (``tests/test_normalize.py`` checks it). When the helper fails,
    :meth:`result` returns None (with a warning) and the caller tokenizes
    those texts itself: the result is the same.
    """

    def __init__(self) -> None:
        self._helper = HelperProcess("tmlmap.text.normalize", "tmlmap-tokenize-")
        self._job: str | None = None
        try:
            self._helper.start()
        except OSError as exc:
            self._warn(str(exc))

    def __enter__(self) -> TokenizerHelper:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _warn(self, why: str) -> None:
        detail = self._helper.kill()
        warnings.warn(f"tokenizer helper process failed ({why}); tokenizing its texts here: {detail}", stacklevel=3)

    def submit(self, texts: Sequence[str]) -> None:
        """Start tokenizing ``texts`` in the helper."""
        if not self._helper.running:
            return
        job = os.path.join(self._helper.folder, "texts.json")
        try:
            with open(job, "w", encoding="utf-8") as fh:
                json.dump(list(texts), fh)
            self._helper.request(job)
            self._job = job
        except OSError as exc:
            self._warn(str(exc))

    def result(self, strings) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """``(uniq, inverse, lengths)`` of the submitted texts as :func:`_tokenize_texts` gives
        them (their spellings added to the string store ``strings``), or None."""
        if not self._helper.running or self._job is None:
            return None
        try:
            answer = self._helper.answer()
            with np.load(answer + ".npz", allow_pickle=False) as z:
                uniq, inverse, lengths = z["uniq"], z["inverse"].astype(np.int64), z["lengths"]
            with open(answer + ".json", encoding="utf-8") as fh:
                spellings = json.load(fh)
            if len(spellings) != len(uniq) or int(lengths.sum()) != len(inverse):
                raise ValueError("the answer's parts differ in size")
            if len(inverse) and not 0 <= inverse.min() <= inverse.max() < len(uniq):
                raise ValueError("the answer's token indices are out of range")
            for h, text in zip(uniq.tolist(), spellings, strict=True):
                if strings.add(text) != h:
                    raise ValueError(f"hash of {text[:40]!r} differs between the processes")
        except (OSError, ValueError, KeyError) as exc:
            self._warn(str(exc))
            return None
        return uniq, inverse, lengths

    def close(self) -> None:
        self._helper.close()


def _worker_main() -> None:  # pragma: no cover - runs in the helper process
    """The helper of :class:`TokenizerHelper`: one texts file per request, the answer's path prefix back."""
    nlp = _load_tokenizer()

    def handle(job: str) -> str:
        with open(job, encoding="utf-8") as fh:
            texts = json.load(fh)
        uniq, inverse, lengths = _tokenize_texts(nlp, texts, None, 100_000)
        out = job[: -len(".json")] + "-out"
        # int32 halves the file: a half corpus has far fewer than 2**31 distinct tokens.
        np.savez(out + ".npz", uniq=uniq, inverse=inverse.astype(np.int32), lengths=lengths)
        with open(out + ".json", "w", encoding="utf-8") as fh:
            json.dump([nlp.vocab.strings[h] for h in uniq.tolist()], fh)
        return out

    serve(handle)


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

    def __init__(self, extra_stop_words: Iterable[str] = ()) -> None:
        from spacy.lang.en.stop_words import STOP_WORDS

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
        helper: TokenizerHelper | None = None,
    ) -> TokenStream:
        """Turn ``texts`` into a :class:`TokenStream` of form ids.

        ``form_index`` maps form keys to ids; with ``grow`` new keys are added
        (fitting), otherwise unseen words become :data:`UNKNOWN`. With
        ``surface``, the stream's ``surfaces`` hold spelling ids of that table.
        With a ``helper`` (and no offsets) the second half of the texts is
        tokenized in its process; whether a corpus is worth one
        (:data:`HELPER_MIN_TEXTS`) is the caller's choice, as in ``build_map``.
        """
        n = len(texts)
        if with_offsets:
            all_hashes, lengths, offsets = _tokenize(self.nlp, texts, True, progress, batch_size)
            uniq, inverse = np.unique(all_hashes, return_inverse=True)
            inverse = inverse.reshape(-1)
        else:
            uniq, inverse, lengths = _tokenize_chunks(self.nlp, texts, progress, helper=helper)
            offsets = None
        if progress is not None:
            progress(n, n)
        # Classify each distinct lowercase form once.
        strings = self.nlp.vocab.strings
        ids = np.empty(len(uniq), dtype=np.int64)
        for u, h in enumerate(uniq.tolist()):
            key = self._hash_cache.get(h, 0)
            if key == 0:
                key = self.key_of(strings[h])
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
                per_uniq[u] = surface.add(strings[h])
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



if __name__ == "__main__" and sys.argv[1:] == ["--worker"]:  # the helper of TokenizerHelper
    _worker_main()
