"""Def 5.3.1 (通信可靠性) and Strategy 5.3.1 (重试机制): what retries buy, and what they cost.

The theory defines communication reliability as "the probability that a message is
delivered" and answers failures with automatic retries. This module works out both:

* :func:`delivery_probability` is the definition under independent attempts: with
  per-attempt success ``p`` and ``k`` attempts, ``1 - (1 - p)**k`` (exact for Fractions);
  :func:`delivery_formula` is the same in sympy and :func:`attempts_for` the fewest
  attempts reaching a target;
* :func:`outage_delivery` shows where independence fails: the callee's failures come in
  outages (a two-state Gilbert-Elliott model, exponential up and down times with the same
  long-run availability ``p``), and retries spaced by an exponential backoff much shorter
  than an outage all land in the same outage, so delivery stays near ``p``;
  :func:`outage_delivery_exact` is the Markov chain's exact value and :func:`outage_table`
  compares the three over backoff bases;
* :func:`amplification` and :func:`layer_loads` are what retries cost across layers: a
  request through layers that each try 4 times reaches the bottom up to ``4**3 = 64``
  times (Google's SRE book);
* :class:`RetryBudget` (Finagle's token bucket: each request deposits ``ratio``, each
  retry withdraws 1) and :class:`AdaptiveThrottle` (the SRE book's client-side throttling,
  rejection probability :func:`throttle_probability`) bound that cost, and
  :func:`compare_budgets` measures attempts per request under each policy against a
  backend that fails a fraction of attempts or is fully down; :func:`budget_table` over
  several failure fractions.

Conventions: probabilities are exact when given as :class:`~fractions.Fraction` and floats
otherwise; times in the outage model are in seconds; every simulation draws from
:func:`msatheory.sim.seeded_rng`, so a seed fixes its result.

The module stops at counting attempts and deliveries. Time spent retrying (latency,
deadlines) and the race between clients that retry together are in
:mod:`msatheory.communication.backoff`; what to do when a callee stays down (fail fast)
is the circuit breaker's subject.
"""

from __future__ import annotations

import bisect
import math
import random
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from msatheory.communication.backoff import exponential
from msatheory.errors import (
    TheoryError,
    require_count,
    require_fraction,
    require_number,
    require_probability,
    require_seed,
    require_time,
)
from msatheory.sim import seeded_rng

if TYPE_CHECKING:
    import sympy

__all__ = [
    "STRATEGIES",
    "AdaptiveThrottle",
    "BudgetRun",
    "LayerLoad",
    "OutageDelivery",
    "RetryBudget",
    "amplification",
    "attempts_for",
    "budget_table",
    "compare_budgets",
    "delivery_formula",
    "delivery_probability",
    "expected_attempts",
    "layer_loads",
    "outage_delivery",
    "outage_delivery_exact",
    "outage_table",
    "throttle_probability",
]

Probability = Fraction | float
"""A probability: exact as a Fraction, approximate as a float."""

STRATEGIES = ("no budget", "per-request limit", "retry budget", "adaptive throttling")
"""The retry policies :func:`compare_budgets` measures, in its order."""


# -- Def 5.3.1 under independent attempts --------------------------------------------------

def delivery_probability(p: Probability, attempts: int) -> Probability:
    """Def 5.3.1 (通信可靠性): the probability that one of ``attempts`` independent
    attempts, each delivered with probability ``p``, gets the message through.

    ``1 - (1 - p)**attempts``: every attempt must fail for the message to be lost.

    Parameters
    ----------
    p : Fraction or float
        Probability that one attempt is delivered, in [0, 1].
    attempts : int
        Number of attempts, the first one included (positive).

    Returns
    -------
    Fraction or float
        The delivery probability, a Fraction when ``p`` is one.

    Raises
    ------
    TheoryError
        If ``p`` is not a probability or ``attempts`` not a positive whole number.

    Examples
    --------
    >>> delivery_probability(Fraction(9, 10), 3)
    Fraction(999, 1000)
    >>> delivery_probability(0.5, 2)
    0.75

    References
    ----------
    .. [1] Def 5.3.1 of the theory (通信可靠性): 通信可靠性是消息成功传递的概率.
    """
    p = require_probability("delivery_probability", "p", p)
    attempts = require_count("delivery_probability", "attempts", attempts, least=1)
    if isinstance(p, Fraction):
        return 1 - (1 - p) ** attempts
    return 1.0 if p == 1 else -math.expm1(attempts * math.log1p(-p))


def delivery_formula() -> sympy.Expr:
    """Def 5.3.1 (通信可靠性): ``1 - (1 - p)**k`` in the sympy symbols ``p`` and ``k``.

    Examples
    --------
    >>> formula = delivery_formula()
    >>> formula
    1 - (1 - p)**k
    >>> formula.subs({"p": Fraction(9, 10), "k": 3})
    999/1000
    """
    import sympy

    p, k = sympy.symbols("p k")
    return 1 - (1 - p) ** k


def attempts_for(p: Probability, target: Probability) -> int:
    """Def 5.3.1 (通信可靠性): the fewest independent attempts whose delivery probability
    reaches ``target``.

    The smallest ``k >= 1`` with ``1 - (1 - p)**k >= target``, about
    ``log(1 - target) / log(1 - p)``; decided exactly for Fractions.

    Parameters
    ----------
    p : Fraction or float
        Probability that one attempt is delivered, in (0, 1].
    target : Fraction or float
        Delivery probability wanted, in [0, 1]; 1 only when ``p`` is 1.

    Returns
    -------
    int
        The number of attempts, the first one included.

    Raises
    ------
    TheoryError
        If ``p`` is 0 or not a probability, or the target cannot be reached.

    Examples
    --------
    >>> attempts_for(Fraction(9, 10), Fraction(999, 1000))
    3
    >>> attempts_for(0.99, 0.99999)
    3
    """
    owner = "attempts_for"
    p = require_probability(owner, "p", p, zero=False)
    target = require_probability(owner, "target", target)
    if target == 1 and p < 1:
        raise TheoryError(f"{owner}: target 1 is reached only when p is 1, not {p!r}")
    if p == 1 or target <= p:
        return 1
    k = max(1, math.ceil(math.log1p(-float(target)) / math.log1p(-float(p))) - 1)
    while k > 1 and delivery_probability(p, k - 1) >= target:
        k -= 1
    while delivery_probability(p, k) < target:
        k += 1
    return k


def expected_attempts(failure: Probability, limit: int) -> Probability:
    """Strategy 5.3.1 (重试机制): the mean attempts of a request that retries a failed
    attempt until one succeeds or ``limit`` attempts are spent, each failing
    independently with probability ``failure``.

    ``1 + f + f**2 + ... + f**(limit - 1)``: attempt ``i + 1`` is made when the first
    ``i`` failed. ``limit`` when the callee is down (``f = 1``), ``1 / (1 - f)`` as the
    limit grows.

    Parameters
    ----------
    failure : Fraction or float
        Probability that one attempt fails, in [0, 1].
    limit : int
        Most attempts per request, the first one included (positive).

    Returns
    -------
    Fraction or float
        The mean number of attempts, a Fraction when ``failure`` is one.

    Raises
    ------
    TheoryError
        If ``failure`` is not a probability or ``limit`` not a positive whole number.

    Examples
    --------
    >>> expected_attempts(Fraction(1, 2), 3)
    Fraction(7, 4)
    >>> expected_attempts(1.0, 3)
    3.0

    References
    ----------
    .. [1] *Site Reliability Engineering* (O'Reilly 2016), chapter 21, "Handling
       Overload": a per-request limit of three attempts.
    """
    failure = require_probability("expected_attempts", "failure", failure)
    limit = require_count("expected_attempts", "limit", limit, least=1)
    return sum((failure ** i for i in range(limit)), 0 * failure)


# -- correlated outages ----------------------------------------------------------------------

@dataclass(frozen=True)
class OutageDelivery:
    """Delivery with ``attempts`` attempts spaced by an exponential backoff of ``base``
    seconds, against a callee with outages.

    ``gaps`` are the sleeps between attempts (seconds) and ``span`` their sum, the time
    from first to last attempt; ``mean_outage`` the mean length of an outage (seconds);
    ``measured`` the delivered fraction of ``requests`` simulated requests,
    ``exact`` the Markov chain's delivery probability and ``independent`` what the
    independence formula :func:`delivery_probability` promises with the same
    availability.
    """

    base: float
    gaps: tuple[float, ...]
    span: float
    mean_outage: float
    requests: int
    measured: float
    exact: float
    independent: float


def _outage_args(owner: str, availability: object, mean_outage: object, attempts: object,
                 base: object, cap: object) -> tuple[float, float, tuple[float, ...]]:
    up = require_fraction(owner, "availability", availability, zero=False)
    down = float(require_time(owner, "mean_outage", mean_outage, positive=True))
    k = require_count(owner, "attempts", attempts, least=1)
    base = require_number(owner, "base", base, positive=True, unit="seconds")
    cap = require_number(owner, "cap", cap, positive=True, unit="seconds")
    return up, down, tuple(exponential(n, base, cap) for n in range(1, k))


def outage_delivery_exact(availability: float, mean_outage: float,
                          gaps: Iterable[float]) -> float:
    """Def 5.3.1 (通信可靠性) under outages: the exact delivery probability of attempts
    separated by ``gaps`` against a two-state callee.

    The callee alternates up periods and outages of exponential lengths with means
    ``U = D * a / (1 - a)`` and ``D = mean_outage``, so it is up a long-run fraction ``a``
    (the ``availability``); an attempt succeeds exactly when it finds the callee up (a
    Gilbert-Elliott channel whose good state always delivers and bad state never). A
    request arriving at a random time finds an outage with probability ``1 - a``, and an
    outage still holds (or holds again) after ``t`` seconds with probability
    ``P(t) = (1 - a) + a * exp(-t / tau)``, ``1/tau = 1/U + 1/D``. So

    ``delivery = 1 - (1 - a) * P(g_1) * ... * P(g_{k-1})``,

    which is ``a`` when the gaps are 0 (every retry sees the same outage) and
    ``1 - (1 - a)**k``, the independence formula, as the gaps grow long against ``tau``.

    Parameters
    ----------
    availability : float
        Long-run fraction of time the callee is up, in (0, 1].
    mean_outage : float
        Mean length of an outage, seconds (positive).
    gaps : iterable of float
        Seconds between consecutive attempts (each >= 0); ``k - 1`` gaps for ``k``
        attempts.

    Returns
    -------
    float
        The probability that at least one attempt finds the callee up.

    Raises
    ------
    TheoryError
        If a number is out of range.

    Examples
    --------
    >>> round(outage_delivery_exact(0.9, 30, [0.2, 0.4, 0.8]), 4)
    0.9046
    >>> round(outage_delivery_exact(0.9, 30, [3600, 3600, 3600]), 4)
    0.9999

    References
    ----------
    .. [1] Def 5.3.1 of the theory (通信可靠性).
    .. [2] E. N. Gilbert, "Capacity of a burst-noise channel", Bell System Technical
       Journal 39(5), 1960 (the two-state channel).
    """
    owner = "outage_delivery_exact"
    a = require_fraction(owner, "availability", availability, zero=False)
    d = float(require_time(owner, "mean_outage", mean_outage, positive=True))
    lost = 1 - a
    if a == 1:
        return 1.0
    tau = 1 / (1 / (d * a / (1 - a)) + 1 / d)
    for gap in gaps:
        t = require_number(owner, "each gap", gap, unit="seconds")
        lost *= (1 - a) + a * math.exp(-t / tau)
    return 1 - lost


def outage_delivery(availability: float, mean_outage: float, attempts: int, base: float, *,
                    cap: float = 3600.0, requests: int = 2000,
                    seed: int = 0) -> OutageDelivery:
    """Def 5.3.1 (通信可靠性) under outages, measured: seeded requests retried with an
    exponential backoff against a callee that fails in outages.

    The callee's timeline is drawn as in :func:`outage_delivery_exact` (it starts in its
    long-run state: up with probability ``availability``, for an exponential time); each
    request arrives at a uniform time over a horizon of about 2000 outage cycles, tries at
    once and retries after sleeps ``min(cap, base * 2**n)``, ``n = 1, 2, ...``
    (:func:`~msatheory.communication.backoff.exponential`), and is delivered if any
    attempt finds the callee up. Attempts take no time.

    Parameters
    ----------
    availability : float
        Long-run fraction of time the callee is up, in (0, 1].
    mean_outage : float
        Mean length of an outage, seconds (positive).
    attempts : int
        Attempts per request, the first one included (positive).
    base : float
        Backoff base, seconds (positive).
    cap : float
        Longest sleep, seconds (positive).
    requests : int
        Requests simulated (positive).
    seed : int
        Seed of the run.

    Returns
    -------
    OutageDelivery
        The gaps, the measured delivery, the exact one and the independence formula's.

    Raises
    ------
    TheoryError
        If a number is out of range.

    Examples
    --------
    >>> run = outage_delivery(0.9, 30, 4, 0.1, requests=500, seed=1)
    >>> run.gaps, run.independent
    ((0.2, 0.4, 0.8), 0.9999)
    >>> abs(run.measured - run.exact) < 0.05
    True

    References
    ----------
    .. [1] E. N. Gilbert, "Capacity of a burst-noise channel", Bell System Technical
       Journal 39(5), 1960; E. O. Elliott, "Estimates of error rates for codes on
       burst-noise channels", BSTJ 42(5), 1963.
    """
    owner = "outage_delivery"
    a, d, gaps = _outage_args(owner, availability, mean_outage, attempts, base, cap)
    requests = require_count(owner, "requests", requests, least=1)
    rng = seeded_rng(require_seed(owner, seed), owner)
    span = sum(gaps)
    horizon = 2000 * d / (1 - a) if a < 1 else 1.0
    starts_up, boundaries = _timeline(a, d, horizon + span, rng)
    delivered = 0
    for _ in range(requests):
        at = rng.uniform(0.0, horizon)
        times = [at]
        for gap in gaps:
            times.append(times[-1] + gap)
        delivered += any(starts_up == (bisect.bisect_right(boundaries, t) % 2 == 0)
                         for t in times)
    return OutageDelivery(
        base=float(base), gaps=gaps, span=round(span, 6), mean_outage=d, requests=requests,
        measured=delivered / requests,
        exact=round(outage_delivery_exact(a, d, gaps), 6),
        independent=round(float(delivery_probability(a, len(gaps) + 1)), 6),
    )


def _timeline(a: float, d: float, until: float,
              rng: random.Random) -> tuple[bool, list[float]]:
    """The callee's state at 0 and the times it changes, up to ``until``."""
    if a == 1:
        return True, []
    mean_up = d * a / (1 - a)
    starts_up = up = rng.random() < a
    boundaries = []
    now = 0.0
    while now <= until:
        now += rng.expovariate(1 / (mean_up if up else d))
        boundaries.append(now)
        up = not up
    return starts_up, boundaries


def outage_table(availability: float = 0.9, mean_outage: float = 30.0, attempts: int = 4,
                 bases: Iterable[float] = (0.1, 1.0, 10.0, 100.0), *, requests: int = 2000,
                 seed: int = 0) -> tuple[OutageDelivery, ...]:
    """Def 5.3.1 (通信可靠性) under outages: :func:`outage_delivery` for each backoff base.

    With the defaults (90% availability, 30 s outages, 4 attempts) the independence
    formula promises 0.9999 whatever the spacing; retries 0.2 to 0.8 s apart deliver
    about 0.90, as one attempt would, and only spacings of minutes approach the formula.

    Parameters
    ----------
    availability, mean_outage, attempts
        As for :func:`outage_delivery`.
    bases : iterable of float
        Backoff bases, seconds (each positive), one row each.
    requests : int
        Requests simulated per row (positive).
    seed : int
        Seed of every row.

    Returns
    -------
    tuple of OutageDelivery
        One record per base, in order.

    Raises
    ------
    TheoryError
        If a number is out of range or ``bases`` is not a list.

    Examples
    --------
    >>> [row.exact for row in outage_table(bases=(0.1, 100.0), requests=10)]
    [0.904554, 0.999899]

    References
    ----------
    .. [1] Def 5.3.1 of the theory (通信可靠性); Strategy 5.3.1 (重试机制).
    """
    owner = "outage_table"
    if isinstance(bases, str | bytes) or not isinstance(bases, Iterable):
        raise TheoryError(f"{owner}: bases must be a list of backoff bases, not {bases!r}")
    return tuple(outage_delivery(availability, mean_outage, attempts, base,
                                 requests=requests, seed=seed) for base in bases)


# -- amplification across layers ---------------------------------------------------------------

def amplification(attempts_per_layer: Iterable[int]) -> int:
    """Strategy 5.3.1 (重试机制) across layers: the most attempts one request makes at the
    bottom when each layer tries its callee up to its number of attempts.

    The product of the attempts: a layer that tries 4 times calls the next layer 4 times,
    each of which tries 4 times in turn. The bottom receives that many when it keeps
    failing.

    Parameters
    ----------
    attempts_per_layer : iterable of int
        Attempts (first one included, positive) each calling layer makes, top first.

    Returns
    -------
    int
        The product.

    Raises
    ------
    TheoryError
        If an entry is not a positive whole number.

    Examples
    --------
    >>> amplification([4, 4, 4])
    64
    >>> amplification([])
    1

    References
    ----------
    .. [1] B. Beyer, C. Jones, J. Petoff and N. R. Murphy (eds.), *Site Reliability
       Engineering*, O'Reilly 2016, chapter 22, "Addressing Cascading Failures":
       backend, frontend and JavaScript layers each making 4 attempts turn one user
       action into 64 attempts on an overloaded database.
    """
    return math.prod(_attempts("amplification", attempts_per_layer))


def _attempts(owner: str, values: object) -> tuple[int, ...]:
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise TheoryError(f"{owner}: attempts_per_layer must be a list of attempt counts, "
                          f"not {values!r}")
    return tuple(require_count(owner, "each layer's attempts", n, least=1) for n in values)


@dataclass(frozen=True)
class LayerLoad:
    """One layer of :func:`layer_loads`: layer ``layer`` (1 at the top; the last is the
    bottom, which makes no calls) receives ``calls`` calls per user request on average,
    each failing with probability ``failure``, and tries its callee up to ``attempts``
    times (0 at the bottom)."""

    layer: int
    attempts: int
    calls: Probability
    failure: Probability


def layer_loads(attempts_per_layer: Iterable[int],
                failure: Probability = Fraction(1)) -> tuple[LayerLoad, ...]:
    """Strategy 5.3.1 (重试机制) across layers: the load each layer receives when the
    bottom fails each call independently with probability ``failure``.

    A layer's call fails when all its attempts on the layer below fail, so with ``q`` the
    failure probability one layer down and ``n`` attempts, a call fails with ``q**n`` and
    makes ``1 + q + ... + q**(n - 1)`` attempts on average
    (:func:`expected_attempts`). A fully failing bottom (``failure = 1``) receives the
    :func:`amplification`. Layers above the bottom fail only through it.

    Parameters
    ----------
    attempts_per_layer : iterable of int
        Attempts each calling layer makes, top first (each positive).
    failure : Fraction or float
        Probability that one call to the bottom fails, in [0, 1]; 1 by default.

    Returns
    -------
    tuple of LayerLoad
        One record per calling layer and one for the bottom.

    Raises
    ------
    TheoryError
        If an entry or ``failure`` is out of range.

    Examples
    --------
    >>> [load.calls for load in layer_loads([4, 4, 4])]
    [Fraction(1, 1), Fraction(4, 1), Fraction(16, 1), Fraction(64, 1)]
    >>> layer_loads([3], Fraction(1, 2))[-1].calls
    Fraction(7, 4)

    References
    ----------
    .. [1] *Site Reliability Engineering* (O'Reilly 2016), chapter 22, "Addressing
       Cascading Failures".
    """
    owner = "layer_loads"
    attempts = _attempts(owner, attempts_per_layer)
    f = require_probability(owner, "failure", failure)
    failures = [f]
    for n in reversed(attempts):
        failures.append(failures[-1] ** n)
    failures.reverse()  # failures[i]: probability that a call to layer i + 1 fails
    calls: Probability = 1 + 0 * f  # a Fraction when f is one
    loads = []
    for i, n in enumerate(attempts):
        loads.append(LayerLoad(i + 1, n, calls, failures[i]))
        calls = calls * expected_attempts(failures[i + 1], n)
    loads.append(LayerLoad(len(attempts) + 1, 0, calls, f))
    return tuple(loads)


# -- retry budgets and adaptive throttling ------------------------------------------------------

class RetryBudget:
    """Strategy 5.3.1 (重试机制) within a per-client retry budget: retries stay at most
    ``ratio`` of requests (plus a ``reserve``).

    A token bucket: every request :meth:`deposit` s ``ratio`` of a token, every retry must
    :meth:`withdraw` a whole one, and the bucket starts with ``reserve`` tokens. So after
    ``n`` requests at most ``reserve + ratio * n`` retries were allowed: 10% by default,
    the SRE book's per-client budget (Finagle's default is 20%, with a reserve of 10
    retries a second). Deposits here never expire (Finagle's last ``ttl`` seconds).

    Examples
    --------
    >>> budget = RetryBudget()
    >>> for _ in range(10):
    ...     budget.deposit()
    >>> budget.withdraw(), budget.withdraw()
    (True, False)
    >>> budget.balance
    Fraction(0, 1)

    References
    ----------
    .. [1] *Site Reliability Engineering* (O'Reilly 2016), chapter 21, "Handling
       Overload", "Deciding to Retry": a per-client retry budget of 10%.
    .. [2] Finagle's ``RetryBudget(ttl, minRetriesPerSec, percentCanRetry)``: ``deposit``
       per request, ``tryWithdraw`` per retry.
    """

    def __init__(self, ratio: Probability = Fraction(1, 10), reserve: int = 0) -> None:
        self.ratio = require_probability("RetryBudget", "ratio", ratio)
        self.reserve = require_count("RetryBudget", "reserve", reserve)
        self.deposits = 0
        self.withdrawals = 0

    @property
    def balance(self) -> Probability:
        """The tokens in the bucket, ``reserve + ratio * deposits - withdrawals``: the
        retries allowed now, fractions included (computed from the counts, so a float
        ratio does not drift)."""
        return self.reserve + self.ratio * self.deposits - self.withdrawals

    def deposit(self) -> None:
        """Record one request: add ``ratio`` of a token."""
        self.deposits += 1

    def withdraw(self) -> bool:
        """Whether one retry may go: take a whole token if there is one."""
        if self.balance >= 1:
            self.withdrawals += 1
            return True
        return False

    def __repr__(self) -> str:
        return f"RetryBudget(ratio={self.ratio!r}, reserve={self.reserve})"


def throttle_probability(requests: int, accepts: int, k: int | float | Fraction = 2
                         ) -> Probability:
    """Strategy 5.3.1 (重试机制) with client-side adaptive throttling: the probability of
    rejecting the next request locally, ``max(0, (requests - k * accepts) / (requests + 1))``.

    ``requests`` counts the requests the client's application tried over its recent
    history (two minutes in the SRE book), ``accepts`` those the backend accepted. While
    the backend accepts at least one in ``k``, nothing is rejected; beyond that, the
    client sends about ``k`` times what the backend accepts and rejects the rest itself.
    Exact for whole numbers and Fractions.

    Parameters
    ----------
    requests : int
        Requests tried within the history (0 or more).
    accepts : int
        Of those, the ones the backend accepted (at most ``requests``).
    k : int, float or Fraction
        The multiplier (positive); 2 in the SRE book.

    Returns
    -------
    Fraction or float
        The rejection probability, a Fraction unless ``k`` is a float.

    Raises
    ------
    TheoryError
        If a count is negative, ``accepts`` exceeds ``requests`` or ``k`` is not positive.

    Examples
    --------
    >>> throttle_probability(100, 50), throttle_probability(100, 10)
    (Fraction(0, 1), Fraction(80, 101))

    References
    ----------
    .. [1] *Site Reliability Engineering* (O'Reilly 2016), chapter 21, "Handling
       Overload", "Client-Side Throttling" (K = 2).
    """
    owner = "throttle_probability"
    requests = require_count(owner, "requests", requests)
    accepts = require_count(owner, "accepts", accepts)
    if accepts > requests:
        raise TheoryError(f"{owner}: accepts must not exceed requests ({requests}), "
                          f"not {accepts}")
    k = require_time(owner, "k", k, positive=True, unit="requests per accept")
    share = (requests - k * accepts) / Fraction(requests + 1)  # a float if k is one
    return max(0 * share, share)


class AdaptiveThrottle:
    """Strategy 5.3.1 (重试机制) with client-side adaptive throttling over the last
    ``window`` requests.

    :meth:`allow` draws, with :func:`throttle_probability` of the history, whether the
    next request may go to the backend; a request refused here is recorded as tried and
    not accepted. :meth:`record` records a request that went, and whether the backend
    accepted it. ``window`` requests stand for the SRE book's two minutes of history.

    Examples
    --------
    >>> throttle = AdaptiveThrottle(k=2, window=100)
    >>> for _ in range(10):
    ...     throttle.record(False)
    >>> throttle.requests, throttle.accepts, throttle.rejection_probability()
    (10, 0, Fraction(10, 11))

    References
    ----------
    .. [1] *Site Reliability Engineering* (O'Reilly 2016), chapter 21, "Handling
       Overload", "Client-Side Throttling".
    """

    def __init__(self, k: int | float | Fraction = 2, window: int = 1000) -> None:
        self.k = require_time("AdaptiveThrottle", "k", k, positive=True,
                              unit="requests per accept")
        self.window = require_count("AdaptiveThrottle", "window", window, least=1)
        self._history: deque[bool] = deque(maxlen=self.window)
        self._accepts = 0

    @property
    def requests(self) -> int:
        """Requests tried within the window."""
        return len(self._history)

    @property
    def accepts(self) -> int:
        """Requests the backend accepted within the window."""
        return self._accepts

    def rejection_probability(self) -> Probability:
        """:func:`throttle_probability` of the window."""
        return throttle_probability(self.requests, self.accepts, self.k)

    def _push(self, accepted: bool) -> None:
        if len(self._history) == self.window:
            self._accepts -= self._history[0]
        self._history.append(accepted)
        self._accepts += accepted

    def allow(self, rng: random.Random) -> bool:
        """Whether the next request goes to the backend (if not, it is recorded)."""
        if rng.random() < self.rejection_probability():
            self._push(False)
            return False
        return True

    def record(self, accepted: bool) -> None:
        """Record a request that went to the backend, and whether it was accepted."""
        self._push(bool(accepted))

    def __repr__(self) -> str:
        return f"AdaptiveThrottle(k={self.k!r}, window={self.window})"


@dataclass(frozen=True)
class BudgetRun:
    """One policy of :func:`compare_budgets`: under ``strategy`` (one of
    :data:`STRATEGIES`), against a backend failing a fraction ``failure`` of attempts,
    ``attempts_per_request`` attempts reached the backend per request on average (its
    load, 1 meaning no extra load), ``most_attempts`` at most for one request, and a
    fraction ``delivered`` of the requests succeeded. ``bound`` is the most attempts per
    request the policy allows on average."""

    strategy: str
    failure: float
    attempts_per_request: float
    most_attempts: int
    delivered: float
    bound: float


def compare_budgets(failure: float, *, requests: int = 1000, limit: int = 3,
                    ratio: float = 0.1, k: float = 2.0, window: int = 1000,
                    ceiling: int = 100, seed: int = 0) -> tuple[BudgetRun, ...]:
    """Strategy 5.3.1 (重试机制) under four retry policies, against a backend that fails
    each attempt independently with probability ``failure`` (1: fully down).

    One client sends ``requests`` requests one after another, under each policy of
    :data:`STRATEGIES` with the same seed:

    * ``"no budget"``: retry until an attempt succeeds; ``ceiling`` attempts stand for the
      request's deadline;
    * ``"per-request limit"``: at most ``limit`` attempts a request (3 at Google);
    * ``"retry budget"``: the limit, and a retry only if the client's
      :class:`RetryBudget` of ``ratio`` allows it;
    * ``"adaptive throttling"``: the limit, and every attempt first passes the client's
      :class:`AdaptiveThrottle` (``k``, ``window``); an attempt it refuses fails without
      reaching the backend and may be retried.

    The throttle reads every failure as the backend refusing work. While the backend
    accepts more than ``1 / k`` of the attempts it gets (``failure < 1/2`` for ``k = 2``)
    it refuses nothing; above that, sending less does not raise the accepted share (the
    failures here are independent of load), so the throttle sends less and less: about
    ``1 / (1 + window * (1 - k * (1 - failure)))`` of the attempts once its window is
    full. Against an overloaded backend, whose accepts are set by its capacity, the same
    rule settles at sending about ``k`` times what it accepts.

    Parameters
    ----------
    failure : float
        Probability that the backend fails one attempt, in [0, 1].
    requests : int
        Requests sent (positive).
    limit : int
        Attempts per request under the last three policies (positive).
    ratio : float
        Retry budget, retries per request (in [0, 1]).
    k : float
        The throttle's multiplier (positive).
    window : int
        The throttle's history, in requests (positive).
    ceiling : int
        Attempts per request without a budget (positive).
    seed : int
        Seed of every policy's run.

    Returns
    -------
    tuple of BudgetRun
        One record per policy, in the order of :data:`STRATEGIES`.

    Raises
    ------
    TheoryError
        If a number is out of range.

    Examples
    --------
    >>> [run.attempts_per_request for run in compare_budgets(1.0, requests=200)]
    [100.0, 3.0, 1.1, 0.03]

    References
    ----------
    .. [1] *Site Reliability Engineering* (O'Reilly 2016), chapter 21, "Handling
       Overload" ("Client-Side Throttling", "Deciding to Retry").
    .. [2] Finagle's ``RetryBudget``.
    """
    owner = "compare_budgets"
    f = require_fraction(owner, "failure", failure)
    requests = require_count(owner, "requests", requests, least=1)
    limit = require_count(owner, "limit", limit, least=1)
    ratio = require_fraction(owner, "ratio", ratio)
    k = require_number(owner, "k", k, positive=True)
    window = require_count(owner, "window", window, least=1)
    ceiling = require_count(owner, "ceiling", ceiling, least=1)
    seed = require_seed(owner, seed)
    bounds = (float(ceiling), float(limit), min(float(limit), 1 + ratio), float(limit))
    runs = []
    for strategy, bound in zip(STRATEGIES, bounds, strict=True):
        rng = seeded_rng(seed, owner)
        budget = RetryBudget(ratio) if strategy == "retry budget" else None
        throttle = AdaptiveThrottle(k, window) if strategy == "adaptive throttling" else None
        most = ceiling if strategy == "no budget" else limit
        sent = delivered = heaviest = 0
        for _ in range(requests):
            if budget is not None:
                budget.deposit()
            reached = 0
            for attempt in range(most):
                if attempt and budget is not None and not budget.withdraw():
                    break
                if throttle is not None and not throttle.allow(rng):
                    continue
                reached += 1
                ok = rng.random() >= f
                if throttle is not None:
                    throttle.record(ok)
                if ok:
                    delivered += 1
                    break
            sent += reached
            heaviest = max(heaviest, reached)
        runs.append(BudgetRun(strategy, f, round(sent / requests, 4), heaviest,
                              round(delivered / requests, 4), round(bound, 4)))
    return tuple(runs)


def budget_table(failures: Iterable[float] = (0.0, 0.1, 0.5, 0.9, 1.0), *,
                 requests: int = 1000, seed: int = 0) -> tuple[BudgetRun, ...]:
    """Strategy 5.3.1 (重试机制): :func:`compare_budgets` (default policies) for each
    backend failure fraction, rows by failure then by policy.

    With the defaults (1000 requests, limit 3, budget 10%, ``k = 2``): a backend that is
    down receives 100 attempts a request without a budget, 3 with the limit, 1.1 with
    the retry budget and about 0.01 with adaptive throttling; one that fails half the
    attempts receives about 2, 1.76, 1.1 and 1.72.

    Parameters
    ----------
    failures : iterable of float
        Backend failure fractions, each in [0, 1].
    requests : int
        Requests per run (positive).
    seed : int
        Seed of every run.

    Returns
    -------
    tuple of BudgetRun
        Four records per failure fraction, in the order of :data:`STRATEGIES`.

    Raises
    ------
    TheoryError
        If a number is out of range or ``failures`` is not a list.

    Examples
    --------
    >>> rows = budget_table((0.0,), requests=10)
    >>> [row.attempts_per_request for row in rows]
    [1.0, 1.0, 1.0, 1.0]

    References
    ----------
    .. [1] *Site Reliability Engineering* (O'Reilly 2016), chapter 21, "Handling
       Overload".
    """
    if isinstance(failures, str | bytes) or not isinstance(failures, Iterable):
        raise TheoryError(f"budget_table: failures must be a list of failure fractions, "
                          f"not {failures!r}")
    return tuple(run for f in failures
                 for run in compare_budgets(f, requests=requests, seed=seed))
