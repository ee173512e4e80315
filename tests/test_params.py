"""What a job is estimated to cost, and how long it takes: the spec's prices, the config's prices over them,
the upper bound for a combination the model's page does not price, and a model without a spec.

The estimate decides the dry run's figure and what the spend cap lets through, so a wrong one either
spends past the cap or defers jobs the cap would have paid for."""

from __future__ import annotations

import pytest

from batchgen import params

SPEC = "kling-text2video"  # std 5 s $0.28, std 10 s $0.56, pro 5 s $0.98, pro 10 s $1.96
UNPRICED = {"aspect_ratio": "16:9", "duration": 5, "mode": "std"}  # kling-2.1 has no row for it
OWN = "my-own-model"  # no spec: its config prices are all there is


def test_a_spec_model_costs_what_its_table_says_for_the_job_and_its_defaults():
    assert params.default_prices() == {}
    assert params.known(SPEC) and not params.known(OWN)
    assert params.estimate_cost(SPEC, {"prompt": "a cat"}, {}) == 0.28  # defaults: std, 5 s
    assert params.estimate_cost(SPEC, {"prompt": "a cat", "duration": 10}, {}) == 0.56
    assert params.estimate_cost(SPEC, {"prompt": "a cat", "mode": "pro", "duration": 10}, {}) == 1.96
    assert not params.is_upper_bound(SPEC, {"prompt": "a cat", "mode": "pro"}, {})
    # Config prices for another model change nothing here.
    assert params.estimate_cost(SPEC, {"prompt": "a cat"}, {OWN: {"std": {5: 9.0}}}) == 0.28


def test_a_combination_the_page_does_not_price_counts_at_the_highest_price_and_says_so():
    assert params.estimate_cost("kling-2.1", dict(UNPRICED), {}) == 1.96
    assert params.is_upper_bound("kling-2.1", dict(UNPRICED), {})
    # A config price for exactly that combination is the job's own price, not a bound.
    prices = {"kling-2.1": {"std": {5: 0.5}}}
    assert params.estimate_cost("kling-2.1", dict(UNPRICED), prices) == 0.5
    assert not params.is_upper_bound("kling-2.1", dict(UNPRICED), prices)
    # A model without a spec is never an upper bound: it is priced by the config or not at all.
    assert not params.is_upper_bound(OWN, {"duration": 5}, {})
    assert not params.is_upper_bound(OWN, {"duration": 5}, {OWN: {"std": {5: 1.0}}})


def test_config_prices_override_a_spec_model_for_the_combinations_they_name_only():
    prices = {SPEC: {"pro": {10: 3.0}, "std": {5: 0.5}}}
    assert params.estimate_cost(SPEC, {"mode": "pro", "duration": 10}, prices) == 3.0
    assert params.estimate_cost(SPEC, {}, prices) == 0.5  # the model's defaults (std, 5 s) pick the row
    assert params.estimate_cost(SPEC, {"duration": 10}, prices) == 0.56  # not named: the spec's price
    # A spec model's pro job never borrows the config's std prices, nor scales a 5 s one.
    assert params.estimate_cost(SPEC, {"mode": "pro", "duration": 5}, {SPEC: {"std": {5: 0.1}}}) == 0.98
    assert params.estimate_cost(SPEC, {"mode": "pro", "duration": 10}, {SPEC: {"pro": {5: 0.1}}}) == 1.96
    assert params.estimate_cost(SPEC, {"duration": 10}, {SPEC: {}}) == 0.56  # an empty table is no table


@pytest.mark.parametrize(
    ("job", "expected"),
    [
        ({}, 0.4),  # no mode, no duration: std, 5 s
        ({"mode": "", "duration": None}, 0.4),
        ({"duration": 10}, 0.7),
        ({"duration": "10"}, 0.7),  # read from a CSV cell
        ({"duration": " 10 "}, 0.7),
        ({"duration": 10.0}, 0.7),
        ({"duration": "ten"}, 0.4),  # unreadable: taken as 5 s
        ({"duration": 0}, 0.4),
        ({"duration": 15}, 1.2),  # not listed: the 5 s price per 5 s
        ({"duration": 1}, 0.08),
        ({"mode": "pro", "duration": 10}, 0.7),  # no pro table: the std one
    ],
)
def test_a_model_without_a_spec_costs_its_config_prices(job, expected):
    prices = {OWN: {"std": {5: 0.4, 10: 0.7}}}
    assert params.estimate_cost(OWN, job, prices) == pytest.approx(expected)
    assert not params.is_upper_bound(OWN, job, prices)


def test_a_model_without_a_spec_or_a_usable_price_has_no_estimate():
    assert params.estimate_cost(OWN, {"duration": 5}, {}) is None
    assert params.estimate_cost(OWN, {"duration": 5}, {OWN: {}}) is None
    assert params.estimate_cost(OWN, {"duration": 10}, {OWN: {"std": {10: 0.7}}}) == 0.7
    assert params.estimate_cost(OWN, {"duration": 15}, {OWN: {"std": {10: 0.7}}}) is None  # no 5 s price to scale
    assert params.estimate_cost(OWN, {"mode": "pro", "duration": 10}, {OWN: {"pro": {10: 2.0}}}) == 2.0
    assert params.estimate_cost(OWN, {"duration": 10}, {OWN: {"pro": {10: 2.0}}}) is None  # std asked, pro priced


def test_defaults_validation_and_latency_come_from_the_spec_or_are_left_alone():
    defaults = params.defaults_of(SPEC)
    assert defaults["mode"] == "std" and defaults["duration"] == 5 and defaults["aspect_ratio"] == "16:9"
    assert params.defaults_of(OWN) == {}
    raw = {"prompt": "a cat", "anything": [1, 2]}
    checked, problems = params.validate(OWN, raw)
    assert (checked, problems) == (raw, []) and checked is not raw  # sent as given, on a copy
    checked, problems = params.validate(SPEC, {"prompt": "a cat", "cfg_scale": "0.7"}, from_text=True)
    assert problems == [] and checked == {"prompt": "a cat", "cfg_scale": 0.7}
    _, problems = params.validate(SPEC, {"prompt": "a cat", "cfg_scale": "0.7"})
    assert problems == [("cfg_scale", "must be a number, got '0.7'")]  # "0.7" is a number only as CSV text
    assert params.typical_latency(SPEC) == pytest.approx(320.23594)
    assert params.typical_latency(OWN) == params.DEFAULT_LATENCY_S == 300.0


def test_a_relative_image_path_starts_at_the_manifests_folder(tmp_path, monkeypatch):
    from tests.helpers import png_bytes

    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "cat.png").write_bytes(png_bytes(400, 400))
    monkeypatch.chdir(tmp_path)  # the working folder is not the manifest's
    job = {"prompt": "a cat", "image_url": "cat.png"}
    checked, problems = params.validate("kling-2.5-turbo", job, base=tmp_path / "jobs")
    assert problems == [] and checked["image_url"]["path"] == str(tmp_path / "jobs" / "cat.png")
    _, problems = params.validate("kling-2.5-turbo", job)
    assert problems == [
        ("image_url", "image 'cat.png' does not exist; check the path (relative paths start at the manifest's folder)")
    ]


def test_config_prices_apply_to_what_the_job_gets_with_its_models_defaults():
    # kling-2.5-turbo's defaults are pro and 10 s: a job that names neither is priced as pro, 10 s.
    prices = {"kling-2.5-turbo": {"pro": {10: 0.5}, "std": {5: 0.1}}}
    assert params.estimate_cost("kling-2.5-turbo", {"prompt": "a"}, prices) == 0.5
    assert params.estimate_cost("kling-2.5-turbo", {"prompt": "a", "mode": "std", "duration": 5}, prices) == 0.1
    # kling-2 has no modes: its config prices are given under std.
    assert params.estimate_cost("kling-2", {"prompt": "a"}, {"kling-2": {"std": {5: 0.2}}}) == 0.2
    assert not params.is_upper_bound("kling-2", {"prompt": "a"}, {"kling-2": {"std": {5: 0.2}}})
