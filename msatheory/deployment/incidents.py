"""Def 7.2.2 (告警规则): alert policies measured on incidents, as the SRE Workbook weighs them.

Chapter 5 of *The Site Reliability Workbook*, "Alerting on SLOs", judges an alerting rule
by four attributes: **precision** (of the alerts fired, the share caused by a significant
event), **recall** (of the significant events, the share alerted on), **detection time**
and **reset time** (how long an alert keeps firing once the event is over). This module
measures the six iterations of :func:`~msatheory.deployment.alerting.workbook_policies`
(rules of :mod:`msatheory.deployment.alerting`) by them in two ways:

* by simulation: :func:`incidents` seeds incidents (outages, partial failures, slow burns,
  blips) on a background of Poisson noise, one per
  :class:`~msatheory.deployment.alerting.Scenario`, and :func:`measure` runs a policy on
  them every minute (:class:`PolicyScore`, :func:`score_table`);
* in closed form, as the workbook computes its tables: :func:`weigh` and
  :func:`iteration_table` (detection and reset of a 100% outage, the least budget an
  alerted event consumes, the highest silent burn), and :func:`detection_times` and
  :func:`detection_table` (detection time against error ratio for the recommended rules,
  closed form beside the whole minutes simulated).

Times are minutes of virtual time; a 30-day SLO period is 43,200 minutes. The module stops
at constant traffic (a window's error ratio is the mean of its minutes' ratios), one
incident per scenario and one evaluation a minute.

The workbook's text was not at hand: the values below are its published ones (the
detection and reset times it quotes for each iteration), recomputed here.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from msatheory.deployment.alerting import (
    AlertPolicy,
    AlertRule,
    Incident,
    Scenario,
    alert_runs,
    firing_mask,
    least_firing_share,
    step_detection,
    workbook_policies,
)
from msatheory.deployment.slo import (
    DAY,
    HOUR,
    SLO,
    Number,
    detection_time,
    exact,
    minutes_text,
    reset_time,
    slo_or_workbook,
)
from msatheory.errors import (
    TheoryError,
    require_count,
    require_instance,
    require_items,
    require_probability,
    require_seed,
    require_time,
)
from msatheory.sim import poisson, seeded_rng
from msatheory.theory.render import grid

__all__ = [
    "Detection",
    "DetectionTime",
    "PolicyScore",
    "Weighing",
    "detection_table",
    "detection_times",
    "incidents",
    "iteration_table",
    "measure",
    "score_table",
    "weigh",
]


# --- simulated incidents --------------------------------------------------------------------


def _background(rng: random.Random, minutes: int, ratio: float, requests: int) -> list[float]:
    """Per-minute error ratios of a healthy service: Poisson errors of mean
    ``ratio * requests`` among ``requests`` a minute."""
    mean = ratio * requests
    return [min(1.0, poisson(rng, mean) / requests) for _ in range(minutes)]


def incidents(seed: int = 0, *, count: int = 24, slo: SLO | None = None,
              background: Number = 0.1, requests: int = 1000,
              margin: int = 3 * DAY + HOUR) -> tuple[Scenario, ...]:
    """Def 7.2.2 (告警规则): seeded incidents on a noisy background, one per scenario.

    Kinds alternate: a full outage (100% errors for 1 to 60 minutes), a partial failure
    (a burn rate of 2 to 200 for 10 minutes to 12 hours), a slow burn (a burn rate of 1.2
    to 8 for 6 hours to 3 days) and a blip (a burn rate of 2 to 50 for 1 to 15 minutes);
    sizes are drawn log-uniformly. Each scenario is ``margin`` minutes of background, the
    incident, and ``margin`` more, so every window of the workbook's rules (3 days at
    most) and every ``for`` (1 hour) sees the incident alone.

    Parameters
    ----------
    seed : int
        Seed of the generator (the same seed gives the same scenarios).
    count : int
        How many scenarios.
    slo : SLO, optional
        Converts burn rates to error ratios; 99.9% over 30 days when omitted.
    background : int, float or Fraction
        The healthy service's burn rate.
    requests : int
        Requests a minute; the background's errors are Poisson among them.
    margin : int
        Minutes of background before and after each incident.

    Returns
    -------
    tuple of Scenario

    Raises
    ------
    TheoryError
        A bad seed, count, SLO, background, request rate or margin.

    Examples
    --------
    >>> first = incidents(seed=1, count=4)
    >>> [(s.name, s.incident.duration) for s in first]
    [('outage', 2), ('partial', 480), ('slow burn', 4068), ('blip', 14)]

    References
    ----------
    Def 7.2.2. The Site Reliability Workbook, ch. 5 (significant events; precision,
    recall, detection time, reset time).
    """
    owner = "incidents"
    rng = seeded_rng(require_seed(owner, seed), owner)
    require_count(owner, "count", count, least=1)
    slo = slo_or_workbook(owner, slo)
    noise = float(slo.threshold(require_time(owner, "background", background,
                                             unit="budgets per period")))
    require_count(owner, "requests", requests, least=1)
    require_count(owner, "margin", margin)
    kinds = (("outage", (1, 60), None), ("partial", (10, 12 * HOUR), (2.0, 200.0)),
             ("slow burn", (6 * HOUR, 3 * DAY), (1.2, 8.0)), ("blip", (1, 15), (2.0, 50.0)))
    ceiling = float(1 / exact(slo.budget))
    found = []
    for i in range(count):
        kind, (shortest, longest), burns = kinds[i % len(kinds)]
        duration = round(math.exp(rng.uniform(math.log(shortest), math.log(longest))))
        burn = ceiling if burns is None else math.exp(
            rng.uniform(math.log(burns[0]), math.log(min(burns[1], ceiling))))
        ratio = min(1.0, burn * float(slo.budget))
        incident = Incident(margin, duration, ratio)
        ratios = _background(rng, 2 * margin + duration, noise, requests)
        for minute in range(margin, margin + duration):
            ratios[minute] = min(1.0, ratios[minute] + ratio)
        found.append(Scenario(kind, tuple(ratios), incident))
    return tuple(found)


@dataclass(frozen=True)
class Detection:
    """How a policy met one scenario's incident: minutes from its start to the first
    firing (None: never), minutes from its end until no rule fired (None: never fired),
    and the alerts that began while it could have caused them."""

    scenario: str
    share: float
    significant: bool
    detected: int | None
    reset: int | None
    alerts: int


@dataclass(frozen=True)
class PolicyScore:
    """Def 7.2.2 (告警规则): a policy measured on scenarios by the workbook's attributes.

    ``precision`` is the share of alerts that a significant incident caused (None when
    nothing fired); ``recall`` the share of significant incidents alerted on (None when
    there were none); ``noise`` counts alerts that began outside any incident.
    """

    policy: AlertPolicy
    detections: tuple[Detection, ...]
    alerts: int
    significant_alerts: int
    noise: int
    precision: float | None
    recall: float | None

    def row(self) -> tuple[str, ...]:
        """The score as a row of :func:`measure`'s table."""
        found = [d.detected for d in self.detections
                 if d.significant and d.detected is not None]
        resets = [d.reset for d in self.detections if d.significant and d.reset is not None]
        return (str(self.policy.iteration), str(self.alerts),
                _percent(self.precision), _percent(self.recall),
                minutes_text(float(np.median(found))) if found else "-",
                minutes_text(float(np.median(resets))) if resets else "-")


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{100 * share:.0f}%"


def _meet(policy: AlertPolicy, scenario: Scenario, slo: SLO,
          significant: Fraction) -> tuple[Detection | None, int]:
    """The policy against one scenario: its detection (with the alerts the incident
    caused), and the alerts that began outside the incident."""
    values = np.asarray(scenario.ratios, dtype=float)
    fires = [(firing_mask(rule, values), rule) for rule in policy.rules]
    incident = scenario.incident
    if incident is None:
        return None, sum(len(alert_runs(rule, f)) for f, rule in fires)
    caused = stray = 0
    for fire, rule in fires:
        horizon = incident.end + rule.longest + rule.for_
        for alert in alert_runs(rule, fire):
            if incident.start < alert.start <= horizon:
                caused += 1
            else:
                stray += 1
    anyone = np.logical_or.reduce([f for f, _ in fires])
    horizon = incident.end + max(r.longest + r.for_ for r in policy.rules)
    after = np.flatnonzero(anyone[incident.start:horizon]) + incident.start + 1
    detected = int(after[0]) - incident.start if len(after) else None
    reset = None
    if detected is not None:
        quiet = np.flatnonzero(~anyone[incident.end - 1:]) + incident.end
        reset = int(quiet[0]) - incident.end if len(quiet) else len(anyone) - incident.end
    share = exact(incident.share(slo))
    return (Detection(scenario.name, float(share), share >= significant, detected, reset,
                      caused), stray)


def measure(policy: AlertPolicy, scenarios: Iterable[Scenario], *, slo: SLO | None = None,
            significant: Number = Fraction(2, 100)) -> PolicyScore:
    """Def 7.2.2 (告警规则): precision, recall, detection and reset times of a policy.

    Parameters
    ----------
    policy : AlertPolicy
        The rules, evaluated every minute.
    scenarios : iterable of Scenario
        Series with one incident each (:func:`incidents`).
    slo : SLO, optional
        The objective; 99.9% over 30 days when omitted.
    significant : int, float or Fraction
        An incident is **significant** when it consumes at least this share of the
        budget (2%, the least the workbook's recommended pages alert on).

    Returns
    -------
    PolicyScore
        An alert is caused by an incident when it begins after the incident starts and
        at most the rule's longest window plus its ``for`` after it ends; precision
        counts those caused by significant incidents among all alerts, recall the
        significant incidents with a firing in that span.

    Raises
    ------
    TheoryError
        A bad policy, scenario, SLO or share.

    Examples
    --------
    >>> first, *_, sixth = workbook_policies()
    >>> runs = incidents(seed=1, count=8)
    >>> print(score_table([measure(p, runs) for p in (first, sixth)]))
    iteration  alerts  precision  recall  median detection  median reset
    ---------  ------  ---------  ------  ----------------  ------------
    1          7       86%        100%    1 min             10 min
    6          9       100%       83%     36 min            2.02 h

    References
    ----------
    Def 7.2.2. The Site Reliability Workbook, ch. 5, "Alerting Considerations" (precision,
    recall, detection time, reset time).
    """
    owner = "measure"
    require_instance(owner, "policy", policy, AlertPolicy)
    runs = require_items(owner, "scenarios", scenarios, Scenario)
    slo = slo_or_workbook(owner, slo)
    bar = exact(require_probability(owner, "significant", significant))
    detections, noise = [], 0
    for scenario in runs:
        detection, stray = _meet(policy, scenario, slo, bar)
        noise += stray
        if detection is not None:
            detections.append(detection)
    wanted = [d for d in detections if d.significant]
    good = sum(d.alerts for d in wanted)
    fired = sum(d.alerts for d in detections) + noise
    return PolicyScore(
        policy, tuple(detections), fired, good, noise,
        good / fired if fired else None,
        sum(d.detected is not None for d in wanted) / len(wanted) if wanted else None)


def score_table(scores: Iterable[PolicyScore]) -> str:
    """Def 7.2.2 (告警规则): policies' scores as a text table, one row a policy.

    Parameters
    ----------
    scores : iterable of PolicyScore
        From :func:`measure`.

    Returns
    -------
    str
        Iteration, alerts fired, precision, recall, and the median detection and reset
        times over the significant incidents alerted on ("-": none).

    Raises
    ------
    TheoryError
        An item that is not a PolicyScore.

    Examples
    --------
    See :func:`measure`.

    References
    ----------
    Def 7.2.2. The Site Reliability Workbook, ch. 5, "Alerting Considerations".
    """
    rows = [s.row() for s in require_items("score_table", "scores", scores, PolicyScore)]
    return grid(("iteration", "alerts", "precision", "recall", "median detection",
                 "median reset"), rows)


# --- the workbook's tables ------------------------------------------------------------------


def _detection(rule: AlertRule, slo: SLO, ratio: Number) -> Fraction | None:
    """The workbook's closed form for a rule: its slowest window, plus its ``for``."""
    times = [detection_time(ratio, slo.objective, w.minutes, w.burn(slo))
             for w in rule.windows]
    if any(t is None for t in times):
        return None
    return max(exact(t) for t in times if t is not None) + rule.for_


def _reset(rule: AlertRule, slo: SLO, ratio: Number) -> Fraction | None:
    """The closed-form reset time of a rule: its first window to fall below."""
    times = [reset_time(ratio, slo.objective, w.minutes, w.burn(slo)) for w in rule.windows]
    if any(t is None for t in times):
        return None
    return min(exact(t) for t in times if t is not None)


@dataclass(frozen=True)
class Weighing:
    """Def 7.2.2 (告警规则): one iteration weighed as the workbook weighs it.

    ``detection`` is the closed-form detection time of a 100% outage (minutes) and
    ``simulated`` the whole minutes the rules take on a simulated one; ``reset`` how long
    they fire after it ends (every rule quiet); ``least_share`` the least budget an event
    consumes and still fires an alert (``least_event`` is that event; precision);
    ``silent_burn`` the highest sustained burn rate no rule alerts on and ``exhaustion``
    how soon it spends the whole budget (recall).
    """

    policy: AlertPolicy
    detection: Fraction
    simulated: int
    reset: Fraction
    least_share: Fraction
    least_event: Incident
    silent_burn: Fraction
    exhaustion: Fraction

    def row(self) -> tuple[str, ...]:
        """The weighing as a row of :func:`iteration_table`."""
        return (str(self.policy.iteration), minutes_text(float(self.detection)),
                minutes_text(self.simulated), minutes_text(float(self.reset)),
                f"{100 * float(self.least_share):.3g}%",
                f"{float(self.silent_burn):g} ({minutes_text(float(self.exhaustion))})")


def weigh(policy: AlertPolicy, slo: SLO) -> Weighing:
    """Def 7.2.2 (告警规则): a policy's detection, reset, precision and recall bounds.

    Parameters
    ----------
    policy : AlertPolicy
        The rules, alerting together.
    slo : SLO
        The objective they protect.

    Returns
    -------
    Weighing
        Detection of a 100% outage (closed form, and whole minutes simulated), reset after
        it, the least-consuming event that fires an alert, and the highest silent burn.

    Raises
    ------
    TheoryError
        A bad policy or SLO, or a policy none of whose rules a 100% outage fires.

    Examples
    --------
    >>> fourth = workbook_policies()[3]
    >>> w = weigh(fourth, SLO(Fraction(999, 1000)))
    >>> w.detection, w.simulated, w.reset, w.silent_burn, w.exhaustion / 60
    (Fraction(54, 25), 3, Fraction(1446, 25), Fraction(36, 1), Fraction(20, 1))

    References
    ----------
    Def 7.2.2. The Site Reliability Workbook, ch. 5, the pros and cons of iterations 1-6.
    """
    owner = "weigh"
    require_instance(owner, "policy", policy, AlertPolicy)
    require_instance(owner, "slo", slo, SLO)
    detect = [t for r in policy.rules if (t := _detection(r, slo, 1)) is not None]
    sims = [m for r in policy.rules if (m := step_detection(r, 1)) is not None]
    resets = [q for r in policy.rules if (q := _reset(r, slo, 1)) is not None]
    least = [found for r in policy.rules if (found := least_firing_share(r, slo)) is not None]
    if not detect or not sims or not least:
        raise TheoryError(f"{owner}: policy {policy.name!r} never fires, even on a 100% outage")
    share, event = min(least, key=lambda found: found[0])
    silent = min(exact(r.burn(slo)) for r in policy.rules)
    return Weighing(policy, min(detect), min(sims), max(resets), share, event, silent,
                    slo.period / silent)


def iteration_table(slo: SLO | None = None) -> str:
    """Def 7.2.2 (告警规则): the six iterations side by side, as the workbook weighs them.

    Parameters
    ----------
    slo : SLO, optional
        99.9% over 30 days when omitted.

    Returns
    -------
    str
        One row per iteration (:func:`weigh`): detection time of a 100% outage (closed
        form, then the whole minutes of the simulated rules), reset time after it, the
        least budget an event consumes and still fires an alert (precision), and the
        highest sustained burn rate no rule alerts on, with the time it takes to spend
        the whole budget (recall).

    Raises
    ------
    TheoryError
        If ``slo`` is not an SLO.

    Examples
    --------
    >>> print(iteration_table())
    iteration  detect 100%  simulated  reset     least alerted  silent burn
    ---------  -----------  ---------  --------  -------------  -----------
    1          0.6 s        1 min      9.99 min  0.0231%        1 (30 d)
    2          2.16 min     3 min      36 h      5%             1 (30 d)
    3          60 min       61 min     59.9 s    0.141%         1 (30 d)
    4          2.16 min     3 min      57.8 min  5%             36 (20 h)
    5          51.8 s       1 min      3 d       2%             1 (30 d)
    6          51.8 s       1 min      5.99 h    2%             1 (30 d)

    References
    ----------
    Def 7.2.2. The Site Reliability Workbook, ch. 5, the pros and cons of iterations 1-6
    (0.6 s and 0.02% for iteration 1; 2 min 10 s and a 36 h reset for 2; 1 h for 3;
    5% and 58 min, and a 35x burn that never alerts, for 4).
    """
    slo = slo_or_workbook("iteration_table", slo)
    rows = [weigh(policy, slo).row() for policy in workbook_policies(slo)]
    return grid(("iteration", "detect 100%", "simulated", "reset", "least alerted",
                 "silent burn"), rows)


@dataclass(frozen=True)
class DetectionTime:
    """How long ``rule`` takes to fire on a step to ``error_ratio``: the workbook's
    ``closed`` form (minutes; None: never) and the whole minutes ``simulated``."""

    rule: str
    error_ratio: float | Fraction
    closed: Number | None
    simulated: int | None


RATIOS = (1, 0.1, 0.05, 0.02, 0.01, 0.007, 0.005, 0.002, 0.0015)
"""Error ratios at which :func:`detection_table` times the recommended rules."""


def detection_times(slo: SLO | None = None,
                    error_ratios: Sequence[Number] = RATIOS) -> tuple[DetectionTime, ...]:
    """Def 7.2.2 (告警规则): detection times of the recommended rules, closed form and run.

    Parameters
    ----------
    slo : SLO, optional
        99.9% over 30 days when omitted.
    error_ratios : sequence of numbers
        The incidents' error ratios, each in (0, 1].

    Returns
    -------
    tuple of DetectionTime
        For each error ratio, then each rule of iteration 6: the workbook's detection
        time ``(1 - SLO) / error ratio * window * burn`` (of the rule's slowest window)
        and the whole minutes the rule takes on a simulated step incident.

    Raises
    ------
    TheoryError
        A bad SLO or error ratio.

    Examples
    --------
    >>> six_hours = detection_times(error_ratios=[0.01])[1]
    >>> six_hours.rule, six_hours.closed, six_hours.simulated
    ('6h/30m@6', Fraction(216, 1), 217)

    References
    ----------
    Def 7.2.2. The Site Reliability Workbook, ch. 5, "Alert on Burn Rate" (detection time)
    and "Multiwindow, Multi-Burn-Rate Alerts".
    """
    slo = slo_or_workbook("detection_times", slo)
    rules = workbook_policies(slo)[5].rules
    found = []
    for ratio in error_ratios:
        require_probability("detection_times", "error ratio", ratio, zero=False)
        for rule in rules:
            closed = _detection(rule, slo, ratio)
            kept = closed if closed is None or isinstance(ratio, Fraction) or isinstance(
                slo.objective, Fraction) else float(closed)
            found.append(DetectionTime(rule.name, ratio, kept, step_detection(rule, ratio)))
    return tuple(found)


def detection_table(slo: SLO | None = None, error_ratios: Sequence[Number] = RATIOS) -> str:
    """Def 7.2.2 (告警规则): :func:`detection_times` as a text table.

    Parameters
    ----------
    slo : SLO, optional
        99.9% over 30 days when omitted.
    error_ratios : sequence of numbers
        The incidents' error ratios, each in (0, 1].

    Returns
    -------
    str
        One row per error ratio; for each rule of iteration 6, the closed-form detection
        time and, after a slash, the whole minutes simulated ("-": never fires).

    Raises
    ------
    TheoryError
        A bad SLO or error ratio.

    Examples
    --------
    >>> print(detection_table(error_ratios=(1, 0.01, 0.002)))
    error ratio  1h/5m@14.4  6h/30m@6      3d/6h@1
    -----------  ----------  ------------  ------------
    100%         51.8 s / 1  2.16 min / 3  4.32 min / 5
    1%           -           3.6 h / 217   7.2 h / 433
    0.2%         -           -             36 h / 2161

    References
    ----------
    Def 7.2.2. The Site Reliability Workbook, ch. 5, "Multiwindow, Multi-Burn-Rate
    Alerts" (detection time against error rate).
    """
    times = detection_times(slo, error_ratios)
    names = list(dict.fromkeys(t.rule for t in times))
    rows = []
    for i in range(0, len(times), len(names)):
        chunk = times[i:i + len(names)]
        rows.append([f"{100 * float(chunk[0].error_ratio):g}%",
                     *("-" if t.closed is None else
                       f"{minutes_text(float(t.closed))} / {t.simulated}" for t in chunk)])
    return grid(("error ratio", *names), rows)
