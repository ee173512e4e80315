"""Images as inputs: checked before anything is paid, read again (and re-checked) only when sent.

An image parameter takes a local path (relative to the manifest), an
``https://`` URL, or a ``data:`` URI.  A local file or data URI is checked
by its content (JPEG or PNG, or WebP where the spec allows it: the format
is read from the file's header, never from its name), its size in bytes, its
sides and its aspect.  A job then holds a *reference* to it, never its bytes::

    {"path": "/abs/frames/a.png", "file": "frames/a.png", "sha256": "...", "bytes": 123, ...}

An image may also sit inside a list of objects (``elements[0].frontal_image_url``,
``elements[1].reference_image_urls[0]``: the keys the spec's ``item_images``
names); it is checked, referenced and sent the same way, and the functions
below find every reference wherever it sits in a job's parameters.

The reference is what the ledger records and what identity hashes (by its
``sha256``); :func:`wire_json` reads the file when its job is submitted,
checks the digest again, and puts it in the body inline: bare base64 or a
``data:`` URI, as the field's inline form says (``ParamSpec.inline_form``).  So 10,000 image
jobs never sit in memory, and a file replaced after the check is caught
before it is sent.  Neither the bytes nor the base64 appear in any message.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import os
import re
import secrets
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..errors import ImageChanged
from . import catalogue
from .spec import ModelSpec, ParamSpec, span

_MIME = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
_OTHER_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+:(?=//)|(?:ftp|ftps|sftp|file|s3|gs):", re.IGNORECASE)
_INLINE: dict[str, bytes] = {}  # data URIs from the manifest, by sha256 (they are in the manifest's text anyway)
_DIGESTS: dict[tuple[str, int, int], tuple[str, str, int, int]] = {}  # (path, size, mtime) -> checked facts


class Missing(str):
    """A problem that is only this: the local image file is not there (deleted or moved).  A row whose job
    the folder has already completed needs no image (it is never sent again), so the manifest's reader may
    take such a row as the ledger recorded it (``manifest.load_manifest``'s ``known``)."""


def is_ref(value: Any) -> bool:
    """Is this parameter value a checked image (a reference, not the bytes)?"""
    return isinstance(value, dict) and isinstance(value.get("sha256"), str) and ("path" in value or "inline" in value)


Steps = tuple[str | int, ...]  # where a value sits: keys of mappings, indexes of lists


def refs_in(value: Any, steps: Steps = ()) -> Iterator[tuple[Steps, dict[str, Any]]]:
    """Every checked image in a value (a job's parameters, one field's value), with where it sits."""
    if is_ref(value):
        yield steps, value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from refs_in(inner, (*steps, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from refs_in(inner, (*steps, index))


def input_images(params: Any) -> dict[str, dict[str, Any]]:
    """Every checked image of a job's parameters by its place (``start_image_url``,
    ``elements[0].reference_image_urls[1]``): its path as the manifest wrote it (None for a data URI) and its
    sha256, never its bytes."""
    return {
        place(steps): {"file": ref.get("file") or ref.get("path"), "sha256": ref["sha256"]}
        for steps, ref in refs_in(params)
    }


def input_images_json(params: Any) -> str | None:
    """:func:`input_images` as the one JSON text ``results.csv`` (``input_images``) and ``index.parquet``
    (``input_images_json``) both give, so the two always agree; None for a job without images."""
    every = input_images(params)
    return json.dumps(every, ensure_ascii=False, sort_keys=True) if every else None


def shown_url(url: str) -> str:
    """An image URL as the records name it: as sent, but without its query string or fragment, which may
    hold a credential (a signed URL's signature, a token): ``https://host/a.png?X-Amz-Signature=...`` is
    recorded ``https://host/a.png``."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def image_param_names(model: str | None) -> list[str] | None:
    """The names of a model's parameters that take one image, in its spec's order; None for a model not known."""
    spec = catalogue.current().get(model) if model else None
    return None if spec is None else [param.name for param in spec.image_params()]


def top_input(model: str | None, params: dict[str, Any]) -> dict[str, Any] | None:
    """What ``input_image`` / ``input_sha256`` name: a job's first top-level image in its spec's order (as
    :func:`top_images` orders them), a checked one's path as written and sha256, or an ``https://`` URL as
    :func:`shown_url` records it (no sha256); None for a job without one."""
    order = image_param_names(model) or []  # (a URL counts where the model's spec takes an image)
    urls = {name: shown_url(params[name]) for name in order if str(params.get(name))[:8].lower() == "https://"}
    for name in _spec_first(order, params):
        if is_ref(ref := params[name]):
            return {"file": ref.get("file") or ref.get("path"), "sha256": ref["sha256"]}
        if name in urls:
            return {"file": urls[name], "sha256": None}
    return None


def top_images(model: str | None, params: dict[str, Any]) -> list[dict[str, Any]]:
    """A job's top-level checked images (local files, data URIs), its model's image parameters first in their
    spec's order (the start image before the end image, whatever order the row wrote them in): the first is
    the one ``input_image`` names and the report shows."""
    return [params[name] for name in _spec_first(image_param_names(model) or [], params) if is_ref(params[name])]


def _spec_first(order: list[str], params: dict[str, Any]) -> list[str]:
    """The names of ``params``, the model's image parameters first in their spec's ``order``."""
    return list(dict.fromkeys([*(name for name in order if name in params), *params]))


def holds_images(value: Any) -> bool:
    """Is this value a checked image, or does it hold one (a list of objects with images)?"""
    return next(refs_in(value), None) is not None


def place(steps: Steps) -> str:
    """Where a value sits, as a field path: ``elements[1].reference_image_urls[0]``."""
    text = "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in steps)
    return text.lstrip(".")


def map_refs(value: Any, each: Callable[[dict[str, Any]], Any]) -> Any:
    """``value`` with each checked image in it, wherever it sits, replaced by ``each(image)``."""
    if is_ref(value):
        return each(value)
    if isinstance(value, dict):
        return {key: map_refs(inner, each) for key, inner in value.items()}
    if isinstance(value, list):
        return [map_refs(inner, each) for inner in value]
    return value


def identity_of(value: Any) -> Any:
    """What identity hashes for a value: each image in it by its digest, anything else as it is."""
    return map_refs(value, lambda ref: f"sha256:{ref['sha256']}")


def identity_view(params: dict[str, Any]) -> dict[str, Any]:
    return {k: identity_of(v) for k, v in params.items()}


def check_image(param: ParamSpec, value: Any, *, base: Path | None) -> tuple[Any, str | None]:
    """A checked reference (or URL) for one image value, or why it cannot be used."""
    if is_ref(value):  # already checked (a job rebuilt from its record)
        return value, None
    if not isinstance(value, str) or not value.strip():
        return None, "must be a local image path, an https:// URL or a data: URI"
    text = value.strip()
    head = text[:8].lower()  # a URL's scheme is the same in any letter case (HTTPS://): sent as https://
    if head.startswith(("https://", "http://")):
        if head.startswith("http://"):
            return None, "an image URL must use https:// (the provider fetches it)"
        return "https://" + text[8:], None
    if scheme := _OTHER_URL.match(text):
        return None, (
            f"'{scheme.group(0)}' URLs are not taken; give a local image path, an https:// URL or a data: URI"
        )
    if text.startswith("data:"):
        return _data_uri(param, text)
    path = Path(text).expanduser()
    if not path.is_absolute() and base is not None:
        path = base / path
    return check_file(param, path, shown=text)


def check_item_images(
    param: ParamSpec, items: list[Any], *, base: Path | None
) -> tuple[list[Any], list[tuple[str, str]]]:
    """A list of objects with each image its spec's ``item_images`` names checked by :func:`check_image`
    (a reference in place of each local file or data URI), and every problem as ``(field path, message)``."""
    problems: list[tuple[str, str]] = []
    checked: list[Any] = []

    def one(inner: ParamSpec, value: Any, steps: Steps) -> Any:
        ref, problem = check_image(inner, value, base=base)
        if problem:
            problems.append((place(steps), problem))
        return ref

    for index, item in enumerate(items):
        if not isinstance(item, dict):
            checked.append(item)
            continue
        item = dict(item)
        for key, inner in param.item_images.items():
            steps: Steps = (param.name, index, key)
            if key not in item:
                if inner.required:
                    problems.append((place(steps), f"'{key}' is required in each item of {param.name}"))
                continue
            value = item[key]
            if inner.type == "image":
                item[key] = one(inner, value, steps)
            elif not isinstance(value, list):
                problems.append((place(steps), "must be a list of images (local paths, https:// URLs or data: URIs)"))
            elif inner.max_items is not None and len(value) > inner.max_items:
                problems.append((place(steps), f"has {len(value)} images; the limit is {inner.max_items}"))
            else:
                item[key] = [one(inner, image, (*steps, number)) for number, image in enumerate(value)]
        checked.append(item)
    return checked, problems


def check_file(param: ParamSpec, path: Path, *, shown: str) -> tuple[dict[str, Any] | None, str | None]:
    """Check one local image file; returns its reference or the reason it cannot be used."""
    where = f"image '{shown}'"
    try:
        info = path.stat()
    except FileNotFoundError:
        return None, Missing(f"{where} does not exist; check the path (relative paths start at the manifest's folder)")
    except OSError as exc:
        return None, f"{where} cannot be read ({exc.strerror or exc})"
    if not path.is_file():
        return None, f"{where} is not a file"
    if param.max_bytes is not None and info.st_size > param.max_bytes:
        return None, f"{where} is {info.st_size:,} bytes; the limit is {param.max_bytes:,}: make it smaller"
    key = (str(path.resolve()), info.st_size, info.st_mtime_ns)
    facts = _DIGESTS.get(key)
    if facts is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            return None, f"{where} cannot be read ({exc.strerror or exc})"
        kind, size = sniff(data)
        if kind is None:
            return None, f"{where} is not a JPEG or PNG image (by its content); save it as JPEG or PNG"
        if size is None or not complete(kind, data):
            return None, f"{where} is cut short (the {kind.upper()} has no end); save or copy it again"
        facts = (hashlib.sha256(data).hexdigest(), kind, size[0], size[1])
        del data
        if len(_DIGESTS) < 100_000:
            _DIGESTS[key] = facts
    digest, kind, width, height = facts
    problem = _limits(param, kind, width, height)
    if problem:
        return None, f"{where} {problem}"
    ref = {"path": key[0], "file": shown, "sha256": digest, "bytes": info.st_size, "format": kind}
    ref.update(width=width, height=height)
    return ref, None


def _data_uri(param: ParamSpec, text: str) -> tuple[Any, str | None]:
    head, sep, payload = text.partition(",")
    if not sep or not head.endswith(";base64"):
        return None, "a data URI must be data:image/png;base64,... (or image/jpeg)"
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        return None, "the data URI's base64 is not valid"
    if param.max_bytes is not None and len(data) > param.max_bytes:
        return None, f"the data URI's image is {len(data):,} bytes; the limit is {param.max_bytes:,}"
    kind, size = sniff(data)
    if kind is None:
        return None, "the data URI is not a JPEG or PNG image (by its content)"
    if size is None or not complete(kind, data):
        return None, "the data URI's image is cut short (it has no end)"
    problem = _limits(param, kind, *size)
    if problem:
        return None, f"the data URI's image {problem}"
    digest = hashlib.sha256(data).hexdigest()
    _INLINE[digest] = data
    return {"inline": "data URI", "sha256": digest, "bytes": len(data), "format": kind}, None


def _limits(param: ParamSpec, kind: str, width: int, height: int) -> str | None:
    formats = param.formats or ("jpeg", "png")
    if kind not in formats:
        return f"is {kind.upper()}; this model takes {' or '.join(f.upper() for f in formats)}: convert it"
    side = min(width, height)
    if param.min_side_px is not None and side < param.min_side_px:
        return f"is {width}x{height} px; each side must be at least {param.min_side_px} px: use a larger image"
    if param.max_side_px is not None and max(width, height) > param.max_side_px:
        return f"is {width}x{height} px; no side may pass {param.max_side_px} px: scale it down"
    aspect = width / height if height else 0.0
    low, high = param.aspect_min, param.aspect_max
    if (low is not None and aspect < low) or (high is not None and aspect > high):
        takes = span(low, high)
        return (
            f"is {width}x{height} px (aspect {aspect:.2f}); this model takes width/height "
            f"{'from ' if low is not None and high is not None else 'of '}{takes}: crop it"
        )
    return None


_KINDS = {"png": "png", "mjpeg": "jpeg", "webp": "webp"}  # FFmpeg's decoder -> the spec's format name


def sniff(data: bytes) -> tuple[str | None, tuple[int, int] | None]:
    """The image format and (width, height) as FFmpeg (PyAV) reads and decodes the content, whatever the
    file's name: (None, None) when it is not a PNG, JPEG or WebP image; (format, None) when it is one
    that does not decode (cut short or damaged)."""
    import av

    kind: str | None = None
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.video:
                return None, None
            stream = container.streams.video[0]
            kind = _KINDS.get(stream.codec_context.name)
            frame = next(container.decode(stream), None) if kind else None
    except (av.FFmpegError, OSError, ValueError):
        return kind, None
    if kind is None or frame is None or not frame.width or not frame.height:
        return kind, None
    return kind, (frame.width, frame.height)


def complete(kind: str, data: bytes) -> bool:
    """Does the file run to its format's end?  FFmpeg decodes a JPEG cut short as a grey-filled image,
    so its end-of-image marker is looked for; a PNG cut short does not decode at all."""
    if kind == "jpeg":
        return b"\xff\xd9" in data[-4096:]
    return True


def _inline_bytes(ref: dict[str, Any]) -> bytes:
    data = _INLINE.get(ref["sha256"])
    if data is None:
        raise ImageChanged("a data URI image is no longer in memory; run again to send it")
    return data


def _changed(ref: dict[str, Any]) -> ImageChanged:
    shown = ref.get("file") or ref.get("path")
    return ImageChanged(
        f"image '{shown}' changed after it was checked (sha256 {ref['sha256'][:12]}...); nothing was sent. "
        "Run again to check it anew"
    )


def _read_checked(ref: dict[str, Any], size: int, each: Callable[[bytes], object]) -> None:
    """Read the file ``size`` bytes at a time, handing each piece to ``each``; raises ImageChanged at the end
    if the whole file's digest is not the one checked (what ``each`` built must then be dropped)."""
    shown = ref.get("file") or ref.get("path")
    digest = hashlib.sha256()
    try:
        with open(ref["path"], "rb") as handle:
            while piece := handle.read(size):
                digest.update(piece)
                each(piece)
    except OSError as exc:
        raise ImageChanged(
            f"image '{shown}' could not be read when its job was submitted ({exc.strerror or exc}); "
            "nothing was sent. Put it back and run again"
        ) from None
    if digest.hexdigest() != ref["sha256"]:
        raise _changed(ref)


def verify_images(params: dict[str, Any]) -> None:
    """Read each referenced image, wherever it sits, and check its digest (raises ImageChanged); keeps nothing."""
    for _, ref in refs_in(params):
        if "inline" in ref:
            _inline_bytes(ref)
        else:
            _read_checked(ref, 1 << 20, lambda piece: None)


def wire_body(spec: ModelSpec | None, params: dict[str, Any], forms: dict[str, str] | None = None) -> dict[str, Any]:
    """The body :func:`wire_json` sends, as a mapping: each image inline (read and re-checked now), in the
    form ``forms`` names for its field, else its spec's inline form."""
    return dict(json.loads(wire_json(spec, params, forms)))


def wire_json(spec: ModelSpec | None, params: dict[str, Any], forms: dict[str, str] | None = None) -> bytearray:
    """The JSON body the POST carries (run in a worker thread), each image inline.  The base64 needs no
    escaping, so the body is the JSON of the other fields with each image's base64 written into its place,
    a piece at a time, in one buffer of the body's size: a 5 MB image costs the body and a piece of it."""
    token = secrets.token_hex(16)  # no text a user writes can be mistaken for the place of an image
    places: list[tuple[str, str, dict[str, Any]]] = []  # (its mark, its field, the image), in the body's order

    def placed(ref: dict[str, Any], name: str) -> str:  # the mark that stands in the JSON for the image
        places.append((f"image:{token}:{len(places)}", name, ref))
        return places[-1][0]

    marks = {name: map_refs(value, partial(placed, name=name)) for name, value in params.items()}
    rest = json.dumps(marks, ensure_ascii=False, allow_nan=False).encode()
    segments: list[tuple[bytes, dict[str, Any]]] = []  # (the JSON before an image, with its prefix; the image)
    for mark, name, ref in places:
        head, _, rest = rest.partition(json.dumps(mark).encode()[1:-1])  # the mark as JSON spells it
        segments.append((head + _prefix(spec, name, ref, forms), ref))
    body = bytearray(sum(len(head) + 4 * -(-_size(ref) // 3) for head, ref in segments) + len(rest))
    with memoryview(body) as view:
        at = 0
        for head, ref in segments:
            view[at : at + len(head)] = head
            at = _encode_into(view, at + len(head), ref)
        view[at:] = rest
    return body


def _prefix(spec: ModelSpec | None, name: str, ref: dict[str, Any], forms: dict[str, str] | None) -> bytes:
    """What goes before the base64 in the field (each image in a list's objects as the list's form):
    ``data:<mime>;base64,`` for a data URI, else nothing."""
    param = spec.params.get(name) if spec else None
    form = (forms or {}).get(name) or (param.inline_form() if param else "base64")
    return f"data:{mime_of(ref)};base64,".encode() if form == "data_uri" else b""


def _size(ref: dict[str, Any]) -> int:
    return len(_inline_bytes(ref)) if "inline" in ref else int(ref["bytes"])


def _encode_into(view: memoryview, at: int, ref: dict[str, Any]) -> int:
    """Write the image's base64 into ``view`` from ``at``, read and checked a piece at a time; the end."""
    end = at + 4 * -(-_size(ref) // 3)

    def put(piece: bytes) -> None:
        nonlocal at
        encoded = base64.b64encode(piece)
        if at + len(encoded) > end:  # the file grew since its check: the digest check will say so
            raise _changed(ref)
        view[at : at + len(encoded)] = encoded
        at += len(encoded)

    if "inline" in ref:
        put(_inline_bytes(ref))
    else:
        _read_checked(ref, 3 << 18, put)  # 768 KiB, a multiple of 3: the pieces' base64 joins unpadded
    if at != end:
        raise _changed(ref)
    return at


def inline_fields(params: dict[str, Any]) -> list[str]:
    """The fields of a payload that carry an image inline (a local file or a data URI), or hold one."""
    return [name for name, value in params.items() if holds_images(value)]


def mime_of(ref: dict[str, Any]) -> str:
    return _MIME.get(str(ref.get("format")), "application/octet-stream")


def local_path(value: Any) -> str | None:
    """A checked local image's path (for thumbnails), or None."""
    if is_ref(value) and "path" in value and os.path.isfile(value["path"]):
        return str(value["path"])
    return None
