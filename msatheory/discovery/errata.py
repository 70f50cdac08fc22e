"""Chapter 3's errata: the Rust ``ServiceRegistry`` and the Go round robin, shown wrong by running.

Each counterexample is the smallest input a reproducible hypothesis search finds that
breaks a property of the sketches ported as written (:mod:`.sketch`); each correction is
checked by the same search against the corrected model:
:class:`~msatheory.discovery.registry.Registry` leases (Def 3.1.1),
:class:`~msatheory.discovery.health.HealthChecker` (Algorithm 3.2.2) and
:class:`~msatheory.discovery.balancers.RoundRobin` (Algorithm 3.2.1).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from hypothesis import settings
from hypothesis import strategies as st

from msatheory.discovery.balancers import RoundRobin
from msatheory.discovery.health import CheckPolicy, HealthChecker
from msatheory.discovery.registry import (
    Instance,
    NoHealthyInstance,
    Registry,
    ServiceNotFound,
    Status,
)
from msatheory.discovery.scenario import Scenario, fleet, partition
from msatheory.discovery.sketch import (
    GoPanic,
    InstanceStatus,
    SketchInstance,
    SketchRoundRobin,
    SketchServiceRegistry,
)
from msatheory.discovery.tradeoff import run
from msatheory.errors import TheoryError
from msatheory.sim import VirtualClock
from msatheory.theory.erratum import SEARCH, Counterexample, Erratum, holds_for_all

__all__ = ["ERRATA", "probe_history", "sketch_after"]

#: Eureka's lease: three missed 30 s heartbeats.
LEASE = 90
#: Shorter searches for the fleet simulations, which run whole scenarios.
FLEET_SEARCH = settings(SEARCH, max_examples=40)

SILENCES = st.integers(min_value=0, max_value=100_000)
PROBES = st.lists(st.booleans(), min_size=1, max_size=12)
PARTITIONS = st.tuples(st.integers(min_value=2, max_value=8),
                       st.integers(min_value=1, max_value=600))
#: Instance counts of a service at successive calls of the balancer.
SIZES = st.lists(st.integers(min_value=1, max_value=5), min_size=1, max_size=8)
#: Calls through one gateway balancer, alternating between two services.
CALLS = st.integers(min_value=4, max_value=1000)


def _sketch_instance(instance: Instance, status: InstanceStatus) -> SketchInstance:
    return SketchInstance(instance.id, instance.service, instance.url, status)


def sketch_after(probes: Sequence[bool], status: InstanceStatus = InstanceStatus.HEALTHY
                 ) -> SketchServiceRegistry:
    """The sketch after one instance registered with ``status`` met ``probes`` (one per
    check, every 30 s) and then sent a heartbeat, as a live instance does."""
    results = iter(probes)
    registry = SketchServiceRegistry(VirtualClock(), lambda _i, _now: next(results))
    (instance,) = fleet(1)
    registry.register(_sketch_instance(instance, status))
    registry.run_health_checks(until=30 * (len(probes) - 1))
    with contextlib.suppress(TheoryError):
        registry.heartbeat(instance.service, instance.id)
    return registry


def _listed(registry: SketchServiceRegistry | Registry, service: str = "orders") -> list[str]:
    try:
        return [i.id for i in registry.lookup(service)]
    except (ServiceNotFound, NoHealthyInstance):
        return []


def probe_history(probes: Sequence[bool], policy: CheckPolicy | None = None,
                  new: bool = False) -> list[bool]:
    """Whether the corrected checker serves one instance after each probe result; the
    instance is registered passing, or, if ``new``, with the policy's initial status."""
    registry = Registry(VirtualClock(), ttl=None)
    checker = HealthChecker(registry, policy)
    (instance,) = fleet(1)
    checker.register(instance, None if new else Status.PASSING)
    served = []
    for passed in probes:
        checker.record(instance.service, instance.id, passed)
        checker.reap()
        served.append(bool(_listed(registry)))
        registry.clock.advance(checker.policy.interval)
    return served


# -- last_heartbeat is never read -------------------------------------------------------------

def stale_but_listed(silence: int) -> bool:
    """Property: an instance whose last heartbeat is older than the lease is not served.

    True on a counterexample: after ``silence`` seconds with no heartbeat, past the lease,
    lookup still returns the instance.
    """
    clock = VirtualClock()
    registry = SketchServiceRegistry(clock)
    (instance,) = fleet(1)
    registry.register(_sketch_instance(instance, InstanceStatus.HEALTHY))
    registry.heartbeat(instance.service, instance.id)
    clock.advance(silence)
    return silence > LEASE and bool(_listed(registry))


def _describe_heartbeat(silence: int) -> Counterexample:
    return Counterexample(
        f"register orders-1, heartbeat at t=0, then silence for {silence} s with no health-check "
        "task running (start_health_check does not compile as written)",
        f"orders-1 no longer served: its last heartbeat is older than a {LEASE} s lease",
        f"lookup at t={silence} s returns orders-1; last_heartbeat=0 is never read",
    )


def _lease_serves_stale(silence: int) -> bool:
    clock = VirtualClock()
    registry = Registry(clock, ttl=LEASE)
    registry.register(fleet(1)[0])
    clock.advance(silence)
    return silence >= LEASE and bool(_listed(registry))


# -- one failed probe evicts for good ----------------------------------------------------------

def one_miss_evicts(probes: list[bool]) -> bool:
    """Property: a live instance that fails one probe is served again (at most it is marked
    unhealthy until it passes).

    True on a counterexample: one failed probe among ``probes`` leaves it unlisted for good.
    """
    return probes.count(False) == 1 and not _listed(sketch_after(probes))


def _describe_one_probe(probes: list[bool]) -> Counterexample:
    shown = ", ".join("pass" if p else "fail" for p in probes)
    return Counterexample(
        f"orders-1 registered; health checks every 30 s see: {shown}; then it heartbeats",
        "a live instance that missed one probe served again (at most marked unhealthy)",
        "evicted at the failed check; the heartbeat gets InstanceNotFound and nothing "
        "registers it again: lost for good",
    )


def _short_failures_unserve(probes: list[bool]) -> bool:
    policy = CheckPolicy()
    run_length = longest = 0
    for passed in probes:
        run_length = 0 if passed else run_length + 1
        longest = max(longest, run_length)
    return longest < policy.failures_before_critical and not all(probe_history(probes, policy))


# -- a partition evicts everything -------------------------------------------------------------

def _partition_scenario(shape: tuple[int, int]) -> Scenario:
    n, length = shape
    return partition(n, start=100, length=length, horizon=100 + length + 120)


def partition_wipes(shape: tuple[int, int]) -> bool:
    """Property: when a partition between the registry and ``n`` healthy instances heals,
    the instances are served again.

    True on a counterexample: all ``n`` are evicted and lost for good.
    """
    return run("as written", _partition_scenario(shape)).lost_for_good == shape[0]


def _describe_partition(shape: tuple[int, int]) -> Counterexample:
    n, length = shape
    outcome = run("as written", _partition_scenario(shape))
    return Counterexample(
        f"{n} healthy instances; the registry is cut off from all of them for {length} s "
        f"from t=100, then the network heals",
        f"all {n} instances served again once the partition heals",
        f"every instance evicted at the check during the partition; {outcome.lost_for_good} of "
        f"{n} live instances lost for good, lookup fails for the last "
        f"{sum(c == 0 for c in outcome.listed[100:])} s",
    )


def _corrected_forgets(shape: tuple[int, int]) -> bool:
    outcome = run("corrected", _partition_scenario(shape))
    return outcome.lost_for_good > 0 or outcome.listed[-1] != shape[0]


# -- Unknown instances are evicted ------------------------------------------------------------

def unknown_evicted(probes: list[bool]) -> bool:
    """Property: a new instance (status Unknown) that passes every probe stays registered.

    True on a counterexample: every probe passes and the instance is evicted.
    """
    return all(probes) and not _listed(sketch_after(probes, InstanceStatus.UNKNOWN))


def _describe_unknown(probes: list[bool]) -> Counterexample:
    return Counterexample(
        f"orders-1 registered with status Unknown; the probe loop start_health_check intends "
        f"runs (as written it does not compile); {len(probes)} health check(s) before its "
        "first heartbeat, every probe passes",
        "an instance that answers every probe stays registered and becomes Healthy",
        "evicted at the first check: perform_health_check keeps only Healthy instances and "
        "never marks a passing one Healthy (only a heartbeat does); the heartbeat then gets "
        "InstanceNotFound",
    )


def _passing_new_instance_unserved(probes: list[bool]) -> bool:
    policy = CheckPolicy()
    return all(probes) and len(probes) >= policy.successes_before_passing and not (
        probe_history(probes, policy, new=True)[-1])


# -- the Go round robin ------------------------------------------------------------------------

def _instances(count: int, service: str = "orders") -> list[Instance]:
    return list(fleet(count, service))


def panics(sizes: list[int], balancer_type: type = SketchRoundRobin) -> bool:
    """Property: a balancer called with the current instance list picks one of them, however
    the list shrinks or grows between calls (``sizes``).

    True on a counterexample: a call panics.
    """
    balancer = balancer_type()
    try:
        for n in sizes:
            balancer.select(_instances(n))
    except GoPanic:
        return True
    return False


def _describe_shrink(sizes: list[int]) -> Counterexample:
    balancer = SketchRoundRobin()
    picks = []
    try:
        for n in sizes:
            chosen = balancer.select(_instances(n))
            picks.append("ServiceInstance{}" if chosen is None else chosen.id)
    except GoPanic as panic:
        observed = f"picks {', '.join(picks)}, then panic: {panic}"
    return Counterexample(
        "Select over orders with " + ", then ".join(f"{n} instance(s)" for n in sizes)
        + " (instances deregistered between calls)",
        "an instance from the current list at every call",
        observed,
    )


def _starved(calls: int, balancer_type: type = SketchRoundRobin) -> set[str]:
    balancer, chosen = balancer_type(), set()
    pools = {"orders": _instances(2, "orders"), "billing": _instances(2, "billing")}
    for k in range(calls):
        chosen.add(balancer.select(pools[("orders", "billing")[k % 2]]).id)
    return {i.id for pool in pools.values() for i in pool} - chosen


def starves(calls: int, balancer_type: type = SketchRoundRobin) -> bool:
    """Property: one gateway balancer, ``calls`` calls alternating between two services of
    two instances each: every instance is chosen.

    True on a counterexample: some instance is never chosen.
    """
    return bool(_starved(calls, balancer_type))


def _describe_shared(calls: int) -> Counterexample:
    return Counterexample(
        f"one gateway balancer; {calls} calls alternating between orders and billing, each "
        "with 2 instances",
        "every instance chosen within any 2 calls to its own service",
        f"never chosen in {calls} calls: {', '.join(sorted(_starved(calls)))}; one `current` "
        "counter serves every service",
    )


ERRATA: tuple[Erratum, ...] = (
    Erratum(
        key="3.heartbeat-unread",
        concerns="Rust ServiceRegistry.heartbeat (section 3.1; Def 3.1.1)",
        wrong="The timestamp T is recorded as last_heartbeat and never read, so a crashed "
        "instance stays listed.",
        search=SILENCES,
        breaks=stale_but_listed,
        describe=_describe_heartbeat,
        verify_corrected=lambda: holds_for_all(SILENCES, _lease_serves_stale),
        corrected_by="msatheory.discovery.Registry (leases)",
    ),
    Erratum(
        key="3.one-probe-evicts",
        concerns="Rust perform_health_check (section 3.2; Algorithm 3.2.2)",
        wrong="One failed probe evicts a healthy instance, and nothing lets it back.",
        search=PROBES,
        breaks=one_miss_evicts,
        describe=_describe_one_probe,
        verify_corrected=lambda: holds_for_all(PROBES, _short_failures_unserve),
        corrected_by="msatheory.discovery.HealthChecker (thresholds)",
    ),
    Erratum(
        key="3.partition-evicts-all",
        concerns="Rust perform_health_check (section 3.2; Algorithm 3.2.2)",
        wrong="A partition between registry and fleet evicts every instance for good.",
        search=PARTITIONS,
        breaks=partition_wipes,
        describe=_describe_partition,
        settings=FLEET_SEARCH,
        verify_corrected=lambda: holds_for_all(PARTITIONS, _corrected_forgets),
        corrected_by="msatheory.discovery.HealthChecker (self-preservation)",
    ),
    Erratum(
        key="3.unknown-evicted",
        concerns="Rust perform_health_check (section 3.2; Algorithm 3.2.2)",
        wrong=("With the probe loop running, an instance registered as Unknown is evicted "
               "at the first check before its first heartbeat, though every probe passes."),
        search=PROBES,
        breaks=unknown_evicted,
        describe=_describe_unknown,
        verify_corrected=lambda: holds_for_all(PROBES, _passing_new_instance_unserved),
        corrected_by="msatheory.discovery.HealthChecker (successes before passing)",
    ),
    Erratum(
        key="3.rr-shrink",
        concerns="Go gateway RoundRobinBalancer.Select (section 4.3; Algorithm 3.2.1)",
        wrong="Select indexes past the end when the instance list shrinks between calls.",
        search=SIZES,
        breaks=panics,
        describe=_describe_shrink,
        verify_corrected=lambda: holds_for_all(SIZES, lambda sizes: panics(sizes, RoundRobin)),
        corrected_by="msatheory.discovery.RoundRobin",
    ),
    Erratum(
        key="3.rr-shared",
        concerns="Go gateway RoundRobinBalancer.Select (section 4.3; Algorithm 3.2.1)",
        wrong="One counter shared by every service starves instances.",
        search=CALLS,
        breaks=starves,
        describe=_describe_shared,
        verify_corrected=lambda: holds_for_all(CALLS, lambda c: starves(c, RoundRobin)),
        corrected_by="msatheory.discovery.RoundRobin",
    ),
)
