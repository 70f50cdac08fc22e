"""Strategy 5.3.2's reason: a cascading failure, and what timeouts, breakers and bulkheads do."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory.communication.breaker import CircuitBreaker, RateBreaker
from msatheory.communication.cascade import (
    GUARDS,
    PROTECTIONS,
    SCENARIO,
    CascadeRun,
    Scenario,
    cascade,
    compare,
    protection_parts,
)
from msatheory.errors import TheoryError


@pytest.fixture(scope="module")
def runs() -> dict[str, CascadeRun]:
    """Every protection of PROTECTIONS on the default scenario, one seed."""
    return {run.protection: run for run in compare()}


def test_without_protection_the_slow_dependency_takes_the_caller_down(
        runs: dict[str, CascadeRun]) -> None:
    none = runs["none"]
    assert none.independent_success < 0.1
    assert none.dependent_success < 0.1
    assert none.peak_busy == SCENARIO.workers
    assert none.mean_busy > 0.9 * SCENARIO.workers
    assert none.abandoned > 1000  # requests that never found a worker
    assert none.wanted_workers == pytest.approx(20 * (0.005 + 0.5 * 30))


@pytest.mark.parametrize("protection", ["timeout", "timeout+breaker", "bulkhead",
                                        "timeout+bulkhead", "timeout+breaker+bulkhead"])
def test_each_working_protection_keeps_the_independent_requests_served(
        runs: dict[str, CascadeRun], protection: str) -> None:
    run = runs[protection]
    assert run.independent_success > 0.99
    assert run.abandoned == 0
    assert run.dependent_success == 0.0  # nothing cures the dependency itself


def test_a_breaker_without_a_timeout_sees_no_failure_and_changes_nothing(
        runs: dict[str, CascadeRun]) -> None:
    breaker, none = runs["breaker"], runs["none"]
    assert breaker.breaker_opens == 0 and breaker.fast_failures == 0
    fields = ("dependent_success", "independent_success", "dependency_calls", "abandoned",
              "peak_busy", "mean_busy", "occupancy")
    assert [getattr(breaker, f) for f in fields] == [getattr(none, f) for f in fields]


def test_timeout_and_breaker_fail_fast_for_the_rest_of_the_incident(
        runs: dict[str, CascadeRun]) -> None:
    timeout, guarded = runs["timeout"], runs["timeout+breaker"]
    assert guarded.breaker_opens == 1  # it opens at 60 s and its trial at 120 s succeeds
    assert timeout.fast_failures == 0 < guarded.fast_failures
    # open for the reset timeout (60 s) while 10 dependent requests a second arrive
    spared = timeout.dependency_calls - guarded.dependency_calls
    assert 500 < spared < 700
    assert abs(guarded.fast_failures - spared) <= 10
    assert guarded.mean_busy < timeout.mean_busy


def test_busy_workers_meet_littles_law_while_the_pool_is_not_full(
        runs: dict[str, CascadeRun]) -> None:
    for protection in ("timeout", "bulkhead", "timeout+bulkhead"):
        run = runs[protection]
        assert run.wanted_workers < SCENARIO.workers
        assert abs(run.mean_busy - run.wanted_workers) < 0.5, protection
    assert runs["bulkhead"].mean_busy <= SCENARIO.bulkhead + 1


def test_wanted_workers_closed_forms() -> None:
    s = Scenario()
    local = 20 * 0.005
    assert s.wanted_workers("none") == pytest.approx(local + 10 * 30)
    assert s.wanted_workers("breaker") == s.wanted_workers("none")
    assert s.wanted_workers("timeout") == pytest.approx(local + 10 * 0.2)
    assert s.wanted_workers("timeout+breaker") == pytest.approx(local)
    assert s.wanted_workers("bulkhead") == pytest.approx(local + 4)
    assert s.wanted_workers("timeout+bulkhead") == pytest.approx(local + 2)
    assert Scenario(timeout=60.0).wanted_workers("timeout") == pytest.approx(local + 300)
    # a timeout longer than the slow calls neither cuts them short nor opens the breaker
    assert Scenario(timeout=60.0).wanted_workers("timeout+breaker") == pytest.approx(
        local + 300)


def test_the_occupancy_series_is_sampled_every_step(runs: dict[str, CascadeRun]) -> None:
    for run in runs.values():
        times = [t for t, _ in run.occupancy]
        assert times == [float(k) for k in range(180)]
        assert all(0 <= busy <= SCENARIO.workers for _, busy in run.occupancy)
        assert run.peak_busy == max(busy for _, busy in run.occupancy)
    none = dict(runs["none"].occupancy)
    assert none[59.0] < 5 and all(none[float(t)] == 10 for t in range(61, 120))
    assert none[125.0] < 5  # the last slow calls were sent before 120 s, when one ended


def test_protections_meet_the_same_requests() -> None:
    quiet = Scenario(slow_latency=0.020)  # an incident that changes nothing
    results = compare(PROTECTIONS, quiet, seed=3)
    assert len({(r.dependency_calls, r.independent_success) for r in results}) == 1
    assert all(r.dependent_success == 1.0 and r.fast_failures == 0 for r in results)


def test_a_slow_call_rate_breaker_opens_without_a_timeout(runs: dict[str, CascadeRun]) -> None:
    def make() -> RateBreaker:
        return RateBreaker(minimum_calls=10, window=10, slow_call_rate_threshold=50,
                           slow_call_duration=1)

    run = cascade("breaker", breaker=make)
    assert run.breaker_opens >= 1 and run.fast_failures > 0
    # it learns only when the first slow calls return, 30 s into the incident
    assert runs["none"].independent_success < run.independent_success < 0.99
    occupancy = dict(run.occupancy)
    assert occupancy[89.0] == 10 and occupancy[95.0] < 10


def test_a_longer_incident_reopens_the_breaker() -> None:
    long = Scenario(slow_until=170.0, horizon=240.0)
    run = cascade("timeout+breaker", long)
    assert run.breaker_opens == 2
    assert run.independent_success > 0.99


def test_protection_names() -> None:
    assert protection_parts("none") == ()
    assert protection_parts("bulkhead+timeout") == ("timeout", "bulkhead")
    assert set(GUARDS) == {"timeout", "breaker", "bulkhead"}
    assert cascade("breaker+timeout").protection == "timeout+breaker"
    for bad in ("", "retry", "timeout+timeout", "none+timeout", "timeout+", None):
        with pytest.raises(TheoryError, match="protection must be 'none' or guards"):
            protection_parts(bad)  # type: ignore[arg-type]


def test_same_seed_same_run_other_seed_other_run() -> None:
    assert cascade("timeout+breaker", seed=4) == cascade("timeout+breaker", seed=4)
    assert cascade("timeout+breaker", seed=4) != cascade("timeout+breaker", seed=5)


def test_each_run_makes_a_fresh_breaker() -> None:
    made: list[CircuitBreaker] = []

    def make() -> CircuitBreaker:
        made.append(CircuitBreaker(fail_max=5, reset_timeout=60))
        return made[-1]

    cascade("timeout+breaker", breaker=make)
    cascade("timeout+breaker", breaker=make)
    assert len(made) == 2 and made[0] is not made[1]
    assert all(b.state == "closed" for b in made)


@settings(max_examples=20)
@given(st.integers(1, 6), st.floats(1, 30), st.floats(0, 1), st.sampled_from(PROTECTIONS),
       st.integers(0, 10**6))
def test_shares_and_occupancy_stay_in_range(workers: int, rate: float, share: float,
                                            protection: str, seed: int) -> None:
    s = Scenario(workers=workers, rate=rate, dependent_share=share, slow_from=5.0,
                 slow_until=10.0, horizon=15.0, bulkhead=1)
    run = cascade(protection, s, seed=seed)
    for value in (run.dependent_success, run.independent_success):
        assert math.isnan(value) or 0.0 <= value <= 1.0
    assert 0 <= run.peak_busy <= workers
    if "bulkhead" in protection:
        assert run.mean_busy <= 1 + rate * 0.005 * 10  # one call slot plus local work


@pytest.mark.parametrize(("make", "message"), [
    (lambda: Scenario(bulkhead=11), "bulkhead must be at most workers"),
    (lambda: Scenario(slow_from=120.0, slow_until=60.0), "slow_from < slow_until"),
    (lambda: Scenario(slow_until=200.0), "<= horizon"),
    (lambda: Scenario(rate=0), "rate must be a positive"),
    (lambda: Scenario(dependent_share=1.5), "dependent_share must lie in"),
    (lambda: Scenario(workers=0), "workers must be a positive"),
    (lambda: Scenario(timeout=0), "timeout must be a positive"),
    (lambda: cascade("none", "scenario"), "scenario must be a Scenario"),  # type: ignore[arg-type]
    (lambda: cascade("none", seed=1.5), "seed must be an integer"),  # type: ignore[arg-type]
    (lambda: cascade("breaker", breaker=5), "makes a circuit breaker, not int"),  # type: ignore[arg-type]
    (lambda: cascade("breaker", breaker=object), "and state\\), not object"),  # type: ignore[arg-type]
    (lambda: compare("timeout"), "protections must be a list"),
])
def test_bad_input_is_refused(make: object, message: str) -> None:
    assert callable(make)
    with pytest.raises(TheoryError, match=message):
        make()
