"""Read one model spec file (``docs/MODEL_SPEC.md``) and check it: every problem with file, line and field.

A spec is checked as strictly as a manifest, since a user's spec file for a
model Segmind adds tomorrow is input like any other: unknown keys, wrong
types, an enum without values, a price of $0 or a rule naming a parameter
the spec does not have are all refused, listed together, with what to write
instead.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ..errors import ModelSpecError, Problem
from ..yaml_reader import LocatedList, LocatedMap, YamlProblem, load_located, plain
from .price import duration_bounds
from .spec import IMAGE_FORMATS, INLINE_FORMS, KINDS, TYPES, WIRES, ModelSpec, ParamSpec, Price, PriceRow, Rule

MAX_SPEC_BYTES = 1 << 20
_TOP = ("slug", "title", "kind", "source", "latency_s", "latency_source", "params", "rules", "price", "output")
_IMAGE_LIMITS = ("formats", "max_bytes", "min_side_px", "max_side_px", "aspect_min", "aspect_max")
_PARAM_KEYS = (
    "type",
    "wire",
    "inline",
    "required",
    "default",
    "send_default",
    "values",
    "min",
    "max",
    "max_length",
    "items",
    "max_items",
    "item_max_length",
    *_IMAGE_LIMITS,
    "unit",
    "refused",
    "item_images",
    "item_fields",
    "description",
    "notes",
)
# what a key of a list's objects that holds no image may say (``item_fields``): a value checked as a parameter's
_ITEM_FIELD_KEYS = ("type", "wire", "required", "values", "min", "max", "max_length", "unit", "description", "notes")
_ITEM_FIELD_TYPES = ("string", "integer", "number", "boolean", "enum")
# what a key of a list's objects that holds an image (type: image) or a list of them (type: list, items: image)
# may say; its images go in the list's inline form
_IMAGE_KEY_KEYS = (
    "type",
    "items",
    "required",
    "max_items",
    *_IMAGE_LIMITS,
    "description",
    "notes",
)
_RULE_KEYS = ("when", "require", "present", "absent", "one_of", "message")
_PRICE_KEYS = ("source", "by", "table", "per_second", "range", "notes")


class _Problems:
    def __init__(self, file: str) -> None:
        self.file = file
        self.items: list[Problem] = []

    def add(self, line: int | None, field: str | None, message: str) -> None:
        self.items.append(Problem(self.file, line, field, message))


def load_spec_file(path: str | Path, *, shipped: bool = False) -> ModelSpec:
    """Read and check one spec file; raises ModelSpecError listing every problem."""
    path = Path(path)
    bad = _Problems(str(path))
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ModelSpecError([Problem(str(path), None, None, "no such model spec file; check the path")]) from None
    except OSError as exc:
        raise ModelSpecError([Problem(str(path), None, None, f"cannot be read: {exc.strerror or exc}")]) from None
    if len(data) > MAX_SPEC_BYTES or b"\x00" in data:
        raise ModelSpecError([Problem(str(path), None, None, "is not a model spec (a small UTF-8 YAML file)")])
    try:
        root = load_located(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ModelSpecError([Problem(str(path), None, None, "is not valid UTF-8; save it as UTF-8")]) from None
    except YamlProblem as exc:
        raise ModelSpecError([Problem(str(path), exc.line, exc.field, exc.message)]) from None
    if not isinstance(root, LocatedMap):
        raise ModelSpecError([Problem(str(path), 1, None, "the top level must be a mapping (slug, kind, params, ...)")])
    spec = _build(root, path, bad, shipped)
    if bad.items or spec is None:
        raise ModelSpecError(bad.items or [Problem(str(path), None, None, "is not a usable model spec")])
    return spec


def _build(root: LocatedMap, path: Path, bad: _Problems, shipped: bool) -> ModelSpec | None:
    line = root.key_lines
    for key in root:
        if key not in _TOP:
            bad.add(line[key], key, f"unknown key; use {', '.join(_TOP)}")
    for key in ("slug", "kind", "source", "latency_s", "params", "price"):
        if key not in root:
            bad.add(None, key, f"'{key}' is required (see docs/MODEL_SPEC.md)")
    slug = root.get("slug")
    if "slug" in root and (not isinstance(slug, str) or not slug):
        bad.add(line["slug"], "slug", "must be the model's name in POST /v2/{slug}, e.g. kling-2.6")
    elif isinstance(slug, str) and slug != path.stem:
        bad.add(line["slug"], "slug", f"'{slug}' differs from the file's name; name the file {slug}.yaml")
    kind = root.get("kind")
    if "kind" in root and kind not in KINDS:
        bad.add(line["kind"], "kind", f"{kind!r} is not a kind; use one of {', '.join(KINDS)}")
    source = root.get("source", {})
    if "source" in root and (not isinstance(source, LocatedMap) or not isinstance(source.get("page"), str)):
        bad.add(line["source"], "source", "must be {page: URL, read: YYYY-MM-DD, notes: text}")
        source = {}
    latency = root.get("latency_s")
    if "latency_s" in root and not _positive(latency):
        bad.add(line["latency_s"], "latency_s", "must be the published average latency in seconds (a number > 0)")
    params: dict[str, ParamSpec] = {}
    node = root.get("params")
    if "params" in root:
        if not isinstance(node, LocatedMap) or not node:
            bad.add(line["params"], "params", "must map each parameter name to its description")
        else:
            for name, value in node.items():
                param = _param(name, value, node.key_lines[name], bad)
                if param is not None:
                    params[name] = param
    # every name the spec declares, its own problems or not: a rule naming one is not wrong for that
    declared = set(node) if isinstance(node, LocatedMap) else set()
    rules = _rules(root.get("rules"), line.get("rules"), declared, bad) if "rules" in root else ()
    price = _price(root["price"], line["price"], params, declared, bad) if "price" in root else None
    output = root.get("output", {})
    if not isinstance(output, dict):
        bad.add(line["output"], "output", "must be a mapping such as {resolution: {std: 720p}, fps: 24}")
        output = {}
    if bad.items or price is None or not isinstance(slug, str):
        return None
    return ModelSpec(
        slug=slug,
        kind=str(kind),
        source_page=str(source.get("page", "")),
        source_read=str(source.get("read", "")),
        source_notes=str(source.get("notes", "") or ""),
        latency_s=float(latency),  # type: ignore[arg-type]
        latency_source=str(root.get("latency_source", "") or ""),
        params=params,
        rules=rules,
        price=price,
        output=plain(output),
        title=str(root.get("title", "") or ""),
        file=str(path),
        shipped=shipped,
    )


def _param(name: str, node: Any, at: int, bad: _Problems, *, within: str = "", role: str = "") -> ParamSpec | None:
    """One parameter; ``within``: the list whose objects hold this key (``elements.item_images.``), and
    ``role`` what the key is there: ``image`` (an image or a list of them) or ``field`` (any other value)."""
    label = f"{within}{name}"
    if not isinstance(node, LocatedMap):
        bad.add(at, label, "must be a mapping such as {type: string, required: true}")
        return None
    lines = node.key_lines
    count = len(bad.items)
    known = {"image": _IMAGE_KEY_KEYS, "field": _ITEM_FIELD_KEYS}.get(role, _PARAM_KEYS)
    for key in node:
        if key not in known:
            bad.add(lines[key], f"{label}.{key}", f"unknown key; use {', '.join(known)}")
    kind = node.get("type")
    if kind not in TYPES:
        bad.add(lines.get("type", at), f"{label}.type", f"{kind!r} is not a type; use one of {', '.join(TYPES)}")
        return None
    if role == "image" and not (kind == "image" or (kind == "list" and node.get("items") == "image")):
        what = "an image key is type: image, or type: list with items: image"
        bad.add(lines.get("type", at), f"{label}.type", what)
        return None
    if role == "field" and kind not in _ITEM_FIELD_TYPES:
        what = f"a key of a list's objects is one of {', '.join(_ITEM_FIELD_TYPES)} (an image key: item_images)"
        bad.add(lines.get("type", at), f"{label}.type", what)
        return None
    wire = node.get("wire")
    if wire is not None and wire not in WIRES:
        bad.add(lines["wire"], f"{label}.wire", f"{wire!r} is not a wire form; use one of {', '.join(WIRES)}")
    if kind == "image" and wire not in (None, "base64", "url"):
        bad.add(lines["wire"], f"{label}.wire", "an image is sent as base64 or url")
    inline = node.get("inline")
    item_images = _item_keys(label, node, kind, bad, "item_images")
    item_fields = _item_keys(label, node, kind, bad, "item_fields")
    for key in item_images.keys() & item_fields.keys():
        bad.add(lines["item_fields"], f"{label}.item_fields.{key}", "is an image key too (item_images): name it once")
    takes_inline = kind == "image" or bool(item_images)
    if inline is not None and (not takes_inline or inline not in INLINE_FORMS):
        what = (
            f"use one of {', '.join(INLINE_FORMS)}"
            if takes_inline
            else "only an image has an inline form (and a list whose objects hold images: item_images)"
        )
        bad.add(lines["inline"], f"{label}.inline", f"{inline!r}: {what}")
    values = node.get("values")
    if kind == "enum":
        if not isinstance(values, list) or not values or any(isinstance(v, list | dict) for v in values):
            bad.add(lines.get("values", at), f"{label}.values", "an enum needs values: a list such as [5, 10]")
            values = []
    elif values is not None:
        bad.add(lines["values"], f"{label}.values", "only an enum has values; use type: enum")
    for key in ("required", "send_default"):
        if key in node and not isinstance(node[key], bool):
            bad.add(lines[key], f"{label}.{key}", "must be true or false")
    numbers: dict[str, float | None] = {}
    for key in ("min", "max", "aspect_min", "aspect_max"):
        value = node.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            bad.add(lines[key], f"{label}.{key}", "must be a number")
            value = None
        numbers[key] = float(value) if value is not None else None
    whole: dict[str, int | None] = {}
    for key in ("max_length", "max_items", "item_max_length", "max_bytes", "min_side_px", "max_side_px"):
        value = node.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
            bad.add(lines[key], f"{label}.{key}", "must be a whole number above 0")
            value = None
        whole[key] = value
    bounds = {**numbers, **whole}
    for lower, upper in (("min", "max"), ("aspect_min", "aspect_max"), ("min_side_px", "max_side_px")):
        least, most = bounds[lower], bounds[upper]
        if least is not None and most is not None and least > most:  # (else nothing could ever be taken)
            bad.add(lines[lower], f"{label}.{lower}", f"{lower} {least:g} is above {upper} {most:g}; swap them")
    image = kind == "image" or node.get("items") == "image"
    formats = node.get("formats", ["jpeg", "png"] if image else [])
    if not isinstance(formats, list) or any(f not in IMAGE_FORMATS for f in formats):
        bad.add(lines.get("formats", at), f"{label}.formats", f"must be a list of {', '.join(IMAGE_FORMATS)}")
        formats = []
    items = node.get("items")
    if items == "image" and role != "image":
        what = "a list of images is declared only as a key of a list's objects (item_images)"
        bad.add(lines["items"], f"{label}.items", what)
    elif items is not None and items not in ("string", "integer", "number", "boolean", "object", "image"):
        bad.add(lines["items"], f"{label}.items", "must be string, integer, number, boolean or object")
    refused = node.get("refused", {})
    if not isinstance(refused, dict) or not all(isinstance(v, str) for v in refused.values()):
        bad.add(lines.get("refused", at), f"{label}.refused", "must map a refused value to the reason, as text")
        refused = {}
    if len(bad.items) > count:
        return None
    return ParamSpec(
        name=name,
        type=kind,
        line=at,
        wire=wire,
        inline=inline,
        required=bool(node.get("required", False)),
        default=plain(node.get("default")),
        send_default=bool(node.get("send_default", False)),
        values=tuple(values or ()),
        min=numbers["min"],
        max=numbers["max"],
        max_length=whole["max_length"],
        items=items,
        max_items=whole["max_items"],
        item_max_length=whole["item_max_length"],
        formats=tuple(formats),
        max_bytes=whole["max_bytes"],
        min_side_px=whole["min_side_px"],
        max_side_px=whole["max_side_px"],
        aspect_min=numbers["aspect_min"],
        aspect_max=numbers["aspect_max"],
        unit=str(node["unit"]) if node.get("unit") is not None else None,
        refused={str(k): str(v) for k, v in refused.items()},
        item_images=item_images,
        item_fields=item_fields,
        description=str(node.get("description", "") or ""),
        notes=str(node.get("notes", "") or ""),
    )


def _item_keys(label: str, node: LocatedMap, kind: Any, bad: _Problems, block: str) -> dict[str, ParamSpec]:
    """The keys of a list's objects that ``block`` declares, each read as a parameter of its own, with its
    limits: ``item_images``, those that hold an image or a list of images; ``item_fields``, the others."""
    value = node.get(block)
    if value is None:
        return {}
    at = node.key_lines[block]
    if kind != "list" or node.get("items") != "object" or not isinstance(value, LocatedMap) or not value:
        what = "an image" if block == "item_images" else "its spec (type, required, limits)"
        what = f"only a list of objects (type: list, items: object) has {block}: a mapping of key to {what}"
        bad.add(at, f"{label}.{block}", what)
        return {}
    role = "image" if block == "item_images" else "field"
    found = {}
    for key, inner in value.items():
        param = _param(key, inner, value.key_lines[key], bad, within=f"{label}.{block}.", role=role)
        if param is not None:
            found[key] = param
    return found


def _rules(node: Any, at: int | None, declared: set[str], bad: _Problems) -> tuple[Rule, ...]:
    if not isinstance(node, LocatedList):
        bad.add(at, "rules", "must be a list of rules (when/require/present/absent/one_of, message)")
        return ()
    rules = []
    for item, line in zip(node, node.item_lines, strict=True):
        if not isinstance(item, LocatedMap):
            bad.add(line, "rules", "each rule must be a mapping with a message")
            continue
        for key in item:
            if key not in _RULE_KEYS:
                bad.add(item.key_lines[key], f"rules.{key}", f"unknown key; use {', '.join(_RULE_KEYS)}")
        if not isinstance(item.get("message"), str):
            bad.add(line, "rules.message", "every rule needs a message saying what the provider refuses")
        conditions: dict[str, dict[str, tuple[Any, ...]]] = {}
        for key in ("when", "require"):
            value = item.get(key, {})
            if not isinstance(value, dict):
                bad.add(item.key_lines.get(key, line), f"rules.{key}", "must map parameter names to values")
                value = {}
            conditions[key] = {k: tuple(v) if isinstance(v, list) else (v,) for k, v in value.items()}
        names: dict[str, tuple[str, ...]] = {}
        for key in ("present", "absent", "one_of"):
            value = item.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                bad.add(item.key_lines.get(key, line), f"rules.{key}", "must be a list of parameter names")
                value = []
            names[key] = tuple(value)
        used = [*conditions["when"], *conditions["require"], *names["present"], *names["absent"], *names["one_of"]]
        for name in used:
            if name not in declared:
                bad.add(line, "rules", f"names '{name}', which is not one of this spec's params")
        if not (conditions["require"] or names["present"] or names["absent"] or names["one_of"]):
            bad.add(line, "rules", "a rule must say what is required: require, present, absent or one_of")
        rules.append(
            Rule(
                message=str(item.get("message", "")),
                line=line,
                when=conditions["when"],
                require=conditions["require"],
                present=names["present"],
                absent=names["absent"],
                one_of=names["one_of"],
            )
        )
    return tuple(rules)


def _price(node: Any, at: int, params: dict[str, ParamSpec], declared: set[str], bad: _Problems) -> Price | None:
    if not isinstance(node, LocatedMap):
        bad.add(at, "price", "must be a mapping with source, by, table (and range)")
        return None
    for key in node:
        if key not in _PRICE_KEYS:
            bad.add(node.key_lines[key], f"price.{key}", f"unknown key; use {', '.join(_PRICE_KEYS)}")
    if not isinstance(node.get("source"), str):
        bad.add(node.key_lines.get("source", at), "price.source", "say where the price comes from (page and date)")
    by = node.get("by", [])
    if not isinstance(by, list) or not all(isinstance(b, str) and b in declared for b in by):
        bad.add(node.key_lines.get("by", at), "price.by", "must list parameters of this spec, e.g. [mode, duration]")
        by = []
    rows: dict[str, list[PriceRow]] = {"table": [], "per_second": []}
    for key in rows:
        value = node.get(key, [])
        lines = value.item_lines if isinstance(value, LocatedList) else []
        if not isinstance(value, list):
            bad.add(node.key_lines[key], f"price.{key}", "must be a list of rows such as {mode: std, usd: 0.28}")
            continue
        for row, line in zip(value, lines, strict=False):
            usd = row.get("usd") if isinstance(row, dict) else None
            if isinstance(usd, bool) or not isinstance(usd, int | float) or not math.isfinite(usd) or usd <= 0:
                bad.add(line, f"price.{key}", "each row needs usd: a price above $0 (write the page's figure)")
                continue
            when = {k: plain(v) for k, v in row.items() if k != "usd"}
            for name in when:
                if name not in declared:
                    bad.add(line, f"price.{key}", f"names '{name}', which is not one of this spec's params")
            rows[key].append(PriceRow(when, float(usd)))
    span = node.get("range")
    price_range: tuple[float, float] | None = None
    if span is not None:
        if (
            not isinstance(span, list)
            or len(span) != 2
            or not all(_positive(v) for v in span)
            or float(span[0]) > float(span[1])
        ):
            bad.add(node.key_lines["range"], "price.range", "must be [lowest, highest] in USD, both above $0")
        else:
            price_range = (float(span[0]), float(span[1]))
    if not rows["table"] and not rows["per_second"] and price_range is None:
        bad.add(at, "price", "give a table, per_second rates or a range: a price is never $0")
    duration_refused = "duration" in declared and "duration" not in params  # its own problem is said already
    if rows["per_second"] and price_range is None and duration_bounds(params)[1] is None and not duration_refused:
        bad.add(
            node.key_lines["per_second"],
            "price.per_second",
            "per-second rates need a longest duration for an upper bound on a job no row prices: give the duration "
            "parameter its values or a max, or give a range [lowest, highest] in USD",
        )
    return Price(
        source=str(node.get("source", "")),
        by=tuple(by),
        table=tuple(rows["table"]),
        per_second=tuple(rows["per_second"]),
        range=price_range,
    )


def _positive(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value) and value > 0
