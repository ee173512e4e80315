"""Audit of ``batchgen/store/media.py``: what a probe reads from containers unlike the simulator's samples, and
the warnings asked for by jobs whose parameters are empty, null or odd."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import pytest

from batchgen.store.media import Media, check_media, inspect_video, probe_video

CHECK: dict[str, Any] = {"duration_tolerance_s": 0.5, "aspect_tolerance": 0.03}


def _write(
    path: Path,
    frames: int,
    *,
    rate: Fraction | int = 8,
    container: str = "mp4",
    sound_first: bool = False,
    size: tuple[int, int] = (64, 36),
) -> None:
    """``frames`` blank pictures of ``size`` at ``rate`` a second; ``sound_first``: a sound stream comes first."""
    width, height = size
    with av.open(str(path), "w", format=container) as out:
        sound: Any = out.add_stream("aac", rate=8000) if sound_first else None
        video: Any = out.add_stream("libx264", rate=rate)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        if sound is not None:
            for index in range(frames):
                samples = av.AudioFrame(format="fltp", layout="mono", samples=1024)
                samples.sample_rate, samples.pts = 8000, index * 1024
                for sound_plane in samples.planes:
                    sound_plane.update(bytes(sound_plane.buffer_size))
                for packet in sound.encode(samples):
                    out.mux(packet)
            for packet in sound.encode(None):
                out.mux(packet)
        pictures = [av.VideoFrame(width, height, "yuv420p") for _ in range(frames)]
        for picture in pictures:
            for plane in picture.planes:
                plane.update(bytes(plane.buffer_size))
        for last in [*pictures, None]:
            for packet in video.encode(last):
                out.mux(packet)


def test_a_video_whose_stream_gives_no_duration_is_timed_from_its_container_in_seconds(tmp_path):
    # Matroska keeps the length in the container only (microseconds there): read raw, a 2 s video lasted 2,000,000 s
    path = tmp_path / "clip.mkv"
    _write(path, 16, container="matroska")
    with av.open(str(path)) as opened:
        assert opened.streams.video[0].duration is None  # what this test is about
    media = probe_video(path)
    assert (media.duration_s, media.width, media.height, media.fps, media.frames) == (2.0, 64, 36, 8.0, 16)
    record, warnings = inspect_video(path, {"duration": 5}, **CHECK)
    assert record is not None and record["duration_s"] == 2.0
    assert warnings == [{"kind": "duration_mismatch", "detail": "asked for 5 s, the video lasts 2.00 s"}]


def test_a_video_at_a_fractional_frame_rate_is_probed_to_the_millisecond_and_the_thousandth_of_a_frame(tmp_path):
    path = tmp_path / "ntsc.mp4"
    _write(path, 30, rate=Fraction(24000, 1001))  # 30 frames at 23.976 a second: 1.2513 s
    media = probe_video(path)
    assert (media.duration_s, media.fps, media.frames) == (1.251, 23.976, 30)


def test_a_video_whose_sound_stream_comes_first_is_probed_by_its_picture(tmp_path):
    path = tmp_path / "with-sound.mp4"
    _write(path, 16, sound_first=True)
    with av.open(str(path)) as opened:
        assert [stream.type for stream in opened.streams] == ["audio", "video"]  # what this test is about
    media = probe_video(path)
    assert (media.width, media.height, media.duration_s, media.fps, media.codec, media.frames) == (
        64,
        36,
        2.0,
        8.0,
        "h264",
        16,
    )


@pytest.mark.parametrize("duration", [None, "", "five"])
def test_a_job_whose_duration_is_null_or_not_a_number_is_held_to_the_default_5_s(duration):
    five = Media(5.0, 1280, 720, 24.0, "h264", 120)
    assert check_media(five, {"duration": duration, "aspect_ratio": "16:9"}, **CHECK) == []
    (warning,) = check_media(Media(10.0, 1280, 720, 24.0, "h264", 240), {"duration": duration}, **CHECK)
    assert warning == {"kind": "duration_mismatch", "detail": "asked for 5 s, the video lasts 10.00 s"}


@pytest.mark.parametrize("aspect", [None, ""])
def test_a_text_job_whose_aspect_ratio_is_empty_is_held_to_the_default_16_9(aspect):
    portrait = Media(5.0, 720, 1280, 24.0, "h264", 120)
    (warning,) = check_media(portrait, {"prompt": "p", "aspect_ratio": aspect}, **CHECK)
    assert warning == {"kind": "aspect_mismatch", "detail": "asked for 16:9, the video is 720x1280"}


@pytest.mark.parametrize("aspect", ["0:9", "-16:9", "16:0", "wide"])
def test_an_aspect_ratio_that_names_no_shape_warns_nothing_and_never_crashes_the_check(aspect):
    assert check_media(Media(5.0, 1280, 720, 24.0, "h264", 120), {"aspect_ratio": aspect}, **CHECK) == []


@pytest.mark.parametrize(("width", "height"), [(1280, None), (None, 720), (1280, 0)])
def test_a_video_of_unknown_width_or_height_gets_no_aspect_warning_and_no_crash(width, height):
    media = Media(5.0, width, height, 24.0, "h264", 120)
    assert check_media(media, {"aspect_ratio": "9:16"}, **CHECK) == []


def test_a_saved_video_is_checked_with_the_duration_and_aspect_tolerances_each_where_it_belongs(tmp_path):
    path = tmp_path / "clip.mp4"
    _write(path, 16)  # 2 s, 64x36 (16:9)
    # 0.3 s off the duration is inside 0.5 s, 2 % off the aspect (64:36 against 1.74) inside 3 %: no warning
    asked = {"duration": 2.3, "aspect_ratio": "1.74:1"}
    assert inspect_video(path, asked, duration_tolerance_s=0.5, aspect_tolerance=0.03)[1] == []
    record, warnings = inspect_video(path, asked, duration_tolerance_s=0.03, aspect_tolerance=0.5)
    assert record is not None and [w["kind"] for w in warnings] == ["duration_mismatch"]
    _, warnings = inspect_video(path, asked, duration_tolerance_s=0.5, aspect_tolerance=0.01)
    assert [w["kind"] for w in warnings] == ["aspect_mismatch"]


def test_a_saved_video_is_checked_as_a_job_of_its_own_model_asks(tmp_path):
    # kling-1.6-image2video takes its image in "image" (a URL here, so nothing in the values says "image"): a job
    # of it that names no aspect ratio asks for none, and its square video is no mismatch
    path = tmp_path / "square.mp4"
    _write(path, 40, size=(48, 48))  # 5 s
    asked = {"image": "https://example.com/a.png", "duration": 5}
    record, warnings = inspect_video(path, asked, model="kling-1.6-image2video", **CHECK)
    assert record is not None and (record["width"], record["height"]) == (48, 48) and warnings == []
    _, warnings = inspect_video(path, {"prompt": "p", "duration": 5}, model="kling-1.6-image2video", **CHECK)
    assert [w["kind"] for w in warnings] == ["aspect_mismatch"]  # without its image: the default 16:9
