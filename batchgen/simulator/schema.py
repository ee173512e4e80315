"""The simulator's own reading of the model specs: which bodies each model refuses (400), its latency, its price.

The spec files (``batchgen/models/specs/*.yaml``) are read here as data, with
PyYAML and this module's own code, independently of ``batchgen.models``, so
that a wrong assumption in the client's validation cannot be mirrored here.
A body is checked as the provider would: every value in a form the model
takes (an enum value as itself or its text, ``5`` or ``"5"``), required
fields present, ranges and lengths, images decodable and large enough, and
the rules between parameters.  A refusal names the field and never quotes an
image.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built in

SPEC_DIR = Path(__file__).resolve().parent.parent / "models" / "specs"


@dataclass(frozen=True, slots=True)
class SimModel:
    slug: str
    params: dict[str, dict[str, Any]]
    latency_s: float
    rules: list[dict[str, Any]] = field(default_factory=list)
    price: dict[str, Any] = field(default_factory=dict)

    def defaults(self) -> dict[str, Any]:
        return {k: p["default"] for k, p in self.params.items() if p.get("default") is not None}

    def image_fields(self) -> list[str]:
        return [k for k, p in self.params.items() if p.get("type") == "image"]

    def image_places(self, body: dict[str, Any]) -> list[tuple[dict[str, Any] | list[Any], str | int]]:
        """Where a body holds an image: (its container, its key or index), in an image field or in a list's
        objects (the spec's ``item_images``)."""
        places: list[tuple[dict[str, Any] | list[Any], str | int]] = [
            (body, name) for name in self.image_fields() if name in body
        ]
        for name, spec in self.params.items():
            items = body.get(name)
            if not spec.get("item_images") or not isinstance(items, list):
                continue
            for item in items:
                for key, inner in spec["item_images"].items():
                    if not isinstance(item, dict) or key not in item:
                        continue
                    if inner.get("type") != "list":
                        places.append((item, key))
                    elif isinstance(item[key], list):
                        places += [(item[key], index) for index in range(len(item[key]))]
        return places


def load_models(extra: tuple[str, ...] = ()) -> dict[str, SimModel]:
    """Every shipped spec, plus ``extra`` spec files (a test's or a user's model)."""
    paths = sorted(SPEC_DIR.glob("*.yaml")) if SPEC_DIR.is_dir() else []
    models = {}
    for path in [*paths, *(Path(p) for p in extra)]:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
        models[str(data["slug"])] = SimModel(
            slug=str(data["slug"]),
            params=dict(data.get("params") or {}),
            latency_s=float(data.get("latency_s") or 60.0),
            rules=list(data.get("rules") or []),
            price=dict(data.get("price") or {}),
        )
    return models


_SHIPPED: dict[str, SimModel] = {}


def shipped() -> dict[str, SimModel]:
    if not _SHIPPED:
        _SHIPPED.update(load_models())
    return _SHIPPED


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def check(model: SimModel, body: dict[str, Any], *, reject_unknown: bool, inline: str = "any") -> str | None:
    """Return an error message for the first violation, or None if acceptable.  ``inline`` is the form an
    image field takes its bytes in: "any" (bare base64 or a data URI), "base64" or "data_uri" only, or
    "url" (none: only an https:// URL)."""
    for name, spec in model.params.items():
        if name not in body:
            if spec.get("required"):
                kind = "string" if spec.get("type") in ("string", "image") else str(spec.get("type"))
                return f"{name.capitalize()} is Mandatory and must be {kind}"
            continue
        message = _check_value(name, spec, body[name], inline)
        if message:
            return message
    if reject_unknown:
        extra = sorted(set(body) - set(model.params))
        if extra:
            return f"Unknown parameter(s): {', '.join(extra)}"
    return _check_rules(model, body)


def _check_value(name: str, spec: dict[str, Any], value: Any, inline: str = "any") -> str | None:
    kind = spec.get("type")
    if kind == "string":
        if not isinstance(value, str) or (spec.get("required") and not value.strip()):
            return f"{name.capitalize()} is Mandatory and must be string"
        if spec.get("max_length") and len(value) > int(spec["max_length"]):
            return f"{name} must be at most {spec['max_length']} characters"
    elif kind == "enum":
        allowed = spec.get("values") or []
        if isinstance(value, list | dict) or not any(_text(v) == _text(value) for v in allowed):
            return f"Invalid value for {name}: {value!r}. Allowed: {', '.join(map(repr, allowed))}"
    elif kind in ("number", "integer"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"{name} must be {'a number' if kind == 'number' else 'an integer'}"
        if kind == "integer" and not isinstance(value, int):
            return f"{name} must be an integer"
        low, high = spec.get("min"), spec.get("max")
        if low is not None and high is not None and not low <= value <= high:
            return f"{name} must be between {low} and {high}"
    elif kind == "boolean":
        if not isinstance(value, bool):
            return f"{name} must be a boolean"
    elif kind == "list":
        if not isinstance(value, list):
            return f"{name} must be a list"
        if spec.get("max_items") and len(value) > int(spec["max_items"]):
            return f"{name} takes at most {spec['max_items']} items"
        longest = spec.get("item_max_length")
        if longest and any(isinstance(v, str) and len(v) > int(longest) for v in value):
            return f"each item of {name} must be at most {longest} characters"
        return _check_item_fields(name, spec, value) or _check_item_images(name, spec, value, inline)
    elif kind == "image":
        return _check_image(name, spec, value, inline)
    return None


def _check_item_fields(name: str, spec: dict[str, Any], items: list[Any]) -> str | None:
    """The other keys a list's objects hold (the spec's ``item_fields``), each checked as a field is."""
    fields = spec.get("item_fields") or {}
    for index, item in enumerate(items):
        if not fields or not isinstance(item, dict):
            continue
        for key, inner in fields.items():
            where = f"{name}[{index}].{key}"
            if key in item:
                message = _check_value(where, inner, item[key])
                if message:
                    return message
            elif inner.get("required"):
                return f"{where} is Mandatory"
    return None


def _check_item_images(name: str, spec: dict[str, Any], items: list[Any], inline: str) -> str | None:
    """The images a list's objects hold (the spec's ``item_images``), each checked as an image field is."""
    for index, item in enumerate(items):
        for key, inner in (spec.get("item_images") or {}).items():
            if not isinstance(item, dict) or key not in item:
                continue
            where = f"{name}[{index}].{key}"
            many = inner.get("type") == "list"
            if many and not isinstance(item[key], list):
                return f"{where} must be a list of image URLs"
            for number, image in enumerate(item[key] if many else [item[key]]):
                message = _check_image(f"{where}[{number}]" if many else where, inner, image, inline)
                if message:
                    return message
    return None


def image_bytes(value: Any) -> bytes | None:
    """The image a body's field carries inline (base64, bare or as a data URI), or None (a URL, or not base64)."""
    if not isinstance(value, str) or value.startswith(("https://", "http://")):
        return None
    text = value.split(",", 1)[1] if value.startswith("data:") else value
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _check_image(name: str, spec: dict[str, Any], value: Any, inline: str = "any") -> str | None:
    if isinstance(value, str) and value.startswith("https://"):
        return None
    if inline == "url":
        return f"{name} must be an https:// image URL"
    if isinstance(value, str) and inline != "any" and value.startswith("data:") != (inline == "data_uri"):
        takes = "a data: URI (data:image/png;base64,...)" if inline == "data_uri" else "bare base64 (no data: prefix)"
        return f"{name} must be an image URL or {takes}"
    facts = inline_facts(value)
    if facts is None:
        return f"{name} must be an image URL or a base64-encoded image"
    _, length, size, kind = facts
    formats = [str(f) for f in spec.get("formats") or ("jpeg", "png")]
    if size is None or kind not in formats:
        return f"{name} is not a {' or '.join(f.upper() for f in formats)} image"
    if spec.get("max_bytes") and length > int(spec["max_bytes"]):
        return f"{name} is larger than {spec['max_bytes']} bytes"
    if spec.get("min_side_px") and min(size) < int(spec["min_side_px"]):
        return f"{name} must be at least {spec['min_side_px']} px on each side"
    if spec.get("max_side_px") and max(size) > int(spec["max_side_px"]):
        return f"{name} must be at most {spec['max_side_px']} px on each side"
    aspect = size[0] / size[1]
    low, high = spec.get("aspect_min"), spec.get("aspect_max")
    if (low is not None and aspect < low) or (high is not None and aspect > high):
        return f"{name} aspect ratio must be between {low} and {high}"
    return None


Facts = tuple[str, int, tuple[int, int] | None, str | None]  # sha256, bytes, (width, height), format
_SEEN: dict[str, Facts] = {}
# the last text asked about and its facts (held, so its identity stays its own)
_LAST: list[tuple[str, Facts]] = []


def inline_facts(value: Any) -> Facts | None:
    """(sha256, bytes, (width, height) or None, format: jpeg, png, webp or None) of the image a field carries
    inline; None when it carries none (a URL, or not base64).  Remembered by the text's own digest: an image
    sent 10,000 times is decoded once."""
    if not isinstance(value, str) or value.startswith(("https://", "http://")):
        return None
    if _LAST and _LAST[0][0] is value:  # the submit's check and its keeping ask of the same text
        return _LAST[0][1]
    key = hashlib.sha256(value.encode()).hexdigest()
    facts = _SEEN.get(key)
    if facts is None:
        data = image_bytes(value)
        if data is None:
            return None
        facts = (hashlib.sha256(data).hexdigest(), len(data), *_image_size(data))
        if len(_SEEN) < 10_000:
            _SEEN[key] = facts
    _LAST[:] = [(value, facts)]
    return facts


_FORMATS = {"png": "png", "mjpeg": "jpeg", "webp": "webp"}  # FFmpeg's decoder -> a spec's format name


def _image_size(data: bytes) -> tuple[tuple[int, int] | None, str | None]:
    """((width, height), format) of a PNG, JPEG or WebP as FFmpeg (PyAV) decodes it; (None, None) when it is
    not one that decodes."""
    import av

    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            stream = container.streams.video[0] if container.streams.video else None
            kind = _FORMATS.get(stream.codec_context.name) if stream is not None else None
            if stream is None or kind is None:
                return None, None
            frame = next(container.decode(stream), None)
    except (av.FFmpegError, OSError, ValueError):
        return None, None
    return ((frame.width, frame.height), kind) if frame is not None and frame.width and frame.height else (None, None)


def _matches(value: Any, wanted: Any) -> bool:
    options = wanted if isinstance(wanted, list) else [wanted]
    return value is not None and any(_text(v) == _text(value) for v in options)


def _check_rules(model: SimModel, body: dict[str, Any]) -> str | None:
    full = {**model.defaults(), **body}
    for rule in model.rules:
        when = rule.get("when") or {}
        if not all(_matches(full.get(k), v) for k, v in when.items()):
            continue
        message = str(rule.get("message") or "not allowed")
        for name, wanted in (rule.get("require") or {}).items():
            if not _matches(full.get(name), wanted):
                return f"{name}: {message}"
        for name in rule.get("present") or []:
            if name not in body:
                return f"{name}: {message}"
        for name in rule.get("absent") or []:
            if name in body:
                return f"{name}: {message}"
        one_of = rule.get("one_of") or []
        if one_of and sum(1 for n in one_of if n in body) != 1:
            return f"{one_of[0]}: {message}"
    return None


def duration_of(model: SimModel, body: dict[str, Any]) -> int:
    """The seconds of video asked for (5, "5" and 5.0 alike), the spec's default, or 5."""
    number = _number(body.get("duration", model.defaults().get("duration", 5)))
    return int(number) if number is not None and number > 0 and math.isfinite(number) else 5


def price(model: SimModel, body: dict[str, Any]) -> float:
    """USD for this body from the spec's table (or per-second rate); the highest known price when unlisted."""
    full = {**model.defaults(), **body}
    table = model.price.get("table") or []
    for row in table:
        if all(_matches(full.get(k), v) for k, v in row.items() if k != "usd"):
            return float(row["usd"])
    seconds = duration_of(model, body)
    for row in model.price.get("per_second") or []:
        if all(_matches(full.get(k), v) for k, v in row.items() if k != "usd"):
            return round(float(row["usd"]) * seconds, 6)
    known = [float(row["usd"]) for row in table] + [float(v) for v in (model.price.get("range") or [])]
    return max(known, default=0.5)
