"""One clock for the whole run, with a time-scale factor.

Every timing decision in batchgen (request budget, 429 gate, poll schedule,
backoff, expiry guard) reads time through a :class:`Clock`.  In production the
scale is 1.  Against the simulator running ``N`` times faster, the run uses
``Clock(scale=N)``, so a "5-minute" job and a "60-second" rate window both
shrink by the same factor and every ratio stays true.  HTTP timeouts are not
scaled: they are about the network, not the service.
"""

from __future__ import annotations

import time

import anyio


class Clock:
    """Monotonic seconds in the run's time frame, plus UTC wall time."""

    def __init__(self, scale: float = 1.0) -> None:
        if scale <= 0:
            raise ValueError("the time scale must be positive")
        self.scale = scale
        self._mono0 = time.monotonic()
        self._wall0 = time.time()

    def now(self) -> float:
        """Monotonic seconds (scaled) since the clock was made."""
        return (time.monotonic() - self._mono0) * self.scale

    def wall(self) -> float:
        """UTC seconds since the epoch, advancing at the scaled rate."""
        return self._wall0 + self.now()

    def from_wall(self, epoch: float) -> float:
        """A moment of this machine's wall clock (epoch seconds) on the run clock; never in the future."""
        return self.now() - max(0.0, time.time() - epoch) * self.scale

    def real(self, seconds: float) -> float:
        """How many real seconds ``seconds`` of run time last."""
        return max(0.0, seconds) / self.scale

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(self.real(seconds))

    def __repr__(self) -> str:
        return f"Clock(scale={self.scale:g}, now={self.now():.3f})"
