"""The simulator's settings (``SimConfig``) and the names of what it can play: faults, hints, worlds.

Read as data by the state, the routes and ``batchgen simulate``; imports nothing from batchgen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import schema, worlds
from .choices import ACCEPTED_STATUSES, CREDITS_ANSWERS

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
# the form an image field takes inlined bytes in: either, bare base64 only, a data: URI only, or none (an
# https:// URL only); undocumented
INLINE_IMAGES = ("any", "base64", "data_uri", "url")
STATE_VERSION = 1
RATE_HINTS = ("reset", "retry-after", "both", "none")  # what a 429 carries: reset time, Retry-After, both, nothing
# how a submit the balance does not cover is refused: 406 (documented), 402 Payment Required, or 400 saying so
CREDIT_REFUSALS = (406, 402, 400)
HISTORY_MODES = ("on", "off", "error")  # the request history works, answers 404, answers 500
# what the result endpoint answers for an unfinished job: its status (200), the status with an empty
# output, 400, or 404 (the real API is undocumented here)
UNFINISHED_RESULTS = ("status", "empty-output", "error-400", "not-found")
# what a COMPLETED history row's generation_url holds: the result's own output URL, nothing, or a link to
# another file (a preview image; the real API is undocumented here)
ECHO_PLACES = ("output", "error", "header")
HISTORY_URLS = ("result", "none", "other")
# what a COMPLETED history row's latency_ms measures: submit to finish, the inference alone (the time the
# job waited in the queue left out), or nothing (no latency_ms; the real API does not say which)
HISTORY_LATENCIES = ("total", "inference", "none")
# what a finished history row of a chosen job gives as latency_ms instead (history_latency_odd): its measure
# negated, 0, 1 ms, none at all, or a year
ODD_LATENCIES = ("negative", "zero", "tiny", "absent", "huge")
HISTORY_ORDERS = ("asked", "oldest", "unsorted")
HISTORY_REFUSABLE = ("per_page", "sort_order")
FAULT_KINDS = (
    "submit_error_before",  # 5xx on submit, job not created
    "submit_error_after",  # 5xx on submit, job created (and billable)
    "submit_drop_after",  # connection dropped after the job was created
    "poll_error",  # 5xx on a status/result call
    "poll_drop",  # connection dropped on a status/result call
    "history_error",  # 500 on a history read (a listing page, or one request by its id)
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
    "wrong_content_type",  # the download is the video, served as text/html
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
    credits_status: int = 406  # one of CREDIT_REFUSALS
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
    history_latency: str = "total"  # one of HISTORY_LATENCIES
    # the history serves at most this many rows a page whatever per_page asks, and says nothing of its pages
    # but the rows (None: per_page rows, up to 100; the real API's page sizes and fields are undocumented)
    history_page_cap: int | None = None
    # the order of the history's rows: as sort_order asks (newest first by default), "oldest" first
    # whatever is asked, or "unsorted" (ties of an undocumented sort key broken in no order of time)
    history_order: str = "asked"
    # rows of the account's earlier requests (a day old, all COMPLETED) the history lists besides this run's:
    # an account that ran batches the days before (the history spans 7 days)
    history_backlog: int = 0
    # requests the account's other users (another shard's key, another tool, a person) make a minute during
    # the run: the history lists them among this run's, all finished a few minutes on (listed only: they take
    # no worker, no charge, and nothing else serves them)
    account_others_per_min: float = 0.0
    clock_offset_s: float = 0.0  # the server's clock (created_at, Date) runs this far ahead of the machine's
    history_refuses: frozenset[str] = frozenset()  # query parameters the history answers 400 to (HISTORY_REFUSABLE)
    reject_unknown_params: bool = False
    retired_slugs: frozenset[str] = frozenset({"kling-v0-text2video"})
    forbidden_slugs: frozenset[str] = frozenset()  # 403: e.g. a team's model restrictions
    prices: dict[tuple[str, str, int], float] = field(default_factory=dict)  # overrides of the specs' prices
    extra_specs: tuple[str, ...] = ()  # model spec files beyond the shipped ones
    history_image: str = "whole"  # one of HISTORY_IMAGES
    inline_images: str = "any"  # one of INLINE_IMAGES
    rates: dict[str, float] = field(default_factory=dict)
    # prompt substring -> a kind in MEDIA_FAULTS: every job whose prompt contains it gets that wrong video
    media_faults: dict[str, str] = field(default_factory=dict)
    # prompt substring -> a kind in ODD_LATENCIES: every finished history row of a job whose prompt contains it
    # gives that latency_ms
    history_latency_odd: dict[str, str] = field(default_factory=dict)
    keep_log: bool = True
    # Where every answer quotes the caller's API key back (a hostile or careless server), any of
    # ECHO_PLACES: "output" (200 bodies: output and history links carry ?echo=KEY), "error" (every
    # error answer's text), "header" (an X-Echo header on every answer).
    echo_key: frozenset[str] = frozenset()
    submit_answer_delay_s: float = 0.0  # real seconds between creating a job and answering its submit
    # every API call's round trip, in world seconds: each answer takes between half and 1.5 times this (half of
    # it before the server acts, half after), as the network and the server's own work take it
    answer_time_s: float = 0.0
    # the HTTP status of an accepted submit, and of a poll of a job in flight: 200 (documented), or 201 / 202
    accepted_status: int = 200
    credits_answer: str = "balance"  # one of CREDITS_ANSWERS: what GET /v1/get-user-credits answers
    state_file: str | None = None  # keep the account here between runs (see SimState.save / load)
    # worlds the real API may show (see worlds.py); all off by default
    redirect_routes: frozenset[str] = frozenset()  # routes answered 307 (of worlds.REDIRECT_ROUTES)
    redirect_to: str = "other"  # where: "other" origin (a listener counting keys) or the "same" one
    redirect_counted: bool = False  # a redirect answered counts against the rate window, as the route's call would
    key_accounts: dict[str, str] = field(default_factory=dict)  # more keys -> their account (api_keys: "main")
    revoke_key: str | None = None  # this key answers 401 once revoke_after_submits jobs were made with it
    revoke_after_submits: int | None = None
    state_case: str = "upper"  # "lower": states served in lower case
    extra_states: bool = False  # IN_QUEUE for QUEUED, STARTING early in PROCESSING
    history_ids: str = "same"  # "bare": the history spells request ids without the UUID's dashes
    history_model_names: str = "slug"  # the model_name history rows give: "slug", "prefixed" or "titled"
    history_titled: frozenset[str] = frozenset()  # models given a title whatever history_model_names says
    history_bodies: str = "sent"  # a row's request_body: as "sent", defaults "filled" in, JSON "text", or "none"
    history_shows: str = "all"  # "finished": the history lists a request only once it has finished
    charges_shown: str = "charged"  # a finished job's charge in its answers: "charged", "zero" or "none"
    cancel_prompts: tuple[str, ...] = ()  # jobs whose prompt contains one of these end CANCELLED
    output_shape: str = "string"  # a result's output: "string", "list", "object" ({"video":..}), "url-object"
    outage_s: float = 0.0  # every API route 503s (or drops) this many simulated seconds ...
    outage_at_s: float | None = None  # ... from this long after the start ...
    outage_after_submits: int | None = None  # ... or from the submit after this many submits
    outage_kind: str = "503"  # or "drop"
    # a gateway in front of the API (a firewall, a proxy asking to log in) answers these routes with an HTML page
    # of status refuse_status (401 or 403) ...
    refuse_routes: frozenset[str] = frozenset()
    refuse_status: int = 403
    refuse_after_submits: int = 0  # ... from the submit after this many submits (0: from the start) ...
    refuse_s: float | None = None  # ... for this many simulated seconds (None: for good)

    def __post_init__(self) -> None:
        worlds.check(self)
        if self.time_scale <= 0:
            raise ValueError("time_scale must be positive")
        if self.workers < 1:
            raise ValueError("workers must be at least 1")
        if not self.answer_time_s >= 0:
            raise ValueError(f"answer_time_s must be 0 or more, got {self.answer_time_s!r}")
        if self.accepted_status not in ACCEPTED_STATUSES:
            raise ValueError(f"accepted_status must be one of {ACCEPTED_STATUSES}, got {self.accepted_status!r}")
        if self.credits_answer not in CREDITS_ANSWERS:
            raise ValueError(f"credits_answer must be one of {CREDITS_ANSWERS}, got {self.credits_answer!r}")
        if self.credits_status not in CREDIT_REFUSALS:
            raise ValueError(f"credits_status must be one of {CREDIT_REFUSALS}, got {self.credits_status!r}")
        if self.rate_hint not in RATE_HINTS:
            raise ValueError(f"rate_hint must be one of {RATE_HINTS}, got {self.rate_hint!r}")
        if self.history not in HISTORY_MODES:
            raise ValueError(f"history must be one of {HISTORY_MODES}, got {self.history!r}")
        if self.nonterminal_result not in UNFINISHED_RESULTS:
            raise ValueError(f"nonterminal_result must be one of {UNFINISHED_RESULTS}, got {self.nonterminal_result!r}")
        if self.history_image not in HISTORY_IMAGES:
            raise ValueError(f"history_image must be one of {HISTORY_IMAGES}, got {self.history_image!r}")
        if self.inline_images not in INLINE_IMAGES:
            raise ValueError(f"inline_images must be one of {INLINE_IMAGES}, got {self.inline_images!r}")
        if not set(self.echo_key) <= set(ECHO_PLACES):
            raise ValueError(f"echo_key must name places among {ECHO_PLACES}, got {sorted(self.echo_key)}")
        if self.history_url not in HISTORY_URLS:
            raise ValueError(f"history_url must be one of {HISTORY_URLS}, got {self.history_url!r}")
        if self.history_latency not in HISTORY_LATENCIES:
            raise ValueError(f"history_latency must be one of {HISTORY_LATENCIES}, got {self.history_latency!r}")
        if not set(self.history_refuses) <= set(HISTORY_REFUSABLE):
            raise ValueError(
                f"history_refuses must name parameters among {HISTORY_REFUSABLE}, got {sorted(self.history_refuses)}"
            )
        if self.history_order not in HISTORY_ORDERS:
            raise ValueError(f"history_order must be one of {HISTORY_ORDERS}, got {self.history_order!r}")
        if self.account_others_per_min < 0:
            raise ValueError(f"account_others_per_min must be 0 or more, got {self.account_others_per_min}")
        if self.history_backlog < 0:
            raise ValueError(f"history_backlog must be 0 or more rows, got {self.history_backlog}")
        if self.history_page_cap is not None and not 1 <= self.history_page_cap <= 100:
            raise ValueError(f"history_page_cap must be 1-100 rows, got {self.history_page_cap}")
        if self.rate_window_s <= 0 or self.latency_scale <= 0 or self.expiry_s <= 0:
            raise ValueError("rate_window_s, latency_scale and expiry_s must be positive")
        if any(not seconds > 0 for seconds in self.model_latency_s.values()):
            raise ValueError("model_latency_s values must be positive seconds")
        unknown = set(self.rates) - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; known: {FAULT_KINDS}")
        odd = set(self.history_latency_odd.values()) - set(ODD_LATENCIES)
        if odd:
            raise ValueError(f"unknown odd latency kinds {sorted(odd)}; known: {ODD_LATENCIES}")
        wrong = set(self.media_faults.values()) - set(MEDIA_FAULTS)
        if wrong:
            raise ValueError(f"unknown media fault kinds {sorted(wrong)}; known: {MEDIA_FAULTS}")
