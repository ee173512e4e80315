"""Audit of ``batchgen/engine/balance.py``: a balance read refused by a page that is not the API's is told and the
run goes on; only the API's own refusal of the key stops it."""

from __future__ import annotations

import logging

import pytest

from batchgen.api.answers import Credits
from batchgen.engine.balance import read_balance
from batchgen.errors import AuthError
from tests.engine.doubles import ScriptedApi, kit, pending


class Refused(ScriptedApi):
    def __init__(self, answer: str | None) -> None:
        super().__init__()
        self.answer = answer

    async def credits(self) -> Credits:
        error = AuthError("HTTP 401: unauthorized", status=401, detail="unauthorized")
        error.answer = self.answer
        raise error


async def test_a_balance_read_refused_by_a_page_that_is_not_the_apis_is_told_and_the_run_goes_on(caplog):
    jobs = [pending()]
    k = kit(Refused("an HTML page"), jobs)
    with caplog.at_level(logging.INFO, logger="batchgen"):
        await read_balance(k.gateway, k.api, k.report, jobs)  # type: ignore[arg-type]
    assert k.report.balance is None and k.report.warnings == [] and k.report.fatal is None
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (
            logging.WARNING,
            "warning: the credit balance could not be read: GET http://127.0.0.1:1/v1/get-user-credits answered "
            "HTTP 401 with an HTML page, not the API's JSON (if --base-url is not the API's, the first submit shows "
            "it, and the run stops there). The run goes on without it: the balance only warns ahead of a batch it "
            "will not cover, and a submit the credits do not cover still stops the run (exit 3)",
        )
    ]


async def test_a_balance_read_the_api_itself_refused_the_key_for_stops_the_run():
    jobs = [pending()]
    k = kit(Refused(None), jobs)
    with pytest.raises(AuthError):
        await read_balance(k.gateway, k.api, k.report, jobs)  # type: ignore[arg-type]
