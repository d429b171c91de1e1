"""Maps: the validated :class:`MapSettings`, the build pipeline, :class:`TermMap`, artifacts.

Data flow: corpus store + settings -> :func:`build_map` (text, then network stages) ->
:class:`TermMap` -> saved by :mod:`tmlmap.maps.artifacts` and reused by :func:`load_or_build`.
"""

from tmlmap.maps.build import build_map, is_stale, load_or_build, map_key, map_path, paper_text
from tmlmap.maps.settings import MapSettings
from tmlmap.maps.termmap import TermMap

__all__ = [
    "MapSettings",
    "TermMap",
    "build_map",
    "is_stale",
    "load_or_build",
    "map_key",
    "map_path",
    "paper_text",
]
