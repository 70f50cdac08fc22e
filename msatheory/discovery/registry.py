"""Def 3.1.1 and Def 3.1.2: service instances and a registry whose timestamps are leases.

An :class:`Instance` is the quadruple (ID, URL, Status, Metadata) of Def 3.1.2
(服务实例). A :class:`Registration` is the triple (R, S, T) of Def 3.1.1 (服务注册):
the registry that holds it, the instance of a service, and the timestamp T of its last
renewal. Here T is used for real: a registration is a *lease* that lasts ``ttl`` seconds
of virtual time after each heartbeat (Eureka's lease), and :meth:`Registry.lookup`
returns only instances whose lease is live and whose status (Consul's check states) is
not critical, so a crashed instance drops out without anyone deregistering it.

The module stops at the registry's own bookkeeping: who decides an instance's status is
:mod:`.health`, and who picks among the instances a lookup returns is :mod:`.balancers`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from msatheory.errors import TheoryError, require_duration, require_instance, require_name
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
    """Def 3.1.2's Status (服务实例): an instance's health as the registry knows it.

    Consul's check states: passing and warning instances receive traffic (as in
    Consul's DNS interface, unless ``only_passing`` is set); critical ones do not.
    """

    PASSING = "passing"
    WARNING = "warning"
    CRITICAL = "critical"


def as_status(owner: str, what: str, value: object) -> Status:
    """``value`` as a :class:`Status` (the status or its name); otherwise a
    :class:`~msatheory.errors.TheoryError` naming ``owner`` and ``what`` and listing the
    three states.

    >>> as_status("CheckPolicy", "initial", "warning")
    <Status.WARNING: 'warning'>
    """
    if isinstance(value, str) and value in Status.__members__.values():
        return Status(value)
    states = ", ".join(s.value for s in Status)
    raise TheoryError(f"{owner}: {what} must be one of {states}, not {value!r}")


@dataclass(frozen=True)
class Instance:
    """Def 3.1.2 (服务实例): an instance (ID, URL, Status, Metadata) of ``service``.

    Status is not stored here: it is what the registry knows of the instance at a
    moment, so :class:`Registration` carries it.

    Parameters
    ----------
    id : str
        ID, unique among the instances of ``service``.
    service : str
        The service the instance runs.
    url : str
        URL, where the instance answers.
    metadata : mapping of str to str, optional
        Metadata, such as ``{"zone": "eu-west-1a"}`` or a balancer's ``{"weight": "3"}``;
        kept sorted and read-only.

    Raises
    ------
    TheoryError
        If ``id``, ``service`` or ``url`` is not a non-empty string, or ``metadata`` does
        not map strings to strings.

    Examples
    --------
    >>> orders_1 = Instance("orders-1", "orders", "http://10.0.0.11:8080", {"zone": "a"})
    >>> orders_1.id, dict(orders_1.metadata)
    ('orders-1', {'zone': 'a'})
    >>> Instance("orders-2", "orders", "http://10.0.0.12:8080", {"weight": 3})
    Traceback (most recent call last):
        ...
    msatheory.errors.TheoryError: instance 'orders-2': metadata must map strings to strings,
    not {'weight': 3}

    References
    ----------
    .. [1] Def 3.1.2 of the theory (服务实例).
    .. [2] Eureka's ``InstanceInfo`` and Consul's service entry carry the same four
       things.
    """

    id: str
    service: str
    url: str
    metadata: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        require_name("instance", "id", self.id)
        owner = f"instance {self.id!r}"
        require_name(owner, "service", self.service)
        require_name(owner, "url", self.url)
        if not isinstance(self.metadata, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.metadata.items()
        ):
            raise TheoryError(f"{owner}: metadata must map strings to strings, "
                              f"not {self.metadata!r}")
        object.__setattr__(self, "metadata", MappingProxyType(dict(sorted(self.metadata.items()))))


@dataclass(frozen=True)
class Registration:
    """Def 3.1.1 (服务注册): an instance held by a registry, with its timestamps.

    The triple (R, S, T): the :class:`Registry` that returned the record, its
    ``instance`` of a service, and T, which is ``renewed``: the virtual time of the last
    heartbeat (or of registration). The lease runs out at ``renewed + ttl``.

    Parameters
    ----------
    instance : Instance
        The registered instance.
    registered : float
        When it registered, in seconds of the registry's clock.
    renewed : float
        T: when its lease was last renewed.
    ttl : float or None
        How long the lease lasts after each renewal; None: it never lapses.
    status : Status, default passing
        The health check's view of the instance.

    Examples
    --------
    >>> registry = Registry(ttl=90)
    >>> r = registry.register(Instance("orders-1", "orders", "http://10.0.0.11:8080"))
    >>> r.renewed, r.expires, r.live(89.5), r.live(90)
    (0.0, 90.0, True, False)

    References
    ----------
    .. [1] Def 3.1.1 of the theory (服务注册).
    .. [2] Eureka's ``Lease``: renewed by 30 s heartbeats, 90 s duration.
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
    """R of Def 3.1.1 (服务注册): a service registry whose registrations are leases.

    ``register`` rejects a duplicate id, ``heartbeat`` renews a lease, ``deregister``
    removes an instance, ``set_status`` records a health check's view, and ``lookup``
    returns the distinct instances whose lease is live and whose status is not
    critical, in id order. With ``ttl=None`` leases never lapse on their own: something
    else (a :class:`~.health.HealthChecker`, a :class:`~.health.LeaseEvictor`) must
    remove instances.

    Parameters
    ----------
    clock : VirtualClock, optional
        The registry's time (a new clock at 0 by default); nothing reads the wall clock.
    ttl : float or None, default 90
        How long a registration lives after its last renewal, in seconds; None for
        registrations that never lapse.

    Raises
    ------
    TheoryError
        If ``ttl`` is neither None nor a positive number of seconds.

    Examples
    --------
    >>> clock = VirtualClock()
    >>> registry = Registry(clock, ttl=90)
    >>> for k in (1, 2):
    ...     _ = registry.register(Instance(f"orders-{k}", "orders", f"http://orders-{k}"))
    >>> _ = clock.advance(60)
    >>> _ = registry.heartbeat("orders", "orders-2")
    >>> _ = clock.advance(30)
    >>> [i.id for i in registry.lookup("orders")]  # orders-1 went quiet for a whole lease
    ['orders-2']
    >>> registry.lookup("cart")
    Traceback (most recent call last):
        ...
    msatheory.discovery.registry.ServiceNotFound: no service 'cart' is registered
    (registered: orders)

    See Also
    --------
    Registration, Instance, discover

    References
    ----------
    .. [1] Def 3.1.1 of the theory (服务注册), and the ``registry.lookup`` of Algorithm
       3.2.1 (服务发现算法).
    .. [2] Eureka's leases (``LeaseManager``) and Consul's health states
       (``/v1/health/service``).
    """

    def __init__(self, clock: VirtualClock | None = None, ttl: float | None = 90.0):
        if ttl is not None:
            ttl = require_duration("Registry", "ttl", ttl, positive=True)
        self.clock = clock if clock is not None else VirtualClock()
        self.ttl = ttl
        self._services: dict[str, dict[str, Registration]] = {}

    @property
    def now(self) -> float:
        """The registry's virtual time."""
        return self.clock.now

    def register(self, instance: Instance, status: Status = Status.PASSING) -> Registration:
        """Register ``instance`` with a fresh lease and ``status``; an error if its id is taken."""
        require_instance("Registry.register", "instance", instance, Instance)
        held = self._services.setdefault(instance.service, {})
        if instance.id in held:
            raise InstanceExists(
                f"instance {instance.id!r} of {instance.service!r} is already registered"
            )
        held[instance.id] = Registration(instance, self.now, self.now, self.ttl,
                                         as_status("Registry.register", "status", status))
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
            old.instance, old.registered, old.renewed, old.ttl,
            as_status("Registry.set_status", "status", status)
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
