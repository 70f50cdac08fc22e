"""Strategy 5.3.2 (熔断器模式): CircuitBreaker against pybreaker, RateBreaker against
Resilience4j's rules."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from unittest import mock

import pybreaker
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from msatheory.communication.breaker import (
    STATES,
    Breaker,
    Call,
    CircuitBreaker,
    Decision,
    RateBreaker,
    replay,
)
from msatheory.errors import TheoryError

F = Fraction


def sync(breaker: Breaker, at: object, *outcomes: bool, duration: object = 0) -> list[bool]:
    """Synchronous calls at ``at``: each asks, and records its outcome if admitted."""
    admitted = []
    for success in outcomes:
        ok = breaker.allow(at)  # type: ignore[arg-type]
        if ok:
            breaker.record(success, at, duration)  # type: ignore[arg-type]
        admitted.append(ok)
    return admitted


# --- CircuitBreaker: every transition ------------------------------------------------

def test_pybreaker_defaults() -> None:
    assert repr(CircuitBreaker()) == \
        "CircuitBreaker(fail_max=5, reset_timeout=60, state='closed', failures=0)"


def test_closed_counts_consecutive_failures() -> None:
    breaker = CircuitBreaker(fail_max=3, reset_timeout=10)
    sync(breaker, 0, False, False, True, False, False)
    assert (breaker.state, breaker.failures) == ("closed", 2)  # the success set it back
    sync(breaker, 1, False)
    assert (breaker.state, breaker.failures) == ("open", 3)  # the third in a row opens it


def test_open_refuses_until_the_timeout_then_admits_one_trial() -> None:
    """pybreaker refuses while ``now < opened_at + reset_timeout``: at the instant itself
    the trial call goes through."""
    breaker = CircuitBreaker(fail_max=1, reset_timeout=10)
    sync(breaker, 5, False)
    assert [breaker.allow(at) for at in (5, 10, F(149, 10))] == [False, False, False]
    assert breaker.state == "open"
    assert breaker.allow(15) and breaker.state == "half-open"
    assert [breaker.allow(15), breaker.allow(100)] == [False, False]  # one trial at a time
    assert breaker.in_flight == 1


def test_half_open_success_closes() -> None:
    breaker = CircuitBreaker(fail_max=2, reset_timeout=10)
    sync(breaker, 0, False, False)
    assert breaker.allow(10)
    breaker.record(True, 12)
    assert (breaker.state, breaker.failures) == ("closed", 0)
    assert sync(breaker, 12, False) == [True] and breaker.state == "closed"


def test_half_open_failure_reopens_with_a_new_timer() -> None:
    breaker = CircuitBreaker(fail_max=2, reset_timeout=10)
    sync(breaker, 0, False, False)
    assert breaker.allow(10)
    breaker.record(False, 13)  # the timer runs from this failure: 13 + 10
    assert breaker.state == "open"
    assert [breaker.allow(at) for at in (20, 22)] == [False, False]
    assert breaker.allow(23) and breaker.state == "half-open"


def test_reset_timeout_zero_admits_the_trial_at_once() -> None:
    breaker = CircuitBreaker(fail_max=1, reset_timeout=0)
    sync(breaker, 4, False)
    assert breaker.state == "open"
    assert breaker.allow(4) and breaker.state == "half-open"


def test_outcomes_recorded_while_open_change_nothing() -> None:
    """Two calls out when the breaker opens: their outcomes find it open and are not
    counted (Resilience4j's OpenState records them in metrics it then discards)."""
    breaker = CircuitBreaker(fail_max=1, reset_timeout=10)
    assert breaker.allow(0) and breaker.allow(0) and breaker.allow(0)
    breaker.record(False, 1)
    breaker.record(True, 2)
    breaker.record(False, 3)
    assert (breaker.state, breaker.failures, breaker.in_flight) == ("open", 1, 0)
    assert not breaker.allow(10) and breaker.allow(11)  # the timer ran from 1


def test_an_outcome_is_judged_by_the_state_it_finds() -> None:
    """A call admitted while closed that returns during half-open decides it, as in
    Resilience4j; the trial call's own outcome then meets the closed breaker."""
    breaker = CircuitBreaker(fail_max=1, reset_timeout=10)
    assert breaker.allow(0) and breaker.allow(0)
    breaker.record(False, 0)
    assert breaker.allow(10) and breaker.state == "half-open"
    breaker.record(True, 11)  # the old call, not the trial
    assert breaker.state == "closed" and breaker.in_flight == 1
    breaker.record(False, 12)  # the trial call, now counted as closed
    assert breaker.state == "open"


# --- CircuitBreaker against pybreaker ------------------------------------------------

BASE = datetime(2026, 1, 1, tzinfo=UTC)


class _Now(datetime):
    """pybreaker's ``datetime``, reading a virtual clock (seconds after BASE)."""

    seconds: float = 0

    @classmethod
    def now(cls, tz: object = None) -> datetime:  # type: ignore[override]
        return BASE + timedelta(seconds=cls.seconds)


class _Boom(Exception):
    """The protected call failed."""


def pybreaker_run(fail_max: int, reset_timeout: int,
                  calls: Sequence[tuple[int, bool]]) -> list[tuple[bool, str, int]]:
    """pybreaker 1.4.1 on synchronous calls, its clock (``datetime.now``) virtual: for
    each call, whether the function ran, the state after and the failure counter."""
    out = []
    with mock.patch.object(pybreaker, "datetime", _Now):
        breaker = pybreaker.CircuitBreaker(fail_max=fail_max, reset_timeout=reset_timeout)
        for at, success in calls:
            _Now.seconds = at
            ran: list[int] = []

            def protected(success: bool = success, ran: list[int] = ran) -> None:
                ran.append(1)
                if not success:
                    raise _Boom

            with contextlib.suppress(_Boom, pybreaker.CircuitBreakerError):
                breaker.call(protected)
            out.append((bool(ran), breaker.current_state, breaker.fail_counter))
    return out


def gaps_to_times(gaps: Sequence[tuple[int, bool]]) -> list[tuple[int, bool]]:
    times, now = [], 0
    for gap, success in gaps:
        now += gap
        times.append((now, success))
    return times


def test_pybreaker_harness_reads_the_virtual_clock() -> None:
    run = pybreaker_run(1, 10, [(0, False), (9, True), (10, True)])
    assert run == [(True, "open", 1), (False, "open", 1), (True, "closed", 0)]


@settings(max_examples=200)
@given(st.integers(1, 4), st.sampled_from([0, 1, 2, 5]),
       st.lists(st.tuples(st.sampled_from([0, 0, 1, 2, 3, 5]), st.booleans()), max_size=40))
def test_same_decisions_as_pybreaker(fail_max: int, reset_timeout: int,
                                     gaps: list[tuple[int, bool]]) -> None:
    """Same admissions and same state after every call; the same failure count while
    closed (pybreaker's counter also counts failed trial calls once open)."""
    calls = gaps_to_times(gaps)
    theirs = pybreaker_run(fail_max, reset_timeout, calls)
    ours = replay(CircuitBreaker(fail_max, reset_timeout), [Call(at, ok) for at, ok in calls])
    breaker = CircuitBreaker(fail_max, reset_timeout)
    for (at, success), (ran, state, counter), decision in zip(calls, theirs, ours,
                                                              strict=True):
        assert (decision.admitted, decision.after) == (ran, state)
        sync(breaker, at, success)
        if state == "closed":
            assert breaker.failures == counter


# --- RateBreaker: Resilience4j's rules, by hand --------------------------------------

def test_resilience4j_defaults() -> None:
    breaker = RateBreaker()
    assert (breaker.failure_rate_threshold, breaker.minimum_calls, breaker.window,
            breaker.wait_in_open, breaker.permitted_in_half_open,
            breaker.slow_call_rate_threshold, breaker.slow_call_duration) \
        == (50, 100, 100, 60, 10, 100, 60)
    assert repr(breaker) == (
        "RateBreaker(failure_rate_threshold=50.0, minimum_calls=100, window=100, "
        "wait_in_open=60, permitted_in_half_open=10, slow_call_rate_threshold=100.0, "
        "slow_call_duration=60, state='closed', kept=0)")


def test_five_failures_of_ten_open_at_the_tenth_call() -> None:
    breaker = RateBreaker(minimum_calls=10, window=10)
    sync(breaker, 0, *[False] * 5, *[True] * 4)
    assert breaker.state == "closed"  # 9 calls: below the minimum, whatever the rate
    sync(breaker, 0, True)
    assert breaker.state == "open"  # 5 of 10 = 50% >= 50%


def test_four_failures_of_ten_do_not() -> None:
    breaker = RateBreaker(minimum_calls=10, window=10)
    sync(breaker, 0, *[False] * 4, *[True] * 6)
    assert breaker.state == "closed" and len(breaker.outcomes) == 10


def test_default_breaker_opens_at_the_hundredth_call() -> None:
    breaker = RateBreaker()
    sync(breaker, 0, *[False] * 99)
    assert breaker.state == "closed"
    sync(breaker, 0, True)
    assert breaker.state == "open"


def test_minimum_is_capped_by_the_window() -> None:
    """Resilience4j: ``Math.min(minimumNumberOfCalls, slidingWindowSize)``."""
    breaker = RateBreaker(minimum_calls=200, window=4)
    sync(breaker, 0, True, True, False)
    assert breaker.state == "closed"
    sync(breaker, 0, False)
    assert breaker.state == "open"


def test_the_window_slides() -> None:
    """ok, fail, ok, ok is 25%; one more failure pushes the first ok out: fail, ok, ok,
    fail is 50%."""
    breaker = RateBreaker(minimum_calls=4, window=4)
    sync(breaker, 0, True, False, True, True)
    assert breaker.state == "closed"
    sync(breaker, 0, False)
    assert breaker.state == "open"


def test_a_call_is_slow_only_beyond_the_duration() -> None:
    """Resilience4j counts a call slow when ``duration > slowCallDurationThreshold``."""
    breaker = RateBreaker(minimum_calls=2, window=2, slow_call_rate_threshold=50,
                          slow_call_duration=2)
    sync(breaker, 0, True, True, duration=2)
    assert breaker.state == "closed" and breaker.outcomes == ("ok", "ok")
    sync(breaker, 0, True, duration=F(201, 100))
    assert breaker.state == "open"  # ok, slow ok: 50% slow


def test_slow_failures_count_in_both_rates() -> None:
    breaker = RateBreaker(minimum_calls=3, window=3, failure_rate_threshold=100,
                          slow_call_rate_threshold=100, slow_call_duration=1)
    sync(breaker, 0, False, False, duration=5)
    assert breaker.outcomes == ("slow fail", "slow fail")
    sync(breaker, 0, True, duration=5)
    assert breaker.state == "open"  # failures 2/3 < 100%, slow calls 3/3


def test_open_waits_strictly_longer_than_wait_in_open() -> None:
    """Resilience4j moves to half-open when ``now.isAfter(openedAt + wait)``: at the
    instant itself the call is still refused (pybreaker admits it)."""
    breaker = RateBreaker(minimum_calls=1, window=1, wait_in_open=10)
    sync(breaker, 5, False)
    assert breaker.state == "open"
    assert [breaker.allow(5), breaker.allow(15)] == [False, False]
    assert breaker.allow(F(1501, 100)) and breaker.state == "half-open"


def test_half_open_admits_the_permitted_calls_and_decides_on_them() -> None:
    breaker = RateBreaker(minimum_calls=4, window=4, wait_in_open=10,
                          permitted_in_half_open=3)
    sync(breaker, 0, False, False, False, False)
    assert [breaker.allow(11) for _ in range(5)] == [True, True, True, False, False]
    breaker.record(False, 12)
    breaker.record(True, 12)
    assert breaker.state == "half-open"  # 2 of 3 outcomes: undecided
    breaker.record(True, 12)
    assert breaker.state == "closed"  # 1 of 3 failed: 33% < 50%
    assert breaker.outcomes == ()  # a fresh window


def test_half_open_failure_rate_reopens_with_a_new_timer() -> None:
    breaker = RateBreaker(minimum_calls=4, window=4, wait_in_open=10,
                          permitted_in_half_open=3)
    sync(breaker, 0, False, False, False, False)
    assert sync(breaker, 11, False, False, True) == [True, True, True]
    assert breaker.state == "open"  # 2 of 3 = 67%
    assert not breaker.allow(21) and breaker.allow(F(43, 2))


def test_half_open_minimum_is_capped_by_the_permitted_calls() -> None:
    """Resilience4j judges half-open with ``min(minimumNumberOfCalls, permitted)``: with
    a minimum of 2 and 3 permitted calls, two outcomes decide, and the third trial call's
    outcome is counted by the closed breaker."""
    breaker = RateBreaker(minimum_calls=2, window=2, wait_in_open=10,
                          permitted_in_half_open=3)
    sync(breaker, 0, False, False)
    assert [breaker.allow(11) for _ in range(3)] == [True, True, True]
    breaker.record(True, 12)
    assert breaker.state == "half-open"
    breaker.record(True, 12)
    assert breaker.state == "closed" and breaker.in_flight == 1
    breaker.record(False, 13)
    assert breaker.outcomes == ("fail",) and breaker.state == "closed"


def test_rate_breaker_ignores_outcomes_while_open() -> None:
    breaker = RateBreaker(minimum_calls=1, window=1, wait_in_open=10)
    assert breaker.allow(0) and breaker.allow(0)
    breaker.record(False, 0)
    breaker.record(True, 1)
    assert breaker.state == "open" and breaker.outcomes == () and breaker.in_flight == 0


def test_thresholds_are_reached_with_equality_exactly() -> None:
    """1 failure in 3 calls against a threshold of 100/3 percent: exact arithmetic
    opens it (Resilience4j's float arithmetic rounds both sides alike here)."""
    breaker = RateBreaker(failure_rate_threshold=100 / 3, minimum_calls=3, window=3)
    sync(breaker, 0, True, True, False)
    assert breaker.state == "open"


# --- RateBreaker: invariants over every interleaving ---------------------------------

class RateBreakerMachine(RuleBasedStateMachine):
    """Calls that start, return (ok or failed, fast or slow) and wait, in any order. The
    machine keeps its own record of when the breaker opened, the trial calls of half-open
    and the closed window, and checks the breaker against Resilience4j's rules."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 0
        self.breaker = RateBreaker()
        self.opened_at: int | None = None
        self.trials = 0
        self.closed: list[tuple[bool, bool]] = []

    @initialize(threshold=st.sampled_from([25, 50, 100]), minimum=st.integers(1, 4),
                window=st.integers(1, 4), wait=st.integers(1, 3), permitted=st.integers(1, 3),
                slow_threshold=st.sampled_from([50, 100]))
    def build(self, threshold: int, minimum: int, window: int, wait: int, permitted: int,
              slow_threshold: int) -> None:
        self.breaker = RateBreaker(threshold, minimum, window, wait, permitted,
                                   slow_call_rate_threshold=slow_threshold,
                                   slow_call_duration=1)

    @rule(dt=st.integers(0, 3))
    def advance(self, dt: int) -> None:
        self.now += dt

    @rule()
    def start(self) -> None:
        before = self.breaker.state
        admitted = self.breaker.allow(self.now)
        if before == "open":
            assert self.opened_at is not None
            waited = self.now > self.opened_at + self.breaker.wait_in_open
            assert admitted == waited  # never before the wait; the first call after it
            self.trials = 0
        if self.breaker.state == "half-open" and admitted:
            self.trials += 1
        if before == "closed":
            assert admitted

    @precondition(lambda self: self.breaker.in_flight > 0)
    @rule(success=st.booleans(), slow=st.booleans())
    def finish(self, success: bool, slow: bool) -> None:
        before = self.breaker.state
        self.breaker.record(success, self.now, 2 if slow else 1)
        after = self.breaker.state
        if before == "closed":
            self.closed = [*self.closed, (not success, slow)][-self.breaker.window:]
            kept = len(self.closed)
            failed = sum(f for f, _ in self.closed)
            slowed = sum(s for _, s in self.closed)
            opens = kept >= min(self.breaker.minimum_calls, self.breaker.window) and (
                F(failed * 100, kept) >= self.breaker.failure_rate_threshold
                or F(slowed * 100, kept) >= self.breaker.slow_call_rate_threshold)
            assert after == ("open" if opens else "closed")
        if before == "open":
            assert after == "open"
        if after == "open" and before != "open":
            self.opened_at = self.now
        if after != before:
            self.closed = []
        if after != "half-open":
            self.trials = 0

    @invariant()
    def half_open_admits_at_most_the_permitted_calls(self) -> None:
        assert self.trials <= self.breaker.permitted_in_half_open

    @invariant()
    def state_is_named(self) -> None:
        assert self.breaker.state in STATES


RateBreakerMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=40)
TestRateBreakerMachine = RateBreakerMachine.TestCase


# --- the contract --------------------------------------------------------------------

def test_both_satisfy_the_breaker_protocol() -> None:
    breakers: list[Breaker] = [CircuitBreaker(), RateBreaker()]
    assert [b.allow(0) for b in breakers] == [True, True]
    for b in breakers:
        b.record(True, 0)
    assert [b.state for b in breakers] == ["closed", "closed"]


def test_replay_reports_each_decision() -> None:
    decisions = replay(CircuitBreaker(fail_max=2, reset_timeout=10),
                       [Call(0, False), Call(1, False), Call(2, True), Call(11, False),
                        Call(21, True)])
    assert decisions == (
        Decision(0, False, True, "closed", "closed"),
        Decision(1, False, True, "closed", "open"),
        Decision(2, True, False, "open", "open"),
        Decision(11, False, True, "open", "open"),
        Decision(21, True, True, "open", "closed"),
    )


@pytest.mark.parametrize(("build", "message"), [
    (lambda: CircuitBreaker(fail_max=0),
     "CircuitBreaker: fail_max must be a positive whole number, not 0"),
    (lambda: CircuitBreaker(reset_timeout=-1),
     "CircuitBreaker: reset_timeout must be a non-negative finite number of seconds, not -1"),
    (lambda: RateBreaker(failure_rate_threshold=0),
     "RateBreaker: failure_rate_threshold must be a positive finite number, not 0"),
    (lambda: RateBreaker(slow_call_rate_threshold=101),
     "RateBreaker: slow_call_rate_threshold must be a percentage in (0, 100], not 101"),
    (lambda: RateBreaker(minimum_calls=0),
     "RateBreaker: minimum_calls must be a positive whole number, not 0"),
    (lambda: RateBreaker(window=2.0),  # type: ignore[arg-type]
     "RateBreaker: window must be a positive whole number, not 2.0"),
    (lambda: RateBreaker(wait_in_open=0),
     "RateBreaker: wait_in_open must be a positive finite number of seconds, not 0"),
    (lambda: RateBreaker(permitted_in_half_open=0),
     "RateBreaker: permitted_in_half_open must be a positive whole number, not 0"),
    (lambda: RateBreaker(slow_call_duration=float("inf")),
     "RateBreaker: slow_call_duration must be a positive finite number of seconds, not inf"),
    (lambda: CircuitBreaker().allow("now"),  # type: ignore[arg-type]
     "CircuitBreaker: now must be a non-negative finite number of seconds, not 'now'"),
    (lambda: CircuitBreaker().record(True, 3),
     "CircuitBreaker: record at 3 reports a call that allow() did not admit (no admitted "
     "call is waiting for its outcome)"),
    (lambda: RateBreaker().record("yes", 3),  # type: ignore[arg-type]
     "RateBreaker: success must be a bool, not 'yes'"),
    (lambda: replay(CircuitBreaker(), [(0, True)]),  # type: ignore[list-item]
     "replay: calls holds (0, True), not a Call"),
])
def test_bad_input_is_a_theory_error(build: Callable[[], object], message: str) -> None:
    with pytest.raises(TheoryError) as raised:
        build()
    assert str(raised.value) == message


@pytest.mark.parametrize("make", [CircuitBreaker, RateBreaker])
def test_time_must_not_go_backwards(make: Callable[[], CircuitBreaker | RateBreaker]) -> None:
    breaker = make()
    assert breaker.allow(5)
    name = type(breaker).__name__
    with pytest.raises(TheoryError, match=rf"^{name}: now must not go backwards, "
                                          r"not 4 after 5$"):
        breaker.allow(4)
    with pytest.raises(TheoryError, match=rf"^{name}: now must not go backwards, "
                                          r"not 4.5 after 5$"):
        breaker.record(True, 4.5)
    assert breaker.in_flight == 1  # the refused record left the call in flight
