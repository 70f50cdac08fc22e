"""Strategy 7.1.3 (滚动部署): the Deployment controller and its rollouts.

The controller's invariants are checked by hypothesis after every single action of every
simulated rollout, undo included: never more than ``max_pods`` pods, never fewer than
``min_available`` available ones (the rollout starts fully available), and progress until
the rollout completes or, for a build that never becomes ready, stalls.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory.deployment.analysis import CheckResult, ThresholdCheck
from msatheory.deployment.release import (
    STEP,
    Service,
    Version,
    Window,
    World,
    broken,
    erroring,
    good,
    slow,
)
from msatheory.deployment.rolling import Deployment, rolling, rollout_bounds
from msatheory.errors import TheoryError

# --- the controller -------------------------------------------------------------------------


def _deployment(replicas: int, new: Version, surge: int | str = "25%",
                unavailable: int | str = "25%", startup: int = 30) -> Deployment:
    world = World(Service(replicas=replicas, startup=startup, pod_capacity=100.0),
                  good("v1"), new, seed=0, group="svc")
    return Deployment(world, "svc", max_surge=surge, max_unavailable=unavailable)


def test_the_kubernetes_example_of_a_crashlooping_rollout_and_its_undo() -> None:
    d = _deployment(10, broken(), surge=3, unavailable=2)
    d.apply(d.world.new)
    assert d.reconcile() == ("scaled up v2-broken to 3", "scaled down v1 to 8",
                             "scaled up v2-broken to 5")
    for _ in range(6):
        d.world.serve({"svc": 1.0})
        assert d.reconcile() == ()
    d.apply(d.world.old)
    assert d.reconcile() == ("scaled down v2-broken to 0", "scaled up v1 to 10")
    assert (d.world.count("svc"), d.world.count("svc", ready=True)) == (10, 8)
    for _ in range(3):
        d.world.serve({"svc": 1.0})
        d.reconcile()
    assert d.complete()


def test_a_stalled_rollout_times_out_after_its_deadline() -> None:
    d = _deployment(4, broken())
    d.progress_deadline = 60
    d.apply(d.world.new)
    while not d.timed_out():
        d.reconcile()
        d.world.serve({"svc": 1.0})
    assert d.world.now == 70 and not d.complete()


@st.composite
def rollouts(draw: st.DrawFn) -> tuple[int, int | str, int | str, int, bool, int | None]:
    replicas = draw(st.integers(1, 12))
    surge: int | str = draw(st.one_of(st.integers(0, 4), st.sampled_from(
        ["0%", "10%", "25%", "50%", "100%"])))
    unavailable: int | str = draw(st.one_of(st.integers(0, 4), st.sampled_from(
        ["0%", "10%", "25%", "50%", "100%"])))
    if surge in (0, "0%") and unavailable in (0, "0%"):
        unavailable = 1
    startup = draw(st.sampled_from([0, 10, 30, 60]))
    ready = draw(st.booleans())
    undo_at = draw(st.one_of(st.none(), st.integers(0, 12).map(lambda k: k * STEP)))
    return replicas, surge, unavailable, startup, ready, undo_at


@settings(max_examples=120)
@given(rollouts())
def test_every_action_keeps_the_bounds_and_the_rollout_progresses(
        case: tuple[int, int | str, int | str, int, bool, int | None]) -> None:
    replicas, surge, unavailable, startup, ready, undo_at = case
    new = good("v2") if ready else broken()
    d = _deployment(replicas, new, surge, unavailable, startup)
    world = d.world
    max_pods, min_available = rollout_bounds(replicas, surge, unavailable)
    d.apply(new)
    undone = False
    for _ in range(60):
        if undo_at is not None and world.now >= undo_at and not undone:
            d.apply(world.old)
            undone = True
        actions = 0
        while d.sync() is not None:
            actions += 1
            assert world.count("svc") <= max_pods
            assert world.count("svc", ready=True) >= min_available
            assert actions <= 4 * replicas
        d.reconcile()
        if d.complete():
            break
        world.serve({"svc": 1.0})
    target = d.target.name
    if ready or undone:
        assert d.complete(), (target, world.count("svc"), world.count("svc", ready=True))
        assert world.count("svc", version=target, ready=True) == replicas
    else:
        assert world.count("svc", version="v2-broken") == min(
            replicas, max_pods - min_available)
        assert world.count("svc", ready=True) == min_available


@settings(max_examples=40)
@given(st.integers(1, 12), st.sampled_from(["0%", "25%", "50%", 1, 2]),
       st.sampled_from(["25%", "50%", 1, 2]), st.sampled_from([10, 30, 60]))
def test_a_good_rollout_takes_bounded_time_and_stays_within_the_bounds(
        replicas: int, surge: int | str, unavailable: int | str, startup: int) -> None:
    service = Service(replicas=replicas, startup=startup, pod_capacity=100.0)
    report = rolling(good(), service=service, max_surge=surge, max_unavailable=unavailable)
    max_pods, min_available = rollout_bounds(replicas, surge, unavailable)
    assert report.outcome == "promoted"
    assert report.extra_pods == max_pods - replicas or report.extra_pods < max_pods - replicas
    for step in report.timeline:
        assert step.pods_old + step.pods_new <= max_pods
        assert step.ready_old + step.ready_new >= min_available
    waves = math.ceil(replicas / max(1, max_pods - min_available))
    assert report.time_to_full is not None
    assert report.time_to_full <= (waves + 1) * math.ceil(startup / STEP) * STEP


# --- releases -------------------------------------------------------------------------------


def test_the_default_rollout_of_ten_replicas() -> None:
    report = rolling(good())
    assert (report.outcome, report.time_to_full, report.extra_pods) == ("promoted", 60, 3)
    assert report.least_capacity == pytest.approx(8 * 20.0 / 100.0)
    assert report.events()[0] == (0, "template set to v2")


def test_a_broken_build_stalls_at_the_progress_deadline_or_is_undone() -> None:
    stuck = rolling(broken())
    assert stuck.outcome == "stuck"
    assert ("ProgressDeadlineExceeded" in {e for _, e in stuck.events()})
    assert stuck.timeline[-1].pods_new == 5 and stuck.timeline[-1].ready_new == 0
    assert all(step.weight_new == 0.0 for step in stuck.timeline)
    undone = rolling(broken(), undo_on_deadline=True)
    assert undone.outcome == "rolled back" and undone.timeline[-1].pods_new == 0
    assert undone.decided_at == 610


def test_an_unwatched_rolling_update_ships_an_erroring_build() -> None:
    report = rolling(erroring())
    watched = rolling(erroring(), check=ThresholdCheck(), bake=300)
    assert report.outcome == "promoted" and watched.outcome == "rolled back"
    assert watched.time_to_rollback is not None and watched.time_to_rollback > 0
    assert watched.timeline[-1].weight_new == 0.0


def test_only_a_p99_check_catches_the_slow_build() -> None:
    p99 = rolling(slow(), check=ThresholdCheck(), bake=300)
    mean = rolling(slow(), check=ThresholdCheck(statistic="mean"), bake=300)
    assert (p99.outcome, mean.outcome) == ("rolled back", "promoted")
    assert p99.bad_requests < mean.bad_requests


def test_a_single_replica_without_surge_goes_down() -> None:
    service = Service(replicas=1, pod_capacity=200.0)
    down = rolling(good(), service=service, max_surge=0, max_unavailable=1)
    up = rolling(good(), service=service)
    assert down.least_capacity == 0.0 and down.bad_requests > 500
    assert up.least_capacity == 2.0 and up.extra_pods == 1


def test_a_check_sees_new_pods_against_old_ones() -> None:
    seen: list[tuple[int, int]] = []

    class Spy:
        name, needs_baseline = "spy", False

        def __call__(self, window: Window) -> CheckResult:
            seen.append((len(window.new), len(window.control)))
            return CheckResult(True, "Pass", "")

    report = rolling(good(), check=Spy(), bake=120)
    assert report.outcome == "promoted" and len(seen) == 2
    assert all(new > 0 and control > 0 for new, control in seen)


def test_rolling_refuses_bad_arguments() -> None:
    with pytest.raises(TheoryError, match="rolling: interval"):
        rolling(good(), interval=5)
    with pytest.raises(TheoryError, match="rolling: check"):
        rolling(good(), check="p99")  # type: ignore[arg-type]
    with pytest.raises(TheoryError, match="may not be 0"):
        rolling(good(), max_surge=0, max_unavailable=0)


def test_rolling_re_exports_the_bounds_it_rolls_within() -> None:
    from msatheory.deployment import bounds

    assert rollout_bounds is bounds.rollout_bounds
