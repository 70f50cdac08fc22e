"""Strategy 7.1.2 (金丝雀部署): the Kayenta canary judge, its classifier and its scorer.

The classifier is checked against Kayenta's own suite (``ClassifierSuite.scala``); the
Mann-Whitney test it reads is :mod:`tests.test_mannwhitney`'s.
"""

from __future__ import annotations

import math

import pytest

from msatheory.deployment.judge import (
    DEFAULT_METRICS,
    GroupScore,
    Judgement,
    MetricConfig,
    ScoreThresholds,
    classify_metric,
    judge,
)
from msatheory.deployment.mannwhitney import mann_whitney
from msatheory.errors import TheoryError
from tests.test_mannwhitney import INTERMEDIATE_X, INTERMEDIATE_Y

# --- ClassifierSuite.scala data ----------------------------------------------------------

SUITE_A = (
    9.776734312010946, 10.587071850477695, 7.837550638890177, 9.324332688611388,
    8.377450540978442, 8.935926439960628, 8.270766332472851, 9.748430812671693,
    11.623746715547156, 9.275344267963394, 8.153804774917152, 10.562020975754294,
    13.498135575451835, 11.054419256110332, 6.953890359005509, 12.52100834219548,
    9.021635860354644, 4.923485669953166, 11.251360203607172, 11.598449508040337,
    8.435232204668182, 11.110228516867279, 10.70063380164755, 8.921277365211525,
    10.086167067942661, 11.42107515483087, 9.379234781364495, 7.798032014855259,
    10.62339807275746, 11.909642062063739,
)

SUITE_B = (
    11.1453586774086, 9.961805988559702, 7.068574306369829, 7.301266181048366,
    9.794463026565673, 9.60379186036873, 6.186779335033939, 12.345599159550174,
    10.371891733859533, 8.609430078501672, 9.913162673361084, 10.361375299003466,
    14.206800387518818, 10.9461537547533, 10.215876627044048, 11.739760899484603,
    10.907627468626439, 12.823353694464775, 8.101860977173214, 8.498161640880493,
    12.113441374697231, 13.272210809932028, 10.114579381663297, 6.946395876797807,
    6.210527854172778, 10.160401684903775, 8.345771206645546, 8.383822063895833,
    7.0020205070083765, 10.755757401808442,
)

SUITE_C = (
    20.878412601720026, 21.78550581191622, 19.70828084717019, 15.859946903461562,
    19.51005877217684, 19.392005525270303, 22.9265283149121, 17.156530276709894,
    18.65511791622617, 23.422607911610392, 24.055817684156644, 22.62689958516501,
    21.979472967817678, 21.659318607218694, 20.067707574072426, 22.119570836305414,
    16.44037132663307, 21.55962282634127, 21.00018144348922, 17.779369411412663,
    17.806006358943584, 18.53720061838611, 20.555550300210797, 19.552928184468378,
    21.771118944087092, 21.809622806176627, 20.96176290990527, 20.97757157750302,
    19.106303205498794, 16.97691896698708,
)

SUITE_D = (
    20.758113589510348, 22.80205962946456, 20.61234036349221, 20.973274654749986,
    23.469237330498622, 21.53133988954805, 21.767353687439805, 18.3080507303743,
    19.062145167827566, 25.87949843600178, 18.98262972633613, 19.387920182269266,
    18.995398251246982, 24.228420230932805, 20.050985172694688, 18.2340451091756,
    17.870515494460435, 23.05810386380662, 18.400259567501134, 16.971352091177167,
    19.46752906605215, 17.90465423342031, 17.55394861782583, 16.104611843907193,
    24.38171081433039, 15.919294339922635, 20.479409626304697, 19.08307201492406,
    17.455788050722866, 18.853826823235142,
)

CLES_PASS_CANARY = (
    0.0, 0.0, 0.000146580998, 0.0, 0.0, 0.0, 7.94701987e-05, 0.0, 0.0, 0.0, 2.68889486e-05, 0.0,
    0.0, 2.64935753e-05, 0.0, 0.0, 0.0, 2.61608895e-05, 0.000127824931, 0.0, 0.0, 0.0,
    2.54511211e-05, 2.58665287e-05, 7.63339355e-05, 0.0, 2.54239443e-05, 0.0, 0.0, 0.0,
    2.61001201e-05, 5.2010194e-05, 0.0, 2.64452319e-05, 5.2755137e-05, 7.83719533e-05,
    5.19467027e-05, 2.58344528e-05, 2.58899676e-05, 0.0, 2.59497613e-05, 2.57938043e-05,
    7.78553448e-05, 2.6059311e-05, 2.61001201e-05, 0.0, 0.0, 2.59349551e-05, 2.6055916e-05, 0.0,
    0.0, 0.0, 0.0, 0.0, 0.0, 2.58819267e-05, 0.0, 2.58825965e-05, 2.57572635e-05, 2.56877906e-05,
)

CLES_PASS_BASELINE = (
    0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.91528191e-05, 0.0, 0.0, 0.0, 2.98284862e-05,
    5.99916012e-05, 0.0, 5.92276712e-05, 0.0, 2.98053709e-05, 0.0, 2.9730935e-05, 5.9215396e-05,
    0.0, 0.0, 0.0, 2.92800047e-05, 0.0, 2.9455081e-05, 0.0, 0.0, 0.0, 5.83958656e-05, 0.0, 0.0,
    0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.88600289e-05, 2.90334756e-05, 2.91740817e-05, 0.0, 0.0,
    0.0, 0.0, 0.0, 0.0, 2.92765758e-05, 0.0, 0.0, 0.0, 0.0, 0.0, 2.94637596e-05, 5.89136326e-05,
    0.0, 0.0, 0.0,
)

CLES_HIGH_CANARY = (
    0.00689808, 0.00568664, 0.00680876, 0.00642045, 0.00561825, 0.00472294, 0.00398378,
    0.00392403, 0.00421201, 0.0047529, 0.00460853, 0.00439888, 0.00561875, 0.01998866,
    0.0124369, 0.00624391, 0.00444361, 0.00442059, 0.00372095, 0.00540736, 0.00715402,
    0.00425974, 0.00414409, 0.01172436, 0.0125959, 0.00371891, 0.00429855, 0.00369876,
    0.00325709, 0.00415943, 0.00371754, 0.00445212, 0.00521721, 0.00443938, 0.00380859,
    0.01602997, 0.00788885, 0.0038155, 0.00326921, 0.00336928, 0.00365917, 0.00333869,
    0.00427639, 0.00355911, 0.00381224, 0.00360057, 0.00349305, 0.00401164, 0.00351947,
    0.00356299, 0.003407, 0.00414397, 0.00393346, 0.00413318, 0.00359041, 0.00366314,
    0.00309383, 0.00383733, 0.00363324, 0.00280674,
)

CLES_HIGH_BASELINE = (
    0.00081956, 0.00239282, 0.00133685, 0.00094917, 0.00029518, 0.00035344, 0.00048194,
    0.00034893, 0.0003202, 0.00079814, 0.00090881, 0.00072599, 0.00037819, 0.00038286,
    0.00057604, 0.00064821, 0.00032194, 0.0002245, 0.00025202, 0.00071997, 0.00022721,
    0.00042578, 0.00042496, 0.00045613, 0.00037072, 0.0003317, 0.00032889, 0.00032749,
    0.00036093, 0.00029285, 0.00038401, 0.00044467, 0.00071086, 0.00036692, 0.00052079,
    0.00074974, 0.00128791, 0.00062046, 0.00086345, 0.00118563, 0.00103379, 0.00028913,
    0.00057628, 0.00057943, 0.00048735, 0.00029409, 0.0002005, 0.00016612, 0.00089312,
    0.00059367, 0.00061706, 0.00163313, 0.00097784, 0.00029305, 0.00058839, 0.00085212,
    0.00048298, 0.00035546, 0.00025866, 0.00038767,
)

CLES_LOW_CANARY = (
    24.24693907, 26.13330099, 22.50056744, 24.36646841, 23.19935673, 19.43801304, 20.99654102,
    18.90793651, 21.31949881, 21.83528381, 21.64211206, 23.13365968, 21.09163134, 19.45540615,
    20.74783158, 22.25527831, 19.82051791, 20.9865487, 19.94450026, 23.2904056, 18.18408424,
    22.13843542, 19.42896044, 19.84140464, 23.91557662, 21.00981557, 21.8594633, 23.11630163,
    22.95700392, 17.80045135,
)

CLES_LOW_BASELINE = (
    25.09626848, 26.15032198, 24.88431438, 24.18870163, 22.14684987, 28.01743443, 21.29910501,
    27.24688773, 28.64187535, 27.03504445, 24.67888311, 22.35137878, 27.41640397, 26.00225548,
    23.02118534, 25.99647292, 22.77446912, 25.56704719, 25.57025827, 21.2721602, 23.12987357,
    24.59111604, 27.48865016, 27.21967755, 23.5951111, 22.5429607, 25.83015564, 23.31965305,
    24.3911644, 25.11468194,
)


# --- the judge ------------------------------------------------------------------------------

BASE = {"error_ratio": [0.010, 0.012, 0.011, 0.009, 0.010, 0.011, 0.010, 0.012],
        "latency_p99": [0.20, 0.22, 0.21, 0.19, 0.20, 0.23, 0.21, 0.20]}


def _canary(errors: float = 0.0, latency: float = 0.0) -> dict[str, list[float]]:
    """The baseline shifted by ``errors`` and ``latency``, reordered."""
    return {"error_ratio": [v + errors for v in reversed(BASE["error_ratio"])],
            "latency_p99": [v + latency for v in BASE["latency_p99"][::2] +
                            BASE["latency_p99"][1::2]]}


def test_a_canary_like_its_baseline_passes_with_full_score() -> None:
    verdict = judge(BASE, _canary())
    assert (verdict.score, verdict.classification, verdict.reason) == (100.0, "Pass", None)
    assert all(r.reason == "The Canary and Baseline data are identical"
               for r in verdict.results)
    assert [g.name for g in verdict.group_scores] == ["errors", "latency"]


def test_a_slow_canary_fails_its_latency_group() -> None:
    verdict = judge(BASE, _canary(latency=0.1))
    latency = verdict.result("latency_p99")
    assert latency.classification == "High" and not latency.critical
    assert latency.estimate == pytest.approx(0.1, abs=1e-3)
    assert latency.interval is not None and 0 < latency.interval[0] < 0.1 < latency.interval[1]
    assert latency.deviation == pytest.approx((0.21 + 0.1) / 0.2075, rel=0.01)
    assert (verdict.score, verdict.classification) == (50.0, "Fail")
    assert verdict.group_scores[1] == GroupScore("latency", 0.0, False, (("High", 1),))
    lenient = judge(BASE, _canary(latency=0.1), thresholds=ScoreThresholds(40, 60))
    assert lenient.classification == "Marginal"


def test_a_critical_metric_that_fails_zeroes_the_score() -> None:
    verdict = judge(BASE, _canary(errors=0.01))
    assert verdict.result("error_ratio").critical
    assert verdict.score == 0.0 and verdict.classification == "Fail"
    assert verdict.reason == ("Canary Failed: The metric error_ratio was classified as High "
                              "(Critical)")


def test_only_the_bad_direction_fails() -> None:
    faster = _canary(latency=-0.1)
    assert judge(BASE, faster).result("latency_p99").classification == "Pass"
    either = [DEFAULT_METRICS[0], MetricConfig("latency_p99", ("latency",))]
    assert judge(BASE, faster, either).result("latency_p99").classification == "Low"
    down = [DEFAULT_METRICS[0], MetricConfig("latency_p99", ("latency",),
                                             direction="decrease")]
    assert judge(BASE, _canary(latency=0.1), down).result("latency_p99").classification \
        == "Pass"


def test_the_effect_size_must_agree_with_the_test() -> None:
    # ranks put the canary higher, but one huge baseline value makes its mean higher
    base = {"latency_p99": [1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 50.0]}
    canary = {"latency_p99": [2.0, 2.1, 2.2, 2.3, 2.4, 2.5, 2.6, 2.7]}
    config = [MetricConfig("latency_p99", ("latency",), direction="increase")]
    result = judge(base, canary, config).result("latency_p99")
    assert result.test is not None and result.test.low > 0
    assert result.deviation < 1 and result.classification == "Pass"
    cles = [MetricConfig("latency_p99", ("latency",), direction="increase",
                         effect_measure="cles")]
    assert judge(base, canary, cles).result("latency_p99").effect_size == 56 / 64
    assert judge(base, canary, cles).result("latency_p99").classification == "High"


def test_missing_data() -> None:
    empty = {**_canary(), "latency_p99": []}
    verdict = judge(BASE, empty)
    assert verdict.result("latency_p99").classification == "Nodata"
    assert verdict.score == 0.0  # half the metrics without data
    assert verdict.reason == "Canary Failed: 50% or more metrics returned NODATA"
    three = [*DEFAULT_METRICS, MetricConfig("cpu", ("resources",))]
    base3 = {**BASE, "cpu": [0.5, 0.6, 0.55]}
    verdict = judge(base3, {**empty, "cpu": [0.5, 0.6, 0.55]}, three)
    assert verdict.score == 100.0  # a group without data counts as 100
    assert verdict.group_scores[1].no_data
    required = [*DEFAULT_METRICS[:1],
                MetricConfig("latency_p99", ("latency",), must_have_data=True), three[2]]
    verdict = judge(base3, {**empty, "cpu": [0.5, 0.6, 0.55]}, required)
    assert verdict.result("latency_p99").classification == "NodataFailMetric"
    assert verdict.score == 66.67 and verdict.classification == "Fail"
    nan_errors = {**_canary(), "error_ratio": [math.nan] * 8}
    critical = judge(BASE, nan_errors)
    assert critical.result("error_ratio").classification == "Nodata"
    assert critical.reason == "Canary Failed: Missing data for error_ratio"
    replaced = [MetricConfig("error_ratio", ("errors",), nan_strategy="replace"),
                DEFAULT_METRICS[1]]
    result = judge(BASE, nan_errors, replaced).result("error_ratio")
    assert result.canary_count == 8 and result.classification == "Low"


def test_muted_metrics_and_group_weights() -> None:
    muted = [MetricConfig("error_ratio", ("errors",), muted=True), DEFAULT_METRICS[1]]
    verdict = judge(BASE, _canary(errors=0.01), muted)
    assert verdict.result("error_ratio").classification == "High"
    assert verdict.score == 100.0 and [g.name for g in verdict.group_scores] == ["latency"]
    weighted = judge(BASE, _canary(latency=0.1), group_weights={"latency": 20})
    assert weighted.score == 80.0 and weighted.classification == "Marginal"
    with pytest.raises(TheoryError, match="at most 100"):
        judge(BASE, _canary(), group_weights={"latency": 70, "errors": 40})
    with pytest.raises(TheoryError, match="no metric is in"):
        judge(BASE, _canary(), group_weights={"cpu": 10})


def test_constant_samples_get_seeded_noise() -> None:
    base = {"error_ratio": [0.0] * 5, "latency_p99": [0.2] * 5}
    canary = {"error_ratio": [0.0] * 5, "latency_p99": [0.3] * 5}
    first = judge(base, canary)
    assert first.result("latency_p99").classification == "High"
    assert first == judge(base, canary)
    assert first.result("latency_p99").test != judge(base, canary, seed=1).result(
        "latency_p99").test


def test_describe_fits_a_lesson() -> None:
    many = [MetricConfig(f"metric_number_{i:02d}_long_name", (f"group_{i % 3}",))
            for i in range(12)]
    data = {m.name: [1.0, 2.0, 3.0] for m in many}
    text = str(judge(data, {**data, many[0].name: [7.0, 8.0, 9.0]}, many))
    lines = text.splitlines()
    assert len(lines) <= 15 and max(map(len, lines)) <= 100
    assert lines[-1] == "  ... and 2 more metrics"
    slow = judge(BASE, _canary(latency=0.1)).describe()
    assert slow.splitlines()[0] == "Canary Fail: score 50 (Pass >= 95, Marginal >= 75)"
    assert "High" in slow and "98% [" in slow


def test_judge_refuses_malformed_input() -> None:
    with pytest.raises(TheoryError, match="no samples of 'latency_p99'"):
        judge(BASE, {"error_ratio": [0.1]})
    with pytest.raises(TheoryError, match="which no metric configures"):
        judge(BASE, {**_canary(), "cpu": [0.1]})
    with pytest.raises(TheoryError, match="not a finite number or NaN"):
        judge(BASE, {**_canary(), "latency_p99": [math.inf]})
    with pytest.raises(TheoryError, match="twice"):
        judge(BASE, _canary(), [DEFAULT_METRICS[0], DEFAULT_METRICS[0]])
    with pytest.raises(TheoryError, match="direction must be one of"):
        MetricConfig("x", ("g",), direction="up")
    with pytest.raises(TheoryError, match="at least one group"):
        MetricConfig("x", ())
    with pytest.raises(TheoryError, match="must not exceed"):
        ScoreThresholds(marginal=96, passing=95)
    with pytest.raises(TheoryError, match="one repeated value"):
        mann_whitney([1.0, 1.0], [2.0])
    with pytest.raises(TheoryError, match="no metric is called"):
        Judgement(0.0, "Fail", None, (), ()).result("x")


def _case(canary: tuple[float, ...] | list[float], baseline: tuple[float, ...] | list[float],
          direction: str, expected: str, *, tolerance: float = 0.10,
          confidence: float = 0.95, effect: tuple[float, float] | None = None,
          critical_effect: tuple[float, float] | None = None, measure: str = "meanRatio",
          critical: bool = False, nan: str = "remove", is_critical: bool = False
          ) -> tuple[object, ...]:
    """One ClassifierSuite case: thresholds written (decrease, increase) as Kayenta does."""
    config = MetricConfig(
        "m", ("g",), direction=direction, critical=critical, nan_strategy=nan,
        effect_measure=measure,
        allowed_decrease=effect[0] if effect else None,
        allowed_increase=effect[1] if effect else None,
        critical_decrease=critical_effect[0] if critical_effect else 1.0,
        critical_increase=critical_effect[1] if critical_effect else 1.0)
    return (config, tuple(baseline), tuple(canary), tolerance, confidence, expected,
            is_critical)


SUITE = {
    "Pass Metric": _case(SUITE_A, SUITE_B, "either", "Pass"),
    "High Metric": _case(SUITE_C, SUITE_B, "either", "High"),
    "Low Metric": _case(SUITE_A, SUITE_D, "either", "Low"),
    "Directional: Increase": _case(SUITE_A, SUITE_D, "increase", "Pass"),
    "Directional: Decrease": _case(SUITE_C, SUITE_B, "decrease", "Pass"),
    "Directional: High Metric": _case(SUITE_C, SUITE_B, "increase", "High"),
    "Directional: Low Metric": _case(SUITE_A, SUITE_D, "decrease", "Low"),
    "High Metric (Large Input)": _case(INTERMEDIATE_X, INTERMEDIATE_Y, "either", "High"),
    "Mean Ratio: High": _case([20.0, 22.0, 21.0, 25.0, 30.0], [1.0, 2.2, 1.1, 2.5, 3.0],
                              "either", "High", effect=(0.8, 1.2)),
    "Mean Ratio: Low": _case(SUITE_A, SUITE_D, "decrease", "Low", effect=(0.8, 1.2)),
    "Mean Ratio: Pass": _case([10.0, 12.2, 10.1, 12.5, 23.0], [20.0, 22.0, 21.0, 25.0, 30.0],
                              "either", "Pass", effect=(0.5, 1.0)),
    "Mean Ratio: Pass (Large Input)": _case(INTERMEDIATE_X, INTERMEDIATE_Y, "either", "Pass",
                                            effect=(1.0, 5.0)),
    "CLES: Pass": _case(CLES_PASS_CANARY, CLES_PASS_BASELINE, "either", "Pass",
                        tolerance=0.2, confidence=0.98, effect=(0.5, 0.8), measure="cles"),
    "CLES: High": _case(CLES_HIGH_CANARY, CLES_HIGH_BASELINE, "either", "High",
                        tolerance=0.2, confidence=0.98, effect=(0.2, 0.8), measure="cles"),
    "CLES: Low": _case(CLES_LOW_CANARY, CLES_LOW_BASELINE, "either", "Low",
                       tolerance=0.2, confidence=0.98, effect=(0.2, 0.8), measure="cles"),
    "Critical: Critical High": _case([20.0, 22.0, 21.0, 25.0, 30.0], [1.0, 2.2, 1.1, 2.5, 3.0],
                                     "either", "High", critical_effect=(1.0, 1.2),
                                     critical=True, is_critical=True),
    "Critical: Critical Low": _case([2.0, 2.0, 2.0, 2.0, 3.0], [10.0, 20.2, 10.1, 20.5, 30.0],
                                    "either", "Low", critical_effect=(1.2, 1.0),
                                    critical=True, is_critical=True),
    "Critical: High": _case([20.0, 22.0, 21.0, 25.0, 30.0], [1.0, 2.2, 1.1, 2.5, 3.0],
                            "either", "High", effect=(1.0, 5.0), critical_effect=(1.0, 13.0),
                            critical=True),
    "Critical: Pass": _case([20.0, 22.0, 21.0, 25.0, 30.0], [1.0, 2.2, 1.1, 2.5, 3.0],
                            "either", "Pass", effect=(1.0, 13.0), critical_effect=(1.0, 15.0),
                            critical=True),
    "Critical High (Default Thresholds)": _case(
        [20.0, 22.0, 21.0, 25.0, 30.0], [1.0, 2.2, 1.1, 2.5, 3.0], "either", "High",
        critical=True, is_critical=True),
    "Tied Observations": _case([1.0, 1.0, 1.0], [1.0, 1.0], "decrease", "Pass"),
    "Identical Populations": _case([1.0, 2.0, 3.0, 4.0, 5.0], [5.0, 4.0, 3.0, 2.0, 1.0],
                                   "decrease", "Pass"),
    "Leading Zero Identical Population": _case([0.0, 1.0, 1.0, 1.0, 1.0], [1.0] * 5,
                                               "decrease", "Pass"),
    "Missing Experiment Data": _case([], [1.0, 2.0, 3.0, 4.0, 5.0], "decrease", "Nodata"),
    "Missing Experiment Data: Critical": _case([], [1.0, 2.0, 3.0, 4.0, 5.0], "decrease",
                                               "Nodata", critical=True, is_critical=True),
    "Missing Experiment Data, NaN Replacement": _case([], [1.0, 2.0, 3.0, 4.0, 5.0],
                                                      "decrease", "Pass", nan="replace"),
    "Majority Tied Observations": _case([1.0, 1.0, 1.0, 1.0, 10.0], [1.0] * 5, "either",
                                        "Pass"),
    "Tied Ranks": _case([10.0] * 5, [1.0] * 5, "either", "High"),
    "Tied Ranks With Zeros": _case([10.0] * 5, [0.0] * 5, "either", "High"),
    "Zero Mean: High": _case([54.9, 54.5, 55.1, 55.6, 57.4], [0.0] * 5, "either", "High",
                             effect=(0.8, 1.2)),
    "Zero Mean: Low": _case([0.0] * 5, [54.9, 54.5, 55.1, 55.6, 57.4], "either", "Low",
                            effect=(0.8, 1.2)),
    "Zero Mean: Critical": _case(
        [0.05000000074505806, 0.05000000074505806, 0.01666666753590107, 0.01666666753590107,
         0.01666666753590107, 0.05000000074505806, 0.03333333507180214, 0.05000000260770321,
         0.05000000260770321, 0.13333333656191826], [0.0] * 10, "either", "High",
        critical_effect=(0.8, 1.2), critical=True, nan="replace", is_critical=True),
    "Zero Mean: Pass": _case([0.0] * 5, [0.0] * 5, "either", "Pass", effect=(0.8, 1.2)),
}


@pytest.mark.parametrize("case", SUITE.values(), ids=SUITE.keys())
def test_classifier_agrees_with_kayentas_classifier_suite(case: tuple[object, ...]) -> None:
    config, baseline, canary, tolerance, confidence, expected, is_critical = case
    assert isinstance(config, MetricConfig)
    assert isinstance(baseline, tuple) and isinstance(canary, tuple)
    assert isinstance(tolerance, float) and isinstance(confidence, float)
    result = classify_metric(config, baseline, canary, tolerance=tolerance,
                             confidence=confidence)
    assert (result.classification, result.critical) == (expected, is_critical)
    if expected in ("High", "Low"):
        assert result.reason is not None and expected in result.reason
    if case is SUITE["Zero Mean: High"] or case is SUITE["Zero Mean: Low"]:
        assert math.isnan(result.deviation)
    if case is SUITE["Zero Mean: Pass"]:
        assert result.deviation == 1.0


def test_group_score_is_the_share_passing_rounded_as_kayenta() -> None:
    # ScorerSuite "One Group, Three Metrics": Pass, High and Low in one group score 33.33
    three = [MetricConfig(name, ("g",)) for name in ("p", "h", "l")]
    base = {"p": list(SUITE_B), "h": list(SUITE_B), "l": list(SUITE_D)}
    canary = {"p": list(SUITE_B), "h": list(SUITE_C), "l": list(SUITE_A)}
    verdict = judge(base, canary, three)
    assert [r.classification for r in verdict.results] == ["Pass", "High", "Low"]
    assert verdict.score == 33.33
    assert verdict.group_scores[0].counts == (("High", 1), ("Low", 1), ("Pass", 1))
