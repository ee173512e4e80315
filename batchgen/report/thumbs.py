"""Poster frames: one small JPEG per video, made once, for the report's contact sheet.

A thumbnail is ``OUT/thumbs/<video stem>.jpg``: the first frame at or after
:data:`POSTER_AT_S` seconds (decoding stops there), scaled to
``report.thumb_width`` pixels wide and encoded with FFmpeg's JPEG encoder
through PyAV, so nothing beyond PyAV is needed.  It is written to a
temporary name and renamed, so a thumbnail is never half written, and
an image job's input gets one too (``<video stem>.input.jpg``, from the
local image it was made from), shown beside its poster frame; and
:func:`ensure_thumbnails` skips every one that is current (:func:`is_current`:
made since its video or image last changed): a report of 10,000 videos decodes
each video once, and a video made anew (``--replace-changed``) once more.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..store.files import write_atomically

POSTER_AT_S = 0.5
MAX_DECODED_FRAMES = 48
THUMBS_DIR = "thumbs"


def thumb_path(root: Path, video: Path) -> Path:
    return root / THUMBS_DIR / f"{video.stem}.jpg"


def is_current(dest: Path, source: Path) -> bool:
    """Is the thumbnail ``dest`` made since ``source`` (its video, or input image) last changed?  A video
    made anew under the same name, or an input image changed, has a thumbnail made again; one whose source
    is gone stands."""
    try:
        made = dest.stat().st_mtime_ns
    except OSError:
        return False
    try:
        return made >= source.stat().st_mtime_ns
    except OSError:
        return True


def make_thumbnail(video: Path, dest: Path, width: int) -> bool:
    """Write ``dest`` from ``video``'s poster frame; False when the video cannot be decoded."""
    return _thumbnail(video, dest, width, _poster)


def _poster(frames: Iterator[Any]) -> Any:
    """The frame at ``POSTER_AT_S`` (or the last of the first ``MAX_DECODED_FRAMES``); None if there is none."""
    poster = None
    for count, frame in enumerate(frames):
        poster = frame
        if (frame.time is not None and frame.time >= POSTER_AT_S) or count >= MAX_DECODED_FRAMES:
            break
    return poster


def _thumbnail(source: Path, dest: Path, width: int, pick: Callable[[Iterator[Any]], Any]) -> bool:
    """Write ``dest`` as a JPEG ``width`` wide from the frame ``pick`` takes of ``source``'s decoded frames;
    False when ``source`` cannot be decoded."""
    import av  # loaded only when thumbnails are made

    try:
        with av.open(str(source)) as container:
            if not container.streams.video:
                return False
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            frame = pick(container.decode(stream))
            if frame is None:
                return False
            data = _jpeg(frame, width)
    except (av.FFmpegError, OSError, ValueError):
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(dest, data, durable=False)  # a thumbnail can be made again
    return True


def _jpeg(frame: object, width: int) -> bytes:
    import av

    assert isinstance(frame, av.VideoFrame)
    height = max(2, round(frame.height * width / frame.width / 2) * 2)
    ctx = av.CodecContext.create("mjpeg", "w")
    assert isinstance(ctx, av.VideoCodecContext)
    ctx.width, ctx.height, ctx.pix_fmt = width, height, "yuvj420p"
    ctx.time_base = Fraction(1, 25)
    ctx.options = {"qmin": "2", "qmax": "6"}
    small = frame.reformat(width=width, height=height, format="yuvj420p")
    packets = [*ctx.encode(small), *ctx.encode(None)]
    return b"".join(bytes(packet) for packet in packets)


def input_thumb_path(root: Path, video: Path) -> Path:
    return root / THUMBS_DIR / f"{video.stem}.input.jpg"


def make_input_thumbnail(image: Path, dest: Path, width: int) -> bool:
    """Write ``dest`` from an image job's local input image (JPEG or PNG); False when it cannot be read."""
    return _thumbnail(image, dest, width, lambda frames: next(frames, None))


def ensure_thumbnails(root: Path, videos: Iterable[Path], width: int) -> dict[Path, Path | None]:
    """The thumbnail of each video, made when missing; None for a video that cannot be decoded."""
    found: dict[Path, Path | None] = {}
    for video in videos:
        dest = thumb_path(root, video)
        if is_current(dest, video) or make_thumbnail(video, dest, width):
            found[video] = dest
        else:
            found[video] = None
    return found
