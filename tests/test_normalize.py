"""Normalization, phrase detection/joining, thesaurus and the fitted extractor."""

from __future__ import annotations

import numpy as np
import pytest

from tmlmap.text.extractor import TermExtractor, counts_matrix
from tmlmap.text.normalize import (
    BOUNDARY,
    Normalizer,
    SurfaceTable,
    TokenStream,
    clean_text,
    fold_ascii,
)
from tmlmap.text.phrases import merge_phrases, score_pairs
from tmlmap.text.thesaurus import ThesaurusError, read_thesaurus


@pytest.fixture(scope="module")
def normalizer() -> Normalizer:
    return Normalizer()


def keys(normalizer: Normalizer, text: str) -> list[str | None]:
    return [k for k, _, _ in normalizer.keys(text)]


def test_drops_stop_words_numbers_urls_maths_and_boilerplate(normalizer):
    got = keys(normalizer, "We propose 3 novel classifiers, see https://x.org/a and $\\epsilon$-DP in 2020.")
    words = [k for k in got if k]
    assert words == ["classifier", "dp"]


def test_lemmatizes_and_lowercases(normalizer):
    words = [k for k in keys(normalizer, "Training Classifiers with Attacks on Networks") if k]
    assert words == ["train", "classifier", "attack", "network"]


def test_latin_letters_are_folded_and_ligatures_read(normalizer):
    """Accented and ASCII spellings are one form; PDF ligature words are read, other scripts dropped."""
    text = "Rényi divergence, Renyi divergence; naïve classiﬁcation (Nyström); Straße これは"
    words = [k for k in keys(normalizer, text) if k]
    assert words == ["renyi", "divergence", "renyi", "divergence", "naive", "classification", "nystrom"]
    assert fold_ascii("ﬁlter") == "filter" and fold_ascii("Poincaré") == "Poincare"
    assert fold_ascii("plain") == "plain" and fold_ascii("これ") == "これ"
    spans = [(text[a:b], k) for k, a, b in normalizer.keys(text) if k == "classification"]
    assert spans == [("classiﬁcation", "classification")]  # offsets stay in the original text


def test_clean_text_keeps_offsets():
    text = "a $x^2$ b http://u.rl c <b>d</b>"
    cleaned = clean_text(text)
    assert len(cleaned) == len(text)
    assert cleaned.index("b ") == text.index("b ")
    assert "x^2" not in cleaned and "http" not in cleaned and "<b>" not in cleaned


def test_stream_marks_boundaries_and_ends_every_document(normalizer):
    index: dict[str, int] = {}
    stream = normalizer.stream(["privacy of data", "", "differential privacy"], index, grow=True)
    assert stream.n_docs == 3
    ends = stream.indptr[1:] - 1
    assert np.all(stream.tokens[ends] == BOUNDARY)
    doc0 = stream.tokens[stream.indptr[0]:stream.indptr[1]]
    assert doc0.tolist() == [index["privacy"], BOUNDARY, index["datum"], BOUNDARY]


def test_hyphens_are_transparent(normalizer):
    index: dict[str, int] = {}
    stream = normalizer.stream(["privacy-preserving learning"], index, grow=True)
    assert stream.tokens.tolist() == [index["privacy"], index["preserve"], index["learn"], BOUNDARY]


def test_unknown_words_do_not_grow_a_fitted_table(normalizer):
    index = {"privacy": 0}
    stream = normalizer.stream(["privacy zebra"], index, grow=False)
    assert stream.tokens.tolist()[:2] == [0, -2]
    assert index == {"privacy": 0}


def _stream(docs: list[list[int]]) -> TokenStream:
    tokens, indptr = [], [0]
    for d in docs:
        tokens += d + [BOUNDARY]
        indptr.append(len(tokens))
    return TokenStream(np.asarray(tokens, dtype=np.int64), np.asarray(indptr, dtype=np.int64))


def test_pair_scores_by_hand():
    # forms 0,1 always together; 2 and 3 random-ish
    stream = _stream([[0, 1, 2], [0, 1, 3], [2, 3], [0, 1]])
    codes, doc_counts, counts, npmi = score_pairs(stream, 4)
    table = {int(c): (int(d), int(n), float(s)) for c, d, n, s in zip(codes, doc_counts, counts, npmi, strict=True)}
    n_words = 9
    p01 = 3 / n_words
    p0 = p1 = 3 / n_words
    assert table[0 * 4 + 1][:2] == (3, 3)
    assert table[0 * 4 + 1][2] == pytest.approx(np.log(p01 / (p0 * p1)) / -np.log(p01))
    assert 1 * 4 + 0 not in table  # order matters


def test_merge_is_greedy_from_the_left():
    stream = _stream([[0, 1, 2, 1, 2]])
    accepted = np.array([0 * 5 + 1, 1 * 5 + 2], dtype=np.int64)
    merged = merge_phrases(stream, 5, accepted, np.array([10, 11]))
    # accepted pairs start at positions 0 ("0 1"), 1 ("1 2") and 3 ("1 2"): runs
    # [0, 1] and [3]; the left pair of the overlapping run wins.
    assert merged.tokens.tolist() == [10, 2, 11, BOUNDARY]


def test_extractor_finds_phrases_and_spans():
    texts = [f"Differential privacy for {w}." for w in ("graphs", "images", "text", "speech", "robots", "genes")]
    texts += ["Privacy matters.", "Differential equations."]
    ex = TermExtractor()
    stream = ex.tokenize_corpus(texts)
    stream = ex.fit_phrases(stream, min_count=3, min_npmi=0.2)
    assert "differential privacy" in ex.forms
    X = counts_matrix(stream, len(ex.forms))
    vocab = np.flatnonzero(np.asarray((X > 0).sum(axis=0)).ravel() >= 1)
    ex.set_vocabulary(vocab)
    tid = ex.lookup("Differential Privacy")
    assert tid is not None and ex.display[tid] == "differential privacy"
    text = "A study of differential privacy."
    spans = ex.spans(text)
    assert (text.index("differential"), text.index(".") , tid) in spans
    counts = ex.transform(["differential privacy and differential privacy", ""])
    assert counts.shape == (2, len(vocab))
    assert counts[0, tid] == 2 and counts[1].nnz == 0


def test_thesaurus_merges_and_removes(tmp_path):
    path = tmp_path / "thesaurus.csv"
    path.write_text("variant,preferred\nDP,differential privacy\nmatters,\n", encoding="utf-8")
    rows = read_thesaurus(path)
    assert rows == [("DP", "differential privacy"), ("matters", "")]
    texts = [f"Differential privacy for {w}." for w in ("graphs", "images", "text", "speech")]
    texts += ["DP matters.", "DP helps."]
    ex = TermExtractor()
    stream = ex.fit_phrases(ex.tokenize_corpus(texts), min_count=3, min_npmi=0.2, thesaurus=rows)
    dp = ex.lookup_form("differential privacy")
    assert ex.lookup_form("DP") == dp
    X = counts_matrix(stream, len(ex.forms))
    assert X[:, dp].sum() == 6
    assert X[:, ex.form_index["matter"]].sum() == 0


def test_thesaurus_errors_name_file_and_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("from,to\na,b\n", encoding="utf-8")
    with pytest.raises(ThesaurusError, match="bad.csv:1"):
        read_thesaurus(bad)
    bad.write_text("variant,preferred\n,b\n", encoding="utf-8")
    with pytest.raises(ThesaurusError, match="bad.csv:2: empty variant"):
        read_thesaurus(bad)


def _per_document_stream(normalizer: Normalizer, texts: list[str]):
    """The stream as spaCy gives it document by document (the reference for the chunked path)."""
    import tmlmap.text.normalize as normalize_module

    def per_document(nlp, texts, progress, **_):
        hashes, lengths, _ = normalize_module._tokenize(nlp, texts, False, None, 500)
        uniq, inverse = np.unique(hashes, return_inverse=True)
        return uniq, inverse.reshape(-1), lengths

    index: dict[str, int] = {}
    surface = SurfaceTable()
    original = normalize_module._tokenize_chunks
    normalize_module._tokenize_chunks = per_document
    try:
        stream = normalizer.stream(texts, index, grow=True, surface=surface)
    finally:
        normalize_module._tokenize_chunks = original
    return stream, index, surface.strings


def _chunked_stream(normalizer: Normalizer, texts: list[str]):
    index: dict[str, int] = {}
    surface = SurfaceTable()
    return normalizer.stream(texts, index, grow=True, surface=surface), index, surface.strings


TRICKY_TEXTS = [
    " Leading space, then  two spaces.\nA new line\tand a tab; ''quoted'' words and \u201cpretty\u201d ones.",
    "Trailing spaces  ",
    "The students' ''fast'' way, and the ''deep'' ''fast'' aspect.",
    "",
    " ",
    "\n\n",
    "Can't, cannot, don't: e.g. the U.S. (etc.) et al. 1.5x GPT-4's data.The end...",
    "Math $x^2$ and \\alpha-DP, a URL https://x.org/a, mail a@b.org, <b>tags</b>, \u00a0non-breaking\u2009thin.",
    "Privacy-preserving state-of-the-art ML\u2014with dashes\u2013and (nested [brackets]).",
]


def test_chunked_tokenization_equals_per_document_on_tricky_texts(normalizer):
    chunked, index, strings = _chunked_stream(normalizer, TRICKY_TEXTS * 2)
    reference, ref_index, ref_strings = _per_document_stream(normalizer, TRICKY_TEXTS * 2)
    np.testing.assert_array_equal(chunked.tokens, reference.tokens)
    np.testing.assert_array_equal(chunked.indptr, reference.indptr)
    np.testing.assert_array_equal(chunked.surfaces, reference.surfaces)
    assert index == ref_index and strings == ref_strings
    assert index  # the texts do hold words


def test_chunked_tokenization_equals_per_document_on_real_abstracts(small_papers):
    """The chunked path is an optimisation: on 1,500 real papers it must give the very same stream."""
    from tmlmap.maps.build import paper_text

    texts = [paper_text(p) for p in small_papers]
    normalizer = Normalizer()
    chunked, index, strings = _chunked_stream(normalizer, texts)
    normalizer._hash_cache.clear()
    reference, ref_index, ref_strings = _per_document_stream(normalizer, texts)
    np.testing.assert_array_equal(chunked.tokens, reference.tokens)
    np.testing.assert_array_equal(chunked.indptr, reference.indptr)
    np.testing.assert_array_equal(chunked.surfaces, reference.surfaces)
    assert index == ref_index and strings == ref_strings


def test_terms_are_shown_in_their_most_common_spelling():
    texts = [f"Electronic health records of {w}." for w in ("graphs", "images", "text", "speech")]
    texts += ["Electronic health record systems.", "A recorded talk.", "Federated learning for phones.",
              "Federated learning with clients.", "Federated learning at scale.", "We recorded it."]
    ex = TermExtractor()
    stream = ex.fit_phrases(ex.tokenize_corpus(texts), min_count=3, min_npmi=0.2)
    X = counts_matrix(stream, len(ex.forms))
    ex.set_vocabulary(np.flatnonzero(np.asarray((X > 0).sum(axis=0)).ravel() >= 1))
    shown = set(ex.display)
    assert "electronic health records" in shown
    assert "federated learning" in shown
    assert "electronic health recorded" not in shown


def test_tokenizer_helper_gives_the_same_stream_as_one_process(small_papers):
    """Half the distinct chunks tokenized in a second process: the very same stream, forms and spellings."""
    from tmlmap.maps.build import paper_text
    from tmlmap.text.normalize import TokenizerHelper

    texts = [paper_text(p) for p in small_papers] + TRICKY_TEXTS
    one = TermExtractor()
    single = one.tokenize_corpus(texts)
    two = TermExtractor()
    with TokenizerHelper() as helper:
        with_helper = two.tokenize_corpus(texts, helper=helper)
        assert helper._job is not None  # the helper was used, not skipped
    np.testing.assert_array_equal(single.tokens, with_helper.tokens)
    np.testing.assert_array_equal(single.indptr, with_helper.indptr)
    np.testing.assert_array_equal(single.surfaces, with_helper.surfaces)
    assert one.form_index == two.form_index and one.surface.strings == two.surface.strings


def test_a_failed_tokenizer_helper_warns_and_the_result_is_the_same(small_papers):
    from tmlmap.maps.build import paper_text
    from tmlmap.text.normalize import TokenizerHelper

    texts = [paper_text(p) for p in small_papers[:300]]
    single = TermExtractor().tokenize_corpus(texts)
    helper = TokenizerHelper()
    try:
        assert helper._helper.running
        helper._helper._proc.kill()  # dies before it answers
        helper._helper._proc.wait()
        with pytest.warns(UserWarning, match="tokenizer helper process failed"):
            stream = TermExtractor().tokenize_corpus(texts, helper=helper)
    finally:
        helper.close()
    np.testing.assert_array_equal(single.tokens, stream.tokens)
    np.testing.assert_array_equal(single.surfaces, stream.surfaces)


def test_one_pass_split_and_dedup_equal_the_per_text_ones():
    """The corpus-wide join/split and setdefault de-duplication are optimisations of the obvious loops."""
    import tmlmap.text.normalize as normalize_module

    texts = TRICKY_TEXTS + ["a b  c", "", " x ", "y\tz", "a a a"]
    parts, per_text = normalize_module._split_texts(texts)
    expected: list[str] = []
    expected_per_text = []
    for text in texts:
        text = normalize_module.clean_text(text)
        if normalize_module._has_odd_space(text):
            text = normalize_module._ODD_SPACE.sub(" \n ", text)
        expected.extend(text.split(" "))
        expected_per_text.append(len(text.split(" ")))
    assert parts == expected
    assert per_text.tolist() == expected_per_text
    distinct, ids = normalize_module._distinct_chunks(parts)
    assert distinct == list(dict.fromkeys(parts))
    assert [distinct[i] for i in ids] == parts
    empty_parts, empty_per_text = normalize_module._split_texts([])
    assert empty_parts == [] and len(empty_per_text) == 0


def test_two_runs_joined_equal_one_run(normalizer):
    import tmlmap.text.normalize as normalize_module

    nlp = normalizer.nlp
    texts = TRICKY_TEXTS * 3
    whole = normalize_module._tokenize_texts(nlp, texts, None, 200)
    for cut in (1, 5, len(texts) - 1):
        joined = normalize_module._concat_tokens(normalize_module._tokenize_texts(nlp, texts[:cut], None, 200),
                                                 normalize_module._tokenize_texts(nlp, texts[cut:], None, 200))
        for a, b in zip(whole, joined, strict=True):
            np.testing.assert_array_equal(a, b)
    assert normalize_module._half_by_characters(["aaaa", "b", "c", "dddd"]) == 2
    assert normalize_module._half_by_characters(["x"]) == 1
    assert normalize_module._half_by_characters([]) == 0
