"""Audit of ``batchgen/models/check.py``: a job's values are held to their spec's types, and nothing unasked is sent.

A list of whole numbers takes no fraction and a list of numbers takes fractions, from any format; a
parameter marked ``send_default`` that has no default sends nothing (never ``null``, which the provider
would refuse after the job is paid).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from batchgen.models.check import check_params
from batchgen.models.loader import load_spec_file
from batchgen.models.spec import ModelSpec
from tests.helpers import write

SPEC = (
    "slug: kling-x\n"
    "kind: text-to-video\n"
    "source: {page: https://www.segmind.com/models/kling-x/api, read: 2026-12-03}\n"
    "latency_s: 90\n"
    "price: {source: test, range: [0.3, 1.0]}\n"
    "params:\n"
    "  prompt: {type: string, required: true}\n"
    "  frames: {type: list, items: integer, max_items: 4}\n"
    "  weights: {type: list, items: number, max_items: 4}\n"
    "  seed: {type: integer, send_default: true}\n"
)


def _spec(tmp_path: Path) -> ModelSpec:
    return load_spec_file(write(tmp_path / "kling-x.yaml", SPEC))


@pytest.mark.parametrize(("value", "from_text"), [([1, 1.5], False), ("[1, 1.5]", True)])
def test_a_list_of_whole_numbers_refuses_a_fraction_from_any_format(tmp_path, value, from_text):
    _, problems = check_params(_spec(tmp_path), {"prompt": "p", "frames": value}, from_text=from_text)
    assert problems == [("frames", "item 2 must be a whole number, got 1.5")]


@pytest.mark.parametrize(("value", "from_text"), [([0.5, 2], False), ("[0.5, 2]", True)])
def test_a_list_of_numbers_takes_fractions_from_any_format(tmp_path, value, from_text):
    params, problems = check_params(_spec(tmp_path), {"prompt": "p", "weights": value}, from_text=from_text)
    assert problems == [] and params["weights"] == [0.5, 2]


def test_a_list_of_numbers_refuses_text_that_is_no_number(tmp_path):
    _, problems = check_params(_spec(tmp_path), {"prompt": "p", "weights": [0.5, "heavy"]})
    assert problems == [("weights", "item 2 must be a number, got 'heavy'")]


def test_a_parameter_sent_by_default_that_has_no_default_is_not_sent_as_null(tmp_path):
    params, problems = check_params(_spec(tmp_path), {"prompt": "p"})
    assert problems == [] and params == {"prompt": "p"}
    params, _ = check_params(_spec(tmp_path), {"prompt": "p", "seed": 7})
    assert params == {"prompt": "p", "seed": 7}
