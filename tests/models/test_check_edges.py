"""A job's parameters at the edges of their spec: limits are inclusive, rules hold only when every condition
does, a sent default counts as given, and text from a CSV converts only to the value it really is.

A check that lets a bad value through costs a paid job that fails or makes the wrong video; one that
refuses a good value blocks a user who did nothing wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from batchgen.models.check import check_params, check_value, same, to_wire
from batchgen.models.loader import load_spec_file
from batchgen.models.spec import ModelSpec, ParamSpec
from tests.helpers import write

HEAD = (
    "kind: text-to-video\nsource: {page: https://www.segmind.com/models/kling-x/api, read: 2026-12-03}\n"
    "latency_s: 90\nprice: {source: test, range: [0.3, 1.0]}\n"
)
PARAMS = (
    "params:\n"
    "  prompt: {type: string, required: true, max_length: 10}\n"
    "  cfg_scale: {type: number, min: 0, max: 1}\n"
    "  steps: {type: integer, min: 1, max: 50}\n"
    "  strength: {type: number, min: 0.5}\n"
    "  shots: {type: list, items: string, max_items: 3, item_max_length: 4}\n"
    "  loop: {type: boolean}\n"
    "  mode: {type: enum, values: [std, pro], default: std, refused: {max: max mode is not offered here}}\n"
    "  duration: {type: enum, values: [5, 10], default: 5, unit: seconds}\n"
    "  camera: {type: string}\n"
    "  watermark: {type: boolean, default: true, send_default: true}\n"
    "  image_url: {type: string}\n"
    "  image_b64: {type: string}\n"
)


def _spec(tmp_path: Path, rules: str = "") -> ModelSpec:
    return load_spec_file(write(tmp_path / "kling-x.yaml", "slug: kling-x\n" + HEAD + PARAMS + rules))


@pytest.mark.parametrize(
    ("field", "edge", "over", "message"),
    [
        ("cfg_scale", 0, -0.01, "-0.01 is out of range; use a value from 0 to 1"),
        ("cfg_scale", 1, 1.01, "1.01 is out of range; use a value from 0 to 1"),
        ("steps", 1, 0, "0 is out of range; use a value from 1 to 50"),
        ("steps", 50, 51, "51 is out of range; use a value from 1 to 50"),
        ("strength", 0.5, 0.49, "0.49 is out of range; use 0.5 or more"),
        ("prompt", "x" * 10, "x" * 11, "is 11 characters long; the limit is 10"),
        ("shots", ["a", "b", "c"], ["a", "b", "c", "d"], "has 4 items; the limit is 3"),
        ("shots", ["abcd"], ["abcd", "abcde"], "item 2 is 5 characters long; the limit is 4"),
    ],
)
def test_a_limit_is_inclusive_and_one_step_past_it_is_refused_with_the_limit(tmp_path, field, edge, over, message):
    spec = _spec(tmp_path)
    params, problems = check_params(spec, {"prompt": "p", field: edge})
    assert problems == [] and params[field] == edge
    assert check_params(spec, {"prompt": "p", field: over})[1] == [(field, message)]


def test_a_whole_number_is_never_made_of_a_fraction_from_any_format(tmp_path):
    spec = _spec(tmp_path)
    assert check_params(spec, {"prompt": "p", "steps": 5.5})[1] == [("steps", "must be a whole number, got 5.5")]
    assert check_params(spec, {"prompt": "p", "steps": "5.5"}, from_text=True)[1] == [
        ("steps", "must be a whole number, got '5.5'")
    ]
    for given in (5, 5.0, "5", "5.0", " 5 "):
        params, problems = check_params(spec, {"prompt": "p", "steps": given}, from_text=True)
        assert problems == [] and params["steps"] == 5 and type(params["steps"]) is int, given


def test_csv_text_converts_to_booleans_both_ways_and_never_to_an_endless_number(tmp_path):
    spec = _spec(tmp_path)
    for text, flag in (("true", True), ("Yes", True), ("1", True), ("false", False), ("no", False), ("0", False)):
        params, problems = check_params(spec, {"prompt": "p", "loop": text}, from_text=True)
        assert problems == [] and params["loop"] is flag, text
    for text in ("inf", "nan", "-Infinity"):
        _, problems = check_params(spec, {"prompt": "p", "strength": text}, from_text=True)
        assert problems == [("strength", f"must be a number, got {text!r}")], text


def test_a_required_parameter_is_required_whatever_else_the_job_gives(tmp_path):
    spec = _spec(tmp_path)
    assert check_params(spec, {"mode": "pro"})[1] == [("prompt", "'prompt' is required for kling-x")]


def test_a_refused_enum_value_says_why_and_a_misspelt_name_says_what_was_meant(tmp_path):
    spec = _spec(tmp_path)
    assert check_params(spec, {"prompt": "p", "mode": "max"})[1] == [
        ("mode", "'max' is not allowed for kling-x (max mode is not offered here); use one of 'std', 'pro'")
    ]
    assert check_params(spec, {"prompt": "p", "duration": 7})[1] == [
        ("duration", "7 is not allowed; use 5 or 10 (seconds)")
    ]
    ((field, message),) = check_params(spec, {"prompt": "p", "cfg_scal": 0.5})[1]
    assert field == "cfg_scal" and message.startswith("unknown parameter for kling-x; did you mean 'cfg_scale'?")


RULES = (
    "rules:\n"
    "  - when: {mode: pro, duration: 10}\n"
    "    require: {camera: fixed}\n"
    "    message: a 10 s pro video needs a fixed camera\n"
    "  - one_of: [image_url, image_b64]\n"
    "    message: give the image as image_url or image_b64\n"
    "  - when: {loop: true}\n"
    "    present: [watermark]\n"
    "    message: a looping video carries its watermark\n"
)


def test_a_rule_applies_only_when_every_one_of_its_conditions_holds(tmp_path):
    spec = _spec(tmp_path, RULES)
    one = {"prompt": "p", "image_url": "u"}
    assert check_params(spec, {**one, "mode": "pro"})[1] == []  # pro at 5 s: the rule does not apply
    assert check_params(spec, {**one, "duration": 10})[1] == []  # std at 10 s: nor here
    assert check_params(spec, {**one, "mode": "pro", "duration": 10})[1] == [
        ("camera", "a 10 s pro video needs a fixed camera (camera is None)")
    ]
    assert check_params(spec, {**one, "mode": "pro", "duration": 10, "camera": "fixed"})[1] == []


def test_one_of_refuses_none_as_well_as_both(tmp_path):
    spec = _spec(tmp_path, RULES)
    assert check_params(spec, {"prompt": "p"})[1] == [
        ("image_url", "give the image as image_url or image_b64 (0 of image_url, image_b64 given)")
    ]
    assert check_params(spec, {"prompt": "p", "image_url": "u", "image_b64": "b"})[1] == [
        ("image_b64", "give the image as image_url or image_b64 (2 of image_url, image_b64 given)")
    ]


def test_a_parameter_sent_as_its_default_counts_as_given(tmp_path):
    spec = _spec(tmp_path, RULES)
    params, problems = check_params(spec, {"prompt": "p", "image_url": "u", "loop": True})
    assert problems == [] and params["watermark"] is True


def test_no_rule_is_judged_on_a_job_whose_values_are_already_refused(tmp_path):
    # camera is given, but not as text: the rule needing a fixed camera must not also say "camera is None".
    spec = _spec(tmp_path, RULES)
    job = {"prompt": "p", "image_url": "u", "mode": "pro", "duration": 10, "camera": 5}
    assert check_params(spec, job)[1] == [("camera", 'must be text, got int (write it in quotes: "5")')]


def test_a_sent_default_a_rule_says_must_be_absent_is_not_sent(tmp_path):
    """A default sent whatever the user wrote must not reach the provider where a rule that holds says the
    parameter must not be given: the provider would refuse a job the user wrote right."""
    rule = "rules:\n  - when: {mode: pro}\n    absent: [watermark]\n    message: pro videos carry no watermark\n"
    spec = _spec(tmp_path, rule)
    params, problems = check_params(spec, {"prompt": "p", "mode": "pro"})
    assert problems == [] and "watermark" not in params
    params, problems = check_params(spec, {"prompt": "p"})  # std: the rule does not hold, the default goes
    assert problems == [] and params["watermark"] is True
    _, problems = check_params(spec, {"prompt": "p", "mode": "pro", "watermark": False})  # the user's own
    assert problems == [("watermark", "pro videos carry no watermark (watermark is given)")]


def test_a_csv_cells_json_list_is_checked_as_the_same_list_written_in_yaml(tmp_path):
    """From CSV (text to convert) a list's cell is JSON, and what it holds is typed as in YAML: the same list
    gives the same parameters and the same problems whichever way it was written."""
    spec = _spec(tmp_path)
    assert check_params(spec, {"prompt": "p", "shots": '["ab", "cd"]'}, from_text=True) == check_params(
        spec, {"prompt": "p", "shots": ["ab", "cd"]}
    )
    assert check_params(spec, {"prompt": "p", "shots": "[5]"}, from_text=True)[1] == [
        ("shots", "item 1 must be text, got int")
    ]
    problems = check_params(spec, {"prompt": "p", "shots": "ab, cd"}, from_text=True)[1]
    assert problems[0][0] == "shots" and problems[0][1].startswith("is not valid JSON (")
    counts = _spec(tmp_path, "  counts: {type: list, items: integer}\n")  # JSON's "5" is text there, as in YAML
    assert check_params(counts, {"prompt": "p", "counts": '["5"]'}, from_text=True)[1] == [
        ("counts", "item 1 must be a whole number, got '5'")
    ]
    assert check_params(counts, {"prompt": "p", "counts": "[5]"}, from_text=True) == (
        {"prompt": "p", "counts": [5], "watermark": True},
        [],
    )


def test_the_images_in_a_lists_objects_are_held_to_their_count_and_to_the_keys_each_object_needs(tmp_path):
    """A list of objects whose keys hold images: an object without its required image key, or with one image
    more than its list takes, is refused before anything is paid (the provider would refuse it, or make
    something other than what was asked for)."""
    spec = load_spec_file(write(tmp_path / "kling-x.yaml", "slug: kling-x\n" + HEAD.replace("text-to", "image-to") + (
        "params:\n"
        "  prompt: {type: string, required: true}\n"
        "  elements:\n"
        "    type: list\n"
        "    items: object\n"
        "    item_images:\n"
        "      face: {type: image, required: true}\n"
        "      views: {type: list, items: image, max_items: 2}\n"
    )))  # fmt: skip
    url = "https://example.com/a.png"
    assert check_params(spec, {"prompt": "p", "elements": [{"face": url, "views": [url, url]}]})[1] == []
    assert check_params(spec, {"prompt": "p", "elements": [{"face": url, "views": [url, url, url]}]})[1] == [
        ("elements[0].views", "has 3 images; the limit is 2")
    ]
    assert check_params(spec, {"prompt": "p", "elements": [{"face": url}, {"views": [url]}]})[1] == [
        ("elements[1].face", "'face' is required in each item of elements")
    ]


def test_an_item_of_a_list_of_objects_that_is_no_object_is_named_by_its_place_and_the_others_still_checked(tmp_path):
    # It was "item 2 must be a mapping" on the list (counting from 1, where every other problem of the list is
    # named by its place counting from 0), and it hid every problem of the other items.
    spec = load_spec_file(write(tmp_path / "kling-x.yaml", "slug: kling-x\n" + HEAD.replace("text-to", "image-to") + (
        "params:\n"
        "  prompt: {type: string, required: true}\n"
        "  elements:\n"
        "    type: list\n"
        "    items: object\n"
        "    item_images:\n"
        "      face: {type: image, required: true}\n"
        "  shots:\n"
        "    type: list\n"
        "    items: object\n"
        "    item_fields:\n"
        "      prompt: {type: string, required: true}\n"
    )))  # fmt: skip
    _, problems = check_params(spec, {"prompt": "p", "elements": [{"face": "ftp://x/a.png"}, "b.png"]})
    assert [field for field, _ in problems] == ["elements[1]", "elements[0].face"]
    assert problems[0][1] == "must be a mapping, got str"
    _, problems = check_params(spec, {"prompt": "p", "shots": [None, {"promt": "a"}]})
    assert [field for field, _ in problems] == ["shots[0]", "shots[1].promt", "shots[1].prompt"]
    assert problems[0][1] == "must be a mapping, got nothing"


def test_text_holding_a_nul_or_a_blank_item_in_a_list_is_refused_with_what_is_wrong(tmp_path):
    spec = _spec(tmp_path)
    assert check_params(spec, {"prompt": "a\x00b"})[1] == [("prompt", "contains a NUL character")]
    assert check_params(spec, {"prompt": "p", "shots": ["a", "  "]})[1] == [
        ("shots", "item 2 is empty; give it text or remove it")
    ]
    assert check_params(spec, {"prompt": "p", "shots": ["a", 5]})[1] == [("shots", "item 2 must be text, got int")]


def test_a_rule_that_needs_a_parameter_given_is_not_met_by_its_default_and_takes_any_value_it_lists(tmp_path):
    """``present``: the parameter must be sent, and its default is not (the provider would refuse the job);
    ``require`` with two values: either one meets it."""
    rules = (
        "rules:\n"
        "  - when: {loop: true}\n"
        "    present: [mode]\n"
        "    message: a looping video names its mode\n"
        "  - when: {mode: pro}\n"
        "    require: {duration: [5, 10]}\n"
        "    message: pro takes 5 or 10 s\n"
    )
    spec = _spec(tmp_path, rules)
    assert check_params(spec, {"prompt": "p", "loop": True})[1] == [
        ("mode", "a looping video names its mode (mode is not given)")
    ]
    assert check_params(spec, {"prompt": "p", "loop": True, "mode": "std"})[1] == []
    assert check_params(spec, {"prompt": "p", "mode": "pro", "duration": 10})[1] == []


def test_numbers_that_differ_only_past_the_point_are_not_the_same_and_are_sent_whole():
    assert not same(0.5, 0.7) and same(0.5, "0.5") and same(5, "5.0")
    param = ParamSpec("cfg_scale", "number", wire="string")
    assert to_wire(param, 2.5) == "2.5" and to_wire(param, 2.0) == "2"


def test_the_hint_about_an_unquoted_aspect_ratio_is_given_only_for_the_number_yaml_made_of_it(tmp_path):
    param = ParamSpec("aspect_ratio", "enum", values=("16:9", "9:16", "1:1"))
    _, message = check_value(param, 969, "kling-x", False)
    assert message is not None and "an unquoted 16:9 is read by YAML as the number 969: write it in quotes" in message
    _, message = check_value(param, 7, "kling-x", False)
    assert message == "7 is not allowed for kling-x; use one of '16:9', '9:16', '1:1'"


def test_a_value_in_a_lists_objects_is_sent_in_its_spec_wire_form_as_a_parameters_is(tmp_path):
    spec = load_spec_file(
        write(
            tmp_path / "kling-x.yaml",
            "slug: kling-x\n" + HEAD + "params:\n  prompt: {type: string, required: true}\n"
            "  duration: {type: enum, values: [5, 10], wire: string}\n"
            "  shots:\n    type: list\n    items: object\n    item_fields:\n"
            "      prompt: {type: string, required: true}\n"
            "      duration: {type: enum, values: [5, 10], wire: string}\n",
        )
    )
    params, problems = check_params(spec, {"prompt": "p", "duration": 5, "shots": [{"prompt": "a", "duration": 5}]})
    assert problems == [] and params["duration"] == "5" and params["shots"] == [{"prompt": "a", "duration": "5"}]
