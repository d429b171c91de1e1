"""The fitted term extractor: text -> map terms, the same way for corpus and queries.

:class:`TermExtractor` chains :class:`~tmlmap.text.normalize.Normalizer` (spaCy
tokens -> form keys), the phrase passes of :mod:`tmlmap.text.phrases`, the user
thesaurus and the vocabulary. It is fitted once on the corpus by the build
and reused for every new text (risk scoring, term lookups, highlighting).

Its state is plain arrays and strings (:meth:`state` / :meth:`from_state`),
saved with the map artifacts without pickle.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from tmlmap.text.normalize import BOUNDARY, Normalizer, SurfaceTable, TokenizerHelper, TokenStream
from tmlmap.text.phrases import detect_phrases, merge_phrases

#: Phrase passes: two passes join up to four words.
PHRASE_PASSES = 2


class TermExtractor:
    """Turns texts into counts over the map's vocabulary.

    Attributes after fitting:
        forms: list of form keys (lemmas; phrases joined by a space).
        phrase_passes: list of ``(n_forms, accepted_codes, phrase_ids)``.
        form_map: ``(n_forms,)`` int64, thesaurus mapping of form ids (a form
            id, or BOUNDARY for removed terms).
        form_to_term: ``(n_forms,)`` int64, term id of each form or -1.
        term_forms: ``(n_terms,)`` form id of each term.
        display: ``(n_terms,)`` list of display strings.
        form_display: ``{form id: most common spelling}`` for every form whose spelling
            differs from its key ("data" for the lemma "datum"); kept in saved maps.
    """

    def __init__(self, normalizer: Normalizer | None = None) -> None:
        self.normalizer = normalizer or Normalizer()
        self.forms: list[str] = []
        self.form_index: dict[str, int] = {}
        self.surface = SurfaceTable()
        self.form_display: dict[int, str] = {}
        self.phrase_passes: list[tuple[int, np.ndarray, np.ndarray]] = []
        self.form_map = np.zeros(0, dtype=np.int64)
        self.form_to_term = np.zeros(0, dtype=np.int64)
        self.term_forms = np.zeros(0, dtype=np.int64)
        self.display: list[str] = []

    # -- fitting -------------------------------------------------------------
    def tokenize_corpus(
        self,
        texts: Sequence[str],
        progress: Callable[[int, int], None] | None = None,
        helper: TokenizerHelper | None = None,
    ) -> TokenStream:
        """Tokenize the corpus, growing the form table (the slow, cacheable part).

        ``helper``: a :class:`~tmlmap.text.normalize.TokenizerHelper` that
        tokenizes half of a large corpus in a second process (same result).
        """
        return self.normalizer.stream(texts, self.form_index, grow=True, surface=self.surface, progress=progress,
                                      helper=helper)

    def _add_form(self, key: str) -> int:
        """Id of form ``key``, added if new (``forms`` must be in sync with ``form_index``)."""
        fid = self.form_index.get(key)
        if fid is None:
            fid = len(self.form_index)
            self.form_index[key] = fid
            self.forms.append(key)
        return fid

    def _forms_list(self) -> list[str]:
        out = [""] * len(self.form_index)
        for k, i in self.form_index.items():
            out[i] = k
        return out

    def _text_keys(self, text: str) -> list[str]:
        return [k for k, _, _ in self.normalizer.keys(text) if k]

    def fit_phrases(
        self,
        stream: TokenStream,
        *,
        min_count: int,
        min_npmi: float,
        thesaurus: Sequence[tuple[str, str]] = (),
    ) -> TokenStream:
        """Detect and join phrases, then apply the thesaurus; returns the form stream."""
        forced = self.forced_pairs(thesaurus)
        self.forms = self._forms_list()  # tokenization grew form_index only
        self.phrase_passes = []
        for pass_no in range(PHRASE_PASSES):
            n_forms = len(self.forms)
            accepted = detect_phrases(stream, n_forms, min_count=min_count, min_npmi=min_npmi)
            phrase_ids = self.add_phrase_pass(n_forms, accepted, forced if pass_no == 0 else [])
            if phrase_ids is None:
                break
            n_forms, accepted, phrase_ids = self.phrase_passes[-1]
            stream = merge_phrases(stream, n_forms, accepted, phrase_ids, self.surface)
        preferred_display = self.fit_thesaurus(thesaurus)
        stream = self._apply_form_map(stream)
        # Thesaurus targets are shown as the user wrote them.
        self.form_display = self._most_common_spellings(stream) | preferred_display
        return stream

    # The three steps of fit_phrases that need no token stream, shared with the
    # partition-parallel build (tmlmap.maps.distributed), which computes the
    # corpus statistics across partitions and applies the fitted passes there.
    def forced_pairs(self, thesaurus: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
        """Two-word thesaurus entries as key pairs: joined as phrases whatever their statistics."""
        forced: list[tuple[str, str]] = []
        for variant, preferred in thesaurus:
            for entry in (variant, preferred):
                keys = self._text_keys(entry)
                if len(keys) == 2:
                    forced.append((keys[0], keys[1]))
        return forced

    def add_phrase_pass(
        self, n_forms: int, accepted: np.ndarray, forced: Sequence[tuple[str, str]] = ()
    ) -> np.ndarray | None:
        """Record one phrase pass: ``accepted`` sorted pair codes (``a * n_forms + b``)
        plus the ``forced`` key pairs; adds a form per phrase and returns their
        ids (aligned with ``self.phrase_passes[-1][1]``), or None when the pass
        joins nothing (no pass is recorded then)."""
        if forced:
            extra = [
                self.form_index[a] * n_forms + self.form_index[b]
                for a, b in forced
                if a in self.form_index and b in self.form_index
            ]
            accepted = np.unique(np.concatenate([accepted, np.asarray(extra, dtype=np.int64)]))
        if len(accepted) == 0:
            return None
        phrase_ids = np.asarray(
            [self._add_form(f"{self.forms[c // n_forms]} {self.forms[c % n_forms]}") for c in accepted.tolist()],
            dtype=np.int64,
        )
        self.phrase_passes.append((n_forms, accepted, phrase_ids))
        return phrase_ids

    def fit_thesaurus(self, thesaurus: Sequence[tuple[str, str]]) -> dict[int, str]:
        """Set ``form_map`` from the thesaurus; returns the display of its preferred forms."""
        self.form_map = np.arange(len(self.forms), dtype=np.int64)
        preferred_display: dict[int, str] = {}
        for variant, preferred in thesaurus:
            v = self.lookup_form(variant)
            if v is None:
                continue
            if preferred:
                p_keys = self._text_keys(preferred)
                if not p_keys:
                    continue
                p = self.lookup_form(preferred)
                if p is None:
                    p = self._add_form(" ".join(p_keys))
                    self.form_map = np.append(self.form_map, p)
                self.form_map[v] = p
                preferred_display[p] = " ".join(preferred.split())
            else:
                self.form_map[v] = BOUNDARY
        return preferred_display

    def _most_common_spellings(self, stream: TokenStream) -> dict[int, str]:
        """Each form's most common lowercase spelling in ``stream`` (ties: first seen)."""
        if stream.surfaces is None:
            return {}
        n_surf = max(len(self.surface.strings), 1)
        codes, counts = spelling_counts(stream, n_surf)
        return self.pick_spellings(codes, counts)

    def pick_spellings(self, codes: np.ndarray, counts: np.ndarray) -> dict[int, str]:
        """Each form's most common spelling from :func:`spelling_counts` (ties: lowest spelling id)."""
        n_surf = max(len(self.surface.strings), 1)
        forms, surfs = codes // n_surf, codes % n_surf
        order = np.lexsort((surfs, -counts, forms))
        first = order[np.unique(forms[order], return_index=True)[1]]
        return {int(f): self.surface.strings[int(x)] for f, x in zip(forms[first], surfs[first], strict=True)}

    def _apply_form_map(self, stream: TokenStream) -> TokenStream:
        tokens = stream.tokens.copy()
        known = tokens >= 0
        tokens[known] = self.form_map[tokens[known]]
        return TokenStream(tokens, stream.indptr, stream.starts, stream.ends, stream.surfaces)

    def set_vocabulary(self, term_forms: np.ndarray) -> None:
        """Fix the vocabulary: ``term_forms[t]`` is the form id of term ``t``."""
        self.term_forms = np.asarray(term_forms, dtype=np.int64)
        self.form_to_term = np.full(len(self.forms), -1, dtype=np.int64)
        self.form_to_term[self.term_forms] = np.arange(len(self.term_forms))
        # Terms are shown in their most common spelling in the corpus
        # ("electronic health records", "federated learning"), else as keys.
        self.display = [self.form_label(f) for f in self.term_forms.tolist()]

    # -- applying ------------------------------------------------------------
    def form_stream(self, texts: Sequence[str], *, with_offsets: bool = False) -> TokenStream:
        """New texts as a form stream (phrases joined, thesaurus applied)."""
        stream = self.normalizer.stream(texts, self.form_index, grow=False, with_offsets=with_offsets)
        return self.join_phrases(stream)

    def join_phrases(self, stream: TokenStream) -> TokenStream:
        """A normalized stream of new texts with the fitted phrases joined and the thesaurus applied."""
        for n_forms, accepted, phrase_ids in self.phrase_passes:
            stream = merge_phrases(stream, n_forms, accepted, phrase_ids)
        return self._apply_form_map(stream)

    def term_stream(self, texts: Sequence[str], *, with_offsets: bool = False) -> TokenStream:
        """Like :meth:`form_stream` with tokens as term ids (-1 outside the vocabulary)."""
        stream = self.form_stream(texts, with_offsets=with_offsets)
        tokens = np.full(len(stream.tokens), -1, dtype=np.int64)
        known = stream.tokens >= 0
        tokens[known] = self.form_to_term[stream.tokens[known]]
        return TokenStream(tokens, stream.indptr, stream.starts, stream.ends)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Term counts: ``(len(texts), n_terms)`` CSR of float64."""
        stream = self.term_stream(list(texts))
        return counts_matrix(stream, len(self.term_forms))

    def spans(self, text: str) -> list[tuple[int, int, int]]:
        """``(start, end, term_id)`` of every vocabulary term in ``text``."""
        stream = self.term_stream([text], with_offsets=True)
        hit = np.flatnonzero(stream.tokens >= 0)
        return [(int(stream.starts[i]), int(stream.ends[i]), int(stream.tokens[i])) for i in hit]

    def lookup_form(self, term: str) -> int | None:
        """Form id of a term written naturally ("adversarial examples"), or None."""
        keys = self._text_keys(term)
        if not keys:
            return None
        fid = self.form_index.get(" ".join(keys))
        if fid is None:
            return None
        return int(self.form_map[fid]) if fid < len(self.form_map) and self.form_map[fid] >= 0 else fid

    def lookup(self, term: str) -> int | None:
        """Term id of a term written naturally, or None if not in the vocabulary."""
        fid = self.lookup_form(term)
        if fid is None or fid >= len(self.form_to_term):
            return None
        tid = int(self.form_to_term[fid])
        return tid if tid >= 0 else None

    # -- persistence -----------------------------------------------------------
    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """``(json_able, arrays)`` describing the fitted extractor."""
        arrays: dict[str, np.ndarray] = {
            "form_map": self.form_map,
            "term_forms": self.term_forms,
        }
        passes = []
        for i, (n_forms, accepted, phrase_ids) in enumerate(self.phrase_passes):
            arrays[f"phrase_accepted_{i}"] = accepted
            arrays[f"phrase_ids_{i}"] = phrase_ids
            passes.append(n_forms)
        # Surface spellings are only needed for display names: resolved, and kept where they differ
        # from the form key (reports name words that are no term by them: "data", not "datum").
        spelled = {str(f): d for f, d in sorted(self.form_display.items()) if d != self.forms[f]}
        meta = {"forms": self.forms, "phrase_pass_n_forms": passes, "display": self.display,
                "form_display": spelled}
        return meta, arrays

    @classmethod
    def from_state(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray], normalizer: Normalizer | None = None) -> TermExtractor:
        ex = cls(normalizer)
        ex.forms = list(meta["forms"])
        ex.form_index = {k: i for i, k in enumerate(ex.forms)}
        ex.phrase_passes = [
            (int(n), arrays[f"phrase_accepted_{i}"], arrays[f"phrase_ids_{i}"])
            for i, n in enumerate(meta["phrase_pass_n_forms"])
        ]
        ex.form_map = arrays["form_map"]
        ex.term_forms = arrays["term_forms"]
        ex.form_to_term = np.full(len(ex.forms), -1, dtype=np.int64)
        ex.form_to_term[ex.term_forms] = np.arange(len(ex.term_forms))
        ex.display = list(meta["display"])
        ex.form_display = {int(f): d for f, d in meta.get("form_display", {}).items()}
        return ex

    def form_label(self, f: int) -> str:
        """How a report names form ``f``: its most common spelling in the corpus, else its key."""
        return self.form_display.get(f, self.forms[f])


def spelling_counts(stream: TokenStream, n_surf: int) -> tuple[np.ndarray, np.ndarray]:
    """How often each (form, spelling) pair occurs: sorted codes ``form * n_surf + spelling``
    and their counts, both ``(n_pairs,)`` int64 (additive over parts of a corpus)."""
    ok = (stream.tokens >= 0) & (stream.surfaces >= 0)
    return np.unique(stream.tokens[ok] * n_surf + stream.surfaces[ok], return_counts=True)


def counts_matrix(stream: TokenStream, n_cols: int) -> sp.csr_matrix:
    """``(n_docs, n_cols)`` CSR counts of the non-negative ids in ``stream``."""
    keep = stream.tokens >= 0
    rows = stream.doc_index()[keep]
    cols = stream.tokens[keep]
    data = np.ones(len(cols), dtype=np.float64)
    m = sp.csr_matrix((data, (rows, cols)), shape=(stream.n_docs, n_cols))
    m.sum_duplicates()
    return m
