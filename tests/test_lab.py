"""Chapter 3's hands-on model (msatheory.discovery.lab): a ground truth written as it happens,
and a registry lab that drives a detector and a balancer over it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory.discovery.detectors import DETECTORS
from msatheory.discovery.lab import LiveFleet, RegistryLab
from msatheory.errors import TheoryError


def test_live_fleet_records_history_as_it_happens():
    fleet = LiveFleet(2)
    fleet.crash("orders-1", 10)
    assert fleet.up("orders-1", 9) and not fleet.up("orders-1", 10)
    fleet.restart("orders-1", 25)
    assert fleet.restarts("orders-1", 25) and fleet.up("orders-1", 25)
    assert not fleet.up("orders-1", 24)
    fleet.partition(30)
    assert fleet.partitioned(100) and not fleet.reachable("orders-2", 31)
    fleet.heal(40)
    assert not fleet.partitioned(40) and fleet.reachable("orders-2", 40)
    added = fleet.add(50)
    assert added.id == "orders-3" and not fleet.up("orders-3", 49)
    assert fleet.restarts("orders-3", 50) and fleet.up("orders-3", 50)


@pytest.mark.parametrize(("act", "message"), [
    (lambda f: f.crash("orders-9", 0), "no instance 'orders-9' .*orders-1, orders-2"),
    (lambda f: (f.crash("orders-1", 0), f.crash("orders-1", 5)), "already down at t=5"),
    (lambda f: f.restart("orders-1", 0), "has not crashed"),
    (lambda f: f.heal(0), "no partition to heal"),
    (lambda f: (f.partition(0), f.partition(1)), "already partitioned"),
])
def test_live_fleet_names_impossible_actions(act, message):
    with pytest.raises(TheoryError, match=message):
        act(LiveFleet(2))


def test_lab_serves_through_the_detector_and_records_dead_picks():
    lab = RegistryLab("leases", "round robin", instances=3, rate=3)
    lab.advance(10)
    lab.crash("orders-2")
    lab.advance(100)  # the 90 s lease lapses within this window
    dead = [p for p in lab.picks if p.instance == "orders-2" and not p.up]
    assert dead and all(p.t < 10 + 91 for p in dead)
    assert lab.lookup() == "lookup returns orders-1, orders-3"
    assert [(t.id, t.up, t.listed) for t in lab.tiles()] == [
        ("orders-1", True, True), ("orders-2", False, False), ("orders-3", True, True)]
    assert lab.tiles()[1].status == "expired"
    assert len(lab.picks) == 3 * 110 and len(lab.trace) == 111
    assert lab.summary() == (f"t=110 s: 330 requests, {len(dead)} sent to a dead instance, "
                             "0 failed lookups")


def test_lab_as_written_loses_the_fleet_to_a_partition_and_admits_new_instances():
    lab = RegistryLab("as written", instances=2)
    lab.partition()
    lab.advance(31)
    lab.heal()
    lab.advance(30)
    assert lab.lookup() == "lookup fails: NoHealthyInstances('orders')"  # as the sketch says
    assert {t.status for t in lab.tiles()} == {"absent"}
    new = lab.add()
    lab.advance(1)
    assert lab.lookup() == f"lookup returns {new}"


def test_lab_refuses_unknown_names_and_bad_steps():
    with pytest.raises(TheoryError, match=r"unknown detector 'consul'.*as written, leases"):
        RegistryLab("consul")
    with pytest.raises(TheoryError, match="unknown balancer 'fastest'"):
        RegistryLab(balancer="fastest")
    with pytest.raises(TheoryError, match=r"^RegistryLab.advance: seconds must be a positive "
                                          r"whole number, not 0\.5$"):
        RegistryLab().advance(0.5)
    with pytest.raises(TheoryError, match=r"^RegistryLab: rate must be a whole number, 0 or "
                                          r"more, not -1$"):
        RegistryLab(rate=-1)


@settings(max_examples=30)
@given(st.sampled_from(list(DETECTORS)),
       st.lists(st.sampled_from(["crash", "restart", "partition", "heal", "add", "advance"]),
                max_size=12))
def test_lab_never_routes_to_an_instance_the_lookup_did_not_return(detector, actions):
    lab = RegistryLab(detector, "power of two choices", instances=3)
    for k, action in enumerate(actions):
        target = lab.fleet.ids()[k % len(lab.fleet.ids())]
        try:
            if action == "advance":
                lab.advance(7)
            elif action in ("crash", "restart"):
                getattr(lab, action)(target)
            else:
                getattr(lab, action)()
        except TheoryError:
            continue
        listed = lab.detector.listed()
        chosen = lab.discover().id if listed else None
        assert chosen is None or chosen in listed


def test_lab_requests_last_a_second_so_load_aware_balancers_spread_them():
    lab = RegistryLab("leases", "least outstanding", instances=4, rate=4)
    lab.advance(5)
    for second in range(1, 6):
        chosen = sorted(p.instance for p in lab.picks if p.t == second)
        assert chosen == ["orders-1", "orders-2", "orders-3", "orders-4"]
