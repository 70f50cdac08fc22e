"""Function 4.2.4 (限流): five rate limiters, each with its exact worst case.

The theory asks the gateway to "control the request rate to prevent overload" and its Go
``RateLimitPolicy`` does it with one counter per client IP, reset for all clients at once
when a window has passed. The limiters in the field are these five, listed by name in
:data:`LIMITERS`:

* :class:`FixedWindow`: a counter per client and per window, windows aligned to multiples
  of ``window`` from time 0;
* :class:`SlidingLog`: the times of a client's last ``limit`` admissions;
* :class:`SlidingWindowCounter`: Cloudflare's approximation of the log by two counters,
  the previous window's weighted by how much of it still overlaps the sliding window;
* :class:`TokenBucket`: tokens that refill at ``rate`` per second up to ``capacity``;
* :class:`GCRA`: the generic cell rate algorithm (virtual scheduling), one time per client.

Each answers ``allow(key, now)`` for one request of client ``key`` at ``now`` seconds
(an int, a :class:`~fractions.Fraction` or a float; decisions are exact for ints and
Fractions, because the arithmetic stays in rationals). Each states the most requests it
can admit in any closed interval of length ``t`` (:meth:`Limiter.worst_case`), as a formula
(:func:`formula`, a sympy expression) and as a request stream that attains it
(:meth:`Limiter.adversary`, counted by :func:`attack`).

Conventions: an interval of length ``t`` is closed, ``[s, s + t]``; any number of requests
may arrive at the same instant; a client's ``now`` never goes backwards.

The module stops at one gateway's decision for one request. It does not model several
gateway replicas sharing a store (where races admit more), nor what a rejected client does
next (retries are chapter 5's subject).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from fractions import Fraction
from itertools import pairwise
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from msatheory.errors import TheoryError, require_count, require_name, require_time

if TYPE_CHECKING:
    import sympy

__all__ = [
    "GCRA",
    "LIMITERS",
    "FixedWindow",
    "Limiter",
    "SlidingLog",
    "SlidingWindowCounter",
    "TokenBucket",
    "attack",
    "busiest",
    "formula",
]

Time = int | Fraction | float
"""Seconds: exact as an int or a Fraction, approximate as a float."""


def _ratio(a: Time, b: Time) -> Time:
    """``a / b``: a Fraction when both are exact, a float otherwise."""
    if isinstance(a, float) or isinstance(b, float):
        return a / b
    return Fraction(a) / b


class Limiter:
    """Function 4.2.4 (限流): what every rate limiter of this module does.

    ``allow(key, now)`` decides one request of client ``key`` arriving at ``now`` and
    updates that client's state; ``state(key)`` is the state the limiter keeps for the
    client (``memory`` says what it is); ``worst_case(t)`` is the most requests one client
    can have admitted in any closed interval of length ``t``; ``adversary(t)`` is a request
    stream that attains it. ``name`` is the key in :data:`LIMITERS`.

    A limiter also remembers each client's last ``now``, only to reject time going
    backwards; that bookkeeping is not part of ``state``.

    References
    ----------
    .. [1] Function 4.2.4 of the theory (限流): 控制请求频率，防止过载.
    .. [2] The ``limits`` library: one contract (``hit``, ``test``, ``get_window_stats``)
       and a name-to-class table ``STRATEGIES``.
    """

    name: str = "limiter"
    memory: str = ""

    def __init__(self) -> None:
        self._last: dict[str, Time] = {}

    def _arrive(self, key: object, now: object) -> tuple[str, Time]:
        """``(key, now)`` checked: a client name and a time not before the client's last."""
        owner = type(self).__name__
        client = require_name(owner, "key", key)
        at = require_time(owner, "now", now)
        last = self._last.get(client)
        if last is not None and at < last:
            raise TheoryError(f"{owner}: now must not go backwards for client {client!r}, "
                              f"not {at!r} after {last!r}")
        self._last[client] = at
        return client, at

    def allow(self, key: str, now: Time) -> bool:
        """Whether client ``key``'s request at ``now`` is admitted (and count it if so)."""
        raise NotImplementedError

    def state(self, key: str) -> tuple[Any, ...]:
        """The state kept for client ``key`` (empty before its first request)."""
        raise NotImplementedError

    def worst_case(self, t: Time) -> int:
        """The most requests admitted in any closed interval of length ``t``."""
        raise NotImplementedError

    def adversary(self, t: Time) -> tuple[tuple[Time, ...], Time]:
        """``(times, start)``: one client's requests, sorted, that a fresh limiter admits
        :meth:`worst_case` times within ``[start, start + t]``."""
        raise NotImplementedError

    def fresh(self) -> Limiter:
        """A limiter with the same parameters and no clients."""
        raise NotImplementedError

    def _length(self, t: object) -> Time:
        return require_time(type(self).__name__, "t", t)


class FixedWindow(Limiter):
    """Function 4.2.4 (限流) by a fixed window: at most ``limit`` admissions per client in
    each window ``[k * window, (k + 1) * window)``.

    Windows are aligned to multiples of ``window`` from time 0 and counted per client.
    The theory's Go ``RateLimitPolicy`` instead keeps one ``lastReset`` for all clients,
    so one client's request starts every client's next window.

    Worst case: a closed interval of length ``t`` meets at most ``1 + ceil(t / window)``
    windows (``ceil(t / window)`` boundaries), and each may be filled, so
    ``limit * (1 + ceil(t / window))``: ``2 * limit`` already for any ``t > 0``, by a
    burst just before a boundary and another on it.

    Memory per client: the window's index and a counter.

    Examples
    --------
    >>> limiter = FixedWindow(limit=2, window=10)
    >>> [limiter.allow("10.0.0.1", t) for t in (9, 9, 9, 10, 10)]
    [True, True, False, True, True]
    >>> limiter.state("10.0.0.1")
    (1, 2)
    >>> limiter.worst_case(0), limiter.worst_case(1), limiter.worst_case(10)
    (2, 4, 4)

    References
    ----------
    .. [1] Function 4.2.4 of the theory (限流); the Go ``RateLimitPolicy.Apply`` of
       section 4.3.
    .. [2] ``limits``' fixed window, whose window starts at a client's first hit instead.
    """

    name = "fixed-window"
    memory = "the window's index and a counter"

    def __init__(self, limit: int, window: Time) -> None:
        super().__init__()
        self.limit = require_count("FixedWindow", "limit", limit, least=1)
        self.window = require_time("FixedWindow", "window", window, positive=True)
        self._windows: dict[str, tuple[int, int]] = {}

    def allow(self, key: str, now: Time) -> bool:
        client, at = self._arrive(key, now)
        index = math.floor(_ratio(at, self.window))
        current, count = self._windows.get(client, (index, 0))
        if current != index:
            count = 0
        admitted = count < self.limit
        self._windows[client] = (index, count + admitted)
        return admitted

    def state(self, key: str) -> tuple[Any, ...]:
        return self._windows.get(key, ())

    def worst_case(self, t: Time) -> int:
        return self.limit * (1 + math.ceil(_ratio(self._length(t), self.window)))

    def adversary(self, t: Time) -> tuple[tuple[Time, ...], Time]:
        n = math.ceil(_ratio(self._length(t), self.window))
        start = n * self.window - t
        bursts = [start] + [k * self.window for k in range(1, n + 1)]
        return tuple(at for at in bursts for _ in range(self.limit)), start

    def fresh(self) -> FixedWindow:
        return FixedWindow(self.limit, self.window)

    def __repr__(self) -> str:
        return f"FixedWindow(limit={self.limit!r}, window={self.window!r})"


class SlidingLog(Limiter):
    """Function 4.2.4 (限流) by a sliding log: a request at ``now`` is admitted when fewer
    than ``limit`` of the client's admissions lie in ``[now - window, now]``.

    Every closed interval of length ``window`` then holds at most ``limit`` admissions
    (the window includes its left end, as ``limits``' moving window does). Worst case in a
    closed interval of length ``t``: bursts of ``limit`` spaced a little more than
    ``window`` apart, ``limit * max(1, ceil(t / window))``.

    Memory per client: the times of its last ``limit`` admissions at most.

    Examples
    --------
    >>> limiter = SlidingLog(limit=2, window=10)
    >>> [limiter.allow("a", t) for t in (0, 5, 10, 11)]
    [True, True, False, True]
    >>> limiter.state("a")
    (5, 11)
    >>> limiter.worst_case(10), limiter.worst_case(11)
    (2, 4)

    References
    ----------
    .. [1] Function 4.2.4 of the theory (限流).
    .. [2] ``limits``' moving window (``MovingWindowRateLimiter``).
    """

    name = "sliding-log"
    memory = "the times of its last `limit` admissions at most"

    def __init__(self, limit: int, window: Time) -> None:
        super().__init__()
        self.limit = require_count("SlidingLog", "limit", limit, least=1)
        self.window = require_time("SlidingLog", "window", window, positive=True)
        self._logs: dict[str, deque[Time]] = {}

    def allow(self, key: str, now: Time) -> bool:
        client, at = self._arrive(key, now)
        log = self._logs.setdefault(client, deque())
        while log and log[0] < at - self.window:
            log.popleft()
        if len(log) >= self.limit:
            return False
        log.append(at)
        return True

    def state(self, key: str) -> tuple[Any, ...]:
        return tuple(self._logs.get(key, ()))

    def worst_case(self, t: Time) -> int:
        return self.limit * max(1, math.ceil(_ratio(self._length(t), self.window)))

    def adversary(self, t: Time) -> tuple[tuple[Time, ...], Time]:
        n = max(1, math.ceil(_ratio(self._length(t), self.window)))
        gap = _ratio(t, n - 1) if n > 1 else 0
        return tuple(k * gap for k in range(n) for _ in range(self.limit)), 0

    def fresh(self) -> SlidingLog:
        return SlidingLog(self.limit, self.window)

    def __repr__(self) -> str:
        return f"SlidingLog(limit={self.limit!r}, window={self.window!r})"


class SlidingWindowCounter(Limiter):
    """Function 4.2.4 (限流) by a sliding window counter (Cloudflare, 2017).

    Windows are aligned as in :class:`FixedWindow`. A request ``e`` seconds into the
    client's current window is admitted when the estimate
    ``previous * (window - e) / window + current`` is below ``limit``, where ``current``
    counts the admissions of this window and ``previous`` those of the window just before
    (0 if the client was idle then): the previous window's admissions are assumed spread
    evenly, and the share of it the sliding window still overlaps is counted. This is
    ``limits``' rule (``floor(estimate) + 1 <= limit``), computed here exactly.

    Worst case in a closed interval of length ``t``: ``limit + ceil(limit * t / window)``,
    one more than a token bucket of the same rate whenever ``limit * t / window`` is not
    a whole number, and ``2 * limit`` at ``t = window`` as for a fixed window. The stream
    that attains it: a burst of ``limit`` at the end of an idle client's window, a burst
    of ``limit`` at the end of each following window (when the weight of the previous one
    has fallen below ``1 / limit``), and as many as admitted at the interval's end.

    Memory per client: the window's index and two counters.

    Examples
    --------
    >>> limiter = SlidingWindowCounter(limit=4, window=10)
    >>> [limiter.allow("a", 9) for _ in range(5)]
    [True, True, True, True, False]
    >>> [limiter.allow("a", 15) for _ in range(3)]  # estimate 4 * 5/10 + current
    [True, True, False]
    >>> limiter.state("a")
    (1, 2, 4)
    >>> limiter.worst_case(0), limiter.worst_case(1), limiter.worst_case(10)
    (4, 5, 8)

    References
    ----------
    .. [1] Function 4.2.4 of the theory (限流).
    .. [2] J. Tarjan (Cloudflare), "How we built rate limiting capable of scaling to
       millions of domains", 2017.
    .. [3] ``limits``' ``SlidingWindowCounterRateLimiter``.
    """

    name = "sliding-window-counter"
    memory = "the window's index and two counters"

    def __init__(self, limit: int, window: Time) -> None:
        super().__init__()
        self.limit = require_count("SlidingWindowCounter", "limit", limit, least=1)
        self.window = require_time("SlidingWindowCounter", "window", window, positive=True)
        self._counters: dict[str, tuple[int, int, int]] = {}

    def allow(self, key: str, now: Time) -> bool:
        client, at = self._arrive(key, now)
        index = math.floor(_ratio(at, self.window))
        last, current, previous = self._counters.get(client, (index, 0, 0))
        if index == last + 1:
            current, previous = 0, current
        elif index != last:
            current, previous = 0, 0
        elapsed = at - index * self.window
        # previous * (window - elapsed) / window + current < limit, without dividing
        admitted = previous * (self.window - elapsed) + current * self.window \
            < self.limit * self.window
        self._counters[client] = (index, current + admitted, previous)
        return admitted

    def state(self, key: str) -> tuple[Any, ...]:
        return self._counters.get(key, ())

    def worst_case(self, t: Time) -> int:
        return self.limit + math.ceil(self.limit * _ratio(self._length(t), self.window))

    def adversary(self, t: Time) -> tuple[tuple[Time, ...], Time]:
        t = self._length(t)
        w, limit = self.window, self.limit
        if t == 0:
            return (0,) * limit, 0
        # start the interval u before a boundary, u small enough that the partial last
        # window still admits ceil(limit * t / w) - m * limit
        slack = t - (math.ceil(limit * _ratio(t, w)) - 1) * _ratio(w, limit)
        u = min(slack, t, w) / 2
        start, end = w - u, w - u + t
        times = [start] * limit
        late = _ratio(w, 2 * limit)  # the previous window's weight is below 1 / limit
        k = 1
        while (k + 1) * w <= end:
            times += [(k + 1) * w - late] * limit
            k += 1
        times += [end] * limit
        return tuple(times), start

    def fresh(self) -> SlidingWindowCounter:
        return SlidingWindowCounter(self.limit, self.window)

    def __repr__(self) -> str:
        return f"SlidingWindowCounter(limit={self.limit!r}, window={self.window!r})"


class TokenBucket(Limiter):
    """Function 4.2.4 (限流) by a token bucket: ``capacity`` tokens, refilled at ``rate``
    tokens per second up to ``capacity``; a request takes one token or is rejected.

    The bucket starts full. Worst case in a closed interval of length ``t``: a full bucket
    at its start plus what refills during it, ``capacity + floor(rate * t)``.

    Memory per client: a token count and the time it was counted.

    Examples
    --------
    >>> limiter = TokenBucket(capacity=2, rate=Fraction(1, 2))
    >>> [limiter.allow("a", t) for t in (0, 0, 0, 1, 2)]
    [True, True, False, False, True]
    >>> limiter.state("a")
    (Fraction(0, 1), 2)
    >>> limiter.worst_case(0), limiter.worst_case(3)
    (2, 3)

    References
    ----------
    .. [1] Function 4.2.4 of the theory (限流).
    .. [2] J. Turner, "New directions in communications (or which way to the information
       age?)", IEEE Communications Magazine 24(10), 1986: the leaky bucket.
    """

    name = "token-bucket"
    memory = "a token count and the time it was counted"

    def __init__(self, capacity: int, rate: Time) -> None:
        super().__init__()
        self.capacity = require_count("TokenBucket", "capacity", capacity, least=1)
        self.rate = require_time("TokenBucket", "rate", rate, positive=True,
                                 unit="tokens a second")
        self._buckets: dict[str, tuple[Time, Time]] = {}

    def allow(self, key: str, now: Time) -> bool:
        client, at = self._arrive(key, now)
        tokens, last = self._buckets.get(client, (self.capacity, at))
        tokens = min(self.capacity, tokens + self.rate * (at - last))
        admitted = tokens >= 1
        self._buckets[client] = (tokens - 1 if admitted else tokens, at)
        return admitted

    def state(self, key: str) -> tuple[Any, ...]:
        return self._buckets.get(key, ())

    def worst_case(self, t: Time) -> int:
        return self.capacity + math.floor(self.rate * self._length(t))

    def adversary(self, t: Time) -> tuple[tuple[Time, ...], Time]:
        refills = math.floor(self.rate * self._length(t))
        return ((0,) * self.capacity
                + tuple(_ratio(k, self.rate) for k in range(1, refills + 1))), 0

    def fresh(self) -> TokenBucket:
        return TokenBucket(self.capacity, self.rate)

    def __repr__(self) -> str:
        return f"TokenBucket(capacity={self.capacity!r}, rate={self.rate!r})"


class GCRA(Limiter):
    """Function 4.2.4 (限流) by the generic cell rate algorithm (virtual scheduling).

    ``limit`` requests per ``period`` set the emission interval ``T = period / limit``;
    ``burst`` is how many requests beyond the first may arrive at once, so the tolerance
    is ``tau = burst * T``. Each client has a theoretical arrival time ``tat`` (its arrival
    time at first). A request at ``now`` is rejected if ``now < tat - tau``; otherwise it is
    admitted and ``tat`` becomes ``max(now, tat) + T``.

    It decides exactly as ``TokenBucket(burst + 1, limit / period)`` does, on every
    stream: the bucket's tokens are ``burst + 1 - max(0, tat - now) / T``. Worst case in a
    closed interval of length ``t``: ``burst + 1 + floor(t * limit / period)``.

    Memory per client: one time, ``tat``.

    Examples
    --------
    >>> limiter = GCRA(limit=2, period=10, burst=1)
    >>> [limiter.allow("a", t) for t in (0, 0, 0, 5, 10)]
    [True, True, False, True, True]
    >>> limiter.state("a")
    (Fraction(20, 1),)
    >>> limiter.worst_case(0), limiter.worst_case(10)
    (2, 4)

    References
    ----------
    .. [1] Function 4.2.4 of the theory (限流).
    .. [2] ATM Forum, "Traffic Management Specification 4.0", 1996, section 4.4.2:
       the virtual scheduling algorithm.
    .. [3] B. Leach, "Rate limiting, cells, and GCRA", brandur.org, 2015.
    """

    name = "gcra"
    memory = "one time: the theoretical arrival time"

    def __init__(self, limit: int, period: Time, burst: int) -> None:
        super().__init__()
        self.limit = require_count("GCRA", "limit", limit, least=1)
        self.period = require_time("GCRA", "period", period, positive=True)
        self.burst = require_count("GCRA", "burst", burst)
        self.interval = _ratio(self.period, self.limit)
        self.tolerance = self.burst * self.interval
        self._tat: dict[str, Time] = {}

    def allow(self, key: str, now: Time) -> bool:
        client, at = self._arrive(key, now)
        tat = self._tat.get(client, at)
        if at < tat - self.tolerance:
            return False
        self._tat[client] = max(at, tat) + self.interval
        return True

    def state(self, key: str) -> tuple[Any, ...]:
        return (self._tat[key],) if key in self._tat else ()

    def worst_case(self, t: Time) -> int:
        return self.burst + 1 + math.floor(_ratio(self._length(t), self.interval))

    def adversary(self, t: Time) -> tuple[tuple[Time, ...], Time]:
        steps = math.floor(_ratio(self._length(t), self.interval))
        return ((0,) * (self.burst + 1)
                + tuple(k * self.interval for k in range(1, steps + 1))), 0

    def fresh(self) -> GCRA:
        return GCRA(self.limit, self.period, self.burst)

    def __repr__(self) -> str:
        return f"GCRA(limit={self.limit!r}, period={self.period!r}, burst={self.burst!r})"


LIMITERS: Mapping[str, type[Limiter]] = MappingProxyType({
    cls.name: cls for cls in (FixedWindow, SlidingLog, SlidingWindowCounter, TokenBucket, GCRA)
})
"""Function 4.2.4 (限流): each limiter by name, as ``limits``' ``STRATEGIES``."""


def busiest(times: Iterable[Time], t: Time) -> int:
    """The most of ``times`` (sorted) that lie in one closed interval of length ``t``.

    >>> busiest([0, 0, 5, 10, 11], 10)
    4
    """
    points = list(times)
    if any(b < a for a, b in pairwise(points)):
        raise TheoryError(f"busiest: times must be sorted, not {points!r}")
    length = require_time("busiest", "t", t)
    most, first = 0, 0
    for last, at in enumerate(points):
        while at - points[first] > length:
            first += 1
        most = max(most, last - first + 1)
    return most


def attack(limiter: Limiter, t: Time) -> int:
    """How many requests of ``limiter.adversary(t)`` a fresh copy of ``limiter`` admits
    within the stream's interval of length ``t``: its worst case, reached by running it.

    >>> attack(FixedWindow(limit=3, window=60), 1)
    6
    """
    if not isinstance(limiter, Limiter):
        raise TheoryError(f"attack: limiter must be a Limiter, not {limiter!r}")
    times, start = limiter.adversary(t)
    fresh = limiter.fresh()
    return sum(1 for at in times
               if fresh.allow("adversary", at) and start <= at <= start + t)


def formula(name: str) -> sympy.Expr:
    """The worst case of limiter ``name`` (a key of :data:`LIMITERS`) as a sympy expression
    in ``t`` (the interval's length) and the limiter's parameters: ``limit``, ``window``,
    ``capacity``, ``rate``, ``period``, ``burst``.

    >>> formula("fixed-window")
    limit*(ceiling(t/window) + 1)
    >>> bound = formula("gcra")
    >>> values = {"burst": 1, "limit": 2, "period": 10, "t": 10}
    >>> bound.subs({symbol: values[symbol.name] for symbol in bound.free_symbols})
    4
    """
    import sympy

    t = sympy.Symbol("t", nonnegative=True)
    limit, window, capacity, rate, period, burst = sympy.symbols(
        "limit window capacity rate period burst", positive=True)
    formulas: dict[str, Callable[[], sympy.Expr]] = {
        "fixed-window": lambda: limit * (1 + sympy.ceiling(t / window)),
        "sliding-log": lambda: limit * sympy.Max(1, sympy.ceiling(t / window)),
        "sliding-window-counter": lambda: limit + sympy.ceiling(limit * t / window),
        "token-bucket": lambda: capacity + sympy.floor(rate * t),
        "gcra": lambda: burst + 1 + sympy.floor(t * limit / period),
    }
    if name not in formulas:
        raise TheoryError(f"formula: name must be one of {', '.join(LIMITERS)}, "
                          f"not {name!r}")
    return formulas[name]()
