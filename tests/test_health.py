"""Chapter 3: corrected health checking, leases with eviction, scenarios and the trade-off study."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
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
from msatheory.discovery.scenario import (
    SCENARIOS,
    Outage,
    Scenario,
    crash,
    flapping,
    fleet,
    mass_restart,
    partition,
)
from msatheory.discovery.tradeoff import DETECTORS, run
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
            if ref.critical_since is not None and self.clock.now - ref.critical_since >= after)
        assert [r.id for r in self.checker.reap()] == due
        for i in due:
            del self.model[i]  # reaping is an eviction: expected renewals do not fall

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


CheckerAgainstReference.TestCase.settings = settings(
    max_examples=100, stateful_step_count=40, derandomize=True, database=None, deadline=None
)
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
    assert checker.guard.renewals_last_minute == 54 > checker.guard.threshold == 51
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
    ({"interval": 0}, "interval must be a positive number"),
    ({"percent": 0}, r"percent must lie in \(0, 1\]"),
    ({"percent": 1.5}, r"percent must lie in \(0, 1\]"),
])
def test_self_preservation_validation(kwargs, message):
    with pytest.raises(TheoryError, match=message):
        SelfPreservation(Registry(ttl=None), **kwargs)


def _evictor(n: int, **kwargs) -> LeaseEvictor:
    evictor = LeaseEvictor(Registry(VirtualClock(), ttl=None), **kwargs)
    for instance in fleet(n):
        evictor.register(instance)
    return evictor


def _held(evictor: LeaseEvictor) -> list[str]:
    return [r.instance.id for r in evictor.registry.registrations()]


def test_lease_evictor_refuses_a_registry_that_expires_leases_itself():
    with pytest.raises(TheoryError, match="ttl=None"):
        LeaseEvictor(Registry(ttl=90))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"lease_duration": 0}, "lease_duration must be a positive number"),
    ({"renewal_interval": -30}, "renewal_interval must be a positive number"),
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
    evictor = _silent_fleet(10)
    assert evictor.guard.renewals_last_minute == 18 > evictor.guard.threshold == 17
    assert "orders-1" not in _held(evictor) and len(_held(evictor)) == 9


def test_expected_renewals_fall_on_cancel_not_on_eviction():
    evictor = _silent_fleet(10)
    assert "orders-1" not in _held(evictor)
    assert evictor.guard.expected == 10
    evictor.cancel("orders", "orders-2")
    assert evictor.guard.expected == 9 and "orders-2" not in _held(evictor)
    checker = _probe_fleet(3, {"orders-1"}, CheckPolicy(), until=0)
    checker.deregister("orders", "orders-3")
    assert checker.guard.expected == 2


# -- policy validation ------------------------------------------------------------------------


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"interval": 0}, "check policy: interval must be a positive number, not 0"),
    ({"reap_interval": -1}, "check policy: reap_interval must be a positive number"),
    ({"failures_before_warning": 4}, r"failures_before_warning \(4\) exceeds "
                                     r"failures_before_critical \(3\)"),
    ({"failures_before_warning": 1.5}, "failures_before_warning must be a positive whole"),
    ({"failures_before_critical": 3.0}, "failures_before_critical must be a positive whole"),
    ({"successes_before_passing": True}, "successes_before_passing must be a positive whole"),
    ({"successes_before_passing": 0}, "successes_before_passing must be a positive whole"),
    ({"deregister_critical_after": 0}, "deregister_critical_after must be a positive"),
    ({"initial": "dead"}, "check policy: initial: unknown instance status 'dead'"),
])
def test_check_policy_validation_names_the_field(kwargs, message):
    with pytest.raises(TheoryError, match=message):
        CheckPolicy(**kwargs)


def test_check_policy_accepts_status_strings():
    assert CheckPolicy(initial="warning").initial is Status.WARNING


# -- scenarios --------------------------------------------------------------------------------


@pytest.mark.parametrize(("build", "message"), [
    (lambda: Scenario("s", fleet(2), 60, {"orders-9": (Outage(1),)}),
     r"outages name unknown instances \['orders-9'\]"),
    (lambda: Scenario("s", (), 60), "instances must be distinct and non-empty"),
    (lambda: Scenario("s", fleet(2) + fleet(1), 60), "instances must be distinct and non-empty"),
    (lambda: Scenario("s", fleet(2), 0), "horizon must be positive"),
    (lambda: Scenario("", fleet(2), 60), "scenario: name"),
    (lambda: Outage(10, 10), r"outage \[10, 10\): needs 0 <= start < end"),
    (lambda: Outage(-1, 5), "needs 0 <= start < end"),
    (lambda: Outage(20, 5), "needs 0 <= start < end"),
    (lambda: fleet(0), "positive whole number of instances"),
    (lambda: flapping(down=(30, 10)), "need 0 < low <= high"),
    (lambda: flapping(up=(0, 10)), "need 0 < low <= high"),
])
def test_scenario_validation(build, message):
    with pytest.raises(TheoryError, match=message):
        build()


def test_scenario_up_partitioned_reachable_restarts():
    s = Scenario("s", fleet(2), 300,
                 {"orders-1": (Outage(50, 80, restart=True), Outage(10, 20))},
                 partitions=(Outage(100, 150),))
    assert s.outages["orders-1"] == (Outage(10, 20), Outage(50, 80, restart=True))  # sorted
    assert s.outages["orders-2"] == () and s.service == "orders"
    assert [s.up("orders-1", t) for t in (9, 10, 19, 20, 49, 50, 79, 80)] == [
        True, False, False, True, True, False, False, True]
    assert all(s.up("orders-2", t) for t in range(300))
    assert [s.partitioned(t) for t in (99, 100, 149, 150)] == [False, True, True, False]
    assert not s.reachable("orders-2", 120) and s.reachable("orders-2", 150)
    assert not s.reachable("orders-1", 60) and s.reachable("orders-1", 90)
    assert [t for t in range(300) if s.restarts("orders-1", t)] == [80]  # not at 20
    assert not any(s.restarts("orders-2", t) for t in range(300))


def test_named_scenarios():
    assert list(SCENARIOS) == ["crash", "flapping", "partition", "mass restart"]
    c = SCENARIOS["crash"]
    assert c.outages["orders-1"] == (Outage(100),) and not c.up("orders-1", 10**9)
    p = SCENARIOS["partition"]
    assert p.partitions == (Outage(100, 220),) and all(o == () for o in p.outages.values())
    assert partition(3, start=10, length=5).partitions == (Outage(10, 15),)
    m = mass_restart(3, start=10, down=5)
    assert all(m.restarts(i.id, 15) and not m.up(i.id, 14) for i in m.instances)


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_flapping_is_seeded_disjoint_and_in_range(seed):
    s = flapping(seed=seed, down=(10, 30), up=(20, 60), horizon=600)
    assert s == flapping(seed=seed, down=(10, 30), up=(20, 60), horizon=600)
    outages = s.outages["orders-1"]
    assert outages[0].start == 100 and len(outages) > 1
    assert all(not o.restart and o.end <= 600 for o in outages)
    for earlier, later in itertools.pairwise(outages):
        assert 20 <= later.start - earlier.end <= 60
    assert all(10 <= o.end - o.start <= 30 for o in outages[:-1])
    assert 0 < outages[-1].end - outages[-1].start <= 30
    assert all(s.outages[f"orders-{k}"] == () for k in range(2, 6))
    assert flapping(seed=seed).outages != flapping(seed=seed + 100).outages


# -- the trade-off study ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def outcomes():
    return {(s.name, d): run(d, s) for s in SCENARIOS.values() for d in DETECTORS}


@pytest.mark.parametrize(("detector", "within"), [
    ("as written", 30), ("thresholds", 30), ("corrected", 30), ("leases", 90)])
def test_crash_is_detected(outcomes, detector, within):
    o = outcomes[("crash", detector)]
    assert o.detect is not None and 0 < o.detect <= within and o.undetected == 0
    assert o.dead_served == o.detect and o.healthy_lost == 0 and o.lost_for_good == 0


def test_eureka_self_preservation_never_detects_one_crash_in_five(outcomes):
    o = outcomes[("crash", "eureka")]
    assert o.detect is None and o.undetected == 1
    assert o.dead_served == 500 and o.listed[-1] == 5  # served from t=100 to the end
    bigger = run("eureka", crash(n=10))
    assert bigger.detect is not None and 0 < bigger.detect <= 90 + 60
    assert bigger.listed[-1] == 9 and bigger.undetected == 0


@pytest.mark.parametrize(("detector", "lost"), [
    ("as written", 5), ("thresholds", 5), ("corrected", 0), ("leases", 0), ("eureka", 0)])
def test_partition_loses_the_fleet_only_without_self_preservation(outcomes, detector, lost):
    o = outcomes[("partition", detector)]
    assert o.lost_for_good == lost and o.dead_served == 0
    assert (o.listed[-1] == 0) is (lost == 5)


def test_eureka_serves_throughout_the_partition(outcomes):
    o = outcomes[("partition", "eureka")]
    assert o.healthy_lost == 0 and set(o.listed) == {5}
    assert outcomes[("partition", "corrected")].healthy_lost > 0  # unserved, but kept


@pytest.mark.parametrize("detector", ["leases", "eureka"])
def test_mass_restart_shorter_than_a_lease_goes_unnoticed(outcomes, detector):
    o = outcomes[("mass restart", detector)]
    assert o.detect is None and o.undetected == 5 and o.dead_served == 5 * 40


@pytest.mark.parametrize("detector", ["as written", "thresholds", "corrected"])
def test_mass_restart_is_seen_by_probes(outcomes, detector):
    o = outcomes[("mass restart", detector)]
    assert o.detect is not None and o.detect <= 30 and o.lost_for_good == 0


def test_traces_have_horizon_length_and_up_is_the_truth(outcomes):
    for (name, _), o in outcomes.items():
        s = SCENARIOS[name]
        assert len(o.listed) == len(o.up) == s.horizon
        assert list(o.up) == [sum(s.up(i.id, t) for i in s.instances) for t in range(600)]


def test_runs_are_deterministic(outcomes):
    for name in ("flapping", "partition"):
        for d in DETECTORS:
            assert run(d, SCENARIOS[name], seed=0) == outcomes[(name, d)]
    assert run("leases", SCENARIOS["flapping"], seed=5) == run("leases", SCENARIOS["flapping"],
                                                              seed=5)


def test_run_refuses_an_unknown_detector():
    with pytest.raises(TheoryError, match="unknown detector 'zookeeper': expected one of "
                                          "as written, leases, thresholds, eureka, corrected"):
        run("zookeeper", SCENARIOS["crash"])


def test_an_outage_from_the_horizon_on_is_refused_by_name():
    with pytest.raises(TheoryError, match=r"orders-1 at t=600 starts at or after the horizon"):
        crash(at=600.0)


def test_a_restart_during_a_partition_does_not_reach_the_registry():
    s = Scenario("restart in partition", fleet(1), 400,
                 {"orders-1": (Outage(60, 100, restart=True),)}, partitions=(Outage(50, 300),))
    assert set(run("as written", s).listed[60:300]) == {0}
    assert run("leases", s).listed[300] == 1  # it announces itself once the network heals


# -- properties over generated scenarios ------------------------------------------------------


@st.composite
def scenarios(draw, outages: bool = True):
    n = draw(st.integers(min_value=1, max_value=6))
    horizon = draw(st.integers(min_value=30, max_value=400))
    ids = fleet(n)

    def intervals(restart: bool):
        start = draw(st.integers(min_value=0, max_value=horizon - 1))
        end = draw(st.one_of(st.just(math.inf),
                             st.integers(min_value=start + 1, max_value=horizon + 50)))
        return Outage(start, end, restart and draw(st.booleans()))

    down = {}
    if outages:
        for instance in draw(st.lists(st.sampled_from(ids), max_size=n, unique=True)):
            count = draw(st.integers(min_value=1, max_value=3))
            down[instance.id] = tuple(intervals(restart=True) for _ in range(count))
    cuts = tuple(intervals(restart=False)
                 for _ in range(draw(st.integers(min_value=0 if outages else 1, max_value=3))))
    return Scenario("generated", ids, horizon, down, cuts)


@settings(derandomize=True, database=None, deadline=None, max_examples=40)
@given(scenario=scenarios())
def test_every_detector_is_scored_within_bounds(scenario):
    n, horizon = len(scenario.instances), int(scenario.horizon)
    truth = [sum(scenario.up(i.id, t) for i in scenario.instances) for t in range(horizon)]
    ever_down = {i for i, outs in scenario.outages.items() if outs}
    for name in DETECTORS:
        o = run(name, scenario)
        assert o.detector == name and list(o.up) == truth and len(o.listed) == horizon
        assert 0 <= o.dead_served + o.healthy_lost <= n * horizon
        assert all(0 <= c <= n for c in o.listed)
        # listed - up <= |listed \ up| <= min(listed, down): dead served only while some are down
        assert sum(max(0, c - u) for c, u in zip(o.listed, truth, strict=True)) <= o.dead_served
        assert o.dead_served <= sum(min(c, n - u) for c, u in zip(o.listed, truth, strict=True))
        assert sum(max(0, u - c) for c, u in zip(o.listed, truth, strict=True)) <= o.healthy_lost
        assert o.healthy_lost <= sum(truth)
        assert 0 <= o.lost_for_good <= n
        if name == "corrected":
            # partitions hit every instance alike, so one never down cannot be reaped
            # while the rest renew above the self-preservation threshold
            assert o.lost_for_good <= len(ever_down)


@settings(derandomize=True, database=None, deadline=None, max_examples=25)
@given(scenario=scenarios(outages=False))
def test_corrected_never_forgets_a_fleet_it_was_only_cut_off_from(scenario):
    o = run("corrected", scenario)
    assert o.lost_for_good == 0 and o.dead_served == 0
