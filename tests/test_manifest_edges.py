"""A manifest at its edges: every problem at its own line and field, every job after a bad one still read,
ids that belong to a job's values (not to its place in the file), image paths from the manifest's folder, and
values that cannot be sent refused before anything is.

The promises: a bad manifest submits nothing and names file, line and field for every problem at once; a
good one becomes exactly the jobs it describes, with ids that stay the same as long as the values do."""

from __future__ import annotations

import datetime
import errno
from pathlib import Path
from typing import Any

import pytest

from batchgen import manifest as manifest_module
from batchgen.errors import ManifestError
from batchgen.manifest import load_manifest
from batchgen.models import image_folder
from tests.helpers import jpeg_bytes, png_bytes, write

T2V = "kling-text2video"
I2V = "kling-1.6-image2video"


def problems(path: Path, **kwargs) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(ManifestError) as caught:
        load_manifest(path, **kwargs)
    return [(p.line, p.field, p.message) for p in caught.value.problems]


# --------------------------------------------------------------------------- values JSON cannot carry


def test_a_date_for_a_model_without_a_schema_is_named_not_a_crash(tmp_path):
    long = "n" * 90
    text = (
        "model: own\ndefaults:\n  made: 2024-01-03\njobs:\n  - prompt: p\n    when: 2024-01-01\n"
        f"    extra: {{at: [2024-01-02], note: {long}}}\n  - {{prompt: q, made: x}}\n  - {{prompt: r}}\n"
    )
    cannot = "which JSON cannot carry; quote it in the manifest to send it as text"
    shown = str({"at": [datetime.date(2024, 1, 2)], "note": long})[:80]
    assert len(shown) == 80
    assert problems(write(tmp_path / "m.yaml", text), passthrough=["own"]) == [
        (5, "made", f"2024-01-03 is a date, {cannot}"),  # from the defaults: named at the job
        (6, "when", f"2024-01-01 is a date, {cannot}"),
        (7, "extra", f"{shown} holds a date, {cannot}"),
        (9, "made", f"2024-01-03 is a date, {cannot}"),
    ]
    quoted = write(tmp_path / "q.yaml", "jobs:\n  - {model: own, prompt: q, when: '2024-01-01', n: [1, {a: null}]}\n")
    (job,) = load_manifest(quoted, passthrough=["own"]).jobs
    assert job.params == {"prompt": "q", "when": "2024-01-01", "n": [1, {"a": None}]}


# --------------------------------------------------------------------------- the file itself


def test_a_file_that_cannot_be_read_says_why_and_a_nul_byte_is_found_at_its_first_line(tmp_path, monkeypatch):
    path = write(tmp_path / "m.yaml", f"model: {T2V}\njobs: []\n")

    def refuse(self):
        raise OSError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    assert problems(path) == [(None, None, "cannot be read: Permission denied")]

    def fail(self):
        raise OSError("the disk went away")

    monkeypatch.setattr(Path, "read_bytes", fail)
    assert problems(path) == [(None, None, "cannot be read: the disk went away")]
    monkeypatch.undo()
    nul = tmp_path / "n.yaml"
    nul.write_bytes(b"model: x\n\x00\njobs:\n\x00\n")
    assert problems(nul) == [(2, None, "contains a NUL byte; this is not a text file (save it as UTF-8 text)")]


def test_the_manifest_keeps_the_path_it_was_read_from(tmp_path):
    path = write(tmp_path / "m.yaml", f"model: {T2V}\njobs:\n  - prompt: a\n")
    manifest = load_manifest(path)
    assert manifest.path == str(path) and manifest.jobs[0].source == f"{path}:3"


# --------------------------------------------------------------------------- YAML


def test_yaml_problems_name_the_line_and_key_where_they_are(tmp_path):
    assert problems(write(tmp_path / "d.yaml", "jobs:\n  - prompt: a\n    prompt: b\n")) == [
        (3, "prompt", "duplicate key; each key may appear once per mapping")
    ]
    assert problems(write(tmp_path / "s.yaml", "jobs:\n  - prompt: [a\n")) == [
        (3, None, "is not valid YAML: did not find expected ',' or ']'")
    ]


def test_bad_defaults_beside_a_good_jobs_list_are_named_not_a_crash(tmp_path):
    path = write(tmp_path / "m.yaml", f"model: {T2V}\ndefaults: [1]\njobs:\n  - prompt: a\n")
    assert problems(path) == [(2, "defaults", "must be a mapping of parameter names to values")]


def test_every_job_of_a_yaml_mapping_that_is_not_a_mapping_is_named(tmp_path):
    path = write(tmp_path / "m.yaml", f"model: {T2V}\njobs:\n  - 5\n  - prompt: a\n  - [b]\n")
    assert problems(path) == [
        (3, None, "each job must be a mapping of parameter names to values"),
        (5, None, "each job must be a mapping of parameter names to values"),
    ]


def test_a_problem_from_the_defaults_is_named_at_the_job_it_reaches(tmp_path):
    path = write(tmp_path / "m.yaml", f"model: {T2V}\ndefaults:\n  cfg_scale: .nan\n  mode: bad\njobs:\n"
                                      "  - prompt: a\n  - prompt: b\n")  # fmt: skip
    bad_mode = "'bad' is not allowed for kling-text2video; use one of 'std', 'pro'"
    assert problems(path) == [
        (6, "cfg_scale", "nan is not a usable number"), (6, "cfg_scale", "must be a number, got nan"),
        (6, "mode", bad_mode),
        (7, "cfg_scale", "nan is not a usable number"), (7, "cfg_scale", "must be a number, got nan"),
        (7, "mode", bad_mode),
    ]  # fmt: skip


def test_each_job_problem_is_named_at_the_line_of_its_own_key(tmp_path):
    path = write(tmp_path / "m.yaml", f"model: {T2V}\njobs:\n  - prompt: a\n    repeat: 0\n"
                                      "  - prompt: b\n    model: 'bad model!'\n  - prompt: c\n    model: sora\n"
                                      "  - prompt: d\n    id: 'bad id!'\n  - prompt: e\n    id: x\n"
                                      "  - prompt: f\n    id: x\n  - prompt: g\n    meta.: 5\n")  # fmt: skip
    found = problems(path)
    assert [(line, name) for line, name, _ in found] == [(4, "repeat"), (6, "model"), (8, "model"), (10, "id"),
                                                        (14, "id"), (16, "meta.")]  # fmt: skip
    assert found[0][2] == "must be a whole number from 1 to 1000"
    assert found[1][2].startswith("'bad model!' is not a model name")
    assert found[2][2].startswith("unknown model 'sora'")
    assert found[3][2].startswith("'bad id!' is not a valid id")
    assert found[4][2] == "id 'x' is already used by the job at line 11; ids must be unique"
    assert found[5][2].startswith("unknown parameter for kling-text2video (known: ")


def test_jobs_after_a_job_without_a_model_or_with_a_bad_one_are_still_checked(tmp_path):
    path = write(tmp_path / "m.yaml", "jobs:\n  - prompt: a\n  - {model: 'bad!', prompt: b}\n"
                                      f"  - {{model: {T2V}, prompt: c, mode: bad}}\n")  # fmt: skip
    assert problems(path) == [
        (2, "model", "no model given; set 'model' for the job (or at the top of a YAML manifest)"),
        (3, "model", "'bad!' is not a model name; use a slug such as kling-text2video (ASCII letters, digits, '.', "
                     "'_' and '-')"),
        (4, "mode", "'bad' is not allowed for kling-text2video; use one of 'std', 'pro'"),
    ]  # fmt: skip


def test_a_long_model_name_is_shown_cut_to_sixty_characters(tmp_path):
    bad, unknown = "b" * 70 + "!", "u" * 70
    path = write(
        tmp_path / "m.yaml", f"jobs:\n  - {{model: '{bad}', prompt: a}}\n  - {{model: {unknown}, prompt: b}}\n"
    )
    found = problems(path)
    assert found[0][2].startswith(f"'{'b' * 60}' is not a model name;")
    assert found[1][2].startswith(f"unknown model '{'u' * 60}' (known: ")


# --------------------------------------------------------------------------- ids


def test_a_derived_id_belongs_to_the_jobs_values_not_to_its_place(tmp_path):
    forward = write(tmp_path / "a.yaml", f"model: {T2V}\njobs:\n  - prompt: a\n  - prompt: b\n  - prompt: a\n")
    backward = write(tmp_path / "b.yaml", f"model: {T2V}\njobs:\n  - prompt: b\n  - prompt: a\n  - prompt: a\n")
    ids = {job.id: job.params["prompt"] for job in load_manifest(forward).jobs}
    assert {job.id: job.params["prompt"] for job in load_manifest(backward).jobs} == ids
    assert sorted(ids.values()) == ["a", "a", "b"]
    (first, second) = [i for i, prompt in ids.items() if prompt == "a"]
    assert second == f"{first}-2"


def test_a_derived_id_holds_an_image_by_its_digest_so_a_moved_folder_keeps_its_ids(tmp_path):
    """A job without an id is named by its values, an image by its content: the same manifest and picture in
    another folder are the same jobs (a re-run from there sends nothing again), another picture another job."""

    def derived(folder: Path, picture: bytes) -> str:
        (folder / "frames").mkdir(parents=True)
        (folder / "frames" / "a.png").write_bytes(picture)
        text = "model: kling-1.6-image2video\njobs:\n  - {prompt: waves, image: frames/a.png}\n"
        path = write(folder / "m.yaml", text)
        (job,) = load_manifest(path).jobs
        return job.id

    picture = png_bytes(640, 360, seed=1)
    first = derived(tmp_path / "here", picture)
    assert derived(tmp_path / "elsewhere" / "moved", picture) == first
    assert derived(tmp_path / "other", png_bytes(640, 360, seed=2)) != first


def test_an_id_given_to_one_job_and_derived_by_another_is_named_at_the_second(tmp_path):
    (derived,) = load_manifest(write(tmp_path / "one.yaml", f"model: {T2V}\njobs:\n  - prompt: b\n")).jobs
    path = write(tmp_path / "m.yaml", f"model: {T2V}\njobs:\n  - {{id: {derived.id}, prompt: a}}\n  - prompt: b\n")
    assert problems(path) == [
        (4, "id", f"id '{derived.id}' is already used by the job at line 3; ids must be unique"),
    ]


def test_the_same_job_written_with_its_keys_in_another_order_is_the_same_job(tmp_path):
    path = write(tmp_path / "m.yaml", f"model: {T2V}\njobs:\n  - {{prompt: p, duration: 5, mode: std}}\n"
                                      "  - {mode: std, duration: 5, prompt: p}\n")  # fmt: skip
    first, second = (job.id for job in load_manifest(path).jobs)
    assert second == f"{first}-2"


def test_an_id_s_foreign_letters_are_named_three_at_most_and_ascii_ones_never(tmp_path):
    cyrillic = "\u0430\u0435\u043e\u0440"  # a, e, o, p look-alikes
    lines = [f'{{"model":"{T2V}","prompt":"p","id":"{job_id}"}}' for job_id in
             (f"x{cyrillic}", "x\\u0080", "x\\u007fy")]  # fmt: skip
    found = problems(write(tmp_path / "m.jsonl", "\n".join(lines) + "\n"))
    rule = "is not a valid id; use 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit"
    named = "; ".join(
        f"'{c}' is CYRILLIC SMALL LETTER {n} (U+{ord(c):04X})"
        for c, n in zip(cyrillic[:3], ("A", "IE", "O"), strict=True)
    )
    assert found == [
        (1, "id", f"{'x' + cyrillic!r} {rule} ({named}; type it as its ASCII look-alike)"),
        (2, "id", f"{'x' + chr(0x80)!r} {rule} ('\x80' is an unnamed character (U+0080); type it as its ASCII "
                  "look-alike)"),
        (3, "id", f"{'x' + chr(0x7F) + 'y'!r} {rule}"),
    ]  # fmt: skip


def test_a_value_of_two_curly_quotes_is_warned_about(tmp_path):
    path = write(tmp_path / "m.yaml", f"model: {T2V}\njobs:\n  - {{id: q, prompt: \u00ab\u00bb}}\n")
    assert load_manifest(path).warnings == [
        "warning: job q: prompt is wrapped in curly quotes (\u00ab…\u00bb); they are sent as part of the text. "
        "Remove them if they are not meant to be there"
    ]


# --------------------------------------------------------------------------- CSV and JSONL


def test_a_csv_model_comment_needs_no_space_and_a_colon_in_it_is_part_of_the_name(tmp_path):
    (job,) = load_manifest(write(tmp_path / "a.csv", f"#model: {T2V}\nprompt\na\n")).jobs
    assert job.model == T2V
    assert problems(write(tmp_path / "b.csv", "# model: kling:text2video\nprompt\na\n")) == [
        (3, "model", "'kling:text2video' is not a model name; use a slug such as kling-text2video (ASCII letters, "
                     "digits, '.', '_' and '-')"),
    ]  # fmt: skip


def test_an_empty_csv_file_is_named_as_such(tmp_path):
    assert problems(write(tmp_path / "m.csv", "")) == [
        (None, None, "the file is empty; a CSV manifest needs a header row")
    ]


def test_a_csv_reads_every_row_past_blank_and_short_ones(tmp_path):
    path = write(tmp_path / "m.csv", f"# model: {T2V}\nprompt,mode\na,std\n,\nb,pro\n")
    assert [job.params["prompt"] for job in load_manifest(path).jobs] == ["a", "b"]
    short = write(tmp_path / "s.csv", f"# model: {T2V}\nprompt,mode\nc\na,std\nd\n")
    assert problems(short) == [
        (3, None, "row has 1 cells but the header has 2 columns"),
        (5, None, "row has 1 cells but the header has 2 columns"),
    ]


def test_a_csv_cell_of_only_spaces_is_empty_and_means_the_default(tmp_path):
    path = write(tmp_path / "m.csv", f"# model: {T2V}\nprompt,mode,negative_prompt,duration\na,  ,   , \n")
    (job,) = load_manifest(path).jobs
    assert job.params == {"prompt": "a"}


def test_a_csv_cell_keeps_its_line_ends_as_written_and_one_column_may_hold_any_letter(tmp_path):
    path = tmp_path / "m.csv"
    path.write_bytes(f'# model: {T2V}\r\nprompt\r\n"two\r\nlines"\r\n"cr\ronly"\r\n'.encode())
    assert [job.params["prompt"] for job in load_manifest(path).jobs] == ["two\r\nlines", "cr\ronly"]
    (job,) = load_manifest(write(tmp_path / "o.csv", "# model: own\nTEXT\nhello\n"), passthrough=["own"]).jobs
    assert job.params == {"TEXT": "hello"}


def test_a_csv_with_old_mac_line_ends_reads_every_row(tmp_path):
    path = write(tmp_path / "m.csv", f"# model: {T2V}\rprompt\ra\rb\r")
    assert [job.params["prompt"] for job in load_manifest(path).jobs] == ["a", "b"]


def test_jsonl_problems_on_every_line_each_in_full(tmp_path):
    path = write(tmp_path / "m.jsonl", f'{{"model":"{T2V}","prompt":"a","prompt":"b"}}\n{{"model":"{T2V}",\n'
                                       f'[1]\n{{"model":"{T2V}","prompt":"d","prompt":"e"}}\n')  # fmt: skip
    assert problems(path) == [
        (1, "prompt", "duplicate key; each key may appear once per job"),
        (2, None, "is not valid JSON: Expecting property name enclosed in double quotes: line 1 column 29 (char 28)"),
        (3, None, "each line must be one JSON object (a job)"),
        (4, "prompt", "duplicate key; each key may appear once per job"),
    ]


def test_a_jsonl_jobs_problems_are_at_its_line_and_its_text_is_not_read_as_numbers(tmp_path):
    path = write(tmp_path / "m.jsonl", f'{{"model":"{T2V}","prompt":"a"}}\n\n{{"model":"{T2V}","prompt":"b",'
                                       '"mode":"bad","repeat":"2"}\n')  # fmt: skip
    assert problems(path) == [(3, "repeat", "must be a whole number from 1 to 1000")]
    path.write_text(f'{{"model":"{T2V}","prompt":"a"}}\n\n{{"model":"{T2V}","prompt":"b","mode":"bad"}}\n')
    assert problems(path) == [(3, "mode", "'bad' is not allowed for kling-text2video; use one of 'std', 'pro'")]


# --------------------------------------------------------------------------- the matrix


def test_a_fixed_bad_value_in_a_matrix_is_named_once_at_its_own_line(tmp_path):
    path = write(tmp_path / "m.yaml", f"model: {T2V}\nmatrix:\n  prompt: [a, b, c]\n  name: 'bad!'\n")
    assert problems(path) == [(4, "name", "must be a short id-like prefix such as 'pets'")]
    fixed = write(tmp_path / "f.yaml", f"model: {T2V}\nmatrix:\n  prompt: [a, b, c]\n  duration: 5\n  mode: bad\n")
    assert problems(fixed) == [(5, "mode", "'bad' is not allowed for kling-text2video; use one of 'std', 'pro'")]


def test_a_matrix_id_already_taken_by_a_job_is_named_at_the_matrix(tmp_path):
    path = write(tmp_path / "m.yaml", f"model: {T2V}\njobs:\n  - {{id: pets-a, prompt: x}}\nmatrix:\n  name: pets\n"
                                      "  prompt: [a, b]\n")  # fmt: skip
    assert problems(path) == [(4, "id", "id 'pets-a' is already used by the job at line 3; ids must be unique")]


def test_every_matrix_block_is_checked_after_one_over_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(manifest_module, "MAX_MATRIX_JOBS", 2)
    path = write(tmp_path / "m.yaml", f"model: {T2V}\nmatrix:\n  - prompt: [a, b, c]\n  - prompt: []\n"
                                      "  - prompt: [d]\n")  # fmt: skip
    assert problems(path) == [
        (3, "matrix", "expands to 3 jobs; the limit is 2"),
        (4, "prompt", "an empty list would make no jobs"),
    ]


def test_matrix_values_that_are_not_text_are_named_even_when_their_ids_clash(tmp_path):
    path = write(tmp_path / "m.yaml", f"model: {T2V}\nmatrix:\n  prompt: [2024-01-01, '2024-01-01']\n")
    assert problems(path) == [(3, "prompt", "must be text, got date")]


def test_matrix_ids_are_cut_at_word_ends_and_at_120_characters(tmp_path):
    path = write(tmp_path / "m.yaml", f"model: {T2V}\nmatrix:\n  name: n\n"
                                      f"  prompt: ['abcdefghijklmnopqrstuvw xyz', '!{'b' * 30}']\n")  # fmt: skip
    assert [job.id for job in load_manifest(path).jobs] == ["n-abcdefghijklmnopqrstuvw", "n-" + "b" * 24]
    inner = write(tmp_path / "i.yaml", f"model: {T2V}\nmatrix:\n  name: n\n  prompt: ['abcdefghijklmnopqrstuvw xyz']\n"
                                        "  negative_prompt: [nope]\n")  # fmt: skip
    assert [job.id for job in load_manifest(inner).jobs] == ["n-abcdefghijklmnopqrstuvw-nope"]
    long = {k: "k" * 24 for k in "abc"}  # name 40, three parts of 24 and one of 3: a '-' falls at the 120th
    text = "".join(f"  {k}: ['{v}']\n" for k, v in long.items()) + "  d: [ddd]\n  e: [ee]\n"
    wide = write(tmp_path / "w.yaml", f"model: own\nmatrix:\n  name: '{'n' * 40}'\n" + text)
    (job,) = load_manifest(wide, passthrough=["own"]).jobs
    assert job.id == "-".join(["n" * 40, "k" * 24, "k" * 24, "k" * 24, "ddd"])
    assert len(job.id) == 119
    alone = write(tmp_path / "x.yaml", f"model: {T2V}\nmatrix:\n  name: takeX\n  prompt: p\n")
    assert [job.id for job in load_manifest(alone).jobs] == ["takeX"]


def test_a_manifest_of_one_problem_says_one_problem_and_of_two_says_two(tmp_path):
    one = write(tmp_path / "one.yaml", f"model: {T2V}\njobs:\n  - {{id: a, prompt: p, duration: 7}}\n")
    with pytest.raises(ManifestError) as caught:
        load_manifest(one)
    assert str(caught.value).startswith("the manifest has 1 problem; nothing was submitted:\n")
    two = write(tmp_path / "two.yaml", f"model: {T2V}\njobs:\n  - {{id: a, prompt: p, duration: 7}}\n"
                                       "  - {id: b, prompt: p, duration: 8}\n")  # fmt: skip
    with pytest.raises(ManifestError) as caught:
        load_manifest(two)
    assert str(caught.value).startswith("the manifest has 2 problems; nothing was submitted:\n")


# --------------------------------------------------------------------------- images


@pytest.fixture
def frames(tmp_path, monkeypatch):
    """A manifest folder with two frames, and a working folder elsewhere (paths start at the manifest's)."""
    folder = tmp_path / "shoot"
    (folder / "frames").mkdir(parents=True)
    for stem in ("a", "b"):
        (folder / "frames" / f"{stem}.png").write_bytes(png_bytes(640, 360, seed=ord(stem)))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    return folder


def test_an_images_block_makes_a_job_per_image_beside_jobs_and_a_matrix(frames):
    path = write(frames / "m.yaml", f"model: {I2V}\nmatrix:\n  name: mx\n  image: frames/a.png\n  prompt: [p]\n"
                                    "images:\n  from: frames\n  prompt: '{stem} moves'\n"
                                    "jobs:\n  - {id: one, image: frames/b.png, prompt: q}\n")  # fmt: skip
    made = load_manifest(path).jobs
    assert [(job.id, job.params["prompt"], job.params["image"]["file"], job.source) for job in made] == [
        ("one", "q", "frames/b.png", f"{path}:10"),
        ("mx-p", "p", "frames/a.png", f"{path}:2"),
        ("a", "a moves", "frames/a.png", f"{path}:6"),
        ("b", "b moves", "frames/b.png", f"{path}:6"),
    ]
    assert made[2].params["image"]["path"] == str(frames / "frames" / "a.png")
    alone = write(frames / "i.yaml", f"images:\n  model: {I2V}\n  from: frames/*.png\n  prompt: '{{stem}}'\n")
    assert [(job.id, job.model) for job in load_manifest(alone).jobs] == [("a", I2V), ("b", I2V)]


def test_an_images_blocks_problems_are_named_at_their_lines(frames):
    path = write(frames / "m.yaml", f"model: {I2V}\nimages:\n  prompt: '{{stem}}'\n  mode: bad\n  from: frames\n")
    assert problems(path) == [(4, "mode", f"'bad' is not allowed for {I2V}; use one of 'std', 'pro'")]  # once
    nothing = write(frames / "n.yaml", f"model: {I2V}\nimages:\n  prompt: '{{stem}}'\n  from: shots\n")
    assert problems(nothing) == [(4, "images.from", "'shots' matches no image files")]
    not_a_block = write(frames / "b.yaml", f"model: {I2V}\nimages: 5\n")
    assert problems(not_a_block) == [
        (2, "images", "must be a mapping such as {from: 'frames/*.png', prompt: '{stem}'}")
    ]


def test_an_images_block_names_the_keys_it_does_not_take_instead_of_leaving_them_out(frames):
    # A list of models (or of repeats) was neither varied nor refused, and an id was dropped: the block made
    # half the jobs asked for, under the top-level model, without a word.
    path = write(frames / "m.yaml", f"model: {I2V}\nimages:\n  from: frames\n  prompt: '{{stem}}'\n"
                                    f"  model: [{I2V}, kling-2.1]\n  repeat: [1, 2]\n  id: shot\n")  # fmt: skip
    assert [(line, field) for line, field, _ in problems(path)] == [
        (7, "images.id"),
        (5, "images.model"),
        (6, "images.repeat"),
    ]
    assert "does not vary its model" in problems(path)[1][2]
    one = write(frames / "o.yaml", f"images:\n  from: frames\n  prompt: '{{stem}}'\n  model: {I2V}\n  repeat: 2\n")
    assert [job.id for job in load_manifest(one).jobs] == ["a-r1", "a-r2", "b-r1", "b-r2"]


def test_an_images_block_that_varies_a_parameter_over_an_empty_list_is_refused_not_left_with_no_jobs(frames):
    path = write(frames / "m.yaml", f"model: {I2V}\nimages:\n  from: frames\n  prompt: '{{stem}}'\n  mode: []\n")
    assert problems(path) == [(5, "mode", "an empty list would make no jobs")]


def test_a_shot_that_is_not_a_mapping_is_named_at_its_own_line(tmp_path):
    path = write(tmp_path / "m.yaml", "model: kling-3-standard-text2video\njobs:\n  - prompt: p\n    multi_prompt:\n"
                                      "      - {prompt: a}\n      - just text\n      - {promt: c}\n")  # fmt: skip
    assert [(line, field) for line, field, _ in problems(path)] == [
        (6, "multi_prompt[1]"),
        (7, "multi_prompt[2].promt"),
        (7, "multi_prompt[2].prompt"),
    ]


def test_an_images_block_of_a_misspelt_or_text_only_model_says_so_not_which_parameter(frames):
    # Both were told "say which parameter takes the image (param: image); the model has none or several",
    # hiding the misspelt name (and its "did you mean") or that the model takes no image at all.
    misspelt = write(frames / "m.yaml", f"model: {I2V[:-1]}\nimages:\n  from: frames\n  prompt: '{{stem}}'\n")
    (line, field, message), *_ = problems(misspelt)
    assert (line, field) == (2, "model") and f"did you mean '{I2V}'?" in message
    text_only = write(frames / "t.yaml", "images:\n  from: frames\n  model: kling-text2video\n  prompt: p\n")
    assert problems(text_only) == [
        (3, "model", "kling-text2video takes no image (text-to-video); give an image-to-video model "
                     "('batchgen models' lists them)")
    ]  # fmt: skip


def test_two_images_of_one_name_are_both_named_where_their_ids_collide(frames):
    # a.png and a.jpg (or frames/a.png and frames/old/a.png) were told "id 'a' is already used by the job at
    # line 2": the line of the block, both, and neither file.
    (frames / "frames" / "a.jpg").write_bytes(jpeg_bytes(640, 360))
    path = write(frames / "m.yaml", f"model: {I2V}\nimages:\n  prompt: '{{stem}}'\n  from: frames\n")
    assert problems(path) == [
        (4, "images.from", "'frames/a.jpg' and 'frames/a.png' both make the job id 'a'; rename one")
    ]


def test_an_images_block_may_match_as_many_files_as_its_limit_and_not_one_more(frames, monkeypatch):
    path = write(frames / "m.yaml", f"model: {I2V}\nimages:\n  prompt: '{{stem}}'\n  from: frames\n")
    monkeypatch.setattr(image_folder, "MAX_IMAGES", 2)
    assert [job.id for job in load_manifest(path).jobs] == ["a", "b"]
    monkeypatch.setattr(image_folder, "MAX_IMAGES", 1)
    assert problems(path) == [(2, "images.from", "matches 2 files; the limit is 1")]


def test_an_image_of_a_long_name_makes_a_job_whose_id_is_cut_to_a_usable_length(frames):
    long = "shot-" + "x" * 140
    (frames / "frames" / f"{long}.png").write_bytes(png_bytes(640, 360, seed=3))
    path = write(frames / "m.yaml", f"model: {I2V}\nimages:\n  prompt: '{{stem}}'\n  from: frames\n")
    assert [job.id for job in load_manifest(path).jobs] == ["a", "b", long[:120]]


def test_an_image_whose_name_has_no_id_safe_letters_at_its_ends_still_makes_a_valid_job_id(frames):
    # "(copy).png" and "été.png": the id keeps the usable letters, or is "image", never one a job id cannot be
    (frames / "frames" / "(copy).png").write_bytes(png_bytes(640, 360, seed=4))
    (frames / "frames" / "\u00e9\u00e9.png").write_bytes(png_bytes(640, 360, seed=5))
    path = write(frames / "m.yaml", f"model: {I2V}\nimages:\n  prompt: '{{stem}}'\n  from: frames\n")
    assert sorted(job.id for job in load_manifest(path).jobs) == ["a", "b", "copy", "image"]


def test_a_frame_that_is_not_an_image_is_named_at_the_images_block(frames):
    (frames / "frames" / "c.png").write_bytes(b"not a picture at all" * 50)
    path = write(frames / "m.yaml", f"model: {I2V}\nimages:\n  prompt: '{{stem}}'\n  from: frames\n")
    assert problems(path) == [
        (2, "image", "image 'frames/c.png' is not a JPEG or PNG image (by its content); save it as JPEG or PNG")
    ]


def test_an_images_block_for_a_model_without_a_schema_names_its_parameter(frames):
    path = write(frames / "m.yaml", "model: own\nimages:\n  from: frames/*.png\n  param: picture\n  prompt: '{stem}'\n")
    made = load_manifest(path, passthrough=["own"]).jobs
    assert [(job.id, job.params) for job in made] == [
        ("a", {"picture": "frames/a.png", "prompt": "a"}),
        ("b", {"picture": "frames/b.png", "prompt": "b"}),
    ]
    unnamed = write(frames / "u.yaml", "model: own\nimages:\n  from: frames/*.png\n  prompt: '{stem}'\n")
    assert problems(unnamed, passthrough=["own"]) == [
        (2, "images.param", "say which parameter takes the image (param: image); the model has none or several")
    ]


def test_the_same_problem_of_every_job_of_an_images_block_is_listed_once_and_told_as_the_same(frames):
    path = write(frames / "m.yaml", f"model: {I2V}\nimages:\n  from: frames\n  mode: turbo\n  prompt: p\n")
    with pytest.raises(ManifestError) as caught:
        load_manifest(path)
    told = str(caught.value)  # two jobs, one problem each: the second is the first's, not one left unshown
    assert told.startswith("the manifest has 2 problems") and len(caught.value.problems) == 1
    assert "not shown" not in told
    assert told.endswith(
        "\n  ... and 1 more the same as one above (the same line and field, once for each job that line makes)"
    )


def test_an_images_folder_takes_image_files_whatever_the_case_of_their_extension(frames):
    (frames / "frames" / "C.PNG").write_bytes(png_bytes(640, 360, seed=3))
    (frames / "frames" / "d.JPEG").write_bytes(jpeg_bytes(640, 360))
    (frames / "frames" / "notes.md").write_text("not an image")
    path = write(frames / "m.yaml", f"model: {I2V}\nimages:\n  from: frames\n  prompt: '{{stem}}'\n")
    assert [job.id for job in load_manifest(path).jobs] == ["C", "a", "b", "d"]


def test_a_glob_of_everything_leaves_out_the_caption_files_and_a_caption_wins_over_the_template(frames):
    (frames / "frames" / "a.txt").write_text("a lighthouse in a storm\n")
    path = write(frames / "m.yaml", f"model: {I2V}\nimages:\n  from: 'frames/*'\n  prompt: '{{stem}} moves'\n")
    made = load_manifest(path).jobs
    assert [(job.id, job.params["prompt"]) for job in made] == [("a", "a lighthouse in a storm"), ("b", "b moves")]


def test_a_caption_saved_with_a_byte_order_mark_or_left_blank_is_read_as_a_person_means_it(frames):
    # Notepad's UTF-8 starts the file with a BOM: it is not part of the prompt sent (and paid for).
    (frames / "frames" / "a.txt").write_bytes("\ufeffa lighthouse in a storm\r\n".encode())
    (frames / "frames" / "b.txt").write_text("  \n")  # a blank caption: the template stands
    path = write(frames / "m.yaml", f"model: {I2V}\nimages:\n  from: frames\n  prompt: '{{stem}} moves'\n")
    made = load_manifest(path).jobs
    assert [(job.id, job.params["prompt"]) for job in made] == [("a", "a lighthouse in a storm"), ("b", "b moves")]


def test_an_images_block_for_a_model_with_two_image_fields_asks_which_one(frames):
    two = "kling-3-standard-image2video"  # a first frame and a last frame
    path = write(frames / "m.yaml", f"model: {two}\nimages:\n  from: frames\n  prompt: '{{stem}}'\n")
    assert problems(path) == [  # the ones it may be, in the spec's order
        (
            2,
            "images.param",
            "say which parameter takes the image: the model has several (param: start_image_url, param: end_image_url)",
        )
    ]
    named = write(frames / "n.yaml", f"model: {two}\nimages:\n  from: frames\n  param: start_image_url\n  prompt: p\n")
    assert [sorted(k for k, v in job.params.items() if isinstance(v, dict)) for job in load_manifest(named).jobs] == [
        ["start_image_url"],
        ["start_image_url"],
    ]


def test_the_jobs_an_images_block_makes_list_each_of_their_shared_problems_once(tmp_path):
    """Three images, one line: its two bad values are listed once each, and the other jobs' copies counted."""
    for i in range(3):
        (tmp_path / "frames").mkdir(exist_ok=True)
        (tmp_path / "frames" / f"shot-{i}.png").write_bytes(png_bytes(640, 360, seed=i))
    path = write(
        tmp_path / "m.yaml",
        "model: kling-1.6-image2video\nimages:\n  from: frames\n  prompt: waves\n  mode: best\n  duration: 7\n",
    )
    with pytest.raises(ManifestError) as caught:
        load_manifest(path)
    assert [(p.field, p.line) for p in caught.value.problems] == [("mode", 5), ("duration", 6)]
    assert str(caught.value).startswith("the manifest has 6 problems; nothing was submitted:")
    assert str(caught.value).endswith("\n  ... and 4 more the same as one above (the same line and field, once for "
                                      "each job that line makes)")  # fmt: skip


def _done_rows_then_gone(tmp_path: Path, states: list[str]) -> tuple[Path, dict[str, dict[str, Any]]]:
    """A manifest of one image's rows, the folder's record of each job (in ``states``), and the image deleted."""
    (tmp_path / "a.png").write_bytes(png_bytes(640, 360))
    rows = "".join(f"  - {{id: r{i}, image: a.png, prompt: p{i}}}\n" for i in range(len(states)))
    manifest = write(tmp_path / "m.yaml", "model: kling-1.6-image2video\njobs:\n" + rows)
    known: dict[str, dict[str, Any]] = {
        job.id: {"state": state, "model": job.model, "params": job.params}
        for job, state in zip(load_manifest(manifest).jobs, states, strict=True)
    }
    (tmp_path / "a.png").unlink()
    return manifest, known


def test_a_done_rows_deleted_image_is_needed_only_by_a_run_that_sends_its_job_again(tmp_path):
    # A failed or expired job is sent again only with its flag (--retry-failed, --resubmit-lost): a plain run
    # goes on without its row's image, and says which flag would send it; the run with the flag needs it.
    manifest, known = _done_rows_then_gone(tmp_path, ["expired", "failed", "completed"])
    loaded = load_manifest(manifest, known=known)
    assert [job.id for job in loaded.jobs] == ["r0", "r1", "r2"]
    expired, failed, completed = loaded.warnings
    assert expired.startswith(f"{manifest}:3: job 'r0': field 'image'") and "a.png" in expired
    assert "it is expired (sent again only with --resubmit-lost) in the output folder" in expired
    assert "it is failed (sent again only with --retry-failed) in the output folder" in failed
    assert "it is completed in the output folder (never sent again)" in completed
    for settled, line in ((("completed", "failed"), 3), (("completed", "expired"), 4)):
        with pytest.raises(ManifestError) as caught:
            load_manifest(manifest, known=known, settled=settled)
        assert [(p.line, p.field) for p in caught.value.problems] == [(line, "image")]


def test_many_done_rows_of_a_deleted_image_are_counted_by_what_the_folder_holds_of_them(tmp_path):
    manifest, known = _done_rows_then_gone(tmp_path, ["completed"] * 6 + ["failed"] + ["completed"])
    *whole, rest = load_manifest(manifest, known=known).warnings
    assert len(whole) == 5
    assert rest == (
        f"{manifest}: 3 more rows (lines 8 to 10) whose images are gone and whose jobs the output folder holds "
        "completed, failed or expired, told as above: this run sends none of them, so it goes on without them"
    )
    manifest, known = _done_rows_then_gone(tmp_path, ["completed"] * 8)
    assert load_manifest(manifest, known=known).warnings[-1].startswith(f"{manifest}: 3 more completed rows")
