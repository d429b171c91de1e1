"""Named corpora: ``corpus create NAME``, ``corpus list``, ``corpus delete NAME``.

A named corpus is a separate database and map cache (see
:mod:`tmlmap.corpus.named`); every command works on it with the global
``--corpus NAME`` (or ``$TMLMAP_CORPUS``), e.g.
``tmlmap corpus create review && tmlmap --corpus review import refs.ris``.
"""

from __future__ import annotations

import argparse
import json
import sys

from tmlmap import config
from tmlmap.cli.store import safe_text
from tmlmap.corpus.named import CorpusNameError, create_corpus, delete_corpus, list_corpora


def cmd_create(args: argparse.Namespace) -> int:
    try:
        db = create_corpus(args.name, args.description or "")
    except CorpusNameError as exc:
        print(f"tmlmap corpus create: {exc}", file=sys.stderr)
        return 2
    print(f"created corpus {args.name!r} (empty) in {db.parent}")
    print(f"next: tmlmap --corpus {args.name} import FILE...  (RIS, CSL JSON, OpenAlex, WoS, BibTeX, CSV)")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    active = config.active_corpus()
    rows = list_corpora()
    if args.format == "json":
        json.dump([{"name": c.name, "papers": c.papers, "db": str(c.db_path), "active": c.name == active,
                    "description": c.description, "created_at": c.created_at} for c in rows],
                  sys.stdout, indent=2, ensure_ascii=False)
        print()
        return 0
    width = max(len(c.name) for c in rows)
    print(f"  {'name':<{width}}  {'papers':>7}  database")
    for c in rows:
        mark = "*" if c.name == active else " "
        papers = "-" if c.papers is None else f"{c.papers:,}"
        desc = f"  ({safe_text(c.description)})" if c.description else ""
        print(f"{mark} {c.name:<{width}}  {papers:>7}  {c.db_path}{desc}")
    print("(* = active; choose with --corpus NAME or $TMLMAP_CORPUS)")
    return 0


def _confirm(prompt: str) -> bool:
    print(prompt, end=" ", file=sys.stderr, flush=True)
    try:
        answer = sys.stdin.readline()
    except (OSError, ValueError):
        return False
    return answer.strip().lower() in ("y", "yes")


def cmd_delete(args: argparse.Namespace) -> int:
    rows = {c.name: c for c in list_corpora()}
    try:
        config.validate_corpus_name(args.name)
    except ValueError as exc:
        print(f"tmlmap corpus delete: {exc}", file=sys.stderr)
        return 2
    if args.name == config.DEFAULT_CORPUS:
        print("tmlmap corpus delete: the default corpus cannot be deleted", file=sys.stderr)
        return 2
    info = rows.get(args.name)
    if info is None:
        print(f"tmlmap corpus delete: no corpus named {args.name!r} (known: {', '.join(rows)})",
              file=sys.stderr)
        return 2
    papers = "?" if info.papers is None else f"{info.papers:,}"
    if not args.yes and not _confirm(
            f"Delete corpus {args.name!r} ({papers} papers) with its database and maps in "
            f"{info.db_path.parent}? This cannot be undone. [y/N]"):
        print("not deleted", file=sys.stderr)
        return 1
    try:
        folder = delete_corpus(args.name)
    except (CorpusNameError, OSError) as exc:
        print(f"tmlmap corpus delete: {exc}", file=sys.stderr)
        return 2
    print(f"deleted corpus {args.name!r} ({folder})")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``corpus create|list|delete``."""
    p = sub.add_parser("corpus", help="named corpora of your own: create, list, delete",
                       description="Manage named corpora, each with its own database and maps, kept apart "
                                   "from the default (embedded) corpus. Use one with the global "
                                   "--corpus NAME, e.g. tmlmap --corpus review import refs.ris")
    csub = p.add_subparsers(dest="corpus_command", metavar="ACTION")
    csub.required = True
    c = csub.add_parser("create", help="create an empty named corpus")
    c.add_argument("name", help="1-40 lower-case letters, digits, '-' or '_'")
    c.add_argument("--description", help="a note shown by `corpus list`")
    c.set_defaults(func=cmd_create)
    c = csub.add_parser("list", help="the corpora, their sizes and databases")
    c.add_argument("--format", choices=("table", "json"), default="table")
    c.set_defaults(func=cmd_list)
    c = csub.add_parser("delete", help="delete a named corpus (asks first)")
    c.add_argument("name")
    c.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    c.set_defaults(func=cmd_delete)
