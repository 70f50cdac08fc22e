"""Strategy 7.1.1 (蓝绿部署): a full green fleet, one switch, a bake, an instant way back."""

from __future__ import annotations

import pytest

from msatheory.deployment.analysis import JudgeCheck, ThresholdCheck
from msatheory.deployment.bluegreen import blue_green
from msatheory.deployment.release import (
    STEP,
    Service,
    broken,
    erroring,
    good,
    slow,
)
from msatheory.errors import TheoryError


def test_a_good_release_switches_once_and_retires_blue_after_the_bake() -> None:
    report = blue_green(good(), bake=120)
    assert report.outcome == "promoted"
    assert report.extra_pods == 10 and report.extra_resources == 1.0
    assert report.time_to_full == 30 and report.duration == 30 + 120 + STEP
    assert report.least_capacity == 2.0
    weights = [s.weight_new for s in report.timeline]
    assert weights == [0.0] * 3 + [1.0] * (len(weights) - 3)
    assert report.timeline[-1].pods_old == 0


def test_a_failing_check_switches_back_at_once() -> None:
    report = blue_green(erroring(), check=ThresholdCheck())
    assert report.outcome == "rolled back"
    assert (report.decided_at, report.time_to_rollback) == (90, 0)
    last = report.timeline[-1]
    assert (last.weight_new, last.pods_new, last.pods_old) == (0.0, 0, 10)
    assert report.bad_requests > 6 * 100 * 0.05 * 0.8


def test_the_judge_compares_green_with_blues_last_minute() -> None:
    assert blue_green(slow(), check=JudgeCheck()).outcome == "rolled back"
    assert blue_green(good(), check=JudgeCheck()).outcome == "promoted"


def test_without_a_check_a_bad_release_is_promoted() -> None:
    report = blue_green(erroring())
    assert report.outcome == "promoted"
    assert report.budget_consumed > blue_green(good()).budget_consumed * 10


def test_only_the_p99_check_catches_the_slow_build() -> None:
    assert blue_green(slow(), check=ThresholdCheck()).outcome == "rolled back"
    assert blue_green(slow(), check=ThresholdCheck(statistic="mean")).outcome == "promoted"


def test_a_green_fleet_that_never_becomes_ready_is_abandoned_unseen() -> None:
    report = blue_green(broken(), progress_deadline=120)
    assert report.outcome == "rolled back" and report.decided_at == 130
    assert all(s.weight_new == 0.0 for s in report.timeline)
    assert report.timeline[-1].pods_new == 0


def test_capacity_never_drops_even_for_one_replica() -> None:
    report = blue_green(good(), service=Service(replicas=1, pod_capacity=200.0))
    assert report.least_capacity == 2.0 and report.extra_pods == 1


@pytest.mark.parametrize(("kwargs", "what"), [({"bake": -1}, "bake"),
                                             ({"interval": 0}, "interval"),
                                             ({"check": 3}, "check")])
def test_bad_arguments_are_refused(kwargs: dict[str, object], what: str) -> None:
    with pytest.raises(TheoryError, match=f"blue_green: {what}"):
        blue_green(good(), **kwargs)  # type: ignore[arg-type]
