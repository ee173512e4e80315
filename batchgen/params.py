"""Per-model parameter schemas: validate, normalise, reject unknown keys, estimate cost.

The two Kling text-to-video models are described here as SEGMIND_API.md
gives them.  A model without a schema is passed through unchecked, with a
warning.  Values read from CSV arrive as text and are converted by the
parameter's declared type; ``duration`` is accepted as ``5`` or ``"5"`` and
always sent as an integer.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from typing import Any

PROMPT_MAX_CHARS = 2500  # upstream Kling's limit for prompt and negative_prompt


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    kind: str  # "str" | "enum" | "number" | "int" | "duration"
    required: bool = False
    choices: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None
    default: Any = None


@dataclass(frozen=True, slots=True)
class ModelInfo:
    slug: str
    params: dict[str, Param]
    latency_s: float  # published average latency
    prices: dict[tuple[str, int], float]  # (mode, duration) -> USD


_ASPECTS = ("16:9", "9:16", "1:1")
_COMMON = (
    Param("prompt", "str", required=True),
    Param("negative_prompt", "str"),
    Param("aspect_ratio", "enum", choices=_ASPECTS, default="16:9"),
    Param("cfg_scale", "number", low=0.0, high=1.0, default=0.5),
    Param("duration", "duration", choices=(5, 10), default=5),
)

MODELS: dict[str, ModelInfo] = {
    "kling-text2video": ModelInfo(
        slug="kling-text2video",
        params={
            p.name: p
            for p in (
                *_COMMON,
                Param("mode", "enum", choices=("std", "pro"), default="std"),
                Param(
                    "camera_control_config",
                    "enum",
                    choices=("", "horizontal", "vertical", "pan", "tilt", "roll", "zoom"),
                ),
                Param("camera_control_config_value", "int", low=-10, high=10),
                Param(
                    "camera_control_type",
                    "enum",
                    choices=("simple", "down_back", "forward_up", "right_turn_forward", "left_turn_forward"),
                ),
            )
        },
        latency_s=320.23594,
        prices={("std", 5): 0.28, ("std", 10): 0.56, ("pro", 5): 0.98, ("pro", 10): 1.96},
    ),
    "kling-1.6-text2video": ModelInfo(
        slug="kling-1.6-text2video",
        params={p.name: p for p in (*_COMMON, Param("mode", "enum", choices=("std",), default="std"))},
        latency_s=304.07888,
        prices={("std", 5): 0.56, ("std", 10): 1.12},
    ),
}

DEFAULT_LATENCY_S = 300.0


def default_prices() -> dict[str, dict[str, dict[int, float]]]:
    """The built-in price table as config shapes it: model -> mode -> duration -> USD."""
    table: dict[str, dict[str, dict[int, float]]] = {}
    for info in MODELS.values():
        for (mode, duration), usd in info.prices.items():
            table.setdefault(info.slug, {}).setdefault(mode, {})[duration] = usd
    return table


def validate(
    model: str, raw: dict[str, Any], *, from_text: bool = False
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Check one job's parameters.  Returns (normalised params, [(field, problem)])."""
    info = MODELS.get(model)
    problems: list[tuple[str, str]] = []
    if info is None:
        return {k: v for k, v in raw.items()}, problems
    params: dict[str, Any] = {}
    for name, value in raw.items():
        spec = info.params.get(name)
        if spec is None:
            hint = difflib.get_close_matches(name, list(info.params), n=1)
            suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
            problems.append(
                (name, f"unknown parameter for {model}{suggestion} (known: {', '.join(sorted(info.params))})")
            )
            continue
        converted, problem = _check(spec, value, model, from_text)
        if problem:
            problems.append((name, problem))
        else:
            params[name] = converted
    for spec in info.params.values():
        if spec.required and spec.name not in raw:
            problems.append((spec.name, f"'{spec.name}' is required for {model}"))
    return params, problems


def _check(spec: Param, value: Any, model: str, from_text: bool) -> tuple[Any, str | None]:
    if spec.kind == "str":
        if not isinstance(value, str):
            return None, f"must be text, got {_type_name(value)}"
        if "\x00" in value:
            return None, "contains a NUL character"
        if spec.required and not value.strip():
            return None, "must not be empty"
        if len(value) > PROMPT_MAX_CHARS:
            return None, f"is {len(value)} characters long; the limit is {PROMPT_MAX_CHARS}"
        return value, None
    if spec.kind == "enum":
        if value not in spec.choices:
            allowed = ", ".join(repr(c) for c in spec.choices)
            extra = " (pro mode is not offered for this model)" if spec.name == "mode" and value == "pro" else ""
            extra += _sexagesimal_hint(spec, value)
            return None, f"{value!r} is not allowed for {model}{extra}; use one of {allowed}"
        return value, None
    if spec.kind == "duration":
        number = _as_int(value, from_text=True)
        if number is None or number not in spec.choices:
            return None, f"{value!r} is not allowed; use 5 or 10 (seconds)"
        return number, None
    if spec.kind == "int":
        number = _as_int(value, from_text=from_text)
        if number is None:
            return None, f"must be a whole number, got {value!r}"
        return _in_range(spec, number)
    # number
    real = _as_float(value, from_text=from_text)
    if real is None:
        return None, f"must be a number, got {value!r}"
    return _in_range(spec, real)


def _sexagesimal_hint(spec: Param, value: Any) -> str:
    """YAML 1.1 reads an unquoted 16:9 as the base-60 number 969: say so, and how to write it."""
    if isinstance(value, bool) or not isinstance(value, int):
        return ""
    for choice in spec.choices:
        a, sep, b = str(choice).partition(":")
        if sep and a.isdigit() and b.isdigit() and int(a) * 60 + int(b) == value:
            return f' (an unquoted {choice} is read by YAML as the number {value}: write it in quotes, "{choice}")'
    return ""


def _in_range(spec: Param, value: float) -> tuple[Any, str | None]:
    if spec.low is not None and spec.high is not None and not spec.low <= value <= spec.high:
        return None, f"{value!r} is out of range; use a value from {spec.low:g} to {spec.high:g}"
    return value, None


def _as_int(value: Any, *, from_text: bool) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if from_text and isinstance(value, str):
        text = value.strip()
        if text.lstrip("+-").isdigit() and text.isascii():
            return int(text)
    return None


def _as_float(value: Any, *, from_text: bool) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif from_text and isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _type_name(value: Any) -> str:
    return {dict: "a mapping", list: "a list", bool: "true/false", type(None): "nothing"}.get(
        type(value), type(value).__name__
    )


def estimate_cost(model: str, params: dict[str, Any], prices: dict[str, dict[str, dict[int, float]]]) -> float | None:
    """Estimated USD for one job from the price table, or None if unknown."""
    table = prices.get(model)
    if not table:
        return None
    mode = str(params.get("mode") or "std")
    duration = _as_int(params.get("duration", 5), from_text=True) or 5
    by_duration = table.get(mode) or table.get("std") or {}
    if duration in by_duration:
        return by_duration[duration]
    if 5 in by_duration:
        return by_duration[5] * duration / 5
    return None


def typical_latency(model: str) -> float:
    info = MODELS.get(model)
    return info.latency_s if info else DEFAULT_LATENCY_S
