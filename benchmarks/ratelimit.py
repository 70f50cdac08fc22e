"""Benchmark: decisions per second of each rate limiter of Function 4.2.4 (限流), beside
the ``limits`` library's in-memory strategies on the same stream.

One seeded stream of requests from 100 clients, each at most a few per second, is decided
by every limiter of ``msatheory.gateway.ratelimit`` (100 requests per 10 s, or the same
rate as a bucket) with integer, Fraction and float times, and by ``limits``'
``FixedWindowRateLimiter``, ``MovingWindowRateLimiter`` and
``SlidingWindowCounterRateLimiter`` on a ``MemoryStorage`` whose clock is the stream's (its
background expiry thread stopped). One run, no repetitions: the last column is each row's
rate over ``limits``' fixed window.

    python benchmarks/ratelimit.py            # 100000 requests
    python benchmarks/ratelimit.py 20000      # fewer
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable, Sequence
from fractions import Fraction
from unittest import mock

import limits.storage.memory
from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import (
    FixedWindowRateLimiter,
    MovingWindowRateLimiter,
    RateLimiter,
    SlidingWindowCounterRateLimiter,
)

from msatheory.gateway.ratelimit import (
    GCRA,
    FixedWindow,
    Limiter,
    SlidingLog,
    SlidingWindowCounter,
    Time,
    TokenBucket,
)

REQUESTS = 100_000
CLIENTS = 100
LIMIT, WINDOW = 100, 10


def stream(requests: int, seed: int = 0) -> list[tuple[str, int]]:
    """``(client, millisecond)`` pairs in time order, from a seeded generator."""
    rng = random.Random(seed)
    now, out = 0, []
    for _ in range(requests):
        now += rng.randrange(3)
        out.append((f"10.0.0.{rng.randrange(CLIENTS)}", now))
    return out


def ours(limiter: Limiter, requests: Sequence[tuple[str, Time]]) -> Callable[[], int]:
    def decide() -> int:
        allow = limiter.allow
        return sum(allow(key, at) for key, at in requests)
    return decide


class _Clock:
    now = 0.0

    def time(self) -> float:
        return self.now


def theirs(strategy: type[RateLimiter], requests: list[tuple[str, float]]) -> Callable[[], int]:
    def decide() -> int:
        clock = _Clock()
        with mock.patch.object(limits.storage.memory, "time", clock):
            storage = MemoryStorage()
            storage.timer.cancel()
            storage._MemoryStorage__schedule_expiry = lambda: None  # type: ignore[attr-defined]
            hit, item = strategy(storage).hit, RateLimitItemPerSecond(LIMIT, WINDOW)
            admitted = 0
            for key, at in requests:
                clock.now = at
                admitted += hit(item, key)
        return admitted
    return decide


def main(argv: list[str]) -> None:
    n = int(argv[0]) if argv else REQUESTS
    base = stream(n)
    exact = [(k, Fraction(ms, 1000)) for k, ms in base]
    floats = [(k, ms / 1000) for k, ms in base]
    # limits' memory storage assumes epoch-sized times (see tests/test_ratelimit.py)
    epoch = [(k, 1_700_000_000 + ms / 1000) for k, ms in base]
    rows: list[tuple[str, Callable[[], int]]] = [
        ("limits fixed window", theirs(FixedWindowRateLimiter, epoch)),
        ("limits moving window", theirs(MovingWindowRateLimiter, epoch)),
        ("limits sliding window counter", theirs(SlidingWindowCounterRateLimiter, epoch)),
    ]
    rate = Fraction(LIMIT, WINDOW)
    timings: tuple[tuple[str, Sequence[tuple[str, Time]]], ...] = (
        ("Fraction", exact), ("float", floats))
    for label, times in timings:
        rows += [
            (f"FixedWindow ({label})", ours(FixedWindow(LIMIT, WINDOW), times)),
            (f"SlidingLog ({label})", ours(SlidingLog(LIMIT, WINDOW), times)),
            (f"SlidingWindowCounter ({label})",
             ours(SlidingWindowCounter(LIMIT, WINDOW), times)),
            (f"TokenBucket ({label})",
             ours(TokenBucket(LIMIT, rate if label == "Fraction" else float(rate)), times)),
            (f"GCRA ({label})", ours(GCRA(LIMIT, WINDOW, LIMIT - 1), times)),
        ]
    ints = [(k, ms // 1000) for k, ms in base]
    rows.append(("FixedWindow (int seconds)", ours(FixedWindow(LIMIT, WINDOW), ints)))
    print(f"{n} requests from {CLIENTS} clients, {LIMIT} per {WINDOW} s")
    print(f"{'limiter':<36} {'admitted':>9} {'decisions/s':>12} {'ratio':>6}")
    reference = None
    for label, decide in rows:
        admitted, speed = rate(decide, n)
        reference = reference or speed
        print(f"{label:<36} {admitted:>9} {speed:>12,.0f} {speed / reference:>6.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
