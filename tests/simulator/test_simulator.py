"""The simulator speaks the real protocol: the official SDK works against it unchanged."""

from __future__ import annotations

import httpx
import pytest
import segmind
from segmind.exceptions import SegmindError
from segmind.v2 import InferenceFailed

from tests.helpers import (
    KEY,
    decode_mp4,
    run_cli,
)

SIZES = {"16:9": (160, 90), "9:16": (90, 160), "1:1": (120, 120)}


@pytest.fixture
def sdk():
    """Factory for SDK clients, closed afterwards (the SDK never closes its httpx client)."""
    made: list[segmind.SegmindClient] = []

    def make(url: str, key: str = KEY) -> segmind.SegmindClient:
        made.append(segmind.SegmindClient(api_key=key, base_url=url + "/v1"))
        return made[-1]

    yield make
    for client in made:
        client._client.close()


@pytest.mark.parametrize(
    ("model", "params"),
    [
        ("kling-text2video", {"prompt": "A border collie wearing VR glasses", "duration": "5", "mode": "std"}),
        ("kling-1.6-text2video", {"prompt": "a shih tzu puppy walking through long grass", "aspect_ratio": "9:16"}),
    ],
)
def test_sdk_submit_and_wait_returns_a_playable_video(sim, sdk, tmp_path, model, params):
    server = sim()
    result = sdk(server.url).submit_async(model, **params).wait(timeout=600, interval=0.01)
    assert result["status"] == "COMPLETED"
    assert isinstance(result["output"], str) and result["output"].startswith("http://127.0.0.1")
    assert result["metrics"]["cost"] > 0
    video = httpx.get(result["output"]).content
    assert len(video) == result["video"]["file_size"]
    path = tmp_path / "v.mp4"
    path.write_bytes(video)
    width, height, frames = decode_mp4(path)
    assert (width, height) == SIZES[params.get("aspect_ratio", "16:9")]
    assert frames == 40  # 5 s at 8 fps
    assert server.state.counters["/v2/{slug}"] == 1
    assert server.state.total_charged() == pytest.approx(result["metrics"]["cost"])


def test_outputs_are_unique_per_request(sim, sdk):
    server = sim()
    client = sdk(server.url)
    urls = [client.submit_async("kling-text2video", prompt="same").wait(interval=0.01)["output"] for _ in range(2)]
    bodies = [httpx.get(url).content for url in urls]
    assert bodies[0] != bodies[1]


def test_sdk_raises_inference_failed_with_the_error_text(sim, sdk):
    server = sim()
    server.state.script("policy")
    with pytest.raises(InferenceFailed) as caught:
        sdk(server.url).submit_async("kling-1.6-text2video", prompt="something flagged").wait(interval=0.01)
    assert "content_policy_violation" in caught.value.detail
    assert server.state.total_charged() == 0


def test_sdk_wrong_key_gets_401(sim, sdk):
    server = sim()
    with pytest.raises(SegmindError) as caught:
        sdk(server.url, key="SG_ffffffffffffffff").submit_async("kling-text2video", prompt="x")
    assert caught.value.status == 401
    assert "invalid" in caught.value.detail.lower()


def test_sdk_reads_history_and_credits(sim, sdk):
    server = sim(credits=10.0)
    client = sdk(server.url)
    done = client.submit_async("kling-text2video", prompt="x").wait(interval=0.01)
    row = httpx.get(
        f"{server.url}/inference-request/request-history/{done['request_id']}", headers={"x-api-key": KEY}
    ).json()
    assert row["model_status"] == "COMPLETED" and row["generation_url"] == done["output"]
    assert row["request_body"] == {"prompt": "x"}
    credits = httpx.get(f"{server.url}/v1/get-user-credits", headers={"x-api-key": KEY}).json()
    assert credits["credits"] == pytest.approx(10.0 - 0.28)


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({"prompt": "x", "mode": "pro"}, 400, "mode"),
        ({"prompt": "x", "aspect_ratio": "4:3"}, 400, "aspect_ratio"),
        ({"prompt": "x", "duration": 7}, 400, "duration"),
        ({"prompt": "x", "cfg_scale": 1.5}, 400, "cfg_scale"),
        ({}, 400, "Prompt is Mandatory"),
    ],
)
def test_simulator_rejects_schema_violations(sim, body, status, fragment):
    server = sim()
    answer = httpx.post(f"{server.url}/v2/kling-1.6-text2video", json=body, headers={"x-api-key": KEY})
    assert answer.status_code == status
    assert fragment in answer.json()["error"]
    assert server.state.submissions == []


@pytest.mark.parametrize(
    ("shots", "fragment"),
    [
        ([{"prompt": "a", "duration": 5}], "Multi_prompt[0].duration is Mandatory and must be string"),
        ([{"prompt": "a"}, {"duration": "5"}], "multi_prompt[1].prompt is Mandatory"),
        ([{"prompt": "a" * 513}], "multi_prompt[0].prompt must be at most 512 characters"),
    ],
)
def test_simulator_refuses_a_shot_its_spec_refuses(sim, shots, fragment):
    """The simulator plays the spec's ``item_fields`` with its own code: a bad shot is answered 400 naming it,
    as a body the spec refuses is, and nothing is made."""
    server = sim()
    body = {"prompt": "x", "multi_prompt": shots}
    answer = httpx.post(f"{server.url}/v2/kling-3-standard-text2video", json=body, headers={"x-api-key": KEY})
    assert answer.status_code == 400 and fragment in answer.json()["error"], answer.text
    assert server.state.submissions == []
    good = {"prompt": "x", "multi_prompt": [{"prompt": "a", "duration": "5"}]}
    assert httpx.post(f"{server.url}/v2/kling-3-standard-text2video", json=good, headers={"x-api-key": KEY}).is_success


def test_simulator_protocol_edges(sim):
    server = sim(rpm=2, time_scale=1.0)
    headers = {"x-api-key": KEY}
    assert httpx.post(f"{server.url}/v2/kling-text2video", json={"prompt": "x"}).status_code == 401
    bad_type = httpx.post(f"{server.url}/v2/kling-text2video", content=b"prompt=x", headers=headers)
    assert bad_type.status_code == 406 and bad_type.json()["error"] == "Invalid content type"
    assert httpx.post(f"{server.url}/v2/no-such-model", json={"prompt": "x"}, headers=headers).status_code == 404
    limited = httpx.get(f"{server.url}/v2/requests/abc/status", headers=headers)
    assert limited.status_code == 429
    assert "x-rate-limit-reset-at-utc" in limited.headers and "retry-after" not in limited.headers
    assert server.state.rate_limited == 1


def test_a_saved_account_is_taken_up_where_it_stopped(sim, tmp_path):
    state_file = str(tmp_path / "sim.json")
    first = sim(state_file=state_file, time_scale=1.0)
    headers = {"x-api-key": KEY}
    rid = httpx.post(f"{first.url}/v2/kling-text2video", json={"prompt": "x"}, headers=headers).json()["request_id"]
    first.stop()  # saves
    second = sim(state_file=state_file, time_scale=1.0)
    answer = httpx.get(f"{second.url}/v2/requests/{rid}/status", headers=headers)
    assert answer.status_code == 200 and answer.json()["status"] in ("QUEUED", "PROCESSING")
    assert [s[0] for s in second.state.submissions] == [rid]
    assert second.state.clock.now() - second.state.jobs[rid].submitted < 60  # not a moment older for the pause


def test_simulate_on_a_port_in_use_is_a_clear_error(sim, capsys):

    server = sim()
    port = server.url.rsplit(":", 1)[1]
    assert run_cli("simulate", "--port", port) == 2
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err and "--port" in err and "Traceback" not in err


def test_simulate_prints_a_try_line_with_the_key_and_the_time_scale(tmp_path):
    import signal
    import subprocess
    import sys

    argv = [sys.executable, "-m", "batchgen", "simulate", "--port", "0", "--time-scale", "50"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(3)]
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    assert proc.returncode == 0
    url = lines[0].split("listening on ")[1].split()[0]
    try_line = lines[2]
    assert "try: SEGMIND_API_KEY=SG_0123456789abcdef batchgen run jobs/example.yaml" in try_line
    assert f"--base-url {url} --time-scale 50" in try_line


def test_a_saved_account_is_kept_up_to_date_while_serving(sim, tmp_path):
    import json
    import time

    state_file = tmp_path / "sim.json"
    server = sim(state_file=str(state_file), time_scale=1.0)
    headers = {"x-api-key": KEY}
    rid = httpx.post(f"{server.url}/v2/kling-text2video", json={"prompt": "x"}, headers=headers).json()["request_id"]

    def saved() -> bool:
        try:
            return rid in {job["request_id"] for job in json.loads(state_file.read_text())["jobs"]}
        except (OSError, ValueError):
            return False

    deadline = time.monotonic() + 30  # waits for the file to show it, not for a time
    while not saved():
        assert time.monotonic() < deadline, "the simulator never saved the new job"
        time.sleep(0.05)
