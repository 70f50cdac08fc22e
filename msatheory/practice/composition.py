"""Patterns 8.1.1 (聚合器模式), 8.1.2 (代理模式) and 8.1.3 (链式模式) as compositions of calls.

A request served by several services composes their latencies and availabilities, and the
three patterns compose them differently:

* a **chain** (Pattern 8.1.3) of ``n`` calls, each waiting on the next, takes the *sum* of
  the calls' latencies and succeeds when every call does: the *product* of the
  availabilities (chapter 1's :func:`~msatheory.basics.availability.serial`);
* an **aggregator's fan-out** (Pattern 8.1.1) sends ``n`` calls at once and waits for all of
  them, so it takes the *maximum* (the slowest call) and, waiting for all, also succeeds
  with the product;
* a **proxy** (Pattern 8.1.2) is one more hop in series: its own latency is added and its
  own availability multiplied in (:func:`proxied`).

:func:`chain_latency` and :func:`fan_out_latency` give the mean and any quantile of ``n``
independent, identically distributed calls. For exponential calls of mean ``m`` the chain
is Erlang: mean ``n m``; the fan-out's mean is ``m H_n`` (the harmonic number: the maximum
of ``n`` exponentials is a sum of exponentials of means ``m/n, m/(n-1), ..., m``) and its
``q``-quantile ``-m ln(1 - q^(1/n))``, since the maximum of ``n`` calls is below ``t``
exactly when all are. Both accept sympy symbols there.

The closed forms stop at a call with a slow share (chapter 4's
:class:`~msatheory.gateway.aggregation.Latency` ``(fast, slow, p)``). The chain's mean is
still ``n (fast + p slow)`` and the fan-out's mean is still a finite sum (integrate
``1 - F(t)^n`` before and after ``slow``), but the quantile ``F^-1(q^(1/n))`` inverts a
mixture of exponentials, which has no closed form: it is found by Brent's method
(scipy's ``brentq``), exact up to floating point. The chain's quantile is never closed:
it inverts the regularized incomplete gamma function (Erlang, scipy's ``gammaincc``) or,
with a slow share, a binomial mixture of Erlangs shifted by the slow calls' delays.

A request of one of the three :data:`PATTERNS` over ``n`` alike calls needs
:func:`hops` services (a proxy is one more); :func:`expected_latency` gives its mean, p50
and p99 in closed form, :func:`expected_availability` the product of the availabilities
and :func:`latency_curve` points of its survival ``P(latency > t)``.

:func:`simulate_composition` measures the same numbers on the SimPy run of chapter 5's
:func:`~msatheory.communication.patterns.synchronous_chain` (a chain) and on chapter 4's
:func:`~msatheory.gateway.aggregation.fan_out` (a fan-out), and a
:class:`CompositionReport` sets them beside the closed forms with the simulation's
standard errors. It is a :class:`Measured` run, which keeps every answered request's
latency. :func:`measure` replays the same run without SimPy, the same to the last bit, for
an explorer that redraws on every move of a control.

Conventions: times in seconds; calls independent; percentiles of a simulation are
nearest-rank. The module stops at identical calls: calls of different latencies compose
the same way (sum, maximum, product), but their quantiles are a convolution this module
does not compute.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, TypeAlias

import sympy

from msatheory.basics.availability import serial
from msatheory.communication.patterns import mean_latency
from msatheory.errors import (
    TheoryError,
    require_choice,
    require_count,
    require_fraction,
    require_instance,
    require_seed,
    require_time,
)
from msatheory.gateway.aggregation import Call, Latency, fan_out
from msatheory.sim import Simulation, exact, nearest_rank, seeded_rng

if TYPE_CHECKING:
    import random

    import simpy

__all__ = [
    "PATTERNS",
    "TAILS",
    "Composed",
    "CompositionReport",
    "Curve",
    "Expected",
    "Measured",
    "chain_latency",
    "expected_availability",
    "expected_latency",
    "fan_out_latency",
    "hops",
    "latency_curve",
    "measure",
    "proxied",
    "simulate_composition",
]

#: The three compositions of ``n`` alike calls: a chain (Pattern 8.1.3), an aggregator's
#: fan-out (Pattern 8.1.1), and the chain behind a proxy (Pattern 8.1.2), one more alike
#: hop in front.
PATTERNS = ("chain", "fan-out", "proxy")
#: The survival levels :func:`latency_curve` passes through: from 0.999 down to 1/1000,
#: two or three a decade (a chain's quantile costs a millisecond or more), among them the
#: p50's 1/2 and the p99's 1/100, so both are points of the curve. Below the last, a run
#: of a few hundred requests says nothing.
TAILS = (0.999, 0.9, 0.7, 0.5, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001)
#: How far either side of a plateau's level :func:`latency_curve` asks (relative).
_EDGE = 0.02

Number: TypeAlias = int | float
Value: TypeAlias = "int | float | sympy.Expr"


# -- one call's distribution ---------------------------------------------------------------

def _symbolic(*values: object) -> bool:
    return any(isinstance(v, sympy.Basic) for v in values)


def _latency(owner: str, latency: object) -> Latency:
    """``latency`` as a :class:`Latency`: a number is the mean of an exponential call."""
    if isinstance(latency, Latency):
        return latency
    return Latency(fast=float(require_time(owner, "latency", latency, positive=True)),
                   slow=0.0, p=0.0)


def _exponential(call: Latency) -> bool:
    return call.p == 0 or call.slow == 0


def _call_survival(call: Latency, t: float) -> float:
    """P(one call takes longer than ``t``): fast with probability ``1 - p``, else ``slow``
    later. Kept as a survival so that tails near 1 keep their precision."""
    fast, slow, p = float(call.fast), float(call.slow), float(call.p)
    if t <= 0:
        return 1.0
    fast_left = math.exp(-t / fast)
    if _exponential(call):
        return fast_left
    return (1 - p) * fast_left + p * (math.exp(-(t - slow) / fast) if t > slow else 1.0)


def _chain_survival(n: int, call: Latency, t: float) -> float:
    """P(a chain of ``n`` calls takes longer than ``t``): the Erlang survival, the
    regularized upper incomplete gamma function ``Q(n, t / fast)``; with a slow share,
    given ``k`` slow calls the sum is an Erlang shifted by ``k * slow``, and ``k`` is
    binomial."""
    from scipy.special import gammaincc

    fast = float(call.fast)
    if _exponential(call):
        return float(gammaincc(n, max(t, 0.0) / fast))
    slow, p = float(call.slow), float(call.p)
    return math.fsum(math.comb(n, k) * p**k * (1 - p) ** (n - k)
                     * float(gammaincc(n, max(t - k * slow, 0.0) / fast))
                     for k in range(n + 1))


def _call_excess(call: Latency, t: float, excess: float) -> float:
    """P(one call takes longer than ``t``) minus a tail, given ``excess``, the slow share
    minus that tail. Before the slow delay the survival is ``(1 - p) e^(-t/fast) + p``,
    so when the slow share equals the tail (one call, 1% slow, its p99) the difference of
    two nearly equal floats would decide the answer; ``excess`` keeps it exact."""
    fast, slow, p = float(call.fast), float(call.slow), float(call.p)
    fast_left = math.exp(-t / fast) if t > 0 else 1.0
    if t <= slow:
        return (1 - p) * fast_left + excess
    return (1 - p) * fast_left + p * math.expm1(-(t - slow) / fast) + excess


def _invert(excess: Callable[[float], float], scale: float) -> float:
    """The ``t`` at which ``excess(t)``, a survival minus a tail, falls to 0 (it falls as
    ``t`` grows): the bracket ``[0, scale]`` is doubled until it holds the root, then
    Brent's method."""
    from scipy.optimize import brentq

    low, high = 0.0, scale
    while excess(high) > 0:
        low, high = high, 2 * high
    return float(brentq(excess, low, high, xtol=1e-15, rtol=1e-13))


def _fan_out_mean(n: int, call: Latency) -> float:
    """E[max] of ``n`` calls with a slow share, as a finite sum.

    For ``t >= slow`` a call's distribution is ``1 - c e^(-t/fast)`` with
    ``c = 1 - p + p e^(slow/fast)``; before it, ``(1 - p)(1 - e^(-t/fast))``. Integrating
    ``1 - F(t)^n`` piece by piece (``v = 1 - e^(-t/fast)`` before, ``u = c e^(-t/fast)``
    after) gives ``slow - fast (1-p)^n I + fast sum_{j=1}^{n} (1 - (1 - u0)^j) / j``, with
    ``u0 = (1 - p) e^(-slow/fast) + p`` and ``I = -ln(1 - v1) - sum_{j=1}^{n} v1^j / j``,
    ``v1 = 1 - e^(-slow/fast)``.
    """
    fast, slow, p = float(call.fast), float(call.slow), float(call.p)
    v1 = -math.expm1(-slow / fast)
    if v1 <= 0.5:  # the tail sum_{j > n} v1^j / j: no cancellation
        terms: list[float] = []
        j, term = n + 1, v1 ** (n + 1)
        while term > 1e-300 and (not terms or term > terms[0] * 1e-17):
            terms.append(term / j)
            j += 1
            term *= v1
        head = math.fsum(terms)
    else:
        head = slow / fast - math.fsum(v1**j / j for j in range(1, n + 1))
    u0 = (1 - p) * math.exp(-slow / fast) + p
    after = math.fsum(-math.expm1(j * math.log1p(-u0)) / j if u0 < 1 else 1 / j
                      for j in range(1, n + 1))
    return slow - fast * (1 - p) ** n * head + fast * after


def _fan_out_second_moment(n: int, call: Latency) -> float:
    """E[max^2] of ``n`` calls: the integral of ``2t (1 - F(t)^n)`` over ``[0, slow]`` and
    ``[slow, inf)`` (``F`` has a kink at ``slow``), by adaptive quadrature."""
    from scipy.integrate import quad

    slow = float(call.slow)

    def g(t: float) -> float:
        left = _call_survival(call, t)
        return 2 * t * (-math.expm1(n * math.log1p(-left)) if left < 1 else 1.0)

    return float(quad(g, 0.0, slow)[0] + quad(g, slow, math.inf)[0])


def _harmonic(n: int, power: int = 1) -> float:
    return math.fsum(1 / k**power for k in range(1, n + 1))


def _mean(shape: str, n: int, call: Latency) -> float:
    """The mean latency of ``n`` calls composed as ``shape``, ``"chain"`` or ``"fan-out"``."""
    if shape == "chain":
        return n * mean_latency(call)
    if _exponential(call):  # Rényi: the maximum is a sum of exponentials of means fast / k
        return float(call.fast) * _harmonic(n)
    return _fan_out_mean(n, call)


def _spread(shape: str, n: int, call: Latency) -> float:
    """The standard deviation of the latency of ``n`` calls composed as ``shape``."""
    fast, slow, p = float(call.fast), float(call.slow), float(call.p)
    if shape == "chain":  # a sum of n independent calls, each of variance fast² + p(1-p)slow²
        return math.sqrt(n * (fast**2 + p * (1 - p) * slow**2))
    if _exponential(call):
        return fast * math.sqrt(_harmonic(n, 2))
    mean = _fan_out_mean(n, call)
    return math.sqrt(max(_fan_out_second_moment(n, call) - mean**2, 0.0))


@functools.lru_cache(maxsize=4096)
def _quantile(shape: str, n: int, call: Latency, q: float) -> float:
    """The ``q``-quantile of ``n`` calls composed as ``shape``, memoised: a chain's
    inverts a sum of incomplete gamma functions, a millisecond or more."""
    if q == 0:
        return 0.0
    scale = max(mean_latency(call), float(call.fast)) * n
    if shape == "chain" and n > 1:
        return _invert(lambda t: _chain_survival(n, call, t) - (1 - q), scale)
    tail = -math.expm1(math.log(q) / n)  # 1 - q^(1/n): every one of the n calls is done
    if _exponential(call):
        return -float(call.fast) * math.log(tail)
    # One call (of either shape): the slow share against 1 - q as the decimals written.
    excess = (float(exact(call.p) - 1 + exact(q)) if n == 1
              else float(call.p) - tail)
    return _invert(lambda t: _call_excess(call, t, excess), scale)


# -- the closed forms ----------------------------------------------------------------------

def _numeric_q(owner: str, q: object) -> float:
    share = require_fraction(owner, "q", q)
    if share == 1:
        raise TheoryError(f"{owner}: q must lie in [0, 1), not {q!r}")
    return share


def _sym(owner: str, what: str, value: object,
         check: Callable[[str, str, object], object]) -> sympy.Expr:
    """``value`` as a sympy expression; a number is validated by ``check`` first."""
    if isinstance(value, sympy.Basic):
        return value
    return sympy.nsimplify(check(owner, what, value))


def _symbolic_mean(owner: str, latency: object) -> sympy.Expr:
    if isinstance(latency, Latency):
        fast, slow, p = (sympy.nsimplify(float(v)) for v in (latency.fast, latency.slow,
                                                             latency.p))
        return fast + p * slow
    return _sym(owner, "latency", latency, lambda o, w, v: require_time(o, w, v, positive=True))


def _count(owner: str, n: object) -> sympy.Expr:
    return _sym(owner, "n", n, lambda o, w, v: require_count(o, w, v, least=1))


def chain_latency(n: int | sympy.Expr, latency: Value | Latency = 0.010, *,
                  q: Value | None = None) -> float | sympy.Expr:
    """Pattern 8.1.3 (链式模式): the latency of a chain of ``n`` calls, each waiting on the next.

    The calls are independent and alike. The chain takes the sum of their latencies, so
    its mean is ``n`` times a call's mean whatever the distribution; for exponential
    calls of mean ``m`` the sum is Erlang, and its ``q``-quantile is the ``t`` at which
    the regularized incomplete gamma function ``P(n, t/m)`` reaches ``q``, which has no
    closed form and is found by Brent's method. With a slow share (a :class:`Latency`) the sum
    is a binomial mixture of Erlangs shifted by the slow calls' delays.

    Parameters
    ----------
    n : int or sympy expression
        Calls in the chain (a positive whole number).
    latency : float, sympy expression or Latency
        A call's latency: a number is the mean (seconds, > 0) of an exponential call; a
        :class:`~msatheory.gateway.aggregation.Latency` adds a slow share.
    q : float or sympy expression, optional
        The quantile wanted, in [0, 1); ``None`` (default) gives the mean.

    Returns
    -------
    float or sympy.Expr
        The mean, or the ``q``-quantile, in seconds; a sympy expression for the mean
        when an argument is one.

    Raises
    ------
    TheoryError
        If ``n``, ``latency`` or ``q`` is not valid, or a quantile is asked of symbols
        (it has no closed form).

    Examples
    --------
    >>> chain_latency(5, 0.010)
    0.05
    >>> round(chain_latency(5, 0.010, q=0.99), 4)  # Erlang(5): 11.6 calls' means
    0.116
    >>> import sympy
    >>> n, m = sympy.symbols("n m", positive=True)
    >>> chain_latency(n, m)
    m*n

    References
    ----------
    .. [1] Pattern 8.1.3 of the theory (链式模式).
    .. [2] S. M. Ross, *Introduction to Probability Models*, 12th ed., Academic Press,
       2019, ch. 5: the sum of ``n`` independent exponentials is gamma (Erlang)
       distributed.
    """
    owner = "chain_latency"
    if _symbolic(n, latency, q):
        if q is not None:
            raise TheoryError(f"{owner}: a chain's quantile has no closed form (it inverts "
                              f"the incomplete gamma function); give numbers, not q={q!r}")
        return _count(owner, n) * _symbolic_mean(owner, latency)
    count = require_count(owner, "n", n, least=1)
    call = _latency(owner, latency)
    if q is None:
        return _mean("chain", count, call)
    return _quantile("chain", count, call, _numeric_q(owner, q))


def fan_out_latency(n: int | sympy.Expr, latency: Value | Latency = 0.010, *,
                    q: Value | None = None) -> float | sympy.Expr:
    """Pattern 8.1.1 (聚合器模式): the latency of a fan-out of ``n`` calls, waiting for all.

    The calls are sent at once and are independent and alike, so the request takes the
    maximum of their latencies, which is at most ``t`` exactly when every call is: its
    distribution function is ``F(t)^n`` and its ``q``-quantile ``F^-1(q^(1/n))``. For
    exponential calls of mean ``m`` that is ``-m ln(1 - q^(1/n))``, and the mean is
    ``m H_n``, the ``n``-th harmonic number times ``m`` (about ``m ln n``). With a slow
    share (a :class:`Latency`) the mean is a finite sum and ``F^-1`` is found by
    Brent's method.

    Parameters
    ----------
    n : int or sympy expression
        Calls in the fan-out (a positive whole number).
    latency : float, sympy expression or Latency
        A call's latency: a number is the mean (seconds, > 0) of an exponential call; a
        :class:`~msatheory.gateway.aggregation.Latency` adds a slow share.
    q : float or sympy expression, optional
        The quantile wanted, in [0, 1); ``None`` (default) gives the mean.

    Returns
    -------
    float or sympy.Expr
        The mean, or the ``q``-quantile, in seconds; a sympy expression when an argument
        is one.

    Raises
    ------
    TheoryError
        If ``n``, ``latency`` or ``q`` is not valid, or symbols are given with a slow
        share (no closed form).

    Examples
    --------
    >>> round(fan_out_latency(5, 0.010), 5)  # H_5 = 137/60 calls' means
    0.02283
    >>> round(fan_out_latency(5, 0.010, q=0.99), 4)
    0.0621
    >>> import sympy
    >>> n, m = sympy.symbols("n m", positive=True)
    >>> fan_out_latency(n, m)
    m*harmonic(n)
    >>> fan_out_latency(n, m, q=sympy.Rational(99, 100))
    -m*log(1 - (99/100)**(1/n))

    References
    ----------
    .. [1] Pattern 8.1.1 of the theory (聚合器模式); Function 4.2.2 (聚合).
    .. [2] J. Dean and L. A. Barroso, "The Tail at Scale", Communications of the ACM
       56(2), 2013, pp. 74-80: a fan-out waits for its slowest call.
    .. [3] A. Rényi, "On the theory of order statistics", Acta Mathematica Academiae
       Scientiarum Hungarica 4, 1953: the maximum of ``n`` exponentials as a sum of
       exponentials of means ``m/k``.
    """
    owner = "fan_out_latency"
    if _symbolic(n, latency, q):
        if isinstance(latency, Latency) and not _exponential(latency):
            raise TheoryError(f"{owner}: with a slow share the fan-out has no closed form; "
                              f"give numbers, not n={n!r}")
        m = _symbolic_mean(owner, latency)
        count = _count(owner, n)
        if q is None:
            return m * sympy.harmonic(count)
        share = _sym(owner, "q", q, lambda o, _, v: _numeric_q(o, v))
        return -m * sympy.log(1 - share ** (1 / count))
    count = require_count(owner, "n", n, least=1)
    call = _latency(owner, latency)
    if q is None:
        return _mean("fan-out", count, call)
    return _quantile("fan-out", count, call, _numeric_q(owner, q))


class Composed(NamedTuple):
    """A request's mean latency (seconds) and availability, composed from its parts."""

    latency: Value
    availability: Value


def proxied(latency: Value, availability: Value, proxy_latency: Value,
            proxy_availability: Value) -> Composed:
    """Pattern 8.1.2 (代理模式): what a proxy in front of a service costs a request.

    The proxy is one more hop in series: the request waits for it too, so its mean
    latency is added, and it succeeds only when the proxy also answers, so its
    availability is multiplied in (chapter 1's
    :func:`~msatheory.basics.availability.serial`). Treynor et al.'s rule of the extra
    nine asks a critical dependency such as the proxy for one more nine than the
    service: then it spends a tenth of the service's error budget.

    Parameters
    ----------
    latency, availability : float or sympy expression
        The service's mean latency (seconds, >= 0) and availability (in [0, 1]).
    proxy_latency, proxy_availability : float or sympy expression
        The proxy's.

    Returns
    -------
    Composed
        ``(latency + proxy_latency, availability * proxy_availability)``.

    Raises
    ------
    TheoryError
        If a number is out of range.

    Examples
    --------
    >>> proxied(0.010, 0.999, 0.001, 0.9999)
    Composed(latency=0.011, availability=0.9989001)
    >>> import sympy
    >>> proxied(*sympy.symbols("m a m_p a_p"))
    Composed(latency=m + m_p, availability=a*a_p)

    References
    ----------
    .. [1] Pattern 8.1.2 of the theory (代理模式).
    .. [2] B. Treynor, M. Dahlin, V. Rau and B. Beyer, "The Calculus of Service
       Availability", ACM Queue 15(2), 2017 (the rule of the extra 9).
    """
    owner = "proxied"
    for what, value in (("latency", latency), ("proxy_latency", proxy_latency)):
        if not _symbolic(value):
            require_time(owner, what, value)
    return Composed(latency + proxy_latency, serial([availability, proxy_availability]))


# -- one request of each pattern ----------------------------------------------------------

def _pattern(owner: str, pattern: object) -> str:
    return require_choice(owner, "pattern", pattern, PATTERNS)


def _shape(pattern: str, n: int) -> tuple[str, int]:
    """What a request of ``pattern`` over ``n`` calls composes: a fan-out of ``n``, or a
    chain of its hops, one more behind a proxy."""
    if pattern == "fan-out":
        return "fan-out", n
    return "chain", n + 1 if pattern == "proxy" else n


def hops(pattern: str, n: int) -> int:
    """Pattern 8.1.2 (代理模式): the services a request of ``pattern`` over ``n`` calls
    needs: ``n``, or ``n + 1`` behind a proxy, one more hop in series.

    >>> hops("fan-out", 5), hops("proxy", 5)
    (5, 6)
    """
    pattern = _pattern("hops", pattern)
    return _shape(pattern, require_count("hops", "n", n, least=1))[1]


def _request(owner: str, pattern: object, n: object,
             call: object) -> tuple[str, int, Latency]:
    return (_pattern(owner, pattern), require_count(owner, "n", n, least=1),
            require_instance(owner, "call", call, Latency))


@dataclass(frozen=True)
class Expected:
    """A request's latency in closed form (seconds): its ``mean``, ``p50`` and ``p99``."""

    mean: float
    p50: float
    p99: float


def _expected_mean(pattern: str, n: int, call: Latency) -> float:
    """The mean latency of a request of ``pattern``; behind a proxy :func:`proxied`'s, the
    proxy one more alike call."""
    if pattern == "proxy":  # the availabilities are _end_to_end's: 1 here, only latencies add
        return float(proxied(_mean("chain", n, call), 1.0, mean_latency(call), 1.0).latency)
    return _mean(pattern, n, call)  # a chain's or a fan-out's own shape


def expected_latency(pattern: str, n: int, call: Latency) -> Expected:
    """Patterns 8.1.1-8.1.3 (聚合器模式, 代理模式, 链式模式): a request's mean, p50 and p99
    latency in closed form.

    A chain takes :func:`chain_latency`, a fan-out :func:`fan_out_latency`; behind a proxy
    the chain's mean is :func:`proxied`'s (the proxy one more alike hop) and its quantiles
    the chain of ``n + 1`` hops'.

    Parameters
    ----------
    pattern : str
        One of :data:`PATTERNS`.
    n : int
        Calls the request makes (positive).
    call : Latency
        Each call's latency.

    Returns
    -------
    Expected
        Mean, p50 and p99, in seconds.

    Raises
    ------
    TheoryError
        If an argument is not valid.

    Examples
    --------
    >>> wide = expected_latency("fan-out", 5, Latency(fast=0.010, slow=0.0, p=0.0))
    >>> round(wide.mean, 5), round(wide.p99, 4)
    (0.02283, 0.0621)
    >>> round(expected_latency("proxy", 4, Latency(fast=0.010, slow=0.0, p=0.0)).mean, 3)
    0.05

    References
    ----------
    .. [1] Patterns 8.1.1, 8.1.2 and 8.1.3 of the theory.
    """
    pattern, n, call = _request("expected_latency", pattern, n, call)
    shape, count = _shape(pattern, n)
    return Expected(_expected_mean(pattern, n, call), _quantile(shape, count, call, 0.5),
                    _quantile(shape, count, call, 0.99))


def _end_to_end(pattern: str, n: int, share: float) -> float:
    """The product of ``n`` calls' availabilities, times the proxy's behind one."""
    calls = float(serial([share] * n))
    if pattern == "proxy":
        return float(proxied(0.0, calls, 0.0, share).availability)
    return calls


def expected_availability(pattern: str, n: int, availability: float) -> float:
    """Patterns 8.1.1-8.1.3: the share of requests that succeed, every hop answering.

    The product of the calls' availabilities
    (:func:`~msatheory.basics.availability.serial`), times the proxy's behind one
    (:func:`proxied`).

    Parameters
    ----------
    pattern : str
        One of :data:`PATTERNS`.
    n : int
        Calls the request makes (positive).
    availability : float
        Each service's availability, in [0, 1].

    Returns
    -------
    float
        ``availability ** hops(pattern, n)``, multiplied out.

    Raises
    ------
    TheoryError
        If an argument is not valid.

    Examples
    --------
    >>> round(expected_availability("chain", 5, 0.999), 6)
    0.99501
    >>> round(expected_availability("proxy", 5, 0.999), 6)
    0.994015

    References
    ----------
    .. [1] B. Treynor, M. Dahlin, V. Rau and B. Beyer, "The Calculus of Service
       Availability", ACM Queue 15(2), 2017.
    """
    owner = "expected_availability"
    pattern = _pattern(owner, pattern)
    n = require_count(owner, "n", n, least=1)
    return _end_to_end(pattern, n, require_fraction(owner, "availability", availability))


class Curve(NamedTuple):
    """Points of the survival ``P(latency > t)``: ``times`` (seconds, rising) and the
    ``tails`` (falling) at them."""

    times: tuple[float, ...]
    tails: tuple[float, ...]


def _plateaus(pattern: str, n: int, call: Latency) -> list[float]:
    """The levels at which a slow share holds the survival flat while the slow calls
    are on their way: ``P(at least k slow calls)`` for a chain (``k = 1, 2, ...``),
    ``P(at least one)`` for a fan-out; only those between :data:`TAILS`'s ends."""
    p = float(call.p)
    if p == 0 or call.slow == 0:
        return []
    shape, count = _shape(pattern, n)
    most = 1 if shape == "fan-out" else count
    levels = [1 - math.fsum(math.comb(count, j) * p**j * (1 - p) ** (count - j)
                            for j in range(k)) for k in range(1, most + 1)]
    return [level for level in levels if TAILS[-1] < level < TAILS[0]]


def latency_curve(pattern: str, n: int, call: Latency) -> Curve:
    """Patterns 8.1.1-8.1.3: the survival of a request's latency, from the closed forms.

    At each tail level ``s`` of :data:`TAILS`, and just above and below each level where
    a slow share holds the survival flat, the time is the closed form's
    ``(1 - s)``-quantile: a curve through exact points (the closed forms give quantiles,
    not the survival itself).

    Parameters
    ----------
    pattern : str
        One of :data:`PATTERNS`.
    n : int
        Calls the request makes (positive).
    call : Latency
        Each call's latency.

    Returns
    -------
    Curve
        Times (seconds) and the survival at them.

    Raises
    ------
    TheoryError
        If an argument is not valid.

    Examples
    --------
    >>> curve = latency_curve("chain", 1, Latency(fast=0.010, slow=0.0, p=0.0))
    >>> curve.tails[:3], [round(t, 5) for t in curve.times[:3]]
    ((0.999, 0.9, 0.7), [1e-05, 0.00105, 0.00357])

    References
    ----------
    .. [1] Patterns 8.1.1 and 8.1.3 of the theory.
    """
    pattern, n, call = _request("latency_curve", pattern, n, call)
    levels = set(TAILS)
    for level in _plateaus(pattern, n, call):
        levels |= {level * (1 + _EDGE), level * (1 - _EDGE)}
    tails = tuple(sorted((s for s in levels if TAILS[-1] <= s <= TAILS[0]), reverse=True))
    shape, count = _shape(pattern, n)
    return Curve(tuple(_quantile(shape, count, call, 1 - s) for s in tails), tails)


# -- measured beside the closed forms ------------------------------------------------------

@dataclass(frozen=True)
class Measured:
    """A seeded run: of ``requests`` requests over ``hops`` services, the ``latencies``
    (seconds, rising) of those that succeeded, every call answered."""

    requests: int
    hops: int
    latencies: tuple[float, ...] = field(repr=False)

    @property
    def answered(self) -> int:
        """Requests that succeeded."""
        return len(self.latencies)

    @property
    def availability(self) -> float:
        """The share of requests that succeeded."""
        return self.answered / self.requests

    @property
    def mean(self) -> float:
        """Mean latency of the answered requests (NaN when none answered)."""
        return math.fsum(self.latencies) / self.answered if self.answered else math.nan

    def percentile(self, percent: int) -> float:
        """Nearest-rank ``percent``-th percentile of the answered requests' latency
        (NaN when none answered)."""
        return nearest_rank(self.latencies, percent) if self.answered else math.nan

    @property
    def p50(self) -> float:
        """The median latency."""
        return self.percentile(50)

    @property
    def p99(self) -> float:
        """The 99th percentile latency."""
        return self.percentile(99)


@dataclass(frozen=True)
class CompositionReport(Measured):
    """What :func:`simulate_composition` measured beside the closed forms.

    A :class:`Measured` run (its ``latencies``, and from them ``answered``,
    ``availability``, ``mean``, ``p50`` and ``p99``, nearest-rank) of a request of
    ``pattern`` (one of :data:`PATTERNS`) over ``calls``, the ``n`` composed, which needs
    ``hops`` services. ``expected_availability`` is the product of the hops'
    availabilities, with its binomial standard error ``availability_error``;
    ``expected_mean`` and ``expected_p99`` are the closed forms
    (:func:`expected_latency`'s), in seconds; ``mean_error`` is the mean's standard
    error, the exact standard deviation over the square root of ``answered``.
    """

    pattern: str
    calls: int
    expected_mean: float
    mean_error: float
    expected_p99: float
    expected_availability: float
    availability_error: float


def simulate_composition(pattern: str, n: int, latency: Number | Latency = 0.010,
                         availability: float = 0.999, *, requests: int = 5000,
                         seed: int = 0) -> CompositionReport:
    """Patterns 8.1.1-8.1.3 measured: ``requests`` seeded requests over ``n`` alike calls.

    A ``"chain"`` runs as chapter 5's
    :func:`~msatheory.communication.patterns.synchronous_chain` runs its hops: each
    request a SimPy process, sent when the one before has its answer, that draws per hop
    whether it answers (with probability ``availability``) and how long it takes, waits
    that long, and fails at the first hop that does not answer; its latency is the
    clock at the answer minus the clock at the sending. A ``"proxy"`` is that chain one
    hop longer. A ``"fan-out"`` runs chapter 4's
    :func:`~msatheory.gateway.aggregation.fan_out` once per request, each with a seed
    drawn from one generator seeded by ``seed``, and draws from that generator, per call,
    whether it answers; a request succeeds when every call answers. Either way the seed
    fixes every number.

    Parameters
    ----------
    pattern : str
        One of :data:`PATTERNS`.
    n : int
        Calls per request (positive).
    latency : float or Latency
        Each call's latency: a number is the mean (seconds, > 0) of an exponential call.
    availability : float
        The share of calls each service answers, in [0, 1].
    requests : int
        Requests simulated (positive).
    seed : int
        Seed of the run.

    Returns
    -------
    CompositionReport
        The run, its mean, p50, p99 and availability, beside the closed forms, with
        standard errors.

    Raises
    ------
    TheoryError
        If an argument is not valid.

    Examples
    --------
    >>> chain = simulate_composition("chain", 5, requests=2000, seed=1)
    >>> round(chain.expected_mean, 4), round(chain.mean, 4), round(chain.mean_error, 4)
    (0.05, 0.0498, 0.0005)
    >>> wide = simulate_composition("fan-out", 5, requests=2000, seed=1)
    >>> round(wide.expected_p99, 4), round(wide.p99, 4)
    (0.0621, 0.0606)

    References
    ----------
    .. [1] Patterns 8.1.1 (聚合器模式), 8.1.2 (代理模式) and 8.1.3 (链式模式) of the theory.
    .. [2] J. Dean and L. A. Barroso, "The Tail at Scale", Communications of the ACM
       56(2), 2013, pp. 74-80.
    """
    owner = "simulate_composition"
    pattern = _pattern(owner, pattern)
    n = require_count(owner, "n", n, least=1)
    call = _latency(owner, latency)
    share = require_fraction(owner, "availability", availability)
    requests = require_count(owner, "requests", requests, least=1)
    seed = require_seed(owner, seed)
    shape, count = _shape(pattern, n)
    latencies = (_simulated_chain(count, call, share, requests, seed) if shape == "chain"
                 else _fan_out_run(count, call, share, requests, seeded_rng(seed, owner)))
    expected = _end_to_end(pattern, n, share)
    return CompositionReport(
        requests=requests,
        hops=count,
        latencies=tuple(sorted(latencies)),
        pattern=pattern,
        calls=n,
        expected_mean=_expected_mean(pattern, n, call),
        mean_error=(_spread(shape, count, call) / math.sqrt(len(latencies)) if latencies
                    else math.nan),
        expected_p99=_quantile(shape, count, call, 0.99),
        expected_availability=expected,
        availability_error=math.sqrt(expected * (1 - expected) / requests),
    )


def measure(pattern: str, n: int, call: Latency, availability: float, *,
            requests: int = 500, seed: int = 0) -> Measured:
    """Patterns 8.1.1-8.1.3 measured fast: :func:`simulate_composition`'s run without SimPy.

    A fan-out runs the same code. A chain (or a proxy's) draws the same numbers in the
    same order, per request and per hop whether the hop answers and how long it takes,
    and keeps SimPy's clock as a float to which each hop's time is added, as SimPy adds
    it, a latency being the clock at the answer minus the clock at the sending. So every
    latency, and with them the count answered, the mean, p50 and p99, are
    :func:`simulate_composition`'s to the last bit; and no closed form is computed (an
    explorer keeps those apart). It exists for speed: an explorer runs it on every move
    of a control, and SimPy's event queue takes a chain about three times as long as the
    additions (400 requests over 21 hops: about 11 ms against 3.5 ms).

    Parameters
    ----------
    pattern : str
        One of :data:`PATTERNS`.
    n : int
        Calls the request makes (positive).
    call : Latency
        Each call's latency.
    availability : float
        Each service's availability, in [0, 1].
    requests : int
        Requests run (positive).
    seed : int
        Seed of the run.

    Returns
    -------
    Measured
        The latencies of the requests that succeeded, rising.

    Raises
    ------
    TheoryError
        If an argument is not valid.

    Examples
    --------
    >>> run = measure("fan-out", 5, Latency(fast=0.010, slow=0.0, p=0.0), 0.999,
    ...               requests=2000, seed=1)
    >>> run.answered, round(run.p99, 4)  # simulate_composition's numbers
    (1992, 0.0606)

    References
    ----------
    .. [1] Patterns 8.1.1, 8.1.2 and 8.1.3 of the theory.
    .. [2] J. Dean and L. A. Barroso, "The Tail at Scale", Communications of the ACM
       56(2), 2013, pp. 74-80.
    """
    owner = "measure"
    pattern, n, call = _request(owner, pattern, n, call)
    share = require_fraction(owner, "availability", availability)
    requests = require_count(owner, "requests", requests, least=1)
    rng = seeded_rng(require_seed(owner, seed), owner)
    shape, count = _shape(pattern, n)
    run = _replayed_chain if shape == "chain" else _fan_out_run
    return Measured(requests, count, tuple(sorted(run(count, call, share, requests, rng))))


def _chain_request(count: int, call: Latency, share: float,
                   rng: random.Random) -> tuple[list[float], bool]:
    """One request's draws down a chain of ``count`` alike hops, in
    :func:`~msatheory.communication.patterns.synchronous_chain`'s order: per hop, whether
    it answers, then how long it takes, up to the first hop that does not answer. The
    hops' times, and whether every hop answered."""
    times = []
    for _ in range(count):
        answered = rng.random() < share
        times.append(call.draw(rng.random())[0])
        if not answered:
            return times, False
    return times, True


def _simulated_chain(count: int, call: Latency, share: float, requests: int,
                     seed: int) -> list[float]:
    """The answered requests' latencies down a chain, in SimPy, one request after
    another."""
    sim = Simulation(seed)
    latencies: list[float] = []

    def request() -> Generator[simpy.Event, Any, None]:
        sent = sim.now
        times, answered = _chain_request(count, call, share, sim.rng)
        for took in times:
            yield sim.timeout(took)
        if answered:
            latencies.append(sim.now - sent)

    def one_after_another() -> Generator[simpy.Event, Any, None]:
        for _ in range(requests):
            yield sim.process(request())

    sim.env.run(until=sim.process(one_after_another()))
    return latencies


def _replayed_chain(count: int, call: Latency, share: float, requests: int,
                    rng: random.Random) -> list[float]:
    """:func:`_simulated_chain`'s latencies without SimPy: the clock advances by one
    addition a hop, as SimPy's does, so each latency is the same float."""
    clock, latencies = 0.0, []
    for _ in range(requests):
        sent = clock
        times, answered = _chain_request(count, call, share, rng)
        for took in times:
            clock += took
        if answered:
            latencies.append(clock - sent)
    return latencies


def _fan_out_run(n: int, call: Latency, share: float, requests: int,
                 rng: random.Random) -> list[float]:
    """The answered requests' latencies of a fan-out of ``n`` calls."""
    calls = [Call(f"service-{k}", call) for k in range(1, n + 1)]
    latencies = []
    for _ in range(requests):
        reply = fan_out(calls, seed=rng.getrandbits(32))
        if all(rng.random() < share for _ in range(n)):
            latencies.append(reply.latency)
    return latencies
