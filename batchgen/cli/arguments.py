"""The command line's arguments: every command, flag and help text (``cli.py`` acts on them)."""

from __future__ import annotations

import argparse
from typing import Any, NoReturn

from .. import __version__

MODELS_HELP = "a model spec file (docs/MODEL_SPEC.md) to add a model or override a shipped one; repeatable"


class CommandLineRefused(Exception):
    """The command line was refused (an unknown flag, a value out of range): argparse's words and the usage of
    the command they concern, for the CLI to say in the log format asked for (JSON under ``--log-format json``)."""

    def __init__(self, usage: str, message: str, prog: str):
        super().__init__(message)
        self.usage = usage
        self.message = message
        self.prog = prog  # 'batchgen run', or 'batchgen' where the refusal is the top level's


class _FullNames(argparse.ArgumentParser):
    """A parser that reads each flag by its full name alone, never an abbreviation of it: what is read before,
    or without, the parser (``entry.given``: the log format of a stop while the CLI is imported, of a refused
    command line) is then what the parser reads, and a flag added later cannot change what a short word meant."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)


class _Parser(_FullNames):
    def error(self, message: str) -> NoReturn:  # argparse's own prints plain text and exits: the CLI says it
        raise CommandLineRefused(self.format_usage(), f"{self.prog}: error: {message}", self.prog)


def build_parser(*, refusals_raised: bool = False) -> argparse.ArgumentParser:
    """The command line's parser; with ``refusals_raised``, one that raises :class:`CommandLineRefused` where
    argparse would print its usage and exit 2 (the CLI says it as its log format asks)."""
    kind = _Parser if refusals_raised else _FullNames
    parser = kind(prog="batchgen", description="Turn a manifest of prompts into a folder of videos.")
    parser.add_argument("--version", action="version", version=f"batchgen {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="submit, poll and download every job in a manifest (resumes)")
    run.add_argument("manifest", help="a .yaml, .csv or .jsonl manifest")
    run.add_argument("--out", type=_nonempty, help="output folder (default: output.dir, 'out')")
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
        "--adopt-key",
        action="store_true",
        help="go on in a folder whose jobs in flight another account's key submitted: they cannot be looked up "
        "under this key and are written expired (never submitted again unless --resubmit-lost)",
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
    run.add_argument("--shards", type=_positive_int, metavar="N", help="shard count for --shard auto and --ray")
    run.add_argument(
        "--ray",
        nargs="?",
        const="",
        metavar="ADDRESS",
        help="run --shards N shards as Ray actors (ADDRESS: a cluster; none: start a local one)",
    )
    run.add_argument(
        "--time-scale",
        type=_positive,
        metavar="X",
        help="run the client's clock X times faster: with --simulate (default 500) or against "
        "'batchgen simulate --time-scale X' (give the same X); kept with the folder",
    )
    run.add_argument("--quiet", action="store_true", help="print only the summary, warnings and errors")
    run.add_argument("--debug", action="store_true", help="verbose logs (the key is redacted) and tracebacks")
    run.add_argument("--log-format", choices=("text", "json"), default="text", help="log lines as text or JSON")
    run.add_argument("--log-file", type=_nonempty, help="also write the log to this file")
    run.add_argument(
        "--progress-every",
        type=_positive,
        default=60.0,
        metavar="SECONDS",
        help="without a terminal, log a progress line this often (default 60)",
    )

    validate = sub.add_parser("validate", help="check a manifest; report every problem; submit nothing")
    validate.add_argument("manifest")
    validate.add_argument("--config")
    validate.add_argument(
        "--out", type=_nonempty, help="also say what this output folder has done of the manifest's jobs"
    )
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
        "--manifest",
        metavar="FILE",
        help="also count the manifest's jobs never submitted (default: the manifest the folder's last run was "
        "given, if it is still there)",
    )
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
    sim.add_argument("--time-scale", type=_positive, default=1.0, help="simulated seconds per real second")
    sim.add_argument("--rpm", type=int, help="requests per minute per key (default: unlimited)")
    sim.add_argument(
        "--credits",
        type=_not_negative,
        help="starting balance in USD (default 1000); with --state-file it replaces the saved balance",
    )
    sim.add_argument(
        "--credits-status",
        type=int,
        choices=(406, 402, 400),
        default=406,
        help="how a submit the balance does not cover is refused: 406 (default, as documented), 402, or 400",
    )
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
        "--history-latency",
        choices=("total", "inference", "none"),
        default="total",
        help="what a finished history row's latency_ms measures: submit to finish (default), the inference "
        "alone (the time queued left out), or nothing",
    )
    sim.add_argument(
        "--clock-offset",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="the server's clock (rows' created_at, the Date header) runs this far ahead of the machine's "
        "(negative: behind)",
    )
    sim.add_argument(
        "--history-order",
        choices=("asked", "oldest", "unsorted"),
        default="asked",
        help="the order of the history's rows: as sort_order asks (default), oldest first whatever is asked, "
        "or unsorted (in no order of time)",
    )
    sim.add_argument(
        "--history-refuse",
        action="append",
        choices=("per_page", "sort_order"),
        default=[],
        metavar="PARAM",
        help="the history answers 400 to a query with this parameter (per_page or sort_order; repeatable)",
    )
    sim.add_argument(
        "--history-backlog",
        type=int,
        default=0,
        metavar="N",
        help="the history also lists N earlier requests of the account, a day old (default 0)",
    )
    sim.add_argument(
        "--account-others",
        type=float,
        default=0.0,
        metavar="PER_MIN",
        help="the account's other users make this many requests a minute, listed in the history among the run's "
        "(default 0)",
    )
    sim.add_argument(
        "--history-page-cap",
        type=int,
        metavar="N",
        help="the history serves at most N rows a page whatever per_page asks, and says nothing of its pages "
        "but the rows (default: per_page, up to 100)",
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
    sim.add_argument(
        "--inline-images",
        choices=("any", "base64", "data_uri", "url"),
        default="any",
        help="the form an image field takes an inlined image in: bare base64 or a data: URI (default), only "
        "one of them, or neither (url: https:// URLs only); a refused form answers 400 naming the field",
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
    sim.add_argument(
        "--history-latency-odd",
        action="append",
        default=[],
        metavar="KIND=TEXT",
        help="finished history rows of prompts containing TEXT give this latency_ms: negative, zero, tiny (1 ms), "
        "absent or huge (a year) (repeatable)",
    )
    _world_arguments(sim)
    return parser


def _world_arguments(sim: argparse.ArgumentParser) -> None:
    """``batchgen simulate``: worlds the real API may show (redirects, keys, states, outputs, outages)."""
    from ..simulator.choices import (
        ACCEPTED_STATUSES,
        CHARGES_SHOWN,
        CREDITS_ANSWERS,
        HISTORY_BODIES,
        HISTORY_IDS,
        HISTORY_MODEL_NAMES,
        HISTORY_SHOWS,
        OUTAGE_KINDS,
        OUTPUT_SHAPES,
        REDIRECT_ROUTES,
        REDIRECT_TARGETS,
        REFUSAL_STATUSES,
    )

    sim.add_argument(
        "--redirect",
        action="append",
        default=[],
        choices=REDIRECT_ROUTES,
        help="answer this API route with a 307 redirect (repeatable)",
    )
    sim.add_argument(
        "--redirect-to",
        choices=REDIRECT_TARGETS,
        default="other",
        help="redirects point to another origin (127.0.0.2, which counts keys sent to it) or the same one",
    )
    sim.add_argument(
        "--redirect-counted",
        action="store_true",
        help="a redirect answered counts against the rate window (--rpm) as the call it redirects would",
    )
    sim.add_argument(
        "--answer-time",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="each API call's round trip takes 0.5-1.5 times this many world seconds (default 0)",
    )
    sim.add_argument("--second-key", action="append", default=[], help="another key of the same account (repeatable)")
    sim.add_argument("--other-account-key", action="append", default=[], help="a key of another account (repeatable)")
    sim.add_argument(
        "--revoke-after", type=int, metavar="N", help="the first --api-key answers 401 once N jobs were made with it"
    )
    sim.add_argument("--state-case", choices=("upper", "lower"), default="upper", help="how states are spelled")
    sim.add_argument("--extra-states", action="store_true", help="serve IN_QUEUE and STARTING as well")
    sim.add_argument(
        "--history-ids",
        choices=HISTORY_IDS,
        default="same",
        help="the request history spells request ids as their submits did (default), or bare: 32 hex digits, "
        "the UUID's dashes left out",
    )
    sim.add_argument(
        "--history-model-names",
        choices=HISTORY_MODEL_NAMES,
        default="slug",
        help="the model_name history rows give, and their model_name filter matches: the slug (default), the "
        "slug behind a prefix (segmind/SLUG), or a title without it",
    )
    sim.add_argument(
        "--history-titled",
        action="append",
        default=[],
        metavar="SLUG",
        help="the history gives this model a title, whatever --history-model-names gives the others (repeatable)",
    )
    sim.add_argument(
        "--history-bodies",
        choices=HISTORY_BODIES,
        default="sent",
        help="what a history row's request_body holds: the body as sent (default), with the model's defaults "
        "filled in, as JSON text, or nothing",
    )
    sim.add_argument(
        "--accepted-status",
        type=int,
        choices=ACCEPTED_STATUSES,
        default=200,
        help="the HTTP status of an accepted submit, and of a poll of a job in flight: 200 as documented "
        "(default), 201 Created or 202 Accepted",
    )
    sim.add_argument(
        "--credits-answer",
        choices=CREDITS_ANSWERS,
        default="balance",
        help="what GET /v1/get-user-credits answers: the balance (default), 404 'No credits found for the user', "
        "an HTML page, a JSON object without a balance, or 406 'Invalid content type'",
    )
    sim.add_argument(
        "--history-shows",
        choices=HISTORY_SHOWS,
        default="all",
        help="the history lists every request (default), or only those finished (no PENDING rows)",
    )
    sim.add_argument(
        "--charges-shown",
        choices=CHARGES_SHOWN,
        default="charged",
        help="what a finished job's result and history row give as its charge: what it was charged (default), "
        "0, or nothing (charged all the same)",
    )
    sim.add_argument(
        "--cancel", action="append", default=[], metavar="TEXT", help="jobs whose prompt has TEXT end CANCELLED"
    )
    sim.add_argument("--output-shape", choices=OUTPUT_SHAPES, default="string", help="a finished result's output")
    sim.add_argument("--outage", type=float, default=0.0, metavar="SECONDS", help="every API route fails this long")
    sim.add_argument("--outage-at", type=float, metavar="SECONDS", help="... starting this long after the start")
    sim.add_argument("--outage-after-submits", type=int, metavar="N", help="... or with the submit after the first N")
    sim.add_argument("--outage-kind", choices=OUTAGE_KINDS, default="503", help="503 answers or dropped connections")
    sim.add_argument(
        "--refuse",
        action="append",
        default=[],
        choices=REDIRECT_ROUTES,
        help="a gateway in front of the API answers this route with an HTML page of --refuse-status (repeatable)",
    )
    sim.add_argument("--refuse-status", type=int, choices=REFUSAL_STATUSES, default=403, help="401 or 403")
    sim.add_argument(
        "--refuse-after-submits", type=int, default=0, metavar="N", help="... from the submit after the first N"
    )
    sim.add_argument("--refuse-for", type=float, metavar="SECONDS", help="... for this long (default: for good)")


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"{text!r} is not a usable number")
    return value


def _positive(text: str) -> float:
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def _not_negative(text: str) -> float:
    value = _number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {text}")
    return value


def _nonempty(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text
