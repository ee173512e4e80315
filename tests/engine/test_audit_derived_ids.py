"""Audit of ``batchgen/engine/derived_ids.py``: a row whose id the folder already knows keeps it, so its job is
never confused with another made of the same request."""

from __future__ import annotations

from batchgen.engine.derived_ids import keep_made_ids
from batchgen.jobs import derived_id
from batchgen.store.ledger import Replay
from tests.engine.test_derived_ids import MODEL, _job, _made


def test_a_row_whose_derived_id_the_folder_knows_keeps_it_though_an_older_job_asked_for_the_same():
    old = derived_id(MODEL, {"prompt": "a kite"}, 1)
    new = derived_id(MODEL, {"prompt": "a kite", "mode": "std"}, 1)
    replay = Replay({old: _made(), new: _made(mode="std")}, 2, False)
    jobs = [_job(new, mode="std")]
    assert keep_made_ids(jobs, replay) == jobs
