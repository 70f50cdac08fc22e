"""Def 7.2.2 (告警规则): alerting rules on SLOs, as the Google SRE Workbook builds them.

"An alerting rule defines when an alert fires." Chapter 5 of *The Site Reliability
Workbook*, "Alerting on SLOs", asks what makes a rule good and answers with four
attributes: **precision** (of the alerts fired, the share caused by a significant event),
**recall** (of the significant events, the share alerted on), **detection time** and
**reset time** (how long an alert keeps firing once the event is over). It then improves a
rule in six iterations, each an :class:`AlertPolicy` of :func:`workbook_policies`:

1. error ratio over 10 minutes ``>=`` the SLO's threshold ``1 - SLO``;
2. the same over 36 hours;
3. the error ratio over 1 minute above the threshold ``for: 1h``;
4. a burn-rate alert: 1 hour window, burn rate 36 (5% of a 30-day budget in that hour);
5. multiple burn rates: 1 h @ 14.4 and 6 h @ 6 (pages), 3 d @ 1 (ticket);
6. multiwindow, multi-burn-rate: each rule of 5 also requires a short window of 1/12
   its long window (5 min, 30 min, 6 h) above the same burn rate.

The arithmetic of budgets is :mod:`msatheory.deployment.slo` (:class:`~.slo.SLO`,
:func:`burn_rate`, :func:`budget_consumed`, :func:`time_to_exhaustion`, the last three
importable from here too). This module encodes the rules (:class:`AlertRule`, windows
joined by ``and`` with a ``for``; the builders :func:`threshold_rule`,
:func:`multiwindow_rule` and :func:`workbook_policies`, and the workbook's Table 5-8,
:func:`recommended_table`), evaluated on a per-minute error-ratio series exactly as
Prometheus evaluates them (:func:`firing`, :func:`alerts`: every minute, each window the
mean of the minutes it covers, ``for`` a pending duration; :func:`step_detection` on a
step :class:`Incident`), and a checker of rules that page too often, too late or never
(:func:`check_alert_rules`). Seeded incidents and the measurement of policies on them
are :mod:`msatheory.deployment.incidents`; reading Prometheus rules files is
:mod:`msatheory.deployment.rulefiles`.

Times are minutes of virtual time; a 30-day SLO period is 43,200 minutes. Traffic is
constant, so a window's error ratio is the mean of its minutes' ratios; the module stops
there (no low-traffic services, no request weighting, one evaluation a minute).

The workbook's text was not at hand: the values below are its published ones (Table 5-8
and the detection times it quotes), recomputed here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from msatheory.deployment.slo import (
    DAY,
    HOUR,
    SLO,
    Number,
    budget_consumed,
    burn_rate,
    exact,
    minutes_text,
    slo_or_workbook,
    time_to_exhaustion,
)
from msatheory.errors import (
    TheoryError,
    require_choice,
    require_count,
    require_instance,
    require_items,
    require_name,
    require_probability,
    require_time,
)
from msatheory.theory import Kind, get
from msatheory.theory.render import grid
from msatheory.theory.verdict import Verdict, Witness

__all__ = [
    "Alert",
    "AlertPolicy",
    "AlertRule",
    "Incident",
    "Scenario",
    "Window",
    "alerts",
    "budget_consumed",
    "burn_rate",
    "check_alert_rules",
    "firing",
    "multiwindow_rule",
    "recommended_table",
    "step_detection",
    "threshold_rule",
    "time_to_exhaustion",
    "window_means",
    "workbook_policies",
]

SEVERITIES = ("page", "ticket")
"""How an alert notifies: a page wakes someone now, a ticket waits for working hours."""


# --- rules ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """One condition of a rule: the error ratio over the last ``minutes`` exceeds
    ``threshold`` (reaches it, with ``inclusive``), as PromQL's ``ratio_rate1h > t``."""

    minutes: int
    threshold: float | Fraction
    inclusive: bool = False

    def __post_init__(self) -> None:
        require_count("Window", "minutes", self.minutes, least=1)
        require_time("Window", "threshold", self.threshold, unit="failed requests per request")
        require_instance("Window", "inclusive", self.inclusive, bool)

    def burn(self, slo: SLO) -> float | Fraction:
        """The threshold as a burn rate of ``slo``."""
        rate = exact(self.threshold) / exact(slo.budget)
        kept = isinstance(self.threshold, Fraction) or isinstance(slo.objective, Fraction)
        return rate if kept else float(rate)

    def __str__(self) -> str:
        return f"ratio[{range_text(self.minutes)}] {'>=' if self.inclusive else '>'} " \
               f"{float(self.threshold):g}"


@dataclass(frozen=True)
class AlertRule:
    """Def 7.2.2 (告警规则): an alerting rule, ``windows`` joined by ``and``, firing once
    the condition has held ``for_`` minutes (Prometheus' ``for``), with a ``severity``.

    >>> rule = multiwindow_rule(SLO(0.999), 60, 14.4)
    >>> print(rule)
    1h/5m@14.4: ratio[1h] > 0.0144 and ratio[5m] > 0.0144 (page)
    """

    name: str
    windows: tuple[Window, ...]
    for_: int = 0
    severity: str = "page"

    def __init__(self, name: str, windows: Iterable[Window], for_: int = 0,
                 severity: str = "page"):
        owner = "AlertRule"
        object.__setattr__(self, "name", require_name(owner, "name", name))
        conditions = require_items(owner, "windows", windows, Window)
        if not conditions:
            raise TheoryError(f"AlertRule: windows must hold at least one Window, not an "
                              f"empty list (rule {name!r})")
        object.__setattr__(self, "windows", conditions)
        object.__setattr__(self, "for_", require_count(owner, "for_", for_))
        object.__setattr__(self, "severity",
                           require_choice(owner, "severity", severity, SEVERITIES))

    @property
    def longest(self) -> int:
        """The longest window, minutes."""
        return max(w.minutes for w in self.windows)

    def burn(self, slo: SLO) -> float | Fraction:
        """The burn rate a sustained incident must exceed to fire the rule (its highest
        threshold as a burn rate of ``slo``)."""
        return max(w.burn(slo) for w in self.windows)

    def __str__(self) -> str:
        held = f" for {range_text(self.for_)}" if self.for_ else ""
        conditions = " and ".join(map(str, self.windows))
        return f"{self.name}: {conditions}{held} ({self.severity})"


@dataclass(frozen=True)
class AlertPolicy:
    """A set of rules that alert together: one of the workbook's iterations."""

    iteration: int
    name: str
    rules: tuple[AlertRule, ...]

    def __init__(self, iteration: int, name: str, rules: Iterable[AlertRule]):
        owner = "AlertPolicy"
        object.__setattr__(self, "iteration", require_count(owner, "iteration", iteration))
        object.__setattr__(self, "name", require_name(owner, "name", name))
        object.__setattr__(self, "rules", require_items(owner, "rules", rules, AlertRule,
                                                        distinct=True))

    def __str__(self) -> str:
        return f"{self.iteration}. {self.name}: " + "; ".join(r.name for r in self.rules)


def range_text(minutes: int) -> str:
    """A number of minutes as PromQL writes a range: 5m, 1h, 36h, 3d.

    >>> [range_text(m) for m in (5, 60, 36 * 60, 3 * 24 * 60)]
    ['5m', '1h', '36h', '3d']
    """
    if minutes % DAY == 0:
        return f"{minutes // DAY}d"
    if minutes % HOUR == 0:
        return f"{minutes // HOUR}h"
    return f"{minutes}m"


def threshold_rule(slo: SLO, window: int, *, burn: Number = 1, for_: int = 0,
                   inclusive: bool = False, severity: str = "page",
                   name: str | None = None) -> AlertRule:
    """Def 7.2.2 (告警规则): a rule on one window, firing above ``burn`` times the SLO's
    threshold.

    Parameters
    ----------
    slo : SLO
        The objective the rule protects.
    window : int
        The window, minutes.
    burn : int, float or Fraction
        The burn rate to exceed (1: the SLO's own error ratio).
    for_ : int
        Minutes the condition must hold before the alert fires.
    inclusive : bool
        Fire when the ratio reaches the threshold (``>=``), not only above it.
    severity : str
        ``"page"`` or ``"ticket"``.
    name : str, optional
        Defaults to the window and burn rate, ``"1h@36"``.

    Returns
    -------
    AlertRule

    Raises
    ------
    TheoryError
        A bad SLO, window, burn rate, duration or severity.

    Examples
    --------
    >>> print(threshold_rule(SLO(0.999), 10, inclusive=True))
    10m@1: ratio[10m] >= 0.001 (page)

    References
    ----------
    Def 7.2.2. The Site Reliability Workbook, ch. 5, iterations 1-4.
    """
    require_instance("threshold_rule", "slo", slo, SLO)
    label = name if name is not None else f"{range_text(window)}@{float(burn):g}"
    return AlertRule(label, [Window(window, slo.threshold(burn), inclusive)], for_, severity)


def multiwindow_rule(slo: SLO, long: int, burn: Number, *, short: int | None = None,
                     severity: str = "page", name: str | None = None) -> AlertRule:
    """Def 7.2.2 (告警规则): a multiwindow burn-rate rule: both the ``long`` window and a
    ``short`` one (by default 1/12 of it) above ``burn``.

    Parameters
    ----------
    slo : SLO
        The objective the rule protects.
    long : int
        The long window, minutes.
    burn : int, float or Fraction
        The burn rate both windows must exceed.
    short : int, optional
        The short window, minutes; ``long // 12`` (at least 1) when omitted.
    severity : str
        ``"page"`` or ``"ticket"``.
    name : str, optional
        Defaults to ``"1h/5m@14.4"``.

    Returns
    -------
    AlertRule

    Raises
    ------
    TheoryError
        A bad SLO, window, burn rate or severity.

    Examples
    --------
    >>> print(multiwindow_rule(SLO(0.999), 3 * 24 * 60, 1, severity="ticket"))
    3d/6h@1: ratio[3d] > 0.001 and ratio[6h] > 0.001 (ticket)

    References
    ----------
    Def 7.2.2. The Site Reliability Workbook, ch. 5, "Multiwindow, Multi-Burn-Rate
    Alerts" ("make the short window 1/12 the duration of the long window").
    """
    require_instance("multiwindow_rule", "slo", slo, SLO)
    require_count("multiwindow_rule", "long", long, least=1)
    brief = max(1, long // 12) if short is None else short
    label = name if name is not None else f"{range_text(long)}/{range_text(brief)}@{float(burn):g}"
    threshold = slo.threshold(burn)
    return AlertRule(label, [Window(long, threshold), Window(brief, threshold)],
                     severity=severity)


RECOMMENDED = ((HOUR, Fraction(2, 100), "page"), (6 * HOUR, Fraction(5, 100), "page"),
               (3 * DAY, Fraction(10, 100), "ticket"))
"""The workbook's Table 5-8: long window (minutes), budget consumed, severity."""


def workbook_policies(slo: SLO | None = None) -> tuple[AlertPolicy, ...]:
    """Def 7.2.2 (告警规则): the workbook's six iterations of an SLO alert.

    Parameters
    ----------
    slo : SLO, optional
        The objective; 99.9% over 30 days, exactly, when omitted.

    Returns
    -------
    tuple of AlertPolicy
        Iterations 1 to 6: 10m ``>=`` the threshold; 36h above it; 1m above it for 1h;
        1h above burn 36; 1h @ 14.4, 6h @ 6, 3d @ 1; the same with short windows of
        5m, 30m, 6h. Burn rates come from the budget each rule may consume (2% in 1h is
        ``0.02 * period / 60``), so they follow the SLO's period. Iteration 4 is the
        workbook's: 5% of the budget in its hour, burn rate 36; 1 h @ 14.4 (2%) first
        appears in iteration 5.

    Raises
    ------
    TheoryError
        If ``slo`` is not an SLO.

    Examples
    --------
    >>> for policy in workbook_policies():
    ...     print(policy)
    1. target error rate >= SLO threshold: 10m@1
    2. increased alert window: 36h@1
    3. incremented alert duration: 1m@1
    4. alert on burn rate: 1h@36
    5. multiple burn rate alerts: 1h@14.4; 6h@6; 3d@1
    6. multiwindow, multi-burn-rate alerts: 1h/5m@14.4; 6h/30m@6; 3d/6h@1

    References
    ----------
    Def 7.2.2. The Site Reliability Workbook, ch. 5, "Ways to Alert on Significant
    Events" (iterations 1-6) and Table 5-8 (recommended parameters).
    """
    slo = slo_or_workbook("workbook_policies", slo)
    burns = [(window, slo.burn_for(share, window), severity)
             for window, share, severity in RECOMMENDED]
    return (
        AlertPolicy(1, "target error rate >= SLO threshold",
                    [threshold_rule(slo, 10, inclusive=True)]),
        AlertPolicy(2, "increased alert window", [threshold_rule(slo, 36 * HOUR)]),
        AlertPolicy(3, "incremented alert duration", [threshold_rule(slo, 1, for_=HOUR)]),
        AlertPolicy(4, "alert on burn rate",
                    [threshold_rule(slo, HOUR, burn=slo.burn_for(Fraction(5, 100), HOUR))]),
        AlertPolicy(5, "multiple burn rate alerts",
                    [threshold_rule(slo, w, burn=b, severity=s) for w, b, s in burns]),
        AlertPolicy(6, "multiwindow, multi-burn-rate alerts",
                    [multiwindow_rule(slo, w, b, severity=s) for w, b, s in burns]),
    )


# --- evaluation, as Prometheus evaluates rules ----------------------------------------------


def _series(owner: str, ratios: object) -> np.ndarray:
    """A per-minute error-ratio series as an array, each ratio in [0, 1]."""
    if isinstance(ratios, str | bytes) or not isinstance(ratios, Sequence | np.ndarray):
        raise TheoryError(f"{owner}: ratios must be a list of per-minute error ratios, "
                          f"not {ratios!r}")
    values = np.asarray(ratios, dtype=float)
    if values.ndim != 1 or not len(values):
        raise TheoryError(f"{owner}: ratios must be a non-empty list of per-minute error "
                          f"ratios, not {ratios!r}")
    bad = np.flatnonzero(~((values >= 0) & (values <= 1)))
    if len(bad):
        raise TheoryError(f"{owner}: ratios[{bad[0]}] must lie in [0, 1], "
                          f"not {ratios[bad[0]]!r}")
    return values


def window_means(ratios: Sequence[float], minutes: int) -> np.ndarray:
    """Def 7.2.2 (告警规则): the mean error ratio of the last ``minutes`` minutes at each
    evaluation t = 1..n, as a rule's window reads it (the evaluation at minute t sees
    minutes 0..t-1; minutes before the series count as clean).

    >>> window_means([0.0, 0.3, 0.3], 2).tolist()
    [0.0, 0.15, 0.3]
    """
    minutes = require_count("window_means", "minutes", minutes, least=1)
    return _means(_series("window_means", ratios), minutes)


def _means(values: np.ndarray, minutes: int) -> np.ndarray:
    """The trailing ``minutes``-minute means of a checked series, at t = 1..n."""
    sums = np.concatenate(([0.0], np.cumsum(values)))
    t = np.arange(1, len(values) + 1)
    return np.asarray((sums[t] - sums[np.maximum(0, t - minutes)]) / minutes)


def firing_mask(rule: AlertRule, values: np.ndarray) -> np.ndarray:
    """Whether ``rule`` fires at each evaluation t = 1..n (index t - 1). The evaluation at
    minute t sees minutes 0..t-1; a window of w minutes averages the last w of them, the
    minutes before the series counting as clean. ``for`` holds firing until the condition
    has been true at every evaluation from t - for to t. ``values`` is a checked series
    (:func:`firing` checks it; a :class:`Scenario` holds one).

    >>> firing_mask(threshold_rule(SLO(0.999), 2), np.array([0.0, 0.01, 0.0, 0.0]))
    array([False,  True,  True, False])
    """
    n = len(values)
    met = np.ones(n, dtype=bool)
    for window in rule.windows:
        mean = _means(values, window.minutes)
        threshold = float(window.threshold)
        met &= mean >= threshold if window.inclusive else mean > threshold
    if not rule.for_:
        return met
    if rule.for_ >= n:
        return np.zeros(n, dtype=bool)
    held = np.concatenate(([0], np.cumsum(met)))
    span = rule.for_ + 1
    fire = np.zeros(n, dtype=bool)
    fire[span - 1:] = held[span:] - held[:n - span + 1] == span
    return fire


def firing(rule: AlertRule, ratios: Sequence[float]) -> tuple[bool, ...]:
    """Def 7.2.2 (告警规则): whether a rule fires at each minute of an error-ratio series.

    Parameters
    ----------
    rule : AlertRule
        The rule.
    ratios : sequence of float
        ``ratios[i]`` is the error ratio of minute i (requests at a constant rate).

    Returns
    -------
    tuple of bool
        Entry ``t - 1`` says whether the rule fires at the evaluation ending minute t
        (t = 1..n), which sees minutes 0..t-1: each window the mean of its last minutes
        (those before the series counted as clean), every window's condition met, and,
        with ``for_``, met at every evaluation since t - for_ (Prometheus' pending state).

    Raises
    ------
    TheoryError
        A rule that is not an AlertRule, or a ratio outside [0, 1].

    Examples
    --------
    >>> rule = threshold_rule(SLO(0.999), 60, burn=36)
    >>> outage = [0.0] * 60 + [1.0] * 3
    >>> firing(rule, outage)[-3:]       # 1/60, 2/60, 3/60 of an hour failing
    (False, False, True)

    References
    ----------
    Def 7.2.2. Prometheus, ``rules/alerting.go``, ``AlertingRule.Eval`` (an alert is
    pending while ``ts.Sub(a.ActiveAt) < r.holdDuration``, then firing; it resolves at
    the first evaluation whose expression returns nothing).
    """
    require_instance("firing", "rule", rule, AlertRule)
    return tuple(bool(f) for f in firing_mask(rule, _series("firing", ratios)))


@dataclass(frozen=True)
class Alert:
    """One firing of a rule: from the evaluation at minute ``start`` until the first
    evaluation that no longer fires, ``end`` (None when it still fires as the series
    ends)."""

    rule: str
    start: int
    end: int | None


def alert_runs(rule: AlertRule, fire: np.ndarray) -> list[Alert]:
    """The alerts of ``rule`` in a mask of firing evaluations (:func:`firing_mask`): each
    run of ``True``, from its first minute to the minute it resolved.

    >>> rule = threshold_rule(SLO(0.999), 10, inclusive=True)
    >>> alert_runs(rule, np.array([False, True, True, False, True]))
    [Alert(rule='10m@1', start=2, end=4), Alert(rule='10m@1', start=5, end=None)]
    """
    edges = np.diff(np.concatenate(([0], fire.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    n = len(fire)
    return [Alert(rule.name, int(s) + 1, None if e == n else int(e) + 1)
            for s, e in zip(starts, ends, strict=True)]


def alerts(rule: AlertRule, ratios: Sequence[float]) -> tuple[Alert, ...]:
    """Def 7.2.2 (告警规则): the alerts a rule fires on an error-ratio series.

    Parameters
    ----------
    rule : AlertRule
        The rule.
    ratios : sequence of float
        Per-minute error ratios, as for :func:`firing`.

    Returns
    -------
    tuple of Alert
        Each run of firing evaluations: its first minute and the minute it resolved.

    Raises
    ------
    TheoryError
        As :func:`firing`.

    Examples
    --------
    >>> rule = threshold_rule(SLO(0.999), 10, inclusive=True)
    >>> alerts(rule, [0.0] * 10 + [0.003] * 5 + [0.0] * 20)
    (Alert(rule='10m@1', start=14, end=22),)

    References
    ----------
    Def 7.2.2. Prometheus, ``rules/alerting.go``, ``AlertingRule.Eval``.
    """
    require_instance("alerts", "rule", rule, AlertRule)
    return tuple(alert_runs(rule, firing_mask(rule, _series("alerts", ratios))))


# --- events: an incident, and a series that holds one ---------------------------------------


@dataclass(frozen=True)
class Incident:
    """An event: ``error_ratio`` of requests fail for ``duration`` minutes from minute
    ``start``, on top of the background."""

    start: int
    duration: int
    error_ratio: float | Fraction

    def __post_init__(self) -> None:
        require_count("Incident", "start", self.start)
        require_count("Incident", "duration", self.duration, least=1)
        require_probability("Incident", "error_ratio", self.error_ratio, zero=False)

    @property
    def end(self) -> int:
        """The first minute after the event."""
        return self.start + self.duration

    def share(self, slo: SLO) -> Number:
        """The share of ``slo``'s budget the event consumes."""
        return budget_consumed(burn_rate(self.error_ratio, slo.objective), self.duration,
                               slo.period)


@dataclass(frozen=True)
class Scenario:
    """A per-minute error-ratio series holding at most one incident, with a warm-up and a
    cool-down of background long enough for every window."""

    name: str
    ratios: tuple[float, ...] = field(repr=False)
    incident: Incident | None = None

    def __post_init__(self) -> None:
        require_name("Scenario", "name", self.name)
        _series("Scenario", self.ratios)
        if self.incident is not None:
            require_instance("Scenario", "incident", self.incident, Incident)
            if self.incident.end > len(self.ratios):
                raise TheoryError(f"Scenario: incident must end within the series of "
                                  f"{len(self.ratios)} minutes, not at {self.incident.end}")


# --- the workbook's recommended rules, and the detection of a step --------------------------


def recommended_table(slo: SLO | None = None) -> str:
    """Def 7.2.2 (告警规则): the workbook's Table 5-8, recommended multiwindow rules.

    Parameters
    ----------
    slo : SLO, optional
        99.9% over 30 days when omitted.

    Returns
    -------
    str
        A text table: severity, long and short window, burn rate, budget consumed in the
        long window, and the error ratio each window must exceed.

    Raises
    ------
    TheoryError
        If ``slo`` is not an SLO.

    Examples
    --------
    >>> print(recommended_table())
    severity  long window  short window  burn rate  budget consumed  error ratio
    --------  -----------  ------------  ---------  ---------------  -----------
    page      1h           5m            14.4       2%               1.44%
    page      6h           30m           6          5%               0.6%
    ticket    3d           6h            1          10%              0.1%

    References
    ----------
    Def 7.2.2. The Site Reliability Workbook, ch. 5, Table 5-8.
    """
    slo = slo_or_workbook("recommended_table", slo)
    rows = []
    for rule in workbook_policies(slo)[5].rules:
        long, short = rule.windows
        burn = long.burn(slo)
        spent = budget_consumed(burn, long.minutes, slo.period)
        rows.append((rule.severity, range_text(long.minutes), range_text(short.minutes),
                     f"{float(burn):g}", f"{100 * float(spent):g}%",
                     f"{100 * float(long.threshold):g}%"))
    return grid(("severity", "long window", "short window", "burn rate", "budget consumed",
                 "error ratio"), rows)


def step_detection(rule: AlertRule, error_ratio: Number) -> int | None:
    """Def 7.2.2 (告警规则): the detection time of a rule, by running it on a step incident.

    A clean series (its longest window of zeros) is followed by ``error_ratio`` for its
    longest window plus its ``for`` plus a minute; the rule is evaluated every minute.

    Parameters
    ----------
    rule : AlertRule
        The rule.
    error_ratio : int, float or Fraction
        The incident's error ratio, in (0, 1].

    Returns
    -------
    int or None
        Whole minutes from the incident's start to the first firing evaluation, or None
        when the rule never fires.

    Raises
    ------
    TheoryError
        A bad rule or error ratio.

    Examples
    --------
    >>> from msatheory.deployment.slo import detection_time
    >>> rule = threshold_rule(SLO(0.999), 60, burn=36)
    >>> step_detection(rule, 1), detection_time(1, 0.999, 60, 36)
    (3, 2.16)

    References
    ----------
    Def 7.2.2. The Site Reliability Workbook, ch. 5 (detection time); Prometheus,
    ``rules/alerting.go``, ``AlertingRule.Eval``.
    """
    require_instance("step_detection", "rule", rule, AlertRule)
    ratio = require_probability("step_detection", "error_ratio", error_ratio, zero=False)
    return _step_fires(rule, float(ratio))


def _step_fires(rule: AlertRule, ratio: float) -> int | None:
    """:func:`step_detection` of a checked rule and a float ratio."""
    clean = rule.longest
    values = np.concatenate((np.zeros(clean), np.full(rule.longest + rule.for_ + 1, ratio)))
    fire = np.flatnonzero(firing_mask(rule, values)[clean:])
    return int(fire[0]) + 1 if len(fire) else None


def least_firing_share(rule: AlertRule, slo: SLO) -> tuple[Fraction, Incident] | None:
    """The least budget an incident on a clean background consumes and still fires
    ``rule``, searched over error ratios (a log grid from the lowest threshold to 1, and
    each threshold raised by a millionth) and, for each, the shortest firing duration
    (firing only grows with duration), with that incident; None when nothing fires it.

    >>> slo = SLO(Fraction(999, 1000))
    >>> share, event = least_firing_share(threshold_rule(slo, 60, burn=36), slo)
    >>> round(float(share), 4), event.duration
    (0.05, 60)
    """
    lowest = min(float(w.threshold) for w in rule.windows)
    ratios = {1.0, *(min(1.0, float(w.threshold) * 1.000001) for w in rule.windows)}
    if lowest > 0:
        ratios |= {float(r) for r in np.geomspace(min(1.0, lowest * 1.001), 1.0, 16)}
    longest = rule.longest + rule.for_ + 1
    best: tuple[Fraction, Incident] | None = None
    for ratio in sorted(ratios):
        if not _fires_within(rule, ratio, longest):
            continue
        lo, hi = 1, longest
        while lo < hi:
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if _fires_within(rule, ratio, mid) else (mid + 1, hi)
        incident = Incident(rule.longest, lo, ratio)
        share = exact(incident.share(slo))
        if best is None or share < best[0]:
            best = (share, incident)
    return best


def _fires_within(rule: AlertRule, ratio: float, duration: int) -> bool:
    """Whether an incident of ``ratio`` for ``duration`` minutes fires the rule at all."""
    values = np.zeros(rule.longest + duration + rule.longest + rule.for_ + 1)
    values[rule.longest:rule.longest + duration] = ratio
    return bool(firing_mask(rule, values).any())


# --- the checker ----------------------------------------------------------------------------


def _burn_grid(rules: Sequence[AlertRule], slo: SLO) -> list[float]:
    """Sustained burn rates to try: a log grid from just above 1 to a 100% error ratio,
    and just above each threshold (where a rule is slowest)."""
    ceiling = float(1 / exact(slo.budget))
    burns = {float(b) for b in np.geomspace(1.0001, ceiling, 60)} | {ceiling}
    burns |= {float(w.burn(slo)) * 1.0001 for r in rules for w in r.windows}
    return sorted(b for b in burns if 1 < b <= ceiling)


def check_alert_rules(rules: Iterable[AlertRule], slo: SLO, *,
                      least_share: Number = Fraction(2, 100),
                      late_share: Number = Fraction(10, 100)) -> Verdict:
    """Def 7.2.2 (告警规则): find alert rules that page too often, too late, or never.

    The workbook's criteria, each read as a witness:

    * **precision**: a rule that fires on an event consuming less than ``least_share``
      of the budget alerts on events that do not threaten the SLO ("pages too often");
      the witness is the least-consuming step incident that fires it;
    * **recall**: every sustained burn above 1 spends the budget within the period, so
      some rule must alert on it; the witness is the highest burn no rule fires on and
      how soon it exhausts the budget;
    * **detection time**: the rules together must fire on a sustained burn before it has
      consumed ``late_share`` of the budget; the witness is the worst burn and its rule
      (a long window, or a ``for`` that delays every page, makes an outage late);
    * a rule whose threshold is above a 100% error ratio never fires at all.

    Parameters
    ----------
    rules : iterable of AlertRule
        The rules, alerting together.
    slo : SLO
        The objective they protect.
    least_share : int, float or Fraction
        The least budget an event must consume to deserve an alert (2%, the workbook's
        fastest page: 2% in 1 hour).
    late_share : int, float or Fraction
        The most budget a sustained burn may consume before the rules fire (10%, the
        workbook's slowest alert: 10% in 3 days).

    Returns
    -------
    Verdict
        On Def 7.2.2, with witnesses "pages too often" (rule, least event), "never
        fires" (rule), "misses" (highest silent burn) and "detects too late" (burn, the
        first rule to fire and the budget consumed by then).

    Raises
    ------
    TheoryError
        Bad rules, SLO or shares.

    Examples
    --------
    >>> slo = SLO(0.999)
    >>> check_alert_rules(workbook_policies(slo)[5].rules, slo).holds
    True
    >>> print(check_alert_rules(workbook_policies(slo)[2].rules, slo))
    Def 7.2.2 Alerting rule (告警规则): violated. 1 rule(s) on a 99.9% SLO over 30 d; ...
      - detects too late: 1m@1: a sustained burn of 1000 fires 61 min after it begins, when 141% ...
      - pages too often: 1m@1: fires on 0.1% errors for 61 min, 0.141% of the budget

    References
    ----------
    Def 7.2.2. The Site Reliability Workbook, ch. 5, "Alerting Considerations" and the
    pros and cons of each iteration.
    """
    owner = "check_alert_rules"
    chosen = require_items(owner, "rules", rules, AlertRule, distinct=True)
    require_instance(owner, "slo", slo, SLO)
    least = exact(require_probability(owner, "least_share", least_share))
    late = exact(require_probability(owner, "late_share", late_share))
    witnesses = [*_too_often(chosen, slo, least), *_never(chosen, slo)]
    witnesses += _misses(chosen, slo) + _too_late(chosen, slo, late)
    summary = (f"{len(chosen)} rule(s) on a {100 * float(slo.objective):g}% SLO over "
               f"{minutes_text(slo.period)}; alerts need events of at least "
               f"{100 * float(least):g}% of the budget and must fire before "
               f"{100 * float(late):g}% is spent.")
    return Verdict(get(Kind.DEFINITION, "7.2.2"), witnesses, summary)


def _too_often(rules: Sequence[AlertRule], slo: SLO, least: Fraction) -> list[Witness]:
    found = []
    for rule in rules:
        smallest = least_firing_share(rule, slo)
        if smallest is not None and smallest[0] < least:
            share, event = smallest
            found.append(Witness("pages too often", (rule.name,),
                                 f"{rule.name}: fires on {100 * float(event.error_ratio):.4g}% "
                                 f"errors for {minutes_text(event.duration)}, "
                                 f"{100 * float(share):.3g}% of the budget"))
    return found


def _never(rules: Sequence[AlertRule], slo: SLO) -> list[Witness]:
    return [Witness("never fires", (r.name,),
                    f"{r.name}: needs a burn rate of {float(r.burn(slo)):g}, above a 100% "
                    f"error ratio ({float(1 / exact(slo.budget)):g})")
            for r in rules if exact(r.burn(slo)) * exact(slo.budget) >= 1]


def _misses(rules: Sequence[AlertRule], slo: SLO) -> list[Witness]:
    silent = min(exact(r.burn(slo)) for r in rules)
    if silent <= 1:
        return []
    return [Witness("misses", tuple(r.name for r in rules),
                    f"a sustained burn just under {float(silent):g} never fires; it spends "
                    f"the whole budget in {minutes_text(float(slo.period / silent))}")]


def _too_late(rules: Sequence[AlertRule], slo: SLO, late: Fraction) -> list[Witness]:
    worst: tuple[float, float, int, str] | None = None
    for burn in _burn_grid(rules, slo):
        ratio = burn * float(slo.budget)
        fired = [(t, r.name) for r in rules if (t := _step_fires(r, ratio)) is not None]
        if not fired:
            continue
        minutes, name = min(fired)
        before = float(budget_consumed(burn, minutes - 1, slo.period))
        spent = float(budget_consumed(burn, minutes, slo.period))
        if before > late and (worst is None or spent > worst[0]):
            worst = (spent, burn, minutes, name)
    if worst is None:
        return []
    spent, burn, minutes, name = worst
    return [Witness("detects too late", (name,),
                    f"{name}: a sustained burn of {burn:.4g} fires {minutes_text(minutes)} after "
                    f"it begins, when {100 * spent:.3g}% of the budget is spent")]
