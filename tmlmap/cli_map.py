"""Sub-commands (placeholder until this group lands)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's sub-commands to ``sub``."""
