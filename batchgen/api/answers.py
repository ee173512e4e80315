"""Reading the API's answers: result types, the mapping of status codes to errors, and field parsing.

Pure functions over a status code, headers and a parsed JSON body; the
transport (aiohttp) stays in ``client.py``.  See ``client.py`` for the
outcome mapping in one table.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

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
from .foreign import not_json

MAX_HINT_S = 3600.0
# Out of credits is 406 (SEGMIND_API.md); 402 Payment Required, or a 400/403/422 that says so, is the same stop
# (its words, not a prompt's: "funds" is left out, a prompt may speak of money, and "credits" of a film)
OUT_OF_CREDITS = re.compile(
    r"insufficient[ _](account[ _])?(credit|balance)|out of credits|not enough (credit|balance)"
    r"|balance is (insufficient|too low)",
    re.I,
)
RELATIVE_RESET_BELOW = 1e8  # a reset "time" below this many seconds since the epoch is a wait, not a time
HISTORY_PAGE = 100  # rows per request-history page: the API's maximum
UNFINISHED_STATES = ("QUEUED", "PROCESSING")  # a job the server has not finished
HISTORY_DONE = ("COMPLETED", "FAILED")  # a history row's states once its request finished (else PENDING)


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
    output_urls: tuple[str, ...] = ()  # every candidate link, ``output_url`` first (see output_urls)


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
    stamp_zoned: bool = True  # ``created_at`` said its zone (an ISO time without one is read as local)
    bare_id: bool = False  # the history spelled ``request_id`` as 32 bare hex digits (see :func:`dashed_id`)


@dataclass(frozen=True, slots=True)
class Download:
    """An open download: the declared size, the body as chunks, and its declared media type (``image/jpeg``;
    None where none was given)."""

    content_length: int | None
    chunks: AsyncIterator[bytes]
    content_type: str | None = None


def error_for(status: int, headers: dict[str, str], body: dict[str, Any], *, what: str, key_env: str) -> ApiError:
    """The batchgen error for an unsuccessful answer."""
    detail = detail_of(body)
    if status == 402 or (status in (400, 403, 422) and OUT_OF_CREDITS.search(detail)):
        return _out_of_credits(status, detail)
    if status in (401, 403) and (page := not_json(body)) is not None:
        # (once the API had accepted the key, such a page is a GatewayRefusal, raised before this: client.py)
        return AuthError(
            f"HTTP {status} with {page}, not the API's JSON, while {what}, before any answer of this run was the "
            "API's: the API may have refused the key, or something in front of it (a firewall, a proxy that asks to "
            "log in) or a --base-url that is not the API's refused the request. Check the key in the environment "
            f"variable {key_env}, --base-url, and what stands between this machine and the API",
            status=status,
            detail=f"HTTP {status}: {page}, not the API's JSON",
        )
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
        return _out_of_credits(status, detail)
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
    skewed local clock does not distort the wait; without one, against this machine's.
    """
    server_now = parse_time(headers.get("date", ""))
    retry_after = headers.get("retry-after", "").strip()
    if retry_after:
        try:
            return _clip(float(retry_after))
        except ValueError:
            when = parse_time(retry_after)
            if when is not None:
                return _clip(when - (wall_now() if server_now is None else server_now))
    reset_at = headers.get("x-rate-limit-reset-at-utc", "").strip()
    try:  # a bare number too small for a time since 1973: seconds until the reset
        if 0 <= float(reset_at) < RELATIVE_RESET_BELOW:
            return _clip(float(reset_at))
    except ValueError:
        pass
    reset = parse_time(reset_at, naive_utc=True)  # UTC, as named
    if reset is not None:
        if server_now is None:
            server_now = wall_now()
        return _clip(reset - server_now)
    return None


# --------------------------------------------------------------------------- helpers


# How states are read (README "What the client accepts from the API"): case-insensitively, spaces,
# dashes and underscores alike.  Terminal spellings map onto the documented four; CANCELLED and its
# kin end a job as FAILED (the API ended it; nothing was charged); any other non-empty state is a job
# still in flight, under a name the documentation does not give.
COMPLETED_STATES = frozenset({"COMPLETED", "COMPLETE", "SUCCEEDED", "SUCCESS", "SUCCESSFUL"})
FAILED_STATES = frozenset({"FAILED", "FAILURE", "ERROR", "ERRORED"})
CANCELLED_STATES = frozenset({"CANCELLED", "CANCELED", "ABORTED"})
QUEUED_STATES = frozenset({"QUEUED", "IN_QUEUE", "INQUEUE", "PENDING", "WAITING", "SUBMITTED"})
OUTPUT_KEYS = ("video", "url", "output", "video_url", "uri", "href", "file")


@dataclass(frozen=True, slots=True)
class JobStateRead:
    """A state as the API spelled it, read: one of QUEUED, PROCESSING, COMPLETED, FAILED."""

    state: str
    spelled: str  # the API's own spelling, upper-cased
    known: bool  # one of the spellings above (False: an undocumented in-flight state)

    @property
    def cancelled(self) -> bool:
        return self.spelled in CANCELLED_STATES


def read_state(value: Any) -> JobStateRead | None:
    """Read a job state generously; None when ``value`` is no state at all (absent, not text)."""
    if not isinstance(value, str) or not value.strip():
        return None
    spelled = value.strip().upper().replace("-", "_").replace(" ", "_")[:40]
    if spelled in COMPLETED_STATES:
        return JobStateRead("COMPLETED", spelled, True)
    if spelled in FAILED_STATES or spelled in CANCELLED_STATES:
        return JobStateRead("FAILED", spelled, True)
    if spelled in QUEUED_STATES:
        return JobStateRead("QUEUED", spelled, True)
    return JobStateRead("PROCESSING", spelled, spelled in ("PROCESSING", "RUNNING", "IN_PROGRESS", "STARTING"))


def terminal_aware_state(status: int, headers: dict[str, str], body: dict[str, Any], *, what: str, key_env: str) -> str:
    """Branch on the body's ``status`` field: FAILED comes as 422 (or even 200)."""
    return read_answer_state(status, headers, body, what=what, key_env=key_env).state


def read_answer_state(
    status: int, headers: dict[str, str], body: dict[str, Any], *, what: str, key_env: str
) -> JobStateRead:
    """The job's state from a status or result answer; FAILED (or CANCELLED) may come as 422 or 200."""
    read = read_state(body.get("status"))
    if read is not None and read.state == "FAILED" and status in (200, 422):
        return read
    if not 200 <= status < 300:  # (a job in flight answered 202 Accepted is answered as with 200)
        raise error_for(status, headers, body, what=what, key_env=key_env)
    if read is None:
        raise BadResponse(f"the answer has no job status while {what}", status=status)
    return read


def failure_text(body: dict[str, Any], read: JobStateRead) -> str | None:
    """Why a job ended FAILED: the API's ``error``, or, for a cancelled job without one, that it was."""
    text = text_or_none(body.get("error"))
    if text is None and read.cancelled:
        return f"the API ended the job as {read.spelled} (it was not made; nothing was charged)"
    return text


def output_of(body: dict[str, Any]) -> tuple[str | None, int | None]:
    """The video's URL and declared size from a result body.

    The URL is the first http(s) URL found in ``output`` (a string, a list of
    them, or an object holding one under ``video``, ``url``, ``output``, ...),
    then in ``video`` (an object with ``url``, or a string); the size is
    ``video.file_size`` when that is a whole number.
    """
    urls = output_urls(body)
    video = body.get("video")
    size = video.get("file_size") if isinstance(video, dict) else None
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        size = None
    return (urls[0] if urls else None), size


def output_urls(body: dict[str, Any]) -> list[str]:
    """Every candidate video URL in a result body, in the order they should be tried (at most 8): as
    listed, except that a link whose name ends like a video goes before one whose name ends like a
    picture (a preview listed first, say), which goes last."""
    found: list[str] = []
    _collect_urls(body.get("output"), found, depth=0)
    _collect_urls(body.get("video"), found, depth=0)
    return sorted(found[:8], key=_link_rank)


VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".webm", ".m4v", ".mkv"})
PICTURE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".avif"})


def _link_rank(url: str) -> int:
    """0: named like a video; 1: no telling; 2: named like a picture."""
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    return 0 if suffix in VIDEO_SUFFIXES else 2 if suffix in PICTURE_SUFFIXES else 1


def _collect_urls(value: Any, found: list[str], *, depth: int) -> None:
    if depth > 3 or len(found) >= 8:
        return
    if isinstance(value, str):
        text = value.strip()
        if text.lower().startswith(("http://", "https://")) and text not in found:
            found.append(text)
    elif isinstance(value, list):
        for item in value[:8]:
            _collect_urls(item, found, depth=depth + 1)
    elif isinstance(value, dict):
        for key in OUTPUT_KEYS:
            if key in value:
                _collect_urls(value[key], found, depth=depth + 1)


_BARE_UUID = re.compile(r"[0-9a-fA-F]{32}")


def dashed_id(request_id: str) -> str | None:
    """A request id the history spells as 32 bare hex digits, as a submit spells it: a UUID, dashed, in
    lower case (SEGMIND_API.md: submits give UUIDv4s; the SDK's history example shows an id without dashes);
    None for any other spelling, kept as it is."""
    if _BARE_UUID.fullmatch(request_id) is None:
        return None
    bare = request_id.lower()
    return "-".join((bare[:8], bare[8:12], bare[12:16], bare[16:20], bare[20:]))


def bare_id(request_id: str) -> str | None:
    """A dashed UUID request id as 32 bare hex digits (the spelling :func:`dashed_id` reads); None for another."""
    bare = request_id.replace("-", "")
    return bare if request_id.count("-") == 4 and dashed_id(bare) == request_id.lower() else None


def history_row(row: Any) -> HistoryRow | None:
    if not isinstance(row, dict) or not isinstance(row.get("request_id"), str):
        return None
    dashed = dashed_id(row["request_id"])
    stamp = str(row.get("created_at") or "")
    created = parse_time(stamp)
    body = row.get("request_body")
    if isinstance(body, str):  # the body as JSON text
        with contextlib.suppress(ValueError, RecursionError):
            body = json.loads(body)
    return HistoryRow(
        request_id=dashed or row["request_id"],
        model_name=str(row.get("model_name") or ""),
        status=_history_status(row.get("model_status")),
        request_body=body if isinstance(body, dict) else {},
        generation_url=row.get("generation_url") if isinstance(row.get("generation_url"), str) else None,
        cost=number(row.get("credits_deduction")),
        created_at=created,
        error=text_or_none(row.get("error")),
        latency_s=_seconds_from_ms(row.get("latency_ms")),
        stamp_zoned=_zoned(stamp),
        bare_id=dashed is not None,
    )


def _zoned(stamp: str) -> bool:
    """Whether a time says its zone: an ISO time without one does not (epoch figures do)."""
    try:
        return datetime.fromisoformat(stamp.strip().replace("Z", "+00:00")).tzinfo is not None
    except ValueError:
        return True


def _history_status(value: Any) -> str:
    """A history row's state: COMPLETED, FAILED (CANCELLED too) or PENDING, however it was spelled."""
    read = read_state(value)
    return read.state if read is not None and read.state in HISTORY_DONE else "PENDING"


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


def _out_of_credits(status: int, detail: str) -> InsufficientCredits:
    return InsufficientCredits(
        f"the account is out of credits ({detail}); top up, then run the same command again to resume",
        status=status,
        detail=detail,
    )


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
