"""Whether the base URL answers as the API, asked at no cost before a run's first submit, when an earlier run's
submit was answered by something that is not the API and left of unknown outcome.

A run whose first submit is answered by something that is not the API (``NotTheApi``: ``--base-url`` pointed at
an object store, a web site) stops there, and leaves the job it sent ``submitting`` when the answer does not say
nothing was made (a 2xx or 5xx): a later run looks it up in the request history before it sends it again.  A
re-run against the same wrong URL would find that out the same way, with one more submit, and leave one more job
so: a pile that grows by one each run.  So when the folder holds such a job and nothing of this run has been the
API's own yet (the balance read, :attr:`ApiClient.spoken`), one page of the request history is asked for at the
base URL's own history route: a GET, which makes and pays for nothing.  A page answered is the API's: the run
goes on (its first submit still goes alone, as any run's before the API has spoken), and the job is looked up
there.  Anything else stops the run before any submit (exit 6): no job more is
left of unknown outcome, and those left wait for a run with the right URL.  A history URL configured apart from
the base URL says nothing of the base URL: then the first submit shows it, as in any run.
"""

from __future__ import annotations

from ..api.client import CHECK_URL, GATEWAY_FOR_NOW, WRONG_URL, ApiClient, default_history_url
from ..api.gateway import Gateway
from ..api.ratelimit import Priority
from ..errors import ApiError, AuthError, NotTheApi
from ..jobs import TrackedJob

SHOWN = 3  # jobs named in the message; the rest are counted


async def check_url(gateway: Gateway, api: ApiClient, left: list[TrackedJob]) -> NotTheApi | None:
    """None when the run may submit; else the error that stops it before any submit (``left``: the jobs an
    earlier run's submit left of unknown outcome after an answer that was not the API's)."""
    if api.spoken or not left or api.history_url != default_history_url(api.base_url):
        return None
    try:
        await gateway.call(Priority.RESULT, lambda: api.history(per_page=1))
    except AuthError:
        raise  # the API's own refusal of the key (its JSON): every call would be refused
    except ApiError as exc:
        return _still_not_the_api(api, left, exc)
    return None


def _still_not_the_api(api: ApiClient, left: list[TrackedJob], exc: ApiError) -> NotTheApi:
    if exc.answer is not None:
        what = f"HTTP {exc.status} with {exc.answer}"
    elif exc.status is not None:
        what = f"HTTP {exc.status} ({exc.detail or exc})"
    else:
        what = f"no usable answer ({exc})"
    answered = f"GET {api.history_url} was answered {what}, not with a page of the API's request history"
    ids = ", ".join(job.spec.id for job in left[:SHOWN]) + (
        f" and {len(left) - SHOWN} more" if len(left) > SHOWN else ""
    )
    jobs = f"job {ids} stays" if len(left) == 1 else f"jobs {ids} stay"
    return NotTheApi(
        f"{answered}, and nothing this run had from {api.base_url} was the API's (the credit balance read neither), "
        f"as an earlier run's submit was answered by something that is not the API: {WRONG_URL}. No submit was "
        f"sent, so no job more is left of unknown outcome; {jobs} so until a run whose URL answers as the API looks "
        f"{'it' if len(left) == 1 else 'them'} up in its request history. {CHECK_URL}{GATEWAY_FOR_NOW}",
        status=exc.status or 0,
        made=False,
        answered=answered,
    )
