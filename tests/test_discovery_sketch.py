"""Chapter 3 (msatheory.discovery.sketch): the theory's Rust ServiceRegistry and Go round robin
as written, and the errata they yield."""

from __future__ import annotations

import math
from collections import Counter

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from msatheory.discovery.balancers import RoundRobin
from msatheory.discovery.errata import ERRATA
from msatheory.discovery.registry import (
    Instance,
    InstanceExists,
    InstanceNotFound,
    NoHealthyInstance,
    ServiceNotFound,
)
from msatheory.discovery.sketch import (
    GoPanic,
    InstanceStatus,
    SketchInstance,
    SketchRoundRobin,
    SketchServiceRegistry,
)
from msatheory.errors import TheoryError
from msatheory.sim import VirtualClock
from msatheory.theory.erratum import Counterexample

IDS = [f"i{k}" for k in range(8)]

REGISTRY_ERRATA = {
    "3.heartbeat-unread": ("silence for 91 s", "lookup at t=91 s returns orders-1"),
    "3.one-probe-evicts": ("health checks every 30 s see: fail;", "lost for good"),
    "3.partition-evicts-all": ("2 healthy instances", "for 21 s", "2 of 2 live instances"),
    "3.unknown-evicted": ("registered with status Unknown", "1 health check(s)"),
}


def _instance(i: str, service: str = "orders",
              status: InstanceStatus = InstanceStatus.HEALTHY) -> SketchInstance:
    return SketchInstance(i, service, f"http://{i}:8080", status)


def _ids(registry: SketchServiceRegistry, service: str = "orders") -> list[str]:
    return [i.id for i in registry.lookup(service)]


def test_register_rejects_a_duplicate_id_but_not_the_same_id_in_another_service():
    registry = SketchServiceRegistry()
    registry.register(_instance("o1"))
    with pytest.raises(InstanceExists, match="'o1'"):
        registry.register(_instance("o1"))
    registry.register(_instance("o1", "cart"))
    assert registry.instance_ids("orders") == ["o1"] and registry.instance_ids("cart") == ["o1"]
    with pytest.raises(TheoryError, match=r"^SketchServiceRegistry.register: instance must be "
                                          r"a SketchInstance, not 'o2'$"):
        registry.register("o2")


def test_deregister_of_an_unknown_id_is_silently_accepted():
    registry = SketchServiceRegistry()
    registry.register(_instance("o1"))
    registry.deregister("orders", "o9")  # as written: retain() removes nothing, no error
    assert registry.instance_ids("orders") == ["o1"]
    registry.deregister("orders", "o1")
    assert registry.instance_ids("orders") == []


@pytest.mark.parametrize("call", [
    lambda r: r.deregister("cart", "o1"),
    lambda r: r.lookup("cart"),
    lambda r: r.heartbeat("cart", "o1"),
])
def test_an_unknown_service_is_not_found(call):
    registry = SketchServiceRegistry()
    registry.register(_instance("o1"))
    with pytest.raises(ServiceNotFound, match="'cart'"):
        call(registry)


def test_heartbeat_of_an_unknown_id_is_instance_not_found():
    registry = SketchServiceRegistry()
    registry.register(_instance("o1"))
    with pytest.raises(InstanceNotFound, match="'o9'"):
        registry.heartbeat("orders", "o9")


def test_lookup_serves_only_healthy_in_list_order():
    registry = SketchServiceRegistry()
    registry.register(_instance("o3"))
    registry.register(_instance("o1", status=InstanceStatus.UNHEALTHY))
    registry.register(_instance("o2"))
    registry.register(_instance("o4", status=InstanceStatus.UNKNOWN))
    assert _ids(registry) == ["o3", "o2"]
    registry.heartbeat("orders", "o1")  # a heartbeat makes it Healthy
    assert _ids(registry) == ["o3", "o1", "o2"]


def test_a_service_with_every_instance_removed_has_no_healthy_instance_not_not_found():
    registry = SketchServiceRegistry()
    registry.register(_instance("o1"))
    registry.deregister("orders", "o1")
    with pytest.raises(NoHealthyInstance):
        registry.lookup("orders")
    registry.register(_instance("o2", status=InstanceStatus.UNHEALTHY))
    with pytest.raises(NoHealthyInstance, match="'orders'"):
        registry.lookup("orders")


def test_heartbeat_records_now_and_healthy_and_nothing_reads_it():
    clock = VirtualClock()
    registry = SketchServiceRegistry(clock)
    registry.register(_instance("o1", status=InstanceStatus.UNKNOWN))
    clock.advance(42)
    registry.heartbeat("orders", "o1")
    (instance,) = registry.services["orders"]
    assert instance.last_heartbeat == 42 and instance.status is InstanceStatus.HEALTHY
    clock.advance(10**6 - 42)
    assert _ids(registry) == ["o1"]  # a heartbeat 10**6 - 42 s old still serves


@settings(max_examples=30)
@given(silence=st.integers(min_value=0, max_value=10**9))
def test_no_silence_ever_unlists_a_heartbeating_instance(silence):
    clock = VirtualClock()
    registry = SketchServiceRegistry(clock)
    registry.register(_instance("o1"))
    registry.heartbeat("orders", "o1")
    clock.advance(silence)
    assert _ids(registry) == ["o1"]
    assert registry.services["orders"][0].last_heartbeat == 0


def test_one_failing_probe_evicts_and_a_later_heartbeat_cannot_bring_it_back():
    clock = VirtualClock()
    failing = {"o1"}
    registry = SketchServiceRegistry(clock, lambda i, _now: i.id not in failing)
    registry.register(_instance("o1"))
    registry.register(_instance("o2"))
    registry.perform_health_check()
    assert registry.instance_ids("orders") == ["o2"]
    failing.clear()
    with pytest.raises(InstanceNotFound):
        registry.heartbeat("orders", "o1")
    registry.perform_health_check()
    assert registry.instance_ids("orders") == ["o2"]


def test_an_unknown_instance_is_evicted_although_its_probe_passes():
    probed = []
    registry = SketchServiceRegistry(probe=lambda i, now: probed.append((i.id, now)) or True)
    registry.register(_instance("o1", status=InstanceStatus.UNKNOWN))
    registry.register(_instance("o2"))
    registry.perform_health_check()
    assert probed == [("o1", 0.0), ("o2", 0.0)]
    assert registry.instance_ids("orders") == ["o2"]


def test_an_unhealthy_instance_is_evicted_even_with_a_passing_probe():
    registry = SketchServiceRegistry()
    registry.register(_instance("o1", status=InstanceStatus.UNHEALTHY))
    registry.perform_health_check()
    assert registry.instance_ids("orders") == []


@pytest.mark.parametrize(("start", "until", "times"), [
    (0, 0, [0]),
    (0, 29, [0]),
    (0, 30, [0, 30]),
    (0, 89, [0, 30, 60]),
    (0, 90, [0, 30, 60, 90]),
    (10, 100, [10, 40, 70, 100]),
    (10, 99.5, [10, 40, 70]),
])
def test_run_health_checks_ticks_at_once_then_every_30_s(start, until, times):
    seen = []
    clock = VirtualClock(start)
    registry = SketchServiceRegistry(clock, lambda _i, now: seen.append(now) or True)
    registry.register(_instance("o1"))
    assert registry.run_health_checks(until) == len(times)
    assert seen == times
    assert clock.now == times[-1]


@pytest.mark.parametrize("until", [9, -1, math.inf, math.nan])
def test_run_health_checks_refuses_the_past_and_forever(until):
    registry = SketchServiceRegistry(VirtualClock(10))
    with pytest.raises(TheoryError, match=r"^SketchServiceRegistry.run_health_checks: until "
                                          r"must be a finite time at or after now \(10\)"):
        registry.run_health_checks(until)
    assert registry.clock.now == 10


def test_run_health_checks_evicts_at_the_first_failed_tick():
    clock = VirtualClock()
    registry = SketchServiceRegistry(clock, lambda i, now: not (i.id == "o1" and now == 60))
    registry.register(_instance("o1"))
    registry.register(_instance("o2"))
    assert registry.run_health_checks(120) == 5
    assert registry.instance_ids("orders") == ["o2"]


# -- the Go gateway's round robin -------------------------------------------------------------


def _go_instance(i: str, service: str = "orders") -> Instance:
    return Instance(i, service, f"http://{i}:8080")


def _go_fleet(ids, service: str = "orders") -> list[Instance]:
    return [_go_instance(i, service) for i in ids]


def test_sketch_panics_when_the_list_shrinks():
    def panics(sizes):
        sketch = SketchRoundRobin()
        try:
            for n in sizes:
                sketch.select(_go_fleet(IDS[:n]))
        except GoPanic:
            return True
        return False

    smallest = find(st.lists(st.integers(1, 4), max_size=6), panics)
    assert smallest == [2, 1]
    sketch = SketchRoundRobin()
    sketch.select(_go_fleet(["a", "b", "c"]))
    sketch.select(_go_fleet(["a", "b", "c"]))
    with pytest.raises(GoPanic, match=r"^runtime error: index out of range \[2\] with length 2$"):
        sketch.select(_go_fleet(["a", "b"]))
    RoundRobin().select(_go_fleet(["a", "b"]))  # the correction does not


def test_sketch_starves_an_instance_of_each_service_with_its_shared_counter():
    orders, cart = _go_fleet(["o1", "o2"], "orders"), _go_fleet(["c1", "c2"], "cart")

    def starves(pattern):  # calls cycle through the pattern (True: cart, False: orders)
        if set(pattern) != {True, False}:
            return False
        sketch = SketchRoundRobin()
        chosen = Counter(sketch.select(cart if pattern[k % len(pattern)] else orders).id
                         for k in range(100))
        return any(chosen[i.id] == 0 for i in orders + cart)

    pattern = find(st.lists(st.booleans(), min_size=1, max_size=4), starves)
    assert sorted(pattern) == [False, True]  # simply alternating the two services
    sketch, fixed = SketchRoundRobin(), RoundRobin()
    seen = Counter(sketch.select(s).id for _ in range(50) for s in (orders, cart))
    assert seen == {"o1": 50, "c2": 50}  # o2 and c1 never chosen
    fair = Counter(fixed.select(s).id for _ in range(50) for s in (orders, cart))
    assert fair == {"o1": 25, "o2": 25, "c1": 25, "c2": 25}


def test_sketch_returns_a_zero_value_for_no_instances():
    assert SketchRoundRobin().select([]) is None  # Go: ServiceInstance{}
    with pytest.raises(TheoryError, match=r"^SketchRoundRobin: instances holds 'o9', not an? "
                                          r"Instance$"):
        SketchRoundRobin().select([_go_instance("a"), "o9"])


# -- the errata --------------------------------------------------------------------------------


def _registry_errata():
    return [e for e in ERRATA if e.key in REGISTRY_ERRATA]


def test_every_registry_erratum_of_chapter_3_is_covered():
    chapter_3 = {e.key for e in ERRATA if e.key.startswith("3.") and not e.key.startswith("3.rr")}
    assert chapter_3 == set(REGISTRY_ERRATA)


@pytest.mark.parametrize("erratum", _registry_errata(), ids=lambda e: e.key)
def test_registry_errata_show_the_minimal_counterexample_and_the_correction(erratum):
    shown = erratum.demonstrate()
    assert isinstance(shown, Counterexample)
    text = str(shown)
    for fragment in REGISTRY_ERRATA[erratum.key]:
        assert fragment in text
    assert shown == erratum.demonstrate()  # a reproducible search: the same minimal example
    assert erratum.verify_corrected() is True


def test_an_unknown_instance_survives_if_its_heartbeat_comes_before_the_first_check():
    """Only a check that runs before the first heartbeat evicts an Unknown instance: the
    heartbeat sets Healthy, and a passing probe leaves Healthy alone."""
    clock = VirtualClock()
    registry = SketchServiceRegistry(clock, probe=lambda _i, _now: True)
    registry.register(_instance("o1", status=InstanceStatus.UNKNOWN))
    registry.register(_instance("o2", status=InstanceStatus.UNKNOWN))
    clock.advance(5)
    registry.heartbeat("orders", "o1")
    clock.advance(25)
    registry.perform_health_check()  # t=30: o1 heartbeat at 5, o2 not yet
    assert registry.instance_ids("orders") == ["o1"]
    with pytest.raises(InstanceNotFound):
        registry.heartbeat("orders", "o2")
