"""Audit of ``batchgen/retry.py``: the wait before a retry is "full jitter", drawn at random below its ceiling,
so jobs that failed together do not retry together."""

from __future__ import annotations

import random

import pytest

from batchgen.config import RetrySettings
from batchgen.retry import RetryPolicy


def test_each_wait_before_a_retry_is_drawn_at_random_between_zero_and_its_ceiling():
    settings = RetrySettings(max_attempts=4, backoff_initial_s=1.0, backoff_max_s=8.0, deadline_s=900.0)
    policy = RetryPolicy(settings, rng=random.Random(7))
    reference = random.Random(7)
    ceilings = [1.0, 2.0, 4.0, 8.0, 8.0] * 4
    waits = [policy.backoff(n) for n in [1, 2, 3, 4, 5] * 4]
    assert waits == pytest.approx([reference.uniform(0.0, ceiling) for ceiling in ceilings])
    assert all(0.0 <= wait <= ceiling for wait, ceiling in zip(waits, ceilings, strict=True))
    assert len(set(waits)) == len(waits)  # twenty retries, twenty different waits
