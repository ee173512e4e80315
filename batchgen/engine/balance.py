"""The credit balance read before a run's first submit, and what it is told as when it cannot be read.

The balance is advisory: it is read once (``GET /v1/get-user-credits``) to
warn ahead of a batch it will not cover.  What stops a run for credits is a
submit the API refuses for them (406, exit 3), read or not.  So a read that
fails leaves the run going, with a warning that says what answered, at which
URL, and what it means; only an answer that stops every call as well stops
it here: the key refused by the API itself (its JSON 401/403: exit 4), or no
answer at all for ``api.unreachable_after_s`` (exit 6).
"""

from __future__ import annotations

import logging

from ..api.client import ApiClient
from ..api.gateway import Gateway
from ..api.ratelimit import Priority
from ..errors import ApiError, AuthError, InvalidContentType, NotFound, RouteTrouble
from ..jobs import TrackedJob
from .outcome import RunReport

log = logging.getLogger("batchgen")
ROUTE = "/v1/get-user-credits"


async def read_balance(gateway: Gateway, api: ApiClient, report: RunReport, to_submit: list[TrackedJob]) -> None:
    """Read the balance into ``report.balance`` and warn when the batch's estimated cost exceeds it."""
    try:
        credits = await gateway.call(Priority.RESULT, api.credits)
    except AuthError as exc:
        if exc.answer is None:  # the API's own refusal of the key: every call would be refused
            raise
        _going_on(api, exc)
        return
    except ApiError as exc:
        _going_on(api, exc)
        return
    report.balance = credits.total
    estimate = sum(job.estimate or 0.0 for job in to_submit)
    if estimate > credits.total:
        message = (
            f"the balance (${credits.total:.2f}) will not cover the estimated ${estimate:.2f} for "
            f"{len(to_submit)} jobs; the run will stop submitting when credits run out (exit 3)"
        )
        report.warnings.append(message)
        log.warning("warning: %s", message)


def _going_on(api: ApiClient, exc: ApiError) -> None:
    log.warning(
        "warning: the credit balance could not be read: GET %s%s %s. The run goes on without it: the balance only "
        "warns ahead of a batch it will not cover, and a submit the credits do not cover still stops the run "
        "(exit 3)",
        api.base_url,
        ROUTE,
        balance_trouble(exc),
    )


def balance_trouble(exc: ApiError) -> str:
    """What a failed balance read was, after "GET URL": the answer, and what it means for the run."""
    detail = exc.detail or str(exc)
    if exc.answer is not None:
        return (
            f"answered HTTP {exc.status} with {exc.answer}, not the API's JSON (if --base-url is not the API's, "
            "the first submit shows it, and the run stops there)"
        )
    if isinstance(exc, NotFound) and "no credits found" in detail.lower():
        return (
            f"answered HTTP 404 ({detail}): the account has no credit balance on record (a new account, or a "
            "workspace with none; if its submits are refused for credits, top up and run the same command again)"
        )
    if isinstance(exc, InvalidContentType):
        return (
            f"answered HTTP 406 ({detail}) to a GET, which sends no body: no content type of batchgen's is at "
            "fault (a proxy in between?); should the submits be refused so too, the run stops at the first (exit 1)"
        )
    if isinstance(exc, RouteTrouble) or exc.status is None:
        return f"failed: {exc}"
    return f"answered HTTP {exc.status} ({detail})"
