"""A call's requests beyond its first (a redirect followed within the API), granted by the budget as the first.

A call the budget granted is one request; a redirect the client follows is another, which the server counts
against the account's rate window like any.  Uncounted, a server that redirected every poll would be sent
twice the rate the budget allows.  :class:`~.gateway.Gateway` marks the calls it granted (a context
variable, set around the call); the client asks :func:`next_request` before each redirect it follows, and a
call within a grant waits for the next one.  A call outside the gateway (a check before the run begins) has
no budget to wait for.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar

GRANTED: ContextVar[Callable[[], Awaitable[None]] | None] = ContextVar("batchgen_granted_call", default=None)


async def next_request() -> None:
    """Before a call's next request (a redirect to follow): the budget's grant, within a granted call."""
    grant = GRANTED.get()
    if grant is not None:
        await grant()
