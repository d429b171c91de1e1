"""Use contexts, word fingerprints, the calibrated model and input hygiene of the default risk scorer.

Pure parts run on hand-made inputs; the behaviour on real descriptions uses the
session's real map (``real_map``, marked slow by the fixture).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from tmlmap.maps.build import word_incidence
from tmlmap.risk.batch import BatchInputError, read_rows
from tmlmap.risk.contexts import CONTEXTS_FILE, PEOPLE_KEY, parse_contexts
from tmlmap.risk.evaluate import auc
from tmlmap.risk.model import (
    MAX_LIFT,
    fit_logistic,
    lift,
    load_aiaaic,
    readings,
    second_word_lift,
    signal_scores,
)
from tmlmap.risk.scorer import (
    CONTRACT_FIELDS,
    SHORT_TEXT_WORDS,
    RiskScorer,
    clean_input,
    decode_markup,
)
from tmlmap.risk.words import concentrated

# ---- contexts from the definitions ----------------------------------------------


def test_contexts_follow_the_annex_and_article_points() -> None:
    ctx = parse_contexts()
    keys = [c.key for c in ctx]
    assert len(keys) == len(set(keys))
    points = {c.key: c.point for c in ctx}
    # Annex III: 8 areas; area 2 has one point, area 4 two (the summary's third part is the Act's 4(b)).
    assert points["annex3-4a"] == "Annex III 4(a)" and points["annex3-4b"] == "Annex III 4(b)"
    assert "annex3-4c" not in points and points["annex3-2"] == "Annex III 2"
    assert {k for k in keys if k.startswith("annex3-5")} == {f"annex3-5{x}" for x in "abcd"}
    assert {k for k in keys if k.startswith("annex3-6")} == {f"annex3-6{x}" for x in "abcde"}
    assert [points[f"art5-{x}"] for x in "ah"] == ["Article 5(1)(a)", "Article 5(1)(h)"]
    assert sum(k.startswith("gdpr-9-") for k in keys) == 8  # racial or ethnic origin ... sex life or orientation
    assert any(c.point == "GDPR Art. 22" for c in ctx)
    by_key = {c.key: c for c in ctx}
    assert "recruitment" in by_key["annex3-4a"].definition and by_key["annex3-4a"].risk == "fairness"
    assert all(c.risk == "privacy" for c in ctx if c.source == "gdpr")
    assert by_key[PEOPLE_KEY].source == "people"


def test_contexts_file_is_the_shared_summary() -> None:
    shared = Path(__file__).resolve().parents[1].parent / "shared" / "notes" / "high-risk-uses.md"
    if shared.is_file():
        assert CONTEXTS_FILE.read_text(encoding="utf-8") == shared.read_text(encoding="utf-8")


def test_contexts_file_without_sections_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "x.md"
    f.write_text("# nothing here\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no Annex III"):
        parse_contexts(f)


# ---- signal scores: no single word decides ---------------------------------------


def test_capped_scores_need_two_words() -> None:
    A = np.array([[1.0], [0.5], [0.0]])  # three forms, one signal
    W = sp.csr_matrix(np.array([[2.0, 0, 0],      # one strong word alone
                                [2.0, 1.0, 1.0],  # strong + medium + neutral
                                [0, 0, 0]]))      # empty
    plain, _ = signal_scores(W, A, cap_top=False)
    capped, contrib = signal_scores(W, A, cap_top=True)
    assert plain[:, 0] == pytest.approx([1.0, 2.5 / 4, 0.0])
    assert capped[0, 0] == 0.0  # nothing backs it up
    assert capped[1, 0] == pytest.approx((0.5 + 0.5) / 4)  # the top word counts as much as the next one
    assert capped[2, 0] == 0.0
    # contributions are aligned with W's entries and add up to the scores
    rows = np.repeat(np.arange(3), np.diff(W.indptr))
    assert np.bincount(rows, contrib[:, 0], minlength=3) == pytest.approx(capped[:, 0])


def test_capped_scores_with_tied_top_words() -> None:
    A = np.array([[1.0], [1.0]])
    W = sp.csr_matrix(np.array([[1.0, 1.0]]))
    capped, _ = signal_scores(W, A, cap_top=True)
    assert capped[0, 0] == pytest.approx(1.0)  # two words agree: the score stands


def test_second_word_lift_needs_two_strong_words() -> None:
    prior = np.array([0.1])
    A = np.array([[1.0], [0.4], [0.1], [0.05]])  # lifts log 10, log 4, 0, 0 (floored)
    # one strong word among generic ones; two strong words diluted by heavy generic ones;
    # a strong word alone; nothing
    W = sp.csr_matrix(np.array([[5.0, 0, 1, 1], [0.1, 0.1, 9, 9], [1.0, 0, 0, 0], [0, 0, 0, 0]]))
    second, share = second_word_lift(W, A, prior)
    assert second[0, 0] == 0.0  # a lone strong word adds nothing
    assert second[1, 0] == pytest.approx(np.log(4))  # weights do not dilute it: the second word's lift
    assert second[2, 0] == 0.0 and second[3, 0] == 0.0
    rows = np.repeat(np.arange(4), np.diff(W.indptr))
    sums = np.bincount(rows, share[:, 0], minlength=4)
    assert sums.tolist() == pytest.approx([0.0, 1.0, 0.0, 0.0])  # the two backing words share the part
    tied = sp.csr_matrix(np.array([[1.0, 1.0]]))
    assert second_word_lift(tied, np.array([[0.5], [0.5]]), prior)[0][0, 0] == pytest.approx(np.log(5))


def test_concentrated_fingerprints_are_shares_of_top_papers() -> None:
    # 4 papers, profiles on one signal; with share 0.25 only paper 0 is a "top" paper.
    P = np.array([[0.9], [0.2], [0.1], [0.1]])
    D = sp.csr_matrix(np.array([[1, 1, 0], [0, 1, 0], [0, 1, 1], [0, 1, 0]], dtype=float))  # 3 forms
    has = np.ones(4, dtype=bool)
    df = np.asarray(D.sum(axis=0)).ravel()
    sharp, prior = concentrated(D, P, has, df, 0.25, prior_weight=1.0)
    assert prior[0] == pytest.approx(0.25)
    assert sharp[0, 0] == pytest.approx((1 + 0.25) / 2)  # its only paper is a top paper
    assert sharp[1, 0] == pytest.approx((1 + 0.25) / 5)  # in every paper: near the share
    assert sharp[2, 0] == pytest.approx(0.25 / 2)  # never in a top paper: below the share


def test_readings_are_capped_and_monotone(real_map) -> None:
    from tmlmap.risk.words import word_fingerprints

    wf = word_fingerprints(real_map)
    k = len(wf.columns)
    assert readings(sp.csr_matrix((1, wf.affinity.shape[0])), wf)[0].shape == (1, 6 * k)  # 3 readings, twice
    # the strongest forms of one signal, repeated: every input stays within [0, MAX_LIFT]
    top = np.argsort(-wf.affinity[:, 0])[:5]
    W = sp.csr_matrix((np.ones(5), (np.zeros(5, dtype=int), top)), shape=(1, wf.affinity.shape[0]))
    Z = readings(W, wf)[0]
    assert Z.min() >= 0 and Z.max() <= MAX_LIFT + 1e-12 and Z[0, 0] > 0 and Z[0, k] > 0


def test_every_context_with_seeds_starts_a_walk(real_map) -> None:
    """A definition phrase the map did not make a term seeds through its words: "emotion recognition"
    (Annex III 1(c)) is no term, "emotion" is. Before 2026-12-03 that context had no term seed, so
    no walk: its papers were the dozen using its two words, and "technology" leant to it 16-fold."""
    from tmlmap.risk.words import compute_word_fingerprints, phrase_parts, word_fingerprints

    ex = real_map.extractor
    terms = set(np.asarray(ex.term_forms).tolist())
    phrase, word = ex.form_index["emotion recognition"], ex.form_index["emotion"]
    assert phrase not in terms and word in terms
    assert phrase_parts(real_map, [phrase]) == [phrase, word, ex.form_index["recognition"]]
    term_phrase = next(f for f in terms if " " in ex.forms[f])
    assert phrase_parts(real_map, [term_phrase]) == [term_phrase]  # a term walks itself
    wf = word_fingerprints(real_map)
    for c in wf.contexts:
        if wf.seeds[c.key]:
            assert any(f in terms for f in wf.seeds[c.key]), c.key
    j = wf.columns.index("annex3-1c")
    lift_of = lambda w, fp=wf: fp.affinity[ex.form_index[w], j] / fp.prior[j]  # noqa: E731
    assert lift_of("emotion") > 20 and lift_of("technology") < 2
    old = compute_word_fingerprints(real_map, split_phrase_seeds=False)
    assert not any(f in terms for f in old.seeds["annex3-1c"]) and lift_of("technology", old) > 5


def test_context_walk_settings(real_map) -> None:
    """The two settings of the contexts' walk (``risk_cv.py --seed-walk``) do what they say: a larger
    restart keeps the walk nearer its seeds, and seeds weighted by paper count favour the rare ones."""
    from tmlmap.risk.words import compute_word_fingerprints, word_fingerprints

    ex = real_map.extractor
    base, near = word_fingerprints(real_map), compute_word_fingerprints(real_map, context_restart=0.75)
    rare = compute_word_fingerprints(real_map, seed_df_power=1.0)
    j = base.columns.index("annex3-4a")
    lift = lambda w, fp: fp.affinity[ex.form_index[w], j] / fp.prior[j]  # noqa: E731
    assert lift("hire", near) > 1.5 * lift("hire", base)  # a word near the seeds leans further
    # "job" (about 50 papers) against "selection" (about 800): the rare seed's neighbours gain
    assert lift("resume", rare) / lift("subset", rare) > lift("resume", base) / lift("subset", base)
    for bad in ({"context_restart": 0.0}, {"context_restart": 1.5}, {"seed_df_power": -1.0}):
        with pytest.raises(ValueError):
            compute_word_fingerprints(real_map, **bad)


def test_definitions_read_bracketed_prefixes(real_map) -> None:
    """Annex III 6(d) says "(re)offending": the tokenizer kept "re)offending" whole, a form the map
    does not know, so the one word naming the point was lost (until 2026-12-03)."""
    from tmlmap.risk.words import word_fingerprints

    wf = word_fingerprints(real_map)
    offend = real_map.extractor.form_index["offend"]
    assert offend in wf.seeds["annex3-6d"]


def test_a_context_is_listed_when_two_words_agree() -> None:
    """Listing (display only): mean-reading lift at least log 3 and the second word, paper-only or
    spelled, above 1.5x; one strong word alone ("decide" for the education points) lists nothing."""
    from types import SimpleNamespace

    from tmlmap.risk.model import CONTEXT_MIN_LIFT, CONTEXT_MIN_SECOND_LIFT, listed_contexts

    wf = SimpleNamespace(columns=["fairness", "privacy", "a", "b", "c"], n_topics=2, spell_affinity=np.zeros(1))
    k = 5
    Z = np.zeros((3, 6 * k))
    Z[:, 2:5] = [CONTEXT_MIN_LIFT, CONTEXT_MIN_LIFT, CONTEXT_MIN_LIFT - 0.01]  # mean reading, every text
    Z[0, k + 2] = CONTEXT_MIN_SECOND_LIFT + 0.01  # text 0: a second word agrees on "a" (paper-only)
    Z[1, 4 * k + 3] = CONTEXT_MIN_SECOND_LIFT + 0.01  # text 1: on "b", through the spelled reading
    Z[2, k + 2] = CONTEXT_MIN_SECOND_LIFT  # text 2: not above the threshold
    Z[:, k + 4] = 2.0  # "c": two words agree, but its mean lift is below log 3
    got = listed_contexts(Z, wf)
    assert got.tolist() == [[True, False, False], [False, True, False], [False, False, False]]
    assert listed_contexts(Z, wf, min_second=None).tolist() == [[True, True, False]] * 3


def test_lift_is_floored_at_zero() -> None:
    got = lift(np.array([[0.01, 0.5, 0.0]]), np.array([0.1, 0.1, 0.0]))
    assert got[0, 0] == 0.0 and got[0, 1] == pytest.approx(np.log(5)) and got[0, 2] == 0.0


def test_logistic_weights_are_non_negative_and_calibrated() -> None:
    rng = np.random.default_rng(0)
    X = rng.exponential(size=(2000, 3))
    z = -2 + 1.5 * X[:, 0] - 1.0 * X[:, 1]  # feature 1 lowers the odds: its weight must stay at 0
    y = rng.random(2000) < 1 / (1 + np.exp(-z))
    m = fit_logistic(X, y)
    assert (m.coef >= 0).all() and m.coef[1] == 0.0 and m.coef[0] > 0.5
    p = m(X)
    assert abs(p.mean() - y.mean()) < 0.01  # calibration in the large
    assert np.all(np.diff(m(np.column_stack([np.linspace(0, 5, 20), np.zeros(20), np.zeros(20)]))) > 0)
    with pytest.raises(ValueError, match="at least 5"):
        fit_logistic(X[:20], np.r_[np.ones(2), np.zeros(18)])
    # A column named signed may take its negative weight; the others stay non-negative.
    s = fit_logistic(X, y, signed=[False, True, False])
    assert s.coef[1] < -0.5 and s.coef[0] > 0.5 and s.coef[2] >= 0
    with pytest.raises(ValueError, match="signed has 2 entries for 3 columns"):
        fit_logistic(X, y, signed=[True, False])


def test_word_incidence_drops_rare_forms() -> None:
    X = sp.csr_matrix(np.array([[2, 1, 0], [1, 0, 0], [3, 0, 1]], dtype=float))
    B = word_incidence(X, min_df=2)
    assert B.toarray().tolist() == [[1, 0, 0], [1, 0, 0], [1, 0, 0]]
    assert B.dtype == np.float32


# ---- input hygiene -----------------------------------------------------------------


def test_entities_are_decoded_and_tag_contents_kept_with_offsets() -> None:
    text = "loan <b>applicants</b> &amp; credit &eacute;"
    out = decode_markup(text)
    assert len(out) == len(text)
    assert "applicants" in out.split() and "amp" not in out and "&" in out and "<" not in out
    assert out[text.index("applicants"):].startswith("applicants")  # offsets unchanged
    cleaned, _ = clean_input("a&nbsp;b &lt;script&gt;")
    assert "nbsp" not in cleaned and "lt" not in cleaned.split()


def test_letters_bracketed_onto_a_word_are_blanked_with_offsets() -> None:
    from tmlmap.risk.hygiene import unbracket_affixes

    text = "risk of (re)offending; the applicant(s) and (non)convex f(x), a (b) c, risk (low), COVID(19)"
    out = unbracket_affixes(text)
    assert len(out) == len(text)
    assert out.split()[:6] == ["risk", "of", "offending;", "the", "applicant", "and"]
    assert "convex" in out.split() and "(re)" not in out and "(s)" not in out
    assert "a (b) c" in out and "risk (low)" in out and "COVID(19)" in out  # brackets apart from a word stay
    assert clean_input("(ré)évaluation")[0].split() == ["évaluation"]


def test_batch_refuses_non_utf8_with_file_and_line(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(b"id,text\n1,loans for applicants\n" + "2,caf\xe9 owners\n".encode("latin-1"))
    rows = read_rows(src, "text")
    assert next(rows)[1]["text"] == "loans for applicants"
    with pytest.raises(BatchInputError, match=r"in\.csv:3: not valid UTF-8"):
        next(rows)
    j = tmp_path / "in.jsonl"
    j.write_bytes(b'{"text": "ok"}\n{"text": "\xff"}\n')
    with pytest.raises(BatchInputError, match=r"in\.jsonl:2"):
        list(read_rows(j, "text"))
    bom = tmp_path / "bom.csv"
    bom.write_bytes("\ufeffid,text\n1,x\n".encode())
    assert [r[1]["text"] for r in read_rows(bom, "text")] == ["x"]


# ---- the labelled incidents ------------------------------------------------------


def test_aiaaic_file_is_shipped_with_its_licence() -> None:
    rows = load_aiaaic(None)
    assert len(rows) == 1801 and {r["split"] for r in rows} == {"dev", "test"}
    assert sum(r["split"] == "dev" for r in rows) == 1260
    readme = (Path(__file__).resolve().parents[1] / "data" / "AIAAIC-README.md").read_text(encoding="utf-8")
    assert "CC BY-SA 4.0" in readme


# ---- the default scorer on real descriptions ----------------------------------------

HIRING = "We screen job applicants' CVs and rank candidates for interviews"
LOAN = "Automated approval of personal loans based on applicants' credit history and income."
BORDER = "A face-matching system checks travellers' faces against passport photos at the border."
AMBIGUOUS = ["We sort apples by size on a conveyor belt", "A recommender suggests movies to subscribers",
             "the county state fair forecasts attendance"]


@pytest.fixture(scope="module")
def scorer(real_map, real_store) -> RiskScorer:
    return RiskScorer(real_map, real_store)


@pytest.fixture(scope="module")
def methods(real_map):
    """Every evaluation method, fitted once for the tests below (about 25 s)."""
    from tmlmap.risk.evaluate import DescriptionMethods

    return DescriptionMethods(real_map)


def test_default_is_the_context_model(scorer: RiskScorer) -> None:
    assert scorer.method == "contexts" and scorer.context_model is not None
    params = scorer.context_model.describe()
    for lab in ("fairness", "privacy"):
        assert params[lab]["n_fit"] == 1260  # the AIAAIC dev split, nothing else
        assert all(w >= 0 for w in params[lab]["weights"].values())


def test_description_methods_read_the_contexts_of_every_reading(scorer: RiskScorer, methods) -> None:
    from tmlmap.risk.evaluate import DESCRIPTION_METHODS
    from tmlmap.risk.model import views

    wf = methods.model.words
    k, nt = len(wf.columns), wf.n_topics
    cols = methods._context_columns()
    n_views = len(views(wf))
    assert n_views == 6  # three readings, paper-only and spelled
    assert len(cols) == n_views * (k - nt) and not set(cols) & {v * k + t for v in range(n_views) for t in range(nt)}
    out = methods.scores([HIRING, AMBIGUOUS[0]])
    assert set(out) == set(DESCRIPTION_METHODS) and all(v.shape == (2, 2) for v in out.values())
    assert out["contexts"][0, 0] == pytest.approx(scorer.score(HIRING).fairness_risk, abs=1e-4)


def test_aiaaic_evaluation_pairs_the_default_with_each_comparison(real_map, methods, tmp_path) -> None:
    """On a labels file of 80 dev incidents (the evaluation's own input format), the paired rows
    are the differences of the AUC rows, each inside its own interval."""
    from tmlmap.risk.evaluate import PAIRED_METHODS, evaluate_aiaaic, paired_table
    from tmlmap.risk.model import load_aiaaic

    rows = [dict(r, split="sample") for r in load_aiaaic("dev")[:80]]
    path = tmp_path / "sample.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = evaluate_aiaaic(real_map, split="sample", labels=path, methods=methods, n_worst=2)
    aucs = {(r["topic"], r["method"]): r["auc"] for r in out["rows"]}
    assert [(r["topic"], r["method"]) for r in out["paired"]] == [
        (t, m) for t in ("fairness", "privacy") for m in PAIRED_METHODS]
    for r in out["paired"]:
        assert r["difference"] == pytest.approx(aucs[(r["topic"], "contexts")] - aucs[(r["topic"], r["method"])])
        assert r["ci_low"] <= r["difference"] <= r["ci_high"] and r["n"] == 80
    table = paired_table(out["paired"])
    assert table.count("\n") == 1 + len(out["paired"]) and "tf-idf LR baseline" in table


def test_contexts_in_the_full_report_only(scorer: RiskScorer) -> None:
    rep = scorer.score(HIRING)
    assert tuple(rep.to_dict()) == CONTRACT_FIELDS
    full = rep.to_full_dict()
    assert full["contexts"] == rep.contexts
    top = rep.contexts[0]
    assert top["point"] == "Annex III 4(a)" and top["risk"] == "fairness" and top["words"]
    assert set(top) == {"key", "name", "point", "risk", "score", "words", "contribution"}
    json.dumps(full)


def _sum_of_some(parts: np.ndarray, cols: list[int], got: np.ndarray) -> bool:
    """Whether ``got`` ``(2,)`` is, within rounding, the sum of the rows ``parts[cols]`` of some
    non-empty subset of ``cols`` (an area entry adds the parts of the points it names)."""
    from itertools import combinations

    return bool(cols) and min(np.abs(parts[list(sub)].sum(axis=0) - got).max()
                              for r in range(1, len(cols) + 1) for sub in combinations(cols, r)) < 1e-3


def test_area_siblings_are_the_other_points_of_an_annex_area() -> None:
    from tmlmap.risk.model import area_siblings, as_area

    ctx = parse_contexts()
    point = [c.point for c in ctx]
    sib = area_siblings(ctx)
    assert sorted(point[i] for i in sib[point.index("Annex III 5(b)")]) == [
        "Annex III 5(a)", "Annex III 5(c)", "Annex III 5(d)"]
    assert sib[point.index("Annex III 2")] == []  # one point: nothing to tell apart
    assert all(sib[i] == [] for i, c in enumerate(ctx) if c.source != "annex3")
    entry = {"key": "annex3-5b", "name": "x", "point": "Annex III 5(b)", "risk": "fairness", "score": 1.0,
             "words": ["service"], "contribution": {"fairness": 0.5, "privacy": 0.0}}
    area = as_area(entry, "Essential private and public services and benefits")
    assert (area["key"], area["point"], area["name"]) == (
        "annex3-5", "Annex III 5", "Essential private and public services and benefits")
    assert {k: v for k, v in area.items() if k not in ("key", "point", "name")} == {
        k: v for k, v in entry.items() if k not in ("key", "point", "name")}


def test_a_point_is_named_by_its_area_when_its_words_are_the_areas(scorer: RiskScorer) -> None:
    """The heading "Essential private and public services and benefits" seeds 5(a)-(d) alike: a text
    with only those words is about the area, not creditworthiness (5(b)); a credit-scoring text keeps
    5(b), and a point beside its own area's entry is listed alone."""
    heading = "Essential public and private services: the benefits sector."
    credit = ("A credit scoring model for a consumer bank that approves or rejects credit card "
              "applications in real time.")
    welfare = "Caseworkers use a score to decide eligibility for welfare benefits"
    rep_heading, rep_credit, rep_welfare = scorer.score_many([heading, credit, welfare])
    area = [c for c in rep_heading.contexts if c["point"].startswith("Annex III 5")]
    assert [c["point"] for c in area] == ["Annex III 5"] and area[0]["key"] == "annex3-5"
    assert area[0]["name"] == "Essential private and public services and benefits"
    assert "Annex III 5(b)" in [c["point"] for c in rep_credit.contexts]
    assert [c["point"] for c in rep_welfare.contexts if c["point"].startswith("Annex III 5")] == ["Annex III 5(a)"]
    # The area's contribution is the sum of the parts of the points it names (some of 5(a)-(d)).
    cm = scorer.context_model
    parts = cm.analyse([heading]).signal_parts()[0]
    cols = [cm.words.n_topics + j for j, c in enumerate(cm.words.contexts) if c.point.startswith("Annex III 5(")]
    assert _sum_of_some(parts, cols, np.array([area[0]["contribution"][lab] for lab in ("fairness", "privacy")]))


def test_exception_clauses_of_the_definitions() -> None:
    from tmlmap.risk.contexts import exception_clauses

    assert exception_clauses("credit scores (fraud detection excepted)") == ["fraud detection excepted"]
    assert exception_clauses("x (Not mere verification) and y (narrow exceptions), z (items excluded)") == [
        "Not mere verification", "narrow exceptions", "items excluded"]
    for covered in ("benefits (granting, reducing, revoking)", "risk of (re)offending", "decisions (Article 22)",
                    "tools (nothing excepting this)"):
        assert exception_clauses(covered) == []
    by_key = {c.key: c for c in parse_contexts()}
    assert exception_clauses(by_key["annex3-5b"].definition) == ["fraud detection excepted"]
    assert exception_clauses(by_key["annex3-7d"].definition) == ["checking travel documents excepted"]
    assert exception_clauses(by_key["annex3-5a"].definition) == []


def test_an_excepted_word_is_no_evidence_for_its_point(scorer: RiskScorer) -> None:
    """Annex III 5(b) excepts fraud detection and 7(d) the checking of travel documents: those words
    still seed the points (they carry 5(b)'s walk to banking) but are not shown as their evidence,
    so a welfare-fraud text is not listed under creditworthiness, nor a passport check under 7(d)."""
    from tmlmap.risk.words import exception_forms

    cm = scorer.context_model
    ex = cm.term_map.extractor
    excepted = dict(zip([c.key for c in cm.words.contexts], exception_forms(cm.term_map, cm.words.contexts),
                        strict=True))
    assert {ex.form_index[w] for w in ("fraud", "fraud detection")} <= excepted["annex3-5b"]
    assert ex.form_index["check"] in excepted["annex3-7d"] and not excepted[PEOPLE_KEY]
    assert ex.form_index["fraud detection"] in cm.words.seeds["annex3-5b"]  # still a seed
    fraud = ("A model ranks welfare benefit recipients by their risk of fraud; the top ones are referred to "
             "fraud investigators and their benefits suspended.")
    for rep in scorer.score_many([fraud, BORDER]):
        for c in rep.contexts:
            assert not (c["point"] == "Annex III 5(b)" and "fraud" in c["words"]), c
            assert not (c["point"] == "Annex III 7(d)" and "check" in c["words"]), c


def test_context_contributions_are_their_parts_of_the_logits(scorer: RiskScorer) -> None:
    """Each listed context carries its part of each risk's logit: its weights times its inputs over the
    six readings, so the signals' parts plus the incident words' make up ``raw`` exactly, and a strong
    context the incidents did not weigh shows 0 (not the impression that it drives the risk)."""
    cm = scorer.context_model
    texts = [HIRING, LOAN, BORDER, "A credit scoring model for a consumer bank that approves or rejects credit "
             "card applications in real time.", "Caseworkers use a score to decide eligibility for welfare benefits"]
    res = cm.analyse(texts)
    parts = res.signal_parts()
    n, k = res.X.shape
    assert parts.shape == (n, k, 2) and (parts >= 0).all()
    incident = np.zeros((n, 2))
    np.add.at(incident, np.repeat(np.arange(n), np.diff(res.W.indptr)), res.word_parts)
    np.testing.assert_allclose(parts.sum(axis=1) + incident, res.evidence(), rtol=1e-9, atol=1e-9)
    keys = [c.key for c in cm.words.contexts]
    nt = cm.words.n_topics
    seen_zero = False
    reps = scorer.score_many(texts)
    assert sum(len(r.contexts) for r in reps) >= 4
    for i, rep in enumerate(reps):
        for c in rep.contexts:
            if c["key"] not in keys:  # an area ("Annex III 7"): the sum of some of its points' parts
                cols = [nt + j for j, x in enumerate(cm.words.contexts) if x.point.startswith(c["point"] + "(")]
                assert _sum_of_some(parts[i], cols, np.array([c["contribution"][lab]
                                                               for lab in ("fairness", "privacy")])), c
                continue
            s = nt + keys.index(c["key"])
            for lab in ("fairness", "privacy"):
                coef = cm.models[lab].coef.reshape(-1, k)[:, s]
                expected = float(coef @ res.Z[i].reshape(-1, k)[:, s])
                assert c["contribution"][lab] == pytest.approx(expected, abs=1e-4)
                seen_zero |= c["score"] >= 1.5 and not coef.any()
    assert seen_zero  # a strong context with no weight for one risk is shown as adding nothing to it


def test_words_outside_the_map_count(scorer: RiskScorer, real_map) -> None:
    """"CVs" is not a map term, yet it reaches the scores through the papers that use it."""
    assert real_map.term_id("cvs") is None
    rep = scorer.score(HIRING)
    assert "cvs" in {t["term"] for t in rep.top_terms}
    assert "cvs" not in rep.unmatched_words


def test_evidence_shares_the_risk_driving_words(scorer: RiskScorer) -> None:
    for text, expected in ((HIRING, {"candidate", "job applicant", "interviews", "screening"}),
                           (LOAN, {"loan", "credit", "applicant"})):
        papers = scorer.score(text).nearest_papers
        assert len(papers) == 5 and all(p["shared_terms"] for p in papers)
        # About hiring / credit: the first two, and four of the five (the loan text also drives
        # privacy through "personal" and "income", and a paper on inferring them is evidence too).
        about = [bool(set(p["shared_terms"]) & expected) for p in papers]
        assert all(about[:2]) and sum(about) >= 4, (text, papers)
        sims = [p["similarity"] for p in papers]
        assert sims == sorted(sims, reverse=True)


def test_short_descriptions_are_flagged_not_refused(scorer: RiskScorer) -> None:
    """A one-line description is scored and told it is short; a description that says what is
    decided, about whom, from what data is not."""
    def short(report) -> bool:  # noqa: ANN001
        return any(w.startswith("few distinct words (") for w in report.warnings)

    rep = scorer.score(HIRING)
    assert short(rep) and rep.fairness_risk is not None and "percentile" in rep.warnings[-1]
    long = scorer.score("The county welfare agency will deploy a model that predicts which benefit claimants "
                        "committed fraud from their income, household composition, nationality and past "
                        "payments; caseworkers review the flagged applicants before payments are stopped.")
    assert not short(long) and long.raw["n_distinct_words"] >= SHORT_TEXT_WORDS


def test_short_text_threshold_is_what_the_fitting_texts_nearly_all_reach(scorer: RiskScorer) -> None:
    """:data:`SHORT_TEXT_WORDS` is the largest count of distinct known words that 95 % of the AIAAIC
    dev entries (the texts the risks are fitted on) reach: a map or model change that moves it
    fails here."""
    dev = load_aiaaic("dev")
    n = scorer.context_model.analyse([clean_input(r["text"])[0] for r in dev]).n_distinct
    assert np.mean(n >= SHORT_TEXT_WORDS) >= 0.95 > np.mean(n >= SHORT_TEXT_WORDS + 1)


def test_evidence_papers_share_several_driving_words(scorer: RiskScorer) -> None:
    """Ranked by the share of the driving weight they use, not by cosine: for the README's loan
    sentence, cosine put first papers that repeat "personal" (of "personal loan") alone."""
    for text in (HIRING, LOAN, "An automated system approves or rejects personal loan applications."):
        papers = scorer.score(text).nearest_papers
        assert len(papers) == 5 and len(papers[0]["shared_terms"]) >= 2, (text, papers[0])
        assert sum(len(p["shared_terms"]) >= 2 for p in papers) >= 4, (text, papers)
        assert all(0 < p["similarity"] <= 1 for p in papers)


def test_evidence_sharing_the_same_words_goes_by_what_the_paper_is_about(scorer: RiskScorer) -> None:
    """No corpus paper uses "border" with "face" or "passport", so the face-matching text's evidence
    papers all share "border" alone and tie on coverage. They go by how much each paper is about
    the text's topics and contexts (``paper_profiles`` weighted by the text's lifts), not by
    cosine, which put first short vision papers repeating "border" (region borders)."""
    from tmlmap.risk.evidence import coverage_ranking

    cm = scorer.context_model
    res = cm.analyse([BORDER])
    Q, lifts = res.drivers(), np.maximum(res.X, 0.0)
    papers = scorer.score(BORDER).nearest_papers
    assert all(p["shared_terms"] == ["border"] for p in papers)
    rows = [cm.term_map.doc_ids.index(p["id"]) for p in papers]
    about = cm.paper_profiles[rows] @ lifts[0]
    assert np.all(np.diff(about) <= 1e-6), about  # most about the text's signals first
    by_cosine = coverage_ranking(Q, cm.forms_papers, cm.papers_T, len(papers))[0][0].tolist()
    assert by_cosine != rows and about[0] > cm.paper_profiles[by_cosine[0]] @ lifts[0]


def test_risky_texts_outrank_ambiguous_ones(scorer: RiskScorer) -> None:
    risky = scorer.score_many([HIRING, LOAN, BORDER])
    plain = scorer.score_many(AMBIGUOUS[:2])
    assert min(r.fairness_risk for r in risky) > max(r.fairness_risk for r in plain)
    assert scorer.score(BORDER).privacy_risk > max(r.privacy_risk for r in plain)
    for r in scorer.score_many(AMBIGUOUS):
        assert r.contexts == [] and r.fairness_risk < 0.3 and r.privacy_risk < 0.3
    assert any(c["point"].startswith(("Annex III 7", "Annex III 1", "Article 5(1)(h)"))
               for c in scorer.score(BORDER).contexts)


@pytest.mark.xfail(strict=True, reason="known limitation: 'county' leans to fairness in the corpus "
                   "(county-level census data in fairness papers), so with 'fair' two words agree")
def test_county_fair_scores_below_hiring(scorer: RiskScorer) -> None:
    assert scorer.score(AMBIGUOUS[2]).fairness_risk < scorer.score(HIRING).fairness_risk


def test_no_flat_top_on_real_incidents(scorer: RiskScorer) -> None:
    """The dev split's risks keep their ranking at the top: no 1.00, and the top 10 % nearly all distinct
    at the precision reports carry (4 decimals; at 3 decimals the privacy top 10 %, spread over
    0.78-1.00, has unavoidable collisions). Risks of 0.99 and more are rare and earned: with the
    incident words 1.5 % of the dev incidents reach 0.99 for privacy (facial recognition of
    protesters, Uyghur tracking, location data sold), every one labelled privacy (out of fold
    too: 1.6 %); the map/context model alone stayed under 1 %. Ties at 4 decimals in the top 10 %
    are chance collisions of distinct values: the privacy top 10 % now spreads over 0.89-1.00
    (1,100 steps of 0.0001 for 126 texts: about 7 collisions expected, 9 seen), not a flat top, so
    at least 90 % distinct and no value held by more than 3 texts."""
    dev = load_aiaaic("dev")
    reps = scorer.score_many([r["text"] for r in dev], with_spans=False)
    for lab in ("fairness", "privacy"):
        risk = np.array([getattr(r, f"{lab}_risk") for r in reps])
        v = np.sort(risk)[::-1]
        assert v[0] < 1.0 and np.mean(v >= 0.99) < 0.03
        y = np.array([r[f"{lab}_label"] for r in dev])
        assert y[risk >= 0.99].mean() >= 0.9 if (risk >= 0.99).any() else True
        top = v[: len(v) // 10]
        values, counts = np.unique(np.round(top, 4), return_counts=True)
        assert len(values) > 0.9 * len(top) and counts.max() <= 3


def test_no_context_is_listed_on_most_incidents(scorer: RiskScorer) -> None:
    """A context a report lists on most real incidents tells a reviewer nothing (Annex III 1(c) was
    listed on 1,256 of the 1,260 dev incidents, through AIAAIC's "Technology:" and "Sector(s):"
    fields, until its phrase seed was split); now none is listed on more than a fifth of them."""
    dev = load_aiaaic("dev")
    reps = scorer.score_many([r["text"] for r in dev], with_spans=False)
    listed: dict[str, int] = {}
    for r in reps:
        for c in r.contexts:
            listed[c["key"]] = listed.get(c["key"], 0) + 1
    assert listed and max(listed.values()) < 0.2 * len(dev), max(listed.items(), key=lambda kv: kv[1])


def test_one_generic_word_lists_no_context(scorer: RiskScorer) -> None:
    """ "decide" seeds the education points 3(a) and 3(c) and "score" social scoring; in a benefits
    text they are one word each, so only the benefits point, which several words carry, is listed."""
    rep = scorer.score("Caseworkers use a score to decide eligibility for welfare benefits")
    points = [c["point"] for c in rep.contexts]
    assert "Annex III 5(a)" in points
    assert not {"Annex III 3(a)", "Annex III 3(c)", "Article 5(1)(c)"} & set(points), points
    five_a = next(c for c in rep.contexts if c["point"] == "Annex III 5(a)")
    assert len(five_a["words"]) >= 2


def test_dev_split_auc_of_the_default(scorer: RiskScorer) -> None:
    """AIAAIC dev (fitted on it: in-sample, observed 0.77 / 0.82 when written) and the devset's dev part."""
    dev = load_aiaaic("dev")
    reps = scorer.score_many([r["text"] for r in dev], with_spans=False)
    y_f = np.array([r["fairness_label"] for r in dev])
    y_p = np.array([r["privacy_label"] for r in dev])
    assert auc(y_f, np.array([r.fairness_risk for r in reps])) >= 0.72
    assert auc(y_p, np.array([r.privacy_risk for r in reps])) >= 0.77
    mean_f = np.mean([r.fairness_risk for r in reps])
    assert abs(mean_f - y_f.mean()) < 0.03  # calibrated in the large on what it was fitted on


#: The first 29 bytes of a PNG file read as Latin-1: its letters ("PNG", "IHDR") are words, its
#: control characters (blanked by cleaning) are counted as the non-letters they are.
PNG_HEADER = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x000\x00\x00\x000\x08\x06\x00\x00\x00"


@pytest.mark.parametrize("text", ["\x00\x01\x02\xff" * 200, "これは日本語の文章です。", "🙂" * 50,
                                  "#### $$$ %%% 0x1f 0x2e ####", "", PNG_HEADER])
def test_non_language_gets_no_score(scorer: RiskScorer, text: str) -> None:
    rep = scorer.score(text)
    d = rep.to_dict()
    assert d["fairness_risk"] is None and d["privacy_risk"] is None
    assert d["fairness_percentile"] is None and d["confidence"] == 0.0
    assert rep.warnings and d["top_terms"] == [] and d["nearest_papers"] == []
    json.dumps(rep.to_full_dict())


def test_binary_characters_count_against_language_not_format_marks(scorer: RiskScorer) -> None:
    """Control characters weigh as non-letters; zero-width and bidi marks of copied web text do not."""
    from tmlmap.risk.hygiene import binary_characters

    assert binary_characters(PNG_HEADER) == 16 and binary_characters("a\tb\nc\r\n") == 0
    assert binary_characters("\u200bzero\u200bwidth\u202e") == 0
    text = "Caseworkers use a score to decide eligibility for welfare benefits"
    marked = "\u200b".join(text.split(" "))  # a zero-width space between every word
    plain = scorer.score(text).fairness_risk
    assert plain is not None and scorer.score(marked).fairness_risk == plain
    assert scorer.score(text + "\x00" * 5).fairness_risk == plain  # a few stray controls: still prose
    cm = scorer.context_model
    assert cm is not None
    with pytest.raises(ValueError, match="one count per text"):
        cm.analyse([text], removed=[1, 2])


def test_markup_in_descriptions(scorer: RiskScorer) -> None:
    rep = scorer.score("loan <b>applicants</b> &amp; credit scoring")
    terms = {t["term"] for t in rep.top_terms} | {s["term"] for s in rep.spans}
    assert "applicant" in terms and "amp" not in terms and "amp" not in rep.unmatched_words
    plain = scorer.score("loan applicants & credit scoring")
    assert rep.fairness_risk == pytest.approx(plain.fairness_risk, abs=1e-3)


def test_reports_name_words_as_the_corpus_spells_them(scorer: RiskScorer) -> None:
    """spaCy's lemma of "data" is "datum": the fits key the word by it, a report says "data"."""
    rep = scorer.score("An insurer sets premiums from the driving data of its customers")
    named = {t["term"] for t in rep.top_terms} | {t["term"] for t in rep.incident_terms}
    assert "data" in named and "datum" not in named


def test_bracketed_plurals_in_descriptions(scorer: RiskScorer) -> None:
    rep = scorer.score("We rank the applicant(s) for a loan")
    assert "applicant" in {s["term"] for s in rep.spans}
    plain = scorer.score("We rank the applicant    for a loan")
    assert rep.fairness_risk == pytest.approx(plain.fairness_risk, abs=1e-6)
    assert rep.spans == plain.spans  # offsets stay on the user's text


def test_dashboard_context_rows_and_markdown_escape_the_report() -> None:
    from tmlmap.risk.scorer import RiskReport
    from tmlmap.views.risk_panels import (
        context_rows,
        contexts_markdown,
        format_risk,
        nearest_papers_markdown,
    )

    rep = RiskReport(0.3, None, 97.0, None, 0.6, contexts=[
        {"key": "annex3-4a", "name": "Employment: recruitment <b>", "point": "Annex III 4(a)", "risk": "fairness",
         "score": 2.5, "words": ["candidate", "cv|s"]}])
    rows = context_rows(rep)
    assert rows == [{"point": "Annex III 4(a)", "context": "Employment: recruitment <b>", "risk": "fairness",
                     "score": 2.5, "adds to fairness": None, "adds to privacy": None,
                     "evidence words": "candidate, cv|s"}]  # a report from before contributions: not made up
    md = "\n".join(contexts_markdown(rep))
    assert "Annex III 4&#40;a&#41;" in md and "<b>" not in md and "cv|s" not in md  # escaped for Markdown tables
    assert md.splitlines()[4].endswith("| n/a | n/a |")
    rep.contexts[0]["contribution"] = {"fairness": 0.391, "privacy": 0.0}
    assert context_rows(rep)[0]["adds to fairness"] == 0.391
    md = contexts_markdown(rep)
    assert md[4].endswith("| +0.39 | +0.00 |") and "rarely about that risk" in md[-2]
    assert format_risk(None) == "n/a" and format_risk(0.256) == "0.26"
    assert "None of the listed" in "\n".join(contexts_markdown(RiskReport(0.1, 0.1, 1.0, 1.0, 0.5)))
    near = RiskReport(0.3, 0.1, 97.0, 50.0, 0.6, nearest_papers=[
        {"id": "p1", "title": "Hiring <script>x</script> | audits", "venue": "FAccT", "year": 2024, "url": None,
         "similarity": 0.5913, "shared_terms": ["interviews", "job applicant"]},
        {"id": "p2", "title": None, "venue": "ICML", "year": 2020, "url": None, "similarity": 0.2, "shared_terms": []}])
    md = nearest_papers_markdown(near)
    assert md[2] == "| title | venue | year | share of the driving words | driving words it uses |"
    assert md[4].endswith("| 0.591 | interviews, job applicant |") and "<script>" not in md[4]
    assert md[4].count("|") == 6 and md[5].startswith("| p2 | ICML | 2020 | 0.200 |")  # no title: the id


def test_raw_evidence_is_the_sum_of_the_term_contributions(scorer: RiskScorer) -> None:
    """``raw[topic]`` is the logit above the intercept; ``top_terms`` are additive parts of it
    (the dashboard turns them into points of the risk)."""
    big = RiskScorer.__new__(RiskScorer)
    big.__dict__.update(scorer.__dict__)
    big.n_top_terms = 1000
    rep = big.score(HIRING)
    for topic in ("fairness", "privacy"):
        parts = sum(t["contribution"] for t in rep.top_terms if t["topic"] == topic)
        assert parts == pytest.approx(rep.raw[topic], rel=1e-3, abs=1e-3)
    assert rep.raw["n_distinct_terms"] >= 3 and rep.raw["n_term_hits"] >= rep.raw["n_distinct_terms"]
