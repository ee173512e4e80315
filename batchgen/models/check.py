"""One job's parameters against its model's spec: values, rules between them, and their wire forms.

:func:`check_params` returns the parameters as they go on the wire (an
image, at the top level or in a list's objects, as a reference to its checked file, see
:mod:`batchgen.models.images`)
and every problem as ``(field, message)``.  A value is accepted in its
spec ``type`` and, from CSV, as text that converts to it; a number enum
(``duration``) takes ``5``, ``"5"`` and ``5.0`` from any format.
"""

from __future__ import annotations

import difflib
import json
import math
from pathlib import Path
from typing import Any

from . import images
from .spec import ModelSpec, ParamSpec, Rule

Problems = list[tuple[str, str]]


def check_params(
    spec: ModelSpec, raw: dict[str, Any], *, from_text: bool = False, base: Path | None = None
) -> tuple[dict[str, Any], Problems]:
    """Check one job's parameters; returns (wire-form params, [(field, problem)])."""
    model = spec.slug
    problems: Problems = []
    params: dict[str, Any] = {}
    for name, value in raw.items():
        param = spec.params.get(name)
        if param is None:
            hint = difflib.get_close_matches(name, list(spec.params), n=1)
            suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
            problems.append(
                (name, f"unknown parameter for {model}{suggestion} (known: {', '.join(sorted(spec.params))})")
            )
            continue
        if param.type == "image":
            ref, problem = images.check_image(param, value, base=base)
            converted: Any = ref
        else:
            converted, problem = check_value(param, value, model, from_text)
        if problem:
            problems.append((name, problem))
            continue
        inside: Problems = []
        if param.item_fields or param.item_images:  # an item that is no object, by its place: the others still checked
            inside += [
                (images.place((name, index)), f"must be a mapping, got {type_name(item)}")
                for index, item in enumerate(converted)
                if not isinstance(item, dict)
            ]
        if param.item_fields:  # a list of objects whose keys the spec names: each value checked as a parameter's
            converted, more = check_item_fields(param, converted, model)
            inside += more
        if param.item_images:  # a list of objects holding images: each checked as a parameter's image is
            converted, more = images.check_item_images(param, converted, base=base)
            inside += more
        if inside:
            problems += inside
            continue
        params[name] = to_wire(param, converted)
    for param in spec.params.values():
        if param.required and param.name not in raw:
            problems.append((param.name, f"'{param.name}' is required for {model}"))
    for name in _sent_defaults(spec, params):
        params[name] = to_wire(spec.params[name], spec.params[name].default)
    if not problems:
        problems += check_rules(spec, params)
    return params, problems


def _sent_defaults(spec: ModelSpec, params: dict[str, Any]) -> list[str]:
    """The parameters the user did not give whose default is sent all the same (``send_default``), but
    for one a rule that holds says must not be given (``absent``): the provider would refuse it."""
    effective = {**spec.defaults(), **params}
    withheld = {name for rule in spec.rules if _holds(rule, effective) for name in rule.absent}
    return [
        p.name
        for p in spec.params.values()
        if p.send_default and p.default is not None and p.name not in params and p.name not in withheld
    ]


def check_item_fields(param: ParamSpec, items: list[Any], model: str) -> tuple[list[Any], Problems]:
    """A list of objects with each key its spec's ``item_fields`` names checked as a parameter's value is (and
    put in its wire form), each required one there, and no key the spec does not name (its image keys are
    :func:`images.check_item_images`'); every problem as ``(field path, message)``.  The objects' values are
    typed (YAML, JSONL, or a CSV cell's JSON), never text to convert."""
    problems: Problems = []
    checked: list[Any] = []
    known = [*param.item_fields, *param.item_images]
    for index, item in enumerate(items):
        if not isinstance(item, dict):  # (the list's own check refuses it)
            checked.append(item)
            continue
        item = dict(item)
        for key, value in item.items():
            where = images.place((param.name, index, key))
            inner = param.item_fields.get(key)
            if inner is None:
                if key not in param.item_images:
                    hint = difflib.get_close_matches(str(key), known, n=1)
                    suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
                    problems.append(
                        (where, f"unknown key in an item of {param.name} for {model}{suggestion} "
                                f"(known: {', '.join(known)})")
                    )  # fmt: skip
                continue
            converted, problem = check_value(inner, value, model, False)
            if problem:
                problems.append((where, problem))
            else:
                item[key] = to_wire(inner, converted)
        for key, inner in param.item_fields.items():
            if inner.required and key not in item:
                problems.append(
                    (images.place((param.name, index, key)), f"'{key}' is required in each item of {param.name} "
                                                             f"for {model}: add it to this item")
                )  # fmt: skip
        checked.append(item)
    return checked, problems


def check_value(param: ParamSpec, value: Any, model: str, from_text: bool) -> tuple[Any, str | None]:
    """One value in its spec type, or why not."""
    kind = param.type
    if kind == "string":
        if not isinstance(value, str):
            quoted = f' (write it in quotes: "{show(value)}")' if as_number(value) is not None else ""
            return None, f"must be text, got {type_name(value)}{quoted}"
        if "\x00" in value:
            return None, "contains a NUL character"
        if param.required and not value.strip():
            return None, "must not be empty"
        if param.max_length is not None and len(value) > param.max_length:
            return None, f"is {len(value)} characters long; the limit is {param.max_length}"
        return value, None
    if kind == "enum":
        return _enum(param, value, model)
    if kind == "integer":
        number = as_int(value, from_text=from_text)
        if number is None:
            return None, f"must be a whole number, got {value!r}"
        return _in_range(param, number)
    if kind == "number":
        real = as_float(value, from_text=from_text)
        if real is None:
            return None, f"must be a number, got {value!r}"
        return _in_range(param, real)
    if kind == "boolean":
        flag = as_bool(value, from_text=from_text)
        if flag is None:
            return None, f"must be true or false, got {value!r}"
        return flag, None
    if kind == "list":
        return _list(param, value, from_text)
    return value, None


def _enum(param: ParamSpec, value: Any, model: str) -> tuple[Any, str | None]:
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in param.values)
    if numeric:
        number = as_number(value)
        if number is not None and number in param.values:
            return next(v for v in param.values if v == number), None
        if param.unit:
            return None, f"{value!r} is not allowed; use {join_or(param.values)} ({param.unit})"
    else:
        for choice in param.values:
            if same(choice, value):
                return choice, None
    allowed = ", ".join(repr(c) for c in param.values)
    reason = param.refused.get(show(value)) if isinstance(value, str | int | float) else None
    extra = f" ({reason})" if reason else ""
    extra += _sexagesimal_hint(param, value)
    return None, f"{value!r} is not allowed for {model}{extra}; use one of {allowed}"


def _list(param: ParamSpec, value: Any, from_text: bool) -> tuple[Any, str | None]:
    if from_text and isinstance(value, str):  # a CSV cell holds a list as JSON: its items are typed, as in YAML
        value, problem = json_cell(value)
        if problem:
            return None, problem
        from_text = False
    if not isinstance(value, list):
        return None, f"must be a list, got {type_name(value)}"
    if param.max_items is not None and len(value) > param.max_items:
        return None, f"has {len(value)} items; the limit is {param.max_items}"
    checked = []
    for number, item in enumerate(value, start=1):
        if param.items in (None, "string"):
            if not isinstance(item, str):
                return None, f"item {number} must be text, got {type_name(item)}"
            if not item.strip():
                return None, f"item {number} is empty; give it text or remove it"
            if param.item_max_length is not None and len(item) > param.item_max_length:
                return None, f"item {number} is {len(item)} characters long; the limit is {param.item_max_length}"
        elif param.items == "object" and not isinstance(item, dict) and not (param.item_fields or param.item_images):
            return None, f"item {number} must be a mapping, got {type_name(item)}"  # (else named by its place)
        elif param.items == "integer" and as_int(item, from_text=from_text) is None:
            return None, f"item {number} must be a whole number, got {item!r}"
        elif param.items == "number" and as_float(item, from_text=from_text) is None:
            return None, f"item {number} must be a number, got {item!r}"
        elif param.items == "boolean" and as_bool(item, from_text=from_text) is None:
            return None, f"item {number} must be true or false, got {item!r}"
        checked.append(item)
    return checked, None


CELL_EXAMPLE = '[{"prompt": "the sun rises", "duration": "5"}]'


def json_cell(text: str) -> tuple[Any, str | None]:
    """A CSV cell's list or object, written as JSON (strictly: no NaN, no key twice), or why it is not one."""

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in pairs]
        if twice := next((key for key in keys if keys.count(key) > 1), None):
            raise ValueError(f"the key {twice!r} is given twice")
        return dict(pairs)

    def no_constant(name: str) -> Any:
        raise ValueError(f"{name} is not a number JSON allows")

    try:
        return json.loads(text, object_pairs_hook=unique, parse_constant=no_constant), None
    except ValueError as exc:
        return None, (
            f"is not valid JSON ({exc}); in a CSV cell a list is written as JSON, such as {CELL_EXAMPLE} (a "
            'spreadsheet doubles the quotes inside the cell for you: "[{""prompt"": ...}]")'
        )


def check_rules(spec: ModelSpec, params: dict[str, Any]) -> Problems:
    """The rules between parameters, with the defaults filled in; [(field, message)] for each broken one.
    ``params`` are the job's as they go on the wire: what the user gave, and the defaults sent all the same
    (:func:`_sent_defaults`), which count as given."""
    effective = {**spec.defaults(), **params}
    given = set(params)
    problems: Problems = []
    for rule in spec.rules:
        if not _holds(rule, effective):
            continue
        for name, wanted in rule.require.items():
            if not any(same(w, effective.get(name)) for w in wanted):
                problems.append((name, _broken(rule, f"{name} is {show(effective.get(name))}")))
        for name in rule.present:
            if name not in given:
                problems.append((name, _broken(rule, f"{name} is not given")))
        for name in rule.absent:
            if name in params:
                problems.append((name, _broken(rule, f"{name} is given")))
        if rule.one_of:
            chosen = [n for n in rule.one_of if n in given]
            if len(chosen) != 1:
                field = chosen[1] if len(chosen) > 1 else rule.one_of[0]
                problems.append((field, _broken(rule, f"{len(chosen)} of {', '.join(rule.one_of)} given")))
    return problems


def _holds(rule: Rule, effective: dict[str, Any]) -> bool:
    return all(name in effective and any(same(v, effective[name]) for v in vals) for name, vals in rule.when.items())


def _broken(rule: Rule, what: str) -> str:
    return f"{rule.message} ({what})"


def to_wire(param: ParamSpec, value: Any) -> Any:
    """A checked value in the form the spec sends it."""
    wire = param.wire
    if value is None or param.type == "image" or wire in (None, "base64", "url"):
        return value
    if wire == "string":
        return show(value)
    if wire == "integer":
        number = as_number(value)
        return int(number) if number is not None else value
    if wire == "number":
        number = as_number(value)
        return float(number) if number is not None else value
    if wire == "boolean":
        flag = as_bool(value, from_text=True)
        return value if flag is None else flag
    return value


def same(a: Any, b: Any) -> bool:
    """Equal as the provider would see them: 5, "5" and 5.0 alike; true and "true" alike."""
    if a == b and isinstance(a, bool) == isinstance(b, bool):
        return True
    if a is None or b is None:
        return False
    x, y = as_number(a), as_number(b)
    return (x is not None and x == y) or show(a) == show(b)


def show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def join_or(values: tuple[Any, ...]) -> str:
    shown = [show(v) for v in values]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]


def _sexagesimal_hint(param: ParamSpec, value: Any) -> str:
    """YAML 1.1 reads an unquoted 16:9 as the base-60 number 969: say so, and how to write it."""
    if isinstance(value, bool) or not isinstance(value, int):
        return ""
    for choice in param.values:
        a, sep, b = str(choice).partition(":")
        if sep and a.isdigit() and b.isdigit() and int(a) * 60 + int(b) == value:
            return f' (an unquoted {choice} is read by YAML as the number {value}: write it in quotes, "{choice}")'
    return ""


def _in_range(param: ParamSpec, value: float) -> tuple[Any, str | None]:
    low, high = param.min, param.max
    if low is not None and high is not None and not low <= value <= high:
        return None, f"{value!r} is out of range; use a value from {low:g} to {high:g}"
    if low is not None and high is None and value < low:
        return None, f"{value!r} is out of range; use {low:g} or more"
    if high is not None and low is None and value > high:
        return None, f"{value!r} is out of range; use {high:g} or less"
    return value, None


def as_number(value: Any) -> int | float | None:
    """5, 5.0, "5" and "5.0" (from any format) as a number; None if not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip()) if value.strip().isascii() else None
        except ValueError:
            return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return int(value) if value.is_integer() else value
    return None


def as_int(value: Any, *, from_text: bool) -> int | None:
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
        number = as_number(text)
        if isinstance(number, int):  # "5.0" from a spreadsheet
            return number
    return None


def as_float(value: Any, *, from_text: bool) -> float | None:
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


def as_bool(value: Any, *, from_text: bool) -> bool | None:
    if isinstance(value, bool):
        return value
    if from_text and isinstance(value, str):
        return {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}.get(
            value.strip().lower()
        )
    return None


def type_name(value: Any) -> str:
    return {dict: "a mapping", list: "a list", bool: "true/false", type(None): "nothing"}.get(
        type(value), type(value).__name__
    )
