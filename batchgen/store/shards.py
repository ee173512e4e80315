"""Shards: which jobs of a manifest one process runs, and where its state lives.

``--shard I/N`` runs the jobs whose stable hash of the job id falls in shard
``I`` of ``N`` (0-based).  The hash is the first eight bytes of the job id's
SHA-256, so every process, machine and Python version agrees on it, and a job
keeps its shard across runs.  ``--shard auto`` reads the index from the
scheduler that started the process:

* a Kubernetes Indexed Job sets ``JOB_COMPLETION_INDEX`` (0-based); the count
  comes from ``--shards N`` or ``BATCHGEN_SHARDS`` (Kubernetes does not put
  ``completions`` in the environment, so the Job sets it);
* a Slurm job array sets ``SLURM_ARRAY_TASK_ID`` and ``SLURM_ARRAY_TASK_COUNT``;
  an array that does not start at 0 (``--array=1-8``) is shifted by
  ``SLURM_ARRAY_TASK_MIN``.

Every shard keeps its own ledger and lock under the one output location
(``shards/<I>-of-<N>/`` in a folder, ``ledger/<I>-of-<N>/`` in an object
store); videos of all shards share ``videos/``, as job ids are unique.
Without a shard flag nothing changes: the folder keeps ``OUT/ledger.jsonl``.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from ..errors import ConfigError

_SPEC = re.compile(r"^(\d+)/(\d+)$")
_NAME = re.compile(r"^(\d+)-of-(\d+)$")
MAX_SHARDS = 10_000
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Shard:
    """Shard ``index`` of ``count`` (0-based)."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if not 1 <= self.count <= MAX_SHARDS:
            raise ConfigError(f"the shard count must be between 1 and {MAX_SHARDS}, got {self.count}")
        if not 0 <= self.index < self.count:
            raise ConfigError(
                f"shard index {self.index} is outside 0..{self.count - 1}; indexes count from 0 "
                f"(use --shard 0/{self.count} to --shard {self.count - 1}/{self.count})"
            )

    @property
    def name(self) -> str:
        """Folder and object-key name, e.g. ``2-of-8``."""
        return f"{self.index}-of-{self.count}"

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def owns(self, job_id: str) -> bool:
        return shard_of(job_id, self.count) == self.index

    def select(self, items: Iterable[T], key: str = "id") -> list[T]:
        """The items (JobSpecs, by default their ``id``) that belong to this shard."""
        return [item for item in items if self.owns(getattr(item, key))]


def shard_of(job_id: str, count: int) -> int:
    """The shard (0-based) of ``job_id`` among ``count``: a stable hash, the same everywhere."""
    digest = hashlib.sha256(job_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count


def parse_name(name: str) -> Shard | None:
    """``2-of-8`` -> Shard(2, 8); anything else -> None."""
    match = _NAME.match(name)
    if not match:
        return None
    try:
        return Shard(int(match[1]), int(match[2]))
    except ConfigError:
        return None


def parse_shard(spec: str, *, count: int | None = None, environ: Mapping[str, str] | None = None) -> Shard:
    """Read ``--shard``: ``I/N`` or ``auto`` (from the environment; ``count`` from ``--shards``)."""
    spec = spec.strip()
    if spec == "auto":
        return shard_from_environment(os.environ if environ is None else environ, count=count)
    match = _SPEC.match(spec)
    if not match:
        raise ConfigError(f"--shard {spec!r}: use I/N (e.g. --shard 0/4 for the first of four shards) or 'auto'")
    shard = Shard(int(match[1]), int(match[2]))
    if count is not None and count != shard.count:
        raise ConfigError(f"--shard {spec} says {shard.count} shards but --shards says {count}; give one of them")
    return shard


def shard_from_environment(environ: Mapping[str, str], *, count: int | None = None) -> Shard:
    """The shard a Kubernetes Indexed Job or a Slurm job array gave this process."""

    def number(name: str) -> int:
        text = environ[name].strip()
        if not text.isdigit():
            raise ConfigError(f"--shard auto: {name}={environ[name]!r} is not a whole number")
        return int(text)

    if count is None and environ.get("BATCHGEN_SHARDS"):
        count = number("BATCHGEN_SHARDS")
    if "JOB_COMPLETION_INDEX" in environ:
        if count is None:
            raise ConfigError(
                "--shard auto: JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but not the shard count; "
                "pass --shards N or set BATCHGEN_SHARDS to the Job's completions"
            )
        return Shard(number("JOB_COMPLETION_INDEX"), count)
    if "SLURM_ARRAY_TASK_ID" in environ:
        task = number("SLURM_ARRAY_TASK_ID")
        low = number("SLURM_ARRAY_TASK_MIN") if "SLURM_ARRAY_TASK_MIN" in environ else 0
        if count is None:
            if "SLURM_ARRAY_TASK_COUNT" not in environ:
                raise ConfigError(
                    "--shard auto: SLURM_ARRAY_TASK_ID is set but not SLURM_ARRAY_TASK_COUNT; pass --shards N"
                )
            count = number("SLURM_ARRAY_TASK_COUNT")
        return Shard(task - low, count)
    raise ConfigError(
        "--shard auto: neither JOB_COMPLETION_INDEX (Kubernetes Indexed Job) nor SLURM_ARRAY_TASK_ID "
        "(Slurm job array) is set; give the shard as --shard I/N"
    )
