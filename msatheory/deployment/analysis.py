"""Strategy 7.1.2 (金丝雀部署): the analysis that decides a release, checks on a window of samples.

A progressive release moves on only while its analysis passes (Flagger's ``analysis``,
Argo Rollouts' ``AnalysisRun``, Spinnaker's canary analysis stage). A check reads a
:class:`~msatheory.deployment.release.Window` of the samples the
:class:`~msatheory.deployment.release.World` drew, the new version's pods beside their
control pods, and returns a :class:`CheckResult`; the :class:`Check` protocol is what
:mod:`~msatheory.deployment.bluegreen`, :mod:`~msatheory.deployment.canary` and
:mod:`~msatheory.deployment.rolling` call. Two checks are encoded:

* :class:`ThresholdCheck`, Flagger's built-in metric checks on the new pods alone
  (success rate and p99, or mean, duration; :data:`BUILTIN` is its docs' configuration);
* :class:`JudgeCheck`, Kayenta's judgement of the new pods against a baseline
  (:func:`msatheory.deployment.judge.judge`).

The module stops at those two: no webhooks, no custom metric templates, no analysis of
several services at once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from msatheory.deployment.judge import (
    DEFAULT_METRICS,
    Judgement,
    MetricConfig,
    ScoreThresholds,
    judge,
)
from msatheory.deployment.release import PodSample, Window
from msatheory.errors import (
    TheoryError,
    require_choice,
    require_instance,
    require_items,
    require_number,
)

__all__ = ["BUILTIN", "Check", "CheckResult", "JudgeCheck", "ThresholdCheck"]


@dataclass(frozen=True)
class CheckResult:
    """A check's answer: ``passed``, a short ``label`` (``"Pass"``, ``"Fail"``,
    ``"Marginal"``, ...) shown in the timeline, and a one-line ``detail``."""

    passed: bool
    label: str
    detail: str


@runtime_checkable
class Check(Protocol):
    """A release check: it reads a :class:`~msatheory.deployment.release.Window` and passes
    or fails it. ``needs_baseline`` asks a canary strategy for baseline pods beside the
    canary."""

    @property
    def name(self) -> str:
        """The check's name."""

    @property
    def needs_baseline(self) -> bool:
        """Whether the check compares against baseline pods."""

    def __call__(self, window: Window) -> CheckResult:
        """Judge ``window``."""


def _pooled(samples: Sequence[PodSample]) -> tuple[int, int, float, float]:
    """Requests, errors, request-weighted p99 and mean latency of ``samples``."""
    served = [s for s in samples if s.requests]
    n = sum(s.requests for s in served)
    if not n:
        return 0, 0, math.nan, math.nan
    errors = sum(s.errors for s in served)
    return (n, errors, sum(s.p99_ms * s.requests for s in served) / n,
            sum(s.mean_ms * s.requests for s in served) / n)


@dataclass(frozen=True)
class ThresholdCheck:
    """Strategy 7.1.2 (金丝雀部署): Flagger's built-in metric checks on the new pods alone.

    ``request-success-rate`` must be at least ``min_success_rate`` percent and
    ``request-duration`` at most ``max_duration_ms``; Flagger's duration is the p99
    (``statistic="p99"``), and ``statistic="mean"`` reads the mean instead, the check a
    tail hides from. A window without requests fails, as Flagger halts on "no values
    found".

    Examples
    --------
    >>> sample = PodSample(0, 0, "canary", "v2", 100, 5, 5, 150.0, 55.0)
    >>> ThresholdCheck()(Window(0, 60, (sample,), ()))
    CheckResult(passed=False, label='Fail', detail='success rate 95.00% < 99%')

    References
    ----------
    fluxcd/flagger ``pkg/controller/scheduler_metrics.go`` (``runBuiltinMetricChecks``:
    ``request-success-rate`` against ``thresholdRange.min``, ``request-duration`` against
    ``thresholdRange.max``, "no values found" halts) and ``pkg/metrics/observers/istio.go``
    (non-5xx share of requests; ``histogram_quantile(0.99, ...)`` over the interval); its
    docs' example ``min: 99``, ``max: 500``.
    """

    min_success_rate: float = 99.0
    max_duration_ms: float = 500.0
    statistic: str = "p99"

    def __post_init__(self) -> None:
        owner = "ThresholdCheck"
        if require_number(owner, "min_success_rate", self.min_success_rate) > 100:
            raise TheoryError(f"{owner}: min_success_rate must be a percentage at most "
                              f"100, not {self.min_success_rate!r}")
        require_number(owner, "max_duration_ms", self.max_duration_ms, positive=True)
        require_choice(owner, "statistic", self.statistic, ("p99", "mean"))

    @property
    def name(self) -> str:
        """``"flagger"`` with the duration statistic."""
        return f"flagger-{self.statistic}"

    @property
    def needs_baseline(self) -> bool:
        """False: Flagger's thresholds read the canary alone."""
        return False

    def __call__(self, window: Window) -> CheckResult:
        n, errors, p99, mean = _pooled(window.new)
        if not n:
            return CheckResult(False, "Fail", "no values found")
        rate = 100 * (n - errors) / n
        if rate < self.min_success_rate:
            return CheckResult(False, "Fail",
                               f"success rate {rate:.2f}% < {self.min_success_rate:g}%")
        duration = p99 if self.statistic == "p99" else mean
        if duration > self.max_duration_ms:
            return CheckResult(False, "Fail", f"request duration ({self.statistic}) "
                               f"{duration:.0f} ms > {self.max_duration_ms:g} ms")
        return CheckResult(True, "Pass", f"success rate {rate:.2f}%, {self.statistic} "
                           f"{duration:.0f} ms")


BUILTIN = ThresholdCheck()
"""Flagger's built-in checks as its docs configure them: success rate >= 99%, p99 <= 500 ms."""


@dataclass(frozen=True)
class JudgeCheck:
    """Strategy 7.1.2 (金丝雀部署): Kayenta's judgement of the new pods against control pods.

    The samples of the new pods and of the control pods (a baseline, or the old version)
    in the window go to :func:`~msatheory.deployment.judge.judge` as ``error_ratio``,
    ``latency_p99`` and ``latency_mean`` series. With ``granularity="step"`` (the
    default) each side gives one value per step, its pods pooled, as Kayenta reads a
    server group's metric at the query's step; with ``"pod"``, one value per pod per
    step. A ``Fail`` fails the check; ``Marginal`` passes it, as Spinnaker lets an
    intermediate judgement between the marginal and the passing score continue.

    Examples
    --------
    >>> new = [PodSample(t, 0, "canary", "v2", 100, 5 + t % 3, 5, 150.0, 55.0)
    ...        for t in range(8)]
    >>> control = [PodSample(t, 1, "baseline", "v1", 100, t % 2, 0, 150.0, 55.0)
    ...            for t in range(8)]
    >>> JudgeCheck()(Window(0, 60, tuple(new), tuple(control))).label
    'Fail'

    References
    ----------
    spinnaker/kayenta ``NetflixACAJudge`` (see :func:`~msatheory.deployment.judge.judge`);
    Spinnaker's canary analysis stage (``marginal`` and ``pass`` score thresholds).
    """

    metrics: tuple[MetricConfig, ...] = DEFAULT_METRICS
    thresholds: ScoreThresholds = field(default_factory=ScoreThresholds)
    granularity: str = "step"

    def __post_init__(self) -> None:
        owner = "JudgeCheck"
        object.__setattr__(self, "metrics",
                           require_items(owner, "metrics", self.metrics, MetricConfig))
        require_instance(owner, "thresholds", self.thresholds, ScoreThresholds)
        require_choice(owner, "granularity", self.granularity, ("step", "pod"))

    @property
    def name(self) -> str:
        """``"kayenta"``."""
        return "kayenta"

    @property
    def needs_baseline(self) -> bool:
        """True: the judge compares the canary with a baseline."""
        return True

    def judgement(self, window: Window) -> Judgement:
        """The full :class:`~msatheory.deployment.judge.Judgement` of ``window``."""
        def metrics(samples: Sequence[PodSample]) -> dict[str, list[float]]:
            if self.granularity == "pod":
                points = [(s.requests, s.errors, s.p99_ms, s.mean_ms) for s in samples
                          if s.requests]
            else:
                steps: dict[int, list[PodSample]] = {}
                for s in samples:
                    steps.setdefault(s.time, []).append(s)
                points = [p for p in map(_pooled, steps.values()) if p[0]]
            values = {"error_ratio": [e / n for n, e, _, _ in points],
                      "latency_p99": [p99 for _, _, p99, _ in points],
                      "latency_mean": [mean for _, _, _, mean in points]}
            return {m.name: values[m.name] for m in self.metrics}
        return judge(metrics(window.control), metrics(window.new), self.metrics,
                     self.thresholds)

    def __call__(self, window: Window) -> CheckResult:
        verdict = self.judgement(window)
        return CheckResult(verdict.classification != "Fail", verdict.classification,
                           f"score {verdict.score:g}" + (f": {verdict.reason}"
                                                         if verdict.reason else ""))
