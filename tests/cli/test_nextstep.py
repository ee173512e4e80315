"""The resume line after a stop at the spend cap gives a cap that covers what is left: the same cap would stop
at once, and one a cent short stops again before the last deferred job."""

from __future__ import annotations

import argparse
import shlex

import pytest

from batchgen.cli.nextstep import next_command
from batchgen.cli.options import Options
from batchgen.config import LimitSettings, Settings
from batchgen.engine.outcome import RunReport
from batchgen.jobs import StopReason
from batchgen.manifest import load_manifest
from batchgen.report.exits import EXIT_CREDITS
from tests.helpers import many_jobs_yaml, write


def _cap_in(command: str) -> float:
    words = shlex.split(command)
    return float(words[words.index("--max-spend") + 1])


@pytest.mark.parametrize(("price", "cap"), [(0.125, 0.38), (0.1234, 0.38), (0.28, 0.84), (0.3333, 1.0)])
def test_the_raised_cap_covers_the_spend_and_every_deferred_job_to_the_cent_above(tmp_path, price, cap):
    manifest = load_manifest(write(tmp_path / "m.yaml", many_jobs_yaml(3)))
    first, *rest = (job.id for job in manifest.jobs)
    jobs = {first: {"state": "completed", "cost": price}, **{job_id: {"state": "deferred"} for job_id in rest}}
    settings = Settings(
        limits=LimitSettings(max_spend_usd=0.2), prices={"kling-text2video": {"std": {5: price, 10: 2 * price}}}
    )
    args = argparse.Namespace(options=Options({"max_spend": 0.2}), manifest="m.yaml", shard=None, shards=None)
    report = RunReport(stop_reason=StopReason.SPEND_CAP)
    command = next_command(report, EXIT_CREDITS, "batchgen run m.yaml", "out", args, manifest, settings, jobs)
    assert _cap_in(command) == cap and cap + 1e-9 >= 3 * price  # the feeder allows 1e-9 of rounding
    assert command.startswith("batchgen run m.yaml --out out ")
