"""Audit of ``batchgen/engine/balance.py``: a balance read refused by a page that is not the API's is told and the
run goes on; only the API's own refusal of the key stops it."""

from __future__ import annotations

import logging

import pytest

from batchgen.api.answers import Credits
from batchgen.engine.balance import balance_trouble, read_balance
from batchgen.errors import ApiError, AuthError, NotFound, RequestRejected, ServerError
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


class NoDetail(ScriptedApi):
    """A balance read answered with an error status and no detail in its body."""

    def __init__(self, error: ApiError) -> None:
        super().__init__()
        self.error = error

    async def credits(self) -> Credits:
        raise self.error


@pytest.mark.parametrize(
    ("error", "told"),
    [
        (NotFound("not found while reading the balance (HTTP 404)", status=404),
         "answered HTTP 404 (not found while reading the balance (HTTP 404))"),
        (RequestRejected("HTTP 400: bad request", status=400), "answered HTTP 400 (HTTP 400: bad request)"),
    ],
    ids=["404", "400"],
)  # fmt: skip
async def test_a_balance_read_refused_with_no_detail_is_told_by_its_message_and_the_run_goes_on(caplog, error, told):
    jobs = [pending()]
    k = kit(NoDetail(error), jobs)
    with caplog.at_level(logging.INFO, logger="batchgen"):
        await read_balance(k.gateway, k.api, k.report, jobs)  # type: ignore[arg-type]
    assert k.report.balance is None and k.report.warnings == [] and k.report.fatal is None
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert record.getMessage().startswith(
        f"warning: the credit balance could not be read: GET http://127.0.0.1:1/v1/get-user-credits {told}. The run "
        "goes on without it"
    )
    assert "None" not in record.getMessage()


@pytest.mark.parametrize(
    "error",
    [
        RequestRejected("HTTP 400: No credits found for the user", status=400, detail="No credits found for the user"),
        ServerError("HTTP 500: No credits found for the user", status=500, detail="No credits found for the user"),
    ],
    ids=["400", "500"],
)
def test_only_a_404_is_told_as_an_account_with_no_balance_on_record(error):
    """The words "no credits found" in another answer's detail are told as that answer, never as a 404."""
    told = balance_trouble(error)
    assert told == f"answered HTTP {error.status} (No credits found for the user)"
    assert "404" not in told and "no credit balance on record" not in told
