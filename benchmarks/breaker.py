"""Benchmark: the cost per call of each circuit breaker of Strategy 5.3.2 (熔断器模式),
beside pybreaker's ``CircuitBreaker.call`` on the same stream.

One seeded stream of synchronous calls, a few milliseconds apart, to a service that is
down for 10 s in every 50 s (9 calls in 10 fail then, 1 in 100 otherwise), is decided by
pybreaker (``fail_max=5``, ``reset_timeout=1``; its ``datetime`` reads the stream's clock,
as in tests/test_breaker.py) calling a trivial function, and by
``msatheory.communication.breaker``'s ``CircuitBreaker`` with the same parameters (its
``allow`` and ``record``, with integer-millisecond Fraction and float times) and
``RateBreaker`` (Resilience4j's defaults but a 1 s wait). One run, no repetitions: the
admitted column shows that pybreaker and ``CircuitBreaker`` decide alike, and the last
column is each row's speed over pybreaker's.

    python benchmarks/breaker.py            # 100000 calls
    python benchmarks/breaker.py 20000      # fewer
"""

from __future__ import annotations

import contextlib
import random
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from unittest import mock

import pybreaker
from timing import rate

from msatheory.communication.breaker import Breaker, CircuitBreaker, RateBreaker, Time

CALLS = 100_000
FAIL_MAX, RESET_TIMEOUT = 5, 1
BASE = datetime(2026, 1, 1, tzinfo=UTC)


def stream(calls: int, seed: int = 0) -> list[tuple[int, bool]]:
    """``(millisecond, success)`` pairs in time order, from a seeded generator."""
    rng = random.Random(seed)
    now, out = 0, []
    for _ in range(calls):
        now += rng.randrange(1, 4)
        down = (now // 10_000) % 5 == 4
        out.append((now, rng.random() >= (0.9 if down else 0.01)))
    return out


def ours(breaker: Breaker, calls: Sequence[tuple[Time, bool]]) -> Callable[[], int]:
    def decide() -> int:
        allow, record = breaker.allow, breaker.record
        admitted = 0
        for at, success in calls:
            if allow(at):
                record(success, at)
                admitted += 1
        return admitted
    return decide


class _Now(datetime):
    seconds: float = 0

    @classmethod
    def now(cls, tz: object = None) -> datetime:  # type: ignore[override]
        return BASE + timedelta(seconds=cls.seconds)


class _Failed(Exception):
    pass


def theirs(calls: Sequence[tuple[float, bool]]) -> Callable[[], int]:
    def decide() -> int:
        ran = [0]

        def succeed() -> None:
            ran[0] += 1

        def fail() -> None:
            ran[0] += 1
            raise _Failed

        with mock.patch.object(pybreaker, "datetime", _Now):
            breaker = pybreaker.CircuitBreaker(fail_max=FAIL_MAX, reset_timeout=RESET_TIMEOUT)
            call = breaker.call
            for at, success in calls:
                _Now.seconds = at
                with contextlib.suppress(_Failed, pybreaker.CircuitBreakerError):
                    call(succeed if success else fail)
        return ran[0]
    return decide


def main(argv: list[str]) -> None:
    n = int(argv[0]) if argv else CALLS
    base = stream(n)
    exact = [(Fraction(ms, 1000), ok) for ms, ok in base]
    floats = [(ms / 1000, ok) for ms, ok in base]
    rows: list[tuple[str, Callable[[], int]]] = [
        ("pybreaker call", theirs(floats)),
        ("CircuitBreaker allow+record (Fraction)",
         ours(CircuitBreaker(FAIL_MAX, RESET_TIMEOUT), exact)),
        ("CircuitBreaker allow+record (float)",
         ours(CircuitBreaker(FAIL_MAX, RESET_TIMEOUT), floats)),
        ("RateBreaker allow+record (float)", ours(RateBreaker(wait_in_open=1), floats)),
    ]
    failures = sum(not ok for _, ok in base)
    print(f"{n} calls over {base[-1][0] / 1000:.0f} s, {failures} of them failing; "
          f"fail_max={FAIL_MAX}, reset_timeout={RESET_TIMEOUT} s")
    print(f"{'breaker':<40} {'admitted':>9} {'us/call':>8} {'ratio':>6}")
    reference = None
    for label, decide in rows:
        admitted, speed = rate(decide, n)
        reference = reference or speed
        print(f"{label:<40} {admitted:>9} {1e6 / speed:>8.2f} {speed / reference:>6.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
