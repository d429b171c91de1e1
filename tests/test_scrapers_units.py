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


# -- the venue registry ---------------------------------------------------------------------


def test_shipped_registry_has_the_documented_venues() -> None:
    from scrapers.venues import DEFAULT

    assert DEFAULT.pmlr["icml"].volumes[2024] == 235 and DEFAULT.pmlr["fatstar"].venue == "FAT*"
    assert DEFAULT.proceedings["mlsys"].venue == "MLSys"
    assert "ICLR.cc/2023/Conference" in DEFAULT.openreview_v1
    assert "ICLR.cc/2024/Conference" not in DEFAULT.openreview_v1
    assert DEFAULT.openalex["facct"].doi_prefixes[2023] == "10.1145/3593013"
    assert "neurips:2023" not in DEFAULT.presets["trustworthy-ml"]  # reserved for evaluation


def test_a_user_file_extends_and_overrides(tmp_path) -> None:
    import dataclasses

    from scrapers import ScrapeConfig
    from scrapers.venues import load_registry

    f = tmp_path / "v.toml"
    f.write_text(
        '[pmlr.icml]\nvenue = "ICML"\nvolumes = { 2026 = 300 }\n'
        '[proceedings.mlsys]\nvenue = "MLSys"\nurl = "http://127.0.0.1:9/mlsys/"\n'
        '[openreview.colm]\nvenue_id = "colmweb.org/COLM/{year}/Conference"\n'
        '[openalex.fairml]\nvenue = "FairML"\ndoi_prefixes = { 2025 = "10.1145/1234567" }\n',
        encoding="utf-8",
    )
    reg = load_registry([f])
    assert reg.pmlr["icml"].volumes == {2026: 300}  # an entry of the same name replaces the shipped one
    assert reg.pmlr["aistats"].volumes[2024] == 238  # the others stay
    config = dataclasses.replace(ScrapeConfig(), venues=reg)
    assert parse_spec("icml:2026", config).volume == 300
    src = parse_spec("mlsys:2025", config)
    assert (src.venue, src.base_url) == ("MLSys", "http://127.0.0.1:9/mlsys")
    assert parse_spec("colm:2024", config).venueid == "colmweb.org/COLM/2024/Conference"
    assert parse_spec("openalex:fairml:2025", config).prefix == "10.1145/1234567"


def test_the_readme_venues_example_is_a_valid_registry(tmp_path) -> None:
    import re
    from pathlib import Path

    from scrapers.venues import load_registry

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Venue registry") :]
    block = re.search(r"```toml\n(.*?)```", section, re.S)
    assert block is not None
    f = tmp_path / "example.toml"
    f.write_text(block.group(1), encoding="utf-8")
    reg = load_registry([f])
    assert reg.presets["mine"] == ("mycon:2024", "mlsys:2025", "colm:2024")
    for spec in reg.presets["mine"]:
        from scrapers import ScrapeConfig

        parse_spec(spec, ScrapeConfig(venues=reg))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[pmlr.x]\nvenue = "X"\nvolumes = { 20x4 = 1 }\n', "is not a year"),
        ('[pmlr.x]\nvenue = "X"\nvolumes = { 2024 = "v1" }\n', "must be a int"),
        ('[proceedings.x]\nvenue = "X"\nurl = "file:///etc"\n', "must start with http"),
        ('[openreview.x]\nvenue_id = "../../etc"\n', "not an OpenReview venue id"),
        ('[pmlr."Bad Name"]\nvenue = "X"\nvolumes = { 2024 = 1 }\n', "not a usable spec name"),
        ("[presets]\nx = 3\n", "must be a list of specs"),
    ],
)
def test_bad_registry_entries_are_named(tmp_path, text: str, message: str) -> None:
    from scrapers.venues import VenueFileError, load_registry

    f = tmp_path / "bad.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(VenueFileError) as info:
        load_registry([f])
    assert message in str(info.value) and str(f) in str(info.value)


def test_registry_specs() -> None:
    src = parse_spec("iclr:2023")
    assert isinstance(src, OpenReviewSource) and src.api_v1 and src.v1_url == "https://api.openreview.net"
    assert not parse_spec("iclr:2024").api_v1
    assert parse_spec("mlsys:2025").base_url == "https://proceedings.mlsys.org"
    with pytest.raises(SpecError, match="needs a year"):
        parse_spec("iclr")
    with pytest.raises(SpecError, match="takes no year"):
        parse_spec("tmlr:2024")


# -- page parsing helpers ---------------------------------------------------------------------


def test_raw_abstract_keeps_text_after_raw_angle_brackets() -> None:
    from scrapers.neurips import raw_abstract

    page = (
        '<section class="paper-section"><h2 class="section-label">Abstract</h2>'
        "<p class='paper-abstract'>If $W<d$ and $0<p<1$ then <em>a</em>, <b>b</b> and <a, b> hold;"
        ' see <a href="https://x.org">x</a> and <https://y.org>.\n</section><section>DOI</section>'
    )
    assert raw_abstract(page) == "If $W<d$ and $0<p<1$ then a, b and <a, b> hold; see x and <https://y.org>."
    assert raw_abstract("<p>no abstract here</p>") == ""


def test_pmlr_authors_are_split_on_comma_nbsp() -> None:
    from scrapers.pmlr import split_pmlr_authors

    assert split_pmlr_authors("Chelsea\xa0Barabas,\xa0Madars\xa0Virza") == ["Chelsea Barabas", "Madars Virza"]


def test_arxiv_old_style_ids_and_the_old_error_entry() -> None:
    from lxml import etree

    from scrapers.arxiv import NS

    src = ArxivSource("arxiv:x", "x")
    entry = etree.fromstring(
        '<entry xmlns="http://www.w3.org/2005/Atom"><id>http://arxiv.org/abs/hep-th/9901001v2</id>'
        "<title>T</title><summary>S</summary><published>1999-01-01T00:00:00Z</published>"
        "<author><name>A B</name></author></entry>"
    )
    stub = src._stub(entry)
    assert stub is not None and stub.id == "arxiv-hep-th/9901001" and stub.raw["year"] == 1999
    error = etree.fromstring(
        '<entry xmlns="http://www.w3.org/2005/Atom"><id>http://arxiv.org/api/errors#incorrect_id_format_for_1234</id>'
        "<title>Error</title><summary>incorrect id format for 1234</summary></entry>"
    )
    assert src._stub(error) is None and error.find("a:id", NS) is not None


def test_openalex_keyword_scores() -> None:
    src = OpenAlexSource("openalex:facct:2023", "FAccT", 2023)
    work = {"id": "https://openalex.org/W1", "keywords": [
        {"display_name": "Audit", "score": 0.71}, {"display_name": "Medicine", "score": 0.39},
        {"display_name": "Odd", "score": "high"}]}  # fmt: skip
    stub = src._stub(work)
    assert stub is not None and stub.raw["keywords"] == ["Audit"]
    assert OpenAlexSource("x", "FAccT", 2023, page_size=500).page_size == 100  # the API's maximum


def test_dns_failures_are_recognised_as_offline() -> None:
    import requests

    from scrapers.http import _is_connect_failure, _is_dns_failure

    exc = requests.ConnectionError(
        "HTTPSConnectionPool(host='proceedings.mlr.press', port=443): Max retries exceeded with url: /v81/ "
        "(Caused by NameResolutionError(\"HTTPSConnection(host='proceedings.mlr.press', port=443): "
        "Failed to resolve 'proceedings.mlr.press' ([Errno -3] Temporary failure in name resolution)\"))"
    )
    assert _is_dns_failure(exc) and _is_connect_failure(exc)
    assert not _is_dns_failure(requests.ConnectionError("Connection aborted."))


def test_arxiv_ids_spec() -> None:
    src = parse_spec("arxiv:ids=2402.01234v2, hep-th/9901001")
    assert isinstance(src, ArxivSource) and src.ids == ("2402.01234v2", "hep-th/9901001")
    with pytest.raises(SpecError, match="not ids: 12"):
        parse_spec("arxiv:ids=12,2402.01234")


def test_openalex_single_work_body_parses_like_a_list_result() -> None:
    import json

    from tests.scraper_server import fixture

    work = json.loads(fixture("openalex", "work_W4380000002.json"))
    page = json.loads(fixture("openalex", "facct2023_page1.json"))
    assert work == page["results"][1]  # the single-work body equals the list entry, key order too
    assert list(work) == list(page["results"][1])
    stub = OpenAlexSource("openalex:facct:2023", "FAccT", 2023)._stub(work)
    assert stub is not None and stub.raw["abstract"].startswith("Third-party audits")
