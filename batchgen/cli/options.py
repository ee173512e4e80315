"""Options kept with the output folder, so a bare re-run resumes under the same terms.

``OUT/.batchgen/options.json`` holds the options that shape spending and
pacing as the last run was given them: ``--max-spend``, ``--concurrency``,
``--rpm``, ``--config`` (as an absolute path), ``--base-url``, and for a
simulated run ``--simulate`` and ``--time-scale``.  A later ``batchgen run``
into the same folder takes each option it is not given from there; an option
given on the command line replaces the kept one (and is kept from then on).
``--base-url`` on the command line ends a kept ``--simulate``.  The API key is
never kept.  With ``--shard``, each shard keeps its own (``options.I-of-N.json``).

Precedence for each kept option (``--max-spend`` above all): the command
line > its environment variable (``BATCHGEN_MAX_SPEND``, ``BATCHGEN_CONCURRENCY``,
``BATCHGEN_RPM``) > the value kept with the folder > the config file > the
default.  A value from the command line or the environment is kept from then
on, so the resume line and a bare re-run hold the cap actually in force.

The spend cap counts the folder's whole spend, so resuming under a kept cap
never spends past it in total.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import FLAGS, load_settings
from ..errors import InputError, ManifestError, StorageError
from ..jobs import JobSpec
from ..store.files import write_atomically
from ..store.ledger import Replay, read_ledger
from ..store.objects import is_object_url
from ..store.shards import parse_shard

STATE_DIR = ".batchgen"
FILE = "options.json"
SIMULATOR_FILE = "simulator.json"  # the simulated account of --simulate runs
log = logging.getLogger("batchgen")
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


# kept option -> the environment variable that sets it (it beats the kept value, and is kept in turn)
ENVIRONMENT: dict[str, tuple[str, type]] = {
    "max_spend": ("BATCHGEN_MAX_SPEND", float),
    "concurrency": ("BATCHGEN_CONCURRENCY", int),
    "rpm": ("BATCHGEN_RPM", float),
}


def from_environment(environ: dict[str, str] | os._Environ[str] | None = None) -> dict[str, Any]:
    """The kept options set by ``BATCHGEN_*`` environment variables (an unreadable one is an InputError)."""
    environ = os.environ if environ is None else environ
    found: dict[str, Any] = {}
    for name, (var, kind) in ENVIRONMENT.items():
        text = environ.get(var, "").strip()
        if not text:
            continue
        try:
            found[name] = kind(text)
        except ValueError:
            what = "a whole number" if kind is int else "a number"
            raise InputError(f"environment variable {var} must be {what}, got {text!r}") from None
    return found


def state_dir(out: str | Path) -> Path:
    """``OUT/.batchgen``; refused if it is a symbolic link (nothing is written outside the output folder)."""
    folder = Path(out) / STATE_DIR
    if folder.is_symlink():
        raise StorageError(f"{folder} is a symbolic link; batchgen writes only inside the output folder. Replace it")
    return folder


def simulator_state(out: str | Path, shard: str = "") -> Path:
    """Where a ``--simulate`` run keeps its simulated account (the folder is made if needed).

    Each shard (``shard``: its name, e.g. ``2-of-4``) has a simulator of its own, so it keeps its own file:
    shards that share a folder never overwrite one another's account."""
    folder = state_dir(out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot create {folder} ({exc.strerror or exc}); check the output folder") from None
    return folder / (f"simulator.{shard}.json" if shard else SIMULATOR_FILE)


def simulated_jobs_without_simulator(out: str | Path, shard: str = "") -> int:
    """Jobs in flight in a folder (or shard) whose saved simulator is missing (they cannot be found again)."""
    if simulator_state(out, shard).exists():
        return 0
    jobs = read_ledger(Path(out) / "shards" / shard / "ledger.jsonl" if shard else Path(out) / "ledger.jsonl").jobs
    return sum(rec.get("state") in ("submitting", "submitted", "downloading") for rec in jobs.values())


def reserve_space(path: Path, size: int) -> None:
    """Hold ``size`` bytes at ``path`` (best effort), so a state can still be saved when the disk fills up."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    except OSError:
        return
    try:
        os.posix_fallocate(fd, 0, size)
    except (OSError, AttributeError):
        with contextlib.suppress(OSError):
            os.unlink(path)
    finally:
        os.close(fd)


@dataclass(slots=True)
class Options:
    """The effective options of a run: what was given, and what came from the folder."""

    values: dict[str, Any]
    from_folder: list[str] = field(default_factory=list)  # flags taken from the kept file
    kept_in: Path | None = None  # ... that file

    def origins(self) -> dict[tuple[str, str], str]:
        """Where each setting taken from the kept file came from, to blame it in an error (not its flag, which
        the operator did not give)."""
        return {
            key: f"{self.kept_in} ({flag} kept there by an earlier run; give {flag} to replace it)"
            for key, flag in FLAGS.items()
            if flag in self.from_folder
        }

    def flags(self) -> list[str]:
        """The options as command-line words, in a fixed order."""
        words: list[str] = []
        for name, flag in KEPT.items():
            value = self.values.get(name)
            if _unset(value):
                continue
            words += [flag] if value is True else [flag, _text(value)]
        return words


def _unset(value: Any) -> bool:
    """Whether an option was left out: None, or a flag not given.  A cap of 0 is a value (``0 == False``, so
    never ``value in (None, False)``)."""
    return value is None or value is False


def options_file(out: str | Path, shard: str = "") -> Path:
    """Where a folder's options are kept: each shard (``shard``: its name, e.g. ``1-of-2``) keeps its own, as
    its spend cap counts its own ledger and its ``--rpm`` is its share: one shard's must not become
    another's."""
    return state_dir(out) / (f"options.{shard}.json" if shard else FILE)


def kept_file(out: str | Path, shard: str = "") -> Path:
    """The file a folder's options, or one shard's, are taken up from: a shard without its own takes the
    folder's, as a folder of an earlier version kept them."""
    path = options_file(out, shard)
    return options_file(out) if shard and not path.exists() else path


def load_kept(out: str | Path, shard: str = "") -> dict[str, Any]:
    """The kept options of a folder, or of one shard of it ({} when there are none: :func:`kept_file`).

    A file that cannot be read is an error, not an empty one: it may hold the
    folder's spend cap, and a run must never go on without it unnoticed.
    """
    path = kept_file(out, shard)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise InputError(
            f"{path} cannot be read ({getattr(exc, 'strerror', None) or exc}); it keeps this folder's options "
            "(--max-spend and others): repair it, or remove it and give the options on the command line"
        ) from None
    if not isinstance(data, dict):
        raise InputError(f"{path} is not a JSON object of options; repair it, or remove it and give the options again")
    return {k: v for k, v in data.items() if k in KEPT and v is not None}


def merge(given: dict[str, Any], kept: dict[str, Any]) -> Options:
    """Options given now win; kept ones fill the gaps (a given --base-url ends a kept --simulate)."""
    values = {name: given.get(name) for name in KEPT}
    taken: list[str] = []
    for name in KEPT:
        value = kept.get(name)
        if value is None or not _unset(values.get(name)):
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


def take_up(args: argparse.Namespace) -> Options:
    """Fill the options not given on the command line from those kept with the output folder."""
    given = {name: getattr(args, name) for name in KEPT}
    from_env = set()
    for name, value in from_environment().items():  # the environment beats the kept value
        if given.get(name) is None:
            given[name] = value
            from_env.add(name)
    out = args.out or load_settings(args.config, overrides={"output": {"dir": None}}).output.dir
    if not is_object_url(str(out)) and Path(out).exists() and not Path(out).is_dir():
        raise InputError(f"--out {out} is a file, not a folder; give a folder for the videos (it is made if needed)")
    shard = parse_shard(args.shard, count=args.shards).name if getattr(args, "shard", None) else ""
    merged = merge(given, {} if is_object_url(str(out)) else load_kept(out, shard))  # kept with a local folder only
    merged.kept_in = None if is_object_url(str(out)) else kept_file(out, shard)
    for name, value in merged.values.items():
        # a value from the environment is kept and in the resume line, but the settings read it from the
        # environment themselves (so a bad one is blamed on its variable)
        setattr(args, name, None if name in from_env else value)
    args.out = out
    if "--config" in merged.from_folder and not Path(args.config).is_file():
        raise InputError(
            f"{merged.kept_in} keeps --config {args.config} from an earlier run, and that file is gone; "
            "give --config FILE (it will be kept instead)"
        )
    if merged.from_folder and not args.dry_run:
        log.info("options kept with %s: %s", out, " ".join(merged.from_folder))
    return merged


def save(out: str | Path, options: Options, shard: str = "") -> None:
    """Keep the options with the folder, or with one shard of it (written to a temporary file, then renamed)."""
    path = options_file(out, shard)
    data = {name: value for name, value in options.values.items() if not _unset(value)}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, (json.dumps(data, indent=2, sort_keys=True) + "\n").encode(), durable=False)
    except OSError as exc:
        raise StorageError(f"cannot keep the run's options in {path} ({exc.strerror or exc})") from None


def resume_command(manifest: str, out: str, options: Options) -> str:
    """The exact command that resumes: the manifest, the folder and every effective option."""
    words = ["batchgen", "run", manifest, "--out", out, *options.flags()]
    return " ".join(shlex.quote(w) for w in words)


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


MANIFEST_FILE = "manifest.json"  # which manifest the folder's last run was given, for 'status'
MANIFEST_READ_WITH = ("models", "passthrough")  # what else it was read with: spec files, passthrough names


def save_manifest(
    out: str | Path, manifest: str, jobs: int | None, *, models: Sequence[str] = (), passthrough: Sequence[str] = ()
) -> None:
    """Keep the manifest's path (and, unsharded, its job count) with the folder (best effort: only for status),
    with the model spec files (``--models``, ``models.files``) and ``models.passthrough`` names it was read
    with: without them its rows of those models do not read, and status could not count its jobs."""
    folder = state_dir(out)
    data: dict[str, Any] = {"path": str(Path(manifest).resolve()), "jobs": jobs}
    if models:
        data["models"] = [str(Path(file).resolve()) for file in models]
    if passthrough:
        data["passthrough"] = list(passthrough)
    with contextlib.suppress(OSError):
        write_atomically(folder / MANIFEST_FILE, (json.dumps(data) + "\n").encode(), durable=False)


def kept_manifest(out: str) -> Path | None:
    """The manifest the folder's last run was given, as kept with a local folder (None: not known)."""
    if is_object_url(out):
        return None
    with contextlib.suppress(OSError, ValueError, TypeError):
        found = json.loads((state_dir(out) / MANIFEST_FILE).read_text(encoding="utf-8"))
        return Path(found["path"]) if isinstance(found, dict) and isinstance(found.get("path"), str) else None
    return None


def manifest_jobs(given: str | None, out: str, replay: Replay | None = None) -> tuple[list[JobSpec] | None, str | None]:
    """The jobs of the manifest ``status`` compares the ledger with: the one given, or the one the folder's
    last run was given (if it is still there); None when neither is known.  Either is read with the model
    spec files and passthrough names the folder's last run was given, and its rows of derived ids take the
    ids ``replay`` made their requests as (``engine/derived_ids.py``).  Beside them, why the kept manifest,
    still there, no longer reads (an input image since gone, a row since broken), else None."""
    from ..engine.derived_ids import keep_made_ids
    from ..manifest import load_manifest  # status without a manifest never reads one
    from ..models import catalogue

    kept: dict[str, Any] = {}
    if not is_object_url(out):
        with contextlib.suppress(OSError, ValueError):
            found = json.loads((state_dir(out) / MANIFEST_FILE).read_text(encoding="utf-8"))
            kept = found if isinstance(found, dict) else {}
    path = given if given is not None else kept.get("path")
    if not path or (given is None and not Path(path).is_file()):
        return None, None
    models, passthrough = ([str(item) for item in _list(kept.get(key))] for key in MANIFEST_READ_WITH)
    try:
        catalogue.use(models)
    except InputError:  # a spec file since moved or broken: the rows of its model no longer read (below)
        catalogue.use()
    try:
        known = replay.jobs if replay is not None else None
        return keep_made_ids(load_manifest(path, passthrough=passthrough, known=known).jobs, replay), None
    except InputError as exc:
        if given is not None:
            raise
        # the kept manifest no longer reads as it did: status goes by the ledger alone, and says why
        problems = exc.problems if isinstance(exc, ManifestError) else []
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return None, (str(problems[0]) + more if problems else str(exc).splitlines()[0])


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def save_annotations(out: str | Path, annotations: dict[str, dict[str, str]]) -> None:
    """Keep the manifest's annotation columns (``meta.NAME``) with the folder, for the index (best effort)."""
    if not annotations:
        return
    path = state_dir(out) / "annotations.json"
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        kept = {}
    kept = {**(kept if isinstance(kept, dict) else {}), **annotations}
    with contextlib.suppress(OSError):
        write_atomically(path, (json.dumps(kept, ensure_ascii=False) + "\n").encode(), durable=False)
