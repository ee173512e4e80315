"""Benchmark scenarios: the simulator's capacity and limits, and how each contender is configured."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Scenario:
    name: str
    jobs: int
    workers: int  # simulator workers (jobs processed at once)
    server_rpm: int | None  # the account's limit; None: unlimited
    client_rpm: float  # what batchgen is configured with
    concurrency: int  # jobs in flight for every contender
    time_scale: float  # simulated seconds per real second
    seed: int = 7
    contenders: tuple[str, ...] = ("batchgen", "sdk", "gather")
    notes: str = ""
    extra: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


SCENARIOS = {
    # 2,000 Kling jobs overnight on 100 workers under the Pro plan's published 120 requests/minute.
    "overnight": Scenario(
        "overnight",
        jobs=2000,
        workers=100,
        server_rpm=120,
        client_rpm=120,
        concurrency=110,
        time_scale=100,
        notes="Pro plan limit (120/min), 100 workers",
    ),
    # The same work under 60 requests/minute: the request budget binds as much as the workers do.
    "tight-limit": Scenario(
        "tight-limit",
        jobs=2000,
        workers=100,
        server_rpm=60,
        client_rpm=60,
        concurrency=110,
        time_scale=100,
        notes="60 requests/minute",
    ),
    # A small run for smoke tests of the benchmark itself.
    "smoke": Scenario(
        "smoke",
        jobs=20,
        workers=10,
        server_rpm=120,
        client_rpm=120,
        concurrency=10,
        time_scale=500,
        notes="benchmark self-test",
    ),
}
