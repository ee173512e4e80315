"""Audit of ``batchgen/store/shards.py``: the shard count a process runs under is the one it was given."""

from __future__ import annotations

from batchgen.store.shards import Shard, parse_shard


def test_shards_given_on_the_command_line_win_over_batchgen_shards_in_the_environment():
    # A Job whose BATCHGEN_SHARDS was left from an earlier layout: --shards 4 is what the operator means.  Read
    # as 8, shard 1 would run another slice of the manifest, and a job could be run (and paid) by two shards.
    env = {"JOB_COMPLETION_INDEX": "1", "BATCHGEN_SHARDS": "8"}
    assert parse_shard("auto", count=4, environ=env) == Shard(1, 4)
    slurm = {"SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "8", "BATCHGEN_SHARDS": "8"}
    assert parse_shard("auto", count=3, environ=slurm) == Shard(2, 3)
