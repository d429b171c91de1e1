"""The shared helper subprocess and the CLI's argument types."""

from __future__ import annotations

import argparse

import pytest

from tmlmap.cli.args import bounded, parsed_by
from tmlmap.helper_process import HelperProcess


def test_bounded_numbers_are_parsed_and_out_of_range_is_a_usage_error():
    limit = bounded(int, 1, 10_000)
    assert limit("25") == 25
    with pytest.raises(argparse.ArgumentTypeError, match="between 1 and 10000"):
        limit("0")
    with pytest.raises(argparse.ArgumentTypeError, match="not a number: 'x'"):
        limit("x")
    weight = bounded(float, 0.0, 1.0, "a weighted inclusion index")
    assert weight("0.25") == 0.25
    with pytest.raises(argparse.ArgumentTypeError, match=r"between 0.0 and 1.0 \(a weighted inclusion index\)"):
        weight("1.5")


def test_a_parser_value_error_becomes_a_usage_error_with_its_message():
    def parse(text: str) -> int:
        if not text.isdigit():
            raise ValueError(f"expected digits, got {text!r}")
        return int(text)

    arg = parsed_by(parse)
    assert arg("7") == 7
    with pytest.raises(argparse.ArgumentTypeError, match="expected digits, got 'a'"):
        arg("a")


def test_a_helper_that_cannot_answer_raises_oserror_and_is_cleaned_up():
    # tmlmap.lexicons has no --worker loop: the process exits at once without an answer.
    helper = HelperProcess("tmlmap.lexicons", "tmlmap-test-")
    folder = helper.folder  # starts it
    assert helper.running
    helper.request("anything")
    with pytest.raises(OSError, match="exit code"):
        helper.answer()
    helper.kill()
    assert not helper.running
    helper.close()
    import os

    assert not os.path.exists(folder)
