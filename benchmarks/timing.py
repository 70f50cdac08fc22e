"""The timing loop the peer-library benchmarks share (``ratelimit.py``, ``breaker.py``,
``sharding.py``): run one prepared workload once and say how fast it went."""

from __future__ import annotations

import time
from collections.abc import Callable


def rate(run: Callable[[], int], n: int) -> tuple[int, float]:
    """``run()``'s result and how many of its ``n`` operations it did per second."""
    start = time.perf_counter()
    result = run()
    return result, n / (time.perf_counter() - start)
