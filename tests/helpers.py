"""Helpers the test modules share: simulators in threads, CLI runs, ledgers and buckets read back.

Fixtures live in ``conftest.py``; plain functions and classes live here and are imported by name.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import av
import pytest
from aiohttp import web

from batchgen.api.paging import ListingOrder
from batchgen.cli.main import main
from batchgen.clock import FakeClock
from batchgen.jobs import TRANSITIONS, JobState
from batchgen.simulator import SimConfig, SimServer, SimState
from batchgen.store.mp4 import mp4_problem

KEY = "SG_0123456789abcdef"


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


def run_cli(*argv: str) -> int:
    return main(list(argv))


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

    def requests(self) -> S3Requests:
        """Count the requests this server answers from now on (a context manager)."""
        return S3Requests(self.bucket)

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


def spawn(manifest: Path, out: Path, server, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SEGMIND_API_KEY": KEY}
    argv = [sys.executable, "-m", "batchgen", "run", str(manifest), "--out", str(out), "--base-url", server.url,
            "--time-scale", str(server.config.time_scale), "--quiet", *extra]  # fmt: skip
    return subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def interrupt(manifest: Path, out: Path, server, signum: int, *, after_submitted: int, concurrency: int):
    """Start a real run, wait until ``after_submitted`` jobs are submitted, send ``signum``; (code, out, err)."""
    proc = spawn(manifest, out, server, "--concurrency", str(concurrency))
    wait_for(lambda: sum(e["state"] == "submitted" for e in ledger_events(out)) >= after_submitted)
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=30)
    return proc.returncode, stdout.decode(), stderr.decode()


def wait_for(condition, timeout: float = 30.0) -> None:
    """Wait for an observable condition (a ledger line, a file), not for time."""
    if not poll_until(condition, timeout):
        raise AssertionError("condition not reached")


def ledger_events(out: Path) -> list[dict]:
    path = out / "ledger.jsonl"
    if not path.exists():
        return []
    lines = path.read_bytes().split(b"\n")[:-1]
    return [json.loads(line) for line in lines if line.strip()]


def charges_per_job(server) -> Counter[str]:
    bodies = {rid: json.dumps(body, sort_keys=True) for rid, _, body in server.state.submissions}
    return Counter(bodies[rid] for rid, _ in server.state.charges)


def assert_transitions_are_legal(out: Path) -> None:
    last: dict[str, JobState] = {}
    for event in ledger_events(out):
        new = JobState(event["state"])
        old = last.get(event["job_id"])
        if old is not None and new is not old:
            assert new in TRANSITIONS[old], (event["job_id"], old, new, event["event"])
        last[event["job_id"]] = new


def poll_until(condition, timeout: float = 30.0) -> bool:
    """Watch for an observable condition (a ledger line, a counter) for at most ``timeout``; True if it held."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def bucket_ledger(s3: S3, prefix: str = "run") -> dict[str, dict]:
    """Every shard's jobs as the bucket's ledger segments say (read independently of batchgen)."""
    shards: dict[str, dict[str, dict]] = {}
    for key, data in sorted(s3.keys(f"{prefix}/ledger/").items()):
        shard = key.split("/")[2]
        for line in data.decode().splitlines():
            if line.strip():
                rec = json.loads(line)
                shards.setdefault(shard, {}).setdefault(rec["job_id"], {}).update(rec)
    return {job_id: {**rec, "shard": shard} for shard, jobs in shards.items() for job_id, rec in jobs.items()}


def assert_bucket_complete(s3: S3, ids: list[str], prefix: str = "run") -> None:
    """Every job completed, its video in the bucket whole (sha256, MP4 structure), nothing partial or stray."""
    jobs = bucket_ledger(s3, prefix)
    assert sorted(jobs) == sorted(ids)
    assert {rec["state"] for rec in jobs.values()} == {"completed"}
    objects = s3.keys(f"{prefix}/videos/")
    videos = {k: v for k, v in objects.items() if k.endswith(".mp4")}
    assert len(videos) == len(ids)
    for rec in jobs.values():
        data = objects[f"{prefix}/{rec['file']}"]
        assert hashlib.sha256(data).hexdigest() == rec["sha256"] and len(data) == rec["bytes"]
        sidecar = json.loads(objects[f"{prefix}/{rec['file'][:-4]}.json"])
        assert sidecar["sha256"] == rec["sha256"]
        # probed from the spool copy before it went: what the video really is
        assert rec["media"]["width"] > 0 and rec["media"]["frames"] > 0 and sidecar["media"] == rec["media"]
    sample = Path("sample.mp4")
    sample.write_bytes(next(iter(videos.values())))
    assert mp4_problem(sample) is None
    # Nothing but videos, sidecars, ledger segments, leases and results; no spool or partial object.
    kinds = {key.split("/")[1] for key in s3.keys(f"{prefix}/")}
    assert kinds <= {"videos", "ledger", "lease", "results"}
    assert all(k.endswith((".mp4", ".json")) for k in objects)


async def drive(clock: FakeClock, work: Callable[[], Any], *, step: float = 1.0, limit: int = 10_000) -> Any:
    """Run ``work`` while moving the fake clock forward whenever everything is parked."""
    result: list[Any] = []
    error: list[BaseException] = []

    async def run() -> None:
        try:
            result.append(await work())
        except Exception as exc:
            error.append(exc)

    async with anyio.create_task_group() as tg:
        tg.start_soon(run)
        for _ in range(limit):
            await anyio.wait_all_tasks_blocked()
            if result or error:
                break
            clock.advance(step)
    if error:
        raise error[0]
    return result[0]


def batch_yaml(count: int = 24) -> str:
    """Jobs of every aspect ratio; prompts with 'sunset' get a wrong-duration video, 'square' a wrong-aspect one."""
    lines = ["model: kling-text2video", "jobs:"]
    for i in range(count):
        aspect = ("16:9", "9:16", "1:1")[i % 3]
        extra = " at sunset" if i in (10, 16) else " in a square" if i in (13, 20) else ""
        lines.append(f'  - id: clip-{i:02d}\n    prompt: "scene {i}{extra}"\n    aspect_ratio: "{aspect}"')
    return "\n".join(lines) + "\n"


def run_with_failures(tmp_path: Path, sim, monkeypatch, *, count: int = 24) -> tuple[Path, int]:
    server = sim(media_faults={"sunset": "wrong_duration", "square": "wrong_aspect"})
    server.state.script("policy", count=2)
    server.state.script("fail", count=1)
    manifest = write(tmp_path / "batch.yaml", batch_yaml(count))
    out = tmp_path / "out"
    code = run_batch(manifest, out, server, monkeypatch=monkeypatch)
    return out, code


class Outbox:
    """Stands in for a stage's outgoing stream in a unit test: what is sent is kept in ``sent``."""

    def __init__(self) -> None:
        self.sent: list[Any] = []

    async def send(self, item: Any) -> None:
        self.sent.append(item)

    def send_nowait(self, item: Any) -> None:
        self.sent.append(item)


def schedule_poller(clock: FakeClock, budget: Any, plan: Any, *, history: Any = None) -> Any:
    """A ``Poller`` (with its ``Sweeper``) for tests of its schedule alone: what they send is kept in
    ``Outbox``es, and no API call, ledger line or stop flag is reached (``book``, ``api`` and the
    gateway's ``call`` are absent)."""
    from types import SimpleNamespace

    from batchgen.engine.life_cap import LifeCap
    from batchgen.engine.poller import Poller
    from batchgen.engine.sweeper import Sweeper

    gateway = SimpleNamespace(budget=budget)
    reconciler = SimpleNamespace(note_listed=lambda row: None, order=ListingOrder({}, {}))
    reconciler.sent_by = lambda rid: reconciler.order.sent.get(rid)  # (this run's sends: tests may set another)
    control = SimpleNamespace(interrupted=False)
    sweeper = Sweeper(
        jobs={}, gateway=gateway, api=history, latency=plan.latency, reconciler=reconciler,  # type: ignore[arg-type]
        control=control, clock=clock, min_interval_s=2.0, max_interval_s=plan.max_interval,  # type: ignore[arg-type]
        news=Outbox(),  # type: ignore[arg-type]
    )  # fmt: skip
    return Poller(
        book=None, gateway=gateway, api=None, plan=plan, reconciler=reconciler,  # type: ignore[arg-type]
        control=control, clock=clock, min_interval_s=2.0, max_attempts=6,  # type: ignore[arg-type]
        sweeper=sweeper, life=LifeCap(plan, clock, history_works=lambda: True), news=None,  # type: ignore[arg-type]
        downloads=Outbox(), lost=Outbox(),  # type: ignore[arg-type]
    )  # fmt: skip


# --------------------------------------------------------------------------- images and model specs

TEST_IMAGE_SPEC = Path(__file__).resolve().parent / "models" / "kling-test-image2video.yaml"


def png_bytes(width: int, height: int, *, seed: int = 0, noise: bool = False) -> bytes:
    """A real PNG (RGB): a gradient tinted by ``seed``, or random pixels (incompressible) with ``noise``."""
    import random
    import struct
    import zlib

    rng = random.Random(seed)
    if noise:
        raw = b"".join(b"\0" + rng.randbytes(width * 3) for _ in range(height))
    else:
        tint = seed * 37 % 256
        raw = b"".join(
            b"\0" + bytes(v for x in range(width) for v in ((x * 255) // width, (y * 255) // height, tint))
            for y in range(height)
        )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 1)) + chunk(b"IEND", b"")


def jpeg_bytes(width: int, height: int) -> bytes:
    """A real baseline JPEG, encoded with PyAV's MJPEG encoder."""
    from fractions import Fraction

    import numpy as np

    codec = av.CodecContext.create("mjpeg", "w")
    codec.width, codec.height, codec.pix_fmt = width, height, "yuvj420p"
    codec.time_base = Fraction(1, 25)
    pixels = np.zeros((height, width, 3), dtype=np.uint8)
    pixels[..., 0] = np.linspace(0, 255, width, dtype=np.uint8)[None, :]
    frame = av.VideoFrame.from_ndarray(pixels, format="rgb24").reformat(format="yuvj420p")
    return b"".join(bytes(p) for p in [*codec.encode(frame), *codec.encode(None)])


def every_file_and_stream(root: Path, *streams: str) -> list[tuple[str, bytes]]:
    """Every file under ``root`` (name, bytes), and each stream's text: for searching them all."""
    found = [(str(p), p.read_bytes()) for p in sorted(root.rglob("*")) if p.is_file()]
    return found + [(f"stream {i}", text.encode()) for i, text in enumerate(streams)]


class S3Requests:
    """The requests the in-process S3 server (moto) logs for one bucket, as (method, key) pairs, while the
    ``with`` block lasts.  ``puts(prefix)`` counts PUTs under a prefix of the bucket."""

    def __init__(self, bucket: str) -> None:
        import logging

        self.bucket = bucket
        self.seen: list[tuple[str, str]] = []
        self._logger = logging.getLogger("werkzeug")
        outer = self

        class Handler(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                text = record.getMessage()
                for method in ("PUT", "GET", "DELETE", "HEAD", "POST"):
                    start = text.find(f'"{method} /{outer.bucket}')
                    if start >= 0:
                        path = text[start + len(method) + 2 :].split(" ", 1)[0]
                        outer.seen.append((method, path.split("?", 1)[0].removeprefix(f"/{outer.bucket}/")))
                        return

        self._handler = Handler()
        self._level = self._logger.level

    def __enter__(self) -> S3Requests:
        self._logger.addHandler(self._handler)
        self._logger.setLevel(20)  # INFO: moto's server logs each request there
        return self

    def __exit__(self, *exc: object) -> None:
        self._logger.removeHandler(self._handler)
        self._logger.setLevel(self._level)

    def puts(self, prefix: str = "") -> int:
        return sum(1 for method, key in self.seen if method == "PUT" and key.startswith(prefix))


# --------------------------------------------------------------------------- a scripted loopback API


@dataclass
class Seen:
    method: str
    path: str  # as sent, quoting kept
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class Scripted:
    """Answers each request with the next scripted answer (200 ``{}`` when none is left), keeps every request,
    and counts how many it was answering at once."""

    url: str = ""
    answers: deque[dict[str, Any]] = field(default_factory=deque)
    seen: list[Seen] = field(default_factory=list)
    in_flight: int = 0
    most_at_once: int = 0

    def then(
        self, status: int = 200, body: Any = None, *, raw: bytes | None = None, delay: float = 0.0, **headers: str
    ) -> Scripted:
        data = raw if raw is not None else json.dumps({} if body is None else body).encode()
        self.answers.append({"status": status, "body": data, "headers": headers, "delay": delay})
        return self

    def redirect(self, status: int, location: str | None) -> Scripted:
        self.answers.append({"status": status, "body": b"", "headers": {"Location": location} if location else {}})
        return self

    def trickle(self, *pieces: bytes, pause: float = 0.05) -> Scripted:
        """A 200 answer written a piece at a time, with a pause after each."""
        self.answers.append({"pieces": pieces, "pause": pause})
        return self

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.in_flight += 1
        self.most_at_once = max(self.most_at_once, self.in_flight)
        try:
            return await self._answer(request)
        finally:
            self.in_flight -= 1

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        headers = {k.lower(): v for k, v in request.headers.items()}
        body = await request.read()
        self.seen.append(Seen(request.method, request.raw_path.split("?")[0], dict(request.query), headers, body))
        answer: dict[str, Any] = (
            self.answers.popleft() if self.answers else {"status": 200, "body": b"{}", "headers": {}}
        )
        if answer.get("cut"):
            response = web.StreamResponse(headers={"Content-Length": "1000"})
            await response.prepare(request)
            await response.write(b"x" * 10)
            assert request.transport is not None
            request.transport.close()
            return response
        if answer.get("pieces"):
            response = web.StreamResponse()
            await response.prepare(request)
            for piece in answer["pieces"]:
                await response.write(piece)
                await anyio.sleep(answer["pause"])  # a server that sends its answer slowly
            await response.write_eof()
            return response
        if answer.get("delay"):
            await anyio.sleep(answer["delay"])  # a server that answers too late
        return web.Response(status=answer["status"], body=answer["body"], headers=answer["headers"])


@asynccontextmanager
async def served(app: web.Application) -> AsyncIterator[str]:
    """``app`` on a loopback port, for as long as the block lasts; yields its URL."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


@asynccontextmanager
async def scripted() -> AsyncIterator[Scripted]:
    """A :class:`Scripted` API on a loopback port."""
    server = Scripted()
    app = web.Application(client_max_size=64 << 20)  # image bodies are megabytes
    app.router.add_route("*", "/{tail:.*}", server.handle)
    async with served(app) as url:
        server.url = url
        yield server


def free_port() -> int:
    """A loopback port nothing listens on (a connection to it is refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Captured(Exception):
    pass


def simulator_config(monkeypatch: pytest.MonkeyPatch, *argv: str) -> SimConfig:
    """The ``SimConfig`` that ``batchgen simulate ARGV`` would serve (its server is never started)."""
    seen: dict[str, SimConfig] = {}

    def capture(config: SimConfig, **_: object) -> None:
        seen["config"] = config
        raise _Captured

    monkeypatch.setattr("batchgen.simulator.SimServer", capture)
    with pytest.raises(_Captured):
        run_cli("simulate", *argv)
    return seen["config"]


def opened_fds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every file descriptor ``os.open`` hands out from now on (to check that each is closed)."""
    opened: list[int] = []
    real_open = os.open

    def tracked_open(*args: Any, **kwargs: Any) -> int:
        fd = real_open(*args, **kwargs)
        opened.append(fd)
        return fd

    monkeypatch.setattr(os, "open", tracked_open)
    return opened
