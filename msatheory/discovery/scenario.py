"""The ground truth a registry tries to know: which instances run, and when the network is cut.

:class:`GroundTruth` is what chapter 3's detectors and heartbeats ask of a fleet over
virtual time: is an instance up, is the registry cut off from the fleet, does an
instance start as a new process now. A :class:`Scenario` is a ground truth written in
advance: a fleet of instances of one service over ``horizon`` seconds, the intervals
(:class:`Outage`) during which each instance is down, and the intervals during which
the registry is cut off from the whole fleet (a partition). Detectors (health checks,
leases) see only what crosses the network; a scenario lets us score them against what
was true. The four named scenarios (:data:`SCENARIOS`) are those of the trade-off study
of Algorithm 3.2.2 (健康检查算法).

The module stops at the truth: what a registry makes of it is :mod:`.detectors` and
:mod:`.patterns`, and a ground truth written as you go is :class:`~.lab.LiveFleet`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Protocol

from msatheory.discovery.registry import Instance
from msatheory.errors import (
    TheoryError,
    require_count,
    require_distinct,
    require_duration,
    require_items,
    require_name,
    require_number,
)
from msatheory.sim import seeded_rng

__all__ = [
    "SCENARIOS",
    "GroundTruth",
    "Outage",
    "Scenario",
    "crash",
    "flapping",
    "fleet",
    "mass_restart",
    "partition",
]


class GroundTruth(Protocol):
    """What really happens to a fleet of one service, asked moment by moment.

    :class:`Scenario` (written in advance) and :class:`~.lab.LiveFleet` (written as you
    go) are ground truths; the detectors of :mod:`.detectors` run on either. A
    simulation that must know the whole history in advance (its horizon, when each
    restart happens) takes a :class:`Scenario`.
    """

    @property
    def service(self) -> str:
        """The service the fleet runs."""
        ...

    @property
    def instances(self) -> Sequence[Instance]:
        """Every instance ever started, oldest first."""
        ...

    def up(self, instance_id: str, t: float) -> bool:
        """Whether the instance is running and able to serve at ``t``."""
        ...

    def partitioned(self, t: float) -> bool:
        """Whether the registry is cut off from the fleet at ``t``."""
        ...

    def restarts(self, instance_id: str, t: float) -> bool:
        """Whether the instance starts as a new process at ``t``."""
        ...

    def reachable(self, instance_id: str, t: float) -> bool:
        """Whether a probe of, or a heartbeat from, the instance gets through at ``t``:
        it is up and the registry is not cut off."""
        ...


@dataclass(frozen=True, order=True)
class Outage:
    """An instance is down during [start, end). ``restart``: it comes back as a new process
    (which registers itself again); otherwise it was alive but unresponsive throughout."""

    start: float
    end: float = math.inf
    restart: bool = False

    def __post_init__(self) -> None:
        require_duration("Outage", "start", self.start)
        require_number("Outage", "end", self.end, positive=True, finite=False, unit="seconds")
        if not self.start < self.end:
            raise TheoryError(f"Outage: end must be later than start ({self.start!r}), "
                              f"not {self.end!r}")

    def covers(self, t: float) -> bool:
        """Whether ``t`` falls in the outage."""
        return self.start <= t < self.end


def fleet(n: int, service: str = "orders") -> tuple[Instance, ...]:
    """``n`` instances ``service-1`` ... ``service-n`` at http://service-k:8080.

    >>> [i.id for i in fleet(2)]
    ['orders-1', 'orders-2']
    """
    require_count("fleet", "n", n, least=1)
    return tuple(Instance(f"{service}-{k}", service, f"http://{service}-{k}:8080")
                 for k in range(1, n + 1))


@dataclass(frozen=True)
class Scenario:
    """What really happens to a fleet over [0, horizon): outages per instance, and partitions
    that cut the registry off from every instance.

    >>> s = Scenario("crash", fleet(2), 600, {"orders-1": (Outage(100),)})
    >>> s.up("orders-1", 99), s.up("orders-1", 100), s.reachable("orders-2", 100)
    (True, False, True)
    """

    name: str
    instances: tuple[Instance, ...]
    horizon: float
    outages: Mapping[str, tuple[Outage, ...]] = field(default_factory=dict)
    partitions: tuple[Outage, ...] = ()

    def __post_init__(self) -> None:
        require_name("Scenario", "name", self.name)
        owner = f"scenario {self.name!r}"
        instances = require_items(owner, "instances", self.instances, Instance)
        if not instances:
            raise TheoryError(f"{owner}: instances must be a non-empty list of Instances, "
                              f"not {self.instances!r}")
        ids = [i.id for i in instances]
        require_distinct(owner, "instances", ids)
        unknown = sorted(set(self.outages) - set(ids))
        if unknown:
            raise TheoryError(f"{owner}: outages name unknown instances {unknown}")
        require_duration(owner, "horizon", self.horizon, positive=True)
        late = [f"{i} at t={o.start:g}" for i, outages in sorted(self.outages.items())
                for o in outages if o.start >= self.horizon]
        late += [f"partition at t={p.start:g}" for p in self.partitions
                 if p.start >= self.horizon]
        if late:
            raise TheoryError(f"{owner}: {', '.join(late)} starts at or after "
                              f"the horizon t={self.horizon:g}")
        outages = {i: tuple(sorted(self.outages.get(i, ()))) for i in ids}
        object.__setattr__(self, "instances", instances)
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


def _times(owner: str, horizon: float, **starts: float) -> None:
    """A scenario builder's start time (at or after 0) and horizon (after 0), by name."""
    for what, t in starts.items():
        require_duration(owner, what, t)
    require_duration(owner, "horizon", horizon, positive=True)


def crash(n: int = 5, at: float = 100.0, horizon: float = 600.0) -> Scenario:
    """One instance crashes at ``at`` and never returns."""
    _times("crash", at=at, horizon=horizon)
    ids = fleet(n)
    return Scenario("crash", ids, horizon, {ids[0].id: (Outage(at),)})


def flapping(n: int = 5, start: float = 100.0, down: tuple[int, int] = (10, 30),
             up: tuple[int, int] = (20, 60), horizon: float = 600.0, seed: int = 0) -> Scenario:
    """One instance stops answering (overload, long GC pauses) without restarting, from
    ``start`` on: down for a whole number of seconds drawn from ``down``, then up for one
    drawn from ``up`` (inclusive ranges, seeded), and so on."""
    _times("flapping", start=start, horizon=horizon)
    ids = fleet(n)
    for what, (low, high) in (("down", down), ("up", up)):
        require_count("flapping", f"{what}[0]", low, least=1)
        require_count("flapping", f"{what}[1]", high, least=low)
    rng, t, outages = seeded_rng(seed, "flapping"), float(start), []
    while t < horizon:
        end = min(t + rng.randint(*down), horizon)
        outages.append(Outage(t, end))
        t = end + rng.randint(*up)
    return Scenario("flapping", ids, horizon, {ids[0].id: tuple(outages)})


def partition(n: int = 5, start: float = 100.0, length: float = 120.0,
              horizon: float = 600.0) -> Scenario:
    """The registry loses its network to the whole (healthy) fleet for ``length`` s."""
    _times("partition", start=start, horizon=horizon)
    require_duration("partition", "length", length, positive=True)
    return Scenario("partition", fleet(n), horizon, partitions=(Outage(start, start + length),))


def mass_restart(n: int = 5, start: float = 100.0, down: float = 40.0,
                 horizon: float = 600.0) -> Scenario:
    """Every instance restarts at once (a botched deploy) and is down for ``down`` s."""
    _times("mass_restart", start=start, horizon=horizon)
    require_duration("mass_restart", "down", down, positive=True)
    ids = fleet(n)
    return Scenario("mass restart", ids, horizon,
                    {i.id: (Outage(start, start + down, restart=True),) for i in ids})


#: The trade-off study's scenarios, by name.
SCENARIOS: Mapping[str, Scenario] = MappingProxyType({
    s.name: s for s in (crash(), flapping(), partition(), mass_restart())
})
