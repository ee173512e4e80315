"""The simulator's own parameter checks for the Kling models (400 on violation).

Written independently of ``batchgen.params`` so that a wrong assumption in the
client's validation cannot be mirrored here.
"""

from __future__ import annotations

from typing import Any

_ASPECTS = ("16:9", "9:16", "1:1")
_CAMERA_AXES = ("", "horizontal", "vertical", "pan", "tilt", "roll", "zoom")
_CAMERA_TYPES = ("simple", "down_back", "forward_up", "right_turn_forward", "left_turn_forward")

# name -> (kind, allowed values or (low, high), required)
_COMMON: dict[str, tuple[str, Any, bool]] = {
    "prompt": ("str", None, True),
    "negative_prompt": ("str", None, False),
    "aspect_ratio": ("enum", _ASPECTS, False),
    "cfg_scale": ("number", (0.0, 1.0), False),
    "duration": ("duration", (5, 10), False),
}
SCHEMAS: dict[str, dict[str, tuple[str, Any, bool]]] = {
    "kling-text2video": {
        **_COMMON,
        "mode": ("enum", ("std", "pro"), False),
        "camera_control_config": ("enum", _CAMERA_AXES, False),
        "camera_control_config_value": ("int", (-10, 10), False),
        "camera_control_type": ("enum", _CAMERA_TYPES, False),
    },
    "kling-1.6-text2video": {**_COMMON, "mode": ("enum", ("std",), False)},
}


def check(slug: str, body: dict[str, Any], *, reject_unknown: bool) -> str | None:
    """Return an error message for the first violation, or None if acceptable."""
    schema = SCHEMAS.get(slug)
    if schema is None:
        return None
    for name, (kind, allowed, required) in schema.items():
        if name not in body:
            if required:
                return f"{name.capitalize()} is Mandatory and must be string"
            continue
        message = _check_value(name, kind, allowed, body[name])
        if message:
            return message
    if reject_unknown:
        extra = sorted(set(body) - set(schema))
        if extra:
            return f"Unknown parameter(s): {', '.join(extra)}"
    return None


def _check_value(name: str, kind: str, allowed: Any, value: Any) -> str | None:
    if kind == "str":
        if not isinstance(value, str) or (name == "prompt" and not value.strip()):
            return f"{name.capitalize()} is Mandatory and must be string"
    elif kind == "enum":
        if value not in allowed:
            return f"Invalid value for {name}: {value!r}. Allowed: {', '.join(map(repr, allowed))}"
    elif kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"{name} must be a number"
        low, high = allowed
        if not low <= value <= high:
            return f"{name} must be between {low} and {high}"
    elif kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return f"{name} must be an integer"
        low, high = allowed
        if not low <= value <= high:
            return f"{name} must be between {low} and {high}"
    elif kind == "duration" and duration_of(value) is None:
        return f"Invalid value for duration: {value!r}. Allowed: 5, 10"
    return None


def duration_of(value: Any) -> int | None:
    """5 and "5" are both accepted, as the model pages' own samples send strings."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and value in (5, 10):
        return value
    return None
