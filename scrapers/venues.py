"""The venue registry: a TOML file that maps spec names to sources (shipped: ``venues.toml``).

Tables (all optional in a user file, which extends the shipped one with
``--venues-file``; an entry with the same name replaces the shipped one):

``[pmlr.<name>]``
    ``venue`` (label stored with each paper), ``volumes`` ({year = volume}),
    optional ``aliases`` (other spec names). Spec: ``<name>:<year>``.
``[proceedings.<name>]``
    a host running the NeurIPS proceedings software: ``venue``, ``url``.
    Spec: ``<name>:<year>`` (e.g. ``mlsys:2025`` is stored as MLSys).
``[openreview.<name>]``
    ``venue_id`` (with ``{year}`` for per-year venues), optional ``venue``
    label. Spec: ``<name>:<year>`` or ``<name>``.
``[openreview_api_v1]``
    ``venue_ids``: venues that live on OpenReview API v1 only.
``[acl.names]``
    collection slug = venue label.
``[openalex.<name>]``
    ``venue``, ``doi_prefixes`` ({year = "10.xxxx/..."}), optional ``aliases``.
    Spec: ``openalex:<name>:<year>``.
``[presets]``
    ``<preset> = [spec, ...]`` for ``--preset``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

SHIPPED = "venues.toml"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_*+-]{0,40}$")
_YEAR = re.compile(r"^(19|20)\d\d$")
MAX_FILE_BYTES = 1_000_000


class VenueFileError(ValueError):
    """A venue registry file is unreadable or has a bad entry; the message names the file and the entry."""


@dataclass(frozen=True)
class PMLRVenue:
    venue: str
    volumes: Mapping[int, int]


@dataclass(frozen=True)
class ProceedingsHost:
    venue: str
    url: str


@dataclass(frozen=True)
class OpenReviewVenue:
    venue_id: str
    venue: str | None = None


@dataclass(frozen=True)
class OpenAlexVenue:
    venue: str
    doi_prefixes: Mapping[int, str]


@dataclass(frozen=True)
class VenueRegistry:
    """Spec name -> venue, per source kind; built by :func:`load_registry`."""

    pmlr: Mapping[str, PMLRVenue] = field(default_factory=dict)
    proceedings: Mapping[str, ProceedingsHost] = field(default_factory=dict)
    openreview: Mapping[str, OpenReviewVenue] = field(default_factory=dict)
    openreview_v1: frozenset[str] = frozenset()
    acl_names: Mapping[str, str] = field(default_factory=dict)
    openalex: Mapping[str, OpenAlexVenue] = field(default_factory=dict)
    presets: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def pmlr_by_volume(self) -> dict[int, tuple[str, int]]:
        """volume -> (venue label, year), over every PMLR venue."""
        return {
            vol: (v.venue, year) for v in self.pmlr.values() for year, vol in v.volumes.items()
        }


def _fail(where: str, message: str) -> VenueFileError:
    return VenueFileError(f"{where}: {message}")


def _table(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise _fail(where, f"[{key}] must be a table")
    return value


def _str(entry: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str | None:
    value = entry.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > 300:
        raise _fail(where, f"{key!r} must be a non-empty string")
    return value.strip()


def _years(entry: Mapping[str, Any], key: str, where: str, kind: type) -> dict[int, Any]:
    table = entry.get(key)
    if not isinstance(table, Mapping) or not table:
        raise _fail(where, f"{key!r} must be a table of year = value")
    out: dict[int, Any] = {}
    for year, value in table.items():
        if not _YEAR.match(str(year)):
            raise _fail(where, f"{key}: {year!r} is not a year")
        if not isinstance(value, kind) or isinstance(value, bool):
            raise _fail(where, f"{key}.{year} must be a {kind.__name__}")
        out[int(year)] = value
    return out


def _names(name: str, entry: Mapping[str, Any], where: str) -> list[str]:
    aliases = entry.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise _fail(where, "'aliases' must be a list of names")
    names = [name.lower(), *(a.lower() for a in aliases)]
    for n in names:
        if not _NAME.match(n):
            raise _fail(where, f"{n!r} is not a usable spec name (lower-case letters, digits, -_*+)")
    return names


def _merge(base: dict[str, Any], data: Mapping[str, Any], where: str) -> None:
    """Fold one parsed registry file into ``base`` (the accumulated tables)."""
    for name, entry in _table(data, "pmlr", where).items():
        w = f"{where} [pmlr.{name}]"
        if not isinstance(entry, Mapping):
            raise _fail(w, "must be a table")
        venue = PMLRVenue(_str(entry, "venue", w) or name, _years(entry, "volumes", w, int))
        for n in _names(name, entry, w):
            base["pmlr"][n] = venue
    for name, entry in _table(data, "proceedings", where).items():
        w = f"{where} [proceedings.{name}]"
        if not isinstance(entry, Mapping):
            raise _fail(w, "must be a table")
        url = _str(entry, "url", w) or ""
        if not re.match(r"^https?://[^\s/]+", url):
            raise _fail(w, f"url {url!r} must start with http:// or https://")
        host = ProceedingsHost(_str(entry, "venue", w) or name, url.rstrip("/"))
        for n in _names(name, entry, w):
            base["proceedings"][n] = host
    for name, entry in _table(data, "openreview", where).items():
        w = f"{where} [openreview.{name}]"
        if not isinstance(entry, Mapping):
            raise _fail(w, "must be a table")
        venue_id = _str(entry, "venue_id", w) or ""
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-/{}]{0,199}", venue_id):
            raise _fail(w, f"venue_id {venue_id!r} is not an OpenReview venue id")
        orv = OpenReviewVenue(venue_id, _str(entry, "venue", w, required=False))
        for n in _names(name, entry, w):
            base["openreview"][n] = orv
    v1 = _table(data, "openreview_api_v1", where).get("venue_ids", [])
    if not isinstance(v1, list) or not all(isinstance(v, str) for v in v1):
        raise _fail(f"{where} [openreview_api_v1]", "'venue_ids' must be a list of strings")
    base["openreview_v1"].update(v1)
    names = _table(_table(data, "acl", where), "names", f"{where} [acl]")
    for slug, label in names.items():
        if not isinstance(label, str):
            raise _fail(f"{where} [acl.names]", f"{slug} must be a string")
        base["acl_names"][str(slug).lower()] = label
    for name, entry in _table(data, "openalex", where).items():
        w = f"{where} [openalex.{name}]"
        if not isinstance(entry, Mapping):
            raise _fail(w, "must be a table")
        prefixes = _years(entry, "doi_prefixes", w, str)
        for year, prefix in prefixes.items():
            if not re.fullmatch(r"10\.\d{4,9}/[^\s]{1,100}", prefix):
                raise _fail(w, f"doi_prefixes.{year} {prefix!r} is not a DOI prefix")
        venue = OpenAlexVenue(_str(entry, "venue", w) or name, prefixes)
        for n in _names(name, entry, w):
            base["openalex"][n] = venue
    for name, specs in _table(data, "presets", where).items():
        if not isinstance(specs, list) or not all(isinstance(x, str) for x in specs):
            raise _fail(f"{where} [presets]", f"{name} must be a list of specs")
        base["presets"][str(name)] = tuple(specs)


def _read(path: Path | None) -> tuple[Mapping[str, Any], str]:
    if path is None:
        text = resources.files("scrapers").joinpath(SHIPPED).read_text(encoding="utf-8")
        return tomllib.loads(text), f"scrapers/{SHIPPED}"
    where = str(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise _fail(where, f"larger than {MAX_FILE_BYTES:,} bytes")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise _fail(where, f"cannot read it ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise _fail(where, "not UTF-8 text") from None
    try:
        return tomllib.loads(text), where
    except tomllib.TOMLDecodeError as exc:
        raise _fail(where, f"not valid TOML ({exc})") from None


def load_registry(extra_files: Iterable[Path | str] = ()) -> VenueRegistry:
    """The shipped registry extended by ``extra_files`` in order; :class:`VenueFileError` on a bad file."""
    base: dict[str, Any] = {
        "pmlr": {}, "proceedings": {}, "openreview": {}, "openreview_v1": set(),
        "acl_names": {}, "openalex": {}, "presets": {},
    }  # fmt: skip
    for path in (None, *(Path(p) for p in extra_files)):
        data, where = _read(path)
        _merge(base, data, where)
    return VenueRegistry(
        pmlr=base["pmlr"],
        proceedings=base["proceedings"],
        openreview=base["openreview"],
        openreview_v1=frozenset(base["openreview_v1"]),
        acl_names=base["acl_names"],
        openalex=base["openalex"],
        presets=base["presets"],
    )


#: The shipped registry (what specs use unless a config names another).
DEFAULT = load_registry()
