"""Source specs (``icml:2024``, ``openreview:ICLR.cc/2024/Conference``, ...) and presets."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from . import acl, arxiv, neurips, openalex, openreview, pmlr
from .base import Source
from .http import HttpSettings

SPEC_HELP = """\
valid source specs:
  pmlr:v235                      a PMLR volume (also pmlr:235)
  icml:2024 aistats:2024 colt:2024 clear:2023 uai:2023 fat:2018
                                 a PMLR conference-year (see scrapers/pmlr.py for the volume table)
  neurips:2023                   a NeurIPS proceedings year (proceedings.neurips.cc)
  openreview:VENUE_ID            an OpenReview venue id, e.g. openreview:ICLR.cc/2024/Conference,
                                 openreview:NeurIPS.cc/2023/Conference, openreview:TMLR
  iclr:2024  tmlr                short for openreview:ICLR.cc/2024/Conference, openreview:TMLR
  acl:VOLUME                     an ACL Anthology volume, e.g. acl:2024.trustnlp-1, acl:2023.acl-long
  arxiv:QUERY                    an arXiv API query, e.g. arxiv:"cat:cs.LG AND abs:fairness"
  openalex:VENUE:YEAR            an OpenAlex venue-year: openalex:facct:2023, openalex:aies:2023
  --preset trustworthy-ml        the documented list of recent ML and trustworthy-ML venues"""

#: Recent ML and trustworthy-ML venues (``--preset trustworthy-ml``).
PRESETS: dict[str, tuple[str, ...]] = {
    "trustworthy-ml": (
        # General ML venues, where most trustworthy-ML work appears.
        "icml:2023", "icml:2024", "icml:2025",
        "aistats:2023", "aistats:2024", "aistats:2025",
        "neurips:2023", "neurips:2024",
        "iclr:2024", "iclr:2025",
        "tmlr",
        # Causality and fairness venues.
        "clear:2023", "clear:2024",
        "fat:2018",
        "openalex:facct:2022", "openalex:facct:2023", "openalex:facct:2024", "openalex:facct:2025",
        "openalex:aies:2022", "openalex:aies:2023", "openalex:aies:2024",
        # Trustworthy NLP.
        "acl:2022.trustnlp-1", "acl:2023.trustnlp-1", "acl:2024.trustnlp-1",
        # Preprints on fairness in ML.
        'arxiv:cat:cs.LG AND abs:fairness',
    ),
}  # fmt: skip


class SpecError(ValueError):
    """A spec is not one of the valid forms; the message lists them."""

    def __init__(self, spec: str, why: str) -> None:
        self.spec = spec
        super().__init__(f"bad source spec {spec!r}: {why}\n{SPEC_HELP}")


@dataclass(frozen=True)
class ScrapeConfig:
    """Run-wide settings: HTTP politeness, base URLs (tests point them at a local server), page sizes.

    ``base_urls`` maps a source name (``pmlr``, ``neurips``, ``openreview``,
    ``acl``, ``arxiv``, ``openalex``) to its base URL; ``page_size`` overrides
    the API page sizes; ``arxiv_max_results`` caps one arXiv query;
    ``batch_size`` is the number of papers per store transaction; ``workers``
    the number of detail pages fetched at once.
    """

    http: HttpSettings = field(default_factory=HttpSettings)
    base_urls: Mapping[str, str] = field(default_factory=dict)
    page_size: int | None = None
    arxiv_max_results: int = arxiv.MAX_RESULTS
    mailto: str | None = field(default_factory=lambda: os.environ.get("TMLMAP_MAILTO") or None)
    batch_size: int = 200
    workers: int = 4


def _year(spec: str, text: str) -> int:
    if not re.fullmatch(r"(19|20)\d\d", text):
        raise SpecError(spec, f"{text!r} is not a year")
    return int(text)


def parse_spec(
    spec: str, config: ScrapeConfig | None = None, *, since: int | None = None
) -> Source:
    """Build the :class:`~scrapers.base.Source` a spec names; :class:`SpecError` if it is malformed."""
    config = config or ScrapeConfig()
    spec = spec.strip()
    kind, sep, arg = spec.partition(":")
    kind = kind.lower()
    arg = arg.strip().strip("\"'")
    base = config.base_urls.get

    if kind == "tmlr" and not sep:
        return openreview.OpenReviewSource(
            spec, "TMLR", base_url=base("openreview"), page_size=config.page_size
        )
    if not sep or not arg:
        raise SpecError(spec, "expected KIND:ARGUMENT")
    if kind == "pmlr":
        m = re.fullmatch(r"v?(\d{1,4})", arg)
        if not m:
            raise SpecError(spec, "expected a volume like v235")
        return pmlr.PMLRSource(spec, int(m.group(1)), base_url=base("pmlr"))
    if kind in pmlr.VENUE_ALIASES:
        venue = pmlr.VENUE_ALIASES[kind]
        year = _year(spec, arg)
        try:
            volume = pmlr.volume_for(venue, year)
        except KeyError:
            known = ", ".join(str(y) for y in sorted(pmlr.VOLUMES[venue]))
            raise SpecError(
                spec, f"no PMLR volume known for {venue} {year} (known: {known}); use pmlr:vN"
            ) from None
        return pmlr.PMLRSource(spec, volume, base_url=base("pmlr"))
    if kind == "neurips":
        return neurips.NeurIPSSource(spec, _year(spec, arg), base_url=base("neurips"))
    if kind == "iclr":
        venueid = f"ICLR.cc/{_year(spec, arg)}/Conference"
        return openreview.OpenReviewSource(
            spec, venueid, base_url=base("openreview"), page_size=config.page_size
        )
    if kind == "openreview":
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-/]{0,199}", arg):
            raise SpecError(spec, "expected a venue id like ICLR.cc/2024/Conference or TMLR")
        return openreview.OpenReviewSource(
            spec, arg, base_url=base("openreview"), page_size=config.page_size
        )
    if kind == "acl":
        if not acl.VOLUME_RE.match(arg):
            raise SpecError(spec, "expected a volume id like 2024.trustnlp-1 or 2023.acl-long")
        return acl.ACLSource(spec, arg, base_url=base("acl"))
    if kind == "arxiv":
        if len(arg) > 1000:
            raise SpecError(spec, "query is too long")
        return arxiv.ArxivSource(
            spec,
            arg,
            base_url=base("arxiv"),
            page_size=config.page_size,
            max_results=config.arxiv_max_results,
            since=since,
        )
    if kind == "openalex":
        venue_text, _, year_text = arg.rpartition(":")
        venue = openalex.VENUE_ALIASES.get(venue_text.lower())
        if venue is None:
            raise SpecError(spec, f"unknown OpenAlex venue {venue_text!r} (known: facct, aies)")
        year = _year(spec, year_text)
        if year not in openalex.DOI_PREFIXES[venue]:
            known = ", ".join(str(y) for y in sorted(openalex.DOI_PREFIXES[venue]))
            raise SpecError(spec, f"no proceedings DOI known for {venue} {year} (known: {known})")
        return openalex.OpenAlexSource(
            spec,
            venue,
            year,
            base_url=base("openalex"),
            page_size=config.page_size,
            mailto=config.mailto,
        )
    raise SpecError(spec, f"unknown source kind {kind!r}")


def spec_year(spec: str) -> int | None:
    """The year a spec is about, if it names one (for ``--since`` on presets)."""
    kind, _, arg = spec.partition(":")
    if kind.lower() in ("arxiv", "tmlr", "openreview", "pmlr"):
        if kind.lower() == "openreview":
            m = re.search(r"/(\d{4})(?:/|$)", arg)
            return int(m.group(1)) if m else None
        if kind.lower() == "pmlr":
            m = re.fullmatch(r"v?(\d+)", arg.strip())
            return pmlr.BY_VOLUME.get(int(m.group(1)), (None, None))[1] if m else None
        return None
    m = re.search(r"(?<!\d)((?:19|20)\d\d)(?!\d)", arg)
    return int(m.group(1)) if m else None


def expand(specs: list[str], preset: str | None = None, *, since: int | None = None) -> list[str]:
    """Specs plus a preset's, deduplicated in order; with ``since``, drop specs about earlier years."""
    out: list[str] = []
    if preset is not None:
        if preset not in PRESETS:
            raise SpecError(f"--preset {preset}", f"unknown preset (known: {', '.join(PRESETS)})")
        out.extend(PRESETS[preset])
    out.extend(specs)
    seen: set[str] = set()
    result = []
    for spec in out:
        if spec in seen:
            continue
        seen.add(spec)
        year = spec_year(spec)
        if since is not None and year is not None and year < since:
            continue
        result.append(spec)
    return result
