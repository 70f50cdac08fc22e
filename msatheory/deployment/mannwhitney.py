"""Strategy 7.1.2 (金丝雀部署): the Mann-Whitney U test a canary judge compares samples with.

The **Mann-Whitney U test** (Wilcoxon rank-sum) asks whether one sample tends to be larger
than another without assuming a distribution: :func:`mann_whitney` gives the statistic, its
p-value (exact for small samples without ties, else the normal approximation with
continuity and tie correction), the **Hodges-Lehmann estimate** of the shift (the median
of all differences ``x - y``, :func:`hodges_lehmann`) and its confidence interval,
computed as R's ``wilcox.test`` does and as Kayenta's ``kayenta-mannwhitney`` ported it:
the interval inverts the normal approximation by the same Brent root finder, with
tolerance 1e-4. :func:`normal_quantile` is R's ``qnorm`` (Wichura's AS 241) and
:func:`average_ranks` R's ``rank``. The canary judge that reads the test is
:mod:`msatheory.deployment.judge`; this module stops at the two-sided test of two samples
(no paired or one-sided tests).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from msatheory.errors import TheoryError, require_choice, require_fraction, require_samples

__all__ = ["MannWhitney", "average_ranks", "hodges_lehmann", "mann_whitney", "normal_quantile"]

_METHODS = ("auto", "exact", "asymptotic")
_BRENT_TOLERANCE = 1e-4
_EPSILON = 2.220446049250313e-16


# --- the normal distribution ------------------------------------------------------------


def _poly(coefficients: Sequence[float], x: float) -> float:
    """``coefficients[0] + coefficients[1] * x + ...`` by Horner's rule."""
    total = 0.0
    for c in reversed(coefficients):
        total = total * x + c
    return total


_AS241_CENTRAL = ((3.387132872796366608, 133.14166789178437745, 1971.5909503065514427,
                   13731.693765509461125, 45921.953931549871457, 67265.770927008700853,
                   33430.575583588128105, 2509.0809287301226727),
                  (1.0, 42.313330701600911252, 687.1870074920579083, 5394.1960214247511077,
                   21213.794301586595867, 39307.89580009271061, 28729.085735721942674,
                   5226.495278852545925))
_AS241_NEAR = ((1.42343711074968357734, 4.6303378461565452959, 5.7694972214606914055,
                3.64784832476320460504, 1.27045825245236838258, 0.24178072517745061177,
                0.0227238449892691845833, 7.7454501427834140764e-4),
               (1.0, 2.05319162663775882187, 1.6763848301838038494, 0.68976733498510000455,
                0.14810397642748007459, 0.0151986665636164571966, 5.475938084995344946e-4,
                1.05075007164441684324e-9))
_AS241_FAR = ((6.6579046435011037772, 5.4637849111641143699, 1.7848265399172913358,
               0.29656057182850489123, 0.026532189526576123093, 0.0012426609473880784386,
               2.71155556874348757815e-5, 2.01033439929228813265e-7),
              (1.0, 0.59983220655588793769, 0.13692988092273580531, 0.0148753612908506148525,
               7.868691311456132591e-4, 1.8463183175100546818e-5, 1.4215117583164458887e-7,
               2.04426310338993978564e-15))


def normal_quantile(p: float) -> float:
    """The standard normal quantile ``z`` with ``P(Z <= z) = p`` (R's ``qnorm``).

    Parameters
    ----------
    p : float
        A probability strictly between 0 and 1.

    Returns
    -------
    float
        The quantile, to about 16 significant digits (Wichura's algorithm AS 241).

    Raises
    ------
    TheoryError
        ``p`` outside (0, 1).

    Examples
    --------
    >>> normal_quantile(0.975)
    1.9599639845400536
    >>> normal_quantile(0.5)
    0.0

    References
    ----------
    M. J. Wichura, "Algorithm AS 241: The percentage points of the normal distribution",
    Applied Statistics 37 (1988), as R's ``qnorm`` (``src/nmath/qnorm.c``) computes it.
    """
    p = require_fraction("normal_quantile", "p", p)
    if p in (0.0, 1.0):
        raise TheoryError(f"normal_quantile: p must lie strictly between 0 and 1, not {p!r}")
    q = p - 0.5
    if abs(q) <= 0.425:
        r = 0.180625 - q * q
        return q * _poly(_AS241_CENTRAL[0], r) / _poly(_AS241_CENTRAL[1], r)
    r = math.sqrt(-math.log(min(p, 1.0 - p)))
    table = _AS241_NEAR if r <= 5.0 else _AS241_FAR
    r = r - 1.6 if r <= 5.0 else r - 5.0
    value = _poly(table[0], r) / _poly(table[1], r)
    return -value if q < 0 else value


def _normal_cdf(z: float) -> float:
    """``P(Z <= z)`` for a standard normal ``Z``."""
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


# --- ranks and the Mann-Whitney statistic ----------------------------------------------


def average_ranks(values: Sequence[float]) -> list[float]:
    """Ranks from 1, ties given their average rank.

    Parameters
    ----------
    values : sequence of float
        The observations.

    Returns
    -------
    list of float
        ``ranks[i]`` is the rank of ``values[i]`` among all of them; a group of tied
        values shares the mean of the ranks it spans.

    Examples
    --------
    >>> average_ranks([3.0, 1.0, 3.0, 2.0])
    [3.5, 1.0, 3.5, 2.0]

    References
    ----------
    R's ``rank``; Apache Commons Math ``NaturalRanking`` with ``TiesStrategy.AVERAGE``
    (what ``kayenta-mannwhitney`` ranks with).
    """
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for i in order[start:end + 1]:
            ranks[i] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def _tie_sum(ranks: Sequence[float]) -> float:
    """``sum(t**3 - t)`` over the groups of tied ranks (R's ``NTIES^3 - NTIES``)."""
    counts: dict[float, int] = {}
    for r in ranks:
        counts[r] = counts.get(r, 0) + 1
    return float(sum(t ** 3 - t for t in counts.values()))


def _centred(x: Sequence[float], y: Sequence[float], mu: float) -> tuple[float, float]:
    """``U - nx*ny/2`` for the shifted sample ``x - mu`` against ``y``, and the standard
    deviation of ``U`` under the null hypothesis, corrected for ties."""
    nx, ny = len(x), len(y)
    ranks = average_ranks([v - mu for v in x] + list(y))
    dz = sum(ranks[:nx]) - nx * (nx + 1) / 2 - nx * ny / 2
    n = nx + ny
    sigma = math.sqrt(nx * ny / 12 * ((n + 1) - _tie_sum(ranks) / (n * (n - 1))))
    return dz, sigma


def _wilcoxon_diff(mu: float, zq: float, x: Sequence[float], y: Sequence[float]) -> float:
    """Kayenta's ``MannWhitney.wilcoxonDiff``: the continuity-corrected z of ``x - mu``
    against ``y``, less ``zq``; its root in ``mu`` is an interval bound (R's ``wdiff``)."""
    dz, sigma = _centred(x, y, mu)
    if sigma == 0:
        raise TheoryError("mann_whitney: cannot compute a confidence interval when all "
                          "observations are tied")
    correction = math.copysign(0.5, dz) if dz != 0 else 0.0
    return (dz - correction) / sigma - zq


def _is_zero(value: float) -> bool:
    """Commons Math's ``Precision.equals(value, 0)``: within one ulp of zero."""
    return abs(value) <= 5e-324


def _brent(a: float, b: float, fa: float, fb: float, f: Callable[[float], float]) -> float:
    """Kayenta's ``BrentSolver.solve`` (R's ``uniroot``, tolerance 1e-4), step for step."""
    c, fc = a, fa
    if _is_zero(fa):
        return a
    if _is_zero(fb):
        return b
    for _ in range(1001):
        prev_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2 * _EPSILON * abs(b) + _BRENT_TOLERANCE / 2
        new_step = (c - b) / 2
        if abs(new_step) <= tol_act or _is_zero(fb):
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:
                t1 = fb / fa
                p, q = cb * t1, 1.0 - t1
            else:
                q, t1, t2 = fa / fc, fb / fc, fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0.0:
                q = -q
            else:
                p = -p
            if p < 0.75 * cb * q - abs(tol_act * q) / 2 and p < abs(prev_step * q / 2):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = f(b)
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    return b


@lru_cache(maxsize=64)
def _u_counts(m: int, n: int) -> tuple[int, ...]:
    """How many of the ``C(m+n, m)`` orderings give ``U = 0, 1, ..., m*n``: the
    coefficients of the Gaussian binomial ``[m+n choose m]_q`` (what R's ``cwilcox``
    counts), built as ``prod_i (1 - q**(n+i)) / (1 - q**i)``."""
    size = m * n + 1
    poly = [1] + [0] * (size - 1)
    for i in range(1, m + 1):
        for k in range(size - 1, n + i - 1, -1):
            poly[k] -= poly[k - n - i]
        for k in range(i, size):
            poly[k] += poly[k - i]
    return tuple(poly)


def _exact_p(u: float, m: int, n: int) -> float:
    """R's exact two-sided p-value: twice the smaller tail of ``U``, at most 1."""
    counts = _u_counts(m, n)
    total = math.comb(m + n, m)
    k = int(u)
    tail = sum(counts[k:]) if u > m * n / 2 else sum(counts[:k + 1])
    return min(2 * tail / total, 1.0)


@dataclass(frozen=True)
class MannWhitney:
    """A two-sided Mann-Whitney U test of ``x`` against ``y`` with its estimate.

    ``u`` is the statistic of ``x`` (R's ``W``, SciPy's ``U1``): the number of pairs with
    ``x_i - mu > y_j``, ties counting a half. ``estimate`` (Hodges-Lehmann) and the interval
    ``(low, high)`` are of the shift ``x - y``. Kayenta's judge reads only the interval and
    the estimate; the p-value is what a textbook test would decide by. The interval's
    bounds are roots found to within 1e-4, so when the interval is narrower than that its
    ends can come out in either order (as in R; Kayenta's own test data shows one).
    """

    u: float
    p_value: float
    method: str
    estimate: float
    low: float
    high: float
    confidence: float


def _interval(x: Sequence[float], y: Sequence[float], confidence: float
              ) -> tuple[float, float, float]:
    """Kayenta's ``calculateConfidenceInterval``: the interval's bounds and the estimate,
    roots in ``mu`` of :func:`_wilcoxon_diff` between ``min(x) - max(y)`` and
    ``max(x) - min(y)``."""
    mu_min, mu_max = min(x) - max(y), max(x) - min(y)

    def root(zq: float) -> float:
        f_lower = _wilcoxon_diff(mu_min, zq, x, y)
        f_upper = _wilcoxon_diff(mu_max, zq, x, y)
        if f_lower <= 0:
            return mu_min
        if f_upper >= 0:
            return mu_max
        return _brent(mu_min, mu_max, f_lower, f_upper,
                      lambda mu: _wilcoxon_diff(mu, zq, x, y))

    z = normal_quantile((1.0 - confidence) / 2)
    low, high = root(-z), root(z)
    estimate = _brent(mu_min, mu_max, _wilcoxon_diff(mu_min, 0.0, x, y),
                      _wilcoxon_diff(mu_max, 0.0, x, y),
                      lambda mu: _wilcoxon_diff(mu, 0.0, x, y))
    return low, high, estimate


def mann_whitney(x: Sequence[float], y: Sequence[float], *, confidence: float = 0.95,
                 mu: float = 0.0, method: str = "auto") -> MannWhitney:
    """The two-sided Mann-Whitney U test (Wilcoxon rank-sum) of ``x`` against ``y``.

    Parameters
    ----------
    x, y : sequence of float
        The samples (for a canary: canary first, baseline second), finite, not empty.
    confidence : float
        The confidence level of the interval, in (0, 1).
    mu : float
        The shift of the null hypothesis: ``x - mu`` and ``y`` have one distribution.
    method : {"auto", "exact", "asymptotic"}
        How the p-value is computed. ``"exact"`` counts the orderings (no ties allowed);
        ``"asymptotic"`` is the normal approximation with tie and continuity correction;
        ``"auto"`` is R's rule: exact when both samples hold fewer than 50 values and
        there are no ties. The interval and estimate always use the normal approximation,
        as Kayenta does (R's ``exact=FALSE``).

    Returns
    -------
    MannWhitney
        The statistic, p-value, method used, Hodges-Lehmann estimate and interval.

    Raises
    ------
    TheoryError
        An empty or non-finite sample, a confidence outside (0, 1), an exact test asked
        for tied samples, or each sample one repeated value (the interval's equation
        then has all observations tied at an end of its range).

    Examples
    --------
    >>> t = mann_whitney([1.8, 2.1, 2.4, 2.9], [1.0, 1.2, 1.5, 1.9], method="exact")
    >>> t.u, round(t.p_value, 4), t.method
    (15.0, 0.0571, 'exact')
    >>> round(t.estimate, 3), round(t.low, 3), round(t.high, 3)
    (0.9, -0.1, 1.9)

    References
    ----------
    R Core Team, ``wilcox.test.default`` (``src/library/stats/R/wilcox.test.R``);
    spinnaker/kayenta ``kayenta-mannwhitney/.../MannWhitney.scala``
    (``wilcoxonDiff``, ``calculateConfidenceInterval``) and ``BrentSolver.java``.
    Hollander and Wolfe, *Nonparametric Statistical Methods* (1973), sections 4.1-4.3.
    """
    owner = "mann_whitney"
    xs, ys = require_samples(owner, "x", x), require_samples(owner, "y", y)
    confidence = require_fraction(owner, "confidence", confidence, zero=False)
    if confidence == 1.0:
        raise TheoryError(f"{owner}: confidence must lie strictly between 0 and 1, not 1.0")
    if isinstance(mu, bool) or not isinstance(mu, int | float) or not math.isfinite(mu):
        raise TheoryError(f"{owner}: mu must be a finite number, not {mu!r}")
    method = require_choice(owner, "method", method, _METHODS)
    if len(set(xs)) == 1 and len(set(ys)) == 1:
        raise TheoryError(f"{owner}: cannot compute the interval when each sample holds one "
                          f"repeated value (R refuses too; the judge adds noise first)")
    nx, ny = len(xs), len(ys)
    ranks = average_ranks([v - mu for v in xs] + list(ys))
    ties = len(set(ranks)) != len(ranks)
    if method == "exact" and ties:
        raise TheoryError(f"{owner}: method 'exact' needs samples without ties")
    exact = method == "exact" or (method == "auto" and nx < 50 and ny < 50 and not ties)
    u = sum(ranks[:nx]) - nx * (nx + 1) / 2
    if exact:
        p_value = _exact_p(u, nx, ny)
    else:
        z = _wilcoxon_diff(mu, 0.0, xs, ys)
        p_value = min(1.0, 2 * _normal_cdf(-abs(z)))
    low, high, estimate = _interval(xs, ys, confidence)
    return MannWhitney(u=u, p_value=p_value, method="exact" if exact else "asymptotic",
                       estimate=estimate, low=low, high=high, confidence=confidence)


def hodges_lehmann(x: Sequence[float], y: Sequence[float]) -> float:
    """The Hodges-Lehmann estimate of the shift ``x - y``: the median of all differences.

    :func:`mann_whitney` finds the same point as the root of the rank statistic (within
    its solver's tolerance of 1e-4); this is the direct definition, for comparison.

    Parameters
    ----------
    x, y : sequence of float
        Finite, non-empty samples.

    Returns
    -------
    float
        The median of ``x_i - y_j`` over all pairs (the mean of the two middle ones when
        their number is even).

    Raises
    ------
    TheoryError
        An empty or non-finite sample.

    Examples
    --------
    >>> hodges_lehmann([1.8, 2.1, 2.4, 2.9], [1.0, 1.2, 1.5, 1.9])
    0.9

    References
    ----------
    J. L. Hodges and E. L. Lehmann, "Estimates of location based on rank tests", Annals of
    Mathematical Statistics 34 (1963).
    """
    xs = require_samples("hodges_lehmann", "x", x)
    ys = require_samples("hodges_lehmann", "y", y)
    d = sorted(a - b for a in xs for b in ys)
    middle = len(d) // 2
    return d[middle] if len(d) % 2 else (d[middle - 1] + d[middle]) / 2
