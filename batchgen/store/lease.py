"""The lock of a shard in an object store: a renewable lease built from create-only objects.

A local folder is locked with flock, which the kernel drops when the holder
dies.  An object store has no such thing, so a shard is held by a **lease**:
``lease/<shard>/<generation>.json`` holding who holds it and until when.

* **Take**: list the shard's lease objects; if the newest has not expired,
  another run holds the shard (:class:`~batchgen.errors.LockHeld`, exit 5).
  Otherwise create the next generation create-only; of two runs racing for
  it, exactly one succeeds and the other gets LockHeld.
* **Renew**: every ``ttl/3`` the holder creates the next generation with a
  new expiry.  If that generation already exists, someone took the shard
  over (this run was paused past its expiry): the lease is lost.
* **Restart**: a run that presents the holder id of the current lease
  (``BATCHGEN_LEASE_HOLDER``, which ``--ray`` gives each shard's actor) takes
  it over at once: it is the same shard's worker started again after its
  predecessor died.
* **Release**: a final generation that has already expired, so the next run
  takes over at once.  Objects are never deleted for release, so a paused
  holder that wakes up always collides with the newer generation.

Every generation is a create-only PUT, the same primitive as the ledger's
segments, so the lease needs nothing beyond ``If-None-Match: *`` (no ETag
compare-and-swap, which some stores lack).  The lease is the first line of
defence; the segmented ledger is the second: a writer that lost the lease
stops writing (:meth:`Lease.holds`), and even a writer that did not notice
collides on a segment number and stops.

Expiry is judged on wall clocks (the holder's for writing, the taker's for
reading), so machines need clocks within a small fraction of the ttl.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio

from ..clock import wall_now
from ..errors import LedgerError, LockHeld
from .objects import Bucket

DEFAULT_TTL_S = 60.0
KEEP_GENERATIONS = 4


class Lease:
    """The lease on one shard, as held (or not) by this process."""

    def __init__(
        self,
        bucket: Bucket,
        shard_name: str,
        *,
        ttl_s: float = DEFAULT_TTL_S,
        now: Callable[[], float] = wall_now,
    ) -> None:
        self.bucket = bucket
        self.shard_name = shard_name
        self.prefix = f"lease/{shard_name}/"
        self.ttl_s = ttl_s
        self.now = now
        # A run started again in the same role (a restarted Ray actor) presents the same holder id.
        self.holder = os.environ.get("BATCHGEN_LEASE_HOLDER") or uuid.uuid4().hex
        self.generation = 0
        self.expires_at = 0.0
        self.lost: str | None = None

    def key(self, generation: int) -> str:
        return f"{self.prefix}{generation:012d}.json"

    def holds(self) -> bool:
        """True while this process holds an unexpired lease it has not lost."""
        return self.generation > 0 and self.lost is None and self.now() < self.expires_at

    def check(self) -> None:
        """Raise LedgerError unless the lease is held: nothing may be written without it."""
        if not self.holds():
            why = self.lost or f"it expired at {self.expires_at:.0f} without being renewed"
            raise LedgerError(
                f"this run no longer holds shard {self.shard_name} of {self.bucket.url} ({why}); it stops "
                "without writing more. Run the same command again once the other run has finished"
            )

    async def acquire(self) -> None:
        newest = await self.newest()
        if newest is not None:
            generation, record = newest
            expires = float(record.get("expires_at", 0))
            if self.now() < expires and record.get("holder") != self.holder:
                left = f"{expires - self.now():.0f}"
                if gone_here(record):  # killed: nothing will renew it, and nothing is to wait for but its expiry
                    raise LockHeld(
                        f"a batchgen run no longer running on this host (host {record.get('host')}, pid "
                        f"{record.get('pid')}) holds shard {self.shard_name} of {self.bucket.url} until its lease "
                        f"lapses in {left} seconds: run the same command again then",
                        pid=None,
                    )
                raise LockHeld(
                    f"another batchgen run (host {record.get('host')}, pid {record.get('pid')}) holds shard "
                    f"{self.shard_name} of {self.bucket.url} for {left} more seconds unless "
                    "it renews; wait for it to finish, or use a different --out or --shard",
                    pid=record.get("pid") if isinstance(record.get("pid"), int) else None,
                )
        else:
            generation = 0
        if not await self._write(generation + 1):
            raise LockHeld(
                f"another batchgen run took shard {self.shard_name} of {self.bucket.url} at the same moment; "
                "wait for it to finish, or use a different --out or --shard",
                pid=None,
            )
        for info in await self.bucket.list(self.prefix):
            number = _generation(info.key)
            if number is not None and number <= self.generation - KEEP_GENERATIONS:
                await self.bucket.delete(info.key)

    async def renew(self) -> None:
        if self.lost is not None:
            return
        if not await self._write(self.generation + 1):
            self.lost = f"another run took the shard over at lease generation {self.generation + 1}"

    async def release(self) -> None:
        """Leave an already-expired generation behind, so the next run takes over at once."""
        if self.holds():
            await self._write(self.generation + 1, released=True)
        self.generation = 0

    @asynccontextmanager
    async def kept(self) -> AsyncIterator[Lease]:
        """Hold the lease for the body: take it, renew it every ttl/3, release it at the end."""
        await self.acquire()
        error: BaseException | None = None
        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(self._keep)
                try:
                    yield self
                except BaseException as exc:  # re-raised below as it is, not wrapped in an ExceptionGroup
                    error = exc
                finally:
                    tg.cancel_scope.cancel()
            if error is not None:
                raise error
        finally:
            with anyio.move_on_after(10, shield=True):
                await self.release()

    async def _keep(self) -> None:
        while self.lost is None:
            await anyio.sleep(self.ttl_s / 3)
            try:
                await self.renew()
            except Exception as exc:  # a failed renewal is retried; the lease lapses if they all fail
                if not self.holds():
                    self.lost = f"it could not be renewed ({exc})"

    async def _write(self, generation: int, *, released: bool = False) -> bool:
        sent = self.now()
        expires = sent if released else sent + self.ttl_s
        record = {
            "holder": self.holder,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "generation": generation,
            "expires_at": expires,
            "ttl_s": self.ttl_s,
            "released": released,
        }
        if not await self.bucket.put_create(self.key(generation), json.dumps(record).encode()):
            return False
        self.generation, self.expires_at = generation, expires
        return True

    async def newest(self) -> tuple[int, dict[str, Any]] | None:
        """The newest generation of the lease and its record (None: never taken)."""
        for info in reversed(await self.bucket.list(self.prefix)):
            generation = _generation(info.key)
            if generation is None:
                continue
            data = await self.bucket.get(info.key)
            if data is None:
                continue
            try:
                record = json.loads(data)
            except ValueError:
                record = {}
            return generation, record if isinstance(record, dict) else {}
        return None


def gone_here(record: dict[str, Any]) -> bool:
    """Whether a lease record's holder was a process of this host that is no longer running (killed, or
    lost with its terminal): its lease will not be renewed or released, only lapse.  A holder on another
    host, or a pid in use, counts as running."""
    pid = record.get("pid")
    if record.get("host") != socket.gethostname() or isinstance(pid, bool) or not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # it exists, under another user
        return False
    return False


def _generation(key: str) -> int | None:
    stem = key.rsplit("/", 1)[-1].split(".", 1)[0]
    return int(stem) if stem.isdigit() else None
