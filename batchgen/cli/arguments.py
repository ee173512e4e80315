"""The command line's arguments: every command, flag and help text (``cli.py`` acts on them)."""

from __future__ import annotations

import argparse

from .. import __version__

MODELS_HELP = "a model spec file (docs/MODEL_SPEC.md) to add a model or override a shipped one; repeatable"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="batchgen", description="Turn a manifest of prompts into a folder of videos.")
    parser.add_argument("--version", action="version", version=f"batchgen {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="submit, poll and download every job in a manifest (resumes)")
    run.add_argument("manifest", help="a .yaml, .csv or .jsonl manifest")
    run.add_argument("--out", help="output folder (default: output.dir, 'out')")
    run.add_argument("--config", help="a YAML config file (see config.example.yaml); kept with the folder")
    run.add_argument(
        "--simulate", action="store_true", help="run against the built-in simulator on loopback; kept with the folder"
    )
    run.add_argument("--base-url", help="API base URL (default https://api.segmind.com); kept with the folder")
    run.add_argument("--concurrency", type=int, help="jobs in flight at once; kept with the folder")
    run.add_argument("--rpm", type=float, help="requests per minute, shared by every API call; kept with the folder")
    run.add_argument(
        "--max-spend",
        type=float,
        metavar="USD",
        help="cap on the output folder's whole spend (what earlier runs spent counts too); never submit a job "
        "whose estimate would pass it; kept with the folder",
    )
    run.add_argument("--dry-run", action="store_true", help="validate and estimate; submit nothing")
    run.add_argument("--models", action="append", default=[], metavar="FILE", help=MODELS_HELP)
    run.add_argument(
        "--resubmit-lost", action="store_true", help="submit again jobs whose video was lost or expired (pays again)"
    )
    run.add_argument(
        "--retry-failed", action="store_true", help="submit again jobs that failed on the server (pays again)"
    )
    run.add_argument(
        "--replace-changed",
        action="store_true",
        help="make anew jobs whose row changed since their id was sent (pays again; the earlier video is kept "
        "in videos/replaced/)",
    )
    run.add_argument(
        "--verify-files",
        action="store_true",
        help="re-hash every finished video (default: only those whose size or mtime changed)",
    )
    run.add_argument(
        "--shard",
        metavar="I/N|auto",
        help="run only shard I of N (0-based), or 'auto' from a Kubernetes Indexed Job or Slurm array",
    )
    run.add_argument("--shards", type=int, metavar="N", help="shard count for --shard auto and --ray")
    run.add_argument(
        "--ray",
        nargs="?",
        const="",
        metavar="ADDRESS",
        help="run --shards N shards as Ray actors (ADDRESS: a cluster; none: start a local one)",
    )
    run.add_argument(
        "--time-scale",
        type=float,
        metavar="X",
        help="only against 'batchgen simulate --time-scale X': run the client's clock X times faster too",
    )
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
    validate.add_argument("--out", help="also say what this output folder has done of the manifest's jobs")
    validate.add_argument("--models", action="append", default=[], metavar="FILE", help=MODELS_HELP)

    models = sub.add_parser("models", help="list every model (or one model's parameters, rules and price)")
    models.add_argument("name", nargs="?", help="a model's slug: print its parameters, allowed values, rules, price")
    models.add_argument("--json", action="store_true", help="machine-readable output")
    models.add_argument("--config", help="a YAML config file (its models.files are added)")
    models.add_argument("--models", action="append", default=[], metavar="FILE", help=MODELS_HELP)

    status = sub.add_parser("status", help="summarise a run's ledger")
    status.add_argument("dir", help="the output folder (or object store prefix) of a run; every shard is merged")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.add_argument(
        "--results",
        metavar="FILE",
        help="also write the merged results table (CSV) to FILE ('-': only the table, to stdout)",
    )

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
    sim.add_argument("--state-file", help="keep the simulated account in this file: loaded at start, saved at exit")
    sim.add_argument("--api-key", action="append", help="accepted key (repeatable); default SG_0123456789abcdef")
    sim.add_argument("--retry-after", action="store_true", help="send Retry-After on 429 (same as --rate-hint both)")
    sim.add_argument(
        "--rate-hint",
        choices=("reset", "retry-after", "both", "none"),
        default="reset",
        help="what a 429 carries: x-rate-limit-reset-at-utc (default), Retry-After, both, or no hint",
    )
    sim.add_argument(
        "--rate-window", type=float, default=60.0, help="the rate limit's sliding window in seconds (default 60)"
    )
    sim.add_argument(
        "--latency-scale", type=float, default=1.0, help="multiply every service time (default 1: published)"
    )
    sim.add_argument(
        "--model-latency",
        action="append",
        default=[],
        metavar="SLUG=SECONDS",
        help="mean service seconds of a model's 5 s video (repeatable)",
    )
    sim.add_argument(
        "--history",
        choices=("on", "off", "error"),
        default="on",
        help="the request history works (on), answers 404 (off) or 500 (error)",
    )
    sim.add_argument("--history-lag", type=float, default=0.0, help="the history shows the account this many s ago")
    sim.add_argument(
        "--history-url",
        choices=("result", "none", "other"),
        default="result",
        help="what a finished history row's generation_url links: the result's own video (default), nothing, "
        "or another file (a preview image)",
    )
    sim.add_argument(
        "--unfinished-result",
        choices=("status", "empty-output", "error-400", "not-found"),
        default="status",
        help="what the result endpoint answers for an unfinished job: its status (default), the status with an "
        "empty output, 400, or 404",
    )
    sim.add_argument("--expiry", type=float, default=3600.0, help="seconds a request record lives (default 3600)")
    sim.add_argument("--models", action="append", default=[], metavar="FILE", help="also play this model spec file")
    sim.add_argument(
        "--history-image",
        choices=("whole", "url", "truncated", "absent"),
        default="whole",
        help="what a history row keeps of an inlined input image: its base64 (default), a URL, a truncated "
        "string, or nothing",
    )
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
