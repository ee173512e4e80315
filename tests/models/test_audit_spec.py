"""Audit of ``batchgen/models/spec.py``: ``batchgen models`` lists each limit and rule as the spec checks it.

What the listing says is what a user writes a manifest by: an image's sides and formats, a list's items and a
rule's conditions must read as the checks apply them, or a user fixes a manifest to the wrong limit.
"""

from __future__ import annotations

from batchgen.models.spec import ParamSpec, Rule
from tests.helpers import run_cli


def test_an_images_smallest_and_largest_side_are_each_listed_as_the_spec_limits_them():
    image = ParamSpec("image", "image", min_side_px=300, max_side_px=4000)
    assert image.allowed_text() == (
        "local path, https:// URL or data: URI (jpeg/png), at least 300 px a side, at most 4000 px a side"
    )


def test_the_models_command_gives_a_shipped_image_models_smallest_side(capsys):
    assert run_cli("models", "kling-1.6-image2video") == 0
    assert "at most 10 MiB, at least 300 px a side, aspect 0.4 to 2.5" in capsys.readouterr().out


def test_a_list_that_names_no_item_type_is_listed_as_a_list_of_text():
    assert ParamSpec("tags", "list", max_items=4).allowed_text() == "list of string, at most 4 items"


def test_a_lists_limit_on_each_items_length_is_listed():
    prompts = ParamSpec("prompts", "list", items="string", max_items=3, item_max_length=500)
    assert prompts.allowed_text() == "list of string, at most 3 items, each at most 500 characters"


def test_an_image_field_that_takes_webp_is_listed_with_every_format_it_takes():
    image = ParamSpec("image", "image", formats=("jpeg", "png", "webp"))
    assert image.allowed_text() == "local path, https:// URL or data: URI (jpeg/png/webp)"


def test_a_rule_is_listed_with_each_value_it_takes_what_it_needs_what_it_refuses_and_its_one_of():
    rule = Rule(
        "pro takes one image source and no watermark",
        when={"mode": ("std", "pro"), "loop": (True,)},
        present=("prompt",),
        absent=("watermark",),
        one_of=("image_url", "image_b64"),
    )
    assert rule.describe() == (
        "when mode is 'std' or 'pro' and loop is true; needs prompt; refuses watermark; "
        "exactly one of image_url, image_b64: pro takes one image source and no watermark"
    )
