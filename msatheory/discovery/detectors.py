"""The one engine for a registry over time: detectors driven second by second over a ground truth.

A :class:`Detector` is a registry plus whatever keeps it current, on a
:class:`~msatheory.sim.VirtualClock` that moves one virtual second per :meth:`~Detector.step`.
Each second, instances that restart announce themselves, instances heartbeat at their own
seeded phase, and the detector does its periodic work; everything it learns crosses the
network, so it sees an instance only while the
:class:`~msatheory.discovery.scenario.GroundTruth` says it is reachable. The five
detectors are the variants of Algorithm 3.2.2 (健康检查算法) that chapter 3 compares:

* ``as written``: the theory's Rust sketch (:mod:`.sketch`);
* ``leases``: Def 3.1.1 (服务注册) with T used, leases that lapse by themselves;
* ``thresholds``: Consul-style probes (:class:`~.health.HealthChecker`);
* ``eureka``: leases, eviction and self-preservation (:class:`~.health.LeaseEvictor`);
* ``corrected``: thresholds, delayed deregistration and self-preservation together.

The module stops at driving: scoring the detectors against a
:class:`~msatheory.discovery.scenario.Scenario` is :mod:`.tradeoff`, and driving one by
hand over a fleet you break is :mod:`.lab`.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from types import MappingProxyType

from msatheory.discovery.health import CheckPolicy, HealthChecker, LeaseEvictor
from msatheory.discovery.registry import (
    Instance,
    InstanceNotFound,
    NoHealthyInstance,
    Registry,
    ServiceNotFound,
    Status,
)
from msatheory.discovery.scenario import GroundTruth
from msatheory.discovery.sketch import InstanceStatus, SketchInstance, SketchServiceRegistry
from msatheory.errors import TheoryError, require_instance
from msatheory.sim import VirtualClock, seeded_rng

__all__ = [
    "DETECTORS",
    "AsWritten",
    "Checks",
    "Detector",
    "Eureka",
    "Leases",
    "detector_named",
]


class Detector(ABC):
    """A registry plus whatever keeps it current, driven one virtual second at a time.

    Instances heartbeat every ``heartbeat`` s, each at its own seeded phase, when the
    registry can hear them; an instance that restarts announces itself (registers again)
    as soon as the registry can hear it. :meth:`start` registers the fleet at t = 0;
    then :meth:`step` runs the current second and :meth:`advance` the next one.

    Parameters
    ----------
    truth : GroundTruth
        What really happens to the fleet (a Scenario, or a LiveFleet written as you go).
    seed : int, default 0
        Seeds the heartbeat phases (and Eureka's choice of whom to evict).
    """

    name: str = ""
    heartbeat: int = 30
    registry: Registry | SketchServiceRegistry

    def __init__(self, truth: GroundTruth, seed: int = 0):
        self.truth, self.clock = truth, VirtualClock()
        self.seed, self._rng = seed, seeded_rng(seed, type(self).__name__)
        self.phase: dict[str, int] = {}
        self._announcing: set[str] = set()

    def advance(self) -> None:
        """Move the clock one second on and run that second (:meth:`step`)."""
        self.clock.advance(1)
        self.step()

    def step(self) -> None:
        """Everything due at the current second: restarts, heartbeats, then the detector."""
        now, truth = self.clock.now, self.truth
        for instance in truth.instances:
            if truth.restarts(instance.id, now):
                self._announcing.add(instance.id)
            if not truth.reachable(instance.id, now):
                continue
            if instance.id in self._announcing:
                self._announcing.discard(instance.id)
                self.started(instance)
            elif (int(now) - self._phase(instance.id)) % self.heartbeat == 0:
                self.beat(instance)
        self.detect()

    def _phase(self, instance_id: str) -> int:
        """The instance's heartbeat phase, drawn when the detector first meets it."""
        if instance_id not in self.phase:
            self.phase[instance_id] = self._rng.randrange(self.heartbeat)
        return self.phase[instance_id]

    @abstractmethod
    def start(self) -> None:
        """Register the fleet at t = 0 (already running and healthy)."""

    @abstractmethod
    def started(self, instance: Instance) -> None:
        """A restarted instance announces itself."""

    @abstractmethod
    def beat(self, instance: Instance) -> None:
        """A heartbeat arrives from the instance."""

    @abstractmethod
    def detect(self) -> None:
        """The detector's own periodic work (probes, reaping, eviction)."""

    def lookup(self) -> list[str]:
        """The ids the registry's lookup returns now; its own error when it fails."""
        return [i.id for i in self.registry.lookup(self.truth.service)]

    def listed(self) -> frozenset[str]:
        """The ids a lookup returns now (none when it fails)."""
        try:
            return frozenset(self.lookup())
        except (ServiceNotFound, NoHealthyInstance):
            return frozenset()

    @abstractmethod
    def registered(self) -> frozenset[str]:
        """The ids the registry still holds, served or not."""

    @abstractmethod
    def status(self, instance_id: str) -> str:
        """What the registry records of the instance: its status, or "absent"."""

    def due(self, every: float) -> bool:
        """Whether a periodic task of period ``every`` s runs this second: at t = 0 and at
        the first whole second at or after each multiple of ``every``."""
        t = int(self.clock.now)
        return t == 0 or t // every != (t - 1) // every


class AsWritten(Detector):
    """Algorithm 3.2.2 (健康检查算法) as the Rust sketch writes it: a probe every 30 s from
    t = 0; one failure evicts. Heartbeats to an evicted instance fail and nothing
    registers it again until it restarts."""

    name = "as written"
    registry: SketchServiceRegistry

    def start(self) -> None:
        truth = self.truth
        self.registry = SketchServiceRegistry(
            self.clock, lambda i, now: truth.reachable(i.id, now))
        for instance in truth.instances:
            self.started(instance)

    def started(self, instance: Instance) -> None:
        sketch = SketchInstance(instance.id, instance.service, instance.url,
                                InstanceStatus.HEALTHY, dict(instance.metadata), self.clock.now)
        try:
            self.registry.register(sketch)
        except TheoryError:
            self.registry.heartbeat(instance.service, instance.id)

    def beat(self, instance: Instance) -> None:
        with contextlib.suppress(InstanceNotFound, ServiceNotFound):
            self.registry.heartbeat(instance.service, instance.id)

    def detect(self) -> None:
        if self.due(self.registry.interval):
            self.registry.perform_health_check()

    def registered(self) -> frozenset[str]:
        return frozenset(self.registry.instance_ids(self.truth.service))

    def status(self, instance_id: str) -> str:
        held = self.registry.services.get(self.truth.service, [])
        return next((i.status.value.lower() for i in held if i.id == instance_id), "absent")


class _OnRegistry(Detector):
    """Detectors over :class:`~msatheory.discovery.registry.Registry`."""

    registry: Registry

    def registered(self) -> frozenset[str]:
        return frozenset(r.instance.id for r in self.registry.registrations(self.truth.service))

    def status(self, instance_id: str) -> str:
        try:
            r = self.registry.registration(self.truth.service, instance_id)
        except (ServiceNotFound, InstanceNotFound):
            return "absent"
        return r.status.value if r.live(self.registry.now) else "expired"


class Leases(_OnRegistry):
    """Def 3.1.1 (服务注册) with T used: 90 s leases renewed by heartbeats; a lookup skips
    lapsed ones."""

    name = "leases"

    def start(self) -> None:
        self.registry = Registry(self.clock, ttl=90)
        for instance in self.truth.instances:
            self.registry.register(instance)

    def started(self, instance: Instance) -> None:
        if instance.id in self.registered():
            self.beat(instance)
        else:
            self.registry.register(instance)

    def beat(self, instance: Instance) -> None:
        self.registry.heartbeat(instance.service, instance.id)

    def detect(self) -> None:
        """Nothing to do: leases lapse by themselves."""


class Checks(_OnRegistry):
    """Algorithm 3.2.2 (健康检查算法) corrected: probes every 10 s through a
    :class:`~msatheory.discovery.health.HealthChecker` (Consul-style thresholds, reaped
    after 60 s critical), optionally self-preserving; ``policy`` replaces the defaults.

    By default the prober sits with the registry, as in the theory's sketch, so a
    partition between registry and fleet fails every check and, without
    self-preservation, reaps the fleet: "thresholds" is a central prober with Consul's
    rules, not Consul.

    ``node_agents=True`` places checks and reaper as Consul does (Consul 1.x,
    ``agent/agent.go``): each node's local agent runs its service's check and reaps it
    (``reapServicesInternal``), so only the instance's own health (``truth.up``) moves
    its status. The servers see a partition through serf instead: its ``serfHealth``
    check marks the cut-off nodes failed, and their services leave lookups (as Consul's
    passing-only health queries) while the partition lasts, but nothing is
    deregistered, since each agent keeps passing its own checks. Serf's few seconds of
    failure detection are not modelled: the nodes leave lookups at the partition's first
    second and return at the first second after it.

    Raises
    ------
    TheoryError
        If ``self_preservation`` or ``node_agents`` is not a bool, or ``policy`` not a
        CheckPolicy.
    """

    def __init__(self, truth: GroundTruth, seed: int = 0, self_preservation: bool = True,
                 policy: CheckPolicy | None = None, node_agents: bool = False):
        super().__init__(truth, seed)
        owner = "Checks"
        require_instance(owner, "self_preservation", self_preservation, bool)
        self.node_agents = require_instance(owner, "node_agents", node_agents, bool)
        if policy is not None:
            require_instance(owner, "policy", policy, CheckPolicy)
        self.policy = policy if policy is not None else CheckPolicy(
            self_preservation=self_preservation)
        if policy is not None:
            self.name = "your policy"
        else:
            self.name = "corrected" if self_preservation else "thresholds"
        if node_agents:
            self.name += " (node agents)"

    def start(self) -> None:
        self.registry = Registry(self.clock, ttl=None)
        self.checker = HealthChecker(self.registry, self.policy)
        for instance in self.truth.instances:
            self.checker.register(instance, Status.PASSING)

    def started(self, instance: Instance) -> None:
        if instance.id not in self.registered():
            self.checker.register(instance)

    def beat(self, instance: Instance) -> None:
        """Heartbeats play no part: the registry probes."""

    def detect(self) -> None:
        truth, now = self.truth, self.clock.now
        passes = truth.up if self.node_agents else truth.reachable
        if self.due(self.policy.interval):
            for r in self.registry.registrations(truth.service):
                self.checker.record(truth.service, r.instance.id, passes(r.instance.id, now))
        if self.due(self.policy.reap_interval):
            self.checker.reap()

    def lookup(self) -> list[str]:
        """The ids a lookup returns now; with ``node_agents``, none while ``serfHealth``
        marks the fleet's nodes failed (:class:`~.registry.NoHealthyInstance`)."""
        ids = super().lookup()
        if self.node_agents and self.truth.partitioned(self.clock.now):
            raise NoHealthyInstance(
                f"service {self.truth.service!r} has {len(self.registered())} registered "
                f"instance(s), all on nodes serfHealth marks failed at t={self.clock.now:g} s")
        return ids


class Eureka(_OnRegistry):
    """Algorithm 3.2.2 (健康检查算法) as Eureka 2.0.x's server does it
    (:class:`~.health.LeaseEvictor`): 30 s heartbeats, 90 s leases that a renewal
    stretches to 180 s (``Lease.renew``'s double duration), eviction every 60 s of at
    most 15% at a time, each eviction lowering the renewals expected, self-preservation
    at 85%; a client told its lease is gone registers again.

    It scores the server's registry record. A client sees that record later: through the
    server's read-only response cache (refreshed every 30 s) and its own registry fetch
    (every 30 s), which this detector does not model (:mod:`.patterns` models a client's
    cache)."""

    name = "eureka"
    #: ``leaseExpirationDurationInSeconds``: the lease, in seconds (stretched to twice
    #: this once renewed).
    lease: float = 90.0
    #: ``evictionIntervalTimerInMs`` / 1000: seconds between two runs of the eviction task.
    eviction_interval: float = 60.0
    #: ``responseCacheUpdateIntervalMs`` / 1000: seconds between two refreshes of the
    #: server's read-only response cache (not simulated here).
    response_cache_interval: float = 30.0
    #: ``registryFetchIntervalSeconds``: seconds between two registry fetches by a client
    #: (not simulated here).
    fetch_interval: float = 30.0

    def start(self) -> None:
        self.registry = Registry(self.clock, ttl=None)
        self.evictor = LeaseEvictor(self.registry, self.lease, self.heartbeat, seed=self.seed)
        for instance in self.truth.instances:
            self.evictor.register(instance)

    def started(self, instance: Instance) -> None:
        self.beat(instance)

    def beat(self, instance: Instance) -> None:
        try:
            self.evictor.renew(instance.service, instance.id)
        except (InstanceNotFound, ServiceNotFound):
            self.evictor.register(instance)

    def detect(self) -> None:
        if self.clock.now > 0 and self.due(self.eviction_interval):
            self.evictor.evict()


def _thresholds(truth: GroundTruth, seed: int = 0) -> Detector:
    return Checks(truth, seed, self_preservation=False)


def _corrected(truth: GroundTruth, seed: int = 0) -> Detector:
    return Checks(truth, seed, self_preservation=True)


#: The detectors compared, by name; each builds a fresh one for a ground truth and seed.
DETECTORS: Mapping[str, Callable[[GroundTruth, int], Detector]] = MappingProxyType({
    "as written": AsWritten,
    "leases": Leases,
    "thresholds": _thresholds,
    "eureka": Eureka,
    "corrected": _corrected,
})


def detector_named(name: str) -> Callable[[GroundTruth, int], Detector]:
    """The factory of the detector called ``name`` in :data:`DETECTORS`.

    >>> detector_named("leases")
    <class 'msatheory.discovery.detectors.Leases'>
    """
    if not isinstance(name, str) or name not in DETECTORS:
        raise TheoryError(f"unknown detector {name!r}: expected one of {', '.join(DETECTORS)}")
    return DETECTORS[name]
