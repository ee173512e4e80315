"""The one error tree of batchgen, split by what the caller does next.

::

    BatchgenError
    ├── InputError                  bad input: fix the file and run again (exit 2)
    │   ├── ManifestError           a manifest problem, with file, line and field
    │   ├── ConfigError             a config or command-line problem
    │   ├── AccountChanged          the folder's jobs in flight belong to another
    │                               account than the key's (--adopt-key)
    │   ├── ModelSpecError          a model spec file problem, with file, line and field
    │   └── ImageChanged            an input image changed after it was checked
    ├── ApiError                    the API answered, or could not be reached
    │   ├── TransientError          worth retrying after a pause
    │   │   ├── RateLimited         HTTP 429; carries the server's hint, if any
    │   │   ├── ServerError         HTTP 5xx
    │   │   ├── NetworkError        no usable answer; ``reached_server`` says if
    │   │   │                       the request may have been received
    │   │   └── RouteTrouble        an answer that is not the API speaking about
    │   │                           the job (a redirect to another origin, a
    │   │                           proxy's HTML page): that route, not the job
    │   │       └── GatewayRefusal  HTTP 401/403 with a page, not the API's JSON,
    │   │                           once the API had accepted the key: something
    │   │                           in front of the API refused the request
    │   ├── AmbiguousSubmit         a submit whose outcome is unknown: the job
    │   │                           may exist and be billed; reconcile, never
    │   │                           blindly resubmit
    │   └── PermanentError          retrying the same call cannot help
    │       ├── AuthError           401/403: stop the run (exit 4)
    │       ├── InsufficientCredits 406 "Insufficient credits": stop submitting (exit 3)
    │       ├── InvalidContentType  406 "Invalid content type": a bug in the client
    │       ├── RequestRejected     400/410 and other 4xx: the request itself is wrong
    │       ├── NotFound            404: unknown or expired request id, unknown model
    │       │   └── SpelledOtherwise  not in the history as asked: ask it spelled bare
    │       └── BadResponse         a body that breaks the protocol (not JSON, too big)
    ├── DownloadError               the video could not be fetched or verified
    ├── StorageError                the output folder cannot be written (disk full, ...)
    │   ├── OutputUnwritable        a write failed: disk full, quota, permission lost,
    │   │                           read-only (exit 7; free space, re-run resumes)
    │   └── StoreUnavailable        an object store did not answer usably (network,
    │                               5xx, timeout): worth retrying
    ├── LedgerError                 the ledger cannot be read or written
    │   ├── LedgerUnwritable        a ledger write failed (also an OutputUnwritable: exit 7)
    │   └── LedgerDamaged           a line or segment was edited or damaged: the run stops before
    │                               anything is sent (exit 2; restore it, run again)
    ├── LockHeld                    another run holds the output folder (exit 5)
    └── ApiUnreachable              no call reached the API for a bounded time (exit 6)
        └── NotTheApi               the first submit was answered by something that is not the API

Only ``client.py`` turns aiohttp's exceptions into these (and only
``objstore.Bucket`` obstore's); everything above the
client sees batchgen errors only.  Every message is a full sentence that says
what happened and what to do next.
"""

from __future__ import annotations

from dataclasses import dataclass


class BatchgenError(Exception):
    """Root of every error batchgen raises on purpose."""


# --------------------------------------------------------------------------- input


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in an input file: where it is and what is wrong."""

    file: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        if self.field:
            where += f": field '{self.field}'"
        return f"{where}: {self.message}"


class InputError(BatchgenError):
    """Bad input from the user; nothing was submitted.  Fix it and run again."""


class ManifestError(InputError):
    """Raised when a manifest has one or more problems; lists all of them."""

    def __init__(self, problems: list[Problem], *, total: int | None = None, repeats: int = 0) -> None:
        """``total``: every problem found; ``repeats``: those of them the same as one listed (a row's
        ``repeat`` or an ``images:`` block makes many jobs of one line), listed once."""
        self.problems = problems
        count = max(total or 0, len(problems))
        head = f"the manifest has {count} problem{'s' if count != 1 else ''}; nothing was submitted"
        listed = "\n".join(f"  {p}" for p in problems)
        if repeats:
            listed += (
                f"\n  ... and {repeats} more the same as one above (the same line and field, once for each "
                "job that line makes)"
            )
        if (hidden := count - len(problems) - repeats) > 0:
            listed += f"\n  ... the list stops at the first {len(problems)}; {hidden} more are not shown"
        super().__init__(head + ":\n" + listed)


class ConfigError(InputError):
    """Raised when a config file, environment variable or flag is invalid."""


class AccountChanged(InputError):
    """Raised before anything is sent when the folder's jobs in flight were submitted under a key of another
    account than this run's: run with that account's key, or adopt the folder with ``--adopt-key``."""


class ModelSpecError(InputError):
    """Raised when a model spec file has one or more problems; lists all of them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        count = len(problems)
        head = f"the model spec has {count} problem{'s' if count != 1 else ''}; nothing was submitted"
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in problems))


class ImageChanged(InputError):
    """An input image's bytes no longer match the digest it was checked with; it was not sent."""


# --------------------------------------------------------------------------- API


class ApiError(BatchgenError):
    """The API answered with an error, or could not be reached.  ``answer`` says what a body that was not JSON
    looked like ("an HTML page"): then it may not be the API that answered."""

    answer: str | None = None

    def __init__(self, message: str, *, status: int | None = None, detail: str | None = None):
        super().__init__(message)
        self.status = status
        self.detail = detail

    def to_record(self) -> dict[str, object]:
        """A small JSON-able description for the ledger."""
        record: dict[str, object] = {"kind": type(self).__name__}
        if self.status is not None:
            record["http"] = self.status
        record["detail"] = self.detail if self.detail is not None else str(self)
        return record


class TransientError(ApiError):
    """A call that may succeed if repeated after a pause."""


class RateLimited(TransientError):
    """HTTP 429.  ``retry_after`` is the server's hint in seconds, or None."""

    def __init__(self, message: str, *, retry_after: float | None, detail: str | None = None):
        super().__init__(message, status=429, detail=detail)
        self.retry_after = retry_after


class ServerError(TransientError):
    """HTTP 5xx from the API."""


class NetworkError(TransientError):
    """No usable answer: refused, reset, timed out, or cut short.

    ``reached_server`` is False only when the request surely never reached the
    server (connection refused, name resolution failed); a submit that failed
    that way can be sent again without risk of paying twice.
    """

    def __init__(self, message: str, *, reached_server: bool):
        super().__init__(message)
        self.reached_server = reached_server


class RouteTrouble(TransientError):
    """An answer that is not the API speaking about the job: a redirect to another origin (never
    followed, so the key stays with the API), a proxy's or gateway's HTML page, a body that is not JSON.

    It is a problem with that route, not the job's outcome: a job is never failed for it.  The job
    stays in flight and its video is had from another source (the request history, a later try).
    ``answer`` says what a body that is not JSON looked like ("an HTML page"), when that was the trouble.
    """

    def __init__(
        self, message: str, *, status: int | None = None, detail: str | None = None, answer: str | None = None
    ):
        super().__init__(message, status=status, detail=detail)
        self.answer = answer


class GatewayRefusal(RouteTrouble):
    """HTTP 401 or 403 answered with a body that is not the API's JSON (a firewall's or a proxy's HTML page) once an
    answer of the run had been the API's own, with this key: what refused the request stands in front of the API,
    and the key was not refused by the API.  The request did not reach the API as far as anything shows, so for the
    run's reachability it counts as no answer from it (``gateway.py``); a submit answered so is looked up before
    anything is sent again, as any of unknown outcome."""


class AmbiguousSubmit(ApiError):
    """A submit whose outcome is unknown: the job may exist and may be billed.

    Raised for a 5xx answer or a network failure after the request was sent.
    The caller must look the job up in the request history before it decides
    to submit again.
    """


class PermanentError(ApiError):
    """Repeating the same call cannot help."""


class AuthError(PermanentError):
    """HTTP 401/403: the key is missing, wrong, expired or not allowed."""


class InsufficientCredits(PermanentError):
    """HTTP 406 "Insufficient credits": top up, then run again to resume."""


class InvalidContentType(PermanentError):
    """HTTP 406 "Invalid content type": the request was malformed; a bug."""


class RequestRejected(PermanentError):
    """HTTP 400, 410 or another 4xx: the request itself is not acceptable."""


class NotFound(PermanentError):
    """HTTP 404: the request id is unknown or expired, or the model is unknown."""


class SpelledOtherwise(NotFound):
    """A request not found in the history asked for by its id with dashes, while how the history spells ids is
    not known: it may be there spelled as 32 bare hex digits.  Asking that is a request of its own
    (``ApiClient.history_get_bare``), with its own place in the request budget."""


class BadResponse(PermanentError):
    """The API answered with a body that breaks the protocol."""


class AnswerTooLarge(BadResponse):
    """The API's answer is larger than ``api.max_response_bytes``: the same request gets the same answer until
    the bound is raised (a history page keeps each request's body, its inlined images whole)."""


# --------------------------------------------------------------------------- jobs and files


class DownloadError(BatchgenError):
    """The video could not be downloaded or failed verification."""

    def __init__(
        self, message: str, *, retryable: bool = True, gone: bool = False, not_mp4: bool = False, image: bool = False
    ):
        super().__init__(message)
        self.retryable = retryable
        self.gone = gone  # the output URL answered 404/410: the file is no longer there
        self.not_mp4 = not_mp4  # no MP4 at all came (not one cut short): an image, a page
        self.image = image  # ... an image, as its link declared it (a preview): that link gives it again


class StorageError(BatchgenError):
    """The output folder cannot be written (disk full, permissions, unsafe path)."""


class OutputUnwritable(StorageError):
    """Writing the output failed (disk full, quota, permission lost, read-only): the run stops cleanly (exit 7).

    Nothing partial is kept; once there is space (or permission) again, the same command resumes.
    """


class StoreUnavailable(StorageError):
    """An object store did not answer usably (network, 5xx, timeout); the same call may succeed later."""


class LedgerError(BatchgenError):
    """The ledger cannot be read or written."""


class LedgerUnwritable(LedgerError, OutputUnwritable):
    """A ledger line could not be written (disk full, permission lost): the run stops cleanly (exit 7)."""


class LedgerDamaged(LedgerError):
    """A ledger line is not an event, or a segment is missing: the ledger was edited or damaged.  Read before
    anything is sent, so nothing was; the message names the line and what to do (exit 2)."""


class LockHeld(BatchgenError):
    """Another batchgen run holds the lock on the output folder."""

    def __init__(self, message: str, *, pid: int | None):
        super().__init__(message)
        self.pid = pid


class ApiUnreachable(BatchgenError):
    """No call has reached the API for ``api.unreachable_after_s``: the run stops (exit 6).

    Nothing is lost: jobs in flight stay resumable in the ledger, and running
    the same command again once the API (or the network) is back resumes.
    """

    def __init__(self, message: str, *, seconds: float, last_error: str | None = None):
        super().__init__(message)
        self.seconds = seconds
        self.last_error = last_error


class NotTheApi(ApiUnreachable):
    """The run's first submit was answered by something that is not the API (an HTML or XML page, an answer
    without a request id) before any answer of the run was the API's: ``--base-url`` points elsewhere, or
    something in front of the API answers in its place.  The run stops at once (exit 6) rather than send the
    batch into it.  ``made`` says whether a job may have been made all the same (a 2xx or 5xx answer: the job
    is left for the next run to look up); a 4xx refused the request, and nothing was made.
    """

    def __init__(self, message: str, *, status: int, made: bool, answered: str):
        super().__init__(message, seconds=0.0)
        self.status = status
        self.made = made
        self.answered = answered  # what answered, in a few words, for a job's reason
