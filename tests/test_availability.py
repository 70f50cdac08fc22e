"""Availability in closed form and by simulation; the simulation core."""

from __future__ import annotations

import math

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory import TheoryError
from msatheory.basics import Architecture, Call, Service
from msatheory.basics.availability import (
    DISTRIBUTIONS,
    MTTF,
    MTTR,
    Reliability,
    availability_bound,
    dependency_budget_share,
    downtime_budget,
    replicated,
    serial,
    simulate_availability,
    simulate_service_availability,
    steady_state_availability,
)
from msatheory.sim import Simulation, VirtualClock, seeded_rng

CHAIN = Architecture(
    [Service("web", calls=("api",)), Service("api", calls=("db-proxy",), replicas=2),
     Service("db-proxy"), Service("batch", calls=("api",))],
    name="chain",
)
RELIABILITY = {
    "web": Reliability(200, 2), "api": Reliability(100, 5),
    "db-proxy": Reliability(400, 1), "batch": Reliability(50, 50),
}


def test_closed_forms():
    assert steady_state_availability() == MTTF / (MTTF + MTTR)
    assert steady_state_availability(sp.Integer(999), 1) == sp.Rational(999, 1000)
    assert steady_state_availability(999, 1) == pytest.approx(0.999)
    a = sp.Symbol("a")
    assert sp.expand(replicated(a, 2)) == sp.expand(1 - (1 - a) ** 2)
    assert serial([sp.Rational(1, 2), sp.Rational(1, 3)]) == sp.Rational(1, 6)


def test_downtime_budgets_are_exact():
    three = downtime_budget(3)
    assert three.availability == sp.Rational(999, 1000)
    assert three.minutes_per_year == sp.Rational(52596, 100)  # 8.766 hours
    assert three.minutes_per_30_days == sp.Rational(216, 5)  # 43.2 minutes
    with pytest.raises(TheoryError, match="nines must be a positive whole number"):
        downtime_budget(0)


def test_the_extra_nine_rule():
    assert dependency_budget_share(3, 1) == sp.Rational(1, 10)
    assert dependency_budget_share(3, 0) == 0
    assert 0.999 < float(dependency_budget_share(3, 10)) < 1
    assert dependency_budget_share(3, 1, extra_nines=0) == 1


def test_treynor_bound_counts_each_dependency_once():
    api = replicated(RELIABILITY["api"].availability, 2)
    expected = RELIABILITY["web"].availability * api * RELIABILITY["db-proxy"].availability
    assert availability_bound(CHAIN, "web", RELIABILITY) == pytest.approx(expected, rel=1e-15)
    with pytest.raises(TheoryError, match="no reliability given for db-proxy"):
        availability_bound(CHAIN, "web", {k: v for k, v in RELIABILITY.items() if k != "db-proxy"})
    with pytest.raises(TheoryError, match="web: MTTF must be a positive finite number"):
        availability_bound(CHAIN, "web", {**RELIABILITY, "web": Reliability(0, 1)})


@pytest.mark.parametrize("service", ["web", "api", "batch"])
def test_simulation_agrees_with_the_closed_form(service):
    bound = availability_bound(CHAIN, service, RELIABILITY)
    measured = simulate_service_availability(CHAIN, service, RELIABILITY, 2e5, seed=7)
    assert measured == pytest.approx(bound, abs=0.01)
    assert measured == simulate_service_availability(CHAIN, service, RELIABILITY, 2e5, seed=7)


def test_simulated_serial_and_parallel_pairs():
    one = Reliability(10, 1)
    pair = {"a": one, "b": one}
    both = simulate_availability(pair, lambda up: up == {"a", "b"}, 1e5, seed=3)
    either = simulate_availability(pair, bool, 1e5, seed=3)
    assert both == pytest.approx(one.availability**2, abs=0.01)
    assert either == pytest.approx(replicated(one.availability, 2), abs=0.003)
    assert 0 <= both <= either <= 1


@settings(max_examples=100)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=5), st.integers(1, 5))
def test_composition_bounds(parts, n):
    assert serial(parts) <= min(parts) + 1e-12
    for p in parts:
        assert replicated(p, n) >= p - 1e-12


def test_virtual_clock_only_advances():
    clock = VirtualClock(5)
    assert clock.advance(2.5) == 7.5 and clock.now == 7.5
    with pytest.raises(TheoryError, match="time only advances"):
        clock.advance(-1)
    with pytest.raises(TheoryError, match="time only advances"):
        clock.advance(math.nan)
    assert clock.advance_to(9) == 9.0 and clock.now == 9.0
    with pytest.raises(TheoryError, match=r"cannot move back from 9\.0 to 8"):
        clock.advance_to(8)
    with pytest.raises(TheoryError, match="time only advances"):
        clock.advance_to(math.nan)


def test_simulation_is_seeded_and_virtual():
    def draws(seed: int) -> list[float]:
        sim, seen = Simulation(seed), []

        def tick():
            while True:
                yield sim.timeout(sim.rng.expovariate(1.0))
                seen.append(sim.now)

        sim.process(tick())
        sim.run(until=50)
        return seen

    assert draws(1) == draws(1) != draws(2)
    assert all(t < 50 for t in draws(1))
    with pytest.raises(TheoryError, match="seed must be an integer"):
        seeded_rng(1.5)
    sim = Simulation(0)
    sim.run(until=1)
    with pytest.raises(TheoryError, match="the clock is already at 1"):
        sim.run(until=1)


def test_the_dependency_share_is_a_formula_in_a_counting_symbol():
    d = sp.Symbol("d", positive=True, integer=True)
    share = dependency_budget_share(3, d)
    assert share.subs(d, 5) == dependency_budget_share(3, 5)
    with pytest.raises(TheoryError, match="dependencies must be a whole number, 0 or more"):
        dependency_budget_share(3, sp.Symbol("x"))


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: replicated(0.9, -1), "replicated: replicas must be a whole number, 0 or more"),
        (lambda: replicated(0.9, 1.5), "replicated: replicas must be a whole number"),
        (lambda: replicated(1.5, 2), r"replicated: availability must lie in \[0, 1\]"),
        (lambda: steady_state_availability(-1, 2), "availability: MTTF must be a positive"),
        (lambda: steady_state_availability(1, 0), "availability: MTTR must be a positive"),
        (lambda: steady_state_availability(sp.Integer(-3), 1), "MTTF must be a positive"),
        (lambda: serial([0.5, -0.1]), r"serial: each availability must lie in \[0, 1\]"),
        (lambda: Reliability(-1, 2).availability, "MTTF must be a positive"),
        (lambda: simulate_availability({"a": Reliability(1, 1)}, bool, 10, 0, "pareto"),
         "distribution must be one of exponential, weibull, lognormal, deterministic"),
        (lambda: simulate_availability({"a": Reliability(1, 1)}, bool, -10, 0),
         "horizon must be a positive finite number"),
        (lambda: simulate_availability({"a": Reliability(1, 1)}, bool, 10, 0.5),
         "seed must be an integer"),
        (lambda: simulate_availability({"a": Reliability(0, 1)}, bool, 10, 0),
         "a: MTTF must be a positive"),
    ],
)
def test_numeric_parameters_are_validated(build, message):
    with pytest.raises(TheoryError, match=message):
        build()


def test_symbols_still_give_formulas():
    a, n = sp.Symbol("a"), sp.Symbol("n", integer=True, positive=True)
    assert replicated(a, n) == 1 - (1 - a) ** n
    assert replicated(sp.Rational(9, 10), sp.Integer(2)) == sp.Rational(99, 100)
    assert serial([a, sp.Rational(1, 2)]) == a / 2


@pytest.mark.parametrize("distribution", DISTRIBUTIONS)
def test_availability_is_mttf_over_mttf_plus_mttr_whatever_the_distribution(distribution):
    """The renewal-reward theorem: only the means matter in the long run."""
    one = Reliability(mttf=100, mttr=5)
    measured = simulate_availability({"a": one}, bool, 4e5, seed=11, distribution=distribution)
    assert measured == pytest.approx(100 / 105, abs=0.003)
    assert measured == simulate_availability({"a": one}, bool, 4e5, seed=11,
                                             distribution=distribution)


def test_the_bound_takes_only_hard_dependencies():
    soft = Architecture(
        [Service("web", calls=(Call("api", timeout=0.5, fallback="cached"),)),
         Service("api", calls=("db-proxy",), replicas=2), Service("db-proxy"),
         Service("batch", calls=(Call("api", kind="async"),))],
        name="soft",
    )
    assert availability_bound(soft, "web", RELIABILITY) == pytest.approx(
        RELIABILITY["web"].availability)
    assert availability_bound(soft, "batch", RELIABILITY) == pytest.approx(
        RELIABILITY["batch"].availability)
    measured = simulate_service_availability(soft, "web", RELIABILITY, 1e5, seed=3,
                                             distribution="weibull")
    assert measured == pytest.approx(RELIABILITY["web"].availability, abs=0.01)
