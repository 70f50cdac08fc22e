"""Def 7.2.2 (告警规则): SLOs, error budgets and burn rates, the arithmetic alerts rest on.

A **service level objective** (SLO) asks that a share of requests succeed over a period
(99.9% over 30 days); the rest, ``1 - SLO``, is the **error budget**. The **burn rate** of
an error ratio is how fast it spends that budget: ``error_ratio / (1 - SLO)``, so a burn
rate of 1 spends it exactly over the period and 1000 (every request failing, at 99.9%)
in 43.2 minutes. Chapter 5 of *The Site Reliability Workbook*, "Alerting on SLOs", builds
its alerts on three identities this module encodes exactly (a Fraction in gives a
Fraction out; a float is read as the decimal it prints as, so 0.999 is 999/1000):

* :func:`burn_rate`: ``error_ratio / (1 - slo)``;
* :func:`budget_consumed`: ``burn_rate * window / period``, the share of the budget a
  burn spends in a window (14.4 for an hour of a 30-day period: 2%);
* :func:`time_to_exhaustion`: ``period / burn_rate``;

and the two closed forms it weighs alerts by, for an alert on a window's mean error ratio
above ``burn`` times the budget: :func:`detection_time`, ``(1 - SLO) / error_ratio *
window * burn``, and :func:`reset_time`, ``window * (1 - burn * (1 - SLO) /
error_ratio)``. :class:`SLO` holds an objective and its period; :func:`burn_rate_table`
is the workbook's Table 5-4. The rules themselves, their evaluation and their measurement
are :mod:`msatheory.deployment.alerting`.

Times are minutes of virtual time unless a function says otherwise; a 30-day period is
43,200 minutes. The workbook's text was not at hand: its values are its published ones,
recomputed here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from msatheory.errors import (
    TheoryError,
    require_count,
    require_instance,
    require_probability,
    require_time,
)
from msatheory.sim import exact
from msatheory.theory.render import grid

__all__ = [
    "SLO",
    "budget_consumed",
    "burn_rate",
    "burn_rate_table",
    "detection_time",
    "exact",
    "minutes_text",
    "reset_time",
    "time_to_exhaustion",
]

Number = int | float | Fraction
"""A quantity kept exact when given as a Fraction."""

HOUR = 60
"""Minutes in an hour."""
DAY = 24 * HOUR
"""Minutes in a day."""
MONTH = 30 * DAY
"""The workbook's SLO period, 30 days, in minutes (43,200)."""


# --- exact arithmetic ----------------------------------------------------------------------


def _result(value: Fraction, *given: object) -> float | Fraction:
    """``value`` kept a Fraction when a Fraction was given, otherwise a float."""
    return value if any(isinstance(g, Fraction) for g in given) else float(value)


def _objective(owner: str, slo: object, what: str = "slo") -> float | Fraction:
    """An SLO objective: a ratio in (0, 1), such as 0.999."""
    objective = require_probability(owner, what, slo, zero=False)
    if objective == 1:
        raise TheoryError(f"{owner}: {what} must be below 1 (an SLO of 100% leaves no error "
                          f"budget), not {slo!r}")
    return objective


def burn_rate(error_ratio: Number, slo: Number) -> Number:
    """Def 7.2.2 (告警规则): how fast an error ratio spends an SLO's error budget.

    Parameters
    ----------
    error_ratio : int, float or Fraction
        The share of requests that fail, in [0, 1].
    slo : float or Fraction
        The objective as a ratio in (0, 1), such as 0.999.

    Returns
    -------
    Fraction or float
        ``error_ratio / (1 - slo)``: 1 spends the budget exactly over the SLO period.
        A Fraction when an argument is one; otherwise a float, computed from the decimals
        the arguments print as, so ``burn_rate(0.001, 0.999)`` is exactly 1.0.

    Raises
    ------
    TheoryError
        An error ratio outside [0, 1] or an SLO outside (0, 1).

    Examples
    --------
    >>> burn_rate(0.001, 0.999), burn_rate(1, 0.999)
    (1.0, 1000.0)
    >>> burn_rate(Fraction(36, 1000), Fraction(999, 1000))
    Fraction(36, 1)

    References
    ----------
    Def 7.2.2. The Site Reliability Workbook, ch. 5 "Alerting on SLOs", "Alert on Burn
    Rate" (Table 5-4).
    """
    ratio = require_probability("burn_rate", "error_ratio", error_ratio)
    objective = _objective("burn_rate", slo)
    return _result(exact(ratio) / (1 - exact(objective)), error_ratio, slo)


def budget_consumed(burn_rate: Number, window: Number, period: Number) -> Number:
    """Def 7.2.2 (告警规则): the share of an error budget a burn rate spends in a window.

    Parameters
    ----------
    burn_rate : int, float or Fraction
        The burn rate, 0 or more.
    window, period : int, float or Fraction
        How long the burn lasts and the SLO period, in the same unit (period > 0).

    Returns
    -------
    Fraction or float
        ``burn_rate * window / period`` (a Fraction when an argument is one).

    Raises
    ------
    TheoryError
        A negative burn rate or window, or a period that is not positive.

    Examples
    --------
    >>> budget_consumed(14.4, 60, 43200), budget_consumed(6, 6, 720)
    (0.02, 0.05)
    >>> budget_consumed(Fraction(36), 1, 720)
    Fraction(1, 20)

    References
    ----------
    Def 7.2.2. The Site Reliability Workbook, ch. 5, "Multiple Burn Rate Alerts"
    (Table 5-5: budget consumption, time window and burn rate).
    """
    owner = "budget_consumed"
    rate = require_time(owner, "burn_rate", burn_rate, unit="budgets per period")
    span = require_time(owner, "window", window)
    whole = require_time(owner, "period", period, positive=True)
    return _result(exact(rate) * exact(span) / exact(whole), burn_rate, window, period)


def time_to_exhaustion(burn_rate: Number, period: Number) -> Number:
    """Def 7.2.2 (告警规则): how long a sustained burn rate takes to spend the whole budget.

    Parameters
    ----------
    burn_rate : int, float or Fraction
        A positive burn rate.
    period : int, float or Fraction
        The SLO period (positive); the answer is in its unit.

    Returns
    -------
    Fraction or float
        ``period / burn_rate``.

    Raises
    ------
    TheoryError
        A burn rate or period that is not positive.

    Examples
    --------
    >>> time_to_exhaustion(1000, 43200), time_to_exhaustion(Fraction(144, 10), 720)
    (43.2, Fraction(50, 1))

    References
    ----------
    Def 7.2.2. The Site Reliability Workbook, ch. 5, Table 5-4 (burn rates and time to
    complete budget exhaustion).
    """
    owner = "time_to_exhaustion"
    rate = require_time(owner, "burn_rate", burn_rate, positive=True,
                        unit="budgets per period")
    whole = require_time(owner, "period", period, positive=True)
    return _result(exact(whole) / exact(rate), burn_rate, period)


def _burn_alert(owner: str, error_ratio: object, slo: object, window: object,
                burn: object) -> tuple[Fraction, Fraction, Fraction, Fraction]:
    """A burn-rate alert's arguments, exactly: the event's error ratio, the SLO's budget
    ``1 - slo``, the window and the burn rate."""
    ratio = require_probability(owner, "error_ratio", error_ratio, zero=False)
    objective = _objective(owner, slo)
    span = require_time(owner, "window", window, positive=True)
    rate = require_time(owner, "burn", burn, positive=True, unit="budgets per period")
    return exact(ratio), 1 - exact(objective), exact(span), exact(rate)


def detection_time(error_ratio: Number, slo: Number, window: Number,
                   burn: Number) -> Number | None:
    """Def 7.2.2 (告警规则): the workbook's detection time of a burn-rate alert.

    A window's mean error ratio climbs linearly once an event of ``error_ratio`` begins,
    and crosses ``burn * (1 - slo)`` after ``(1 - slo) / error_ratio * window * burn``.

    Parameters
    ----------
    error_ratio : int, float or Fraction
        The event's error ratio, in (0, 1].
    slo : float or Fraction
        The objective, in (0, 1).
    window : int, float or Fraction
        The alert's window (the answer is in its unit).
    burn : int, float or Fraction
        The alert's burn-rate threshold, positive.

    Returns
    -------
    Fraction, float or None
        The detection time, or None when ``error_ratio`` does not exceed the threshold
        (the window's mean never crosses it).

    Raises
    ------
    TheoryError
        An argument out of range.

    Examples
    --------
    >>> detection_time(1, 0.999, 10, 1) * 60       # iteration 1, seconds
    0.6
    >>> detection_time(1, 0.999, 60, 14.4), detection_time(0.001, 0.999, 60, 14.4)
    (0.864, None)

    References
    ----------
    Def 7.2.2. The Site Reliability Workbook, ch. 5, "Alert on Burn Rate" (detection time
    = ((1 - SLO) / error ratio) * alerting window size * burn rate).
    """
    ratio, budget, span, rate = _burn_alert("detection_time", error_ratio, slo, window, burn)
    if ratio <= rate * budget:
        return None
    return _result(budget / ratio * span * rate, error_ratio, slo, window, burn)


def reset_time(error_ratio: Number, slo: Number, window: Number,
               burn: Number) -> Number | None:
    """Def 7.2.2 (告警规则): how long a burn-rate alert fires after its event ends.

    Once the event stops, its errors leave the window one minute at a time; the window's
    mean falls to ``burn * (1 - slo)`` after ``window * (1 - burn * (1 - slo) /
    error_ratio)``, whatever the event's length (provided it fired the alert).

    Parameters
    ----------
    error_ratio, slo, window, burn
        As for :func:`detection_time`.

    Returns
    -------
    Fraction, float or None
        The reset time, or None when the event never fires the alert.

    Raises
    ------
    TheoryError
        An argument out of range.

    Examples
    --------
    >>> reset_time(1, 0.999, 60, 36)                  # iteration 4: "58 minutes"
    57.84
    >>> reset_time(Fraction(1), Fraction(999, 1000), 5, Fraction(144, 10))
    Fraction(616, 125)

    References
    ----------
    Def 7.2.2. The Site Reliability Workbook, ch. 5, "Alert on Burn Rate" (reset time
    58 minutes) and "Multiwindow, Multi-Burn-Rate Alerts".
    """
    ratio, budget, span, rate = _burn_alert("reset_time", error_ratio, slo, window, burn)
    threshold = rate * budget
    if ratio <= threshold:
        return None
    return _result(span * (1 - threshold / ratio), error_ratio, slo, window, burn)


# --- the SLO record and the workbook's table ---------------------------------------------


@dataclass(frozen=True)
class SLO:
    """Def 7.2.2 (告警规则): a service level objective and its error budget.

    ``objective`` is the share of requests that must succeed over ``period`` minutes
    (0.999 over 30 days); the **error budget** is ``1 - objective`` of the requests, the
    same as ``budget * period`` minutes of full outage (43.2 minutes for 99.9% over 30
    days).

    >>> slo = SLO(Fraction(999, 1000))
    >>> slo.budget, slo.downtime, slo.threshold(14.4)
    (Fraction(1, 1000), Fraction(216, 5), Fraction(9, 625))
    >>> SLO(0.999).burn_for(0.02, 60)    # the burn rate that spends 2% in an hour
    14.4
    """

    objective: float | Fraction
    period: int = MONTH

    def __post_init__(self) -> None:
        _objective("SLO", self.objective, "objective")
        require_count("SLO", "period", self.period, least=1)

    @property
    def budget(self) -> float | Fraction:
        """The error budget as a ratio, ``1 - objective``."""
        return _result(1 - exact(self.objective), self.objective)

    @property
    def downtime(self) -> float | Fraction:
        """The budget as minutes of full outage over the period."""
        return _result((1 - exact(self.objective)) * self.period, self.objective)

    def threshold(self, burn: Number) -> float | Fraction:
        """The error ratio at which the budget burns at rate ``burn``."""
        rate = require_time("SLO", "burn", burn, unit="budgets per period")
        ratio = exact(rate) * (1 - exact(self.objective))
        return _result(ratio, self.objective, burn)

    def burn_for(self, share: Number, window: Number) -> float | Fraction:
        """The burn rate that spends ``share`` of the budget in ``window`` minutes."""
        part = require_probability("SLO", "share", share)
        span = require_time("SLO", "window", window, positive=True)
        rate = exact(part) * self.period / exact(span)
        return _result(rate, share, window)


def slo_or_workbook(owner: str, slo: object) -> SLO:
    """``slo`` if it is an :class:`SLO`; the workbook's 99.9% over 30 days, exactly, when
    it is None.

    >>> slo_or_workbook("table", None)
    SLO(objective=Fraction(999, 1000), period=43200)
    """
    return SLO(Fraction(999, 1000)) if slo is None else require_instance(owner, "slo", slo, SLO)


def minutes_text(minutes: float) -> str:
    """Minutes as a person reads a duration.

    >>> [minutes_text(m) for m in (0.01, 2.16, 57.84, 2160, 4320)]
    ['0.6 s', '2.16 min', '57.8 min', '36 h', '3 d']
    """
    if minutes < 1:
        return f"{minutes * 60:.3g} s"
    if minutes < 120:
        return f"{minutes:.3g} min"
    if minutes < 2 * DAY:
        return f"{minutes / HOUR:.3g} h"
    return f"{minutes / DAY:.3g} d"


def burn_rate_table(slo: SLO | None = None,
                    burns: Sequence[Number] = (1, 2, 10, 1000)) -> str:
    """Def 7.2.2 (告警规则): the workbook's Table 5-4, burn rates and time to exhaustion.

    Parameters
    ----------
    slo : SLO, optional
        99.9% over 30 days when omitted.
    burns : sequence of numbers
        The burn rates, each at most ``1 / budget`` (a 100% error ratio).

    Returns
    -------
    str
        A text table: burn rate, the error ratio that burns at it, time to exhaustion.

    Raises
    ------
    TheoryError
        A burn rate out of range.

    Examples
    --------
    >>> print(burn_rate_table())
    burn rate  error ratio  time to exhaustion
    ---------  -----------  ------------------
    1          0.1%         30 d
    2          0.2%         15 d
    10         1%           3 d
    1000       100%         43.2 min

    References
    ----------
    Def 7.2.2. The Site Reliability Workbook, ch. 5, Table 5-4.
    """
    slo = slo_or_workbook("burn_rate_table", slo)
    rows = []
    for burn in burns:
        ratio = slo.threshold(burn)
        require_probability("burn_rate_table", "burn * budget", ratio)
        rows.append((f"{float(burn):g}", f"{100 * float(ratio):g}%",
                     minutes_text(float(time_to_exhaustion(burn, slo.period)))))
    return grid(("burn rate", "error ratio", "time to exhaustion"), rows)
