"""Algorithm 3.2.2 under failure: five health detectors scored against the ground truth.

Each detector drives a registry through a :class:`~msatheory.discovery.scenario.Scenario`
second by second of virtual time, seeing only what crosses the network: probes that
get an answer, heartbeats that arrive. We score what a lookup would have returned
against what was true:

* **dead served**: instance-seconds during which a down instance was listed;
* **healthy lost**: instance-seconds during which an up instance was not listed;
* **time to detect**: from the start of an outage to the first second the instance is
  no longer listed, over outages that begin while it is listed (those that end first
  are *undetected*);
* **lost for good**: instances up at the end that the registry has forgotten.

The detectors are the Rust sketch as written, plain leases, Consul-style thresholds,
Eureka (leases, eviction, self-preservation), and the corrected checker (thresholds,
delayed deregistration and self-preservation together).
"""

from __future__ import annotations

import contextlib
import math
import statistics
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
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
from msatheory.discovery.scenario import SCENARIOS, Outage, Scenario
from msatheory.discovery.sketch import InstanceStatus, SketchInstance, SketchServiceRegistry
from msatheory.errors import TheoryError
from msatheory.sim import VirtualClock, seeded_rng
from msatheory.theory import Verdict, Witness, get
from msatheory.theory.render import grid

__all__ = [
    "DETECTORS",
    "AsWritten",
    "Checks",
    "Detector",
    "Eureka",
    "Leases",
    "Outcome",
    "check_health",
    "detections",
    "run",
    "trade_off",
    "trade_off_table",
]


class Detector(ABC):
    """A registry plus whatever keeps it current, driven one virtual second at a time.

    Instances heartbeat every ``heartbeat`` s, each at its own seeded phase, when the
    registry can hear them; an instance that restarts announces itself (registers again)
    as soon as the registry can hear it.
    """

    name: str = ""
    heartbeat: int = 30
    registry: Registry | SketchServiceRegistry

    def __init__(self, scenario: Scenario, seed: int = 0):
        self.scenario, self.clock = scenario, VirtualClock()
        self.seed, self._rng = seed, seeded_rng(seed)
        self.phase: dict[str, int] = {}
        self._announcing: set[str] = set()

    def step(self) -> None:
        """Everything due at the current second: restarts, heartbeats, then the detector."""
        now, s = self.clock.now, self.scenario
        for instance in s.instances:
            if s.restarts(instance.id, now):
                self._announcing.add(instance.id)
            if not s.reachable(instance.id, now):
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
        return [i.id for i in self.registry.lookup(self.scenario.service)]

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
    """The Rust sketch: a probe every 30 s from t = 0; one failure evicts. Heartbeats to an
    evicted instance fail and nothing registers it again until it restarts."""

    name = "as written"

    def start(self) -> None:
        s = self.scenario
        self.registry = SketchServiceRegistry(
            self.clock, lambda i, now: s.reachable(i.id, now))
        for instance in s.instances:
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
        return frozenset(self.registry.instance_ids(self.scenario.service))

    def status(self, instance_id: str) -> str:
        held = self.registry.services.get(self.scenario.service, [])
        return next((i.status.value.lower() for i in held if i.id == instance_id), "absent")


class _OnRegistry(Detector):
    """Detectors over :class:`~msatheory.discovery.registry.Registry`."""

    registry: Registry

    def registered(self) -> frozenset[str]:
        return frozenset(r.instance.id for r in self.registry.registrations(self.scenario.service))

    def status(self, instance_id: str) -> str:
        try:
            r = self.registry.registration(self.scenario.service, instance_id)
        except (ServiceNotFound, InstanceNotFound):
            return "absent"
        return r.status.value if r.live(self.registry.now) else "expired"


class Leases(_OnRegistry):
    """Def 3.1.1 with T used: 90 s leases renewed by heartbeats; a lookup skips lapsed ones."""

    name = "leases"

    def start(self) -> None:
        self.registry = Registry(self.clock, ttl=90)
        for instance in self.scenario.instances:
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
    """Probes every 10 s through a :class:`~msatheory.discovery.health.HealthChecker`
    (Consul-style thresholds, reaped after 60 s critical), optionally self-preserving.

    The prober sits with the registry, as in the theory's sketch. Consul itself runs
    checks on each node's local agent, so a partition between its servers and the
    fleet does not fail them: "thresholds" is a central prober with Consul's rules,
    not Consul."""

    def __init__(self, scenario: Scenario, seed: int = 0, self_preservation: bool = True,
                 policy: CheckPolicy | None = None):
        super().__init__(scenario, seed)
        self.policy = policy if policy is not None else CheckPolicy(
            self_preservation=self_preservation)
        if policy is not None:
            self.name = "your policy"
        else:
            self.name = "corrected" if self_preservation else "thresholds"

    def start(self) -> None:
        self.registry = Registry(self.clock, ttl=None)
        self.checker = HealthChecker(self.registry, self.policy)
        for instance in self.scenario.instances:
            self.checker.register(instance, Status.PASSING)

    def started(self, instance: Instance) -> None:
        if instance.id not in self.registered():
            self.checker.register(instance)

    def beat(self, instance: Instance) -> None:
        """Heartbeats play no part: the registry probes."""

    def detect(self) -> None:
        s, now = self.scenario, self.clock.now
        if self.due(self.policy.interval):
            for r in self.registry.registrations(s.service):
                self.checker.record(s.service, r.instance.id, s.reachable(r.instance.id, now))
        if self.due(self.policy.reap_interval):
            self.checker.reap()


class Eureka(_OnRegistry):
    """Eureka: 30 s heartbeats, 90 s leases, eviction every 60 s at most 15% at a time,
    self-preservation at 85%; a client told its lease is gone registers again."""

    name = "eureka"

    def start(self) -> None:
        self.registry = Registry(self.clock, ttl=None)
        self.evictor = LeaseEvictor(self.registry, 90, self.heartbeat, seed=self.seed)
        for instance in self.scenario.instances:
            self.evictor.register(instance)

    def started(self, instance: Instance) -> None:
        self.beat(instance)

    def beat(self, instance: Instance) -> None:
        try:
            self.evictor.renew(instance.service, instance.id)
        except (InstanceNotFound, ServiceNotFound):
            self.evictor.register(instance)

    def detect(self) -> None:
        if self.clock.now > 0 and self.due(60):
            self.evictor.evict()


#: The detectors compared, by name; each builds a fresh one for a scenario and seed.
DETECTORS: Mapping[str, Callable[[Scenario, int], Detector]] = MappingProxyType({
    "as written": AsWritten,
    "leases": Leases,
    "thresholds": lambda s, seed=0: Checks(s, seed, self_preservation=False),
    "eureka": Eureka,
    "corrected": lambda s, seed=0: Checks(s, seed, self_preservation=True),
})


@dataclass(frozen=True)
class Outcome:
    """How one detector fared in one scenario; ``listed[t]``/``up[t]`` count instances,
    ``served[id][t]`` says whether a lookup returned the instance at second ``t``."""

    detector: str
    scenario: str
    dead_served: int
    healthy_lost: int
    detect: float | None
    undetected: int
    lost_for_good: int
    up: tuple[int, ...]
    served: Mapping[str, tuple[bool, ...]] = field(repr=False)

    @property
    def listed(self) -> tuple[int, ...]:
        """How many instances a lookup returned at each second."""
        return tuple(map(sum, zip(*self.served.values(), strict=True)))

    def row(self) -> tuple[str, ...]:
        """The outcome as table cells."""
        detect = "-" if self.detect is None else f"{self.detect:g}"
        return (self.scenario, self.detector, str(self.dead_served), str(self.healthy_lost),
                detect, str(self.undetected), str(self.lost_for_good))


def run(detector: str | Callable[[Scenario, int], Detector], scenario: Scenario,
        seed: int = 0) -> Outcome:
    """Drive a detector through ``scenario`` second by second and score it."""
    if not isinstance(scenario, Scenario):
        raise TheoryError(f"run: scenario must be a Scenario, not {scenario!r}")
    if isinstance(detector, str) or not callable(detector):
        if detector not in DETECTORS:
            raise TheoryError(f"unknown detector {detector!r}: expected one of "
                              f"{', '.join(DETECTORS)}")
        detector = DETECTORS[detector]
    d = detector(scenario, seed)
    d.start()
    s, ids = scenario, [i.id for i in scenario.instances]
    dead = lost = 0
    up_counts = []
    seen_listed: dict[str, list[bool]] = {i: [] for i in ids}
    for t in range(int(s.horizon)):
        if t:
            d.clock.advance(1)
        d.step()
        listed = d.listed()
        up = {i for i in ids if s.up(i, t)}
        dead += len(listed - up)
        lost += len(up - listed)
        up_counts.append(len(up))
        for i in ids:
            seen_listed[i].append(i in listed)
    detect, undetected = _detection(s, seen_listed)
    forgotten = len({i for i in ids if s.up(i, s.horizon - 1)} - d.registered())
    return Outcome(d.name, s.name, dead, lost, detect, undetected, forgotten,
                   tuple(up_counts),
                   MappingProxyType({i: tuple(v) for i, v in seen_listed.items()}))


def detections(s: Scenario, served: Mapping[str, Sequence[bool]]
               ) -> Iterator[tuple[str, Outage, float | None]]:
    """For each outage whose instance was served when it began: the instance, the outage,
    and the seconds until the instance was first not served (None: not while it lasted)."""
    for i, outages in s.outages.items():
        for o in outages:
            if not served[i][int(o.start)]:
                continue
            end = int(min(o.end, s.horizon))
            first = next((t for t in range(int(o.start), end) if not served[i][t]), None)
            yield i, o, (None if first is None else first - o.start)


def _detection(s: Scenario, served: Mapping[str, Sequence[bool]]) -> tuple[float | None, int]:
    """Mean time to detect over the detected outages, and how many went undetected."""
    delays = [d for _, _, d in detections(s, served)]
    times = [d for d in delays if d is not None]
    return (statistics.fmean(times) if times else None), delays.count(None)


def trade_off(scenarios: Iterable[Scenario], detectors: Iterable[str] = tuple(DETECTORS),
              seed: int = 0) -> list[Outcome]:
    """Every detector in every scenario."""
    detectors = list(detectors)
    return [run(d, s, seed) for s in scenarios for d in detectors]


def check_health(policy: CheckPolicy, scenarios: Iterable[Scenario] | None = None,
                 detect_within: float = 30.0, seed: int = 0) -> Verdict:
    """Algorithm 3.2.2 (健康检查算法) with ``policy``, judged over ``scenarios`` (by default
    the four of :data:`~msatheory.discovery.scenario.SCENARIOS`).

    It holds when every outage longer than ``detect_within`` s is detected within that
    time and no instance that is up at the end has been forgotten. Each witness names
    the scenario and what went wrong.
    """
    if not isinstance(policy, CheckPolicy):
        raise TheoryError(f"check_health: policy must be a CheckPolicy, not {policy!r}")
    if isinstance(detect_within, bool) or not isinstance(detect_within, int | float) or not (
            0 <= detect_within < math.inf):
        raise TheoryError(f"check_health: detect_within must be a number of seconds >= 0, "
                          f"not {detect_within!r}")
    scenarios = list(SCENARIOS.values() if scenarios is None else scenarios)
    for s in scenarios:
        if not isinstance(s, Scenario):
            raise TheoryError(f"check_health: scenarios must be Scenarios, not {s!r}")
    witnesses = []
    for s in scenarios:
        outcome = run(lambda sc, sd: Checks(sc, sd, policy=policy), s, seed)
        witnesses += _late(s, outcome, detect_within)
        if outcome.lost_for_good:
            witnesses.append(Witness(
                "lost for good", (s.name,),
                f"{s.name}: {outcome.lost_for_good} live instance(s) deregistered and never "
                f"registered again"))
    summary = (f"{len(scenarios)} scenario(s); outages over {detect_within:g} s must be "
               f"detected within {detect_within:g} s and no live instance forgotten.")
    return Verdict(get("algorithm", "3.2.2"), witnesses, summary)


def _late(s: Scenario, outcome: Outcome, within: float) -> list[Witness]:
    """Witnesses for long outages detected late or never."""
    found = []
    for i, o, delay in detections(s, outcome.served):
        length = min(o.end, s.horizon) - o.start
        if length > within and (delay is None or delay > within):
            when = "never" if delay is None else f"after {delay:g} s"
            found.append(Witness(
                "late detection", (s.name, i),
                f"{s.name}: {i} down from t={o.start:g} s for {length:g} s, detected {when}"))
    return found


def trade_off_table(outcomes: Iterable[Outcome]) -> str:
    """The outcomes as a fixed-width text table."""
    header = ("scenario", "detector", "dead served (inst-s)", "healthy lost (inst-s)",
              "detect (s)", "undetected", "lost for good")
    return grid(header, [o.row() for o in outcomes])
