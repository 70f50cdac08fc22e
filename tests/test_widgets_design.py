"""Chapter 2's explorer and figures (msatheory.interactive.design,
msatheory.interactive.figures.design), operated without a browser."""

from __future__ import annotations

import colorsys
import itertools

import pytest
from matplotlib.colors import to_hex, to_rgb

import msatheory.interactive.design as explorer_module
from msatheory.design.boundary import check_separation
from msatheory.design.decomposition import METHODS, decompose
from msatheory.design.examples import shop_context_map, shop_monolith
from msatheory.design.optimizer import optimize
from msatheory.design.sizing import Bounds, check_granularity, granularity
from msatheory.errors import TheoryError
from msatheory.interactive.design import GranularityExplorer
from msatheory.interactive.figures.design import (
    CROSSING,
    PALETTE,
    CutDrawing,
    cluster_positions,
    draw_context_map,
    draw_cut,
    draw_feasibility,
)
from msatheory.interactive.figures.png import figure_png
from tests.widget_helpers import png_size

SHOP = shop_monolith()


@pytest.fixture(scope="module")
def explorer() -> GranularityExplorer:
    return GranularityExplorer(SHOP)


@pytest.fixture(autouse=True)
def _back_to_defaults(explorer: GranularityExplorer):
    yield
    explorer.set(merge_below=3, split_above=20, write=3, read=1, call=2,
                 method="greedy_modularity")


def test_granularity_explorer_follows_its_controls(explorer):
    first_png, first_report = explorer.image.value, explorer.report.value
    assert first_report.count("msa-verdict") == 3
    explorer.set(split_above=6)
    assert explorer.bounds == Bounds(3, 6)
    design = explorer.design()
    assert check_granularity(design, Bounds(3, 6)).holds and check_separation(design).holds
    assert explorer.image.value != first_png and explorer.report.value != first_report
    assert "within [3, 6]" in explorer.report.value
    assert f"{len(design.services)} services" in explorer.describe()
    explorer.set(method="louvain", call=0.0)
    assert repr(explorer) == (
        "GranularityExplorer('shop', bounds=[3, 6], weights=(write=3, read=1, call=0), "
        "method='louvain')"
    )
    assert explorer._repr_mimebundle_()["text/plain"] == repr(explorer)


def test_moving_a_handle_is_moving_the_slider(explorer):
    explorer.bounds_slider.value = (4, 12)
    assert explorer.bounds == Bounds(4, 12)
    assert "within [4, 12]" in explorer.report.value
    assert repr(explorer).startswith("GranularityExplorer('shop', bounds=[4, 12]")


def test_crossed_bounds_are_refused_and_nothing_moves(explorer):
    explorer.set(split_above=8)
    shown = (explorer.image.value, explorer.report.value, repr(explorer))
    with pytest.raises(TheoryError, match=r"^GranularityExplorer: merge_below \(10\) must not "
                                          r"exceed split_above \(8\): no service could be "
                                          r"within bounds$"):
        explorer.set(merge_below=10)
    assert (explorer.image.value, explorer.report.value, repr(explorer)) == shown
    assert "bounds=[3, 8]" in repr(explorer)  # displaying it never raises
    explorer.set(merge_below=10, split_above=30)  # both at once: never crossed
    assert explorer.bounds == Bounds(10, 30)


@pytest.mark.parametrize(("values", "message"), [
    ({"method": "kmeans"}, "method must be one of greedy_modularity, louvain, "
                           "label_propagation, girvan_newman, not 'kmeans'"),
    ({"split_above": 100}, "split_above must be a whole number from 1 to 40, not 100"),
    ({"merge_below": 0}, "merge_below must be a whole number from 1 to 40, not 0"),
    ({"merge_below": 2.5}, "merge_below must be a whole number from 1 to 40, not 2.5"),
    ({"split_above": True}, "split_above must be a whole number from 1 to 40, not True"),
    ({"write": 7}, "write must be a number from 0 to 5, not 7"),
    ({"call": -1}, "call must be a number from 0 to 5, not -1"),
    ({"read": "1"}, "read must be a number from 0 to 5, not '1'"),
])
def test_a_value_out_of_range_is_named_and_nothing_moves(explorer, values, message):
    before = (repr(explorer), explorer.image.value)
    with pytest.raises(TheoryError) as raised:
        explorer.set(**values)
    assert str(raised.value) == f"GranularityExplorer: {message}"
    error = raised.value  # one error, not a chain
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)
    assert (repr(explorer), explorer.image.value) == before


def test_unknown_controls_and_methods_are_named():
    with pytest.raises(TheoryError, match=r"no control 'colour' \(its controls: merge_below, "
                                          r"split_above, write, read, call, method\)"):
        GranularityExplorer(SHOP).set(colour="red")
    with pytest.raises(TheoryError, match="method must be one of greedy_modularity"):
        GranularityExplorer(SHOP, method="kmeans")


def test_bounds_beyond_the_slider_widen_it_instead_of_being_clamped():
    wide = GranularityExplorer(SHOP, Bounds(3, 60))
    assert wide.bounds == Bounds(3, 60) and wide.bounds_slider.max == 60
    assert "bounds=[3, 60]" in repr(wide)


def test_moving_a_bound_never_clusters_again(explorer, monkeypatch):
    calls: list[str] = []

    def counting(monolith, weights, method):
        calls.append(method)
        return decompose(monolith, weights, method)

    monkeypatch.setattr(explorer_module, "decompose", counting)
    explorer.set(method="label_propagation")
    for split in (6, 9, 12, 20, 6):
        explorer.set(split_above=split)
    explorer.set(merge_below=4)
    assert calls == ["label_propagation"]
    first = explorer.image.value
    explorer.set(split_above=7)
    explorer.set(split_above=6)
    assert explorer.image.value == first  # back to a setting: the same picture


def test_the_figure_is_shown_at_its_own_pixel_size(explorer):
    width, height = png_size(explorer.image.value)
    assert (explorer.image.width, explorer.image.height) == (str(width), str(height))
    assert explorer.image.layout.width == f"{width}px"
    assert width <= 600 and height <= 600


def _hue_gap(a: str, b: str) -> float:
    ha = colorsys.rgb_to_hsv(*to_rgb(a))[0] * 360
    hb = colorsys.rgb_to_hsv(*to_rgb(b))[0] * 360
    return min(abs(ha - hb), 360 - abs(ha - hb))


def test_no_service_is_drawn_in_the_red_of_crossing_coupling():
    for colour in PALETTE:
        saturation = colorsys.rgb_to_hsv(*to_rgb(colour))[1]
        assert saturation < 0.25 or _hue_gap(colour, CROSSING) >= 25, colour
    drawing = CutDrawing(SHOP)
    drawing.show(optimize(decompose(SHOP).design, Bounds(1, 2)))  # more services than colours
    drawn = {to_hex(c) for n in (drawing.functions, drawing.entities)
             for c in n.get_facecolor()}
    assert drawn <= set(PALETTE)
    assert {to_hex(c) for c in drawing.across.get_edgecolor()} == {CROSSING}


@pytest.mark.parametrize("bounds", [Bounds(3, 20), Bounds(3, 6), Bounds(1, 2), Bounds(10, 40)])
def test_labels_never_overlap(bounds):
    design = optimize(decompose(SHOP).design, bounds)
    drawing = CutDrawing(SHOP, figsize=(5.6, 5.6))
    drawing.show(design)
    boxes = [path.get_extents() for path in drawing.halo.get_paths()]
    assert len(boxes) == len(SHOP.functions) + len(SHOP.entities) + len(design.services)
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b), (a, b)
    xlim, ylim = drawing.ax.get_xlim(), drawing.ax.get_ylim()
    for box in boxes:  # and every label is inside the picture
        assert xlim[0] <= box.x0 and box.x1 <= xlim[1] and ylim[0] <= box.y0 and box.y1 <= ylim[1]


def test_each_header_gives_the_granularity_of_its_service():
    design = optimize(decompose(SHOP).design, Bounds(3, 6))
    from msatheory.interactive.figures.design import header

    assert [header(s) for s in design.services] == [
        f"{s.name}  G={granularity(s)}" for s in design.services]


def test_chapter_2_drawings_are_deterministic():
    design = decompose(SHOP).design
    pos = cluster_positions(design)
    assert set(pos) == {("function", f.name) for f in SHOP.functions} | {
        ("entity", e.name) for e in SHOP.entities
    }
    for draw in (lambda: draw_cut(SHOP, design), lambda: draw_context_map(shop_context_map()),
                 lambda: draw_feasibility([Bounds(), Bounds(5, 6)])):
        assert figure_png(draw()) == figure_png(draw())


def test_every_method_can_be_chosen(explorer):
    for method in METHODS:
        explorer.set(method=method)
        assert explorer.report.value.count("msa-verdict") == 3
