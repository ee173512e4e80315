"""Shared test fixtures: a clean environment, a time limit, and simulators on loopback.

Two ways to run the simulator:

* ``async with SimServer(...)`` inside an async test (same event loop);
* the ``sim`` fixture: a simulator on its own event loop in a background
  thread, for code that runs its own loop (``cli.main``) or blocks (the
  official SDK).  Its state is read after the code under test returns.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import av
import pytest

from batchgen import cli
from batchgen.simulator import SimConfig, SimServer, SimState

KEY = "SG_0123456789abcdef"
# Mutation runs set a shorter limit, so that a mutant that hangs costs seconds, not minutes.
TEST_TIME_LIMIT_S = int(os.environ.get("PYTEST_TIME_LIMIT_S", "120"))


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No real key, no BATCHGEN_* settings, and a private working folder."""
    for name in list(os.environ):
        if name == "SEGMIND_API_KEY" or name.startswith("BATCHGEN_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(autouse=True)
def time_limit() -> Iterator[None]:
    """Fail a test that runs past the limit instead of hanging the suite."""

    def expire(signum: int, frame: Any) -> None:
        raise TimeoutError(f"test ran longer than {TEST_TIME_LIMIT_S}s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(TEST_TIME_LIMIT_S)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


class SimThread:
    """A simulator on its own event loop in a daemon thread."""

    def __init__(self, config: SimConfig, output_host: str | None = None) -> None:
        self.config = config
        self._output_host = output_host
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._main, daemon=True)
        self.server: SimServer | None = None
        self._error: BaseException | None = None

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
        except BaseException as exc:  # surfaced by start()
            self._error = exc
            self._ready.set()
        finally:
            self._loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        async with SimServer(self.config, output_host=self._output_host) as server:
            self.server = server
            self._ready.set()
            await self._stop.wait()

    def start(self) -> SimThread:
        self._thread.start()
        self._ready.wait(10)
        if self._error is not None:
            raise self._error
        return self

    def stop(self) -> None:
        if self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url

    @property
    def state(self) -> SimState:
        assert self.server is not None
        return self.server.state


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


def run_cli(*argv: str) -> int:
    return cli.main(list(argv))


def run_batch(
    manifest: str | Path, out: str | Path, server: SimThread, *extra: str, monkeypatch: pytest.MonkeyPatch
) -> int:
    """``batchgen run`` in-process against a simulator thread, on its time scale."""
    monkeypatch.setenv("SEGMIND_API_KEY", KEY)
    return run_cli(
        "run", str(manifest), "--out", str(out), "--base-url", server.url,
        "--time-scale", str(server.config.time_scale), "--quiet", *extra,
    )  # fmt: skip


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def many_jobs_yaml(count: int, *, model: str = "kling-text2video", prefix: str = "job") -> str:
    lines = [f"model: {model}", "jobs:"]
    lines += [f'  - id: {prefix}-{i:03d}\n    prompt: "scene number {i}"' for i in range(count)]
    return "\n".join(lines) + "\n"


def decode_mp4(path: str | Path) -> tuple[int, int, int]:
    """Decode every frame with FFmpeg (PyAV); returns (width, height, frames)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        return stream.codec_context.width, stream.codec_context.height, frames


# --------------------------------------------------------------------------- object store on loopback


class S3:
    """An S3-compatible server (moto) on 127.0.0.1, shared by the session; each test gets its own bucket."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.bucket = ""

    def env(self) -> dict[str, str]:
        return {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ALLOW_HTTP": "true",
        }

    def url(self, prefix: str = "run") -> str:
        return f"s3://{self.bucket}/{prefix}"

    def new_bucket(self) -> str:
        import boto3  # comes with moto[server]

        self.bucket = f"batch-{uuid.uuid4().hex[:12]}"
        client = boto3.client(
            "s3", endpoint_url=self.endpoint, region_name="us-east-1",
            aws_access_key_id="testing", aws_secret_access_key="testing",
        )  # fmt: skip
        client.create_bucket(Bucket=self.bucket)
        return self.bucket

    def keys(self, prefix: str = "") -> dict[str, bytes]:
        import boto3

        client = boto3.client(
            "s3", endpoint_url=self.endpoint, region_name="us-east-1",
            aws_access_key_id="testing", aws_secret_access_key="testing",
        )  # fmt: skip
        found: dict[str, bytes] = {}
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                found[item["Key"]] = client.get_object(Bucket=self.bucket, Key=item["Key"])["Body"].read()
        return found


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
