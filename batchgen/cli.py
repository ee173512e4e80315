"""Command line: ``batchgen run | validate | status | report | simulate``.

The only module that prints or chooses exit codes.  Library errors become one
``Error: ...`` line; tracebacks appear only for bugs or with ``--debug``.

Exit codes: 0 all jobs completed; 1 some failed or expired; 2 bad usage,
config or manifest; 3 stopped for credits or the spend cap; 4 auth error;
5 another run holds the output folder; 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import shlex
import signal
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import anyio
from rich.console import Console
from rich.live import Live

from . import __version__
from .clock import Clock
from .config import Settings, load_settings, with_overrides
from .errors import AuthError, BatchgenError, InputError, LockHeld, StorageError
from .jobs import TrackedJob
from .ledger import read_ledger
from .logs import REDACTOR, setup_logging
from .manifest import Manifest, load_manifest
from .report import RunReport, dry_run_lines, progress_line, progress_table, status_summary, summary_lines
from .report_html import Verdict
from .runner import run_jobs
from .scheduler import Run
from .storage import OutputDir

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CREDITS, EXIT_AUTH, EXIT_LOCKED, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 5, 130
SIMULATE_TIME_SCALE = 500.0

log = logging.getLogger("batchgen")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="batchgen", description="Turn a manifest of prompts into a folder of videos.")
    parser.add_argument("--version", action="version", version=f"batchgen {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="submit, poll and download every job in a manifest (resumes)")
    run.add_argument("manifest", help="a .yaml, .csv or .jsonl manifest")
    run.add_argument("--out", help="output folder (default: output.dir, 'out')")
    run.add_argument("--config", help="a YAML config file (see config.example.yaml)")
    run.add_argument("--simulate", action="store_true", help="run against the built-in simulator on loopback")
    run.add_argument("--base-url", help="API base URL (default https://api.segmind.com)")
    run.add_argument("--concurrency", type=int, help="jobs in flight at once")
    run.add_argument("--rpm", type=float, help="requests per minute, shared by every API call")
    run.add_argument("--max-spend", type=float, metavar="USD", help="never submit past this estimated spend")
    run.add_argument("--dry-run", action="store_true", help="validate and estimate; submit nothing")
    run.add_argument(
        "--resubmit-lost", action="store_true", help="submit again jobs whose video was lost or expired (pays again)"
    )
    run.add_argument("--retry-failed", action="store_true", help="submit again jobs that failed on the server")
    run.add_argument(
        "--verify-files",
        action="store_true",
        help="re-hash every finished video (default: only those whose size or mtime changed)",
    )
    run.add_argument("--time-scale", type=float, help=argparse.SUPPRESS)
    run.add_argument("--quiet", action="store_true", help="print only the summary and errors")
    run.add_argument("--debug", action="store_true", help="verbose logs (the key is redacted) and tracebacks")
    run.add_argument("--log-format", choices=("text", "json"), default="text", help="log lines as text or JSON")
    run.add_argument("--log-file", help="also write the log to this file")
    run.add_argument(
        "--progress-every",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="without a terminal, log a progress line this often (default 60)",
    )

    validate = sub.add_parser("validate", help="check a manifest; report every problem; submit nothing")
    validate.add_argument("manifest")
    validate.add_argument("--config")

    status = sub.add_parser("status", help="summarise a run's ledger")
    status.add_argument("dir", help="the output folder of a run")
    status.add_argument("--json", action="store_true", help="machine-readable output")

    report = sub.add_parser("report", help="write report.html and index.parquet for a run's output folder")
    report.add_argument("dir", help="the output folder of a run")
    report.add_argument("--config", help="a YAML config file (its 'report' section is used)")

    sim = sub.add_parser("simulate", help="serve the Segmind v2 API simulator on loopback")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=8700)
    sim.add_argument("--output-host", help="serve output files from this second loopback address")
    sim.add_argument("--time-scale", type=float, default=1.0, help="simulated seconds per real second")
    sim.add_argument("--rpm", type=int, help="requests per minute per key (default: unlimited)")
    sim.add_argument("--credits", type=float, default=1000.0, help="starting balance in USD")
    sim.add_argument("--workers", type=int, default=16, help="jobs processed at once")
    sim.add_argument("--seed", type=int, default=0)
    sim.add_argument("--api-key", action="append", help="accepted key (repeatable); default SG_0123456789abcdef")
    sim.add_argument("--retry-after", action="store_true", help="send Retry-After on 429")
    sim.add_argument("--polls-free", action="store_true", help="status polls do not count against --rpm")
    sim.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="KIND=RATE",
        help="fault probability, e.g. submit_error_after=0.1 (repeatable)",
    )
    sim.add_argument(
        "--media-fault",
        action="append",
        default=[],
        metavar="KIND=TEXT",
        help="serve a wrong video (wrong_duration, wrong_aspect) for prompts containing TEXT (repeatable)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_USAGE if exc.code not in (0, None) else EXIT_OK
    console = _live_console(args)
    try:
        _setup_logging(args, console)
        if args.command == "run":
            return anyio.run(_run, args)
        if args.command == "validate":
            return _validate(args)
        if args.command == "status":
            return _status(args)
        if args.command == "report":
            return _report(args)
        return _simulate(args)
    except BatchgenError as exc:
        _error(str(exc))
        return exit_code_for(exc)
    except KeyboardInterrupt:
        _error("interrupted")
        return EXIT_INTERRUPTED


def _exit_now() -> None:
    """A second SIGINT/SIGTERM: leave at once (the ledger is consistent after every line)."""
    os.write(2, b"batchgen: second signal, exiting now; run again to resume\n")
    os._exit(EXIT_INTERRUPTED)


def main_entry() -> None:
    sys.exit(main())


# --------------------------------------------------------------------------- run


async def _run(args: argparse.Namespace) -> int:
    settings = _settings(args)
    manifest = load_manifest(args.manifest)
    if args.dry_run:
        out = OutputDir(settings.output.dir, settings.output.filename)
        replay = read_ledger(out.ledger)
        _print("\n".join(dry_run_lines(manifest, settings, replay)))
        return EXIT_OK
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
    from .simulator import SimConfig, SimServer

    key = "SG_" + secrets.token_hex(8)
    scale = args.time_scale or SIMULATE_TIME_SCALE
    config = SimConfig(
        time_scale=scale,
        api_keys=frozenset({key}),
        rpm=None,
        credits=1000.0,
        workers=32,
        seed=secrets.randbelow(1 << 30),
    )
    async with SimServer(config) as sim:
        settings = with_overrides(settings, api={"base_url": sim.url, "history_url": None})
        if not args.quiet:
            _print(f"simulator on {sim.url} (time runs {scale:g}x faster; no real API is called)")
        return await _execute(args, settings, manifest, key, Clock(scale))


async def _execute(args: argparse.Namespace, settings: Settings, manifest: Manifest, key: str, clock: Clock) -> int:
    for warning in manifest.warnings:
        log.warning(warning)
    REDACTOR.secrets.add(key)
    console = _live_console(args)
    total = len(manifest.jobs)

    def verdict(report: RunReport) -> Verdict:
        code = exit_code(report, total)
        return Verdict(code, _resume_command(args) if code not in (EXIT_OK, EXIT_AUTH) else None)

    outcome = await run_jobs(
        manifest.jobs,
        settings,
        api_key=key,
        clock=clock,
        resubmit_lost=args.resubmit_lost,
        retry_failed=args.retry_failed,
        verify_files=args.verify_files,
        handle_signals=True,
        on_second_signal=_exit_now,
        monitor=partial(_live_progress, console) if console else partial(_log_progress, args.progress_every),
        on_event=_log_event,
        verdict=verdict,
    )
    report = outcome.report
    code = exit_code(report, len(manifest.jobs))
    resume = _resume_command(args) if code not in (EXIT_OK, EXIT_AUTH) else None
    for line in summary_lines(report, outcome.out, manifest, resume_command=resume):
        _print(line)
    if report.fatal is not None:
        _error(str(report.fatal))
    return code


def exit_code_for(exc: BatchgenError) -> int:
    """The exit code for an error that stopped a command before or outside a run."""
    if isinstance(exc, InputError | StorageError):  # StorageError: the output folder is unusable at the start
        return EXIT_USAGE
    if isinstance(exc, LockHeld):
        return EXIT_LOCKED
    if isinstance(exc, AuthError):
        return EXIT_AUTH
    return EXIT_FAILED


def exit_code(report: RunReport, total: int) -> int:
    if report.fatal is not None:
        return EXIT_AUTH if isinstance(report.fatal, AuthError) else EXIT_FAILED
    if report.stop_reason == "interrupted":
        return EXIT_INTERRUPTED
    if report.states.get("completed", 0) == total:
        return EXIT_OK
    if report.stop_reason in ("credits", "spend_cap") and report.states.get("deferred", 0):
        return EXIT_CREDITS
    return EXIT_FAILED


def _resume_command(args: argparse.Namespace) -> str:
    parts = ["batchgen", "run", args.manifest]
    for flag, value in (("--out", args.out), ("--config", args.config), ("--base-url", args.base_url)):
        if value:
            parts += [flag, str(value)]
    if args.simulate:
        parts.append("--simulate")
    return " ".join(shlex.quote(p) for p in parts)


# --------------------------------------------------------------------------- validate / status


def _validate(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    manifest = load_manifest(args.manifest)
    for warning in manifest.warnings:
        log.warning(warning)
    out = OutputDir(settings.output.dir, settings.output.filename)
    _print("\n".join(dry_run_lines(manifest, settings, read_ledger(out.ledger) if out.ledger.exists() else None)))
    return EXIT_OK


def _status(args: argparse.Namespace) -> int:
    root = Path(args.dir)
    ledger_path = root / "ledger.jsonl"
    if not ledger_path.exists():
        raise InputError(f"{root} has no ledger.jsonl; give the --out folder of a batchgen run")
    summary = status_summary(read_ledger(ledger_path), root)
    if args.json:
        _print(json.dumps(summary, indent=2, sort_keys=True))
    else:
        _print("\n".join(summary["lines"]))
    return EXIT_OK


def _report(args: argparse.Namespace) -> int:
    from .publish import publish

    root = Path(args.dir)
    if not (root / "ledger.jsonl").exists():
        raise InputError(f"{root} has no ledger.jsonl; give the --out folder of a batchgen run")
    try:
        page = publish(root, load_settings(args.config).report)
    except OSError as exc:
        raise StorageError(f"cannot write the report in {root} ({exc.strerror or exc}); check the folder") from None
    _print(f"report: {page}   index: {root / 'index.parquet'}")
    return EXIT_OK


# --------------------------------------------------------------------------- simulate


def _simulate(args: argparse.Namespace) -> int:
    from .simulator import SimConfig, SimServer

    rates: dict[str, float] = {}
    for item in args.fault:
        kind, _, rate = item.partition("=")
        try:
            rates[kind] = float(rate)
        except ValueError:
            raise InputError(f"--fault {item!r}: use KIND=PROBABILITY, e.g. submit_error_after=0.1") from None
    media_faults: dict[str, str] = {}
    for item in args.media_fault:
        kind, _, text = item.partition("=")
        if not text:
            raise InputError(f"--media-fault {item!r}: use KIND=TEXT, e.g. wrong_duration=sunset")
        media_faults[text] = kind
    try:
        config = SimConfig(
            time_scale=args.time_scale,
            rpm=args.rpm,
            credits=args.credits,
            workers=args.workers,
            seed=args.seed,
            api_keys=frozenset(args.api_key or ["SG_0123456789abcdef"]),
            retry_after_header=args.retry_after,
            polls_count=not args.polls_free,
            rates=rates,
            media_faults=media_faults,
        )
    except ValueError as exc:
        raise InputError(f"simulate: {exc}") from None

    async def serve() -> None:
        async with SimServer(config, host=args.host, port=args.port, output_host=args.output_host) as sim:
            _print(f"Segmind v2 simulator listening on {sim.url} (outputs on {sim.output_url})")
            _print(
                f"  keys: {', '.join(sorted(config.api_keys))}; time scale {config.time_scale:g}x; "
                f"rpm {config.rpm or 'unlimited'}; credits ${config.credits:.2f}"
            )
            _print(f"  try: batchgen run jobs/example.yaml --base-url {sim.url}  (Ctrl-C stops)")
            sys.stdout.flush()
            with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
                async for _ in signals:
                    break

    anyio.run(serve)
    return EXIT_OK


# --------------------------------------------------------------------------- helpers


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, dict[str, Any]] = {
        "api": {"base_url": args.base_url},
        "limits": {"concurrency": args.concurrency, "requests_per_minute": args.rpm, "max_spend_usd": args.max_spend},
        "output": {"dir": args.out},
    }
    return load_settings(args.config, overrides=overrides)


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


async def _live_progress(console: Console, run: Run) -> None:
    """The live panel on a terminal, refreshed twice a second."""
    with Live(progress_table(run.snapshot()), console=console, refresh_per_second=2, transient=True) as live:
        while True:
            await anyio.sleep(0.5)
            live.update(progress_table(run.snapshot()))


async def _log_progress(every: float, run: Run) -> None:
    """Without a terminal: one concise progress line per interval."""
    while True:
        await anyio.sleep(max(1.0, every))
        log.info(progress_line(run.snapshot()))


def _log_event(event: str, job: TrackedJob) -> None:
    if event in ("failed", "expired", "lost"):
        log.warning("job %s %s: %s", job.spec.id, "failed" if event == "failed" else "was lost", job.error)
    elif event == "download_failed":
        log.warning("job %s: the download failed (%s); run again to retry it", job.spec.id, job.error)
    elif event == "submit_unknown":
        log.info("job %s: the submit's outcome is unknown; looking it up in the request history", job.spec.id)
    else:
        log.debug("job %s: %s", job.spec.id, event)


def _print(text: str) -> None:
    print(text, flush=True)


def _error(text: str) -> None:
    print(f"Error: {text}", file=sys.stderr, flush=True)
