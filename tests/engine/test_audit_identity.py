"""Audit of ``batchgen/engine/identity.py``: the changed rows' error names a field left out of the row as well
as one added or changed."""

from __future__ import annotations

from batchgen.engine.identity import find_changes
from batchgen.jobs import JobSpec
from batchgen.store.ledger import Replay
from tests.engine.doubles import MODEL


def test_a_parameter_the_row_no_longer_gives_is_named_as_changed():
    sent = {"prompt": "a red apple", "negative_prompt": "blur", "duration": 10}
    replay = Replay({"a": {"state": "completed", "model": MODEL, "params": sent}}, 1, False)
    row = JobSpec("a", MODEL, {"prompt": "a red apple", "duration": 10}, source="m.yaml:3")
    [change] = find_changes([row], replay)
    assert change.fields == ("negative_prompt",)
    assert change.describe() == ("a (m.yaml:3): negative_prompt differs from what this id was sent as (now completed)")
