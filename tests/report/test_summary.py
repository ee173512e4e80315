"""The dry run's plan lines."""

from __future__ import annotations

from batchgen.config import Settings
from batchgen.jobs import JobSpec
from batchgen.manifest import Manifest
from batchgen.report.summary import dry_run_lines
from batchgen.store.ledger import Replay


def test_dry_run_counts_the_jobs_without_a_price_not_the_folder_s_jobs():
    settings = Settings()
    priced_model = "kling-text2video"  # priced by its shipped spec
    jobs = [
        JobSpec("a", priced_model, {"prompt": "x", "duration": 5}),
        JobSpec("b", "no-such-model", {"prompt": "y"}),
        JobSpec("c", "no-such-model", {"prompt": "z"}),
    ]
    replay = Replay({f"old-{n}": {"state": "completed"} for n in range(5)}, lines=5, torn_tail=False)  # other jobs
    lines = dry_run_lines(Manifest("jobs.yaml", jobs, []), settings, replay)
    spend = next(line for line in lines if "estimated spend" in line)
    assert "(+ 2 jobs of models without a price)" in spend
