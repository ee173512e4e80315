"""Drive the CLI as a user would, in random simulated worlds, killing runs at random moments.

For each seed: ``batchgen simulate`` with a random world (time 50 or 100 times faster, 2-20 workers, a limit
over a 10- or 60-s window with any kind of 429 hint or none, a history that works, answers 404 or 500, lags,
lists rows in another order, links previews or is crowded by another user, records of 600-1,200 s, slow
answers, redirects, low credits, faults on submits, polls, the history and downloads); a manifest of 8-30
jobs; ``batchgen run`` with a random config, killed (SIGKILL, SIGTERM or SIGINT) 0-3 times at random moments,
then run once more to its end.  The simulator's account, saved as it stops, is then checked against the
output folder: no job paid twice, every ledger line readable, no job ``completed`` without its video, the
last exit code one the README gives, every charge in the spend or told as one that may be charged (as
``status`` reads the ledger); and each paid video not on disk is listed, to be read against its world (some
worlds leave a client no way to fetch it).

Loopback only; it writes ``bench/reports/fuzz/s<seed>/`` and one JSON line a world to
``bench/reports/fuzz.jsonl``.  A world takes 10 s to a few minutes::

    python -m bench.fuzz 900 920        # seeds 900 to 919
    python -m bench.fuzz 3000 3020 --mixed --wide   # models across the catalogue; the API's rarer shapes too
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from batchgen.jobs import UNFETCHED
from batchgen.store.ledger import read_ledger

from .images import noise_png

ROOT = Path(__file__).resolve().parent.parent
KEY = "SG_0123456789abcdef"
EXITS = {0, 1, 3, 6}  # what a final run in these worlds may end with (README, "Exit codes")
FAULTS = ("submit_error_after", "submit_drop_after", "poll_error", "poll_drop", "history_error", "truncate", "fail")


def world(rng: random.Random) -> tuple[dict[str, Any], list[str]]:
    """The simulator's flags (and faults) of one random world."""
    flags: dict[str, Any] = {
        "--time-scale": rng.choice([50, 100]),
        "--seed": rng.randrange(1000),
        "--workers": rng.choice([2, 4, 8, 20]),
    }
    if rng.random() < 0.6:
        flags["--rpm"] = rng.choice([20, 40, 120])
        flags["--rate-window"] = rng.choice([10, 60])
        flags["--rate-hint"] = rng.choice(["reset", "retry-after", "both", "none"])
    flags["--history"] = rng.choice(["on"] * 4 + ["off", "error"])
    maybe: list[tuple[float, str, list[Any]]] = [
        (0.3, "--history-lag", [5, 60]),
        (0.3, "--history-latency", ["inference", "none"]),
        (0.3, "--history-order", ["oldest", "unsorted"]),
        (0.2, "--history-url", ["none", "other"]),
        (0.3, "--expiry", [600, 1200]),
        (0.3, "--answer-time", [0.5, 2.0]),
        (0.2, "--credits", [3.0, 6.0]),
        (0.2, "--redirect", ["status", "result", "history"]),
        (0.2, "--account-others", [5, 30]),
        (0.2, "--unfinished-result", ["empty-output", "error-400", "not-found"]),
    ]
    for chance, flag, values in maybe:
        if rng.random() < chance:
            flags[flag] = rng.choice(values)
    faults = [f"{kind}={rng.choice([0.05, 0.15])}" for kind in FAULTS if rng.random() < 0.15]
    return flags, faults


# the API's rarer shapes (README, "The simulator"), which a wide world also draws, each at its chance: a flag
# with its values, or a bare flag (values None)
WIDE: list[tuple[float, str, list[Any] | None]] = [
    (0.3, "--latency-scale", [0.3, 3]),
    (0.2, "--clock-offset", [-600, 900]),
    (0.2, "--history-backlog", [50, 400]),
    (0.2, "--history-page-cap", [10, 25]),
    (0.15, "--history-refuse", ["per_page", "sort_order"]),
    (0.2, "--history-ids", ["bare"]),
    (0.2, "--history-model-names", ["prefixed", "titled"]),
    (0.2, "--history-bodies", ["filled", "text", "none"]),
    (0.2, "--history-shows", ["finished"]),
    (0.15, "--history-image", ["url", "truncated", "absent"]),
    (0.2, "--history-latency-odd", ["negative=number 1 ", "zero=number 2 ", "tiny=number 3 ", "huge=number 4 "]),
    (0.2, "--state-case", ["upper", "lower"]),
    (0.2, "--extra-states", None),
    (0.2, "--accepted-status", [201, 202]),
    (0.2, "--output-shape", ["list", "object", "url-object", "list-preview-first"]),
    (0.2, "--credits-answer", ["not-found", "html", "no-balance", "content-type"]),
    (0.15, "--credits-status", [402, 400]),
    (0.15, "--inline-images", ["base64", "data_uri"]),
    (0.15, "--polls-free", None),
    (0.15, "--redirect-to", ["same"]),
    (0.15, "--redirect-counted", None),
    (0.1, "--charges-shown", ["zero", "none"]),
]


def wide(rng: random.Random) -> list[str]:
    """The simulator's further flags in a wide world: the rarer shapes of :data:`WIDE`, and now and then an
    outage (503s or dropped connections for 20-90 s, from a moment or a submit) or a gateway in front of the API
    refusing a route for a while."""
    argv: list[str] = []
    for chance, flag, values in WIDE:
        if rng.random() < chance:
            argv += [flag] if values is None else [flag, str(rng.choice(values))]
    if rng.random() < 0.15:
        start = ["--outage-at", str(rng.choice([30, 120]))] if rng.random() < 0.5 else ["--outage-after-submits", "3"]
        argv += ["--outage", str(rng.choice([20, 90])), *start, "--outage-kind", rng.choice(["503", "drop"])]
    if rng.random() < 0.1:
        route = rng.choice(["submit", "status", "result", "history", "credits"])
        argv += ["--refuse", route, "--refuse-after-submits", "4", "--refuse-for", "60"]
    return argv


def check(folder: Path, state: dict[str, Any], codes: list[int | str]) -> dict[str, Any]:
    """What the account and the folder say together: problems (promises broken) and paid videos not on disk."""
    problems: list[str] = []
    bodies = collections.Counter(json.dumps([slug, sorted(body.items())]) for _, slug, body in state["submissions"])
    if twice := sum(n - 1 for n in bodies.values() if n > 1):
        problems.append(f"paid twice: {twice} submissions repeated an earlier one")
    last: dict[str, str] = {}
    by_request: dict[str, str] = {}
    for line in (folder / "ledger.jsonl").read_text(encoding="utf-8").splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            problems.append("a ledger line cannot be read")
            continue
        last[event["job_id"]] = event.get("state", "")
        if event.get("request_id"):
            by_request[event["request_id"]] = event["job_id"]
    videos = folder / "videos"
    problems += [f"{job} completed without its video" for job, s in last.items() if s == "completed"
                 and not (videos / f"{job}.mp4").exists()]  # fmt: skip
    if codes[-1] != "timeout" and codes[-1] not in EXITS:
        problems.append(f"the last run exited {codes[-1]}")
    rows = (folder.parent / "m.yaml").read_text(encoding="utf-8").count("  - id: ")
    done = sum(s == "completed" for s in last.values()) == rows
    if (codes[-1] == 0) is not done and codes[-1] != "timeout":  # (README: 0 is every job completed, and only that)
        problems.append(f"the last run exited {codes[-1]} with {'every' if done else 'not every'} job completed")
    not_on_disk = [
        (job["request_id"], by_request.get(job["request_id"]), last.get(by_request.get(job["request_id"], "")))
        for job in state["jobs"]
        if job["outcome"] == "COMPLETED" and job.get("charged")
        and not (videos / f"{by_request.get(job['request_id'])}.mp4").exists()
    ]  # fmt: skip
    if untold := charges_untold(folder, state):
        problems.append(f"charged, neither in the spend nor told as may be charged: {', '.join(untold[:3])}")
    return {"states": collections.Counter(last.values()), "paid_not_on_disk": not_on_disk, "problems": problems}


def charges_untold(folder: Path, state: dict[str, Any]) -> list[str]:
    """The account's charges that what ``status`` reads from the folder's ledger leaves untold: each must be in
    the spend (a cost recorded, now or for an earlier request of its job, never less than charged), or told as
    one that may be charged or was with no charge reported (a request made and not fetched; a job completed
    with none; an earlier request of a job whose charge no answer reported; a submit of unknown outcome, at
    most one charge each)."""
    jobs = read_ledger(folder / "ledger.jsonl").jobs.values()
    current = {rec["request_id"]: rec for rec in jobs if rec.get("request_id")}
    earlier = {rid: rec for rec in jobs for rid in rec.get("ended_requests") or ()}
    unknown = sum(rec.get("state") == "submitting" for rec in jobs)
    untold = []
    for job in state["jobs"]:
        if not job.get("charged"):
            continue
        rid = job["request_id"]
        if (rec := current.get(rid)) is not None:
            cost, unfetched = rec.get("cost"), rec.get("state") in UNFETCHED or rec.get("state") == "completed"
            told = (cost >= job["cost"] - 1e-6) if cost is not None else unfetched or bool(rec.get("unreported_before"))
        elif (rec := earlier.get(rid)) is not None:
            told = bool(rec.get("paid_before") or rec.get("unreported_before"))
        else:
            told, unknown = unknown > 0, unknown - 1
        if not told:
            untold.append(f"{rid} (${job.get('cost')}, {rec.get('state') if rec else 'not in the ledger'})")
    return untold


# the catalogue's models a mixed manifest's rows take, each with what a row of it may set: an image-to-video model
# its image (a local file, sent inline), and a duration among those its spec allows
MIXED: dict[str, tuple[str | None, tuple[int, ...]]] = {
    "kling-text2video": (None, (5, 10)),
    "kling-1.6-text2video": (None, (5, 10)),
    "kling-2.6": (None, (5, 10)),
    "kling-3-standard-text2video": (None, (3, 8, 15)),
    "kling-2.1": ("image", (5, 10)),
    "kling-1.6-image2video": ("image", (5, 10)),
    "kling-3-standard-image2video": ("start_image_url", (3, 8, 15)),
    "kling-o3-image2video": ("image_url", (5, 10)),
}


def mixed_rows(rng: random.Random, count: int, seed: int, folder: Path) -> str:
    """``count`` rows of models drawn from :data:`MIXED`, the image ones with ``frame.png`` (316 px, written)."""
    (folder / "frame.png").write_bytes(noise_png(0.3, seed))
    rows = []
    for i in range(count):
        model = rng.choice(sorted(MIXED))
        field, durations = MIXED[model]
        row = f'  - id: j{i}\n    model: {model}\n    prompt: "scene number {i} of seed {seed}"\n'
        row += f"    duration: {rng.choice(durations)}\n"
        rows.append(row + (f"    {field}: frame.png\n" if field else ""))
    return "".join(rows)


def one(seed: int, reports: Path, *, mixed: bool = False, wider: bool = False) -> dict[str, Any]:
    rng = random.Random(seed)
    flags, faults = world(rng)
    more = wide(random.Random(seed * 104729 + 3)) if wider else []  # (its own draws, as a mixed manifest's)
    folder = reports / "fuzz" / f"s{seed}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    state = folder / "sim.json"
    argv = [sys.executable, "-m", "batchgen", "simulate", "--port", "0", "--state-file", str(state)]
    argv += [str(word) for flag, value in flags.items() for word in (flag, value)]
    argv += [word for fault in faults for word in ("--fault", fault)] + more
    with open(folder / "sim.err", "w") as err:
        sim = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=err, text=True)
    assert sim.stdout is not None
    found = re.search(r"listening on (\S+)", sim.stdout.readline())
    if found is None:
        sim.kill()
        raise RuntimeError(f"seed {seed}: the simulator did not start (see {folder / 'sim.err'})")
    jobs = "".join(
        f'  - id: j{i}\n    prompt: "scene number {i} of seed {seed}"\n' + ("    duration: 10\n" if rng.random() < 0.3
                                                                            else "")
        for i in range(rng.choice([8, 16, 30]))
    )  # fmt: skip
    model = rng.choice(["kling-text2video", "kling-1.6-text2video"])
    if mixed:  # (its own draws: the seeds' worlds, configs and kills stay what they are without it)
        jobs = mixed_rows(random.Random(seed * 7919 + 1), jobs.count("  - id: "), seed, folder)
    (folder / "m.yaml").write_text(f"model: {model}\njobs:\n{jobs}")
    limits: dict[str, Any] = {"concurrency": rng.choice([2, 4, 8, 16])}
    config: dict[str, Any] = {"limits": limits}
    if "--rpm" in flags:
        limits["requests_per_minute"] = rng.choice([flags["--rpm"], flags["--rpm"] * 2])
        if rng.random() < 0.5:
            limits["rate_window_s"] = flags["--rate-window"]
    if "--expiry" in flags and rng.random() < 0.5:
        config["polling"] = {"expiry_s": flags["--expiry"], "expiry_margin_s": flags["--expiry"] / 4}
    (folder / "c.yaml").write_text(json.dumps(config))
    run = [sys.executable, "-m", "batchgen", "run", str(folder / "m.yaml"), "--base-url", found.group(1),
           "--out", str(folder / "out"), "--time-scale", str(flags["--time-scale"]),
           "--config", str(folder / "c.yaml")]  # fmt: skip
    env = {**os.environ, "SEGMIND_API_KEY": KEY}
    codes: list[int | str] = []
    try:
        for attempt in range(rng.choice([0, 1, 2, 3])):
            with open(folder / f"run{attempt}.out", "w") as out:
                proc = subprocess.Popen(run, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
                try:
                    proc.wait(timeout=rng.uniform(0.5, 8.0))
                except subprocess.TimeoutExpired:
                    proc.send_signal(rng.choice([signal.SIGKILL, signal.SIGKILL, signal.SIGTERM, signal.SIGINT]))
                    proc.wait()
            codes.append(proc.returncode)
        with open(folder / "final.out", "w") as out:
            try:
                codes.append(subprocess.run(run, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                            timeout=240).returncode)  # fmt: skip
            except subprocess.TimeoutExpired:
                codes.append("timeout")
    finally:
        sim.send_signal(signal.SIGINT)
        sim.wait(timeout=60)
    checked = check(folder / "out", json.loads(state.read_text()), codes)
    world_flags = {**flags, "wide": more} if wider else flags
    return {"seed": seed, "world": world_flags, "faults": faults, "config": config, "codes": codes, **checked}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("first", type=int, help="the first seed")
    parser.add_argument("end", type=int, help="the seed after the last")
    parser.add_argument("--reports", type=Path, default=ROOT / "bench" / "reports")
    parser.add_argument(
        "--mixed",
        action="store_true",
        help="rows take models from across the catalogue (text and image to video, 3-15 s), image ones with an image",
    )
    parser.add_argument(
        "--wide",
        action="store_true",
        help="worlds also take the API's rarer shapes: clock offsets, backlogs, page caps, refused parameters, "
        "bare ids, other model names and row bodies, odd latencies, state spellings, output shapes, balance "
        "answers, outages and gateway refusals",
    )
    args = parser.parse_args(argv)
    args.reports.mkdir(parents=True, exist_ok=True)
    broken = 0
    with open(args.reports / "fuzz.jsonl", "a", encoding="utf-8") as log:
        for seed in range(args.first, args.end):
            result = one(seed, args.reports, mixed=args.mixed, wider=args.wide)
            broken += bool(result["problems"])
            log.write(json.dumps(result) + "\n")
            log.flush()
            lost = len(result["paid_not_on_disk"])
            print(f"seed {seed}: exits {result['codes']}, {dict(result['states'])}, {lost} paid not on disk, "
                  f"problems {result['problems'] or 'none'}", flush=True)  # fmt: skip
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
