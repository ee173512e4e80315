"""A manifest's ``images:`` block: a folder or glob of images becomes one job per image.

::

    model: kling-1.6-image2video
    defaults: {duration: 5}
    images:
      from: "frames/*.png"      # a folder or a glob, relative to the manifest's folder
      param: image              # the parameter that takes the image (default: the model's only one)
      prompt: "{stem}, gently moving"   # a template; a caption file frames/a.txt beside a.png wins
      mode: [std, pro]          # any other key is a parameter; a list varies, as in a matrix
      repeat: 2                 # as for a job

Each image is one job with the id ``{stem}`` (its file name without the
extension, made id-safe), plus a short slug of each varying value, as a matrix
block's (values alike in their first words told apart by a hash of them; the block
takes no ``id``; ``model`` and ``repeat`` take one value, not a list).  A folder
gives its ``.jpg``, ``.jpeg``, ``.png`` and ``.webp`` files; a glob gives
every match but the caption files (``.txt``).  Whether each file really is a
usable image is checked with the job (content, size, sides, aspect), so every
bad one is listed together, with its file and reason.
"""

from __future__ import annotations

import glob
import itertools
import re
from pathlib import Path
from typing import Any

from ..jobs import varied_ids

_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
_NOT_ID = re.compile(r"[^A-Za-z0-9._-]+")
MAX_IMAGES = 100_000
KEYS = ("from", "param", "prompt", "id", "model", "repeat")
_NO_ID = "an images block names its jobs by their files ({stem}, plus a slug of each varying value): remove 'id'"
_NOT_VARIED = {
    "model": "must be one model name: an images block does not vary its model (a matrix block does, with the "
    "images listed under its image parameter)",
    "repeat": "must be one whole number: an images block does not vary repeat",
}

Found = tuple[list[tuple[dict[str, Any], int]], list[tuple[int, str, str]]]


def expand_images(node: Any, line: int, key_lines: dict[str, int], base: Path, image_params: list[str]) -> Found:
    """The jobs of one ``images:`` block as ``[(fields, line)]``, and its problems as ``[(line, field, message)]``.
    ``image_params``: the model's image parameters (its only one is the default ``param``)."""
    problems: list[tuple[int, str, str]] = []
    if not isinstance(node, dict):
        return [], [(line, "images", "must be a mapping such as {from: 'frames/*.png', prompt: '{stem}'}")]
    pattern = node.get("from")
    if not isinstance(pattern, str) or not pattern.strip():
        return [], [(key_lines.get("from", line), "images.from", "name a folder or a glob such as 'frames/*.png'")]
    param = node.get("param", image_params[0] if len(image_params) == 1 else None)
    if not isinstance(param, str) or not param:
        said = "say which parameter takes the image (param: image); the model has none or several"
        if len(image_params) > 1:
            said = (
                "say which parameter takes the image: the model has several ("
                + ", ".join(f"param: {name}" for name in image_params)
                + ")"
            )
        return [], [(key_lines.get("param", line), "images.param", said)]
    template = node.get("prompt")
    if template is not None and not isinstance(template, str):
        problems.append((key_lines.get("prompt", line), "images.prompt", "must be a text template such as '{stem}'"))
        template = None
    files = _files(base, pattern.strip())
    if not files:
        return [], [(key_lines.get("from", line), "images.from", f"'{pattern}' matches no image files")]
    if len(files) > MAX_IMAGES:
        return [], [(line, "images.from", f"matches {len(files)} files; the limit is {MAX_IMAGES}")]
    fixed = {k: v for k, v in node.items() if k not in ("from", "param", "prompt", "id") and not isinstance(v, list)}
    varying = {k: v for k, v in node.items() if k not in KEYS and isinstance(v, list)}
    for name, options in varying.items():
        if not options:
            problems.append((key_lines.get(name, line), name, "an empty list would make no jobs"))
    if "id" in node:  # (it was left out without a word: the ids below are the files')
        problems.append((key_lines.get("id", line), "images.id", _NO_ID))
    for name in ("model", "repeat"):  # (a list of them was left out without a word, not varied)
        if isinstance(node.get(name), list):
            problems.append((key_lines.get(name, line), f"images.{name}", _NOT_VARIED[name]))
    if problems:
        return [], problems
    jobs: list[tuple[dict[str, Any], int]] = []
    stems: dict[str, Path] = {}
    for path in files:
        stem = _NOT_ID.sub("-", path.stem).strip("-._")[:120].rstrip("-._") or "image"  # (as ids are cut)
        if (first := stems.setdefault(stem, path)) != path:  # (else told apart by line alone: the block's, both)
            problems.append(
                (
                    key_lines.get("from", line),
                    "images.from",
                    f"'{_shown(first, base)}' and '{_shown(path, base)}' both make the job id '{stem}'; rename one",
                )
            )
            continue
        caption = path.with_suffix(".txt")
        prompt = None
        if caption.is_file():
            try:
                prompt = caption.read_text(encoding="utf-8-sig").strip() or None
            except (OSError, UnicodeDecodeError):
                problems.append((line, "prompt", f"caption file '{_shown(caption, base)}' is not UTF-8 text"))
                continue
        if prompt is None and template is not None:
            try:
                prompt = template.format(stem=path.stem, name=path.name, folder=path.parent.name)
            except (KeyError, IndexError, ValueError) as exc:
                problems.append((key_lines.get("prompt", line), "images.prompt", f"bad template: {exc}"))
                return [], problems
        combos = list(itertools.product(*varying.values()))
        for combo, job_id in zip(combos, varied_ids(stem, combos, dash_at_cut=True), strict=True):
            fields = {**fixed, **dict(zip(varying, combo, strict=True)), param: _shown(path, base), "id": job_id}
            if prompt is not None:
                fields["prompt"] = prompt
            jobs.append((fields, line))
    return jobs, problems


def _files(base: Path, pattern: str) -> list[Path]:
    where = Path(pattern).expanduser()
    where = where if where.is_absolute() else base / where
    if where.is_dir():
        return sorted(p for p in where.iterdir() if p.is_file() and p.suffix.lower() in _IMAGE_SUFFIXES)
    matches = sorted(Path(p) for p in glob.glob(str(where), recursive=True))
    return [p for p in matches if p.is_file() and p.suffix.lower() != ".txt"]


def _shown(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)
