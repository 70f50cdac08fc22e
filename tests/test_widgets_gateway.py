"""Chapter 4's explorer and figure (msatheory.interactive.gateway,
msatheory.interactive.figures.gateway), operated without a browser."""

from __future__ import annotations

import re

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from msatheory.errors import TheoryError
from msatheory.gateway.pipeline import STAGES, compare_limiters, traffic
from msatheory.gateway.ratelimit import LIMITERS
from msatheory.interactive.figures.gateway import OUTCOME_COLOURS, GatewayDrawing, draw_gateway
from msatheory.interactive.figures.png import Canvas, figure_png
from msatheory.interactive.gateway import GatewayExplorer, fate_table
from tests.widget_helpers import contrast, png_size


def summary(explorer: GatewayExplorer) -> list[str]:
    return explorer.describe().splitlines()


def test_the_explorer_starts_on_a_boundary_burst_in_the_safe_order():
    explorer = GatewayExplorer()
    assert repr(explorer) == ("GatewayExplorer(seed=0, limit=3, window=10, burst=True, "
                              "order='safe', nat_share=0.4, limiter='fixed-window')")
    assert summary(explorer) == [
        "seed 0: 46 requests (a burst at t=30); safe order, fixed-window 3 per 10 s",
        "12 served, 14 cached, 5 no route, 10 unauthenticated, 5 unavailable",
        "refused at authenticate yet charged quota: 0; check_gateway holds",
        "busiest window (limit 3): fixed window 6, sliding log 3, window counter 3, "
        "token bucket 5, GCRA 5",
    ]
    runs = {run.name: run for run in explorer.comparison().runs}
    assert runs["fixed-window"].busiest == 2 * explorer.limit.value
    assert runs["sliding-log"].busiest == explorer.limit.value
    assert "refused at authenticate yet charged quota: 0" in explorer.report.value
    assert explorer.table.value.count("<tr") == len(explorer.fates()) + 1


def test_the_unsafe_order_charges_refused_requests_and_check_gateway_says_so():
    explorer = GatewayExplorer()
    safe_image = explorer.image.value
    explorer.order.value = "rate-limit first"  # as the dropdown does
    assert explorer.image.value != safe_image
    lines = summary(explorer)
    assert lines[2] == ("refused at authenticate yet charged quota: 7; check_gateway finds 4 "
                        "unsafe policy orders")
    assert any(f.status == 401 and f.charged for f in explorer.fates())
    explorer.order.value = "safe"
    assert explorer.image.value == safe_image  # memoised, and drawn the same


def test_each_control_moves_the_run():
    explorer = GatewayExplorer()
    seen = {bytes(explorer.image.value)}
    for name, value in (("limit", 5), ("window", 7), ("burst", False), ("nat_share", 1.0),
                        ("seed", 9), ("limiter", "gcra")):
        before = explorer.describe()
        explorer.set(**{name: value})
        assert explorer.describe() != before, name
        seen.add(bytes(explorer.image.value))
    # the gateway's limiter shows only where it refuses differently; here it does not
    assert len(seen) == 6
    assert repr(explorer) == ("GatewayExplorer(seed=9, limit=5, window=7, burst=False, "
                              "order='safe', nat_share=1, limiter='gcra')")
    explorer.limit.value = 2  # the slider, as a learner drags it
    assert "limit 2" in explorer.report.value and "gcra 2 per 7 s" in summary(explorer)[0]


def test_the_gateways_limiter_decides_its_429s():
    explorer = GatewayExplorer(order="rate-limit first", nat_share=1.0, burst=False)
    limited = {}
    for name in LIMITERS:
        explorer.limiter.value = name
        limited[name] = [f.arrival for f in explorer.fates() if f.status == 429]
    assert limited["gcra"] == limited["token-bucket"]  # the same decisions, always
    assert len({tuple(v) for v in limited.values()}) >= 3


def test_the_stream_is_the_models_traffic_with_the_burst_on_a_boundary():
    explorer = GatewayExplorer(4, limit=4, window=7, nat_share=0.6)
    assert explorer.boundary() == 28
    assert explorer.stream() == traffic(4, requests=40, span=60, nat_share=0.6,
                                        burst=(28, 4))
    fates = explorer.fates()
    assert [f.arrival for f in fates] == list(explorer.stream())
    assert explorer.comparison() == compare_limiters(explorer.stream(), 4, 7)
    explorer.set(burst=False)
    assert explorer.stream() == traffic(4, requests=40, span=60, nat_share=0.6)


@pytest.mark.parametrize(("values", "message"), [
    ({"limit": 0}, "limit must be a whole number from 1 to 10, not 0"),
    ({"window": 31}, "window must be a whole number from 2 to 30, not 31"),
    ({"seed": -1}, "seed must be a whole number from 0 to 1000000, not -1"),
    ({"burst": "yes"}, "burst must be True or False, not 'yes'"),
    ({"order": "auth last"}, "order must be one of safe, rate-limit first, not 'auth last'"),
    ({"nat_share": 0.5}, "nat_share must be one of 0, 0.2, 0.4, 0.6, 0.8 or 1"),
    ({"nat_share": 2}, r"nat_share must lie in \[0, 1\], not 2"),
    ({"limiter": "leaky"}, "limiter must be one of fixed-window, sliding-log"),
    ({"speed": 1}, "GatewayExplorer has no control 'speed'"),
    ({"limit": 5, "window": 1}, "window must be a whole number from 2 to 30, not 1"),
])
def test_a_bad_value_is_one_sentence_and_nothing_moves(values, message):
    explorer = GatewayExplorer()
    before = (repr(explorer), explorer.image.value, explorer.report.value)
    with pytest.raises(TheoryError, match=message):
        explorer.set(**values)
    assert (repr(explorer), explorer.image.value, explorer.report.value) == before


def test_a_bad_start_is_refused():
    with pytest.raises(TheoryError, match="limiter must be one of"):
        GatewayExplorer(limiter="leaky")


def test_every_status_cell_reads_at_aa_contrast():
    for outcome, colour in OUTCOME_COLOURS.items():
        assert contrast("#ffffff", colour) >= 4.5, outcome
    explorer = GatewayExplorer(seed=3, order="rate-limit first", nat_share=1.0)
    cells = re.findall(r'data-outcome="([^"]+)" style="background:(#[0-9a-f]{6});'
                       r'color:(#[0-9a-f]{6})', explorer.table.value)
    assert len(cells) == len(explorer.fates())
    assert {outcome for outcome, _, _ in cells} >= {"served", "cached", "unauthenticated",
                                                    "limited", "no route"}
    for outcome, background, colour in cells:
        assert contrast(colour, background) >= 4.5, outcome


def test_the_table_shortens_reasons_and_escapes_everything():
    explorer = GatewayExplorer()
    table = fate_table(explorer.fates())
    assert "the signature does not verify" in table and "error_description" not in table
    assert "<script" not in table and "&quot;" not in table


def test_the_figure_is_shown_at_its_own_pixel_size_and_as_drawn_afresh():
    explorer = GatewayExplorer()
    explorer.set(window=12, order="rate-limit first")
    width, height = png_size(explorer.image.value)
    assert (explorer.image.width, explorer.image.height) == (str(width), str(height))
    assert explorer.image.layout.width == f"{width}px"
    assert width <= 600 and height <= 600
    fresh = GatewayDrawing(60)
    fresh.show(explorer.fates(), explorer.comparison())
    assert explorer.image.value == Canvas(fresh.figure).png()


def test_the_drawing_marks_every_request_in_its_stage_and_every_decision():
    explorer = GatewayExplorer()
    drawing = explorer.drawing
    fates, comparison = explorer.fates(), explorer.comparison()
    drawing.show(fates, comparison)
    marked = sorted((float(t), int(row)) for line in drawing.outcomes.values()
                    for t, row in zip(*line.get_data(), strict=True))
    assert marked == sorted((float(f.arrival.at), STAGES.index(f.stage)) for f in fates)
    decisions = len(drawing.admitted.get_xdata()) + len(drawing.refused.get_xdata())
    assert decisions == len(LIMITERS) * len(fates)
    bars = [segment[1][0] for segment in drawing.bars.get_segments()]
    assert bars == [run.busiest for run in comparison.runs] and bars[:2] == [6, 3]
    assert list(drawing.limit.get_xdata()) == [3, 3]
    red, blue = (0.812, 0.133, 0.180), (0.035, 0.412, 0.855)
    colours = [tuple(round(c, 3) for c in rgba[:3]) for rgba in drawing.bars.get_color()]
    assert colours[:2] == [red, blue]  # over the limit, at it
    assert len(drawing.boundaries.get_segments()) == 6  # t = 10, 20, ..., 60


def test_the_legend_covers_no_plot():
    drawing = GatewayExplorer().drawing
    FigureCanvasAgg(drawing.figure).draw()
    (legend,) = drawing.figure.legends
    box = legend.get_window_extent()
    assert box.x1 <= drawing.figure.bbox.x1 and box.y1 <= drawing.figure.bbox.y1
    for ax in (drawing.fates_ax, drawing.limits_ax, drawing.busiest_ax):
        assert not box.overlaps(ax.get_window_extent())
        assert not box.overlaps(ax.title.get_window_extent())


def test_the_figure_is_deterministic_and_refuses_two_streams():
    stream = traffic(2, burst=(30, 3))
    from msatheory.gateway.pipeline import (
        INSTANCES,
        PERMISSIONS,
        GatewayPipeline,
        shop_gateway,
    )
    from msatheory.gateway.ratelimit import FixedWindow

    def fates():
        return GatewayPipeline(shop_gateway(), FixedWindow(3, 10), instances=INSTANCES,
                               permissions=PERMISSIONS).run(stream)
    comparison = compare_limiters(stream, 3, 10)
    assert figure_png(draw_gateway(fates(), comparison)) == figure_png(
        draw_gateway(fates(), comparison))
    with pytest.raises(TheoryError, match="the fates and the comparison must be of one stream"):
        draw_gateway(fates(), compare_limiters(traffic(3), 3, 10))


# -- the lesson's static figures ---------------------------------------------------------------

def test_the_tail_at_scale_marks_each_simulation_on_its_curve():
    from msatheory.gateway.aggregation import simulate_fan_out
    from msatheory.interactive.figures.gateway import draw_tail_at_scale

    measured = {(n, p): simulate_fan_out(n, p, requests=200, seed=3)
                for p in (0.01, 0.1) for n in (1, 10)}
    figure = draw_tail_at_scale(measured, largest=100)
    (ax,) = figure.axes
    curves = [line for line in ax.lines if line.get_linestyle() == "-"]
    assert len(curves) == 2 and curves[1].get_ydata()[-1] == pytest.approx(1 - 0.9 ** 100)
    marks = [line for line in ax.lines if line.get_marker() == "o" and len(line.get_xdata())]
    assert [list(m.get_ydata()) for m in marks] == [
        [measured[1, p].slow_fraction, measured[10, p].slow_fraction] for p in (0.01, 0.1)]
    assert figure_png(figure) == figure_png(draw_tail_at_scale(measured, largest=100))
    with pytest.raises(TheoryError, match="at least one simulated report"):
        draw_tail_at_scale({})


def test_screen_costs_are_drawn_per_design_from_the_model():
    from msatheory.gateway.bff import DESIGNS, screen_cost
    from msatheory.gateway.examples import INTERNAL, LINKS, SHOP_RESOURCES, SHOP_SCREENS
    from msatheory.interactive.figures.gateway import draw_screen_costs

    costs = [screen_cost(s, SHOP_RESOURCES, d, LINKS[s.client], INTERNAL)
             for s in SHOP_SCREENS for d in DESIGNS]
    received, latency = draw_screen_costs(costs).axes
    heights = [bar.get_height() for bar in received.patches]
    assert heights == [c.received / 1000 for d in DESIGNS for c in costs if c.design == d]
    assert [t.get_text() for t in latency.get_xticklabels()] == [
        "web\nproduct page", "mobile\nproduct page", "mobile\norder status"]
    with pytest.raises(TheoryError, match="at least one ScreenCost"):
        draw_screen_costs([])


def test_the_precedence_figure_fills_what_each_rule_chooses():
    from msatheory.gateway.routing import Route, RoutingTable
    from msatheory.interactive.figures.gateway import draw_precedence

    table = RoutingTable([Route("GET", "/orders/{id}", "orders"),
                          Route("GET", "/orders/recent", "reports")])
    specific, first = draw_precedence(table, [("GET", "/orders/recent")]).axes
    filled = [[line.get_xdata()[0] for line in ax.lines if line.get_markerfacecolor() != "white"]
              for ax in (specific, first)]
    assert filled == [[1], [0]]  # the literal under most specific, the template under first
    assert [t.get_color() for t in first.get_xticklabels()][1] == "#cf222e"
    with pytest.raises(TheoryError, match="at least one"):
        draw_precedence(table, [])
