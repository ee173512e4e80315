"""Audit of ``batchgen/yaml_reader.py``: a key stays the text that was written, whatever it reads as, and
a text that is not YAML is refused as such (exit 2), for the reason that holds.

A manifest, config or spec key is a name, never a value: ``on``, ``1.50`` or ``~`` as a key is that text, not
True, 1.5 or None, so a parameter is sent under the name the manifest gives it.
"""

from __future__ import annotations

import pytest

from batchgen.manifest import load_manifest
from batchgen.yaml_reader import YamlProblem, load_located
from tests.helpers import run_cli, write


def test_a_key_that_reads_as_a_boolean_number_or_null_stays_the_text_it_was_written_as():
    assert list(load_located("on: 1\n1.50: 2\n~: 3\n0x1f: 4\n")) == ["on", "1.50", "~", "0x1f"]


def test_a_passthrough_jobs_key_that_reads_as_a_boolean_is_sent_under_its_own_name(tmp_path):
    path = write(tmp_path / "m.yaml", "model: vendor-x\njobs:\n  - prompt: a\n    yes: 1\n")
    assert load_manifest(path, passthrough=["vendor-x"]).jobs[0].params == {"prompt": "a", "yes": 1}


def test_a_manifest_with_a_terminal_colour_code_pasted_in_a_prompt_is_refused_as_not_valid_yaml(tmp_path, capsys):
    path = write(tmp_path / "m.yaml", "model: kling-text2video\njobs:\n  - prompt: red \x1b[31mcar\n")
    assert run_cli("validate", str(path)) == 2
    err = capsys.readouterr().err
    assert "m.yaml:3: is not valid YAML: it holds the character U+001B, which YAML does not allow" in err
    assert "remove it" in err and "Traceback" not in err


def test_a_tab_inside_a_value_is_not_blamed_for_a_later_line_that_is_not_valid_yaml():
    with pytest.raises(YamlProblem) as refused:
        load_located('model: m\njobs:\n  - prompt: "wide\tshot"\n  - prompt: [a\n')
    assert refused.value.line == 5
    assert refused.value.message == "is not valid YAML: did not find expected ',' or ']'"
