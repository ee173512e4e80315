"""Image jobs in flight: 10,000 jobs of the same 5 MB image against the same run of text jobs.

    python -m bench.images [--jobs 10000] [--image-mb 5] [--time-scale 1]

Each run is a fresh ``batchgen simulate`` process (playing ``bench/bench-image2video.yaml``,
a Kling-like image-to-video spec with the text model's latency; service times three times
the published latency, so no job finishes while the batch is submitted) and a fresh worker
process running batchgen's engine on a manifest loaded from disk, so peak RSS and
event-loop lag are the client's own.  A run is measured until every job is in flight
(plus 30 s of polling), then stopped: the figures are those of the batch in flight.  An
image job's image is read when the job is submitted and dropped once it is sent, so the
image run should stay close to the text run (target: peak RSS within 50 MB).  Writes bench/reports/images.md and
images.json.  Measures, never asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

from .run import KEY, REPORTS, free_port

SPEC = Path(__file__).resolve().parent / "bench-image2video.yaml"
IMAGE_MODEL = "bench-image2video"
TEXT_MODEL = "kling-text2video"


def noise_png(megabytes: float, seed: int = 3) -> bytes:
    """A PNG of random pixels (incompressible), about ``megabytes`` MB, square."""
    side = int((megabytes * 1_000_000 / 3) ** 0.5)
    rng = random.Random(seed)
    raw = b"".join(b"\0" + rng.randbytes(side * 3) for _ in range(side))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 1)) + chunk(b"IEND", b"")


def write_manifest(folder: Path, kind: str, jobs: int) -> Path:
    if kind == "image":
        lines = [f"model: {IMAGE_MODEL}", "defaults: {duration: 5, mode: std}", "jobs:"]
        lines += [f'  - id: job-{i:05d}\n    image: frame.png\n    prompt: "scene {i}"' for i in range(jobs)]
    else:
        lines = [f"model: {TEXT_MODEL}", "defaults: {duration: 5}", "jobs:"]
        lines += [f'  - id: job-{i:05d}\n    prompt: "scene {i}"' for i in range(jobs)]
    path = folder / f"{kind}.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


WORKER = """
import asyncio, json, sys, time
from bench.worker import LagProbe, peak_rss_mb
spec = json.loads(sys.argv[1])
from batchgen.cli.runner import run_jobs
from batchgen.clock import Clock
from batchgen.config import load_settings
from batchgen.manifest import load_manifest
from batchgen.models import catalogue

def sent(url):
    import urllib.request
    with urllib.request.urlopen(url + "/_sim/stats", timeout=60) as answer:
        return json.loads(answer.read())["submissions"]

async def main():
    if spec["preload_av"]:
        import av  # a run loads PyAV (FFmpeg) to probe its first video; this one stops before any lands
    catalogue.use([spec["spec"]])
    t = time.perf_counter()
    jobs = load_manifest(spec["manifest"]).jobs
    loaded = time.perf_counter() - t
    rss_after_load = peak_rss_mb()
    settings = load_settings(overrides={
        "api": {"base_url": spec["url"]}, "output": {"dir": spec["out"]}, "report": {"enabled": False},
        "limits": {"concurrency": spec["jobs"], "requests_per_minute": 100000, "download_concurrency": 8},
    }, environ={})
    probe = LagProbe()
    task = asyncio.ensure_future(probe.run())
    start = time.perf_counter()
    run = asyncio.ensure_future(run_jobs(jobs, settings, api_key=spec["key"], clock=Clock(spec["time_scale"])))
    submitted, all_in_flight_s = 0, None
    while not run.done() and time.perf_counter() - start < spec["cap_s"]:
        await asyncio.sleep(2)
        submitted = await asyncio.to_thread(sent, spec["url"])
        if submitted >= spec["jobs"]:
            all_in_flight_s = time.perf_counter() - start
            await asyncio.sleep(spec["hold_s"])  # every job in flight: polls go on for a while
            break
    run.cancel()
    try:
        await run
    except BaseException:
        pass
    task.cancel()
    print(json.dumps({"submitted": submitted, "all_in_flight_after_s": all_in_flight_s,
                      "wall_s": time.perf_counter() - start, "manifest_s": loaded,
                      "rss_after_manifest_mb": rss_after_load, "peak_rss_mb": peak_rss_mb(),
                      "loop_lag_p99_ms": probe.p99_ms(), "loop_lag_max_ms": 1000 * max(probe.samples or [0.0])}))
asyncio.run(main())
"""


def in_flight_peak(ledger: Path) -> int:
    """The most jobs submitted and not yet finished at once, from the ledger's event times."""
    sent: dict[str, str] = {}
    ended: dict[str, str] = {}
    for line in ledger.read_text().splitlines():
        rec = json.loads(line)
        if rec["event"] == "submitted":
            sent.setdefault(rec["job_id"], rec["ts"])
        elif rec["state"] in ("downloading", "completed", "failed", "expired"):
            ended.setdefault(rec["job_id"], rec["ts"])
    steps = sorted([(ts, 1) for ts in sent.values()] + [(ts, -1) for job, ts in ended.items() if job in sent])
    peak = now = 0
    for _, step in steps:
        now += step
        peak = max(peak, now)
    return peak


def _completed(ledger: Path) -> int:
    return sum(1 for line in ledger.read_text().splitlines() if json.loads(line)["event"] == "completed")


def one_run(
    kind: str,
    jobs: int,
    time_scale: float,
    folder: Path,
    cap_s: float,
    history: str,
    latency_scale: float = 3.0,
    preload_av: bool = True,
) -> dict[str, Any]:
    manifest = write_manifest(folder, kind, jobs)
    port = free_port()
    sim = subprocess.Popen(
        [sys.executable, "-m", "batchgen", "simulate", "--port", str(port), "--time-scale", str(time_scale),
         "--workers", str(jobs), "--api-key", KEY, "--credits", "100000000", "--models", str(SPEC),
         "--latency-scale", str(latency_scale), "--history-image", history],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        import socket

        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        out = folder / f"out-{kind}"
        spec = {"manifest": str(manifest), "spec": str(SPEC), "url": f"http://127.0.0.1:{port}", "key": KEY,
                "out": str(out), "jobs": jobs, "time_scale": time_scale, "cap_s": cap_s, "hold_s": 30,
                "preload_av": preload_av}  # fmt: skip
        done = subprocess.run(
            [sys.executable, "-c", WORKER, json.dumps(spec)], capture_output=True, text=True, timeout=6 * 3600
        )
        if done.returncode != 0:
            raise RuntimeError(f"{kind} worker failed:\n{done.stderr[-3000:]}")
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        result["in_flight_peak"] = in_flight_peak(out / "ledger.jsonl")
        result["completed"] = _completed(out / "ledger.jsonl")
        return result
    finally:
        sim.send_signal(signal.SIGINT)
        sim.wait(timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--image-mb", type=float, default=5.0)
    parser.add_argument("--time-scale", type=float, default=1.0)
    parser.add_argument("--cap-s", type=float, default=900.0, help="stop a run after this many real seconds")
    parser.add_argument(
        "--latency-scale",
        type=float,
        default=3.0,
        help="service times as a multiple of the published latency: raise it where submitting 10,000 "
        "image bodies takes longer than a job (a loaded machine), so that all are in flight at once",
    )
    parser.add_argument(
        "--history-image",
        default="url",
        choices=("whole", "url", "truncated", "absent"),
        help="what the simulator's request history keeps of an image (whole: pages of megabytes)",
    )
    parser.add_argument(
        "--no-preload-av",
        action="store_true",
        help="do not load PyAV before the run: the image run then carries it (16 MB here) and its decoder "
        "alone, since a text run loads it only when its first video lands, after the measured part",
    )
    args = parser.parse_args()
    REPORTS.mkdir(exist_ok=True)
    report: dict[str, Any] = {"jobs": args.jobs, "time_scale": args.time_scale, "cpus": os.cpu_count()}
    report["history_image"] = args.history_image
    report["latency_scale"] = args.latency_scale
    report["preload_av"] = not args.no_preload_av
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        image = noise_png(args.image_mb)
        (folder / "frame.png").write_bytes(image)
        report["image_bytes"] = len(image)
        report["load_average_before"] = os.getloadavg()
        for kind in ("text", "image"):
            report[kind] = one_run(
                kind,
                args.jobs,
                args.time_scale,
                folder,
                args.cap_s,
                args.history_image,
                args.latency_scale,
                not args.no_preload_av,
            )
            print(kind, json.dumps(report[kind]), flush=True)
        report["load_average_after"] = os.getloadavg()
    (REPORTS / "images.json").write_text(json.dumps(report, indent=2))
    (REPORTS / "images.md").write_text(markdown(report))
    print(markdown(report))
    return 0


def markdown(r: dict[str, Any]) -> str:
    t, i = r["text"], r["image"]

    def when(x: dict[str, Any]) -> str:
        return "never" if x["all_in_flight_after_s"] is None else f"{x['all_in_flight_after_s']:.0f}"

    rows = [
        "| figure | text jobs | image jobs |",
        "|---|---|---|",
        f"| jobs submitted (of {r['jobs']:,}) | {t['submitted']:,} | {i['submitted']:,} |",
        f"| most jobs in flight at once | {t['in_flight_peak']:,} | {i['in_flight_peak']:,} |",
        f"| all jobs in flight after (real s) | {when(t)} | {when(i)} |",
        f"| manifest load (s) | {t['manifest_s']:.2f} | {i['manifest_s']:.2f} |",
        f"| peak RSS (MB) | {t['peak_rss_mb']:.0f} | {i['peak_rss_mb']:.0f} |",
        f"| event-loop lag p99 / max (ms) | {t['loop_lag_p99_ms']:.1f} / {t['loop_lag_max_ms']:.0f} | "
        f"{i['loop_lag_p99_ms']:.1f} / {i['loop_lag_max_ms']:.0f} |",
        f"| wall time of the measured run (real s) | {t['wall_s']:.0f} | {i['wall_s']:.0f} |",
    ]
    diff = i["peak_rss_mb"] - t["peak_rss_mb"]
    return (
        f"# Image jobs in flight\n\n{r['jobs']:,} jobs of one {r['image_bytes'] / 1e6:.1f} MB PNG against "
        f"{r['jobs']:,} text jobs. Service times are {r.get('latency_scale', 3):g} times the published "
        f"latency (simulator time scale {r['time_scale']:g}; the history keeps an image as: "
        f"{r.get('history_image', 'whole')}), so no job "
        "finishes while the batch is being submitted: each run is measured "
        "until every job is in flight, 30 s more, and then stopped (or at the time cap). "
        + (
            "Both workers load PyAV before the run, as every run does when its first video lands (the "
            "image run needs it earlier, to check the image). "
            if r.get("preload_av")
            else "PyAV is loaded by the image run only (to check the image). "
        )
        + f"{r['cpus']} CPUs, load average {r['load_average_before'][0]:.1f} before and "
        f"{r['load_average_after'][0]:.1f} after: the machine was shared with other work, which inflates the "
        "lag figures.\n\n" + "\n".join(rows) + f"\n\nPeak RSS difference: {diff:+.0f} MB (target: within 50 MB).\n"
    )


if __name__ == "__main__":
    os.chdir(Path(__file__).resolve().parent.parent)
    asyncio.set_event_loop_policy(None)
    sys.exit(main())
