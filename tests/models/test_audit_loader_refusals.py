"""Audit of ``batchgen/models/loader.py``, further: each way a spec file can be wrong is named at its line and
field, and what a right one says is kept.

A spec the loader takes when it should not checks or prices jobs wrongly (a price row of ``usd: true`` is $1,
a range of ``.inf`` lets a spend cap pass any job, a rule naming a parameter the spec does not have is never
met), or tells a user who wrote it nothing they can act on.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from batchgen.errors import ModelSpecError
from batchgen.models.check import check_params
from batchgen.models.loader import load_spec_file
from tests.helpers import write
from tests.models.test_loader_edges import GOOD, _problems


def _bytes_problems(tmp_path: Path, data: bytes) -> list[tuple[int | None, str | None, str]]:
    path = tmp_path / "kling-x.yaml"
    path.write_bytes(data)
    with pytest.raises(ModelSpecError) as caught:
        load_spec_file(path)
    return [(p.line, p.field, p.message) for p in caught.value.problems]


def test_what_a_right_spec_file_says_is_kept_as_written(tmp_path):
    text = (
        GOOD.replace("read: 2026-12-03}", "read: 2026-12-03, notes: read from the API page}")
        .replace("latency_s: 90\n", "latency_s: 90\nlatency_source: the page's average\n")
        .replace("{type: string, required: true}", "{type: string, required: true, description: what to film}")
    )
    spec = load_spec_file(write(tmp_path / "kling-x.yaml", "title: Kling X\n" + text))
    assert (spec.title, spec.source_page, spec.source_read, spec.source_notes) == (
        "Kling X",
        "https://www.segmind.com/models/kling-x/api",
        "2026-12-03",
        "read from the API page",
    )
    assert spec.latency_source == "the page's average" and spec.params["prompt"].description == "what to film"
    assert spec.price.by == ("mode",) and spec.price.source == "test"


@pytest.mark.parametrize(
    ("before", "after", "problem"),
    [
        ("slug: kling-x", 'slug: ""', (1, "slug", "must be the model's name in POST /v2/{slug}, e.g. kling-2.6")),
        (
            "source: {page: https://www.segmind.com/models/kling-x/api, read: 2026-12-03}",
            "source: {read: 2026-12-03}",
            (3, "source", "must be {page: URL, read: YYYY-MM-DD, notes: text}"),
        ),
        (
            "cfg_scale: {type: number, min: 0, max: 1}",
            "cfg_scale: {type: number, min: 0, max: 1, wire: decimal}",
            (
                7,
                "cfg_scale.wire",
                "'decimal' is not a wire form; use one of string, integer, number, boolean, base64, url",
            ),
        ),
        (
            "values: [std, pro]",
            "values: [std, [pro]]",
            (8, "mode.values", "an enum needs values: a list such as [5, 10]"),
        ),
        ("min: 0, max: 1", "min: true, max: 1", (7, "cfg_scale.min", "must be a number")),
        (
            "required: true}",
            "required: true, max_length: 2.5}",
            (6, "prompt.max_length", "must be a whole number above 0"),
        ),
        ("default: std}", "default: std, send_default: 'no'}", (8, "mode.send_default", "must be true or false")),
        (
            "default: std}",
            "default: std, refused: {max: 5}}",
            (8, "mode.refused", "must map a refused value to the reason, as text"),
        ),
        (
            "    message: pro takes cfg_scale 0.5\n",
            "    message: pro takes cfg_scale 0.5\n    absent: [watermark]\n",
            (10, "rules", "names 'watermark', which is not one of this spec's params"),
        ),
        (
            "    message: pro takes cfg_scale 0.5\n",
            "    message: pro takes cfg_scale 0.5\n    one_of: [image_url, prompt]\n",
            (10, "rules", "names 'image_url', which is not one of this spec's params"),
        ),
        (
            "    message: pro takes cfg_scale 0.5\n",
            "    message: pro takes cfg_scale 0.5\n    absent: [5]\n",
            (13, "rules.absent", "must be a list of parameter names"),
        ),
        (
            "  - when: {mode: pro}\n    require: {cfg_scale: 0.5}\n    message: pro takes cfg_scale 0.5\n",
            "  mode: pro\n",
            (9, "rules", "must be a list of rules (when/require/present/absent/one_of, message)"),
        ),
        ("when: {mode: pro}", "when: pro", (10, "rules.when", "must map parameter names to values")),
        ("  source: test\n", "", (13, "price.source", "say where the price comes from (page and date)")),
        (
            "{mode: pro, usd: 0.6}",
            "{mode: pro, usd: true}",
            (18, "price.table", "each row needs usd: a price above $0 (write the page's figure)"),
        ),
        (
            "  table:\n    - {mode: std, usd: 0.3}\n    - {mode: pro, usd: 0.6}\n",
            "  table: {mode: std, usd: 0.3}\n",
            (16, "price.table", "must be a list of rows such as {mode: std, usd: 0.28}"),
        ),
        (
            "range: [0.3, 0.6]",
            "range: [0.3, 0.6, 0.9]",
            (19, "price.range", "must be [lowest, highest] in USD, both above $0"),
        ),
        (
            "range: [0.3, 0.6]",
            "range: [0.3, .inf]",
            (19, "price.range", "must be [lowest, highest] in USD, both above $0"),
        ),
        (
            "latency_s: 90",
            "latency_s: .inf",
            (4, "latency_s", "must be the published average latency in seconds (a number > 0)"),
        ),
        (
            "  range: [0.3, 0.6]\n",
            "  range: [0.3, 0.6]\noutput: 720p\n",
            (20, "output", "must be a mapping such as {resolution: {std: 720p}, fps: 24}"),
        ),
    ],
)
def test_each_further_problem_of_a_spec_is_named_at_its_line_and_field(tmp_path, before, after, problem):
    assert GOOD.count(before) == 1
    assert _problems(tmp_path, GOOD.replace(before, after)) == [problem]


def test_a_spec_with_no_parameters_is_refused(tmp_path):
    text = GOOD.split("params:\n")[0] + "params: {}\nprice: {source: test, range: [0.3, 0.6]}\n"
    assert _problems(tmp_path, text) == [(5, "params", "must map each parameter name to its description")]


def test_a_list_of_objects_that_declares_no_keys_of_its_objects_is_refused(tmp_path):
    text = GOOD.replace("rules:\n", "  shots: {type: list, items: object, item_fields: {}}\nrules:\n")
    assert _problems(tmp_path, text) == [
        (
            9,
            "shots.item_fields",
            "only a list of objects (type: list, items: object) has item_fields: a mapping of key to its spec "
            "(type, required, limits)",
        )
    ]


def test_a_range_whose_ends_are_equal_is_taken_and_its_one_value_passes(tmp_path):
    """A page that allows a single value (min 0.5, max 0.5) is not a range upside down: told 'min 0.5 is above
    max 0.5; swap them', its writer could do nothing to fix it."""
    spec = load_spec_file(write(tmp_path / "kling-x.yaml", GOOD.replace("min: 0, max: 1", "min: 0.5, max: 0.5")))
    params, problems = check_params(spec, {"prompt": "p", "cfg_scale": 0.5})
    assert problems == [] and params["cfg_scale"] == 0.5


def test_a_duration_with_a_problem_of_its_own_is_told_once_not_again_as_per_second_rates_unbounded(tmp_path):
    text = (
        GOOD.replace("  cfg_scale: {type: number, min: 0, max: 1}\n", "  duration: {type: enum, values: []}\n")
        .replace("    require: {cfg_scale: 0.5}\n", "    require: {duration: 5}\n")
        .replace("  table:\n    - {mode: std, usd: 0.3}\n    - {mode: pro, usd: 0.6}\n  range: [0.3, 0.6]\n", "")
        + "  per_second: [{mode: std, usd: 0.1}]\n"
    )
    assert _problems(tmp_path, text) == [(7, "duration.values", "an enum needs values: a list such as [5, 10]")]


def test_a_binary_file_is_refused_as_no_spec_and_text_not_in_utf8_is_told_to_be_saved_as_utf8(tmp_path):
    assert _bytes_problems(tmp_path, b"\x00\x00\x00\x18ftypmp42isom") == [
        (None, None, "is not a model spec (a small UTF-8 YAML file)")
    ]
    assert _bytes_problems(tmp_path, GOOD.encode() + "title: caf\u00e9\n".encode("latin-1")) == [
        (None, None, "is not valid UTF-8; save it as UTF-8")
    ]
