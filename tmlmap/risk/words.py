"""Fingerprints of every word of the corpus, terms or not: topics and use contexts.

A description written by the people who deploy a system uses words a research
map rarely makes terms of ("caseworker", "shortlist", "bodycam"). The corpus
still has every lemma and phrase (the extractor's *forms*) with the papers
that use it (:attr:`tmlmap.maps.termmap.TermMap.word_docs`), so every form gets
a fingerprint from its papers, by the machinery the topics use
(:mod:`tmlmap.risk.fingerprint`):

1. **Signals.** Columns are the risk topics (``fairness``, ``privacy``) and the
   use contexts of :mod:`tmlmap.risk.contexts`. A context's seeds are the forms
   of its definition; a seed that is a map term starts a random walk with
   restart on the map graph (:func:`~tmlmap.risk.fingerprint.diffusion_topic_affinity`,
   one column per context, against the background walker), giving ``G[t, k] =
   p(context k | term t)``; a seed that is not a term gets the mean value of its
   context's term seeds (1 if it has none). A definition phrase that is no
   map term seeds through its words too ("emotion recognition": "emotion",
   "recognition"; :func:`phrase_parts`), so every context with seeds starts a
   walk. Topics use the default fingerprints of the map.
2. **Papers.** Paper ``d``'s profile is the idf-weighted mean of ``G`` over the
   forms it uses, ``P[d, k] = sum_f idf_f G[f, k] / sum_f idf_f`` (for topics, the
   tf-idf mean over its terms, as everywhere else).
3. **Words.** Form ``f`` used by ``n_f`` papers gets the mean profile of its
   papers shrunk toward the corpus mean ``prior`` by a prior worth
   ``prior_weight`` papers: ``A[f] = (sum_{d uses f} P[d] + m prior) / (n_f + m)``,
   so a word in 3 papers stays close to the mean and cannot dominate, a word in
   300 papers speaks for itself. Map terms keep their map fingerprints for the
   topics; seeds keep at least their seed value for their own context.
4. **Concentrated fingerprints** (``sharp``). The same papers, read sharply:
   ``B[d, k] = 1`` for the :data:`SHARP_SHARE` (2 %) of papers with the highest
   profile ``P[d, k]``, and ``sharp[f, k] = (sum_{d uses f} B[d, k] + m q) /
   (n_f + m)``, the share of the word's papers that are among the most
   signal-k papers of the corpus, shrunk toward ``q`` (the share, ``sharp_prior``)
   by the same prior weight. A mean profile is diluted by every generic word of
   a paper; this share is not ("racist" in a few papers, all about bias).

5. **Spelling** (``spell_*``; fastText's subword idea, Bojanowski et al. 2017). A word
   few papers use says little through its papers, one no paper uses nothing, though its
   spelling relates it to words the map knows well (racist ~ racism, racial; surveil ~
   surveillance). A ridge regression (:func:`fit_spelling`) from a word's character
   3-5-grams (with boundary marks, hashed, L2-normalized) to its log-lifts ``log(A[f] /
   prior)`` and ``log(sharp[f] / sharp_prior)`` is fitted on the forms used by at least
   :data:`SPELL_MIN_DF` papers (corpus only), without intercept (a word whose n-grams tell
   nothing predicts the corpus mean). Its prediction replaces the corpus mean as the prior
   of every form, worth :data:`SPELL_WEIGHT` papers (``spell_affinity``, ``spell_sharp``;
   map terms keep their map fingerprints for the topics, seeds their floor), and is the
   fingerprint of a word no form is (:meth:`WordFingerprints.unseen_rows`). The paper-only
   ``affinity`` and ``sharp`` are kept: the model reads both (:mod:`tmlmap.risk.model`).

Shapes: ``n_forms`` = ``len(term_map.extractor.forms)``; ``affinity`` is
``(n_forms, k)`` float64; ``prior`` ``(k,)``.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from tmlmap.risk.contexts import (
    PEOPLE_KEY,
    PEOPLE_MIN_AREAS,
    Context,
    exception_clauses,
    parse_contexts,
)
from tmlmap.risk.fingerprint import Fingerprints, diffusion_topic_affinity, fingerprints
from tmlmap.risk.hygiene import unbracket_affixes
from tmlmap.text.normalize import BOUNDARY
from tmlmap.text.weighting import smooth_idf, tfidf

if TYPE_CHECKING:  # pragma: no cover
    from tmlmap.maps.termmap import TermMap

#: Prior worth of the corpus mean, in papers (chosen on the AIAAIC dev split: 5, 20, 80 tried).
WORD_PRIOR_WEIGHT = 5.0
#: Seeds used by more than this share of papers are too generic to mark a context
#: ("data", "system", "use").
MAX_SEED_DF_SHARE = 0.05
#: Whether a seed keeps at least its walk value for its own context (else its papers decide).
SEED_FLOOR = True
#: Whether a definition phrase that is no map term also seeds through its words ("emotion
#: recognition" is no term, "emotion" is: the phrase alone cannot start the walk, and a context
#: whose seeds start no walk is only "the few papers using its words", whose small mean makes
#: any word of those papers lean to it many-fold). Since 2026-12-03; dev CV in
#: benchmarks/risk-evaluation-log.md.
SPLIT_PHRASE_SEEDS = True
#: A term seed's share of its context's restart distribution is proportional to its paper count
#: to the power ``-SEED_DF_POWER`` (0: every seed alike).
SEED_DF_POWER = 0.0
#: Restart probability of the contexts' walk from their seeds (larger: the walk stays nearer them).
CONTEXT_RESTART = 0.25
#: Share of papers, per signal, that count as "most signal-k papers" for the concentrated
#: fingerprints (chosen on the AIAAIC dev split: 0.5, 1, 2, 3, 5, 10 % tried).
SHARP_SHARE = 0.02
#: Whether words get a spelling prior (module docstring, step 5).
SPELLING = True
#: Character n-grams (with word-boundary marks) a word is read by (dev CV: see benchmarks/risk_cv.py).
SPELL_NGRAMS = (3, 5)
#: Ridge penalty of the spelling map (dev CV).
SPELL_ALPHA = 0.3
#: Words used by at least this many papers teach the spelling map (their fingerprints are its targets).
SPELL_MIN_DF = 20
#: Hashed n-gram space (collisions are rare at this size; only the n-grams of the training words are kept).
SPELL_HASH_BITS = 20
#: Worth of the spelling prior in papers (dev CV: 2, 5, 10, 20 tried; 20 was 0.01 better on
#: fairness but took "the county state fair" to fairness 0.44, against the ambiguous-words rule):
#: a word in 5 papers is half its papers, half its spelling.
SPELL_WEIGHT = 5.0
#: Whether only the topic columns (not the contexts) get the spelling prior (dev CV).
SPELL_TOPICS_ONLY = False
#: Whether the spelling map has an intercept (the mean log-lift of the training words; dev CV) or
#: shrinks to lift 0, the corpus mean, for a word whose n-grams tell nothing.
SPELL_INTERCEPT = False
#: Tf-idf weight of a word no paper uses in the spelled readings (dev CV: 4, 8 and its smooth idf,
#: 11.3, tried; 4 is the idf of a word in about 1,400 of the 28,428 papers).
SPELL_UNSEEN_IDF = 4.0
#: Whether the spelled readings read every word of a text, or only those the papers say little
#: about (fewer than SPELL_MIN_DF papers, or none). Dev CV: only those gains nothing (+0.002);
#: every word, +0.02 fairness.
SPELL_READ_ALL = True


@dataclass
class WordFingerprints:
    """Fitted word fingerprints of one map (see the module docstring).

    ``columns``: signal keys, topics first then context keys. ``affinity``:
    ``(n_forms, k)``. ``prior``: ``(k,)`` mean paper profile. ``idf``:
    ``(n_forms,)`` smooth idf over papers. ``known``: ``(n_forms,)`` bool, the form
    has papers (or is a term) and so can count. ``seeds``: form ids per context.
    ``contexts``: the :class:`~tmlmap.risk.contexts.Context` of each context column. ``display``:
    per form, the key the fits use (a term's name, else the form key); ``labels``: what a report
    shows (:meth:`label`).
    ``sharp``: ``(n_forms, k)`` concentrated fingerprints (module docstring, step 4) and
    ``sharp_prior`` ``(k,)`` their corpus share (``None`` when not computed).
    ``spelling``: the :class:`Spelling` map (module docstring, step 5; ``None`` without it), and
    ``spell_affinity``, ``spell_sharp`` ``(n_forms, k)``: the fingerprints with the spelling prior
    (``affinity`` and ``sharp`` stay the paper-only ones). In the spelled readings every form
    counts and a word the corpus never uses gets :meth:`unseen_rows` with tf-idf weight
    ``unseen_idf``.
    """

    columns: list[str]
    affinity: np.ndarray
    prior: np.ndarray
    idf: np.ndarray
    known: np.ndarray
    seeds: dict[str, list[int]]
    contexts: list[Context]
    display: list[str] = field(default_factory=list)
    sharp: np.ndarray | None = None
    sharp_prior: np.ndarray | None = None
    spelling: Spelling | None = None
    unseen_idf: float = 0.0
    spell_affinity: np.ndarray | None = None
    spell_sharp: np.ndarray | None = None
    spell_rare: np.ndarray | None = None  # (n_forms,) bool: the spelled readings read this form
    labels: list[str] = field(default_factory=list)  # what a report calls each form (else ``display``)

    def label(self, f: int) -> str:
        """How a report names form ``f``: a term by its display name, another word by its most common
        spelling in the corpus ("data", where ``display``, the key of the fit, says "datum")."""
        return self.labels[f] if self.labels else self.display[f]

    @property
    def n_topics(self) -> int:
        return len(self.columns) - len(self.contexts)

    @property
    def n_forms(self) -> int:
        return len(self.known)

    def unseen_rows(self, keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """``(affinity (m, k), sharp (m, k))`` of words no paper uses, from their spelling alone."""
        k = len(self.columns)
        if self.spelling is None or self.sharp_prior is None:
            raise ValueError("word fingerprints without a spelling map")
        L = self.spelling.predict(keys)
        return self.prior[None, :] * np.exp(L[:, :k]), self.sharp_prior[None, :] * np.exp(L[:, k:])


def definition_forms(term_map: TermMap, text: str) -> list[int]:
    """Form ids of ``text`` as the map reads it (lemmas, phrases joined), in order, unique; read as a
    user's text is ("(re)offending" as "offending", :func:`~tmlmap.risk.hygiene.unbracket_affixes`)."""
    stream = term_map.extractor.form_stream([unbracket_affixes(text)])
    seen: list[int] = []
    for f in stream.tokens.tolist():
        if f >= 0 and f not in seen:
            seen.append(f)
    return seen


def exception_forms(term_map: TermMap, contexts: Sequence[Context]) -> list[set[int]]:
    """Per context, the forms of the clauses its definition excepts
    (:func:`~tmlmap.risk.contexts.exception_clauses`), phrases and each of their words: "fraud
    detection", "fraud", "detection" for Annex III 5(b). They seed the point like the rest of its
    definition (as seeds they carry 5(b)'s walk to banking; benchmarks/risk-evaluation-log.md,
    2026-12-03 18:50 UTC), but a report does not show them as evidence for it."""
    out = []
    for c in contexts:
        # "decisions about people" joins every point's definition: one point's exception excepts no
        # word from it
        clauses = [] if c.source == "people" else exception_clauses(c.definition)
        forms: set[int] = set()
        for text in clauses + [w for clause in clauses for w in clause.split()]:
            forms.update(definition_forms(term_map, text))
        out.append(forms)
    return out


def phrase_parts(term_map: TermMap, forms: Sequence[int]) -> list[int]:
    """``forms`` with, after each phrase form that is no map term, the forms of its words (in order,
    unique): the words of a phrase the map did not make a term can still start the walk."""
    ex = term_map.extractor
    out: list[int] = []
    for f in forms:
        is_term = f < len(ex.form_to_term) and ex.form_to_term[f] >= 0
        parts = [] if is_term else [ex.form_index.get(w) for w in ex.forms[f].split(" ")]
        for g in [f] + [g for g in parts if g is not None and len(parts) > 1]:
            if g not in out:
                out.append(g)
    return out


def context_seeds(term_map: TermMap, contexts: Sequence[Context], word_df: np.ndarray,
                  max_df_share: float = MAX_SEED_DF_SHARE, split_phrases: bool = SPLIT_PHRASE_SEEDS
                  ) -> dict[str, list[int]]:
    """Seed form ids per context: the forms of its definition used by at most ``max_df_share`` of papers
    (with ``split_phrases``, the words of its phrases that are no map term too, :func:`phrase_parts`).

    The ``people`` context takes the forms shared by the definitions of at least
    :data:`PEOPLE_MIN_AREAS` Annex III areas.
    """
    limit = max_df_share * max(term_map.n_docs, 1)
    ok = lambda f: f < len(word_df) and word_df[f] <= limit  # noqa: E731
    out: dict[str, list[int]] = {}
    area_forms: dict[str, set[int]] = {}
    for c in contexts:
        if c.source == "people":
            continue
        defined = definition_forms(term_map, c.definition)
        out[c.key] = [f for f in (phrase_parts(term_map, defined) if split_phrases else defined) if ok(f)]
        if c.source == "annex3":
            area_forms.setdefault(c.area, set()).update(defined)
    for c in contexts:
        if c.source == "people":
            n_areas: dict[int, int] = {}
            for forms in area_forms.values():
                for f in forms:
                    n_areas[f] = n_areas.get(f, 0) + 1
            out[c.key] = sorted(f for f, n in n_areas.items() if n >= PEOPLE_MIN_AREAS and ok(f))
    assert PEOPLE_KEY  # the key is part of the public contract of contexts
    return out


def word_docs_of(term_map: TermMap) -> sp.csr_matrix:
    """``(n_docs, n_forms)`` float64 0/1: ``term_map.word_docs``, or, when the map has none, the
    incidence of its terms placed at their form ids (then only map terms can count)."""
    if term_map.word_docs is not None:
        return sp.csr_matrix(term_map.word_docs, dtype=np.float64)
    ex = term_map.extractor
    n_forms = max(len(ex.forms), int(np.max(ex.term_forms, initial=-1)) + 1)
    B = sp.csr_matrix(term_map.X, dtype=np.float64, copy=True)
    B.sum_duplicates()
    B.eliminate_zeros()
    B.data[:] = 1.0
    M = sp.csr_matrix((np.ones(term_map.n_terms), (np.arange(term_map.n_terms), np.asarray(ex.term_forms))),
                      shape=(term_map.n_terms, n_forms))
    return (B @ M).tocsr()


def _paper_mean(W: sp.csr_matrix, G: np.ndarray) -> np.ndarray:
    den = np.asarray(W.sum(axis=1)).ravel()
    num = np.asarray(W @ G)
    return np.divide(num, den[:, None], out=np.zeros_like(num), where=den[:, None] > 0)


def compute_word_fingerprints(
    term_map: TermMap,
    contexts: Sequence[Context] | None = None,
    *,
    topics: Sequence[str] = ("fairness", "privacy"),
    prior_weight: float = WORD_PRIOR_WEIGHT,
    max_seed_df_share: float = MAX_SEED_DF_SHARE,
    topic_fp: Fingerprints | None = None,
    seed_floor: bool = SEED_FLOOR,
    sharp_share: float = SHARP_SHARE,
    spelling: bool = SPELLING,
    spell_alpha: float = SPELL_ALPHA,
    spell_ngrams: tuple[int, int] = SPELL_NGRAMS,
    spell_min_df: int = SPELL_MIN_DF,
    spell_weight: float | None = SPELL_WEIGHT,
    spell_topics_only: bool = SPELL_TOPICS_ONLY,
    spell_intercept: bool = SPELL_INTERCEPT,
    spell_unseen_idf: float | None = SPELL_UNSEEN_IDF,
    spell_read_all: bool = SPELL_READ_ALL,
    split_phrase_seeds: bool = SPLIT_PHRASE_SEEDS,
    seed_df_power: float = SEED_DF_POWER,
    context_restart: float = CONTEXT_RESTART,
) -> WordFingerprints:
    """Fingerprints of every form of ``term_map`` for ``topics`` and ``contexts`` (default: all parsed).

    ``topic_fp``: bipartite topic fingerprints to use (default: the map's default ones;
    give them when the user added seed terms). With ``spelling`` the prior of every word is
    its spelling prediction (module docstring, step 5; ``spell_*`` its settings, ``spell_weight``
    its worth in papers, default ``prior_weight``; ``spell_topics_only``: the contexts keep the
    corpus mean as prior; ``spell_unseen_idf``: the weight of a word no paper uses, ``None`` its
    smooth idf; ``spell_read_all``: the spelled readings read every word, else only the words used
    by fewer than ``spell_min_df`` papers and those no paper uses). ``seed_df_power``: a term seed's
    restart weight is its paper count to the power ``-seed_df_power``; ``context_restart``: the
    contexts' walk restart probability, in (0, 1]. Raises ValueError for parameters out of range and
    when the map has no ``word_docs`` (a map saved before they existed: rebuild it).
    """
    if term_map.word_docs is None:
        raise ValueError("this map has no word_docs; rebuild it (tmlmap build --force)")
    if not seed_df_power >= 0:
        raise ValueError(f"seed_df_power must be >= 0, got {seed_df_power}")
    if not 0 < context_restart <= 1:
        raise ValueError(f"context_restart must be in (0, 1], got {context_restart}")
    contexts = list(parse_contexts() if contexts is None else contexts)
    ex = term_map.extractor
    D = sp.csr_matrix(term_map.word_docs, dtype=np.float64)
    n_docs, n_forms = D.shape
    word_df = np.asarray((D > 0).sum(axis=0)).ravel()
    idf = smooth_idf(word_df, n_docs)
    term_form = np.asarray(ex.term_forms, dtype=np.int64)
    in_range = term_form < n_forms
    known = word_df > 0
    known[term_form[in_range]] = True

    # Topics: the map's own fingerprints on terms, carried to every form through the papers.
    fp = topic_fp if topic_fp is not None else fingerprints(term_map, "bipartite")
    T_terms = np.column_stack([fp.column(t) for t in topics])  # (n_terms, n_topics)
    Wt = tfidf(term_map.X, smooth_idf(term_map.doc_freq, term_map.n_docs))
    P_topics = _paper_mean(Wt, T_terms)

    # Contexts: seeds -> walk on the graph (term seeds) -> papers (all forms).
    seeds = context_seeds(term_map, contexts, word_df, max_seed_df_share, split_phrase_seeds)
    form_to_term = np.full(n_forms, -1, dtype=np.int64)  # the extractor's, cut or padded to the forms with papers
    m = min(n_forms, len(ex.form_to_term))
    form_to_term[:m] = ex.form_to_term[:m]
    k = len(contexts)
    S = np.zeros((term_map.n_terms, k))
    for j, c in enumerate(contexts):
        fs = [f for f in seeds[c.key] if f < n_forms and form_to_term[f] >= 0]
        S[form_to_term[fs], j] = np.maximum(word_df[fs], 1.0) ** -seed_df_power
    G_terms = (diffusion_topic_affinity(term_map.adjacency, S, restart=context_restart)[:, :k] if k
               else np.zeros((term_map.n_terms, 0)))
    G = np.zeros((n_forms, k))
    G[term_form[in_range]] = G_terms[in_range]
    for j, c in enumerate(contexts):
        term_seed_vals = [G_terms[form_to_term[f], j] for f in seeds[c.key] if f < n_forms and form_to_term[f] >= 0]
        seed_val = float(np.mean(term_seed_vals)) if term_seed_vals else 1.0
        for f in seeds[c.key]:
            if f < n_forms and form_to_term[f] < 0:
                G[f, j] = seed_val
    Wf = (D @ sp.diags(idf)).tocsr()
    P_ctx = _paper_mean(Wf, G)

    P = np.column_stack([P_topics, P_ctx])
    has = np.asarray(D.sum(axis=1)).ravel() > 0
    prior = P[has].mean(axis=0) if has.any() else np.zeros(P.shape[1])
    acc = np.asarray(D.T @ P)
    A = (acc + prior_weight * prior[None, :]) / (word_df[:, None] + prior_weight)
    sharp, sharp_prior = concentrated(D, P, has, word_df, sharp_share, prior_weight)
    # Terms keep their map fingerprints for the topics (the same construction over X).
    A[term_form[in_range], : len(topics)] = T_terms[in_range]
    spell = None
    if spelling:
        m = prior_weight if spell_weight is None else spell_weight
        acc_sharp = sharp * (word_df[:, None] + prior_weight) - prior_weight * sharp_prior[None, :]
        keys = list(ex.forms[:n_forms])
        train = np.flatnonzero(word_df >= spell_min_df)
        Y = np.hstack([_log_ratio(A[train], prior), _log_ratio(sharp[train], sharp_prior)])
        spell = fit_spelling([keys[i] for i in train], Y, alpha=spell_alpha, ngram_range=spell_ngrams,
                             intercept=spell_intercept)
        L = spell.predict(keys)
        kk = P.shape[1]
        if spell_topics_only:  # contexts keep the corpus mean as the prior
            L[:, len(topics): kk] = 0.0
            L[:, kk + len(topics):] = 0.0
            spell.mean[len(topics): kk] = spell.mean[kk + len(topics):] = 0.0
            spell.coef[:, len(topics): kk] = spell.coef[:, kk + len(topics):] = 0.0
            spell.lo[len(topics): kk] = spell.lo[kk + len(topics):] = 0.0
            spell.hi[len(topics): kk] = spell.hi[kk + len(topics):] = 0.0
        A_sp = (acc + m * prior[None, :] * np.exp(L[:, :kk])) / (word_df[:, None] + m)
        sharp_sp = (acc_sharp + m * sharp_prior[None, :] * np.exp(L[:, kk:])) / (word_df[:, None] + m)
        A_sp[term_form[in_range], : len(topics)] = T_terms[in_range]
    # Seeds keep at least their seed value for their own context (with seed_floor).
    nt = len(topics)
    for j, c in enumerate(contexts if seed_floor else ()):
        ids = np.asarray([f for f in seeds[c.key] if f < n_forms], dtype=np.int64)
        if len(ids):
            A[ids, nt + j] = np.maximum(A[ids, nt + j], G[ids, j])
            if spell is not None:
                A_sp[ids, nt + j] = np.maximum(A_sp[ids, nt + j], G[ids, j])
    display = list(ex.forms[:n_forms])
    labels = [ex.form_label(f) for f in range(n_forms)]
    for t, f in enumerate(term_form.tolist()):
        if f < n_forms:
            display[f] = labels[f] = term_map.terms[t]
    unseen_idf = float(smooth_idf(np.zeros(1), n_docs)[0]) if spell_unseen_idf is None else float(spell_unseen_idf)
    return WordFingerprints(list(topics) + [c.key for c in contexts], A, prior, idf, known, seeds, contexts,
                            display, sharp, sharp_prior, spell, unseen_idf,
                            A_sp if spell is not None else None, sharp_sp if spell is not None else None,
                            None if spell is None else (np.ones(n_forms, dtype=bool) if spell_read_all
                                                        else word_df < spell_min_df), labels)


def _log_ratio(V: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """``log(V / prior)`` per column (0 where the prior is 0), ``V`` floored at a tiny share of the prior."""
    p = np.where(prior > 0, prior, 1.0)[None, :]
    return np.where(prior[None, :] > 0, np.log(np.maximum(V / p, 1e-6)), 0.0)


def concentrated(D: sp.csr_matrix, P: np.ndarray, has: np.ndarray, word_df: np.ndarray, share: float,
                 prior_weight: float) -> tuple[np.ndarray, np.ndarray]:
    """``(sharp (n_forms, k), sharp_prior (k,))``: per form, the shrunk share of its papers among the
    ``share`` of papers (with words, ``has``) of highest profile ``P[:, k]`` (module docstring, step 4)."""
    k = P.shape[1]
    B = np.zeros_like(P)
    if has.any() and k:
        thr = np.quantile(P[has], 1.0 - share, axis=0)
        B = ((thr[None, :] <= P) & has[:, None] & (P > 0)).astype(np.float64)
    sharp_prior = B[has].mean(axis=0) if has.any() else np.zeros(k)
    sharp = (np.asarray(D.T @ B) + prior_weight * sharp_prior[None, :]) / (word_df[:, None] + prior_weight)
    return sharp, sharp_prior


_CACHE: dict[int, WordFingerprints] = {}


def word_fingerprints(term_map: TermMap) -> WordFingerprints:
    """Default :func:`compute_word_fingerprints` of ``term_map``, computed once per map object."""
    key = id(term_map)
    wf = _CACHE.get(key)
    if wf is None:
        wf = compute_word_fingerprints(term_map)
        _CACHE[key] = wf
        weakref.finalize(term_map, _CACHE.pop, key, None)
    return wf


def form_counts(term_map: TermMap, texts: Sequence[str], known: np.ndarray, *, with_offsets: bool = False):
    """``(counts (n, n_forms) CSR, stream)``: counts of the known forms of each text, and its form stream."""
    from tmlmap.text.extractor import counts_matrix
    from tmlmap.text.normalize import TokenStream

    stream = term_map.extractor.form_stream(list(texts), with_offsets=with_offsets)
    tok = stream.tokens.copy()
    n_forms = len(known)
    ok = (tok >= 0) & (tok < n_forms)
    ok[ok] = known[tok[ok]]
    tok[~ok] = BOUNDARY
    return counts_matrix(TokenStream(tok, stream.indptr), n_forms), stream


# ---------------------------------------------------------------------------
# Spelling: fingerprints of rare and unseen words from their character n-grams
# ---------------------------------------------------------------------------



@dataclass
class Spelling:
    """Ridge map from a word's character n-grams to its log-lifts, fitted on the corpus words only.

    ``ngrams``: sorted hashed n-gram ids of the training words (the columns of ``coef``);
    ``coef`` ``(len(ngrams), 2k)`` float32 and ``mean`` ``(2k,)``: a word's predicted
    ``log(A / prior)`` for the ``k`` signals, then ``log(sharp / sharp_prior)``, is
    ``mean + x @ coef`` with ``x`` its L2-normalized binary n-gram vector, clipped to the
    range of the targets (``lo``, ``hi``). A word none of whose n-grams a training word
    has gets ``mean``.
    """

    ngrams: np.ndarray
    coef: np.ndarray
    mean: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    ngram_range: tuple[int, int] = SPELL_NGRAMS
    hash_bits: int = SPELL_HASH_BITS

    def features(self, keys: Sequence[str]) -> sp.csr_matrix:
        """``(len(keys), len(ngrams))`` L2-normalized binary n-gram vectors of ``keys``."""
        return _ngram_matrix(keys, self.ngram_range, self.hash_bits, self.ngrams)[0]

    def predict(self, keys: Sequence[str]) -> np.ndarray:
        """``(len(keys), 2k)`` predicted log-lifts (fingerprint columns, then concentrated)."""
        if not len(keys):
            return np.zeros((0, len(self.mean)))
        X = self.features(keys)
        return np.clip(self.mean[None, :] + np.asarray(X @ self.coef, dtype=np.float64), self.lo, self.hi)


def _ngram_matrix(keys: Sequence[str], ngram_range: tuple[int, int], hash_bits: int,
                  vocab: np.ndarray | None = None) -> tuple[sp.csr_matrix, np.ndarray]:
    """``(X, vocab)``: binary char n-grams (``char_wb``) of ``keys``, hashed, restricted to ``vocab``
    (default: the n-grams present), rows L2-normalized."""
    from sklearn.feature_extraction.text import HashingVectorizer

    hv = HashingVectorizer(analyzer="char_wb", ngram_range=ngram_range, n_features=2 ** hash_bits,
                           alternate_sign=False, binary=True, norm=None, lowercase=True)
    H = sp.csr_matrix(hv.transform(list(keys)))
    H.sum_duplicates()
    if vocab is None:
        vocab = np.unique(H.indices)
    pos = np.searchsorted(vocab, H.indices)
    pos = np.minimum(pos, max(len(vocab) - 1, 0))
    ok = vocab[pos] == H.indices if len(vocab) else np.zeros(len(H.indices), dtype=bool)
    rows = np.repeat(np.arange(H.shape[0]), np.diff(H.indptr))
    X = sp.csr_matrix((np.ones(int(ok.sum())), (rows[ok], pos[ok])), shape=(H.shape[0], len(vocab)))
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    X = sp.diags(np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)) @ X
    return X.tocsr(), vocab


def fit_spelling(keys: Sequence[str], Y: np.ndarray, *, alpha: float = SPELL_ALPHA,
                 ngram_range: tuple[int, int] = SPELL_NGRAMS, hash_bits: int = SPELL_HASH_BITS,
                 intercept: bool = False) -> Spelling:
    """Ridge (penalty ``alpha``) from the n-grams of ``keys`` to targets ``Y`` ``(len(keys), m)``
    (with ``intercept`` the targets' mean is the value of a word without known n-grams, else 0:
    the prediction shrinks to the corpus mean, lift 0),
    solved in the dual, ``(X X^T + alpha I) D = Y - mean`` by conjugate gradients (one per target column,
    vectorized), ``coef = X^T D``."""
    X, vocab = _ngram_matrix(keys, ngram_range, hash_bits)
    Y = np.asarray(Y, dtype=np.float64)
    mean = Y.mean(axis=0) if intercept else np.zeros(Y.shape[1])
    dual = _block_cg(X, alpha, Y - mean[None, :])
    coef = np.asarray(X.T @ dual, dtype=np.float32)
    return Spelling(vocab, coef, mean, Y.min(axis=0), Y.max(axis=0), tuple(ngram_range), hash_bits)


def _block_cg(X: sp.csr_matrix, alpha: float, B: np.ndarray, *, tol: float = 1e-8, max_iter: int = 2000
              ) -> np.ndarray:
    """``D`` ``(n, m)`` solving ``(X X^T + alpha I) D = B``: conjugate gradients, every column at once."""
    XT = X.T.tocsr()

    def op(V: np.ndarray) -> np.ndarray:
        return np.asarray(X @ (XT @ V)) + alpha * V

    D = np.zeros_like(B)
    R = B.copy()
    P = R.copy()
    rs = (R * R).sum(axis=0)
    stop = tol * np.maximum((B * B).sum(axis=0), 1e-300)
    for _ in range(max_iter):
        if (rs <= stop).all():
            break
        Q = op(P)
        step = np.divide(rs, (P * Q).sum(axis=0), out=np.zeros_like(rs), where=rs > stop)
        D += P * step[None, :]
        R -= Q * step[None, :]
        rs_new = (R * R).sum(axis=0)
        P = R + P * np.divide(rs_new, rs, out=np.zeros_like(rs), where=rs > 0)[None, :]
        rs = rs_new
    return D


class _GrowingIndex:
    """A read-only view of a form index that numbers unseen keys from ``offset`` on (``new``)."""

    def __init__(self, base: dict[str, int], offset: int) -> None:
        self.base, self.offset = base, offset
        self.new: dict[str, int] = {}

    def get(self, key: str, default: int | None = None) -> int | None:
        v = self.base.get(key)
        return v if v is not None else self.new.get(key, default)

    def __len__(self) -> int:
        return self.offset + len(self.new)

    def __setitem__(self, key: str, value: int) -> None:
        self.new[key] = value


def form_stream_unseen(term_map: TermMap, texts: Sequence[str], n_forms: int, *, with_offsets: bool = False):
    """``(stream, new_keys)``: the form stream of ``texts`` (as ``extractor.form_stream``), with
    words the form table lacks numbered ``n_forms + j`` instead of ``UNKNOWN`` (``new_keys[j]``
    their form keys, in order of first appearance). Phrases and the thesaurus apply to known
    forms only, by the extractor's own ``join_phrases``, as in ``form_stream``."""
    from tmlmap.text.normalize import UNKNOWN, TokenStream

    ex = term_map.extractor
    offset = len(ex.forms)
    index = _GrowingIndex(ex.form_index, offset)
    stream = ex.normalizer.stream(list(texts), index, grow=True, with_offsets=with_offsets)  # type: ignore[arg-type]
    tok = stream.tokens.copy()
    new = tok >= offset
    new_ids = tok[new] - offset
    tok[new] = UNKNOWN
    stream = ex.join_phrases(TokenStream(tok, stream.indptr, stream.starts, stream.ends, stream.surfaces))
    tok = stream.tokens.copy()
    tok[tok >= n_forms] = BOUNDARY  # forms the fingerprints do not cover (none for a map's own fingerprints)
    unk = np.flatnonzero(tok == UNKNOWN)
    if len(unk) != len(new_ids):  # pragma: no cover - phrases never join unknown words
        raise AssertionError("unseen words lost in the phrase passes")
    tok[unk] = n_forms + new_ids
    return TokenStream(tok, stream.indptr, stream.starts, stream.ends, stream.surfaces), list(index.new)


def spelled_counts(term_map: TermMap, texts: Sequence[str], wf: WordFingerprints, *, with_offsets: bool = False):
    """``(counts (n, n_forms + m) CSR, stream, new_keys)``: as :func:`form_counts`, every form
    counting (``wf`` has a spelling map) and the ``m`` words no form is numbered after the forms."""
    from tmlmap.text.extractor import counts_matrix

    stream, new_keys = form_stream_unseen(term_map, texts, wf.n_forms, with_offsets=with_offsets)
    return counts_matrix(stream, wf.n_forms + len(new_keys)), stream, new_keys
