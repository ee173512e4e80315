"""The lease on a shard in an object store: one holder at a time, a holder that stops renewing loses it,
a released or expired lease is taken at once, and every refusal says who holds it and what to do.

An object store on the local disk (``file://``) and a clock the test moves; the lease's own records are
read back from the store."""

from __future__ import annotations

import json
import os
import socket

import anyio
import anyio.lowlevel
import pytest

pytest.importorskip("obstore")

from batchgen.clock import wall_now
from batchgen.errors import LedgerError, LockHeld, StoreUnavailable
from batchgen.store.lease import Lease
from batchgen.store.objects import Bucket
from batchgen.store.output import live_runs

SHARD = "1-of-4"


@pytest.fixture(autouse=True)
def _no_holder_id(monkeypatch):
    monkeypatch.delenv("BATCHGEN_LEASE_HOLDER", raising=False)


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.t = now

    def __call__(self) -> float:
        return self.t


def _bucket(tmp_path) -> Bucket:
    return Bucket(f"file://{tmp_path / 'store'}")


async def _keys(bucket: Bucket) -> list[str]:
    return [info.key for info in await bucket.list(f"lease/{SHARD}/")]


async def _record(bucket: Bucket, generation: int) -> dict:
    return json.loads(await bucket.get(f"lease/{SHARD}/{generation:012d}.json") or b"null")


async def test_taking_a_lease_writes_who_holds_it_until_when(tmp_path):
    bucket, clock = _bucket(tmp_path), Clock()
    lease = Lease(bucket, SHARD, ttl_s=30, now=clock)
    assert len(lease.holder) == 32 and int(lease.holder, 16) >= 0  # a fresh id of its own
    assert not lease.holds()
    await lease.acquire()
    assert await _keys(bucket) == [f"lease/{SHARD}/000000000001.json"]
    assert lease.key(12) == f"lease/{SHARD}/000000000012.json"
    assert await _record(bucket, 1) == {
        "holder": lease.holder,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "generation": 1,
        "expires_at": 1030.0,
        "ttl_s": 30.0,
        "released": False,
    }
    clock.t = 1029.9
    assert lease.holds()
    lease.check()  # held: nothing raised
    clock.t = 1030.0  # expired at its expiry, not a moment after
    assert not lease.holds()
    with pytest.raises(LedgerError) as expired:
        lease.check()
    assert str(expired.value) == (
        f"this run no longer holds shard {SHARD} of {bucket.url} (it expired at 1030 without being renewed); "
        "it stops without writing more. Run the same command again once the other run has finished"
    )


async def test_a_held_lease_refuses_another_run_and_says_who_holds_it_for_how_long(tmp_path):
    bucket, clock = _bucket(tmp_path), Clock()
    holder = Lease(bucket, SHARD, ttl_s=30, now=clock)
    await holder.acquire()
    clock.t = 1010.0
    with pytest.raises(LockHeld) as held:
        await Lease(bucket, SHARD, ttl_s=30, now=clock).acquire()
    assert str(held.value) == (
        f"another batchgen run (host {socket.gethostname()}, pid {os.getpid()}) holds shard {SHARD} of "
        f"{bucket.url} for 20 more seconds unless it renews; wait for it to finish, or use a different --out "
        "or --shard"
    )
    assert held.value.pid == os.getpid()
    await holder.renew()  # the newest generation is the one that counts
    clock.t = 1035.0  # past the first generation's expiry, within the second's
    with pytest.raises(LockHeld, match="for 5 more seconds"):
        await Lease(bucket, SHARD, ttl_s=30, now=clock).acquire()
    clock.t = 1040.0  # exactly at the expiry: free
    taker = Lease(bucket, SHARD, ttl_s=30, now=clock)
    await taker.acquire()
    assert taker.generation == 3 and taker.holds()
    assert (await _record(bucket, 3))["holder"] == taker.holder


async def test_a_holder_record_without_a_number_pid_or_expiry_is_read_as_far_as_it_goes(tmp_path):
    bucket, clock = _bucket(tmp_path), Clock()
    foreign = {"holder": "other", "host": "h", "pid": "77", "expires_at": 2000}
    await bucket.put_create(f"lease/{SHARD}/000000000001.json", json.dumps(foreign).encode())
    with pytest.raises(LockHeld) as held:
        await Lease(bucket, SHARD, ttl_s=30, now=clock).acquire()
    assert held.value.pid is None and "(host h, pid 77)" in str(held.value)
    # No expiry at all: never held; the next generation is taken.
    await bucket.put_create(f"lease/{SHARD}/000000000002.json", json.dumps({"holder": "other"}).encode())
    lease = Lease(bucket, SHARD, ttl_s=30, now=clock)
    await lease.acquire()
    assert lease.generation == 3


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"text"'])
async def test_an_unreadable_newest_generation_holds_nothing_and_the_next_one_is_taken(tmp_path, body):
    bucket, clock = _bucket(tmp_path), Clock()
    await Lease(bucket, SHARD, ttl_s=30, now=clock).acquire()  # generation 1, held until 1030
    await bucket.put_create(f"lease/{SHARD}/000000000002.json", body)
    await bucket.put_create(f"lease/{SHARD}/notes.txt", b"not a generation")  # listed last, skipped
    lease = Lease(bucket, SHARD, ttl_s=30, now=clock)
    assert await lease.newest() == (2, {})
    await lease.acquire()
    assert lease.generation == 3 and lease.holds()


async def test_a_generation_that_vanishes_while_read_is_passed_over_for_the_one_before(tmp_path):
    class Vanishing(Bucket):
        async def get(self, key: str) -> bytes | None:
            return None if key.endswith("000000000002.json") else await super().get(key)

    bucket, clock = Vanishing(f"file://{tmp_path / 'store'}"), Clock()
    first = Lease(bucket, SHARD, ttl_s=30, now=clock)
    await first.acquire()
    await first.renew()
    with pytest.raises(LockHeld, match="holds shard"):  # generation 1 still runs: held, and by whom
        await Lease(bucket, SHARD, ttl_s=30, now=clock).acquire()
    assert await Lease(bucket, SHARD, now=clock).newest() == (1, await _record(bucket, 1))
    assert await Lease(bucket, "0-of-4", now=clock).newest() is None  # never taken


async def test_two_runs_taking_one_generation_at_once_one_is_refused(tmp_path):
    class Raced(Bucket):
        async def put_create(self, key: str, data: bytes) -> bool:
            await super().put_create(key, b'{"holder": "the other run", "expires_at": 5000}')
            return False  # the other run's create landed first

    bucket = Raced(f"file://{tmp_path / 'store'}")
    lease = Lease(bucket, SHARD, ttl_s=30, now=Clock())
    with pytest.raises(LockHeld) as raced:
        await lease.acquire()
    assert str(raced.value) == (
        f"another batchgen run took shard {SHARD} of {bucket.url} at the same moment; wait for it to finish, "
        "or use a different --out or --shard"
    )
    assert raced.value.pid is None and not lease.holds() and lease.generation == 0


async def test_the_same_holder_started_again_takes_its_own_lease_at_once(tmp_path, monkeypatch):
    bucket, clock = _bucket(tmp_path), Clock()
    monkeypatch.setenv("BATCHGEN_LEASE_HOLDER", "actor-1-of-4")
    first = Lease(bucket, SHARD, ttl_s=30, now=clock)
    assert first.holder == "actor-1-of-4"
    await first.acquire()
    again = Lease(bucket, SHARD, ttl_s=30, now=clock)  # its predecessor died holding it
    await again.acquire()
    assert again.generation == 2 and again.holds()
    monkeypatch.setenv("BATCHGEN_LEASE_HOLDER", "actor-2-of-4")
    with pytest.raises(LockHeld):
        await Lease(bucket, SHARD, ttl_s=30, now=clock).acquire()


async def test_a_new_holder_keeps_the_four_newest_generations_and_deletes_the_rest(tmp_path):
    bucket, clock = _bucket(tmp_path), Clock()
    old = Lease(bucket, SHARD, ttl_s=30, now=clock)
    await old.acquire()
    for _ in range(5):
        await old.renew()
    assert old.generation == 6
    assert len(await _keys(bucket)) == 6  # renewals delete nothing
    clock.t += 100
    taker = Lease(bucket, SHARD, ttl_s=30, now=clock)
    await taker.acquire()
    assert await _keys(bucket) == [f"lease/{SHARD}/{g:012d}.json" for g in (4, 5, 6, 7)]


async def test_a_holder_that_was_taken_over_knows_it_and_writes_nothing_more(tmp_path):
    bucket, clock = _bucket(tmp_path), Clock()
    paused = Lease(bucket, SHARD, ttl_s=30, now=clock)
    await paused.acquire()
    clock.t += 31  # paused past its expiry
    taker = Lease(bucket, SHARD, ttl_s=30, now=clock)
    await taker.acquire()
    await paused.renew()  # wakes up: generation 2 is the taker's
    assert paused.lost == "another run took the shard over at lease generation 2"
    assert not paused.holds()
    with pytest.raises(LedgerError) as lost:
        paused.check()
    assert str(lost.value) == (
        f"this run no longer holds shard {SHARD} of {bucket.url} (another run took the shard over at lease "
        "generation 2); it stops without writing more. Run the same command again once the other run has finished"
    )
    await taker.renew()
    await paused.renew()  # a lost lease is never renewed again
    await paused.release()  # nor released over the taker's
    assert await _keys(bucket) == [f"lease/{SHARD}/{g:012d}.json" for g in (1, 2, 3)]
    assert paused.lost == "another run took the shard over at lease generation 2"
    assert taker.holds()


async def test_a_released_lease_is_free_at_once_and_an_expired_one_is_not_written_again(tmp_path):
    bucket, clock = _bucket(tmp_path), Clock()
    lease = Lease(bucket, SHARD, ttl_s=30, now=clock)
    await lease.acquire()
    clock.t = 1010.0
    await lease.release()
    assert lease.generation == 0 and not lease.holds()
    record = await _record(bucket, 2)
    assert record["released"] is True and record["expires_at"] == 1010.0 and record["holder"] == lease.holder
    after = Lease(bucket, SHARD, ttl_s=30, now=clock)
    await after.acquire()  # at once, at the same moment
    assert after.generation == 3
    clock.t = 2000.0  # after stopped renewing long ago
    await after.release()
    assert after.generation == 0 and len(await _keys(bucket)) == 3  # nothing written for an expired lease


async def test_a_held_lease_is_released_when_its_work_ends(tmp_path):
    bucket = _bucket(tmp_path)
    lease = Lease(bucket, SHARD, ttl_s=30)
    async with lease.kept() as held:
        assert held is lease and lease.holds() and lease.generation == 1
    assert not lease.holds() and lease.generation == 0
    assert (await _record(bucket, 2))["released"] is True
    await Lease(bucket, SHARD, ttl_s=30).acquire()  # the next run takes it at once


async def test_renewals_that_fail_are_retried_and_the_lease_is_lost_only_once_it_lapses(tmp_path):
    calls: list[str | None] = []  # what the lease knew of its loss at each renewal attempt
    lapsed = anyio.Event()

    class Failing(Bucket):
        lease: Lease | None = None

        async def put_create(self, key: str, data: bytes) -> bool:
            if self.lease is None or self.lease.generation == 0:
                return await super().put_create(key, data)
            calls.append(self.lease.lost)
            if not self.lease.holds():
                lapsed.set()  # the lease reads its loss before it next waits, so before this is seen
            raise StoreUnavailable("the store is down")

    bucket = Failing(f"file://{tmp_path / 'store'}")
    lease = Lease(bucket, SHARD, ttl_s=1.5)
    with anyio.fail_after(12):
        async with lease.kept():
            bucket.lease = lease
            await lapsed.wait()
            assert lease.lost == "it could not be renewed (the store is down)"
            assert not lease.holds()
    # Tried again while the lease still ran (every ttl/3): at least one failure passed without a loss.
    assert len(calls) >= 2 and calls[0] is None


async def test_a_holder_cancelled_from_outside_still_releases_its_lease(tmp_path):
    class Remote(Bucket):  # every write yields to the event loop first, as a store across a network does
        async def put_create(self, key: str, data: bytes) -> bool:
            await anyio.lowlevel.checkpoint()
            return await super().put_create(key, data)

    bucket = Remote(f"file://{tmp_path / 'store'}")
    lease = Lease(bucket, SHARD, ttl_s=30)
    with anyio.CancelScope() as scope:
        async with lease.kept():
            scope.cancel()  # Ctrl-C, or the run's task group ending
            await anyio.sleep_forever()
    assert (await _record(bucket, 2))["released"] is True  # the next run need not wait out the TTL
    await Lease(bucket, SHARD, ttl_s=30).acquire()


async def test_a_holder_taken_over_before_its_lease_expires_holds_it_no_more(tmp_path, monkeypatch):
    # A Ray actor started again while its predecessor still runs takes the lease at once (the same holder id);
    # the predecessor's next renewal finds the newer generation: from then on it holds nothing, though the
    # expiry it wrote has not come, and writes no segment over the new holder's.
    bucket, clock = _bucket(tmp_path), Clock()
    monkeypatch.setenv("BATCHGEN_LEASE_HOLDER", "actor-1-of-4")
    old = Lease(bucket, SHARD, ttl_s=30, now=clock)
    await old.acquire()
    new = Lease(bucket, SHARD, ttl_s=30, now=clock)
    await new.acquire()
    clock.t += 10  # the old one renews well within its expiry
    await old.renew()
    assert old.lost == "another run took the shard over at lease generation 2"
    assert clock.t < old.expires_at and not old.holds()
    with pytest.raises(LedgerError, match="no longer holds shard"):
        old.check()
    assert new.holds()


async def test_a_holder_is_told_gone_only_for_a_pid_of_this_host_that_no_longer_runs(tmp_path, monkeypatch):
    bucket, clock = _bucket(tmp_path), Clock()
    answers: list[BaseException] = []

    def kill(pid: int, signal: int) -> None:
        raise answers[-1]

    monkeypatch.setattr(os, "kill", kill)
    answers.append(ProcessLookupError(3, "No such process"))  # no such pid here: it may well run on its own host
    elsewhere = {"holder": "other", "host": "another-host.example", "pid": 4242, "expires_at": 2000}
    await bucket.put_create(f"lease/{SHARD}/000000000001.json", json.dumps(elsewhere).encode())
    with pytest.raises(LockHeld) as held:
        await Lease(bucket, SHARD, ttl_s=30, now=clock).acquire()
    assert str(held.value).startswith("another batchgen run (host another-host.example, pid 4242) holds shard")
    assert held.value.pid == 4242
    answers.append(PermissionError(1, "Operation not permitted"))  # pid 4242 runs here, under another user
    here = {"holder": "other", "host": socket.gethostname(), "pid": 4242, "expires_at": 2000}
    await bucket.put_create(f"lease/{SHARD}/000000000002.json", json.dumps(here).encode())
    with pytest.raises(LockHeld) as held:
        await Lease(bucket, SHARD, ttl_s=30, now=clock).acquire()
    assert str(held.value).startswith(f"another batchgen run (host {socket.gethostname()}, pid 4242) holds shard")
    answers.append(ProcessLookupError(3, "No such process"))  # and once it has ended: gone, told so
    with pytest.raises(LockHeld, match="no longer running on this host"):
        await Lease(bucket, SHARD, ttl_s=30, now=clock).acquire()


async def test_status_names_a_shards_run_only_while_its_lease_has_not_lapsed(tmp_path):
    """A run whose machine died leaves its lease unreleased: once it has lapsed, status says no run holds the
    shard (a new run takes it at once), while a lease in force names its holder, and a released one nobody."""
    url = f"file://{tmp_path / 'store'}"
    bucket = Bucket(url)
    lapsed = Lease(bucket, SHARD, ttl_s=30, now=lambda: wall_now() - 60)
    await lapsed.acquire()  # good until 30 s ago
    running = Lease(bucket, "2-of-4", ttl_s=600)
    await running.acquire()
    held = await live_runs(url, [SHARD, "2-of-4"])
    assert held == {"2-of-4": f"host {socket.gethostname()} pid {os.getpid()}"}
    await running.release()
    assert await live_runs(url, [SHARD, "2-of-4"]) == {}
