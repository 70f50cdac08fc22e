"""Algorithm 3.2.2 (健康检查算法), corrected: thresholds, delayed deregistration, self-preservation.

The theory's health check deregisters an instance the moment one check fails. Production
registries separate two decisions the sketch conflates:

* *whether to send traffic*: a check result moves an instance between passing, warning
  and critical only after several consecutive results agree (Consul's
  ``failures_before_warning``, ``failures_before_critical`` and ``success_before_passing``);
  critical instances get no traffic but stay registered;
* *whether to forget the instance*: an instance critical for longer than
  ``deregister_critical_after`` is reaped (Consul's ``DeregisterCriticalServiceAfter``,
  at least one minute, reaped every 30 s), unless the registry is *self-preserving*:
  Eureka stops evicting when the renewals of the last minute fall to
  ``int(n * (60 / interval) * 0.85)`` or below, because a registry that suddenly stops
  hearing from most of its fleet is more likely cut off than facing a mass death.

:class:`LeaseEvictor` is Eureka's other half: leases renewed by heartbeats, expired
leases evicted by a periodic task, at most 15% of the registry per run.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from msatheory.basics.model import Architecture
from msatheory.discovery.registry import Instance, Registry, Status, as_status
from msatheory.errors import TheoryError
from msatheory.sim import seeded_rng
from msatheory.theory import Verdict, Witness, get

__all__ = [
    "CheckPolicy",
    "HealthChecker",
    "LeaseEvictor",
    "SelfPreservation",
    "check_health_coverage",
    "self_preservation_threshold",
    "unchecked_services",
]


def _require_positive(owner: str, what: str, value: object, *, whole: bool = False) -> None:
    kind = int if whole else int | float
    if isinstance(value, bool) or not isinstance(value, kind) or not 0 < value < math.inf:
        number = "whole number" if whole else "number"
        raise TheoryError(f"{owner}: {what} must be a positive {number}, not {value!r}")


def _require_percent(percent: object) -> None:
    if isinstance(percent, bool) or not isinstance(percent, int | float) or not (
            0 < percent <= 1):
        raise TheoryError(f"self-preservation: percent must lie in (0, 1], not {percent!r}")


def _require_registry(owner: str, registry: object) -> None:
    if not isinstance(registry, Registry):
        raise TheoryError(f"{owner}: needs a Registry, not {registry!r}")


def self_preservation_threshold(instances: int, interval: float = 30.0,
                                percent: float = 0.85) -> int:
    """Eureka's renewal threshold: ``int(instances * (60 / interval) * percent)`` per minute.

    With the default 30 s renewals this is ``int(n * 2 * 0.85)``.
    """
    if isinstance(instances, bool) or not isinstance(instances, int) or instances < 0:
        raise TheoryError(f"self-preservation: instances must be a whole number >= 0, "
                          f"not {instances!r}")
    _require_positive("self-preservation", "interval", interval)
    _require_percent(percent)
    return int(instances * (60 / interval) * percent)


class SelfPreservation:
    """Eureka's guard against evicting a healthy fleet the registry merely cannot hear.

    Renewals are counted per whole minute of virtual time (Eureka's ``MeasuredRate``);
    evictions are enabled only while the last full minute's count exceeds the threshold.
    ``expected`` rises when an instance registers and falls when one cancels, but not
    when one is evicted, as in Eureka.
    """

    def __init__(self, registry: Registry, interval: float = 30.0, percent: float = 0.85):
        _require_positive("self-preservation", "interval", interval)
        _require_percent(percent)
        _require_registry("self-preservation", registry)
        self.registry, self.interval, self.percent = registry, float(interval), percent
        self.expected = 0
        self._renewals: Counter[int] = Counter()

    def registered(self) -> None:
        """A new instance will be sending renewals."""
        self.expected += 1

    def cancelled(self) -> None:
        """An instance left on purpose and will not renew again."""
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
    """Consul-style check thresholds and reaping; ``self_preservation`` adds Eureka's guard.

    Times are seconds. ``deregister_critical_after=None`` never deregisters. Consul
    raises a deregistration timeout below one minute to one minute; this model takes any
    positive value, so that short timeouts can be studied. One deliberate departure from
    Consul's agent, which sets warning whenever the failure count lies between the two
    thresholds: here a critical instance stays critical until it passes
    ``successes_before_passing`` checks, so a stray success never puts a failing
    instance back in service.
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
        owner = "check policy"
        _require_positive(owner, "interval", self.interval)
        _require_positive(owner, "reap_interval", self.reap_interval)
        for what in ("failures_before_warning", "failures_before_critical",
                     "successes_before_passing"):
            _require_positive(owner, what, getattr(self, what), whole=True)
        if self.failures_before_warning > self.failures_before_critical:
            raise TheoryError(f"{owner}: failures_before_warning ({self.failures_before_warning})"
                              f" exceeds failures_before_critical "
                              f"({self.failures_before_critical})")
        if self.deregister_critical_after is not None:
            _require_positive(owner, "deregister_critical_after", self.deregister_critical_after)
        try:
            object.__setattr__(self, "initial", as_status(self.initial))
        except TheoryError as error:
            raise TheoryError(f"{owner}: initial: {error}") from None


@dataclass
class _Streak:
    successes: int = 0
    failures: int = 0
    critical_since: float | None = None


class HealthChecker:
    """Algorithm 3.2.2 (健康检查算法) corrected: check results move status by thresholds;
    reaping is delayed and, with ``policy.self_preservation``, suspended while most of the
    fleet is silent."""

    def __init__(self, registry: Registry, policy: CheckPolicy | None = None):
        _require_registry("health checker", registry)
        if policy is not None and not isinstance(policy, CheckPolicy):
            raise TheoryError(f"health checker: policy must be a CheckPolicy, not {policy!r}")
        self.registry = registry
        self.policy = policy if policy is not None else CheckPolicy()
        self.guard = (SelfPreservation(registry, self.policy.interval)
                      if self.policy.self_preservation else None)
        self._streaks: dict[tuple[str, str], _Streak] = {}

    def register(self, instance: Instance, status: Status | None = None) -> None:
        """Register ``instance`` with ``status`` (by default the policy's initial status)."""
        status = self.policy.initial if status is None else as_status(status)
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
            raise TheoryError(f"health checker: {instance_id!r} of {service!r} was registered "
                              "without it; register instances through HealthChecker.register")
        return self._streaks[(service, instance_id)]

    def record(self, service: str, instance_id: str, passed: bool) -> Status:
        """Apply one check result to the instance; return its status afterwards."""
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
        """Deregister instances critical for ``deregister_critical_after`` s or more, unless
        self-preservation is engaged; return them."""
        after = self.policy.deregister_critical_after
        if after is None or (self.guard is not None and self.guard.engaged):
            return []
        reaped = [r.instance for r in self.registry.registrations()
                  if self.critical_for(r.instance.service, r.instance.id) >= after]
        for instance in reaped:
            self.registry.deregister(instance.service, instance.id)
            del self._streaks[(instance.service, instance.id)]
        return reaped


class LeaseEvictor:
    """Eureka's leases: heartbeats renew, a periodic task evicts leases older than
    ``lease_duration``, at most ``size - int(size * 0.85)`` per run, chosen at random.

    This is the documented behaviour. Eureka's own ``Lease.renew`` adds the duration
    once too often, so a real Eureka server lets a silent instance's lease run for
    twice ``lease_duration`` (a known quirk its authors chose not to fix): real
    detection is slower than modelled here.
    """

    def __init__(self, registry: Registry, lease_duration: float = 90.0,
                 renewal_interval: float = 30.0, self_preservation: bool = True,
                 seed: int = 0):
        _require_registry("lease evictor", registry)
        if registry.ttl is not None:
            raise TheoryError("lease evictor: the registry must not expire leases itself "
                              "(create it with ttl=None)")
        _require_positive("lease evictor", "lease_duration", lease_duration)
        _require_positive("lease evictor", "renewal_interval", renewal_interval)
        self.registry, self.lease_duration = registry, float(lease_duration)
        self.guard = SelfPreservation(registry, renewal_interval) if self_preservation else None
        self.rng = seeded_rng(seed)

    def register(self, instance: Instance) -> None:
        """Register with a fresh lease."""
        self.registry.register(instance)
        if self.guard:
            self.guard.registered()

    def renew(self, service: str, instance_id: str) -> None:
        """A heartbeat: renew the lease (``InstanceNotFound`` if it was evicted)."""
        self.registry.heartbeat(service, instance_id)
        if self.guard:
            self.guard.renewed()

    def cancel(self, service: str, instance_id: str) -> None:
        """An instance leaves on purpose."""
        self.registry.deregister(service, instance_id)
        if self.guard:
            self.guard.cancelled()

    def expired(self) -> list[Instance]:
        """Instances whose last renewal is more than ``lease_duration`` s ago."""
        now = self.registry.now
        return [r.instance for r in self.registry.registrations()
                if now > r.renewed + self.lease_duration]

    def evict(self) -> list[Instance]:
        """One run of the eviction task; return the evicted instances."""
        if self.guard is not None and self.guard.engaged:
            return []
        expired = self.expired()
        size = len(self.registry.registrations())
        limit = size - math.floor(size * 0.85)
        evicted = expired if len(expired) <= limit else self.rng.sample(expired, limit)
        for instance in sorted(evicted, key=lambda i: (i.service, i.id)):
            self.registry.deregister(instance.service, instance.id)
        return sorted(evicted, key=lambda i: (i.service, i.id))


def unchecked_services(arch: Architecture) -> list[str]:
    """Services no health check watches (``healthcheck`` false): M of Def 1.1.2 misses them."""
    return sorted(name for name, s in arch.services.items() if not s.healthcheck)


def check_health_coverage(arch: Architecture) -> Verdict:
    """Algorithm 3.2.2 (健康检查算法) needs something to run: every service has a health check.

    A service without one stays registered, and is served, for as long as its
    process lives, whether or not it can answer.
    """
    missing = unchecked_services(arch)
    return Verdict(
        get("algorithm", "3.2.2"),
        [Witness("no health check", (name,), f"nothing checks whether {name} can serve")
         for name in missing],
        f"{len(arch.services) - len(missing)} of {len(arch.services)} services are "
        "health-checked.",
    )
