"""Audit of ``batchgen/engine/pollplan.py``: a record gone at its configured life is no news of a shorter one."""

from __future__ import annotations

import logging

from batchgen.engine.pollplan import LatencyModel, PollPlan
from tests.engine.doubles import ByJobApi, pending, poll_stage


def test_a_record_gone_exactly_at_its_configured_life_neither_tightens_the_guard_nor_tells_the_operator_to_lower_it(
    caplog,
):
    plan = PollPlan(LatencyModel(), min_interval_s=2.0, max_interval_s=60.0, expiry_s=3600.0, expiry_margin_s=600.0)
    assert not plan.records_expire_by(3600.0)
    assert (plan.expiry, plan.guard) == (3600.0, 3000.0)
    api = ByJobApi(results={})
    s = poll_stage(api, [pending("j")])
    with caplog.at_level(logging.WARNING, logger="batchgen"):
        s.poller.record_gone_at("r-j", 3600.0)
    assert not [r for r in caplog.records if "sooner than polling.expiry_s" in r.getMessage()]
    assert s.k.reconciler.records_found_to_last is None
    assert s.poller.plan.guard == 3000.0
