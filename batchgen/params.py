"""Per-model parameters from the model catalogue: validate, normalise, estimate cost, typical latency.

Every model is described by its spec file (:mod:`batchgen.models`); nothing
here names a model.  A model without a spec is passed through unchecked
(``models.passthrough``), with a warning.  Values read from CSV arrive as
text and are converted by the parameter's declared type; a number enum such
as ``duration`` is accepted as ``5``, ``"5"`` or ``5.0`` from any format and
sent in the form its spec's ``wire`` says.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .models import catalogue
from .models.check import as_int, check_params
from .models.price import price_of

DEFAULT_LATENCY_S = 300.0


def known(model: str) -> bool:
    """Does the catalogue in use have a spec for ``model``?"""
    return model in catalogue.current()


Prices = dict[str, dict[str, dict[int, float]]]  # the config's: model -> mode -> duration -> USD


def default_prices() -> Prices:
    """Price overrides before any config is read: none (each model's spec has its own prices)."""
    return {}


def validate(
    model: str, raw: dict[str, Any], *, from_text: bool = False, base: Path | None = None
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Check one job's parameters.  Returns (normalised params, [(field, problem)]).

    ``base`` is the folder a relative image path starts from (the manifest's).
    """
    spec = catalogue.current().get(model)
    if spec is None:
        return dict(raw), []
    return check_params(spec, raw, from_text=from_text, base=base)


def defaults_of(model: str) -> dict[str, Any]:
    """The model's documented defaults (empty for a model without a spec)."""
    spec = catalogue.current().get(model)
    return spec.defaults() if spec else {}


def estimate_cost(model: str, params: dict[str, Any], prices: Prices) -> float | None:
    """Estimated USD for one job, or None for a model without a spec or price.

    The config's ``prices`` (model -> mode -> duration -> USD) override the
    spec's; otherwise the spec's price function decides, and a combination it
    does not price costs the model's highest known price (see :func:`is_upper_bound`).
    """
    override = _override(model, params, prices)
    if override is not None:
        return override
    spec = catalogue.current().get(model)
    if spec is None:
        return None
    return price_of(spec, params)[0]


def is_upper_bound(model: str, params: dict[str, Any], prices: Prices) -> bool:
    """Is the estimate for this job the model's highest known price rather than its own?"""
    if _override(model, params, prices) is not None:
        return False
    spec = catalogue.current().get(model)
    return spec is not None and not price_of(spec, params)[1]


def _override(model: str, params: dict[str, Any], prices: Prices) -> float | None:
    table = prices.get(model)
    if not table:
        return None
    full = {**defaults_of(model), **params}
    mode = str(full.get("mode") or "std")
    duration = as_int(full.get("duration", 5), from_text=True) or 5
    unspecified = not known(model)  # a model without a spec: its config prices are all there is
    by_duration = table.get(mode) or (table.get("std") if unspecified else None) or {}
    if duration in by_duration:
        return by_duration[duration]
    if unspecified and 5 in by_duration:
        return by_duration[5] * duration / 5
    return None


def typical_latency(model: str) -> float:
    spec = catalogue.current().get(model)
    return spec.latency_s if spec else DEFAULT_LATENCY_S
