"""Regenerate the simulator's sample videos in ``batchgen/simulator/templates/``.

The simulator serves these (one per aspect ratio and duration) with a
per-request ``uuid`` box appended, so every output is a distinct, playable MP4
without FFmpeg at run time.  Run with the test extras installed:

    python tests/make_sim_media.py
"""

from __future__ import annotations

import io
from pathlib import Path

import av

SIZES = {"16x9": (160, 90), "9x16": (90, 160), "1x1": (120, 120)}
FPS = 8
OUT = Path(__file__).resolve().parent.parent / "batchgen" / "simulator" / "templates"


def frame_bytes(width: int, height: int, index: int, total: int, stride: int) -> bytes:
    """A moving vertical bar over a gradient, so frames differ visibly."""
    bar = (index * width) // total
    rows = []
    for y in range(height):
        row = bytearray()
        for x in range(width):
            if abs(x - bar) < max(2, width // 16):
                row += b"\xf0\xf0\x20"
            else:
                row += bytes(((x * 255) // width, (y * 255) // height, 96))
        rows.append(bytes(row) + b"\0" * (stride - len(row)))
    return b"".join(rows)


def encode(width: int, height: int, seconds: int) -> bytes:
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "veryfast", "crf": "30"}
        total = seconds * FPS
        for i in range(total):
            frame = av.VideoFrame(width, height, "rgb24")
            plane = frame.planes[0]
            plane.update(frame_bytes(width, height, i, total, plane.line_size))
            for packet in stream.encode(frame.reformat(format="yuv420p")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buf.getvalue()


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, (w, h) in SIZES.items():
        for seconds in (5, 10):
            data = encode(w, h, seconds)
            (OUT / f"{name}_{seconds}s.mp4").write_bytes(data)
            print(f"{name}_{seconds}s.mp4: {len(data)} bytes")


if __name__ == "__main__":
    main()
