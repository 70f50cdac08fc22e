"""Algorithm 3.2.2 (健康检查算法), corrected: thresholds, delayed deregistration, self-preservation.

The theory's health check deregisters an instance the moment one check fails. Production
registries separate two decisions the sketch conflates:

* *whether to send traffic*: a check result moves an instance between passing, warning
  and critical only after several consecutive results agree (Consul's
  ``failures_before_warning``, ``failures_before_critical`` and ``success_before_passing``);
  critical instances get no traffic but stay registered;
* *whether to forget the instance*: an instance critical for longer than
  ``deregister_critical_after`` is reaped (Consul's ``DeregisterCriticalServiceAfter``,
  at least one minute, reaped every 30 s: ``agent/agent.go`` ``reapServicesInternal``
  tests ``CriticalFor() > timeout``), unless the registry is *self-preserving*:
  Eureka stops evicting when the renewals of the last minute fall to
  ``int(n * (60 / interval) * 0.85)`` or below, because a registry that suddenly stops
  hearing from most of its fleet is more likely cut off than facing a mass death.

:class:`LeaseEvictor` is Eureka's other half: leases renewed by heartbeats, expired
leases evicted by a periodic task, at most 15% of the registry per run.

The module stops at the registry's side of one check result or one heartbeat. Driving
these over a fleet second by second is :mod:`.detectors`; judging a :class:`CheckPolicy`
against failure scenarios is :func:`~.tradeoff.check_health`; whether an architecture
gives Algorithm 3.2.2 anything to check is :mod:`.coverage`.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from msatheory.discovery.registry import Instance, Registry, Status, as_status
from msatheory.errors import (
    TheoryError,
    require_count,
    require_duration,
    require_fraction,
    require_instance,
)
from msatheory.sim import seeded_rng

__all__ = [
    "CheckPolicy",
    "HealthChecker",
    "LeaseEvictor",
    "SelfPreservation",
    "self_preservation_threshold",
]


def self_preservation_threshold(instances: int, interval: float = 30.0,
                                percent: float = 0.85) -> int:
    """Eureka's renewal threshold: ``int(instances * (60 / interval) * percent)`` per minute.

    With the default 30 s renewals this is ``int(n * 2 * 0.85)``: one silent instance
    of five leaves 8 renewals a minute, at the threshold, so it is never evicted.

    >>> self_preservation_threshold(5), self_preservation_threshold(10)
    (8, 17)
    """
    owner = "self_preservation_threshold"
    require_count(owner, "instances", instances)
    require_duration(owner, "interval", interval, positive=True)
    require_fraction(owner, "percent", percent, zero=False)
    return int(instances * (60 / interval) * percent)


class SelfPreservation:
    """Eureka's guard for Algorithm 3.2.2 (健康检查算法): no evictions while the registry
    hears from too little of its fleet, which it is more likely cut off from than
    watching die.

    Renewals are counted per whole minute of virtual time (Eureka's ``MeasuredRate``);
    evictions are enabled only while the last full minute's count exceeds
    :func:`self_preservation_threshold`. ``expected`` rises when an instance registers
    and falls by one for every lease that leaves, cancelled or evicted, as in Eureka
    since 1.9.17 (checked against 2.0.x): ``AbstractInstanceRegistry.evict`` removes each
    expired lease through ``internalCancel``, which decrements
    ``expectedNumberOfClientsSendingRenews`` and calls ``updateRenewsPerMinThreshold``.

    Parameters
    ----------
    registry : Registry
        The registry whose clock measures the minutes.
    interval : float, default 30
        Seconds between two renewals of one instance.
    percent : float, default 0.85
        The share of expected renewals below which evictions stop (Eureka's
        ``renewalPercentThreshold``).

    Raises
    ------
    TheoryError
        If ``registry`` is not a Registry, ``interval`` not a positive number of seconds,
        or ``percent`` not in (0, 1].

    Examples
    --------
    >>> guard = SelfPreservation(Registry(ttl=None))
    >>> for _ in range(5):
    ...     guard.registered()
    >>> for _ in range(8):  # one of five instances silent for a minute
    ...     guard.renewed()
    >>> _ = guard.registry.clock.advance(60)
    >>> guard.renewals_last_minute, guard.threshold, guard.engaged
    (8, 8, True)

    References
    ----------
    .. [1] Eureka's self-preservation
       (``PeerAwareInstanceRegistryImpl.isLeaseExpirationEnabled``).
    .. [2] Eureka 1.9.17, Netflix/eureka#1271: evicted leases lower
       ``expectedNumberOfClientsSendingRenews`` (``AbstractInstanceRegistry.internalCancel``).
    """

    def __init__(self, registry: Registry, interval: float = 30.0, percent: float = 0.85):
        owner = "SelfPreservation"
        self.registry = require_instance(owner, "registry", registry, Registry)
        self.interval = require_duration(owner, "interval", interval, positive=True)
        self.percent = require_fraction(owner, "percent", percent, zero=False)
        self.expected = 0
        self._renewals: Counter[int] = Counter()

    def registered(self) -> None:
        """A new instance will be sending renewals."""
        self.expected += 1

    def cancelled(self) -> None:
        """An instance left (cancelled or evicted) and will not renew again."""
        self.expected = max(0, self.expected - 1)

    def renewed(self) -> None:
        """Count one renewal (a heartbeat, or a passing check) in the current minute."""
        self._renewals[int(self.registry.now // 60)] += 1

    @property
    def threshold(self) -> int:
        """Renewals per minute at or below which evictions stop."""
        return self_preservation_threshold(self.expected, self.interval, self.percent)

    @property
    def renewals_last_minute(self) -> int:
        """Renewals counted in the last full minute."""
        return self._renewals[int(self.registry.now // 60) - 1]

    @property
    def engaged(self) -> bool:
        """True while evictions are stopped: the threshold is 0, or the last full minute's
        renewals are at or below it."""
        return not (self.threshold > 0 and self.renewals_last_minute > self.threshold)


@dataclass(frozen=True)
class CheckPolicy:
    """How the corrected Algorithm 3.2.2 (健康检查算法) checks: Consul-style thresholds and
    reaping; ``self_preservation`` adds Eureka's guard.

    Consul raises a deregistration timeout below one minute to one minute; this model
    takes any positive value, so that short timeouts can be studied. One deliberate
    departure from Consul's agent, which sets warning whenever the failure count lies
    between the two thresholds: here a critical instance stays critical until it passes
    ``successes_before_passing`` checks, so a stray success never puts a failing
    instance back in service.

    Parameters
    ----------
    interval : float, default 10
        Seconds between two checks of an instance.
    failures_before_warning, failures_before_critical : int, default 1 and 3
        Consecutive failed checks that make a passing instance warning (still served),
        then critical (not served); the first may not exceed the second.
    successes_before_passing : int, default 2
        Consecutive passed checks that make an instance passing again.
    deregister_critical_after : float or None, default 60
        An instance critical for more than this many seconds is reaped; None never
        reaps.
    reap_interval : float, default 30
        Seconds between two runs of the reaper.
    self_preservation : bool, default True
        Whether reaping stops while the fleet's passed checks fall to Eureka's
        threshold (:class:`SelfPreservation`).
    initial : Status, default critical
        The status of a newly registered instance (a status or its name).

    Raises
    ------
    TheoryError
        Naming the field that is not a positive number of seconds, not a positive whole
        number, or not a status.

    Examples
    --------
    >>> CheckPolicy(interval=5).failures_before_critical
    3
    >>> CheckPolicy(failures_before_warning=4)
    Traceback (most recent call last):
        ...
    msatheory.errors.TheoryError: CheckPolicy: failures_before_critical must be a whole number
    of at least 4, not 3

    References
    ----------
    .. [1] Consul's check definition: ``failures_before_warning``,
       ``failures_before_critical``, ``success_before_passing`` and
       ``deregister_critical_service_after``.
    .. [2] Eureka's self-preservation (:class:`SelfPreservation`).
    """

    interval: float = 10.0
    failures_before_warning: int = 1
    failures_before_critical: int = 3
    successes_before_passing: int = 2
    deregister_critical_after: float | None = 60.0
    reap_interval: float = 30.0
    self_preservation: bool = True
    initial: Status = Status.CRITICAL

    def __post_init__(self) -> None:
        owner = "CheckPolicy"
        require_duration(owner, "interval", self.interval, positive=True)
        require_duration(owner, "reap_interval", self.reap_interval, positive=True)
        for what in ("failures_before_warning", "failures_before_critical",
                     "successes_before_passing"):
            require_count(owner, what, getattr(self, what), least=1)
        require_count(owner, "failures_before_critical", self.failures_before_critical,
                      least=self.failures_before_warning)
        if self.deregister_critical_after is not None:
            require_duration(owner, "deregister_critical_after", self.deregister_critical_after,
                             positive=True)
        object.__setattr__(self, "initial", as_status(owner, "initial", self.initial))


@dataclass
class _Streak:
    successes: int = 0
    failures: int = 0
    critical_since: float | None = None


class HealthChecker:
    """Algorithm 3.2.2 (健康检查算法), corrected: check results move an instance's status
    by thresholds, and deregistration waits.

    The algorithm deregisters an instance the moment one check finds it unhealthy. Here
    :meth:`record` applies one check result: consecutive failures make a passing instance
    warning, then critical (not served, still registered), and consecutive successes make
    it passing again. :meth:`reap` deregisters instances critical for more than
    ``policy.deregister_critical_after`` s, unless self-preservation is engaged: most of
    the fleet silent at once is more likely a partition than a mass death.

    Parameters
    ----------
    registry : Registry
        The registry whose statuses the checker keeps; create it with ``ttl=None`` so that
        only the checker removes instances.
    policy : CheckPolicy, optional
        Thresholds, reaping and self-preservation (``CheckPolicy()`` by default).

    Raises
    ------
    TheoryError
        If ``registry`` is not a Registry or ``policy`` is not a CheckPolicy.

    Examples
    --------
    >>> checker = HealthChecker(Registry(ttl=None), CheckPolicy(self_preservation=False))
    >>> checker.register(Instance("orders-1", "orders", "http://orders-1:8080"), Status.PASSING)
    >>> [checker.record("orders", "orders-1", passed).value for passed in (False, False, False)]
    ['warning', 'warning', 'critical']
    >>> checker.registry.lookup("orders")
    Traceback (most recent call last):
        ...
    msatheory.discovery.registry.NoHealthyInstance: service 'orders' has 1 registered
    instance(s), none healthy at t=0 s
    >>> _ = checker.registry.clock.advance(60)
    >>> checker.reap()  # critical for exactly 60 s: not more than 60
    []
    >>> _ = checker.registry.clock.advance(1)
    >>> [i.id for i in checker.reap()]
    ['orders-1']

    See Also
    --------
    CheckPolicy, LeaseEvictor
    msatheory.discovery.check_health : a policy judged over failure scenarios.

    References
    ----------
    .. [1] Algorithm 3.2.2 of the theory (健康检查算法); this corrects the errata
       ``3.one-probe-evicts``, ``3.partition-evicts-all`` and ``3.unknown-evicted`` of
       its Rust ``perform_health_check``.
    .. [2] Consul's check thresholds and ``DeregisterCriticalServiceAfter``.
    .. [3] Eureka's self-preservation.
    """

    def __init__(self, registry: Registry, policy: CheckPolicy | None = None):
        require_instance("HealthChecker", "registry", registry, Registry)
        if policy is not None:
            require_instance("HealthChecker", "policy", policy, CheckPolicy)
        self.registry = registry
        self.policy = policy if policy is not None else CheckPolicy()
        self.guard = (SelfPreservation(registry, self.policy.interval)
                      if self.policy.self_preservation else None)
        self._streaks: dict[tuple[str, str], _Streak] = {}

    def register(self, instance: Instance, status: Status | None = None) -> None:
        """Register ``instance`` with ``status`` (by default the policy's initial status)."""
        status = (self.policy.initial if status is None
                  else as_status("HealthChecker.register", "status", status))
        self.registry.register(instance, status)
        since = self.registry.now if status is Status.CRITICAL else None
        self._streaks[(instance.service, instance.id)] = _Streak(critical_since=since)
        if self.guard:
            self.guard.registered()

    def deregister(self, service: str, instance_id: str) -> None:
        """An instance leaves on purpose (a cancel, not an eviction)."""
        self.registry.deregister(service, instance_id)
        del self._streaks[(service, instance_id)]
        if self.guard:
            self.guard.cancelled()

    def _streak(self, service: str, instance_id: str) -> _Streak:
        self.registry.registration(service, instance_id)  # names an unknown one
        if (service, instance_id) not in self._streaks:
            raise TheoryError(f"HealthChecker: {instance_id!r} of {service!r} was registered "
                              "without it; register instances through HealthChecker.register")
        return self._streaks[(service, instance_id)]

    def record(self, service: str, instance_id: str, passed: bool) -> Status:
        """Apply one check result to the instance; return its status afterwards.

        Raises :class:`~.registry.ServiceNotFound` or :class:`~.registry.InstanceNotFound`
        for an instance the registry does not hold.
        """
        status = self.registry.registration(service, instance_id).status
        streak = self._streak(service, instance_id)
        if passed:
            streak.successes, streak.failures = streak.successes + 1, 0
            if self.guard:
                self.guard.renewed()
            if status is not Status.PASSING and (
                    streak.successes >= self.policy.successes_before_passing):
                status, streak.critical_since = Status.PASSING, None
        else:
            streak.successes, streak.failures = 0, streak.failures + 1
            if streak.failures >= self.policy.failures_before_critical:
                if status is not Status.CRITICAL:
                    status, streak.critical_since = Status.CRITICAL, self.registry.now
            elif streak.failures >= self.policy.failures_before_warning and (
                    status is Status.PASSING):
                status = Status.WARNING
        self.registry.set_status(service, instance_id, status)
        return status

    def critical_for(self, service: str, instance_id: str) -> float:
        """How long the instance has been critical (0 if it is not)."""
        since = self._streak(service, instance_id).critical_since
        return 0.0 if since is None else self.registry.now - since

    def reap(self) -> list[Instance]:
        """Deregister instances critical for more than ``deregister_critical_after`` s
        (Consul's ``reapServicesInternal``: ``cs.CriticalFor() > timeout``), unless
        self-preservation is engaged; return them."""
        after = self.policy.deregister_critical_after
        if after is None or (self.guard is not None and self.guard.engaged):
            return []
        reaped = [r.instance for r in self.registry.registrations()
                  if self.critical_for(r.instance.service, r.instance.id) > after]
        for instance in reaped:
            self.registry.deregister(instance.service, instance.id)
            del self._streaks[(instance.service, instance.id)]
            if self.guard:
                self.guard.cancelled()
        return reaped


class LeaseEvictor:
    """Algorithm 3.2.2 (健康检查算法) as Eureka 2.0.x does it: heartbeats renew leases, and
    a periodic task evicts expired leases, at most ``size - int(size * 0.85)`` per run,
    chosen at random; each eviction, like a cancel, lowers the renewals self-preservation
    expects (Eureka 1.9.17 and later, Netflix/eureka#1271).

    A lease never renewed expires ``lease_duration`` s after registration. Once renewed,
    it expires ``2 * lease_duration`` s after its last renewal: Eureka's ``Lease.renew``
    sets ``lastUpdateTimestamp = now + duration`` and ``Lease.isExpired`` tests
    ``now > lastUpdateTimestamp + duration``, a quirk its authors documented and chose
    to keep. ``double_duration=False`` gives the documented ``lease_duration`` instead.

    Parameters
    ----------
    registry : Registry
        The registry holding the leases; it must not expire them itself (``ttl=None``).
    lease_duration : float, default 90
        Seconds after its last renewal at which a lease may be evicted.
    renewal_interval : float, default 30
        Seconds between two heartbeats of an instance (for self-preservation).
    self_preservation : bool, default True
        Whether evictions stop while renewals fall to Eureka's threshold.
    seed : int, default 0
        Seeds the choice of which expired leases a run evicts.
    double_duration : bool, default True
        Whether a renewed lease runs ``2 * lease_duration`` past its last renewal, as
        Eureka's ``Lease`` does, rather than ``lease_duration``.

    Raises
    ------
    TheoryError
        If ``registry`` is not a Registry with ``ttl=None``, a duration is not a
        positive number of seconds, ``seed`` not an integer, or ``self_preservation``
        or ``double_duration`` not a bool.

    Examples
    --------
    >>> evictor = LeaseEvictor(Registry(ttl=None), self_preservation=False)
    >>> for k in (1, 2):
    ...     evictor.register(Instance(f"orders-{k}", "orders", f"http://orders-{k}"))
    >>> _ = evictor.registry.clock.advance(60)
    >>> evictor.renew("orders", "orders-2")
    >>> _ = evictor.registry.clock.advance(31)
    >>> [i.id for i in evictor.evict()]
    ['orders-1']
    >>> _ = evictor.registry.clock.advance(149)  # t=240: orders-2 renewed 180 s ago
    >>> evictor.evict(), [i.id for i in evictor.expired(at=241)]
    ([], ['orders-2'])

    References
    ----------
    .. [1] Algorithm 3.2.2 of the theory (健康检查算法).
    .. [2] Eureka 2.0.x, ``eureka-core``: ``AbstractInstanceRegistry.evict`` (the
       eviction task runs every 60 s; each evicted lease goes through
       ``internalCancel``) and ``lease/Lease.java`` (``renew``, ``isExpired``).
    """

    def __init__(self, registry: Registry, lease_duration: float = 90.0,
                 renewal_interval: float = 30.0, self_preservation: bool = True,
                 seed: int = 0, double_duration: bool = True):
        owner = "LeaseEvictor"
        require_instance(owner, "registry", registry, Registry)
        if registry.ttl is not None:
            raise TheoryError(f"{owner}: registry must not expire leases itself (create it "
                              f"with ttl=None), not {registry!r}")
        self.registry = registry
        self.lease_duration = require_duration(owner, "lease_duration", lease_duration,
                                               positive=True)
        require_duration(owner, "renewal_interval", renewal_interval, positive=True)
        require_instance(owner, "self_preservation", self_preservation, bool)
        self.double_duration = require_instance(owner, "double_duration", double_duration,
                                                bool)
        self.guard = SelfPreservation(registry, renewal_interval) if self_preservation else None
        self.rng = seeded_rng(seed, owner)
        self._renewed: set[tuple[str, str]] = set()

    def register(self, instance: Instance) -> None:
        """Register with a fresh lease."""
        self.registry.register(instance)
        self._renewed.discard((instance.service, instance.id))
        if self.guard:
            self.guard.registered()

    def renew(self, service: str, instance_id: str) -> None:
        """A heartbeat: renew the lease (``InstanceNotFound`` if it was evicted)."""
        self.registry.heartbeat(service, instance_id)
        self._renewed.add((service, instance_id))
        if self.guard:
            self.guard.renewed()

    def cancel(self, service: str, instance_id: str) -> None:
        """An instance leaves on purpose."""
        self._remove(service, instance_id)

    def _remove(self, service: str, instance_id: str) -> None:
        """``internalCancel``: the lease goes, and so does one expected renewer."""
        self.registry.deregister(service, instance_id)
        self._renewed.discard((service, instance_id))
        if self.guard:
            self.guard.cancelled()

    def lease_end(self, service: str, instance_id: str) -> float:
        """The last second at which the instance's lease is not yet expired."""
        r = self.registry.registration(service, instance_id)
        twice = self.double_duration and (service, instance_id) in self._renewed
        return r.renewed + (2 if twice else 1) * self.lease_duration

    def expired(self, at: float | None = None) -> list[Instance]:
        """Instances whose lease has expired at ``at`` (by default now): more than
        ``lease_duration`` s since registration if never renewed, else more than
        ``2 * lease_duration`` s (``lease_duration`` without ``double_duration``) since
        the last renewal."""
        now = self.registry.now if at is None else require_duration(
            "LeaseEvictor.expired", "at", at)
        return [r.instance for r in self.registry.registrations()
                if now > self.lease_end(r.instance.service, r.instance.id)]

    def evict(self) -> list[Instance]:
        """One run of the eviction task; return the evicted instances."""
        if self.guard is not None and self.guard.engaged:
            return []
        expired = self.expired()
        size = len(self.registry.registrations())
        limit = size - math.floor(size * 0.85)
        evicted = expired if len(expired) <= limit else self.rng.sample(expired, limit)
        for instance in sorted(evicted, key=lambda i: (i.service, i.id)):
            self._remove(instance.service, instance.id)
        return sorted(evicted, key=lambda i: (i.service, i.id))
