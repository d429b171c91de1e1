"""Argument types shared by the commands: a parser's ValueError becomes argparse's one-line usage error."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def parsed_by(parse: Callable[[str], T]) -> Callable[[str], T]:
    """An argparse ``type`` that calls ``parse`` and reports its ValueError as a usage error."""

    def argument(text: str) -> T:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    argument.__name__ = getattr(parse, "__name__", "argument")
    return argument


def bounded(kind: Callable[[str], T], lo: T, hi: T, meaning: str = "") -> Callable[[str], T]:
    """An argparse ``type``: ``kind(text)`` (``int`` or ``float``) within ``[lo, hi]``."""

    def argument(text: str) -> T:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not lo <= value <= hi:  # type: ignore[operator]
            raise argparse.ArgumentTypeError(f"must be between {lo} and {hi}{f' ({meaning})' if meaning else ''}")
        return value

    argument.__name__ = getattr(kind, "__name__", "number")
    return argument
