"""Named corpora: names, create/list/delete, --corpus on every command, the dashboard switch,
and the end-to-end path of issue 15: a Zotero RIS file -> own corpus -> map -> risk score,
with the default corpus never touched."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tmlmap import config
from tmlmap.cli import main
from tmlmap.corpus.named import CorpusNameError, create_corpus, delete_corpus, list_corpora
from tmlmap.corpus.records import Paper


def zotero_ris(papers: list[Paper]) -> str:
    """Papers written as Zotero writes RIS (BOM, TY CONF, one AU per author, T2 venue, DA/PY)."""
    out = ["\ufeff"]
    for p in papers:
        out.append("TY  - CONF\n")
        out.append(f"TI  - {p.title}\n")
        out.extend(f"AU  - {a}\n" for a in p.authors[:5])
        out.append(f"T2  - {p.venue}\n")
        out.append(f"AB  - {p.abstract}\n")
        out.append(f"DA  - {p.year}///\nPY  - {p.year}\n")
        if p.url:
            out.append(f"UR  - {p.url}\n")
        out.extend(f"KW  - {k}\n" for k in p.keywords[:5])
        out.append("ER  - \n\n")
    return "".join(out)


@pytest.mark.parametrize("bad", ["../evil", "a/b", "", "Default", "x" * 41, "-x", ".hidden", "c:", "a b"])
def test_names_are_validated(bad: str) -> None:
    with pytest.raises(ValueError):
        config.validate_corpus_name(bad)
    with pytest.raises(CorpusNameError):
        create_corpus(bad)


def test_create_list_delete(_isolated_data_dir: Path) -> None:
    db = create_corpus("review-2024", "my review")
    assert db == _isolated_data_dir / "corpora" / "review-2024" / "corpus.sqlite" and db.is_file()
    with pytest.raises(CorpusNameError, match="already exists"):
        create_corpus("review-2024")
    with pytest.raises(CorpusNameError, match="embedded"):
        create_corpus("default")
    listed = {c.name: c for c in list_corpora()}
    assert list(listed) == ["default", "review-2024"]
    assert listed["review-2024"].papers == 0 and listed["review-2024"].description == "my review"
    assert listed["default"].papers is None  # never opened: listing does not create it
    assert not config.corpus_db_path("default").exists()
    with pytest.raises(CorpusNameError):
        delete_corpus("default")
    delete_corpus("review-2024")
    assert not db.parent.exists()
    with pytest.raises(CorpusNameError, match="no corpus"):
        delete_corpus("review-2024")


def test_cli_delete_asks_first(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    assert main(["corpus", "create", "mine"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    assert main(["corpus", "delete", "mine"]) == 1
    assert "Delete corpus 'mine'" in capsys.readouterr().err
    assert config.corpus_dir("mine").is_dir()
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # no answer (closed stdin): not deleted
    assert main(["corpus", "delete", "mine"]) == 1
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))
    assert main(["corpus", "delete", "mine"]) == 0
    assert not config.corpus_dir("mine").exists()
    assert main(["corpus", "create", "mine"]) == 0
    assert main(["corpus", "delete", "mine", "--yes"]) == 0
    assert main(["corpus", "delete", "default", "--yes"]) == 2
    assert main(["corpus", "delete", "../x", "--yes"]) == 2


def test_unknown_corpus_is_an_error_not_a_new_corpus(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    assert main(["--corpus", "nope", "info"]) == 2
    assert "corpus create nope" in capsys.readouterr().err
    assert not config.corpus_dir("nope").exists()
    monkeypatch.setenv("TMLMAP_CORPUS", "nope")
    assert main(["info"]) == 2
    assert main(["--corpus", "../etc", "info"]) == 2
    with pytest.raises(SystemExit):
        main(["--corpus", "x", "--db", "y.sqlite", "info"])  # one or the other


def test_zotero_ris_to_own_corpus_map_and_score(small_papers: list[Paper], tmp_path: Path, capsys,
                                                _isolated_data_dir: Path) -> None:
    """Done-when of issue 15, end to end through the CLI."""
    ris = tmp_path / "My Library.ris"
    # the trustworthy-ML venues' papers first, then others: 300 papers
    mine = sorted(small_papers, key=lambda p: (p.venue not in ("FAT*", "TrustNLP"), p.id))[:300]
    ris.write_text(zotero_ris(mine), encoding="utf-8")
    default_db = config.corpus_db_path("default")

    assert main(["corpus", "create", "review", "--description", "fairness review"]) == 0
    assert main(["--corpus", "review", "import", str(ris)]) == 0
    out = capsys.readouterr().out
    assert "300 new" in out and "corpus: 300 papers" in out
    assert main(["--corpus", "review", "info", "--format", "json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["total"] == 300 and info["db"] == str(config.corpus_db_path("review"))

    assert main(["--corpus", "review", "build", "--format", "json", "--quiet", "--consensus-runs", "1"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["papers"] == 300 and summary["terms"] > 50
    assert any(config.corpus_cache_dir("review").glob("map-*"))

    assert main(["--corpus", "review", "score", "--quiet", "--text",
                 "A model that approves loans and may discriminate against minority applicants."]) == 0
    report = json.loads(capsys.readouterr().out)
    assert 0 <= report["fairness_risk"] <= 1 and report["nearest_papers"]
    ids = {p.id for p in mine}
    assert all(n["id"] in ids or n["id"].startswith(("ris:", "doi:")) for n in report["nearest_papers"])

    assert main(["corpus", "list", "--format", "json"]) == 0
    listed = {c["name"]: c for c in json.loads(capsys.readouterr().out)}
    assert listed["review"]["papers"] == 300
    # the default corpus was never opened, built or bootstrapped
    assert not default_db.exists()
    assert not any((_isolated_data_dir / "maps").glob("map-*"))


def test_named_corpus_never_gets_the_embedded_papers(capsys) -> None:
    from tmlmap.cli.store import open_store

    create_corpus("empty-one")
    config.set_active_corpus("empty-one")
    try:
        with open_store(None) as store:
            assert store.count() == 0
    finally:
        config.set_active_corpus(None)


def test_dashboard_corpus_switch(small_store, _isolated_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    root = Path(__file__).resolve().parent.parent
    monkeypatch.setenv("TMLMAP_DB", str(small_store.path))  # the default corpus: the small store
    n_default = small_store.count()
    small_store.close()
    create_corpus("tiny")
    from tmlmap.corpus.store import CorpusStore

    with CorpusStore(config.corpus_db_path("tiny")) as tiny:
        tiny.upsert([Paper(id=f"t{i}", title=f"Fair lending audit {i}", abstract="We audit loans for bias.",
                           venue="Mine", year=2020 + i % 2) for i in range(5)])
    at = AppTest.from_file(str(root / "app.py"), default_timeout=180)
    at.switch_page("tmlmap/views/pages/corpus.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    switch = at.sidebar.selectbox(key="sb_corpus")
    assert switch.options == ["default", "tiny"] and switch.value == "default"
    assert at.metric[0].value == f"{n_default:,}"
    switch.select("tiny").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.metric[0].value == "5"
    assert at.sidebar.multiselect(key="sb_venues").options == ["Mine"]


def test_refresh_into_a_named_corpus(server, tmp_path: Path, capsys) -> None:
    """``tmlmap --corpus NAME refresh`` writes the scraped papers into that corpus only
    (the global option reaches the scrapers through the engine's store opener)."""
    from scrapers import cli as scrapers_cli
    from tests.scraper_server import make_config
    from tmlmap.cli import build_parser
    from tmlmap.cli.store import open_store
    from tmlmap.corpus.store import CorpusStore

    create_corpus("scraped")
    args = build_parser().parse_args(["--corpus", "scraped", "refresh", "pmlr:v81", "--no-progress"])
    config.set_active_corpus(args.corpus)  # what main() does before running a command
    try:
        assert scrapers_cli.run_refresh(args, config=make_config(server.url, tmp_path / "http.sqlite"),
                                        open_store=open_store) == 0
    finally:
        config.set_active_corpus(None)
    with CorpusStore(config.corpus_db_path("scraped")) as s:
        assert s.count() == 3  # the three PMLR papers, no embedded corpus
    assert not config.corpus_db_path("default").exists()
