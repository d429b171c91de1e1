"""Tests of the file readers (JSONL, CSV exports, BibTeX) and title normalization."""

from __future__ import annotations

import csv
import json
import re
import tempfile
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tmlmap.corpus.importers import (
    clean_text,
    normalize_title,
    read_records,
    sniff_format,
    strip_tex,
)
from tmlmap.corpus.records import MAX_TITLE_CHARS, RecordError
from tmlmap.corpus.store import CorpusStore

FIXTURES = Path(__file__).parent / "fixtures" / "import"


# ---------------------------------------------------------------- normalize_title


@pytest.mark.parametrize(("a", "b"), [
    ("Fairness Through Awareness", "fairness through awareness"),
    ("Fairness  Through\tAwareness.", "fairness through awareness"),
    ("<i>Fairness</i> through <b>awareness</b>", "fairness through awareness"),
    ("Fairness &amp; Awareness", "fairness awareness"),
    ("Fairness & Awareness", "fairness awareness"),
    ('M{\\"u}ller\'s {Fair} \\emph{Learning}', "müller s fair learning"),
    ("Müller's Fair Learning", "müller s fair learning"),
    ("Mu\u0308ller's Fair Learning", "müller s fair learning"),  # decomposed ü
    ("ﬁne-tuning BERT", "fine tuning bert"),  # ligature (NFKC)
    ("ＦＵＬＬＷＩＤＴＨ", "fullwidth"),
    ("Straße", "strasse"),  # casefold
    ("{\\v{Z}}liobait{\\.e}", "žliobaitė"),
    ("Is $\\epsilon$-DP enough?", "is epsilon dp enough"),
    ("", ""),
    ("?!...", ""),
])
def test_normalize_title_examples(a: str, b: str) -> None:
    assert normalize_title(a) == b


def test_normalize_title_rejects_non_text() -> None:
    with pytest.raises(TypeError):
        normalize_title(None)  # type: ignore[arg-type]


_markup = st.sampled_from(["<i>", "</i>", "<b>", "</sub>", "&amp;", "&#233;", "{", "}",
                           "\\emph{", "\\\"o", "{\\'e}", "~", "$x$", "--", "\u00a0", "\u200b"])
_odd_text = st.lists(st.one_of(st.text(max_size=12), _markup), max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(_odd_text)
def test_normalize_title_properties(text: str) -> None:
    key = normalize_title(text)
    assert normalize_title(key) == key  # idempotent
    assert key == key.strip() and "  " not in key
    assert key == unicodedata.normalize("NFKC", key)
    assert not any(unicodedata.category(c)[0] in "PSZC" and c != " " for c in key)
    assert key.casefold() == key or normalize_title(key.casefold()) == key


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(categories=("Lu", "Ll", "Nd")), min_size=1, max_size=30),
       st.text(alphabet=st.characters(categories=("Lu", "Ll", "Nd")), min_size=1, max_size=30))
def test_normalize_title_ignores_case_markup_and_punctuation(w1: str, w2: str) -> None:
    plain = normalize_title(f"{w1} {w2}")
    assert normalize_title(f"<em>{w1.upper()}</em>:  {{{w2}}}!") == normalize_title(
        f"{w1.upper()} {w2}")
    assert normalize_title(f"  {w1}\n\t{w2} ... ") == plain


def test_clean_text_is_minimal() -> None:
    assert clean_text("A <i>b</i> &amp; c\n d") == "A b & c d"
    assert clean_text("if x < y and y > z") == "if x < y and y > z"  # maths, not a tag
    assert clean_text("{BERT} \\& co", tex=False) == "{BERT} \\& co"  # TeX only when asked
    assert clean_text("{BERT} \\& co", tex=True) == "BERT & co"
    assert strip_tex("keep $\\mathcal{A}_{i}$ maths, drop {braces}") == (
        "keep $\\mathcal{A}_{i}$ maths, drop braces")


def test_sniff_format() -> None:
    assert sniff_format("a/b/papers.JSONL.gz") == "jsonl"
    assert sniff_format("x.jsonl") == "jsonl"
    assert sniff_format("scopus.csv") == "csv"
    assert sniff_format("lib.bib") == "bib"
    assert sniff_format("refs.ris") == "ris"
    assert sniff_format("zotero.json") == "json"
    with pytest.raises(RecordError, match="unknown file type"):
        sniff_format("notes.docx")  # (.txt is read as RIS or WoS text, by its first line)


# ---------------------------------------------------------------- CSV exports


def test_scopus_export(tmp_path: Path) -> None:
    f = FIXTURES / "scopus_export.csv"
    with CorpusStore(tmp_path / "s.sqlite") as store:
        stats = store.import_file(f)
        assert stats.new == 3 and stats.n_errors == 1, stats
        # The third row starts on line 5: the second row's abstract spans two lines.
        assert re.search(r"scopus_export\.csv:5\b.*'year'.*missing", stats.errors[0])
        mc = store.get("doi:10.1145/3287560.3287596")
        assert mc.title == "Model cards for model reporting" and mc.year == 2019
        assert mc.venue.startswith("FAT* 2019 - Proceedings")
        assert mc.authors[:3] == ["Mitchell M.", "Wu S.", "Zaldivar A."] and len(mc.authors) == 9
        assert "Model cards" in mc.keywords and len(mc.keywords) == 7  # Author Keywords
        assert mc.url.startswith("https://www.scopus.com/")  # "Link"
        gs = store.get("scopus:2-s2.0-85051012345")  # no DOI: the EID gives the id
        assert gs.authors == ["Buolamwini J.", "Gebru T."]  # old comma-separated style
        assert "<" not in gs.abstract and "race & gender" in gs.abstract  # JATS + entity
        assert "\n" not in gs.abstract
        assert store.get("doi:10.1145/3458723").keywords == []
        assert store.search("model cards")[0].id == "doi:10.1145/3287560.3287596"


def test_zotero_export(tmp_path: Path) -> None:
    f = FIXTURES / "zotero_export.csv"
    with CorpusStore(tmp_path / "z.sqlite") as store:
        stats = store.import_file(f)
        assert stats.new == 3 and stats.n_errors == 1, stats
        assert "zotero_export.csv:4" in stats.errors[0] and "'title'" in stats.errors[0]
        mc = store.get("doi:10.1145/3287560.3287596")
        assert mc.venue == "FAT* 2019"  # Conference Name preferred to Publication Title
        assert mc.authors[0] == "Mitchell, Margaret" and len(mc.authors) == 9
        assert mc.keywords == ["documentation", "fairness", "model cards"]  # Manual Tags
        k = store.get("zotero:ABCD2345")  # no DOI: the Zotero key gives the id
        assert k.year == 2017 and k.url == "http://arxiv.org/abs/1609.05807"
        assert k.keywords == ["Computer Science - Computers and Society",
                              "Statistics - Machine Learning"]  # Automatic Tags as fallback
        h = store.get("zotero:YYYY8888")
        assert h.year == 2016  # from "Date" when "Publication Year" is empty
        assert h.venue == "Advances in Neural Information Processing Systems"
        # Importing the Scopus export afterwards: the shared DOI is the same record.
        s2 = store.import_file(FIXTURES / "scopus_export.csv")
        assert s2.updated == 1 and s2.new == 2


def test_own_column_csv_and_hash_ids(tmp_path: Path) -> None:
    f = tmp_path / "mine.csv"
    with open(f, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["title", "abstract", "authors", "venue", "year", "keywords", "extra"])
        w.writerow(["A Paper", "Its abstract.", "A. One; B. Two", "TrustNLP", "2023",
                    "bias; fairness", "ignored"])
        w.writerow(["Another", "Text.", "", "TrustNLP", "2023", "", ""])
        w.writerow(["Too", "many", "cells", "in", "2023", "this", "row", "!!"])
    with CorpusStore(tmp_path / "m.sqlite") as store:
        stats = store.import_file(f)
        assert stats.new == 2 and stats.n_errors == 1
        assert "mine.csv:4" in stats.errors[0] and "cells" in stats.errors[0]
        ids = [p.id for p in store.papers()]
        assert all(re.fullmatch(r"csv:[0-9a-f]{16}", i) for i in ids)
        p = next(p for p in store.papers() if p.title == "A Paper")
        assert p.authors == ["A. One", "B. Two"] and p.keywords == ["bias", "fairness"]
        assert store.import_file(f).unchanged == 2  # hash ids are stable


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_csv_other_delimiters(tmp_path: Path, delimiter: str) -> None:
    f = tmp_path / "sheet.csv"
    with open(f, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(["Title", "Abstract", "Authors", "Source title", "Year", "DOI"])
        w.writerow(["Fair, Robust, and Private", "Commas, everywhere; semicolons too.",
                    "A. One; B. Two", "ICML", "2021", "10.1/X"])
    with CorpusStore(tmp_path / "d.sqlite") as store:
        stats = store.import_file(f)
        assert stats.new == 1, stats
        p = store.get("doi:10.1/x")
        assert p.title == "Fair, Robust, and Private" and p.authors == ["A. One", "B. Two"]
        assert p.url == "https://doi.org/10.1/X" and p.year == 2021


def test_web_of_science_tab_delimited(tmp_path: Path) -> None:
    f = tmp_path / "savedrecs.txt.tsv"
    cols = ["PT", "AU", "AF", "TI", "SO", "DE", "ID", "AB", "PY", "DI", "UT"]
    rows = [
        ["J", "Barocas, S; Selbst, AD", "Barocas, Solon; Selbst, Andrew D.",
         "Big Data's Disparate Impact", "CALIFORNIA LAW REVIEW", "discrimination; big data",
         "LAW", "Advocates of algorithmic techniques like data mining argue that these "
         "techniques eliminate human biases from the decision-making process.", "2016",
         "10.15779/Z38BG31", "WOS:000378330900002"],
        ["J", "Nobody, A", "", "No DOI Here", "JOURNAL X", "", "", "Text.", "2020", "",
         "WOS:000000000000001"],
    ]
    f.write_text("\n".join("\t".join(r) for r in [cols, *rows]) + "\n", encoding="utf-8")
    with CorpusStore(tmp_path / "w.sqlite") as store:
        stats = store.import_file(f)
        assert stats.new == 2, stats
        p = store.get("doi:10.15779/z38bg31")
        assert p.title == "Big Data's Disparate Impact" and p.venue == "CALIFORNIA LAW REVIEW"
        assert p.authors == ["Barocas, Solon", "Selbst, Andrew D."]  # AF before AU
        assert p.keywords == ["discrimination", "big data"] and p.year == 2016
        assert store.get("wos:WOS:000000000000001").authors == ["Nobody, A"]


def test_csv_without_title_column_fails_as_a_whole(tmp_path: Path) -> None:
    f = tmp_path / "nohead.csv"
    f.write_text("foo,bar\n1,2\n", encoding="utf-8")
    with CorpusStore(tmp_path / "x.sqlite") as store, \
            pytest.raises(RecordError, match="no title column"):
        store.import_file(f)
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with CorpusStore(tmp_path / "x.sqlite") as store, pytest.raises(RecordError, match="empty"):
        store.import_file(empty)


# ---------------------------------------------------------------- BibTeX


def test_bibtex_library(tmp_path: Path) -> None:
    f = FIXTURES / "zotero_library.bib"
    with CorpusStore(tmp_path / "b.sqlite") as store:
        stats = store.import_file(f)
        assert stats.new == 4, stats
        errs = "\n".join(stats.errors)
        assert stats.n_errors == 4, errs
        assert re.search(r"zotero_library\.bib:35 \(@noabstract2020\).*'abstract'", errs)
        assert re.search(r"zotero_library\.bib:42 \(@badyear\).*'year'.*in press", errs)
        assert re.search(r"zotero_library\.bib:50 \(@kusner2017counterfactual\).*duplicate", errs)
        assert re.search(r"zotero_library\.bib:55.*unparseable.*broken2019", errs)

        b = store.get("bender2021dangers")
        assert b.title == ("On the Dangers of Stochastic Parrots: "
                           "Can Language Models Be Too Big?")
        assert b.venue == ("Proceedings of the 2021 ACM Conference on Fairness, "
                           "Accountability, and Transparency")  # @string macro resolved
        assert b.authors == ["Bender, Emily M.", "Gebru, Timnit", "McMillan-Major, Angelina",
                             "Shmitchell, Shmargaret"]
        assert b.url == "https://doi.org/10.1145/3442188.3445922"  # from the DOI
        assert b.keywords == ["fairness", "language models", "environmental cost"]
        assert b.year == 2021 and "{" not in b.abstract

        k = store.get("kusner2017counterfactual")
        assert k.title == "Counterfactual Fairness"  # the first of the duplicate keys
        assert k.venue == "Advances in Neural Information Processing Systems"  # journal
        assert "$P(\\hat{Y}_{A \\leftarrow a}(U) = y)$" in k.abstract  # maths kept

        z = store.get("zliobaite2015")
        assert z.authors == ["Žliobaitė, Indrė", "Müller, Klaus-Robert", "Gómez, José"]
        assert z.abstract.startswith("We review indirect discrimination measures & their")
        assert "100%" in z.abstract
        assert store.get("after_broken").venue == "Proceedings of TrustNLP"


def test_bibtex_strict(tmp_path: Path) -> None:
    with CorpusStore(tmp_path / "b.sqlite") as store:
        with pytest.raises(RecordError) as info:
            store.import_file(FIXTURES / "zotero_library.bib", strict=True)
        assert info.value.field == "abstract" and "@noabstract2020" in info.value.where
        assert store.count() == 3  # the three good entries before it


# ---------------------------------------------------------------- odd input (property tests)

_field_text = st.one_of(
    st.just(""),
    st.text(max_size=40),
    _odd_text,
    st.text(alphabet="ab <>&;{}\\\"'", max_size=30),
    st.builds(lambda n: "x" * n, st.sampled_from([MAX_TITLE_CHARS - 1, MAX_TITLE_CHARS + 5])),
)
_record = st.fixed_dictionaries({
    "title": _field_text,
    "abstract": _field_text,
    "venue": st.one_of(st.just("ICML"), _field_text),
    "year": st.one_of(st.integers(1800, 2200), st.just("2020"), st.just(""), st.none(),
                      st.text(max_size=5)),
    "authors": st.one_of(st.lists(st.text(max_size=10), max_size=3), st.just(""),
                         st.integers()),
    "keywords": st.one_of(st.lists(_field_text, max_size=3), st.text(max_size=20)),
})


@settings(max_examples=40, deadline=None)
@given(st.lists(_record, min_size=1, max_size=12))
def test_importer_survives_odd_input(records: list[dict]) -> None:
    """Every odd record is either imported (clean, within limits) or reported with
    its file and line; nothing raises and nothing is lost or double counted."""
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        jsonl = tmpdir / "odd.jsonl"
        with open(jsonl, "w", encoding="utf-8") as fh:
            for i, r in enumerate(records):
                fh.write(json.dumps({"id": f"r{i}", **r}) + "\n")
        csv_path = tmpdir / "odd.csv"
        with open(csv_path, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["id", "title", "abstract", "venue", "year", "keywords"])
            for i, r in enumerate(records):
                kw = r["keywords"] if isinstance(r["keywords"], str) else "; ".join(r["keywords"])
                w.writerow([f"c{i}", *(str(r[k]).replace("\x00", "")
                                       if r[k] is not None else ""
                                       for k in ("title", "abstract", "venue", "year")), kw])
        with CorpusStore(tmpdir / "s.sqlite") as store:
            for path in (jsonl, csv_path):
                stats = store.import_file(path)
                assert stats.processed == len(records), (stats, path)
                for err in stats.errors:
                    assert re.search(rf"{re.escape(path.name)}:\d+", err), err
            for p in store.papers():
                assert p.title and p.abstract and p.venue
                assert len(p.title) <= MAX_TITLE_CHARS
                assert "<i>" not in p.title and "&amp;" not in p.abstract
                assert p.title == p.title.strip() and "  " not in p.title
            assert store.integrity_check() == []
            # Re-import is still a no-op on odd data.
            again = store.import_file(jsonl)
            assert again.new == again.updated == 0


def test_read_records_yields_errors_not_exceptions(tmp_path: Path) -> None:
    f = tmp_path / "x.jsonl"
    f.write_text('{"id": 1}\nnot json\n\n[1]\n', encoding="utf-8")
    out = list(read_records(f))
    assert [w for w, _ in out] == [f"{f}:1", f"{f}:2", f"{f}:4"]
    assert isinstance(out[0][1], dict)
    assert isinstance(out[1][1], RecordError) and "malformed JSON" in str(out[1][1])
    assert isinstance(out[2][1], RecordError)
