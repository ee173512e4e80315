"""Audit of ``batchgen/models/spec.py``, further: a boolean's values and a rule that requires two parameters are
listed as the checks apply them, and a spec's defaults are only those its page gives.

``batchgen models NAME`` is what a user writes a manifest by; the defaults fill in a job's identity and price.
"""

from __future__ import annotations

from batchgen.models.spec import ModelSpec, ParamSpec, Price, Rule


def test_a_boolean_parameter_is_listed_with_the_two_values_it_takes():
    assert ParamSpec("generate_audio", "boolean", default=False).allowed_text() == "true, false"


def test_a_rule_that_requires_two_parameters_is_listed_as_needing_both():
    rule = Rule("sound needs pro at 10 s", when={"sound": (True,)}, require={"mode": ("pro",), "duration": (10,)})
    assert rule.describe() == "when sound is true; requires mode = 'pro' and duration = 10: sound needs pro at 10 s"


def test_the_defaults_are_only_the_parameters_whose_page_gives_one():
    spec = ModelSpec(
        slug="kling-x",
        kind="text-to-video",
        source_page="https://www.segmind.com/models/kling-x/api",
        source_read="2026-12-03",
        latency_s=90.0,
        params={
            "prompt": ParamSpec("prompt", "string", required=True),
            "seed": ParamSpec("seed", "integer"),
            "mode": ParamSpec("mode", "enum", values=("std", "pro"), default="std"),
            "generate_audio": ParamSpec("generate_audio", "boolean", default=False),
        },
        price=Price("test", range=(0.3, 0.6)),
        file="kling-x.yaml",
    )
    assert spec.defaults() == {"mode": "std", "generate_audio": False}
