"""Chapter 3 (msatheory.discovery.detectors and .tradeoff): the five detectors of Algorithm
3.2.2 driven through failure scenarios and scored, and check_health's verdict on a policy."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from msatheory.discovery.detectors import DETECTORS, Checks, detector_named
from msatheory.discovery.health import CheckPolicy
from msatheory.discovery.scenario import SCENARIOS, Outage, Scenario, crash, fleet
from msatheory.discovery.strategies import scenarios
from msatheory.discovery.tradeoff import check_health, run
from msatheory.errors import TheoryError

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


def test_a_restart_during_a_partition_does_not_reach_the_registry():
    s = Scenario("restart in partition", fleet(1), 400,
                 {"orders-1": (Outage(60, 100, restart=True),)}, partitions=(Outage(50, 300),))
    assert set(run("as written", s).listed[60:300]) == {0}
    assert run("leases", s).listed[300] == 1  # it announces itself once the network heals


# -- properties over generated scenarios ------------------------------------------------------


@settings(max_examples=40)
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


@settings(max_examples=25)
@given(scenario=scenarios(outages=False))
def test_corrected_never_forgets_a_fleet_it_was_only_cut_off_from(scenario):
    o = run("corrected", scenario)
    assert o.lost_for_good == 0 and o.dead_served == 0


# -- check_health: a policy judged by the same score ------------------------------------------


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


@pytest.mark.parametrize(("call", "message"), [
    (lambda: check_health(CheckPolicy(), detect_within=float("nan")),
     "^check_health: detect_within must be a non-negative finite number of seconds, not nan$"),
    (lambda: check_health(CheckPolicy(), scenarios=[1]),
     "^check_health: scenarios holds 1, not an? Scenario$"),
    (lambda: check_health({"interval": 10}),
     "^check_health: policy must be an? CheckPolicy, not {'interval': 10}$"),
    (lambda: run("leases", "crash"), "^run: scenario must be an? Scenario, not 'crash'$"),
    (lambda: run(3, SCENARIOS["crash"]), "^unknown detector 3: expected one of as written"),
    (lambda: detector_named("consul"), "^unknown detector 'consul'"),
])
def test_bad_input_to_the_trade_off_is_named(call, message):
    with pytest.raises(TheoryError, match=message):
        call()


def test_fractional_check_intervals_run_at_whole_seconds():
    assert check_health(CheckPolicy(interval=0.5, reap_interval=2.5)).holds
    fast = run(lambda s, seed: Checks(s, seed, policy=CheckPolicy(interval=2.5)),
               SCENARIOS["crash"])
    slow = run(lambda s, seed: Checks(s, seed, policy=CheckPolicy(interval=25)),
               SCENARIOS["crash"])
    assert fast.detect < slow.detect
