"""Manifests: formats, defaults, ids, and every problem reported with file, line and field."""

from __future__ import annotations

import pytest

from batchgen.errors import ManifestError
from batchgen.jobs import derived_id
from batchgen.manifest import load_manifest
from tests.helpers import (
    write,
)


def test_yaml_defaults_overrides_and_normalisation(tmp_path):
    path = write(
        tmp_path / "m.yaml",
        """model: kling-text2video
defaults:
  negative_prompt: "no cars"
  duration: "5"
jobs:
  - id: a
    prompt: first
  - prompt: second
    model: kling-1.6-text2video
    aspect_ratio: "9:16"
    duration: 10
""",
    )
    manifest = load_manifest(path)
    first, second = manifest.jobs
    assert first.id == "a" and first.model == "kling-text2video"
    assert first.params == {"negative_prompt": "no cars", "duration": 5, "prompt": "first"}
    assert second.model == "kling-1.6-text2video" and second.params["duration"] == 10
    assert second.id.startswith("kling-1-6-text2video-")
    assert first.source.endswith("m.yaml:6")


def test_derived_ids_are_stable_and_distinguish_duplicates(tmp_path):
    text = "model: kling-text2video\njobs:\n  - prompt: same\n  - prompt: same\n  - prompt: other\n"
    ids = [job.id for job in load_manifest(write(tmp_path / "m.yaml", text)).jobs]
    again = [job.id for job in load_manifest(write(tmp_path / "n.yaml", text)).jobs]
    assert ids == again
    assert len(set(ids)) == 3 and ids[1] == ids[0] + "-2"
    # "5" and 5 are the same job, so the same id
    a = load_manifest(write(tmp_path / "a.jsonl", '{"model":"kling-text2video","prompt":"p","duration":"5"}\n'))
    b = load_manifest(write(tmp_path / "b.jsonl", '{"model":"kling-text2video","prompt":"p","duration":5}\n'))
    assert a.jobs[0].id == b.jobs[0].id


def test_a_derived_id_is_the_same_from_one_batchgen_to_the_next():
    # A folder made by an earlier batchgen knows its jobs by these ids: a change to how they are derived (the
    # hash's text, its length, the model's prefix) makes every row without an id a new job, made and paid again.
    assert derived_id("kling-text2video", {"prompt": "a kite", "duration": 5}, 1) == "kling-text2video-7c8ebd053559"
    assert derived_id("kling-text2video", {"prompt": "ein Drachen über dem Meer"}, 2) == (
        "kling-text2video-cd18151e0636-2"
    )
    assert derived_id("a" * 50 + "/v2", {"prompt": "x"}, 1) == "a" * 40 + "-3b28008a7923"


def test_an_id_that_does_not_begin_with_a_letter_or_digit_is_refused(tmp_path):
    # ".a" and "..a" would both be saved as videos/a.mp4 (a name never starts with '.'): one video over the other
    text = "model: kling-text2video\njobs:\n  - {id: .a, prompt: p}\n  - {id: '-b', prompt: q}\n"
    text += "  - {id: _c, prompt: r}\n"
    with pytest.raises(ManifestError) as bad:
        load_manifest(write(tmp_path / "m.yaml", text))
    assert [(p.line, p.field) for p in bad.value.problems] == [(3, "id"), (4, "id"), (5, "id")]


def test_csv_types_bom_and_empty_cells(tmp_path):
    path = tmp_path / "m.csv"
    path.write_bytes(
        "\ufeffmodel,prompt,cfg_scale,camera_control_config_value,duration\n"
        "kling-text2video,hello,0.25,-3,10\nkling-text2video,again,,,\n".encode()
    )
    first, second = load_manifest(path).jobs
    assert first.params == {"prompt": "hello", "cfg_scale": 0.25, "camera_control_config_value": -3, "duration": 10}
    assert second.params == {"prompt": "again"}


def test_a_model_named_as_passthrough_is_sent_unchecked_with_a_warning(tmp_path):
    path = write(tmp_path / "m.jsonl", '{"model":"some-new-model","anything":[1,2]}\n')
    manifest = load_manifest(path, passthrough=["some-new-model"])
    assert manifest.jobs[0].params == {"anything": [1, 2]}
    assert "some-new-model" in manifest.warnings[0]


@pytest.mark.parametrize(
    ("model", "hint"),
    [("kling-text2vide", "did you mean 'kling-text2video'?"), ("Kling-Text2Video", "did you mean 'kling-text2video'?"),
     ("kling-1.6-text2vid", "did you mean 'kling-1.6-text2video'?"), ("sora", "known: kling-1.6-text2video")],
)  # fmt: skip
def test_an_unknown_model_is_an_error_with_the_closest_name(tmp_path, model, hint):
    with pytest.raises(ManifestError) as info:
        load_manifest(write(tmp_path / "m.yaml", f"model: {model}\njobs:\n  - prompt: x\n"))
    text = str(info.value)
    assert "m.yaml:3: field 'model'" in text and f"unknown model '{model}'" in text and hint in text
    assert "models.passthrough" in text


BAD = [
    ("m.yaml", "model: kling-text2video\njobs:\n  - prompt: x\n    mode: turbo\n", "m.yaml:4: field 'mode'"),
    ("m.yaml", "model: kling-1.6-text2video\njobs:\n  - prompt: x\n    mode: pro\n", "pro mode is not offered"),
    ("m.yaml", "model: kling-text2video\njobs:\n  - prompt: x\n    aspect_ratio: '4:3'\n", "field 'aspect_ratio'"),
    ("m.yaml", "model: kling-text2video\njobs:\n  - prompt: x\n    cfg_scale: 1.5\n", "out of range"),
    ("m.yaml", "model: kling-text2video\njobs:\n  - prompt: x\n    duration: 7\n", "use 5 or 10"),
    ("m.yaml", "model: kling-text2video\njobs:\n  - negative_prompt: x\n", "'prompt' is required"),
    ("m.yaml", "model: kling-text2video\njobs:\n  - prompt: 5\n", "must be text"),
    ("m.yaml", "model: kling-text2video\njobs:\n  - prompt: x\n    promt: y\n", "did you mean 'prompt'"),
    ("m.yaml", "jobs:\n  - prompt: x\n", "no model given"),
    ("m.yaml", "model: kling-text2video\njobs:\n  - id: a/b\n    prompt: x\n", "field 'id'"),
    ("m.yaml", "model: kling-text2video\njobs:\n  - {id: a, prompt: x}\n  - {id: a, prompt: y}\n", "already used"),
    ("m.yaml", "model: kling-text2video\njobs:\n  - prompt: x\n    prompt: y\n", "duplicate key"),
    ("m.yaml", "model: kling-text2video\njobs: [\n", "not valid YAML"),
    ("m.yaml", "a: &x [1]\nb: *x\n", "anchors and aliases"),
    ("m.yaml", "model: kling-text2video\njobs: []\n", "no jobs"),
    ("m.yaml", "model: kling-text2video\ntasks: []\n", "unknown top-level key"),
    ("m.yaml", "", "empty"),
    ("m.yaml", "model: kling-text2video\njobs:\n  - prompt: .nan\n    cfg_scale: .nan\n", "field 'cfg_scale'"),
    ("m.csv", "prompt,model\nx\n", "row has 1 cells"),
    ("m.csv", "prompt,prompt\nx,y\n", "names this column twice"),
    ("m.jsonl", '{"model":"kling-text2video","prompt":"x"}\nnot json\n', "m.jsonl:2"),
    ("m.jsonl", '{"model":"kling-text2video","prompt":"x","prompt":"y"}\n', "duplicate key"),
    ("m.jsonl", '{"model":"kling-text2video","prompt":"x","cfg_scale":NaN}\n', "not valid JSON"),
    ("m.jsonl", "[1,2]\n", "one JSON object"),
    ("m.txt", "whatever", "unknown manifest type"),
]


@pytest.mark.parametrize(("name", "text", "expected"), BAD)
def test_bad_manifests_name_file_line_and_field(tmp_path, name, text, expected):
    with pytest.raises(ManifestError) as caught:
        load_manifest(write(tmp_path / name, text))
    assert expected in str(caught.value)
    assert "nothing was submitted" in str(caught.value)


def test_every_problem_is_reported_at_once(tmp_path):
    text = "model: kling-text2video\njobs:\n  - prompt: x\n    mode: a\n  - prompt: y\n    duration: 3\n"
    with pytest.raises(ManifestError) as caught:
        load_manifest(write(tmp_path / "m.yaml", text))
    assert [(p.line, p.field) for p in caught.value.problems] == [(4, "mode"), (6, "duration")]


def test_binary_and_wrong_encoding(tmp_path):
    (tmp_path / "bin.yaml").write_bytes(b"model: x\n\x00\x01\x02")
    with pytest.raises(ManifestError, match="NUL byte"):
        load_manifest(tmp_path / "bin.yaml")
    (tmp_path / "latin.csv").write_bytes("model,prompt\nkling-text2video,caf\xe9\n".encode("latin-1"))
    with pytest.raises(ManifestError, match=r"latin.csv:2: is not valid UTF-8"):
        load_manifest(tmp_path / "latin.csv")
    with pytest.raises(ManifestError, match="no such file"):
        load_manifest(tmp_path / "missing.yaml")
