"""How an inlined image goes on the wire: a local file in a field the page types as a URL goes as a data: URI,
in a base64 field as bare base64; a gateway that refuses that form (400 naming the field) gets the other one,
once per model and field, with nothing paid for the refusal; only a refusal of both forms fails a job."""

from __future__ import annotations

import json
import re

import pytest

from batchgen.models import catalogue
from tests.helpers import KEY, TEST_IMAGE_SPEC, ledger_events, png_bytes, run_batch, run_cli, write

URL_MODEL = "kling-1.6-image2video"  # shipped: `image` is "string (uri)" on its page (wire: url)
B64_MODEL = "kling-test-image2video"  # a test spec whose `image` is base64 on the wire


@pytest.fixture(autouse=True)
def test_catalogue():
    catalogue.use([TEST_IMAGE_SPEC])
    yield
    catalogue.use([])


def _batch(root, model, count):
    frames = root / "frames"
    frames.mkdir()
    for i in range(count):
        (frames / f"f{i}.png").write_bytes(png_bytes(480 + 16 * i, 360, seed=i))
    return write(
        root / "batch.yaml",
        f'model: {model}\ndefaults: {{duration: 5, mode: std}}\nimages:\n  from: frames\n  prompt: "{{stem}} drifts"\n',
    )


def _sent_forms(server):
    """How many images the simulator accepted in each inline form ('data_uri', 'base64')."""
    return dict(server.state.inline_forms)


def _run(tmp_path, server, monkeypatch, *args):
    manifest = _batch(tmp_path, args[0], 4)
    out = tmp_path / "out"
    code = run_batch(manifest, out, server, "--models", str(TEST_IMAGE_SPEC), *args[1:], monkeypatch=monkeypatch)
    return code, out


def test_a_folder_of_local_images_animates_on_a_model_whose_page_takes_a_url(tmp_path, sim, monkeypatch):
    server = sim(extra_specs=(str(TEST_IMAGE_SPEC),))
    code, out = _run(tmp_path, server, monkeypatch, URL_MODEL)
    assert code == 0
    assert sorted(p.name for p in (out / "videos").glob("*.mp4")) == [f"f{i}.mp4" for i in range(4)]
    assert _sent_forms(server) == {"data_uri": 4}  # a URI holding the bytes, as the "string (uri)" field types it
    assert server.state.counters["/v2/{slug}"] == 4


@pytest.mark.parametrize(
    ("model", "world", "first", "then"),
    [(URL_MODEL, "base64", "data_uri", "base64"), (B64_MODEL, "data_uri", "base64", "data_uri")],
)
def test_a_refused_inline_form_switches_once_and_nothing_is_paid_twice(
    tmp_path, sim, monkeypatch, capsys, model, world, first, then
):
    server = sim(extra_specs=(str(TEST_IMAGE_SPEC),), inline_images=world)
    code, out = _run(tmp_path, server, monkeypatch, model)
    assert code == 0
    assert len(list((out / "videos").glob("*.mp4"))) == 4
    # one refused POST (it created nothing), then every image in the form the gateway takes
    assert server.state.counters["/v2/{slug}"] == 5
    assert len(server.state.jobs) == 4 and _sent_forms(server) == {then: 4}
    assert sum(job.cost for job in server.state.jobs.values()) == pytest.approx(
        sum(json.loads(p.read_text())["cost"] for p in (out / "videos").glob("*.json"))
    )
    warnings = [line for line in capsys.readouterr().err.splitlines() if "refused the image" in line]
    words = {"base64": "bare base64", "data_uri": "a data: URI"}
    assert len(warnings) == 1 and re.fullmatch(
        re.escape(f"{model} refused the image in 'image' sent as {words[first]} (HTTP 400 naming the field, job ")
        + r"f\d"
        + re.escape(f"); sending it as {words[then]} from now on"),
        warnings[0],
    ), warnings
    assert [e for e in ledger_events(out) if e["event"] == "failed"] == []


def test_a_gateway_that_refuses_both_forms_fails_the_jobs_naming_the_field_and_charges_nothing(
    tmp_path, sim, monkeypatch
):
    server = sim(extra_specs=(str(TEST_IMAGE_SPEC),), inline_images="url")
    code, out = _run(tmp_path, server, monkeypatch, URL_MODEL)
    assert code == 1
    assert server.state.jobs == {} and not list((out / "videos").glob("*.mp4"))
    # no form was ever taken, so each job is tried in both (a 400 creates nothing), and fails naming the field
    assert server.state.counters["/v2/{slug}"] == 8
    failed = [e for e in ledger_events(out) if e["event"] == "failed"]
    assert len(failed) == 4
    assert all(
        e["error"]["http"] == 400 and "image must be an https:// image URL" in e["error"]["detail"] for e in failed
    )


@pytest.mark.parametrize("concurrency", ["1", "4"])
def test_a_gateway_that_refuses_both_forms_is_not_said_to_take_each_in_turn(
    tmp_path, sim, monkeypatch, capsys, concurrency
):
    # One job at a time: each was refused in both forms, and the next one flipped the model's form back and
    # logged "sending it as ... from now on" again, once per job, each contradicting the one before.  Jobs
    # in flight together, each refused in the form the one before it had moved to, did the same: one cause,
    # said once (naming the job it was learnt from).
    server = sim(extra_specs=(str(TEST_IMAGE_SPEC),), inline_images="url")
    code, _ = _run(tmp_path, server, monkeypatch, URL_MODEL, "--concurrency", concurrency)
    assert code == 1 and server.state.counters["/v2/{slug}"] == 8  # each job still tried in both forms
    warnings = [line for line in capsys.readouterr().err.splitlines() if "refused the image" in line]
    assert len(warnings) == 1 and re.fullmatch(
        re.escape(f"{URL_MODEL} refused the image in 'image' sent as a data: URI (HTTP 400 naming the field, job ")
        + r"f\d"
        + re.escape("); sending it as bare base64 from now on"),
        warnings[0],
    ), warnings


def test_jobs_the_api_refused_as_sent_are_not_told_to_be_retried_as_they_are_nor_as_paid(
    tmp_path, sim, monkeypatch, capsys
):
    """A 400 to a submit made nothing and charged nothing, and the same body would be refused again: the
    summary and status say so, and name no --retry-failed (which would send it unchanged, 'paid again')."""
    server = sim(extra_specs=(str(TEST_IMAGE_SPEC),), inline_images="url")
    capsys.readouterr()
    code, out = _run(tmp_path, server, monkeypatch, URL_MODEL)
    assert code == 1 and server.state.jobs == {}
    told = capsys.readouterr().out
    assert "4 jobs were refused by the API as sent (nothing was made or charged;" in told
    assert "correct the rows, then run again with --replace-changed" in told
    assert "--retry-failed" not in told and "paid again" not in told
    resume = json.loads((out / "report.json").read_text())["resume_command"] or ""
    assert "--retry-failed" not in resume
    assert run_cli("status", str(out)) == 0
    status = capsys.readouterr().out
    assert "4 jobs were refused by the API as sent" in status and "--retry-failed" not in status


def test_an_image_body_too_large_for_the_gateway_is_told_as_refused_as_sent_not_as_failed_and_paid_again(
    tmp_path, sim, monkeypatch, capsys
):
    """A 413 to a submit (the inlined image makes the body larger than the gateway takes) made nothing and
    charged nothing, as a 400 does: it was told as a job that "failed on the server", with --retry-failed
    "(paid again)" in the summary, the resume command and status."""
    from batchgen.simulator import app

    monkeypatch.setattr(app, "MAX_BODY_BYTES", 256 << 10)
    server = sim()
    frames = tmp_path / "frames"
    frames.mkdir()
    (frames / "big.png").write_bytes(png_bytes(400, 400, noise=True))  # ~480 KB, ~640 KB inlined
    manifest = write(tmp_path / "m.yaml", f"model: {URL_MODEL}\njobs:\n  - id: big\n    image: frames/big.png\n")
    out = tmp_path / "out"
    capsys.readouterr()
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 1
    assert server.state.jobs == {}
    assert [e["error"]["http"] for e in ledger_events(out) if e["event"] == "failed"] == [413]
    told = capsys.readouterr().out
    assert "1 job was refused by the API as sent (nothing was made or charged;" in told
    assert "--retry-failed" not in told and "paid again" not in told and "failed on the server" not in told
    resume = json.loads((out / "report.json").read_text())["resume_command"] or ""
    assert "--retry-failed" not in resume
    assert run_cli("status", str(out)) == 0
    status = capsys.readouterr().out
    assert "1 job was refused by the API as sent" in status and "--retry-failed" not in status


def test_the_simulator_takes_a_body_as_large_as_a_shipped_spec_allows(sim):
    # It refused any body past 32 MiB with a 413, though kling-3-standard-image2video's page allows two images
    # of 50 MB (about 134 MB inlined): a job the spec allows was refused for its size, not judged by the spec.
    import httpx

    server = sim()
    image = "A" * (40 << 20)  # past the old limit: not an image, so the spec's check answers (a 400)
    answer = httpx.post(
        f"{server.url}/v2/kling-3-standard-image2video",
        json={"prompt": "p", "start_image_url": image},
        headers={"x-api-key": KEY},
        timeout=60,
    )
    assert answer.status_code == 400 and "start_image_url" in answer.text and not server.state.jobs
