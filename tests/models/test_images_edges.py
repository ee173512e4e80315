"""Images as inputs at the edges of their limits: every limit is inclusive, each side and the aspect are
measured the right way round, a data URI is held to the same limits as a file, and a WebP or a JPEG cut
short is refused before anything is paid.

Every refusal names the image and says what to do; every image the page allows goes through."""

from __future__ import annotations

import base64
from pathlib import Path

import av
import numpy as np
import pytest

from batchgen.models.images import check_file, check_image
from batchgen.models.loader import load_spec_file
from batchgen.models.spec import ParamSpec
from tests.helpers import TEST_IMAGE_SPEC, jpeg_bytes, png_bytes, write

HEAD = (
    "slug: kling-x\nkind: image-to-video\nsource: {page: https://www.segmind.com/models/kling-x/api}\n"
    "latency_s: 100\nprice: {source: page, table: [{usd: 0.5}]}\nparams:\n"
)


def _test_image() -> ParamSpec:
    return load_spec_file(TEST_IMAGE_SPEC).params["image"]  # jpeg/png, >= 300 px a side, aspect 0.4 to 2.5


def _param(tmp_path: Path, limits: str) -> ParamSpec:
    return load_spec_file(
        write(tmp_path / "kling-x.yaml", HEAD + f"  image: {{type: image, wire: base64, {limits}}}\n")
    ).params["image"]


def _check(param: ParamSpec, tmp_path: Path, data: bytes, name: str = "a.png") -> str | None:
    """Check ``data`` as the file ``name`` (a fresh name each time: checked facts are kept by path, size and mtime)."""
    assert not (tmp_path / name).exists()
    (tmp_path / name).write_bytes(data)
    ref, problem = check_file(param, tmp_path / name, shown=name)
    assert (ref is None) == (problem is not None)
    return problem


def _webp_bytes(width: int, height: int) -> bytes:
    codec = av.CodecContext.create("libwebp", "w")
    codec.width, codec.height, codec.pix_fmt = width, height, "yuv420p"
    frame = av.VideoFrame.from_ndarray(np.full((height, width, 3), 90, dtype=np.uint8), format="rgb24")
    return b"".join(bytes(p) for p in [*codec.encode(frame.reformat(format="yuv420p")), *codec.encode(None)])


@pytest.mark.parametrize(
    ("size", "problem"),
    [
        ((300, 300), None),
        ((300, 750), None),  # aspect 0.4, the lowest allowed
        ((750, 300), None),  # aspect 2.5, the highest
        ((299, 400), "is 299x400 px; each side must be at least 300 px: use a larger image"),
        ((400, 299), "is 400x299 px; each side must be at least 300 px: use a larger image"),
        ((300, 751), "is 300x751 px (aspect 0.40); this model takes width/height from 0.4 to 2.5: crop it"),
        ((751, 300), "is 751x300 px (aspect 2.50); this model takes width/height from 0.4 to 2.5: crop it"),
    ],
)
def test_the_smallest_side_and_the_aspect_are_allowed_up_to_their_limits_inclusive(tmp_path, size, problem):
    found = _check(_test_image(), tmp_path, png_bytes(*size))
    assert found == (None if problem is None else f"image 'a.png' {problem}")


def test_the_aspect_is_width_over_height(tmp_path):
    param = _param(tmp_path, "aspect_min: 1.0, aspect_max: 2.0")  # landscape only
    assert _check(param, tmp_path, png_bytes(600, 400)) is None
    assert _check(param, tmp_path, png_bytes(400, 600), "b.png") == (
        "image 'b.png' is 400x600 px (aspect 0.67); this model takes width/height from 1 to 2: crop it"
    )


def test_a_limit_with_one_end_is_listed_and_refused_as_it_stands(tmp_path):
    # `batchgen models NAME` left out max_side_px and an aspect or range with one end, all of them checked; a
    # refusal of an aspect with one end said "from 1 to 0".
    param = _param(tmp_path, "max_side_px: 700, aspect_min: 1.0")
    assert param.allowed_text() == (
        "local path, https:// URL or data: URI (jpeg/png), at most 700 px a side, aspect 1 or more"
    )
    assert _check(param, tmp_path, png_bytes(400, 600)) == (
        "image 'a.png' is 400x600 px (aspect 0.67); this model takes width/height of 1 or more: crop it"
    )
    assert "aspect 2.5 or less" in _param(tmp_path, "aspect_max: 2.5").allowed_text()
    ranged = HEAD + "  image: {type: image}\n  cfg_scale: {type: number, min: 0}\n  seed: {type: integer, max: 9}\n"
    spec = load_spec_file(write(tmp_path / "kling-x.yaml", ranged))
    assert (spec.params["cfg_scale"].allowed_text(), spec.params["seed"].allowed_text()) == ("0 or more", "9 or less")


def test_the_longest_side_and_the_file_size_are_allowed_up_to_their_limits_inclusive(tmp_path):
    data = png_bytes(500, 320)
    param = _param(tmp_path, f"max_side_px: 500, max_bytes: {len(data)}")
    assert _check(param, tmp_path, data) is None
    assert _check(param, tmp_path, png_bytes(501, 320), "b.png") == (
        "image 'b.png' is 501x320 px; no side may pass 500 px: scale it down"
    )
    smaller = _param(tmp_path, f"max_bytes: {len(data) - 1}")
    assert _check(smaller, tmp_path, data, "c.png") == (
        f"image 'c.png' is {len(data):,} bytes; the limit is {len(data) - 1:,}: make it smaller"
    )


def test_a_data_uri_is_held_to_the_same_limits_as_a_file(tmp_path):
    param = _test_image()
    good = png_bytes(400, 400)
    ref, problem = check_image(param, "data:image/png;base64," + base64.b64encode(good).decode(), base=tmp_path)
    assert problem is None and ref["bytes"] == len(good)
    small = "data:image/png;base64," + base64.b64encode(png_bytes(200, 200)).decode()
    assert check_image(param, small, base=tmp_path) == (
        None,
        "the data URI's image is 200x200 px; each side must be at least 300 px: use a larger image",
    )
    tight = _param(tmp_path, f"max_bytes: {len(good) - 1}")
    big = "data:image/png;base64," + base64.b64encode(good).decode()
    assert check_image(tight, big, base=tmp_path) == (
        None,
        f"the data URI's image is {len(good):,} bytes; the limit is {len(good) - 1:,}",
    )


def test_a_data_uri_not_marked_base64_is_refused_with_the_form_to_use(tmp_path):
    # without ";base64" a data URI's text is the bytes themselves: decoded as base64 it would send a picture
    # the manifest does not hold
    text = "data:image/png," + base64.b64encode(png_bytes(400, 400)).decode()
    assert check_image(_test_image(), text, base=tmp_path) == (
        None,
        "a data URI must be data:image/png;base64,... (or image/jpeg)",
    )


def test_a_plain_http_url_is_refused_for_a_field_the_page_sends_as_base64(tmp_path):
    assert check_image(_test_image(), "http://example.com/a.png", base=tmp_path) == (
        None,
        "an image URL must use https:// (the provider fetches it)",
    )
    assert check_image(_test_image(), "https://example.com/a.png", base=tmp_path) == ("https://example.com/a.png", None)


def test_a_urls_scheme_is_read_in_any_letter_case(tmp_path):
    # "HTTPS://..." was refused with "'HTTPS:' URLs are not taken; give ... an https:// URL or a data: URI".
    for text in ("HTTPS://example.com/a.png", "Https://example.com/a.png"):
        assert check_image(_test_image(), text, base=tmp_path) == ("https://example.com/a.png", None)
    assert check_image(_test_image(), "HTTP://example.com/a.png", base=tmp_path) == (
        None,
        "an image URL must use https:// (the provider fetches it)",
    )


def test_a_webp_is_refused_unless_the_spec_allows_it_whatever_the_files_name(tmp_path):
    webp = _webp_bytes(400, 400)
    assert _check(_test_image(), tmp_path, webp, "a.png") == (
        "image 'a.png' is WEBP; this model takes JPEG or PNG: convert it"
    )
    allowed = _param(tmp_path, "formats: [jpeg, png, webp]")
    assert _check(allowed, tmp_path, webp, "b.webp") is None


def test_a_jpeg_cut_short_is_refused_though_ffmpeg_would_decode_it(tmp_path):
    whole = jpeg_bytes(640, 360)
    assert _check(_test_image(), tmp_path, whole, "a.jpg") is None
    assert _check(_test_image(), tmp_path, whole[: len(whole) * 2 // 3], "b.jpg") == (
        "image 'b.jpg' is cut short (the JPEG has no end); save or copy it again"
    )


def test_a_data_uri_jpeg_cut_short_is_refused_as_a_file_is():
    whole = jpeg_bytes(640, 360)
    cut = "data:image/jpeg;base64," + base64.b64encode(whole[: len(whole) * 2 // 3]).decode()
    assert check_image(_test_image(), cut, base=None) == (None, "the data URI's image is cut short (it has no end)")


def test_a_spec_that_names_no_formats_takes_jpeg_and_png_alone(tmp_path):
    param = _param(tmp_path, "max_bytes: 10000000")
    assert _check(param, tmp_path, png_bytes(400, 400), "a.png") is None
    assert _check(param, tmp_path, _webp_bytes(400, 400), "b.png") == (
        "image 'b.png' is WEBP; this model takes JPEG or PNG: convert it"
    )
