"""The ground truth a registry tries to know: which instances run, and when the network is cut.

A :class:`Scenario` is a fleet of instances of one service over ``horizon`` seconds of
virtual time, with the intervals during which each instance is down and the intervals
during which the registry is cut off from the whole fleet (a partition). Detectors
(health checks, leases) see only what crosses the network; a scenario lets us score
them against what was true. The four named scenarios are those of chapter 3's
trade-off study of Algorithm 3.2.2.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from msatheory.discovery.registry import Instance
from msatheory.errors import TheoryError, require_name
from msatheory.sim import seeded_rng

__all__ = [
    "SCENARIOS",
    "Outage",
    "Scenario",
    "crash",
    "flapping",
    "fleet",
    "mass_restart",
    "partition",
]


@dataclass(frozen=True, order=True)
class Outage:
    """An instance is down during [start, end). ``restart``: it comes back as a new process
    (which registers itself again); otherwise it was alive but unresponsive throughout."""

    start: float
    end: float = math.inf
    restart: bool = False

    def __post_init__(self) -> None:
        if not (0 <= self.start < self.end):
            raise TheoryError(
                f"outage [{self.start!r}, {self.end!r}): needs 0 <= start < end"
            )

    def covers(self, t: float) -> bool:
        """Whether ``t`` falls in the outage."""
        return self.start <= t < self.end


def fleet(n: int, service: str = "orders") -> tuple[Instance, ...]:
    """``n`` instances ``service-1`` ... ``service-n`` at http://service-k:8080."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise TheoryError(f"a fleet needs a positive whole number of instances, not {n!r}")
    return tuple(Instance(f"{service}-{k}", service, f"http://{service}-{k}:8080")
                 for k in range(1, n + 1))


@dataclass(frozen=True)
class Scenario:
    """What really happens to a fleet over [0, horizon): outages per instance, and partitions
    that cut the registry off from every instance."""

    name: str
    instances: tuple[Instance, ...]
    horizon: float
    outages: Mapping[str, tuple[Outage, ...]] = field(default_factory=dict)
    partitions: tuple[Outage, ...] = ()

    def __post_init__(self) -> None:
        require_name("scenario", "name", self.name)
        ids = [i.id for i in self.instances]
        if not ids or len(set(ids)) != len(ids):
            raise TheoryError(f"scenario {self.name!r}: instances must be distinct and non-empty")
        unknown = sorted(set(self.outages) - set(ids))
        if unknown:
            raise TheoryError(f"scenario {self.name!r}: outages name unknown instances {unknown}")
        if not self.horizon > 0:
            raise TheoryError(f"scenario {self.name!r}: horizon must be positive")
        late = [f"{i} at t={o.start:g}" for i, outages in sorted(self.outages.items())
                for o in outages if o.start >= self.horizon]
        late += [f"partition at t={p.start:g}" for p in self.partitions
                 if p.start >= self.horizon]
        if late:
            raise TheoryError(f"scenario {self.name!r}: {', '.join(late)} starts at or after "
                              f"the horizon t={self.horizon:g}")
        outages = {i: tuple(sorted(self.outages.get(i, ()))) for i in ids}
        object.__setattr__(self, "outages", MappingProxyType(outages))
        object.__setattr__(self, "partitions", tuple(sorted(self.partitions)))

    @property
    def service(self) -> str:
        """The service the fleet runs."""
        return self.instances[0].service

    def up(self, instance_id: str, t: float) -> bool:
        """Whether the instance is running and able to serve at ``t``."""
        return not any(o.covers(t) for o in self.outages[instance_id])

    def partitioned(self, t: float) -> bool:
        """Whether the registry is cut off from the fleet at ``t``."""
        return any(p.covers(t) for p in self.partitions)

    def reachable(self, instance_id: str, t: float) -> bool:
        """Whether a probe of, or a heartbeat from, the instance gets through at ``t``."""
        return self.up(instance_id, t) and not self.partitioned(t)

    def restarts(self, instance_id: str, t: float) -> bool:
        """Whether the instance starts as a new process at ``t`` (the end of a restart)."""
        return any(o.restart and o.end == t for o in self.outages[instance_id])

    def __str__(self) -> str:
        def span(o: Outage) -> str:
            end = "end" if o.end == math.inf else f"{o.end:g}"
            return f"[{o.start:g}, {end})" + (" then restarts" if o.restart else "")

        lines = [f"{self.name}: {len(self.instances)} instances over {self.horizon:g} s"]
        lines += [f"  {i} down {', '.join(span(o) for o in outages)}"
                  for i, outages in self.outages.items() if outages]
        lines += [f"  registry cut off from the fleet {span(p)}" for p in self.partitions]
        return "\n".join(lines)


def crash(n: int = 5, at: float = 100.0, horizon: float = 600.0) -> Scenario:
    """One instance crashes at ``at`` and never returns."""
    ids = fleet(n)
    return Scenario("crash", ids, horizon, {ids[0].id: (Outage(at),)})


def flapping(n: int = 5, start: float = 100.0, down: tuple[int, int] = (10, 30),
             up: tuple[int, int] = (20, 60), horizon: float = 600.0, seed: int = 0) -> Scenario:
    """One instance stops answering (overload, long GC pauses) without restarting, from
    ``start`` on: down for a whole number of seconds drawn from ``down``, then up for one
    drawn from ``up`` (inclusive ranges, seeded), and so on."""
    ids = fleet(n)
    if not (0 < down[0] <= down[1] and 0 < up[0] <= up[1]):
        raise TheoryError(f"flapping: need 0 < low <= high in down={down} and up={up}")
    rng, t, outages = seeded_rng(seed), float(start), []
    while t < horizon:
        end = min(t + rng.randint(*down), horizon)
        outages.append(Outage(t, end))
        t = end + rng.randint(*up)
    return Scenario("flapping", ids, horizon, {ids[0].id: tuple(outages)})


def partition(n: int = 5, start: float = 100.0, length: float = 120.0,
              horizon: float = 600.0) -> Scenario:
    """The registry loses its network to the whole (healthy) fleet for ``length`` s."""
    return Scenario("partition", fleet(n), horizon, partitions=(Outage(start, start + length),))


def mass_restart(n: int = 5, start: float = 100.0, down: float = 40.0,
                 horizon: float = 600.0) -> Scenario:
    """Every instance restarts at once (a botched deploy) and is down for ``down`` s."""
    ids = fleet(n)
    return Scenario("mass restart", ids, horizon,
                    {i.id: (Outage(start, start + down, restart=True),) for i in ids})


#: The trade-off study's scenarios, by name.
SCENARIOS: Mapping[str, Scenario] = MappingProxyType({
    s.name: s for s in (crash(), flapping(), partition(), mass_restart())
})
