"""Pure helpers of the scrapers: decoding, specs and presets, the volume table, abstracts, Retry-After."""

from __future__ import annotations

import email.utils
import time

import pytest

from scrapers import PRESETS, SpecError, expand, parse_spec
from scrapers.acl import ACLSource
from scrapers.arxiv import ArxivSource
from scrapers.http import _retry_after_seconds, decode_body
from scrapers.neurips import NeurIPSSource
from scrapers.openalex import OpenAlexSource, rebuild_abstract
from scrapers.openreview import OpenReviewSource, venue_label
from scrapers.pmlr import BY_VOLUME, VOLUMES, PMLRSource

pytestmark = pytest.mark.timeout(30)


# -- decoding -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "ctype", "expected"),
    [
        ("caf\u00e9 \u2014 ok".encode(), "text/html; charset=utf-8", "caf\u00e9 \u2014 ok"),
        ("caf\u00e9".encode("latin-1"), "text/html; charset=ISO-8859-1", "caf\u00e9"),
        ('<meta charset="windows-1252"><p>\u2018q\u2019</p>'.encode("cp1252"), "text/html", "\u2018q\u2019"),
        ('<?xml version="1.0" encoding="ISO-8859-1"?><a>\u00e9</a>'.encode("latin-1"), "", "\u00e9"),
        ("\ufeffbom text".encode(), "", "bom text"),
        ("na\u00efve".encode(), "text/html", "na\u00efve"),  # no charset: UTF-8 tried first
        ("na\u00efve".encode("latin-1"), "text/html; charset=utf-8", "na"),  # a lying header is survived
        (b"", "text/html", ""),
        (b"x", "text/html; charset=no-such-codec", "x"),
    ],
)
def test_decode_body(body: bytes, ctype: str, expected: str) -> None:
    assert expected in decode_body(body, ctype)


def test_decode_body_never_raises_on_garbage() -> None:
    garbage = bytes(range(256)) * 50
    assert isinstance(decode_body(garbage, "text/html; charset=utf-8"), str)


def test_retry_after_forms() -> None:
    assert _retry_after_seconds("7") == 7.0
    future = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= (_retry_after_seconds(future) or 0) <= 31
    assert _retry_after_seconds("soon") is None and _retry_after_seconds(None) is None


# -- specs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "cls", "attrs"),
    [
        ("pmlr:v235", PMLRSource, {"volume": 235, "venue": "ICML", "year": 2024}),
        ("pmlr:81", PMLRSource, {"volume": 81, "venue": "FAT*", "year": 2018}),
        ("icml:2024", PMLRSource, {"volume": 235}),
        ("icml:2023", PMLRSource, {"volume": 202}),
        ("icml:2022", PMLRSource, {"volume": 162}),
        ("aistats:2024", PMLRSource, {"volume": 238, "venue": "AISTATS"}),
        ("colt:2024", PMLRSource, {"volume": 247}),
        ("clear:2023", PMLRSource, {"volume": 213, "venue": "CLeaR"}),
        ("fat:2018", PMLRSource, {"volume": 81}),
        ("neurips:2023", NeurIPSSource, {"year": 2023}),
        ("openreview:ICLR.cc/2024/Conference", OpenReviewSource, {"venue": "ICLR", "year": 2024}),
        ("openreview:NeurIPS.cc/2023/Conference", OpenReviewSource, {"venue": "NeurIPS", "year": 2023}),
        ("openreview:TMLR", OpenReviewSource, {"venue": "TMLR", "year": None}),
        ("tmlr", OpenReviewSource, {"venueid": "TMLR"}),
        ("iclr:2025", OpenReviewSource, {"venueid": "ICLR.cc/2025/Conference"}),
        ("acl:2024.trustnlp-1", ACLSource, {"venue": "TrustNLP", "year": 2024}),
        ("acl:2023.acl-long", ACLSource, {"venue": "ACL", "year": 2023}),
        ('arxiv:"cat:cs.LG AND abs:fairness"', ArxivSource, {"query": "cat:cs.LG AND abs:fairness"}),
        ("openalex:facct:2023", OpenAlexSource, {"venue": "FAccT", "prefix": "10.1145/3593013"}),
        ("openalex:aies:2024", OpenAlexSource, {"venue": "AIES", "prefix": "10.1609/aies.v7i1"}),
    ],
)
def test_valid_specs(spec: str, cls: type, attrs: dict[str, object]) -> None:
    source = parse_spec(spec)
    assert isinstance(source, cls) and source.label == spec
    for name, value in attrs.items():
        assert getattr(source, name) == value


@pytest.mark.parametrize(
    ("spec", "why"),
    [
        ("nope:1", "unknown source kind"),
        ("icml", "expected KIND:ARGUMENT"),
        ("icml:24", "not a year"),
        ("icml:1999", "no PMLR volume known for ICML 1999"),
        ("pmlr:vx", "expected a volume"),
        ("acl:trustnlp", "expected a volume id"),
        ("openreview:../../etc", "expected a venue id"),
        ("openalex:kdd:2023", "unknown OpenAlex venue"),
        ("openalex:facct:2017", "no proceedings DOI known"),
        ("neurips:", "expected KIND:ARGUMENT"),
    ],
)
def test_bad_specs_list_the_valid_forms(spec: str, why: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_spec(spec)
    message = str(info.value)
    assert why in message and "valid source specs:" in message and "acl:VOLUME" in message


def test_every_preset_spec_parses() -> None:
    for name, specs in PRESETS.items():
        assert specs, name
        for spec in specs:
            parse_spec(spec)


def test_expand_with_preset_and_since() -> None:
    specs = expand(["neurips:2023", "icml:2024"], "trustworthy-ml", since=2024)
    assert "icml:2024" in specs and specs.count("icml:2024") == 1  # deduplicated
    assert "neurips:2023" not in specs and "icml:2023" not in specs and "fat:2018" not in specs
    assert "tmlr" in specs and any(s.startswith("arxiv:") for s in specs)  # no year: kept
    with pytest.raises(SpecError):
        expand([], "no-such-preset")


def test_volume_table_is_consistent() -> None:
    assert VOLUMES["ICML"][2024] == 235 and VOLUMES["ICML"][2023] == 202 and VOLUMES["ICML"][2022] == 162
    assert VOLUMES["AISTATS"][2024] == 238 and VOLUMES["FAT*"][2018] == 81
    assert len(BY_VOLUME) == sum(len(v) for v in VOLUMES.values())  # no volume listed twice


def test_base_urls_are_configurable() -> None:
    from scrapers import ScrapeConfig

    config = ScrapeConfig(base_urls={"pmlr": "http://127.0.0.1:9/x/"})
    assert parse_spec("pmlr:v81", config).base_url == "http://127.0.0.1:9/x"
    assert parse_spec("neurips:2023").base_url == "https://proceedings.neurips.cc"


# -- field helpers -----------------------------------------------------------------------


def test_rebuild_abstract_orders_words_by_position() -> None:
    assert rebuild_abstract({"fair": [1, 3], "be": [0], "and": [2], "ok.": [4]}) == "be fair and fair ok."
    assert rebuild_abstract(None) == "" and rebuild_abstract({"x": "bad", 3: [0]}) == ""
    assert rebuild_abstract({"huge": [10**9]}) == ""  # absurd positions are ignored


def test_venue_labels() -> None:
    assert venue_label("ICLR.cc/2024/Conference") == "ICLR"
    assert venue_label("NeurIPS.cc/2023/Conference") == "NeurIPS"
    assert venue_label("TMLR") == "TMLR"


def test_root_cause_keeps_error_messages_short() -> None:
    import requests

    from scrapers.http import _root_cause

    exc = requests.ConnectionError(
        "HTTPSConnectionPool(host='proceedings.mlr.press', port=443): Max retries exceeded with url: /v81/ "
        "(Caused by NameResolutionError(\"HTTPSConnection(host='proceedings.mlr.press', port=443): "
        "Failed to resolve 'proceedings.mlr.press' ([Errno -2] Name or service not known)\"))"
    )
    assert _root_cause(exc) == "Failed to resolve 'proceedings.mlr.press' ([Errno -2] Name or service not known)"
    assert len(_root_cause(requests.ConnectionError("x" * 1000))) == 200


def test_progress_bars_follow_the_callback(capsys: pytest.CaptureFixture[str]) -> None:
    from scrapers.cli import _Bars

    bars = _Bars(enabled=True)
    bars("pmlr:v81", 0, None)
    bars("pmlr:v81", 2, 3)
    bars("pmlr:v81", 3, 3)
    bars("neurips:2023", 1, 10)
    assert bars.bars["pmlr:v81"].n == 3 and bars.bars["pmlr:v81"].total == 3
    assert bars.bars["neurips:2023"].n == 1
    bars.close()
    err = capsys.readouterr().err
    assert "pmlr:v81" in err and "3/3" in err


def test_register_keeps_a_parent_db_option() -> None:
    import argparse

    from scrapers import register

    parent = argparse.ArgumentParser(prog="tmlmap")
    parent.add_argument("--db")
    register(parent.add_subparsers(dest="command"))
    args = parent.parse_args(["--db", "/tmp/a.sqlite", "refresh", "icml:2024"])
    assert args.db == "/tmp/a.sqlite" and args.specs == ["icml:2024"] and callable(args.func)
    args = parent.parse_args(["refresh", "icml:2024", "--db", "/tmp/b.sqlite"])
    assert args.db == "/tmp/b.sqlite"


def test_user_agent_adds_the_operators_contact(monkeypatch) -> None:
    from scrapers.http import PROJECT_URL, HttpSettings

    monkeypatch.delenv("TMLMAP_MAILTO", raising=False)
    assert HttpSettings().user_agent == f"tmlmap-scrape/0.1 (+{PROJECT_URL})"
    monkeypatch.setenv("TMLMAP_MAILTO", "me@example.org")
    assert HttpSettings().user_agent.endswith("; mailto:me@example.org)")
    monkeypatch.setenv("TMLMAP_MAILTO", "x\r\nInjected: 1")
    assert "Injected" not in HttpSettings().user_agent
