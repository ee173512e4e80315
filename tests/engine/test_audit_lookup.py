"""Audit of ``batchgen/engine/lookup.py``: a history row that keeps another JPEG whole is told apart by its digest,
never attached to a lost submit as its own."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from batchgen.api.answers import HistoryRow
from batchgen.api.gateway import Gateway
from batchgen.api.ratelimit import RequestBudget
from batchgen.clock import FakeClock
from batchgen.config import RetrySettings
from batchgen.engine.recovery import Reconciler
from batchgen.engine.verdicts import Attach
from batchgen.jobs import JobSpec, JobState, TrackedJob
from batchgen.retry import RetryPolicy
from tests.engine.test_recovery import _settle_on_clock
from tests.engine.test_recovery_images import MODEL, History, ref, row
from tests.helpers import jpeg_bytes

MINE, OTHER = jpeg_bytes(64, 64), jpeg_bytes(96, 64)


def body(image: bytes, how: str) -> dict[str, Any]:
    text = base64.b64encode(image).decode()
    return {"prompt": "waves", "duration": "5", "image": text if how == "whole" else "data:image/jpeg;base64," + text}


def setup(rows: list[HistoryRow], clock: FakeClock) -> tuple[Reconciler, TrackedJob]:
    gateway = Gateway(RequestBudget(10_000, clock=clock, burst=10_000), RetryPolicy(RetrySettings()), clock)
    rec = Reconciler(gateway=gateway, api=History(rows), clock=clock, max_attempts=6)  # type: ignore[arg-type]
    params = {"prompt": "waves", "duration": "5", "image": {**ref(MINE), "path": "/x/a.jpg", "file": "a.jpg"}}
    return rec, TrackedJob(JobSpec("j", MODEL, params), JobState.SUBMITTING, 1)


@pytest.mark.parametrize("how", ["whole", "data-uri"])
async def test_a_row_keeping_another_jpeg_whole_is_not_the_lost_submits_row(how):
    clock = FakeClock()
    since = clock.epoch() - 5
    rec, job = setup([row("theirs", body(OTHER, how), since + 1)], clock)
    assert len(MINE) != len(OTHER) and MINE.endswith(b"\xff\xd9") and OTHER.endswith(b"\xff\xd9")
    assert (await rec.find(job, since=since))[0] is None


@pytest.mark.parametrize("how", ["whole", "data-uri"])
async def test_a_lost_submit_of_a_jpeg_is_attached_to_its_own_row_beside_one_keeping_another_jpeg(how):
    clock = FakeClock()
    since = clock.epoch() - 5
    rec, job = setup([row("theirs", body(OTHER, how), since + 1), row("mine", body(MINE, how), since + 2)], clock)
    assert await _settle_on_clock(clock, rec, job, since) == Attach("mine")
