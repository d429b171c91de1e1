"""Stage 2, phrases: detect multiword terms from the corpus and join them.

Adjacent word pairs are scored by normalized pointwise mutual information
(Bouma 2009) over token positions,

    npmi(a, b) = log(p_ab / (p_a p_b)) / -log(p_ab),

with ``p`` the share of positions; a pair becomes a phrase when it occurs in
at least ``min_count`` documents and its NPMI is at least ``min_npmi``.
Joining is vectorized: in a run of overlapping accepted pairs ("a b c" with
"a b" and "b c" both accepted) pairs are taken greedily from the left. Two
passes find phrases of up to four words ("membership inference" +
"attack"). Everything works on the flat arrays of
:class:`~tmlmap.text.normalize.TokenStream`.
"""

from __future__ import annotations

import numpy as np

from tmlmap.text.normalize import SurfaceTable, TokenStream


def _pairs(tokens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``i`` where ``(tokens[i], tokens[i+1])`` are two words."""
    a, b = tokens[:-1], tokens[1:]
    valid = np.flatnonzero((a >= 0) & (b >= 0))
    return valid, a[valid]


def score_pairs(stream: TokenStream, n_forms: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Count and score every adjacent word pair of the corpus.

    Returns ``(codes, doc_counts, counts, npmi)`` with one entry per distinct
    pair; ``codes = a * n_forms + b``. ``doc_counts`` counts documents,
    ``counts`` positions.
    """
    tokens = stream.tokens
    pos, _ = _pairs(tokens)
    if len(pos) == 0:
        empty = np.zeros(0)
        return empty.astype(np.int64), empty.astype(np.int64), empty.astype(np.int64), empty
    codes = tokens[pos] * n_forms + tokens[pos + 1]
    doc = stream.doc_index()[pos]
    n_docs = max(stream.n_docs, 1)
    if n_forms * n_forms * n_docs < 2**62:
        # One sort of (pair, document) keys gives the distinct pairs, their
        # positions and their documents (np.unique would sort twice and hash once).
        keys = np.sort(codes * n_docs + doc)
        key_code = keys // n_docs
        new_code = np.empty(len(keys), dtype=bool)
        new_code[0] = True
        np.not_equal(key_code[1:], key_code[:-1], out=new_code[1:])
        new_doc = new_code.copy()
        new_doc[1:] |= keys[1:] != keys[:-1]
        starts = np.flatnonzero(new_code)
        uniq = key_code[starts]
        counts = np.diff(np.append(starts, len(keys)))
        doc_counts = np.add.reduceat(new_doc.astype(np.int64), starts)
    else:  # keys would overflow int64
        uniq, inverse, counts = np.unique(codes, return_inverse=True, return_counts=True)
        doc_pair = np.unique(doc * len(uniq) + inverse.reshape(-1))
        doc_counts = np.bincount(doc_pair % len(uniq), minlength=len(uniq))
    words = tokens[tokens >= 0]
    unigram = np.bincount(words, minlength=n_forms)
    return uniq, doc_counts, counts, pair_npmi(uniq, counts, unigram, len(words))


def pair_npmi(codes: np.ndarray, counts: np.ndarray, unigram: np.ndarray, n_words: int) -> np.ndarray:
    """NPMI of pairs ``codes = a * n_forms + b`` (``n_forms = len(unigram)``) seen ``counts``
    times, given ``(n_forms,)`` word counts ``unigram`` over ``n_words`` positions."""
    n_forms = len(unigram)
    p_ab = counts / n_words
    p_a = unigram[codes // n_forms] / n_words
    p_b = unigram[codes % n_forms] / n_words
    with np.errstate(divide="ignore", invalid="ignore"):
        npmi = np.log(p_ab / (p_a * p_b)) / -np.log(p_ab)
    npmi[p_ab >= 1] = 1.0
    return npmi


def detect_phrases(stream: TokenStream, n_forms: int, *, min_count: int, min_npmi: float) -> np.ndarray:
    """Pair codes (``a * n_forms + b``) accepted as phrases, sorted."""
    codes, doc_counts, _, npmi = score_pairs(stream, n_forms)
    return np.sort(codes[(doc_counts >= min_count) & (npmi >= min_npmi)])


def merge_phrases(
    stream: TokenStream,
    n_forms: int,
    accepted: np.ndarray,
    phrase_ids: np.ndarray,
    surface: SurfaceTable | None = None,
) -> TokenStream:
    """Replace accepted pairs by their phrase id.

    ``accepted`` are sorted pair codes, ``phrase_ids`` the form id given to
    each. The second word's position is removed; the phrase spans both words'
    character offsets, and (with ``surface`` and a stream carrying spellings)
    its spelling is its two parts' spellings joined by a space.
    """
    tokens = stream.tokens
    if len(accepted) == 0 or len(tokens) < 2:
        return stream
    pos, _ = _pairs(tokens)
    codes = tokens[pos] * n_forms + tokens[pos + 1]
    where = np.searchsorted(accepted, codes)
    where[where >= len(accepted)] = 0
    hit = accepted[where] == codes
    acc = np.zeros(len(tokens), dtype=bool)
    acc[pos[hit]] = True
    phrase_at = np.full(len(tokens), -1, dtype=np.int64)
    phrase_at[pos[hit]] = phrase_ids[where[hit]]
    # Greedy from the left inside runs of consecutive accepted positions.
    idx = np.arange(len(tokens))
    run_start = acc & ~np.concatenate(([False], acc[:-1]))
    start_idx = np.maximum.accumulate(np.where(run_start, idx, 0))
    take = acc & ((idx - start_idx) % 2 == 0)
    new_tokens = tokens.copy()
    new_tokens[take] = phrase_at[take]
    keep = np.ones(len(tokens), dtype=bool)
    keep[np.flatnonzero(take) + 1] = False
    ends = None
    if stream.ends is not None:
        ends = stream.ends.copy()
        ends[take] = stream.ends[np.flatnonzero(take) + 1]
    surfaces = None
    if stream.surfaces is not None and surface is not None:
        surfaces = stream.surfaces.copy()
        at = np.flatnonzero(take)
        n_surf = len(surface.strings)
        codes = stream.surfaces[at] * n_surf + stream.surfaces[at + 1]
        uniq, inverse = np.unique(codes, return_inverse=True)
        joined = np.asarray(
            [surface.add(f"{surface.strings[c // n_surf]} {surface.strings[c % n_surf]}") for c in uniq.tolist()],
            dtype=np.int64,
        )
        surfaces[at] = joined[inverse.reshape(-1)]
    merged = TokenStream(new_tokens, stream.indptr, stream.starts, ends, surfaces)
    return merged.select(keep)
