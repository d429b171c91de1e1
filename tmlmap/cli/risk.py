"""Risk commands: ``score``, ``evaluate``, ``export``.

``score`` rates project descriptions for fairness and privacy risk against
the map of the corpus (default :class:`~tmlmap.maps.settings.MapSettings`, built
with a progress bar on first use, then cached):

* ``--text "..."`` or ``--file F``: one description; ``--input F.jsonl|F.csv``:
  one per row, the text in ``--text-field`` (default ``text``).
* Output (stdout, or ``--output F.jsonl|F.csv``): the seven contract fields
  ``fairness_risk, privacy_risk, fairness_percentile, privacy_percentile,
  confidence, top_terms, nearest_papers`` (``--full`` adds ``contexts``, ``incident_terms``, ``warnings``,
  ``spans``, ``raw`` and ``unmatched_words``); risks and percentiles are null,
  with a warning, for text that is not language. Batch output keeps every input field and adds the scores (CSV
  cells of list fields hold JSON). Warnings go to stderr.
* ``--seeds F.json`` adds seed terms to topics (``{"fairness": ["welfare"]}``);
  terms not in the map are ignored.
* A bad input row (invalid JSON, missing or non-text field) is reported on
  stderr with its line number and skipped; the other rows are scored. Exit
  status: 0 if every row was scored, 1 if some rows were skipped, 2 on usage
  or file errors.

``evaluate`` runs :func:`tmlmap.risk.evaluate.run_evaluation` and prints the AUC
table (``--markdown FILE`` writes it as a README section).

``export`` writes the map for other tools: terms and communities as CSV or
JSON, the graph as GraphML or GEXF (Gephi), or a VOSviewer map/network pair.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from tmlmap.cli.store import safe_text
from tmlmap.risk.batch import BatchInputError, RowWriter, read_rows, report_fields, score_rows
from tmlmap.risk.scorer import (
    CONTRACT_FIELDS,
    MAX_CHARS,
    SHORT_TEXT_WARNING,
    SHORT_TEXT_WORDS,
    RiskReport,
    RiskScorer,
)

#: Largest single description file read by ``--file`` (bytes); the scorer truncates further.
MAX_FILE_BYTES = 10_000_000


class UsageError(Exception):
    """A problem with the command line or an input file (exit status 2)."""


def _load_map(args: argparse.Namespace, settings: Any = None):
    from tmlmap.cli.map import load_map

    return load_map(args, settings)


# ---- input ------------------------------------------------------------------


def _output_format(path: Path) -> str:
    name = path.name.lower()
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if name.endswith(".csv"):
        return "csv"
    raise UsageError(f"{path}: unsupported output format (use .jsonl or .csv)")


def _print_table(report: RiskReport, label: str = "") -> None:
    if label:
        print(label)
    def num(v: float | None, spec: str) -> str:
        return "   n/a" if v is None else format(v, spec)

    print(f"  fairness risk  {num(report.fairness_risk, '6.3f')}   "
          f"(percentile {num(report.fairness_percentile, '5.1f')})")
    print(f"  privacy risk   {num(report.privacy_risk, '6.3f')}   (percentile {num(report.privacy_percentile, '5.1f')})")
    print(f"  confidence     {report.confidence:6.3f}")
    for c in report.contexts:
        adds = c.get("contribution") or {}
        parts = "".join(f", adds {lab} {adds[lab]:+.2f}" for lab in ("fairness", "privacy") if lab in adds)
        print(f"  context: {safe_text(c['point'])}: {safe_text(c['name'])} [{c['risk']}, score {c['score']:.2f}{parts}]"
              + (f" because of {', '.join(safe_text(w) for w in c['words'])}" if c["words"] else ""))
    if report.incident_terms:
        print("  incident words: " + ", ".join(f"{safe_text(t['term'])} ({t['topic']} +{t['contribution']:.2f})"
                                               for t in report.incident_terms[:6]))
    if report.top_terms:
        print("  top terms:     " + ", ".join(f"{safe_text(t['term'])} ({t['topic']} {t['contribution']:.3f})"
                                             for t in report.top_terms[:6]))
    for p in report.nearest_papers[:3]:
        title = safe_text(p.get("title") or p["id"])
        shared = p.get("shared_terms")
        # with shared_terms (the default), ``similarity`` is the share of the driving weight the paper uses
        share = f"uses {p['similarity']:.0%} of the driving words" if shared else f"similarity {p['similarity']:.2f}"
        print(f"  paper [{share}] {title} ({safe_text(str(p['venue']))} {p['year']})"
              + (f"; shares {', '.join(safe_text(w) for w in shared)}" if shared else ""))
    if report.unmatched_words:
        print("  words no paper uses (read only by spelling and incident words): "
              + ", ".join(safe_text(w) for w in report.unmatched_words))
    for w in report.warnings:
        print(f"  warning: {w}")


# ---- score ------------------------------------------------------------------


def _decode_utf8(data: bytes, path: Path, *, truncated: bool) -> str:
    """``data`` as UTF-8; a byte that is not UTF-8 is a :class:`UsageError` naming file and line
    (as ``tmlmap import`` refuses such files). A character cut by the size limit is dropped."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if truncated and exc.start >= len(data) - 3 and exc.reason == "unexpected end of data":
            return data[: exc.start].decode("utf-8")
        line = data[: exc.start].count(b"\n") + 1
        raise UsageError(f"{path}:{line}: not valid UTF-8 (byte 0x{data[exc.start]:02x}); "
                         "save the file as UTF-8") from None


def _read_seeds(path: Path) -> dict[str, list[str]]:
    """A JSON object ``{topic: [term, ...]}`` of extra seed terms (added to the defaults)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"cannot read seeds from {path}: {exc}") from None
    from tmlmap.lexicons import TOPICS

    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(t, str) for t in v) for k, v in data.items()
    ):
        raise UsageError(f"{path}: expected a JSON object mapping topic names to lists of terms")
    unknown = [k for k in data if k not in TOPICS]
    if unknown:
        raise UsageError(f"{path}: unknown topics {unknown}; known: {', '.join(TOPICS)}")
    return data


def cmd_score(args: argparse.Namespace) -> int:
    try:
        return _score(args)
    except UsageError as exc:
        print(f"tmlmap score: {safe_text(str(exc))}", file=sys.stderr)
        return 2


def _score(args: argparse.Namespace) -> int:
    out_path = Path(args.output) if args.output else None
    out_fmt = _output_format(out_path) if out_path else None
    single: str | None = None
    if args.text is not None:
        single = args.text
    elif args.file is not None:
        path = Path(args.file)
        try:
            with open(path, "rb") as fh:
                data = fh.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
        if len(data) > MAX_FILE_BYTES:
            print(f"warning: {path} is larger than {MAX_FILE_BYTES:,} bytes; only the start is read",
                  file=sys.stderr)
            data = data[:MAX_FILE_BYTES]
        single = _decode_utf8(data, path, truncated=len(data) == MAX_FILE_BYTES)
    else:
        in_path = Path(args.input)
        if not in_path.is_file():
            raise UsageError(f"no such file: {in_path}")
    seeds = _read_seeds(Path(args.seeds)) if args.seeds else None
    term_map, store = _load_map(args)
    scorer = RiskScorer(term_map, store, seeds=seeds) if seeds else RiskScorer(term_map, store)

    if single is not None:
        report = scorer.score(single)
        if args.format != "table" or out_path:  # the table lists the warnings itself
            for w in report.warnings:
                print(f"warning: {w}", file=sys.stderr)
        if out_path:
            with open(out_path, "w", encoding="utf-8", newline="") as fh:
                RowWriter(fh, out_fmt or "jsonl").write({"text": single[:1000]} | report_fields(report, args.full))
        elif args.format == "table":
            _print_table(report)
        else:
            json.dump(report_fields(report, args.full), sys.stdout, indent=2, ensure_ascii=False)
            print()
        return 0

    out_fh: TextIO = open(out_path, "w", encoding="utf-8", newline="") if out_path else sys.stdout  # noqa: SIM115
    writer = RowWriter(out_fh, out_fmt or "jsonl")
    n_ok = n_bad = 0
    short_lines: list[int] = []  # rows with the short-text warning: summed up once, not one line each
    t0 = time.perf_counter()
    try:
        table = args.format == "table" and not out_path
        rows = read_rows(in_path, args.text_field)
        for item in score_rows(scorer, rows, args.text_field, with_spans=args.full or table):
            where = f"{safe_text(str(in_path))}:{item.line}"
            if item.report is None:
                n_bad += 1
                print(f"{where}: skipped: {safe_text(str(item.error))}", file=sys.stderr)
                continue
            n_ok += 1
            for w in item.report.warnings if not table else ():  # the table lists them itself
                if w.startswith(SHORT_TEXT_WARNING):
                    short_lines.append(item.line)
                else:
                    print(f"{where}: warning: {w}", file=sys.stderr)
            if table:
                _print_table(item.report, f"{in_path.name}:{item.line}")
            else:
                assert item.row is not None
                writer.write(dict(item.row) | report_fields(item.report, args.full))
    except BatchInputError as exc:
        raise UsageError(str(exc)) from None
    finally:
        if out_path:
            out_fh.close()
    if short_lines:
        shown = ", ".join(map(str, short_lines[:10])) + (", ..." if len(short_lines) > 10 else "")
        print(f"{safe_text(str(in_path))}: warning: {len(short_lines):,} of {n_ok:,} rows have few distinct words "
              f"(fewer than {SHORT_TEXT_WORDS} known; lines {shown}): such texts score low and rank less well, "
              "so compare their percentiles", file=sys.stderr)
    print(f"scored {n_ok:,} rows in {time.perf_counter() - t0:.1f} s"
          + (f"; skipped {n_bad:,} bad rows" if n_bad else ""), file=sys.stderr)
    return 1 if n_bad else 0


# ---- evaluate ---------------------------------------------------------------


def cmd_evaluate(args: argparse.Namespace) -> int:
    from tmlmap.cli.map import StageProgress
    from tmlmap.config import cache_dir
    from tmlmap.risk.evaluate import (
        brier_table,
        calibration_table,
        description_table,
        paired_table,
        results_table,
        run_evaluation,
        worst_table,
    )

    term_map, store = _load_map(args)
    progress = StageProgress(quiet=getattr(args, "quiet", False))
    try:
        results = run_evaluation(store, term_map, year_max=args.year_max, devset=args.devset,
                                 cache_dir=cache_dir(), progress=progress)
    except (ValueError, OSError) as exc:
        print(f"tmlmap evaluate: {exc}", file=sys.stderr)
        return 2
    finally:
        progress.close()
    sections = (("descriptions", description_table), ("brier", brier_table), ("paired", paired_table),
                ("worst", worst_table), ("calibration", calibration_table))
    if args.format == "json":
        json.dump(results, sys.stdout, indent=2)
        print()
    else:
        print(f"AUC (95% bootstrap interval); {results['date']}; {results['machine']}")
        print(results_table(results["rows"]))
        for key, fmt in sections:
            if results.get(key):
                print()
                print(fmt(results[key]))
    if args.markdown:
        text = f"Measured {results['date']} on {results['machine']}.\n\n{results_table(results['rows'])}\n"
        for key, fmt in sections:
            if results.get(key):
                text += f"\n{fmt(results[key])}\n"
        Path(args.markdown).write_text(text, encoding="utf-8")
        print(f"wrote {args.markdown}", file=sys.stderr)
    return 0


# ---- export -----------------------------------------------------------------


def term_records(term_map: Any) -> list[dict[str, Any]]:
    """One dict per term: id, term, community id/name/topic, df, degree, strength, fairness/privacy affinity."""
    import numpy as np

    from tmlmap.risk.fingerprint import fingerprints

    fp = fingerprints(term_map, "diffusion")
    A = term_map.adjacency
    degree = np.diff(A.indptr)
    strength = np.asarray(A.sum(axis=1)).ravel()
    fair, priv = fp.column("fairness"), fp.column("privacy")
    dom = fp.dominant_topic()
    out = []
    for i, t in enumerate(term_map.terms):
        c = term_map.communities[int(term_map.community[i])]
        out.append({"id": i, "term": t, "community": c.id, "community_name": c.name, "community_topic": c.topic or "",
                    "doc_freq": int(term_map.doc_freq[i]), "degree": int(degree[i]),
                    "strength": round(float(strength[i]), 6), "topic": dom[i],
                    "fairness_affinity": round(float(fair[i]), 6), "privacy_affinity": round(float(priv[i]), 6)})
    return out


def _write_records(path: Path, records: list[dict[str, Any]]) -> None:
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(records, indent=1, ensure_ascii=False), encoding="utf-8")
        return
    if path.suffix.lower() != ".csv":
        raise UsageError(f"{path}: use .csv or .json")
    with open(path, "w", encoding="utf-8", newline="") as fh:
        if not records:
            return
        w = csv.DictWriter(fh, fieldnames=list(records[0]))
        w.writeheader()
        for r in records:
            w.writerow({k: (json.dumps(v, ensure_ascii=False) if isinstance(v, list) else v) for k, v in r.items()})


def export_graph(term_map: Any, path: Path) -> None:
    """The pruned graph as GraphML (``.graphml``) or GEXF (``.gexf``), with community and topic attributes."""
    import networkx as nx

    g = term_map.to_networkx()
    recs = {r["term"]: r for r in term_records(term_map)}
    for node, data in g.nodes(data=True):
        r = recs[node]
        data.update(label=node, community_name=r["community_name"], community_topic=r["community_topic"],
                    topic=r["topic"], fairness_affinity=r["fairness_affinity"], privacy_affinity=r["privacy_affinity"])
    suffix = path.suffix.lower()
    if suffix == ".graphml":
        nx.write_graphml(g, path)
    elif suffix == ".gexf":
        nx.write_gexf(g, path)
    else:
        raise UsageError(f"{path}: use .graphml or .gexf")


def export_vosviewer(term_map: Any, prefix: Path) -> tuple[Path, Path]:
    """VOSviewer map and network files (``PREFIX_map.txt``, ``PREFIX_network.txt``, tab-separated)."""
    import scipy.sparse as sp

    map_path = prefix.with_name(prefix.name + "_map.txt")
    net_path = prefix.with_name(prefix.name + "_network.txt")
    with open(map_path, "w", encoding="utf-8", newline="") as fh:
        fh.write("id\tlabel\tcluster\tweight<Occurrences>\n")
        for i, t in enumerate(term_map.terms):
            label = t.replace("\t", " ").replace("\n", " ")
            fh.write(f"{i + 1}\t{label}\t{int(term_map.community[i]) + 1}\t{int(term_map.doc_freq[i])}\n")
    coo = sp.triu(term_map.adjacency, k=1).tocoo()
    with open(net_path, "w", encoding="utf-8", newline="") as fh:
        for a, b, w in zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True):
            fh.write(f"{a + 1}\t{b + 1}\t{w:.6g}\n")
    return map_path, net_path


def cmd_export(args: argparse.Namespace) -> int:
    from tmlmap.cli.map import load_map_for

    if not (args.terms or args.communities or args.graph or args.vosviewer or args.vosviewer_json or args.json):
        print("tmlmap export: give at least one of --terms, --communities, --graph, --vosviewer, "
              "--vosviewer-json, --json", file=sys.stderr)
        return 2
    try:
        for p, allowed in ((args.terms, (".csv", ".json")), (args.communities, (".csv", ".json")),
                           (args.graph, (".graphml", ".gexf"))):
            if p and Path(p).suffix.lower() not in allowed:
                raise UsageError(f"{p}: use one of {', '.join(allowed)}")
        for p in (args.terms, args.communities, args.graph, args.json, args.vosviewer_json,
                  args.vosviewer and args.vosviewer + "_map.txt"):
            if p and not Path(p).parent.is_dir():
                raise UsageError(f"cannot write {p}: the folder {str(Path(p).parent)!r} does not exist "
                                 "(create it first)")
        for p in (args.json, args.vosviewer_json):
            if p and Path(p).suffix.lower() != ".json":
                raise UsageError(f"{p}: use a .json file name")
        term_map, _store = load_map_for(args)
        if args.terms:
            _write_records(Path(args.terms), term_records(term_map))
            print(f"wrote {args.terms} ({term_map.n_terms:,} terms)", file=sys.stderr)
        if args.communities:
            _write_records(Path(args.communities), [c.to_dict() for c in term_map.communities])
            print(f"wrote {args.communities} ({len(term_map.communities):,} communities)", file=sys.stderr)
        if args.graph:
            export_graph(term_map, Path(args.graph))
            print(f"wrote {args.graph} ({term_map.n_terms:,} nodes, {term_map.n_edges:,} edges)", file=sys.stderr)
        if args.vosviewer:
            m, n = export_vosviewer(term_map, Path(args.vosviewer))
            print(f"wrote {m} and {n}", file=sys.stderr)
        if args.vosviewer_json or args.json:
            from tmlmap.analysis.exports import map_json, vosviewer_json

            if args.vosviewer_json:
                Path(args.vosviewer_json).write_text(
                    json.dumps(vosviewer_json(term_map), ensure_ascii=False), encoding="utf-8")
                print(f"wrote {args.vosviewer_json} (VOSviewer Online map: open it at the VOSviewer "
                      "Online site or in VOSviewer)", file=sys.stderr)
            if args.json:
                Path(args.json).write_text(json.dumps(map_json(term_map), ensure_ascii=False), encoding="utf-8")
                print(f"wrote {args.json} (the full map; schema: tmlmap/analysis/map.schema.json)",
                      file=sys.stderr)
    except UsageError as exc:
        print(f"tmlmap export: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        print(f"tmlmap export: cannot write {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0


# ---- registration -----------------------------------------------------------


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``score``, ``evaluate`` and ``export`` to ``sub``."""
    from tmlmap.cli.map import add_map_options
    from tmlmap.risk.evaluate import DEVSET

    p = sub.add_parser(
        "score", help="fairness/privacy risk of project descriptions",
        description="Score project descriptions for fairness and privacy risk using the map's links "
                    "(context words such as 'loan' or 'recidivism' count through the graph). Output fields: "
                    + ", ".join(CONTRACT_FIELDS) + f". Texts longer than {MAX_CHARS:,} characters are truncated "
                    "(with a warning). Exit status 1 if some input rows were skipped.")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--text", help="the description")
    src.add_argument("--file", metavar="F", help="a text file holding one description")
    src.add_argument("--input", metavar="F", help="many descriptions: .jsonl or .csv, one per row")
    p.add_argument("--text-field", default="text", metavar="NAME",
                   help="field/column holding the text in --input (default: text)")
    p.add_argument("--output", metavar="F", help="write results to F (.jsonl or .csv) instead of stdout")
    p.add_argument("--format", choices=("json", "table"), default="json", help="stdout format (default json)")
    p.add_argument("--full", action="store_true",
                   help="also output the use contexts, the incident words, warnings, term spans, raw scores and the "
                        "words the map cannot read")
    p.add_argument("--seeds", metavar="F.json",
                   help='extra seed terms per topic, e.g. {"fairness": ["welfare", "benefit claims"]}')
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("evaluate", help="AUC of the risk scores (papers and project descriptions)",
                       description="Paper classification on a temporal split (map built on papers up to "
                                   "--year-max, later papers labelled by author keywords and scored from title "
                                   "and abstract) and AUC on the project-description set, for the bipartite "
                                   "(default), diffusion, reference (Derzsy et al.) and keyword methods.")
    p.add_argument("--year-max", type=int, default=None,
                   help="one split: last year of the map's papers, every later year tested (default: "
                        "both splits, map up to 2020 tested on 2021-2022, map up to 2022 tested on 2024)")
    p.add_argument("--devset", default=str(DEVSET), help="project-description set (.jsonl)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--markdown", metavar="FILE", help="also write the results table to FILE")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("export", help="export the map for VOSviewer, Gephi or spreadsheets",
                       description="Write terms/communities (CSV or JSON), the graph (GraphML or GEXF), "
                                   "a VOSviewer map + network file pair, a VOSviewer Online JSON map or "
                                   "the full map as JSON.")
    p.add_argument("--terms", metavar="F", help="terms with community, frequency and topic affinities (.csv/.json)")
    p.add_argument("--communities", metavar="F", help="communities (.csv/.json)")
    p.add_argument("--graph", metavar="F", help="the weighted graph (.graphml or .gexf)")
    p.add_argument("--vosviewer", metavar="PREFIX", help="write PREFIX_map.txt and PREFIX_network.txt")
    p.add_argument("--vosviewer-json", metavar="F.json",
                   help="a VOSviewer Online JSON map (our layout, clusters and the average-year overlay)")
    p.add_argument("--json", metavar="F.json",
                   help="the full map as JSON (terms, communities, links, settings; "
                        "JSON Schema in tmlmap/analysis/map.schema.json)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_map_options(p)
    p.set_defaults(func=cmd_export)
