"""Function 4.2.4 (限流): the five rate limiters, their exact worst cases, and ``limits``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from unittest import mock

import limits.storage.memory
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import (
    FixedWindowRateLimiter,
    MovingWindowRateLimiter,
    RateLimiter,
    SlidingWindowCounterRateLimiter,
)

from msatheory.errors import TheoryError
from msatheory.gateway.ratelimit import (
    GCRA,
    LIMITERS,
    FixedWindow,
    Limiter,
    SlidingLog,
    SlidingWindowCounter,
    Time,
    TokenBucket,
    attack,
    busiest,
    formula,
)

F = Fraction


def run(limiter: Limiter, times: Sequence[Time], key: str = "c") -> list[bool]:
    return [limiter.allow(key, at) for at in times]


def admitted(limiter: Limiter, times: Sequence[Time]) -> list[Time]:
    return [at for at, ok in zip(times, run(limiter, times), strict=True) if ok]


# --- the contract ---------------------------------------------------------------------

def test_limiters_table_names_each_class() -> None:
    assert dict(LIMITERS) == {"fixed-window": FixedWindow, "sliding-log": SlidingLog,
                              "sliding-window-counter": SlidingWindowCounter,
                              "token-bucket": TokenBucket, "gcra": GCRA}
    assert all(issubclass(cls, Limiter) and cls.memory for cls in LIMITERS.values())


def test_contract_signatures_by_keyword() -> None:
    limiters = [FixedWindow(limit=2, window=1), SlidingLog(limit=2, window=1),
                SlidingWindowCounter(limit=2, window=1), TokenBucket(capacity=2, rate=1),
                GCRA(limit=2, period=1, burst=1)]
    assert [lim.allow(key="k", now=0) for lim in limiters] == [True] * 5


@pytest.mark.parametrize(("build", "message"), [
    (lambda: FixedWindow(0, 1),
     "FixedWindow: limit must be a positive whole number, not 0"),
    (lambda: SlidingLog(1, 0),
     "SlidingLog: window must be a positive finite number of seconds, not 0"),
    (lambda: SlidingWindowCounter(1, F(-1, 2)),
     "SlidingWindowCounter: window must be a positive finite number of seconds, "
     "not Fraction(-1, 2)"),
    (lambda: TokenBucket(2, "fast"),  # type: ignore[arg-type]
     "TokenBucket: rate must be a positive finite number of tokens a second, not 'fast'"),
    (lambda: GCRA(1, 1, -1), "GCRA: burst must be a whole number, 0 or more, not -1"),
    (lambda: FixedWindow(1, 1).allow("", 0),
     "FixedWindow: key must be a non-empty string, not ''"),
    (lambda: TokenBucket(1, 1).allow("a", float("nan")),
     "TokenBucket: now must be a non-negative finite number of seconds, not nan"),
    (lambda: formula("leaky"),
     "formula: name must be one of fixed-window, sliding-log, sliding-window-counter, "
     "token-bucket, gcra, not 'leaky'"),
])
def test_bad_input_is_a_theory_error(build: Callable[[], object], message: str) -> None:
    with pytest.raises(TheoryError) as raised:
        build()
    assert str(raised.value) == message


@pytest.mark.parametrize("name", list(LIMITERS))
def test_time_must_not_go_backwards_for_a_client(name: str) -> None:
    limiter = {"gcra": lambda: GCRA(1, 1, 0), "token-bucket": lambda: TokenBucket(1, 1)}.get(
        name, lambda: LIMITERS[name](1, 1))()  # type: ignore[call-arg]
    limiter.allow("a", 5)
    limiter.allow("b", 1)  # another client has its own clock
    with pytest.raises(TheoryError, match=r"now must not go backwards for client 'a', "
                                          r"not 4 after 5"):
        limiter.allow("a", 4)


def test_fixed_window_counts_each_client_in_aligned_windows() -> None:
    """Unlike the Go sketch's single lastReset, one client's traffic neither uses up nor
    resets another's window, and windows start at multiples of ``window``."""
    limiter = FixedWindow(limit=1, window=10)
    assert run(limiter, [3, 9, 10], "a") == [True, False, True]
    assert run(limiter, [10, 19, 20], "b") == [True, False, True]
    assert limiter.state("a") == (1, 1) and limiter.state("nobody") == ()


def test_exact_for_fractions_not_for_floats() -> None:
    """0.3 / 0.1 is 2.9999999999999996 in floating point: the request at 0.3 falls in
    window 2 and is rejected; with Fractions it opens window 3."""
    assert run(FixedWindow(1, 0.1), [0.2, 0.3]) == [True, False]
    assert run(FixedWindow(1, F(1, 10)), [F(2, 10), F(3, 10)]) == [True, True]


def test_memory_per_client() -> None:
    log = SlidingLog(limit=3, window=10)
    run(log, list(range(100)))
    assert log.state("c") == (89, 90, 99)  # the last `limit` admissions at most
    counter = SlidingWindowCounter(limit=3, window=10)
    run(counter, [5, 5, 12])
    assert counter.state("c") == (1, 1, 2)  # window index, current, previous
    bucket = TokenBucket(capacity=3, rate=F(1, 3))
    run(bucket, [0, 0, 1])
    assert bucket.state("c") == (F(1, 3), 1)  # 3 - 2, then + 1/3 and - 1 at time 1
    gcra = GCRA(limit=3, period=9, burst=2)
    run(gcra, [0, 0, 1])
    assert gcra.state("c") == (F(9),)


def test_sliding_window_counter_weighs_the_previous_window() -> None:
    """Cloudflare's example: 42 in the previous minute, 18 in this one, 15 s in:
    42 * 45/60 + 18 = 49.5 < 50 admits, and the next one (50.5) does not."""
    limiter = SlidingWindowCounter(limit=50, window=60)
    assert all(run(limiter, [59] * 42))
    assert all(run(limiter, [75] * 18))
    assert run(limiter, [75, 75]) == [True, False]


# --- worst cases: formula, adversary, search ------------------------------------------

def examples() -> list[Limiter]:
    return [FixedWindow(3, 10), FixedWindow(1, F(7, 3)), SlidingLog(3, 10),
            SlidingLog(2, F(7, 3)), SlidingWindowCounter(3, 10),
            SlidingWindowCounter(1, F(7, 3)), SlidingWindowCounter(5, 2),
            TokenBucket(3, F(3, 10)), TokenBucket(1, F(3, 7)),
            GCRA(3, 10, 2), GCRA(2, F(7, 3), 0)]


LENGTHS = [F(k, 6) for k in range(0, 200)]


@pytest.mark.parametrize("limiter", examples(), ids=repr)
def test_the_adversary_attains_the_worst_case(limiter: Limiter) -> None:
    """For every interval length on a grid, the constructed stream is admitted exactly
    ``worst_case(t)`` times inside an interval of length t, with exact time."""
    for t in LENGTHS:
        assert attack(limiter, t) == limiter.worst_case(t), t


@pytest.mark.parametrize("limiter", examples(), ids=repr)
def test_worst_case_is_the_sympy_formula(limiter: Limiter) -> None:
    bound = formula(limiter.name)
    params = {"limit": getattr(limiter, "limit", None), "window": getattr(limiter, "window",
                                                                          None),
              "capacity": getattr(limiter, "capacity", None),
              "rate": getattr(limiter, "rate", None), "period": getattr(limiter, "period",
                                                                        None),
              "burst": getattr(limiter, "burst", None)}
    for t in LENGTHS[:60]:
        values = {**params, "t": t}
        assert bound.subs({s: values[s.name] for s in bound.free_symbols}) \
            == limiter.worst_case(t)


def test_worst_cases_at_one_window() -> None:
    """Limit 10 per 60 s, the interval one window long (t = 60), and just past it."""
    assert [LIMITERS[n](10, 60).worst_case(60) for n in  # type: ignore[call-arg]
            ("fixed-window", "sliding-log", "sliding-window-counter")] == [20, 10, 20]
    assert TokenBucket(10, F(1, 6)).worst_case(60) == 20
    assert GCRA(10, 60, 9).worst_case(60) == 20
    assert [LIMITERS[n](10, 60).worst_case(F(1, 100)) for n in  # type: ignore[call-arg]
            ("fixed-window", "sliding-log", "sliding-window-counter")] == [20, 10, 11]


def test_minimal_adversaries() -> None:
    """The smallest streams that beat ``limit`` in less than a window."""
    assert FixedWindow(1, 1).adversary(F(1, 2)) == ((F(1, 2), 1), F(1, 2))
    times, start = SlidingWindowCounter(1, 1).adversary(F(1, 2))
    assert (times, start) == ((F(3, 4), F(5, 4)), F(3, 4))
    assert run(SlidingWindowCounter(1, 1), times) == [True, True]
    # a token bucket of the same rate admits one fewer there
    assert TokenBucket(1, 1).worst_case(F(1, 2)) == 1


def limiters() -> st.SearchStrategy[Limiter]:
    limit = st.integers(1, 4)
    length = st.fractions(F(1, 2), 6, max_denominator=4)
    return st.one_of(
        st.builds(FixedWindow, limit, length), st.builds(SlidingLog, limit, length),
        st.builds(SlidingWindowCounter, limit, length), st.builds(TokenBucket, limit, length),
        st.builds(GCRA, limit, length, st.integers(0, 3)))


streams = st.lists(st.fractions(0, 20, max_denominator=4), max_size=40).map(sorted)


@settings(max_examples=400)
@given(limiters(), streams, st.fractions(0, 12, max_denominator=4))
def test_no_stream_beats_the_worst_case(limiter: Limiter, times: list[F],
                                        t: F) -> None:
    assert busiest(admitted(limiter, times), t) <= limiter.worst_case(t)


@settings(max_examples=300)
@given(st.integers(1, 4), st.fractions(F(1, 2), 6, max_denominator=4), st.integers(0, 3),
       streams)
def test_gcra_is_a_token_bucket(limit: int, period: F, burst: int, times: list[F]) -> None:
    """GCRA(limit, period, burst) decides as TokenBucket(burst + 1, limit / period)."""
    assert run(GCRA(limit, period, burst), times) \
        == run(TokenBucket(burst + 1, limit / period), times)


@settings(max_examples=200)
@given(limiters(), st.lists(st.tuples(st.sampled_from("ab"),
                                      st.fractions(0, 20, max_denominator=4)),
                            max_size=40).map(lambda r: sorted(r, key=lambda p: p[1])))
def test_clients_are_independent(limiter: Limiter, requests: list[tuple[str, F]]) -> None:
    together = [limiter.allow(key, at) for key, at in requests]
    for key in "ab":
        alone = run(limiter.fresh(), [at for k, at in requests if k == key])
        assert [ok for (k, _), ok in zip(requests, together, strict=True) if k == key] == alone


def test_busiest() -> None:
    assert busiest([], 5) == 0
    assert busiest([0, 1, 2, 10], 2) == 3
    with pytest.raises(TheoryError, match="busiest: times must be sorted"):
        busiest([2, 1], 1)


# --- differential tests against limits ------------------------------------------------

class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def time(self) -> float:
        return self.now


def limits_decisions(strategy: type[RateLimiter], limit: int, window: int,
                     times: Sequence[int]) -> list[bool]:
    """``limits``' decisions on ``times``, its MemoryStorage reading a fake clock and its
    background expiry thread stopped (it would race with the decisions at boundaries)."""
    clock = _Clock()
    with mock.patch.object(limits.storage.memory, "time", clock):
        storage = MemoryStorage()
        storage.timer.cancel()
        storage._MemoryStorage__schedule_expiry = lambda: None  # type: ignore[attr-defined]
        limiter = strategy(storage)
        item = RateLimitItemPerSecond(limit, window)
        decisions = []
        for at in times:
            clock.now = float(at)
            decisions.append(limiter.hit(item, "client"))
    return decisions


# times from 1024 windows on: limits' key of the previous window, int((now - w) / w),
# truncates towards 0 and equals the current key during the first window after 0.
BASE = 1024

int_streams = st.lists(st.integers(0, 60), max_size=40).map(sorted)


@settings(max_examples=200)
@given(st.integers(1, 4), st.sampled_from([1, 2, 4, 8]), int_streams)
def test_sliding_log_is_limits_moving_window(limit: int, window: int,
                                             times: list[int]) -> None:
    """Both count the admissions in ``[now - window, now]``: same decisions everywhere."""
    times = [BASE * window + at for at in times]
    assert run(SlidingLog(limit, window), times) \
        == limits_decisions(MovingWindowRateLimiter, limit, window, times)


@settings(max_examples=200)
@given(st.integers(1, 4), st.sampled_from([1, 2, 4, 8]), int_streams)
def test_sliding_window_counter_is_limits(limit: int, window: int, times: list[int]) -> None:
    """Same rule (``floor(estimate) + 1 <= limit``, only admissions counted). limits
    computes the estimate in floats; with integer times and a power-of-two window every
    step is exact in binary, so the decisions coincide."""
    times = [BASE * window + at for at in times]
    assert run(SlidingWindowCounter(limit, window), times) \
        == limits_decisions(SlidingWindowCounterRateLimiter, limit, window, times)


@settings(max_examples=200)
@given(st.integers(1, 4), st.integers(1, 8),
       st.lists(st.integers(0, 60), max_size=40))
def test_fixed_window_is_limits_when_windows_start_on_time(limit: int, window: int,
                                                           offsets: list[int]) -> None:
    """limits' fixed window starts at a client's first hit and lasts ``window`` seconds;
    ours are aligned to multiples of ``window``. They coincide when every window that
    holds a request holds one at its start, as here."""
    starts = {at // window * window for at in offsets}
    times = sorted(BASE * window + at for at in [*offsets, *starts])
    assert run(FixedWindow(limit, window), times) \
        == limits_decisions(FixedWindowRateLimiter, limit, window, times)


def test_fixed_window_differs_from_limits_when_a_window_starts_late() -> None:
    """The smallest difference: limit 1 per 10 s, requests at 5 and 10. Ours opens a new
    window at 10; limits' window runs from the first hit, 5, to 15."""
    assert run(FixedWindow(1, 10), [5, 10]) == [True, True]
    assert limits_decisions(FixedWindowRateLimiter, 1, 10, [5, 10]) == [True, False]


def test_sympy_derivations() -> None:
    """The closed forms follow from how the adversary fills an interval.

    Sliding window counter: an interval of length ``t = m * window + v`` (``0 <= v <
    window``, started just before a boundary) holds a tail of ``limit``, ``m`` full windows
    of ``limit`` and a head of ``ceil(limit * v / window)``. GCRA: the leaky bucket's bound
    ``floor((tau + T + t) / T)`` with ``tau = burst * T``, which is also the token bucket's
    ``capacity + floor(rate * t)`` for ``capacity = burst + 1`` and ``rate = 1 / T``.
    """
    import sympy

    limit, m = sympy.symbols("limit m", integer=True, positive=True)
    window, interval = sympy.symbols("window interval", positive=True)
    v, t = sympy.symbols("v t", nonnegative=True)
    burst = sympy.Symbol("burst", integer=True, nonnegative=True)
    parts = limit + m * limit + sympy.ceiling(limit * v / window)
    closed = formula("sliding-window-counter").subs(
        {s: {"limit": limit, "window": window, "t": m * window + v}[s.name]
         for s in formula("sliding-window-counter").free_symbols})
    assert sympy.simplify(sympy.expand(closed) - parts) == 0
    leaky = sympy.floor((burst * interval + interval + t) / interval)
    gcra = formula("gcra")
    gcra = gcra.subs({s: {"burst": burst, "limit": 1, "period": interval, "t": t}[s.name]
                      for s in gcra.free_symbols})
    bucket = formula("token-bucket")
    bucket = bucket.subs({s: {"capacity": burst + 1, "rate": 1 / interval, "t": t}[s.name]
                          for s in bucket.free_symbols})
    assert sympy.simplify(leaky - gcra) == 0
    assert sympy.simplify(bucket - gcra) == 0


def test_float_times_are_accepted_and_agree_on_dyadic_times() -> None:
    times = [0, 0.25, 0.5, 0.5, 1.0, 1.75, 2.0]
    for name, cls in LIMITERS.items():
        exact = (cls(2, 1, 1) if name == "gcra" else cls(2, 1))  # type: ignore[call-arg]
        approx = (cls(2, 1.0, 1) if name == "gcra" else cls(2, 1.0))  # type: ignore[call-arg]
        assert run(approx, times) == run(exact, [F(at) for at in times]), name
