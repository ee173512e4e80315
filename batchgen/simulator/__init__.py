"""A local stand-in for Segmind's v2 queue API, for tests, benchmarks and ``--simulate``.

It follows ``SEGMIND_API.md``: submit returns QUEUED with absolute poll URLs;
jobs pass QUEUED -> PROCESSING -> COMPLETED or FAILED on a bounded pool of
workers, with service times drawn around each Kling model's published
average; FAILED is served as HTTP 422; records expire one hour after
submission; only COMPLETED jobs are billed; a per-key sliding window answers
429 with ``x-rate-limit-reset-at-utc``; outputs are real MP4 files served
without auth, optionally from a second loopback host.  Time runs
``time_scale`` times faster than the wall clock, and every fault is seeded
and scriptable (:meth:`SimState.script`).  With ``SimConfig.state_file`` the
account (jobs, balance, clock) is loaded at start and saved at close, so a
later simulator on the same file takes up where the last one stopped.

It can also build worlds a client's defaults did not expect, without telling
the client: service times scaled (``latency_scale``) or set per model
(``model_latency_s``); a request history that works, answers 404 or 500
(``history``), or lags (``history_lag_s``), whose rows link the result's own
video, none, or another file (``history_url``) and whose ``latency_ms`` is
submit to finish, the inference alone, or missing (``history_latency``), and whose pages hold fewer
rows than asked for and do not say so (``history_page_cap``); 429s with a reset time,
``Retry-After``, both or no hint (``rate_hint``); a rate window other than
60 s (``rate_window_s``); records that live shorter than an hour
(``expiry_s``); and the worlds of ``worlds.py``: redirects on chosen routes, revoked keys and
accounts, state spellings, cancelled jobs, output shapes, outages;
answers that quote the caller's key back in links, error texts or a header (``echo_key``).

This package imports nothing from the rest of batchgen.

Usage::

    async with SimServer(SimConfig(time_scale=1000)) as sim:
        ...  # talk to sim.url; read sim.state.counters afterwards
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import create_app
    from .config import (
        DEFAULT_PRICES,
        ECHO_PLACES,
        FAULT_KINDS,
        HISTORY_MODES,
        HOSTILE_KINDS,
        MEDIA_FAULTS,
        MODEL_LATENCY_S,
        RATE_HINTS,
        SimConfig,
    )
    from .server import SimServer
    from .state import SimJob, SimState

# Loaded on first use, so that importing one light module of the package (``worlds``' choices, for the
# command line's parser) does not load the server and read every model spec.
_WHERE = {
    "DEFAULT_PRICES": "config",
    "ECHO_PLACES": "config",
    "FAULT_KINDS": "config",
    "HISTORY_MODES": "config",
    "HOSTILE_KINDS": "config",
    "MEDIA_FAULTS": "config",
    "MODEL_LATENCY_S": "config",
    "RATE_HINTS": "config",
    "SimConfig": "config",
    "SimJob": "state",
    "SimServer": "server",
    "SimState": "state",
    "create_app": "app",
}

__all__ = [
    "DEFAULT_PRICES",
    "ECHO_PLACES",
    "FAULT_KINDS",
    "HISTORY_MODES",
    "HOSTILE_KINDS",
    "MEDIA_FAULTS",
    "MODEL_LATENCY_S",
    "RATE_HINTS",
    "SimConfig",
    "SimJob",
    "SimServer",
    "SimState",
    "create_app",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
