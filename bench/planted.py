"""Plant each of ten known promise-breaking bugs, one at a time, and check that the suite catches it.

Each entry names a file, a line to change (exactly as it stands in the code),
what to change it to, and the tests expected to fail.  The script applies one
change, runs those tests, restores the file, and writes a table to
``bench/reports/planted.md``: a bug whose tests all pass is a promise that no
test guards.  Run from the repository root::

    python -m bench.planted
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Plant:
    name: str
    file: str
    before: str
    after: str
    tests: tuple[str, ...]


PLANTS = (
    Plant(
        "submitting line not written before the POST (memory only)",
        "batchgen/submitter.py",
        'await book.record(\n                job,\n                "submitting",',
        "job.state = JobState.SUBMITTING\n"
        '            (lambda *a, **k: None)(\n                job,\n                "submitting",',
        ("tests/e2e/test_promises.py::test_the_submitting_line_is_on_disk_before_the_server_creates_the_job",),
    ),
    Plant(
        "ledger appends never fsynced (the counter still counts)",
        "batchgen/ledger.py",
        "            os.fsync(self._fd)\n",
        "            pass\n",
        ("tests/e2e/test_promises.py::test_every_ledger_line_is_fsynced_before_append_returns",),
    ),
    Plant(
        "reconciliation may attach to a request another job claimed",
        "batchgen/recovery.py",
        "and row.request_id not in self.claimed",
        "and True",
        (
            "tests/e2e/test_promises.py::test_two_identical_rows_with_ambiguous_submits_get_two_requests",
            "tests/engine/test_recovery.py",
        ),
    ),
    Plant(
        "completed written before the video's sidecar and rename are done",
        "batchgen/downloader.py",
        "        await out.write_sidecar(dest, sidecar)\n",
        "        self.control.report.warnings.append('late')\n",
        ("tests/e2e/test_promises.py::test_completed_is_recorded_only_once_the_video_is_in_place",),
    ),
    Plant(
        "MP4 structure check of a download skipped",
        "batchgen/storage.py",
        "problem = await anyio.to_thread.run_sync(mp4_problem, tmp)",
        "problem = None",
        ("tests/e2e/test_hostile.py::test_a_hostile_response_fails_that_job_only[not_mp4-is not a valid MP4]",),
    ),
    Plant(
        "log redactor never given the key",
        "batchgen/cli.py",
        "    REDACTOR.secrets.add(key)\n    if not is_object_url(",
        "    if not is_object_url(",
        ("tests/e2e/test_promises.py::test_a_key_logged_through_the_package_logger_comes_out_redacted",),
    ),
    Plant(
        "expiry guard removed",
        "batchgen/polling.py",
        "            when = min(when, guard_at)\n",
        "            pass\n",
        ("tests/engine/test_polling.py::test_the_expiry_guard_wins_over_every_other_bound",),
    ),
    Plant(
        "per-job polls no longer held to their share of the budget",
        "batchgen/poller.py",
        "floor = self._could_be_done(now) / (share * budget.limit / budget.window)",
        "floor = 0.0",
        ("tests/engine/test_polling.py::test_per_job_polls_stay_within_their_share_of_the_budget",),
    ),
    Plant(
        "the latency model never learns",
        "batchgen/polling.py",
        "        self._recent.append(seconds)\n",
        "        return\n",
        ("tests/engine/test_polling.py::test_learned_latencies_bring_polls_to_when_jobs_finish",),
    ),
    Plant(
        "poll gaps 10x sparser",
        "batchgen/polling.py",
        "GAP_FRACTION = 0.04",
        "GAP_FRACTION = 0.4",
        ("tests/engine/test_polling.py::test_learned_latencies_bring_polls_to_when_jobs_finish",),
    ),
)


def check(plant: Plant) -> str:
    path = ROOT / plant.file
    original = path.read_text(encoding="utf-8")
    if original.count(plant.before) != 1:
        return "not applied (the code changed; update the entry)"
    path.write_text(original.replace(plant.before, plant.after), encoding="utf-8")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *plant.tests],
            cwd=ROOT, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
    finally:
        path.write_text(original, encoding="utf-8")
    return "caught" if done.returncode == 1 else f"NOT caught (pytest exit {done.returncode})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", default=str(ROOT / "bench" / "reports"))
    args = parser.parse_args()
    rows = []
    for plant in PLANTS:
        verdict = check(plant)
        rows.append(f"| {plant.name} | `{plant.file}` | {verdict} |")
        print(f"{verdict:>10}  {plant.name}", flush=True)
    reports = Path(args.reports)
    reports.mkdir(parents=True, exist_ok=True)
    table = "| planted bug | where | result |\n|---|---|---|\n" + "\n".join(rows) + "\n"
    (reports / "planted.md").write_text(table, encoding="utf-8")
    return 0 if all("| caught |" in row for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
