"""Worlds the real API may show, played on request: redirects, keys and accounts, state and output
variants, cancelled jobs, outages.

Each is a ``SimConfig`` field (and a ``batchgen simulate`` flag); none is on by default:

* **Redirects** (``redirect_routes``): the chosen routes (``submit``, ``status``, ``result``,
  ``history``, ``credits``) answer 307 to the same path on another origin, a second listener
  (``redirect_to="other"``, on 127.0.0.2) that answers nothing useful and counts every request
  that carries a key (``SimState.foreign_key_requests``), or to this origin (``"same"``), whose
  moved path is then served as usual.  With ``redirect_counted`` the redirect itself counts
  against the rate window as the call would (a 429 in its place once the window is full).
* **Keys and accounts** (``key_accounts``, ``revoke_key``, ``revoke_after_submits``): keys
  belong to accounts (``api_keys`` to ``"main"``); a job, its record and its history row are
  seen only under a key of the account that made it.  ``revoke_key`` answers 401 once that many
  jobs were created with it.
* **States** (``state_case``, ``extra_states``): states served in lower case, and ``IN_QUEUE``
  for QUEUED and ``STARTING`` for the first fifth of PROCESSING.
* **History ids** (``history_ids``): the request history spells each request id as its submit
  did (``"same"``) or as 32 bare hex digits, the UUID's dashes left out (``"bare"``, as in the
  SDK's history example); one request of the history is then found by that spelling alone.
* **History model names** (``history_model_names``): the ``model_name`` a history row gives (and
  its ``model_name`` filter matches, as a substring): the slug, the slug behind a prefix
  (``segmind/kling-text2video``), or a title without it (``Kling Text2Video``); and the models
  of ``history_titled`` a title, whatever the others are given (names that differ by model).
* **History bodies** (``history_bodies``): what a history row's ``request_body`` holds: the body
  as sent, with the model's defaults filled in, as JSON text, or nothing (``null``).
* **Charges shown** (``charges_shown``): what a finished job's result (``metrics.cost``) and history
  row (``credits_deduction``) give as its charge: what it was charged, 0 (``"zero"``: a charge not yet
  posted when the job finished), or nothing (``"none"``: ``cost`` left out, ``credits_deduction``
  null).  The account is charged all the same.
* **Finished requests only** (``history_shows="finished"``): the history lists a request only
  once it has finished (no ``PENDING`` rows), as a listing of generations would.
* **Cancelled jobs** (``cancel_prompts``): a job whose prompt contains one of these texts ends
  ``CANCELLED`` (HTTP 200, no error text, never charged).
* **Output shapes** (``output_shape``): a finished result's ``output`` as a string (the
  documented form), a list of URLs (``list-preview-first``: a still image's link, then the
  video's), or an object ``{"video": url}`` / ``{"url": url}``; but for the string the ``video``
  object is left out.
* **Outages** (``outage_s``, ``outage_at_s``, ``outage_after_submits``, ``outage_kind``): every
  API route answers 503 (or drops the connection) for ``outage_s`` simulated seconds, starting
  that many seconds after the simulator started, or with the submit that follows the first
  ``outage_after_submits`` submits (so that one falls in it).  Output
  files stay up (they are served by another host on the real service).
* **A gateway's refusals** (``refuse_routes``, ``refuse_status``, ``refuse_after_submits``,
  ``refuse_s``): something in front of the API (a firewall, a proxy that asks to log in) answers
  the chosen routes with an HTML page of HTTP 401 or 403, from the submit that follows the first
  ``refuse_after_submits`` submits (0: from the start), for ``refuse_s`` simulated seconds or for
  good.  A refused request never reaches the API: a refused submit makes nothing.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from .choices import (
    CHARGES_SHOWN,
    HISTORY_BODIES,
    HISTORY_IDS,
    HISTORY_MODEL_NAMES,
    HISTORY_SHOWS,
    OUTAGE_KINDS,
    OUTPUT_SHAPES,
    REDIRECT_ROUTES,
    REDIRECT_TARGETS,
    REFUSAL_STATUSES,
    STATE_CASES,
)

MOVED = "moved"  # query parameter of a same-origin redirect's target (served, not redirected again)
MAIN_ACCOUNT = "main"
REFUSAL_PAGE = "<!DOCTYPE html><html><head><title>Access denied</title></head><body>Access denied</body></html>"


def route_kind(canonical: str) -> str | None:
    """Which API route a canonical path is, in ``REDIRECT_ROUTES`` terms; None for output files."""
    if canonical == "/v2/{slug}":
        return "submit"
    if canonical == "/v2/requests/{rid}/status":
        return "status"
    if canonical in ("/v2/requests/{rid}", "/v1/requests/{rid}"):
        return "result"
    if canonical.startswith("/inference-request/"):
        return "history"
    if canonical == "/v1/get-user-credits":
        return "credits"
    return None


def intercept(request: web.Request, state: Any, kind: str | None) -> web.StreamResponse | None:
    """An outage's or a redirect's answer to this request, or None to serve it as usual."""
    if kind is None:
        return None
    config = state.config
    now = state.clock.now()
    if kind == "submit":
        state.submit_requests += 1
    if config.outage_s > 0:
        if state.outage_from is None and _outage_due(state, now):
            state.outage_from = now
        if state.outage_from is not None and now < state.outage_from + config.outage_s:
            state.outage_answers += 1
            if config.outage_kind == "drop":
                if request.transport is not None:
                    request.transport.close()
                return web.Response(status=503)
            return web.Response(
                status=503, text="<html><body><h1>503 Service Unavailable</h1></body></html>", content_type="text/html"
            )
    if kind in config.refuse_routes and _refusing(state, now):
        state.refusals_served += 1
        return web.Response(status=config.refuse_status, text=REFUSAL_PAGE, content_type="text/html")
    if kind in config.redirect_routes and MOVED not in request.query:
        if config.redirect_to == "same":
            join = "&" if request.query_string else ""
            location = f"{request.path}?{request.query_string}{join}{MOVED}=1"
        else:
            location = f"{state.redirect_base}{request.path_qs}"
        state.redirects_served += 1
        return web.Response(status=307, headers={"Location": location})
    return None


def _refusing(state: Any, now: float) -> bool:
    """Whether the gateway refuses its routes now (it begins with the submit after the first N)."""
    config = state.config
    due = config.refuse_after_submits == 0 or state.submit_requests > config.refuse_after_submits
    if state.refusing_from is None and due:
        state.refusing_from = now
    began = state.refusing_from
    return began is not None and (config.refuse_s is None or now < began + config.refuse_s)


def _outage_due(state: Any, now: float) -> bool:
    config = state.config
    if config.outage_at_s is not None and now >= state.started_at + config.outage_at_s:
        return True
    return config.outage_after_submits is not None and state.submit_requests > config.outage_after_submits


def key_valid(state: Any, key: str) -> bool:
    config = state.config
    known = key in config.api_keys or key in config.key_accounts
    return known and key not in state.revoked_keys


def account_of(state: Any, key: str | None) -> str:
    if key is None:
        return MAIN_ACCOUNT
    return str(state.config.key_accounts.get(key, MAIN_ACCOUNT))


def after_submit(state: Any, job: Any, key: str | None) -> None:
    """A job was created with ``key``: its account, a cancellation by prompt, the key's revocation."""
    job.account = account_of(state, key)
    prompt = str(job.body.get("prompt") or "")
    if any(text and text in prompt for text in state.config.cancel_prompts):
        job.outcome, job.error = "CANCELLED", None
    if key is not None and key == state.config.revoke_key:
        state.submits_by_key[key] = state.submits_by_key.get(key, 0) + 1
        limit = state.config.revoke_after_submits
        if limit is not None and state.submits_by_key[key] >= limit:
            state.revoked_keys.add(key)


def spell(state: Any, job: Any, phase: str, now: float) -> str:
    """A phase as this world spells it."""
    config = state.config
    word = phase
    if config.extra_states:
        if phase == "QUEUED":
            word = "IN_QUEUE"
        elif phase == "PROCESSING" and now < job.start + (job.finish - job.start) / 5:
            word = "STARTING"
    return word.lower() if config.state_case == "lower" else word


def history_id(state: Any, request_id: str) -> str:
    """A request id as this world's request history spells it."""
    return request_id.replace("-", "") if state.config.history_ids == "bare" else request_id


def history_model_name(state: Any, slug: str) -> str:
    """The name this world's history gives a model."""
    how = "titled" if slug in state.config.history_titled else state.config.history_model_names
    if how == "prefixed":
        return f"segmind/{slug}"
    if how == "titled":
        return slug.replace("-", " ").title()
    return str(slug)


def history_body(state: Any, slug: str, body: dict[str, Any]) -> Any:
    """A history row's ``request_body`` in this world (``body``: as the history shows the body sent)."""
    how = state.config.history_bodies
    if how == "filled":
        model = state.models.get(slug)
        return {**(model.defaults() if model is not None else {}), **body}
    if how == "text":
        return json.dumps(body)
    return None if how == "none" else body


def charge_shown(state: Any, cost: float) -> float | None:
    """What this world's answers give as a finished job's charge of ``cost`` (None: nothing)."""
    how = state.config.charges_shown
    return cost if how == "charged" else 0.0 if how == "zero" else None


def history_job(state: Any, spelled: str) -> Any:
    """The job a request id as this world's history spells it names (None: none does)."""
    if state.config.history_ids == "bare":
        if len(spelled) != 32 or "-" in spelled:
            return None
        spelled = "-".join((spelled[:8], spelled[8:12], spelled[12:16], spelled[16:20], spelled[20:]))
    return state.jobs.get(spelled)


def shape_output(state: Any, body: dict[str, Any], url: str, preview: str) -> None:
    """Put the finished result's ``output`` in this world's shape (``preview``: a link to a still image)."""
    shape = state.config.output_shape
    if shape == "string":
        return
    body.pop("video", None)
    if shape == "list":
        body["output"] = [url]
    elif shape == "list-preview-first":
        body["output"] = [preview, url]
    elif shape == "object":
        body["output"] = {"video": url}
    else:
        body["output"] = {"url": url}


def check(config: Any) -> None:
    """Refuse nonsense world knobs (called from ``SimConfig.__post_init__``)."""
    unknown = (set(config.redirect_routes) | set(config.refuse_routes)) - set(REDIRECT_ROUTES)
    if unknown:
        raise ValueError(f"redirect_routes, refuse_routes: unknown routes {sorted(unknown)}; known: {REDIRECT_ROUTES}")
    if config.refuse_status not in REFUSAL_STATUSES:
        raise ValueError(f"refuse_status must be one of {REFUSAL_STATUSES}, got {config.refuse_status!r}")
    if config.refuse_after_submits < 0 or (config.refuse_s is not None and config.refuse_s < 0):
        raise ValueError("refuse_after_submits and refuse_s must not be negative")
    for name, value, allowed in (
        ("redirect_to", config.redirect_to, REDIRECT_TARGETS),
        ("output_shape", config.output_shape, OUTPUT_SHAPES),
        ("outage_kind", config.outage_kind, OUTAGE_KINDS),
        ("state_case", config.state_case, STATE_CASES),
        ("history_ids", config.history_ids, HISTORY_IDS),
        ("history_model_names", config.history_model_names, HISTORY_MODEL_NAMES),
        ("history_bodies", config.history_bodies, HISTORY_BODIES),
        ("history_shows", config.history_shows, HISTORY_SHOWS),
        ("charges_shown", config.charges_shown, CHARGES_SHOWN),
    ):
        if value not in allowed:
            raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
    if config.outage_s < 0 or (config.outage_at_s is not None and config.outage_at_s < 0):
        raise ValueError("outage_s and outage_at_s must not be negative")
    if config.revoke_after_submits is not None and config.revoke_after_submits < 0:
        raise ValueError("revoke_after_submits must not be negative")


async def foreign_app(state: Any) -> web.Application:
    """The other origin a redirect points to: answers 404 to everything, counting requests with a key."""

    async def anything(request: web.Request) -> web.StreamResponse:
        state.foreign_requests += 1
        if "x-api-key" in request.headers or "Authorization" in request.headers:
            state.foreign_key_requests += 1
        return web.json_response({"error": "not the API"}, status=404)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", anything)
    return app
