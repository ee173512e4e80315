"""A manifest at its edges: every problem at its own line and field, every job after a bad one still read,
ids that belong to a job's values (not to its place in the file), image paths from the manifest's folder, and
values that cannot be sent refused before anything is.

The promises: a bad manifest submits nothing and names file, line and field for every problem at once; a
good one becomes exactly the jobs it describes, with ids that stay the same as long as the values do."""

from __future__ import annotations

from pathlib import Path

import pytest

from batchgen.errors import ManifestError
from batchgen.manifest import load_manifest
from tests.helpers import write

T2V = "kling-text2video"


def problems(path: Path, **kwargs) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(ManifestError) as caught:
        load_manifest(path, **kwargs)
    return [(p.line, p.field, p.message) for p in caught.value.problems]


# --------------------------------------------------------------------------- values JSON cannot carry


def test_a_date_for_a_model_without_a_schema_is_named_not_a_crash(tmp_path):
    text = "jobs:\n  - model: own\n    prompt: p\n    when: 2024-01-01\n    extra: {at: [2024-01-02]}\n"
    path = write(tmp_path / "m.yaml", text + "  - {model: own, prompt: q, when: '2024-01-01'}\n")
    assert problems(path, passthrough=["own"]) == [
        (4, "when", "2024-01-01 is a date, which JSON cannot carry; quote it in the manifest to send it as text"),
        (5, "extra", "{'at': [datetime.date(2024, 1, 2)]} holds a date, which JSON cannot carry; quote it in the "
                     "manifest to send it as text"),
    ]  # fmt: skip
    quoted = write(tmp_path / "q.yaml", "jobs:\n  - {model: own, prompt: q, when: '2024-01-01', n: [1, {a: null}]}\n")
    (job,) = load_manifest(quoted, passthrough=["own"]).jobs
    assert job.params == {"prompt": "q", "when": "2024-01-01", "n": [1, {"a": None}]}
