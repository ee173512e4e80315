"""One contender doing one scenario's work, in a process of its own (so CPU and peak RSS are its own).

    python -m bench.worker '{"contender": "batchgen", "url": ..., "key": ..., "scenario": {...}, "out": ...}'

Prints one JSON line: wall seconds, CPU seconds, peak RSS, event-loop lag, and
how many jobs completed or failed.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

MODEL = "kling-text2video"
POLL_INTERVAL_S = 2.0  # what Segmind's model pages use with the SDK


def job_params(i: int) -> dict[str, Any]:
    return {"prompt": f"benchmark scene {i}: a border collie wearing VR glasses", "duration": 5}


class LagProbe:
    """Measures event-loop lag: how late a 10 ms sleep wakes up."""

    def __init__(self) -> None:
        self.samples: list[float] = []

    async def run(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(0.01)
            self.samples.append(time.perf_counter() - start - 0.01)

    def p99_ms(self) -> float | None:
        if not self.samples:
            return None
        ordered = sorted(self.samples)
        return 1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


# --------------------------------------------------------------------------- batchgen


async def run_batchgen(spec: dict[str, Any], probe: LagProbe) -> dict[str, Any]:
    from batchgen.cli.runner import run_jobs
    from batchgen.clock import Clock
    from batchgen.config import load_settings
    from batchgen.jobs import JobSpec

    sc = spec["scenario"]
    client = spec.get("client")  # a user's config for the world: then the client is not told the server's clock
    limits = {"concurrency": sc["concurrency"], "requests_per_minute": sc["client_rpm"], "download_concurrency": 8}
    overrides: dict[str, dict[str, Any]] = {"api": {"base_url": spec["url"]}, "output": {"dir": spec["out"]}}
    if client is not None:
        limits.update(client.get("limits", {}))
        overrides["polling"] = client.get("polling", {})
        overrides["report"] = client.get("report", {})
    if spec.get("no_report"):
        overrides["report"] = {"enabled": False}
    overrides["limits"] = limits
    settings = load_settings(overrides=overrides, environ={})
    jobs = [JobSpec(id=f"job-{i:05d}", model=MODEL, params=job_params(i)) for i in range(sc["jobs"])]
    task = asyncio.ensure_future(probe.run())
    clock = Clock() if client is not None else Clock(sc["time_scale"])
    try:
        outcome = await run_jobs(jobs, settings, api_key=spec["key"], clock=clock)
    finally:
        task.cancel()
    states = outcome.report.states
    return {
        "completed": states.get("completed", 0),
        "failed": sum(states.values()) - states.get("completed", 0),
        "budget_limit_end": outcome.run.budget.limit,
    }


def prepare_cli(spec: dict[str, Any]) -> list[str]:
    """The manifest and config file a user of the world would write (the report on as by default,
    unless the world's config turns it off), and the ``batchgen run`` command that reads them."""
    import yaml

    sc = spec["scenario"]
    client = spec.get("client") or {}
    out = Path(spec["out"])
    work = out.parent / f"{out.name}-cli"
    work.mkdir(parents=True, exist_ok=True)
    manifest = work / "jobs.yaml"
    jobs = [{"id": f"job-{i:05d}", **job_params(i)} for i in range(sc["jobs"])]
    manifest.write_text(yaml.safe_dump({"model": MODEL, "jobs": jobs}, sort_keys=False))
    limits = {"concurrency": sc["concurrency"], "requests_per_minute": sc["client_rpm"], **client.get("limits", {})}
    config: dict[str, Any] = {"api": {"base_url": spec["url"]}, "limits": limits}
    if client.get("polling"):
        config["polling"] = client["polling"]
    if spec.get("no_report"):
        config["report"] = {"enabled": False}
    config_file = work / "config.yaml"
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    return [sys.executable, "-m", "batchgen", "run", str(manifest), "--config", str(config_file), "--out", str(out)]


def run_batchgen_cli(spec: dict[str, Any], command: list[str]) -> dict[str, Any]:
    """``batchgen run`` as a user starts it (``command``, from :func:`prepare_cli`): a fresh interpreter,
    timed from the process's start to its exit, what a cron job or a pipeline waits for."""
    import os
    import subprocess

    done = subprocess.run(
        command,
        env={**os.environ, "SEGMIND_API_KEY": spec["key"]},
        capture_output=True,
        text=True,
        timeout=4 * 3600,
    )
    result: dict[str, Any] = {"exit_code": done.returncode}
    if done.returncode != 0:
        result["stderr_tail"] = done.stderr[-2000:]
    return result


def cli_outcome(spec: dict[str, Any]) -> dict[str, int]:
    """What ``batchgen run`` completed, from its ledger (read once the clock has stopped)."""
    from batchgen.store.ledger import read_ledger

    states = [rec["state"] for rec in read_ledger(Path(spec["out"]) / "ledger.jsonl").jobs.values()]
    completed = states.count("completed")
    return {"completed": completed, "failed": spec["scenario"]["jobs"] - completed}


# --------------------------------------------------------------------------- the official SDK


def run_sdk(spec: dict[str, Any]) -> dict[str, Any]:
    import httpx
    import segmind

    sc = spec["scenario"]
    scale = sc["time_scale"]
    out = Path(spec["out"])
    client = segmind.SegmindClient(api_key=spec["key"], base_url=spec["url"] + "/v1")
    local = threading.local()
    results = {"completed": 0, "failed": 0}
    lock = threading.Lock()
    errors: dict[str, int] = {}

    def one(i: int) -> None:
        try:
            done = client.submit_async(MODEL, **job_params(i)).wait(
                timeout=900 / scale, interval=POLL_INTERVAL_S / scale
            )
            if not hasattr(local, "http"):
                local.http = httpx.Client()
            (out / f"job-{i:05d}.mp4").write_bytes(local.http.get(done["output"]).content)
            with lock:
                results["completed"] += 1
        except Exception as exc:  # the SDK's docs show no handling: a job that raises is lost
            with lock:
                results["failed"] += 1
                name = f"{type(exc).__name__} {getattr(exc, 'status', '')}".strip()
                errors[name] = errors.get(name, 0) + 1

    with ThreadPoolExecutor(sc["concurrency"]) as pool:
        list(pool.map(one, range(sc["jobs"])))
    client._client.close()
    return {**results, "errors": errors}


def run_sdk_patient(spec: dict[str, Any]) -> dict[str, Any]:
    """The official SDK used patiently: a thread per job in flight polling every ``sdk_interval_s``,
    every 429 and 5xx waited out (one poll interval; the SDK's error carries no headers) and
    retried.  Gives up at ``deadline_s`` (jobs then unfinished count as not done)."""
    import httpx
    import segmind
    from segmind.exceptions import SegmindError

    sc, client_cfg = spec["scenario"], spec["client"]
    interval, deadline = client_cfg["sdk_interval_s"], time.monotonic() + client_cfg["deadline_s"]
    out = Path(spec["out"])
    client = segmind.SegmindClient(api_key=spec["key"], base_url=spec["url"] + "/v1")
    local = threading.local()
    results = {"completed": 0, "failed": 0, "gave_up": 0}
    lock = threading.Lock()

    class GaveUp(Exception):
        pass

    def patient(call: Any) -> Any:
        while True:
            if time.monotonic() > deadline:
                raise GaveUp
            try:
                return call()
            except SegmindError as exc:
                if exc.status == 429 or (exc.status or 0) >= 500:
                    time.sleep(interval)
                    continue
                raise

    def one(i: int) -> None:
        try:
            job = patient(lambda: client.submit_async(MODEL, **job_params(i)))
            while True:
                body = patient(job.status)
                if body.get("status") == "COMPLETED":
                    done = patient(job.result)
                    break
                if body.get("status") == "FAILED":
                    raise RuntimeError("FAILED")
                if time.monotonic() > deadline:
                    raise GaveUp
                time.sleep(interval)
            if not hasattr(local, "http"):
                local.http = httpx.Client()
            (out / f"job-{i:05d}.mp4").write_bytes(local.http.get(done["output"]).content)
            key = "completed"
        except GaveUp:
            key = "gave_up"
        except Exception:
            key = "failed"
        with lock:
            results[key] += 1

    with ThreadPoolExecutor(sc["concurrency"]) as pool:
        list(pool.map(one, range(sc["jobs"])))
    client._client.close()
    return results


# --------------------------------------------------------------------------- plain asyncio gather


async def run_gather(spec: dict[str, Any], probe: LagProbe) -> dict[str, Any]:
    import aiohttp

    sc = spec["scenario"]
    scale = sc["time_scale"]
    base, headers = spec["url"], {"x-api-key": spec["key"]}
    out = Path(spec["out"])
    gate = asyncio.Semaphore(sc["concurrency"])
    results = {"completed": 0, "failed": 0}

    async def call(session: aiohttp.ClientSession, method: str, url: str, **kw: Any) -> tuple[int, Any]:
        pause = 1.0
        while True:  # retry 429/5xx with capped exponential backoff, as a careful script would
            async with session.request(method, url, headers=headers, **kw) as resp:
                body = await resp.json(content_type=None)
                if resp.status != 429 and resp.status < 500:
                    return resp.status, body
            await asyncio.sleep(pause / scale)
            pause = min(60.0, pause * 2)

    async def one(session: aiohttp.ClientSession, i: int) -> None:
        async with gate:
            try:
                _, sub = await call(session, "POST", f"{base}/v2/{MODEL}", json=job_params(i))
                rid = sub["request_id"]
                while True:
                    await asyncio.sleep(POLL_INTERVAL_S / scale)
                    _, status = await call(session, "GET", f"{base}/v2/requests/{rid}/status")
                    if status.get("status") in ("COMPLETED", "FAILED"):
                        break
                if status["status"] == "FAILED":
                    results["failed"] += 1
                    return
                _, result = await call(session, "GET", f"{base}/v2/requests/{rid}")
                async with session.get(result["output"]) as resp:
                    (out / f"job-{i:05d}.mp4").write_bytes(await resp.read())
                results["completed"] += 1
            except Exception:
                results["failed"] += 1

    task = asyncio.ensure_future(probe.run())
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200)) as session:
        await asyncio.gather(*(one(session, i) for i in range(sc["jobs"])))
    task.cancel()
    return results


def peak_rss_mb() -> float:
    """This process's own peak RSS.  ru_maxrss is not it: Linux carries the parent's high-water
    mark across fork and exec, so a worker started by a large parent would report the parent's."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    spec = json.loads(sys.argv[1])
    Path(spec["out"]).mkdir(parents=True, exist_ok=True)
    probe = LagProbe()
    contender = spec["contender"]
    command: list[str] = []
    # Libraries are loaded before the clock starts: the makespan is the batch's, not Python's start-up.
    if contender == "batchgen":
        import batchgen.cli.runner  # noqa: F401
    elif contender.startswith("sdk"):
        import httpx  # noqa: F401
        import segmind  # noqa: F401
    elif contender == "batchgen-cli":  # its files are written before the clock starts too
        command = prepare_cli(spec)
    start = time.perf_counter()
    started_epoch = time.time()
    if contender == "batchgen":
        result = asyncio.run(run_batchgen(spec, probe))
    elif contender == "batchgen-cli":
        result = run_batchgen_cli(spec, command)
    elif contender == "sdk":
        result = run_sdk(spec)
    elif contender == "sdk-patient":
        result = run_sdk_patient(spec)
    elif contender == "gather":
        result = asyncio.run(run_gather(spec, probe))
    else:
        raise SystemExit(f"unknown contender {contender}")
    wall = time.perf_counter() - start
    if contender == "batchgen-cli":
        result.update(cli_outcome(spec))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    child = resource.getrusage(resource.RUSAGE_CHILDREN)  # `batchgen run`, for the batchgen-cli contender
    result.update(
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime + child.ru_utime + child.ru_stime,
        peak_rss_mb=peak_rss_mb(),
        loop_lag_p99_ms=probe.p99_ms(),
        started_epoch=started_epoch,
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
