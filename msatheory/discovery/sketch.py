"""The theory's code sketches for chapter 3, ported as written: the Rust ``ServiceRegistry``
(section 3.3) and the Go ``RoundRobinBalancer`` (section 4.3's gateway, for Algorithm 3.2.1).

Method for method, with the sketches' defects kept so that chapter 3's errata
(:mod:`.errata`) can run them. The Rust registry:

* ``heartbeat`` records ``last_heartbeat`` and nothing ever reads it, so heartbeats
  cannot expire anything (Def 3.1.1's timestamp T is stored, never used);
* ``perform_health_check`` marks an instance Unhealthy on one failed probe and then
  keeps only Healthy instances, so one lost probe evicts a healthy instance for good;
  a partition between registry and fleet evicts every instance at the next check;
* the same ``retain`` drops instances whose status is still ``Unknown``, however well
  they answer their probe: nothing ever marks a passing instance Healthy;
* ``deregister`` of an unknown id in a known service succeeds silently, and a service
  whose instances were all removed reports "no healthy instances", not "not found".

Rust's ``SystemTime::now()`` becomes a :class:`~msatheory.sim.VirtualClock`, and the
HTTP ``GET {url}/health`` of ``check_instance_health`` becomes a ``probe`` function
the environment supplies. ``start_health_check`` moves ``&mut self`` into a spawned
task, which Rust's borrow checker rejects; :meth:`SketchServiceRegistry.run_health_checks`
runs the loop it meant, with tokio's interval semantics (the first tick is immediate).

The Go round robin (:class:`SketchRoundRobin`) indexes past the end when the list
shrinks between calls (Go panics: :class:`GoPanic`), shares one counter among every
service (so an instance can starve), and returns a zero value for an empty list instead
of an error.

The corrections are elsewhere: :class:`~.registry.Registry`, :class:`~.health.HealthChecker`
and :class:`~.balancers.RoundRobin`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum

from msatheory.discovery.balancers import Balancer
from msatheory.discovery.registry import (
    Instance,
    InstanceExists,
    InstanceNotFound,
    NoHealthyInstance,
    ServiceNotFound,
)
from msatheory.errors import TheoryError, require_instance, require_items
from msatheory.sim import VirtualClock

__all__ = [
    "GoPanic",
    "InstanceStatus",
    "SketchInstance",
    "SketchRoundRobin",
    "SketchServiceRegistry",
]


class InstanceStatus(Enum):
    """``enum InstanceStatus { Healthy, Unhealthy, Unknown }``."""

    HEALTHY = "Healthy"
    UNHEALTHY = "Unhealthy"
    UNKNOWN = "Unknown"


@dataclass
class SketchInstance:
    """``struct ServiceInstance``: Def 3.1.2's quadruple plus service name and heartbeat time."""

    id: str
    service_name: str
    url: str
    status: InstanceStatus = InstanceStatus.HEALTHY
    metadata: dict[str, str] = field(default_factory=dict)
    last_heartbeat: float = 0.0


#: ``check_instance_health``: does ``GET {url}/health`` succeed within the timeout at ``now``?
Probe = Callable[[SketchInstance, float], bool]


class SketchServiceRegistry:
    """``struct ServiceRegistry`` with its ``impl``, as written.

    ``probe(instance, now)`` answers whether the instance's health endpoint replied
    with a success status within ``timeout`` (5 s); the default reaches everyone.
    """

    interval: float = 30.0
    timeout: float = 5.0

    def __init__(self, clock: VirtualClock | None = None, probe: Probe | None = None):
        self.clock = clock if clock is not None else VirtualClock()
        self.probe: Probe = probe if probe is not None else (lambda _instance, _now: True)
        self.services: dict[str, list[SketchInstance]] = {}

    def register(self, instance: SketchInstance) -> None:
        """Append the instance to its service's list; ``InstanceExists`` if the id is there."""
        require_instance("SketchServiceRegistry.register", "instance", instance, SketchInstance)
        instances = self.services.setdefault(instance.service_name, [])
        if any(i.id == instance.id for i in instances):
            raise InstanceExists(f"InstanceExists({instance.id!r})")
        instances.append(instance)

    def deregister(self, service_name: str, instance_id: str) -> None:
        """``retain(|i| i.id != instance_id)``: no error when the id is absent."""
        if service_name not in self.services:
            raise ServiceNotFound(f"ServiceNotFound({service_name!r})")
        self.services[service_name] = [i for i in self.services[service_name]
                                       if i.id != instance_id]

    def lookup(self, service_name: str) -> list[SketchInstance]:
        """The Healthy instances, in list order; errors as the sketch raises them."""
        if service_name not in self.services:
            raise ServiceNotFound(f"ServiceNotFound({service_name!r})")
        healthy = [i for i in self.services[service_name] if i.status is InstanceStatus.HEALTHY]
        if not healthy:
            raise NoHealthyInstance(f"NoHealthyInstances({service_name!r})")
        return healthy

    def heartbeat(self, service_name: str, instance_id: str) -> None:
        """Set ``last_heartbeat`` to now and the status to Healthy."""
        if service_name not in self.services:
            raise ServiceNotFound(f"ServiceNotFound({service_name!r})")
        for instance in self.services[service_name]:
            if instance.id == instance_id:
                instance.last_heartbeat = self.clock.now
                instance.status = InstanceStatus.HEALTHY
                return
        raise InstanceNotFound(f"InstanceNotFound({instance_id!r})")

    def perform_health_check(self) -> None:
        """Mark every instance whose probe fails Unhealthy, then keep only Healthy ones."""
        for service_name, instances in self.services.items():
            for instance in instances:
                if not self.probe(instance, self.clock.now):
                    instance.status = InstanceStatus.UNHEALTHY
            self.services[service_name] = [i for i in instances
                                           if i.status is InstanceStatus.HEALTHY]

    def run_health_checks(self, until: float) -> int:
        """The loop ``start_health_check`` intends: check now, then every ``interval`` s,
        up to and including ``until``; return how many checks ran. The clock ends at
        the last check."""
        if not math.isfinite(until) or until < self.clock.now:
            raise TheoryError(f"SketchServiceRegistry.run_health_checks: until must be a "
                              f"finite time at or after now ({self.clock.now:g}), "
                              f"not {until!r}")
        checks = 0
        while True:
            self.perform_health_check()
            checks += 1
            if self.clock.now + self.interval > until:
                return checks
            self.clock.advance(self.interval)

    def instance_ids(self, service_name: str) -> list[str]:
        """The ids still listed for the service, whatever their status."""
        return [i.id for i in self.services.get(service_name, [])]


# -- the Go gateway's round robin --------------------------------------------------------------


class GoPanic(TheoryError):
    """What the Go sketch would do at run time: panic (here, with the Go runtime's message)."""


class SketchRoundRobin(Balancer):
    """The Go sketch's ``RoundRobinBalancer`` as written, defects and all.

    One ``current`` index is shared by every call, whatever the service. An empty list
    returns ``None``, standing for Go's zero value ``ServiceInstance{}``; an index past
    the end raises :class:`GoPanic` with the message Go's runtime would print.
    """

    name = "sketch round robin"

    def __init__(self) -> None:
        self.current = 0

    def select(self, instances: Sequence[Instance]) -> Instance | None:  # type: ignore[override]
        """``instances[current]``, then ``current = (current + 1) % len(instances)``."""
        require_items("SketchRoundRobin", "instances", instances, Instance)
        if len(instances) == 0:
            return None  # return ServiceInstance{}
        if self.current >= len(instances):
            raise GoPanic(
                f"runtime error: index out of range [{self.current}] with length {len(instances)}"
            )
        selected = instances[self.current]
        self.current = (self.current + 1) % len(instances)
        return selected

    def __repr__(self) -> str:
        return f"SketchRoundRobin(current={self.current})"
