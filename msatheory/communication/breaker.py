"""Strategy 5.3.2 (熔断器模式): two circuit breakers, as two production libraries build them.

The theory asks the caller to "fail fast when a service is unavailable, to avoid cascading
failures". A circuit breaker does it with three states: **closed** (calls go through and
their outcomes are counted), **open** (calls are refused at once, without reaching the
service) and **half-open** (after a wait, a few trial calls go through and their outcomes
decide between closing and opening again). The two breakers here are two ways to count:

* :class:`CircuitBreaker` counts consecutive failures, as ``pybreaker`` does: ``fail_max``
  of them open it; ``reset_timeout`` seconds later one trial call decides;
* :class:`RateBreaker` counts rates over the last ``window`` calls, as Resilience4j's
  count-based sliding window does: it opens when the failure rate or the slow-call rate
  reaches its threshold, and ``permitted_in_half_open`` trial calls decide.

Both answer two questions on a virtual clock: ``allow(now)``, may a call be sent at
``now`` (an admitted call in half-open is a trial call), and ``record(success, now,
duration)``, the outcome of a call ``allow`` admitted. :class:`Breaker` is that contract.
:func:`replay` runs a breaker over scripted calls and returns what it decided.

Conventions: times are seconds (an int, a :class:`~fractions.Fraction` or a float) and
never go backwards for one breaker. Calls may overlap: ``allow`` admits a call and its
``record`` may come later, after other calls. An outcome is judged by the state the
breaker is in when it is recorded, as Resilience4j's state machine judges it; an outcome
recorded while the breaker is open changes nothing.

The module stops at one breaker's decisions. It does not make calls, time them out or
retry them (Strategy 5.3.1), and it does not share a breaker's state between processes.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol, TypeGuard

from msatheory.errors import (
    TheoryError,
    require_count,
    require_instance,
    require_items,
    require_number,
    require_time,
)

__all__ = [
    "STATES",
    "Breaker",
    "Call",
    "CircuitBreaker",
    "Decision",
    "RateBreaker",
    "replay",
]

Time = int | Fraction | float
"""Seconds on a virtual clock: exact as an int or a Fraction, approximate as a float."""

STATES = ("closed", "open", "half-open")
"""The states of a circuit breaker, by the names pybreaker gives them."""


class Breaker(Protocol):
    """Strategy 5.3.2 (熔断器模式): what a circuit breaker answers.

    ``allow(now)`` says whether a call may be sent at ``now`` (and counts it, if it is a
    trial call); ``record(success, now, duration)`` reports the outcome of a call that
    ``allow`` admitted; ``state`` is one of :data:`STATES`.
    """

    @property
    def state(self) -> str:
        """One of :data:`STATES`."""
        ...

    def allow(self, now: Time) -> bool:
        """Whether a call may be sent at ``now``."""
        ...

    def record(self, success: bool, now: Time, duration: Time = 0) -> None:
        """The outcome of an admitted call, reported at ``now``."""
        ...


def _plain_time(value: object) -> TypeGuard[int | float]:
    """Whether ``value`` is an int or float time that :func:`require_time` would accept as
    it is: the check every call makes, done without building a message."""
    return isinstance(value, int | float) and not isinstance(value, bool) \
        and 0 <= value < math.inf


class _Clocked:
    """What both breakers keep besides their counters: the last time they were asked
    (only to refuse a clock that goes backwards) and how many admitted calls have not
    reported an outcome yet."""

    def __init__(self) -> None:
        self._last: Time | None = None
        self._in_flight = 0

    def _tick(self, now: object) -> Time:
        """``now`` checked: a time, not before the last one this breaker was given."""
        at = now if _plain_time(now) else require_time(type(self).__name__, "now", now)
        if self._last is not None and at < self._last:
            raise TheoryError(f"{type(self).__name__}: now must not go backwards, not {at!r} "
                              f"after {self._last!r}")
        self._last = at
        return at

    def _outcome(self, success: object, now: object, duration: object) -> tuple[Time, Time]:
        """The checks of ``record``: a bool outcome, a time, a duration, and an admitted
        call still in flight to report it for. Returns ``(now, duration)``."""
        owner = type(self).__name__
        if success is not True and success is not False:
            require_instance(owner, "success", success, bool)
        length = duration if _plain_time(duration) else require_time(owner, "duration", duration)
        if self._in_flight == 0:
            raise TheoryError(f"{owner}: record at {now!r} reports a call that allow() did "
                              "not admit (no admitted call is waiting for its outcome)")
        at = self._tick(now)
        self._in_flight -= 1
        return at, length

    @property
    def in_flight(self) -> int:
        """How many admitted calls have not reported their outcome yet."""
        return self._in_flight


class CircuitBreaker(_Clocked):
    """Strategy 5.3.2 (熔断器模式) by consecutive failures, with pybreaker's semantics.

    Closed, it admits every call and counts consecutive failures (a success sets the count
    back to 0); the failure that brings the count to ``fail_max`` opens it, at the time that
    failure is recorded. Open, it refuses calls while ``now < opened + reset_timeout``; the
    first call at or after that instant moves it to half-open and is admitted as the one
    trial call. Half-open, it refuses every other call until an outcome is recorded: a
    success closes it (count 0), a failure opens it again with a new timer.

    pybreaker holds a lock for the whole of a call, so a second caller waits for the trial
    call to finish and then meets the closed or open breaker. A breaker that answers
    ``allow`` at once cannot make a caller wait; it refuses the call instead.

    Parameters
    ----------
    fail_max : int
        Consecutive failures that open the breaker (>= 1). pybreaker's default, 5.
    reset_timeout : int, Fraction or float
        Seconds the breaker stays open before a trial call (>= 0). pybreaker's default, 60.

    Raises
    ------
    TheoryError
        On a bad parameter; from ``allow`` or ``record`` when ``now`` goes backwards;
        from ``record`` when no admitted call is waiting for its outcome.

    Examples
    --------
    >>> breaker = CircuitBreaker(fail_max=2, reset_timeout=10)
    >>> breaker.allow(0), breaker.record(False, 0), breaker.allow(1), breaker.record(False, 1)
    (True, None, True, None)
    >>> breaker.state, breaker.allow(10), breaker.allow(11), breaker.state
    ('open', False, True, 'half-open')
    >>> breaker.allow(11)  # one trial call at a time
    False
    >>> breaker.record(True, 12); breaker
    CircuitBreaker(fail_max=2, reset_timeout=10, state='closed', failures=0)

    References
    ----------
    .. [1] Strategy 5.3.2 of the theory (熔断器模式): 当服务不可用时，快速失败，避免级联故障.
    .. [2] ``pybreaker`` 1.4.1, ``CircuitClosedState.on_failure`` (``counter >= fail_max``)
       and ``CircuitOpenState.before_call`` (refuses while ``now < opened_at + timeout``).
    .. [3] M. T. Nygard, *Release It!*, 2nd ed., Pragmatic Bookshelf, 2018: Circuit Breaker.
    """

    def __init__(self, fail_max: int = 5, reset_timeout: Time = 60) -> None:
        super().__init__()
        self.fail_max = require_count("CircuitBreaker", "fail_max", fail_max, least=1)
        self.reset_timeout = require_time("CircuitBreaker", "reset_timeout", reset_timeout)
        self._state = "closed"
        self._failures = 0
        self._opened_at: Time | None = None

    @property
    def state(self) -> str:
        """``"closed"``, ``"open"`` or ``"half-open"``."""
        return self._state

    @property
    def failures(self) -> int:
        """Consecutive failures counted while closed: ``fail_max`` once they opened it.
        (pybreaker's ``fail_counter`` goes on counting the failed trial calls.)"""
        return self._failures

    def allow(self, now: Time) -> bool:
        """Whether a call may be sent at ``now``: always when closed; when open, only once
        ``reset_timeout`` has passed since it opened, and that call is the trial call of
        half-open; in half-open, never while the trial call is out."""
        at = self._tick(now)
        if self._state == "open":
            assert self._opened_at is not None
            if at < self._opened_at + self.reset_timeout:
                return False
            self._state, self._opened_at = "half-open", None
        elif self._state == "half-open":
            return False
        self._in_flight += 1
        return True

    def record(self, success: bool, now: Time, duration: Time = 0) -> None:
        """The outcome of an admitted call at ``now`` (``duration`` is not used)."""
        at, _ = self._outcome(success, now, duration)
        if self._state == "open":
            return
        if success:
            self._state, self._failures, self._opened_at = "closed", 0, None
        elif self._state == "half-open":
            self._state, self._opened_at = "open", at
        else:
            self._failures += 1
            if self._failures >= self.fail_max:
                self._state, self._opened_at = "open", at

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(fail_max={self.fail_max!r}, "
                f"reset_timeout={self.reset_timeout!r}, state={self._state!r}, "
                f"failures={self._failures!r})")


class RateBreaker(_Clocked):
    """Strategy 5.3.2 (熔断器模式) by failure and slow-call rates, as Resilience4j's
    count-based sliding window breaker decides.

    Closed, it admits every call and keeps the outcomes of the last ``window`` recorded
    calls. Once at least ``min(minimum_calls, window)`` are kept, a recorded outcome opens
    the breaker when the failure rate (failures per 100 calls kept) reaches
    ``failure_rate_threshold`` or the slow-call rate reaches ``slow_call_rate_threshold``
    (both ``>=``). A call is slow when its ``duration`` exceeds ``slow_call_duration``
    (strictly, as Resilience4j compares it); a slow failure counts in both rates. Opening
    empties the window.

    Open, it refuses calls until ``wait_in_open`` seconds have passed since it opened; the
    first call strictly after that instant moves it to half-open (Resilience4j moves on a
    call, its automatic transition being off by default). Half-open admits
    ``permitted_in_half_open`` calls, that call included, and refuses the rest. Their
    outcomes fill a window of that size, judged with ``min(minimum_calls,
    permitted_in_half_open)`` as the minimum number of calls: above a threshold it opens
    again with a new timer, below both it closes with an empty window.

    Parameters
    ----------
    failure_rate_threshold : int or float
        Percentage of failures that opens the breaker, in (0, 100]. Resilience4j: 50.
    minimum_calls : int
        Outcomes needed before a rate is judged (>= 1). Resilience4j: 100.
    window : int
        How many of the last outcomes are kept (>= 1). Resilience4j: 100.
    wait_in_open : int, Fraction or float
        Seconds the breaker stays open (> 0). Resilience4j: 60.
    permitted_in_half_open : int
        Trial calls admitted in half-open (>= 1). Resilience4j: 10.
    slow_call_rate_threshold : int or float
        Percentage of slow calls that opens the breaker, in (0, 100]. Resilience4j: 100.
    slow_call_duration : int, Fraction or float
        A call that takes longer than this many seconds is slow (> 0). Resilience4j: 60.

    Raises
    ------
    TheoryError
        On a bad parameter; from ``allow`` or ``record`` when ``now`` goes backwards;
        from ``record`` when no admitted call is waiting for its outcome.

    Examples
    --------
    >>> breaker = RateBreaker(minimum_calls=4, window=4, wait_in_open=10,
    ...                       permitted_in_half_open=2)
    >>> for success in (True, False, True, False):
    ...     breaker.allow(0) and breaker.record(success, 0)
    >>> breaker.state, breaker.allow(10), breaker.allow(11), breaker.allow(11), breaker.allow(11)
    ('open', False, True, True, False)
    >>> breaker.record(True, 12); breaker.state  # one of two trial outcomes: undecided
    'half-open'
    >>> breaker.record(True, 12); breaker.state
    'closed'

    References
    ----------
    .. [1] Strategy 5.3.2 of the theory (熔断器模式): 当服务不可用时，快速失败，避免级联故障.
    .. [2] Resilience4j, CircuitBreaker documentation and ``CircuitBreakerStateMachine``,
       ``CircuitBreakerMetrics`` (``duration > slowCallDurationThreshold``, ``rate >=
       threshold``, ``Math.min(minimumNumberOfCalls, slidingWindowSize)``) and
       ``OpenState.tryAcquirePermission`` (``now.isAfter(retryAfterWaitDuration)``).
    .. [3] M. T. Nygard, *Release It!*, 2nd ed., Pragmatic Bookshelf, 2018: Circuit Breaker.
    """

    def __init__(self, failure_rate_threshold: float = 50, minimum_calls: int = 100,
                 window: int = 100, wait_in_open: Time = 60, permitted_in_half_open: int = 10,
                 slow_call_rate_threshold: float = 100, slow_call_duration: Time = 60) -> None:
        super().__init__()
        owner = "RateBreaker"
        self.failure_rate_threshold = _percentage(owner, "failure_rate_threshold",
                                                  failure_rate_threshold)
        self.minimum_calls = require_count(owner, "minimum_calls", minimum_calls, least=1)
        self.window = require_count(owner, "window", window, least=1)
        self.wait_in_open = require_time(owner, "wait_in_open", wait_in_open, positive=True)
        self.permitted_in_half_open = require_count(owner, "permitted_in_half_open",
                                                    permitted_in_half_open, least=1)
        self.slow_call_rate_threshold = _percentage(owner, "slow_call_rate_threshold",
                                                    slow_call_rate_threshold)
        self.slow_call_duration = require_time(owner, "slow_call_duration",
                                               slow_call_duration, positive=True)
        self._state = "closed"
        self._outcomes: deque[str] = deque(maxlen=self.window)
        self._failed = self._slowed = 0
        self._permits = 0
        self._opened_at: Time | None = None

    @property
    def state(self) -> str:
        """``"closed"``, ``"open"`` or ``"half-open"``."""
        return self._state

    @property
    def outcomes(self) -> tuple[str, ...]:
        """The outcomes the current state judges, oldest first: ``"ok"``, ``"fail"``,
        ``"slow ok"`` or ``"slow fail"``."""
        return tuple(self._outcomes)

    def allow(self, now: Time) -> bool:
        """Whether a call may be sent at ``now``: always when closed; when open, only once
        more than ``wait_in_open`` has passed, as the first trial call of half-open; in
        half-open, while trial calls remain."""
        at = self._tick(now)
        if self._state == "open":
            assert self._opened_at is not None
            if not at > self._opened_at + self.wait_in_open:
                return False
            self._state, self._opened_at = "half-open", None
            self._permits = self.permitted_in_half_open
            self._restart(self.permitted_in_half_open)
        if self._state == "half-open":
            if self._permits == 0:
                return False
            self._permits -= 1
        self._in_flight += 1
        return True

    def record(self, success: bool, now: Time, duration: Time = 0) -> None:
        """The outcome of an admitted call at ``now`` that took ``duration`` seconds."""
        at, length = self._outcome(success, now, duration)
        if self._state == "open":
            return
        self._keep(("slow " if length > self.slow_call_duration else "")
                   + ("ok" if success else "fail"))
        kept = len(self._outcomes)
        size = self.window if self._state == "closed" else self.permitted_in_half_open
        if kept < min(self.minimum_calls, size):
            return
        if (self._failed * 100 >= self.failure_rate_threshold * kept
                or self._slowed * 100 >= self.slow_call_rate_threshold * kept):
            self._state, self._opened_at, self._permits = "open", at, 0
            self._restart(self.window)
        elif self._state == "half-open":
            self._state, self._opened_at, self._permits = "closed", None, 0
            self._restart(self.window)

    def _keep(self, outcome: str) -> None:
        """Add ``outcome`` to the window, and to the failed and slow totals, dropping the
        oldest outcome from both when the window is full (Resilience4j's ring buffer)."""
        if len(self._outcomes) == self._outcomes.maxlen:
            oldest = self._outcomes[0]
            self._failed -= oldest.endswith("fail")
            self._slowed -= oldest.startswith("slow")
        self._outcomes.append(outcome)
        self._failed += outcome.endswith("fail")
        self._slowed += outcome.startswith("slow")

    def _restart(self, size: int) -> None:
        """An empty window of ``size`` outcomes."""
        self._outcomes = deque(maxlen=size)
        self._failed = self._slowed = 0

    def __repr__(self) -> str:
        return (f"{type(self).__name__}("
                f"failure_rate_threshold={self.failure_rate_threshold!r}, "
                f"minimum_calls={self.minimum_calls!r}, window={self.window!r}, "
                f"wait_in_open={self.wait_in_open!r}, "
                f"permitted_in_half_open={self.permitted_in_half_open!r}, "
                f"slow_call_rate_threshold={self.slow_call_rate_threshold!r}, "
                f"slow_call_duration={self.slow_call_duration!r}, state={self._state!r}, "
                f"kept={len(self._outcomes)})")


def _percentage(owner: str, what: str, value: object) -> float:
    """``value`` if it is a percentage in (0, 100], as Resilience4j's thresholds must be."""
    percent = require_number(owner, what, value, positive=True)
    if percent > 100:
        raise TheoryError(f"{owner}: {what} must be a percentage in (0, 100], not {value!r}")
    return percent


@dataclass(frozen=True)
class Call:
    """One scripted call: sent at ``at``, succeeding or not, taking ``duration`` seconds.
    Its outcome is recorded at ``at`` (the call is synchronous)."""

    at: Time
    success: bool
    duration: Time = 0


@dataclass(frozen=True)
class Decision:
    """What a breaker did with one :class:`Call`: ``admitted`` or refused, and the
    ``state`` it was in before the call and ``after`` its outcome."""

    at: Time
    success: bool
    admitted: bool
    before: str
    after: str


def replay(breaker: Breaker, calls: Iterable[Call]) -> tuple[Decision, ...]:
    """Strategy 5.3.2 (熔断器模式): run ``breaker`` over synchronous ``calls``.

    Each call asks ``allow(at)``; an admitted call's outcome is recorded at once.

    Parameters
    ----------
    breaker : Breaker
        The breaker to run; it is changed.
    calls : iterable of Call
        In time order.

    Returns
    -------
    tuple of Decision
        One per call: the time, the outcome the service would have given, whether the
        breaker admitted the call, and its state before and after.

    Raises
    ------
    TheoryError
        When ``calls`` holds something that is not a :class:`Call`, or goes back in time.

    Examples
    --------
    >>> decisions = replay(CircuitBreaker(fail_max=1, reset_timeout=5),
    ...                    [Call(0, False), Call(3, True), Call(5, True)])
    >>> [(d.at, d.admitted, d.after) for d in decisions]
    [(0, True, 'open'), (3, False, 'open'), (5, True, 'closed')]

    References
    ----------
    .. [1] Strategy 5.3.2 of the theory (熔断器模式).
    .. [2] ``pybreaker``'s ``CircuitBreaker.call``: ask, call, record, in one step.
    """
    steps = require_items("replay", "calls", calls, Call)
    decisions = []
    for call in steps:
        before = breaker.state
        admitted = breaker.allow(call.at)
        if admitted:
            breaker.record(call.success, call.at, call.duration)
        decisions.append(Decision(call.at, call.success, admitted, before, breaker.state))
    return tuple(decisions)
