"""A shard's lease never lapses while its holder lives: each renewal lands long before the lease it
renews runs out.  An object store on the local disk (``file://``); the lease's own records are read."""

from __future__ import annotations

import itertools
import json

import anyio
import pytest

pytest.importorskip("obstore")

from batchgen.store.lease import Lease
from batchgen.store.objects import Bucket


async def test_a_held_lease_is_renewed_well_before_each_generation_expires(tmp_path):
    ttl = 1.5
    bucket = Bucket(f"file://{tmp_path / 'store'}")
    lease = Lease(bucket, "0-of-1", ttl_s=ttl)
    lapses: list[float] = []
    async with lease.kept():
        with anyio.fail_after(60):
            while lease.generation < 5:  # four renewals, watched, not waited for by the clock
                if not lease.holds():
                    lapses.append(lease.now())
                await anyio.sleep(0.01)
    assert lapses == []
    records = [json.loads(await bucket.get(lease.key(g)) or b"{}") for g in range(1, 6)]
    assert [r["generation"] for r in records] == [1, 2, 3, 4, 5]
    for before, after in itertools.pairwise(records):
        written = after["expires_at"] - after["ttl_s"]  # when the renewal was made
        left = before["expires_at"] - written  # how long the renewed generation still had to run
        # Renewed with most of its time left: a lease renewed only as it runs out lapses on any delay,
        # and another machine may take the shard in that moment.
        assert left >= ttl / 2, (before, after)
