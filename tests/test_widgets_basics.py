"""Chapter 1's explorer and figure (msatheory.interactive.basics,
msatheory.interactive.figures.architecture), operated without a browser."""

from __future__ import annotations

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex

from msatheory import TheoryError
from msatheory.basics.layout import layered_positions
from msatheory.basics.model import Architecture, Service
from msatheory.interactive.basics import BlastRadiusExplorer
from msatheory.interactive.figures.architecture import (
    COLOURS,
    ArchitectureDrawing,
    draw_architecture,
)
from msatheory.interactive.figures.png import Canvas, figure_png
from tests.widget_helpers import png_size

SHOP = Architecture(
    [Service("gateway", calls=("orders", "search"), exposed=True),
     Service("orders", calls=("payments",), publishes=("order-placed",),
             datastores=("orders-db",)),
     Service("payments"), Service("search", exposed=True),
     Service("email", subscribes=("order-placed",))],
    name="shop",
)


def test_selecting_a_service_updates_report_and_drawing():
    explorer = BlastRadiusExplorer(SHOP)
    assert explorer.failing == "search"  # the first single point of failure
    first_png, first_report = explorer.image.value, explorer.report.value
    explorer.select("orders")
    assert explorer.dropdown.value == "orders"
    assert explorer.image.value != first_png and explorer.report.value != first_report
    assert explorer.describe() == (
        "orders fails: it takes down gateway (2 of 5 services); "
        "entry points still serving: search."
    )
    explorer.select("search")
    assert explorer.image.value == first_png  # the same picture for the same choice
    assert explorer.describe() == (
        "search fails: it takes down gateway (2 of 5 services); "
        "every entry point is down: a single point of failure."
    )
    assert repr(explorer) == "BlastRadiusExplorer('shop', failing='search')"
    assert explorer._repr_mimebundle_()["text/plain"] == repr(explorer)


def test_a_repainted_figure_is_the_figure_drawn_afresh():
    explorer = BlastRadiusExplorer(SHOP, failing="payments")
    for service in ("orders", "email", "gateway"):
        explorer.select(service)
        fresh = BlastRadiusExplorer(SHOP, failing=service)
        assert explorer.image.value == fresh.image.value


def test_the_figure_is_shown_at_its_own_pixel_size():
    explorer = BlastRadiusExplorer(SHOP)
    width, height = png_size(explorer.image.value)
    assert (explorer.image.width, explorer.image.height) == (str(width), str(height))
    assert explorer.image.layout.width == f"{width}px"
    assert width <= 640 and height <= 460


def test_a_wrong_choice_is_named():
    explorer = BlastRadiusExplorer(SHOP, failing="orders")
    with pytest.raises(TheoryError, match="shop has no service 'billing'"):
        explorer.select("billing")
    with pytest.raises(TheoryError, match="shop has no service 'billing'"):
        BlastRadiusExplorer(SHOP, failing="billing")


def test_drawings_are_deterministic_and_layered():
    assert figure_png(draw_architecture(SHOP)) == figure_png(draw_architecture(SHOP))
    pos = layered_positions(SHOP)
    assert pos["service:gateway"][1] > pos["service:orders"][1] > pos["service:payments"][1]
    assert pos["datastore:orders-db"][1] < pos["service:payments"][1]


def _legend(fig):
    (legend,) = fig.legends
    return legend


def test_the_legend_names_every_colour_and_line_style_drawn():
    fig = draw_architecture(SHOP, failed={"orders", "gateway"}, failing="orders")
    legend = _legend(fig)
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels == ["service", "entry point", "failing", "fails with it", "data store",
                      "calls (waits)", "topic (async)", "uses data store"]
    marker_colours = {to_hex(h.get_markerfacecolor()) for h in legend.legend_handles
                      if h.get_marker() not in ("", "None", None)}
    (ax,) = fig.axes
    drawn = {to_hex(c) for collection in ax.collections
             for c in collection.get_facecolor() if collection.get_offsets().size}
    assert drawn <= marker_colours
    styles = {h.get_linestyle() for h in legend.legend_handles if h.get_marker() == "None"}
    assert styles == {"-", "--", ":"}


def test_the_legend_leaves_out_what_is_not_drawn_and_covers_nothing():
    plain = Architecture([Service("a", calls=("b",)), Service("b")], name="plain")
    fig = draw_architecture(plain)
    labels = [t.get_text() for t in _legend(fig).get_texts()]
    assert labels == ["service", "entry point", "calls (waits)"]
    FigureCanvasAgg(fig).draw()
    (ax,) = fig.axes
    assert not _legend(fig).get_window_extent().overlaps(ax.get_window_extent())


def test_the_failing_service_is_drawn_red_and_the_failed_orange():
    drawing = ArchitectureDrawing(SHOP, failures=True)
    drawing.paint({"orders", "gateway"}, "orders")
    colours = dict(zip(drawing.services, map(to_hex, drawing.nodes.get_facecolor()),
                       strict=True))
    assert colours["orders"] == COLOURS["failing"]
    assert colours["gateway"] == COLOURS["affected"]
    assert colours["search"] == COLOURS["service"]


def test_a_canvas_frame_equals_a_full_render():
    drawing = ArchitectureDrawing(SHOP, failures=True)
    canvas = Canvas(drawing.figure, drawing.changing)
    canvas.png()
    drawing.paint({"orders", "gateway"}, "orders", "after")
    blitted = canvas.png()
    fresh = ArchitectureDrawing(SHOP, failures=True)
    fresh.paint({"orders", "gateway"}, "orders", "after")
    assert blitted == Canvas(fresh.figure).png()
