"""Lesson 7a's figures (msatheory.interactive.figures.deployment): every mark is the
release model's."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from msatheory.deployment.analysis import ThresholdCheck
from msatheory.deployment.canary import Comparison, compare, flagger
from msatheory.deployment.release import STEP, broken, erroring, good, slow
from msatheory.errors import TheoryError
from msatheory.interactive.figures.deployment import (
    SPANS,
    release_timeline,
    span_for,
    strategy_comparison,
)
from msatheory.interactive.figures.png import figure_png
from tests.widget_helpers import png_size


def bars(ax: Axes) -> list[Rectangle]:
    return [patch for patch in ax.patches if isinstance(patch, Rectangle)]


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    return compare(releases=(good(), erroring(), slow(), broken()))


def test_span_for_takes_the_shortest_span_that_holds_the_release():
    assert span_for(10) == SPANS[0]
    assert span_for(SPANS[3]) == SPANS[3]
    assert span_for(SPANS[3] + STEP) == SPANS[4]
    assert span_for(SPANS[-1] + 1) == SPANS[-1] + 60


def test_release_timeline_draws_one_release_in_four_panels():
    report = flagger(slow(), check=ThresholdCheck(statistic="mean"))
    fig = release_timeline(report, "mean ≤ 500 ms")
    assert isinstance(fig, Figure)
    traffic, pods, capacity, bad = fig.axes
    (weight,) = [line for line in traffic.lines if line.get_drawstyle() == "steps-post"]
    weights = [float(y) for y in np.asarray(weight.get_ydata())]
    assert weights[:-1] == [100 * s.weight_new for s in report.timeline]
    assert traffic.get_xlim() == (0, span_for(report.duration))
    assert pods.get_ylim() == (0, 3 * report.service.replicas + 1)
    assert bad.get_ylim() == (0, report.service.rps * STEP)
    assert capacity.get_ylim()[1] >= max(s.capacity for s in report.timeline)
    texts = [t.get_text() for t in fig.texts + traffic.texts]
    assert "flagger: v1 → v2-slow, checked by mean ≤ 500 ms" in texts
    assert f"{report.outcome} after {report.duration} s" in texts
    assert png_size(figure_png(fig)) == (570, 560)


def test_release_timeline_refuses_what_is_not_a_report():
    with pytest.raises(TheoryError, match="release_timeline: report"):
        release_timeline("flagger")  # type: ignore[arg-type]
    with pytest.raises(TheoryError, match="release_timeline: check"):
        release_timeline(flagger(good()), "")


def test_strategy_comparison_draws_each_measure_of_each_run(comparison):
    fig = strategy_comparison(comparison)
    bad, extra, time = fig.axes
    runs = {(s, r): report for s, r, report in comparison.reports}
    for ax, measure in ((bad, "bad_requests"), (extra, "extra_pods")):
        heights = {bar.get_gid(): bar.get_height() for bar in bars(ax)}
        assert heights == {f"{s} {r}": getattr(report, measure)
                           for (s, r), report in runs.items()}
    times = {bar.get_gid(): (bar.get_height(), bar.get_hatch()) for bar in bars(time)}
    for (s, r), report in runs.items():
        height, hatch = times[f"{s} {r}"]
        if report.outcome == "promoted":
            assert (height, hatch) == (report.time_to_full, None)
        elif report.outcome == "rolled back":
            assert (height, hatch) == (report.decided_at + report.time_to_rollback, "///")
        else:
            assert (height, hatch) == (report.duration, "xxx")
    assert [t.get_text() for t in time.get_xticklabels()] == ["good", "erroring", "slow",
                                                               "broken"]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["rolling", "blue-green", "flagger", "argo", "rolled back", "stuck"]


def test_strategy_comparison_refuses_an_empty_or_foreign_table():
    with pytest.raises(TheoryError, match="no run"):
        strategy_comparison(Comparison(()))
    with pytest.raises(TheoryError, match="strategy_comparison: comparison"):
        strategy_comparison([])  # type: ignore[arg-type]
