"""Importers for what reference tools export: RIS (Zotero, Scopus, WoS, EndNote), CSL JSON,
OpenAlex works (JSON page and JSONL), Web of Science plain text; merging across sources.

The files in ``tests/fixtures/imports/`` were written from each format's documentation
(RIS tags as the tools export them, CSL-JSON items, OpenAlex work objects with
``abstract_inverted_index``, WoS field tags with continuation lines).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tmlmap.corpus.importers import (
    abstract_from_inverted_index,
    normalize_doi,
    read_records,
    sniff_format,
)
from tmlmap.corpus.records import RecordError, validate_record
from tmlmap.corpus.store import CorpusStore

FIX = Path(__file__).parent / "fixtures" / "imports"
DOI = "doi:10.1145/3287560.3287598"


def records(name: str) -> list[tuple[str, object]]:
    return list(read_records(FIX / name))


def good(name: str) -> dict[str, dict]:
    out = {}
    for where, raw in records(name):
        if isinstance(raw, RecordError):
            continue
        try:
            p = validate_record(raw, where=where)
        except RecordError:
            continue
        out[p.id] = p
    return out


def test_zotero_ris() -> None:
    rows = records("zotero.ris")
    assert [w.rsplit(":", 1)[1] for w, _ in rows] == ["1", "21", "31"]  # line of each TY
    papers = good("zotero.ris")
    p = papers[DOI]
    assert p.title == "Fairness and Abstraction in Sociotechnical Systems"
    assert p.venue == "Proceedings of the Conference on Fairness, Accountability, and Transparency"
    assert p.year == 2019
    assert p.authors == ["Selbst, Andrew D.", "boyd, danah", "Friedler, Sorelle A."]
    assert p.keywords == ["Fairness-aware Machine Learning", "Sociotechnical Systems"]
    assert p.url == "https://dl.acm.org/doi/10.1145/3287560.3287598"
    assert p.source == "import:zotero.ris"
    survey = next(q for q in papers.values() if q.year == 2021)
    assert survey.title == "Differential privacy in practice: a survey"  # <i> tags removed
    assert "& report" in survey.abstract  # &amp; decoded
    # the third record has no abstract: a validation error, not a crash
    with pytest.raises(RecordError, match="abstract"):
        validate_record(rows[2][1], where=rows[2][0])


def test_scopus_wos_endnote_ris() -> None:
    scopus = good("scopus.ris")
    assert scopus[DOI].venue.startswith("FAT* 2019 - Proceedings")
    assert len(scopus[DOI].authors) == 5
    jmlr = next(p for p in scopus.values() if p.id != DOI)
    assert jmlr.id.startswith("ris:")  # no DOI, no ID: a stable hash
    assert jmlr.keywords == ["auditing", "disparate impact", "credit scoring"]  # "a; b; c" in one KW
    wos = good("wos.ris")["doi:10.1561/0400000042"]
    assert wos.venue == "FOUNDATIONS AND TRENDS IN THEORETICAL COMPUTER SCIENCE" and wos.year == 2014
    endnote = good("endnote.ris")  # CRLF line ends, T1/A1/JF/Y1/N2 tags
    (p,) = endnote.values()
    assert p.id == "ris:42"
    assert p.title == "Membership inference attacks against machine learning models"
    assert p.authors == ["Shokri, Reza", "Stronati, Marco"]
    assert p.venue == "IEEE Symposium on Security and Privacy" and p.year == 2017
    assert p.abstract.startswith("We quantitatively")


def test_csl_json() -> None:
    papers = good("zotero-csl.json")
    p = papers[DOI]
    assert p.venue.startswith("Proceedings of the Conference on Fairness")
    assert p.year == 2019 and p.authors == ["Selbst, Andrew D.", "boyd, danah"]
    assert p.keywords == ["Fairness-aware Machine Learning", "Sociotechnical Systems"]
    other = next(q for q in papers.values() if q.id != DOI)
    assert other.year == 2022 and other.authors == ["The FL Consortium"]  # issued.raw, literal name
    assert other.id == "csl:http://zotero.org/users/1234/items/EFGH6789"


def test_openalex_page_and_jsonl() -> None:
    page = good("openalex-page.json")
    p = page[DOI]
    assert p.abstract == "A key goal of the fair-ML community is fairness."
    assert p.authors == ["Andrew D. Selbst", "danah boyd"] and p.keywords == ["Sociotechnical system"]
    assert page["openalex:W3000000001"].venue == "AIES"
    rows = records("openalex-works.jsonl")
    assert rows[0][1]["id"] == "doi:10.5555/test.2"  # DOIs are case-insensitive: lower-cased
    assert rows[0][1]["abstract"] == "We audit recidivism risk scores for racial bias."
    with pytest.raises(RecordError, match="abstract"):  # abstract_inverted_index null
        validate_record(rows[1][1], where=rows[1][0])


def test_inverted_index_and_doi_helpers() -> None:
    assert abstract_from_inverted_index({"b": [1, 3], "a": [0], "c": [2]}) == "a b c b"
    assert abstract_from_inverted_index(None) == ""
    assert abstract_from_inverted_index({"x": "bad"}) == ""
    assert normalize_doi("https://doi.org/10.1145/ABC.1.") == "10.1145/abc.1"
    assert normalize_doi("not a doi") == ""


def test_wos_plain_text() -> None:
    assert sniff_format(FIX / "wos.txt") == "wos"
    assert sniff_format(FIX / "wos.ris") == "ris"
    papers = good("wos.txt")
    dp = papers["doi:10.1561/0400000042"]
    assert dp.title == "The Algorithmic Foundations of Differential Privacy"  # continuation line joined
    assert dp.authors == ["Dwork, Cynthia", "Roth, Aaron"]  # AF (full names) over AU
    assert dp.keywords == ["differential privacy", "privacy-preserving data analysis"]
    assert dp.abstract.endswith("spanning multiple disciplines.")
    hardt = papers["wos:000458973701001"]
    assert hardt.year == 2016 and hardt.venue.startswith("ADVANCES IN NEURAL")


def test_truncated_ris_and_wos_records_are_errors(tmp_path: Path) -> None:
    ris = tmp_path / "cut.ris"
    ris.write_text("TY  - JOUR\nTI  - A\nAB  - b\nT2  - V\nPY  - 2020\nER  - \n\nTY  - JOUR\nTI  - cut\n",
                   encoding="utf-8")
    rows = list(read_records(ris))
    assert not isinstance(rows[0][1], RecordError)
    assert isinstance(rows[1][1], RecordError) and "no end line" in str(rows[1][1])
    wos = tmp_path / "cut.txt"
    wos.write_text("FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nTI x\n", encoding="utf-8")
    (row,) = list(read_records(wos))
    assert isinstance(row[1], RecordError) and ":3" in row[0]
    other = tmp_path / "notes.txt"
    other.write_text("just some notes\n", encoding="utf-8")
    with pytest.raises(RecordError, match="neither RIS"):
        sniff_format(other)


def test_duplicates_merge_across_sources_by_doi_then_title_and_year(tmp_path: Path) -> None:
    with CorpusStore(tmp_path / "c.sqlite") as store:
        first = store.import_file(FIX / "zotero.ris")
        assert first.new == 2 and first.n_errors == 1
        # The same DOI from Scopus and OpenAlex: one paper (same id), updated in place.
        store.import_file(FIX / "scopus.ris")
        store.import_file(FIX / "openalex-page.json")
        assert store.get(DOI) is not None
        ids = {p.id for p in store.papers()}
        assert sum(1 for i in ids if i == DOI) == 1
        # WoS RIS and WoS text carry the same DOI: one paper
        store.import_file(FIX / "wos.ris")
        n = store.count()
        again = store.import_file(FIX / "wos.txt")
        assert store.count() == n + 1 and again.new == 1  # only Hardt et al. is new
        # No DOI, other venue spelling, same title and year: merged into the stored paper.
        dup = tmp_path / "dup.ris"
        dup.write_text("TY  - CONF\nTI  - FAIRNESS and abstraction in sociotechnical systems.\n"
                       "AB  - An abstract.\nT2  - FAT* '19\nPY  - 2019\nKW  - abstraction traps\nER  - \n",
                       encoding="utf-8")
        stats = store.import_file(dup)
        assert stats.merged == 1 and stats.new == 0
        kept = store.get(DOI)
        assert "abstraction traps" in kept.keywords  # keywords united
        assert store.import_file(dup).unchanged == 1  # re-import: a no-op
