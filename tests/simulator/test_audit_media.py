"""Audit of ``batchgen/simulator/media.py``: an image job's video starts from its own input image, not another job's,
and a made video has every frame of its seconds."""

from __future__ import annotations

import hashlib
import io

import av

from batchgen.simulator import media
from tests.helpers import png_bytes


def _first_frame_blue(video: bytes) -> float:
    with av.open(io.BytesIO(video), mode="r") as container:
        frame = next(container.decode(video=0))
        return float(frame.to_ndarray(format="rgb24")[..., 2].mean())


def test_two_image_jobs_of_one_shape_each_start_from_their_own_image():
    blues = {}
    for seed in (0, 6):  # the same gradient, tinted blue 0 and 222
        image = png_bytes(64, 36, seed=seed)
        video = media.video_for(f"rid-{seed}", "16:9", 5, image=image, image_key=hashlib.sha256(image).hexdigest())
        blues[seed] = _first_frame_blue(video)
    assert blues[0] < 40 and blues[6] > 180, blues


def test_a_video_of_a_length_no_template_has_is_made_with_every_frame_of_its_seconds():
    video = media.video_for("rid-seven", "9:16", 7)
    with av.open(io.BytesIO(video), mode="r") as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        size = (stream.codec_context.width, stream.codec_context.height)
    assert (size, frames) == ((90, 160), 7 * media.FPS)
