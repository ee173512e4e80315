"""Multi-shot models: a ``multi_prompt`` list's items are checked at load as the model page types them (its
spec's ``item_fields``), every bad one named with file, line and field, before anything is paid."""

from __future__ import annotations

from batchgen.store.ledger import read_ledger
from tests.helpers import run_batch, run_cli, write

BAD = """model: kling-3-standard-text2video
jobs:
  - id: beach
    prompt: "a day at the beach"
    multi_prompt:
      - prompt: "the sun rises over the sea"
        duration: 5
      - duraton: "5"
      - prompt: ""
        duration: "5"
      - prompt: "{long}"
  - id: six
    prompt: "six shots"
    multi_prompt: [{{prompt: a}}, {{prompt: b}}, {{prompt: c}}, {{prompt: d}}, {{prompt: e}}, {{prompt: f}}]
  - id: loose
    model: kling-o3-text2video
    prompt: "shots of any length"
    multi_prompt:
      - {{duration: "3"}}
      - {{prompt: "no limit stated here {long}"}}
      - {{prompt: 7}}
""".format(long="x" * 600)


def test_every_bad_shot_is_named_where_it_is_written_and_nothing_is_sent(tmp_path, sim, monkeypatch, capsys):
    manifest = write(tmp_path / "m.yaml", BAD)
    server = sim()
    assert run_batch(manifest, tmp_path / "out", server, monkeypatch=monkeypatch) == 2
    err = capsys.readouterr().err
    expected = [  # (the line of the value, its place, the reason)
        (7, "multi_prompt[0].duration", 'must be text, got int (write it in quotes: "5")'),
        (8, "multi_prompt[1].duraton", "unknown key in an item of multi_prompt for kling-3-standard-text2video; "
                                       "did you mean 'duration'? (known: prompt, duration)"),
        (8, "multi_prompt[1].prompt", "'prompt' is required in each item of multi_prompt for "
                                      "kling-3-standard-text2video: add it to this item"),
        (9, "multi_prompt[2].prompt", "must not be empty"),
        (11, "multi_prompt[3].prompt", "is 600 characters long; the limit is 512"),
        (14, "multi_prompt", "has 6 items; the limit is 5"),
        (21, "multi_prompt[2].prompt", 'must be text, got int (write it in quotes: "7")'),
    ]  # fmt: skip
    for line, field, reason in expected:
        assert f"{manifest}:{line}: field '{field}': {reason}" in err, (line, field, err)
    # the o3 page states no limit and makes neither key required: those shots pass
    assert f"the manifest has {len(expected)} problems" in err, err
    assert server.state.submissions == [] and not (tmp_path / "out" / "ledger.jsonl").exists()
    assert run_cli("validate", str(manifest)) == 2


def test_good_shots_are_sent_as_written_and_made(tmp_path, sim, monkeypatch):
    manifest = write(
        tmp_path / "m.yaml",
        "model: kling-3-standard-text2video\njobs:\n  - id: beach\n    prompt: a day at the beach\n"
        "    duration: 10\n    multi_prompt:\n      - {prompt: the sun rises, duration: '5'}\n"
        "      - {prompt: the tide comes in, duration: '5'}\n",
    )
    server = sim()
    assert run_batch(manifest, tmp_path / "out", server, monkeypatch=monkeypatch) == 0
    assert read_ledger(tmp_path / "out" / "ledger.jsonl").jobs["beach"]["state"] == "completed"
    ((_, slug, body),) = server.state.submissions
    assert slug == "kling-3-standard-text2video"
    assert body["multi_prompt"] == [
        {"prompt": "the sun rises", "duration": "5"},
        {"prompt": "the tide comes in", "duration": "5"},
    ]


def test_a_csv_cell_carries_the_shots_as_json_strictly(tmp_path, capsys):
    manifest = write(
        tmp_path / "m.csv",
        "# model: kling-3-standard-text2video\nid,prompt,duration,multi_prompt\n"
        'ok,a day at the beach,10,"[{""prompt"": ""sunrise"", ""duration"": ""5""}, {""prompt"": ""tide""}]"\n'
        'twice,x,5,"[{""prompt"": ""a"", ""prompt"": ""b""}]"\n'
        "nan,x,5,[NaN]\n"
        'empty,x,5,"[{""prompt"": """"}]"\n'
        'one,x,5,"{""prompt"": ""a""}"\n',
    )
    assert run_cli("validate", str(manifest)) == 2
    err = capsys.readouterr().err
    assert f"{manifest}:4: field 'multi_prompt': is not valid JSON (the key 'prompt' is given twice)" in err
    assert f"{manifest}:5: field 'multi_prompt': is not valid JSON (NaN is not a number JSON allows)" in err
    assert f"{manifest}:6: field 'multi_prompt[0].prompt': must not be empty" in err
    assert f"{manifest}:7: field 'multi_prompt': must be a list, got a mapping" in err
    assert "the manifest has 4 problems" in err and ":3:" not in err
