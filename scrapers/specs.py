"""Source specs (``icml:2024``, ``openreview:ICLR.cc/2024/Conference``, ...), the venue registry and presets.

Which names exist comes from the venue registry (:mod:`scrapers.venues`,
``venues.toml`` plus any ``--venues-file``); the forms themselves are fixed:
``pmlr:vN``, ``<pmlr venue>:<year>``, ``<proceedings host>:<year>``,
``openreview:<venue id>``, ``<openreview venue>[:<year>]``, ``acl:<volume>``,
``arxiv:<query>``, ``openalex:<venue>:<year>``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from . import acl, arxiv, neurips, openalex, openreview, pmlr
from .base import Source
from .http import HttpSettings
from .venues import DEFAULT, VenueRegistry

#: The sources a ``--base-url SOURCE=URL`` can point elsewhere.
SOURCES = ("pmlr", "neurips", "openreview", "acl", "arxiv", "openalex")

SPEC_HELP = """\
valid source specs:
  pmlr:v235                      a PMLR volume (also pmlr:235)
  icml:2024 aistats:2024 colt:2024 clear:2023 uai:2023 fat:2018
                                 a PMLR conference-year (volumes from the venue registry)
  neurips:2024 mlsys:2025        a year of a NeurIPS-style proceedings host (registry: [proceedings])
  openreview:VENUE_ID            an OpenReview venue id, e.g. openreview:ICLR.cc/2024/Conference,
                                 openreview:NeurIPS.cc/2023/Conference, openreview:TMLR
  iclr:2024  tmlr                registry short names for OpenReview venue ids
  acl:VOLUME                     an ACL Anthology volume, e.g. acl:2024.trustnlp-1, acl:2023.acl-long
  arxiv:QUERY                    an arXiv API query, e.g. arxiv:"cat:cs.LG AND abs:fairness";
                                 arxiv:ids=2402.01234,2401.05678 for named papers
  openalex:VENUE:YEAR            an OpenAlex venue-year: openalex:facct:2023, openalex:aies:2023
  --preset trustworthy-ml        the documented list of recent ML and trustworthy-ML venues
  --venues-file FILE             a TOML file adding venues and presets (see the README)"""

#: The shipped presets (``--preset``); a venues file can add more.
PRESETS: dict[str, tuple[str, ...]] = dict(DEFAULT.presets)


class SpecError(ValueError):
    """A spec is not one of the valid forms; the message lists them."""

    def __init__(self, spec: str, why: str) -> None:
        self.spec = spec
        super().__init__(f"bad source spec {spec!r}: {why}\n{SPEC_HELP}")


@dataclass(frozen=True)
class ScrapeConfig:
    """Run-wide settings: HTTP politeness, base URLs (mirrors, tests), page sizes, the venue registry.

    ``base_urls`` maps a source name (one of :data:`SOURCES`) to its base
    URL; ``page_size`` overrides the API page sizes; ``arxiv_max_results``
    caps one arXiv query; ``batch_size`` is the number of papers per store
    transaction; ``workers`` the number of detail pages fetched at once;
    ``venues`` the registry specs are read against; ``env`` where
    credentials are read from (``os.environ`` unless a test passes its own);
    ``openalex_min_keyword_score`` the lowest OpenAlex keyword score kept.
    """

    http: HttpSettings = field(default_factory=HttpSettings)
    base_urls: Mapping[str, str] = field(default_factory=dict)
    page_size: int | None = None
    arxiv_max_results: int = arxiv.MAX_RESULTS
    mailto: str | None = field(default_factory=lambda: os.environ.get("TMLMAP_MAILTO") or None)
    batch_size: int = 200
    workers: int = 4
    venues: VenueRegistry = DEFAULT
    env: Mapping[str, str] | None = None
    openalex_min_keyword_score: float = openalex.MIN_KEYWORD_SCORE
    arxiv_empty_page_retries: int = arxiv.EMPTY_PAGE_RETRIES

    @property
    def environ(self) -> Mapping[str, str]:
        return os.environ if self.env is None else self.env


def parse_base_url(text: str) -> tuple[str, str]:
    """``SOURCE=URL`` -> (source, url); ValueError naming the valid sources if malformed."""
    source, sep, url = text.partition("=")
    source = source.strip().lower()
    url = url.strip()
    if not sep or source not in SOURCES:
        raise ValueError(f"--base-url {text!r}: expected SOURCE=URL, SOURCE one of {', '.join(SOURCES)}")
    if not re.match(r"^https?://[^\s/]+", url):
        raise ValueError(f"--base-url {text!r}: the URL must start with http:// or https://")
    return source, url.rstrip("/")


def _year(spec: str, text: str) -> int:
    if not re.fullmatch(r"(19|20)\d\d", text):
        raise SpecError(spec, f"{text!r} is not a year")
    return int(text)


def _openreview(spec: str, venueid: str, config: ScrapeConfig, label: str | None = None) -> Source:
    return openreview.OpenReviewSource(
        spec,
        venueid,
        base_url=config.base_urls.get("openreview"),
        page_size=config.page_size,
        api_v1=venueid in config.venues.openreview_v1,
        env=config.environ,
        venue=label,
    )


def parse_spec(
    spec: str, config: ScrapeConfig | None = None, *, since: int | None = None
) -> Source:
    """Build the :class:`~scrapers.base.Source` a spec names; :class:`SpecError` if it is malformed."""
    config = config or ScrapeConfig()
    reg = config.venues
    spec = spec.strip()
    kind, sep, arg = spec.partition(":")
    kind = kind.lower()
    arg = arg.strip().strip("\"'")
    base = config.base_urls.get

    if not sep and kind in reg.openreview:
        entry = reg.openreview[kind]
        if "{year}" in entry.venue_id:
            raise SpecError(spec, f"{kind} needs a year ({kind}:YEAR)")
        return _openreview(spec, entry.venue_id, config, entry.venue)
    if not sep or not arg:
        raise SpecError(spec, "expected KIND:ARGUMENT")
    if kind == "pmlr":
        m = re.fullmatch(r"v?(\d{1,4})", arg)
        if not m:
            raise SpecError(spec, "expected a volume like v235")
        volume = int(m.group(1))
        venue, year = reg.pmlr_by_volume().get(volume, (f"PMLR v{volume}", 0))
        return pmlr.PMLRSource(spec, volume, venue=venue, year=year, base_url=base("pmlr"))
    if kind in reg.pmlr:
        entry_p = reg.pmlr[kind]
        year = _year(spec, arg)
        if year not in entry_p.volumes:
            known = ", ".join(str(y) for y in sorted(entry_p.volumes))
            raise SpecError(
                spec,
                f"no PMLR volume known for {entry_p.venue} {year} (known: {known}); "
                "use pmlr:vN or add it with --venues-file",
            )
        return pmlr.PMLRSource(
            spec, entry_p.volumes[year], venue=entry_p.venue, year=year, base_url=base("pmlr")
        )
    if kind in reg.proceedings:
        host = reg.proceedings[kind]
        url = base("neurips") if kind == "neurips" and base("neurips") else host.url
        return neurips.NeurIPSSource(spec, _year(spec, arg), base_url=url, venue=host.venue)
    if kind in reg.openreview:
        entry = reg.openreview[kind]
        if "{year}" not in entry.venue_id:
            raise SpecError(spec, f"{kind} takes no year (just {kind})")
        return _openreview(
            spec, entry.venue_id.replace("{year}", str(_year(spec, arg))), config, entry.venue
        )
    if kind == "openreview":
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-/]{0,199}", arg) or ".." in arg:
            raise SpecError(spec, "expected a venue id like ICLR.cc/2024/Conference or TMLR")
        return _openreview(spec, arg, config)
    if kind == "acl":
        if not acl.VOLUME_RE.match(arg):
            raise SpecError(spec, "expected a volume id like 2024.trustnlp-1 or 2023.acl-long")
        return acl.ACLSource(spec, arg, base_url=base("acl"), names=reg.acl_names)
    if kind == "arxiv":
        if len(arg) > 10_000 or (len(arg) > 1000 and not arg.startswith("ids=")):
            raise SpecError(spec, "query is too long")
        try:
            return arxiv.ArxivSource(
                spec,
                arg,
                base_url=base("arxiv"),
                page_size=config.page_size,
                max_results=config.arxiv_max_results,
                since=since,
                empty_page_retries=config.arxiv_empty_page_retries,
            )
        except ValueError as exc:
            raise SpecError(spec, str(exc)) from None
    if kind == "openalex":
        venue_text, _, year_text = arg.rpartition(":")
        entry_a = reg.openalex.get(venue_text.lower())
        if entry_a is None:
            known = ", ".join(sorted(reg.openalex))
            raise SpecError(spec, f"unknown OpenAlex venue {venue_text!r} (known: {known})")
        year = _year(spec, year_text)
        if year not in entry_a.doi_prefixes:
            known = ", ".join(str(y) for y in sorted(entry_a.doi_prefixes))
            raise SpecError(
                spec, f"no proceedings DOI known for {entry_a.venue} {year} (known: {known})"
            )
        return openalex.OpenAlexSource(
            spec,
            entry_a.venue,
            year,
            prefix=entry_a.doi_prefixes[year],
            base_url=base("openalex"),
            page_size=config.page_size,
            mailto=config.mailto,
            api_key=config.environ.get("OPENALEX_API_KEY") or None,
            min_keyword_score=config.openalex_min_keyword_score,
        )
    raise SpecError(spec, f"unknown source kind {kind!r}")


def spec_year(spec: str, venues: VenueRegistry = DEFAULT) -> int | None:
    """The year a spec is about, if it names one (for ``--since`` on presets)."""
    kind, _, arg = spec.partition(":")
    kind = kind.lower()
    if kind == "arxiv" or (kind in venues.openreview and not arg):
        return None
    if kind == "openreview":
        m = re.search(r"/(\d{4})(?:/|$)", arg)
        return int(m.group(1)) if m else None
    if kind == "pmlr":
        m = re.fullmatch(r"v?(\d+)", arg.strip())
        return venues.pmlr_by_volume().get(int(m.group(1)), (None, None))[1] if m else None
    m = re.search(r"(?<!\d)((?:19|20)\d\d)(?!\d)", arg)
    return int(m.group(1)) if m else None


def expand(
    specs: list[str],
    preset: str | None = None,
    *,
    since: int | None = None,
    venues: VenueRegistry = DEFAULT,
) -> list[str]:
    """Specs plus a preset's, deduplicated in order; with ``since``, drop specs about earlier years."""
    out: list[str] = []
    if preset is not None:
        if preset not in venues.presets:
            raise SpecError(
                f"--preset {preset}", f"unknown preset (known: {', '.join(venues.presets)})"
            )
        out.extend(venues.presets[preset])
    out.extend(specs)
    seen: set[str] = set()
    result = []
    for spec in out:
        if spec in seen:
            continue
        seen.add(spec)
        year = spec_year(spec, venues)
        if since is not None and year is not None and year < since:
            continue
        result.append(spec)
    return result
