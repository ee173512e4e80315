"""Scale figures: 100,000-row manifests, 100,000-job ledgers, 10,000 jobs in flight.

    python -m bench.scale [--rows 100000] [--in-flight 10000]

Writes bench/reports/scale.md and scale.json.  Measures, never asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .run import REPORTS, run_contender
from .scenarios import Scenario


def write_manifests(folder: Path, rows: int) -> dict[str, Path]:
    yaml_lines = ["model: kling-text2video", "defaults:", "  duration: 5", "jobs:"]
    yaml_lines += [
        f'  - id: job-{i:06d}\n    prompt: "scene number {i}, a border collie wearing VR glasses"\n'
        f'    aspect_ratio: "16:9"'
        for i in range(rows)
    ]
    paths = {"yaml": folder / "m.yaml", "csv": folder / "m.csv", "jsonl": folder / "m.jsonl"}
    paths["yaml"].write_text("\n".join(yaml_lines) + "\n")
    paths["csv"].write_text(
        "id,model,prompt,aspect_ratio,duration\n"
        + "".join(
            f'job-{i:06d},kling-text2video,"scene number {i}, a border collie wearing VR glasses",16:9,5\n'
            for i in range(rows)
        )
    )
    paths["jsonl"].write_text(
        "".join(
            json.dumps(
                {
                    "id": f"job-{i:06d}",
                    "model": "kling-text2video",
                    "prompt": f"scene number {i}, a border collie",
                    "duration": 5,
                }
            )
            + "\n"
            for i in range(rows)
        )
    )
    return paths


def time_in_subprocess(code: str) -> dict[str, Any]:
    """Run a measurement in a fresh interpreter (cold imports, its own peak RSS)."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


VALIDATE = """
import json, sys, time
from bench.worker import peak_rss_mb
t = time.perf_counter()
from batchgen.manifest import load_manifest
m = load_manifest(sys.argv[1] if len(sys.argv) > 1 else {path!r})
print(json.dumps({{"jobs": len(m.jobs), "seconds": time.perf_counter() - t,
                  "peak_rss_mb": peak_rss_mb()}}))
"""

RESUME = """
import anyio, json, time
from pathlib import Path
from bench.worker import peak_rss_mb
t = time.perf_counter()
from batchgen.clock import Clock
from batchgen.config import load_settings
from batchgen.store.ledger import Ledger, read_ledger
from batchgen.manifest import load_manifest
from batchgen.engine.run import Run
from batchgen.store.local import OutputDir

async def main():
    jobs = load_manifest({manifest!r}).jobs
    loaded = time.perf_counter()
    out = OutputDir({out!r})
    replay = read_ledger(out.ledger)
    settings = load_settings(overrides={{"output": {{"dir": {out!r}}}}}, environ={{}})
    async with Ledger(out.ledger) as ledger:
        run = Run(jobs, api=None, out=out, ledger=ledger, replay=replay, settings=settings, clock=Clock())
        plan = await run.plan()
        run.poller.track_many(plan.poll)
    done = time.perf_counter()
    print(json.dumps({{"manifest_s": loaded - t, "resume_s": done - loaded, "total_s": done - t,
                      "planned": {{k: len(getattr(plan, k)) for k in ("submit", "poll", "download", "reconcile")}},
                      "skipped": run.report.skipped,
                      "peak_rss_mb": peak_rss_mb()}}))
anyio.run(main)
"""


def write_ledger(out: Path, rows: int, state: str) -> None:
    """A ledger as a crash would leave it: every job submitted, or every job completed with its file."""
    (out / "videos").mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(rows):
        job = f"job-{i:06d}"
        base = {"v": 1, "ts": "2026-11-21T12:00:00.000Z", "job_id": job, "model": "kling-text2video"}
        lines.append(json.dumps({**base, "event": "submitting", "state": "submitting"}))
        rid = f"{i:08d}-0000-4000-8000-000000000000"
        lines.append(
            json.dumps(
                {
                    **base,
                    "event": "submitted",
                    "state": "submitted",
                    "request_id": rid,
                    "submitted_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
                }
            )
        )
        if state == "completed":
            data = f"video {i}".encode()
            (out / "videos" / f"{job}.mp4").write_bytes(data)
            import hashlib

            lines.append(
                json.dumps(
                    {
                        **base,
                        "event": "completed",
                        "state": "completed",
                        "request_id": rid,
                        "file": f"videos/{job}.mp4",
                        "bytes": len(data),
                        "sha256": hashlib.sha256(data).hexdigest(),
                        "cost": 0.28,
                    }
                )
            )
    (out / "ledger.jsonl").write_text("\n".join(lines) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--in-flight", type=int, default=10_000)
    args = parser.parse_args()
    REPORTS.mkdir(exist_ok=True)
    report: dict[str, Any] = {"rows": args.rows, "in_flight": args.in_flight}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = write_manifests(folder, args.rows)
        report["validate"] = {fmt: time_in_subprocess(VALIDATE.format(path=str(path))) for fmt, path in paths.items()}
        for state in ("submitted", "completed"):
            out = folder / f"out-{state}"
            write_ledger(out, args.rows, state)
            report[f"resume_{state}"] = time_in_subprocess(RESUME.format(manifest=str(paths["jsonl"]), out=str(out)))
    sc = Scenario(
        "in-flight",
        jobs=args.in_flight,
        workers=args.in_flight,
        server_rpm=None,
        client_rpm=100_000,
        concurrency=args.in_flight,
        time_scale=10,
        contenders=("batchgen",),
    )
    # The engine alone: the end-of-run HTML report for 10,000 videos (matplotlib, PyAV, pyarrow, 10,000
    # poster frames) is measured by bench/report.py.
    report["in_flight_run"] = run_contender(sc, "batchgen", report=False)
    (REPORTS / "scale.json").write_text(json.dumps(report, indent=2))
    (REPORTS / "scale.md").write_text(markdown(report))
    print(markdown(report))
    return 0


def markdown(r: dict[str, Any]) -> str:
    v = r["validate"]
    f = r["in_flight_run"]
    rows = [
        "| figure | value | target |",
        "|---|---|---|",
        *(
            f"| validate {r['rows']:,}-row {fmt.upper()} manifest (s, cold start) | {v[fmt]['seconds']:.2f} | <= 3 |"
            for fmt in ("yaml", "csv", "jsonl")
        ),
        f"| resume from a {r['rows']:,}-job ledger, all in flight: replay + plan (s) / with the manifest | "
        f"{r['resume_submitted']['resume_s']:.2f} / {r['resume_submitted']['total_s']:.2f} | <= 3 |",
        f"| resume from a {r['rows']:,}-job ledger, all completed, every file checked: replay + check + plan "
        f"(s) / with the manifest | {r['resume_completed']['resume_s']:.2f} / {r['resume_completed']['total_s']:.2f}"
        " | <= 3 |",
        f"| {r['in_flight']:,} jobs in flight: peak RSS (MB) | {f['peak_rss_mb']:.0f} | <= 200 |",
        f"| {r['in_flight']:,} jobs in flight: event-loop lag p99 (ms) | {f['loop_lag_p99_ms']:.1f} | < 50 |",
        f"| {r['in_flight']:,} jobs in flight: completed / failed | {f['completed']} / {f['failed']} | all |",
    ]
    return "# Scale\n\n" + "\n".join(rows) + "\n"


if __name__ == "__main__":
    os.chdir(Path(__file__).resolve().parent.parent)
    asyncio.set_event_loop_policy(None)
    sys.exit(main())
