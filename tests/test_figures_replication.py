"""Lesson 6b's figures (msatheory.interactive.figures.replication): every mark is the model's."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from msatheory.data.consistency import check_linearizable, check_sequential
from msatheory.data.history import History, Operation
from msatheory.data.peers import lost_by_skew
from msatheory.data.quorum import PRODUCTION, consistency_curve
from msatheory.data.replication import MODES, failover_loss, write_latencies
from msatheory.errors import TheoryError
from msatheory.interactive.figures.png import figure_png
from msatheory.interactive.figures.replication import (
    MODE_COLOURS,
    PEER_COLOURS,
    draw_history,
    draw_lost_updates,
    draw_modes,
    draw_visibility,
)
from tests.widget_helpers import contrast

RED, BLUE, GREEN = "#cf222e", "#0969da", "#1a7f37"

SLOW = History([Operation("alice", "write", 1, 0, 4), Operation("bob", "read", 1, 1, 2),
                Operation("carol", "read", None, 3, 5), Operation("dave", "write", 2, 6, None)])


def _bars(ax: Axes) -> list[Rectangle]:
    return [bar for bar in ax.patches if isinstance(bar, Rectangle)]


def _xs(line: Line2D) -> list[float]:
    return np.asarray(line.get_xdata(), dtype=float).tolist()


def _ys(line: Line2D) -> list[float]:
    return np.asarray(line.get_ydata(), dtype=float).tolist()


def test_history_draws_each_operation_from_invocation_to_answer():
    (ax,) = draw_history(SLOW).axes
    spans = {(round(bar.get_x(), 6), round(bar.get_x() + bar.get_width(), 6))
             for bar in _bars(ax)}
    right = ax.get_xlim()[1]
    assert spans == {(0, 4), (1, 2), (3, 5), (6, round(right, 6))}
    labels = sorted(text.get_text() for text in ax.texts)
    assert labels == ["r 1", "r init", "w 1", "w 2"]
    assert [tick.get_text() for tick in ax.get_yticklabels()] == ["dave", "carol", "bob",
                                                                  "alice"]
    unanswered = [bar for bar in _bars(ax) if bar.get_hatch()]
    assert len(unanswered) == 1 and unanswered[0].get_x() == 6
    assert ax.get_title(loc="left") == ""


def test_history_colours_the_witness_of_a_failing_judgement_only():
    failing = check_linearizable(SLOW)
    (ax,) = draw_history(SLOW, failing).axes
    red = {(bar.get_x(), to_hex(bar.get_facecolor())) for bar in _bars(ax)
           if to_hex(bar.get_facecolor()) == RED}
    assert {x for x, _ in red} == {op.invoked for op in failing.witness
                                   if isinstance(op, Operation)}
    assert {to_hex(bar.get_facecolor()) for bar in _bars(ax)} == {RED, BLUE}  # dave writes
    assert ax.get_title(loc="left") == "linearizable: fails (witness in red)"
    holding = check_sequential(SLOW)
    assert holding.holds
    (ax,) = draw_history(SLOW, holding).axes
    assert RED not in {to_hex(bar.get_facecolor()) for bar in _bars(ax)}
    assert {to_hex(bar.get_facecolor()) for bar in _bars(ax)} == {BLUE, GREEN}
    assert ax.get_title(loc="left") == "sequential: holds"


def test_history_is_deterministic_and_refuses_what_is_not_a_history():
    assert figure_png(draw_history(SLOW)) == figure_png(draw_history(SLOW))
    with pytest.raises(TheoryError, match="at least one operation"):
        draw_history(History([]))
    with pytest.raises(TheoryError, match="history must be a History"):
        draw_history(list(SLOW))  # type: ignore[arg-type]
    with pytest.raises(TheoryError, match="judgement must be a Judgement"):
        draw_history(SLOW, "fails")  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def curves():
    times = (0, 1, 10, 100)
    return times, {name: consistency_curve(make(), 3, 1, 1, times, trials=300, seed=1)
                   for name, make in PRODUCTION.items()}


def test_visibility_draws_each_curve_and_the_exact_random_quorum_line(curves):
    times, drawn = curves
    (ax,) = draw_visibility(times, drawn, 3, 1, 1).axes
    *lines, exact = ax.lines
    assert [line.get_label() for line in lines] == list(PRODUCTION)
    for line, curve in zip(lines, drawn.values(), strict=True):
        assert _xs(line) == list(times)
        assert _ys(line) == list(curve)
    assert _ys(exact) == [1 / 3, 1 / 3]  # 1 - C(2, 1) / C(3, 1)
    assert exact.get_linestyle() == "--"
    assert ax.get_xscale() == "symlog"
    strict = draw_visibility(times, drawn, 3, 2, 2).axes[0].lines[-1]
    assert _ys(strict) == [1.0, 1.0]


def test_visibility_refuses_curves_that_do_not_fit_the_times(curves):
    times, drawn = curves
    with pytest.raises(TheoryError, match="'WAN' has 4 points for 3 times"):
        draw_visibility(times[:3], {"WAN": drawn["WAN"]}, 3, 1, 1)
    with pytest.raises(TheoryError, match="at least one curve"):
        draw_visibility(times, {}, 3, 1, 1)
    with pytest.raises(TheoryError, match="r must be at most n"):
        draw_visibility(times, drawn, 3, 4, 1)


def test_modes_draw_the_lost_and_unanswered_writes_and_each_latency_distribution():
    reports = [failover_loss(mode, writes=300, fail_at=0.15) for mode in MODES]
    latencies = {mode: write_latencies(mode, writes=50) for mode in MODES}
    counts, cdf = draw_modes(reports, latencies).axes
    lost = [bar for bar in _bars(counts) if to_hex(bar.get_facecolor()) == RED]
    unanswered = [bar for bar in _bars(counts) if to_hex(bar.get_facecolor()) == BLUE]
    assert [bar.get_width() for bar in lost] == [r.lost for r in reports]
    assert [bar.get_width() for bar in unanswered] == [r.unanswered for r in reports]
    assert lost[0].get_width() > 0 and unanswered[0].get_width() == 0  # async loses
    assert [tick.get_text() for tick in counts.get_yticklabels()] == list(MODES)
    for line, mode in zip(cdf.lines, MODES, strict=True):
        assert line.get_label() == mode
        assert to_hex(line.get_color()) == MODE_COLOURS[mode]
        assert _xs(line) == sorted(v * 1000 for v in latencies[mode])
        assert _ys(line)[-1] == 1.0
    assert cdf.get_xscale() == "log"


def test_modes_refuse_no_reports_and_unknown_modes():
    report = failover_loss("async", writes=100, fail_at=0.05)
    with pytest.raises(TheoryError, match="at least one FailoverReport"):
        draw_modes([], {})
    with pytest.raises(TheoryError, match="not 'quorum' to 1 of them"):
        draw_modes([report], {"quorum": [0.001]})
    with pytest.raises(TheoryError, match="not 'sync' to 0 of them"):
        draw_modes([report], {"sync": []})


def test_lost_updates_draw_each_modes_table():
    tables = {mode: lost_by_skew((0.0, 20.0), mode, writes=10, runs=2)
              for mode in ("lww", "crdt")}
    (ax,) = draw_lost_updates(tables).axes
    for line, (mode, rows) in zip(ax.lines, tables.items(), strict=True):
        assert line.get_label() == mode
        assert to_hex(line.get_color()) == PEER_COLOURS[mode]
        assert _xs(line) == [0.0, 20.0]
        assert _ys(line) == [lost for _, lost in rows]
    assert _ys(ax.lines[1]) == [0, 0]  # the CRDT loses nothing
    with pytest.raises(TheoryError, match=r"one of .*'lww'.*not 'paxos'"):
        draw_lost_updates({"paxos": ((0.0, 1.0),)})
    with pytest.raises(TheoryError, match="at least one table"):
        draw_lost_updates({})


def test_every_colour_reads_at_aa_contrast_on_white():
    for colour in (*MODE_COLOURS.values(), *PEER_COLOURS.values(), RED, BLUE, GREEN):
        assert contrast(colour, "#ffffff") >= 4.5, colour
