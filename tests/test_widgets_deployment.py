"""Chapter 7's explorer (msatheory.interactive.deployment) and its drawing
(msatheory.interactive.figures.deployment), operated without a browser: every number
and mark it shows is the release model's own."""

from __future__ import annotations

import html

import numpy as np
import pytest
from matplotlib.lines import Line2D

from msatheory.deployment.analysis import Check, JudgeCheck, ThresholdCheck
from msatheory.deployment.bluegreen import blue_green
from msatheory.deployment.canary import argo, flagger
from msatheory.deployment.release import STEP, ReleaseReport, broken, erroring, good, slow
from msatheory.deployment.rolling import rolling
from msatheory.errors import TheoryError
from msatheory.interactive.deployment import (
    BAKES,
    CHECKS,
    HORIZON,
    RELEASES,
    STEP_WEIGHTS,
    STRATEGIES,
    DeploymentExplorer,
)
from msatheory.interactive.figures.deployment import (
    BAD,
    CAPACITY,
    FAIL,
    INK,
    NEW,
    OLD,
    PASS,
    ReleaseDrawing,
    ReleaseView,
)
from tests.widget_helpers import contrast, png_size

BUILDS = {"good": good, "erroring": erroring, "slow": slow, "broken": broken}
WATCHES: dict[str, Check] = {"p99": ThresholdCheck(), "mean": ThresholdCheck(statistic="mean"),
                             "judge": JudgeCheck()}


def model(strategy: str, release: str, check: str, *, bake: int = 300,
          step_weight: int = 10, seed: int = 0) -> ReleaseReport:
    """The release computed here from msatheory.deployment alone."""
    new, watch = BUILDS[release](), WATCHES[check]
    if strategy == "rolling":
        return rolling(new, check=watch, bake=bake, horizon=1200, seed=seed)
    if strategy == "blue-green":
        return blue_green(new, check=watch, bake=bake, horizon=1200, seed=seed)
    if strategy == "flagger":
        return flagger(new, check=watch, step_weight=step_weight, horizon=1200, seed=seed)
    return argo(new, check=watch, horizon=1200, seed=seed)


def xdata(line: Line2D) -> list[float]:
    return [float(x) for x in np.asarray(line.get_xdata())]


def ydata(line: Line2D) -> list[float]:
    return [float(y) for y in np.asarray(line.get_ydata())]


def shown(explorer: DeploymentExplorer) -> str:
    return html.unescape(explorer.report.value)


def assert_reports(explorer: DeploymentExplorer, expected: ReleaseReport) -> None:
    """The explorer's report says the model's measures, decisions and events."""
    text = shown(explorer)
    for line in expected.describe().splitlines():
        assert line.strip() in text
    for step in expected.timeline:
        if step.decision:
            assert f"{step.time} s {step.decision}" in text
    for time, event in expected.events():
        assert f"{time} s: {event}" in text


@pytest.fixture(scope="module")
def explorer() -> DeploymentExplorer:
    return DeploymentExplorer()


def test_defaults_show_flaggers_canary_of_an_erroring_build(explorer):
    explorer.set(strategy="flagger", release="erroring", check="p99", bake=300,
                 step_weight=10, seed=0)
    assert repr(explorer) == ("DeploymentExplorer(strategy='flagger', release='erroring', "
                              "check='p99', bake=300, step_weight=10, seed=0)")
    expected = model("flagger", "erroring", "p99")
    assert explorer.result() == expected
    assert explorer.view() == ReleaseView(expected, "success ≥ 99%, p99 ≤ 500 ms")
    assert expected.outcome == "rolled back"
    assert_reports(explorer, expected)
    assert png_size(explorer.image.value) == explorer.canvas.size
    width, height = explorer.canvas.size
    # beside the 340-pixel controls in JupyterLab's 934-pixel output area on a 1366x768
    # screen (tests/browser/test_widgets.py measures it), and within 700 pixels of height
    assert 340 + 12 + width <= 934 and height <= 700


def test_describe_is_the_reports_own_with_the_decisions(explorer):
    explorer.set(strategy="argo", release="slow", check="judge", seed=2)
    expected = model("argo", "slow", "judge", seed=2)
    decisions = ", ".join(f"{s.time} s {s.decision}" for s in expected.timeline
                          if s.decision)
    assert explorer.describe() == f"{expected.describe()}\n  decisions: {decisions}"


def test_constructor_keywords_set_the_initial_controls():
    built = DeploymentExplorer("rolling", release="slow", check="mean", bake=120,
                               step_weight=20, seed=7)
    assert repr(built) == ("DeploymentExplorer(strategy='rolling', release='slow', "
                           "check='mean', bake=120, step_weight=20, seed=7)")
    assert built.result() == model("rolling", "slow", "mean", bake=120, seed=7)
    assert built.step_weight.disabled and not built.bake.disabled
    with pytest.raises(TheoryError, match="strategy"):
        DeploymentExplorer("canary")


@pytest.mark.parametrize("strategy", list(STRATEGIES))
@pytest.mark.parametrize("release", list(RELEASES))
def test_every_strategy_and_release_reports_the_models_numbers(explorer, strategy, release):
    explorer.set(strategy=strategy, release=release, check="p99", bake=300, step_weight=10,
                 seed=0)
    expected = model(strategy, release, "p99")
    assert explorer.result() == expected
    assert_reports(explorer, expected)


def test_the_horizon_only_shortens_releases_that_are_stuck():
    """The explorer stops a release after HORIZON seconds, not the models' hour: every
    release that ends otherwise ends the same (seed 0, the longest bake)."""
    assert HORIZON == 1200
    for strategy in STRATEGIES:
        for release in RELEASES:
            for check in CHECKS:
                cut = model(strategy, release, check, bake=600)
                new = BUILDS[release]()
                hour = (rolling(new, check=WATCHES[check], bake=600) if strategy == "rolling"
                        else blue_green(new, check=WATCHES[check], bake=600)
                        if strategy == "blue-green"
                        else flagger(new, check=WATCHES[check]) if strategy == "flagger"
                        else argo(new, check=WATCHES[check]))
                assert (cut == hour) is (hour.outcome != "stuck" or
                                         hour.duration <= HORIZON), (strategy, release, check)
                if hour.outcome == "stuck":
                    assert cut.outcome == "stuck"


@pytest.mark.parametrize("check", list(CHECKS))
def test_every_check_reports_the_models_numbers(explorer, check):
    explorer.set(strategy="blue-green", release="slow", check=check, bake=300, seed=0)
    expected = model("blue-green", "slow", check)
    assert explorer.result() == expected
    assert_reports(explorer, expected)


def test_the_mean_promotes_the_slow_build_the_p99_rolls_back(explorer):
    outcomes = {}
    for check in ("p99", "mean"):
        explorer.set(strategy="flagger", release="slow", check=check, seed=0)
        outcomes[check] = explorer.result().outcome
    assert outcomes == {"p99": "rolled back", "mean": "promoted"}


def test_bake_moves_rolling_and_blue_green_only(explorer):
    explorer.set(strategy="rolling", release="good", check="p99", bake=0, seed=0)
    assert explorer.result() == model("rolling", "good", "p99", bake=0)
    explorer.set(bake=600)
    assert explorer.result() == model("rolling", "good", "p99", bake=600)
    assert explorer.result().duration > model("rolling", "good", "p99", bake=0).duration
    explorer.set(strategy="blue-green", bake=120)
    assert explorer.result() == model("blue-green", "good", "p99", bake=120)
    explorer.set(strategy="argo", bake=300)
    before = explorer.image.value, explorer.report.value
    explorer.set(bake=600)
    assert explorer.bake.disabled
    assert (explorer.image.value, explorer.report.value) == before  # argo has no bake
    assert explorer.result() == model("argo", "good", "p99")


def test_step_weight_moves_flagger_only(explorer):
    explorer.set(strategy="flagger", release="good", check="p99", step_weight=25, seed=0)
    assert not explorer.step_weight.disabled
    expected = model("flagger", "good", "p99", step_weight=25)
    assert explorer.result() == expected
    assert expected.duration < model("flagger", "good", "p99").duration
    explorer.set(strategy="rolling")
    assert explorer.step_weight.disabled
    before = explorer.image.value, explorer.report.value
    explorer.set(step_weight=50)
    assert (explorer.image.value, explorer.report.value) == before


def test_seed_changes_the_traffic(explorer):
    explorer.set(strategy="flagger", release="good", check="judge", step_weight=10, seed=0)
    first = explorer.result()
    explorer.set(seed=1)
    assert explorer.result() == model("flagger", "good", "judge", seed=1)
    assert explorer.result().bad_requests != first.bad_requests


@pytest.mark.parametrize(("values", "match"), [
    ({"colour": "red"}, "has no control 'colour'"),
    ({"strategy": "canary"}, "strategy"),
    ({"release": "fast"}, "release"),
    ({"check": "p95"}, "check"),
    ({"bake": 30}, "bake must be one of 0, 60"),
    ({"bake": True}, "bake"),
    ({"step_weight": 15}, "step_weight must be one of 5, 10, 20, 25, 50"),
    ({"step_weight": "10"}, "step_weight"),
    ({"seed": -1}, "seed"),
    ({"seed": 10**7}, "seed"),
    ({"seed": 1.5}, "seed"),
    ({"release": "slow", "seed": -1}, "seed"),
])
def test_bad_values_are_refused_and_nothing_moves(explorer, values, match):
    explorer.set(strategy="rolling", release="good", check="mean", bake=60, step_weight=5,
                 seed=3)
    before = (repr(explorer), explorer.image.value, explorer.report.value)
    with pytest.raises(TheoryError, match=match):
        explorer.set(**values)
    assert (repr(explorer), explorer.image.value, explorer.report.value) == before


def test_the_controls_ranges_match_what_set_accepts(explorer):
    assert explorer.CONTROLS == ("strategy", "release", "check", "bake", "step_weight",
                                 "seed")
    assert list(explorer.bake.options) == list(BAKES)
    assert list(explorer.step_weight.options) == list(STEP_WEIGHTS)
    assert [value for _, value in explorer.strategy.options] == list(STRATEGIES)
    assert [value for _, value in explorer.check.options] == list(CHECKS)
    assert list(explorer.release.options) == list(RELEASES)


def test_moving_a_widget_redraws_as_set_does(explorer):
    explorer.set(strategy="flagger", release="good", check="p99", bake=300, step_weight=10,
                 seed=0)
    explorer.release.value = "broken"
    assert explorer.result() == model("flagger", "broken", "p99")
    assert_reports(explorer, model("flagger", "broken", "p99"))
    explorer.strategy.value = "blue-green"  # enables the bake, disables the step weight
    assert not explorer.bake.disabled and explorer.step_weight.disabled
    assert explorer.result() == model("blue-green", "broken", "p99")
    explorer.seed.value = 4
    assert explorer.result() == model("blue-green", "broken", "p99", seed=4)


def test_a_picture_is_the_same_however_it_was_reached(explorer):
    """The time axis is redrawn every frame over a cached background: the picture of a
    state reached through releases of other lengths equals a fresh explorer's."""
    for strategy, release in (("argo", "broken"), ("rolling", "good"), ("flagger", "slow"),
                              ("blue-green", "erroring")):
        explorer.set(strategy=strategy, release=release, check="judge", bake=300,
                     step_weight=10, seed=0)
    fresh = DeploymentExplorer("blue-green", release="erroring", check="judge")
    assert explorer.image.value == fresh.image.value
    assert explorer.report.value == fresh.report.value


def test_runs_are_deterministic_and_cached(explorer):
    explorer.set(strategy="argo", release="erroring", check="p99", seed=5)
    first = explorer.result()
    assert explorer.result() is first  # cached by its controls
    other = DeploymentExplorer("argo", release="erroring", seed=5)
    assert other.result() == first
    assert other.image.value == explorer.image.value


# -- the drawing --------------------------------------------------------------------------

def test_the_drawing_draws_the_timeline_of_the_report():
    report = model("flagger", "erroring", "judge")
    drawing = ReleaseDrawing()
    drawing.show(ReleaseView(report, "Kayenta"))
    timeline = report.timeline
    assert xdata(drawing.weight) == [s.time for s in timeline] + [timeline[-1].time + STEP]
    assert ydata(drawing.weight)[:-1] == [100 * s.weight_new for s in timeline]
    for key in ("old", "new"):
        assert ydata(drawing.pods[key])[:-1] == [getattr(s, f"pods_{key}")
                                                             for s in timeline]
        assert ydata(drawing.pods[f"ready_{key}"])[:-1] == [
            getattr(s, f"ready_{key}") for s in timeline]
    assert ydata(drawing.capacity)[:-1] == [s.capacity for s in timeline]
    bars = np.asarray(drawing.bad.get_path().vertices).reshape(-1, 5, 2)
    heights = [float(y) for y in bars[:, 2, 1]]
    assert [float(x) for x in bars[:, 0, 0]] == [s.time + 1 for s in timeline if s.bad]
    assert heights == [s.bad for s in timeline if s.bad]
    passed = [s.time for s in timeline if s.decision in ("Pass", "Marginal")]
    failed = [s.time for s in timeline if s.decision == "Fail"]
    assert xdata(drawing.passes) == passed
    assert xdata(drawing.fails) == failed
    assert failed and len(xdata(drawing.rollbacks)) == 1
    assert all(xdata(line)[0] == report.decided_at for line in drawing.decided)
    assert drawing.outcome.get_text() == f"rolled back after {report.duration} s"
    ended = next(t for t, e in report.events() if e == "rolled back")
    assert all(line.get_visible() and xdata(line)[0] == ended for line in drawing.ended)
    assert drawing.title.get_text() == "flagger: v1 → v2-erroring, checked by Kayenta"


def test_the_drawing_marks_no_rollback_in_a_promoted_release():
    report = model("blue-green", "good", "p99")
    drawing = ReleaseDrawing()
    drawing.show(ReleaseView(report, "p99"))
    assert report.outcome == "promoted" and report.decided_at is None
    assert not any(line.get_visible() for line in drawing.decided)
    assert [line.get_color() for line in drawing.ended] == [PASS] * 4
    assert len(xdata(drawing.fails)) == 0
    assert len(xdata(drawing.passes)) == sum(1 for s in report.timeline
                                                  if s.decision == "Pass")


@pytest.mark.parametrize("release", ["erroring", "broken"])
def test_the_drawing_marks_the_end_of_a_blue_green_switch_back(release):
    # switched back after a failed check, or green abandoned at the progress deadline:
    # no event names the outcome, and the release still ends in its last step
    report = model("blue-green", release, "p99")
    drawing = ReleaseDrawing()
    drawing.show(ReleaseView(report, "p99"))
    assert report.outcome == "rolled back"
    end = report.timeline[-1].time
    assert all(line.get_visible() and xdata(line)[0] == end for line in drawing.ended)
    assert [line.get_color() for line in drawing.ended] == [FAIL] * 4


def test_the_drawing_marks_no_end_of_a_stuck_release():
    report = model("rolling", "broken", "p99")
    drawing = ReleaseDrawing()
    drawing.show(ReleaseView(report, "p99"))
    assert report.outcome == "stuck"
    assert not any(line.get_visible() for line in drawing.ended)


def test_the_time_axis_is_labelled_in_minutes_up_to_the_span():
    drawing = ReleaseDrawing()
    drawing.show(ReleaseView(model("argo", "broken", "p99"), "p99"))  # stuck for 20 min
    assert drawing.axes[0].get_xlim() == (0, 1260)
    labels = [t.get_text() for t in drawing.ticks if t.get_visible()]
    assert labels == ["0", "5", "10", "15", "20"]
    assert drawing.show(ReleaseView(model("rolling", "good", "p99", bake=0), "p99")) is False
    assert drawing.axes[0].get_xlim() == (0, 120)
    assert [t.get_text() for t in drawing.ticks if t.get_visible()] == ["0", "1", "2"]


def test_the_drawing_refuses_what_is_not_a_view():
    with pytest.raises(TheoryError, match="ReleaseDrawing"):
        ReleaseDrawing().show(model("argo", "good", "p99"))  # type: ignore[arg-type]


def test_colours_read_at_wcag_aa_against_white():
    for colour in (NEW, OLD, PASS, FAIL, CAPACITY, BAD, INK):
        assert contrast(colour, "#ffffff") >= 4.5, colour
