"""A job's price at the edges of its spec: a row naming a parameter the job leaves unset, per-second rates
for a combination no rate names, a duration given as a range, and the lowest price a listing shows.

The estimate feeds the dry run, the credit warning and ``--max-spend``: a price too low, or one called
exact when it is only a bound, lets a batch spend past its cap."""

from __future__ import annotations

from pathlib import Path

import pytest

from batchgen import params as model_params
from batchgen.models.check import check_params
from batchgen.models.loader import load_spec_file
from batchgen.models.price import highest, lowest, passes_cap, price_of
from batchgen.models.spec import ModelSpec
from tests.helpers import TEST_IMAGE_SPEC, png_bytes, write

HEAD = (
    "kind: text-to-video\nsource: {page: https://www.segmind.com/models/kling-x/api, read: 2026-12-03}\nlatency_s: 90\n"
)


def _spec(tmp_path: Path, body: str) -> ModelSpec:
    return load_spec_file(write(tmp_path / "kling-x.yaml", "slug: kling-x\n" + HEAD + body))


def test_a_row_naming_a_parameter_the_job_leaves_unset_is_not_its_price(tmp_path):
    # `mode` has no default: a job that does not name it is priced by no row of the table, so the estimate
    # is the model's highest known price, and says so; never the pro row's figure called exact.
    spec = _spec(
        tmp_path,
        "params:\n  prompt: {type: string, required: true}\n  mode: {type: enum, values: [std, pro]}\n"
        "  duration: {type: enum, values: [5, 10], default: 5}\n"
        "price:\n  source: test\n  by: [mode, duration]\n"
        "  table: [{mode: pro, duration: 5, usd: 0.9}, {mode: std, duration: 5, usd: 0.3}]\n  range: [0.3, 2.0]\n",
    )
    assert price_of(spec, {"prompt": "p"}) == (2.0, False)
    assert price_of(spec, {"prompt": "p", "mode": "std"}) == (0.3, True)
    assert price_of(spec, {"prompt": "p", "mode": "pro"}) == (0.9, True)


def test_a_combination_no_per_second_rate_names_costs_the_highest_rate_at_the_longest_duration(tmp_path):
    # Per-second rates only, no table and no range: an unpriced job is bounded by the dearest rate times
    # the longest duration (0.2 x 10 s), never by the (empty) table's $0.
    spec = _spec(
        tmp_path,
        "params:\n  prompt: {type: string, required: true}\n"
        "  mode: {type: enum, values: [std, pro, max], default: std}\n"
        "  duration: {type: enum, values: [5, 10], default: 5}\n"
        "price:\n  source: test\n  by: [mode, duration]\n"
        "  per_second: [{mode: std, usd: 0.1}, {mode: pro, usd: 0.2}]\n",
    )
    assert price_of(spec, {"mode": "pro", "duration": 10}) == (2.0, True)
    assert price_of(spec, {"mode": "max", "duration": 5}) == (2.0, False)
    assert highest(spec) == 2.0
    assert lowest(spec) == 0.5


def test_a_per_second_rate_is_priced_to_the_fraction_of_a_cent_never_rounded_to_cents(tmp_path):
    # 0.0321 a second for 5 s is $0.1605: rounded to cents it is $0.16, and a thousand such jobs pass a cap
    # by fifty cents.  Only float noise is rounded off.
    spec = _spec(
        tmp_path,
        "params:\n  prompt: {type: string, required: true}\n"
        "  duration: {type: enum, values: [5, 10], default: 5}\n"
        "price:\n  source: test\n  by: [duration]\n  per_second: [{usd: 0.0321}]\n",
    )
    assert price_of(spec, {"prompt": "p"}) == (0.1605, True)
    assert price_of(spec, {"prompt": "p", "duration": 10}) == (0.321, True)
    assert highest(spec) == 0.321 and lowest(spec) == 0.1605


def test_per_second_rates_over_a_duration_range_are_bounded_at_its_longest_and_floored_at_its_shortest(tmp_path):
    spec = _spec(
        tmp_path,
        "params:\n  prompt: {type: string, required: true}\n"
        "  duration: {type: integer, min: 3, max: 15, default: 5}\n"
        "  generate_audio: {type: boolean, default: false}\n"
        "price:\n  source: test\n  by: [duration, generate_audio]\n"
        "  per_second: [{generate_audio: false, usd: 0.1}]\n",
    )
    assert price_of(spec, {"duration": 12}) == (1.2, True)
    assert price_of(spec, {"duration": 12, "generate_audio": True}) == (1.5, False)  # 0.1 x 15 s
    assert highest(spec) == 1.5
    assert lowest(spec) == pytest.approx(0.3)


def test_the_lowest_price_is_the_lower_of_the_table_and_the_published_range(tmp_path):
    spec = _spec(
        tmp_path,
        "params:\n  prompt: {type: string, required: true}\n  duration: {type: enum, values: [5, 10], default: 5}\n"
        "price:\n  source: test\n  by: [duration]\n"
        "  table: [{duration: 5, usd: 0.5}, {duration: 10, usd: 1.0}]\n  range: [0.25, 1.4]\n",
    )
    assert (lowest(spec), highest(spec)) == (0.25, 1.4)


def test_a_checked_job_is_priced_by_its_row_though_its_duration_goes_on_the_wire_as_text(tmp_path):
    # The test model sends duration as a string ("10"); its price table names it as the number 10.
    spec = load_spec_file(TEST_IMAGE_SPEC)
    (tmp_path / "a.png").write_bytes(png_bytes(400, 400))
    params, problems = check_params(spec, {"image": "a.png", "mode": "std", "duration": 10}, base=tmp_path)
    assert problems == [] and params["duration"] == "10"
    assert price_of(spec, params) == (0.6, True)
    # the same for a shipped model, through the estimate the spend cap uses
    sent, problems = model_params.validate("kling-2.6", {"prompt": "a", "duration": 10, "generate_audio": True})
    assert problems == [] and sent["duration"] == "10"
    assert model_params.estimate_cost("kling-2.6", sent, {}) == 1.75
    assert not model_params.is_upper_bound("kling-2.6", sent, {})


def test_a_job_that_brings_the_spend_exactly_to_the_cap_is_within_it_and_one_a_cent_past_is_not():
    # "no job is submitted whose estimate would take the folder past" the cap: reaching it is allowed,
    # also when the sum of float prices lands a hair above it; what the folder spent counts.
    assert not passes_cap(0.0, 1.0, 1.0)
    assert not passes_cap(0.1, 0.2, 0.3)  # 0.30000000000000004: still the cap
    assert not passes_cap(0.75, 0.25, 1.0)
    assert passes_cap(0.75, 0.26, 1.0)
    assert passes_cap(0.5, 0.6, 1.0)  # spent plus the job, not the job alone
    assert not passes_cap(0.0, 0.6, 1.0)
