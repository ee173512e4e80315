"""Audit of ``batchgen/simulator/server.py``: the account is saved while serving, and a save that met a full
disk is tried again."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import anyio
import httpx

from batchgen.simulator import SimConfig, SimServer, server
from batchgen.simulator.state import SimState
from tests.helpers import KEY


def _saved_jobs(path: Path) -> int:
    try:
        return len(json.loads(path.read_text())["jobs"])
    except (OSError, ValueError):
        return 0


async def test_an_autosave_that_met_a_full_disk_is_tried_again_while_serving(tmp_path, monkeypatch):
    monkeypatch.setattr(server, "AUTOSAVE_S", 0.01)
    real_save, refused = SimState.save, list[str]()

    def save(self: SimState, path: str) -> None:
        if not refused:  # the first save meets a full disk; space is freed after it
            refused.append(path)
            raise OSError(errno.ENOSPC, "No space left on device")
        real_save(self, path)

    monkeypatch.setattr(SimState, "save", save)
    path = tmp_path / "sim.json"
    config = SimConfig(state_file=str(path), api_keys=frozenset({KEY}), time_scale=1.0)
    async with SimServer(config) as sim, httpx.AsyncClient() as client:
        answer = await client.post(
            f"{sim.url}/v2/kling-text2video", json={"prompt": "a fox"}, headers={"x-api-key": KEY}
        )
        assert answer.status_code == 200
        with anyio.fail_after(10):  # waits for the file to show the job, not for a time
            for _ in range(1000):
                if _saved_jobs(path) >= 1:
                    break
                await anyio.sleep(0.01)
        assert _saved_jobs(path) == 1 and refused == [str(path)]  # saved while serving, after the refusal
