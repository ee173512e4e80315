"""``batchgen run MANIFEST --ray [ADDRESS] --shards N``: one Ray actor per shard.

The driver starts N actors (``max_restarts``: an actor lost with its node is
started again elsewhere) and asks each to run the ordinary ``batchgen run``
on its shard (``--shard I/N``), in process.  A restarted actor's call is
retried by Ray (``max_task_retries``) and simply resumes from the shard's
ledger, like any re-run: nothing is paid twice.  While they run, the driver
reads every shard's ledger from the output location and logs merged
progress; at the end it prints the merged summary and exits with the merged
exit code (the most serious of the shards').

**The key** never goes through anything Ray records.  Ray keeps actor and
task arguments in its GCS tables, shows them on the dashboard, and logs a
job's ``runtime_env``; so the key is in none of those.  The driver
``ray.put``\\ s it at run time and hands each actor the object reference
*inside a list*, so Ray passes the reference, not the value (a top-level
argument would be resolved and might be inlined into the task's spec); the
actor reads the value from the object store into its own process memory.
Actors are given ``lease_holder`` so a restarted actor takes its shard's
lease over at once instead of waiting for its dead predecessor's to expire.

Paths (the manifest, a local ``--out``, ``--config``) must be readable from
every node: on a multi-node cluster use an object store for ``--out`` and a
shared path for the manifest.
"""

from __future__ import annotations

import logging
import os
import sys
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio

from ..clock import Clock
from ..errors import InputError

log = logging.getLogger("batchgen")
WAIT_S = 2.0  # how often the driver looks up from waiting
PATH_FLAGS = ("--config", "--log-file")


def shard_argv(argv: Sequence[str], index: int, count: int, *, ray_address: str | None) -> list[str]:
    """The ``batchgen run`` arguments for one shard: ``--ray [ADDRESS]`` and ``--shards N`` dropped,
    ``--shard I/N`` added, local paths made absolute (an actor need not share the driver's folder)."""
    items = list(argv)
    out: list[str] = []
    i = 0
    while i < len(items):
        item = items[i]
        name, eq, value = item.partition("=")
        if name == "--ray":
            i += 2 if not eq and ray_address and i + 1 < len(items) and items[i + 1] == ray_address else 1
            continue
        if name == "--shards":
            i += 1 if eq else 2
            continue
        if name in (*PATH_FLAGS, "--out"):
            if not eq:
                value = items[i + 1]
            if name != "--out" or "://" not in value:
                value = str(Path(value).resolve())
            out += [name, value]
            i += 1 if eq else 2
            continue
        out.append(item)
        i += 1
    if len(out) > 1 and out[0] == "run":
        out[1] = str(Path(out[1]).resolve())  # the manifest
    return [*out, "--shard", f"{index}/{count}", "--quiet"]


@dataclass(slots=True)
class RayRun:
    """What the driver saw: each shard's exit code, and how many shards finished on a restarted actor."""

    codes: dict[int, int] = field(default_factory=dict)
    restarts: int = 0


class ShardWorker:
    """The body of a shard's actor: run ``batchgen run ... --shard I/N`` in this process."""

    def __init__(
        self, index: int, count: int, key_env: str, lease_holder: str, entry: Callable[[list[str]], int]
    ) -> None:
        self.index, self.count, self.key_env, self.lease_holder = index, count, key_env, lease_holder
        self.entry = entry  # the CLI's main, passed in so that this module never imports the CLI

    def run(self, argv: list[str], key_box: list[Any]) -> tuple[int, bool]:
        """The shard's exit code, and whether this actor is a restarted one."""
        import ray

        key = ray.get(key_box[0])
        os.environ[self.key_env] = key  # this process only; never in the actor's spec or options
        os.environ["BATCHGEN_LEASE_HOLDER"] = self.lease_holder
        return self.entry(argv), ray.get_runtime_context().was_current_actor_reconstructed


def run_on_ray(
    argv: Sequence[str],
    *,
    entry: Callable[[list[str]], int],
    address: str | None,
    shards: int,
    key: str,
    key_env: str,
    out: str,
    progress: Callable[[str], None] | None = None,
    progress_every: float = 60.0,
    init_options: dict[str, Any] | None = None,
) -> RayRun:
    """Run every shard as an actor; block until all are done; return their exit codes."""
    try:
        import ray
    except ImportError:
        raise InputError("--ray needs Ray: pip install 'batchgen[ray]'") from None
    if shards < 1:
        raise InputError(f"--shards must be at least 1 with --ray, got {shards}")
    plain_logs()
    started_here = not ray.is_initialized()
    if started_here:
        options = dict(init_options or {})
        options.setdefault("log_to_driver", False)
        ray.init(address=address, **options)
    try:
        remote_cls: Any = ray.remote(max_restarts=-1, max_task_retries=-1, num_cpus=0)(ShardWorker)
        run_id = uuid.uuid4().hex
        actors: list[Any] = [
            remote_cls.options(name=f"batchgen-{run_id}-shard-{i}").remote(
                i, shards, key_env, f"ray-{run_id}-{i}", entry
            )
            for i in range(shards)
        ]
        key_box = [ray.put(key)]
        pending = {
            actors[i].run.remote(shard_argv(argv, i, shards, ray_address=address), key_box): i for i in range(shards)
        }
        result = RayRun()
        clock = Clock()
        last = clock.now()
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1, timeout=WAIT_S)
            for ref in done:
                index = pending.pop(ref)
                try:
                    code, restarted = ray.get(ref)
                except Exception as exc:  # a bug in the shard, not a lost node (those are retried)
                    log.error("shard %d/%d stopped with an error: %s; run it again to resume", index, shards, exc)
                    code, restarted = 1, False
                result.codes[index] = int(code)
                result.restarts += bool(restarted)
            if progress is not None and clock.now() - last >= progress_every:
                last = clock.now()
                progress(progress_text(out, result, shards))
        for actor in actors:
            ray.kill(actor, no_restart=True)
        return result
    finally:
        if started_here:
            ray.shutdown()


def plain_logs() -> None:
    """Without a terminal (cron, a service, a pipe), Ray's ``(raylet)`` lines come without ANSI colours."""
    if not sys.stderr.isatty():
        os.environ.setdefault("RAY_COLOR_PREFIX", "0")


def progress_text(out: str, result: RayRun, shards: int) -> str:
    """One line of merged progress, read from every shard's ledger."""
    from ..store.output import merge, read_all

    try:
        replays = anyio.run(read_all, out)
    except Exception:  # nothing written yet, or a listing raced a compaction: report what is known
        replays = {}
    jobs = merge(replays).jobs
    completed = sum(1 for rec in jobs.values() if rec.get("state") == "completed")
    return (
        f"ray: {completed}/{len(jobs)} completed (jobs seen so far) across {shards} shards; "
        f"{len(result.codes)} shards done"
    )
