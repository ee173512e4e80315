"""Options kept with the output folder, so a bare re-run resumes under the same terms.

``OUT/.batchgen/options.json`` holds the options that shape spending and
pacing as the last run was given them: ``--max-spend``, ``--concurrency``,
``--rpm``, ``--config`` (as an absolute path), ``--base-url``, and for a
simulated run ``--simulate`` and ``--time-scale``.  A later ``batchgen run``
into the same folder takes each option it is not given from there; an option
given on the command line replaces the kept one (and is kept from then on).
``--base-url`` on the command line ends a kept ``--simulate``.  The API key is
never kept.

The spend cap counts the folder's whole spend, so resuming under a kept cap
never spends past it in total.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import StorageError

STATE_DIR = ".batchgen"
FILE = "options.json"
# attribute on the parsed arguments -> its flag
KEPT: dict[str, str] = {
    "max_spend": "--max-spend",
    "concurrency": "--concurrency",
    "rpm": "--rpm",
    "config": "--config",
    "base_url": "--base-url",
    "simulate": "--simulate",
    "time_scale": "--time-scale",
}


def state_dir(out: str | Path) -> Path:
    return Path(out) / STATE_DIR


@dataclass(slots=True)
class Options:
    """The effective options of a run: what was given, and what came from the folder."""

    values: dict[str, Any]
    from_folder: list[str] = field(default_factory=list)  # flags taken from the kept file

    def flags(self) -> list[str]:
        """The options as command-line words, in a fixed order."""
        words: list[str] = []
        for name, flag in KEPT.items():
            value = self.values.get(name)
            if value is None or value is False:
                continue
            words += [flag] if value is True else [flag, _text(value)]
        return words


def load_kept(out: str | Path) -> dict[str, Any]:
    """The kept options of a folder ({} when there are none or the file is unreadable)."""
    path = state_dir(out) / FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if k in KEPT and v is not None}


def merge(given: dict[str, Any], kept: dict[str, Any]) -> Options:
    """Options given now win; kept ones fill the gaps (a given --base-url ends a kept --simulate)."""
    values = {name: given.get(name) for name in KEPT}
    taken: list[str] = []
    for name in KEPT:
        value = kept.get(name)
        if value is None or values.get(name) not in (None, False):
            continue
        if given.get("base_url") is not None and name in ("simulate", "time_scale"):
            continue  # a real API named now: the kept simulator is done with
        if given.get("simulate") and name == "base_url":
            continue
        values[name] = value
        taken.append(KEPT[name])
    if (config := values.get("config")) is not None:
        values["config"] = str(Path(config).resolve())
    return Options(values, taken)


def save(out: str | Path, options: Options) -> None:
    """Keep the options with the folder (written to a temporary file, then renamed)."""
    folder = state_dir(out)
    data = {name: value for name, value in options.values.items() if value not in (None, False)}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temp = folder / f".{FILE}.tmp"
        temp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(temp, folder / FILE)
    except OSError as exc:
        with contextlib.suppress(OSError):
            (folder / f".{FILE}.tmp").unlink()
        raise StorageError(f"cannot keep the run's options in {folder / FILE} ({exc.strerror or exc})") from None


def resume_command(manifest: str, out: str, options: Options) -> str:
    """The exact command that resumes: the manifest, the folder and every effective option."""
    words = ["batchgen", "run", manifest, "--out", out, *options.flags()]
    return " ".join(shlex.quote(w) for w in words)


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
