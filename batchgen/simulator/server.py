"""The simulator listening on loopback (:class:`SimServer`)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from types import TracebackType

from aiohttp import web

from . import worlds
from .app import create_app
from .config import SimConfig
from .replies import OUTPUT_BASE
from .state import SimState

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

    async def close(self, *, save: bool = True) -> None:
        """Stop serving; with ``save``, keep the account in ``state_file`` (when one is set)."""
        if self._foreign is not None:
            foreign, self._foreign = self._foreign, None
            await foreign.cleanup()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
            if save and self.state.config.state_file:
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
