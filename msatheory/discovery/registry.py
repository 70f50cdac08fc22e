"""Def 3.1.1 and Def 3.1.2: service instances and a registry whose timestamps are leases.

A :class:`Registration` is the triple (R, S, T) of Def 3.1.1 (服务注册): the registry
that holds it, the instance of a service, and the timestamp T of its last renewal.
Here T is used for real: a registration is a *lease* that lasts ``ttl`` seconds of
virtual time after each heartbeat, and :meth:`Registry.lookup` returns only instances
whose lease is live, so a crashed instance drops out without anyone deregistering it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from msatheory.errors import TheoryError, require_name
from msatheory.sim import VirtualClock

__all__ = [
    "Instance",
    "InstanceExists",
    "InstanceNotFound",
    "NoHealthyInstance",
    "Registration",
    "Registry",
    "ServiceNotFound",
    "Status",
    "as_status",
]


class ServiceNotFound(TheoryError):
    """No instance of the service was ever registered, or all were deregistered."""


class NoHealthyInstance(TheoryError):
    """The service is registered, but no instance of it may receive traffic now."""


class InstanceExists(TheoryError):
    """An instance with this id is already registered for the service."""


class InstanceNotFound(TheoryError):
    """The service has no instance with this id."""


class Status(StrEnum):
    """An instance's health as the registry knows it (Consul's check states).

    Passing and warning instances receive traffic (as in Consul's DNS interface,
    unless ``only_passing`` is set); critical ones do not.
    """

    PASSING = "passing"
    WARNING = "warning"
    CRITICAL = "critical"


def as_status(value: object) -> Status:
    """``value`` as a :class:`Status`; an error listing the three states otherwise."""
    try:
        return Status(value)
    except ValueError:
        states = ", ".join(s.value for s in Status)
        raise TheoryError(f"unknown instance status {value!r}: expected one of {states}") from None


@dataclass(frozen=True)
class Instance:
    """Def 3.1.2 (服务实例): an instance (ID, URL, Status, Metadata) of ``service``.

    Status is not stored here: it is what the registry knows of the instance at a
    moment, so :class:`Registration` carries it.
    """

    id: str
    service: str
    url: str
    metadata: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        require_name("instance", "id", self.id)
        require_name(f"instance {self.id!r}", "service", self.service)
        require_name(f"instance {self.id!r}", "url", self.url)
        if not isinstance(self.metadata, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.metadata.items()
        ):
            raise TheoryError(f"instance {self.id!r}: metadata must map strings to strings")
        object.__setattr__(self, "metadata", MappingProxyType(dict(sorted(self.metadata.items()))))


@dataclass(frozen=True)
class Registration:
    """Def 3.1.1 (服务注册): an instance held by a registry, with its timestamps.

    ``renewed`` is T, the virtual time of the last heartbeat (or of registration);
    the lease runs out at ``renewed + ttl``.
    """

    instance: Instance
    registered: float
    renewed: float
    ttl: float | None
    status: Status = Status.PASSING

    @property
    def expires(self) -> float:
        """When the lease runs out unless renewed (never, without a ttl)."""
        return math.inf if self.ttl is None else self.renewed + self.ttl

    def live(self, now: float) -> bool:
        """Whether the lease still holds at ``now``."""
        return now < self.expires


class Registry:
    """A service registry on a virtual clock, whose registrations are leases of ``ttl`` s.

    ``register`` rejects a duplicate id, ``heartbeat`` renews a lease, ``deregister``
    removes an instance, and ``lookup`` returns the distinct instances whose lease is
    live and whose status is not critical, in id order. With ``ttl=None`` leases never
    lapse on their own: something else (a health checker, an evictor) must remove
    instances.
    """

    def __init__(self, clock: VirtualClock | None = None, ttl: float | None = 90.0):
        if ttl is not None and (
            isinstance(ttl, bool) or not isinstance(ttl, int | float) or not ttl > 0
        ):
            raise TheoryError(
                f"registry: ttl must be a positive number of seconds or None, not {ttl!r}"
            )
        self.clock = clock if clock is not None else VirtualClock()
        self.ttl = None if ttl is None else float(ttl)
        self._services: dict[str, dict[str, Registration]] = {}

    @property
    def now(self) -> float:
        """The registry's virtual time."""
        return self.clock.now

    def register(self, instance: Instance, status: Status = Status.PASSING) -> Registration:
        """Register ``instance`` with a fresh lease and ``status``; an error if its id is taken."""
        if not isinstance(instance, Instance):
            raise TheoryError(f"registry: can only register an Instance, not {instance!r}")
        held = self._services.setdefault(instance.service, {})
        if instance.id in held:
            raise InstanceExists(
                f"instance {instance.id!r} of {instance.service!r} is already registered"
            )
        held[instance.id] = Registration(instance, self.now, self.now, self.ttl,
                                         as_status(status))
        return held[instance.id]

    def _held(self, service: str) -> dict[str, Registration]:
        held = self._services.get(service)
        if not held:
            known = ", ".join(sorted(s for s, h in self._services.items() if h)) or "none"
            raise ServiceNotFound(f"no service {service!r} is registered (registered: {known})")
        return held

    def registration(self, service: str, instance_id: str) -> Registration:
        """The registration of one instance; an error naming what is missing."""
        held = self._held(service)
        if instance_id not in held:
            raise InstanceNotFound(f"service {service!r} has no instance {instance_id!r}")
        return held[instance_id]

    def deregister(self, service: str, instance_id: str) -> None:
        """Remove one instance."""
        self.registration(service, instance_id)
        del self._services[service][instance_id]

    def heartbeat(self, service: str, instance_id: str) -> Registration:
        """Renew the instance's lease from now (T := now)."""
        old = self.registration(service, instance_id)
        new = Registration(old.instance, old.registered, self.now, old.ttl, old.status)
        self._services[service][instance_id] = new
        return new

    def set_status(self, service: str, instance_id: str, status: Status) -> None:
        """Record the health check's view of an instance."""
        old = self.registration(service, instance_id)
        self._services[service][instance_id] = Registration(
            old.instance, old.registered, old.renewed, old.ttl, as_status(status)
        )

    def registrations(self, service: str | None = None) -> list[Registration]:
        """Every registration (of ``service``), live or not, in (service, id) order."""
        services = sorted(self._services) if service is None else [service]
        return [self._services.get(s, {})[i] for s in services
                for i in sorted(self._services.get(s, {}))]

    def lookup(self, service: str) -> list[Instance]:
        """The instances of ``service`` that may receive traffic: live lease, not critical.

        Raises :class:`ServiceNotFound` for a service with no registration and
        :class:`NoHealthyInstance` when registrations exist but none qualifies.
        """
        held = self._held(service)
        found = [r.instance for _, r in sorted(held.items())
                 if r.live(self.now) and r.status is not Status.CRITICAL]
        if not found:
            raise NoHealthyInstance(
                f"service {service!r} has {len(held)} registered instance(s), none healthy "
                f"at t={self.now:g} s"
            )
        return found

    def expired(self) -> list[Registration]:
        """Registrations whose lease has run out, in (service, id) order."""
        return [r for r in self.registrations() if not r.live(self.now)]

    def __repr__(self) -> str:
        count = sum(len(h) for h in self._services.values())
        ttl = "None" if self.ttl is None else f"{self.ttl:g}"
        return f"Registry(now={self.now:g}, ttl={ttl}, instances={count})"
