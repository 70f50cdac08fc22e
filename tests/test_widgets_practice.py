"""Chapter 8's explorer (msatheory.interactive.practice) and its figures
(msatheory.interactive.figures.practice), operated without a browser: every number and
mark it shows is the composition model's own."""

from __future__ import annotations

import html
import math

import numpy as np
import pytest
from matplotlib.lines import Line2D
from scipy import stats

from msatheory.basics.availability import serial
from msatheory.errors import TheoryError
from msatheory.gateway.aggregation import Latency
from msatheory.interactive.figures.practice import (
    EXPECTED,
    INK,
    MEASURED,
    PATTERNS,
    SLOW,
    PatternDrawing,
    PatternView,
    draw_pattern,
    pattern_view,
)
from msatheory.interactive.practice import (
    AVAILABILITIES,
    MEANS_MS,
    MOST,
    REQUESTS,
    SLOW_MS,
    SLOW_SHARES,
    PatternExplorer,
)
from msatheory.practice.composition import (
    TAILS,
    Curve,
    chain_latency,
    expected_availability,
    expected_latency,
    fan_out_latency,
    hops,
    latency_curve,
    measure,
    proxied,
    simulate_composition,
)
from tests.widget_helpers import contrast, png_size

EXPONENTIAL = Latency(fast=0.010, slow=0.0, p=0.0)
SLOWISH = Latency(fast=0.010, slow=1.0, p=0.01)


def simulated(pattern: str, n: int, call: Latency, availability: float, *,
              requests: int = REQUESTS, seed: int = 0):
    """simulate_composition over the hops the pattern needs (a proxy is one more)."""
    shape = "fan-out" if pattern == "fan-out" else "chain"
    return simulate_composition(shape, hops(pattern, n), call, availability,
                                requests=requests, seed=seed)


def closed(pattern: str, n: int, call: Latency) -> tuple[float, float, float]:
    """Mean, p50 and p99 computed here from msatheory.practice.composition alone."""
    if pattern == "fan-out":
        return (fan_out_latency(n, call), fan_out_latency(n, call, q=0.5),
                fan_out_latency(n, call, q=0.99))
    count = n + 1 if pattern == "proxy" else n
    return (chain_latency(count, call), chain_latency(count, call, q=0.5),
            chain_latency(count, call, q=0.99))


def call_of(mean_ms: int, share: str, slow_ms: int) -> Latency:
    p = SLOW_SHARES[share]
    return Latency(fast=mean_ms / 1000, slow=slow_ms / 1000 if p else 0.0, p=p)


def data(line: Line2D) -> tuple[list[float], list[float]]:
    return ([float(x) for x in np.asarray(line.get_xdata())],
            [float(y) for y in np.asarray(line.get_ydata())])


def shown(explorer: PatternExplorer) -> str:
    return html.unescape(explorer.report.value)


def assert_models_numbers(explorer: PatternExplorer, pattern: str, n: int, mean_ms: int,
                          share: str, slow_ms: int, availability: str, seed: int) -> None:
    """The explorer's view, report and text are the composition model's numbers."""
    call, a = call_of(mean_ms, share, slow_ms), AVAILABILITIES[availability]
    view = explorer.view()
    assert (view.pattern, view.n, view.call, view.availability) == (pattern, n, call, a)
    mean, p50, p99 = closed(pattern, n, call)
    assert view.expected.mean == pytest.approx(mean, rel=1e-12)
    assert (view.expected.p50, view.expected.p99) == (p50, p99)
    report = simulated(pattern, n, call, a, seed=seed)
    run = view.measured
    assert run.answered == report.answered and run.availability == report.availability
    assert run.mean == pytest.approx(report.mean, rel=1e-12, nan_ok=True)
    assert run.p99 == pytest.approx(report.p99, rel=1e-12, nan_ok=True)
    assert view.end_to_end == pytest.approx(report.expected_availability, rel=1e-12)
    text = shown(explorer)
    assert f"{view.end_to_end:.3%}" in text and f"{run.availability:.3%}" in text
    assert f"{REQUESTS} requests, seed {seed}" in text


@pytest.fixture(scope="module")
def explorer() -> PatternExplorer:
    return PatternExplorer()


def test_defaults_show_a_fan_out_of_five_with_one_percent_slow(explorer):
    explorer.set(pattern="fan-out", n=5, mean_ms=10, slow_share="1%", slow_ms=1000,
                 availability="99.9%", seed=0)
    assert repr(explorer) == ("PatternExplorer(pattern='fan-out', n=5, mean_ms=10, "
                              "slow_share='1%', slow_ms=1000, availability='99.9%', seed=0)")
    assert_models_numbers(explorer, "fan-out", 5, 10, "1%", 1000, "99.9%", 0)
    assert png_size(explorer.image.value) == explorer.canvas.size
    width, height = explorer.canvas.size
    # beside the 340-pixel controls in JupyterLab's 934-pixel output area on a 1366x768
    # screen, and within 700 pixels of height
    assert 340 + 12 + width <= 934 and height <= 700
    text = shown(explorer)
    assert "4.90% of requests meet a slow call, more than 1%" in text
    assert "the p99 passes the 1 s delay" in text
    assert "0.999^5 = 99.501%" in text


def test_describe_says_the_numbers_and_what_to_notice(explorer):
    explorer.set(pattern="chain", n=4, mean_ms=20, slow_share="0%", availability="99%",
                 seed=2)
    view = explorer.view()
    lines = explorer.describe().splitlines()
    assert lines[0] == "chain (8.1.3): 4 calls, 4 hops; fast calls 20 ms on average"
    assert lines[1].startswith(f"mean {1000 * view.expected.mean:.3g} ms (run ")
    assert lines[2] == (f"availability {0.99 ** 4:.3%} (run {view.measured.availability:.3%}, "
                        f"{view.measured.answered} of {REQUESTS} answered)")
    assert lines[3].startswith("A chain adds its 4 hops: the mean is 4 call means")
    assert lines[4] == "Every hop must answer: 0.99^4 = 96.060%, below any one service's 99.00%."


def test_constructor_keywords_set_the_initial_controls():
    built = PatternExplorer("proxy", n=3, mean_ms=50, slow_share="5%", slow_ms=200,
                            availability="99.99%", seed=7)
    assert repr(built) == ("PatternExplorer(pattern='proxy', n=3, mean_ms=50, "
                           "slow_share='5%', slow_ms=200, availability='99.99%', seed=7)")
    assert_models_numbers(built, "proxy", 3, 50, "5%", 200, "99.99%", 7)
    assert not built.slow_ms.disabled
    with pytest.raises(TheoryError, match="pattern"):
        PatternExplorer("mesh")


@pytest.mark.parametrize("pattern", list(PATTERNS))
@pytest.mark.parametrize(("n", "share"), [(1, "0%"), (7, "0.1%"), (20, "5%")])
def test_every_pattern_reports_the_models_numbers(explorer, pattern, n, share):
    explorer.set(pattern=pattern, n=n, mean_ms=10, slow_share=share, slow_ms=1000,
                 availability="99.9%", seed=1)
    assert_models_numbers(explorer, pattern, n, 10, share, 1000, "99.9%", 1)


def test_the_proxy_is_one_more_alike_hop(explorer):
    explorer.set(pattern="proxy", n=6, mean_ms=20, slow_share="1%", slow_ms=500,
                 availability="99%", seed=0)
    view = explorer.view()
    call = call_of(20, "1%", 500)
    composed = proxied(chain_latency(6, call), serial([0.99] * 6), 0.02 + 0.01 * 0.5, 0.99)
    assert view.hops == 7
    assert view.expected.mean == pytest.approx(composed.latency, rel=1e-12)
    assert view.end_to_end == pytest.approx(composed.availability, rel=1e-12)
    assert "The proxy is one more hop: +25 ms to the mean and x0.99" in shown(explorer)


@pytest.mark.parametrize(("control", "values"), [
    ("n", [1, 2, 20]),
    ("mean_ms", list(MEANS_MS)),
    ("slow_share", list(SLOW_SHARES)),
    ("slow_ms", list(SLOW_MS)),
    ("availability", list(AVAILABILITIES)),
    ("seed", [0, 1, 2]),
])
def test_each_control_moves_the_picture_and_the_numbers(explorer, control, values):
    explorer.set(pattern="fan-out", n=5, mean_ms=10, slow_share="1%", slow_ms=1000,
                 availability="99.9%", seed=0)
    pictures, reports = set(), set()
    for value in values:
        explorer.set(**{control: value})
        state = dict(zip(explorer.CONTROLS, explorer._key(), strict=True))
        assert state[control] == value
        assert_models_numbers(explorer, *state.values())
        pictures.add(explorer.image.value)
        reports.add(explorer.report.value)
    assert len(pictures) == len(values) and len(reports) == len(values)


def test_the_slow_delay_is_ignored_without_a_slow_share(explorer):
    explorer.set(pattern="chain", n=3, slow_share="0%", slow_ms=1000, seed=0)
    assert explorer.slow_ms.disabled
    before = explorer.image.value, explorer.report.value
    explorer.set(slow_ms=200)
    assert (explorer.image.value, explorer.report.value) == before
    assert explorer.view().call == EXPONENTIAL
    assert not explorer.drawing.slow.get_visible()
    explorer.set(slow_share="5%")
    assert not explorer.slow_ms.disabled and explorer.view().call.slow == 0.2
    assert explorer.drawing.slow.get_visible()


@pytest.mark.parametrize(("values", "match"), [
    ({"colour": "red"}, "has no control 'colour'"),
    ({"pattern": "mesh"}, "pattern"),
    ({"n": 0}, "n must be a whole number from 1 to 20, not 0"),
    ({"n": 21}, "n must be a whole number from 1 to 20, not 21"),
    ({"n": 2.5}, "n must be a whole number"),
    ({"mean_ms": 15}, "mean_ms must be one of 5, 10, 20, 50, not 15"),
    ({"mean_ms": True}, "mean_ms"),
    ({"slow_share": 0.01}, "slow_share"),
    ({"slow_share": "2%"}, "slow_share"),
    ({"slow_ms": 300}, "slow_ms must be one of 100, 200, 500, 1000, 2000"),
    ({"availability": 0.999}, "availability"),
    ({"availability": "99.999%"}, "availability"),
    ({"seed": -1}, "seed"),
    ({"seed": 10**7}, "seed"),
    ({"n": 3, "seed": 1.5}, "seed"),
])
def test_bad_values_are_refused_and_nothing_moves(explorer, values, match):
    explorer.set(pattern="chain", n=4, mean_ms=5, slow_share="0.1%", slow_ms=500,
                 availability="99%", seed=3)
    before = (repr(explorer), explorer.image.value, explorer.report.value)
    with pytest.raises(TheoryError, match=match) as refused:
        explorer.set(**values)
    assert str(refused.value).count(".") <= 3 and "\n" not in str(refused.value)
    assert (repr(explorer), explorer.image.value, explorer.report.value) == before


def test_the_controls_ranges_match_what_set_accepts(explorer):
    assert explorer.CONTROLS == ("pattern", "n", "mean_ms", "slow_share", "slow_ms",
                                 "availability", "seed")
    assert [value for _, value in explorer.pattern.options] == list(PATTERNS)
    assert (explorer.n.min, explorer.n.max) == (1, MOST) == (1, 20)
    assert list(explorer.mean_ms.options) == list(MEANS_MS)
    assert list(explorer.slow_share.options) == list(SLOW_SHARES)
    assert list(explorer.slow_ms.options) == list(SLOW_MS)
    assert list(explorer.availability.options) == list(AVAILABILITIES)


def test_moving_a_widget_redraws_as_set_does(explorer):
    explorer.set(pattern="fan-out", n=5, mean_ms=10, slow_share="1%", slow_ms=1000,
                 availability="99.9%", seed=0)
    explorer.n.value = 12
    assert_models_numbers(explorer, "fan-out", 12, 10, "1%", 1000, "99.9%", 0)
    explorer.slow_share.value = "0%"  # disables the slow delay
    assert explorer.slow_ms.disabled
    assert_models_numbers(explorer, "fan-out", 12, 10, "0%", 1000, "99.9%", 0)
    explorer.pattern.value = "chain"
    explorer.seed.value = 4
    assert_models_numbers(explorer, "chain", 12, 10, "0%", 1000, "99.9%", 4)


def test_a_picture_is_the_same_however_it_was_reached(explorer):
    for pattern, n, share in (("chain", 20, "5%"), ("proxy", 1, "0%"), ("fan-out", 9, "1%"),
                              ("chain", 3, "0.1%")):
        explorer.set(pattern=pattern, n=n, mean_ms=20, slow_share=share, slow_ms=500,
                     availability="99%", seed=0)
    fresh = PatternExplorer("chain", n=3, mean_ms=20, slow_share="0.1%", slow_ms=500,
                            availability="99%")
    assert explorer.image.value == fresh.image.value
    assert explorer.report.value == fresh.report.value
    assert repr(explorer) == repr(fresh)


def test_runs_are_deterministic_and_cached(explorer):
    explorer.set(pattern="fan-out", n=8, mean_ms=10, slow_share="5%", slow_ms=1000,
                 availability="99.9%", seed=5)
    first = explorer.view()
    assert explorer.view().measured is first.measured  # cached by its controls
    other = PatternExplorer("fan-out", n=8, slow_share="5%", seed=5)
    assert other.view() == first
    assert other.image.value == explorer.image.value


# -- what a learner should notice ----------------------------------------------------------

@pytest.mark.parametrize("pattern", ["fan-out", "chain"])
def test_the_p99_passes_the_slow_delay_once_more_than_one_percent_meet_it(explorer, pattern):
    """With 0.1% slow calls, 1 - 0.999^n passes 1% between 10 and 11 hops: the closed
    form's p99 passes the slow delay there, and the report says so."""
    explorer.set(pattern=pattern, n=10, mean_ms=10, slow_share="0.1%", slow_ms=1000,
                 availability="99.9%", seed=0)
    assert explorer.view().expected.p99 < 1.0
    p99 = explorer.view().expected.p99
    assert (f"under 1%: too few to set the p99, which the fast calls set "
            f"({1000 * p99:.3g} ms); from 11 hops on, 1 - (1 - p)^n > 1% and the p99 passes "
            f"the 1 s delay") in shown(explorer)
    explorer.set(n=11)
    assert explorer.view().expected.p99 > 1.0
    assert "1.09% of requests meet a slow call, more than 1%" in shown(explorer)


def test_exactly_one_percent_is_the_edge_of_the_plateau(explorer):
    explorer.set(pattern="fan-out", n=1, mean_ms=10, slow_share="1%", slow_ms=1000, seed=0)
    assert "Exactly 1% of requests meet a slow call" in shown(explorer)


def test_without_slow_calls_the_fan_out_grows_like_the_harmonic_number(explorer):
    explorer.set(pattern="fan-out", n=20, mean_ms=10, slow_share="0%", seed=0)
    harmonic = math.fsum(1 / k for k in range(1, 21))
    assert f"the mean is {harmonic:.2f} call means (H_n, about ln n), where a chain would " \
           f"take 20" in shown(explorer)


def test_one_hop_is_one_call(explorer):
    explorer.set(pattern="chain", n=1, mean_ms=10, slow_share="0%", availability="99.9%",
                 seed=0)
    text = shown(explorer)
    assert "One hop: the request takes one call's time, exponential, so its p99 is ln 100 = " \
           f"{math.log(100):.2f} means" in text
    assert "One hop: the request is exactly as available as its service, 99.90%." in text
    explorer.set(pattern="proxy")  # the proxy makes it two
    assert "A chain adds its 2 hops" in shown(explorer)


# -- the figure module's numbers -----------------------------------------------------------

def test_hops_and_availability_compose_as_the_model_does():
    assert [hops(p, 4) for p in PATTERNS] == [4, 4, 5]
    for pattern in PATTERNS:
        a = expected_availability(pattern, 6, 0.995)
        assert a == pytest.approx(float(serial([0.995] * hops(pattern, 6))), rel=1e-12)
    with pytest.raises(TheoryError, match="hops: n must be"):
        hops("chain", 0)
    with pytest.raises(TheoryError, match="expected_availability: availability"):
        expected_availability("chain", 3, 1.5)


@pytest.mark.parametrize("pattern", list(PATTERNS))
@pytest.mark.parametrize("call", [EXPONENTIAL, SLOWISH, Latency(0.05, 0.2, 0.05)])
def test_the_curve_passes_through_the_closed_forms(pattern, call):
    curve = latency_curve(pattern, 6, call)
    assert list(curve.tails) == sorted(curve.tails, reverse=True)
    assert list(curve.times) == sorted(curve.times)
    assert set(TAILS) <= set(curve.tails)
    expected = expected_latency(pattern, 6, call)
    points = dict(zip(curve.tails, curve.times, strict=True))
    assert (points[0.5], points[0.01]) == (expected.p50, expected.p99)


def test_the_curve_agrees_with_scipys_distributions():
    """Without a slow share a chain of n is Erlang (scipy's gamma) and a fan-out's
    distribution function is the exponential's to the n-th power."""
    for n in (1, 4, 15):
        chain = latency_curve("chain", n, EXPONENTIAL)
        assert stats.gamma(n, scale=0.010).sf(chain.times) == pytest.approx(chain.tails,
                                                                           rel=1e-9)
        wide = latency_curve("fan-out", n, EXPONENTIAL)
        assert 1 - stats.expon(scale=0.010).cdf(wide.times) ** n == pytest.approx(
            wide.tails, rel=1e-9)


def test_the_curve_straddles_the_plateaus_a_slow_share_makes():
    """A fan-out's survival is flat at 1 - (1 - p)^n until the slow delay: the curve
    asks just above that level (a fast time) and just below it (past the delay)."""
    call = Latency(fast=0.010, slow=1.0, p=0.01)
    def at(curve: Curve, level: float) -> float:
        """The curve's time at its tail level nearest ``level``."""
        return min(zip(curve.tails, curve.times, strict=True),
                   key=lambda point: abs(point[0] - level))[1]

    wide = latency_curve("fan-out", 5, call)
    level = 1 - 0.99**5
    assert at(wide, level * 1.02) < 0.2 < 1.0 < at(wide, level * 0.98)
    chain = latency_curve("chain", 20, call)
    one = 1 - 0.99**20  # at least one slow call in 20, then at least two
    two = one - 20 * 0.01 * 0.99**19
    assert (at(chain, one * 1.02) < 1.0 < at(chain, one * 0.98) < at(chain, two * 1.02)
            < 2.0 < at(chain, two * 0.98))


@pytest.mark.parametrize(("pattern", "n", "call", "availability", "seed"), [
    ("fan-out", 5, EXPONENTIAL, 0.999, 1),
    ("fan-out", 20, Latency(0.005, 2.0, 0.05), 0.99, 3),
    ("chain", 1, SLOWISH, 0.9999, 0),
    ("chain", 12, Latency(0.02, 0.5, 0.001), 0.99, 2),
    ("proxy", 4, SLOWISH, 0.999, 4),
])
def test_measure_draws_what_simulate_composition_draws(pattern, n, call, availability, seed):
    run = measure(pattern, n, call, availability, requests=600, seed=seed)
    report = simulated(pattern, n, call, availability, requests=600, seed=seed)
    assert run.hops == hops(pattern, n) and run.requests == 600
    assert run.answered == report.answered
    assert run.availability == report.availability
    assert run.mean == pytest.approx(report.mean, rel=1e-12)
    assert run.p99 == pytest.approx(report.p99, rel=1e-12)
    assert list(run.latencies) == sorted(run.latencies)


def test_a_run_with_no_answer_has_no_latency():
    run = measure("chain", 3, EXPONENTIAL, 0.0, requests=10, seed=0)
    assert run.answered == 0 and run.availability == 0
    assert math.isnan(run.mean) and math.isnan(run.p50) and math.isnan(run.p99)


@pytest.mark.parametrize(("call", "match"), [
    (lambda: expected_latency("ring", 3, EXPONENTIAL), "expected_latency: pattern"),
    (lambda: expected_latency("chain", 3, 0.01),  # type: ignore[arg-type]
     "expected_latency: call must be a Latency"),
    (lambda: latency_curve("chain", -1, EXPONENTIAL), "latency_curve: n"),
    (lambda: measure("chain", 3, EXPONENTIAL, 0.9, requests=0), "measure: requests"),
    (lambda: measure("chain", 3, EXPONENTIAL, 0.9, seed=1.5),  # type: ignore[arg-type]
     "measure: seed"),
    (lambda: draw_pattern("view"),  # type: ignore[arg-type]
     "draw_pattern: view must be a PatternView"),
    (lambda: PatternDrawing().show("view"), "PatternDrawing: view"),  # type: ignore[arg-type]
])
def test_bad_arguments_raise_a_theory_error(call, match):
    with pytest.raises(TheoryError, match=match):
        call()


# -- the drawing ---------------------------------------------------------------------------

def test_the_drawing_draws_the_view():
    view = pattern_view("chain", 6, Latency(0.02, 0.5, 0.05), 0.99, requests=300, seed=2)
    assert isinstance(view, PatternView)
    drawing = PatternDrawing()
    drawing.show(view)
    assert data(drawing.curve) == (list(view.curve.times), list(view.curve.tails))
    xs, ys = data(drawing.steps)
    m = view.measured.answered
    assert xs == list(view.measured.latencies[:-1])
    assert ys == [(m - i) / m for i in range(1, m)]
    assert data(drawing.expected_marks) == ([view.expected.p50, view.expected.p99],
                                            [0.5, 0.01])
    assert data(drawing.measured_marks) == ([view.measured.p50, view.measured.p99],
                                            [0.5, 0.01])
    assert drawing.slow.get_visible() and data(drawing.slow)[0] == [0.5, 0.5]
    assert data(drawing.expected_point) == ([6], [pytest.approx(1 - 0.99**6)])
    assert data(drawing.measured_point) == ([6], [1 - view.measured.availability])
    assert data(drawing.chosen)[1][:3] == pytest.approx([1 - 0.99, 1 - 0.99**2,
                                                         1 - 0.99**3])
    assert data(drawing.per_service)[1] == pytest.approx([0.01, 0.01])


def test_the_drawing_hides_what_did_not_happen():
    view = pattern_view("fan-out", 2, EXPONENTIAL, 0.9999, requests=200, seed=0)
    drawing = PatternDrawing()
    drawing.show(view)
    assert view.measured.availability == 1
    assert not drawing.measured_point.get_visible()  # no request failed
    assert not drawing.slow.get_visible()  # no call is slow
    figure = draw_pattern(view)
    assert len(figure.axes) == 2


def test_colours_read_at_wcag_aa_against_white():
    for colour in (EXPECTED, MEASURED, SLOW, INK):
        assert contrast(colour, "#ffffff") >= 4.5, colour
