"""An image job's body as it goes on the wire: the JSON built as bytes is the same as the body encoded the
plain way, in both inline forms, whatever the other fields hold; the image is checked against its digest."""

from __future__ import annotations

import base64
import json

import pytest

from batchgen.errors import ImageChanged
from batchgen.models import catalogue
from batchgen.models.images import check_file, wire_json
from tests.helpers import png_bytes

MODEL = "kling-1.6-image2video"  # `image` typed "string (uri)": a local file goes as a data: URI unless told


def _ref(tmp_path, data):
    spec = catalogue.current().get(MODEL)
    assert spec is not None
    (tmp_path / "a.png").write_bytes(data)
    ref, problem = check_file(spec.params["image"], tmp_path / "a.png", shown="a.png")
    assert problem is None
    return spec, ref


@pytest.mark.parametrize(("forms", "prefix"), [(None, "data:image/png;base64,"), ({"image": "base64"}, "")])
def test_the_json_built_as_bytes_is_the_body_encoded_plainly(tmp_path, forms, prefix):
    data = png_bytes(400, 320, seed=3)
    spec, ref = _ref(tmp_path, data)
    params = {"prompt": 'a "quoted" \u00e9 prompt \\ image:image', "image": ref, "duration": "5", "multi": [{"a": 1}]}
    sent = json.loads(wire_json(spec, params, forms))
    assert sent == {**params, "image": prefix + base64.b64encode(data).decode()}
    assert list(sent) == list(params) and sent["prompt"] == params["prompt"] and sent["multi"] == [{"a": 1}]
    assert sent["image"] == prefix + base64.b64encode(data).decode()


def test_an_image_changed_since_its_check_is_not_put_in_a_body(tmp_path):
    spec, ref = _ref(tmp_path, png_bytes(400, 320, seed=3))
    (tmp_path / "a.png").write_bytes(png_bytes(400, 320, seed=4))
    with pytest.raises(ImageChanged, match="changed after it was checked"):
        wire_json(spec, {"image": ref}, None)


@pytest.mark.parametrize("change", ["grown", "shrunk"])
def test_an_image_that_grew_or_shrank_since_its_check_is_not_put_in_a_body(tmp_path, change):
    data = png_bytes(400, 320, seed=3)
    spec, ref = _ref(tmp_path, data)
    (tmp_path / "a.png").write_bytes(data + bytes(4 << 20) if change == "grown" else data[:-100])
    with pytest.raises(ImageChanged, match=r"'a\.png' changed after it was checked"):
        wire_json(spec, {"image": ref, "prompt": "p"}, None)
