"""Stage 8, artifacts: save and reload maps (and the token cache) without pickle.

A map is a directory with ``meta.json`` (settings, terms, communities,
extractor strings, timings) and ``arrays.npz`` (numpy arrays; sparse matrices
as CSR ``data``/``indices``/``indptr``). Directories are written under a
temporary name and renamed into place, so a crash never leaves a half-written
map that would later be loaded. Loading uses ``allow_pickle=False``: a cache
directory is data, never code.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from tmlmap.text.normalize import TokenStream

#: Token caches (and, until version 3, maps).
FORMAT_VERSION = 2  # 2: word_docs (papers of every form, for the risk scorer)
#: Saved maps: 3 keeps every form's most common spelling (reports say "data", not "datum"); a map
#: saved by an earlier version is rebuilt, its token cache reused.
MAP_FORMAT_VERSION = 3


def _put_csr(arrays: dict[str, np.ndarray], name: str, m: sp.csr_matrix) -> None:
    m = sp.csr_matrix(m)
    arrays[f"{name}.data"] = m.data
    arrays[f"{name}.indices"] = m.indices
    arrays[f"{name}.indptr"] = m.indptr
    arrays[f"{name}.shape"] = np.asarray(m.shape, dtype=np.int64)


def _get_csr(arrays: Any, name: str) -> sp.csr_matrix:
    shape = tuple(int(x) for x in arrays[f"{name}.shape"])
    return sp.csr_matrix((arrays[f"{name}.data"], arrays[f"{name}.indices"], arrays[f"{name}.indptr"]), shape=shape)


def _write_dir(path: Path, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        np.savez(tmp / "arrays.npz", **arrays)
        (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        if path.exists():
            shutil.rmtree(path)
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _read_dir(path: Path, version: int = FORMAT_VERSION) -> tuple[dict[str, Any], dict[str, np.ndarray]] | None:
    path = Path(path)
    try:
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        if meta.get("format_version") != version:
            return None
        with np.load(path / "arrays.npz", allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError, KeyError):
        return None
    return meta, arrays


def exists(path: str | Path) -> bool:
    path = Path(path)
    return (path / "meta.json").is_file() and (path / "arrays.npz").is_file()


def save_map(term_map: Any, path: str | Path) -> None:
    """Write ``term_map`` (a :class:`~tmlmap.maps.termmap.TermMap`) to directory ``path``."""
    ex_meta, ex_arrays = term_map.extractor.state()
    meta = {
        "format_version": MAP_FORMAT_VERSION,
        "settings": term_map.settings.to_dict(),
        "terms": term_map.terms,
        "doc_ids": term_map.doc_ids,
        "doc_venues": [str(v) for v in term_map.doc_venues],
        "communities": [c.to_dict() for c in term_map.communities],
        "modularity": term_map.modularity,
        "stability_ari": term_map.stability_ari,
        "corpus_fingerprint": term_map.corpus_fingerprint,
        "timings": term_map.timings,
        "extractor": ex_meta,
    }
    arrays = {
        "doc_freq": np.asarray(term_map.doc_freq),
        "doc_years": np.asarray(term_map.doc_years),
        "community": np.asarray(term_map.community),
    }
    for k, v in ex_arrays.items():
        arrays[f"extractor.{k}"] = v
    _put_csr(arrays, "X", term_map.X)
    _put_csr(arrays, "cooccurrence", term_map.cooccurrence)
    _put_csr(arrays, "adjacency", term_map.adjacency)
    if getattr(term_map, "word_docs", None) is not None:
        _put_csr(arrays, "word_docs", term_map.word_docs)
    _write_dir(Path(path), meta, arrays)


def load_map(path: str | Path, normalizer: Any = None) -> Any:
    """Load a map saved by :func:`save_map`; None if missing, corrupt or of another format."""
    from tmlmap.maps.settings import MapSettings
    from tmlmap.maps.termmap import Community, TermMap
    from tmlmap.text.extractor import TermExtractor

    got = _read_dir(Path(path), MAP_FORMAT_VERSION)
    if got is None:
        return None
    meta, arrays = got
    ex_arrays = {k.split(".", 1)[1]: v for k, v in arrays.items() if k.startswith("extractor.")}
    extractor = TermExtractor.from_state(meta["extractor"], ex_arrays, normalizer)
    return TermMap(
        settings=MapSettings.from_dict(meta["settings"]),
        terms=list(meta["terms"]),
        doc_freq=arrays["doc_freq"],
        doc_ids=list(meta["doc_ids"]),
        doc_years=arrays["doc_years"],
        doc_venues=np.asarray(meta["doc_venues"], dtype=str),
        X=_get_csr(arrays, "X"),
        cooccurrence=_get_csr(arrays, "cooccurrence"),
        adjacency=_get_csr(arrays, "adjacency"),
        community=arrays["community"],
        communities=[Community(**c) for c in meta["communities"]],
        modularity=float(meta["modularity"]),
        stability_ari=float(meta["stability_ari"]),
        corpus_fingerprint=meta["corpus_fingerprint"],
        extractor=extractor,
        timings=dict(meta.get("timings", {})),
        word_docs=_get_csr(arrays, "word_docs") if "word_docs.shape" in arrays else None,
    )


def save_token_cache(path: str | Path, stream: TokenStream, forms: list[str], surfaces: list[str]) -> None:
    """Keep a tokenized corpus: form-id stream with spelling ids, form keys, spellings."""
    meta = {"format_version": FORMAT_VERSION, "forms": forms, "surfaces": surfaces}
    arrays = {"tokens": stream.tokens, "indptr": stream.indptr}
    if stream.surfaces is not None:
        arrays["surfaces"] = stream.surfaces
    _write_dir(Path(path), meta, arrays)


def load_token_cache(path: str | Path) -> tuple[TokenStream, list[str], list[str]] | None:
    got = _read_dir(Path(path))
    if got is None or "surfaces" not in got[0]:
        return None
    meta, arrays = got
    stream = TokenStream(arrays["tokens"], arrays["indptr"], surfaces=arrays.get("surfaces"))
    return stream, list(meta["forms"]), list(meta["surfaces"])


def content_key(parts: list[Any]) -> str:
    """A hex SHA-256 of ``parts``: numpy arrays by dtype, shape and bytes, anything else by its ``repr``."""
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, np.ndarray):
            arr = np.ascontiguousarray(part)
            h.update(f"{arr.dtype.str}{arr.shape}".encode())
            h.update(memoryview(arr).cast("B") if arr.size else b"")
        elif isinstance(part, bytes):
            h.update(part)
        else:
            h.update(repr(part).encode())
        h.update(b"\x00")
    return h.hexdigest()


def cached_array(folder: str | Path, prefix: str, key: str, compute: Callable[[], np.ndarray], *,
                 keep: int = 8) -> np.ndarray:
    """``compute()``, kept in ``folder/{prefix}-{key[:32]}.npy`` for the next process with the same ``key``
    (a :func:`content_key` of everything the array depends on).

    A file that is missing, unreadable or not a plain numeric array is computed again (never
    unpickled); the write is atomic (a temporary file, then ``os.replace``), and only the ``keep``
    most recently used files of ``prefix`` stay. Failing to write (read-only folder) only costs the
    next process the time.
    """
    folder = Path(folder)
    path = folder / f"{prefix}-{key[:32]}.npy"
    try:
        value = np.load(path, allow_pickle=False)
        if value.dtype.kind in "fiub":
            os.utime(path)
            return value
    except (OSError, ValueError):
        pass
    value = compute()
    tmp = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{prefix}-", suffix=".npy", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, value, allow_pickle=False)
        os.replace(tmp, path)
        tmp = None
        others = sorted(folder.glob(f"{prefix}-*.npy"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in others[keep:]:
            old.unlink(missing_ok=True)
    except OSError:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return value
