"""Sharded runs into an object store: 1, 2, 4 and 8 shards, one key per shard.

    python -m bench.shards                          # writes bench/reports/shards.md and .json
    python -m bench.shards --shards 1 2 --jobs-per-shard 20

An S3-compatible server (moto) runs on loopback inside this process; the
simulator runs as its own process with one API key per shard, each key
limited to ``--rpm`` requests per (simulated) minute.  Every shard is a
separate ``batchgen run --shard I/N --out s3://...`` process with its own key
and ``--rpm`` set to that key's limit.  Work grows with the shard count
(``--jobs-per-shard`` each), so each key has the same work.

Figures (simulated time unless marked real):

* videos/hour: completed videos / makespan (start of the first process to the
  end of the last), and steady: between the first and the last result fetched
  (leaves out the first wave's ~5 minutes of rendering);
* bound: the sum of the keys' limits turned into videos/hour at the measured
  requests/video (the JSON also has the floor, at 2 requests a video: a
  submit and a result); the share says how much of that the run achieved;
* requests/video: every API call the simulator counted, over videos;
* of linear: steady videos/hour over the shard count times one shard's
  (the median of the one-shard runs); the same for the server's own
  finishes (first to last job finished on the simulator), which shows how
  much of the loss is the world's (a window from the first to the last of
  N times more jobs is stretched by the longest of more service-time
  draws), and for the middle 80% of results (10th to 90th percentile);
* PUTs/video and storage/video: object-store writes counted at the server,
  bytes stored under the prefix, over videos; S3 requests/video counts the
  run's requests and those of one ``batchgen status`` after it;
* CPU seconds (JSON): each shard process's, the simulator's, and this
  process's (moto's server runs in it), to tell a slow key from a busy machine.

Nothing here asserts on time: it measures and reports.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

from .run import REPORTS, launch_simulator, text_manifest

MIN_REQUESTS_PER_VIDEO = 2  # a submit and a result fetch; status polls and history reads come on top


class S3Requests(logging.Handler):
    """Counts the object-store requests moto's server logs, by method."""

    def __init__(self) -> None:
        super().__init__()
        self.methods: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        for method in ("PUT", "GET", "DELETE", "HEAD", "POST"):
            if f'"{method} ' in text:
                self.methods[method] += 1
                return


def start_moto() -> tuple[Any, str, S3Requests]:
    import boto3
    from moto.server import ThreadedMotoServer

    counter = S3Requests()
    werkzeug = logging.getLogger("werkzeug")
    werkzeug.addHandler(counter)
    werkzeug.setLevel(logging.INFO)
    werkzeug.propagate = False
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_REGION="us-east-1",
        AWS_ENDPOINT_URL=endpoint,
        AWS_ALLOW_HTTP="true",
    )
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket="bench-shards")
    return server, endpoint, counter


def start_simulator(keys: list[str], args: argparse.Namespace) -> tuple[subprocess.Popen[bytes], str]:
    argv = ["--time-scale", str(args.time_scale), "--workers", str(args.workers), "--rpm", str(args.rpm),
            "--credits", "1000000", "--seed", "5"]  # fmt: skip
    for key in keys:
        argv += ["--api-key", key]
    return launch_simulator(argv, timeout_s=20.0)


def one_size(shards: int, args: argparse.Namespace, work: Path, counter: S3Requests, rep: int = 0) -> dict[str, Any]:
    keys = [f"SG_bench{shard:02d}{'0' * 8}" for shard in range(shards)]
    sim, url = start_simulator(keys, args)
    jobs = shards * args.jobs_per_shard
    m = text_manifest(work / f"m{shards}.yaml", jobs)
    out = f"s3://bench-shards/n{shards}-r{rep}"
    counter.methods.clear()
    procs = []
    started = time.monotonic()
    try:
        for shard in range(shards):
            env = {**os.environ, "SEGMIND_API_KEY": keys[shard]}
            argv = [sys.executable, "-m", "batchgen", "run", str(m), "--out", out, "--shard", f"{shard}/{shards}",
                    "--rpm", str(args.rpm), "--concurrency", str(args.concurrency), "--base-url", url,
                    "--time-scale", str(args.time_scale), "--quiet"]  # fmt: skip
            procs.append(subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        codes, cpu, ended = [], [], []
        for proc in procs:  # each shard's exit code, CPU seconds and real end
            _, waited, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(waited)
            codes.append(proc.returncode)
            cpu.append(usage.ru_utime + usage.ru_stime)
            ended.append(time.monotonic() - started)
        wall = time.monotonic() - started
        with urllib.request.urlopen(f"{url}/_sim/stats", timeout=60) as resp:
            stats = json.load(resp)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
        sim.terminate()
        _, _, usage = os.wait4(sim.pid, 0)
        sim.returncode = 0
    sim_cpu = usage.ru_utime + usage.ru_stime
    status = subprocess.run(
        [sys.executable, "-m", "batchgen", "status", out, "--json"], capture_output=True, text=True, check=True
    )
    methods = Counter(counter.methods)  # the run's and its status's requests, not the benchmark's reads below
    summary = json.loads(status.stdout)
    completed = summary["states"].get("completed", 0)
    stored = stored_bytes("bench-shards", f"n{shards}-r{rep}/")
    api_requests = sum(v for k, v in stats["counters"].items() if not k.startswith("/generations"))
    makespan_h = wall * args.time_scale / 3600
    fetched = sorted(j["fetched"] for j in stats["jobs"] if j.get("fetched") is not None)
    steady = (len(fetched) - 1) / (fetched[-1] - fetched[0]) * 3600 if len(fetched) > 1 else None
    # The same figure for the server's own finishes: the first-to-last window grows with the longest of
    # more service-time draws whatever the client does, so batchgen's share of the server's rate is shown too.
    finished = sorted(j["finish"] for j in stats["jobs"] if j.get("finish") is not None)
    server_steady = (len(finished) - 1) / (finished[-1] - finished[0]) * 3600 if len(finished) > 1 else None
    middle = _middle_rate(fetched)
    per_video = api_requests / max(completed, 1)
    bound = shards * args.rpm * 60 / per_video  # the keys' limits, spent at the measured requests/video
    return {
        "shards": shards,
        "keys": shards,
        "jobs": jobs,
        "completed": completed,
        "exit_codes": codes,
        "wall_s_real": round(wall, 2),
        "makespan_h": round(makespan_h, 3),
        "videos_per_hour": round(completed / makespan_h, 1) if makespan_h else None,
        "steady_videos_per_hour": round(steady, 1) if steady else None,
        "bound_videos_per_hour": bound,
        "share_of_bound": round(completed / makespan_h / bound, 3) if makespan_h else None,
        "steady_share": round(steady / bound, 3) if steady else None,
        "server_steady_videos_per_hour": round(server_steady, 1) if server_steady else None,
        "middle_videos_per_hour": round(middle, 1) if middle else None,
        "floor_bound_videos_per_hour": shards * args.rpm * 60 / MIN_REQUESTS_PER_VIDEO,
        "requests_per_video": round(api_requests / max(completed, 1), 2),
        "puts_per_video": round(methods["PUT"] / max(completed, 1), 2),
        "s3_requests_per_video": round(sum(methods.values()) / max(completed, 1), 2),
        "s3_methods": dict(methods),
        "stored_bytes_per_video": round(stored / max(completed, 1)),
        "cpu_s_per_shard_real": [round(c, 2) for c in cpu],
        "cpu_s_simulator_real": round(sim_cpu, 2),
        "cpu_s_bench_and_s3_real": round(bench_cpu(), 2),
        "shard_ends_s_real": [round(e, 2) for e in sorted(ended)],
        "duplicate_submissions": stats.get("duplicates"),
        "rate_limited": stats.get("rate_limited"),
    }


def _middle_rate(times: list[float]) -> float | None:
    """Videos/hour between the 10th and the 90th percentile of ``times`` (sorted): the steady state without
    the first wave and without the last stragglers."""
    if len(times) < 10:
        return None
    low, high = times[len(times) // 10], times[len(times) * 9 // 10]
    count = len(times) * 9 // 10 - len(times) // 10
    return count / (high - low) * 3600 if high > low else None


def bench_cpu() -> float:
    """CPU seconds of this process so far: moto's S3 server runs in it."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def stored_bytes(bucket: str, prefix: str) -> int:
    import boto3

    client = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="us-east-1")
    total = 0
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        total += sum(item["Size"] for item in page.get("Contents", []))
    return total


def report(rows: list[dict[str, Any]], args: argparse.Namespace) -> str:
    lines = [
        "# Sharded runs into an object store",
        "",
        f"One key per shard, each limited to {args.rpm} requests/min; {args.jobs_per_shard} jobs per shard; "
        f"simulator time x{args.time_scale:g}; concurrency {args.concurrency} per shard; moto on loopback.",
        "",
        "| shards (keys) | videos | videos/hour (makespan) | videos/hour (steady) | of linear (steady) | "
        "server's finishes: of linear | middle 80%: videos/hour, of linear | "
        "bound (keys' limits) | share (makespan) | share (steady) | requests/video | PUTs/video | "
        "S3 requests/video | stored bytes/video | 429s | duplicates |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['shards']} | {r['completed']}/{r['jobs']} | {r['videos_per_hour']} | "
            f"{r['steady_videos_per_hour']} | {_linear(rows, r, 'steady_videos_per_hour')} | "
            f"{_linear(rows, r, 'server_steady_videos_per_hour')} | "
            f"{r['middle_videos_per_hour']}, {_linear(rows, r, 'middle_videos_per_hour')} | "
            f"{r['bound_videos_per_hour']:.0f} | {r['share_of_bound']} | {r['steady_share']} | "
            f"{r['requests_per_video']} | "
            f"{r['puts_per_video']} | {r['s3_requests_per_video']} | {r['stored_bytes_per_video']} | "
            f"{r['rate_limited']} | {r['duplicate_submissions']} |"
        )
    return "\n".join(lines) + "\n"


def _linear(rows: list[dict[str, Any]], row: dict[str, Any], field: str) -> str:
    """``row[field]`` over the shard count times the median of the one-shard runs' ``field``."""
    ones = [r[field] for r in rows if r["shards"] == 1 and r.get(field)]
    if not ones or not row.get(field):
        return ""
    return f"{row[field] / (row['shards'] * statistics.median(ones)):.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shards", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument(
        "--jobs-per-shard",
        type=int,
        default=60,
        help="each key's work; at 30 (one wave at concurrency 24) 'steady' is mostly the first wave's ramp "
        "and the tail's longest draws, which grow with the shard count whatever the client does",
    )
    parser.add_argument("--rpm", type=int, default=12, help="each key's limit, requests per simulated minute")
    parser.add_argument("--concurrency", type=int, default=24, help="per shard; enough to keep a key busy")
    parser.add_argument("--time-scale", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=256, help="simulator workers (shared by every key)")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each size (one row each)")
    args = parser.parse_args()
    server, _, counter = start_moto()
    rows = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for rep in range(args.repeats):
                for shards in args.shards:
                    row = one_size(shards, args, Path(tmp), counter, rep)
                    print(json.dumps(row), flush=True)
                    rows.append(row)
    finally:
        server.stop()
    rows.sort(key=lambda r: r["shards"])
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "shards.json").write_text(json.dumps({"args": vars(args), "rows": rows}, indent=2) + "\n")
    text = report(rows, args)
    (REPORTS / "shards.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
