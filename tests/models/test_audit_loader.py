"""Audit of ``batchgen/models/loader.py``: a spec file that would let bad values through is refused, each problem named.

A key the loader would read as nothing (values on a parameter that is no enum, a list's item type
misspelt) or a rule whose message is no text would make jobs that the provider refuses after they are
paid, or tell the operator nothing useful when a job breaks the rule. Each is named at its line and field.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from batchgen.errors import ModelSpecError
from batchgen.models.check import check_params
from batchgen.models.loader import load_spec_file
from tests.helpers import write

GOOD = (
    "slug: kling-x\n"  # 1
    "kind: text-to-video\n"  # 2
    "source: {page: https://www.segmind.com/models/kling-x/api, read: 2026-12-03}\n"  # 3
    "latency_s: 90\n"  # 4
    "params:\n"  # 5
    "  prompt: {type: string, required: true}\n"  # 6
    "  camera: {type: enum, values: [static, pan]}\n"  # 7
    "  shots: {type: list, items: string, max_items: 3}\n"  # 8
    "  mode: {type: enum, values: [std, pro], default: std}\n"  # 9
    "rules:\n"  # 10
    "  - when: {mode: pro}\n"  # 11
    "    require: {camera: static}\n"  # 12
    "    message: pro keeps the camera static\n"  # 13
    "price: {source: test, range: [0.3, 0.6]}\n"  # 14
)


def _problems(tmp_path: Path, text: str) -> list[tuple[int | None, str | None, str]]:
    path = write(tmp_path / "kling-x.yaml", text)
    with pytest.raises(ModelSpecError) as caught:
        load_spec_file(path)
    return [(p.line, p.field, p.message) for p in caught.value.problems]


def test_the_audited_good_spec_loads_and_its_rule_message_is_told_when_broken(tmp_path):
    spec = load_spec_file(write(tmp_path / "kling-x.yaml", GOOD))
    _, problems = check_params(spec, {"prompt": "p", "mode": "pro", "camera": "pan"})
    assert problems == [("camera", "pro keeps the camera static (camera is pan)")]


def test_values_on_a_parameter_that_is_no_enum_are_refused_not_read_as_nothing(tmp_path):
    text = GOOD.replace("camera: {type: enum, values: [static, pan]}", "camera: {type: string, values: [static, pan]}")
    assert _problems(tmp_path, text) == [(7, "camera.values", "only an enum has values; use type: enum")]


def test_a_misspelt_item_type_of_a_list_is_refused_not_left_unchecked(tmp_path):
    text = GOOD.replace("items: string,", "items: strings,")
    assert _problems(tmp_path, text) == [(8, "shots.items", "must be string, integer, number, boolean or object")]


@pytest.mark.parametrize("message", ["", " 5", " [pro, static]"])
def test_a_rule_whose_message_is_not_text_is_refused(tmp_path, message):
    text = GOOD.replace("    message: pro keeps the camera static\n", f"    message:{message}\n")
    assert _problems(tmp_path, text) == [
        (11, "rules.message", "every rule needs a message saying what the provider refuses")
    ]
