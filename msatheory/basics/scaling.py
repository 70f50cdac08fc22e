"""Feature 1.2.4 (独立扩展) in numbers: Little's law and the Universal Scalability Law.

Feature 1.2.4 says each service can scale on its own with its load. Two published laws
say how far scaling carries:

* **Little's law** (Little 1961), ``L = λW``: over any stretch of time, the mean number of
  requests in a system equals their arrival rate times their mean time in it. Given two,
  :func:`littles_number`, :func:`littles_rate` and :func:`littles_time` give the third,
  exactly when the two are ints or :class:`~fractions.Fraction`\\ s. :func:`little_run`
  checks the law on a seeded SimPy M/M/1 queue, in exact rational arithmetic.
* **Gunther's Universal Scalability Law** (USL), ``X(N) = γN / (1 + α(N-1) + βN(N-1))``:
  throughput ``X`` at load ``N`` (users, processes, replicas), with ``γ`` the throughput at
  ``N = 1``, ``α`` the cost of contention (queueing for something shared) and ``β`` the
  cost of coherency (each pair of workers keeping each other's data consistent). With
  ``β > 0`` throughput peaks at ``N* = sqrt((1 - α) / β)`` and falls beyond it (scaling out
  makes things worse); with ``β = 0`` it is Amdahl's law (:func:`amdahl_speedup`) and rises
  towards ``γ/α`` without peaking. :class:`USL` holds the law for given coefficients,
  :func:`usl_fit` fits them to measured throughput by bounded nonlinear least squares (as
  the R package ``usl`` does), and :func:`usl_peak_derivation` derives ``N*`` in sympy.

The worked example is :data:`SPECSDM91`, the SPEC SDM91 benchmark of a Sun SPARCcenter
2000, from Gunther's *Guerrilla Capacity Planning* as the ``usl`` package ships it; its fit
reproduces the coefficients the package publishes. :data:`RAYTRACER` is the package's other
data set, a ray tracer on up to 64 processors.

The model stops at throughput against load. The USL is fitted, not derived from a queue:
it says where a system stops scaling, not why, and it assumes the load is steady and the
work per request the same at every load. The only queueing here is Little's law, which
holds for any queue; response-time distributions, queue lengths at a given utilisation and
how many replicas a target latency needs are not modelled.
"""

from __future__ import annotations

import math
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

import simpy
import sympy as sp

from msatheory.errors import (
    TheoryError,
    require_fraction,
    require_number,
    require_seed,
    require_time,
)
from msatheory.sim import Simulation

__all__ = [
    "ALPHA",
    "BETA",
    "GAMMA",
    "LOAD",
    "RAYTRACER",
    "SPECSDM91",
    "USL",
    "LittleRun",
    "PeakDerivation",
    "USLFit",
    "amdahl_speedup",
    "little_run",
    "littles_number",
    "littles_rate",
    "littles_time",
    "usl_fit",
    "usl_law",
    "usl_peak_derivation",
]

# -- Little's law ---------------------------------------------------------------------------

Exact = int | float | Fraction


def _quotient(a: Exact, b: Exact) -> Exact:
    """``a / b``, a Fraction unless either is a float."""
    if isinstance(a, float) or isinstance(b, float):
        return a / b
    return Fraction(a) / Fraction(b)


def littles_number(arrival_rate: Exact, time_in_system: Exact) -> Exact:
    """Feature 1.2.4 (独立扩展): Little's law for the mean number in system, ``L = λW``.

    Parameters
    ----------
    arrival_rate : int, float or Fraction
        λ, requests arriving per second (>= 0).
    time_in_system : int, float or Fraction
        W, the mean time a request spends in the system, seconds (>= 0).

    Returns
    -------
    int, float or Fraction
        L, the time-average number of requests in the system; exact (an int or a
        Fraction) when both arguments are.

    Raises
    ------
    TheoryError
        If either is negative, infinite or not a number.

    Examples
    --------
    A service taking 120 requests a second, each in it for 50 ms, holds 6 on average:

    >>> from fractions import Fraction
    >>> littles_number(120, Fraction(1, 20))
    Fraction(6, 1)
    >>> littles_number(-1, 2)
    Traceback (most recent call last):
        ...
    msatheory.errors.TheoryError: littles_number: arrival_rate must be a non-negative \
finite number of requests per second, not -1

    References
    ----------
    .. [1] J. D. C. Little, "A Proof for the Queuing Formula: L = λW", *Operations
       Research* 9(3), 1961, pp. 383-387.
    """
    lam = require_time("littles_number", "arrival_rate", arrival_rate,
                       unit="requests per second")
    w = require_time("littles_number", "time_in_system", time_in_system)
    return lam * w


def littles_rate(number_in_system: Exact, time_in_system: Exact) -> Exact:
    """Feature 1.2.4 (独立扩展): Little's law for the arrival rate, ``λ = L / W``.

    Parameters
    ----------
    number_in_system : int, float or Fraction
        L, the mean number of requests in the system (>= 0).
    time_in_system : int, float or Fraction
        W, their mean time in it, seconds (> 0).

    Returns
    -------
    int, float or Fraction
        λ, requests per second; a Fraction when both arguments are exact.

    Raises
    ------
    TheoryError
        If L is negative or W is not positive, or either is infinite or not a number.

    Examples
    --------
    A pool of 20 workers, each request holding one for 250 ms, serves at most 80 a second:

    >>> from fractions import Fraction
    >>> littles_rate(20, Fraction(1, 4))
    Fraction(80, 1)

    References
    ----------
    .. [1] J. D. C. Little, "A Proof for the Queuing Formula: L = λW", *Operations
       Research* 9(3), 1961, pp. 383-387.
    """
    n = require_time("littles_rate", "number_in_system", number_in_system, unit="requests")
    w = require_time("littles_rate", "time_in_system", time_in_system, positive=True)
    return _quotient(n, w)


def littles_time(number_in_system: Exact, arrival_rate: Exact) -> Exact:
    """Feature 1.2.4 (独立扩展): Little's law for the mean time in system, ``W = L / λ``.

    Parameters
    ----------
    number_in_system : int, float or Fraction
        L, the mean number of requests in the system (>= 0).
    arrival_rate : int, float or Fraction
        λ, requests arriving per second (> 0).

    Returns
    -------
    int, float or Fraction
        W, seconds; a Fraction when both arguments are exact.

    Raises
    ------
    TheoryError
        If L is negative or λ is not positive, or either is infinite or not a number.

    Examples
    --------
    A queue that holds 300 messages on average while 50 arrive a second delays each 6 s:

    >>> littles_time(300, 50)
    Fraction(6, 1)
    >>> littles_time(3.0, 2)
    1.5

    References
    ----------
    .. [1] J. D. C. Little, "A Proof for the Queuing Formula: L = λW", *Operations
       Research* 9(3), 1961, pp. 383-387.
    """
    n = require_time("littles_time", "number_in_system", number_in_system, unit="requests")
    lam = require_time("littles_time", "arrival_rate", arrival_rate, positive=True,
                       unit="requests per second")
    return _quotient(n, lam)


@dataclass(frozen=True)
class LittleRun:
    """What :func:`little_run` measured, beside the M/M/1 steady state.

    Requests arrive in ``[0, horizon)``; the run is observed until ``end``, the later of
    ``horizon`` and the moment the last of the ``requests`` left, so the system is empty
    at both ends of ``[0, end]``. Measured
    over that window, exactly (rationals built from the simulation's event times):
    ``number`` is the time-average number in system (the area under N(t) over ``end``),
    ``rate`` the arrival rate (``requests / end``) and ``time`` the mean time in system.
    ``expected_number`` and ``expected_time`` are the M/M/1 steady-state means
    ``ρ / (1 - ρ)`` and ``1 / (μ - λ)`` (``ρ = λ/μ``), or None when ``λ >= μ`` (no steady
    state). A finite run differs from them by chance and by its empty start and drained end.
    """

    arrival_rate: float
    service_rate: float
    horizon: float
    end: float
    requests: int
    number: Fraction
    rate: Fraction
    time: Fraction
    expected_number: float | None
    expected_time: float | None

    @property
    def holds(self) -> bool:
        """Whether ``number == rate * time`` exactly (Little's law over the run)."""
        return self.number == self.rate * self.time


def _area(changes: Sequence[tuple[float, int]]) -> Fraction:
    """The exact area under the step function that moves by each ``(time, step)``."""
    area, inside, since = Fraction(0), 0, Fraction(0)
    for time, step in changes:
        now = Fraction(time)
        area += inside * (now - since)
        inside, since = inside + step, now
    return area


def little_run(arrival_rate: float = 8.0, service_rate: float = 10.0, *,
               horizon: float = 1000.0, seed: int = 0) -> LittleRun:
    """Feature 1.2.4 (独立扩展): Little's law ``L = λW`` checked on a simulated queue.

    One server takes requests first come, first served, each for an exponential time of
    mean ``1 / service_rate`` (μ); requests arrive as a Poisson stream of ``arrival_rate``
    (λ) per second until ``horizon``, and the run continues until the last one has left
    (or to ``horizon``, if that is later): an M/M/1 queue on SimPy's virtual clock. Every
    arrival and departure time is read as an exact rational, so the measured mean number
    in system, arrival rate and mean time in system satisfy ``L = λW`` exactly, not to
    rounding: over a window that starts and ends empty, the area under N(t) and the sum
    of the requests' times in system are the same number counted two ways. The law
    needs no assumption about the distributions or the order of service, and holds even
    when ``λ >= μ`` and the queue grows all run.

    Parameters
    ----------
    arrival_rate : float
        λ, requests per second (> 0).
    service_rate : float
        μ, requests per second the server can take (> 0).
    horizon : float
        Seconds during which requests arrive (> 0).
    seed : int
        Seed of the run.

    Returns
    -------
    LittleRun
        The measured L, λ and W (exact), and the M/M/1 steady-state L and W.

    Raises
    ------
    TheoryError
        If a rate or the horizon is not a positive finite number, or the seed not an int.

    Examples
    --------
    >>> run = little_run(seed=1)
    >>> run.holds, run.requests
    (True, 8123)
    >>> round(float(run.number), 2), round(float(run.rate * run.time), 2), run.expected_number
    (4.24, 4.24, 4.0)

    References
    ----------
    .. [1] J. D. C. Little, "A Proof for the Queuing Formula: L = λW", *Operations
       Research* 9(3), 1961, pp. 383-387.
    .. [2] L. Kleinrock, *Queueing Systems, Volume 1: Theory*, Wiley, 1975, section 2.1
       (the proof over a window that starts and ends empty) and section 3.2 (M/M/1).
    """
    owner = "little_run"
    lam = require_number(owner, "arrival_rate", arrival_rate, positive=True)
    mu = require_number(owner, "service_rate", service_rate, positive=True)
    until = require_number(owner, "horizon", horizon, positive=True)
    sim = Simulation(require_seed(owner, seed))
    server = simpy.Resource(sim.env, capacity=1)
    changes: list[tuple[float, int]] = []
    stays: list[Fraction] = []

    def request() -> Generator[simpy.Event, Any, None]:
        arrived = sim.now
        changes.append((arrived, 1))
        with server.request() as turn:
            yield turn
            yield sim.timeout(sim.rng.expovariate(mu))
        changes.append((sim.now, -1))
        stays.append(Fraction(sim.now) - Fraction(arrived))

    def arrivals() -> Generator[simpy.Event, Any, None]:
        while True:
            yield sim.timeout(sim.rng.expovariate(lam))
            if sim.now >= until:
                return
            sim.process(request())

    sim.process(arrivals())
    sim.env.run()
    end = max(Fraction(changes[-1][0]) if changes else Fraction(0), Fraction(until))
    count = len(stays)
    steady = lam < mu
    return LittleRun(
        arrival_rate=lam,
        service_rate=mu,
        horizon=until,
        end=float(end),
        requests=count,
        number=_area(changes) / end,
        rate=Fraction(count) / end,
        time=sum(stays, Fraction(0)) / count if count else Fraction(0),
        expected_number=lam / (mu - lam) if steady else None,
        expected_time=1 / (mu - lam) if steady else None,
    )


# -- the Universal Scalability Law ------------------------------------------------------------

#: The USL's symbols: load ``N`` (users, processes, replicas; at least 1), throughput at
#: one unit of load ``γ``, contention ``α`` and coherency ``β``.
LOAD = sp.Symbol("N", positive=True)
GAMMA = sp.Symbol("gamma", positive=True)
ALPHA = sp.Symbol("alpha", nonnegative=True)
BETA = sp.Symbol("beta", positive=True)


def usl_law() -> sp.Expr:
    """Feature 1.2.4 (独立扩展): the Universal Scalability Law as a sympy expression.

    ``X(N) = γN / (1 + α(N-1) + βN(N-1))`` in the symbols :data:`LOAD`, :data:`GAMMA`,
    :data:`ALPHA` and :data:`BETA`.

    Returns
    -------
    sympy.Expr
        Throughput as a function of load.

    Examples
    --------
    >>> usl_law()
    N*gamma/(N*beta*(N - 1) + alpha*(N - 1) + 1)
    >>> usl_law().subs(BETA, 0)
    N*gamma/(alpha*(N - 1) + 1)

    References
    ----------
    .. [1] N. J. Gunther, *Guerrilla Capacity Planning*, Springer, 2007, equation (4.31).
    """
    n = LOAD
    return GAMMA * n / (1 + ALPHA * (n - 1) + BETA * n * (n - 1))


@dataclass(frozen=True)
class PeakDerivation:
    """The steps of :func:`usl_peak_derivation`, each a sympy expression.

    ``throughput`` is X(N); ``derivative`` is dX/dN over one denominator; ``condition`` its
    numerator, which must be 0 at a turning point (the denominator, a square, is positive);
    ``roots`` what sympy's ``solve`` finds for N > 0; ``peak`` the one root,
    ``sqrt(1 - α)/sqrt(β)``; ``curvature`` the second derivative there, negative when
    ``α < 1``, so the turning point is a maximum; ``peak_throughput`` is X(N*), written
    ``γ / (2 sqrt(β(1 - α)) + α - β)`` (X at N* once ``βN*² = 1 - α`` is used).
    """

    throughput: sp.Expr
    derivative: sp.Expr
    condition: sp.Expr
    roots: tuple[sp.Expr, ...]
    peak: sp.Expr
    curvature: sp.Expr
    peak_throughput: sp.Expr


@lru_cache(maxsize=1)
def usl_peak_derivation() -> PeakDerivation:
    """Feature 1.2.4 (独立扩展): where the USL peaks, derived: ``N* = sqrt((1 - α)/β)``.

    Differentiates X(N) in N, puts the derivative over one denominator, and solves its
    numerator ``γ(1 - α - βN²) = 0`` for N > 0. The derivation needs ``β > 0`` (the
    symbol :data:`BETA` is declared positive): with ``β = 0`` the numerator is
    ``γ(1 - α)``, never 0 for ``α < 1``, and the throughput rises for ever.

    Returns
    -------
    PeakDerivation
        Each step of the derivation, and the throughput at the peak.

    Examples
    --------
    >>> steps = usl_peak_derivation()
    >>> steps.condition
    -gamma*(N**2*beta + alpha - 1)
    >>> steps.peak
    sqrt(1 - alpha)/sqrt(beta)
    >>> steps.peak.subs({ALPHA: sp.Rational(1, 50), BETA: sp.Rational(1, 50)})
    7

    References
    ----------
    .. [1] N. J. Gunther, *Guerrilla Capacity Planning*, Springer, 2007, equation (4.33).
    .. [2] N. J. Gunther, "A General Theory of Computational Scalability Based on
       Rational Functions", arXiv:0808.1431, 2008.
    """
    x = usl_law()
    derivative = sp.together(sp.diff(x, LOAD))
    numerator, denominator = sp.fraction(derivative)
    condition = sp.factor(numerator)
    roots = tuple(sp.solve(condition, LOAD))
    (peak,) = roots
    # At a root of the numerator, (numerator / denominator)' = numerator' / denominator.
    curvature = sp.factor(sp.simplify((sp.diff(numerator, LOAD) / denominator).subs(LOAD, peak)))
    return PeakDerivation(
        throughput=x,
        derivative=derivative,
        condition=condition,
        roots=roots,
        peak=peak,
        curvature=curvature,
        peak_throughput=GAMMA / (2 * sp.sqrt(BETA * (1 - ALPHA)) + ALPHA - BETA),
    )


def _load(owner: str, what: str, value: object) -> float:
    """``value`` as a float if it is a finite load of at least 1 (the USL's unit load)."""
    n = require_number(owner, what, value)
    if n < 1:
        raise TheoryError(f"{owner}: {what} must be a finite number of at least 1 (the load "
                          f"the coefficients are relative to), not {value!r}")
    return n


def amdahl_speedup(n: float, serial_fraction: float) -> float:
    """Feature 1.2.4 (独立扩展): Amdahl's law, ``S(N) = N / (1 + σ(N-1))``.

    The speed-up of ``n`` workers over one when a share ``σ`` of the work is serial;
    the classic form ``1 / (σ + (1 - σ)/N)`` is the same. It is the USL with ``γ = 1``
    and no coherency cost (``β = 0``), and it never exceeds ``1/σ``.

    Parameters
    ----------
    n : float
        Number of workers (>= 1).
    serial_fraction : float
        σ, the serial share of the work, in [0, 1].

    Returns
    -------
    float
        The speed-up.

    Raises
    ------
    TheoryError
        If ``n`` is below 1 or ``serial_fraction`` outside [0, 1].

    Examples
    --------
    >>> amdahl_speedup(16, 0.05)
    9.142857142857142
    >>> amdahl_speedup(16, 0.05) == USL(1, 0.05, 0).throughput(16)
    True

    References
    ----------
    .. [1] G. M. Amdahl, "Validity of the single processor approach to achieving large
       scale computing capabilities", AFIPS Spring Joint Computer Conference, 1967.
    .. [2] N. J. Gunther, *Guerrilla Capacity Planning*, Springer, 2007, section 4.3.
    """
    load = _load("amdahl_speedup", "n", n)
    sigma = require_fraction("amdahl_speedup", "serial_fraction", serial_fraction)
    return load / (1 + sigma * (load - 1))


@dataclass(frozen=True)
class USL:
    """Feature 1.2.4 (独立扩展): Gunther's Universal Scalability Law with given coefficients.

    ``X(N) = γN / (1 + α(N-1) + βN(N-1))``: ``gamma`` (> 0) is the throughput at load 1,
    ``alpha`` (contention, in [0, 1]) the share of the work that waits for something
    shared, ``beta`` (coherency, >= 0) the cost for each pair of workers to agree. Build
    one to ask what-if questions (what if coherency were halved?); :func:`usl_fit` builds
    one from measurements.

    Examples
    --------
    >>> law = USL(gamma=1, alpha=0.02, beta=0.02)
    >>> law.peak, round(law.throughput(7), 3), law.limit
    (7.0, 3.571, 50.0)
    >>> USL(1, 0.05, 0).peak is None
    True

    References
    ----------
    .. [1] N. J. Gunther, *Guerrilla Capacity Planning*, Springer, 2007, equations (4.31)
       and (4.33).
    """

    gamma: float
    alpha: float
    beta: float

    def __post_init__(self) -> None:
        require_number("USL", "gamma", self.gamma, positive=True)
        require_fraction("USL", "alpha", self.alpha)
        require_number("USL", "beta", self.beta)

    def throughput(self, n: float) -> float:
        """X(n), the throughput the law predicts at load ``n`` (>= 1)."""
        load = _load("USL.throughput", "n", n)
        return self.gamma * load / (1 + self.alpha * (load - 1) + self.beta * load * (load - 1))

    @property
    def peak(self) -> float | None:
        """N* = sqrt((1 - α)/β), the load at which throughput peaks; None when ``β = 0``
        (throughput then rises for ever towards :attr:`limit`). Below 1 when ``β > 1 - α``:
        then every unit of load beyond the first lowers throughput."""
        return math.sqrt((1 - self.alpha) / self.beta) if self.beta > 0 else None

    @property
    def peak_throughput(self) -> float | None:
        """The most throughput the law allows at any load of at least 1: X(N*), or X(1)
        when N* < 1; None when there is no peak."""
        peak = self.peak
        return None if peak is None else self.throughput(max(peak, 1.0))

    @property
    def limit(self) -> float | None:
        """γ/α, Amdahl's ceiling: the throughput contention alone would allow at any load;
        None when ``α = 0`` (no ceiling from contention)."""
        return self.gamma / self.alpha if self.alpha > 0 else None

    @property
    def optimal(self) -> float | None:
        """1/α, the load at which linear scaling ``γN`` would reach :attr:`limit`; beyond
        it returns diminish fast. None when ``α = 0``."""
        return 1 / self.alpha if self.alpha > 0 else None


@dataclass(frozen=True)
class USLFit(USL):
    """Feature 1.2.4 (独立扩展): a USL fitted to measured throughput (:func:`usl_fit`).

    Besides the coefficients and what :class:`USL` derives from them, it holds the
    measurements (``load``, ``measured``) and ``std_errors``, the standard errors of
    ``(gamma, alpha, beta)`` from the linearised least-squares problem (as R's ``nls``
    and the ``usl`` package compute them), or None with only three points (no degree of
    freedom left) or a singular problem.
    """

    load: tuple[float, ...]
    measured: tuple[float, ...]
    std_errors: tuple[float, float, float] | None

    @property
    def fitted(self) -> tuple[float, ...]:
        """The throughput the fit predicts at each measured load."""
        return tuple(self.throughput(n) for n in self.load)

    @property
    def residuals(self) -> tuple[float, ...]:
        """Measured minus fitted throughput, at each load."""
        return tuple(x - f for x, f in zip(self.measured, self.fitted, strict=True))

    @property
    def residual_sum_of_squares(self) -> float:
        """The sum of the squared residuals, which the fit minimises."""
        return math.fsum(r * r for r in self.residuals)

    @property
    def r_squared(self) -> float | None:
        """R² = 1 - (residual sum of squares) / (total sum of squares about the mean): the
        share of the throughput's variation the law explains. None when every measured
        throughput is the same (there is no variation to explain)."""
        mean = math.fsum(self.measured) / len(self.measured)
        total = math.fsum((x - mean) ** 2 for x in self.measured)
        return 1 - self.residual_sum_of_squares / total if total > 0 else None

    @property
    def residual_standard_error(self) -> float | None:
        """sqrt(RSS / (n - 3)), the typical error of one measurement; None for n = 3."""
        freedom = len(self.load) - 3
        return math.sqrt(self.residual_sum_of_squares / freedom) if freedom else None


#: The largest load :func:`usl_fit` takes (a trillion users, processes or replicas) and
#: the largest throughput, in any unit: beyond them, floating-point sums of squares overflow.
_MOST_LOAD, _MOST_THROUGHPUT = 1e12, 1e100


def _points(owner: str, load: object, throughput: object) -> tuple[tuple[float, ...],
                                                                tuple[float, ...]]:
    """The measurements as two tuples of floats, checked."""
    columns = []
    for what, values in (("load", load), ("throughput", throughput)):
        values = values.tolist() if hasattr(values, "tolist") else values  # numpy, pandas
        if isinstance(values, str | bytes) or not isinstance(values, Iterable):
            raise TheoryError(f"{owner}: {what} must be a list of numbers, not {values!r}")
        columns.append(tuple(values))
    loads, rates = columns
    if len(loads) != len(rates):
        raise TheoryError(f"{owner}: load and throughput must have the same length, not "
                          f"{len(loads)} and {len(rates)}")
    xs = tuple(_load(owner, f"load[{i}]", n) for i, n in enumerate(loads))
    ys = tuple(require_number(owner, f"throughput[{i}]", x, positive=True)
               for i, x in enumerate(rates))
    for what, column, most in (("load", xs, _MOST_LOAD), ("throughput", ys, _MOST_THROUGHPUT)):
        for i, value in enumerate(column):
            if value > most:
                raise TheoryError(f"{owner}: {what}[{i}] must be at most {most:.0e} (larger "
                                  f"values overflow the fit's sums of squares), not {value!r}")
    distinct = len(set(xs))
    if distinct < 3:
        raise TheoryError(f"{owner}: load must hold at least 3 distinct values (the law has "
                          f"3 coefficients, so fewer loads fit infinitely many curves), "
                          f"not {distinct}")
    return xs, ys


#: Bounds of the fit, as in the R package usl: γ >= 0, α in [0, 1], β in [0, 1].
_LOWER, _UPPER = (0.0, 0.0, 0.0), (math.inf, 1.0, 1.0)

#: The coefficients :func:`usl_fit` tries holding at 0 (indices into (γ, α, β)): β, α, both.
_AT_ZERO = ((2,), (1,), (1, 2))

#: A fit with coefficients held at 0 fits "as well" when its residual sum of squares
#: exceeds the free fit's by at most this share of the data's sum of squares.
_AS_WELL = 1e-12


def usl_fit(load: Iterable[float], throughput: Iterable[float]) -> USLFit:
    """Feature 1.2.4 (独立扩展): fit the Universal Scalability Law to measured throughput.

    Finds the ``γ >= 0``, ``α`` in [0, 1] and ``β`` in [0, 1] that minimise the sum of
    squared differences between the measured throughput and ``γN / (1 + α(N-1) +
    βN(N-1))``: bounded nonlinear least squares, as the R package ``usl`` does (its
    ``nlxb`` and ``nls`` solvers, with the same bounds and starting point ``γ = max(X/N)``,
    ``α = 0.01``, ``β = 0.0001``), here by scipy's trust-region reflective method with the
    law's analytic Jacobian, the throughput scaled to a maximum of 1 (which scales ``γ``
    and leaves ``α`` and ``β`` unchanged) and tolerances of 1e-15. An iterate of that
    method stays strictly inside the bounds, so a coefficient whose best value is 0 ends
    a hair above it; the fit therefore also refits with ``β``, ``α`` or both held at 0,
    and reports the one with the most zeros among those whose residual sum of squares is
    within 1e-12 of the data's sum of squares of the free fit's. Data with no coherency
    cost thus give ``beta == 0`` exactly and ``peak`` None (Amdahl's law).

    Parameters
    ----------
    load : iterable of float
        The loads N measured (users, processes, replicas), each at least 1 and at most
        10^12 (beyond, the fit's sums of squares overflow), with at least 3 distinct
        values: the law has three coefficients, and through two points pass infinitely
        many such curves.
    throughput : iterable of float
        The throughput measured at each load, each positive and at most 10^100. Lists,
        tuples and numpy arrays are accepted.

    Returns
    -------
    USLFit
        ``gamma``, ``alpha``, ``beta``, ``peak`` (the load N* where throughput peaks, or
        None), ``throughput(n)``, the residuals, R² and the standard errors.

    Raises
    ------
    TheoryError
        If either argument is not a list of numbers, their lengths differ, a load is below
        1 or above 10^12, a throughput is not positive or above 10^100 (each named by
        index), or there are fewer than 3 distinct loads.

    Examples
    --------
    The SPEC SDM91 benchmark (Gunther's example, as the ``usl`` package ships it):

    >>> fit = usl_fit(*zip(*SPECSDM91))
    >>> round(fit.alpha, 7), round(fit.beta, 7), round(fit.gamma, 6)
    (0.0277285, 0.0001044, 89.995233)
    >>> round(fit.peak, 2), round(fit.peak_throughput), round(fit.r_squared, 4)
    (96.52, 1884, 0.9896)
    >>> usl_fit([1, 2, 2], [1.0, 1.9, 1.9])
    Traceback (most recent call last):
        ...
    msatheory.errors.TheoryError: usl_fit: load must hold at least 3 distinct values \
(the law has 3 coefficients, so fewer loads fit infinitely many curves), not 2

    References
    ----------
    .. [1] N. J. Gunther, *Guerrilla Capacity Planning*, Springer, 2007, equations (4.31)
       and (4.33).
    .. [2] S. Möding and N. J. Gunther, usl: Analyze System Scalability with the Universal
       Scalability Law, R package 3.0.3, 2022 (R/usl.R, ``usl.solve.nlxb``);
       https://github.com/smoeding/usl.
    .. [3] M. A. Branch, T. F. Coleman and Y. Li, "A Subspace, Interior, and Conjugate
       Gradient Method for Large-Scale Bound-Constrained Minimization Problems", *SIAM
       Journal on Scientific Computing* 21(1), 1999 (scipy's ``trf``).
    """
    import numpy as np  # here: scipy and numpy load only when a fit is made
    from scipy.optimize import least_squares

    xs, ys = _points("usl_fit", load, throughput)
    n = np.array(xs)
    scale = max(ys)
    x = np.array(ys) / scale

    def parts(p: Any) -> tuple[Any, Any, Any]:
        gamma, alpha, beta = p
        ratio = n / (1 + alpha * (n - 1) + beta * n * (n - 1))  # N/D, finite for N >= 1
        return gamma, ratio, ratio * ratio * gamma / n

    def residuals(p: Any) -> Any:
        gamma, ratio, _ = parts(p)
        return gamma * ratio - x

    def jacobian(p: Any) -> Any:
        _, ratio, slope = parts(p)
        return np.column_stack([ratio, -slope * (n - 1), -slope * n * (n - 1)])

    def solve(fixed: tuple[int, ...]) -> Any:
        """The least-squares coefficients with those at ``fixed`` indices held at 0."""
        free = [i for i in range(3) if i not in fixed]

        def whole(q: Any) -> Any:
            p = np.zeros(3)
            p[free] = q
            return p

        start = np.array((float(np.max(x / n)), 0.01, 0.0001))[free]
        solution = least_squares(lambda q: residuals(whole(q)), start,
                                 jac=lambda q: jacobian(whole(q))[:, free],
                                 bounds=(np.array(_LOWER)[free], np.array(_UPPER)[free]),
                                 method="trf", xtol=1e-15, ftol=1e-15, gtol=1e-15)
        return whole(solution.x)

    def rss(p: Any) -> float:
        r = residuals(p)
        return float(r @ r)

    full = solve(())
    enough = rss(full) + _AS_WELL * float(x @ x)
    fits = [p for p in (full, *(solve(fixed) for fixed in _AT_ZERO)) if rss(p) <= enough]
    best = max(fits, key=lambda p: (int(np.sum(p[1:] == 0)), -rss(p)))
    gamma, alpha, beta = (float(v) for v in best)
    return USLFit(gamma * scale, alpha, beta, load=xs, measured=ys,
                  std_errors=_std_errors(jacobian(best), residuals(best), scale))


def _std_errors(jac: Any, res: Any, scale: float) -> tuple[float, float, float] | None:
    """Standard errors of (γ, α, β): sqrt(diag((JᵀJ)⁻¹) · RSS / (n - 3)), in the
    measured units (``jac`` and ``res`` are of the throughput divided by ``scale``)."""
    import numpy as np

    freedom = len(res) - 3
    if freedom == 0:
        return None
    try:
        covariance = np.linalg.inv(jac.T @ jac) * float(res @ res) / freedom
    except np.linalg.LinAlgError:
        return None
    gamma, alpha, beta = (math.sqrt(max(float(v), 0.0)) for v in np.diag(covariance))
    return (gamma * scale, alpha, beta)


# -- the data sets ----------------------------------------------------------------------------

#: SPEC SDM91 on a Sun SPARCcenter 2000 with 16 CPUs (October 1994): ``(load, throughput)``
#: with load the simulated users and throughput the scripts executed per hour. From N. J.
#: Gunther, *Guerrilla Capacity Planning*, Springer, 2007, as shipped by the R package usl
#: 3.0.3 (``data(specsdm91)``, data/specsdm91.rda; documented in R/datasets.R); originally
#: from SPEC's SDM91 results, http://www.spec.org/osg/sdm91/results/results.html. The
#: package's README publishes its fit: α = 0.0277285, β = 0.0001044, γ = 89.9952330,
#: peak 1884 at load 96.52. :func:`usl_fit` gives the same α and β to every digit and
#: γ = 89.9952331, 1 part in 10^9 away: moving γ that little changes the sum of squares
#: by 1e-15 of itself, at the limit of double precision, so the last digit is the solver's.
SPECSDM91: tuple[tuple[int, float], ...] = (
    (1, 64.9), (18, 995.9), (36, 1652.4), (72, 1853.2),
    (108, 1828.9), (144, 1775.0), (216, 1702.2),
)

#: A ray-tracing benchmark (BRL-CAD) on an SGI Origin 2000 with 64 R12000 processors at
#: 300 MHz: ``(processors, throughput)``, throughput in ray-geometry intersections per
#: second. From N. J. Gunther, *Guerrilla Capacity Planning*, Springer, 2007, as shipped by
#: the R package usl 3.0.3 (``data(raytracer)``, data/raytracer.rda; documented in
#: R/datasets.R). The package's tests (tests/confint.R) fit its first six rows to
#: α = 0.02444, β = 0.00163, γ = 20.85605.
RAYTRACER: tuple[tuple[int, int], ...] = (
    (1, 20), (4, 78), (8, 130), (12, 170), (16, 190), (20, 200),
    (24, 210), (28, 230), (32, 260), (48, 280), (64, 310),
)
