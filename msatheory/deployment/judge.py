"""Strategy 7.1.2 (金丝雀部署): judging a canary against a baseline, as Kayenta does.

A canary is not judged alone. Netflix and Google's Kayenta (the automated canary analysis
of Spinnaker) runs a *baseline*, fresh instances of the old version, beside the canary and
compares the two metric by metric. This module ports its ``NetflixACAJudge``:

* each metric's samples are cleaned (NaN removed, or replaced by 0);
* a two-sample **Mann-Whitney U test** (Wilcoxon rank-sum) compares canary with baseline:
  :func:`~msatheory.deployment.mannwhitney.mann_whitney` gives the statistic, its p-value,
  the **Hodges-Lehmann estimate** of the shift (the median of all differences canary -
  baseline) and its confidence interval, computed as R's ``wilcox.test`` does and as
  Kayenta ported it;
* the metric is ``High`` when the whole 98% interval lies above 25% of the estimate's size
  and the canary's mean is at least the baseline's (``Low`` mirrored), both only in the
  metric's bad direction; otherwise ``Pass``, or ``Nodata`` when a side has no samples;
* a group's score is the percentage of its metrics that pass; the run's score is the sum of
  group scores weighted by the groups' weights (unweighted groups share what is left of
  100); a critical metric that does not pass, or ``Nodata`` for half the metrics or more,
  makes the score 0;
* the score is classified ``Pass`` (>= 95), ``Marginal`` (>= 75) or ``Fail``.

:func:`judge` runs all of it and :func:`classify_metric` classifies one metric; the test
on its own is :mod:`msatheory.deployment.mannwhitney`, and this module stops at the
classifier and the scorer.

Where the port follows Kayenta (``spinnaker/kayenta``, ``kayenta-judge`` and
``kayenta-mannwhitney``): the interval inverts the normal approximation with continuity and
tie correction (R's ``exact=FALSE, correct=TRUE`` path, which Kayenta always takes) by the
same Brent root finder with tolerance 1e-4; when each side holds one repeated value, Gaussian
noise of relative size 1e-5 is added before the test (here from a seeded generator, so a
run repeats). It stops where the judge's defaults stop: no outlier removal (Kayenta's default
keeps outliers), and no ``Error`` label, which Kayenta only reaches when all observations
are tied, a case the noise rules out.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from msatheory.deployment.mannwhitney import MannWhitney, average_ranks, mann_whitney
from msatheory.errors import (
    TheoryError,
    require_choice,
    require_fraction,
    require_instance,
    require_items,
    require_name,
    require_names,
    require_number,
    require_samples,
    require_seed,
)
from msatheory.sim import seeded_rng

__all__ = [
    "CONFIDENCE",
    "DEFAULT_METRICS",
    "DIRECTIONS",
    "TOLERANCE",
    "GroupScore",
    "Judgement",
    "MetricConfig",
    "MetricResult",
    "ScoreThresholds",
    "classify_metric",
    "judge",
]

DIRECTIONS = ("increase", "decrease", "either")
"""A metric's bad direction: ``increase`` fails a canary only when it is higher."""

TOLERANCE = 0.25
"""The share of the estimate's size the interval must clear (NetflixACAJudge's value)."""

CONFIDENCE = 0.98
"""The confidence level of the interval NetflixACAJudge tests with."""

_NAN_STRATEGIES = ("remove", "replace")
_MEASURES = ("meanRatio", "cles")
_NODATA_THRESHOLD = 50.0


# --- the metric classifier ---------------------------------------------------------------


@dataclass(frozen=True)
class MetricConfig:
    """One metric of a canary configuration, with Kayenta's ``analysisConfigurations``.

    ``direction`` is the bad direction; ``critical`` fails the whole run when the metric
    does not pass; ``must_have_data`` counts a metric without data as failing its group;
    ``muted`` leaves it out of the score. ``effect_measure`` is ``"meanRatio"`` (canary mean
    / baseline mean) or ``"cles"`` (the share of pairs where the canary is higher), and the
    allowed and critical changes default to 1.0 and 0.5 for them respectively.
    """

    name: str
    groups: tuple[str, ...]
    direction: str = "either"
    critical: bool = False
    must_have_data: bool = False
    muted: bool = False
    nan_strategy: str = "remove"
    effect_measure: str = "meanRatio"
    allowed_increase: float | None = None
    allowed_decrease: float | None = None
    critical_increase: float | None = None
    critical_decrease: float | None = None

    def __post_init__(self) -> None:
        owner = "MetricConfig"
        require_name(owner, "name", self.name)
        groups = require_names(owner, "groups", self.groups)
        if not groups:
            raise TheoryError(f"{owner}: groups must name at least one group, not "
                              f"{self.groups!r}")
        object.__setattr__(self, "groups", groups)
        require_choice(owner, "direction", self.direction, DIRECTIONS)
        require_choice(owner, "nan_strategy", self.nan_strategy, _NAN_STRATEGIES)
        require_choice(owner, "effect_measure", self.effect_measure, _MEASURES)
        for flag in ("critical", "must_have_data", "muted"):
            require_instance(owner, flag, getattr(self, flag), bool)
        for what in ("allowed_increase", "allowed_decrease", "critical_increase",
                     "critical_decrease"):
            value = getattr(self, what)
            if value is not None:
                require_number(owner, what, value)

    def effect(self, what: str) -> float:
        """The effect size threshold ``what`` (``"allowed_increase"``, ...), its default
        when unset."""
        value: float | None = getattr(self, what)
        if value is not None:
            return value
        return 0.5 if self.effect_measure == "cles" else 1.0


DEFAULT_METRICS: tuple[MetricConfig, ...] = (
    MetricConfig("error_ratio", ("errors",), direction="increase", critical=True),
    MetricConfig("latency_p99", ("latency",), direction="increase"),
)
"""Errors and latency, each its own group; a higher error ratio fails the run outright."""


@dataclass(frozen=True)
class MetricResult:
    """What the judge concluded about one metric.

    ``classification`` is ``Pass``, ``High``, ``Low``, ``Nodata`` or ``NodataFailMetric``;
    ``deviation`` is canary mean / baseline mean (1.0 when no test ran, NaN when a mean is
    0); ``test`` is the Mann-Whitney test of canary against baseline, or None when the
    judge decided before testing (no data, identical samples, one value throughout).
    """

    name: str
    classification: str
    reason: str | None
    critical: bool
    deviation: float
    effect_size: float | None
    test: MannWhitney | None
    groups: tuple[str, ...]
    muted: bool
    canary_count: int
    baseline_count: int

    @property
    def estimate(self) -> float | None:
        """The Hodges-Lehmann estimate of canary - baseline, if a test ran."""
        return None if self.test is None else self.test.estimate

    @property
    def interval(self) -> tuple[float, float] | None:
        """The confidence interval of canary - baseline, if a test ran."""
        return None if self.test is None else (self.test.low, self.test.high)


def _clean(values: Sequence[float], strategy: str) -> tuple[float, ...]:
    """Kayenta's ``Transforms.removeNaNs`` / ``replaceNaNs`` (NaN made 0.0)."""
    if strategy == "remove":
        return tuple(v for v in values if not math.isnan(v))
    return tuple(0.0 if math.isnan(v) else v for v in values)


def _mean_ratio(baseline: Sequence[float], canary: Sequence[float]) -> float:
    """Kayenta's ``EffectSizes.meanRatio``: canary mean / baseline mean, NaN if one is 0."""
    b, c = sum(baseline) / len(baseline), sum(canary) / len(canary)
    return math.nan if b == 0.0 or c == 0.0 else c / b


def _cles(baseline: Sequence[float], canary: Sequence[float]) -> float:
    """Kayenta's ``EffectSizes.cles``: the share of pairs with the canary higher."""
    m, n = len(canary), len(baseline)
    r1 = sum(average_ranks(list(canary) + list(baseline))[:m])
    return (2 * r1 - m * (m + 1)) / (2 * n * m)


def _noisy(values: tuple[float, ...], rng: random.Random) -> tuple[float, ...]:
    """Kayenta's ``addGaussianNoise``: noise of standard deviation 1e-5 of the value."""
    scale = values[0] * 1e-5
    return tuple(v + rng.gauss(0.0, 1.0) * scale for v in values)


def _result(config: MetricConfig, canary: tuple[float, ...], baseline: tuple[float, ...],
            label: str, reason: str | None, critical: bool, deviation: float = 1.0,
            effect: float | None = None, test: MannWhitney | None = None) -> MetricResult:
    """A :class:`MetricResult` for ``config``."""
    return MetricResult(name=config.name, classification=label, reason=reason,
                        critical=critical, deviation=deviation, effect_size=effect,
                        test=test, groups=config.groups, muted=config.muted,
                        canary_count=len(canary), baseline_count=len(baseline))


def _compare(config: MetricConfig, canary: tuple[float, ...], baseline: tuple[float, ...],
             seed: int, tolerance: float, confidence: float) -> MetricResult:
    """Kayenta's ``MannWhitneyClassifier.compare`` and the critical checks of
    ``classify``: the test, the bounds at ``tolerance`` of the estimate, the effect
    size."""
    if len(set(canary)) == 1 and len(set(baseline)) == 1:
        rng = seeded_rng(seed, "judge")
        canary = _noisy(canary, rng)
        baseline = _noisy(baseline, rng)
    test = mann_whitney(canary, baseline, confidence=confidence)
    bound = tolerance * abs(test.estimate)
    deviation = _mean_ratio(baseline, canary)
    effect = _cles(baseline, canary) if config.effect_measure == "cles" else deviation
    unknown = math.isnan(effect)
    label = "Pass"
    if (config.direction != "decrease" and test.low > bound
            and (unknown or effect >= config.effect("allowed_increase"))):
        label = "High"
    elif (config.direction != "increase" and test.high < -bound
          and (unknown or effect <= config.effect("allowed_decrease"))):
        label = "Low"
    if label == "Pass":
        return _result(config, canary, baseline, label, None, False, deviation, effect, test)
    critical = config.critical and (
        unknown or (effect >= config.effect("critical_increase") if label == "High"
                    else effect <= config.effect("critical_decrease")))
    reason = (f"The metric {config.name} was classified as {label} (Critical)" if critical
              else f"{config.name} was classified as {label}")
    return _result(config, canary, baseline, label, reason, critical, deviation, effect, test)


def _classify(config: MetricConfig, canary_raw: Sequence[float],
              baseline_raw: Sequence[float], seed: int, tolerance: float = TOLERANCE,
              confidence: float = CONFIDENCE) -> MetricResult:
    """Kayenta's ``MannWhitneyClassifier.classify`` for one metric."""
    canary = _clean(canary_raw, config.nan_strategy)
    baseline = _clean(baseline_raw, config.nan_strategy)
    if not canary or not baseline:
        if config.nan_strategy == "replace":
            return _result(config, canary, baseline, "Pass", None, False)
        reason = f"Missing data for {config.name}"
        if config.must_have_data and not config.critical:
            return _result(config, canary, baseline, "NodataFailMetric", reason, False)
        return _result(config, canary, baseline, "Nodata", reason, config.critical)
    if sorted(canary) == sorted(baseline):
        return _result(config, canary, baseline, "Pass",
                       "The Canary and Baseline data are identical", False)
    if len(set(canary + baseline)) == 1:
        return _result(config, canary, baseline, "Pass", None, False)
    return _compare(config, canary, baseline, seed, tolerance, confidence)


def classify_metric(config: MetricConfig, baseline: Sequence[float],
                    canary: Sequence[float], *, tolerance: float = TOLERANCE,
                    confidence: float = CONFIDENCE, seed: int = 0) -> MetricResult:
    """Strategy 7.1.2 (金丝雀部署): classify one metric of a canary against its baseline,
    as Kayenta's ``MannWhitneyClassifier`` does.

    In order: no samples on a side gives ``Nodata`` (``NodataFailMetric`` when the metric
    must have data, ``Pass`` when NaN is replaced); the same samples, or one value
    throughout, give ``Pass``; otherwise the canary is ``High`` when the lower end of the
    Mann-Whitney interval of canary - baseline exceeds ``tolerance`` times the size of the
    Hodges-Lehmann estimate and the effect size reaches ``allowed_increase`` (``Low``
    mirrored), in the metric's bad direction only. A critical metric is marked critical
    when its effect also reaches the critical threshold.

    Parameters
    ----------
    config : MetricConfig
        The metric.
    baseline, canary : sequence of float
        Its samples; NaN is a missing sample.
    tolerance : float
        The share of the estimate the interval must clear (the judge uses 0.25).
    confidence : float
        The interval's confidence level, in (0, 1) (the judge uses 0.98).
    seed : int
        Seeds the noise added when each side holds one repeated value.

    Returns
    -------
    MetricResult
        The classification, its reason, and the test behind it.

    Raises
    ------
    TheoryError
        Malformed samples or parameters.

    Examples
    --------
    >>> latency = MetricConfig("latency_p99", ("latency",), direction="increase")
    >>> r = classify_metric(latency, [0.20, 0.22, 0.21, 0.19], [0.30, 0.33, 0.31, 0.35])
    >>> r.classification, r.reason, round(r.deviation, 3)
    ('High', 'latency_p99 was classified as High', 1.573)

    References
    ----------
    spinnaker/kayenta ``MannWhitneyClassifier.classify`` and ``compare``; its test cases in
    ``kayenta-judge/src/test/.../ClassifierSuite.scala``.
    """
    owner = "classify_metric"
    require_instance(owner, "config", config, MetricConfig)
    tolerance = require_number(owner, "tolerance", tolerance)
    confidence = require_fraction(owner, "confidence", confidence, zero=False)
    return _classify(config, require_samples(owner, "canary", canary, empty=True, nan=True),
                     require_samples(owner, "baseline", baseline, empty=True, nan=True),
                     require_seed(owner, seed),
                     tolerance, confidence)


# --- scoring -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreThresholds:
    """The score classifier's thresholds: ``Pass`` at ``passing`` or more, ``Marginal`` at
    ``marginal`` or more, ``Fail`` below (Spinnaker's usual 95 and 75)."""

    marginal: float = 75.0
    passing: float = 95.0

    def __post_init__(self) -> None:
        for what in ("marginal", "passing"):
            value = require_number("ScoreThresholds", what, getattr(self, what))
            if value > 100:
                raise TheoryError(f"ScoreThresholds: {what} must be at most 100, not "
                                  f"{value!r}")
        if self.marginal > self.passing:
            raise TheoryError(f"ScoreThresholds: marginal must not exceed passing, not "
                              f"{self.marginal!r} > {self.passing!r}")

    def classify(self, score: float) -> str:
        """Kayenta's ``ThresholdScoreClassifier``: ``Pass``, ``Marginal`` or ``Fail``."""
        if score >= self.passing:
            return "Pass"
        return "Marginal" if score >= self.marginal else "Fail"


@dataclass(frozen=True)
class GroupScore:
    """One group's score: the percentage of its counted metrics classified ``Pass``
    (``High``, ``Low``, ``Pass`` and ``NodataFailMetric`` count; ``Nodata`` does not).
    ``no_data`` marks a group where none count; it scores 0 but weighs in as 100."""

    name: str
    score: float
    no_data: bool
    counts: tuple[tuple[str, int], ...]


def _group_scores(results: Sequence[MetricResult]) -> tuple[GroupScore, ...]:
    """Kayenta's ``WeightedSumScorer.calculateGroupScores``, groups in order of first
    appearance."""
    labels: dict[str, list[str]] = {}
    for result in results:
        for group in result.groups:
            labels.setdefault(group, []).append(result.classification)
    scores = []
    for group, members in labels.items():
        counts = {label: members.count(label) for label in sorted(set(members))}
        total = sum(counts.get(k, 0) for k in ("High", "Low", "Pass", "NodataFailMetric"))
        score = 0.0 if total == 0 else counts.get("Pass", 0) / total * 100
        scores.append(GroupScore(group, score, total == 0, tuple(counts.items())))
    return tuple(scores)


def _round2(value: float) -> float:
    """Commons Math's ``Precision.round(value, 2)``: half up, on the decimal digits."""
    return float(Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _summary(groups: Sequence[GroupScore], weights: Mapping[str, float]) -> float:
    """Kayenta's ``calculateSummaryScore``: groups without a weight share what the given
    weights leave of 100; a group without data counts as 100."""
    unweighted = [g for g in groups if g.name not in weights]
    share = (100 - sum(weights.values())) / len(unweighted) if unweighted else 0.0
    total = 0.0
    for g in groups:
        total += (100.0 if g.no_data else g.score) * (weights.get(g.name, share) / 100)
    return _round2(total)


@dataclass(frozen=True)
class Judgement:
    """Kayenta's ``CanaryJudgeResult``: the run's score (0-100), its classification
    (``Pass``, ``Marginal``, ``Fail``), why it failed outright (``reason``), each metric's
    result and each group's score."""

    score: float
    classification: str
    reason: str | None
    results: tuple[MetricResult, ...]
    group_scores: tuple[GroupScore, ...]
    thresholds: ScoreThresholds = field(default_factory=ScoreThresholds)

    def result(self, name: str) -> MetricResult:
        """The result of the metric called ``name``."""
        for r in self.results:
            if r.name == name:
                return r
        raise TheoryError(f"Judgement: no metric is called {name!r}")

    def describe(self) -> str:
        """The judgement in at most 15 lines of at most 100 characters."""
        t = self.thresholds
        lines = [f"Canary {self.classification}: score {self.score:g} "
                 f"(Pass >= {t.passing:g}, Marginal >= {t.marginal:g})"]
        if self.reason:
            lines.append(f"  {self.reason}"[:100])
        lines.append("  groups: " + ", ".join(f"{g.name} {g.score:g}"
                                              for g in self.group_scores)[:90])
        lines.append(f"  {'metric':<16}{'class':<10}{'canary/base':>12}"
                     f"{'shift (HL)':>12}  interval of the shift (! critical)")
        shown = self.results[:10]
        for r in shown:
            ratio = "-" if math.isnan(r.deviation) else f"{r.deviation:.3g}"
            shift = "-" if r.test is None else f"{r.test.estimate:.4g}"
            ci = ("-" if r.test is None else
                  f"{r.test.confidence:.0%} [{r.test.low:.4g}, {r.test.high:.4g}]")
            mark = "!" if r.critical else ""
            lines.append(f"  {r.name[:15]:<16}{r.classification + mark:<10}{ratio:>12}"
                         f"{shift:>12}  {ci:<26}".rstrip())
        if len(self.results) > len(shown):
            lines.append(f"  ... and {len(self.results) - len(shown)} more metrics")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.describe()


def _weights(owner: str, weights: Mapping[str, float] | None,
             groups: Sequence[str]) -> dict[str, float]:
    """``weights`` checked: known groups, non-negative, summing to at most 100."""
    if weights is None:
        return {}
    if not isinstance(weights, Mapping):
        raise TheoryError(f"{owner}: group_weights must be a mapping of group to weight, "
                          f"not {weights!r}")
    checked = {}
    for name, value in weights.items():
        if name not in groups:
            raise TheoryError(f"{owner}: group_weights names {name!r}, which no metric is in")
        checked[name] = require_number(owner, f"group_weights[{name!r}]", value)
    if sum(checked.values()) > 100 + 1e-9:
        raise TheoryError(f"{owner}: group_weights must sum to at most 100, not "
                          f"{sum(checked.values())!r}")
    return checked


def _samples(owner: str, side: str, data: object,
             names: Sequence[str]) -> dict[str, tuple[float, ...]]:
    """The samples of ``data`` for each metric in ``names``, checked."""
    if not isinstance(data, Mapping):
        raise TheoryError(f"{owner}: {side} must be a mapping of metric to samples, "
                          f"not {data!r}")
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise TheoryError(f"{owner}: {side} has samples of {unknown!r}, which no metric "
                          f"configures")
    missing = [name for name in names if name not in data]
    if missing:
        raise TheoryError(f"{owner}: {side} has no samples of {missing[0]!r}")
    return {name: require_samples(owner, f"{side}[{name!r}]", data[name], empty=True, nan=True)
            for name in names}


def judge(baseline: Mapping[str, Sequence[float]], canary: Mapping[str, Sequence[float]],
          metrics: Sequence[MetricConfig] = DEFAULT_METRICS,
          thresholds: ScoreThresholds = ScoreThresholds(), *,
          group_weights: Mapping[str, float] | None = None, seed: int = 0) -> Judgement:
    """Strategy 7.1.2 (金丝雀部署): judge a canary against its baseline, as Kayenta does.

    Parameters
    ----------
    baseline, canary : mapping of str to sequence of float
        Each metric's samples (one per interval of the analysis), by metric name; NaN is a
        missing sample. Both must hold exactly the configured metrics (a list may be empty:
        no data).
    metrics : sequence of MetricConfig
        The canary configuration's metrics, distinct names.
    thresholds : ScoreThresholds
        The score classifier's thresholds.
    group_weights : mapping of str to float, optional
        Weights of groups in percent; groups not named share what is left of 100 equally.
    seed : int
        Seeds the noise added when each side holds one repeated value.

    Returns
    -------
    Judgement
        The score, its classification, each metric's result and each group's score.

    Raises
    ------
    TheoryError
        Missing or unconfigured metrics, malformed samples, duplicate metric names, or
        weights that name unknown groups or sum over 100.

    Examples
    --------
    >>> base = {"error_ratio": [0.010, 0.012, 0.011, 0.009, 0.010, 0.011],
    ...         "latency_p99": [0.20, 0.22, 0.21, 0.19, 0.20, 0.23]}
    >>> slow = {"error_ratio": [0.011, 0.010, 0.009, 0.012, 0.010, 0.011],
    ...         "latency_p99": [0.31, 0.33, 0.30, 0.35, 0.32, 0.34]}
    >>> verdict = judge(base, slow)
    >>> verdict.score, verdict.classification
    (50.0, 'Fail')
    >>> verdict.result("latency_p99").classification
    'High'
    >>> judge(base, base).classification
    'Pass'

    References
    ----------
    spinnaker/kayenta ``kayenta-judge``: ``NetflixACAJudge.classifyMetric``,
    ``MannWhitneyClassifier.classify`` and ``compare``, ``WeightedSumScorer.score``,
    ``ThresholdScoreClassifier.classify``, ``EffectSizes.meanRatio`` and ``cles``.
    M. Graff and others, "Automated Canary Analysis at Netflix with Kayenta" (Netflix
    Technology Blog, 2018).
    """
    owner = "judge"
    configs = require_items(owner, "metrics", metrics, MetricConfig, distinct=True)
    if not configs:
        raise TheoryError(f"{owner}: metrics must hold at least one MetricConfig, not "
                          f"{metrics!r}")
    require_instance(owner, "thresholds", thresholds, ScoreThresholds)
    seed = require_seed(owner, seed)
    names = [c.name for c in configs]
    base = _samples(owner, "baseline", baseline, names)
    new = _samples(owner, "canary", canary, names)
    groups = list(dict.fromkeys(g for c in configs for g in c.groups))
    weights = _weights(owner, group_weights, groups)
    results = tuple(_classify(c, new[c.name], base[c.name], seed) for c in configs)
    counted = [r for r in results if not r.muted]
    group_scores = _group_scores(counted)
    failures = [r for r in counted if r.critical and r.classification != "Pass"]
    nodata = sum(r.classification == "Nodata" for r in counted)
    if failures:
        score, reason = 0.0, f"Canary Failed: {failures[0].reason}"
    elif counted and nodata / len(counted) * 100 >= _NODATA_THRESHOLD:
        score = 0.0
        reason = f"Canary Failed: {_NODATA_THRESHOLD:g}% or more metrics returned NODATA"
    else:
        score, reason = _summary(group_scores, weights), None
    return Judgement(score=score, classification=thresholds.classify(score), reason=reason,
                     results=results, group_scores=group_scores, thresholds=thresholds)
