"""What the user reads: the run's report and snapshots, the summary, the dry-run estimate, ``status``.

Everything here returns text or plain data; ``cli.py`` prints it.
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.table import Table

from ..clock import parse_time
from ..config import Settings
from ..engine.identity import charged, counted_at_start, recorded_estimate, spent_on
from ..engine.life_cap import UNSEEN_LIVES
from ..engine.outcome import CATALOGUE_PRICES, RunReport, Snapshot, held_back, refused_as_sent, rerun_cannot_settle
from ..engine.outliving import describe
from ..engine.pollplan import LatencyKey, latency_key
from ..engine.resume import outlived
from ..engine.strays import fetchable
from ..jobs import IN_FLIGHT, UNFETCHED, UNFINISHED, JobState
from ..models.price import passes_cap
from ..params import estimate_cost, is_upper_bound, typical_latency
from ..store.ledger import Replay
from ..store.shards import Shard, parse_name, shard_of
from .timeline import UNSENT

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable

    from ..manifest import Manifest
    from ..store.output import Store


STATE_ORDER = [s.value for s in JobState]
REQUESTS_PER_JOB = 4  # submit, ~2 polls, result: what a well-paced run spends


def _counts_line(states: Counter[str]) -> str:
    parts = [f"{states[s]} {s}" for s in STATE_ORDER if states.get(s)]
    return ", ".join(parts) or "nothing"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))
    return ordered[index]


def _duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 90:
        return f"{seconds:.0f}s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


_REQUEST_ID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.IGNORECASE)
_AGE = re.compile(r"\b\d+(?:\.\d+)?\s*(?:s|ms|sec|seconds?|min|minutes?|h|hours?)\s+ago\b")
# a span a job's own reason gives from its own moments (its submit, its POST, its making, the last finish ahead)
_SPAN_AFTER = re.compile(
    r"\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\s*(?:s|min|h|hours?)\s+"
    r"(?=after (?:it was sent|it was made|its submit\b|the last job sent before it finished))"
)
_CANDIDATES = re.compile(r"^\d+ requests in the history match\b")  # how many an image job's look-up found...
_CANDIDATE_IDS = re.compile(r" \([^()]*\)(?=, so none was attached)")  # ... and which (opaque ids, any form)


def reason_of(detail: str, job_id: str = "") -> str:
    """A failure's reason without what makes each job's text unique (its id, request id, age, the spans from its
    own moments), so reasons group."""
    text = _REQUEST_ID.sub("…", detail)
    if job_id:
        # an id that is a plain word ("a", "cat") is taken for the id only as "job <id>" or where the reason
        # begins: the reason's own words stay
        before = r"(?:(?<=[Jj]ob )|^)" if job_id.isalpha() else r"(?<![\w.-])"
        text = re.sub(rf"{before}{re.escape(job_id)}(?![\w-])", "…", text)
    text = _CANDIDATE_IDS.sub("", text)
    text = _SPAN_AFTER.sub("some time ", _AGE.sub("some time ago", text))
    return _CANDIDATES.sub("several requests in the history match", text)


def _reason_lines(title: str, groups: list[tuple[str, int, list[str]]]) -> list[str]:
    """``title`` and the eight most frequent reasons of ``groups`` (:func:`group_failures`), each with its
    count and examples, then how many jobs the others hold; nothing when there are none."""
    if not groups:
        return []
    lines = [
        f"  {title}:",
        *(f"    {count} x {reason} (e.g. {', '.join(examples)})" for reason, count, examples in groups[:8]),
    ]
    if rest := groups[8:]:
        jobs = sum(count for _, count, _ in rest)
        lines.append(
            f"    and {jobs} job{'s' if jobs != 1 else ''} more, for {len(rest)} other "
            f"reason{'s' if len(rest) != 1 else ''} (each job's own is in results.csv's error column)"
        )
    return lines


def earlier_title(times: Iterable[str]) -> str:
    """The heading of the jobs left as an earlier run left them, with the time of the latest of their reasons'
    ledger lines: this run wrote none, so their reasons are not what it found."""
    latest = max(times, default="")
    when = f", recorded by {utc_second(latest)}" if latest else ""
    return f"left as an earlier run left them (this run recorded nothing new of them), by that run's reason{when}"


def utc_second(ts: str) -> str:
    """A ledger line's time as the summary and status say it (to the second, UTC)."""
    return f"{ts[:19].replace('T', ' ')} UTC"


def group_failures(failures: list[tuple[str, str]]) -> list[tuple[str, int, list[str]]]:
    """(reason, count, up to 3 example job ids), most frequent first; each job's own text (its request id
    and age) is in its ledger line and ``status --json``'s ``details``."""
    by_reason: dict[str, list[str]] = {}
    for job_id, reason in failures:
        by_reason.setdefault(reason_of(reason, job_id), []).append(job_id)
    ranked = sorted(by_reason.items(), key=lambda item: -len(item[1]))
    return [(reason, len(ids), ids[:3]) for reason, ids in ranked]


def count_media_warnings(jobs: dict[str, dict[str, Any]]) -> Counter[str]:
    """Completed videos kept with a warning (``duration_mismatch``, ...), by kind."""
    counts: Counter[str] = Counter()
    for rec in jobs.values():
        if rec.get("state") == "completed":
            kinds = {w.get("kind") for w in rec.get("warnings") or [] if isinstance(w, dict)}
            counts.update(str(kind) for kind in kinds)
    return counts


def unfetched(made: int, usd: float, *, spend: str, priced: str = CATALOGUE_PRICES) -> str:
    """What a spend line leaves out until their charge is reported: ``made`` jobs made and not fetched, and what
    they come to (``usd``) at ``priced``; ``spend``: how the line names the spend."""
    jobs = f"{made} job made and not fetched is" if made == 1 else f"{made} jobs made and not fetched are"
    return (
        f"{jobs} not in {spend}, their charge not yet reported: about ${usd:.2f} more at {priced}, charged for "
        "each that completes"
    )


def unpriced(done: int, usd: float, *, spend: str, priced: str = CATALOGUE_PRICES) -> str:
    """What a spend line leaves out for jobs completed with no charge reported (none, or 0: not posted when they
    finished): ``done`` of them, and what they come to (``usd``) at ``priced``; ``spend``: how it names the spend."""
    jobs = "1 completed job is" if done == 1 else f"{done} completed jobs are"
    return (
        f"{jobs} not in {spend}, no answer having reported its charge: about ${usd:.2f} more at {priced}, "
        "charged all the same"
    )


def unreported_earlier(jobs: int, usd: float, *, spend: str) -> str:
    """What a spend line leaves out for good: the earlier requests of ``jobs`` jobs, made again or to be, whose
    charge no answer reported (lost before their videos were fetched, or set aside by ``--replace-changed``
    with none reported), which no answer will report now, and their estimates (``usd``, which the spend cap
    counts); ``spend``: how the line names the spend."""
    which = "1 job has" if jobs == 1 else f"{jobs} jobs have"
    return (
        f"{which} earlier requests whose charge no answer reported (lost before their videos were fetched, or set "
        f"aside by --replace-changed): not in {spend}, they may have been charged about ${usd:.2f} more (as "
        "estimated; the spend cap counts it)"
    )


def _media_line(counts: Counter[str]) -> str:
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])))
    return f"  videos kept with warnings: {kinds} (not what was asked for; see report.html)"


def folder_spend(replay: Replay) -> float:
    """What every job in a folder's ledger was charged, earlier replaced attempts included."""
    return sum(spent_on(rec) for rec in replay.jobs.values())


def retry_hints(
    states: Counter[str] | dict[str, int], command: str | None, refused: int = 0, owners: dict[str, str] | None = None
) -> list[str]:
    """What to do about jobs that a plain re-run leaves alone: failed ones, and lost or expired ones.
    ``refused``: of the failed ones, those the API refused as sent (a 4xx but 422 to their submit): never made, never
    charged, and refused again if sent again unchanged.  ``owners``: in a sharded folder, the --shard of the
    runs that hold each state's jobs ("failed", "expired")."""
    lines = []

    def add(flag: str, state: str) -> str:
        if command:
            return f": {command} {flag}"
        shards = (owners or {}).get(state)
        return f": add {flag}" + (f" to {each_shards_run(shards)}" if shards else "")

    if refused := min(refused, states.get("failed", 0)):
        lines.append(
            f"{refused} job{'s were' if refused != 1 else ' was'} refused by the API as sent (nothing was made or "
            f"charged; the reason says what it refused), and sent again unchanged would be refused again: correct "
            f"the row{'s' if refused != 1 else ''}, then run again with --replace-changed"
        )
    if failed := states.get("failed", 0) - refused:
        lines.append(
            f"{failed} job{'s' if failed != 1 else ''} failed on the server; running again does not retry "
            f"{'them' if failed != 1 else 'it'}. --retry-failed submits {'them' if failed != 1 else 'it'} again "
            f"(paid again){add('--retry-failed', 'failed')}"
        )
    if lost := states.get("expired", 0):
        lines.append(
            f"{lost} job{'s' if lost != 1 else ''} lost or expired (the video cannot be fetched again); "
            f"--resubmit-lost makes {'them' if lost != 1 else 'it'} again (paid again)"
            + add("--resubmit-lost", "expired")
        )
    return lines


def summary_lines(
    report: RunReport,
    out: Store,
    manifest: Manifest,
    *,
    resume_command: str | None,
    spend: float | None = None,
    retry_command: str | None = None,
    cap_command: str | None = None,
    shard: str = "",
) -> list[str]:
    """The end-of-run summary.  ``spend``: the folder's spend read back from its ledger (as ``status`` gives it).
    ``cap_command``: after a spend-cap stop, the command with a cap that covers the deferred jobs (the same cap
    would stop again at once).  ``shard``: the shard run (its name): the spend and the cap are its own."""
    total = len(manifest.jobs)
    lines = [f"{total} jobs: {_counts_line(report.states)}"]
    extras = []
    if report.skipped:
        extras.append(f"{report.skipped} already done")
    if report.reattached:
        extras.append(f"{report.reattached} re-attached from an earlier run")
    if report.refetched:
        extras.append(f"{report.refetched} fetched again (not paid again)")
    if report.kept_in_place:
        extras.append(f"{report.kept_in_place} found in place from an earlier run and kept")
    sent = report.submitted + report.unsettled
    unknown = f" ({report.unsettled} of them with the outcome unknown)" if report.unsettled else ""
    extras.append(f"{sent} submitted now{unknown}")
    lines.append("  " + "; ".join(extras))
    paid = report.spend if spend is None else spend
    lines.append(
        f"  spend ${paid:.2f} in {f'shard {shard}' if shard else 'this folder'}; {report.requests} API requests "
        f"now, {report.rate_limited} answered 429"
    )
    if report.uncounted:
        lines.append(
            "  " + unfetched(report.uncounted, report.uncounted_usd, spend="that spend", priced=report.uncounted_priced)
        )
    if report.unpriced:
        lines.append(
            "  " + unpriced(report.unpriced, report.unpriced_usd, spend="that spend", priced=report.uncounted_priced)
        )
    if report.earlier_unreported:
        lines.append(
            "  " + unreported_earlier(report.earlier_unreported, report.earlier_unreported_usd, spend="that spend")
        )
    if unsettled := report.states.get("submitting", 0):
        lines.append("  " + unknown_outcome(unsettled, report.unsettled))
    if report.job_seconds:
        lines.append(
            f"  time per job p50 {_duration(_percentile(report.job_seconds, 0.5))}, "
            f"p95 {_duration(_percentile(report.job_seconds, 0.95))}"
        )
    lines += _reason_lines("failures by reason", group_failures(report.failures))
    lines += _reason_lines("left for a later run, by reason", group_failures(report.left + report.held_back))
    lines += _reason_lines(earlier_title(when for _, _, when in report.left_earlier),
                           group_failures([(job_id, reason) for job_id, reason, _ in report.left_earlier]))  # fmt: skip
    if report.media_warnings:
        lines.append(_media_line(report.media_warnings))
    deferred = report.states.get("deferred", 0) - len(report.held_back)  # those a stop held back
    if report.stop_reason == "credits":
        balance = f" (balance reported: ${report.balance:.2f})" if report.balance is not None else ""
        lines.append(f"Stopped submitting: out of credits{balance}; {deferred} jobs deferred. Top up, then resume.")
    elif report.stop_reason == "spend_cap":
        lines.append(
            f"Stopped submitting at the spend cap (for the {'shard' if shard else 'folder'}'s whole spend: "
            f"${paid:.2f} spent so far"
            + (
                f", ${report.counted:.2f} counted with the estimates of charges not yet reported"
                if report.counted > paid + 0.005
                else ""
            )
            + "); "
            f"{deferred} jobs deferred. The same cap stops here again: raise --max-spend to go on."
        )
    elif report.stop_reason == "interrupted":
        lines.append("Interrupted: jobs in flight stay resumable; nothing is lost or paid twice by resuming.")
    lines.append(f"  videos: {out.videos}   ledger: {out.ledger}   results: {out.results}")
    if report.report_page is not None:
        lines.append(f"  report: {report.report_page}")
    lines += retry_hints(report.states, retry_command, report.refused)
    unfinished = sum(report.states.get(s, 0) for s in UNFINISHED)
    if rerun_settles_none(report):
        said = not_by_rerun(unfinished, unfinished)
        lines.append(said[0].upper() + said[1:])
    elif resume_command and (unfinished or report.states.get("deferred", 0)):
        if report.stop_reason == "spend_cap" and cap_command:
            lines.append(f"To resume, raise the cap (enough for {_cap_covers(report, deferred)}): {cap_command}")
        else:
            stuck = f" ({not_by_rerun(report.rerun_cannot_settle, unfinished)})" if report.rerun_cannot_settle else ""
            lines.append(f"To resume: {resume_command}" + _paid_again_note(report.states, report.refused) + stuck)
    return lines


def _cap_covers(report: RunReport, deferred: int) -> str:
    """What the raised cap of the resume line is reckoned for (``cli/nextstep.py``: every job of the manifest not
    yet sent or settled), each kind counted under its own name: a job left pending was not deferred."""
    states = report.states
    parts = [f"the {deferred} deferred job{'s' if deferred != 1 else ''}"]
    if pending := states.get("pending", 0):
        parts.append(f"the {pending} pending (not sent: none was made)")
    if held := len(report.held_back):
        parts.append(f"the {held} held back for a reason of {'their' if held != 1 else 'its'} own")
    if unsure := states.get("submitting", 0):
        parts.append(f"the {unsure} submit{'s' if unsure != 1 else ''} of unknown outcome")
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def rerun_settles_none(report: RunReport) -> bool:
    """Whether every job the run left unfinished is one the same command run again cannot settle (nothing is
    deferred either): no resume command is then given, only what their reason says."""
    unfinished = sum(report.states.get(s, 0) for s in UNFINISHED)
    return settles_none(unfinished, report.rerun_cannot_settle, report.states.get("deferred", 0))


def settles_none(unfinished: int, stuck: int, deferred: int) -> bool:
    """Whether a plain re-run settles none of the ``unfinished`` jobs: each is one of the ``stuck`` (their reason
    says what settles them) and none is ``deferred``."""
    return 0 < unfinished == stuck and not deferred


def not_by_rerun(stuck: int, unfinished: int, where: str = "above") -> str:
    """What is said of ``stuck`` of the ``unfinished`` jobs: a plain re-run does not settle them (their reason
    is shown ``where``)."""
    if stuck == unfinished:
        return f"a plain re-run settles none of the {stuck} left: their reason {where} says what does"
    return f"a plain re-run does not settle {stuck} of them: their reason {where} says what does"


def unknown_outcome(unknown: int, now: int) -> str:
    """What is true of ``unknown`` jobs left ``submitting`` (``now`` of them sent in this run): each POST may have
    made a job (billed only if it finishes), and the next run looks each up in the request history before
    anything is sent again (``engine.resume`` puts them on its reconcile pile; ``Reconciler.settle`` attaches
    a job it finds, and answers "send again" only once the history shows the job was never made).  The summary,
    ``status`` and the report say it in these words."""
    one = unknown == 1
    mixed = f" ({now} sent now)" if 0 < now < unknown else ""
    return (
        f"{unknown} submit{'' if one else 's'} of unknown outcome{mixed}: {'it' if one else 'each'} may have made "
        "a job on the server, charged if that job finishes and not counted in the spend above; the next run "
        f"looks {'it' if one else 'them'} up in the request history first (found, "
        f"{'its video is' if one else 'their videos are'} fetched) and sends {'it' if one else 'one'} again only "
        "once the history shows it was never made"
    )


def _paid_again_note(states: Counter[str] | dict[str, int], refused: int = 0) -> str:
    """What the resume line leaves alone, and the flag that would take it up, paid again (``refused``: failed jobs
    the API refused as sent, never charged, which a line of their own says to correct, as :func:`retry_hints`)."""
    notes = []
    if failed := states.get("failed", 0) - min(refused, states.get("failed", 0)):
        notes.append(f"add --retry-failed to submit the {failed} failed job{'s' if failed != 1 else ''} again")
    if lost := states.get("expired", 0):
        notes.append(f"add --resubmit-lost to make the {lost} lost job{'s' if lost != 1 else ''} again")
    return f"  ({'; '.join(notes)}: paid again)" if notes else ""


def _trial_plan(
    kind: LatencyKey, manifest: Manifest, known: dict[str, dict[str, Any]], settings: Settings, time_scale: float
) -> str:
    """What the run does with a kind on trial (``engine.trials``): one of its jobs goes first, alone of its kind;
    but where an earlier run left one 'submitting' (its outcome unknown) that a job it made would not be through
    from yet, none goes beside it unless its look-up settles it (until twice ``polling.expiry_s`` of the run's
    clock, ``time_scale`` times as fast as the wall's, after its POST)."""
    unknown = [
        (posted, job.id)
        for job in manifest.jobs
        if latency_key(job) == kind
        and known.get(job.id, {}).get("state") == "submitting"
        and (posted := parse_time(known[job.id].get("posting_at") or known[job.id].get("submitted_at"))) is not None
    ]
    through = max(unknown, default=None)
    lives = UNSEEN_LIVES * settings.polling.expiry_s / time_scale  # wall seconds
    if through is not None and through[0] + lives > time.time():
        at = datetime.fromtimestamp(through[0] + lives, UTC)
        return (
            f"job {through[1]} of the kind, of unknown outcome, is looked up first: found made, it is "
            "the trial; shown never made, it goes first, alone of its kind; else none of them goes beside it before "
            f"{at:%Y-%m-%d %H:%M:%S} UTC (twice polling.expiry_s after its POST), when a job it made would be through"
        )
    return "one of them goes first, alone of its kind, and one that outlives its record too holds the rest back again"


def dry_run_lines(
    manifest: Manifest,
    settings: Settings,
    replay: Replay | None,
    *,
    retry_failed: bool = False,
    resubmit_lost: bool = False,
    changed: int = 0,
    replaced: frozenset[str] = frozenset(),
    time_scale: float = 1.0,
) -> list[str]:
    """The plan for the manifest's jobs (only theirs, whatever else the folder's ledger holds).
    ``replaced``: ids of changed rows that ``--replace-changed`` makes anew (they are to do, and paid);
    ``time_scale``: the run's (``--time-scale``, or the simulator's)."""
    known = replay.jobs if replay else {}
    state_of = {job.id: None if job.id in replaced else known.get(job.id, {}).get("state") for job in manifest.jobs}
    done = {job_id for job_id, state in state_of.items() if state == "completed"}
    failed = {job_id for job_id, state in state_of.items() if state == "failed"}
    lost = {job_id for job_id, state in state_of.items() if state == "expired"}
    skipped = done | (set() if retry_failed else failed) | (set() if resubmit_lost else lost)
    todo = [job for job in manifest.jobs if job.id not in skipped]
    by_model = Counter(job.model for job in manifest.jobs)
    costs = [estimate_cost(job.model, job.params, settings.prices) for job in todo]
    priced = [c for c in costs if c is not None]
    lines = [
        f"{manifest.path}: {len(manifest.jobs)} valid jobs ("
        + ", ".join(f"{n} {model}" for model, n in sorted(by_model.items()))
        + ")"
    ]
    if replay is not None and known:
        lines.append(f"  in {settings.output.dir}: {len(done)} of these already completed; {len(todo)} to do")
    for ids, flag, what in ((failed, retry_failed, "failed"), (lost, resubmit_lost, "lost or expired")):
        option = "--retry-failed" if what == "failed" else "--resubmit-lost"
        if ids and flag:
            lines.append(f"  {len(ids)} {what} job(s) will be submitted again ({option}; paid again)")
        elif ids:
            lines.append(f"  {len(ids)} {what} job(s) will be left alone ({option} submits them again, paid again)")
    for kind in outlived(known, manifest.jobs):  # an earlier run held them: the run takes the kind up on trial
        if held := sum(1 for job in todo if latency_key(job) == kind):
            plan = _trial_plan(kind, manifest, known, settings, time_scale)
            lines.append(
                f"  {held} job(s) of {describe(kind)}: an earlier run found jobs of their kind outliving their "
                f"request records where no history stands in; {plan}"
            )
    if replaced:
        lines.append(f"  {len(replaced)} changed job(s) will be made anew (--replace-changed; paid again)")
    if changed:
        lines.append(
            f"  {changed} job(s) differ from what their ids were sent as: the run stops (exit 2) unless "
            "--replace-changed is given"
        )
    spend = f"${sum(priced):.2f}"
    bounded = sum(1 for job in todo if is_upper_bound(job.model, job.params, settings.prices))
    if bounded:
        spend += (
            f" (upper bound: {bounded} job(s) ask for a combination their model's page does not price, "
            "counted at the model's highest known price)"
        )
    if len(priced) < len(costs):
        spend += f" (+ {len(costs) - len(priced)} jobs of models without a price)"
    lines.append(f"  estimated spend: {spend}")
    lines.append(
        f"  estimated time: {_duration(estimate_seconds(todo, settings))} at concurrency "
        f"{settings.limits.concurrency} and {settings.limits.requests_per_minute:g} requests/min"
    )
    cap = settings.limits.max_spend_usd
    if cap is not None:
        # As a run counts it: what the folder's ledger says was paid (its completed jobs, earlier attempts,
        # other manifests' jobs), and what its jobs may have been charged with no charge reported (a job an
        # earlier run sent, in flight, to re-attach or fetch: never deferred; a lost one; earlier requests lost)
        # at their estimates; then the jobs to send, in order, as a run sends them.  The count is the
        # estimates' (a job that costs less than its estimate leaves room for one after it)
        sent = {job.id for job in todo if state_of[job.id] in IN_FLIGHT}
        spent = counted_at_start(known, manifest.jobs, settings.prices)
        deferred, to_send = 0, 0
        for job, cost in zip(todo, costs, strict=True):
            if job.id in sent:
                continue
            to_send += 1
            if passes_cap(spent, cost or 0.0, cap):  # (one of unknown price, too, once the cap is passed)
                deferred += 1
            else:
                spent += cost or 0.0
        if deferred < to_send:
            many = f"{deferred} of the {len(todo)} jobs to do"
        elif sent:
            many = f"all {to_send} jobs" if to_send > 1 else "the 1 job"
            many += f" to send of the {len(todo)} to do"
        else:
            many = f"all {to_send} jobs to do" if to_send > 1 else "the job to do"
        if deferred:
            lines.append(f"  note: the spend cap ${cap:.2f} will defer {many}, by the estimated prices")
    return lines


def estimate_seconds(jobs: list[Any], settings: Settings) -> float:
    """Makespan estimate: the larger of the concurrency bound and the request-budget bound."""
    if not jobs:
        return 0.0
    mean_latency = sum(typical_latency(job.model) for job in jobs) / len(jobs)
    waves = math.ceil(len(jobs) / settings.limits.concurrency)
    by_concurrency = waves * mean_latency
    by_budget = len(jobs) * REQUESTS_PER_JOB / settings.limits.requests_per_minute * 60
    return max(by_concurrency, by_budget)


MAX_SHARDS_NAMED = 8  # shards status names by their --shard; the rest are counted


def status_summary(
    replay: Replay,
    root: Path,
    *,
    held_by: int | None = None,
    live: dict[str, str] | None = None,
    manifest: Collection[str] | None = None,
    lapsing: dict[str, str] | None = None,
    shards: Collection[Shard] = (),
    changed: Collection[str] = (),
    unread: str | None = None,
    command: str | None = None,
) -> dict[str, Any]:
    """A folder's ledger summarised.  ``held_by``: the pid of a run holding the folder now (0: pid unknown);
    ``live``: shard name -> who holds it now; ``manifest``: the job ids of the manifest (None: not known):
    only its jobs are counted, those the ledger has no line for as never submitted, while the ledger's
    other jobs (rows since removed, another manifest's) count in the spend alone; ``lapsing``: shard name ->
    the lease a run no longer running left on it (until it lapses, a run on that shard exits 5); ``shards``:
    the shards of a sharded folder that have a ledger (a job never submitted is its shard's to send);
    ``changed``: the ids of the manifest's rows that ask for something other than what their ids were sent as
    (the next run stops, exit 2, unless --replace-changed); ``unread``: why the manifest the folder's last run
    was given, still there, no longer reads (the ledger's jobs are counted then, and the folder is not called
    finished: the manifest may hold rows never sent, and the next run stops on it); ``command``: the command
    that sends and resumes the manifest's jobs when that is not the folder's last run again (``status
    --manifest`` naming another manifest than the one that run was given).

    As in the run's summary, ``failures`` are the jobs that failed or expired; ``left`` the unfinished ones
    whose last line gives a reason (a download that failed for now, a submit not yet settled)."""
    jobs, never_submitted = replay.jobs, None
    if manifest is not None:
        wanted = set(manifest)
        jobs = {job_id: rec for job_id, rec in replay.jobs.items() if job_id in wanted}
        never_submitted = sum(job_id not in replay.jobs for job_id in wanted)
    outside = len(replay.jobs) - len(jobs)
    states: Counter[str] = Counter(rec.get("state", "?") for rec in jobs.values())
    spend = folder_spend(replay)
    made = [  # (the folder's, as its spend is)
        rec
        for rec in replay.jobs.values()
        if rec.get("state") in UNFETCHED and rec.get("request_id") and charged(rec) is None
    ]
    made_usd = sum(recorded_estimate(rec, {}) for rec in made)  # (at the catalogue's prices)
    done = [  # (the folder's too) completed with no charge reported: charged all the same
        rec
        for rec in replay.jobs.values()
        if rec.get("state") == "completed" and rec.get("request_id") and charged(rec) is None
    ]
    done_usd = sum(recorded_estimate(rec, {}) for rec in done)
    spent = f"  spend ${spend:.2f}" + (f"; {unfetched(len(made), made_usd, spend='it')}" if made else "")
    if done:
        spent += f"; {unpriced(len(done), done_usd, spend='it')}"
    # (the folder's too: jobs' earlier requests whose charge no answer reported, which none will now)
    lost = [usd for rec in replay.jobs.values() if (usd := float(rec.get("unreported_before") or 0.0))]
    if lost:
        spent += f"; {unreported_earlier(len(lost), sum(lost), spend='it')}"
    failures, left, details, recorded = [], [], {}, {}
    held = 0  # deferred for a reason of their own (an input image changed, a kind outlives its records), not by a stop
    for job_id, rec in jobs.items():
        error, state = rec.get("error"), rec.get("state")
        reason = str(error.get("detail") if isinstance(error, dict) else error or state)
        if state in ("failed", "expired"):
            failures.append((job_id, reason))
        elif (state in UNFINISHED and error) or held_back(rec):  # unfinished for a reason of its own: not failed
            left.append((job_id, reason))
            held += held_back(rec)
            recorded[job_id] = str(rec.get("ts") or "")  # (a later run that stopped before it looked writes none)
        else:
            continue
        details[job_id] = reason
    groups, left_groups = group_failures(failures), group_failures(left)
    total = len(jobs) + (never_submitted or 0)
    unseen = _shards_unseen(shards) if manifest is None else []  # with the manifest, its jobs tell
    finished = states.get("completed", 0) == total and bool(jobs) and not unseen and not changed and not unread
    # which set it counts, said plainly: the manifest's jobs when the manifest is known, else the ledger's (as the
    # report does: every job the folder recorded, rows since removed and other manifests' included)
    lines = [f"{root}: {len(jobs)} jobs in the ledger: {_counts_line(states)}", spent]
    if never_submitted is not None:
        lines[0] = f"{root}: {total} jobs in the manifest: {_counts_line(states)}" + (
            f", {never_submitted} never submitted" if never_submitted else ""
        )
    if not jobs:
        lines = [f"{root}: no job recorded yet (nothing was submitted)"]
        if never_submitted:
            lines[0] = f"{root}: {never_submitted} jobs in the manifest, {never_submitted} never submitted"
    if outside:
        fetched = sum(1 for job_id, rec in replay.jobs.items() if job_id not in jobs and fetchable(rec))
        also = (
            f"; {fetched} of them in flight, whose videos the next run fetches (charged once made)" if fetched else ""
        )
        unsent = Counter(
            rec.get("state", "?") for i, rec in replay.jobs.items() if i not in jobs and rec.get("state") in UNSENT
        )
        if unsent:  # no run sends (or looks up) a job left unsent whose row is gone: not "run again", then
            also += (
                f"; {unsent.total()} of them left unsent ({_counts_line(unsent)}): a run of this manifest does not "
                "send them, only one of a manifest that has their rows (put back, or another manifest's)"
            )
        lines.insert(1, f"  {outside} more job{'s' if outside != 1 else ''} in the ledger not in the manifest "
                        f"(rows removed, or another manifest's): counted in the spend alone{also}")  # fmt: skip
        if not jobs:
            lines.insert(2, spent)
    if unread:
        lines.insert(
            1,
            f"  the manifest the folder's last run was given no longer reads ({unread}): these are the ledger's "
            "jobs, and the next run stops on it; fix it, or name one with --manifest FILE",
        )
    live = dict(live or {})
    if held_by is not None:
        live[""] = f"process {held_by}" if held_by else "another process"
    if live:
        who = "; ".join(f"{name} {holder}" if name else holder for name, holder in sorted(live.items()))
        runs = "a run" if len(live) == 1 else f"{len(live)} runs"
        again = ("that shard" if len(live) == 1 else "those shards") if shards else "it"
        lines.insert(1, f"  {runs} ({who}) hold{'s' if len(live) == 1 else ''} this folder now: these figures "
                        f"are as of the latest ledger lines; do not start another run on {again}")  # fmt: skip
    if (unknown := states.get("submitting", 0)) and not live:
        lines.append("  " + unknown_outcome(unknown, 0))
    # A run holding the folder may be settling them now: "left for a later run" is true only once none does.
    later = "not finished, by reason" if live else "left for a later run, by reason"
    if latest := max(recorded.values(), default=""):  # a reason is the run's that wrote it: when, said
        later += f" as last recorded (by {utc_second(latest)})"
    lines += _reason_lines("failures by reason", groups) + _reason_lines(later, left_groups)
    media = count_media_warnings(jobs)
    if media:
        lines.append(_media_line(media))
    at_work = _at_work(live, shards)
    busy = sum(1 for i, rec in jobs.items() if rec.get("state") in UNFINISHED and at_work(i))
    unfinished = sum(states.get(s, 0) for s in UNFINISHED) - busy  # left with no run at work on them
    if finished:
        lines.append("  all jobs completed")
    if changed:
        one = len(changed) == 1
        named = ", ".join(sorted(changed)[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
        lines.append(
            f"  {len(changed)} {'row' if one else 'rows'} of the manifest {'asks' if one else 'ask'} for something "
            f"other than what {'its id was' if one else 'their ids were'} sent as ({named}): the next run stops "
            f"(exit 2); run it with --replace-changed to make {'it' if one else 'them'} anew (paid again), or give "
            f"{'the row a new id' if one else 'the rows new ids'}"
        )
    if unseen:
        flags = ", ".join(f"--shard {shard}" for shard in unseen[:MAX_SHARDS_NAMED])
        more = f" and {len(unseen) - MAX_SHARDS_NAMED} more" if len(unseen) > MAX_SHARDS_NAMED else ""
        lines.append(
            f"  {len(unseen)} of {unseen[0].count} shards have no ledger here: not run yet, or no job is theirs; "
            f"run them ({flags}{more}), or give --manifest FILE to count the manifest's jobs"
        )
    stuck_ids = [i for i, rec in jobs.items() if rerun_cannot_settle(rec) and not at_work(i)]
    if never_submitted or states.get("pending", 0) or states.get("deferred", 0):
        # the next run sends a job: once listed, its request settles those left for want of one (their mark is
        # older); not those a history answering 404 or rows nothing tells apart leave
        stuck_ids = [i for i in stuck_ids if jobs[i]["error"].get("send_settles") is False]
    stuck = len(stuck_ids)
    if busy:
        runs = "the runs in progress work" if len(live) > 1 else "the run in progress works"
        lines.append(f"  {busy} not finished: {runs} on them")
    if unfinished and settles_none(unfinished, stuck, states.get("deferred", 0)):
        lines.append(f"  {unfinished} not finished: {not_by_rerun(stuck, unfinished)}")
    elif unfinished:
        also = f" ({not_by_rerun(stuck, unfinished)})" if stuck else ""
        owners = _shard_flags([i for i, r in jobs.items() if r.get("state") in UNFINISHED and not at_work(i)], shards)
        run = f"{each_shards_run(owners)} again" if owners else _same_run(command)
        lines.append(f"  {unfinished} not finished: run {run} to resume them{also}")
    if missing := [i for i in manifest or () if i not in replay.jobs and not at_work(i)]:
        lines += _never_submitted_lines(missing, shards, command)
    if deferred := states.get("deferred", 0) - held:
        # in a sharded folder each shard's run sends its own deferred jobs, under its own cap: which, said
        stopped = [i for i, rec in jobs.items() if rec.get("state") == "deferred" and not held_back(rec)]
        owners = _shard_flags(stopped, shards)
        run = f"{each_shards_run(owners)} again" if owners else f"'{command}'" if command else "again"
        lines.append(
            f"  {deferred} deferred (credits ran out or the spend cap was reached): top up, or give a higher "
            f"--max-spend, then run {run}"
        )
    refused = sum(1 for rec in jobs.values() if refused_as_sent(rec))
    holders = {
        state: _shard_flags(
            [i for i, rec in jobs.items() if rec.get("state") == state and not refused_as_sent(rec)], shards
        )
        for state in ("failed", "expired")
    }
    lines += ["  " + hint for hint in retry_hints(states, None, refused, holders)]
    for name, lease in sorted((lapsing or {}).items()):
        lines.append(f"  shard {name} is still leased to {lease}: a run on it starts once it has")
    return {
        "dir": str(root),
        "jobs": len(jobs),
        "counted": "ledger" if manifest is None else "manifest",
        "states": dict(states),
        "spend_usd": round(spend, 6),
        "unfetched": len(made),
        "unfetched_usd": round(made_usd, 6),
        "unpriced_completed": len(done),
        "unpriced_completed_usd": round(done_usd, 6),
        "unreported_earlier": len(lost),
        "unreported_earlier_usd": round(sum(lost), 6),
        "finished": finished,
        "failures": [
            {"reason": r, "count": c, "examples": e, "details": {i: details[i] for i in e}} for r, c, e in groups
        ],
        "left": [
            {
                "reason": r,
                "count": c,
                "examples": e,
                "details": {i: details[i] for i in e},
                "recorded": {i: recorded[i] for i in e},
            }
            for r, c, e in left_groups
        ],
        "never_submitted": never_submitted,
        "manifest_jobs": total if never_submitted is not None else None,
        "outside_manifest": outside,
        "warnings": dict(media),
        "torn_tail": replay.torn_tail,
        "running": bool(live),
        "live_runs": live,
        "lapsing_leases": dict(lapsing or {}),
        "lines": lines,
    }


def each_shards_run(flags: str) -> str:
    """The runs that take up jobs of several shards, ``flags`` naming their --shard."""
    return f"the 'batchgen run' of each one's shard ({flags})"


def _same_run(command: str | None) -> str:
    """The run that goes on with a manifest's jobs in an unsharded folder: the folder's last run again, or
    ``command`` (``status --manifest`` naming another manifest)."""
    return f"'{command}'" if command else "the same 'batchgen run' again"


def _never_submitted_lines(missing: list[str], shards: Collection[Shard], command: str | None = None) -> list[str]:
    """What sends the jobs never submitted: the same run again (or ``command``, for another manifest than the
    one the folder's last run was given), or in a sharded folder, each one's shard's run (one that never ran
    here is not 'the same' command: its --shard is named)."""
    if not shards:
        return [f"  {len(missing)} never submitted: run {_same_run(command)} to submit them"]
    count = next(iter(shards)).count
    ran = {shard.index for shard in shards}
    lines = []
    if again := [i for i in missing if shard_of(i, count) in ran]:
        lines.append(
            f"  {len(again)} never submitted, of shards that ran: run {each_shards_run(_shard_flags(again, shards))} "
            "again to send them"
        )
    if waiting := [i for i in missing if shard_of(i, count) not in ran]:
        named = len({shard_of(i, count) for i in waiting})
        lines.append(
            f"  {len(waiting)} never submitted, of {named} shard{'s' if named != 1 else ''} not run here yet: "
            f"run 'batchgen run' for each ({_shard_flags(waiting, shards)}) to send them"
        )
    return lines


def _at_work(live: dict[str, str], shards: Collection[Shard]) -> Callable[[str], bool]:
    """Whether a run holding the folder now works on a job: any job of an unsharded folder, only its own
    shard's jobs in a sharded one (the jobs of a shard whose run was stopped wait for that shard's run)."""
    if not shards:
        return lambda _job_id: bool(live)
    count = next(iter(shards)).count
    held = {found.index for name in live if (found := parse_name(name)) is not None and found.count == count}
    return lambda job_id: shard_of(job_id, count) in held


def _shards_unseen(shards: Collection[Shard]) -> list[Shard]:
    """The shards of a sharded folder's count that have no ledger in it."""
    if not shards:
        return []
    count = next(iter(shards)).count
    seen = {shard.index for shard in shards}
    return [Shard(index, count) for index in range(count) if index not in seen]


def _shard_flags(job_ids: list[str], shards: Collection[Shard]) -> str:
    """The --shard of each shard that ``job_ids`` belong to, in order ('' for an unsharded folder)."""
    if not shards:
        return ""
    count = next(iter(shards)).count
    indexes = sorted({shard_of(job_id, count) for job_id in job_ids})
    more = f" and {len(indexes) - MAX_SHARDS_NAMED} more" if len(indexes) > MAX_SHARDS_NAMED else ""
    return ", ".join(f"--shard {index}/{count}" for index in indexes[:MAX_SHARDS_NAMED]) + more


# --------------------------------------------------------------------------- progress


def _unreported(snap: Snapshot) -> str:
    """What the spend leaves out, beside it while a run goes: the estimates of what its jobs may have been
    charged with no charge reported yet (the jobs in flight's, mostly)."""
    if snap.unreported < 0.005:
        return ""
    return f" (and about ${snap.unreported:.2f} in charges not yet reported)"


def progress_line(snap: Snapshot) -> str:
    """One concise line for logs (cron, pipes)."""
    states = snap.states
    parts = [
        f"{states.get('completed', 0)}/{snap.total} completed",
        f"{states.get('submitted', 0) + states.get('submitting', 0)} in flight",
        f"{states.get('downloading', 0)} downloading",
    ]
    for state in ("failed", "expired", "deferred"):
        if states.get(state):
            parts.append(f"{states[state]} {state}")
    parts.append(f"${snap.spend:.2f} spent{_unreported(snap)}")
    parts.append(f"{snap.rate_per_hour:.0f}/h")
    if snap.eta_s is not None:
        parts.append(f"ETA {_duration(snap.eta_s)}")
    if snap.paused_s > 0:
        parts.append(f"paused {_duration(snap.paused_s)} by a 429")
    if snap.stop_reason == "credits":
        parts.append("out of credits: finishing jobs in flight")
    elif snap.stop_reason == "spend_cap":
        parts.append("at the spend cap: finishing jobs in flight")
    elif snap.stop_reason == "interrupted":
        parts.append("stopping")
    return "progress: " + ", ".join(parts)


def progress_table(snap: Snapshot) -> Table:
    """The live panel for a terminal."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    states = snap.states
    done = states.get("completed", 0)
    bar_width = 30
    filled = int(bar_width * done / snap.total) if snap.total else 0
    table.add_row("videos", f"[green]{'█' * filled}[/green]{'░' * (bar_width - filled)} {done}/{snap.total}")
    table.add_row("jobs", _counts_line(Counter(states)))
    table.add_row(
        "pace",
        f"{snap.rate_per_hour:.0f} videos/h; {snap.requests} requests, {snap.throttled} answered 429"
        + ("; finding finished jobs through the request history" if snap.sweeping else ""),
    )
    table.add_row("spend", f"${snap.spend:.2f}{_unreported(snap)}")
    table.add_row("ETA", _duration(snap.eta_s) if snap.eta_s is not None else "estimating...")
    if snap.paused_s > 0:
        table.add_row("[yellow]paused[/yellow]", f"rate limited (429): every call waits {_duration(snap.paused_s)}")
    if snap.stop_reason == "credits":
        table.add_row("[red]credits[/red]", "out of credits: no new submissions; finishing the jobs in flight")
    elif snap.stop_reason == "spend_cap":
        table.add_row("[yellow]spend cap[/yellow]", "cap reached: no new submissions; finishing the jobs in flight")
    elif snap.stop_reason == "interrupted":
        table.add_row("[yellow]stopping[/yellow]", "interrupted: saving state; press Ctrl-C again to exit at once")
    return table
