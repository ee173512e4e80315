"""The simulated account: clock, job lifecycle, workers, billing, rate window, faults.

Everything is computed lazily from timestamps on one scaled clock, so the
simulator holds no timers: a job's QUEUED / PROCESSING / terminal phases are
fixed at submission (first come, first served on ``workers`` workers), and
charges are settled whenever any request arrives.  That keeps every operation
O(log n), even with tens of thousands of jobs in flight.

This module shares no code with the client on purpose: a misunderstanding of
the protocol on one side must not be able to hide the same misunderstanding on
the other.
"""

from __future__ import annotations

import base64
import contextlib
import heapq
import json
import math
import os
import random
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from . import schema
from .config import (
    _OTHER_ASPECT,
    FAULT_KINDS,
    HOSTILE_KINDS,
    MEDIA_FAULTS,
    STATE_VERSION,
    SimConfig,
)


class SimClock:
    """Simulated seconds since the Unix epoch, running ``scale`` times faster."""

    def __init__(self, scale: float, offset: float = 0.0) -> None:
        self.scale = scale
        self._epoch = time.time() + offset  # a server clock set this many seconds ahead of the machine's
        self._start = time.perf_counter()

    def now(self) -> float:
        return self._epoch + (time.perf_counter() - self._start) * self.scale

    def real_delay(self, sim_seconds: float) -> float:
        return sim_seconds / self.scale

    def resume_at(self, sim_now: float) -> None:
        """Go on from ``sim_now``: a saved account wakes up where it stopped, its jobs not a day older."""
        self._epoch = sim_now
        self._start = time.perf_counter()


@dataclass(slots=True)
class SimJob:
    request_id: str
    slug: str
    body: dict[str, Any]
    aspect_ratio: str
    duration: int
    cost: float
    submitted: float
    start: float
    finish: float  # math.inf for a stalled job
    outcome: str  # "COMPLETED" | "FAILED"
    error: str | None
    retry_count: int = 0
    file_id: str = ""
    charged: bool = False
    hostile: str | None = None
    media_aspect: str = ""  # what the served video really is (a media fault makes it differ)
    media_duration: int = 0
    account: str = "main"  # the account whose key made it (worlds.py)

    def __post_init__(self) -> None:
        self.media_aspect = self.media_aspect or self.aspect_ratio
        self.media_duration = self.media_duration or self.duration

    def status_at(self, now: float) -> str:
        if now < self.start:
            return "QUEUED"
        if now < self.finish:
            return "PROCESSING"
        return self.outcome


class SimState:
    """The whole simulated account, shared by every route."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.clock = SimClock(config.time_scale, config.clock_offset_s)
        self.rng = random.Random(config.seed)
        self.balance = config.credits
        self.holds = 0.0
        self.jobs: dict[str, SimJob] = {}
        self.backlog = _backlog(config.history_backlog, self.clock.now(), self.rng)  # earlier requests, listed only
        self.others: list[SimJob] = []  # the account's other users' requests during the run, listed only
        self._others_next = self.clock.now()
        self._others_rng = random.Random(f"others-{config.seed}")  # their own draws: ours stay as they would be
        self._answer_rng = random.Random(f"answers-{config.seed}")  # (and so do they with answer times drawn)
        self.by_file: dict[str, SimJob] = {}
        self._workers: list[float] = [0.0] * config.workers
        self._settle: list[tuple[float, str]] = []
        self._windows: dict[str, deque[float]] = {}
        self._scripted: dict[str, deque[dict[str, Any] | None]] = {k: deque() for k in FAULT_KINDS}
        # counters tests and benchmarks read
        self.counters: Counter[str] = Counter()
        self.submissions: list[tuple[str, str, dict[str, Any]]] = []
        self.charges: list[tuple[str, float]] = []
        self.log: list[tuple[float, str, int]] = []
        self.rate_limited = 0
        self.key_leaks = 0
        self.last_reset_at: dict[str, float] = {}
        self.early_requests = 0  # requests arriving while a 429's reset time had not passed
        # request id -> when the client was first told it had finished, with its output URL (a result, or a
        # history row that carries the URL)
        self.first_fetch: dict[str, float] = {}
        self.results_served: set[str] = set()  # request ids whose COMPLETED result was served
        self.submits_in_flight = 0  # jobs created whose submit has not been answered yet
        self.on_create: list[Callable[[SimJob], None]] = []  # observers, called as each job is created
        # worlds (worlds.py)
        self.started_at = self.clock.now()
        self.redirect_base = ""  # the other origin redirects point to (set by SimServer)
        self.redirects_served = 0
        self.foreign_requests = 0  # requests that reached the other origin ...
        self.foreign_key_requests = 0  # ... carrying a key (must stay 0)
        self.revoked_keys: set[str] = set()
        self.submits_by_key: dict[str, int] = {}
        self.submit_requests = 0  # submits received (answered or not)
        self.outage_from: float | None = None
        self.outage_answers = 0
        self.refusing_from: float | None = None  # when the gateway began refusing routes (refuse_routes)
        self.refusals_served = 0
        self.models = {**schema.shipped(), **schema.load_models(config.extra_specs)} if config.extra_specs else {}
        self.models = self.models or schema.shipped()
        # an inlined input image is kept once per digest (a job's body holds "sim-image:sha256:<hex>" instead)
        self.images: dict[str, bytes] = {}
        self.inline_forms: Counter[str] = Counter()  # accepted inlined images by form: "base64", "data_uri"

    # ------------------------------------------------------------------ faults

    def script(self, fault: str, /, count: int = 1, *, after: int = 0, **params: Any) -> None:
        """Make the next ``count`` events of ``fault`` faulty, whatever the rates, once ``after`` more have
        passed sound."""
        if fault not in self._scripted:
            raise ValueError(f"unknown fault kind {fault!r}; known: {FAULT_KINDS}")
        self._scripted[fault].extend([None] * after + [params] * count)

    def answer_time(self) -> float:
        """Real seconds one half of an API call's round trip takes (``answer_time_s``, drawn 0.5-1.5 times)."""
        if self.config.answer_time_s <= 0:
            return 0.0
        return self.clock.real_delay(self.config.answer_time_s * self._answer_rng.uniform(0.5, 1.5)) / 2

    def fault(self, kind: str) -> dict[str, Any] | None:
        """Consume a scripted fault of ``kind`` or draw one from its rate."""
        queue = self._scripted[kind]
        if queue:
            return queue.popleft()
        rate = self.config.rates.get(kind, 0.0)
        if rate > 0 and self.rng.random() < rate:
            return {}
        return None

    # ------------------------------------------------------------------ rate window

    def admit(self, key: str, counted: bool) -> float | None:
        """Record a request; return the reset time (sim seconds) if it is over the limit."""
        now = self.clock.now()
        if now < self.last_reset_at.get(key, 0.0):
            self.early_requests += 1
        if self.fault("rate_limit") is not None:
            return self._limited(key, now + 1.0)
        limit = self.window_limit()
        if limit is None or not counted:
            return None
        span = self.config.rate_window_s
        window = self._windows.setdefault(key, deque())
        while window and window[0] <= now - span:
            window.popleft()
        if len(window) >= limit:
            return self._limited(key, window[0] + span)
        window.append(now)
        return None

    def window_limit(self) -> int | None:
        """Requests admitted per sliding window, or None when unlimited."""
        rpm = self.config.rpm
        if rpm is None:
            return None
        return max(1, round(rpm * self.config.rate_window_s / 60.0))

    def _limited(self, key: str, reset_at: float) -> float:
        self.rate_limited += 1
        self.last_reset_at[key] = max(self.last_reset_at.get(key, 0.0), reset_at)
        return reset_at

    # ------------------------------------------------------------------ billing

    def price(self, slug: str, mode: str, duration: int, body: dict[str, Any] | None = None) -> float:
        price = self.config.prices.get((slug, mode, duration))
        if price is not None:
            return price
        model = self.models.get(slug)
        if model is not None:
            return schema.price(model, body if body is not None else {"mode": mode, "duration": duration})
        return self.config.prices.get((slug, "std", 5), 0.5) * (duration / 5)

    def available(self) -> float:
        return self.balance + self.config.free_credits - self.holds

    def settle(self) -> None:
        """Charge every job that completed by now; release holds of ended jobs; list the requests the
        account's other users made by now."""
        now = self.clock.now()
        self._others_until(now)
        heap = self._settle
        while heap and heap[0][0] <= now:
            _, rid = heapq.heappop(heap)
            job = self.jobs[rid]
            if self.config.credit_holds:
                self.holds -= job.cost
            if job.outcome == "COMPLETED" and job.finish <= now:
                self.balance -= job.cost
                job.charged = True
                self.charges.append((rid, job.cost))

    # ------------------------------------------------------------------ lifecycle

    def service_time(self, slug: str, duration: int) -> float:
        model = self.models.get(slug)
        mean = self.config.model_latency_s.get(slug) or (model.latency_s if model else 60.0)
        base = mean * (1.5 if duration >= 10 else 1.0)
        sigma = self.config.latency_sigma
        draw = base * math.exp(self.rng.gauss(-sigma * sigma / 2, sigma))
        if self.rng.random() < self.config.tail_rate:
            draw *= 1.5 + 1.5 * self.rng.random()
        return draw * self.config.latency_scale

    def create_job(self, slug: str, body: dict[str, Any], mode: str, duration: int) -> SimJob:
        now = self.clock.now()
        rid = _request_id(self.rng)
        cost = self.price(slug, mode, duration, body)
        outcome, error, service = "COMPLETED", None, self.service_time(slug, duration)
        if self.fault("policy") is not None:
            outcome, error, service = (
                "FAILED",
                "content_policy_violation: the prompt was flagged by the safety system",
                2.0,
            )
        elif self.fault("fail") is not None:
            outcome, error = "FAILED", "Provider error: generation failed, please try again"
            service *= 0.3
        free_at = heapq.heappop(self._workers)
        start = max(now, free_at)
        if self.fault("stall") is not None:
            finish = math.inf
            heapq.heappush(self._workers, start + self.config.expiry_s)
        else:
            finish = start + service
            heapq.heappush(self._workers, finish)
        job = SimJob(
            request_id=rid,
            slug=slug,
            body=body,
            aspect_ratio=str(body.get("aspect_ratio") or "16:9"),
            duration=duration,
            cost=cost,
            submitted=now,
            start=start,
            finish=finish,
            outcome=outcome,
            error=error,
            file_id=uuid.UUID(int=self.rng.getrandbits(128), version=4).hex,
        )
        if (hostile := self.fault("hostile")) is not None:
            kind = hostile.get("kind", "non_json")
            if kind not in HOSTILE_KINDS:
                raise ValueError(f"unknown hostile kind {kind!r}; known: {HOSTILE_KINDS}")
            job.hostile = kind
        self._wrong_media(job)
        self.jobs[rid] = job
        self.by_file[job.file_id] = job
        if self.config.credit_holds:
            self.holds += cost
        settle_at = finish if finish != math.inf else now + self.config.expiry_s
        heapq.heappush(self._settle, (settle_at, rid))
        self.submissions.append((rid, slug, body))
        for observe in self.on_create:
            observe(job)
        return job

    def _others_until(self, now: float) -> None:
        """The requests the account's other users made since the last request of any kind came: each
        made before every request that comes after it, so that the history lists them in time order."""
        rate = self.config.account_others_per_min
        if rate <= 0:
            return
        while self._others_next <= now:
            at = self._others_next
            rng = self._others_rng
            rid, prompt = _request_id(rng), f"another user's request {len(self.others)}"
            self.others.append(_listed_only(rid, prompt, at, at + 300.0 * rng.uniform(0.5, 1.5)))
            self._others_next = at + rng.expovariate(rate / 60.0)

    def _wrong_media(self, job: SimJob) -> None:
        """Serve a video that is not what was asked for: by prompt substring, script or rate."""
        prompt = str(job.body.get("prompt") or "")
        kinds = {kind for text, kind in self.config.media_faults.items() if text and text in prompt}
        kinds.update(kind for kind in MEDIA_FAULTS if self.fault(kind) is not None)
        if "wrong_duration" in kinds:
            job.media_duration = 5 if job.duration >= 10 else 10
        if "wrong_aspect" in kinds:
            job.media_aspect = _OTHER_ASPECT.get(job.aspect_ratio, "9:16")

    def live_job(self, rid: str) -> SimJob | None:
        """The job while its record lives (1 hour after submission), else None."""
        job = self.jobs.get(rid)
        if job is None or self.clock.now() >= job.submitted + self.config.expiry_s:
            return None
        return job

    # ------------------------------------------------------------------ save and load

    def save(self, path: str) -> None:
        """Write the account (jobs, balance, workers, clock, random state, inlined images) to ``path``, atomically."""
        data = {
            "version": STATE_VERSION,
            "now": self.clock.now(),
            "balance": self.balance,
            "holds": self.holds,
            "workers": self._workers,
            "settle": self._settle,
            "rng": self.rng.getstate(),
            "jobs": [asdict(job) for job in self.jobs.values()],
            "charges": self.charges,
            "submissions": self.submissions,
            # the inlined input images, by digest: a taken-up image job's video and history row start from them
            "images": {digest: base64.b64encode(image).decode("ascii") for digest, image in self.images.items()},
        }
        temp = f"{path}.{os.getpid()}.tmp"  # several processes may keep states in one folder
        try:
            with open(temp, "w", encoding="utf-8") as handle:
                json.dump(data, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, path)
        except OSError:
            with contextlib.suppress(OSError):  # the earlier state stays whole; no partial file is left
                os.unlink(temp)
            raise

    def load(self, path: str) -> bool:
        """Take up an account saved by :meth:`save`; False if there is none at ``path``.

        A file that cannot be read, or is not a whole state of this version, is a ValueError naming ``path``
        and what is wrong.
        """
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise ValueError(f"{path}: cannot read it ({exc.strerror or exc})") from None
        except ValueError as exc:  # not JSON, or not UTF-8
            raise ValueError(f"{path}: not a simulator state file ({exc})") from None
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            raise ValueError(f"{path}: not a simulator state file of version {STATE_VERSION}")
        try:
            now, balance, holds = float(data["now"]), float(data["balance"]), float(data["holds"])
            workers = [float(w) for w in data["workers"]]
            settle = [(float(at), str(rid)) for at, rid in data["settle"]]
            version, internal, gauss = data["rng"]
            jobs = {job["request_id"]: SimJob(**job) for job in data["jobs"]}
            charges = [(str(rid), float(cost)) for rid, cost in data["charges"]]
            submissions = [(str(rid), str(slug), dict(body)) for rid, slug, body in data["submissions"]]
            images = {
                str(digest): base64.b64decode(image, validate=True) for digest, image in data.get("images", {}).items()
            }
            self.rng.setstate((version, tuple(internal), gauss))
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: a damaged simulator state file ({type(exc).__name__}: {exc})") from None
        self.clock.resume_at(now)
        self.balance, self.holds = balance, holds
        self._workers = workers
        heapq.heapify(self._workers)
        self._settle = settle
        heapq.heapify(self._settle)
        self.jobs = jobs
        self.by_file = {job.file_id: job for job in self.jobs.values()}
        self.charges = charges
        self.submissions = submissions
        self.images = images
        return True

    # ------------------------------------------------------------------ readouts

    def duplicate_submissions(self) -> int:
        """How many submissions repeated an earlier one's exact body and model."""
        seen: Counter[str] = Counter()
        for _, slug, body in self.submissions:
            seen[repr((slug, sorted(body.items())))] += 1
        return sum(n - 1 for n in seen.values() if n > 1)

    def total_charged(self) -> float:
        return sum(cost for _, cost in self.charges)

    def stats(self) -> dict[str, Any]:
        """Everything a benchmark needs, as JSON-able data (sim seconds throughout)."""
        jobs = [
            {
                "request_id": j.request_id,
                "submitted": j.submitted,
                "start": j.start,
                "finish": j.finish if j.finish != math.inf else None,
                "outcome": j.outcome,
                "fetched": self.first_fetch.get(j.request_id),
            }
            for j in self.jobs.values()
        ]
        return {
            "now": self.clock.now(),
            "workers": self.config.workers,
            "rpm": self.config.rpm,
            "rate_window_s": self.config.rate_window_s,
            "counters": dict(self.counters),
            "rate_limited": self.rate_limited,
            "early_requests": self.early_requests,
            "submissions": len(self.submissions),
            "duplicates": self.duplicate_submissions(),
            "charged": self.total_charged(),
            "key_leaks": self.key_leaks,
            "jobs": jobs,
            "log": self.log,  # (sim seconds, route, status) of every API request
        }


def _backlog(rows: int, now: float, rng: random.Random) -> list[SimJob]:
    """``rows`` requests the account made the day before, all finished, oldest first: listed by the
    history (and nothing else: no result, no video, no charge in this run)."""
    day = 86_400.0
    out = []
    for i in range(rows):
        submitted = now - day - day / 2 * (1 - i / max(1, rows))
        out.append(_listed_only(_request_id(rng), f"an earlier request {i}", submitted, submitted + 300.0))
    return out


def _request_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _listed_only(rid: str, prompt: str, submitted: float, finish: float) -> SimJob:
    """A request of the account's that the history lists, COMPLETED at ``finish``, and nothing else serves."""
    return SimJob(rid, "kling-text2video", {"prompt": prompt}, "16:9", 5, 0.5, submitted, submitted, finish,
                  "COMPLETED", None, charged=True)  # fmt: skip
