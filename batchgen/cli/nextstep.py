"""What to do next after a run: a resume command that does something.

The same command again is no use after a stop at the spend cap (the same cap
stops again at once), nor after failures alone (a plain re-run leaves failed
jobs alone).  So the resume line raises the cap to cover the deferred jobs (and the submits of unknown
outcome, paid for when the next run settles them), or names ``--retry-failed`` / ``--resubmit-lost`` (paid again).
"""

from __future__ import annotations

import argparse
import math
import shlex
from collections import Counter
from typing import Any

from ..config import Settings
from ..engine.identity import counted_at_start
from ..engine.outcome import RunReport, refused_as_sent
from ..manifest import Manifest
from ..params import estimate_cost
from ..report.exits import EXIT_CREDITS, EXIT_FAILED
from . import options


def next_commands(
    report: RunReport,
    code: int,
    command: str,
    out_text: str,
    args: argparse.Namespace,
    manifest: Manifest,
    settings: Settings,
    jobs: dict[str, dict[str, Any]],
) -> tuple[str, str]:
    """A resume command that does something: after a spend-cap stop, one whose cap covers the deferred jobs;
    after failures with nothing else to do, one with --retry-failed / --resubmit-lost (paid again).  And the
    command the summary's lines for failed and lost jobs add those flags to: after a spend-cap stop, one whose
    cap covers them too (under the same cap they would be deferred at once)."""
    if report.stop_reason == "spend_cap" and code == EXIT_CREDITS:
        return (
            _raised_cap(out_text, args, manifest, settings, jobs),
            _raised_cap(out_text, args, manifest, settings, jobs, also=("failed", "expired")),
        )
    ours = {job.id for job in manifest.jobs}  # once: built per job, it made this quadratic (12 s at 10,000)
    states = Counter(str(rec.get("state")) for job_id, rec in jobs.items() if job_id in ours)
    unfinished = ("pending", "submitting", "submitted", "downloading", "deferred")
    if code == EXIT_FAILED and not any(states.get(s) for s in unfinished):
        # a job the API refused as sent (no request id) is refused again if sent again unchanged
        made = states.get("failed", 0) > sum(1 for i, rec in jobs.items() if i in ours and refused_as_sent(rec))
        flags = (" --retry-failed" if made else "") + (" --resubmit-lost" if states.get("expired") else "")
        return command + flags, command
    return command, command


def _raised_cap(
    out_text: str,
    args: argparse.Namespace,
    manifest: Manifest,
    settings: Settings,
    jobs: dict[str, dict[str, Any]],
    also: tuple[str, ...] = (),
) -> str:
    """The command with a cap that covers, beyond what the next run counts against it from the start (what the
    folder spent, and the estimates of jobs that may have been charged with no charge reported: ``engine.resume``
    adopts them so), the jobs it pays for: the deferred and pending ones, and those of ``also`` (the states of
    jobs to be made again)."""
    # a submit of unknown outcome ('submitting') is paid for too, as one that may have been charged: the next
    # run attaches the job it made, or sends it again once the history shows none was made
    waiting = ("deferred", "pending", None, *also)
    deferred = [job for job in manifest.jobs if jobs.get(job.id, {}).get("state") in waiting]
    costs = [estimate_cost(job.model, job.params, settings.prices) or 0.0 for job in deferred]
    spent = counted_at_start(jobs, manifest.jobs, settings.prices)
    needed = math.ceil((spent + sum(costs)) * 100 - 1e-6) / 100
    cap = settings.limits.max_spend_usd or 0.0
    values = {**args.options.values, "max_spend": max(needed, round(cap + 0.01, 2))}
    return options.resume_command(args.manifest, out_text, options.Options(values)) + given_words(args)


def given_words(args: argparse.Namespace) -> str:
    """What the resume command needs beyond the kept options: each ``--models`` file (the manifest may name its
    models, and without them is refused) and the shard."""
    words = "".join(f" --models {shlex.quote(path)}" for path in getattr(args, "models", None) or ())
    if not args.shard:
        return words
    return words + f" --shard {shlex.quote(args.shard)}" + (f" --shards {args.shards}" if args.shards else "")
