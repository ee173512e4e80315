"""A job's price from its model's spec: the table row for its inputs, a per-second rate, or an upper bound.

:func:`price_of` returns ``(usd, exact)``.  Where no row matches (a
combination the page does not price), the price is the model's highest
known price and ``exact`` is False, so an estimate says "upper bound".  A
checked spec always has some price above $0, so this is never $0.
"""

from __future__ import annotations

from typing import Any

from .check import as_number, same
from .spec import ModelSpec, ParamSpec, PriceRow

CAP_SLACK = 1e-9  # dollars a sum of prices may pass a spend cap by (float sums), and still be within it


def passes_cap(spent: float, cost: float, cap: float) -> bool:
    """Whether a job of ``cost`` on top of ``spent`` passes the spend cap (jobs are sent in order, and one that
    would pass it is deferred, not the cheaper ones after it)."""
    return spent + cost > cap + CAP_SLACK


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
    longest = duration_bounds(spec.params)[1]
    if longest is not None:
        known += [row.usd * longest for row in spec.price.per_second]
    return round(max(known), 6)


def lowest(spec: ModelSpec) -> float:
    known = [row.usd for row in spec.price.table]
    if spec.price.range:
        known.append(spec.price.range[0])
    shortest = duration_bounds(spec.params)[0]
    if shortest is not None:
        known += [row.usd * shortest for row in spec.price.per_second]
    return round(min(known, default=highest(spec)), 6)


def duration_bounds(params: dict[str, ParamSpec]) -> tuple[float | None, float | None]:
    """The shortest and longest ``duration`` a job can ask for (its values, else its min and max; None where
    the spec sets no bound): what per-second rates are priced at."""
    duration = params.get("duration")
    if duration is None:
        return None, None
    values = [n for v in duration.values if (n := as_number(v)) is not None]
    shortest = min(values) if values else duration.min
    longest = max(values) if values else duration.max
    return (
        float(shortest) if shortest is not None else None,
        float(longest) if longest is not None else None,
    )


def _matches(row: PriceRow, effective: dict[str, Any]) -> bool:
    return all(name in effective and same(value, effective[name]) for name, value in row.when.items())
