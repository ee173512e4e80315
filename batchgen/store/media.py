"""What a saved video really is, and whether it is what was asked for.

:func:`probe_video` opens an MP4 with PyAV (whose wheels bundle FFmpeg) and
reads its duration, size, frame rate, codec and frame count from the
container, without decoding the picture.  :func:`check_media` compares that
with the job's parameters and names every mismatch:

* ``duration_mismatch``: the video's length differs from ``duration`` (5 or
  10 s) by more than ``media.duration_tolerance_s``;
* ``aspect_mismatch``: width / height differs from ``aspect_ratio`` by more
  than ``media.aspect_tolerance`` (relative); an image job that names no
  ``aspect_ratio`` asks for none (its video takes the image's shape);
* ``unreadable``: FFmpeg cannot read the file's video stream.

A mismatch never loses the video (it was paid for): the job is completed,
and the warnings go to the ledger, the sidecar, ``results.csv``, the index
and the report.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..models.images import holds_images, image_param_names

DEFAULT_DURATION_S = 5
DEFAULT_ASPECT = "16:9"
WARNING_KINDS = ("duration_mismatch", "aspect_mismatch", "unreadable")


@dataclass(frozen=True, slots=True)
class Media:
    """Probed facts of one video."""

    duration_s: float | None
    width: int | None
    height: int | None
    fps: float | None
    codec: str | None
    frames: int | None

    def to_record(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_record(cls, record: Any) -> Media | None:
        if not isinstance(record, dict):
            return None
        names = cls.__dataclass_fields__
        return cls(**{name: record.get(name) for name in names})


class ProbeError(Exception):
    """FFmpeg could not read the file's video stream."""


def probe_video(path: str | Path) -> Media:
    """Read a video's container facts; raises :class:`ProbeError` when it has no readable video stream."""
    import av  # imported here: a run that never saves a video does not pay for loading FFmpeg

    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise ProbeError(f"{path} has no video stream")
            stream = container.streams.video[0]
            ctx = stream.codec_context
            duration: float | None = None
            if stream.duration is not None and stream.time_base is not None:
                duration = float(stream.duration * stream.time_base)
            elif container.duration is not None:
                duration = container.duration / av.time_base
            rate = stream.average_rate or stream.guessed_rate
            frames = stream.frames or None
            if frames is None:  # the container does not say: count packets (no decoding)
                frames = sum(1 for packet in container.demux(stream) if packet.size)
            return Media(
                duration_s=round(duration, 3) if duration is not None else None,
                width=ctx.width or None,
                height=ctx.height or None,
                fps=round(float(rate), 3) if rate else None,
                codec=ctx.name or None,
                frames=frames,
            )
    except ProbeError:
        raise
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise ProbeError(f"{path} cannot be read as a video ({exc})") from None


def expected(params: dict[str, Any], model: str | None = None) -> tuple[float, str | None]:
    """(duration in seconds, aspect ratio) a job asked for, with the models' defaults.  A job with an input
    image (a parameter of ``model``'s of type image) that names no aspect ratio asks for none (None): its video
    takes the image's shape, as the image-to-video pages say (some have no aspect ratio to name)."""
    try:
        duration = float(params.get("duration", DEFAULT_DURATION_S))
    except (TypeError, ValueError):
        duration = float(DEFAULT_DURATION_S)
    if params.get("aspect_ratio"):
        return duration, str(params["aspect_ratio"])
    return duration, None if _has_image(params, model) else DEFAULT_ASPECT


def _has_image(params: dict[str, Any], model: str | None) -> bool:
    names = image_param_names(model)
    return holds_images(params) if names is None else any(name in params for name in names)


def _ratio(aspect: str) -> float | None:
    width, _, height = aspect.partition(":")
    try:
        value = float(width) / float(height)
    except (ValueError, ZeroDivisionError):
        return None
    return value if value > 0 else None


def check_media(
    media: Media,
    params: dict[str, Any],
    *,
    duration_tolerance_s: float,
    aspect_tolerance: float,
    model: str | None = None,
) -> list[dict[str, str]]:
    """Named warnings (``{"kind", "detail"}``) for every way the video differs from the request (of ``model``)."""
    want_s, want_aspect = expected(params, model)
    warnings = []
    if media.duration_s is not None and abs(media.duration_s - want_s) > duration_tolerance_s:
        warnings.append(
            {
                "kind": "duration_mismatch",
                "detail": f"asked for {want_s:g} s, the video lasts {media.duration_s:.2f} s",
            }
        )
    want_ratio = _ratio(want_aspect) if want_aspect else None
    if media.width and media.height and want_ratio is not None:
        ratio = media.width / media.height
        if abs(ratio / want_ratio - 1) > aspect_tolerance:
            warnings.append(
                {
                    "kind": "aspect_mismatch",
                    "detail": f"asked for {want_aspect}, the video is {media.width}x{media.height}",
                }
            )
    return warnings


def unreadable(error: ProbeError) -> dict[str, str]:
    return {"kind": "unreadable", "detail": str(error)}


def inspect_video(
    path: str | Path,
    params: dict[str, Any],
    *,
    duration_tolerance_s: float,
    aspect_tolerance: float,
    model: str | None = None,
) -> tuple[dict[str, Any] | None, list[dict[str, str]]]:
    """Probe a saved video and check it against its job (of ``model``): (media record or None, warnings).
    Blocking."""
    try:
        media = probe_video(path)
    except ProbeError as exc:
        return None, [unreadable(exc)]
    checks = check_media(
        media, params, duration_tolerance_s=duration_tolerance_s, aspect_tolerance=aspect_tolerance, model=model
    )
    return media.to_record(), checks
