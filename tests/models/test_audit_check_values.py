"""Audit of ``batchgen/models/check.py``, further: each value is held to its spec as the provider holds it, a
rule is judged on what is sent, and a refusal says what to write instead.

A value let through is a job paid for and then refused (or a video not asked for); a good value refused
blocks a user who did nothing wrong; a refusal that leaves out the reason the spec gives costs a round trip.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from batchgen.models.check import check_params, same, to_wire
from batchgen.models.loader import load_spec_file
from batchgen.models.spec import ModelSpec, ParamSpec
from tests.helpers import write

SPEC = (
    "slug: kling-x\n"
    "kind: text-to-video\n"
    "source: {page: https://www.segmind.com/models/kling-x/api, read: 2026-12-03}\n"
    "latency_s: 90\n"
    "price: {source: test, range: [0.3, 1.0]}\n"
    "params:\n"
    "  prompt: {type: string, required: true, max_length: 10}\n"
    "  negative_prompt: {type: string}\n"
    "  tags: {type: list, max_items: 3}\n"
    "  flags: {type: list, items: boolean}\n"
    "  strength: {type: number, max: 2}\n"
    "  loop: {type: boolean}\n"
    "  mode: {type: enum, values: [std, pro], default: std}\n"
    "  duration: {type: enum, values: [5, 10], refused: {15: 15 s is offered on kling-y only}}\n"
    "  fps: {type: enum, values: [24], unit: frames a second}\n"
    "  source_url: {type: string, default: 'https://example.com/a.png'}\n"
    "  source_b64: {type: string}\n"
    "  shots:\n"
    "    type: list\n"
    "    items: object\n"
    "    item_fields:\n"
    "      prompt: {type: string, required: true}\n"
    "      frames: {type: integer, min: 1}\n"
)
RULES = (
    "rules:\n"
    "  - when: {loop: true}\n"
    "    require: {mode: pro}\n"
    "    message: a looping video is made in pro\n"
    "  - one_of: [source_url, source_b64]\n"
    "    message: give the source as source_url or source_b64\n"
)


def _spec(tmp_path: Path, rules: str = "") -> ModelSpec:
    return load_spec_file(write(tmp_path / "kling-x.yaml", SPEC + rules))


def test_a_list_that_names_no_item_type_holds_text_and_refuses_anything_else(tmp_path):
    # Listed as a "list of string" (spec.allowed_text): a number in it is refused, as the provider would.
    _, problems = check_params(_spec(tmp_path), {"prompt": "p", "tags": ["calm", 5]})
    assert problems == [("tags", "item 2 must be text, got int")]


def test_a_list_of_booleans_refuses_what_is_not_true_or_false(tmp_path):
    spec = _spec(tmp_path)
    assert check_params(spec, {"prompt": "p", "flags": [True, "yes"]})[1] == [
        ("flags", "item 2 must be true or false, got 'yes'")
    ]
    params, problems = check_params(spec, {"prompt": "p", "flags": [True, False]})
    assert problems == [] and params["flags"] == [True, False]


def test_a_value_in_a_lists_objects_is_typed_never_text_to_convert(tmp_path):
    # An object's values are typed (YAML, JSONL, a CSV cell's JSON): "5" is text, not the whole number 5.
    _, problems = check_params(_spec(tmp_path), {"prompt": "p", "shots": [{"prompt": "a", "frames": "5"}]})
    assert problems == [("shots[0].frames", "must be a whole number, got '5'")]
    params, problems = check_params(_spec(tmp_path), {"prompt": "p", "shots": [{"prompt": "a", "frames": 5}]})
    assert problems == [] and params["shots"] == [{"prompt": "a", "frames": 5}]


def test_a_refused_number_says_the_reason_the_spec_gives(tmp_path):
    assert check_params(_spec(tmp_path), {"prompt": "p", "duration": 15})[1] == [
        ("duration", "15 is not allowed for kling-x (15 s is offered on kling-y only); use one of 5, 10")
    ]


def test_an_enum_of_one_number_says_that_number_alone(tmp_path):
    assert check_params(_spec(tmp_path), {"prompt": "p", "fps": 30})[1] == [
        ("fps", "30 is not allowed; use 24 (frames a second)")
    ]


def test_a_number_with_only_a_highest_value_takes_it_and_refuses_past_it(tmp_path):
    spec = _spec(tmp_path)
    params, problems = check_params(spec, {"prompt": "p", "strength": 2})
    assert problems == [] and params["strength"] == 2
    assert check_params(spec, {"prompt": "p", "strength": 2.01})[1] == [
        ("strength", "2.01 is out of range; use 2 or less")
    ]


def test_text_that_is_not_required_may_be_empty_and_text_is_measured_as_written(tmp_path):
    spec = _spec(tmp_path)
    params, problems = check_params(spec, {"prompt": "p", "negative_prompt": ""})
    assert problems == [] and params["negative_prompt"] == ""
    assert check_params(spec, {"prompt": "x" * 10 + " "})[1] == [("prompt", "is 11 characters long; the limit is 10")]


def test_a_boolean_from_yaml_or_json_is_true_or_false_never_text(tmp_path):
    # "yes" converts only from a CSV cell (text); written in YAML or JSONL it is text, and refused.
    spec = _spec(tmp_path)
    assert check_params(spec, {"prompt": "p", "loop": "yes"})[1] == [("loop", "must be true or false, got 'yes'")]
    params, problems = check_params(spec, {"prompt": "p", "loop": "yes"}, from_text=True)
    assert problems == [] and params["loop"] is True


def test_a_rule_does_not_apply_when_a_parameter_it_depends_on_is_not_given(tmp_path):
    spec = _spec(tmp_path, RULES)
    assert check_params(spec, {"prompt": "p", "source_b64": "b"})[1] == []
    assert check_params(spec, {"prompt": "p", "source_b64": "b", "loop": True})[1] == [
        ("mode", "a looping video is made in pro (mode is std)")
    ]


def test_one_of_counts_what_is_sent_not_a_default_that_is_not(tmp_path):
    # source_url's default is not sent: a job that gives only source_b64 sends one source, as the rule asks.
    spec = _spec(tmp_path, RULES)
    params, problems = check_params(spec, {"prompt": "p", "source_b64": "b"})
    assert problems == [] and "source_url" not in params


def test_true_and_false_are_not_the_numbers_one_and_zero():
    assert not same(True, 1) and not same(False, 0) and not same(1, True)
    assert same(True, "true") and same(1, "1")


@pytest.mark.parametrize(
    ("param", "value", "sent"),
    [
        (ParamSpec("cfg_scale", "number", wire="number"), 1, 1.0),
        (ParamSpec("loop", "enum", values=("true", "false"), wire="boolean"), "true", True),
        (ParamSpec("duration", "enum", values=(5.0, 10.0), wire="number"), "5", 5.0),
    ],
)
def test_a_value_goes_on_the_wire_in_the_type_its_spec_sends(param, value, sent):
    assert to_wire(param, value) == sent and type(to_wire(param, value)) is type(sent)


def test_a_number_enum_gives_the_spec_value_whatever_form_the_user_wrote(tmp_path):
    spec = load_spec_file(
        write(tmp_path / "kling-x.yaml", SPEC.replace("values: [24], unit", "values: [24.0, 30.0], unit"))
    )
    params, problems = check_params(spec, {"prompt": "p", "fps": "24"}, from_text=True)
    assert problems == [] and params["fps"] == 24.0 and type(params["fps"]) is float


def test_an_enum_of_numbers_and_words_takes_each_of_its_words(tmp_path):
    spec = load_spec_file(
        write(tmp_path / "kling-x.yaml", SPEC.replace("values: [24], unit", "values: [24, auto], unit"))
    )
    params, problems = check_params(spec, {"prompt": "p", "fps": "auto"})
    assert problems == [] and params["fps"] == "auto"


def test_a_required_parameter_with_a_documented_default_must_still_be_given(tmp_path):
    # Its default is not sent (no send_default): the provider, which requires it, would refuse the job.
    spec = load_spec_file(
        write(tmp_path / "kling-x.yaml", SPEC.replace("default: std}", "default: std, required: true}"))
    )
    assert check_params(spec, {"prompt": "p"})[1] == [("mode", "'mode' is required for kling-x")]
