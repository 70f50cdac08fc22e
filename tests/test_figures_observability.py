"""Lesson 7b's figures (msatheory.interactive.figures.observability): every mark is the
model's."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from matplotlib.collections import Collection
from matplotlib.colors import to_hex
from matplotlib.lines import Line2D

from msatheory.deployment.alerting import (
    alerts,
    multiwindow_rule,
    threshold_rule,
    window_means,
)
from msatheory.deployment.incidents import incidents
from msatheory.deployment.logs import collect_logs, time_join
from msatheory.deployment.metrics import LatencyMix, serve
from msatheory.deployment.prometheus import Histogram, quantile_error
from msatheory.deployment.slo import SLO
from msatheory.deployment.tracing import critical_path, export_traces, span_tree
from msatheory.deployment.workload import checkout, run_requests
from msatheory.errors import TheoryError
from msatheory.interactive.figures.observability import (
    CALLER,
    CRITICAL,
    ESTIMATE,
    EXACT,
    RATIO,
    RULE_COLOURS,
    WORK,
    draw_burn_alerts,
    draw_quantile_estimate,
    draw_time_join,
    draw_trace,
)
from msatheory.interactive.figures.png import figure_png
from tests.widget_helpers import contrast

SLO_999 = SLO(Fraction(999, 1000))


def _x(line: Line2D) -> list[float]:
    return np.asarray(line.get_xdata(), dtype=float).tolist()


def _y(line: Line2D) -> list[float]:
    return np.asarray(line.get_ydata(), dtype=float).tolist()


def _hex(artist: Collection) -> str:
    return to_hex(np.asarray(artist.get_facecolor())[0])
DURATIONS = [r.duration for r in serve(20, 120, LatencyMix(slow_share=0.03), seed=1)
             if not r.rejected]


def test_quantile_estimate_marks_the_exact_quantile_and_the_models_estimate():
    found = quantile_error(0.99, DURATIONS)
    whole, inside = draw_quantile_estimate(DURATIONS).axes
    histogram = Histogram("h")
    for value in DURATIONS:
        histogram.observe(value)
    _, dots, level, exact, estimate = whole.lines
    assert _x(dots) == [le for le, _ in histogram.buckets][:-1]
    assert _y(dots) == [c / len(DURATIONS) for _, c in histogram.buckets][:-1]
    assert _y(level) == [0.99, 0.99]
    assert _x(exact) == [found.exact] * 2
    assert _x(estimate) == [found.estimate] * 2
    assert to_hex(estimate.get_color()) == ESTIMATE
    assumed = inside.lines[0]
    assert _x(assumed) == [found.lower, found.upper]
    assert inside.get_xlim() == (found.lower, found.upper)
    assert inside.get_title(loc="left").startswith(
        f"q = 0.99: exact {found.exact:.3g} s, estimate {found.estimate:.3g} s")
    assert figure_png(draw_quantile_estimate(DURATIONS)) == figure_png(
        draw_quantile_estimate(DURATIONS))


def test_quantile_estimate_in_the_inf_bucket_and_bad_values():
    found = quantile_error(0.99, [0.1] * 50 + [20.0] * 50)
    assert found.upper == float("inf")
    _, inside = draw_quantile_estimate([0.1] * 50 + [20.0] * 50).axes
    assert inside.get_xlim() == (found.lower, 20.0)
    with pytest.raises(TheoryError):
        draw_quantile_estimate([])
    with pytest.raises(TheoryError):
        draw_quantile_estimate([-1.0, 2.0])


def test_burn_alerts_draw_each_window_and_each_rules_alerts():
    scenario = incidents(3, count=2, margin=240)[1]
    rules = [threshold_rule(SLO_999, 60, burn=14.4), multiwindow_rule(SLO_999, 60, 14.4)]
    top, bottom = draw_burn_alerts(scenario.ratios, rules, SLO_999, span=(240, 361)).axes
    _, five, hour, threshold = top.lines
    assert np.allclose(five.get_ydata(), window_means(scenario.ratios, 5))
    assert np.allclose(hour.get_ydata(), window_means(scenario.ratios, 60))
    assert [five.get_label(), hour.get_label()] == ["mean over 5 min", "mean over 60 min"]
    assert _y(threshold) == [float(rules[0].windows[0].threshold)] * 2
    assert top.texts[0].get_text() == "burn 14.4"
    n = len(scenario.ratios)
    bars = [collection for collection in bottom.collections
            if collection.get_paths() and _hex(collection)
            in RULE_COLOURS]
    for row, (rule, collection) in enumerate(zip(rules, bars, strict=True)):
        expected = [x for a in alerts(rule, scenario.ratios)
                    for x in (a.start, (a.end or n) - a.start)]
        boxes = [p.get_extents() for p in collection.get_paths()]
        assert [x for b in boxes for x in (b.x0, b.width)] == pytest.approx(expected)
        assert all(b.y0 == pytest.approx(row - 0.35) for b in boxes)
    assert [t.get_text() for t in bottom.get_yticklabels()] == ["1h@14.4", "1h/5m@14.4"]
    with pytest.raises(TheoryError, match="at least one AlertRule"):
        draw_burn_alerts(scenario.ratios, [], SLO_999)
    with pytest.raises(TheoryError, match="not an AlertRule"):
        draw_burn_alerts(scenario.ratios, ["1h"], SLO_999)  # type: ignore[list-item]
    with pytest.raises(TheoryError, match="slo"):
        draw_burn_alerts(scenario.ratios, rules, 0.999)  # type: ignore[arg-type]
    with pytest.raises(TheoryError):
        draw_burn_alerts([0.1, 2.0], rules, SLO_999)


def test_trace_draws_every_span_and_the_critical_path():
    tree = span_tree(export_traces(run_requests(checkout(), 1, seed=1)).spans)
    (ax,) = draw_trace(tree).axes
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == tree.number_of_nodes()
    assert labels[0] == "gateway: POST /checkout"
    assert sorted(labels) == sorted(f"{d['service']}: {d['name']}"
                                    for _, d in tree.nodes(data=True))
    sections = critical_path(tree)
    red = [c for c in ax.collections if _hex(c) == CRITICAL]
    drawn = [c.get_paths()[0].get_extents() for c in red]
    assert [x for b in drawn for x in (b.x0, b.width)] == pytest.approx(
        [x for s in sections for x in (s.start / 1000, (s.end - s.start) / 1000)])
    length = sum(s.end - s.start for s in sections) / 1000
    assert ax.get_title(loc="left").endswith(f"critical path {length:.1f} ms")
    colours = {_hex(c) for c in ax.collections} - {CRITICAL}
    assert colours == {WORK, CALLER}
    with pytest.raises(TheoryError):
        draw_trace("not a tree")  # type: ignore[arg-type]


def test_time_join_draws_measured_candidates_beside_the_closed_form():
    rates = (5, 50)
    joins = [time_join(collect_logs(checkout(), 60, rate=r, seed=0)) for r in rates]
    left, right = draw_time_join(rates, joins).axes
    measured, closed = left.lines
    assert _y(measured) == [j.mean_candidates for j in joins]
    assert _y(closed) == [j.expected for j in joins]
    assert _y(right.lines[0]) == [j.unique_share for j in joins]
    assert left.get_xscale() == "log"
    with pytest.raises(TheoryError, match="one TimeJoin per rate"):
        draw_time_join([5], joins)
    with pytest.raises(TheoryError, match="not a TimeJoin"):
        draw_time_join([5], [1.0])  # type: ignore[list-item]
    with pytest.raises(TheoryError, match="rate"):
        draw_time_join([0, 5], joins)


def test_every_text_colour_reads_at_aa_contrast_on_white():
    for colour in (EXACT, ESTIMATE, CRITICAL, RATIO, WORK, *RULE_COLOURS):
        assert contrast(colour, "#ffffff") >= 4.5, colour
