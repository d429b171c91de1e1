"""Which words the spelling map (issue 12) makes lean to fairness or privacy: a sanity check.

Usage::

    python benchmarks/spelling_words.py [--n 25]

Prints, for words no corpus paper uses, the strongest predicted fairness and privacy
lifts (``log(A / prior)`` of :meth:`tmlmap.risk.words.WordFingerprints.unseen_rows`)
among (a) the words of the AIAAIC **dev** split (texts only, no labels) and (b) a
neutral English list: the 20,000 most frequent English words of spaCy's lexeme
probability table (``spacy-lookups-data``), which are mostly not about either risk.
Also the share of the English words with a lift above 0.5 (a 1.6-fold lean).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _corpus import corpus_store  # noqa: E402
from tmlmap.maps.build import load_or_build  # noqa: E402
from tmlmap.risk.model import load_aiaaic  # noqa: E402
from tmlmap.risk.scorer import clean_input  # noqa: E402
from tmlmap.risk.words import form_stream_unseen, word_fingerprints  # noqa: E402


def english_words(n: int = 20000) -> list[str]:
    import spacy_lookups_data

    path = Path(spacy_lookups_data.__file__).parent / "data" / "en_lexeme_prob.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        prob = json.load(fh)
    words = sorted((w for w in prob if w.isalpha() and w.islower() and len(w) >= 3), key=lambda w: -prob[w])
    return words[:n]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=25)
    args = ap.parse_args()
    M = load_or_build(corpus_store())
    wf = word_fingerprints(M)
    if wf.spelling is None:
        print("the default word fingerprints have no spelling map")
        return
    texts = [clean_input(r["text"])[0] for r in load_aiaaic("dev")]
    _, dev_new = form_stream_unseen(M, texts, wf.n_forms)
    _, eng_new = form_stream_unseen(M, english_words(), wf.n_forms)
    for name, keys in (("AIAAIC dev words no paper uses", dev_new), ("English words no paper uses", eng_new)):
        A, _ = wf.unseen_rows(keys)
        L = np.log(np.maximum(A[:, :2], 1e-12) / wf.prior[None, :2])
        print(f"\n## {name}: {len(keys)}; lift > 0.5: fairness {np.mean(L[:, 0] > 0.5):.1%}, "
              f"privacy {np.mean(L[:, 1] > 0.5):.1%}")
        for j, lab in enumerate(("fairness", "privacy")):
            top = np.argsort(-L[:, j], kind="stable")[: args.n]
            print(f"{lab}: " + ", ".join(f"{keys[i]} {L[i, j]:.2f}" for i in top))


if __name__ == "__main__":
    main()
