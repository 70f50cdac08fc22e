"""Strategy 7.1.2 (金丝雀部署): Flagger's and Argo Rollouts' progressions, and the comparison.

Flagger's promotion and rollback times are checked against simulated schedules, and the
comparison of every strategy on a good, an erroring and a slow release against the
orderings that must hold.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory.deployment.analysis import Check, CheckResult, JudgeCheck, ThresholdCheck
from msatheory.deployment.canary import (
    ARGO_STEPS,
    Comparison,
    argo,
    compare,
    flagger,
    promotion_time,
    rollback_time,
)
from msatheory.deployment.release import (
    STEP,
    Service,
    Window,
    broken,
    erroring,
    good,
    slow,
)
from msatheory.errors import TheoryError


class Scripted:
    """A check that passes or fails as told, recording the windows it saw."""

    name, needs_baseline = "scripted", False

    def __init__(self, passes: bool):
        self.passes = passes
        self.windows: list[Window] = []

    def __call__(self, window: Window) -> CheckResult:
        self.windows.append(window)
        return CheckResult(self.passes, "Pass" if self.passes else "Fail", "")


def _event_time(events: tuple[tuple[int, str], ...], prefix: str) -> int:
    return next(t for t, e in events if e.startswith(prefix))


# --- Flagger's times ------------------------------------------------------------------------


@settings(max_examples=60)
@given(st.integers(1, 100), st.integers(1, 100), st.sampled_from([10, 30, 60]))
def test_promotion_time_is_the_documented_quotient_rounded_up(
        max_weight: int, step_weight: int, interval: int) -> None:
    time = promotion_time(interval, max_weight, step_weight)
    assert time == interval * math.ceil(max_weight / step_weight)
    if max_weight % step_weight == 0:
        assert time == interval * max_weight / step_weight


@pytest.mark.parametrize(("max_weight", "step_weight"),
                         [(50, 10), (50, 20), (30, 40), (100, 25), (7, 3), (50, 5)])
def test_flagger_promotes_when_promotion_time_says(max_weight: int,
                                                  step_weight: int) -> None:
    check = Scripted(True)
    report = flagger(good(), interval=20, max_weight=max_weight, step_weight=step_weight,
                     check=check, service=Service(startup=10))
    events = report.events()
    start = _event_time(events, "Starting canary analysis")
    promoted = _event_time(events, "Copying")
    assert promoted - start == promotion_time(20, max_weight, step_weight)
    weights = [int(e.split()[-1]) for _, e in events if e.startswith("Advance")]
    assert weights[-1] == min(100, math.ceil(max_weight / step_weight) * step_weight)
    assert weights == [min(100, step_weight * k) for k in range(1, len(weights) + 1)]
    assert len(check.windows) == math.ceil(max_weight / step_weight)
    assert report.outcome == "promoted"


@pytest.mark.parametrize("threshold", [1, 2, 5])
def test_flagger_rolls_back_interval_times_threshold_after_the_first_failure(
        threshold: int) -> None:
    report = flagger(good(), interval=30, threshold=threshold, check=Scripted(False))
    first = min(s.time for s in report.timeline if s.decision == "Fail")
    assert report.decided_at is not None
    assert report.decided_at - first == rollback_time(30, threshold)
    assert report.outcome == "rolled back" and report.time_to_rollback == 0
    assert {e for _, e in report.events()} >= {"Advance canary weight 10", "rolled back"}
    assert not any(e.startswith("Advance canary weight 20") for _, e in report.events())


def test_flagger_holds_the_weight_while_checks_fail() -> None:
    report = flagger(erroring())
    advanced = [e for _, e in report.events() if e.startswith("Advance")]
    assert advanced == ["Advance canary weight 10"]
    assert max(s.weight_new for s in report.timeline) < 0.2


def test_flagger_promotes_by_rolling_the_primary_then_routing_to_it() -> None:
    report = flagger(good())
    assert report.outcome == "promoted" and report.time_to_full == 420
    assert report.extra_pods == 10 + 3
    final = report.timeline[-1]
    assert (final.weight_new, final.pods_old, final.pods_new) == (1.0, 0, 10)


def test_flagger_waits_for_the_canary_and_gives_up_at_the_deadline() -> None:
    report = flagger(broken(), progress_deadline=120)
    assert report.outcome == "rolled back" and report.decided_at == 180
    assert all(s.weight_new == 0.0 for s in report.timeline)


def test_a_baseline_gets_the_canarys_pods_and_traffic() -> None:
    report = flagger(good(), check=JudgeCheck(), canary_replicas=2)
    at = {s.time: s for s in report.timeline}
    shares: dict[str, int] = {}
    for sample in report.samples:
        if sample.time == 150:
            shares[sample.group] = shares.get(sample.group, 0) + sample.requests
    assert at[150].pods_new == 2 and shares["canary"] == pytest.approx(shares["baseline"],
                                                                       rel=0.35)
    assert report.extra_pods >= 4


# --- Argo Rollouts --------------------------------------------------------------------------


def test_argo_follows_its_steps_and_scales_the_canary_to_the_weight() -> None:
    report = argo(good(), check=Scripted(True))
    weights = [int(e.split()[-1]) for _, e in report.events() if e.startswith("setWeight")]
    assert weights == [w for kind, w in ARGO_STEPS if kind == "setWeight"]
    pods = {round(s.weight_new, 1): s.pods_new for s in report.timeline
            if 0 < s.weight_new < 1 and s.ready_new == s.pods_new}
    assert all(pods[w] == math.ceil(w * 10) for w in pods)
    assert report.outcome == "promoted" and report.time_to_full == 390
    assert report.timeline[-1].pods_old == 0


def test_argo_aborts_on_the_first_failure_by_default() -> None:
    report = argo(erroring())
    assert report.outcome == "rolled back" and report.time_to_rollback == 0
    assert next(s.decision for s in report.timeline if s.decision).startswith("rollback")
    tolerant = argo(erroring(), failure_limit=2)
    assert tolerant.decided_at is not None and report.decided_at is not None
    assert tolerant.decided_at > report.decided_at


def test_argo_refuses_unknown_steps() -> None:
    with pytest.raises(TheoryError, match="argo: a step"):
        argo(good(), steps=[("setWeight", 20), ("wait", 10)])
    with pytest.raises(TheoryError, match="setWeight must be a percentage"):
        argo(good(), steps=[("setWeight", 120)])


# --- the comparison -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    return compare()


def test_every_good_release_is_promoted_and_nothing_bad_is(comparison: Comparison) -> None:
    for strategy, release, report in comparison.reports:
        assert (report.outcome == "promoted") == (release == "good"), (strategy, release)


def test_blue_green_pays_a_whole_fleet_and_keeps_full_capacity(
        comparison: Comparison) -> None:
    bg, roll = comparison.report("blue-green", "good"), comparison.report("rolling", "good")
    assert bg.extra_resources == 1.0 and roll.extra_resources == 0.3
    assert bg.least_capacity == 2.0 > roll.least_capacity == 1.6


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_canary_of_an_erroring_build_serves_fewer_bad_requests(seed: int) -> None:
    c = compare(releases=[erroring()], seed=seed)
    roll = c.report("rolling", "erroring").bad_requests
    assert c.report("argo", "erroring").bad_requests < c.report(
        "flagger", "erroring").bad_requests < roll
    assert c.report("flagger", "erroring").budget_consumed < c.report(
        "rolling", "erroring").budget_consumed


def test_routing_back_is_instant_and_undoing_a_rollout_is_not(
        comparison: Comparison) -> None:
    for release in ("erroring", "slow"):
        for strategy in ("blue-green", "flagger", "argo"):
            assert comparison.report(strategy, release).time_to_rollback == 0
        back = comparison.report("rolling", release).time_to_rollback
        assert back is not None and back >= 30


def test_rolling_reaches_everyone_first_and_canaries_last(comparison: Comparison) -> None:
    times = {s: comparison.report(s, "good").time_to_full or 0
             for s in ("rolling", "blue-green", "flagger", "argo")}
    assert min(times.values()) > 0
    assert times["blue-green"] < times["rolling"] < times["argo"] <= times["flagger"]


def test_the_slow_build_is_caught_by_the_p99_and_missed_by_the_mean() -> None:
    for run in (flagger, argo):
        assert run(slow()).outcome == "rolled back"
        assert run(slow(), check=ThresholdCheck(statistic="mean")).outcome == "promoted"


def test_the_judge_plugs_into_every_strategy() -> None:
    c = compare(JudgeCheck(), releases=[erroring()])
    assert {r.outcome for _, _, r in c.reports} == {"rolled back"}
    assert all(isinstance(check, Check) for check in (JudgeCheck(), ThresholdCheck()))


def test_the_table_is_readable(comparison: Comparison) -> None:
    lines = comparison.table().splitlines()
    assert len(lines) == 13 and all(len(line) <= 100 for line in lines)
    with pytest.raises(TheoryError, match="no run"):
        comparison.report("recreate", "good")


@pytest.mark.parametrize(("call", "match"), [
    (lambda: promotion_time(0, 50, 10), "interval"),
    (lambda: promotion_time(60, 0, 10), "max_weight"),
    (lambda: promotion_time(60, 50, 101), "step_weight"),
    (lambda: rollback_time(60, 0), "threshold"),
    (lambda: flagger(good(), interval=15), "multiple of 10"),
    (lambda: flagger(good(), check="p99"), "check"),  # type: ignore[arg-type]
])
def test_bad_arguments_are_refused(call: object, match: str) -> None:
    with pytest.raises(TheoryError, match=match):
        call()  # type: ignore[operator]


def test_a_release_repeats_for_its_seed() -> None:
    assert flagger(erroring(), seed=3).timeline == flagger(erroring(), seed=3).timeline
    assert STEP == 10
