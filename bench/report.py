"""Benchmark the morning-after report: making it for 10,000 videos, and the run's speed with it on.

    python -m bench.report                      # 10,000 videos; 400-job runs, report on vs off
    python -m bench.report --videos 2000 --run-jobs 200 --repeats 2

1. **Making the report.**  A synthetic output folder of ``--videos`` completed
   jobs (3% failed, 2% kept with warnings) spread over ten hours, with a
   ledger as a run writes it, a ``pace.jsonl`` sampled every 15 s, and one
   small real MP4 hard-linked as every video.  ``publish()`` runs in a fresh
   interpreter twice: cold (every poster frame made) and warm (all present).
   Time, peak RSS and the sizes of what it wrote are reported.
2. **The run's own speed.**  The same simulated batch is run with
   ``report.enabled`` true (refreshing every ``--refresh-s`` seconds of real
   time, by default 1 s: 300 times as often as the default) and false,
   alternately, each in a fresh interpreter with the simulator in-process;
   the run's time (without the final report), the final report's time, and
   event-loop lag are reported.

Nothing here asserts: it measures and writes ``bench/reports/report.md`` and
``.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPORTS = Path(__file__).resolve().parent / "reports"
TEMPLATE = Path(__file__).resolve().parent.parent / "batchgen" / "simulator" / "templates" / "16x9_5s.mp4"
REASONS = (
    "HTTP 422: content_policy_violation: the prompt was flagged by the safety system",
    "HTTP 422: Provider error: generation failed, please try again",
    "HTTP 404: Request not found",
)


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def make_folder(root: Path, videos: int) -> dict[str, Any]:
    """A finished run's folder: ledger, pace file and hard-linked videos."""
    (root / "videos").mkdir(parents=True)
    source = root / ".template.mp4"
    shutil.copyfile(TEMPLATE, source)
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    size = source.stat().st_size
    t0 = 1_800_000_000.0
    span = 10 * 3600
    lines = []
    media = {"duration_s": 5.0, "width": 160, "height": 90, "fps": 8.0, "codec": "h264", "frames": 40}
    for i in range(videos):
        job = f"job-{i:05d}"
        start = t0 + span * i / videos
        base = {"v": 1, "job_id": job, "model": "kling-text2video"}
        params = {"prompt": f"scene {i}: a border collie in the snow", "duration": 5, "aspect_ratio": "16:9"}
        rid = f"{i:08d}-0000-4000-8000-000000000000"
        lines.append({**base, "ts": _iso(start), "event": "submitting", "state": "submitting", "params": params})
        lines.append({**base, "ts": _iso(start + 0.4), "event": "submitted", "state": "submitted",
                      "request_id": rid, "submitted_at": _iso(start + 0.3)})  # fmt: skip
        if i % 33 == 5:
            lines.append({**base, "ts": _iso(start + 200), "event": "failed", "state": "failed",
                          "request_id": rid, "error": {"detail": REASONS[(i // 33) % 3]}})  # fmt: skip
            continue
        done = start + 320 + (i % 7) * 20
        lines.append({**base, "ts": _iso(done), "event": "result", "state": "downloading", "request_id": rid,
                      "processing_at": _iso(start + 40), "cost": 0.28})  # fmt: skip
        file = f"videos/{job}.mp4"
        os.link(source, root / file)
        warnings = (
            [{"kind": "duration_mismatch", "detail": "asked for 10 s, the video lasts 5.00 s"}] if i % 50 == 7 else []
        )
        record = {**base, "ts": _iso(done + 4), "event": "completed", "state": "completed", "request_id": rid,
                  "file": file, "sha256": sha, "bytes": size, "cost": 0.28, "media": media}  # fmt: skip
        if warnings:
            record["warnings"] = warnings
        lines.append(record)
    (root / "ledger.jsonl").write_text("".join(json.dumps(r, separators=(",", ":")) + "\n" for r in lines))
    pace = []
    for n in range(span // 15):
        pace.append({"t": t0 + 15 * n, "run": "bench", "requests": 12 * n + (n // 40), "throttled": n // 400,
                     "rpm": 50, "scale": 1, "spend": 0.0})  # fmt: skip
    (root / "pace.jsonl").write_text("".join(json.dumps(p) + "\n" for p in pace))
    source.unlink()
    return {"videos": videos, "ledger_lines": len(lines), "ledger_mb": (root / "ledger.jsonl").stat().st_size / 1e6}


PUBLISH = """
import json, sys, time
from pathlib import Path
from bench.worker import peak_rss_mb
t = time.perf_counter()
from batchgen.config import ReportSettings
from batchgen.report.publish import publish
page = publish(Path(sys.argv[1]), ReportSettings())
print(json.dumps({"seconds": time.perf_counter() - t, "peak_rss_mb": peak_rss_mb()}))
"""

RUN = """
import anyio, json, sys, time
from bench.worker import LagProbe, peak_rss_mb
import batchgen.cli.runner as runner
from batchgen.clock import Clock
from batchgen.config import load_settings
from batchgen.jobs import JobSpec
from batchgen.simulator import SimConfig, SimServer

jobs_n, scale, enabled, out = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3] == "on", sys.argv[4]
refresh_s = float(sys.argv[5])
final = {"s": 0.0}
inner = runner.publish_at_end

async def timed(*args, **kwargs):
    t = time.perf_counter()
    try:
        return await inner(*args, **kwargs)
    finally:
        final["s"] += time.perf_counter() - t

runner.publish_at_end = timed

async def main():
    key = "SG_0123456789abcdef"
    config = SimConfig(time_scale=scale, api_keys=frozenset({key}), workers=100, seed=11)
    async with SimServer(config) as sim:
        settings = load_settings(overrides={
            "api": {"base_url": sim.url}, "limits": {"concurrency": 110, "requests_per_minute": 600},
            "output": {"dir": out}, "report": {"enabled": enabled, "refresh_s": refresh_s}}, environ={})
        jobs = [JobSpec(id=f"job-{i:04d}", model="kling-text2video",
                        params={"prompt": f"scene {i}", "duration": 5}) for i in range(jobs_n)]
        probe = LagProbe()
        async with anyio.create_task_group() as tg:
            tg.start_soon(probe.run)
            t = time.perf_counter()
            outcome = await runner.run_jobs(jobs, settings, api_key=key, clock=Clock(scale))
            total = time.perf_counter() - t
            tg.cancel_scope.cancel()
    print(json.dumps({"total_s": total, "final_report_s": final["s"], "run_s": total - final["s"],
                      "completed": outcome.report.states.get("completed", 0), "lag_p99_ms": probe.p99_ms(),
                      "peak_rss_mb": peak_rss_mb()}))

anyio.run(main)
"""


def in_subprocess(code: str, *args: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, env=env)
    return json.loads(done.stdout.strip().splitlines()[-1])


def folder_sizes(root: Path) -> dict[str, Any]:
    thumbs = list((root / "thumbs").glob("*.jpg"))
    pages = list((root / "report-pages").glob("page-*.html"))
    return {
        "report_html_kb": (root / "report.html").stat().st_size / 1024,
        "extra_pages": len(pages),
        "largest_page_kb": max([p.stat().st_size for p in pages] or [0]) / 1024,
        "thumbnails": len(thumbs),
        "thumbnails_mb": sum(t.stat().st_size for t in thumbs) / 1e6,
        "index_parquet_mb": (root / "index.parquet").stat().st_size / 1e6,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--videos", type=int, default=10_000)
    parser.add_argument("--run-jobs", type=int, default=400)
    parser.add_argument("--time-scale", type=float, default=200.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--refresh-s", type=float, default=1.0, help="report.refresh_s during the runs (real s)")
    parser.add_argument(
        "--only", choices=("folder", "runs"), help="measure one part; the other is kept from the last report"
    )
    args = parser.parse_args(argv)
    last = REPORTS / "report.json"
    result: dict[str, Any] = json.loads(last.read_text()) if args.only and last.exists() else {}
    result.update({"python": sys.version.split()[0], "cpus": os.cpu_count()})
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        if args.only != "runs":
            root = Path(tmp) / "out"
            result["folder"] = make_folder(root, args.videos)
            result["cold"] = in_subprocess(PUBLISH, str(root))
            result["warm"] = in_subprocess(PUBLISH, str(root))
            result["sizes"] = folder_sizes(root)
        if args.only != "folder":
            runs: dict[str, list[dict[str, Any]]] = {"on": [], "off": []}
            for n in range(args.repeats):
                for mode in ("off", "on") if n % 2 == 0 else ("on", "off"):
                    out = Path(tmp) / f"run-{mode}-{n}"
                    argv_ = [str(args.run_jobs), str(args.time_scale), mode, str(out), str(args.refresh_s)]
                    runs[mode].append(in_subprocess(RUN, *argv_))
            result["runs"] = runs
            result["run_args"] = {k: getattr(args, k) for k in ("run_jobs", "time_scale", "repeats", "refresh_s")}
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "report.json").write_text(json.dumps(result, indent=2) + "\n")
    text = markdown(result)
    (REPORTS / "report.md").write_text(text)
    print(text)
    return 0


def markdown(r: dict[str, Any]) -> str:
    f, cold, warm, s, a = r["folder"], r["cold"], r["warm"], r["sizes"], r["run_args"]
    lines = [
        f"# Report benchmark ({r['cpus']} CPUs, Python {r['python']})",
        "",
        f"## Making the report for {f['videos']:,} videos "
        f"({f['ledger_lines']:,} ledger lines, {f['ledger_mb']:.1f} MB)",
        "",
        "| | seconds | peak RSS (MB) |",
        "|---|---|---|",
        f"| cold: every poster frame made | {cold['seconds']:.1f} | {cold['peak_rss_mb']:.0f} |",
        f"| warm: poster frames present | {warm['seconds']:.1f} | {warm['peak_rss_mb']:.0f} |",
        "",
        f"report.html {s['report_html_kb']:.0f} KB plus {s['extra_pages']} contact-sheet pages (largest "
        f"{s['largest_page_kb']:.0f} KB); {s['thumbnails']:,} thumbnails, {s['thumbnails_mb']:.1f} MB; "
        f"index.parquet {s['index_parquet_mb']:.2f} MB.",
        "",
        f"## The run with the report on and off ({a['run_jobs']} jobs, time scale {a['time_scale']:g}, "
        f"report refreshed every {a['refresh_s']:g} s real, {a['repeats']} runs each, alternating)",
        "",
        "| report | run (s, real) | final report (s) | event-loop lag p99 (ms) | completed |",
        "|---|---|---|---|---|",
    ]
    for mode in ("off", "on"):
        runs = r["runs"][mode]
        run_s = statistics.median(x["run_s"] for x in runs)
        final = statistics.median(x["final_report_s"] for x in runs)
        lag = statistics.median(x["lag_p99_ms"] for x in runs)
        done = "/".join(str(x["completed"]) for x in runs)
        spread = ", ".join(f"{x['run_s']:.2f}" for x in runs)
        lines.append(f"| {mode} | {run_s:.2f} ({spread}) | {final:.2f} | {lag:.1f} | {done} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
