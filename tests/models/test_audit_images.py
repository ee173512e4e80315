"""Audit of ``batchgen/models/images.py``: an image is checked and sent as the very file it is, in the form it is.

A picture replaced under its name is checked anew (its digest is the new one), a JPEG with bytes after its
end marker is a whole JPEG, a JPEG sent inline as a ``data:`` URI is marked ``image/jpeg``, and a ``data:`` URI
that holds no image is refused as what it is.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os

from batchgen.models import catalogue
from batchgen.models.images import check_file, check_image, wire_json
from batchgen.models.loader import load_spec_file
from batchgen.models.spec import ParamSpec
from tests.helpers import TEST_IMAGE_SPEC, jpeg_bytes, png_bytes

MODEL = "kling-1.6-image2video"  # `image` typed "string (uri)": a local file goes as a data: URI


def _image_param() -> ParamSpec:
    return load_spec_file(TEST_IMAGE_SPEC).params["image"]


def test_an_image_replaced_by_another_of_the_same_size_is_checked_anew_not_taken_by_its_old_digest(tmp_path):
    first, second = png_bytes(400, 320, seed=1, noise=True), png_bytes(400, 320, seed=2, noise=True)
    assert len(first) == len(second) and first != second
    path = tmp_path / "a.png"
    path.write_bytes(first)
    os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    ref, problem = check_file(_image_param(), path, shown="a.png")
    assert problem is None and ref is not None and ref["sha256"] == hashlib.sha256(first).hexdigest()
    path.write_bytes(second)
    os.utime(path, ns=(1_700_000_100_000_000_000, 1_700_000_100_000_000_000))
    again, problem = check_file(_image_param(), path, shown="a.png")
    assert problem is None and again is not None
    assert again["sha256"] == hashlib.sha256(second).hexdigest()


def test_a_jpeg_with_bytes_after_its_end_marker_is_a_whole_jpeg_and_is_taken(tmp_path):
    data = jpeg_bytes(400, 320) + bytes(64)  # padding some cameras and editors leave after the end marker
    (tmp_path / "a.jpg").write_bytes(data)
    ref, problem = check_file(_image_param(), tmp_path / "a.jpg", shown="a.jpg")
    assert problem is None and ref is not None
    assert (ref["format"], ref["width"], ref["height"]) == ("jpeg", 400, 320)
    uri = "data:image/jpeg;base64," + base64.b64encode(data).decode()
    inline, problem = check_image(_image_param(), uri, base=None)
    assert problem is None and inline["format"] == "jpeg"


def test_a_jpeg_sent_as_a_data_uri_is_marked_image_jpeg(tmp_path):
    spec = catalogue.current().get(MODEL)
    assert spec is not None
    data = jpeg_bytes(400, 320)
    (tmp_path / "a.jpg").write_bytes(data)
    ref, problem = check_file(spec.params["image"], tmp_path / "a.jpg", shown="a.jpg")
    assert problem is None
    sent = json.loads(wire_json(spec, {"prompt": "p", "image": ref}, None))
    assert sent["image"] == "data:image/jpeg;base64," + base64.b64encode(data).decode()


def test_a_data_uri_that_holds_no_image_is_refused_as_not_an_image_not_as_one_cut_short():
    text = "data:image/png;base64," + base64.b64encode(b"a prompt pasted where the image goes").decode()
    assert check_image(_image_param(), text, base=None) == (
        None,
        "the data URI is not a JPEG or PNG image (by its content)",
    )
