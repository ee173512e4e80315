"""One look-up's reading of the request history, page by page (:class:`Search`), for :mod:`recovery`.

Each page's rows are matched with the lost submit: the same model and body
(an image job: its fields that hold no image, and each image, at the top
level or in a list's objects, by its digest where the row keeps it whole),
not claimed by another job, not a request of ours, and made no earlier than
the submit could have been (once the server's clock is tied to ours).  What
the requests of ours listed say is kept too: that the history had caught up
past the submit (a request sent after its outcome came back unknown), or
that a page lists one made before it (the rows below it, newest first, or
above it, oldest first, were made earlier still).  What a read shows holds
as of when it began (:attr:`Search.as_of`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..api.answers import HistoryRow
from ..api.ratelimit import Priority
from ..jobs import TrackedJob
from ..models.images import Steps, refs_in
from .history_bodies import split_body

if TYPE_CHECKING:
    from .recovery import Reconciler


def _image_match(row: HistoryRow, images: dict[str, dict[str, Any]]) -> bool | None:
    """Does the row carry the job's images? True/False where it holds them whole, None where it cannot say.

    What the history keeps of an inlined image is undocumented (the base64, a
    URL, a truncated string, nothing), so only a field that decodes to a whole
    image (the image's size, or a PNG or JPEG that runs to its end marker) is
    compared, by digest.
    """
    verdict: bool | None = None
    for steps, ref in refs_in(images):  # a field's image, or one in a list's objects (elements[0]...)
        value = _at(row.request_body, images, steps)
        if not isinstance(value, str):
            continue
        text = value.split(",", 1)[1] if value.startswith("data:") else value
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            continue
        whole = len(data) == ref.get("bytes") or data.endswith((b"IEND\xaeB`\x82", b"\xff\xd9"))
        if not whole:  # a truncated copy (or something else): it cannot say
            continue
        if hashlib.sha256(data).hexdigest() != ref["sha256"]:
            return False
        verdict = True
    return verdict


def _at(body: Any, ours: Any, steps: Steps) -> Any:
    """The value at ``steps`` in a history row's body, or None where it holds none there, or where a list on
    the way is not as long as the job's (an item left out moves the others: their places say nothing)."""
    for step in steps:
        if isinstance(step, int):
            if not (isinstance(body, list) and isinstance(ours, list) and len(body) == len(ours)):
                return None
        elif not (isinstance(body, dict) and isinstance(ours, dict) and step in body):
            return None
        body, ours = body[step], ours[step]
    return body


def text_size(value: Any) -> int:
    """The characters of the text in a body, in its lists and objects too (an image kept whole, where it sits)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return sum(map(text_size, value.values()))
    if isinstance(value, list):
        return sum(map(text_size, value))
    return 0


class Ambiguous(Exception):
    """Two history rows match an image job and nothing tells them apart; ``whole``: the rows keep its image
    whole, and it is the same picture in each; ``candidates``: their request ids."""

    def __init__(self, message: str, *, whole: bool = False, candidates: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.whole = whole
        self.candidates = candidates


class Search:
    """One look-up's reading of the history, page by page: the rows that match the attempt, and what
    the requests of ours listed say (the history caught up past it, made before it)."""

    def __init__(self, rec: Reconciler, job: TrackedJob, since: float, until: float | None) -> None:
        self.rec, self.job, self.since = rec, job, since
        self.until = since if until is None else until
        self.listed_as = rec.names.asked(job.spec.model)  # the model name its pages are asked for
        self.images, self.plain = split_body(job.spec.payload())
        self.image_fields = frozenset(self.images)
        # the day before the attempt's, by the server's clock (it reads the date by its own): one that ran a
        # day or more behind ours listed nothing from our clock's day (a lost submit taken for never made),
        # and one a month ahead refused the span; while nothing ties the clocks, its default (7 days)
        ahead = rec.stamps.ahead(since)
        self.from_date = (
            None
            if ahead is None
            else (datetime.fromtimestamp(since + ahead, UTC) - timedelta(days=1)).strftime("%Y-%m-%d")
        )
        self.found: dict[str, HistoryRow] = {}  # an image job's candidates (or, collecting, any job's), every page
        self.collect = False  # read in another order than newest first: a match is chosen once every page is read
        self._later_seen = False  # a request of ours sent after the attempt's outcome came back unknown...
        self._later_seen_before = False  # ... and first seen in the history before this read began
        self.unordered = False  # the rows were read in no order of time: only the latter counts
        self.as_of = rec.clock.epoch()  # what the pages read say holds as of then (they were read from then on)

    @property
    def later_seen(self) -> bool:
        """Whether the history had caught up past the attempt.  A request of ours sent after its outcome came
        back unknown shows that as of when its page was read; listed newest or oldest first, the attempt's
        row lies on a page read after that one, or on the same.  In no order of time it may lie on a page
        read before: only a request seen before the read began shows the pages all caught up."""
        return self._later_seen_before if self.unordered else self._later_seen

    async def page(self, page: int) -> list[HistoryRow]:
        rec, model, from_date = self.rec, self.listed_as, self.from_date
        return await rec.gateway.call(
            Priority.RESULT,
            lambda: rec.api.history(model=model, from_date=from_date, page=page),
            retry_on=rec.trouble.retry_on,
        )

    def take(self, rows: list[HistoryRow]) -> HistoryRow | None:
        """Read a page: the row the attempt made, when it shows one without doubt (a job without images:
        the first made after the attempt was sent, else the last made), else None."""
        rec, since, images = self.rec, self.since, self.images
        rec.stamps.saw(rows)
        for row in rows:
            if rec.ours(row.request_id):
                first = rec.first_seen(row.request_id)
                rec.note_listed(row)
                # only a known send time is evidence: an earlier run's answer time is not (a request
                # sent before the attempt may have been answered after it, and made before it)
                sent = rec.sent_time(row.request_id)
                if sent is not None and sent > self.until:
                    self._later_seen = True
                    self._later_seen_before = self._later_seen_before or (first is not None and first <= self.as_of)
        floor = rec.stamps.earliest_stamp(since)  # None: the rows' times say nothing of ours
        model = self.job.spec.model
        matches = [
            row
            for row in rows
            if rec.names.may_be(model, row.model_name)
            and row.request_id not in rec.claimed
            and not rec.ours(row.request_id)  # a request of ours: not the lost one
            and (row.created_at is None or floor is None or row.created_at >= floor)
            and rec.bodies.matches(model, self.plain, self.image_fields, row.request_body)
        ]
        if matches and not images:
            if floor is not None:  # the first made after the attempt was sent
                return min(self._since_sent(matches) or matches, key=lambda r: r.created_at or 0.0)
            if not self.collect:  # newest first: the first page with one lists the last made
                return max(matches, key=lambda r: r.created_at or -math.inf)
        if images:
            matches = [row for row in matches if _image_match(row, images) is not False]
        self.found.update((row.request_id, row) for row in matches)
        return None

    def _since_sent(self, rows: list[HistoryRow]) -> list[HistoryRow]:
        """The rows stamped no earlier than the attempt was sent, by the server's clock as tied to ours.  The
        rows just below are within :meth:`StampClock.earliest_stamp`'s margin, not made after the attempt:
        the same body sent moments before by another run of the account (a shard making another repeat of
        the same row, the same manifest run elsewhere) is one of them, and would be taken first."""
        sent = self.rec.stamps.sent_stamp(self.since)
        if sent is None:
            return []
        return [row for row in rows if row.created_at is None or row.created_at >= sent]

    def before(self, rows: list[HistoryRow]) -> bool:
        """Whether a page lists a request made before the attempt was sent: one of this run's answered
        first, or a row stamped before the earliest its row may carry."""
        rec, since = self.rec, self.since
        if any(rec.made_before(row.request_id, since) for row in rows):
            return True
        floor = rec.stamps.earliest_stamp(since)
        return floor is not None and any(row.created_at is not None and row.created_at < floor for row in rows)

    def conclude(self) -> tuple[HistoryRow | None, bool]:
        """Every page that may list the attempt was read: an image job's one candidate, a job's last made
        (read in another order, with nothing to tell how the rows' times relate to the attempt's), or
        absence."""
        images, found = self.images, list(self.found.values())
        if found and not images:
            return max(found, key=lambda r: r.created_at or -math.inf), self.later_seen
        if images and found:
            sure = [row for row in found if _image_match(row, images)]
            chosen = sure if sure else found
            if len(chosen) > 1:  # the one made after the attempt was sent, if only one was
                chosen = self._since_sent(chosen) or chosen
            if len(chosen) > 1:  # nothing tells them apart: attach neither, never resubmit on a guess
                raise Ambiguous(
                    f"{len(chosen)} requests in the history match",
                    whole=bool(sure),
                    candidates=tuple(sorted(row.request_id for row in chosen)),
                )
            return chosen[0], self.later_seen
        return None, self.later_seen


class Hit(Exception):
    """A page read on the way to the history's end listed the attempt's row."""

    def __init__(self, row: HistoryRow) -> None:
        self.row = row


class NotCaughtUp(Exception):
    """The history neither lists the submit nor has demonstrably caught up past it; ``beyond``: why its
    row may lie where no look-up reads (looking again will not help)."""

    def __init__(self, beyond: str = "") -> None:
        super().__init__()
        self.beyond = beyond
