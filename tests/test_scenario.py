"""Chapter 3 (msatheory.discovery.scenario): the ground truth detectors are scored against."""

from __future__ import annotations

import itertools
import math

import pytest

from msatheory.discovery.lab import LiveFleet
from msatheory.discovery.scenario import (
    SCENARIOS,
    GroundTruth,
    Outage,
    Scenario,
    crash,
    flapping,
    fleet,
    mass_restart,
    partition,
)
from msatheory.errors import TheoryError


@pytest.mark.parametrize(("build", "message"), [
    (lambda: Scenario("s", fleet(2), 60, {"orders-9": (Outage(1),)}),
     r"^scenario 's': outages name unknown instances \['orders-9'\]$"),
    (lambda: Scenario("s", (), 60),
     r"^scenario 's': instances must be a non-empty list of Instances, not \(\)$"),
    (lambda: Scenario("s", fleet(2) + fleet(1), 60),
     "^scenario 's': instances lists 'orders-1' twice$"),
    (lambda: Scenario("s", ("orders-1",), 60),
     "^scenario 's': instances holds 'orders-1', not an? Instance$"),
    (lambda: Scenario("s", fleet(2), 0),
     "^scenario 's': horizon must be a positive finite number of seconds, not 0$"),
    (lambda: Scenario("", fleet(2), 60), "^Scenario: name must be a non-empty string, not ''$"),
    (lambda: Outage(10, 10), r"^Outage: end must be later than start \(10\), not 10$"),
    (lambda: Outage(-1, 5),
     "^Outage: start must be a non-negative finite number of seconds, not -1$"),
    (lambda: Outage(20, 5), r"^Outage: end must be later than start \(20\), not 5$"),
    (lambda: Outage(0, math.nan), "^Outage: end must be a positive number of seconds, not nan$"),
    (lambda: fleet(0), "^fleet: n must be a positive whole number, not 0$"),
    (lambda: flapping(down=(30, 10)),
     r"^flapping: down\[1\] must be a whole number of at least 30, not 10$"),
    (lambda: flapping(up=(0, 10)), r"^flapping: up\[0\] must be a positive whole number, not 0$"),
    (lambda: flapping(seed="x"), "^flapping: seed must be an integer, not 'x'$"),
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


def test_an_outage_from_the_horizon_on_is_refused_by_name():
    with pytest.raises(TheoryError, match=r"orders-1 at t=600 starts at or after the horizon"):
        crash(at=600.0)


def _truth(truth: GroundTruth, t: float) -> list[tuple[str, bool, bool, bool]]:
    return [(i.id, truth.up(i.id, t), truth.reachable(i.id, t), truth.restarts(i.id, t))
            for i in truth.instances]


def test_a_scenario_and_a_live_fleet_written_alike_tell_the_same_truth():
    written = Scenario("s", fleet(2), 100, {"orders-1": (Outage(10, 25, restart=True),)},
                       partitions=(Outage(30, 40),))
    live = LiveFleet(2)
    live.crash("orders-1", 10)
    live.restart("orders-1", 25)
    live.partition(30)
    live.heal(40)
    for t in range(100):
        assert _truth(written, t) == _truth(live, t), t
        assert written.partitioned(t) == live.partitioned(t)
    assert written.service == live.service == "orders"


@pytest.mark.parametrize(("build", "message"), [
    (lambda: crash(at=-1), r"^crash: at must be a non-negative finite number of seconds, "
                           r"not -1$"),
    (lambda: crash(horizon=0), r"^crash: horizon must be a positive finite number"),
    (lambda: flapping(start="soon"), r"^flapping: start must be .*, not 'soon'$"),
    (lambda: flapping(start=math.nan), r"^flapping: start must be .*, not nan$"),
    (lambda: partition(length=0), r"^partition: length must be a positive finite number"),
    (lambda: partition(start=math.inf), r"^partition: start must be .*, not inf$"),
    (lambda: mass_restart(down=-40), r"^mass_restart: down must be a positive finite number"),
    (lambda: mass_restart(horizon=True), r"^mass_restart: horizon must be .*, not True$"),
])
def test_scenario_builders_name_a_bad_time(build, message):
    with pytest.raises(TheoryError, match=message):
        build()
