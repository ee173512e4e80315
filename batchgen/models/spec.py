"""What a model spec holds, once read and checked: parameters, rules, price, latency, source.

The file format is ``docs/MODEL_SPEC.md``; :mod:`batchgen.models.loader`
reads a file into these frozen dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

KINDS = ("text-to-video", "image-to-video", "text-and-image-to-video")
TYPES = ("string", "integer", "number", "boolean", "enum", "image", "list")
WIRES = ("string", "integer", "number", "boolean", "base64", "url")
IMAGE_FORMATS = ("jpeg", "png", "webp")
INLINE_FORMS = ("base64", "data_uri")  # how a local image goes in its field: bare base64, or data:<mime>;base64,...


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """One parameter of a model, as its page describes it."""

    name: str
    type: str
    line: int = 0
    wire: str | None = None
    inline: str | None = None  # one of INLINE_FORMS; None: as the wire form suggests (see inline_form)
    required: bool = False
    default: Any = None
    send_default: bool = False
    values: tuple[Any, ...] = ()
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    items: str | None = None
    max_items: int | None = None
    item_max_length: int | None = None
    formats: tuple[str, ...] = ()
    max_bytes: int | None = None
    min_side_px: int | None = None
    max_side_px: int | None = None
    aspect_min: float | None = None
    aspect_max: float | None = None
    unit: str | None = None  # said in a refusal of a number enum ("use 5 or 10 (seconds)")
    refused: dict[str, str] = field(default_factory=dict)  # values the page names but the model refuses -> why
    # a list of objects: the keys that hold an image (type image) or a list of images (type list, items image)
    item_images: dict[str, ParamSpec] = field(default_factory=dict)
    # a list of objects: the keys its objects hold besides images (checked as parameters; no other key is taken)
    item_fields: dict[str, ParamSpec] = field(default_factory=dict)
    description: str = ""
    notes: str = ""

    @property
    def takes_inline_image(self) -> bool:
        """Whether a local image goes in this parameter inline: it is an image, or a list whose objects hold
        images (``item_images``)."""
        return self.type == "image" or bool(self.item_images)

    def inline_form(self) -> str:
        """How a local file or data URI is put in this image field (or in the image keys of this list's
        objects, all in one form): as the spec says, else bare base64 for a field the page sends as base64
        and a ``data:`` URI (a URI holding the bytes) for one it types as a URL.  The submitter switches to
        the other form if the provider refuses this one."""
        if self.inline:
            return self.inline
        return "base64" if self.wire == "base64" else "data_uri"

    def allowed_text(self) -> str:
        """The allowed values or range, for listings."""
        if self.type == "enum":
            return ", ".join(_show(v) for v in self.values)
        if self.type in ("integer", "number") and (self.min is not None or self.max is not None):
            return span(self.min, self.max)
        if self.type == "string" and self.max_length:
            return f"at most {self.max_length} characters"
        if self.type == "list":
            parts = [f"list of {self.items or 'string'}"]
            if self.max_items:
                parts.append(f"at most {self.max_items} items")
            if self.item_max_length:
                parts.append(f"each at most {self.item_max_length} characters")
            if self.items == "image":
                parts.append("each a " + self._image_text())
            if self.item_fields:
                parts.append("each with " + ", ".join(self.item_fields))
            if self.item_images:
                parts.append("images at " + ", ".join(self.item_images))
            return ", ".join(parts)
        if self.type == "image":
            return self._image_text()
        if self.type == "boolean":
            return "true, false"
        return ""

    def _image_text(self) -> str:
        parts = [f"local path, https:// URL or data: URI ({'/'.join(self.formats) or 'jpeg/png'})"]
        if self.max_bytes:
            mib = self.max_bytes / (1 << 20)
            parts.append(f"at most {mib:g} MiB" if mib.is_integer() else f"at most {self.max_bytes:,} bytes")
        if self.min_side_px:
            parts.append(f"at least {self.min_side_px} px a side")
        if self.max_side_px:
            parts.append(f"at most {self.max_side_px} px a side")
        if self.aspect_min is not None or self.aspect_max is not None:
            parts.append(f"aspect {span(self.aspect_min, self.aspect_max)}")
        return ", ".join(parts)


def span(low: float | None, high: float | None) -> str:
    """A range with either end open, as listings and refusals say it: '0.4 to 2.5', '0 or more', '1 or less'."""
    if low is not None and high is not None:
        return f"{low:g} to {high:g}"
    return f"{low:g} or more" if low is not None else f"{high or 0:g} or less"


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule between parameters: when every condition holds, these must (not) be given or have these values."""

    message: str
    line: int = 0
    when: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    require: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    present: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    one_of: tuple[str, ...] = ()

    def describe(self) -> str:
        parts = []
        if self.when:
            parts.append("when " + " and ".join(f"{k} is {_either(v)}" for k, v in self.when.items()))
        if self.require:
            parts.append("requires " + " and ".join(f"{k} = {_either(v)}" for k, v in self.require.items()))
        if self.present:
            parts.append("needs " + ", ".join(self.present))
        if self.absent:
            parts.append("refuses " + ", ".join(self.absent))
        if self.one_of:
            parts.append("exactly one of " + ", ".join(self.one_of))
        return f"{'; '.join(parts)}: {self.message}" if parts else self.message


@dataclass(frozen=True, slots=True)
class PriceRow:
    when: dict[str, Any]
    usd: float


@dataclass(frozen=True, slots=True)
class Price:
    """The price as a function of the inputs: a table, per-second rates, and the published range."""

    source: str
    by: tuple[str, ...] = ()
    table: tuple[PriceRow, ...] = ()
    per_second: tuple[PriceRow, ...] = ()
    range: tuple[float, float] | None = None

    def highest(self) -> float:
        """The highest known price (table, range); never 0 for a checked spec."""
        known = [row.usd for row in self.table]
        if self.range:
            known.append(self.range[1])
        return max(known, default=0.0)


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """One model: everything batchgen knows about it, from its spec file."""

    slug: str
    kind: str
    source_page: str
    source_read: str
    latency_s: float
    params: dict[str, ParamSpec]
    price: Price
    file: str
    title: str = ""
    source_notes: str = ""
    latency_source: str = ""
    rules: tuple[Rule, ...] = ()
    output: dict[str, Any] = field(default_factory=dict)
    shipped: bool = True

    def image_params(self) -> tuple[ParamSpec, ...]:
        """The parameters that take one image (not the lists whose objects hold images)."""
        return tuple(p for p in self.params.values() if p.type == "image")

    def defaults(self) -> dict[str, Any]:
        """Every parameter's documented default (None where the page gives none)."""
        return {name: p.default for name, p in self.params.items() if p.default is not None}


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, str) else str(value)


def _either(values: tuple[Any, ...]) -> str:
    return " or ".join(_show(v) for v in values)
