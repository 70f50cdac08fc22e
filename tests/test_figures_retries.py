"""Lesson 5b's figures (msatheory.interactive.figures.retries): every mark is the model's."""

from __future__ import annotations

import pytest
from matplotlib.collections import LineCollection
from matplotlib.colors import to_hex

from msatheory.communication.backoff import ALGORITHMS, contention_table
from msatheory.communication.cascade import SCENARIO, Scenario, compare
from msatheory.communication.reliability import STRATEGIES, budget_table, outage_table
from msatheory.errors import TheoryError
from msatheory.interactive.figures.png import figure_png
from msatheory.interactive.figures.retries import (
    ALGORITHM_COLOURS,
    STATE_COLOURS,
    STRATEGY_COLOURS,
    draw_budgets,
    draw_contention,
    draw_occupancy,
    draw_outage_delivery,
    draw_state_graphs,
)
from tests.widget_helpers import contrast


@pytest.fixture(scope="module")
def outages():
    return outage_table(bases=(10.0, 0.1, 1.0), requests=200, seed=2)


def test_outage_delivery_marks_each_measurement_on_the_exact_line(outages):
    (ax,) = draw_outage_delivery(outages).axes
    exact, measured, promised, outage = ax.lines
    by_span = sorted(outages, key=lambda row: row.span)
    assert list(exact.get_xdata()) == [row.span for row in by_span] == [1.4, 14.0, 140.0]
    assert list(exact.get_ydata()) == [row.exact for row in by_span]
    assert list(measured.get_ydata()) == [row.measured for row in by_span]
    assert list(promised.get_ydata()) == [0.9999, 0.9999]  # 1 - 0.1**4, whatever the spacing
    assert list(outage.get_xdata()) == [30.0, 30.0]
    assert ax.get_xscale() == "log"


def test_outage_delivery_is_deterministic_and_refuses_mixed_or_no_rows(outages):
    assert figure_png(draw_outage_delivery(outages)) == figure_png(draw_outage_delivery(outages))
    other = outage_table(availability=0.99, bases=(1.0,), requests=10)
    with pytest.raises(TheoryError, match="one callee and one number of attempts"):
        draw_outage_delivery([*outages, *other])
    with pytest.raises(TheoryError, match="at least one OutageDelivery"):
        draw_outage_delivery([])
    with pytest.raises(TheoryError, match=r"rows holds 0\.9"):
        draw_outage_delivery([0.9])


def test_budgets_draw_each_policys_load_and_delivery():
    rows = budget_table((0.0, 0.5, 1.0), requests=100)
    load, delivered = draw_budgets(rows).axes
    assert [line.get_label() for line in load.lines] == list(STRATEGIES)
    for policy, line, shown in zip(STRATEGIES, load.lines, delivered.lines, strict=True):
        mine = [row for row in rows if row.strategy == policy]
        assert list(line.get_xdata()) == [0.0, 0.5, 1.0]
        assert list(line.get_ydata()) == [max(r.attempts_per_request, 1e-3) for r in mine]
        assert list(shown.get_ydata()) == [r.delivered for r in mine]
    assert list(load.lines[0].get_ydata())[-1] == 100.0  # no budget: the deadline's 100
    assert load.get_yscale() == "log"


def test_contention_draws_calls_per_client_and_time_per_algorithm():
    rows = contention_table(clients=(5, 10), runs=1)
    work, time = draw_contention(rows).axes
    assert [line.get_label() for line in work.lines] == list(ALGORITHMS)
    for algorithm, calls, took in zip(ALGORITHMS, work.lines, time.lines, strict=True):
        mine = [row for row in rows if row.algorithm == algorithm]
        assert list(calls.get_xdata()) == [5, 10]
        assert list(calls.get_ydata()) == [row.calls_per_client for row in mine]
        assert list(took.get_ydata()) == [row.time_ms / 1000 for row in mine]
        assert to_hex(calls.get_color()) == ALGORITHM_COLOURS[algorithm]
    with pytest.raises(TheoryError, match="at least one ContentionRow"):
        draw_contention(())


def test_occupancy_draws_each_run_in_its_panel_with_the_incident():
    small = Scenario(horizon=20.0, slow_from=5.0, slow_until=10.0, slow_latency=3.0)
    runs = compare(("none", "bulkhead"), small)
    axes = draw_occupancy(runs, small).axes
    assert len(axes) == 2
    for ax, run in zip(axes, runs, strict=True):
        (series,) = [line for line in ax.lines if line.get_drawstyle() == "steps-post"]
        assert list(series.get_xdata()) == [t for t, _ in run.occupancy]
        assert list(series.get_ydata()) == [busy for _, busy in run.occupancy]
        assert ax.get_title(loc="left").startswith(f"{run.protection}: ")
        (shade,) = ax.patches
        assert shade.get_x() == 5.0 and shade.get_width() == 5.0
    assert "answers in 3 s" in axes[-1].get_xlabel()
    with pytest.raises(TheoryError, match="scenario must be a Scenario"):
        draw_occupancy(runs, SCENARIO.__dict__)


def test_every_colour_reads_at_aa_contrast_on_white():
    for colour in (*ALGORITHM_COLOURS.values(), *STRATEGY_COLOURS.values()):
        assert contrast(colour, "#ffffff") >= 4.5, colour


def test_state_graphs_draw_the_shortest_path_explore_finds():
    from msatheory.communication.breaker import CircuitBreaker
    from msatheory.communication.sketch import SketchBreaker
    from msatheory.communication.statespace import excess_trials, state_graph

    sketch = state_graph(lambda: SketchBreaker(2, 5), 6, wait=10)
    corrected = state_graph(lambda: CircuitBreaker(2, 5), 6, wait=10)
    top, bottom = draw_state_graphs({"sketch": sketch, "corrected": corrected}).axes
    labels = [text.get_text() for text in top.texts]
    assert tuple(labels) == excess_trials(lambda: SketchBreaker(2, 5), 6, 1, wait=10) == (
        "fail", "fail", "wait", "start", "start")
    assert not bottom.texts  # the corrected breaker never admits a second trial call
    dots = {c.get_label(): len(c.get_offsets()) for c in top.collections
            if not c.get_label().startswith("_")}
    (edges,) = [c for c in top.collections if isinstance(c, LineCollection)]
    assert len(edges.get_segments()) == sketch.number_of_edges() == 181
    assert dots == {"closed (24)": 24, "open (14)": 14, "half-open (7)": 7,
                    "more than 1 trial call": 2}
    assert top.get_title(loc="left") == "sketch: 45 states, 181 transitions, still growing"
    assert bottom.get_title(loc="left") == (
        "corrected: 14 states, 54 transitions, every state reached")
    for colour in STATE_COLOURS.values():
        assert contrast(colour, "#ffffff") >= 4.5
    with pytest.raises(TheoryError, match="at least one state graph"):
        draw_state_graphs({})
    with pytest.raises(TheoryError, match="'x' must be a state graph"):
        draw_state_graphs({"x": [1, 2]})
