"""A job's price from its model's spec: the table row for its inputs, a per-second rate, or an upper bound.

:func:`price_of` returns ``(usd, exact)``.  Where no row matches (a
combination the page does not price), the price is the model's highest
known price and ``exact`` is False, so an estimate says "upper bound".  A
checked spec always has some price above $0, so this is never $0.
"""

from __future__ import annotations

from typing import Any

from .check import as_number, same
from .spec import ModelSpec, PriceRow


def price_of(spec: ModelSpec, params: dict[str, Any]) -> tuple[float, bool]:
    """USD for one job with ``params`` (defaults filled in), and whether it is exact."""
    effective = {**spec.defaults(), **params}
    for row in spec.price.table:
        if _matches(row, effective):
            return row.usd, True
    seconds = as_number(effective.get("duration"))
    if seconds is not None:
        for row in spec.price.per_second:
            if _matches(row, effective):
                return round(row.usd * float(seconds), 6), True
    return highest(spec), False


def highest(spec: ModelSpec) -> float:
    """The model's highest known price: its table, its range, its per-second rates at the longest duration."""
    known = [spec.price.highest()]
    duration = spec.params.get("duration")
    longest = max((n for v in duration.values if (n := as_number(v)) is not None), default=None) if duration else None
    if longest is None and duration is not None and duration.max is not None:
        longest = duration.max
    if longest is not None:
        known += [row.usd * float(longest) for row in spec.price.per_second]
    return round(max(known), 6)


def lowest(spec: ModelSpec) -> float:
    known = [row.usd for row in spec.price.table]
    if spec.price.range:
        known.append(spec.price.range[0])
    duration = spec.params.get("duration")
    shortest = min((n for v in duration.values if (n := as_number(v)) is not None), default=None) if duration else None
    if shortest is None and duration is not None and duration.min is not None:
        shortest = duration.min
    if shortest is not None:
        known += [row.usd * float(shortest) for row in spec.price.per_second]
    return round(min(known, default=highest(spec)), 6)


def _matches(row: PriceRow, effective: dict[str, Any]) -> bool:
    return all(name in effective and same(value, effective[name]) for name, value in row.when.items())
