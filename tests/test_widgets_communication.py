"""Chapter 5's explorer and figure (msatheory.interactive.communication,
msatheory.interactive.figures.communication), operated without a browser."""

from __future__ import annotations

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex

from msatheory.communication.breaker import STATES
from msatheory.communication.lab import RETRIES, Phase, profile, retry_comparison, run
from msatheory.errors import TheoryError
from msatheory.interactive.communication import BreakerExplorer
from msatheory.interactive.figures.communication import (
    STATE_COLOURS,
    BreakerDrawing,
    draw_breaker_timeline,
    phase_label,
)
from msatheory.interactive.figures.png import Canvas, figure_png
from tests.widget_helpers import contrast, png_size


def summary(explorer: BreakerExplorer) -> list[str]:
    return explorer.describe().splitlines()


def test_the_explorer_starts_on_an_outage_behind_a_consecutive_breaker():
    explorer = BreakerExplorer()
    assert repr(explorer) == ("BreakerExplorer(profile='outage', failure_rate=1, latency_ms=50, "
                              "breaker='consecutive', retry='exponential', seed=0)")
    assert summary(explorer) == [
        "outage (seed 0), outages at 30-120 s: fails 100% of attempts in 50 ms",
        "3639 requests: 1803 succeeded (49.5%), 0 failed, 1836 rejected fast",
        "consecutive breaker, exponential: 1817 attempts, 1 of them retries; "
        "load multiplier in the outages 0.008",
        "it opened 0.390 s into the first outage and closed 1.466 s after the last one ended",
    ]
    assert explorer.run() == run("outage", breaker="consecutive", retry="exponential")
    assert "load multiplier in the outages 0.008" in explorer.report.value


def test_without_a_breaker_retries_triple_the_load_and_the_breaker_brings_it_back():
    explorer = BreakerExplorer()
    guarded_image = explorer.image.value
    explorer.breaker.value = "none"  # as the dropdown does
    assert explorer.image.value != guarded_image
    assert summary(explorer)[2:] == [
        "no breaker, exponential: 7234 attempts, 3595 of them retries; "
        "load multiplier in the outages 2.988",
        "without a breaker, every attempt reaches the dependency",
    ]
    explorer.retry.value = "no retry"
    assert "load multiplier in the outages 1" in summary(explorer)[2]
    explorer.set(breaker="consecutive", retry="exponential")
    assert explorer.image.value == guarded_image  # memoised, and drawn the same


def test_choosing_a_profile_loads_its_values_and_the_sliders_move_them():
    explorer = BreakerExplorer()
    explorer.profile.value = "slow"  # the dropdown
    assert repr(explorer) == ("BreakerExplorer(profile='slow', failure_rate=0, "
                              "latency_ms=2000, breaker='consecutive', retry='exponential', "
                              "seed=0)")
    assert summary(explorer)[0] == ("slow (seed 0), outages at 30-120 s: answers in 2000 ms: "
                                    "every attempt times out at 1000 ms")
    assert summary(explorer)[3] == ("it opened 1.340 s into the first outage and closed "
                                    "10.242 s after the last one ended")
    explorer.latency_ms.value = 800  # slow, not timed out: only the rate breaker sees it
    assert summary(explorer)[3] == "the breaker never opened"
    explorer.breaker.value = "rate"
    assert summary(explorer)[3].startswith("it opened 2.297 s into the first outage")
    assert summary(explorer)[1] == ("3639 requests: 1670 succeeded (45.9%), 0 failed, "
                                    "1969 rejected fast")
    explorer.set(profile="flapping", failure_rate=0.5)
    assert (explorer.failure_rate.value, explorer.latency_ms.value) == (0.5, 50)
    assert explorer.run().phases == profile("flapping", 0.5, 50)


def test_each_control_moves_the_run():
    explorer = BreakerExplorer()
    seen = {bytes(explorer.image.value)}
    for name, value in (("failure_rate", 0.6), ("latency_ms", 1500), ("breaker", "rate"),
                        ("retry", "full jitter"), ("seed", 7), ("profile", "flapping")):
        before = explorer.describe()
        explorer.set(**{name: value})
        assert explorer.describe() != before, name
        seen.add(bytes(explorer.image.value))
    assert len(seen) == 7
    assert repr(explorer) == ("BreakerExplorer(profile='flapping', failure_rate=1, "
                              "latency_ms=50, breaker='rate', retry='full jitter', seed=7)")
    explorer.failure_rate.value = 0.3  # the slider, as a learner drags it
    assert "fails 30% of attempts" in explorer.report.value


@pytest.mark.parametrize(("values", "message"), [
    ({"profile": "blackout"}, "profile must be one of outage, slow, flapping, not 'blackout'"),
    ({"failure_rate": 1.5}, r"failure_rate must lie in \[0, 1\], not 1.5"),
    ({"latency_ms": 2500}, "latency_ms must be a whole number from 0 to 2000, not 2500"),
    ({"latency_ms": 80.5}, "latency_ms must be a whole number from 0 to 2000, not 80.5"),
    ({"breaker": "hystrix"}, "breaker must be one of none, consecutive, rate, not 'hystrix'"),
    ({"retry": "linear"}, "retry must be one of no retry, exponential, full jitter"),
    ({"seed": -1}, "seed must be a whole number from 0 to 1000000, not -1"),
    ({"speed": 1}, "BreakerExplorer has no control 'speed'"),
    ({"breaker": "rate", "failure_rate": -0.1}, r"failure_rate must lie in \[0, 1\]"),
])
def test_a_bad_value_is_one_sentence_and_nothing_moves(values, message):
    explorer = BreakerExplorer()
    before = (repr(explorer), explorer.image.value, explorer.report.value)
    with pytest.raises(TheoryError, match=message):
        explorer.set(**values)
    assert (repr(explorer), explorer.image.value, explorer.report.value) == before


def test_a_bad_start_is_refused():
    with pytest.raises(TheoryError, match="retry must be one of"):
        BreakerExplorer(retry="forever")


def test_the_figure_is_shown_at_its_own_pixel_size_and_as_drawn_afresh():
    explorer = BreakerExplorer()
    explorer.set(profile="flapping", breaker="rate")
    width, height = png_size(explorer.image.value)
    assert (explorer.image.width, explorer.image.height) == (str(width), str(height))
    assert explorer.image.layout.width == f"{width}px"
    assert width <= 600 and height <= 600
    fresh = BreakerDrawing(compare=False)
    fresh.show(explorer.run())
    assert explorer.image.value == Canvas(fresh.figure).png()


# -- the drawing -------------------------------------------------------------------------------

def test_the_drawing_shows_the_runs_series_and_states():
    r = run("outage", breaker="rate", retry="exponential")
    drawing = BreakerDrawing()
    drawing.show(r)
    xs, ys = drawing.sent.get_data()
    assert list(ys[:-1]) == list(r.sent) and list(xs) == list(range(len(r.sent) + 1))
    assert list(drawing.rejected.get_ydata()[:-1]) == list(r.rejected)
    bands = drawing.bands.get_paths()
    assert len(bands) == len(r.transitions) + 1
    colours = [to_hex(c) for c in drawing.bands.get_facecolor()]
    assert colours == [STATE_COLOURS[s] for s in ["closed", *(s for _, s in r.transitions)]]
    starts = [path.vertices[0][0] for path in bands]
    assert starts == [0.0, *(t for t, _ in r.transitions)]
    trials = [t for t, s in r.transitions if s == "half-open"]
    assert list(drawing.trials.get_xdata()) == trials
    assert list(drawing.failing.get_ydata()) == [0.0, 1.0, 0.0, 0.0]
    (shade,) = drawing.shades[drawing.calls_ax].get_paths()
    assert (shade.vertices[0][0], shade.vertices[1][0]) == (30, 120)
    tops = [vertex[1] for vertex in drawing.retried.get_paths()[0].vertices[:2 * len(r.sent)]]
    assert tops[::2] == [float(v) for v in r.sent]  # retries stacked on the first tries
    drawing.show(run("outage", breaker="none"))
    assert [to_hex(c) for c in drawing.bands.get_facecolor()] == ["#d0d7de"]
    assert len(drawing.bands.get_paths()) == 1 and len(drawing.trials.get_xdata()) == 0


def test_the_timeline_compares_every_retry_policy():
    r = run("flapping", breaker="none", retry="full jitter")
    figure = draw_breaker_timeline(r)
    ax = figure.axes[3]
    dashed = {line.get_linestyle(): list(line.get_ydata()[:-1]) for line in ax.lines
              if len(line.get_xdata())}
    others = {o.retry: o for o in retry_comparison("flapping", breaker="none")}
    assert dashed == {":": list(others["no retry"].sent),
                      "--": list(others["exponential"].sent)}
    assert figure_png(figure) == figure_png(draw_breaker_timeline(r))
    alone = draw_breaker_timeline(r, compare=False)
    assert not any(len(line.get_xdata()) for line in alone.axes[3].lines)
    with pytest.raises(TheoryError, match="must share the run's profile"):
        BreakerDrawing().show(r, [run("outage", breaker="none")])
    with pytest.raises(TheoryError, match="run must be a BreakerRun"):
        draw_breaker_timeline(r.summary)  # type: ignore[arg-type]


def test_the_legend_covers_no_plot_and_the_colours_read_at_aa():
    drawing = BreakerExplorer().drawing
    FigureCanvasAgg(drawing.figure).draw()
    (legend,) = drawing.figure.legends
    box = legend.get_window_extent()
    assert box.x1 <= drawing.figure.bbox.x1 and box.y0 >= drawing.figure.bbox.y0
    for ax in (drawing.dependency_ax, drawing.state_ax, drawing.calls_ax,
               drawing.attempts_ax):
        assert not box.overlaps(ax.get_window_extent())
    assert not box.overlaps(drawing.attempts_ax.xaxis.label.get_window_extent())
    labels = [text.get_text() for text in legend.get_texts()]
    assert "other policies" not in labels and "trial" in labels  # the explorer compares none
    compared = draw_breaker_timeline(run("outage", span=30))
    assert "other policies" in [text.get_text() for text in compared.legends[0].get_texts()]
    assert set(STATE_COLOURS) == set(STATES)
    for state, colour in STATE_COLOURS.items():
        assert contrast("#ffffff", colour) >= 4.5, state


def test_phase_labels():
    assert phase_label(Phase(0, 0.25, 300)) == "fails 25% of attempts in 300 ms"
    assert phase_label(Phase(0, 0.25, 1001)) == ("answers in 1001 ms: every attempt times out "
                                                 "at 1000 ms")
    assert list(RETRIES) == ["no retry", "exponential", "full jitter"]
