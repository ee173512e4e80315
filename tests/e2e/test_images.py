"""Images as inputs, end to end: a folder becomes a batch, bad images stop it before any spend, identity is
the image's digest, a changed image is caught at submit, and no image bytes or base64 leave the manifest."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil

import pyarrow.parquet as pq
import pytest

from batchgen.errors import ManifestError
from batchgen.manifest import load_manifest
from batchgen.models import catalogue
from batchgen.store.ledger import read_ledger
from tests.helpers import (
    KEY,
    TEST_IMAGE_SPEC,
    every_file_and_stream,
    jpeg_bytes,
    ledger_events,
    png_bytes,
    run_batch,
    run_cli,
    write,
)

MODEL = "kling-test-image2video"
SPEC = ("--models", str(TEST_IMAGE_SPEC))


@pytest.fixture(autouse=True)
def test_catalogue():
    catalogue.use([TEST_IMAGE_SPEC])
    yield
    catalogue.use([])


def _sim(sim, **config):
    return sim(extra_specs=(str(TEST_IMAGE_SPEC),), **config)


def _folder_manifest(root, frames="frames", extra="", name="batch.yaml"):
    return write(
        root / name,
        f'model: {MODEL}\ndefaults: {{duration: 5, mode: std}}\nimages:\n  from: "{frames}"\n'
        f'  prompt: "{{stem}}, the camera drifts"\n{extra}',
    )


def _good_images(folder, count, *, start=0):
    folder.mkdir(parents=True, exist_ok=True)
    sizes = [(640, 360), (360, 640), (400, 400), (800, 450), (320, 480)]
    for i in range(start, start + count):
        w, h = sizes[i % len(sizes)]
        (folder / f"shot-{i:02d}.png").write_bytes(png_bytes(w, h, seed=i))


def test_a_folder_of_20_images_lists_every_bad_one_then_makes_the_good_ones(tmp_path, sim, monkeypatch, capsys):
    frames = tmp_path / "frames"
    _good_images(frames, 13)
    (frames / "wide.jpg").write_bytes(jpeg_bytes(640, 360))
    (frames / "shot-00.txt").write_text("a lighthouse in a storm, waves breaking\n")
    bad = {
        "tiny.png": png_bytes(200, 200),
        "small.png": png_bytes(640, 280),
        "huge.png": png_bytes(1900, 1800, noise=True),
        "banner.png": png_bytes(1200, 300),
        "notes.png": b"these are notes, not a picture\n",
        "anim.jpg": b"GIF89a" + bytes(200),
    }
    for name, data in bad.items():
        (frames / name).write_bytes(data)
    assert len([p for p in frames.iterdir() if p.suffix != ".txt"]) == 20
    manifest = _folder_manifest(tmp_path)
    server = _sim(sim)
    assert run_batch(manifest, tmp_path / "out", server, *SPEC, monkeypatch=monkeypatch) == 2
    err = capsys.readouterr().err
    reasons = {
        "tiny.png": "each side must be at least 300 px",
        "small.png": "each side must be at least 300 px",
        "huge.png": "the limit is 10,000,000",
        "banner.png": "aspect 4.00",
        "notes.png": "is not a JPEG or PNG image",
        "anim.jpg": "is not a JPEG or PNG image",
    }
    for name, reason in reasons.items():
        line = next((text for text in err.splitlines() if f"image 'frames/{name}'" in text), None)
        assert line is not None and reason in line, (name, err)
        assert str(manifest) in line and "field 'image'" in line
    assert "shot-" not in err and "wide.jpg" not in err
    assert server.state.submissions == [] and not (tmp_path / "out" / "ledger.jsonl").exists()
    for name in bad:
        (frames / name).unlink()
    capsys.readouterr()
    assert run_batch(manifest, tmp_path / "out", server, *SPEC, monkeypatch=monkeypatch) == 0
    assert len(server.state.submissions) == 14
    videos = tmp_path / "out" / "videos"
    digests = {p.stem: hashlib.sha256(p.read_bytes()).hexdigest() for p in frames.iterdir() if p.suffix != ".txt"}
    for stem, digest in digests.items():
        sidecar = json.loads((videos / f"{stem}.json").read_text())
        assert sidecar["parameters"]["image"]["sha256"] == digest
        assert sidecar["parameters"]["image"]["file"].startswith("frames/")
        assert (videos / f"{stem}.mp4").is_file()
    sidecar = json.loads((videos / "shot-00.json").read_text())
    assert sidecar["parameters"]["prompt"] == "a lighthouse in a storm, waves breaking"  # the caption file wins
    assert json.loads((videos / "shot-01.json").read_text())["parameters"]["prompt"] == "shot-01, the camera drifts"
    table = pq.read_table(tmp_path / "out" / "index.parquet").to_pylist()
    assert {r["job_id"]: r["input_sha256"] for r in table} == digests
    assert all(r["input_image"].startswith("frames/") for r in table)
    header = (tmp_path / "out" / "results.csv").read_text().splitlines()[0].split(",")
    assert header[-3:] == ["input_image", "input_sha256", "input_images"]
    page = (tmp_path / "out" / "report.html").read_text()  # each input beside its poster frame, offline
    for stem in digests:
        assert f'src="thumbs/{stem}.input.jpg"' in page and f'src="thumbs/{stem}.jpg"' in page
        assert (tmp_path / "out" / "thumbs" / f"{stem}.input.jpg").read_bytes()[:2] == b"\xff\xd8"
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page


def test_an_images_block_combines_with_defaults_matrix_values_repeat_and_jobs(tmp_path):
    _good_images(tmp_path / "frames", 2)
    manifest = _folder_manifest(
        tmp_path,
        frames="frames/*.png",
        extra="  mode: [std, pro]\n  repeat: 2\njobs:\n  - id: lone\n    image: frames/shot-00.png\n",
    )
    jobs = load_manifest(manifest).jobs
    ids = sorted(j.id for j in jobs)
    assert ids == sorted(["lone"] + [f"shot-{i:02d}-{m}-r{r}" for i in (0, 1) for m in ("std", "pro") for r in (1, 2)])
    assert all(j.params["duration"] == "5" for j in jobs)  # from defaults, in the spec's wire form


def test_the_same_image_moved_is_the_same_job_and_a_replaced_one_is_a_changed_row(tmp_path, sim, monkeypatch, capsys):
    first = tmp_path / "project"
    _good_images(first / "frames", 3)
    manifest = _folder_manifest(first)
    out = tmp_path / "out"
    server = _sim(sim)
    assert run_batch(manifest, out, server, *SPEC, monkeypatch=monkeypatch) == 0
    assert len(server.state.submissions) == 3
    moved = tmp_path / "elsewhere" / "project-moved"
    moved.parent.mkdir()
    shutil.move(first, moved)
    assert run_batch(moved / "batch.yaml", out, server, *SPEC, monkeypatch=monkeypatch) == 0
    assert len(server.state.submissions) == 3  # nothing new: the same images, by digest
    (moved / "frames" / "shot-01.png").write_bytes(png_bytes(640, 360, seed=99))  # same name, new picture
    capsys.readouterr()
    assert run_batch(moved / "batch.yaml", out, server, *SPEC, monkeypatch=monkeypatch) == 2
    err = capsys.readouterr().err
    assert "shot-01" in err and "image differs" in err and "--replace-changed" in err
    assert len(server.state.submissions) == 3
    assert run_batch(moved / "batch.yaml", out, server, *SPEC, "--replace-changed", monkeypatch=monkeypatch) == 0
    assert len(server.state.submissions) == 4


def _two_images_one_changed_at_the_first_create(tmp_path, sim):
    """A folder of two images and a simulator that, as the first job is created, changes the other image on
    disk (after it was checked); (the manifest, the simulator)."""
    _good_images(tmp_path / "frames", 2)
    manifest = _folder_manifest(tmp_path)
    server = _sim(sim)
    images = sorted((tmp_path / "frames").glob("*.png"))

    def change_the_others(job):
        for path in images:
            path.write_bytes(png_bytes(640, 360, seed=77)) if path.stem not in str(job.body) else None

    server.state.on_create.append(change_the_others)
    return manifest, server


def test_an_image_changed_after_validation_is_caught_at_submit_and_not_sent(tmp_path, sim, monkeypatch):
    manifest, server = _two_images_one_changed_at_the_first_create(tmp_path, sim)
    code = run_batch(manifest, tmp_path / "out", server, *SPEC, "--concurrency", "1", monkeypatch=monkeypatch)
    server.state.on_create.clear()
    assert code == 1
    assert len(server.state.submissions) == 1
    changed = [e for e in ledger_events(tmp_path / "out") if e["event"] == "image_changed"]
    assert len(changed) == 1 and "changed after it was checked" in changed[0]["error"]["detail"]
    assert not any(
        e["job_id"] == changed[0]["job_id"] and e["event"] == "submitting" for e in ledger_events(tmp_path / "out")
    )
    assert run_batch(manifest, tmp_path / "out", server, *SPEC, monkeypatch=monkeypatch) == 0  # checked anew, sent
    assert len(server.state.submissions) == 2


def test_a_job_held_back_by_its_changed_image_is_told_as_such_not_as_credits_or_the_cap(
    tmp_path, sim, monkeypatch, capsys
):
    """The summary, ``status`` and the report give the changed image as the reason the job was not sent, and
    none of them blames credits or the spend cap; the command they give then makes it."""
    manifest, server = _two_images_one_changed_at_the_first_create(tmp_path, sim)
    out = tmp_path / "out"
    capsys.readouterr()
    code = run_batch(manifest, out, server, *SPEC, "--concurrency", "1", monkeypatch=monkeypatch)
    server.state.on_create.clear()
    assert code == 1 and len(server.state.submissions) == 1
    summary = capsys.readouterr().out
    held = next(e["job_id"] for e in ledger_events(out) if e["event"] == "image_changed")
    assert "left for a later run, by reason:" in summary and "changed after it was checked" in summary
    assert f"(e.g. {held})" in summary and "credits" not in summary and "--max-spend" not in summary

    assert run_cli("status", str(out)) == 0
    told = capsys.readouterr().out
    assert "1 deferred" in told and "changed after it was checked" in told and f"(e.g. {held})" in told
    assert "credits" not in told and "--max-spend" not in told
    assert run_cli("status", str(out), "--json") == 0
    left = json.loads(capsys.readouterr().out)["left"]
    assert [group["examples"] for group in left] == [[held]]

    page = (out / "report.html").read_text(encoding="utf-8")
    assert "changed after it was checked" in page and "input image changed" in page
    assert "a re-run with credits, or a higher --max-spend" not in page

    resume = json.loads((out / "report.json").read_text(encoding="utf-8"))["resume_command"]
    assert resume is not None and "--max-spend" not in resume
    assert run_batch(manifest, out, server, *SPEC, monkeypatch=monkeypatch) == 0  # the image checked anew, sent
    assert len(server.state.submissions) == 2


def test_a_lost_image_submit_is_told_from_the_same_image_another_folder_sent_a_minute_before(
    tmp_path, sim, monkeypatch
):
    """The same manifest was run into another folder a minute earlier: the history keeps both requests'
    image whole, and they are the same picture.  The one made after the lost submit was sent is its own: it
    is attached, not left unsettled for ever (nothing tells them apart but their time)."""
    _good_images(tmp_path / "frames", 1)
    manifest = _folder_manifest(tmp_path)
    server = _sim(sim, time_scale=1.0, latency_scale=0.002, history_image="whole")  # clocks tick alike
    assert run_batch(manifest, tmp_path / "first", server, *SPEC, monkeypatch=monkeypatch) == 0
    ((other, _, _),) = server.state.submissions
    made = server.state.jobs[other]
    made.submitted, made.start, made.finish = made.submitted - 60, made.start - 60, made.finish - 60  # a minute ago
    server.state.script("submit_error_after")  # created and billable, the answer lost
    out = tmp_path / "second"
    assert run_batch(manifest, out, server, *SPEC, monkeypatch=monkeypatch) == 0
    (ours,) = [rid for rid, _, _ in server.state.submissions if rid != other]
    assert [e["request_id"] for e in ledger_events(out) if e["event"] == "submitted"] == [ours]
    assert not [e for e in ledger_events(out) if e["event"] == "settle_later"]


def test_a_history_too_large_to_read_for_its_whole_images_names_the_bound_to_raise_and_raising_it_settles(
    tmp_path, sim, monkeypatch, capsys
):
    """A history page that keeps a large image whole is larger than api.max_response_bytes: a lost submit
    cannot be looked up, and it will not be on a later run either, whatever the wait.  What is left says which
    bound to raise; raised, the same command settles the submit, paid once."""
    (tmp_path / "frames").mkdir()
    (tmp_path / "frames" / "noisy.png").write_bytes(png_bytes(400, 400, seed=3, noise=True))  # ~480 KB
    manifest = _folder_manifest(tmp_path)
    server = _sim(sim, history_image="whole")
    server.state.script("submit_drop_after")  # made, the answer lost
    small = write(tmp_path / "small.yaml", "api:\n  max_response_bytes: 65536\n")
    out = tmp_path / "out"
    capsys.readouterr()
    assert run_batch(manifest, out, server, *SPEC, "--config", str(small), monkeypatch=monkeypatch) == 6
    told = capsys.readouterr().out
    assert "Raise api.max_response_bytes in the config file" in told and "Run again later" not in told
    large = write(tmp_path / "large.yaml", "api:\n  max_response_bytes: 4194304\n")
    assert run_batch(manifest, out, server, *SPEC, "--config", str(large), monkeypatch=monkeypatch) == 0
    assert len(server.state.submissions) == 1 and server.state.duplicate_submissions() == 0


def test_no_image_bytes_or_base64_in_the_ledger_logs_or_error_output(tmp_path, sim, monkeypatch, capsys):
    data = png_bytes(480, 360, seed=5)  # small: a history page holding it whole stays under api.max_response_bytes
    (tmp_path / "frames").mkdir()
    (tmp_path / "frames" / "noisy.png").write_bytes(data)
    inline = png_bytes(400, 400, seed=6)
    uri = "data:image/png;base64," + base64.b64encode(inline).decode()
    manifest = _folder_manifest(tmp_path, extra=f'jobs:\n  - id: inline\n    image: "{uri}"\n')
    server = _sim(sim, history_image="whole")
    server.state.script("submit_error_after")  # an unknown submit: settled from the history, which holds the base64
    out = tmp_path / "out"
    log = tmp_path / "run.log"
    assert run_batch(manifest, out, server, *SPEC, "--debug", "--log-file", str(log), monkeypatch=monkeypatch) == 0
    first = capsys.readouterr()
    bad = _folder_manifest(
        tmp_path, extra=f'jobs:\n  - id: bad\n    image: "{uri}"\n    mode: turbo\n', name="bad.yaml"
    )
    assert run_cli("validate", str(bad), *SPEC) == 2
    (tmp_path / "frames" / "noisy.png").write_bytes(data[: len(data) // 2])  # a broken image: an error names it
    assert run_cli("validate", str(manifest), *SPEC) == 2
    second = capsys.readouterr()
    assert "turbo" in second.err and "image 'frames/noisy.png' is cut short" in second.err
    needles = []
    for image in (data, inline):
        text = base64.b64encode(image).decode()
        needles += [text[len(text) // 2 : len(text) // 2 + 40].encode(), image[len(image) // 2 : len(image) // 2 + 32]]
    haystack = [*every_file_and_stream(out, first.out, first.err, second.out, second.err), (str(log), log.read_bytes())]
    assert len(haystack) > 10 and any(name.endswith("ledger.jsonl") for name, _ in haystack)
    for name, content in haystack:
        for needle in needles:
            assert needle not in content, f"image data in {name}"
    ledger = (out / "ledger.jsonl").read_text()
    assert hashlib.sha256(data).hexdigest() in ledger and "frames/noisy.png" in ledger
    assert hashlib.sha256(inline).hexdigest() in ledger


def test_a_bad_image_value_is_a_manifest_error_not_a_crash(tmp_path):
    manifest = write(
        tmp_path / "m.yaml",
        f"model: {MODEL}\njobs:\n  - image: http://example.com/a.png\n  - image: 5\n"
        '  - image: "data:image/png;base64,!!!"\n  - image: frames\n',
    )
    (tmp_path / "frames").mkdir()
    with pytest.raises(ManifestError) as caught:
        load_manifest(manifest)
    messages = [(p.line, p.message) for p in caught.value.problems]
    assert messages[0] == (3, "an image URL must use https:// (the provider fetches it)")
    assert messages[1][0] == 4 and "local image path" in messages[1][1]
    assert messages[2] == (5, "the data URI's base64 is not valid")
    assert messages[3][0] == 6 and "is not a file" in messages[3][1]


def test_lost_image_submits_whose_rows_nothing_tells_apart_are_left_and_told_the_same_command_cannot_settle_them(
    tmp_path, sim, monkeypatch, capsys
):
    """Three images under one prompt; the history keeps no image.  The first two submits are made and their
    answers lost at once: each matches both rows, and nothing (not the image, not the time) tells them apart.
    Neither is attached or sent again, the rows are named, and the summary and ``status`` say that the same
    command run again cannot settle them, which it then does not."""
    _good_images(tmp_path / "frames", 3)
    manifest = write(
        tmp_path / "batch.yaml",
        f'model: {MODEL}\ndefaults: {{duration: 5, mode: std}}\nimages:\n  from: "frames"\n'
        '  prompt: "the camera drifts"\n',
    )
    # each answer comes 0.3 s after its job was made, so both are made before either is looked up, within the
    # stamps' rounding of each other (two seconds; 0.5 s at this clock): their times tell nothing either
    server = _sim(sim, history_image="absent", time_scale=4.0, latency_scale=0.002, submit_answer_delay_s=0.3)
    server.state.script("submit_error_after", 2)  # both made, billable, their answers lost
    out = tmp_path / "out"
    capsys.readouterr()
    code = run_batch(manifest, out, server, *SPEC, "--concurrency", "2", monkeypatch=monkeypatch)
    told = capsys.readouterr().out
    lost = sorted(rid for rid, _, _ in server.state.submissions[:2])
    assert len(server.state.submissions) == 3  # the third was sent beside them, and shows the history caught up
    left = [e for e in ledger_events(out) if e["event"] == "settle_later"]
    assert len(left) == 2 and all(e["error"].get("rerun") is False for e in left)
    assert all(f"({lost[0]}, {lost[1]})" in e["error"]["detail"] for e in left)
    assert "a plain re-run settles none of the 2 left" in told.lower()
    assert run_cli("status", str(out)) == 0
    assert "a plain re-run settles none of the 2 left" in capsys.readouterr().out.lower()
    assert run_batch(manifest, out, server, *SPEC, "--concurrency", "2", monkeypatch=monkeypatch) == code
    assert len(server.state.submissions) == 3  # nothing paid twice
    assert "a plain re-run settles none of the 2 left" in capsys.readouterr().out.lower()


def test_the_simulator_takes_an_image_in_every_format_its_spec_allows_and_holds_it_to_its_longest_side(
    tmp_path, sim, monkeypatch
):
    # The simulator took JPEG and PNG alone, whatever the spec's `formats`: a WebP the spec (and so the client)
    # allows was answered 400, in both inline forms, and its job failed; and it never held an image to
    # `max_side_px`.
    import av
    import httpx
    import numpy as np

    spec = write(
        tmp_path / "kling-webp.yaml",
        TEST_IMAGE_SPEC.read_text()
        .replace("slug: kling-test-image2video", "slug: kling-webp")
        .replace("formats: [jpeg, png]", "formats: [jpeg, png, webp]\n    max_side_px: 800", 1),
    )
    catalogue.use([spec])
    server = sim(extra_specs=(str(spec),))
    codec = av.CodecContext.create("libwebp", "w")
    codec.width, codec.height, codec.pix_fmt = 640, 360, "yuv420p"
    frame = av.VideoFrame.from_ndarray(np.full((360, 640, 3), 90, dtype=np.uint8), format="rgb24")
    (tmp_path / "a.webp").write_bytes(b"".join(bytes(p) for p in [*codec.encode(frame.reformat(format="yuv420p")),
                                                                   *codec.encode(None)]))  # fmt: skip
    manifest = write(tmp_path / "m.yaml", "model: kling-webp\njobs:\n  - {id: a, image: a.webp, prompt: p}\n")
    assert run_batch(manifest, tmp_path / "out", server, "--models", str(spec), monkeypatch=monkeypatch) == 0
    assert (tmp_path / "out" / "videos" / "a.mp4").is_file() and len(server.state.jobs) == 1
    wide = base64.b64encode(png_bytes(900, 400)).decode()
    answer = httpx.post(f"{server.url}/v2/kling-webp", json={"image": wide, "prompt": "p"}, headers={"x-api-key": KEY})
    assert answer.status_code == 400 and "at most 800 px" in answer.text and len(server.state.jobs) == 1


def test_status_says_the_kept_manifest_no_longer_reads_and_does_not_call_the_folder_finished(
    tmp_path, sim, monkeypatch, capsys
):
    # A row added since names an image not there (or the frames were cleaned up): status went by the ledger
    # alone without a word, "all jobs completed", "finished": true, while rows were never sent and the next
    # run stops on the manifest (exit 2).
    server = sim()
    (tmp_path / "a.png").write_bytes(png_bytes(640, 360))
    row = "  - {{id: {0}, image: {0}.png, prompt: p}}\n"
    manifest = write(tmp_path / "m.yaml", "model: kling-1.6-image2video\njobs:\n" + row.format("a"))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    write(manifest, manifest.read_text() + row.format("b"))
    capsys.readouterr()
    assert run_cli("status", str(out), "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert (status["counted"], status["finished"]) == ("ledger", False)
    assert "  all jobs completed" not in status["lines"]
    told = status["lines"][1]
    assert told.startswith("  the manifest the folder's last run was given no longer reads (")
    assert f"{manifest}:4: field 'image': image 'b.png' does not exist" in told and "--manifest FILE" in told


def test_input_image_names_the_start_image_whatever_order_the_row_writes_the_images_in(tmp_path, sim, monkeypatch):
    # It named the first image the row wrote: a row giving end_image_url before image_url had its end (last)
    # frame in input_image, input_sha256, the index and beside the poster frame.
    import csv

    server = sim()
    (tmp_path / "start.png").write_bytes(png_bytes(640, 360, seed=1))
    (tmp_path / "end.png").write_bytes(png_bytes(640, 360, seed=2))
    manifest = write(tmp_path / "m.yaml", "model: kling-o3-image2video\njobs:\n  - id: o\n    prompt: p\n"
                                          "    end_image_url: end.png\n    image_url: start.png\n")  # fmt: skip
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    start = hashlib.sha256((tmp_path / "start.png").read_bytes()).hexdigest()
    (row,) = csv.DictReader((out / "results.csv").read_text().splitlines())
    assert (row["input_image"], row["input_sha256"]) == ("start.png", start)
    (indexed,) = pq.read_table(out / "index.parquet").to_pylist()
    assert (indexed["input_image"], indexed["input_sha256"]) == ("start.png", start)


def test_a_completed_rows_deleted_image_warns_and_the_run_goes_on_but_a_row_to_send_still_needs_its_image(
    tmp_path, sim, monkeypatch, capsys
):
    # Deleting the image of a row already completed made every later run of the manifest exit 2 (images are
    # checked at load): a cron job stuck for an image nothing will ever send again.
    server = sim()
    for name in ("a", "b"):
        (tmp_path / f"{name}.png").write_bytes(png_bytes(640, 360, seed=ord(name)))
    row = "  - {{id: {0}, image: {0}.png, prompt: {1}}}\n"
    head = "model: kling-1.6-image2video\njobs:\n"
    manifest = write(tmp_path / "m.yaml", head + row.format("a", "p") + row.format("b", "p"))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    (tmp_path / "a.png").unlink()
    capsys.readouterr()
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    err = capsys.readouterr().err
    warned = [line for line in err.splitlines() if "a.png" in line]
    assert len(warned) == 1, err
    assert f"{manifest}:3: job 'a'" in warned[0] and "does not exist" in warned[0] and "completed" in warned[0]
    assert run_cli("status", str(out), "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert (status["counted"], status["finished"]) == ("manifest", True)
    assert run_cli("validate", str(manifest), "--out", str(out)) == 0
    assert len(server.state.submissions) == 2
    # a row still to send (new, or changed and made anew with --replace-changed) needs its image: exit 2
    write(manifest, head + row.format("a", "p") + row.format("b", "p") + row.format("c", "p"))
    capsys.readouterr()
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 2
    assert f"{manifest}:5: field 'image': image 'c.png' does not exist" in capsys.readouterr().err
    write(manifest, head + row.format("a", "changed") + row.format("b", "p"))
    for dry in ((), ("--dry-run",)):
        assert run_batch(manifest, out, server, "--replace-changed", *dry, monkeypatch=monkeypatch) == 2
        err = capsys.readouterr().err
        assert f"{manifest}:3: field 'image': image 'a.png' does not exist" in err and "--replace-changed" in err
    assert len(server.state.submissions) == 2


def test_a_failed_rows_deleted_image_stops_only_the_run_that_sends_it_again(tmp_path, sim, monkeypatch, capsys):
    # A failed job is sent again only with --retry-failed: without it, every later run of the manifest exited 2
    # for an image nothing would send (a cron job stuck on a frame cleaned up after its row failed).
    server = sim(cancel_prompts=("doomed",))
    for name in ("a", "b"):
        (tmp_path / f"{name}.png").write_bytes(png_bytes(640, 360, seed=ord(name)))
    row = "  - {{id: {0}, image: {0}.png, prompt: {1}}}\n"
    manifest = write(tmp_path / "m.yaml", "model: kling-1.6-image2video\njobs:\n" + row.format("a", "p")
                     + row.format("b", "doomed"))  # fmt: skip
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 1  # b failed on the server
    (tmp_path / "b.png").unlink()
    capsys.readouterr()
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 1  # b still failed: nothing stops the run
    warned = [line for line in capsys.readouterr().err.splitlines() if "b.png" in line]
    assert len(warned) == 1 and f"{manifest}:4: job 'b'" in warned[0], warned
    assert "failed (sent again only with --retry-failed) in the output folder" in warned[0]
    assert run_cli("status", str(out), "--json", "--manifest", str(manifest)) == 0
    assert json.loads(capsys.readouterr().out)["states"] == {"completed": 1, "failed": 1}
    # the run that would send it again needs its image: exit 2, naming it, and nothing sent
    assert run_batch(manifest, out, server, "--retry-failed", monkeypatch=monkeypatch) == 2
    assert f"{manifest}:4: field 'image': image 'b.png' does not exist" in capsys.readouterr().err
    assert len(server.state.submissions) == 2


def test_one_deleted_image_many_completed_rows_share_is_told_in_a_few_lines_not_one_a_row(
    tmp_path, sim, monkeypatch, capsys
):
    server = sim()
    (tmp_path / "a.png").write_bytes(png_bytes(640, 360, seed=1))
    rows = "".join(f"  - {{id: r{i}, image: a.png, prompt: p{i}}}\n" for i in range(8))
    manifest = write(tmp_path / "m.yaml", "model: kling-1.6-image2video\njobs:\n" + rows)
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    (tmp_path / "a.png").unlink()
    capsys.readouterr()
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    warned = [line for line in capsys.readouterr().err.splitlines() if "gone" in line or "a.png" in line]
    assert len(warned) == 6, warned  # five rows told whole, the other three in one line
    assert f"{manifest}: 3 more completed rows (lines 8 to 10) whose images are gone" in warned[-1]
    assert len(server.state.submissions) == 8


def test_an_image_given_as_an_https_url_is_recorded_as_its_input_without_the_query_string(tmp_path, sim, monkeypatch):
    # input_image (results.csv, index.parquet) and input_images named local files alone: a job whose image was
    # a URL had none recorded.  A signed URL's query holds its credential: it is recorded without it.
    import csv

    server = sim()
    (tmp_path / "end.png").write_bytes(png_bytes(640, 360, seed=2))
    url = "https://images.example.com/shots/start.png"
    signed = f"{url}?X-Amz-Signature=s3cr3t#f"
    manifest = write(tmp_path / "m.yaml", "model: kling-o3-image2video\njobs:\n  - id: o\n    prompt: p\n"
                                          f"    end_image_url: end.png\n    image_url: '{signed}'\n")  # fmt: skip
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    end = hashlib.sha256((tmp_path / "end.png").read_bytes()).hexdigest()
    every = {"end_image_url": {"file": "end.png", "sha256": end}}  # the checked images (a URL is never read)
    (row,) = csv.DictReader((out / "results.csv").read_text().splitlines())
    assert (row["input_image"], row["input_sha256"], json.loads(row["input_images"])) == (url, "", every)
    (indexed,) = pq.read_table(out / "index.parquet").to_pylist()
    assert (indexed["input_image"], indexed["input_sha256"]) == (url, None)
    assert json.loads(indexed["input_images_json"]) == every


def test_a_completed_rows_deleted_image_is_not_needed_again_in_a_manifest_without_ids(
    tmp_path, sim, monkeypatch, capsys
):
    # A row of no id has its id derived from its image's digest: with the image deleted, the id could not be
    # found, and every later run of the manifest exited 2 for a job the folder had completed.
    server = sim()
    for name in ("a", "b"):
        (tmp_path / f"{name}.png").write_bytes(png_bytes(640, 360, seed=ord(name)))
    row = "  - {{image: {0}.png, prompt: {1}}}\n"
    head = "model: kling-1.6-image2video\njobs:\n"
    manifest = write(tmp_path / "m.yaml", head + row.format("a", "p") + row.format("b", "p") + row.format("a", "p"))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    assert len(server.state.submissions) == 3
    (tmp_path / "a.png").unlink()
    capsys.readouterr()
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    err = capsys.readouterr().err
    assert sum("a.png" in line and "completed" in line for line in err.splitlines()) == 2, err
    assert run_cli("status", str(out), "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert (status["counted"], status["finished"]) == ("manifest", True)
    assert len(server.state.submissions) == 3
    # a row never made (another prompt: another id) still needs its image
    write(manifest, head + row.format("a", "other") + row.format("b", "p"))
    capsys.readouterr()
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 2
    assert f"{manifest}:3: field 'image': image 'a.png' does not exist" in capsys.readouterr().err
    assert len(server.state.submissions) == 3


@pytest.mark.parametrize("refuses", [(), ("sort_order",)])
def test_a_history_page_too_large_for_its_images_is_asked_again_with_fewer_rows(
    tmp_path, sim, monkeypatch, capsys, refuses
):
    """Eight images of 137 KB each, kept whole in the history's rows (183 KB each in base64): a page of more
    than two is larger than api.max_response_bytes (here 400 KB).  Pages are asked for with fewer rows until one
    fits, the submit whose answer was lost is looked up and found there (paid once), and every video is made.
    A history that refuses ``sort_order`` (HTTP 400) is still asked with ``per_page``, to ask fewer rows."""
    frames = tmp_path / "frames"
    frames.mkdir()
    for i in range(8):
        (frames / f"shot-{i:02d}.png").write_bytes(png_bytes(300, 300, seed=i))
    manifest = _folder_manifest(tmp_path)
    server = _sim(sim, history_image="whole", history_refuses=frozenset(refuses))
    server.state.script("submit_drop_after", after=5)  # the sixth is made and its answer lost
    bound = write(tmp_path / "c.yaml", "api:\n  max_response_bytes: 409600\n")
    monkeypatch.setenv("SEGMIND_API_KEY", KEY)
    run = ("run", str(manifest), "--out", str(tmp_path / "out"), "--base-url", server.url, "--time-scale")
    assert run_cli(*run, str(server.config.time_scale), *SPEC, "--config", str(bound)) == 0
    told = capsys.readouterr()
    smaller = [line for line in (told.out + told.err).splitlines() if "larger than api.max_response_bytes" in line]
    sizes = [int(line.rsplit("asking ", 1)[1].split(" ", 1)[0]) for line in smaller]
    # told once as a page fits, not at each of the six halvings from 100 to 1 (a sweep and a look-up may halve side
    # by side: each smaller size is told once)
    assert 1 <= len(sizes) <= 2 and sizes == sorted(set(sizes), reverse=True), smaller
    assert len(server.state.submissions) == 8 and server.state.duplicate_submissions() == 0
    # pages of one row (three are too large) read by sweeps and a look-up, each halving from 100 until one fits, and
    # each form refused asked once by each reader that began before one was answered: not a read without end
    assert server.state.stats()["counters"]["/inference-request/request-history"] < 70


def test_an_expired_rows_deleted_image_stops_only_the_run_that_sends_it_again(tmp_path, sim, monkeypatch, capsys):
    # An expired job is sent again only with --resubmit-lost: that run needs its image (exit 2, nothing sent).
    server = sim(time_scale=5000)
    server.state.script("stall")  # its record expires: the video can never be had
    (tmp_path / "a.png").write_bytes(png_bytes(640, 360, seed=1))
    manifest = write(tmp_path / "m.yaml", "model: kling-1.6-image2video\njobs:\n  - {id: a, image: a.png, prompt: p}\n")
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 1
    assert read_ledger(out / "ledger.jsonl").jobs["a"]["state"] == "expired"
    (tmp_path / "a.png").unlink()
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 1  # a still expired: nothing stops the run
    capsys.readouterr()
    assert run_batch(manifest, out, server, "--resubmit-lost", monkeypatch=monkeypatch) == 2
    assert f"{manifest}:3: field 'image': image 'a.png' does not exist" in capsys.readouterr().err
    assert len(server.state.submissions) == 1
