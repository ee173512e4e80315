"""Images inside a list parameter's objects (``elements[0].frontal_image_url``, ``...reference_image_urls[1]``),
end to end: checked before anything is paid, in the job's identity by digest, read again and re-hashed at
submit, inlined in the list's form, settled from the history after a lost submit, and never written out."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import shutil

import pyarrow.parquet as pq
import pytest

from batchgen.simulator.replies import IMAGE_MARK
from tests.helpers import every_file_and_stream, ledger_events, png_bytes, run_batch, write

MODEL = "kling-3-standard-image2video"


def _manifest(root, jobs, name="batch.yaml"):
    """A manifest of ``jobs`` ({id: (frontal, [references])}), each with start.png as its start image."""
    lines = [f"model: {MODEL}", "defaults: {duration: 5, generate_audio: false}", "jobs:"]
    for job_id, (frontal, references) in jobs.items():
        lines += [
            f"  - id: {job_id}",
            "    prompt: '@Element1 walks in'",
            "    start_image_url: frames/start.png",
            "    elements:",
            f"      - frontal_image_url: {json.dumps(frontal)}",
            f"        reference_image_urls: {json.dumps(references)}",
        ]
    return write(root / name, "\n".join(lines) + "\n")


def _frames(root, *names, seed=0):
    folder = root / "frames"
    folder.mkdir(parents=True, exist_ok=True)
    for number, name in enumerate(("start.png", *names)):
        (folder / name).write_bytes(png_bytes(480, 360, seed=seed + number))
    return folder


def _sent_image(server, value):
    """The bytes of an image the simulator was sent inline (it keeps each by digest, named in the body)."""
    assert isinstance(value, str) and value.startswith(IMAGE_MARK), str(value)[:60]
    return server.state.images[value[len(IMAGE_MARK) :]]


def test_a_nested_local_image_is_sent_inline_and_its_job_ends_in_a_verified_video(tmp_path, sim, monkeypatch, capsys):
    frames = _frames(tmp_path, "cat.png", "cat-side.png")
    inline = png_bytes(400, 400, seed=9)
    uri = "data:image/png;base64," + base64.b64encode(inline).decode()
    refs = ["frames/cat-side.png", "https://example.com/cat-back.png", uri]
    manifest = _manifest(tmp_path, {"cat": ("frames/cat.png", refs)})
    server = sim()
    out = tmp_path / "out"
    log = tmp_path / "run.log"
    assert run_batch(manifest, out, server, "--debug", "--log-file", str(log), monkeypatch=monkeypatch) == 0
    streams = capsys.readouterr()
    ((_, slug, body),) = server.state.submissions
    (element,) = body["elements"]
    assert slug == MODEL
    assert _sent_image(server, element["frontal_image_url"]) == (frames / "cat.png").read_bytes()
    sent = element["reference_image_urls"]
    assert _sent_image(server, sent[0]) == (frames / "cat-side.png").read_bytes()
    assert sent[1] == "https://example.com/cat-back.png" and _sent_image(server, sent[2]) == inline
    assert server.state.inline_forms == {"data_uri": 4}  # the start image and three in the element
    assert (out / "videos" / "cat.mp4").is_file()
    assert [e["event"] for e in ledger_events(out)][-1] == "completed"
    sidecar = json.loads((out / "videos" / "cat.json").read_text())["parameters"]["elements"][0]
    assert sidecar["frontal_image_url"]["file"] == "frames/cat.png"
    assert sidecar["frontal_image_url"]["sha256"] == hashlib.sha256((frames / "cat.png").read_bytes()).hexdigest()
    assert sidecar["reference_image_urls"][2]["sha256"] == hashlib.sha256(inline).hexdigest()
    # results.csv and index.parquet name every image of the job by its place, not the top-level one alone
    digest = {name: hashlib.sha256((frames / name).read_bytes()).hexdigest() for name in ("start.png", "cat.png")}
    side = hashlib.sha256((frames / "cat-side.png").read_bytes()).hexdigest()
    named = {
        "start_image_url": {"file": "frames/start.png", "sha256": digest["start.png"]},
        "elements[0].frontal_image_url": {"file": "frames/cat.png", "sha256": digest["cat.png"]},
        "elements[0].reference_image_urls[0]": {"file": "frames/cat-side.png", "sha256": side},
        "elements[0].reference_image_urls[2]": {"file": None, "sha256": hashlib.sha256(inline).hexdigest()},
    }
    (row,) = csv.DictReader(io.StringIO((out / "results.csv").read_text()))
    assert (row["input_image"], row["input_sha256"]) == ("frames/start.png", digest["start.png"])
    assert json.loads(row["input_images"]) == named
    (indexed,) = pq.read_table(out / "index.parquet").to_pylist()
    assert json.loads(indexed["input_images_json"]) == named
    assert indexed["input_images_json"] == row["input_images"]  # one text in both, from one function
    needles = []
    for image in ((frames / "cat.png").read_bytes(), (frames / "cat-side.png").read_bytes(), inline):
        text = base64.b64encode(image).decode()
        needles += [text[len(text) // 2 : len(text) // 2 + 40].encode(), image[len(image) // 2 : len(image) // 2 + 32]]
    haystack = [*every_file_and_stream(out, streams.out, streams.err), (str(log), log.read_bytes())]
    for name, content in haystack:
        for needle in needles:
            assert needle not in content, f"image data in {name}"


def test_every_bad_nested_image_is_listed_with_its_place_and_nothing_is_sent(tmp_path, sim, monkeypatch, capsys):
    frames = _frames(tmp_path, "cat.png")
    (frames / "tiny.png").write_bytes(png_bytes(200, 200))
    (frames / "notes.png").write_bytes(b"these are notes, not a picture\n")
    manifest = _manifest(
        tmp_path,
        {
            "good": ("frames/cat.png", ["frames/cat.png"]),
            "bad": ("frames/missing.png", ["frames/cat.png", "frames/tiny.png", "ftp://example.com/a.png"]),
            "worse": ("", ["frames/notes.png", 5]),
        },
    )
    server = sim()
    assert run_batch(manifest, tmp_path / "out", server, monkeypatch=monkeypatch) == 2
    err = capsys.readouterr().err
    expected = [  # (the line of the value, its place, the reason): job 'bad' at line 10, 'worse' at line 16
        (14, "elements[0].frontal_image_url", "image 'frames/missing.png' does not exist; check the path"),
        (15, "elements[0].reference_image_urls[1]", "image 'frames/tiny.png' is 200x200 px; each side must be"),
        (15, "elements[0].reference_image_urls[2]", "'ftp:' URLs are not taken; give a local image path"),
        (20, "elements[0].frontal_image_url", "must be a local image path, an https:// URL or a data: URI"),
        (21, "elements[0].reference_image_urls[0]", "image 'frames/notes.png' is not a JPEG or PNG image"),
        (21, "elements[0].reference_image_urls[1]", "must be a local image path, an https:// URL or a data: URI"),
    ]
    for line, field, reason in expected:
        assert f"{manifest}:{line}: field '{field}': {reason}" in err, (line, field, err)
    assert "the manifest has 6 problems" in err and "frames/cat.png" not in err
    assert server.state.submissions == [] and not (tmp_path / "out" / "ledger.jsonl").exists()


def test_a_nested_image_changed_after_its_check_is_not_sent_and_is_sent_on_the_next_run(tmp_path, sim, monkeypatch):
    frames = _frames(tmp_path, "a.png", "b.png")
    manifest = _manifest(
        tmp_path, {"one": ("frames/a.png", []), "two": ("https://example.com/x.png", ["frames/b.png"])}
    )
    server = sim()

    def change_b(job):
        (frames / "b.png").write_bytes(png_bytes(480, 360, seed=77))

    server.state.on_create.append(change_b)
    out = tmp_path / "out"
    code = run_batch(manifest, out, server, "--concurrency", "1", monkeypatch=monkeypatch)
    server.state.on_create.clear()
    assert code == 1 and len(server.state.submissions) == 1
    changed = [e for e in ledger_events(out) if e["event"] == "image_changed"]
    assert [e["job_id"] for e in changed] == ["two"] and changed[0]["state"] == "deferred"
    assert "image 'frames/b.png' changed after it was checked" in changed[0]["error"]["detail"]
    assert not any(e["job_id"] == "two" and e["event"] == "submitting" for e in ledger_events(out))
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0  # checked anew, then sent
    assert len(server.state.submissions) == 2
    element = server.state.submissions[1][2]["elements"][0]
    assert _sent_image(server, element["reference_image_urls"][0]) == png_bytes(480, 360, seed=77)


def test_a_nested_image_is_in_the_identity_by_its_digest_not_its_path(tmp_path, sim, monkeypatch, capsys):
    first = tmp_path / "project"
    _frames(first, "a.png")
    manifest = _manifest(first, {"one": ("frames/a.png", ["frames/a.png"])})
    out = tmp_path / "out"
    server = sim()
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    moved = tmp_path / "elsewhere"
    shutil.move(first, moved)
    assert run_batch(moved / "batch.yaml", out, server, monkeypatch=monkeypatch) == 0
    assert len(server.state.submissions) == 1  # the same pictures, by digest: nothing new
    (moved / "frames" / "a.png").write_bytes(png_bytes(480, 360, seed=99))  # same name, new picture
    capsys.readouterr()
    assert run_batch(moved / "batch.yaml", out, server, monkeypatch=monkeypatch) == 2
    err = capsys.readouterr().err
    assert "one" in err and "elements differs" in err and "--replace-changed" in err
    assert len(server.state.submissions) == 1
    assert run_batch(moved / "batch.yaml", out, server, "--replace-changed", monkeypatch=monkeypatch) == 0
    assert len(server.state.submissions) == 2


def test_a_lost_submit_is_told_by_its_nested_image_from_one_alike_but_for_it(tmp_path, sim, monkeypatch):
    """This run's submit is made and its answer lost; just after, another client of the account sends the same
    body but for the element's picture.  The history keeps both bodies whole and both were made after the
    submit was sent: only the nested image tells them apart, and the one whose picture is this job's is
    attached: paid once, nothing left unsettled."""
    frames = _frames(tmp_path, "a.png", "b.png")
    server = sim(history_image="whole")
    other = "data:image/png;base64," + base64.b64encode((frames / "a.png").read_bytes()).decode()

    def twin(job):  # the other client's request, made as this run's is
        if len(server.state.submissions) == 1:
            body = {**job.body, "elements": [{"frontal_image_url": other, "reference_image_urls": []}]}
            server.state.create_job(job.slug, body, "std", job.duration)

    server.state.on_create.append(twin)
    server.state.script("submit_error_after")  # created and billable, the answer lost
    manifest = _manifest(tmp_path, {"one": ("frames/b.png", [])})
    out = tmp_path / "out"
    code = run_batch(manifest, out, server, monkeypatch=monkeypatch)
    server.state.on_create.clear()
    assert code == 0
    ((ours, _, _), (theirs, _, _)) = server.state.submissions
    assert [e["request_id"] for e in ledger_events(out) if e["event"] == "submitted"] == [ours]
    assert theirs not in (out / "ledger.jsonl").read_text()
    assert (out / "videos" / "one.mp4").is_file()


def test_a_gateway_that_takes_bare_base64_gets_the_nested_images_so_after_one_refusal_each(tmp_path, sim, monkeypatch):
    frames = _frames(tmp_path, "a.png")
    manifest = _manifest(tmp_path, {"one": ("frames/a.png", ["frames/a.png"]), "two": ("frames/start.png", [])})
    server = sim(inline_images="base64")
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--concurrency", "1", monkeypatch=monkeypatch) == 0
    assert len(server.state.submissions) == 2 and server.state.duplicate_submissions() == 0
    element = server.state.submissions[0][2]["elements"][0]
    assert _sent_image(server, element["frontal_image_url"]) == (frames / "a.png").read_bytes()
    assert _sent_image(server, element["reference_image_urls"][0]) == (frames / "a.png").read_bytes()
    assert server.state.inline_forms == {"base64": 5}  # 3 + 2 images, each field refused once as a data URI
    assert [e["event"] for e in ledger_events(out) if e["event"] == "failed"] == []


@pytest.mark.parametrize("kept", ["whole", "truncated", "url", "absent"])
def test_a_lost_submit_with_nested_images_is_attached_whatever_the_history_keeps_of_them(
    tmp_path, sim, monkeypatch, kept
):
    """The history may keep an inlined image whole, cut short, as a URL of its own, or not at all (a list's
    item dropped, its other items moved up): the lost submit is found by its other fields and, where the row
    keeps it whole, its images' digests, and attached; never sent again."""
    _frames(tmp_path, "a.png", "b.png")
    server = sim(history_image=kept)
    server.state.script("submit_error_after")  # created and billable, the answer lost
    refs = ["https://example.com/first.png", "frames/b.png", "frames/a.png"]
    manifest = _manifest(tmp_path, {"one": ("frames/a.png", refs)})
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    ((ours, _, _),) = server.state.submissions
    assert [e["request_id"] for e in ledger_events(out) if e["event"] == "submitted"] == [ours]
    assert (out / "videos" / "one.mp4").is_file()


def test_a_csv_cell_carries_a_list_of_objects_as_json_and_its_images_are_checked_and_sent_as_from_yaml(
    tmp_path, sim, monkeypatch, capsys
):
    """A CSV manifest writes ``elements`` as JSON in its cell: the same job as the YAML row (its id and identity
    alike), its nested image checked at load and sent inline; a cell that is not JSON, or names a bad image,
    is named with its row and field, and nothing is sent."""
    _frames(tmp_path, "cat.png")
    (tmp_path / "frames" / "tiny.png").write_bytes(png_bytes(200, 200))
    cell = json.dumps([{"frontal_image_url": "frames/cat.png", "reference_image_urls": ["frames/cat.png"]}])
    quoted = '"' + cell.replace('"', '""') + '"'
    head = f"# model: {MODEL}\nid,prompt,start_image_url,duration,generate_audio,elements\n"
    row = "cat,@Element1 walks in,frames/start.png,5,false,"
    bad = write(
        tmp_path / "bad.csv",
        head + row + quoted + "\n" + "odd" + row[3:] + "[{frontal_image_url: frames/cat.png}]\n"
        + "tiny" + row[3:] + quoted.replace("cat.png\"\"]", "tiny.png\"\"]") + "\n",
    )  # fmt: skip
    server = sim()
    assert run_batch(bad, tmp_path / "out", server, monkeypatch=monkeypatch) == 2
    err = capsys.readouterr().err
    assert f"{bad}:4: field 'elements': is not valid JSON (" in err and "in a CSV cell a list is written as JSON" in err
    assert f"{bad}:5: field 'elements[0].reference_image_urls[0]': image 'frames/tiny.png' is 200x200 px" in err
    assert "the manifest has 2 problems" in err and server.state.submissions == []
    good = write(tmp_path / "good.csv", head + row + quoted + "\n")
    yaml = _manifest(tmp_path, {"cat": ("frames/cat.png", ["frames/cat.png"])})
    assert run_batch(good, tmp_path / "out", server, monkeypatch=monkeypatch) == 0
    assert run_batch(yaml, tmp_path / "out", server, monkeypatch=monkeypatch) == 0  # the same job: done
    ((_, _, body),) = server.state.submissions
    (element,) = body["elements"]
    assert _sent_image(server, element["frontal_image_url"]) == (tmp_path / "frames" / "cat.png").read_bytes()
    assert [e["event"] for e in ledger_events(tmp_path / "out")].count("submitting") == 1
