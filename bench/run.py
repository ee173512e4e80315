"""Run benchmark scenarios and write Markdown and JSON reports to bench/reports/.

    python -m bench.run overnight tight-limit      # batchgen against both baselines
    python -m bench.run smoke --contenders batchgen
    python -m bench.scale                          # 100k manifest, 100k ledger, 10k in flight

Each contender runs in a fresh worker process (bench/worker.py) against a
fresh simulator process (``batchgen simulate``) with the same seed, so service
times are the same draws, and CPU and peak RSS belong to the contender alone.
Nothing here asserts on time: it measures and reports.

Figures (all in simulated seconds unless marked real):

* makespan: the contender's wall time x the time scale;
* lower bound: the larger of (the makespan of first-come-first-served service
  of the actual service times, in submission order, on the workers: what a
  client with zero delay would get) and (3 requests per job / the server's
  limit); the simpler max(sum / workers, longest) is reported beside it.  The
  workers are the server's, or the contenders' concurrency where that is
  fewer (no client keeps more jobs going than it may have in flight);
* efficiency = lower bound / makespan;
* requests and status polls per completed job (from the simulator's counters);
* detection delay: from a job finishing on the server to the client being
  given its video's link (its result, or a history row that carries the
  link), median and p95, as a fraction of the median service time.
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from .scenarios import SCENARIOS, Scenario

REPORTS = Path(__file__).resolve().parent / "reports"
KEY = "SG_0123456789abcdef"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def launch_simulator(args: list[str], *, timeout_s: float = 30.0) -> tuple[subprocess.Popen[bytes], str]:
    """``batchgen simulate`` with these arguments on a free loopback port; (process, base URL) once it
    answers.  Its stderr is kept for the error should it die first."""
    port = free_port()
    argv = [sys.executable, "-m", "batchgen", "simulate", "--port", str(port), *args]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "simulator died") from None
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the simulator did not start")


def text_manifest(path: Path, count: int) -> Path:
    """``count`` kling-text2video jobs of 5 s, ids clip-00000 on."""
    lines = ["model: kling-text2video", "defaults: {duration: 5}", "jobs:"]
    lines += [f'  - id: clip-{i:05d}\n    prompt: "scene {i}"' for i in range(count)]
    path.write_text("\n".join(lines) + "\n")
    return path


def start_simulator(sc: Scenario, extra: tuple[str, ...] = ()) -> tuple[subprocess.Popen[bytes], str]:
    args = ["--time-scale", str(sc.time_scale), "--workers", str(sc.workers), "--seed", str(sc.seed),
            "--api-key", KEY, "--credits", "1000000"]  # fmt: skip
    if sc.server_rpm:
        args += ["--rpm", str(sc.server_rpm)]
    return launch_simulator([*args, *extra], timeout_s=20.0)


def stats(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/_sim/stats", timeout=60) as resp:
        return json.loads(resp.read())


def run_contender(
    sc: Scenario,
    contender: str,
    *,
    sim_args: tuple[str, ...] = (),
    client: dict[str, Any] | None = None,
    report: bool = True,
) -> dict[str, Any]:
    """One contender against a fresh simulator.  ``client``: a user's config for the world
    (then the contender is not told the simulator's clock)."""
    sim, url = start_simulator(sc, sim_args)
    try:
        with tempfile.TemporaryDirectory() as out:
            spec: dict[str, Any] = {
                "contender": contender,
                "url": url,
                "key": KEY,
                "scenario": sc.to_dict(),
                "out": out,
            }
            if client is not None:
                spec["client"] = client
            if not report:
                spec["no_report"] = True
            done = subprocess.run(
                [sys.executable, "-m", "bench.worker", json.dumps(spec)],
                capture_output=True,
                text=True,
                timeout=4 * 3600,
            )
            if done.returncode != 0:
                raise RuntimeError(f"{contender} worker failed:\n{done.stderr[-3000:]}")
            result = json.loads(done.stdout.strip().splitlines()[-1])
        return figures(sc, result, stats(url))
    finally:
        sim.send_signal(signal.SIGINT)
        sim.wait(timeout=20)


def list_schedule(services: list[float], workers: int) -> float:
    """Makespan of first-come-first-served service on ``workers`` workers with zero client delay:
    what an ideal client gets from this server with these actual service times."""
    free = [0.0] * workers
    heapq.heapify(free)
    end = 0.0
    for duration in services:
        start = heapq.heappop(free)
        heapq.heappush(free, start + duration)
        end = max(end, start + duration)
    return end


def floor_schedule(services: list[float], workers: int, rate_per_s: float | None) -> float:
    """The one-request floor: job ``i`` (in submission order) is submitted at ``i / rate`` (one
    request per video at the server's limit), starts on the first free worker no earlier, and
    takes its actual service time; the makespan of that.  Nothing can beat it: every video
    needs its submit, and the last job its own time after it."""
    free = [0.0] * workers
    heapq.heapify(free)
    end = 0.0
    for i, duration in enumerate(services):
        release = i / rate_per_s if rate_per_s else 0.0
        start = max(release, heapq.heappop(free))
        heapq.heappush(free, start + duration)
        end = max(end, start + duration)
    return end


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def figures(sc: Scenario, worker: dict[str, Any], sim: dict[str, Any]) -> dict[str, Any]:
    done = [j for j in sim["jobs"] if j["outcome"] == "COMPLETED" and j["finish"] is not None]
    service = [j["finish"] - j["start"] for j in done]
    delays = [j["fetched"] - j["finish"] for j in done if j["fetched"] is not None]
    completed = max(1, worker["completed"])
    counters = sim["counters"]
    api_requests = sum(v for k, v in counters.items() if not k.startswith("/generations"))
    polls = counters.get("/v2/requests/{rid}/status", 0)
    in_order = [j["finish"] - j["start"] for j in sorted(done, key=lambda j: j["submitted"])]
    slots = min(sc.workers, sc.concurrency)  # the most jobs any contender may keep going at once
    lb_work = list_schedule(in_order, slots)
    floor = floor_schedule(in_order, slots, sc.server_rpm / 60 if sc.server_rpm else None)
    lb_simple = max(sum(service) / slots, max(service)) if service else 0.0
    lb_budget = 3 * sc.jobs / sc.server_rpm * 60 if sc.server_rpm else 0.0
    lower = max(lb_work, lb_budget)
    makespan = worker["wall_s"] * sc.time_scale
    median_service = statistics.median(service) if service else 0.0
    return {
        "completed": worker["completed"],
        "failed": worker["failed"],
        "makespan_s": makespan,
        "lower_bound_s": lower,
        "lower_bound_workers_s": lb_work,
        "lower_bound_simple_s": lb_simple,
        "lower_bound_budget_s": lb_budget,
        "efficiency": lower / makespan if makespan and worker["completed"] == sc.jobs else None,
        "floor_s": floor,
        "efficiency_floor": floor / makespan if makespan and worker["completed"] == sc.jobs else None,
        "api_requests": api_requests,
        "requests_per_job": api_requests / completed,
        "videos_per_hour_at_50rpm": 50 * 60 * completed / api_requests if api_requests else None,
        "polls_per_job": polls / completed,
        "submissions": sim["submissions"],
        "duplicate_submissions": sim["duplicates"],
        "rate_limited_429": sim["rate_limited"],
        "early_requests": sim["early_requests"],
        "median_service_s": median_service,
        "detect_delay_median_s": statistics.median(delays) if delays else None,
        "detect_delay_p95_s": _pct(delays, 0.95) if delays else None,
        "detect_delay_median_frac": statistics.median(delays) / median_service if delays and median_service else None,
        "detect_delay_p95_frac": _pct(delays, 0.95) / median_service if delays and median_service else None,
        "cpu_s": worker["cpu_s"],
        "peak_rss_mb": worker["peak_rss_mb"],
        "loop_lag_p99_ms": worker["loop_lag_p99_ms"],
        "wall_real_s": worker["wall_s"],
        "errors": worker.get("errors", {}),
        "requests_by_route": {k: v for k, v in counters.items() if not k.startswith("/generations")},
    }


ROWS = [
    ("completed / failed", lambda f: f"{f['completed']} / {f['failed']}"),
    ("makespan (sim h)", lambda f: f"{f['makespan_s'] / 3600:.2f}"),
    ("lower bound (sim h)", lambda f: f"{f['lower_bound_s'] / 3600:.2f}"),
    ("  simple bound: max(sum/workers, longest) (sim h)", lambda f: f"{f['lower_bound_simple_s'] / 3600:.2f}"),
    ("efficiency", lambda f: _num(f["efficiency"], "{:.3f}")),
    ("API requests / job", lambda f: f"{f['requests_per_job']:.2f}"),
    ("status polls / job", lambda f: f"{f['polls_per_job']:.2f}"),
    (
        "detection delay p50 (s, % of median service)",
        lambda f: f"{_num(f['detect_delay_median_s'], '{:.1f}')} ({_num(f['detect_delay_median_frac'], '{:.1%}')})",
    ),
    (
        "detection delay p95 (s, % of median service)",
        lambda f: f"{_num(f['detect_delay_p95_s'], '{:.1f}')} ({_num(f['detect_delay_p95_frac'], '{:.1%}')})",
    ),
    ("429 answers", lambda f: str(f["rate_limited_429"])),
    ("duplicate submissions", lambda f: str(f["duplicate_submissions"])),
    ("CPU s (real)", lambda f: f"{f['cpu_s']:.1f}"),
    ("peak RSS (MB)", lambda f: f"{f['peak_rss_mb']:.0f}"),
    ("event-loop lag p99 (ms)", lambda f: _num(f["loop_lag_p99_ms"], "{:.1f}")),
]


def _num(value: float | None, fmt: str) -> str:
    return "n/a" if value is None else fmt.format(value)


def markdown(sc: Scenario, results: dict[str, dict[str, Any]]) -> str:
    names = list(results)
    lines = [
        f"# Scenario `{sc.name}`",
        "",
        f"{sc.jobs} jobs of kling-text2video, {sc.workers} simulator workers, server limit "
        f"{sc.server_rpm or 'none'} requests/min, concurrency {sc.concurrency}, time scale {sc.time_scale:g}x. "
        f"{sc.notes}",
        "",
        "| figure | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for label, fn in ROWS:
        lines.append(f"| {label} | " + " | ".join(fn(results[n]) for n in names) + " |")
    if "batchgen" in results:
        base = results["batchgen"]
        for other in names:
            if other == "batchgen":
                continue
            o = results[other]
            lines.append("")
            if o["completed"] < sc.jobs:
                lines.append(
                    f"batchgen / {other}: {other} completed {o['completed']} of {sc.jobs} jobs "
                    f"({o['failed']} lost), so its makespan is not comparable; requests per job "
                    f"{base['requests_per_job'] / max(o['requests_per_job'], 1e-9):.3g}x."
                )
                continue
            lines.append(
                f"batchgen / {other}: makespan {base['makespan_s'] / o['makespan_s']:.2f}x, "
                f"requests per job {base['requests_per_job'] / max(o['requests_per_job'], 1e-9):.3g}x, "
                f"429 answers {base['rate_limited_429']} vs {o['rate_limited_429']}."
            )
    errors = {n: r["errors"] for n, r in results.items() if r.get("errors")}
    if errors:
        lines += ["", "Errors seen by contenders: " + json.dumps(errors)]
    return "\n".join(lines) + "\n"


def rerender(reports: Path) -> None:
    """Rewrite the Markdown reports from their JSON (after a change to the layout)."""
    for path in reports.glob("*.json"):
        data = json.loads(path.read_text())
        if "scenario" in data and "results" in data:
            path.with_suffix(".md").write_text(markdown(Scenario(**data["scenario"]), data["results"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenarios", nargs="+", choices=sorted(SCENARIOS))
    parser.add_argument("--contenders", help="comma-separated subset of batchgen,sdk,gather")
    parser.add_argument("--jobs", type=int, help="override the number of jobs")
    parser.add_argument("--reports", type=Path, default=REPORTS, help="where to write the reports")
    parser.add_argument("--no-report", action="store_true", help="batchgen runs without its HTML report")
    args = parser.parse_args(argv)
    reports: Path = args.reports
    reports.mkdir(parents=True, exist_ok=True)
    for name in args.scenarios:
        sc = SCENARIOS[name]
        if args.jobs:
            sc = Scenario(**{**sc.to_dict(), "jobs": args.jobs})
        contenders = args.contenders.split(",") if args.contenders else list(sc.contenders)
        results = {}
        for contender in contenders:
            print(f"{name}: {contender} ...", file=sys.stderr, flush=True)
            results[contender] = run_contender(sc, contender, report=not args.no_report)
        (reports / f"{name}.json").write_text(json.dumps({"scenario": sc.to_dict(), "results": results}, indent=2))
        (reports / f"{name}.md").write_text(markdown(sc, results))
        print(markdown(sc, results))
    return 0


if __name__ == "__main__":
    os.chdir(Path(__file__).resolve().parent.parent)
    sys.exit(main())
