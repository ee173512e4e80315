"""Shared test fixtures: a clean environment and simulators on loopback (helpers are in ``helpers.py``).

Two ways to run the simulator:

* ``async with SimServer(...)`` inside an async test (same event loop);
* the ``sim`` fixture: a simulator on its own event loop in a background
  thread, for code that runs its own loop (``cli.main``) or blocks (the
  official SDK).  Its state is read after the code under test returns.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from batchgen.simulator import SimConfig

from .helpers import KEY, S3, SimThread

# A ``python -m batchgen`` the tests start runs the tree under test: from a test's own working folder, an
# editable install of another tree (a second checkout sharing one environment) would answer it instead.
TREE = str(Path(__file__).resolve().parent.parent)
os.environ["PYTHONPATH"] = os.pathsep.join([TREE, *filter(None, [os.environ.get("PYTHONPATH")])])


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No real key, no BATCHGEN_* settings, and a private working folder."""
    for name in list(os.environ):
        if name == "SEGMIND_API_KEY" or name.startswith("BATCHGEN_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def sim() -> Iterator[Callable[..., SimThread]]:
    """Factory: ``sim(time_scale=..., rpm=..., ...)`` starts a simulator thread."""
    started: list[SimThread] = []

    def start(output_host: str | None = None, **config: Any) -> SimThread:
        config.setdefault("time_scale", 2000.0)
        config.setdefault("api_keys", frozenset({KEY}))
        handle = SimThread(SimConfig(**config), output_host=output_host).start()
        started.append(handle)
        return handle

    yield start
    for handle in started:
        handle.stop()


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """A CLI run configures logging for its process (root level, handlers); in-process tests share one
    process, so each test gets the logging configuration back as it found it (pytest's own capture
    handlers, which pytest adds and removes around each phase, are left alone)."""

    def ours(handler: logging.Handler) -> bool:
        return not type(handler).__module__.startswith("_pytest")

    loggers = [logging.getLogger(name) for name in ("", "batchgen", "aiohttp", "asyncio", "urllib3", "httpx")]
    saved = [(logger, logger.level, [h for h in logger.handlers if ours(h)]) for logger in loggers]
    yield
    for logger, level, handlers in saved:
        logger.setLevel(level)
        for handler in [h for h in logger.handlers if ours(h) and h not in handlers]:
            logger.removeHandler(handler)
            if isinstance(handler, logging.FileHandler):
                handler.close()
        for handler in handlers:
            if handler not in logger.handlers:
                logger.addHandler(handler)


# --------------------------------------------------------------------------- object store on loopback


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    pytest.importorskip("obstore")
    server_module = pytest.importorskip("moto.server")
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3(s3_server: str, monkeypatch: pytest.MonkeyPatch) -> S3:
    handle = S3(s3_server)
    for name, value in handle.env().items():
        monkeypatch.setenv(name, value)
    handle.new_bucket()
    return handle


@pytest.fixture
def refused_port() -> Iterator[int]:
    """A loopback port that refuses connections: bound but never listening, and held for the test."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])
