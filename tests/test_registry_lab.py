"""Chapter 3's hands-on parts: the live fleet, the registry lab, the explorer, check_health."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory.discovery import (
    DETECTORS,
    SCENARIOS,
    CheckPolicy,
    HealthChecker,
    Registry,
    check_health,
    compare,
    fleet,
    partition,
    run,
    self_preservation_threshold,
    trade_off,
)
from msatheory.discovery.lab import LiveFleet, RegistryLab
from msatheory.discovery.tradeoff import Checks
from msatheory.errors import TheoryError
from msatheory.interactive.discovery import (
    RegistryExplorer,
    draw_lab,
    draw_spread,
    draw_tradeoff,
)
from msatheory.interactive.draw import figure_png


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
    with pytest.raises(TheoryError, match=r"positive whole number of seconds, not 0\.5"):
        RegistryLab().advance(0.5)


@settings(max_examples=30, derandomize=True, database=None, deadline=None)
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


def test_explorer_buttons_drive_the_lab_and_report_errors():
    explorer = RegistryExplorer(instances=3)
    first = explorer.image.value
    explorer.buttons["advance_10"].click()
    assert explorer.lab.now == 10 and explorer.image.value != first
    explorer.target.value = "orders-2"
    explorer.buttons["crash"].click()
    explorer.buttons["crash"].click()  # again: already down
    assert "orders-2 is already down at t=10" in explorer.report.value
    explorer.buttons["partition"].click()
    assert "registry partitioned from the fleet" in explorer.report.value
    explorer.buttons["advance_30"].click()
    assert "msa-error" not in explorer.report.value
    assert explorer.describe().startswith("lookup fails")
    explorer.buttons["add"].click()
    assert explorer.target.options == ("orders-1", "orders-2", "orders-3", "orders-4")
    assert explorer.target.value == "orders-4"
    explorer.detector.value = "eureka"
    assert explorer.lab.now == 0 and explorer.lab.detector_name == "eureka"
    assert repr(explorer) == ("RegistryExplorer(RegistryLab(detector='eureka', "
                              "balancer='round robin', now=0, instances=3))")
    assert explorer.tiles.value.count('class="msa-tile"') == 3


def test_chapter_3_drawings_are_deterministic():
    lab = RegistryLab()
    lab.advance(20)
    lab.crash("orders-1")
    lab.advance(20)
    assert figure_png(draw_lab(lab)) == figure_png(draw_lab(lab))
    outcomes = [o for o in trade_off(SCENARIOS.values()) if o.scenario == "crash"]
    assert figure_png(draw_tradeoff(outcomes)) == figure_png(draw_tradeoff(outcomes))
    with pytest.raises(TheoryError, match="outcomes of one scenario"):
        draw_tradeoff(trade_off(SCENARIOS.values(), ["leases"]))


def test_check_health_names_each_failure():
    assert check_health(CheckPolicy()).holds
    slow = check_health(CheckPolicy(interval=30, self_preservation=False))
    whats = {(w.what, w.involves[0]) for w in slow.witnesses}
    assert whats == {("late detection", "crash"), ("late detection", "mass restart"),
                     ("lost for good", "partition")}
    assert any("detected after 80 s" in w.detail for w in slow.witnesses)
    eager = check_health(CheckPolicy(failures_before_critical=1, self_preservation=False))
    assert [w.detail for w in eager.witnesses] == [
        "partition: 5 live instance(s) deregistered and never registered again"]
    with pytest.raises(TheoryError, match="policy must be a CheckPolicy"):
        check_health({"interval": 10})


@pytest.mark.parametrize(("call", "message"), [
    (lambda: check_health(CheckPolicy(), detect_within=float("nan")), "detect_within must be"),
    (lambda: check_health(CheckPolicy(), scenarios=[1]), "scenarios must be Scenarios, not 1"),
    (lambda: run("leases", "crash"), "scenario must be a Scenario, not 'crash'"),
    (lambda: run(3, SCENARIOS["crash"]), "unknown detector 3"),
    (lambda: HealthChecker(None), "health checker: needs a Registry, not None"),
    (lambda: HealthChecker(Registry(ttl=None), "x"), "policy must be a CheckPolicy"),
    (lambda: CheckPolicy(interval=float("inf")), "interval must be a positive number"),
    (lambda: self_preservation_threshold(5, 0), "interval must be a positive number, not 0"),
    (lambda: self_preservation_threshold(-5), "instances must be a whole number >= 0"),
    (lambda: RegistryExplorer(detector="nope"), "unknown detector 'nope'"),
    (lambda: draw_spread([]), "at least one Spread"),
])
def test_bad_input_to_chapter_3_is_named(call, message):
    with pytest.raises(TheoryError, match=message):
        call()


def test_health_checker_names_an_instance_it_did_not_register():
    registry = Registry(ttl=None)
    checker = HealthChecker(registry)
    registry.register(fleet(1)[0])
    with pytest.raises(TheoryError, match="registered without it"):
        checker.record("orders", "orders-1", True)


def test_fractional_check_intervals_run_at_whole_seconds():
    assert check_health(CheckPolicy(interval=0.5, reap_interval=2.5)).holds
    fast = run(lambda s, seed: Checks(s, seed, policy=CheckPolicy(interval=2.5)),
               SCENARIOS["crash"])
    slow = run(lambda s, seed: Checks(s, seed, policy=CheckPolicy(interval=25)),
               SCENARIOS["crash"])
    assert fast.detect < slow.detect


def test_discovery_patterns_count_requests_when_nothing_is_registered_yet():
    client, server = compare(partition(start=0, length=60, horizon=200))
    assert client.unlisted > 0 and server.unlisted > 0 and client.requests == server.requests


def test_lab_requests_last_a_second_so_load_aware_balancers_spread_them():
    lab = RegistryLab("leases", "least outstanding", instances=4, rate=4)
    lab.advance(5)
    for second in range(1, 6):
        chosen = sorted(p.instance for p in lab.picks if p.t == second)
        assert chosen == ["orders-1", "orders-2", "orders-3", "orders-4"]
