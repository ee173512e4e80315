"""The Segmind v2 API client: one aiohttp session, every outcome mapped to batchgen errors.

This is the only module that imports aiohttp's client.  It never retries (the
scheduler decides) and it keeps the key on a short leash:

* ``x-api-key`` is added per request, only to URLs built here from the
  configured API base URL or request-history URL, never to a URL the server
  named (poll URLs are rebuilt from the request id; output URLs are fetched
  without it);
* API calls follow a redirect only within the API's own origin (scheme, host
  and port), at most ``MAX_SAME_ORIGIN_REDIRECTS`` times; a redirect anywhere
  else is never followed (:class:`RouteTrouble`), so the key cannot be
  forwarded to another host;
* error messages name the environment variable, never the key, and any
  answer that echoes the key has it replaced before anything reads it.

Outcome mapping (see ``errors.py``): 400/410/other 4xx -> RequestRejected,
401/403 -> AuthError, 404 -> NotFound, 406 -> InsufficientCredits or
InvalidContentType by its text, 422 with a FAILED body -> a FAILED status
(not an exception), 429 -> RateLimited with the server's hint, 5xx ->
ServerError, or AmbiguousSubmit on a submit; a redirect to another origin or
a body that is not JSON -> RouteTrouble (AmbiguousSubmit on a submit): the
route's trouble, never the job's outcome; a 401/403 with a body that is not
JSON once the API has accepted the key -> GatewayRefusal (a RouteTrouble:
something in front of the API refused it, not the API); but a submit answered so (or
without a request id) before any answer of the run was the API's own ->
NotTheApi: the base URL is not the API's; network failures -> NetworkError,
with ``reached_server=False`` only when the connection was never made, and
AmbiguousSubmit for a submit that may have been received.
"""

from __future__ import annotations

import bisect
import io
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import aiohttp
import anyio

from ..clock import parse_time, wall_now
from ..errors import (
    AmbiguousSubmit,
    AnswerTooLarge,
    BadResponse,
    DownloadError,
    GatewayRefusal,
    NetworkError,
    NotFound,
    NotTheApi,
    RouteTrouble,
    SpelledOtherwise,
)
from .answers import (
    HISTORY_PAGE,
    Credits,
    Download,
    HistoryRow,
    JobStateRead,
    Result,
    Status,
    Submitted,
    as_dict,
    bare_id,
    detail_of,
    error_for,
    failure_text,
    history_row,
    number,
    output_of,
    output_urls,
    read_answer_state,
    text_or_none,
)
from .foreign import NOT_JSON, body_kind, not_json
from .hops import next_request
from .paging import HistoryPage

DEFAULT_BASE_URL = "https://api.segmind.com"
DEFAULT_HISTORY_URL = "https://api.spotprod.segmind.com/inference-request/request-history"
USER_AGENT = "batchgen/0.1 (+segmind-v2)"
LARGE_BODY_BYTES = 1 << 20  # a request body above this is streamed from memory, not written whole
MAX_SAME_ORIGIN_REDIRECTS = 3
CLOSE_S = 5.0  # real seconds a run waits for its connections to close, cancelled or not
log = logging.getLogger("batchgen")


HISTORY_ASKS = ("per_page", "sort_order")  # what a history page asks for beyond its number (its forms: HISTORY_FORMS)


def _forms(names: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """Each subset of ``names``, the most names first, the first names left out first: for two, both, then the
    second alone, then the first alone, then neither."""
    return tuple(
        sorted(
            (tuple(name for i, name in enumerate(names) if not dropped >> i & 1) for dropped in range(1 << len(names))),
            key=len,
            reverse=True,
        )  # (sorted is stable: among forms of one size, the order of the masks, the first names left out first)
    )


HISTORY_FORMS = _forms(HISTORY_ASKS)  # the forms a history page may be asked in, in the order they are tried


def fewer_asks(asks: tuple[str, ...]) -> tuple[str, ...] | None:
    """The form a history page is asked in next once ``asks`` was refused (HTTP 400): the next of
    :data:`HISTORY_FORMS`.  Every subset is tried, not only the names cut from the front: a history that
    refuses ``sort_order`` alone still takes ``per_page`` (a page size, which pages too large for
    api.max_response_bytes need).  None once no form is left."""
    place = HISTORY_FORMS.index(asks) + 1
    return HISTORY_FORMS[place] if place < len(HISTORY_FORMS) else None


# what a base URL answered by something that is not the API may mean, what to do, and what it means if it is right
WRONG_URL = (
    "--base-url (or api.base_url) points at another server (an object store, a web site), or something in front "
    "of the API answers in its place"
)
CHECK_URL = (
    "Check it (Segmind's API is https://api.segmind.com), then run again with the right one (a --base-url given "
    "replaces the one kept with the folder)"
)
GATEWAY_FOR_NOW = "; if it is right, a gateway in front of the API failed for now: run again later"


class ApiClient:
    """Async client for the v2 queue API.  Use as ``async with ApiClient(...) as api``."""

    def __init__(
        self,
        *,
        api_key: str,
        key_env: str = "SEGMIND_API_KEY",
        base_url: str = DEFAULT_BASE_URL,
        history_url: str | None = None,
        request_timeout_s: float = 30.0,
        max_response_bytes: int = 1 << 20,
        connections: int = 64,
    ) -> None:
        self._key = api_key
        self._key_bytes = api_key.encode()
        self.key_env = key_env
        self.base_url = base_url.rstrip("/")
        self.history_url = (history_url or default_history_url(self.base_url)).rstrip("/")
        # how far the server's clock (its Date header) ran ahead of this machine's, at least, each time
        # that grew: (this machine's epoch, how far).  An answer dated D (whole seconds) that came at t was
        # dated at or before t, by a clock at least D - t ahead
        self._dated: list[tuple[float, float]] = []
        self.history_asks: tuple[str, ...] = HISTORY_ASKS  # what a history page asks beyond its number (see history())
        # the most rows a history page is asked for: fewer once a page was larger than max_response_bytes allows
        self.history_per_page = HISTORY_PAGE
        self._told_per_page = HISTORY_PAGE  # ... the fewest the operator was told of (readers halve side by side)
        # each page query (status, model, from_date) whose forms were refused (HTTP 400) before one was answered,
        # and the form to ask it in next: each form is a request, and one that failed for now (a 429) is asked
        # again from where the refusals left off, not from the first form (each reader's own: a sweep's beside
        # a look-up's)
        self._history_trying: dict[tuple[str | None, ...], tuple[str, ...]] = {}
        # whether the history spells request ids as 32 bare hex digits, not dashed as submits do (None: not seen);
        # its rows are read in the submits' spelling, and one request of it is asked for in its own
        self.history_bare_ids: bool | None = None
        # whether the request history answered a page (True: it works, and a request not listed may lag there),
        # or answered 404 (False: there is none); None: not asked yet
        self.history_answered: bool | None = None
        self._timeout = aiohttp.ClientTimeout(total=request_timeout_s, connect=min(10.0, request_timeout_s))
        self._max_body = max_response_bytes
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None
        self._download_session: aiohttp.ClientSession | None = None
        self._unknown_states: set[str] = set()  # undocumented in-flight states already logged
        # whether an answer of this run was the API's own (a balance, a request id, a job's state): until one is,
        # a first submit answered by something else (an HTML or XML page, no request id) shows that the base URL
        # is not the API's (NotTheApi), and the run stops instead of sending the batch into it
        self.spoken = False
        self.refused = 0  # answers of something in front of the API refusing a request, once the key was accepted

    def __repr__(self) -> str:
        return f"ApiClient(base_url={self.base_url!r}, key=<from ${self.key_env}>)"

    async def __aenter__(self) -> ApiClient:
        headers = {"User-Agent": USER_AGENT}
        self._session = aiohttp.ClientSession(
            headers=headers,
            timeout=self._timeout,
            connector=aiohttp.TCPConnector(limit=self._connections),
            trust_env=False,
        )
        # Downloads go to other hosts: a separate session that never holds the key.
        self._download_session = aiohttp.ClientSession(
            headers=headers,
            connector=aiohttp.TCPConnector(limit=self._connections),
            trust_env=False,
        )
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close both sessions, even in a cancelled scope (a run stopped by its caller's timeout), for no longer
        than ``CLOSE_S`` (a connection's TLS shutdown may wait for a peer that never answers)."""
        with anyio.move_on_after(CLOSE_S, shield=True):
            for session in (self._session, self._download_session):
                if session is not None and not session.closed:
                    await session.close()

    # ------------------------------------------------------------------ operations

    async def submit(self, model: str, params: dict[str, Any] | bytes | bytearray) -> Submitted:
        """POST /v2/{model}: the parameters, or their JSON already encoded (an image job's body is megabytes,
        encoded off the event loop).  Raises AmbiguousSubmit when the job may exist anyway."""
        url = f"{self.base_url}/v2/{quote(model, safe='')}"
        try:
            status, headers, body = await self._call("POST", url, json_body=params)
        except NetworkError as exc:
            if exc.reached_server:
                raise AmbiguousSubmit(
                    f"the submit for model {model} may have reached the server, but no answer came back "
                    f"({exc}); the job may exist and must be looked up before any resubmission",
                    detail=str(exc),
                ) from exc
            raise
        except RouteTrouble as exc:
            if exc.answer is not None and not self.spoken:
                raise self._not_the_api(url, exc.status or 200, exc.answer) from exc
            raise AmbiguousSubmit(
                f"the submit for model {model} was answered by something other than the API ({exc}); the job "
                "may exist and must be looked up before any resubmission",
                status=exc.status,
                detail=exc.detail or str(exc),
            ) from exc
        if (answer := not_json(body)) is not None and not self.spoken:
            raise self._not_the_api(url, status, answer)
        if status >= 500:
            raise AmbiguousSubmit(
                f"the server answered the submit for model {model} with HTTP {status} "
                f"({detail_of(body)}); the job may have been created and must be looked up before any "
                "resubmission",
                status=status,
                detail=detail_of(body),
            )
        if not 200 <= status < 300:  # (201 Created or 202 Accepted: as accepted as the documented 200)
            self._raise_for(status, headers, body, what=f"submitting to model {model}")
        rid = body.get("request_id") if isinstance(body, dict) else None
        if (not isinstance(rid, str) or not rid or len(rid) > 200) and not self.spoken:
            raise self._not_the_api(url, status, "a JSON object without a request_id")
        if not isinstance(rid, str) or not rid or len(rid) > 200:
            raise AmbiguousSubmit(
                f"the submit for model {model} was accepted (HTTP 200) but the answer has no usable "
                "request_id; the job may exist and must be looked up before any resubmission",
                status=status,
                detail="missing request_id",
            )
        self.spoken = True
        return Submitted(request_id=rid)

    def _not_the_api(self, url: str, status: int, answer: str) -> NotTheApi:
        """The first submit's answer, when it shows that what answered is not the API (see ``spoken``)."""
        made = not 400 <= status < 500  # a 4xx refused the request; a 2xx or 5xx may follow a job made
        answered = f"POST {url} was answered HTTP {status} with {answer}, not the API's answer"
        later = GATEWAY_FOR_NOW * (status >= 500)
        return NotTheApi(
            f"{answered}, and nothing this run had from {self.base_url} was the API's: {WRONG_URL}. {CHECK_URL}{later}",
            status=status,
            made=made,
            answered=answered,
        )

    async def status(self, request_id: str) -> Status:
        """GET /v2/requests/{id}/status.  A FAILED job is a Status, not an error."""
        url = f"{self.base_url}/v2/requests/{quote(request_id, safe='')}/status"
        status, headers, body = await self._call("GET", url)
        read = self._read_state(status, headers, body, what=f"polling request {request_id}")
        return Status(
            state=read.state,
            error=failure_text(body, read) if read.state == "FAILED" else text_or_none(body.get("error")),
            metrics=as_dict(body.get("metrics")),
            http=status,
        )

    async def result(self, request_id: str) -> Result:
        """GET /v2/requests/{id}.  The output URL comes from ``output`` or ``video.url``."""
        url = f"{self.base_url}/v2/requests/{quote(request_id, safe='')}"
        status, headers, body = await self._call("GET", url)
        read = self._read_state(status, headers, body, what=f"fetching the result of {request_id}")
        state = read.state
        metrics = as_dict(body.get("metrics"))
        output_url, file_size = output_of(body)
        return Result(
            state=state,
            output_url=output_url,
            file_size=file_size,
            cost=number(metrics.get("cost")),
            remaining_credits=number(metrics.get("remaining_credits")),
            metrics=metrics,
            error=failure_text(body, read) if state == "FAILED" else text_or_none(body.get("error")),
            http=status,
            output_urls=tuple(output_urls(body)),
        )

    def _read_state(self, status: int, headers: dict[str, str], body: dict[str, Any], *, what: str) -> JobStateRead:
        """The job's state, read generously; an undocumented in-flight state is logged once per spelling."""
        read = read_answer_state(status, headers, body, what=what, key_env=self.key_env)
        self.spoken = True
        if not read.known and read.spelled not in self._unknown_states:
            self._unknown_states.add(read.spelled)
            log.info("the API reported a job state it does not document, %r: taken as still in flight", read.spelled)
        return read

    async def credits(self) -> Credits:
        """GET /v1/get-user-credits."""
        status, headers, body = await self._call("GET", f"{self.base_url}/v1/get-user-credits")
        if status != 200:
            self._raise_for(status, headers, body, what="reading the credit balance")
        paid, free = number(body.get("credits")), number(body.get("free-credits"))
        if paid is None and free is None:
            raise BadResponse(
                f"GET {self.base_url}/v1/get-user-credits was answered HTTP 200 without a balance (no 'credits' "
                f"number in {sorted(body)[:5]})",
                status=status,
                detail="no 'credits' number in the answer",
            )
        self.spoken = True
        return Credits(credits=paid or 0.0, free_credits=free or 0.0)

    async def history(
        self,
        *,
        model: str | None = None,
        from_date: str | None = None,
        status: str | None = None,
        page: int = 1,
        per_page: int = HISTORY_PAGE,
    ) -> HistoryPage:
        """One page of the request history, newest first; ``status``: COMPLETED, FAILED or PENDING.
        A page may hold fewer rows than ``per_page`` and not be the last (:mod:`paging`)."""
        # newest first, said rather than left to the default: where the pages end and what a page
        # proves absent (engine/recovery.py, engine/sweeper.py) rest on that order.  A server that
        # refuses what is asked (HTTP 400) is asked less (:func:`fewer_asks`): without ``per_page``,
        # then without ``sort_order``, then without both, each a documented default to leave out (a
        # page's rows are checked for their order as read, :mod:`paging`).  The form that was
        # answered is kept for the run; a 400 that no form escapes is the answer, and the form asked
        # before stays.
        asked = (status, model, from_date)
        trying = self._history_trying.get(asked)
        # where its own refusals left off, or the form another reader found answered since, whichever is the later
        asks = self.history_asks if trying is None else max(trying, self.history_asks, key=HISTORY_FORMS.index)
        per_page = min(per_page, self.history_per_page)
        too_large = per_page  # (rows a page asked for that was too large, once one was: told once it fits)
        while True:
            query: dict[str, str] = {"page": str(page)}
            if "per_page" in asks:
                query["per_page"] = str(per_page)
            if "sort_order" in asks:
                query["sort_order"] = "desc"
            if status:
                query["status"] = status
            if model:
                query["model_name"] = model
            if from_date:
                query["from_date"] = from_date
            try:
                http, headers, body = await self._call("GET", self.history_url, query=query)
            except AnswerTooLarge:
                # its rows keep each request's body, inlined images whole: fewer rows a page, for the rest of the
                # run (only ever fewer: a reader asking its next page at the smaller size reads some rows again,
                # and skips none)
                if per_page <= 1 or "per_page" not in asks:
                    raise
                # (never more than another reader halved it to since this one asked: a reader's next page asked
                # at more rows than its last skips rows)
                per_page = self.history_per_page = min(self.history_per_page, per_page // 2)
                continue
            following = fewer_asks(asks)
            if http != 400 or following is None:
                break
            log.info(
                "the request history refused a page asked for with %s (HTTP 400: %s); asking with %s",
                " and ".join(asks), detail_of(body), " and ".join(following) or "neither",
            )  # fmt: skip
            asks = following
            self._history_trying[asked] = asks
        if http != 429 and http < 500:  # an answer, not a failure for now (asked again, it goes on from here)
            self._history_trying.pop(asked, None)
        if per_page < min(too_large, self._told_per_page):
            self._told_per_page = per_page
            log.info(
                "a request history page of %d rows is larger than api.max_response_bytes (%d bytes; its rows keep "
                "each request's body, inlined images whole): asking %s a page",
                too_large, self._max_body, "1 row" if per_page == 1 else f"{per_page} rows",
            )  # fmt: skip
        if http == 200 and asks != self.history_asks:
            dropped = " and ".join(name for name in self.history_asks if name not in asks)
            log.warning("the request history refused pages asked for with %s (HTTP 400); asking without it", dropped)
            self.history_asks = asks
        if http != 200:
            if http == 404:
                self.history_answered = False
            self._raise_for(http, headers, body, what="reading the request history")
        rows = body.get("data")
        if not isinstance(rows, list):
            raise BadResponse("the request history answer has no 'data' list", status=http)
        listing = HistoryPage(
            [row for row in (history_row(r) for r in rows) if row is not None],
            len(rows),
            asked=per_page if "per_page" in asks else None,
        )
        self._note_id_spelling(listing)
        self.history_answered = True
        return listing

    async def history_get(self, request_id: str) -> HistoryRow:
        """One request from the history, of any age, asked for by its id as the history spells it: as a submit
        does, or, where the history was seen to leave the dashes out, as 32 bare hex digits.  Not found with
        dashes while the spelling is not known, it raises :class:`SpelledOtherwise`, and the caller asks
        :meth:`history_get_bare`: each call here is one request, as the request budget counts them."""
        bare = bare_id(request_id)
        if bare is not None and self.history_bare_ids:
            return await self._history_get(request_id, bare)
        try:
            return await self._history_get(request_id, request_id)
        except NotFound as exc:
            # (asked dashed while the spelling was unknown: a listing read meanwhile may have taught it since)
            if bare is None or self.history_bare_ids is False:
                raise
            raise SpelledOtherwise(str(exc), status=exc.status, detail=exc.detail) from None

    async def history_get_bare(self, request_id: str) -> HistoryRow:
        """One request from the history asked for by its id spelled as 32 bare hex digits (after
        :class:`SpelledOtherwise`)."""
        return await self._history_get(request_id, bare_id(request_id) or request_id)

    async def _history_get(self, request_id: str, spelled: str) -> HistoryRow:
        status, headers, body = await self._call("GET", f"{self.history_url}/{quote(spelled, safe='')}")
        if status != 200:
            self._raise_for(status, headers, body, what=f"looking up request {request_id} in the history")
        row = history_row(body)
        if row is None:
            raise BadResponse(f"the history entry for {request_id} is malformed", status=status)
        self._note_id_spelling([row])
        return row

    def _note_id_spelling(self, rows: list[HistoryRow]) -> None:
        """Learn from rows whose ids are UUIDs whether the history spells them without dashes (once one is, it does)."""
        if self.history_bare_ids:
            return
        for row in rows:
            if row.bare_id:
                log.info("the request history spells request ids without dashes; they are read as submits spell them")
                self.history_bare_ids = True
                return
            if bare_id(row.request_id) is not None:
                self.history_bare_ids = False

    @asynccontextmanager
    async def download(
        self, url: str, *, max_bytes: int, timeout_s: float = 900.0, chunk_size: int = 1 << 16
    ) -> AsyncIterator[Download]:
        """Open an output URL (no key sent; http/https only; bounded redirects and size)."""
        scheme = urlsplit(url).scheme.lower()
        if scheme not in ("http", "https"):
            raise DownloadError(f"the output URL has scheme '{scheme}:', which is not allowed", retryable=False)
        assert self._download_session is not None, "use ApiClient as an async context manager"
        try:
            async with self._download_session.get(
                url,
                allow_redirects=True,
                max_redirects=5,
                timeout=aiohttp.ClientTimeout(
                    total=timeout_s, connect=self._timeout.connect, sock_read=min(60.0, timeout_s)
                ),
            ) as response:
                final = urlsplit(str(response.url)).scheme.lower()
                if final not in ("http", "https"):
                    raise DownloadError("the output URL redirected to a non-HTTP scheme", retryable=False)
                if response.status != 200:
                    raise DownloadError(
                        f"the output URL answered HTTP {response.status}",
                        retryable=response.status >= 500 or response.status == 429,
                        gone=response.status in (404, 410),
                    )
                length = response.content_length
                if length is not None and length > max_bytes:
                    raise DownloadError(
                        f"the video is {length} bytes, over the limit of {max_bytes} (output.max_download_bytes)",
                        retryable=False,
                    )
                declared = response.headers.get("Content-Type") and response.content_type
                yield Download(content_length=length, chunks=_chunks(response, chunk_size), content_type=declared)
        except aiohttp.TooManyRedirects as exc:
            raise DownloadError("the output URL redirected too many times", retryable=False) from exc
        except aiohttp.InvalidURL as exc:
            raise DownloadError("the output URL is not a valid URL", retryable=False) from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise DownloadError(f"the download failed: {_describe(exc)}") from exc

    # ------------------------------------------------------------------ plumbing

    def _note_date(self, headers: dict[str, str]) -> None:
        dated = parse_time(headers.get("date", ""))
        if dated is not None:
            now = wall_now()
            ahead = dated - now
            if not self._dated or ahead > self._dated[-1][1]:
                self._dated.append((now, ahead))

    @property
    def date_ahead(self) -> float | None:
        """The most the server's Date header has shown its clock ahead of this machine's (None before any)."""
        return self._dated[-1][1] if self._dated else None

    def date_ahead_at(self, epoch: float) -> float | None:
        """How far the server's clock ran ahead of this machine's at ``epoch`` (this machine's), at least:
        the most the answers by then showed.  A clock that gains on ours (a simulator's, scaled) ran less
        far ahead then than the answers since show.  Before any answer by then, the first one after it
        (the nearest); None before any answer had a Date."""
        dated = self._dated
        if not dated:
            return None
        index = bisect.bisect_right(dated, epoch, key=lambda seen: seen[0])
        return dated[index - 1][1] if index else dated[0][1]

    async def _call(
        self, method: str, url: str, *, json_body: Any = None, query: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        assert self._session is not None, "use ApiClient as an async context manager"
        headers = {"x-api-key": self._key}
        data = None
        if json_body is not None:
            headers["Content-Type"] = "application/json"
            if isinstance(json_body, bytes | bytearray):
                data = json_body
            else:
                data = json.dumps(json_body, ensure_ascii=False, allow_nan=False).encode()
        for hop in range(MAX_SAME_ORIGIN_REDIRECTS + 1):
            if hop:  # a redirect followed is a request of its own: the budget grants it, as it granted the call
                await next_request()
            status, resp_headers, raw = await self._send(method, url, data, query, headers)
            self._note_date(resp_headers)
            if not 300 <= status < 400:
                break
            target = _same_origin_target(url, resp_headers.get("location", ""), method, status)
            if target is None:
                raise RouteTrouble(
                    f"{_host(url)} answered with a redirect (HTTP {status}) to another origin or method; API calls "
                    "are never redirected away from the API, so the key stays with it",
                    status=status,
                    detail=f"redirect (HTTP {status})",
                )
            url, query = target, None  # the Location carries its own query
        else:
            raise RouteTrouble(
                f"{_host(url)} redirected more than {MAX_SAME_ORIGIN_REDIRECTS} times",
                status=status,
                detail="redirects",
            )
        if raw is None:
            raise AnswerTooLarge(
                f"the answer from {_host(url)} is larger than {self._max_body} bytes (api.max_response_bytes)",
                status=status,
            )
        try:
            parsed = json.loads(raw) if raw else {}
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            answer = body_kind(resp_headers, raw)
            if status in (401, 403) and self.spoken:
                raise self._refused(method, url, status, answer)
            if status == 200:
                raise RouteTrouble(
                    f"{method} {url} was answered HTTP {status} with {answer}, not the API's JSON; taken as "
                    "trouble on the way to the API, not as a job's outcome",
                    status=status,
                    detail=f"HTTP {status}: not JSON",
                    answer=answer,
                )
            parsed = {"error": raw[:200].decode("utf-8", "replace").strip() or f"HTTP {status}", NOT_JSON: answer}
        return status, resp_headers, parsed

    def _refused(self, method: str, url: str, status: int, answer: str) -> GatewayRefusal:
        """A 401/403 with a body that is not JSON, after the API's own answers had accepted the key (``spoken``):
        something in front of the API refused the request, not the API.  Told once a run as a warning."""
        answered = f"{method} {url} was answered HTTP {status} with {answer}, not the API's JSON"
        error = GatewayRefusal(
            f"{answered}, though the API's own answers this run had accepted the key (${self.key_env}): something in "
            "front of the API (a firewall, a proxy or VPN gateway, a network that asks to log in) refused the "
            f"request, not the API. Check what stands between this machine and {_host(url)} (proxy settings, "
            "firewall rules, a network login)",
            status=status,
            detail=f"{answer} from something in front of the API, refusing the request",
            answer=answer,
        )
        if not self.refused:
            log.warning(
                "warning: %s. The run backs off and goes on; it stops (exit 6) should nothing reach the API for "
                "api.unreachable_after_s",
                error,
            )
        self.refused += 1
        return error

    async def _send(
        self,
        method: str,
        url: str,
        data: bytes | bytearray | None,
        query: dict[str, str] | None,
        headers: dict[str, str],
    ) -> tuple[int, dict[str, str], bytes | None]:
        """One request, never following a redirect; the body read up to the limit (None past it)."""
        assert self._session is not None, "use ApiClient as an async context manager"
        try:
            # A body of megabytes (an image job's) is written a piece at a time as the socket takes it, not
            # copied whole into the transport's buffer.
            body = io.BytesIO(data) if data is not None and len(data) > LARGE_BODY_BYTES else data
            async with self._session.request(
                method, url, data=body, params=query, headers=headers, allow_redirects=False
            ) as response:
                raw = await _read_bounded(response, self._max_body)
                status = response.status
                resp_headers = {k.lower(): v for k, v in response.headers.items()}
        except aiohttp.ClientConnectorError as exc:
            raise NetworkError(f"could not connect to {_host(url)}: {_describe(exc)}", reached_server=False) from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise NetworkError(f"no answer from {_host(url)}: {_describe(exc)}", reached_server=True) from exc
        if raw is not None and self._key_bytes in raw:  # an echoed key must not reach logs or files
            raw = raw.replace(self._key_bytes, b"[REDACTED]")
        return status, resp_headers, raw

    def _raise_for(self, status: int, headers: dict[str, str], body: dict[str, Any], *, what: str) -> None:
        error = error_for(status, headers, body, what=what, key_env=self.key_env)
        error.answer = not_json(body)
        raise error


async def _read_bounded(response: aiohttp.ClientResponse, limit: int) -> bytes | None:
    """The whole body, or None once it passes ``limit`` bytes (read() alone may return less)."""
    parts: list[bytes] = []
    total = 0
    async for chunk in response.content.iter_any():
        total += len(chunk)
        if total > limit:
            return None
        parts.append(chunk)
    return b"".join(parts)


async def _chunks(response: aiohttp.ClientResponse, size: int) -> AsyncIterator[bytes]:
    try:
        async for chunk in response.content.iter_chunked(size):
            yield chunk
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise DownloadError(f"the download was cut short: {_describe(exc)}") from exc


def _same_origin_target(url: str, location: str, method: str, status: int) -> str | None:
    """Where a redirect may be followed with the key: the same scheme, host and port only, and a
    POST only on 307/308 (which keep the method and body); None: not followed."""
    if not location:
        return None
    target = urljoin(url, location)
    here, there = urlsplit(url), urlsplit(target)
    if (here.scheme.lower(), here.netloc.lower()) != (there.scheme.lower(), there.netloc.lower()):
        return None
    if method != "GET" and status not in (307, 308):
        return None
    return target


def _host(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text != type(exc).__name__ else text


def default_history_url(base_url: str) -> str:
    """The public API uses a separate history host, however its URL is spelled (the case of its scheme and
    host, its default port); anything else serves it itself."""
    base = base_url.rstrip("/")
    if _origin(base) == _origin(DEFAULT_BASE_URL) and not urlsplit(base).path:
        return DEFAULT_HISTORY_URL
    return base + "/inference-request/request-history"


def _origin(url: str) -> tuple[str, str, int | None]:
    """A URL's scheme, host and port, as a browser compares them (a scheme's default port is its port)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:  # (not a port at all: no origin matches it)
        return scheme, url, None
    return scheme, (parts.hostname or "").lower(), port or {"http": 80, "https": 443}.get(scheme)
