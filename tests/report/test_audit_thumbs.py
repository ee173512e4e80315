"""Audit of ``batchgen/report/thumbs.py``: a video that cannot be decoded gets no poster frame and never stops
the report; a thumbnail is made again only when its source changed, and one whose source is gone stands."""

from __future__ import annotations

import io
import os
from pathlib import Path

import av
import numpy as np

from batchgen.report import thumbs
from batchgen.report.thumbs import ensure_thumbnails, is_current, thumb_path
from batchgen.simulator.media import template


def _audio_only() -> bytes:
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=44100)
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), dtype=np.float32), format="fltp", layout="mono")
        frame.sample_rate = 44100
        for packet in [*stream.encode(frame), *stream.encode()]:
            container.mux(packet)
    return buf.getvalue()


def test_videos_that_cannot_be_decoded_get_no_poster_frame_and_the_good_one_does(tmp_path):
    good = template("16:9", 5)
    zeroed = bytearray(good)
    mdat = good.index(b"mdat") + 4
    zeroed[mdat : good.index(b"moov") - 4] = bytes(good.index(b"moov") - 4 - mdat)  # frames' bytes lost
    videos = {
        "good": good,
        "garbage": b"<html>502 Bad Gateway</html>",
        "half": good[: len(good) // 2],
        "empty": b"",
        "sound": _audio_only(),
        "zeroed": bytes(zeroed),
    }
    root = tmp_path / "out"
    (root / "videos").mkdir(parents=True)
    paths = []
    for name, data in videos.items():
        path = root / "videos" / f"{name}.mp4"
        path.write_bytes(data)
        paths.append(path)
    found = ensure_thumbnails(root, paths, 160)
    assert {path.stem: thumb for path, thumb in found.items()} == {
        "good": root / "thumbs" / "good.jpg",
        **{name: None for name in videos if name != "good"},
    }
    assert sorted(p.name for p in (root / "thumbs").iterdir()) == ["good.jpg"]  # nothing half made
    with av.open(str(root / "thumbs" / "good.jpg")) as jpeg:
        frame = next(jpeg.decode(video=0))
        assert (frame.width, frame.height) == (160, 90)


def test_a_source_that_yields_no_frame_gets_no_thumbnail(tmp_path):
    video = tmp_path / "a.mp4"
    video.write_bytes(template("16:9", 5))
    dest = tmp_path / "thumbs" / "a.jpg"
    assert thumbs._thumbnail(video, dest, 160, lambda frames: None) is False
    assert not dest.exists()
    assert thumbs._poster(iter(())) is None


def test_a_thumbnail_is_current_only_if_made_since_its_source_changed_and_stands_when_the_source_is_gone(tmp_path):
    source, dest = tmp_path / "a.mp4", tmp_path / "a.jpg"
    source.write_bytes(b"video")
    assert not is_current(dest, source)  # never made
    dest.write_bytes(b"jpeg")
    os.utime(source, ns=(2_000_000_000_000_000_000, 2_000_000_000_000_000_000))
    os.utime(dest, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    assert not is_current(dest, source)  # the video was made anew since
    os.utime(dest, ns=(3_000_000_000_000_000_000, 3_000_000_000_000_000_000))
    assert is_current(dest, source)
    source.unlink()
    assert is_current(dest, source)  # the input image was moved away: its thumbnail stands
    assert thumb_path(tmp_path, Path("videos/clip-1.mp4")) == tmp_path / "thumbs" / "clip-1.jpg"


def _dark_then_light(path: Path) -> None:
    """Two seconds at 8 frames a second: black for the first half second, white after."""
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=8)
        stream.width, stream.height, stream.pix_fmt = 64, 36, "yuv420p"
        for index in range(16):
            frame = av.VideoFrame(64, 36, "yuv420p")
            luma, *chroma = frame.planes
            luma.update(bytes([0 if index < 4 else 255]) * luma.buffer_size)
            for plane in chroma:
                plane.update(bytes([128]) * plane.buffer_size)
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def _brightness(jpeg: Path) -> float:
    with av.open(str(jpeg)) as container:
        frame = next(container.decode(video=0))
        return float(frame.to_ndarray(format="gray").mean())


def test_the_poster_frame_is_the_one_half_a_second_in_not_the_first(tmp_path):
    video = tmp_path / "videos" / "fade.mp4"
    video.parent.mkdir()
    _dark_then_light(video)
    (made,) = ensure_thumbnails(tmp_path, [video], 64).values()
    assert made is not None and made == tmp_path / "thumbs" / "fade.jpg"
    assert _brightness(made) > 200  # the frame at 0.5 s, not the black one a fade-in starts with


def test_a_thumbnail_made_again_is_a_new_file_renamed_over_the_last_one(tmp_path):
    video = tmp_path / "videos" / "a.mp4"
    video.parent.mkdir()
    video.write_bytes(template("16:9", 5))
    dest = thumb_path(tmp_path, video)
    assert thumbs.make_thumbnail(video, dest, 160)
    held = tmp_path / "held.jpg"
    os.link(dest, held)  # a reader that opened the last one
    before = held.read_bytes()
    video.write_bytes(template("9:16", 5))  # made anew under the same name
    assert thumbs.make_thumbnail(video, dest, 160)
    assert dest.stat().st_ino != held.stat().st_ino and held.read_bytes() == before
    assert dest.read_bytes() != before
    assert [p.name for p in dest.parent.iterdir()] == ["a.jpg"]
