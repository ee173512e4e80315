"""Output folders as a run leaves them, for the report's tests: ledger lines, landed videos, an image job."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.helpers import png_bytes

SIM_MEDIA = Path(__file__).resolve().parents[2] / "batchgen" / "simulator" / "templates"


def ledger_line(job_id: str, event: str, **fields: object) -> bytes:
    """One ledger line: the job's ``event``, in the state of the same name, with ``fields``."""
    record = {"v": 1, "ts": "2026-12-01T10:00:00.000Z", "job_id": job_id, "event": event, "state": event, **fields}
    return json.dumps(record).encode() + b"\n"


def landed(root: Path, *jobs: str) -> None:
    """Each job's video in ``root/videos``."""
    (root / "videos").mkdir(parents=True, exist_ok=True)
    for job in jobs:
        shutil.copyfile(SIM_MEDIA / "16x9_5s.mp4", root / "videos" / f"{job}.mp4")


def image_job(tmp_path: Path, width: int = 64, height: int = 36, *, submitted: bool = False) -> tuple[Path, Path]:
    """``tmp_path/out``, whose one job ``a`` sent the PNG ``tmp_path/in.png`` (``width`` x ``height``) to an
    image-to-video model and is completed with its video (a ``submitted`` line between, if asked); the folder and
    the image."""
    root = tmp_path / "out"
    landed(root, "a")
    image = tmp_path / "in.png"
    image.write_bytes(png_bytes(width, height, seed=1))
    ref = {"path": str(image), "file": "in.png", "sha256": "00" * 32}
    submit = ledger_line("a", "submitting", model="kling-1.6-image2video", params={"prompt": "p", "image": ref})
    between = ledger_line("a", "submitted") if submitted else b""
    (root / "ledger.jsonl").write_bytes(submit + between + ledger_line("a", "completed", file="videos/a.mp4"))
    return root, image
