"""Chapter 3 (msatheory.discovery.spread): how the balancers of Algorithm 3.2.1 spread
requests over a simulated fleet with one slow instance."""

from __future__ import annotations

import pytest

from msatheory.discovery.balancers import BALANCERS, Balancer, Random, RoundRobin
from msatheory.discovery.registry import Instance, NoHealthyInstance
from msatheory.discovery.spread import Spread, jain, spread
from msatheory.errors import TheoryError
from msatheory.sim import nearest_rank


def _instance(i: str, service: str = "orders") -> Instance:
    return Instance(i, service, f"http://{i}:8080")


def _fleet(ids, service: str = "orders") -> list[Instance]:
    return [_instance(i, service) for i in ids]


FLEET = _fleet([f"api-{k}" for k in range(1, 6)], "api")


@pytest.fixture(scope="module")
def spreads() -> dict[str, Spread]:
    return {name: spread(factory(), FLEET) for name, factory in BALANCERS.items()}


def test_spread_is_reproducible_and_well_formed(spreads):
    for name, factory in BALANCERS.items():
        result = spreads[name]
        assert spread(factory(), FLEET) == result
        assert list(result.counts) == [i.id for i in FLEET]
        assert sum(result.counts.values()) == 2000
        assert 0 < result.fairness <= 1 and result.max_mean >= 1
        assert 0 < result.mean_latency <= result.p99_latency and result.max_queue >= 1
    assert spread(Random(0), FLEET, seed=1) != spreads["random"]


def test_spread_least_outstanding_and_two_choices_beat_oblivious_balancers(spreads):
    p99 = {name: s.p99_latency for name, s in spreads.items()}
    for aware in ("least outstanding", "power of two choices"):
        for oblivious in ("round robin", "random"):
            assert p99[aware] < p99[oblivious] / 5, (aware, oblivious, p99)
    assert spreads["round robin"].fairness == 1.0  # fair in counts, yet the slow one drowns
    assert spreads["least outstanding"].counts["api-5"] < spreads["least outstanding"].counts[
        "api-1"]


def test_spread_with_an_even_fleet_at_low_load():
    result = spread(RoundRobin(), FLEET[:2], requests=50, rate=1.0,
                    service_times={"api-1": 0.01, "api-2": 0.01})
    assert dict(result.counts) == {"api-1": 25, "api-2": 25} and result.max_queue <= 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rate": 0}, "^spread: rate must be a positive finite number, not 0$"),
        ({"rate": float("nan")}, "^spread: rate must be a positive finite number, not nan$"),
        ({"requests": 0}, "^spread: requests must be a positive whole number, not 0$"),
        ({"requests": 2.0}, "^spread: requests must be a positive whole number, not 2.0$"),
        ({"service_times": {"api-9": 0.1}}, r"unknown instance\(s\) \['api-9'\]"),
        ({"service_times": {"api-1": 0.1}}, r"no time for instance\(s\) \['api-2'"),
        ({"service_times": {i.id: -1 for i in FLEET}},
         "^spread: service time of 'api-1' must be a positive finite number of seconds, not -1$"),
        ({"service_times": [0.1]}, "^spread: service_times must map instance ids to seconds"),
        ({"seed": 1.5}, "^spread: seed must be an integer, not 1.5$"),
    ],
)
def test_spread_bad_input_is_named(kwargs, message):
    with pytest.raises(TheoryError, match=message):
        spread(RoundRobin(), FLEET, **kwargs)


def test_spread_rejects_a_balancer_that_strays():
    class Stray(Balancer):
        def select(self, instances):
            return _instance("elsewhere", "api")

    with pytest.raises(TheoryError, match="chose Instance\\(id='elsewhere'"):
        spread(Stray(), FLEET, requests=5)
    with pytest.raises(TheoryError, match=r"^spread: balancer must be a load balancer"):
        spread(object(), FLEET)
    with pytest.raises(NoHealthyInstance):
        spread(RoundRobin(), [])


def test_jain_and_nearest_rank():
    assert jain([5, 5, 5]) == 1.0 and jain([9, 0, 0]) == pytest.approx(1 / 3)
    assert nearest_rank(list(range(1, 101)), 99) == 99
    assert nearest_rank([3.0, 1.0, 2.0], 99) == 3.0 and nearest_rank([1.0, 2.0], 50) == 1.0
    with pytest.raises(TheoryError, match=r"^jain: counts must hold some positive count, "
                                          r"not \[0, 0\]$"):
        jain([0, 0])
    with pytest.raises(TheoryError, match=r"^nearest_rank: values must hold at least one value"):
        nearest_rank([], 99)
    with pytest.raises(TheoryError, match=r"^nearest_rank: percent must be at most 100, not 101$"):
        nearest_rank([1.0], 101)
    with pytest.raises(TheoryError, match=r"^nearest_rank: percent must be a positive whole"):
        nearest_rank([1.0], 0)


@pytest.mark.parametrize(("counts", "message"), [
    ([3, -1], r"^jain: counts\[1\] must be a non-negative finite number, not -1$"),
    ([3, "2"], r"^jain: counts\[1\] must be a .*number.*, not '2'$"),
    ([float("nan")], r"^jain: counts\[0\] must be .*, not nan$"),
])
def test_jain_names_a_bad_count(counts, message):
    with pytest.raises(TheoryError, match=message):
        jain(counts)
