"""Audit of ``batchgen/yaml_reader.py``: a key stays the text that was written, whatever it reads as.

A manifest, config or spec key is a name, never a value: ``on``, ``1.50`` or ``~`` as a key is that text, not
True, 1.5 or None, so a parameter is sent under the name the manifest gives it.
"""

from __future__ import annotations

from batchgen.manifest import load_manifest
from batchgen.yaml_reader import load_located
from tests.helpers import write


def test_a_key_that_reads_as_a_boolean_number_or_null_stays_the_text_it_was_written_as():
    assert list(load_located("on: 1\n1.50: 2\n~: 3\n0x1f: 4\n")) == ["on", "1.50", "~", "0x1f"]


def test_a_passthrough_jobs_key_that_reads_as_a_boolean_is_sent_under_its_own_name(tmp_path):
    path = write(tmp_path / "m.yaml", "model: vendor-x\njobs:\n  - prompt: a\n    yes: 1\n")
    assert load_manifest(path, passthrough=["vendor-x"]).jobs[0].params == {"prompt": "a", "yes": 1}
