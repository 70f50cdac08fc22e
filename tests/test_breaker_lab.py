"""The breaker lab (msatheory.communication.lab): Strategies 5.3.1 and 5.3.2 over time."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory.communication.breaker import STATES, CircuitBreaker, RateBreaker
from msatheory.communication.lab import (
    ATTEMPTS,
    BREAKERS,
    PROFILES,
    RETRIES,
    BreakerRun,
    Phase,
    arrivals,
    make_breaker,
    outcome_grid,
    profile,
    retry_comparison,
    run,
)
from msatheory.errors import TheoryError

FAILING = (Phase(0, 1.0, 50),)
HEALTHY = (Phase(0, 0.0, 50),)


def after(start: float, seed: int = 0) -> list[float]:
    """The arrivals of the lab's default stream from ``start`` on."""
    return [t for t in arrivals(seed) if t >= start]


# -- what every run holds ----------------------------------------------------------------------

def accounted(r: BreakerRun) -> None:
    """Every request ends once, every series sums to its total, states are valid."""
    s = r.summary
    assert s.requests == sum(r.requests) == len(arrivals(r.seed, r.rate, r.span))
    assert s.requests == s.succeeded + s.failed + s.rejected
    assert (s.succeeded, s.failed, s.rejected) == (sum(r.succeeded), sum(r.failed),
                                                   sum(r.rejected))
    assert s.attempts == sum(r.first) + sum(r.retries) == sum(r.sent)
    assert s.retries == sum(r.retries)
    assert sum(r.first) <= s.requests and s.attempts <= ATTEMPTS * s.requests
    assert len({len(r.requests), len(r.first), len(r.retries), len(r.rejected),
                len(r.succeeded), len(r.failed), len(r.states)}) == 1
    assert len(r.requests) >= r.span
    assert set(r.states) <= set(STATES)
    assert all(state in STATES for _, state in r.transitions)
    times = [t for t, _ in r.transitions]
    assert times == sorted(times)
    assert all(a[1] != b[1] for a, b in zip(r.transitions, r.transitions[1:], strict=False))


@pytest.mark.parametrize("name", list(PROFILES))
@pytest.mark.parametrize("breaker", list(BREAKERS))
def test_every_request_ends_once_in_every_preset(name, breaker):
    for r in retry_comparison(name, breaker=breaker):
        accounted(r)


@settings(max_examples=50)
@given(phases=st.lists(st.tuples(st.integers(1, 39), st.sampled_from([0.0, 0.3, 1.0]),
                                 st.sampled_from([20, 700, 1500])), max_size=3),
       breaker=st.sampled_from(list(BREAKERS)), retry=st.sampled_from(list(RETRIES)),
       seed=st.integers(0, 5))
def test_any_profile_accounts_for_every_request(phases, breaker, retry, seed):
    steps = [Phase(0, 0.0, 50)] + [Phase(start, rate, latency) for start, rate, latency in
                                   sorted({p[0]: p for p in phases}.values())]
    r = run(steps, breaker=breaker, retry=retry, seed=seed, rate=8, span=40)
    accounted(r)
    if breaker == "none":
        assert r.summary.rejected == 0 and r.first == r.requests
        assert set(r.states) == {"closed"} and r.transitions == ()
    if retry == "no retry":
        assert r.summary.retries == 0


run_with = pytest.mark.parametrize("retry", list(RETRIES))


# -- closed forms ------------------------------------------------------------------------------

@run_with
def test_a_dependency_that_always_fails_gets_every_attempt(retry):
    r = run(FAILING, breaker="none", retry=retry, span=60)
    attempts = 1 if retry == "no retry" else ATTEMPTS
    s = r.summary
    assert (s.succeeded, s.failed, s.rejected) == (0, s.requests, 0)
    assert s.attempts == attempts * s.requests and s.retries == (attempts - 1) * s.requests
    assert s.load == attempts and s.success_rate == 0.0


@run_with
def test_a_healthy_dependency_needs_one_attempt_a_request(retry):
    for breaker in BREAKERS:
        s = run(HEALTHY, breaker=breaker, retry=retry, span=60).summary
        assert (s.succeeded, s.attempts, s.retries, s.rejected) == (s.requests,) * 2 + (0, 0)
        assert s.success_rate == 1.0 and s.load is None and s.detect is None


def test_retries_deliver_one_minus_f_cubed_of_independent_failures():
    f = 0.5
    s = run((Phase(0, f, 50),), breaker="none", retry="exponential", span=300).summary
    expected = 1 - f ** ATTEMPTS
    sd = math.sqrt(expected * (1 - expected) / s.requests)
    assert abs(s.success_rate - expected) < 4 * sd
    assert abs(s.attempts / s.requests - (1 + f + f * f)) < 0.05
    assert run((Phase(0, f, 50),), breaker="none", retry="no retry").summary.success_rate == (
        pytest.approx(1 - f, abs=0.03))


def test_the_consecutive_breaker_opens_at_the_fifth_failure_and_waits_ten_seconds():
    r = run("outage", breaker="consecutive", retry="no retry")
    coming = after(30)
    opened = round(coming[4] + 0.05, 3)  # the fifth attempt after 30 s fails 50 ms later
    assert r.transitions[0] == (opened, "open")
    trial = round(next(t for t in coming if t >= opened + 10), 3)
    assert r.transitions[1:3] == ((trial, "half-open"), (round(trial + 0.05, 3), "open"))
    assert r.summary.detect == round(opened - 30, 3) == 0.39
    # while open, nothing but the trial reaches the dependency
    assert sum(r.sent[int(opened) + 1:int(trial)]) == 0


def test_the_rate_breaker_opens_when_half_its_window_fails():
    r = run("outage", breaker="rate", retry="no retry")
    assert r.transitions[0] == (round(after(30)[9] + 0.05, 3), "open")
    half_open = [k for k, (_, s) in enumerate(r.transitions) if s == "half-open"]
    assert half_open and all(r.transitions[k + 1][1] == "open" for k in half_open[:-1])


def test_a_timeout_delays_detection_by_the_timeout():
    r = run("slow", breaker="consecutive", retry="no retry")
    assert r.transitions[0] == (round(after(30)[4] + 1.0, 3), "open")
    assert r.summary.detect == 1.34


def test_only_the_rate_breaker_sees_slow_successes():
    slow = profile("outage", 0.0, 800)  # slower than 500 ms, faster than the timeout
    consecutive = run(slow, breaker="consecutive", retry="no retry")
    assert consecutive.transitions == () and consecutive.summary.success_rate == 1.0
    rate = run(slow, breaker="rate", retry="no retry")
    assert rate.transitions[0] == (round(after(30)[19] + 0.8, 3), "open")  # 20 of 20 slow
    assert rate.summary.success_rate == 0.4589  # a breaker that cuts off slow successes


def test_the_breaker_closes_after_the_recovery():
    r = run("outage", breaker="consecutive", retry="exponential")
    closing = next(t for t, s in r.transitions if s == "closed" and t > 120)
    assert r.summary.close == round(closing - 120, 3) == 1.466
    assert r.states[121:] == ("closed",) * (len(r.states) - 121)
    assert r.states[31:121] == ("open",) * 90


def test_states_are_the_state_at_the_end_of_each_second():
    r = run("flapping", breaker="rate", retry="full jitter")
    for second in range(len(r.states)):
        before = [s for t, s in r.transitions if t < second + 1]
        assert r.states[second] == (before[-1] if before else "closed")


# -- what the lesson quotes --------------------------------------------------------------------

def test_the_grid_on_the_outage():
    grid = {(s.breaker, s.retry): s for s in outcome_grid("outage")}
    assert list(grid) == [(b, r) for b in BREAKERS for r in RETRIES]
    assert [grid["none", r].load for r in RETRIES] == [1.0, 2.988, 2.994]
    assert [grid[b, "exponential"].load for b in BREAKERS] == [2.988, 0.008, 0.028]
    assert [grid[b, "exponential"].success_rate for b in BREAKERS] == [0.5098, 0.4955,
                                                                       0.4905]
    assert [(grid[b, "exponential"].detect, grid[b, "exponential"].close)
            for b in BREAKERS] == [(None, None), (0.39, 1.466), (0.539, 2.638)]
    assert grid["none", "exponential"].attempts == 7234
    for (b, r), summary in grid.items():
        assert summary == run("outage", breaker=b, retry=r).summary


def test_a_flapping_dependency_trades_successes_for_protection():
    grid = {(s.breaker, s.retry): s for s in outcome_grid("flapping")}
    bare, guarded = grid["none", "exponential"], grid["consecutive", "exponential"]
    assert (bare.success_rate, guarded.success_rate) == (0.765, 0.6584)
    assert (bare.load, guarded.load) == (2.93, 0.026)
    assert guarded.close == 5.472  # the last outage's trial came 5.5 s after it ended


def test_runs_share_their_arrivals_and_repeat_for_a_seed():
    runs = retry_comparison("flapping", breaker="rate", seed=4)
    assert [r.retry for r in runs] == list(RETRIES)
    assert len({r.requests[:180] for r in runs}) == 1  # a run lasts until its last request ends
    assert runs[1] == run("flapping", breaker="rate", retry="exponential", seed=4)
    assert run("flapping", seed=5).requests != runs[0].requests
    assert repr(runs[1]) == ("BreakerRun(breaker='rate', retry='exponential', seed=4, rate=20, "
                             "span=180, phases=7, seconds=181, transitions="
                             f"{len(runs[1].transitions)})")


def test_presets_and_their_overrides():
    assert profile("flapping") == (
        Phase(0, 0, 50), Phase(30, 1, 50), Phase(45, 0, 50), Phase(70, 1, 50),
        Phase(85, 0, 50), Phase(110, 1, 50), Phase(125, 0, 50))
    assert profile("slow")[1] == Phase(30, 0.0, 2000)
    assert profile("slow", 0.3, 100)[1] == Phase(30, 0.3, 100)
    assert run("flapping").outages() == ((30, 45), (70, 85), (110, 125))
    assert run(FAILING, breaker="none", span=10).outages() == ((0, len(
        run(FAILING, breaker="none", span=10).requests)),)
    rate = make_breaker("rate")
    assert isinstance(rate, RateBreaker) and (
        rate.failure_rate_threshold, rate.minimum_calls, rate.window, rate.wait_in_open,
        rate.permitted_in_half_open, rate.slow_call_duration) == (50, 20, 20, 10, 5, 0.5)
    consecutive = make_breaker("consecutive")
    assert isinstance(consecutive, CircuitBreaker)
    assert (consecutive.fail_max, consecutive.reset_timeout) == (5, 10)
    assert make_breaker("none") is None


# -- bad input ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("call", "message"), [
    (lambda: run("blackout"), "run: phases must be one of outage, slow, flapping, not 'blackout'"),
    (lambda: run(breaker="hystrix"), "run: breaker must be one of none, consecutive, rate"),
    (lambda: run(retry="linear"), "run: retry must be one of no retry, exponential, full jitter"),
    (lambda: run([Phase(5, 0, 50)]), "phases must begin with a phase starting at 0"),
    (lambda: run([Phase(0, 0, 50), Phase(10, 1, 50), Phase(10, 0, 50)]),
     "phases must start in increasing order, not 10.0 after 10.0"),
    (lambda: run(["healthy"]), "run: phases holds 'healthy', not a Phase"),
    (lambda: run(rate=0), "run: rate must be a positive finite number, not 0"),
    (lambda: run(span=0), "run: span must be a positive whole number, not 0"),
    (lambda: run(seed=1.5), "run: seed must be an integer, not 1.5"),
    (lambda: Phase(0, 1.5, 50), r"Phase: failure_rate must lie in \[0, 1\], not 1.5"),
    (lambda: Phase(0, 0, -1), "Phase: latency_ms must be a non-negative finite number"),
    (lambda: profile("outage", latency_ms=math.inf), "profile: latency_ms must be"),
    (lambda: make_breaker("pybreaker"), "make_breaker: breaker must be one of"),
    (lambda: retry_comparison(rate=-1), "retry_comparison: rate must be a positive"),
    (lambda: outcome_grid(span=2.5), "outcome_grid: span must be a positive whole number"),
    (lambda: arrivals("0"), "arrivals: seed must be an integer"),
])
def test_bad_input_is_named(call, message):
    with pytest.raises(TheoryError, match=message):
        call()
