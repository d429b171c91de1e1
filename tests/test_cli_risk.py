"""CLI: score (single, file, batch JSONL/CSV with bad rows), evaluate wiring, export formats."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import networkx as nx
import pytest

from tests.test_fingerprint import TERMS, tiny_map
from tmlmap.cli import main
from tmlmap.cli import map as cli_map
from tmlmap.cli import risk as cli_risk
from tmlmap.risk.scorer import CONTRACT_FIELDS, RiskScorer


@pytest.fixture(scope="module")
def _scorer(real_map, real_store) -> RiskScorer:
    return RiskScorer(real_map, real_store)


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, real_map, real_store, _scorer: RiskScorer) -> None:
    """The CLI uses the session's real map and one fitted scorer (no rebuild per test)."""
    monkeypatch.setattr(cli_risk, "_load_map", lambda args, settings=None: (real_map, real_store))
    monkeypatch.setattr(cli_risk, "RiskScorer", lambda term_map, store=None: _scorer)


def test_score_text_json_has_exactly_the_contract_fields(cli_env, capsys) -> None:
    assert main(["score", "--text", "Approving personal loans for applicants from their credit history"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert tuple(out) == CONTRACT_FIELDS
    assert out["fairness_percentile"] > 90


def test_score_full_and_table(cli_env, capsys) -> None:
    assert main(["score", "--text", "Predicting recidivism of defendants", "--full"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"contexts", "incident_terms", "warnings", "spans", "raw", "unmatched_words"} <= set(out)
    text = "We screen job applicants' CVs and rank candidates for interviews at qwzrtx"
    assert main(["score", "--text", text, "--format", "table"]) == 0
    captured = capsys.readouterr()
    table = captured.out
    assert "fairness risk" in table
    # a one-line text is told so, once: in the table, not again on stderr
    assert table.count("warning: few distinct words (") == 1 and "warning" not in captured.err
    assert "context: Annex III 4(a)" in table
    # each context says what it adds to the two logits (its part, not an impression)
    assert re.search(r"context: Annex III 4\(a\): .*\[fairness, score \d\.\d\d, adds fairness \+\d\.\d\d, "
                     r"adds privacy \+\d\.\d\d\]", table)
    assert "incident words: rank (fairness +" in table  # "rank" marked fairness incidents
    assert "; shares " in table  # each evidence paper says which words it shares
    shares = [int(m) for m in re.findall(r"paper \[uses (\d+)% of the driving words\]", table)]
    assert len(shares) == 3 and shares == sorted(shares, reverse=True) and 0 < shares[-1] <= 100
    assert "words no paper uses (read only by spelling and incident words): qwzrtx" in table  # a word no paper uses


def test_score_file_and_bad_file(cli_env, tmp_path: Path, capsys) -> None:
    f = tmp_path / "desc.txt"
    f.write_bytes(b"Forecast river levels from sensor data.\x00")
    assert main(["score", "--file", str(f)]) == 0
    assert json.loads(capsys.readouterr().out)["fairness_risk"] < 0.15
    f.write_bytes("Forecast river levels\nfrom sensor data.\xff".encode("latin-1"))
    assert main(["score", "--file", str(f)]) == 2  # refused, as `tmlmap import` refuses it
    assert "desc.txt:2: not valid UTF-8" in capsys.readouterr().err
    src = tmp_path / "in.csv"
    src.write_bytes(b"id,text\n1,loans\n2,caf\xe9\n")
    assert main(["score", "--input", str(src), "--quiet"]) == 2
    assert "in.csv:3: not valid UTF-8" in capsys.readouterr().err
    assert main(["score", "--file", str(tmp_path / "missing.txt")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_score_empty_text_warns(cli_env, capsys) -> None:
    assert main(["score", "--text", "   "]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["confidence"] == 0
    assert "empty" in captured.err


def test_batch_jsonl_with_bad_rows(cli_env, tmp_path: Path, capsys) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join([
        json.dumps({"id": "a", "team": "credit", "description": "Automated approval of personal loans for applicants"}),
        "{not json",
        json.dumps({"id": "c", "description": 42}),
        "",
        json.dumps(["a list"]),
        json.dumps({"id": "f", "other": "no text"}),
        json.dumps({"id": "g", "description": "Forecast river levels from sensor data"}),
    ]) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    code = main(["score", "--input", str(src), "--text-field", "description", "--output", str(out), "--quiet"])
    assert code == 1  # some rows skipped
    err = capsys.readouterr().err
    for line in (2, 3, 5, 6):
        assert f"in.jsonl:{line}: skipped" in err
    assert "in.jsonl:1: skipped" not in err and "in.jsonl:7: skipped" not in err
    # the two short descriptions are summed up in one line, not warned about row by row
    assert "in.jsonl: warning: 2 of 2 rows have few distinct words (fewer than 10 known; lines 1, 7)" in err
    assert "in.jsonl:1: warning" not in err and err.count("few distinct words") == 1
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["a", "g"]
    assert rows[0]["team"] == "credit" and rows[0]["description"].startswith("Automated")
    assert set(CONTRACT_FIELDS) <= set(rows[0])
    assert rows[0]["fairness_risk"] > rows[1]["fairness_risk"]


def test_batch_csv_to_csv(cli_env, tmp_path: Path, capsys) -> None:
    src = tmp_path / "in.csv"
    src.write_text('id,text,owner\n1,"Screening job applicants\' resumes, ranking candidates",hr\n'
                   '2,"Chip placement with reinforcement learning",eda\n3\n', encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["score", "--input", str(src), "--output", str(out)]) == 1
    assert "in.csv:4: skipped" in capsys.readouterr().err
    with open(out, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["id"] for r in rows] == ["1", "2"] and rows[0]["owner"] == "hr"
    assert float(rows[0]["fairness_risk"]) > float(rows[1]["fairness_risk"])
    assert isinstance(json.loads(rows[0]["top_terms"]), list)
    assert isinstance(json.loads(rows[0]["nearest_papers"]), list)


def test_batch_all_good_exits_zero_and_streams_jsonl(cli_env, tmp_path: Path, capsys) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"text": "Predicting recidivism"}) + "\n", encoding="utf-8")
    assert main(["score", "--input", str(src), "--quiet"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and "fairness_risk" in json.loads(lines[0])


def test_batch_table_output_names_each_row_and_its_unmatched_words(cli_env, tmp_path: Path, capsys) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"text": "Predicting recidivism of defendants qwzrtx"}) + "\n" + "oops\n"
                   + json.dumps({"text": "Forecast river levels"}) + "\n", encoding="utf-8")
    assert main(["score", "--input", str(src), "--format", "table", "--quiet"]) == 1
    captured = capsys.readouterr()
    assert "in.jsonl:1" in captured.out and "in.jsonl:3" in captured.out
    assert "words no paper uses (read only by spelling and incident words): qwzrtx" in captured.out
    assert "in.jsonl:2: skipped: invalid JSON" in captured.err
    assert captured.out.count("warning: few distinct words (") == 2 and "warning" not in captured.err


def test_score_usage_errors(cli_env, tmp_path: Path, capsys) -> None:
    src = tmp_path / "in.csv"
    src.write_text("id,body\n1,x\n", encoding="utf-8")
    assert main(["score", "--input", str(src)]) == 2
    assert "no column 'text'" in capsys.readouterr().err
    assert main(["score", "--input", str(tmp_path / "nope.jsonl")]) == 2
    assert main(["score", "--text", "x", "--output", str(tmp_path / "out.xlsx")]) == 2
    bad = tmp_path / "in.xml"
    bad.write_text("<a/>", encoding="utf-8")
    assert main(["score", "--input", str(bad)]) == 2
    with pytest.raises(SystemExit):
        main(["score"])  # one input source is required


def test_evaluate_command_wiring(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys) -> None:
    import tmlmap.risk.evaluate as ev

    rows = [{"evaluation": "x", "topic": t, "method": m, "auc": 0.5, "ci_low": 0.4, "ci_high": 0.6, "n": 10,
             "n_positive": 5} for t in ("fairness", "privacy") for m in ("bipartite", "diffusion", "reference", "keyword")]
    monkeypatch.setattr(cli_risk, "_load_map", lambda args, settings=None: (None, None))
    paired = [{"topic": "privacy", "method": "tfidf_lr", "difference": -0.017, "ci_low": -0.04, "ci_high": 0.01,
               "n": 541}]
    monkeypatch.setattr(ev, "run_evaluation", lambda *a, **k: {"date": "today", "machine": "here", "rows": rows,
                                                                "paired": paired})
    md = tmp_path / "EVAL.md"
    assert main(["evaluate", "--markdown", str(md), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "| x | fairness | 10 (5) | 0.500 [0.40, 0.60]" in out
    line = "| privacy | tf-idf LR baseline | -0.017 [-0.040, +0.010] | 541 |"
    assert line in out
    text = md.read_text(encoding="utf-8")
    assert "today" in text and line in text


def test_export_formats(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys) -> None:
    m = tiny_map()
    monkeypatch.setattr(cli_map, "load_map_for", lambda args, force=False: (m, None))
    terms, comms = tmp_path / "terms.csv", tmp_path / "communities.json"
    graphml, gexf, vos = tmp_path / "g.graphml", tmp_path / "g.gexf", tmp_path / "vos"
    assert main(["export", "--terms", str(terms), "--communities", str(comms), "--graph", str(graphml),
                 "--vosviewer", str(vos)]) == 0
    with open(terms, encoding="utf-8", newline="") as fh:
        recs = list(csv.DictReader(fh))
    assert [r["term"] for r in recs] == TERMS
    assert {"community", "community_name", "doc_freq", "fairness_affinity", "privacy_affinity"} <= set(recs[0])
    assert [c["id"] for c in json.loads(comms.read_text(encoding="utf-8"))] == [0, 1, 2, 3]
    g = nx.read_graphml(graphml)
    assert g.number_of_nodes() == len(TERMS) and g.number_of_edges() == m.n_edges
    assert g.nodes["loan"]["community"] == 0
    assert main(["export", "--graph", str(gexf)]) == 0
    assert nx.read_gexf(gexf).number_of_edges() == m.n_edges
    map_lines = (tmp_path / "vos_map.txt").read_text(encoding="utf-8").splitlines()
    assert map_lines[0].startswith("id\tlabel\tcluster") and len(map_lines) == len(TERMS) + 1
    assert len((tmp_path / "vos_network.txt").read_text(encoding="utf-8").splitlines()) == m.n_edges
    assert main(["export"]) == 2
    assert main(["export", "--graph", str(tmp_path / "g.png")]) == 2
    capsys.readouterr()


def test_score_with_extra_seeds(cli_env, tmp_path: Path, capsys) -> None:
    text = "Allocating welfare payments to families"
    assert main(["score", "--text", text, "--full"]) == 0
    before = json.loads(capsys.readouterr().out)["raw"]["topic_score_fairness"]
    seeds = tmp_path / "seeds.json"
    seeds.write_text(json.dumps({"fairness": ["welfare", "not a known term at all"]}), encoding="utf-8")
    # the patched RiskScorer ignores seeds=; call the real one through the module to check the wiring
    import tmlmap.risk.scorer as risk

    monkey = pytest.MonkeyPatch()
    monkey.setattr(cli_risk, "RiskScorer", risk.RiskScorer)
    try:
        assert main(["score", "--text", text, "--full", "--seeds", str(seeds)]) == 0
    finally:
        monkey.undo()
    after = json.loads(capsys.readouterr().out)["raw"]["topic_score_fairness"]
    assert after > before
    seeds.write_text(json.dumps({"astrology": ["stars"]}), encoding="utf-8")
    assert main(["score", "--text", text, "--seeds", str(seeds)]) == 2
    seeds.write_text("[1, 2]", encoding="utf-8")
    assert main(["score", "--text", text, "--seeds", str(seeds)]) == 2
    assert "expected a JSON object" in capsys.readouterr().err
