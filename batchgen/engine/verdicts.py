"""What the reconciler says: a verdict on a submit of unknown outcome, a finding on a job whose
record expired, and a fresh output link (:mod:`recovery`).  The stage that holds the job acts on
it through the book; none of these writes anything."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..jobs import Event, JobState


@dataclass(frozen=True, slots=True)
class Attach:
    """The submit created ``request_id`` (now claimed): record it and poll it."""

    request_id: str


@dataclass(frozen=True, slots=True)
class Resubmit:
    """The submit surely created nothing: send it again."""


@dataclass(frozen=True, slots=True)
class Leave:
    """Decide nothing now: record ``event`` with ``detail`` and leave the job in ``state`` for a later run
    (``rerun``: whether the same command run again can settle it; else ``detail`` says what can, and
    ``send_settles``: whether a run that sends another job after it does, once the history lists that job)."""

    event: Event
    state: JobState
    detail: str
    rerun: bool = True
    send_settles: bool = True


Settlement = Attach | Resubmit | Leave


@dataclass(frozen=True, slots=True)
class Found:
    """The history kept the output of an expired record (``latency_s``: the row's submit to finish, if it says)."""

    url: str
    cost: float | None
    latency_s: float | None = None


@dataclass(frozen=True, slots=True)
class Failed:
    """The history says the job FAILED."""

    error: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Gone:
    """No output can be had for it."""

    detail: str


@dataclass(frozen=True, slots=True)
class Later:
    """The history could not be read: whether its output can be had is unknown (never made again)."""

    detail: str


@dataclass(frozen=True, slots=True)
class Running:
    """The record is gone, but the history shows the request unfinished (``status``), or, answering listings,
    does not list it yet (None): it may yet finish, and be paid; its output can only come from the history."""

    status: str | None


Recovery = Found | Failed | Gone | Later | Running


@dataclass(frozen=True, slots=True)
class Link:
    """A fresh output link for a job's video (``size`` when the result gave one; ``record_gone``: the request
    history's row gave it, the job's record being gone: no other link is to be had)."""

    url: str
    size: int | None
    record_gone: bool = False
