"""A registry to operate by hand: chapter 3's detectors and balancers on a fleet you break.

:class:`LiveFleet` is a :class:`~msatheory.discovery.scenario.GroundTruth`, like a
:class:`~msatheory.discovery.scenario.Scenario` (is the instance up, is the registry cut
off, did it just start), but its history is written as you go: add an instance, crash
it, restart it, partition the registry from the fleet, heal. :class:`RegistryLab` drives
one of the detectors of :mod:`.detectors` (Algorithm 3.2.2, 健康检查算法) second by
second over that fleet, and serves requests through Algorithm 3.2.1 (服务发现算法): a
lookup, then a balancer's pick, recorded with whether the chosen instance was really up.

The module stops at the lab's state: drawing it and the explorer's buttons are
:mod:`msatheory.interactive.discovery`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from msatheory.discovery.balancers import BALANCERS, Balancer
from msatheory.discovery.detectors import Detector, detector_named
from msatheory.discovery.registry import Instance
from msatheory.discovery.scenario import Outage, fleet
from msatheory.errors import TheoryError, require_count

__all__ = ["LiveFleet", "Pick", "RegistryLab", "Tile"]


class LiveFleet:
    """A ground truth written as it happens; every change takes effect at time ``t``.

    >>> truth = LiveFleet(2)
    >>> truth.crash("orders-1", 10)
    >>> truth.up("orders-1", 9), truth.up("orders-1", 10), truth.reachable("orders-2", 10)
    (True, False, True)
    """

    def __init__(self, n: int = 4, service: str = "orders"):
        self.instances = list(fleet(n, service))
        self.outages: dict[str, list[Outage]] = {i.id: [] for i in self.instances}
        self.partitions: list[Outage] = []
        self._started: dict[str, float] = {}

    @property
    def service(self) -> str:
        """The service the fleet runs."""
        return self.instances[0].service

    def ids(self) -> list[str]:
        """The instance ids, oldest first."""
        return [i.id for i in self.instances]

    def _instance(self, instance_id: str) -> str:
        if instance_id not in self.outages:
            raise TheoryError(f"the fleet has no instance {instance_id!r} "
                              f"(it has {', '.join(self.ids())})")
        return instance_id

    def up(self, instance_id: str, t: float) -> bool:
        """Whether the instance is running at ``t``."""
        if t < self._started.get(instance_id, 0.0):
            return False
        return not any(o.covers(t) for o in self.outages[self._instance(instance_id)])

    def partitioned(self, t: float) -> bool:
        """Whether the registry is cut off from the fleet at ``t``."""
        return any(p.covers(t) for p in self.partitions)

    def reachable(self, instance_id: str, t: float) -> bool:
        """Whether a probe or a heartbeat gets through at ``t``."""
        return self.up(instance_id, t) and not self.partitioned(t)

    def restarts(self, instance_id: str, t: float) -> bool:
        """Whether the instance starts as a new process at ``t``."""
        return self._started.get(instance_id) == t or any(
            o.restart and o.end == t for o in self.outages[self._instance(instance_id)])

    def add(self, t: float) -> Instance:
        """Start a new instance at ``t``."""
        n = len(self.instances) + 1
        instance = fleet(n, self.service)[-1]
        self.instances.append(instance)
        self.outages[instance.id] = []
        self._started[instance.id] = t
        return instance

    def crash(self, instance_id: str, t: float) -> None:
        """The instance dies at ``t``."""
        if t < self._started.get(instance_id, 0.0):
            raise TheoryError(f"{instance_id} is still booting at t={t:g}: advance the clock "
                              "first")
        if not self.up(instance_id, t):
            raise TheoryError(f"{instance_id} is already down at t={t:g}")
        self.outages[instance_id].append(Outage(t))

    def restart(self, instance_id: str, t: float) -> None:
        """A crashed instance comes back as a new process at ``t``."""
        outages = self.outages[self._instance(instance_id)]
        if not outages or outages[-1].end != math.inf:
            raise TheoryError(f"{instance_id} has not crashed: crash it first")
        last = self.outages[instance_id].pop()
        self.outages[instance_id].append(Outage(last.start, t, restart=True))

    def partition(self, t: float) -> None:
        """Cut the registry off from the fleet from ``t``."""
        if self.partitioned(t):
            raise TheoryError(f"the registry is already partitioned at t={t:g}")
        self.partitions.append(Outage(t))

    def heal(self, t: float) -> None:
        """End the partition at ``t``."""
        if not self.partitioned(t):
            raise TheoryError(f"there is no partition to heal at t={t:g}")
        if self.partitions[-1].start == t:
            raise TheoryError(f"the partition began at t={t:g}: advance the clock before "
                              "healing it")
        self.partitions[-1] = Outage(self.partitions[-1].start, t)


@dataclass(frozen=True)
class Pick:
    """One request routed at ``t``: the instance chosen (None: the lookup failed), and
    whether it was really up."""

    t: float
    instance: str | None
    up: bool


@dataclass(frozen=True)
class Tile:
    """An instance as the lab shows it: the truth and the registry's record."""

    id: str
    up: bool
    status: str
    listed: bool


class RegistryLab:
    """One detector and one balancer over a :class:`LiveFleet`, on a virtual clock.

    ``advance(seconds)`` runs the detector second by second and routes ``rate``
    requests each second through Algorithm 3.2.1.
    """

    def __init__(self, detector: str = "corrected", balancer: str = "round robin",
                 instances: int = 4, rate: int = 2, seed: int = 0):
        make_detector = detector_named(detector)
        if not isinstance(balancer, str) or balancer not in BALANCERS:
            raise TheoryError(f"unknown balancer {balancer!r}: expected one of "
                              f"{', '.join(BALANCERS)}")
        require_count("RegistryLab", "rate", rate)
        self.detector_name, self.balancer_name, self.rate = detector, balancer, rate
        self.fleet = LiveFleet(instances)
        self.detector: Detector = make_detector(self.fleet, seed)
        self.balancer: Balancer = BALANCERS[balancer]()
        self.picks: list[Pick] = []
        self._in_flight: list[Instance] = []
        self.trace: list[tuple[float, int, int]] = []
        self.detector.start()
        self._record()

    @property
    def now(self) -> float:
        """The lab's virtual time (seconds)."""
        return self.detector.clock.now

    def discover(self) -> Instance:
        """Algorithm 3.2.1 (服务发现算法) on the detector's registry, with the lab's balancer;
        the registry's own error when its lookup fails."""
        listed = set(self.detector.lookup())
        return self.balancer.select([i for i in self.fleet.instances if i.id in listed])

    def lookup(self) -> str:
        """What a lookup returns now, in words."""
        try:
            listed = sorted(self.detector.lookup())
        except TheoryError as error:
            return f"lookup fails: {error}"
        return "lookup returns " + ", ".join(listed)

    def tiles(self) -> list[Tile]:
        """Every instance ever started, with its truth and the registry's record."""
        listed = self.detector.listed()
        return [Tile(i, self.fleet.up(i, self.now), self.detector.status(i), i in listed)
                for i in self.fleet.ids()]

    def advance(self, seconds: int) -> None:
        """Run ``seconds`` whole seconds of virtual time."""
        require_count("RegistryLab.advance", "seconds", seconds, least=1)
        for _ in range(seconds):
            self.detector.advance()
            self._route()
            self._record()

    def _route(self) -> None:
        """Route this second's requests; each lasts one second, so the previous second's
        requests finish first and this second's are in flight together."""
        for chosen in self._in_flight:
            self.balancer.release(chosen)
        self._in_flight = []
        for _ in range(self.rate):
            try:
                chosen = self.discover()
            except TheoryError:
                self.picks.append(Pick(self.now, None, False))
                continue
            self.picks.append(Pick(self.now, chosen.id, self.fleet.up(chosen.id, self.now)))
            self._in_flight.append(chosen)

    def _record(self) -> None:
        up = sum(self.fleet.up(i, self.now) for i in self.fleet.ids())
        self.trace.append((self.now, len(self.detector.listed()), up))

    def add(self) -> str:
        """Boot a new instance; it runs and announces itself from the next second."""
        return self.fleet.add(self.now + 1).id

    def crash(self, instance_id: str) -> None:
        """Kill the instance now."""
        self.fleet.crash(instance_id, self.now)

    def restart(self, instance_id: str) -> None:
        """Reboot a crashed instance; it runs and announces itself from the next second."""
        self.fleet.restart(instance_id, self.now + 1)

    def partition(self) -> None:
        """Cut the registry off from the fleet now."""
        self.fleet.partition(self.now)

    def heal(self) -> None:
        """End the partition now."""
        self.fleet.heal(self.now)

    def summary(self) -> str:
        """Requests routed so far, and how many failed or reached a dead instance."""
        failed = sum(p.instance is None for p in self.picks)
        dead = sum(p.instance is not None and not p.up for p in self.picks)
        return (f"t={self.now:g} s: {len(self.picks)} requests, {dead} sent to a dead "
                f"instance, {failed} failed lookups")

    def __repr__(self) -> str:
        return (f"RegistryLab(detector={self.detector_name!r}, balancer={self.balancer_name!r}, "
                f"now={self.now:g}, instances={len(self.fleet.instances)})")
