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
from dataclasses import asdict, dataclass, field
from typing import Any

from . import schema, worlds

# Published average latencies (seconds) and the (slug, mode, duration) -> USD rows of each shipped model's
# spec (batchgen/models/specs, read as data by schema.py).
MODEL_LATENCY_S = {slug: model.latency_s for slug, model in schema.shipped().items()}
DEFAULT_PRICES: dict[tuple[str, str, int], float] = {
    (slug, str(row["mode"]), int(row["duration"])): float(row["usd"])
    for slug, model in schema.shipped().items()
    for row in model.price.get("table") or []
    if set(row) == {"mode", "duration", "usd"}
}
# What a history row's request_body keeps of an inlined image: all of it, a URL of a stored copy, its first
# characters, or nothing (undocumented; SEGMIND_API.md 5b)
HISTORY_IMAGES = ("whole", "url", "truncated", "absent")
STATE_VERSION = 1
RATE_HINTS = ("reset", "retry-after", "both", "none")  # what a 429 carries: reset time, Retry-After, both, nothing
HISTORY_MODES = ("on", "off", "error")  # the request history works, answers 404, answers 500
# what the result endpoint answers for an unfinished job: its status (200), the status with an empty
# output, 400, or 404 (the real API is undocumented here)
UNFINISHED_RESULTS = ("status", "empty-output", "error-400", "not-found")
# what a COMPLETED history row's generation_url holds: the result's own output URL, nothing, or a link to
# another file (a preview image; the real API is undocumented here)
ECHO_PLACES = ("output", "error", "header")
HISTORY_URLS = ("result", "none", "other")
FAULT_KINDS = (
    "submit_error_before",  # 5xx on submit, job not created
    "submit_error_after",  # 5xx on submit, job created (and billable)
    "submit_drop_after",  # connection dropped after the job was created
    "poll_error",  # 5xx on a status/result call
    "poll_drop",  # connection dropped on a status/result call
    "rate_limit",  # a 429 regardless of the window
    "truncate",  # output download cut short
    "fail",  # job ends FAILED with a provider error
    "policy",  # job ends FAILED with a content-policy error
    "stall",  # job stays PROCESSING until its record expires
    "content_type",  # submit answered 406 "Invalid content type"
    "slow",  # answer delayed by params["seconds"] real seconds (default 2)
    "hostile",  # the job's result or output misbehaves, every time; params["kind"] in HOSTILE_KINDS
    "wrong_duration",  # the job completes with a video of the other duration (5 s for 10 s, 10 s for 5 s)
    "wrong_aspect",  # the job completes with a video of another aspect ratio (9:16 for 16:9, ...)
)
MEDIA_FAULTS = ("wrong_duration", "wrong_aspect")
_OTHER_ASPECT = {"16:9": "9:16", "9:16": "16:9", "1:1": "16:9"}
HOSTILE_KINDS = (
    "non_json",  # the result is an HTML page with HTTP 200
    "huge",  # the result is a 4 MiB JSON body
    "no_output",  # COMPLETED without output or video
    "bad_scheme",  # the output URL is file:///etc/passwd
    "redirect_api",  # the result answers 302 to another host
    "lying_size",  # video.file_size is wrong
    "lying_length",  # the download's Content-Length is larger than the body
    "endless",  # the download never ends
    "drip",  # the download sends a byte now and then
    "redirect_output",  # the output URL redirects to the output host (allowed)
    "echo_key",  # the job FAILS with an error text that quotes the caller's API key
    "not_mp4",  # the download has the right size everywhere but is not an MP4
)


@dataclass(slots=True)
class SimConfig:
    """Knobs of the simulated service.  Rates are probabilities per event."""

    time_scale: float = 1.0
    seed: int = 0
    api_keys: frozenset[str] = frozenset({"SG_0123456789abcdef"})
    accept_bearer: bool = False
    rpm: int | None = None
    polls_count: bool = True
    rate_hint: str = "reset"  # one of RATE_HINTS
    rate_window_s: float = 60.0  # the sliding window; it admits round(rpm * rate_window_s / 60) requests
    credits: float = 1000.0
    free_credits: float = 0.0
    credit_holds: bool = True
    workers: int = 16
    latency_scale: float = 1.0  # every service time times this (the client is not told)
    model_latency_s: dict[str, float] = field(default_factory=dict)  # mean service seconds per slug (5 s videos)
    latency_sigma: float = 0.2
    tail_rate: float = 0.05
    expiry_s: float = 3600.0
    output_ttl_s: float = 7 * 86400.0  # output files are served this long after the job finished
    history: str = "on"  # one of HISTORY_MODES
    history_lag_s: float = 0.0  # the request history shows the account as it was this long ago
    nonterminal_result: str = "status"  # one of UNFINISHED_RESULTS
    history_url: str = "result"  # one of HISTORY_URLS
    reject_unknown_params: bool = False
    retired_slugs: frozenset[str] = frozenset({"kling-v0-text2video"})
    forbidden_slugs: frozenset[str] = frozenset()  # 403: e.g. a team's model restrictions
    prices: dict[tuple[str, str, int], float] = field(default_factory=dict)  # overrides of the specs' prices
    extra_specs: tuple[str, ...] = ()  # model spec files beyond the shipped ones
    history_image: str = "whole"  # one of HISTORY_IMAGES
    rates: dict[str, float] = field(default_factory=dict)
    # prompt substring -> a kind in MEDIA_FAULTS: every job whose prompt contains it gets that wrong video
    media_faults: dict[str, str] = field(default_factory=dict)
    keep_log: bool = True
    # Where every answer quotes the caller's API key back (a hostile or careless server), any of
    # ECHO_PLACES: "output" (200 bodies: output and history links carry ?echo=KEY), "error" (every
    # error answer's text), "header" (an X-Echo header on every answer).
    echo_key: frozenset[str] = frozenset()
    submit_answer_delay_s: float = 0.0  # real seconds between creating a job and answering its submit
    state_file: str | None = None  # keep the account here between runs (see SimState.save / load)
    # worlds the real API may show (see worlds.py); all off by default
    redirect_routes: frozenset[str] = frozenset()  # routes answered 307 (of worlds.REDIRECT_ROUTES)
    redirect_to: str = "other"  # where: "other" origin (a listener counting keys) or the "same" one
    key_accounts: dict[str, str] = field(default_factory=dict)  # more keys -> their account (api_keys: "main")
    revoke_key: str | None = None  # this key answers 401 once revoke_after_submits jobs were made with it
    revoke_after_submits: int | None = None
    state_case: str = "upper"  # "lower": states served in lower case
    extra_states: bool = False  # IN_QUEUE for QUEUED, STARTING early in PROCESSING
    cancel_prompts: tuple[str, ...] = ()  # jobs whose prompt contains one of these end CANCELLED
    output_shape: str = "string"  # a result's output: "string", "list", "object" ({"video":..}), "url-object"
    outage_s: float = 0.0  # every API route 503s (or drops) this many simulated seconds ...
    outage_at_s: float | None = None  # ... from this long after the start ...
    outage_after_submits: int | None = None  # ... or from the submit after this many submits
    outage_kind: str = "503"  # or "drop"

    def __post_init__(self) -> None:
        worlds.check(self)
        if self.time_scale <= 0:
            raise ValueError("time_scale must be positive")
        if self.workers < 1:
            raise ValueError("workers must be at least 1")
        if self.rate_hint not in RATE_HINTS:
            raise ValueError(f"rate_hint must be one of {RATE_HINTS}, got {self.rate_hint!r}")
        if self.history not in HISTORY_MODES:
            raise ValueError(f"history must be one of {HISTORY_MODES}, got {self.history!r}")
        if self.nonterminal_result not in UNFINISHED_RESULTS:
            raise ValueError(f"nonterminal_result must be one of {UNFINISHED_RESULTS}, got {self.nonterminal_result!r}")
        if self.history_image not in HISTORY_IMAGES:
            raise ValueError(f"history_image must be one of {HISTORY_IMAGES}, got {self.history_image!r}")
        if not set(self.echo_key) <= set(ECHO_PLACES):
            raise ValueError(f"echo_key must name places among {ECHO_PLACES}, got {sorted(self.echo_key)}")
        if self.history_url not in HISTORY_URLS:
            raise ValueError(f"history_url must be one of {HISTORY_URLS}, got {self.history_url!r}")
        if self.rate_window_s <= 0 or self.latency_scale <= 0 or self.expiry_s <= 0:
            raise ValueError("rate_window_s, latency_scale and expiry_s must be positive")
        if any(not seconds > 0 for seconds in self.model_latency_s.values()):
            raise ValueError("model_latency_s values must be positive seconds")
        unknown = set(self.rates) - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; known: {FAULT_KINDS}")
        wrong = set(self.media_faults.values()) - set(MEDIA_FAULTS)
        if wrong:
            raise ValueError(f"unknown media fault kinds {sorted(wrong)}; known: {MEDIA_FAULTS}")


class SimClock:
    """Simulated seconds since the Unix epoch, running ``scale`` times faster."""

    def __init__(self, scale: float) -> None:
        self.scale = scale
        self._epoch = time.time()
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
        self.clock = SimClock(config.time_scale)
        self.rng = random.Random(config.seed)
        self.balance = config.credits
        self.holds = 0.0
        self.jobs: dict[str, SimJob] = {}
        self.by_file: dict[str, SimJob] = {}
        self._workers: list[float] = [0.0] * config.workers
        self._settle: list[tuple[float, str]] = []
        self._windows: dict[str, deque[float]] = {}
        self._scripted: dict[str, deque[dict[str, Any]]] = {k: deque() for k in FAULT_KINDS}
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
        self.models = {**schema.shipped(), **schema.load_models(config.extra_specs)} if config.extra_specs else {}
        self.models = self.models or schema.shipped()
        # an inlined input image is kept once per digest (a job's body holds "sim-image:sha256:<hex>" instead)
        self.images: dict[str, bytes] = {}

    # ------------------------------------------------------------------ faults

    def script(self, fault: str, /, count: int = 1, **params: Any) -> None:
        """Make the next ``count`` events of ``fault`` faulty, whatever the rates."""
        if fault not in self._scripted:
            raise ValueError(f"unknown fault kind {fault!r}; known: {FAULT_KINDS}")
        for _ in range(count):
            self._scripted[fault].append(params)

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
        """Charge every job that completed by now; release holds of ended jobs."""
        now = self.clock.now()
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
        rid = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
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
        """Write the account (jobs, balance, workers, clock, random state) to ``path``, atomically."""
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
        """Take up an account saved by :meth:`save`; False if there is none at ``path``."""
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except FileNotFoundError:
            return False
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"{path}: not a simulator state file of version {STATE_VERSION}")
        self.clock.resume_at(float(data["now"]))
        self.balance, self.holds = float(data["balance"]), float(data["holds"])
        self._workers = [float(w) for w in data["workers"]]
        heapq.heapify(self._workers)
        self._settle = [(float(at), str(rid)) for at, rid in data["settle"]]
        heapq.heapify(self._settle)
        version, internal, gauss = data["rng"]
        self.rng.setstate((version, tuple(internal), gauss))
        self.jobs = {job["request_id"]: SimJob(**job) for job in data["jobs"]}
        self.by_file = {job.file_id: job for job in self.jobs.values()}
        self.charges = [(str(rid), float(cost)) for rid, cost in data["charges"]]
        self.submissions = [(str(rid), str(slug), dict(body)) for rid, slug, body in data["submissions"]]
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
        }
