"""Text to terms: normalizer, phrases, thesaurus, the term extractor, tf-idf weights.

Data flow: paper text -> :class:`Normalizer` (tokens, lemmas) -> phrases and thesaurus ->
:class:`TermExtractor` (document-term counts). Reads corpus records only.
"""

from tmlmap.text.extractor import TermExtractor, counts_matrix
from tmlmap.text.normalize import Normalizer, SurfaceTable, TokenStream, clean_text, fold_ascii
from tmlmap.text.phrases import detect_phrases, merge_phrases
from tmlmap.text.thesaurus import ThesaurusError, read_thesaurus
from tmlmap.text.weighting import smooth_idf, tfidf, weighted_mean

__all__ = [
    "Normalizer",
    "SurfaceTable",
    "TermExtractor",
    "ThesaurusError",
    "TokenStream",
    "clean_text",
    "counts_matrix",
    "detect_phrases",
    "fold_ascii",
    "merge_phrases",
    "read_thesaurus",
    "smooth_idf",
    "tfidf",
    "weighted_mean",
]
