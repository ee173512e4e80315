"""``batchgen models``: the catalogue as a table, one model in full, or either as JSON."""

from __future__ import annotations

import json
import textwrap
from typing import Any

from ..errors import InputError
from ..models.catalogue import Catalogue
from ..models.check import show
from ..models.price import highest, lowest
from ..models.spec import ModelSpec, ParamSpec


def render(models: Catalogue, name: str | None, *, as_json: bool) -> str:
    """The text (or JSON) ``batchgen models [NAME]`` prints; an unknown NAME is an InputError (exit 2)."""
    if name is None:
        if as_json:
            return json.dumps([_summary(models.models[slug]) for slug in models], indent=2)
        return _table(models)
    spec = models.get(name)
    if spec is None:
        close = models.closest(name)
        hint = f"; did you mean '{close}'?" if close else ""
        raise InputError(
            f"unknown model '{name[:60]}'{hint} (known: {', '.join(models.names_by_kind())}). "
            "'batchgen models' lists them; a spec file (--models FILE) adds one"
        )
    return json.dumps(_full(spec), indent=2, default=str) if as_json else _detail(spec)


def _summary(spec: ModelSpec) -> dict[str, Any]:
    return {
        "slug": spec.slug,
        "title": spec.title,
        "kind": spec.kind,
        "price_usd": [lowest(spec), highest(spec)],
        "latency_s": spec.latency_s,
        "source": spec.source_page,
        "file": spec.file if not spec.shipped else None,
    }


def _table(models: Catalogue) -> str:
    rows = [("MODEL", "KIND", "PRICE (USD/video)", "LATENCY")]
    for slug in models:
        spec = models.models[slug]
        tag = "" if spec.shipped else " *"
        rows.append((slug + tag, spec.kind, f"{lowest(spec):.3g} - {highest(spec):.3g}", f"~{spec.latency_s:.0f} s"))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    if any(not models.models[slug].shipped for slug in models):
        lines.append("* from your spec files")
    lines.append("'batchgen models NAME' shows a model's parameters, allowed values, rules and price.")
    return "\n".join(lines)


def _detail(spec: ModelSpec) -> str:
    lines = [f"{spec.slug}" + (f": {spec.title}" if spec.title else ""), f"  kind: {spec.kind}"]
    lines.append(f"  source: {spec.source_page} (read {spec.source_read})" + ("" if spec.shipped else f", {spec.file}"))
    latency = f"  published latency: ~{spec.latency_s:g} s"
    lines.append(latency + (f" ({spec.latency_source})" if spec.latency_source else ""))
    lines.append("  parameters:")
    width = max(len(name) for name in spec.params)
    for param in spec.params.values():
        lines.append(f"    {param.name.ljust(width)}  {_kind(param)}")
        allowed = param.allowed_text()
        if allowed:
            lines.append(f"    {''.ljust(width)}    allowed: {allowed}")
        if param.description:
            lines.append(f"    {''.ljust(width)}    {param.description}")
        for key, inner in {**param.item_fields, **param.item_images}.items():  # the keys of its objects
            needed = "required" if inner.required else "optional"
            lines.append(f"    {''.ljust(width)}    {param.name}[n].{key}: {inner.type}, {needed}")
            if inner_allowed := inner.allowed_text():
                lines.append(f"    {''.ljust(width)}      allowed: {inner_allowed}")
            if inner.description:
                lines.append(f"    {''.ljust(width)}      {inner.description}")
    if spec.rules:
        lines.append("  rules:")
        lines += [f"    - {rule.describe()}" for rule in spec.rules]
    lines.append(f"  price (USD per video): {lowest(spec):g} - {highest(spec):g}")
    lines += textwrap.wrap(spec.price.source, 100, initial_indent="    source: ", subsequent_indent="      ")
    if spec.price.by:
        lines.append(f"    by {', '.join(spec.price.by)}:")
    for row in spec.price.table:
        lines.append(f"    {_when(row.when)}: ${row.usd:g}")
    for row in spec.price.per_second:
        lines.append(f"    {_when(row.when)}: ${row.usd:g} per second")
    lines.append("    (a combination not listed is estimated at the highest price, marked 'upper bound')")
    if spec.source_notes:
        lines += textwrap.wrap(spec.source_notes, 100, initial_indent="  notes: ", subsequent_indent="    ")
    return "\n".join(lines)


def _kind(param: ParamSpec) -> str:
    parts = [param.type]
    if param.wire and param.wire != param.type:
        parts.append(f"sent as {param.wire}")
    if param.takes_inline_image:
        what = "a local file" if param.type == "image" else "a local file in its objects"
        parts.append(f"{what} inline as " + ("bare base64" if param.inline_form() == "base64" else "a data: URI"))
    parts.append("required" if param.required else "optional")
    if param.default is not None:
        parts.append(f"default {show(param.default)!s}" + (" (sent)" if param.send_default else ""))
    return ", ".join(parts)


def _when(when: dict[str, Any]) -> str:
    return " ".join(f"{k}={show(v)}" for k, v in when.items()) or "any"


def _full(spec: ModelSpec) -> dict[str, Any]:
    params = {param.name: _entry(param) for param in spec.params.values()}
    return {
        **_summary(spec),
        "source": {"page": spec.source_page, "read": spec.source_read, "notes": spec.source_notes},
        "latency_source": spec.latency_source or None,
        "params": params,
        "rules": [
            {
                "when": {k: list(v) for k, v in rule.when.items()},
                "require": {k: list(v) for k, v in rule.require.items()},
                "present": list(rule.present),
                "absent": list(rule.absent),
                "one_of": list(rule.one_of),
                "message": rule.message,
            }
            for rule in spec.rules
        ],
        "price": {
            "source": spec.price.source,
            "by": list(spec.price.by),
            "table": [{**row.when, "usd": row.usd} for row in spec.price.table],
            "per_second": [{**row.when, "usd": row.usd} for row in spec.price.per_second],
            "range": list(spec.price.range) if spec.price.range else None,
        },
        "output": spec.output,
    }


def _entry(param: ParamSpec) -> dict[str, Any]:
    entry = {
        "type": param.type,
        "wire": param.wire or param.type,
        "inline": param.inline_form() if param.takes_inline_image else None,
        "required": param.required,
        "default": param.default,
        "send_default": param.send_default,
        "values": list(param.values) or None,
        "min": param.min,
        "max": param.max,
        "max_length": param.max_length,
        "items": param.items,
        "max_items": param.max_items,
        "item_max_length": param.item_max_length,
        "formats": list(param.formats) or None,
        "max_bytes": param.max_bytes,
        "min_side_px": param.min_side_px,
        "max_side_px": param.max_side_px,
        "aspect_min": param.aspect_min,
        "aspect_max": param.aspect_max,
        "description": param.description or None,
        "notes": param.notes or None,
        "item_images": {key: _entry(inner) for key, inner in param.item_images.items()} or None,
        "item_fields": {key: _entry(inner) for key, inner in param.item_fields.items()} or None,
    }
    return {k: v for k, v in entry.items() if v is not None}
