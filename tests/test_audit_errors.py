"""Audit of ``batchgen/errors.py``: what the ledger records of an API error says what happened, with its HTTP
status when there was one."""

from __future__ import annotations

import pytest

from batchgen.errors import (
    ApiError,
    AuthError,
    NetworkError,
    RateLimited,
    RequestRejected,
    ServerError,
    TransientError,
)


@pytest.mark.parametrize(
    ("error", "record"),
    [
        (
            RateLimited("rate limited by the API", retry_after=2.0),
            {"kind": "RateLimited", "http": 429, "detail": "rate limited by the API"},
        ),
        (
            RateLimited("rate limited", retry_after=None, detail="Too many requests"),
            {"kind": "RateLimited", "http": 429, "detail": "Too many requests"},
        ),
        (
            NetworkError("connection reset while reading the answer", reached_server=True),
            {"kind": "NetworkError", "detail": "connection reset while reading the answer"},
        ),
        (
            ServerError("the API answered HTTP 502", status=502),
            {"kind": "ServerError", "http": 502, "detail": "the API answered HTTP 502"},
        ),
        (
            RequestRejected("refused", status=400, detail="prompt too long"),
            {"kind": "RequestRejected", "http": 400, "detail": "prompt too long"},
        ),
        (AuthError("the key was refused", status=401, detail=""), {"kind": "AuthError", "http": 401, "detail": ""}),
    ],
)
def test_the_ledgers_record_of_an_error_keeps_its_http_status_and_says_what_happened(error, record):
    assert error.to_record() == record


def test_a_rate_limit_is_a_transient_429_that_keeps_the_servers_hint():
    limited = RateLimited("slow down", retry_after=1.5)
    assert isinstance(limited, TransientError) and isinstance(limited, ApiError)
    assert (limited.status, limited.retry_after, limited.detail) == (429, 1.5, None)
