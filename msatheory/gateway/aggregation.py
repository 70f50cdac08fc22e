"""Function 4.2.2 (聚合): one response from the responses of several microservices.

The gateway answers one client request by calling ``n`` backends at once (a fan-out) and
waiting for all of them, so the request is as slow as its slowest call. This module
models that wait:

* :func:`fan_out` runs one request: each :class:`Call` draws its latency from its
  :class:`Latency` (most calls fast, a fraction ``p`` slow) and gives up at its own
  ``timeout``; the :class:`Aggregate` is complete when every call answered in time and
  partial otherwise, naming the calls that timed out;
* :func:`slow_fraction` is the tail at scale: the chance that a request waits on at least
  one slow call, ``1 - (1 - p)**n``, already 63% for 100 calls of which 1% are slow;
* :func:`simulate_fan_out` measures that fraction and the 99th percentile latency over
  many seeded requests;
* :func:`hedging` measures hedged requests: a second copy of a call sent when the first
  has not answered by the fast calls' 95th percentile, the first answer taken.

Conventions: times are in seconds; a call that answers exactly at its timeout answers in
time; percentiles are nearest-rank (:func:`msatheory.sim.nearest_rank`).
All randomness comes from :func:`msatheory.sim.seeded_rng`, so a seed fixes every result.

The module stops at latency. It does not merge response bodies, retry failed calls
(chapter 5) or cancel the losing copy of a hedged call (it is counted as sent, as it is
in the field unless the backend supports cancellation).
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from msatheory.errors import (
    TheoryError,
    require_count,
    require_fraction,
    require_instance,
    require_name,
    require_seed,
    require_time,
)
from msatheory.sim import nearest_rank, seeded_rng

if TYPE_CHECKING:
    import sympy

_BELOW_ONE = math.nextafter(1.0, 0.0)  # keeps a rounded uniform below 1, so the log is finite

__all__ = [
    "Aggregate",
    "Call",
    "FanOutReport",
    "HedgeReport",
    "Latency",
    "fan_out",
    "hedging",
    "simulate_fan_out",
    "slow_fraction",
]


@dataclass(frozen=True)
class Latency:
    """The latency of one backend call: a mixture of fast and slow.

    With probability ``1 - p`` a call is fast and takes an exponentially distributed time
    of mean ``fast``; with probability ``p`` it is slow: the same fast time held up by
    ``slow`` more seconds (a garbage-collection pause, a queue, a cold cache).

    Parameters
    ----------
    fast : float
        Mean latency of a fast call, seconds (> 0).
    slow : float
        Extra delay of a slow call, seconds (>= 0).
    p : float
        Probability that a call is slow, in [0, 1].

    Examples
    --------
    >>> Latency(fast=0.01, slow=1.0, p=0.01).fast_quantile(0.95)  # 0.01 * ln 20
    0.029957...
    """

    fast: float = 0.010
    slow: float = 1.0
    p: float = 0.01

    def __post_init__(self) -> None:
        require_time("Latency", "fast", self.fast, positive=True)
        require_time("Latency", "slow", self.slow)
        require_fraction("Latency", "p", self.p)

    def draw(self, u: float) -> tuple[float, bool]:
        """The latency for one uniform draw ``u`` in [0, 1), and whether the call is slow.

        One draw decides both: ``u < p`` makes the call slow and ``u / p`` (else
        ``(u - p) / (1 - p)``) is again uniform, turned into the exponential fast time by
        its inverse distribution function.
        """
        slow = u < self.p
        v = u / self.p if slow else (u - self.p) / (1 - self.p)
        base = -self.fast * math.log1p(-min(v, _BELOW_ONE))
        return (base + self.slow if slow else base), slow

    def fast_quantile(self, q: float) -> float:
        """The ``q``-quantile of a fast call's latency: ``fast * ln(1 / (1 - q))``."""
        q = require_fraction("Latency.fast_quantile", "q", q)
        if q == 1:
            raise TheoryError("Latency.fast_quantile: q must lie in [0, 1), not 1")
        return -self.fast * math.log1p(-q)


@dataclass(frozen=True)
class Call:
    """One backend call of a fan-out: its name, its latency and its own timeout.

    ``timeout`` is in seconds (> 0), or ``None`` to wait as long as it takes.
    """

    name: str
    latency: Latency = Latency()
    timeout: float | None = None

    def __post_init__(self) -> None:
        require_name("Call", "name", self.name)
        require_instance(f"Call {self.name!r}", "latency", self.latency, Latency)
        if self.timeout is not None:
            require_time(f"Call {self.name!r}", "timeout", self.timeout, positive=True)


@dataclass(frozen=True)
class Aggregate:
    """The aggregated response of one fan-out request.

    ``latency`` is when the gateway can answer: the latest of the answered calls'
    latencies and the timeouts hit. ``answered`` and ``timed_out`` name the calls in the
    order given; ``slow`` names the calls whose draw was slow (answered or not);
    ``hedges`` counts the second copies sent.
    """

    latency: float
    answered: tuple[str, ...]
    timed_out: tuple[str, ...]
    slow: tuple[str, ...] = ()
    hedges: int = 0

    @property
    def partial(self) -> bool:
        """True when at least one call timed out: the response lacks its part."""
        return bool(self.timed_out)


def fan_out(calls: Sequence[Call], seed: int, *, hedge_after: float | None = None) -> Aggregate:
    """Function 4.2.2 (聚合): run one fan-out request and aggregate its calls.

    Each call draws two latencies from its :class:`Latency`, one per copy, in the order
    given (so hedged and unhedged runs with one seed see the same first copies). Without
    hedging the call takes its first latency. With ``hedge_after`` a second copy is sent
    when the first has not answered by then, and the call takes
    ``min(first, hedge_after + second)``. A call answers if it takes at most its timeout.

    Parameters
    ----------
    calls : sequence of Call
        The backend calls, with distinct names (at least one).
    seed : int
        Seed of the latency draws.
    hedge_after : float, optional
        Delay in seconds after which an unanswered call is sent again; ``None`` never.

    Returns
    -------
    Aggregate
        Latency, the answered and timed-out calls by name, and whether it is partial.

    Raises
    ------
    TheoryError
        If ``calls`` is empty, not all :class:`Call`, names repeat, or ``seed`` or
        ``hedge_after`` is not a valid number.

    Examples
    --------
    >>> always_slow = Latency(fast=0.01, slow=1.0, p=1.0)
    >>> reply = fan_out([Call("user"), Call("orders", always_slow, timeout=0.5)], seed=1)
    >>> reply.partial, reply.answered, reply.timed_out, reply.latency
    (True, ('user',), ('orders',), 0.5)
    >>> fan_out([], seed=1)
    Traceback (most recent call last):
        ...
    msatheory.errors.TheoryError: fan_out: calls must hold at least one Call, not []

    References
    ----------
    .. [1] J. Dean and L. A. Barroso, "The Tail at Scale", Communications of the ACM
       56(2), 2013, pp. 74-80.
    """
    seed = require_seed("fan_out", seed)
    calls = _require_calls("fan_out", calls)
    delay = None if hedge_after is None else float(
        require_time("fan_out", "hedge_after", hedge_after))
    return _fan_out(calls, seeded_rng(seed, "fan_out"), delay)


def _require_calls(owner: str, calls: object) -> tuple[Call, ...]:
    if isinstance(calls, str | bytes) or not isinstance(calls, Sequence) or not calls:
        raise TheoryError(f"{owner}: calls must hold at least one Call, not {calls!r}")
    for call in calls:
        require_instance(owner, "each call", call, Call)
    seen: set[str] = set()
    for call in calls:
        if call.name in seen:
            raise TheoryError(f"{owner}: call names must be distinct, "
                              f"not {call.name!r} twice")
        seen.add(call.name)
    return tuple(calls)


def _fan_out(calls: Sequence[Call], rng: random.Random, hedge_after: float | None) -> Aggregate:
    answered: list[str] = []
    timed_out: list[str] = []
    slow: list[str] = []
    latency = 0.0
    hedges = 0
    for call in calls:
        first, was_slow = call.latency.draw(rng.random())
        second, _ = call.latency.draw(rng.random())
        timeout = math.inf if call.timeout is None else float(call.timeout)
        took = first
        if hedge_after is not None and first > hedge_after and hedge_after < timeout:
            hedges += 1
            took = min(first, hedge_after + second)
        if was_slow:
            slow.append(call.name)
        if took <= timeout:
            answered.append(call.name)
            latency = max(latency, took)
        else:
            timed_out.append(call.name)
            latency = max(latency, timeout)
    return Aggregate(latency, tuple(answered), tuple(timed_out), tuple(slow), hedges)


def _sympy_expression(value: object) -> bool:
    """Whether ``value`` is a sympy object. sympy is not imported to ask: an object of it
    exists only once something imported it (so the numeric path stays light)."""
    sympy = sys.modules.get("sympy")
    return sympy is not None and isinstance(value, sympy.Basic)


def slow_fraction(n: int | sympy.Expr, p: float | sympy.Expr) -> float | sympy.Expr:
    """The tail at scale: the chance a fan-out of ``n`` calls waits on a slow one.

    Each call is slow with probability ``p``, independently, so all ``n`` are fast with
    probability ``(1 - p)**n`` and the request waits on at least one slow call with
    probability ``1 - (1 - p)**n``. Given sympy symbols it returns that expression; given
    numbers, its value as a float.

    Parameters
    ----------
    n : int or sympy expression
        Number of calls in the fan-out (a positive whole number).
    p : float or sympy expression
        Probability that one call is slow, in [0, 1].

    Returns
    -------
    float or sympy.Expr
        ``1 - (1 - p)**n``.

    Examples
    --------
    >>> round(slow_fraction(100, 0.01), 4)
    0.634
    >>> import sympy
    >>> slow_fraction(*sympy.symbols("n p"))
    1 - (1 - p)**n

    References
    ----------
    .. [1] J. Dean and L. A. Barroso, "The Tail at Scale", Communications of the ACM
       56(2), 2013, pp. 74-80 (Table 1 and the 63% example).
    """
    if _sympy_expression(n) or _sympy_expression(p):
        import sympy

        if not isinstance(n, sympy.Basic):
            n = sympy.Integer(require_count("slow_fraction", "n", n, least=1))
        if not isinstance(p, sympy.Basic):
            p = sympy.nsimplify(require_fraction("slow_fraction", "p", p))
        return 1 - (1 - p) ** n
    n = require_count("slow_fraction", "n", n, least=1)
    p = require_fraction("slow_fraction", "p", p)
    return -math.expm1(n * math.log1p(-p)) if p < 1 else 1.0


@dataclass(frozen=True)
class FanOutReport:
    """What :func:`simulate_fan_out` measured over ``requests`` requests.

    ``slow_fraction`` is the share of requests that waited on at least one slow call,
    ``partial_fraction`` the share with at least one timed-out call, ``p99`` the
    nearest-rank 99th percentile of the request latency (seconds) and ``hedges`` the
    number of second copies sent (0 without hedging).
    """

    requests: int
    calls: int
    slow_fraction: float
    partial_fraction: float
    p99: float
    hedges: int


def simulate_fan_out(n: int, p: float, *, fast: float = 0.010, slow: float = 1.0,
                     timeout: float | None = None, hedge_after: float | None = None,
                     requests: int = 1000, seed: int = 0) -> FanOutReport:
    """Function 4.2.2 (聚合) at scale: ``requests`` seeded fan-outs of ``n`` calls each.

    Every call has the :class:`Latency` ``(fast, slow, p)`` and the same ``timeout``;
    request ``k`` runs :func:`fan_out` on one generator seeded by ``seed``, so the whole
    run is fixed by the seed, and the same seed with and without ``hedge_after`` sees
    the same first copies.

    Parameters
    ----------
    n : int
        Calls per request (positive).
    p : float
        Probability that a call is slow, in [0, 1].
    fast, slow : float
        Mean fast latency (> 0) and a slow call's extra delay (>= 0), seconds.
    timeout : float, optional
        Each call's timeout in seconds; ``None`` waits for every call.
    hedge_after : float, optional
        Hedging delay in seconds; ``None`` never hedges.
    requests : int
        Number of requests simulated (positive).
    seed : int
        Seed of the run.

    Returns
    -------
    FanOutReport
        The measured slow and partial fractions, the p99 latency and the hedges sent.

    Examples
    --------
    >>> report = simulate_fan_out(100, 0.01, requests=400, seed=7)
    >>> report.slow_fraction  # about 1 - 0.99**100 = 0.634
    0.6625
    >>> report.p99 > 1.0
    True

    References
    ----------
    .. [1] J. Dean and L. A. Barroso, "The Tail at Scale", Communications of the ACM
       56(2), 2013, pp. 74-80.
    """
    owner = "simulate_fan_out"
    n = require_count(owner, "n", n, least=1)
    requests = require_count(owner, "requests", requests, least=1)
    seed = require_seed(owner, seed)
    latency = _latency(owner, fast, slow, p)
    if timeout is not None:
        require_time(owner, "timeout", timeout, positive=True)
    delay = None if hedge_after is None else float(require_time(owner, "hedge_after",
                                                                hedge_after))
    calls = tuple(Call(f"call-{k}", latency, timeout) for k in range(1, n + 1))
    rng = seeded_rng(seed, owner)
    results = [_fan_out(calls, rng, delay) for _ in range(requests)]
    return FanOutReport(
        requests=requests,
        calls=n * requests,
        slow_fraction=sum(1 for r in results if r.slow) / requests,
        partial_fraction=sum(1 for r in results if r.partial) / requests,
        p99=nearest_rank([r.latency for r in results], 99),
        hedges=sum(r.hedges for r in results),
    )


def _latency(owner: str, fast: object, slow: object, p: object) -> Latency:
    share = require_fraction(owner, "p", p)
    return Latency(float(require_time(owner, "fast", fast, positive=True)),
                   float(require_time(owner, "slow", slow)), share)


@dataclass(frozen=True)
class HedgeReport:
    """What hedging bought and cost, measured by :func:`hedging`.

    ``hedge_after`` is the delay used (the fast calls' ``quantile``); ``p99_plain`` and
    ``p99_hedged`` the request p99 without and with hedging (same seed, same first
    copies); ``gain`` their difference in seconds; ``extra_calls`` the hedges sent as a
    fraction of the first copies, and ``expected_extra`` its exact expectation
    ``(1 - p) * (1 - quantile) + p``: a copy is sent when the first is slow or is a fast
    call beyond the quantile.
    """

    hedge_after: float
    p99_plain: float
    p99_hedged: float
    gain: float
    extra_calls: float
    expected_extra: float


def hedging(n: int, p: float, *, quantile: float = 0.95, fast: float = 0.010,
            slow: float = 1.0, requests: int = 1000, seed: int = 0) -> HedgeReport:
    """Hedged requests: resend a call not answered by the fast calls' ``quantile``.

    Runs :func:`simulate_fan_out` twice with one seed, without and with
    ``hedge_after = fast * ln(1 / (1 - quantile))``, and compares. Since both runs see the
    same first copies and a hedged call takes ``min(first, hedge_after + second)``, no
    request is slower with hedging, so ``p99_hedged <= p99_plain`` always. The cost is
    about ``1 - quantile`` extra calls (5% for the 95th percentile) plus the slow share
    ``p``.

    Parameters
    ----------
    n : int
        Calls per request (positive).
    p : float
        Probability that a call is slow, in [0, 1].
    quantile : float
        Quantile of the fast latency after which a copy is sent, in [0, 1).
    fast, slow : float
        Mean fast latency (> 0) and a slow call's extra delay (>= 0), seconds.
    requests : int
        Number of requests simulated (positive).
    seed : int
        Seed of both runs.

    Returns
    -------
    HedgeReport
        The p99 with and without hedging, the gain and the extra calls.

    Examples
    --------
    >>> report = hedging(10, 0.01, requests=2000, seed=3)
    >>> report.p99_plain > 1.0 > 0.1 > report.p99_hedged
    True
    >>> round(report.expected_extra, 4)
    0.0595

    References
    ----------
    .. [1] J. Dean and L. A. Barroso, "The Tail at Scale", Communications of the ACM
       56(2), 2013, pp. 74-80 ("Hedged requests": defer the second copy until the first
       has been outstanding longer than the 95th-percentile expected latency).
    """
    owner = "hedging"
    quantile = require_fraction(owner, "quantile", quantile)
    if quantile == 1:
        raise TheoryError(f"{owner}: quantile must lie in [0, 1), not {quantile!r}")
    latency = _latency(owner, fast, slow, p)
    delay = latency.fast_quantile(quantile)
    plain = simulate_fan_out(n, p, fast=fast, slow=slow, requests=requests, seed=seed)
    hedged = simulate_fan_out(n, p, fast=fast, slow=slow, hedge_after=delay,
                              requests=requests, seed=seed)
    return HedgeReport(
        hedge_after=delay,
        p99_plain=plain.p99,
        p99_hedged=hedged.p99,
        gain=plain.p99 - hedged.p99,
        extra_calls=hedged.hedges / hedged.calls,
        expected_extra=(1 - latency.p) * (1 - quantile) + latency.p,
    )
