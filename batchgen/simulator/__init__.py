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

import asyncio
import contextlib
from collections.abc import AsyncIterator
from types import TracebackType

from aiohttp import web

from . import worlds
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
from .replies import OUTPUT_BASE
from .state import SimJob, SimState

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


AUTOSAVE_S = 1.0  # real seconds


class SimServer:
    """The simulator listening on loopback; an async context manager.

    ``output_host`` (for example ``127.0.0.2``) serves the output files from a
    second address, so tests can tell API traffic from download traffic.
    """

    def __init__(
        self,
        config: SimConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        output_host: str | None = None,
    ) -> None:
        self.state = SimState(config or SimConfig())
        self.app = create_app(self.state)
        if self.state.config.state_file:
            self.app.cleanup_ctx.append(self._autosave)
        self._host, self._port, self._output_host = host, port, output_host
        self._runner: web.AppRunner | None = None
        self._foreign: web.AppRunner | None = None
        self.url = ""
        self.output_url = ""

    async def start(self) -> None:
        if self.state.config.state_file:
            self.state.load(self.state.config.state_file)
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        self.url = _site_url(self._runner, 0)
        if self._output_host:
            await web.TCPSite(self._runner, self._output_host, 0).start()
            self.output_url = _site_url(self._runner, 1)
            self.app[OUTPUT_BASE].append(self.output_url)
        else:
            self.output_url = self.url
        if self.state.config.redirect_routes and self.state.config.redirect_to == "other":
            self._foreign = web.AppRunner(await worlds.foreign_app(self.state), access_log=None, handle_signals=False)
            await self._foreign.setup()
            await web.TCPSite(self._foreign, "127.0.0.2", 0).start()
            self.state.redirect_base = _site_url(self._foreign, 0)

    async def _autosave(self, app: web.Application) -> AsyncIterator[None]:
        """While serving, save the account within ``AUTOSAVE_S`` of any new job, so a killed run loses little."""
        path = self.state.config.state_file
        assert path is not None

        async def loop() -> None:
            saved = len(self.state.submissions)
            while True:
                await asyncio.sleep(AUTOSAVE_S)
                if len(self.state.submissions) != saved:
                    try:
                        self.state.save(path)
                    except OSError:  # a full disk: the last saved state stays; retried on the next job and at exit
                        continue
                    saved = len(self.state.submissions)

        task = asyncio.get_running_loop().create_task(loop())  # owned here: cancelled at cleanup
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def close(self) -> None:
        if self._foreign is not None:
            foreign, self._foreign = self._foreign, None
            await foreign.cleanup()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
            if self.state.config.state_file:
                self.state.save(self.state.config.state_file)

    async def __aenter__(self) -> SimServer:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


def _site_url(runner: web.AppRunner, index: int) -> str:
    host, port = runner.addresses[index][:2]
    return f"http://{host}:{port}"
