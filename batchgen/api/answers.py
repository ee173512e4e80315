"""Reading the API's answers: result types, the mapping of status codes to errors, and field parsing.

Pure functions over a status code, headers and a parsed JSON body; the
transport (aiohttp) stays in ``client.py``.  See ``client.py`` for the
outcome mapping in one table.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from ..clock import parse_time, wall_now
from ..errors import (
    ApiError,
    AuthError,
    BadResponse,
    InsufficientCredits,
    InvalidContentType,
    NotFound,
    RateLimited,
    RequestRejected,
    ServerError,
)

MAX_HINT_S = 3600.0
HISTORY_PAGE = 100  # rows per request-history page: the API's maximum
UNFINISHED_STATES = ("QUEUED", "PROCESSING")  # a job the server has not finished


@dataclass(frozen=True, slots=True)
class Submitted:
    request_id: str


@dataclass(frozen=True, slots=True)
class Status:
    """A job's state: QUEUED, PROCESSING, COMPLETED or FAILED."""

    state: str
    error: str | None
    metrics: dict[str, Any]
    http: int


@dataclass(frozen=True, slots=True)
class Result:
    """The result body.  ``output_url`` is set when the state is COMPLETED."""

    state: str
    output_url: str | None
    file_size: int | None
    cost: float | None
    remaining_credits: float | None
    metrics: dict[str, Any]
    error: str | None
    http: int


@dataclass(frozen=True, slots=True)
class Credits:
    credits: float
    free_credits: float

    @property
    def total(self) -> float:
        return self.credits + self.free_credits


@dataclass(frozen=True, slots=True)
class HistoryRow:
    request_id: str
    model_name: str
    status: str
    request_body: dict[str, Any]
    generation_url: str | None
    cost: float | None
    created_at: float | None
    error: str | None
    latency_s: float | None = None  # submit to finish, from ``latency_ms``, when the row has it


@dataclass(frozen=True, slots=True)
class Download:
    """An open download: the declared size, and the body as chunks."""

    content_length: int | None
    chunks: AsyncIterator[bytes]


def error_for(status: int, headers: dict[str, str], body: dict[str, Any], *, what: str, key_env: str) -> ApiError:
    """The batchgen error for an unsuccessful answer."""
    detail = detail_of(body)
    if status in (401, 403):
        return AuthError(
            f"the API refused the key while {what} (HTTP {status}: {detail}); check the key in "
            f"the environment variable {key_env}",
            status=status,
            detail=detail,
        )
    if status == 404:
        return NotFound(f"not found while {what} (HTTP 404: {detail})", status=status, detail=detail)
    if status == 406:
        if "content type" in detail.lower() or "content-type" in detail.lower():
            return InvalidContentType(
                f"the API rejected the request's content type while {what} (HTTP 406: {detail}); "
                "this is a bug in batchgen, please report it",
                status=status,
                detail=detail,
            )
        return InsufficientCredits(
            f"the account is out of credits ({detail}); top up, then run the same command again to resume",
            status=status,
            detail=detail,
        )
    if status == 429:
        return RateLimited(
            f"rate limited while {what} (HTTP 429: {detail})",
            retry_after=retry_hint(headers),
            detail=detail,
        )
    if status >= 500:
        return ServerError(f"server error while {what} (HTTP {status}: {detail})", status=status, detail=detail)
    return RequestRejected(
        f"the API rejected the request while {what} (HTTP {status}: {detail})", status=status, detail=detail
    )


def retry_hint(headers: dict[str, str]) -> float | None:
    """Seconds to wait from ``Retry-After`` (seconds or HTTP date) or ``x-rate-limit-reset-at-utc``.

    Dates are read against the answer's own ``Date`` header when present, so a
    skewed local clock does not distort the wait.
    """
    server_now = parse_time(headers.get("date", ""))
    retry_after = headers.get("retry-after", "").strip()
    if retry_after:
        try:
            return _clip(float(retry_after))
        except ValueError:
            when = parse_time(retry_after)
            if when is not None and server_now is not None:
                return _clip(when - server_now)
    reset = parse_time(headers.get("x-rate-limit-reset-at-utc", ""))
    if reset is not None:
        if server_now is None:
            server_now = wall_now()
        return _clip(reset - server_now)
    return None


# --------------------------------------------------------------------------- helpers


def terminal_aware_state(status: int, headers: dict[str, str], body: dict[str, Any], *, what: str, key_env: str) -> str:
    """Branch on the body's ``status`` field: FAILED comes as 422 (or even 200)."""
    state = body.get("status")
    if state == "FAILED" and status in (200, 422):
        return "FAILED"
    if status != 200:
        raise error_for(status, headers, body, what=what, key_env=key_env)
    if state not in ("QUEUED", "PROCESSING", "COMPLETED"):
        raise BadResponse(f"unexpected job status {str(state)[:40]!r} while {what}", status=status)
    return str(state)


def output_of(body: dict[str, Any]) -> tuple[str | None, int | None]:
    video = body.get("video")
    url: Any = body.get("output")
    size = None
    if isinstance(video, dict):
        size = video.get("file_size")
        if not isinstance(url, str) or not url:
            url = video.get("url")
    if isinstance(url, list) and url and isinstance(url[0], str):
        url = url[0]
    if not isinstance(url, str) or not url.strip():
        url = None
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        size = None
    return url, size


def history_row(row: Any) -> HistoryRow | None:
    if not isinstance(row, dict) or not isinstance(row.get("request_id"), str):
        return None
    created = parse_time(str(row.get("created_at") or ""))
    body = row.get("request_body")
    return HistoryRow(
        request_id=row["request_id"],
        model_name=str(row.get("model_name") or ""),
        status=str(row.get("model_status") or ""),
        request_body=body if isinstance(body, dict) else {},
        generation_url=row.get("generation_url") if isinstance(row.get("generation_url"), str) else None,
        cost=number(row.get("credits_deduction")),
        created_at=created,
        error=text_or_none(row.get("error")),
        latency_s=_seconds_from_ms(row.get("latency_ms")),
    )


def _seconds_from_ms(value: Any) -> float | None:
    ms = number(value)
    return ms / 1000.0 if ms is not None and ms >= 0 and math.isfinite(ms) else None


def server_latency(metrics: dict[str, Any]) -> float | None:
    """Submit-to-finish seconds from a result's ``metrics``: ``total_time``, else queue + inference."""
    total = number(metrics.get("total_time"))
    if total is None:
        queue, inference = number(metrics.get("queue_time")), number(metrics.get("inference_time"))
        total = queue + inference if queue is not None and inference is not None else None
    return total if total is not None and total >= 0 and math.isfinite(total) else None


def _clip(seconds: float) -> float | None:
    if math.isnan(seconds):
        return None
    return min(max(0.0, seconds), MAX_HINT_S)


def detail_of(body: dict[str, Any]) -> str:
    err = body.get("error") or body.get("message") or body.get("detail")
    return str(err)[:500] if err else "no detail given"


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def text_or_none(value: Any) -> str | None:
    return str(value)[:2000] if value not in (None, "") else None
