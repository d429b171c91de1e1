"""A corpus given as shard files: JSONL, JSONL.gz or Parquet, local or at any fsspec URL.

A cluster reads its data where it lives: every shard is read by the worker
that processes it (``s3://bucket/abstracts/part-*.jsonl.gz``,
``gs://...``, ``hdfs://...``, plain paths on a shared file system). Records
have the store's schema (``id, title, abstract, venue, year``, optional
``url, authors, keywords, source``) and go through the same HTML cleanup and
validation as ``tmlmap import`` (:func:`tmlmap.corpus.records.validate_record`:
size limits, required fields), so the text of a shard is treated as untrusted
exactly like an imported file.

Remote URLs need `fsspec <https://filesystem-spec.readthedocs.io>`_ (installed
with Dask) and the protocol's package (``s3fs``, ``gcsfs``, ...) on every
worker; local paths work without fsspec.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from tmlmap.corpus.importers import MAX_LINE_CHARS, _clean_fields
from tmlmap.corpus.records import Paper, RecordError, validate_record

#: Shard file endings, longest first.
SHARD_SUFFIXES = (".jsonl.gz", ".parquet", ".jsonl")


def shard_format(url: str) -> str:
    """``"jsonl"`` or ``"parquet"`` from the file name; RecordError for anything else."""
    name = url.lower().rsplit("/", 1)[-1]
    for suffix in SHARD_SUFFIXES:
        if name.endswith(suffix):
            return "parquet" if suffix == ".parquet" else "jsonl"
    raise RecordError("unknown shard type; expected .jsonl, .jsonl.gz or .parquet", where=url)


def _is_url(path: str) -> bool:
    return "://" in path


def expand_shards(paths: Sequence[str | Path]) -> list[str]:
    """The shard files named by ``paths``: files, directories (their shard files)
    or glob patterns, local or fsspec URLs. Sorted within each argument and
    deduplicated; RecordError when an argument matches no shard."""
    out: list[str] = []
    for raw in paths:
        path = str(raw)
        if _is_url(path):
            import fsspec

            fs, _, found = fsspec.get_fs_token_paths(path)
            if len(found) == 1 and fs.isdir(found[0]):
                found = [f for f in fs.ls(found[0], detail=False) if f.lower().endswith(SHARD_SUFFIXES)]
            protocol = path.split("://", 1)[0]
            matches = sorted(f if "://" in f else f"{protocol}://{f}" for f in found)
        else:
            local = Path(path)
            if local.is_dir():
                matches = sorted(str(p) for p in local.iterdir() if p.name.lower().endswith(SHARD_SUFFIXES))
            elif any(ch in path for ch in "*?["):
                import glob

                matches = sorted(glob.glob(path))
            else:
                if not local.is_file():
                    raise RecordError("no such file", where=path)
                matches = [str(local)]
        matches = [m for m in matches if m.lower().endswith(SHARD_SUFFIXES)]
        if not matches:
            raise RecordError("matches no .jsonl, .jsonl.gz or .parquet shard", where=path)
        for m in matches:
            shard_format(m)
            if m not in out:
                out.append(m)
    return out


def _open(url: str, mode: str) -> Any:
    if _is_url(url):
        import fsspec

        return fsspec.open(url, mode, compression="infer", **({"encoding": "utf-8"} if "t" in mode else {})).open()
    if url.lower().endswith(".gz") and "t" in mode:
        import gzip

        return gzip.open(url, "rt", encoding="utf-8-sig")
    return open(url, mode, **({"encoding": "utf-8-sig"} if "t" in mode else {}))  # noqa: SIM115


def _jsonl_records(url: str) -> Iterator[tuple[str, dict[str, Any]]]:
    with _open(url, "rt") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            where = f"{url}:{lineno}"
            if len(line) > MAX_LINE_CHARS:
                raise RecordError(f"line is {len(line):,} characters, over the limit of {MAX_LINE_CHARS:,}",
                                  where=where)
            try:
                obj = json.loads(line)
            except (json.JSONDecodeError, RecursionError) as exc:
                raise RecordError(f"malformed JSON: {exc}", where=where) from None
            if not isinstance(obj, dict):
                raise RecordError(f"expected a JSON object, got {type(obj).__name__}", where=where)
            yield where, obj


def _parquet_records(url: str) -> Iterator[tuple[str, dict[str, Any]]]:
    import pyarrow.parquet as pq

    with _open(url, "rb") as fh:
        table = pq.read_table(fh)
    for i, row in enumerate(table.to_pylist(), start=1):
        yield f"{url}:row {i}", row


def read_shard(url: str) -> list[Paper]:
    """Every record of one shard as a validated :class:`Paper`, in file order.

    Raises :class:`RecordError` naming the file and line (row) of the first
    record that cannot be read or fails validation: a build should not
    silently map a different corpus than the one it was given.
    """
    reader = _parquet_records if shard_format(url) == "parquet" else _jsonl_records
    try:
        return [validate_record(_clean_fields(raw, tex=False), where=where) for where, raw in reader(url)]
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise RecordError(f"cannot read the shard: {exc}", where=url) from exc


def write_jsonl_shards(papers: Sequence[Paper], directory: str | Path, n_shards: int, *, gzip_: bool = True) -> list[str]:
    """Split ``papers`` into ``n_shards`` JSONL(.gz) files in ``directory`` (round-robin,
    so shards are not sorted by id); returns their paths. For tests and benchmarks."""
    import gzip

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for s in range(n_shards):
        path = directory / f"part-{s:05d}.jsonl{'.gz' if gzip_ else ''}"
        opener = gzip.open if gzip_ else open
        with opener(path, "wt", encoding="utf-8") as fh:
            for p in papers[s::n_shards]:
                fh.write(json.dumps(p.to_dict(), ensure_ascii=False) + "\n")
        paths.append(str(path))
    return paths
