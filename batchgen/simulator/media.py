"""Playable MP4 outputs of the asked length and aspect, distinct for every request.

The package ships one small H.264 MP4 per aspect ratio for 5 and 10 s
(``batchgen/simulator/templates``, made by ``tests/make_sim_media.py``); any
other length, and every video of an image job, is encoded here with PyAV
once and cached.  An image job's video starts from its input image (its first
second is the image, fitted to the frame, then a bar moves across it), so a
contact sheet shows what was animated.  Each output is its template with one
top-level ISO BMFF ``uuid`` box appended that carries the request id:
players ignore unknown top-level boxes, so the file stays playable, while
its bytes (and sha256) are unique to the request.
"""

from __future__ import annotations

import io
import struct
import threading
from collections import OrderedDict
from functools import cache
from importlib import resources
from typing import Any

# A fixed extended type identifying batchgen simulator boxes.
_USER_TYPE = bytes.fromhex("6261746368676e2d73696d2d72657175")
_NAMES = {"16:9": "16x9", "9:16": "9x16", "1:1": "1x1"}
SIZES = {"16:9": (160, 90), "9:16": (90, 160), "1:1": (120, 120)}
FPS = 8
_MADE: OrderedDict[tuple[str, int, str | None], bytes] = OrderedDict()
_MADE_MAX = 64
_LOCK = threading.Lock()


@cache
def template(aspect_ratio: str, duration: int) -> bytes:
    name = _NAMES.get(aspect_ratio, "16x9")
    seconds = 10 if duration >= 10 else 5
    return (resources.files("batchgen.simulator") / "templates" / f"{name}_{seconds}s.mp4").read_bytes()


def base_video(aspect_ratio: str, duration: int, image: bytes | None = None, image_key: str | None = None) -> bytes:
    """The video before its request box: a shipped template, or one made (and cached) for this length and image."""
    aspect = aspect_ratio if aspect_ratio in SIZES else "16:9"
    if image is None and duration in (5, 10):
        return template(aspect, duration)
    key = (aspect, max(1, duration), image_key if image is not None else None)
    with _LOCK:
        made = _MADE.get(key)
        if made is not None:
            _MADE.move_to_end(key)
            return made
    made = encode(*SIZES[aspect], key[1], first=_fitted(image, *SIZES[aspect]) if image is not None else None)
    with _LOCK:
        _MADE[key] = made
        while len(_MADE) > _MADE_MAX:
            _MADE.popitem(last=False)
    return made


def video_for(
    request_id: str, aspect_ratio: str, duration: int, *, image: bytes | None = None, image_key: str | None = None
) -> bytes:
    payload = _USER_TYPE + request_id.encode()
    box = struct.pack(">I4s", 8 + len(payload), b"uuid") + payload
    return base_video(aspect_ratio, duration, image, image_key) + box


def _fitted(image: bytes, width: int, height: int) -> Any:
    """The image decoded and scaled to the frame, as an RGB frame (None if it cannot be decoded)."""
    import av

    try:
        with av.open(io.BytesIO(image), mode="r") as container:
            frame = next(container.decode(video=0))
            return frame.reformat(width=width, height=height, format="rgb24")
    except (av.FFmpegError, StopIteration, ValueError):
        return None


def encode(width: int, height: int, seconds: int, *, first: Any = None) -> bytes:
    """An H.264 MP4 of ``seconds`` at FPS: a moving bar over a gradient, or over ``first`` (the input image)."""
    import av
    import numpy as np

    if first is not None:
        background = first.to_ndarray().copy()
    else:
        x = np.linspace(0, 255, width, dtype=np.uint8)[None, :]
        y = np.linspace(0, 255, height, dtype=np.uint8)[:, None]
        background = np.stack(
            [np.broadcast_to(x, (height, width)), np.broadcast_to(y, (height, width)), np.full((height, width), 96)],
            axis=-1,
        ).astype(np.uint8)
    buf = io.BytesIO()
    total = seconds * FPS
    with av.open(buf, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "veryfast", "crf": "30"}
        for i in range(total):
            pixels = background.copy()
            if first is None or i >= FPS:  # an image job shows its image, still, for the first second
                bar = (i * width) // total
                pixels[:, max(0, bar - 2) : bar + 2] = (240, 240, 32)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            for packet in stream.encode(frame.reformat(format="yuv420p")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buf.getvalue()
