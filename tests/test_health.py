"""Chapter 3 (msatheory.discovery.health): the corrected health checker, self-preservation
and Eureka's leases with eviction."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from msatheory.discovery.health import (
    CheckPolicy,
    HealthChecker,
    LeaseEvictor,
    SelfPreservation,
    self_preservation_threshold,
)
from msatheory.discovery.registry import (
    Instance,
    InstanceExists,
    NoHealthyInstance,
    Registry,
    ServiceNotFound,
    Status,
)
from msatheory.discovery.scenario import fleet
from msatheory.errors import TheoryError
from msatheory.sim import VirtualClock

# -- the health checker against a reference model ---------------------------------------------


@dataclass
class _Ref:
    """What the checker should know of one instance."""

    status: Status
    successes: int = 0
    failures: int = 0
    critical_since: float | None = None


POLICIES = [
    CheckPolicy(self_preservation=False),
    CheckPolicy(interval=5, failures_before_warning=2, failures_before_critical=2,
                successes_before_passing=1, deregister_critical_after=25,
                self_preservation=False, initial=Status.WARNING),
    CheckPolicy(failures_before_warning=1, failures_before_critical=1,
                successes_before_passing=3, deregister_critical_after=10,
                self_preservation=False, initial=Status.PASSING),
    CheckPolicy(deregister_critical_after=None, self_preservation=False),
    CheckPolicy(interval=30, deregister_critical_after=30),  # self-preserving
]


class CheckerAgainstReference(RuleBasedStateMachine):
    """HealthChecker.record/reap/register/deregister against consecutive-result counters."""

    ids = st.sampled_from(["a", "b", "c", "d"])
    statuses = st.sampled_from([None, *Status])

    @initialize(policy=st.sampled_from(POLICIES), initial=st.lists(statuses, min_size=3,
                                                                   max_size=3))
    def setup(self, policy, initial):
        self.policy = policy
        self.clock = VirtualClock()
        self.registry = Registry(self.clock, ttl=None)
        self.checker = HealthChecker(self.registry, policy)
        self.model: dict[str, _Ref] = {}
        self.expected = 0  # instances expected to renew (self-preservation)
        self.renewals: Counter[int] = Counter()  # passes per whole minute
        for i, status in zip("abc", initial, strict=True):
            self.register(i, status)

    def _engaged(self) -> bool:
        if not self.policy.self_preservation:
            return False
        threshold = int(self.expected * (60 / self.policy.interval) * 0.85)
        last = self.renewals[int(self.clock.now // 60) - 1]
        return not (threshold > 0 and last > threshold)

    @rule(i=ids, status=statuses)
    def register(self, i, status):
        instance = Instance(i, "orders", f"http://{i}:8080")
        if i in self.model:
            with pytest.raises(InstanceExists):
                self.checker.register(instance, status)
            return
        self.checker.register(instance, status)
        status = self.policy.initial if status is None else status
        since = self.clock.now if status is Status.CRITICAL else None
        self.model[i] = _Ref(status, critical_since=since)
        self.expected += 1

    @rule(i=ids)
    def deregister(self, i):
        if i not in self.model:
            with pytest.raises(TheoryError):
                self.checker.deregister("orders", i)
            return
        self.checker.deregister("orders", i)
        del self.model[i]
        self.expected = max(0, self.expected - 1)

    @rule(i=ids, results=st.lists(st.booleans(), min_size=1, max_size=6),
          gap=st.sampled_from([0, 10]))
    def record_run(self, i, results, gap):
        """Several results in a row, ``gap`` s apart (a check every interval)."""
        for passed in results:
            self.record(i, passed)
            self.clock.advance(gap)

    @rule(i=ids, passed=st.booleans())
    def record(self, i, passed):
        if i not in self.model:
            with pytest.raises(TheoryError):
                self.checker.record("orders", i, passed)
            return
        ref, p = self.model[i], self.policy
        if passed:
            ref.successes, ref.failures = ref.successes + 1, 0
            self.renewals[int(self.clock.now // 60)] += 1
            if ref.successes >= p.successes_before_passing:
                ref.status, ref.critical_since = Status.PASSING, None
        else:
            ref.successes, ref.failures = 0, ref.failures + 1
            if ref.failures >= p.failures_before_critical:
                if ref.status is not Status.CRITICAL:
                    ref.status, ref.critical_since = Status.CRITICAL, self.clock.now
            elif ref.failures >= p.failures_before_warning and ref.status is Status.PASSING:
                ref.status = Status.WARNING
        assert self.checker.record("orders", i, passed) is ref.status

    @rule()
    def reap(self):
        after = self.policy.deregister_critical_after
        due = [] if after is None or self._engaged() else sorted(
            i for i, ref in self.model.items()
            if ref.critical_since is not None and self.clock.now - ref.critical_since > after)
        assert [r.id for r in self.checker.reap()] == due
        for i in due:
            del self.model[i]  # reaping, like a cancel, lowers the expected renewals
            self.expected = max(0, self.expected - 1)

    @rule(seconds=st.sampled_from([0, 1, 5, 10, 30, 60]))
    def advance(self, seconds):
        self.clock.advance(seconds)

    @invariant()
    def statuses_match(self):
        held = {r.instance.id: r.status for r in self.registry.registrations("orders")}
        assert held == {i: ref.status for i, ref in self.model.items()}
        for i, ref in self.model.items():
            since = ref.critical_since
            assert self.checker.critical_for("orders", i) == (
                0.0 if since is None else self.clock.now - since)

    @invariant()
    def lookup_serves_passing_and_warning(self):
        served = sorted(i for i, ref in self.model.items() if ref.status is not Status.CRITICAL)
        if not self.model:
            with pytest.raises(ServiceNotFound):
                self.registry.lookup("orders")
        elif not served:
            with pytest.raises(NoHealthyInstance):
                self.registry.lookup("orders")
        else:
            assert [i.id for i in self.registry.lookup("orders")] == served

    @invariant()
    def guard_matches(self):
        if self.policy.self_preservation:
            assert self.checker.guard.expected == self.expected
            assert self.checker.guard.engaged is self._engaged()
        else:
            assert self.checker.guard is None


CheckerAgainstReference.TestCase.settings = settings(max_examples=100, stateful_step_count=40)
TestCheckerAgainstReference = CheckerAgainstReference.TestCase


def _probe_fleet(n: int, silent: set[str], policy: CheckPolicy, until: int) -> HealthChecker:
    """``n`` passing instances probed every ``policy.interval`` s (the ``silent`` ones fail),
    reaped every ``policy.reap_interval`` s, up to ``until``."""
    clock = VirtualClock()
    checker = HealthChecker(Registry(clock, ttl=None), policy)
    for instance in fleet(n):
        checker.register(instance, Status.PASSING)
    while clock.now <= until:
        if clock.now % policy.interval == 0:
            for r in checker.registry.registrations("orders"):
                checker.record("orders", r.instance.id, r.instance.id not in silent)
        if clock.now % policy.reap_interval == 0:
            checker.reap()
        clock.advance(1)
    return checker


def test_thresholds_walk_passing_warning_critical_and_back():
    clock = VirtualClock()
    checker = HealthChecker(Registry(clock, ttl=None), CheckPolicy(self_preservation=False))
    (instance,) = fleet(1)
    checker.register(instance)
    assert checker.registry.registration("orders", "orders-1").status is Status.CRITICAL
    results = [True, True, False, False, True, False, False, False, True, True]
    statuses = [checker.record("orders", "orders-1", r) for r in results]
    assert statuses == ["critical", "passing", "warning", "warning", "warning", "warning",
                        "warning", "critical", "critical", "passing"]


def test_a_critical_instance_is_reaped_after_a_minute_without_self_preservation():
    policy = CheckPolicy(self_preservation=False)
    checker = _probe_fleet(5, {"orders-1"}, policy, until=80)
    assert "orders-1" in {r.instance.id for r in checker.registry.registrations()}
    # failures at 0, 10, 20: critical from t=20; reaped at the first reap 60 s later (t=90)
    checker = _probe_fleet(5, {"orders-1"}, policy, until=90)
    assert "orders-1" not in {r.instance.id for r in checker.registry.registrations()}


def test_reaping_happens_at_exactly_deregister_critical_after():
    clock = VirtualClock()
    policy = CheckPolicy(failures_before_critical=1, self_preservation=False)
    checker = HealthChecker(Registry(clock, ttl=None), policy)
    checker.register(fleet(1)[0], Status.PASSING)
    clock.advance(7)
    assert checker.record("orders", "orders-1", False) is Status.CRITICAL
    clock.advance(59.5)
    assert checker.critical_for("orders", "orders-1") == 59.5 and checker.reap() == []
    clock.advance(0.5)  # exactly 60 s: Consul reaps only when CriticalFor() > timeout
    assert checker.critical_for("orders", "orders-1") == 60 and checker.reap() == []
    clock.advance(0.5)
    assert [i.id for i in checker.reap()] == ["orders-1"]
    assert checker.registry.registrations() == []


def test_self_preservation_stops_reaping_when_renewals_are_low():
    policy = CheckPolicy()  # probes every 10 s: threshold int(n * 6 * 0.85)
    checker = _probe_fleet(5, {"orders-1"}, policy, until=600)
    guard = checker.guard
    assert guard.threshold == 25 and guard.renewals_last_minute == 24 and guard.engaged
    assert checker.critical_for("orders", "orders-1") >= 500
    assert len(checker.registry.registrations()) == 5  # kept: 24 renewals <= 25
    assert checker.reap() == []
    checker = _probe_fleet(10, {"orders-1"}, policy, until=600)
    # reaped: 54 renewals > int(10 * 6 * 0.85) = 51; then 9 expected, threshold 45
    assert checker.guard.renewals_last_minute == 54 > checker.guard.threshold == 45
    assert {r.instance.id for r in checker.registry.registrations()} == {
        f"orders-{k}" for k in range(2, 11)}


# -- self-preservation and leases -------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 2, 5, 7, 10, 20, 33])
def test_self_preservation_threshold_is_eurekas(n):
    assert self_preservation_threshold(n) == int(n * 2 * 0.85)
    assert self_preservation_threshold(n, interval=10) == int(n * 6 * 0.85)


def test_self_preservation_engages_by_last_full_minute_renewals():
    clock = VirtualClock()
    guard = SelfPreservation(Registry(clock, ttl=None))
    for _ in range(4):
        guard.registered()
    assert guard.threshold == 6
    for _ in range(8):
        guard.renewed()
    clock.advance(59)
    assert guard.engaged  # the first minute: no full minute of renewals yet
    clock.advance(1)
    assert guard.renewals_last_minute == 8 and not guard.engaged
    for _ in range(6):
        guard.renewed()  # minute 1: 6 renewals, exactly the threshold
    clock.advance(60)
    assert guard.renewals_last_minute == 6 and guard.engaged
    for _ in range(7):
        guard.renewed()
    clock.advance(60)
    assert not guard.engaged
    clock.advance(60)
    assert guard.renewals_last_minute == 0 and guard.engaged


def test_self_preservation_with_no_expected_instances_is_engaged():
    clock = VirtualClock(120)
    guard = SelfPreservation(Registry(clock, ttl=None))
    guard.renewed()
    clock.advance(60)
    assert guard.threshold == 0 and guard.renewals_last_minute == 1 and guard.engaged


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"interval": 0}, "^SelfPreservation: interval must be a positive finite number of seconds, "
                      "not 0$"),
    ({"percent": 0}, r"^SelfPreservation: percent must lie in \(0, 1\], not 0$"),
    ({"percent": 1.5}, r"^SelfPreservation: percent must lie in \(0, 1\], not 1.5$"),
    ({"registry": None}, "^SelfPreservation: registry must be an? Registry, not None$"),
])
def test_self_preservation_validation(kwargs, message):
    with pytest.raises(TheoryError, match=message):
        SelfPreservation(**{"registry": Registry(ttl=None), **kwargs})


def _evictor(n: int, **kwargs) -> LeaseEvictor:
    evictor = LeaseEvictor(Registry(VirtualClock(), ttl=None), **kwargs)
    for instance in fleet(n):
        evictor.register(instance)
    return evictor


def _held(evictor: LeaseEvictor) -> list[str]:
    return [r.instance.id for r in evictor.registry.registrations()]


def test_lease_evictor_refuses_a_registry_that_expires_leases_itself():
    with pytest.raises(TheoryError, match=r"^LeaseEvictor: registry must not expire leases "
                                          r"itself \(create it with ttl=None\), not Registry"):
        LeaseEvictor(Registry(ttl=90))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"lease_duration": 0}, "^LeaseEvictor: lease_duration must be a positive finite number "
                            "of seconds, not 0$"),
    ({"renewal_interval": -30}, "^LeaseEvictor: renewal_interval must be a positive finite "
                                "number of seconds, not -30$"),
    ({"seed": 0.5}, "^LeaseEvictor: seed must be an integer, not 0.5$"),
    ({"double_duration": 1}, "^LeaseEvictor: double_duration must be a bool, not 1$"),
    ({"self_preservation": "yes"}, "^LeaseEvictor: self_preservation must be a bool, "
                                   "not 'yes'$"),
])
def test_lease_evictor_validation(kwargs, message):
    with pytest.raises(TheoryError, match=message):
        LeaseEvictor(Registry(ttl=None), **kwargs)


def test_lease_evictor_evicts_only_leases_older_than_the_lease_duration():
    evictor = _evictor(3, self_preservation=False)
    evictor.registry.clock.advance(30)
    evictor.renew("orders", "orders-2")
    evictor.registry.clock.advance(60)  # t=90: orders-1 and -3 renewed exactly 90 s ago
    assert evictor.expired() == [] and evictor.evict() == []
    evictor.registry.clock.advance(0.5)
    assert [i.id for i in evictor.expired()] == ["orders-1", "orders-3"]
    evicted = [i.id for i in evictor.evict()]  # at most 3 - int(3 * 0.85) = 1 per run
    assert len(evicted) == 1 and evicted[0] in {"orders-1", "orders-3"}
    assert len(_held(evictor)) == 2 and "orders-2" in _held(evictor)


@pytest.mark.parametrize(("size", "limit"), [(1, 1), (3, 1), (7, 2), (20, 3), (40, 6), (100, 15)])
def test_lease_evictor_evicts_at_most_15_percent_per_run(size, limit):
    evictor = _evictor(size, self_preservation=False)
    evictor.registry.clock.advance(91)
    assert len(evictor.evict()) == limit == size - int(size * 0.85)
    assert len(_held(evictor)) == size - limit


def test_lease_evictor_runs_until_every_expired_lease_is_gone():
    evictor = _evictor(20, self_preservation=False)
    evictor.registry.clock.advance(91)
    runs = [len(evictor.evict()) for _ in range(12)]
    assert runs == [3, 3, 3, 2, 2, 2, 1, 1, 1, 1, 1, 0]
    assert _held(evictor) == []


def test_lease_evictor_choice_is_seeded():
    def evicted(seed: int) -> list[str]:
        evictor = _evictor(20, self_preservation=False, seed=seed)
        evictor.registry.clock.advance(91)
        return [i.id for i in evictor.evict()]

    assert evicted(3) == evicted(3)
    assert len({tuple(evicted(seed)) for seed in range(5)}) > 1


def _silent_fleet(n: int, until: int = 600) -> LeaseEvictor:
    """``n`` instances renewing every 30 s except orders-1; eviction every 60 s."""
    evictor = _evictor(n)
    clock = evictor.registry.clock
    while clock.now < until:
        clock.advance(30)
        for k in range(2, n + 1):
            evictor.renew("orders", f"orders-{k}")
        if clock.now % 60 == 0:
            evictor.evict()
    return evictor


def test_self_preservation_keeps_a_silent_instance_of_a_small_fleet_forever():
    evictor = _silent_fleet(5)
    assert evictor.guard.renewals_last_minute == 8 and evictor.guard.threshold == 8
    assert "orders-1" in _held(evictor) and evictor.guard.engaged
    evictor = _silent_fleet(10)  # 18 renewals > 17: evicted, then 9 expected (threshold 15)
    assert evictor.guard.renewals_last_minute == 18 > evictor.guard.threshold == 15
    assert "orders-1" not in _held(evictor) and len(_held(evictor)) == 9


def test_expected_renewals_fall_on_cancel_and_on_eviction():
    """Eureka >= 1.9.17 (Netflix/eureka#1271): evict goes through internalCancel."""
    evictor = _silent_fleet(10)
    assert "orders-1" not in _held(evictor)
    assert evictor.guard.expected == 9 and evictor.guard.threshold == 15
    evictor.cancel("orders", "orders-2")
    assert evictor.guard.expected == 8 and "orders-2" not in _held(evictor)
    checker = _probe_fleet(3, {"orders-1"}, CheckPolicy(), until=0)
    checker.deregister("orders", "orders-3")
    assert checker.guard.expected == 2


def test_eureka_evicts_every_crash_of_ten_after_the_first():
    """10 instances renewing every 30 s; crashes at 100, 600 and 1100 s. Each eviction
    lowers the expected renewals (17 -> 15 -> 13), so all three crashed instances go;
    with the expectation kept at 10 the second crash (16 <= 17) would never be evicted."""
    evictor = _evictor(10)
    clock, crashed_at = evictor.registry.clock, {"orders-1": 100, "orders-2": 600,
                                                 "orders-3": 1100}
    evicted: dict[str, float] = {}
    while clock.now < 1800:
        clock.advance(1)
        t = clock.now
        if t % 30 == 0:
            for k in range(1, 11):
                i = f"orders-{k}"
                if t < crashed_at.get(i, float("inf")):
                    evictor.renew("orders", i)
        if t % 60 == 0:
            evicted |= {i.id: t for i in evictor.evict()}
    assert sorted(evicted) == ["orders-1", "orders-2", "orders-3"]
    # last renewal at 90, 570, 1080; expired after 2 x 90 s; next eviction run on the minute
    assert evicted == {"orders-1": 300, "orders-2": 780, "orders-3": 1320}
    assert evictor.guard.expected == 7 and evictor.guard.threshold == 11
    assert len(_held(evictor)) == 7


def test_a_renewed_eureka_lease_runs_twice_its_duration():
    evictor = _evictor(2, self_preservation=False)
    clock = evictor.registry.clock
    clock.advance(10)
    evictor.renew("orders", "orders-2")  # renewed at 10: expires after 10 + 180
    clock.advance(81)  # t=91: orders-1, never renewed, is past registration + 90
    assert [i.id for i in evictor.expired()] == ["orders-1"]
    assert evictor.lease_end("orders", "orders-2") == 190
    assert [i.id for i in evictor.expired(at=190)] == ["orders-1"]
    assert [i.id for i in evictor.expired(at=190.5)] == ["orders-1", "orders-2"]
    documented = _evictor(2, self_preservation=False, double_duration=False)
    documented.registry.clock.advance(10)
    documented.renew("orders", "orders-2")
    assert documented.lease_end("orders", "orders-2") == 100


# -- policy validation ------------------------------------------------------------------------


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"interval": 0}, "^CheckPolicy: interval must be a positive finite number of seconds, "
                      "not 0$"),
    ({"interval": float("inf")}, "^CheckPolicy: interval must be .* not inf$"),
    ({"reap_interval": -1}, "^CheckPolicy: reap_interval must be a positive finite number"),
    ({"failures_before_warning": 4}, "^CheckPolicy: failures_before_critical must be a whole "
                                     "number of at least 4, not 3$"),
    ({"failures_before_warning": 1.5}, "^CheckPolicy: failures_before_warning must be a "
                                       "positive whole number, not 1.5$"),
    ({"failures_before_critical": 3.0}, "failures_before_critical must be a positive whole"),
    ({"successes_before_passing": True}, "successes_before_passing must be a positive whole"),
    ({"successes_before_passing": 0}, "successes_before_passing must be a positive whole"),
    ({"deregister_critical_after": 0}, "deregister_critical_after must be a positive"),
    ({"initial": "dead"}, "^CheckPolicy: initial must be one of passing, warning, critical, "
                          "not 'dead'$"),
])
def test_check_policy_validation_names_the_field(kwargs, message):
    with pytest.raises(TheoryError, match=message):
        CheckPolicy(**kwargs)


def test_check_policy_accepts_status_strings():
    assert CheckPolicy(initial="warning").initial is Status.WARNING


@pytest.mark.parametrize(("call", "message"), [
    (lambda: HealthChecker(None), "^HealthChecker: registry must be an? Registry, not None$"),
    (lambda: HealthChecker(Registry(ttl=None), "x"),
     "^HealthChecker: policy must be an? CheckPolicy, not 'x'$"),
    (lambda: HealthChecker(Registry(ttl=None)).register(fleet(1)[0], "up"),
     "^HealthChecker.register: status must be one of passing, warning, critical, not 'up'$"),
    (lambda: self_preservation_threshold(5, 0),
     "^self_preservation_threshold: interval must be a positive finite number of seconds, "
     "not 0$"),
    (lambda: self_preservation_threshold(-5),
     "^self_preservation_threshold: instances must be a whole number, 0 or more, not -5$"),
])
def test_bad_input_to_the_checker_is_named(call, message):
    with pytest.raises(TheoryError, match=message):
        call()


def test_health_checker_names_an_instance_it_did_not_register():
    registry = Registry(ttl=None)
    checker = HealthChecker(registry)
    registry.register(fleet(1)[0])
    with pytest.raises(TheoryError, match="registered without it"):
        checker.record("orders", "orders-1", True)
