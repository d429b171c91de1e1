"""Map exports read back by real parsers: the full-map JSON against its JSON Schema
(``jsonschema``), the VOSviewer Online JSON against a schema written from VOSviewer's
JSON file-type documentation, and both via the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from tmlmap.analysis.exports import map_json, map_schema, vosviewer_json
from tmlmap.maps.build import load_or_build
from tmlmap.maps.settings import MapSettings

#: VOSviewer JSON file type (VOSviewer Online docs, "VOSviewer JSON files"): top-level
#: network/config/info; items with id, label, x, y, cluster 1-1000, weights and scores maps of
#: numbers; links with source_id, target_id and a non-negative strength; clusters with labels.
VOSVIEWER_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["network"],
    "additionalProperties": False,
    "properties": {
        "config": {"type": "object"},
        "info": {"type": "object", "properties": {"title": {"type": "string"},
                                                  "description": {"type": "string"}}},
        "network": {
            "type": "object", "required": ["items", "links"], "additionalProperties": False,
            "properties": {
                "items": {"type": "array", "items": {
                    "type": "object", "required": ["id", "label"], "additionalProperties": False,
                    "properties": {
                        "id": {"type": ["integer", "string"]}, "label": {"type": "string"},
                        "description": {"type": "string"}, "url": {"type": "string"},
                        "x": {"type": "number"}, "y": {"type": "number"},
                        "cluster": {"type": "integer", "minimum": 1, "maximum": 1000},
                        "weights": {"type": "object", "additionalProperties": {"type": "number", "minimum": 0}},
                        "scores": {"type": "object", "additionalProperties": {"type": "number"}}}}},
                "links": {"type": "array", "items": {
                    "type": "object", "required": ["source_id", "target_id"], "additionalProperties": False,
                    "properties": {"source_id": {"type": ["integer", "string"]},
                                   "target_id": {"type": ["integer", "string"]},
                                   "strength": {"type": "number", "minimum": 0}}}},
                "clusters": {"type": "array", "items": {
                    "type": "object", "required": ["cluster"], "additionalProperties": False,
                    "properties": {"cluster": {"type": "integer", "minimum": 1, "maximum": 1000},
                                   "label": {"type": "string"}}}},
            },
        },
    },
}


@pytest.fixture(scope="module")
def small_map(tmp_path_factory: pytest.TempPathFactory, _small_template: Path):
    from tmlmap.corpus.store import CorpusStore

    with CorpusStore(_small_template) as store:
        return load_or_build(store, MapSettings(consensus_runs=1),
                             cache_dir=tmp_path_factory.mktemp("export-maps"))


def test_full_map_json_validates_against_its_schema(small_map) -> None:
    schema = map_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    doc = json.loads(json.dumps(map_json(small_map)))  # through a real JSON round trip
    jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator)
    assert len(doc["terms"]) == small_map.n_terms and doc["summary"]["links"] == len(doc["links"])
    assert [t["community"] for t in doc["terms"]] == small_map.community.tolist()
    assert all(link["source"] < link["target"] for link in doc["links"])
    # the schema is not vacuous: a broken document fails
    broken = dict(doc, terms=[{**doc["terms"][0], "doc_freq": "many"}])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_vosviewer_json_is_the_documented_format(small_map) -> None:
    doc = json.loads(json.dumps(vosviewer_json(small_map, max_items=150, max_links=400)))
    jsonschema.validate(doc, VOSVIEWER_SCHEMA, cls=jsonschema.Draft202012Validator)
    items = doc["network"]["items"]
    assert len(items) == 150 and len(doc["network"]["links"]) <= 400
    ids = {it["id"] for it in items}
    assert all(link["source_id"] in ids and link["target_id"] in ids for link in doc["network"]["links"])
    # our clusters (community + 1) and the average-year overlay
    by_label = {it["label"]: it for it in items}
    term = items[0]["label"]
    i = small_map.term_id(term)
    assert by_label[term]["cluster"] == int(small_map.community[i]) + 1
    assert by_label[term]["weights"]["Occurrences"] == int(small_map.doc_freq[i])
    years = [it["scores"]["Avg. pub. year"] for it in items if "scores" in it]
    lo, hi = int(small_map.doc_years.min()), int(small_map.doc_years.max())
    assert years and all(lo <= y <= hi for y in years)
    assert {c["cluster"] for c in doc["network"]["clusters"]} == {it["cluster"] for it in items}
    xs = np.array([it["x"] for it in items])
    assert np.abs(xs).max() <= 1.0 + 1e-9 and xs.std() > 0


def test_cli_writes_both_json_exports(small_store, tmp_path: Path, capsys) -> None:
    from tmlmap.cli import main

    db = str(small_store.path)
    small_store.close()
    full, vos = tmp_path / "map.json", tmp_path / "vos.json"
    assert main(["--db", db, "export", "--json", str(full), "--vosviewer-json", str(vos),
                 "--consensus-runs", "1", "--quiet"]) == 0
    jsonschema.validate(json.loads(full.read_text(encoding="utf-8")), map_schema())
    jsonschema.validate(json.loads(vos.read_text(encoding="utf-8")), VOSVIEWER_SCHEMA)
    assert main(["--db", db, "export", "--json", str(tmp_path / "map.txt")]) == 2
    assert ".json" in capsys.readouterr().err
