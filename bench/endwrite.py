"""The end of a run: real seconds from the last ``completed`` ledger line to the process's exit.

    python -m bench.endwrite                          # 400 and 10,000 videos, 3 runs each
    python -m bench.endwrite --videos 400 --repeats 5

Each run is ``batchgen run`` as a user starts it (a fresh interpreter, the
report on, as by default) against ``batchgen simulate`` in a process of its
own, like the independent referee.  The benchmark follows ``ledger.jsonl``
every few milliseconds and notes the real moment each ``completed`` line
appears; the figure is the process's exit minus the last of them: the time
a cron job or a pipeline waits after the last video is in place (writing
``results.csv``, ``index.parquet``, ``report.html`` and its pages, the
charts, the poster frames not yet made, ``report.json``, closing the HTTP
session, and the interpreter's exit).  Then it checks what the run left
behind: one poster frame per video, the index's rows and the report's
cards.  The other end is measured too: the process's start to the ledger's
first line (the first job's ``submitting`` line, written just before its
POST), what a run's start-up costs before the first video is asked for
(loading Python and the libraries, reading the manifest and the model specs,
opening the folder, the credit check).

Nothing asserts on time: it measures and writes ``bench/reports/endwrite.md``
and ``.json``.  The machine's load average is recorded beside each figure.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .run import REPORTS, launch_simulator, text_manifest

KEY = "SG_endwrite0000000000"


def start_simulator(args: argparse.Namespace, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    return launch_simulator(["--time-scale", str(args.time_scale), "--workers", str(workers),
                             "--credits", "1000000", "--seed", "7", "--api-key", KEY])  # fmt: skip


Followed = tuple[float | None, float | None, int, int, int | None]


def follow(proc: subprocess.Popen[bytes], ledger: Path, videos: int) -> Followed:
    """Read ``ledger`` as it grows until ``proc`` exits: (first line seen, last completed line seen,
    completed lines, exit code, poster frames already made when the last video's line appeared)."""
    position, rest, completed, first, last, made = 0, b"", 0, None, None, None
    while True:
        exited = proc.poll() is not None
        try:
            with open(ledger, "rb") as fh:
                fh.seek(position)
                data = fh.read()
        except FileNotFoundError:
            data = b""
        now = time.monotonic()
        position += len(data)
        if data and first is None:
            first = now
        *lines, rest = (rest + data).split(b"\n")
        seen = sum(1 for line in lines if b'"event":"completed"' in line)
        if seen:
            completed, last = completed + seen, now
            if completed >= videos and made is None:
                thumbs = ledger.parent / "thumbs"
                made = sum(1 for p in thumbs.glob("*.jpg")) if thumbs.is_dir() else 0
        if exited:
            return first, last, completed, proc.returncode, made
        time.sleep(0.003)


def outputs(out: Path, videos: int) -> dict[str, Any]:
    """What the run left: poster frames, index rows, report cards (the report describes every video)."""
    import pyarrow.parquet as pq

    html = "".join(p.read_text() for p in [out / "report.html", *sorted((out / "report-pages").glob("page-*.html"))]
                   if p.is_file())  # fmt: skip
    index = pq.read_table(out / "index.parquet") if (out / "index.parquet").is_file() else None
    return {
        "thumbs": len(list((out / "thumbs").glob("*.jpg"))) if (out / "thumbs").is_dir() else 0,
        "index_rows": index.num_rows if index is not None else 0,
        "index_completed": sum(1 for s in index.column("state").to_pylist() if s == "completed") if index else 0,
        "cards": html.count('<div class="card'),
        "thumbs_shown": html.count('class="thumb"'),
        "ended": json.loads((out / "report.json").read_text()).get("exit_code"),
        "videos": videos,
    }


def one_run(args: argparse.Namespace, videos: int, work: Path, number: int) -> dict[str, Any]:
    workers = max(40, videos // 25)
    sim, url = start_simulator(args, workers)
    out = work / f"out-{videos}-{number}"
    m = text_manifest(work / f"m{videos}.yaml", videos)
    env = {**os.environ, "SEGMIND_API_KEY": KEY}
    argv = [sys.executable, "-m", "batchgen", "run", str(m), "--out", str(out), "--base-url", url,
            "--time-scale", str(args.time_scale), "--concurrency", str(workers), "--rpm", str(args.rpm),
            "--quiet"]  # fmt: skip
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    try:
        with open(work / f"log-{videos}-{number}.txt", "wb") as log:
            proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
        first, last, completed, code, made = follow(proc, out / "ledger.jsonl", videos)
        ended = time.monotonic()
    finally:
        sim.terminate()
        sim.wait()
    row = {
        "videos": videos,
        "exit_code": code,
        "completed_lines": completed,
        "thumbs_before_end": made,
        "wall_s": round(ended - started, 2),
        "start_to_first_line_s": round(first - started, 3) if first is not None else None,
        "last_completed_to_exit_s": round(ended - last, 3) if last is not None else None,
        "load_before": round(load_before, 2),
        "load_after": round(os.getloadavg()[0], 2),
        **outputs(out, videos),
    }
    print(json.dumps(row), flush=True)
    return row


def report(rows: list[dict[str, Any]], args: argparse.Namespace) -> str:
    lines = [
        "# The end of a run: last `completed` to exit",
        "",
        f"`batchgen run` against `batchgen simulate` in its own process (time x{args.time_scale:g}), report on; "
        f"{args.repeats} runs each; real seconds.",
        "",
        "| videos | runs | last completed -> exit (s): median | each | start -> first ledger line (s): each | "
        "run wall (s) | load (1 min) | thumbs / index rows / cards |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for videos in args.videos:
        mine = [r for r in rows if r["videos"] == videos]
        ends = [r["last_completed_to_exit_s"] for r in mine if r["last_completed_to_exit_s"] is not None]
        starts = [r["start_to_first_line_s"] for r in mine if r["start_to_first_line_s"] is not None]
        lines.append(
            f"| {videos:,} | {len(mine)} | {statistics.median(ends):.3f} | "
            f"{', '.join(f'{e:.3f}' for e in ends)} | "
            f"{', '.join(f'{s:.3f}' for s in starts)} | "
            f"{statistics.median(r['wall_s'] for r in mine):.1f} | "
            f"{', '.join(str(r['load_before']) for r in mine)} | "
            f"{mine[-1]['thumbs']} / {mine[-1]['index_rows']} / {mine[-1]['cards']} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos", type=int, nargs="+", default=[400, 10_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--time-scale", type=float, default=200.0, help="simulated seconds per real second")
    parser.add_argument("--rpm", type=int, default=100_000, help="the client's limit (simulated minutes)")
    parser.add_argument("--name", default="endwrite", help="report name under bench/reports/")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for videos in args.videos:
            for number in range(args.repeats):
                rows.append(one_run(args, videos, Path(tmp), number))
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / f"{args.name}.json").write_text(json.dumps({"args": vars(args), "rows": rows}, indent=2) + "\n")
    text = report(rows, args)
    (REPORTS / f"{args.name}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
