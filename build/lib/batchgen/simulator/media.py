"""Playable MP4 outputs, distinct for every request.

The package ships one small H.264 MP4 per aspect ratio and duration
(``batchgen/simulator/templates``, made by ``tests/make_sim_media.py``).  Each output is
that file with one top-level ISO BMFF ``uuid`` box appended that carries the
request id: players ignore unknown top-level boxes, so the file stays
playable, while its bytes (and sha256) are unique to the request.
"""

from __future__ import annotations

import struct
from functools import cache
from importlib import resources

# A fixed extended type identifying batchgen simulator boxes.
_USER_TYPE = bytes.fromhex("6261746368676e2d73696d2d72657175")


@cache
def template(aspect_ratio: str, duration: int) -> bytes:
    name = {"16:9": "16x9", "9:16": "9x16", "1:1": "1x1"}.get(aspect_ratio, "16x9")
    seconds = 10 if duration >= 10 else 5
    return (resources.files("batchgen.simulator") / "templates" / f"{name}_{seconds}s.mp4").read_bytes()


def video_for(request_id: str, aspect_ratio: str, duration: int) -> bytes:
    payload = _USER_TYPE + request_id.encode()
    box = struct.pack(">I4s", 8 + len(payload), b"uuid") + payload
    return template(aspect_ratio, duration) + box
