"""The public library API, and the benchmark harness itself."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import batchgen

REPO = Path(__file__).resolve().parents[1]


def test_public_api_is_explicit():
    assert batchgen.__all__ == sorted(batchgen.__all__)
    for name in batchgen.__all__:
        assert hasattr(batchgen, name), name
    assert {"Run", "load_manifest", "load_settings", "ApiClient", "OutputDir", "BatchgenError"} <= set(batchgen.__all__)


def test_python_dash_m_batchgen_is_the_cli():
    done = subprocess.run([sys.executable, "-m", "batchgen", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("batchgen ")


def test_benchmark_harness_runs_and_reports(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "smoke", "--contenders", "batchgen", "--reports", str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "smoke.json").read_text())
    figures = report["results"]["batchgen"]
    assert figures["completed"] == report["scenario"]["jobs"]
    for key in (
        "makespan_s",
        "lower_bound_s",
        "efficiency",
        "requests_per_job",
        "detect_delay_median_frac",
        "rate_limited_429",
        "cpu_s",
        "peak_rss_mb",
        "loop_lag_p99_ms",
    ):
        assert figures[key] is not None, key
    assert figures["duplicate_submissions"] == 0
    assert "| efficiency |" in (tmp_path / "smoke.md").read_text()
