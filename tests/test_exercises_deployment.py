"""Chapter 7's exercises on answers the generic tests do not try: other right answers (the
package's own models among them), answers that raise or loop, the feedback each starter
gives, and the oracles behind the checks."""

from __future__ import annotations

import math
from fractions import Fraction

import sympy as sp

from msatheory.deployment.alerting import multiwindow_rule, step_detection, workbook_policies
from msatheory.deployment.bounds import rollout_bounds
from msatheory.deployment.canary import flagger, promotion_time, rollback_time
from msatheory.deployment.prometheus import histogram_quantile
from msatheory.deployment.release import erroring, good
from msatheory.deployment.slo import HOUR, SLO, detection_time
from msatheory.exercises import check, exercises
from msatheory.exercises.deployment import (
    ALERT_SLO,
    LESSON_7A,
    LESSON_7B,
    MOST_BAD,
    OUTAGE_PAGE,
    PROMOTED_BY,
)
from msatheory.exercises.exercise import Feedback
from solutions.deployment import (
    MULTI_BURN,
    MULTIWINDOW,
    MUTANTS,
    ONE_REPLICA,
    QUICK_AND_CHEAP,
    TUTORIAL,
    bounds_both_down,
    bounds_fraction,
    bounds_uncapped,
    orders_manifests,
    quantile_inf,
    quantile_lowest_from_bound,
    quantile_top_at_one,
)

e, S, w, b = sp.symbols("e S w b")
_CHECKED: dict[tuple[str, int], tuple[object, Feedback]] = {}


def checked(exercise_id: str, answer: object) -> Feedback:
    """``check(exercise_id, answer)``, run once per answer object in this module: the
    mutants' feedback is read by several tests."""
    key = (exercise_id, id(answer))
    if key not in _CHECKED:
        _CHECKED[key] = (answer, check(exercise_id, answer))
    return _CHECKED[key][1]


def test_chapter_7_has_its_share_over_both_lessons():
    posed = [ex for ex in exercises() if ex.chapter == 7]
    assert len(posed) >= 6 and len({ex.kind for ex in posed}) >= 3
    for lesson in (LESSON_7A, LESSON_7B):
        assert sum(ex.lesson == lesson for ex in posed) >= 3
    assert [ex.lesson for ex in posed] == sorted(ex.lesson for ex in posed)  # in lesson order
    assert {ex.statement for ex in posed if ex.lesson == LESSON_7A} <= {
        "Strategy 7.1.1", "Strategy 7.1.2", "Strategy 7.1.3"}
    assert {ex.statement for ex in posed if ex.lesson == LESSON_7B} <= {
        "Def 7.2.1", "Def 7.2.2", "Def 7.3.1", "Def 7.3.2"}
    assert {ex.difficulty for ex in posed} == {1, 2, 3}


def test_other_right_answers_pass():
    assert check("7.rollout-bounds", rollout_bounds).passed      # the model passes its exercise
    assert check("7.histogram-quantile", histogram_quantile).passed
    assert check("7.flagger-analysis", {"interval": 30, "threshold": 3, "max_weight": 50,
                                        "step_weight": 10}).passed
    assert check("7.flagger-analysis", {"step_weight": 20, "max_weight": 60, "interval": 30,
                                        "threshold": 2}).passed
    two = orders_manifests(2, "maxSurge: '25%'\n      maxUnavailable: 0", True,
                           "minAvailable: '50%'")
    assert check("7.orders-manifests", two).passed
    assert check("7.detection-time", b * w / (e / (1 - S))).passed
    assert check("7.slo-alerts", list(workbook_policies(ALERT_SLO)[5].rules)).passed
    floats = SLO(0.9995)                  # the objective as a float, as a learner writes it
    assert check("7.slo-alerts", (multiwindow_rule(floats, HOUR, 14.4),
                                  multiwindow_rule(floats, 6 * HOUR, 6),
                                  multiwindow_rule(floats, 3 * 24 * HOUR, 1,
                                                   severity="ticket"))).passed


def test_the_starters_fail_where_the_lesson_says():
    starters = {
        "7.rollout-bounds": (bounds_both_down, "percentages"),
        "7.flagger-analysis": (TUTORIAL, "promotion"),
        "7.orders-manifests": (ONE_REPLICA, "rollout"),
        "7.histogram-quantile": (quantile_inf, "Prometheus' cases"),
        "7.detection-time": (MUTANTS["7.detection-time"][0], "at points"),
        "7.slo-alerts": (MULTI_BURN, "reset"),
    }
    assert set(starters) == {ex.id for ex in exercises() if ex.chapter == 7}
    for exercise_id, (answer, step) in starters.items():
        assert MUTANTS[exercise_id][0] is answer        # the starter is the first mutant
        feedback = checked(exercise_id, answer)
        assert not feedback.passed and feedback.step[0] == step, str(feedback)


def test_each_mutant_fails_at_the_step_that_catches_its_mistake():
    expected = {
        "7.rollout-bounds": ["percentages", "percentages", "counts", "percentages", "a pair",
                             "shape"],
        "7.flagger-analysis": ["promotion", "rollback", "rollback", "rollback", "rules",
                               "rules", "shape", "shape", "type"],
        "7.orders-manifests": ["rollout", "rollout", "rollout", "budget", "budget", "budget",
                               "shape", "shape", "shape", "type"],
        "7.histogram-quantile": ["Prometheus' cases"] * 5 + ["search", "search", "shape"],
        "7.detection-time": ["at points"] * 4 + ["every value", "shape", "type"],
        "7.slo-alerts": ["reset", "checker", "reset", "outage", "checker", "reset", "outage",
                         "checker", "shape", "type"],
    }
    assert set(expected) == set(MUTANTS)
    for exercise_id, answers in MUTANTS.items():
        assert [checked(exercise_id, a).step[0] for a in answers] == expected[exercise_id], (
            exercise_id)


def test_feedback_names_the_smallest_counterexample():
    down = checked("7.rollout-bounds", bounds_both_down)
    assert down.failure is not None
    assert (down.failure.counterexample, down.failure.observed) == (
        "replicas = 1, max_surge = 0, max_unavailable = '1%'", "(1, 1)")
    assert down.failure.expected == "(1, 0), as rollout_bounds(1, 0, '1%') gives"
    uncapped = checked("7.rollout-bounds", bounds_uncapped)
    assert uncapped.step == ("counts", 4)
    assert uncapped.failure is not None and uncapped.failure.observed == "(1, -1)"
    fraction = checked("7.rollout-bounds", bounds_fraction)
    assert fraction.failure is not None
    assert fraction.failure.counterexample == "replicas = 2, max_surge = 1, max_unavailable = '50%'"
    slow = checked("7.flagger-analysis", TUTORIAL)
    assert slow.failure is not None
    assert slow.failure.observed == "promoted, all traffic on the new version after 420 s"
    assert "promotion_time = 300 s" in slow.failure.expected
    jump = checked("7.flagger-analysis", dict(QUICK_AND_CHEAP, step_weight=50))
    assert jump.step == ("rollback", 5) and jump.failure is not None
    assert jump.failure.observed == "rolled back at 120 s, after 215 failed requests"
    single = checked("7.orders-manifests", ONE_REPLICA)
    assert single.failure is not None
    assert single.failure.observed.startswith(
        "2 witnesses, the first: rolling update without readiness probe (orders)")
    one_pod = checked("7.orders-manifests", orders_manifests(1))   # fixed rollout, one replica
    assert one_pod.step == ("budget", 4) and one_pod.failure is not None
    assert one_pod.failure.observed.endswith("budget protects nothing (orders)")
    infinite = checked("7.histogram-quantile", quantile_inf)
    assert infinite.failure is not None
    assert infinite.failure.counterexample.startswith("q = 0.99, ")
    assert (infinite.failure.expected.split(",")[0], infinite.failure.observed) == ("1", "inf")
    top = checked("7.histogram-quantile", quantile_top_at_one)
    assert top.failure is not None and top.failure.counterexample == (
        "q = 1, buckets = [(0.1, 1.0), (0.2, 1.0), (inf, 1.0)]")
    lowest = checked("7.histogram-quantile", quantile_lowest_from_bound)
    assert lowest.failure is not None and lowest.failure.observed == "0.1"
    full = checked("7.detection-time", MUTANTS["7.detection-time"][0])
    assert full.failure is not None
    assert full.failure.counterexample == "e = 91/100, S = 9/10, w = 1, b = 1"
    assert (full.failure.expected.split(",")[0], full.failure.observed) == ("10/91", "1/10")
    remembered = checked("7.slo-alerts", MULTI_BURN)
    assert remembered.failure is not None and remembered.failure.observed == (
        "1h@14.4 pages until 59 min after; 6h@6 pages until 358 min after")
    missed = checked("7.slo-alerts", MULTIWINDOW[:2])
    assert missed.step == ("checker", 4) and missed.failure is not None
    assert missed.failure.observed.startswith("1 witness, the first: misses:")


def test_the_symbolic_step_catches_what_agrees_at_every_point_tried():
    agrees = MUTANTS["7.detection-time"][4]
    assert agrees == (1 - S) / e * w * b + sp.sin(sp.pi * w)
    feedback = checked("7.detection-time", agrees)
    assert feedback.step == ("every value", 4), str(feedback)


def test_answers_that_loop_raise_or_mistype_get_a_message():
    def loops(replicas, max_surge, max_unavailable):
        while True:
            replicas += 1

    looped = check("7.rollout-bounds", loops)
    assert looped.step == ("a pair", 3) and looped.failure is not None
    assert looped.failure.observed.startswith("ran more than")
    raised = check("7.histogram-quantile", lambda q, buckets: buckets[5][0])
    assert raised.step == ("Prometheus' cases", 3)
    assert raised.failure is not None
    assert raised.failure.observed == "raised IndexError: list index out of range"
    assert "0x" not in str(check("7.histogram-quantile", lambda q, buckets: object()))
    assert check("7.rollout-bounds", lambda r, s, u: [r + 1, r]).step == ("a pair", 3)
    unreadable = check("7.orders-manifests", "kind: [Deployment")
    assert unreadable.step == ("shape", 2) and unreadable.failure is not None
    assert "not valid YAML" in unreadable.failure.message
    assert check("7.orders-manifests", orders_manifests().split("---")[0]).step == ("shape", 2)
    assert check("7.detection-time", 1 / (e - 1)).step == ("at points", 3)  # zoo at 1
    assert check("7.slo-alerts", []).step == ("type", 1)
    assert check("7.flagger-analysis", dict(QUICK_AND_CHEAP, interval=35)).step == ("shape", 2)


def test_the_models_behind_the_checks():
    assert rollout_bounds(1, 0, "1%") == (1, 0)            # both zero: one pod may go
    assert rollout_bounds(3, "10%", "10%") == (4, 3)
    assert rollout_bounds(1, 0, 2) == (1, 0)                # never below zero
    def run(release, settings):
        return flagger(release, interval=settings["interval"], threshold=settings["threshold"],
                       max_weight=settings["max_weight"], step_weight=settings["step_weight"])

    quick, slow = run(good(), QUICK_AND_CHEAP), run(good(), TUTORIAL)
    assert quick.time_to_full is not None and quick.time_to_full <= PROMOTED_BY
    assert slow.time_to_full is not None and slow.time_to_full > PROMOTED_BY
    assert promotion_time(60, 50, 10) == PROMOTED_BY     # the analysis alone fits the time
    assert run(erroring(), QUICK_AND_CHEAP).bad_requests <= MOST_BAD
    assert rollback_time(30, 2) == 60.0
    h = [(0.1, 50.0), (0.2, 70.0), (1.0, 110.0), (math.inf, 120.0)]
    assert [round(histogram_quantile(q, h), 12) for q in (0.2, 0.5, 0.8, 0.99)] == [
        0.048, 0.15, 0.72, 1.0]
    assert math.isnan(histogram_quantile(0, [(0.1, 0.0), (math.inf, 1.0)]))   # 0 / 0
    assert detection_time(1, Fraction(999, 1000), 60, Fraction(72, 5)) == Fraction(108, 125)
    assert min(step_detection(r, 1) or math.inf for r in MULTIWINDOW) <= OUTAGE_PAGE
