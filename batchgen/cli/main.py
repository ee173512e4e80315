"""Command line: ``batchgen run | validate | models | status | report | simulate``.

The only module that prints or chooses exit codes.  Library errors become one
``Error: ...`` line; tracebacks appear only for bugs or with ``--debug``.

Exit codes: 0 all jobs completed; 1 some failed or expired; 2 bad usage,
config or manifest; 3 stopped for credits or the spend cap; 4 auth error;
5 another run holds the output folder; 6 the API could not be reached;
7 the output could not be written (disk full); 130 interrupted.

Everything printed at the end (the summary, every ``Error:`` line) is also
logged, so ``--log-file`` alone tells how a run ended.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import anyio
from rich.console import Console

from ..clock import Clock
from ..config import Settings, load_settings, with_overrides
from ..engine.derived_ids import keep_made_ids
from ..engine.identity import ChangedJobs, find_changes, refuse_replacing_in_flight
from ..engine.outcome import RunReport
from ..engine.strays import in_flight_outside
from ..errors import BatchgenError, InputError, ManifestError, NotTheApi, StorageError
from ..jobs import JobSpec
from ..manifest import LEFT_ALONE, Manifest, load_manifest
from ..models import catalogue
from ..report.exits import (
    EXIT_AUTH,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_UNWRITABLE,
    EXIT_USAGE,
    Verdict,
    exit_code,
    exit_code_for,
    merged_exit_code,
)
from ..report.summary import (
    dry_run_lines,
    folder_spend,
    rerun_settles_none,
    status_summary,
    summary_lines,
)
from ..store.files import write_atomically
from ..store.ledger import Replay, read_ledger
from ..store.objects import is_object_url, remove_open_spools
from ..store.output import check_shard_layout, live_runs, merge, read_all, shard_counts
from ..store.results import render_results
from ..store.shards import Shard, parse_name, parse_shard
from . import catalogue_view, options, progress, serve
from .arguments import CommandLineRefused, build_parser
from .entry import given, named_command, say_interrupted, take_sigterm
from .logs import REDACTOR, emit, json_mode, log_outcome, redacting_excepthook, setup_logging, tell
from .nextstep import given_words, next_commands
from .runner import run_jobs
from .simulated import BYTES_PER_JOB, MAX_RESERVE_BYTES, RESERVE_BYTES, check_before_simulating, close_simulator

SIMULATE_TIME_SCALE = 500.0

log = logging.getLogger("batchgen")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(refusals_raised=True)
    try:
        args = parser.parse_args(argv)
    except CommandLineRefused as exc:
        return _refused(exc, sys.argv[1:] if argv is None else list(argv))
    except SystemExit as exc:
        return EXIT_USAGE if exc.code not in (0, None) else EXIT_OK
    args.argv = None if argv is None else list(argv)
    console = _live_console(args)
    try:
        _setup_logging(args, console)
    except BatchgenError as exc:
        _error(str(exc))
        return exit_code_for(exc)
    try:
        if args.command == "run" and args.ray is not None:
            return _run_on_ray(args)
        if args.command == "run":
            return anyio.run(_run, args)
        if args.command == "validate":
            return _validate(args)
        if args.command == "models":
            return _models(args)
        if args.command == "status":
            return _status(args)
        if args.command == "report":
            return _report(args)
        return serve.simulate(args)
    except BatchgenError as exc:
        _error(str(exc))
        code = exit_code_for(exc)
    except KeyboardInterrupt:
        _error("interrupted")
        code = EXIT_INTERRUPTED
    log_outcome(args.command, code)
    return code


def _refused(exc: CommandLineRefused, argv: list[str]) -> int:
    """A command line argparse refused, said as argparse says it (the usage, then the error), or, where it asks
    for ``--log-format json``, as every other end of a command is: JSON on every stream, and the outcome object
    on stdout and last in ``--log-file``."""
    if given(argv, "--log-format") != "json":
        sys.stderr.write(exc.usage + exc.message + "\n")
        return EXIT_USAGE
    try:
        setup_logging(level=logging.INFO, fmt="json", log_file=given(argv, "--log-file"))
    except OSError:  # (the file is not to be had: stderr and stdout still carry it)
        setup_logging(level=logging.INFO, fmt="json")
    _error(f"{exc.message} (see '{exc.prog} --help')")
    log_outcome(named_command(argv), EXIT_USAGE)
    return EXIT_USAGE


def _exit_now() -> None:
    """A second SIGINT/SIGTERM: leave at once (the ledger is consistent after every line), taking the object
    store's spool folder along (``os._exit`` runs no ``finally``)."""
    os.write(2, b"batchgen: second signal, exiting now; run again to resume\n")
    remove_open_spools()
    os._exit(EXIT_INTERRUPTED)


def main_entry() -> None:
    sys.excepthook = redacting_excepthook  # a bug's traceback never prints the key
    # (again) for a console script that calls this one: an install made before entry.py was the entry point
    # keeps such a script (an editable install is not rewritten by a pull), and it would have no handler at all
    take_sigterm()
    try:
        code = main()
    except KeyboardInterrupt:  # a signal before main() watches for one (while it parses the command line)
        if json_mode():  # (its logging is set up)
            _error("interrupted")
            log_outcome(named_command(sys.argv[1:]), EXIT_INTERRUPTED)
        else:
            say_interrupted(sys.argv[1:])
        code = EXIT_INTERRUPTED
    if "ray" not in sys.modules:
        # Everything is written (each file atomically, the ledger fsynced) and flushed below, so leave
        # without the interpreter's teardown: freeing a large run's objects and modules took ~0.3 s after
        # the run had ended, and obstore's runtime threads can abort a teardown (SIGABRT after correct
        # output, a few runs in a hundred).
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


# --------------------------------------------------------------------------- run


async def _run(args: argparse.Namespace) -> int:
    args.options = options.take_up(args)
    settings = _settings(args)
    replays, unread = await _folder(settings.output.dir)
    args.read_ledgers = replays or {}  # each ledger is read once: the run takes its shard's read (runner.run_jobs)
    replay = merge(replays) if replays else None
    known = replay.jobs if replay else None  # a done row's image may be gone: it is never sent again
    # (a failed or expired job is sent again with its flag: its row needs its image then)
    again = {"failed": args.retry_failed, "expired": args.resubmit_lost}
    settled = [state for state in LEFT_ALONE if not again.get(state)]
    # Read in a worker thread, the event loop left free: a SIGTERM the kernel hands another thread (the run has
    # a few by now) is then still heard, where the main thread held in a read that never ends (a manifest that
    # is a pipe no one writes to yet) heard nothing, and the process hung.  Abandoned if the run is stopped.
    read = partial(load_manifest, args.manifest, passthrough=settings.models.passthrough, known=known,
                   settled=settled)  # fmt: skip
    manifest, strays = _against_folder(await anyio.to_thread.run_sync(read, abandon_on_cancel=True), replay)
    shard = parse_shard(args.shard, count=args.shards) if args.shard else None
    if args.shards is not None and shard is None:
        raise InputError("--shards N goes with --shard auto or --ray; for one shard of N use --shard I/N")
    if shard is not None:
        manifest, strays = replace(manifest, jobs=shard.select(manifest.jobs)), shard.select(strays)
    args.shard_obj = shard
    if args.replace_changed and replay is not None:
        _refuse_remaking_without_image(manifest, replay)
    told = ", ".join(job.id for job in strays[:5]) + (f" and {len(strays) - 5} more" if len(strays) > 5 else "")
    if args.dry_run:
        await _same_shard_count(settings.output.dir, shard)
        if unread is not None:  # an estimate still helps without the store: say what was left out
            log.warning("warning: the estimate ignores what %s already holds: %s", settings.output.dir, unread)
        changes = find_changes(manifest.jobs, replay) if replay else []
        if args.replace_changed:  # what the run would refuse, the dry run refuses too (exit 2)
            refuse_replacing_in_flight(changes, str(settings.output.dir))
        lines = dry_run_lines(
            manifest,
            settings,
            replay,
            retry_failed=args.retry_failed,
            resubmit_lost=args.resubmit_lost,
            changed=0 if args.replace_changed else len(changes),
            replaced=frozenset(c.job.id for c in changes) if args.replace_changed else frozenset(),
            time_scale=args.time_scale or (SIMULATE_TIME_SCALE if args.simulate else 1.0),
        )
        if strays:
            lines.append(
                f"  note: {len(strays)} job(s) in flight have no row in the manifest any more ({told}): the run "
                "fetches their videos (charged once made), never making them again"
            )
        if args.options.from_folder:
            lines.append(f"  (kept with the folder and used: {' '.join(args.options.from_folder)})")
        _print("\n".join(lines))
        if changes and not args.replace_changed:  # the run would stop here (exit 2): so does its dry run
            raise ChangedJobs(changes, str(settings.output.dir))
        return EXIT_OK
    if strays:
        log.warning(
            "warning: %d job(s) in flight have no row in %s any more (%s): each is charged once made, so its "
            "video is fetched (it is never made again)",
            len(strays),
            manifest.path,
            told,
        )
        manifest = replace(manifest, jobs=[*manifest.jobs, *strays])
    if args.simulate:
        return await _run_simulated(args, settings, manifest)
    key = os.environ.get(settings.api.key_env, "").strip()
    if not key:
        raise InputError(
            f"no API key: set the environment variable {settings.api.key_env} "
            "(or use --simulate to try batchgen on the built-in simulator)"
        )
    clock = Clock(args.time_scale or 1.0)
    return await _execute(args, settings, manifest, key, clock)


async def _run_simulated(args: argparse.Namespace, settings: Settings, manifest: Manifest) -> int:
    from ..simulator import SimConfig, SimServer

    key = "SG_" + secrets.token_hex(8)
    scale = args.time_scale or SIMULATE_TIME_SCALE
    remote = is_object_url(settings.output.dir)  # the simulator's state is kept with a local folder only
    shard = args.shard_obj.name if args.shard_obj is not None else ""
    config = SimConfig(
        time_scale=scale,
        api_keys=frozenset({key}),
        rpm=None,
        credits=1000.0,
        workers=32,
        seed=secrets.randbelow(1 << 30),
        state_file=None if remote else str(options.simulator_state(settings.output.dir, shard)),
        extra_specs=catalogue.user_files(),
    )
    if not remote and (lost := options.simulated_jobs_without_simulator(settings.output.dir, shard)):
        log.warning(
            "warning: %s has %d simulated jobs in flight but no saved simulator (the last --simulate run did not "
            "stop cleanly), so the new simulator cannot know them: they will end lost; --resubmit-lost makes "
            "them again",
            settings.output.dir,
            lost,
        )
    if not remote:  # a held lock or a changed row ends the run before the simulator starts (and says so)
        check_before_simulating(args, settings, manifest)
    reserve = None if config.state_file is None else Path(f"{config.state_file}.reserve")
    if reserve is not None:  # room to save the account even if the disk fills up during the run
        options.reserve_space(reserve, min(MAX_RESERVE_BYTES, RESERVE_BYTES + BYTES_PER_JOB * len(manifest.jobs)))
    sim = SimServer(config)
    await sim.start()
    try:
        settings = with_overrides(settings, api={"base_url": sim.url, "history_url": None})
        if not args.quiet:
            _print(f"simulator on {sim.url} (time runs {scale:g}x faster; no real API is called)")
        # (a run refused the folder by another that took it since the check keeps its account and reserve alone)
        held: list[bool] = []
        code = await _execute(args, settings, manifest, key, Clock(scale), held=lambda: held.append(True))
    finally:
        saved = await close_simulator(sim, reserve, _error, held=bool(held))
    return code if saved else EXIT_UNWRITABLE


async def _execute(
    args: argparse.Namespace,
    settings: Settings,
    manifest: Manifest,
    key: str,
    clock: Clock,
    *,
    held: Callable[[], None] | None = None,
) -> int:
    """Run the manifest into the folder; ``held`` is called once the run holds it."""
    for warning in manifest.warnings:
        log.warning(warning)
    REDACTOR.secrets.add(key)

    def now_held() -> None:
        """The folder is the run's (its lock held, its rows unchanged or to be made anew): say so to ``held``,
        and keep the run's options, manifest and annotations with a local folder.  A run refused it (another
        run holds it, its rows changed) leaves the holder's alone."""
        if held is not None:
            held()
        if is_object_url(settings.output.dir):
            return
        options.save(settings.output.dir, args.options, args.shard_obj.name if args.shard_obj is not None else "")
        options.save_manifest(
            settings.output.dir,
            args.manifest,
            len(manifest.jobs) if not args.shard else None,
            models=catalogue.user_files(),
            passthrough=settings.models.passthrough,
        )
        options.save_annotations(settings.output.dir, {job.id: job.meta for job in manifest.jobs if job.meta})

    console = _live_console(args)
    total = len(manifest.jobs)
    out_text = settings.output.dir if is_object_url(settings.output.dir) else str(Path(settings.output.dir))
    command = options.resume_command(args.manifest, out_text, args.options)
    command += given_words(args)

    def verdict(report: RunReport) -> Verdict:
        code = exit_code(report, total)
        if not _same_again_helps(report, code) or rerun_settles_none(report):
            return Verdict(code, None)
        jobs = read_ledger(Path(settings.output.dir) / "ledger.jsonl").jobs  # the report's folder is local
        return Verdict(code, next_commands(report, code, command, out_text, args, manifest, settings, jobs)[0])

    outcome = await run_jobs(
        manifest.jobs,
        settings,
        api_key=key,
        clock=clock,
        shard=args.shard_obj,
        check_account=not args.simulate,  # each --simulate run has a fresh simulator and key
        adopt_key=args.adopt_key,
        resubmit_lost=args.resubmit_lost,
        retry_failed=args.retry_failed,
        verify_files=args.verify_files,
        replace_changed=args.replace_changed,
        handle_signals=True,
        on_second_signal=_exit_now,
        monitor=partial(progress.live_panel, console) if console else partial(progress.log_lines, args.progress_every),
        on_event=progress.log_event,
        verdict=verdict,
        read=args.read_ledgers.get(args.shard_obj.name if args.shard_obj is not None else ""),
        on_held=now_held,
    )
    report = outcome.report
    code = exit_code(report, len(manifest.jobs))
    spend = folder_spend(Replay(outcome.jobs, 0, False))
    then, retry = next_commands(report, code, command, out_text, args, manifest, settings, outcome.jobs)
    lines = summary_lines(
        report,
        outcome.out,
        manifest,
        resume_command=command if _same_again_helps(report, code) else None,
        spend=spend,
        retry_command=retry,
        cap_command=then,
        shard=args.shard_obj.name if args.shard_obj is not None else "",
    )
    if args.options.from_folder:
        lines.append(f"  (kept with the folder and used: {' '.join(args.options.from_folder)})")
    for line in lines:
        _print(line)
    if report.fatal is not None:
        _error(str(report.fatal))
    states = {k: v for k, v in report.states.items() if v}
    log_outcome("run", code, text="\n".join(lines), jobs=len(manifest.jobs), states=states, spend_usd=round(spend, 6),
                 requests=report.requests, stop_reason=report.stop_reason)  # fmt: skip
    return code


def _refuse_remaking_without_image(manifest: Manifest, replay: Replay) -> None:
    """A completed row whose image is gone goes on as the ledger recorded it; but one that changed would be
    made anew with ``--replace-changed``, and that needs its image: the image's problem stands (exit 2)."""
    if not manifest.gone_images:
        return
    changed = {change.job.id for change in find_changes(manifest.jobs, replay)}
    problems = {p: None for job_id, found in manifest.gone_images.items() if job_id in changed for p in found}
    if problems:
        raise ManifestError(
            [
                replace(p, message=p.message + "; its row changed, and --replace-changed would send it anew")
                for p in problems
            ]
        )


def _same_again_helps(report: RunReport, code: int) -> bool:
    """Whether the same command is worth giving as the way to resume: not after a run that finished, nor after
    one stopped by what the same command meets again (the key refused; a base URL that is not the API's, whose
    error says to run again with the right one)."""
    return code not in (EXIT_OK, EXIT_AUTH) and not isinstance(report.fatal, NotTheApi)


def _run_on_ray(args: argparse.Namespace) -> int:
    from .raydriver import run_on_ray

    settings = _settings(args)
    load_manifest(args.manifest, passthrough=settings.models.passthrough)  # every problem, before any actor
    if args.shard:
        raise InputError("--ray runs every shard itself; drop --shard (give the count with --shards N)")
    if args.simulate:
        raise InputError("--ray needs a reachable API: use --base-url with 'batchgen simulate', not --simulate")
    if args.dry_run:
        raise InputError("--dry-run does not start Ray; run it without --ray")
    key = os.environ.get(settings.api.key_env, "").strip()
    if not key:
        raise InputError(f"no API key: set the environment variable {settings.api.key_env} on the driver")
    REDACTOR.secrets.add(key)
    result = run_on_ray(
        ["run", *sys.argv[2:]] if args.argv is None else args.argv,
        entry=main,
        address=args.ray or None,
        shards=args.shards or 1,
        key=key,
        key_env=settings.api.key_env,
        out=settings.output.dir,
        progress=None if args.quiet else log.info,
        progress_every=args.progress_every,
    )
    code = merged_exit_code(list(result.codes.values()))
    try:
        summary = status_summary(merge(anyio.run(read_all, settings.output.dir)), Path("."))
        lines = [f"{settings.output.dir}: {summary['lines'][0].split(': ', 1)[1]}", *summary["lines"][1:]]
    except BatchgenError as exc:  # no shard got as far as its ledger: the shards' codes still say why
        lines = [f"{settings.output.dir}: no ledger to summarise ({exc})"]
    lines.append(
        f"  ray: {len(result.codes)} shards, exit codes "
        + ", ".join(f"{i}:{c}" for i, c in sorted(result.codes.items()))
        + f"; {result.restarts} shard(s) finished on a restarted actor"
    )
    for line in lines:
        _print(line)
    return code


# --------------------------------------------------------------------------- validate / status


def _validate(args: argparse.Namespace) -> int:
    """The manifest alone; with ``--out``, also what that folder has done of its jobs."""
    settings = load_settings(args.config, overrides={"output": {"dir": args.out}})
    catalogue.use([*settings.models.files, *args.models])
    replay = merge(anyio.run(read_all, args.out)) if args.out is not None else None
    known = replay.jobs if replay else None
    manifest = load_manifest(args.manifest, passthrough=settings.models.passthrough, known=known)
    for warning in manifest.warnings:
        log.warning(warning)
    manifest = replace(manifest, jobs=keep_made_ids(manifest.jobs, replay))
    changes = find_changes(manifest.jobs, replay) if replay else []
    _print("\n".join(dry_run_lines(manifest, settings, replay, changed=len(changes))))
    if changes:  # 'run' would stop here (exit 2): so does validate
        raise ChangedJobs(changes, str(args.out))
    return EXIT_OK


async def _folder(out: str) -> tuple[dict[str, Replay] | None, StorageError | None]:
    """Every shard's ledger under ``out`` (None when there is none yet, or the store cannot be read), and the
    store's error if so: the run reads the folder itself and says what is wrong with it, and the dry run's
    estimate says what it left out."""
    try:
        return await read_all(out), None
    except InputError:
        return None, None
    except StorageError as exc:
        return None, exc


def _against_folder(manifest: Manifest, replay: Replay | None) -> tuple[Manifest, list[JobSpec]]:
    """The manifest as the folder (``replay``) knows its jobs: each row of a derived id under the id the folder
    made its request as (``engine/derived_ids.py``); and the jobs in flight whose rows left the manifest, to be
    fetched (``engine/strays.py``)."""
    if replay is None:
        return manifest, []
    jobs = keep_made_ids(manifest.jobs, replay)
    if renamed := sum(a.id != b.id for a, b in zip(jobs, manifest.jobs, strict=True)):
        log.info(
            "%d row(s) without an id keep the id the folder made them as (the id they derive now differs: a "
            "default written out, or one the model's spec now sends): their jobs go on as the folder holds them",
            renamed,
        )
    return replace(manifest, jobs=jobs), in_flight_outside(jobs, replay)


async def _same_shard_count(out: str, shard: Shard | None) -> None:
    """What the run would refuse first, the dry run refuses too (exit 2): another shard count than the folder's
    (its figures would count jobs the run never gets to)."""
    try:
        await check_shard_layout(out, shard)
    except StorageError as exc:  # the store cannot be listed: the estimate below says what it left out
        log.debug("the shard count of %s could not be checked: %s", out, exc)


def _status(args: argparse.Namespace) -> int:
    replays = anyio.run(read_all, args.dir)
    merged = merge(replays)
    local = not is_object_url(args.dir)
    lapsing: dict[str, str] = {}
    live = anyio.run(live_runs, args.dir, sorted(replays), lapsing)
    rows, unread = options.manifest_jobs(args.manifest, args.dir, merged)
    ids = None if rows is None else [job.id for job in rows]
    changed = [change.job.id for change in find_changes(rows or [], merged)]
    # an object store keeps an unsharded run's ledger as shard 0-of-1: one shard's run is the same run again
    shards = [shard for name in replays if name and (shard := parse_name(name)) is not None and shard.count > 1]
    summary = status_summary(
        merged,
        Path(args.dir),
        live=live,
        manifest=ids,
        lapsing=lapsing,
        shards=shards,
        changed=changed,
        unread=unread,
        command=_command_for(args.manifest, args.dir),
    )
    if not local:
        summary["dir"] = args.dir
        summary["lines"][0] = f"{args.dir}: {summary['lines'][0].split(': ', 1)[1]}"
    if len(replays) > 1 or "" not in replays:
        summary["shards"] = shard_counts(replays)
        summary["lines"].insert(1, f"  {len(replays)} shard{'s' if len(replays) != 1 else ''}: " + "; ".join(
            f"{name} {sum(c.values())} jobs, {c.get('completed', 0)} completed"
            for name, c in summary["shards"].items()
        ))  # fmt: skip
    if args.results:
        data = render_results(merged.jobs)
        if args.results == "-":  # the table alone on stdout, for a pipe
            emit(data.decode(), end="")
            return EXIT_OK
        write_atomically(Path(args.results), data)
    if args.json:
        _print(json.dumps(summary, indent=2, sort_keys=True))
    else:
        _print("\n".join(summary["lines"]))
    return EXIT_OK


def _command_for(manifest: str | None, out: str) -> str | None:
    """The run that sends the jobs of a manifest ``status --manifest`` names, when it is not the one the
    folder's last run was given (its run again is not "the same 'batchgen run'"); None for that one (or none
    given).  The folder's kept options apply to it, as to any run into the folder."""
    if manifest is None or options.kept_manifest(out) == Path(manifest).resolve():
        return None
    return options.resume_command(manifest, out, options.Options({}))


def _report(args: argparse.Namespace) -> int:
    from ..report.publish import publish

    root = Path(args.dir)
    if not (root / "ledger.jsonl").exists():
        kind = "in an object store" if is_object_url(args.dir) else "sharded" if (root / "shards").is_dir() else None
        if kind:  # a run's --out all the same, as its runs said: 'status' covers it
            raise InputError(
                f"{args.dir} is {kind}: report.html and index.parquet are made for an unsharded local folder. "
                f"'batchgen status {args.dir}' summarises it, and '--results FILE' adds the merged results table"
            )
        raise InputError(f"{root} has no ledger.jsonl; give the --out folder of a batchgen run")
    try:
        jobs, _ = options.manifest_jobs(None, args.dir, read_ledger(root / "ledger.jsonl"))
        page = publish(root, load_settings(args.config).report, manifest=None if jobs is None else [j.id for j in jobs])
    except OSError as exc:
        raise StorageError(f"cannot write the report in {root} ({exc.strerror or exc}); check the folder") from None
    _print(f"report: {page}   index: {root / 'index.parquet'}")
    return EXIT_OK


# --------------------------------------------------------------------------- helpers


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, dict[str, Any]] = {
        "api": {"base_url": args.base_url},
        "limits": {"concurrency": args.concurrency, "requests_per_minute": args.rpm, "max_spend_usd": args.max_spend},
        "output": {"dir": args.out},
    }
    kept = getattr(args, "options", None)
    settings = load_settings(args.config, overrides=overrides, origins=None if kept is None else kept.origins())
    catalogue.use([*settings.models.files, *getattr(args, "models", [])])
    return settings


def _models(args: argparse.Namespace) -> int:
    """``batchgen models [NAME] [--json]``: the catalogue, or one model's parameters, rules and price."""
    settings = load_settings(args.config)
    models = catalogue.use([*settings.models.files, *args.models])
    _print(catalogue_view.render(models, args.name, as_json=args.json))
    return EXIT_OK


_CONSOLE: Console | None = None


def _live_console(args: argparse.Namespace) -> Console | None:
    """A rich console for the live display: only for 'run' on a terminal, with text logs, not quiet."""
    global _CONSOLE
    if args.command != "run" or args.quiet or args.log_format != "text" or args.dry_run:
        return None
    if _CONSOLE is None and sys.stderr.isatty():
        _CONSOLE = Console(stderr=True)
    return _CONSOLE


def _setup_logging(args: argparse.Namespace, console: Console | None) -> None:
    debug, quiet = getattr(args, "debug", False), getattr(args, "quiet", False)
    level = logging.DEBUG if debug else logging.WARNING if quiet else logging.INFO
    try:
        setup_logging(
            level=level,
            fmt=getattr(args, "log_format", "text"),
            log_file=getattr(args, "log_file", None),
            console=console,
        )
    except OSError as exc:
        raise InputError(f"--log-file {args.log_file}: cannot be opened ({exc.strerror or exc})") from None


def _print(text: str) -> None:
    if json_mode():  # every line on every stream is JSON: the text goes out as log records, --quiet or not
        for line in text.splitlines():
            tell(logging.INFO, line)
        return
    emit(text)


def _error(text: str) -> None:
    if json_mode():
        log.error("Error: %s", text)
        return
    print(f"Error: {text}", file=sys.stderr, flush=True)
    log.error("Error: %s", text, extra={"printed": True})
