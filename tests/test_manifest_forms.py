"""Every form a manifest may take, and every refusal in full: the matrix and its ids, CSV comments, repeats
and annotation columns, the top level of a YAML file, the limits, and the text of each problem.

The promises: a manifest becomes exactly the jobs it describes, with ids that stay the same as long as the
values do (an id that moves makes a re-run pay again); a bad manifest submits nothing and names file, line
and field for every problem at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from batchgen import manifest as manifest_module
from batchgen.errors import ManifestError
from batchgen.manifest import load_manifest
from batchgen.yaml_reader import YamlProblem, load_located
from tests.helpers import write

T2V = "kling-text2video"
ID_RULE = "is not a valid id; use 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit"
ONE_COLUMN = (
    "the header is one column split by {}; batchgen reads comma-separated CSV: save the file with ',' as the "
    "delimiter (or use a .yaml or .jsonl manifest)"
)


def problems(path: Path, **kwargs) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(ManifestError) as caught:
        load_manifest(path, **kwargs)
    assert "nothing was submitted" in str(caught.value)
    return [(p.line, p.field, p.message) for p in caught.value.problems]


def jobs(path: Path, **kwargs) -> list[tuple[str, dict, dict, str]]:
    return [(j.id, j.params, j.meta, j.source) for j in load_manifest(path, **kwargs).jobs]


# --------------------------------------------------------------------------- the matrix


def test_a_matrix_makes_one_job_per_combination_with_readable_ids(tmp_path):
    path = write(tmp_path / "m.yaml", f"model: {T2V}\nmatrix:\n  name: pets\n  prompt: ['a cat', 'A Dog!']\n"
                                      "  aspect_ratio: ['16:9', '9:16']\n  duration: 5\n")  # fmt: skip
    made = jobs(path)
    assert [(i, p) for i, p, _, _ in made] == [
        ("pets-a-cat-16-9", {"duration": 5, "prompt": "a cat", "aspect_ratio": "16:9"}),
        ("pets-a-cat-9-16", {"duration": 5, "prompt": "a cat", "aspect_ratio": "9:16"}),
        ("pets-a-dog-16-9", {"duration": 5, "prompt": "A Dog!", "aspect_ratio": "16:9"}),
        ("pets-a-dog-9-16", {"duration": 5, "prompt": "A Dog!", "aspect_ratio": "9:16"}),
    ]
    assert {s for _, _, _, s in made} == {f"{path}:2"}


def test_matrix_ids_that_would_clash_get_a_suffix_of_their_own_values_whatever_the_order(tmp_path):
    one, two = "same start of a long prompt number one", "same start of a long prompt number two"
    first = write(tmp_path / "a.yaml", f"model: {T2V}\nmatrix:\n  - name: x\n    prompt: ['{one}', '{two}', 'short']\n"
                                       "  - prompt: ['z']\n    repeat: 2\n")  # fmt: skip
    assert [i for i, *_ in jobs(first)] == [
        "x-same-start-of-a-long-pro-abb69d", "x-same-start-of-a-long-pro-b54c37", "x-short", "matrix-z-r1",
        "matrix-z-r2",
    ]  # fmt: skip
    reordered = write(tmp_path / "b.yaml", f"model: {T2V}\nmatrix:\n  name: x\n  prompt: ['short', '{two}', '{one}']\n")
    assert {i: p["prompt"] for i, p, *_ in jobs(reordered)} == {
        "x-short": "short", "x-same-start-of-a-long-pro-b54c37": two, "x-same-start-of-a-long-pro-abb69d": one,
    }  # fmt: skip
    odd = write(tmp_path / "c.yaml", f"model: {T2V}\nmatrix:\n  name: n\n  prompt: ['!!!', '-a-', '{'b' * 30}']\n")
    assert [i for i, *_ in jobs(odd)] == ["n-x", "n-a", "n-" + "b" * 24]


def test_a_matrix_that_cannot_make_jobs_says_why(tmp_path):
    path = write(tmp_path / "m.yaml", f"model: {T2V}\nmatrix:\n  - [1]\n  - name: 'bad name!'\n    prompt: ['a']\n"
                                      f"  - name: '{'n' * 41}'\n    prompt: ['a']\n  - prompt: []\n    mode: []\n"
                                      "  - name: 5\n    prompt: ['a']\n")  # fmt: skip
    assert problems(path) == [
        (3, "matrix", "must be a mapping of parameter names to lists of values"),
        (4, "name", "must be a short id-like prefix such as 'pets'"),
        (6, "name", "must be a short id-like prefix such as 'pets'"),
        (8, "prompt", "an empty list would make no jobs"),
        (9, "mode", "an empty list would make no jobs"),
        (10, "name", "must be a short id-like prefix such as 'pets'"),
    ]
    forty = write(tmp_path / "ok.yaml", f"model: {T2V}\nmatrix:\n  name: '{'n' * 40}'\n  prompt: ['a']\n")
    assert [i for i, *_ in jobs(forty)] == ["n" * 40 + "-a"]
    single = write(tmp_path / "one.yaml", f"model: {T2V}\nmatrix: [1]\n")
    assert problems(single) == [(2, "matrix", "must be a mapping of parameter names to lists of values")]


def test_a_matrix_over_the_limit_is_refused_before_it_is_expanded(tmp_path, monkeypatch):
    monkeypatch.setattr(manifest_module, "MAX_MATRIX_JOBS", 6)
    path = write(tmp_path / "m.yaml", f"model: {T2V}\nmatrix:\n  prompt: [a, b, c]\n  mode: [std, pro]\n")
    assert len(jobs(path)) == 6  # exactly the limit
    bigger = write(tmp_path / "n.yaml", f"model: {T2V}\nmatrix:\n  prompt: [a, b, c, d]\n  mode: [std, pro]\n")
    assert problems(bigger) == [(2, "matrix", "expands to 8 jobs; the limit is 6")]


# --------------------------------------------------------------------------- CSV


def test_a_csv_takes_its_model_from_a_comment_and_repeats_rows_with_their_annotations(tmp_path):
    path = write(tmp_path / "m.csv", f"# jobs for today\n  # model: {T2V}\nprompt,repeat,meta.take\n"
                                     "hello, 3 ,t1\n , \n")  # fmt: skip
    made = jobs(path)
    assert [i for i, *_ in made] == [made[0][0][:-3] + f"-r{k}" for k in (1, 2, 3)]
    assert made[0][0].startswith("kling-text2video-")
    assert all(p == {"prompt": "hello"} for _, p, _, _ in made)
    assert [(m, s) for _, _, m, s in made] == [({"take": "t1"}, f"{path}:4")] * 3
    bom = tmp_path / "bom.csv"
    bom.write_bytes(f"\ufeff# model: {T2V}\nprompt\nx\n".encode())
    assert len(jobs(bom)) == 1
    other = write(tmp_path / "o.csv", f"# note: model: {T2V}\n# model:\nprompt\nx\n")
    assert problems(other)[0][1:] == (
        "model",
        "no model given; set 'model' for the job (or at the top of a YAML manifest)",
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("# only a comment\n", [(None, None, "the file is empty; a CSV manifest needs a header row")]),
        ("prompt;model\nx;y\n", [(1, None, ONE_COLUMN.format("';'"))]),
        ("prompt\tmodel\n", [(1, None, ONE_COLUMN.format("tab"))]),
        ("prompt|model\n", [(1, None, ONE_COLUMN.format("'|'"))]),
        ("prompt,,model\nx,,y\n", [(1, "column 2", "the header has an empty column name")]),
        ("prompt, prompt\nx,y\n", [(1, "prompt", "the header names this column twice")]),
        ("model,prompt\nx\n", [(2, None, "row has 1 cells but the header has 2 columns")]),
        ('prompt,model\n"unterminated,x\n', [(2, None, "is not valid CSV: unexpected end of data")]),
        (f"# model: {T2V}\nprompt,repeat\na,x\nb,1001\nc,0\n",
         [(n, "repeat", "must be a whole number from 1 to 1000") for n in (3, 4, 5)]),
    ],
)  # fmt: skip
def test_csv_problems_in_full(tmp_path, text, expected):
    assert problems(write(tmp_path / "m.csv", text)) == expected


# --------------------------------------------------------------------------- YAML's top level and JSONL


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5\n", [(1, None, "the top level must be a mapping with 'jobs' (or a list of jobs)")]),
        (f"- prompt: a\n  model: {T2V}\n- 5\n", [(3, None, "each job must be a mapping of parameter names to values")]),
        ("model: 5\ndefaults: [1]\njobs: {a: 1}\n",
         [(1, "model", "must be a model name such as kling-text2video"),
          (2, "defaults", "must be a mapping of parameter names to values"), (3, "jobs", "must be a list of jobs")]),
        ("model: ''\njobs: []\n", [(1, "model", "must be a model name such as kling-text2video")]),
        (f"model: {T2V}\njobs: []\n", [(None, "jobs", "the manifest has no jobs")]),
        (f"model: {T2V}\n", [(None, "jobs", "the manifest has no 'jobs' list (or 'matrix' block)")]),
        (f"model: {T2V}\ntask: 1\n", [(2, "task", "unknown top-level key; use 'model', 'defaults', 'jobs', "
                                                  "'matrix' and 'images'"),
                                      (None, "jobs", "the manifest has no 'jobs' list (or 'matrix' block)")]),
        ("jobs:\n  - {model: 'bad model!', prompt: a}\n",
         [(2, "model", "'bad model!' is not a model name; use a slug such as kling-text2video (ASCII letters, "
                       "digits, '.', '_' and '-')")]),
        (f"model: {T2V}\njobs:\n  - prompt: a\n    cfg_scale: .inf\n",
         [(4, "cfg_scale", "inf is not a usable number"), (4, "cfg_scale", "must be a number, got inf")]),
    ],
)  # fmt: skip
def test_yaml_problems_in_full(tmp_path, text, expected):
    assert problems(write(tmp_path / "m.yaml", text)) == expected


def test_a_yaml_list_of_jobs_and_defaults_that_never_set_an_id_model_or_repeat(tmp_path):
    listed = write(tmp_path / "l.yaml", f"- {{model: {T2V}, prompt: a, id: one}}\n")
    assert jobs(listed) == [("one", {"prompt": "a"}, {}, f"{listed}:1")]
    # an id, model or repeat under defaults is not a parameter: refused at its line, never dropped in silence
    path = write(tmp_path / "m.yaml", f"model: {T2V}\ndefaults:\n  repeat: 3\n  duration: 10\n  model: kling-2\n"
                                      "  id: x\njobs:\n  - prompt: a\n")  # fmt: skip
    said = "is not taken from 'defaults' (it holds model parameters)"
    assert problems(path) == [
        (3, "defaults.repeat", f"{said}: write 'repeat:' on each job to repeat"),
        (5, "defaults.model", f"{said}: write 'model:' at the top of the manifest for every job, or on a job"),
        (6, "defaults.id", f"{said}: ids are given per job"),
    ]
    path.write_text(f"model: {T2V}\ndefaults: {{duration: 10}}\njobs:\n  - prompt: a\n")
    ((job_id, params, _, _),) = jobs(path)
    assert params == {"duration": 10, "prompt": "a"} and job_id.startswith("kling-text2video-")


def test_jsonl_skips_blank_lines_and_counts_them(tmp_path):
    path = write(tmp_path / "m.jsonl", f'\n{{"model":"{T2V}","prompt":"a","cfg_scale":Infinity}}\n\n'
                                       f'{{"model":"{T2V}","prompt":"b","meta.k":5}}\n')  # fmt: skip
    assert problems(path) == [(2, None, "is not valid JSON: Infinity is not a number JSON allows")]
    path.write_text(f'\n\n{{"model":"{T2V}","prompt":"b","meta.k":5,"id":"b"}}\n')
    assert jobs(path) == [("b", {"prompt": "b"}, {"k": "5"}, f"{path}:3")]


# --------------------------------------------------------------------------- ids, repeats, models


def test_bad_ids_repeats_and_reused_ids_are_named(tmp_path):
    path = write(tmp_path / "m.yaml", f"model: {T2V}\njobs:\n  - {{id: true, prompt: a}}\n  - {{id: 12, prompt: b}}\n"
                                      f"  - {{id: '{'x' * 129}', prompt: c}}\n  - id: cl\u0430\u0430de\n    prompt: d\n"
                                      "  - {prompt: e, repeat: true}\n  - {prompt: f, repeat: '2'}\n"
                                      "  - {id: r, prompt: g, repeat: 2}\n  - {id: r-r2, prompt: h}\n"
                                      "  - {prompt: i, repeat: 1000}\n")  # fmt: skip
    assert problems(path) == [
        (3, "id", f"'True' {ID_RULE}"),
        (5, "id", f"'{'x' * 80}' {ID_RULE}"),
        (6, "id", f"'cl\u0430\u0430de' {ID_RULE} ('\u0430' is CYRILLIC SMALL LETTER A (U+0430); type it as its "
                  "ASCII look-alike)"),
        (8, "repeat", "must be a whole number from 1 to 1000"),
        (9, "repeat", "must be a whole number from 1 to 1000"),
        (11, "id", "id 'r-r2' is already used by the job at line 10; ids must be unique"),
    ]  # fmt: skip
    assert (
        load_manifest(write(tmp_path / "ok.yaml", f"model: {T2V}\njobs:\n  - {{id: 12, prompt: b}}\n")).jobs[0].id
        == "12"
    )


def test_an_unknown_model_is_named_once_and_a_passthrough_model_is_warned_about_once(tmp_path):
    path = write(tmp_path / "m.yaml", "jobs:\n  - {model: sora, prompt: a}\n  - {model: sora, prompt: b}\n"
                                      "  - {model: veo, prompt: c}\n")  # fmt: skip
    found = problems(path)
    assert [(line, name) for line, name, _ in found] == [(2, "model"), (4, "model")]
    assert found[0][2].startswith("unknown model 'sora' (known: kling-1.6-text2video, ")
    assert found[0][2].endswith(". To send a model batchgen has no schema for, name it in the config under "
                                "models.passthrough")  # fmt: skip
    passed = write(tmp_path / "p.yaml", "jobs:\n  - {model: own-a, prompt: a}\n  - {model: own-a, prompt: b}\n")
    manifest = load_manifest(passed, passthrough=["own-a"])
    assert len(manifest.jobs) == 2
    assert manifest.warnings == [
        "model 'own-a' (models.passthrough) has no built-in schema; its parameters are sent unchecked"
    ]


def test_text_in_curly_quotes_is_sent_as_written_with_a_warning(tmp_path):
    text = f"model: {T2V}\njobs:\n  - {{id: q, prompt: \u00abhi\u00bb, negative_prompt: \u201c}}\n"
    path = write(tmp_path / "m.yaml", text + "  - {id: r, prompt: '\u201chalf', repeat: 2}\n")
    manifest = load_manifest(path)
    assert manifest.jobs[0].params == {"prompt": "\u00abhi\u00bb", "negative_prompt": "\u201c"}
    assert manifest.warnings == [
        "warning: job q: prompt is wrapped in curly quotes (\u00ab…\u00bb); they are sent as part of the text. Remove "
        "them if they are not meant to be there"
    ]


# --------------------------------------------------------------------------- the file itself, and many problems


def test_the_file_itself_nul_bytes_encoding_size_and_kind(tmp_path, monkeypatch):
    nul = tmp_path / "n.yaml"
    nul.write_bytes(b"model: x\njobs:\n\x00")
    assert problems(nul) == [(3, None, "contains a NUL byte; this is not a text file (save it as UTF-8 text)")]
    bad = tmp_path / "u.jsonl"
    bad.write_bytes(b'{"a": 1}\n{"b": "\xc3\x28"}\n')
    assert problems(bad) == [(2, None, "is not valid UTF-8 (byte 0xc3); save the file as UTF-8")]
    (tmp_path / "folder.yaml").mkdir()
    assert problems(tmp_path / "folder.yaml") == [(None, None, "is a folder, not a manifest file")]
    assert problems(tmp_path / "gone.csv") == [(None, None, "no such file; check the path")]
    assert problems(write(tmp_path / "m.txt", "x")) == [
        (None, None, "unknown manifest type; use a .yaml, .yml, .csv or .jsonl file")
    ]
    assert problems(write(tmp_path / "e.yml", "")) == [(None, None, "the file is empty")]
    monkeypatch.setattr(manifest_module, "MAX_MANIFEST_BYTES", 48)
    text = f"- {{model: {T2V}, prompt: abcdefghij}}\n"  # 48 bytes: at the limit
    assert len(text.encode()) == 48 and len(jobs(write(tmp_path / "ok.yaml", text))) == 1
    big = write(tmp_path / "big.yaml", text + " ")
    assert problems(big) == [(None, None, "the file is 49 bytes; manifests are limited to 48 bytes")]
    ndjson = write(tmp_path / "m.NDJSON", f'{{"model":"{T2V}","prompt":"a"}}\n')
    assert len(jobs(ndjson)) == 1


def test_a_manifest_with_hundreds_of_problems_lists_the_first_two_hundred_and_counts_the_rest(tmp_path):
    path = write(tmp_path / "m.csv", "model,prompt,mode\n" + "".join(f"{T2V},p{i},bad\n" for i in range(250)))
    with pytest.raises(ManifestError) as caught:
        load_manifest(path)
    listed = caught.value.problems
    assert len(listed) == 200 and listed[0].line == 2 and listed[-1].line == 201
    assert str(caught.value).startswith("the manifest has 250 problems; nothing was submitted:\n")
    assert str(caught.value).endswith("\n  ... the list stops at the first 200; 50 more are not shown")
    repeated = write(tmp_path / "r.yaml", f"model: {T2V}\njobs:\n  - {{prompt: a, mode: bad, repeat: 3}}\n")
    assert len(problems(repeated)) == 1  # once, not once per repeat


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("model: m\njobs: []\n---\njobs: [{prompt: b}]\n", 3, "holds more than one YAML document; use one"),
        ("jobs:\n  - prompt: !!binary aGVsbG8=\n", 2, "the YAML tag tag:yaml.org,2002:binary is not supported"),
        ("jobs:\n  - prompt: !custom text\n", 2, "the YAML tag !custom is not supported"),
        ("jobs:\n  - ? {a: 1}\n    : text\n", 2, "a mapping key must be plain text"),
    ],
)
def test_yaml_the_reader_does_not_take_is_refused_at_its_line(text, line, message):
    # a second document would stand in for the first (its jobs dropped in silence); a tag or key the reader
    # does not build would be sent as some text the manifest never wrote
    with pytest.raises(YamlProblem) as refused:
        load_located(text)
    assert (refused.value.line, refused.value.message) == (line, message)


def test_a_quoted_or_str_tagged_yaml_value_stays_the_text_it_was_written_as():
    found = load_located("a: '5'\nb: \"yes\"\nc: !!str 2024-01-02\nd: |\n  7\ne: 5\nf: yes\n")
    assert found == {"a": "5", "b": "yes", "c": "2024-01-02", "d": "7\n", "e": 5, "f": True}
