"""Audit of ``batchgen/engine/submitter.py``: what the ledger keeps of a submit is what a later run needs to
settle a lost one without paying twice."""

from __future__ import annotations

from typing import Any

from batchgen.api.answers import Submitted
from batchgen.clock import FakeClock, parse_time
from tests.engine.doubles import ScriptedApi, kit, pending, submitter


class SlowAnswers(ScriptedApi):
    """The API answers each submit some seconds after its POST went out (an upload, a busy gateway)."""

    clock = FakeClock()  # the kit's, once built

    def __init__(self, delay_s: float, **scripted: Any) -> None:
        super().__init__(**scripted)
        self.delay_s = delay_s

    async def submit(self, model: str, params: Any) -> Submitted:
        answered = await super().submit(model, params)
        await self.clock.sleep(self.delay_s)
        return answered


async def test_the_submitted_line_dates_the_post_that_made_the_request_not_its_answer():
    job = pending()
    api = SlowAnswers(20.0, submits=["r-1"])
    k = kit(api, [job])
    api.clock = k.clock
    stage, tracked = submitter(k)
    k.book.take(job)
    async with k.clock.autojump():
        await stage.submit(job)
    (_, _, _, stamped), (_, event, state, made) = k.ledger.lines
    assert (event, state) == ("submitted", "submitted") and made["request_id"] == "r-1"
    posted, answered = parse_time(made["posted_at"]), parse_time(made["submitted_at"])
    assert posted is not None and answered is not None
    # a later run counts r-1 as sent after a lost submit only from when its POST went out
    assert made["posted_at"] == stamped["posting_at"]
    assert answered - posted >= 20.0
    assert tracked.sent == [job]
