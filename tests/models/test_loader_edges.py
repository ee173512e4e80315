"""A spec file that would price or check jobs wrongly is refused when it is read, each problem at its file,
line and field with what to write instead: a range upside down, a rule or price row naming a parameter the
spec does not have, a min above its max, a latency of 0, no price at all, a slug that is not the file's."""

from __future__ import annotations

from pathlib import Path

import pytest

from batchgen.errors import ModelSpecError
from batchgen.models.loader import load_spec_file
from tests.helpers import write

GOOD = (
    "slug: kling-x\n"  # 1
    "kind: text-to-video\n"  # 2
    "source: {page: https://www.segmind.com/models/kling-x/api, read: 2026-12-03}\n"  # 3
    "latency_s: 90\n"  # 4
    "params:\n"  # 5
    "  prompt: {type: string, required: true}\n"  # 6
    "  cfg_scale: {type: number, min: 0, max: 1}\n"  # 7
    "  mode: {type: enum, values: [std, pro], default: std}\n"  # 8
    "rules:\n"  # 9
    "  - when: {mode: pro}\n"  # 10
    "    require: {cfg_scale: 0.5}\n"  # 11
    "    message: pro takes cfg_scale 0.5\n"  # 12
    "price:\n"  # 13
    "  source: test\n"  # 14
    "  by: [mode]\n"  # 15
    "  table:\n"  # 16
    "    - {mode: std, usd: 0.3}\n"  # 17
    "    - {mode: pro, usd: 0.6}\n"  # 18
    "  range: [0.3, 0.6]\n"  # 19
)


def _problems(tmp_path: Path, text: str, name: str = "kling-x") -> list[tuple[int | None, str | None, str]]:
    path = write(tmp_path / f"{name}.yaml", text)
    with pytest.raises(ModelSpecError) as caught:
        load_spec_file(path)
    assert all(p.file == str(path) for p in caught.value.problems)
    return [(p.line, p.field, p.message) for p in caught.value.problems]


def test_the_good_spec_loads(tmp_path):
    spec = load_spec_file(write(tmp_path / "kling-x.yaml", GOOD))
    assert spec.price.range == (0.3, 0.6) and spec.params["cfg_scale"].max == 1.0 and spec.latency_s == 90.0


@pytest.mark.parametrize(
    ("before", "after", "problem"),
    [
        (
            "range: [0.3, 0.6]",
            "range: [0.6, 0.3]",
            (19, "price.range", "must be [lowest, highest] in USD, both above $0"),
        ),
        (
            "require: {cfg_scale: 0.5}",
            "require: {cfg: 0.5}",
            (10, "rules", "names 'cfg', which is not one of this spec's params"),
        ),
        (
            "when: {mode: pro}",
            "when: {quality: pro}",
            (10, "rules", "names 'quality', which is not one of this spec's params"),
        ),
        (
            "{mode: pro, usd: 0.6}",
            "{mode: pro, duration: 5, usd: 0.6}",
            (18, "price.table", "names 'duration', which is not one of this spec's params"),
        ),
        ("min: 0, max: 1", "min: 1, max: 0", (7, "cfg_scale.min", "min 1 is above max 0; swap them")),
        (
            "latency_s: 90",
            "latency_s: 0",
            (4, "latency_s", "must be the published average latency in seconds (a number > 0)"),
        ),
        (
            "slug: kling-x",
            "slug: kling-y",
            (1, "slug", "'kling-y' differs from the file's name; name the file kling-y.yaml"),
        ),
        (
            "values: [std, pro]",
            "values: []",
            (8, "mode.values", "an enum needs values: a list such as [5, 10]"),
        ),
        (
            "    require: {cfg_scale: 0.5}\n",
            "    present: []\n",
            (10, "rules", "a rule must say what is required: require, present, absent or one_of"),
        ),
        ("by: [mode]", "by: [quality]", (15, "price.by", "must list parameters of this spec, e.g. [mode, duration]")),
        ("required: true", "required: 1", (6, "prompt.required", "must be true or false")),
        (
            "{mode: pro, usd: 0.6}",
            "{mode: pro, usd: .inf}",
            (18, "price.table", "each row needs usd: a price above $0 (write the page's figure)"),
        ),
        (
            "range: [0.3, 0.6]",
            "range: [0, 0.6]",
            (19, "price.range", "must be [lowest, highest] in USD, both above $0"),
        ),
        ("latency_s: 90\n", "title: X\n", (None, "latency_s", "'latency_s' is required (see docs/MODEL_SPEC.md)")),
        (
            "  cfg_scale: {type: number, min: 0, max: 1}\n",
            "  cfg_scale: {type: image, formats: [gif]}\n",
            (7, "cfg_scale.formats", "must be a list of jpeg, png, webp"),
        ),
        (
            "kind: text-to-video",
            "kind: text2video",
            (
                2,
                "kind",
                "'text2video' is not a kind; use one of text-to-video, image-to-video, text-and-image-to-video",
            ),
        ),
        (
            "  cfg_scale: {type: number, min: 0, max: 1}\n",
            "  cfg_scale: {type: image, wire: string}\n",
            (7, "cfg_scale.wire", "an image is sent as base64 or url"),
        ),
    ],
)
def test_each_problem_of_a_spec_is_named_at_its_line_and_field(tmp_path, before, after, problem):
    assert GOOD.count(before) == 1
    # only that problem: a parameter with a problem of its own is still one the rules and prices may name
    assert _problems(tmp_path, GOOD.replace(before, after)) == [problem]


def test_image_limits_upside_down_are_refused_as_a_range_is(tmp_path):
    # An aspect_min above aspect_max, or a min_side_px above max_side_px, was taken: every image of the model
    # was then refused at load ("takes width/height from 3 to 1: crop it"), with nothing to fix it by.
    image = "  image: {type: image, aspect_min: 2.5, aspect_max: 0.4, min_side_px: 800, max_side_px: 300}\n"
    assert _problems(tmp_path, GOOD.replace("params:\n", "params:\n" + image)) == [
        (6, "image.aspect_min", "aspect_min 2.5 is above aspect_max 0.4; swap them"),
        (6, "image.min_side_px", "min_side_px 800 is above max_side_px 300; swap them"),
    ]


def test_a_price_of_nothing_is_refused(tmp_path):
    start = GOOD.index("  by: [mode]")
    text = GOOD[:start]
    assert _problems(tmp_path, text) == [
        (13, "price", "give a table, per_second rates or a range: a price is never $0")
    ]


PER_SECOND = (
    "slug: kling-y\n"  # 1
    "kind: text-to-video\n"  # 2
    "source: {page: https://www.segmind.com/models/kling-y/api, read: 2026-12-03}\n"  # 3
    "latency_s: 90\n"  # 4
    "params:\n"  # 5
    "  prompt: {type: string, required: true}\n"  # 6
    "  mode: {type: enum, values: [std, pro], default: std}\n"  # 7
    "  duration: {type: integer, min: 1}\n"  # 8
    "price:\n"  # 9
    "  source: test\n"  # 10
    "  by: [mode, duration]\n"  # 11
    "  per_second: [{mode: std, usd: 0.1}]\n"  # 12
)


def test_per_second_rates_with_no_longest_duration_are_refused_since_they_bound_no_price(tmp_path):
    """Such a spec priced a pro job, or a job without a duration, at $0: a spend cap and the credit warning
    would have let any number of them through."""
    problems = _problems(tmp_path, PER_SECOND, "kling-y")
    assert [(line, field) for line, field, _ in problems] == [(12, "price.per_second")]
    assert "a longest duration" in problems[0][2] and "range" in problems[0][2]


@pytest.mark.parametrize(
    ("before", "after", "highest"),
    [
        ("duration: {type: integer, min: 1}", "duration: {type: integer, min: 1, max: 15}", 1.5),
        ("duration: {type: integer, min: 1}", "duration: {type: enum, values: [5, 10]}", 1.0),
        ("per_second: [{mode: std, usd: 0.1}]", "per_second: [{mode: std, usd: 0.1}]\n  range: [0.5, 2.0]", 2.0),
    ],
)
def test_per_second_rates_bounded_by_a_longest_duration_or_a_range_price_every_job_above_zero(
    tmp_path, before, after, highest
):
    from batchgen.models.price import price_of

    spec = load_spec_file(write(tmp_path / "kling-y.yaml", PER_SECOND.replace(before, after)))
    pro, exact = price_of(spec, {"prompt": "p", "mode": "pro", "duration": 5})
    assert (pro, exact) == (highest, False)
    assert price_of(spec, {"prompt": "p", "mode": "std", "duration": 5}) == (0.5, True)


ELEMENTS = (
    "  elements:\n"  # 9
    "    type: list\n"  # 10
    "    items: object\n"  # 11
    "    max_items: 3\n"  # 12
    "    item_images:\n"  # 13
    "      frontal_image_url: {type: image, max_bytes: 1000000, min_side_px: 300}\n"  # 14
    "      reference_image_urls: {type: list, items: image, max_items: 3, aspect_min: 0.4}\n"  # 15
)


def _with_elements(text: str) -> str:
    return GOOD.replace("rules:\n", text + "rules:\n", 1)


def test_a_list_of_objects_declares_the_keys_that_hold_images_with_their_limits(tmp_path):
    spec = load_spec_file(write(tmp_path / "kling-x.yaml", _with_elements(ELEMENTS)))
    images = spec.params["elements"].item_images
    assert list(images) == ["frontal_image_url", "reference_image_urls"]
    assert images["frontal_image_url"].type == "image" and images["frontal_image_url"].max_bytes == 1_000_000
    assert images["frontal_image_url"].formats == ("jpeg", "png")  # the default, as for a parameter's image
    many = images["reference_image_urls"]
    assert (many.type, many.items, many.max_items, many.aspect_min, many.formats) == (
        "list",
        "image",
        3,
        0.4,
        ("jpeg", "png"),
    )
    assert spec.params["elements"].inline_form() == "data_uri"
    assert "images at frontal_image_url, reference_image_urls" in spec.params["elements"].allowed_text()


@pytest.mark.parametrize(
    ("before", "after", "problem"),
    [
        (
            "frontal_image_url: {type: image,",
            "frontal_image_url: {type: string,",
            (14, "elements.item_images.frontal_image_url.type", "an image key is type: image, or type: list with"),
        ),
        (
            "frontal_image_url: {type: image,",
            "frontal_image_url: {type: image, wire: url,",
            (14, "elements.item_images.frontal_image_url.wire", "unknown key; use type, items, required"),
        ),
        (
            "max_items: 3, aspect_min",
            "max_items: 0, aspect_min",
            (15, "elements.item_images.reference_image_urls.max_items", "must be a whole number above 0"),
        ),
        (
            "    items: object\n",
            "    items: string\n",
            (13, "elements.item_images", "only a list of objects (type: list, items: object) has item_images"),
        ),
        (
            "    item_images:\n",
            "    inline: hex\n    item_images:\n",
            (13, "elements.inline", "'hex': use one of base64, data_uri"),
        ),
    ],
)
def test_a_wrong_image_key_of_a_list_is_refused_where_it_is_written(tmp_path, before, after, problem):
    text = _with_elements(ELEMENTS)
    assert text.count(before) == 1
    line, field, start = problem
    found = _problems(tmp_path, text.replace(before, after))
    assert any(p[0] == line and p[1] == field and p[2].startswith(start) for p in found), found


def test_a_list_of_images_is_declared_only_inside_a_list_of_objects(tmp_path):
    text = GOOD.replace("rules:\n", "  shots: {type: list, items: image}\nrules:\n", 1)
    found = _problems(tmp_path, text)
    assert found == [(9, "shots.items", "a list of images is declared only as a key of a list's objects (item_images)")]


SHOTS = (
    "  shots:\n"  # 9
    "    type: list\n"  # 10
    "    items: object\n"  # 11
    "    max_items: 3\n"  # 12
    "    item_fields:\n"  # 13
    "      prompt: {type: string, required: true, max_length: 512}\n"  # 14
    "      duration: {type: string}\n"  # 15
)


def test_a_list_of_objects_declares_the_keys_of_its_objects_with_their_limits(tmp_path):
    spec = load_spec_file(write(tmp_path / "kling-x.yaml", _with_elements(SHOTS)))
    fields = spec.params["shots"].item_fields
    assert list(fields) == ["prompt", "duration"]
    assert (fields["prompt"].type, fields["prompt"].required, fields["prompt"].max_length) == ("string", True, 512)
    assert "each with prompt, duration" in spec.params["shots"].allowed_text()


@pytest.mark.parametrize(
    ("before", "after", "problem"),
    [
        (
            "duration: {type: string}",
            "duration: {type: image}",
            (15, "shots.item_fields.duration.type", "a key of a list's objects is one of string, integer"),
        ),
        (
            "duration: {type: string}",
            "duration: {type: string, formats: [png]}",
            (15, "shots.item_fields.duration.formats", "unknown key; use type, wire, required"),
        ),
        (
            "    items: object\n",
            "    items: string\n",
            (13, "shots.item_fields", "only a list of objects (type: list, items: object) has item_fields"),
        ),
        (
            "    item_fields:\n",
            "    item_images:\n      duration: {type: image}\n    item_fields:\n",
            (15, "shots.item_fields.duration", "is an image key too (item_images): name it once"),
        ),
        (
            "max_length: 512}",
            "max_length: 0}",
            (14, "shots.item_fields.prompt.max_length", "must be a whole number above 0"),
        ),
    ],
)
def test_a_wrong_key_of_a_lists_objects_is_refused_where_it_is_written(tmp_path, before, after, problem):
    text = _with_elements(SHOTS)
    assert text.count(before) == 1
    line, field, start = problem
    found = _problems(tmp_path, text.replace(before, after))
    assert any(p[0] == line and p[1] == field and p[2].startswith(start) for p in found), found


def test_a_file_too_large_to_be_a_spec_is_refused_unread(tmp_path):
    """A spec is a small YAML file: a megabyte of anything (a video or a log passed by mistake) is refused at
    once, not parsed."""
    text = GOOD + "#" + "x" * (1 << 20) + "\n"  # valid YAML, but past the 1 MiB a spec may hold
    assert _problems(tmp_path, text) == [(None, None, "is not a model spec (a small UTF-8 YAML file)")]


def test_listings_say_a_size_exactly_and_true_as_a_spec_file_writes_it():
    from batchgen.models.spec import ParamSpec, Rule

    image = ParamSpec("start", "image", max_bytes=10_000_000)  # not a whole number of MiB: said in bytes
    assert "at most 10,000,000 bytes" in image.allowed_text()
    assert "at most 10 MiB" in ParamSpec("start", "image", max_bytes=10 << 20).allowed_text()
    rule = Rule("sound needs pro", when={"sound": (True,)}, require={"mode": ("pro",)})
    assert rule.describe() == "when sound is true; requires mode = 'pro': sound needs pro"
    assert ParamSpec("sound", "enum", values=(True, False)).allowed_text() == "true, false"


def test_a_key_the_spec_format_does_not_have_is_named_not_ignored(tmp_path):
    """A misspelt key (``latency:`` for ``latency_s:``, ``notes`` at the top) would otherwise be dropped
    silently, and what it said never applied."""
    [(line, field, message)] = _problems(tmp_path, GOOD + "notes: read from the page\n")
    assert (line, field) == (20, "notes") and message.startswith("unknown key; use slug, title, kind, source")


def test_a_spec_of_one_problem_says_one_problem(tmp_path):
    path = write(tmp_path / "kling-x.yaml", GOOD.replace("latency_s: 90\n", "latency_s: -1\n"))
    with pytest.raises(ModelSpecError) as caught:
        load_spec_file(path)
    assert len(caught.value.problems) == 1
    assert str(caught.value).startswith("the model spec has 1 problem; nothing was submitted:\n")
