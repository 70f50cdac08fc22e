"""The chapter 1 widget and drawings, operated without a browser."""

from __future__ import annotations

import pytest

from msatheory import TheoryError
from msatheory.basics import Architecture, Service
from msatheory.interactive.basics import BlastRadiusExplorer
from msatheory.interactive.draw import draw_architecture, figure_png, layered_positions

SHOP = Architecture(
    [Service("gateway", calls=("orders", "search"), exposed=True),
     Service("orders", calls=("payments",), datastores=("orders-db",)),
     Service("payments"), Service("search", exposed=True)],
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
        "orders fails: it takes down gateway (2 of 4 services); "
        "entry points still serving: search."
    )
    explorer.select("search")
    assert explorer.describe() == (
        "search fails: it takes down gateway (2 of 4 services); "
        "every entry point is down: a single point of failure."
    )
    assert repr(explorer) == "BlastRadiusExplorer('shop', failing='search')"
    assert explorer._repr_mimebundle_()["text/plain"] == repr(explorer)


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


# --- chapter 2 ------------------------------------------------------------------------

def test_granularity_explorer_follows_its_controls():
    from msatheory.design import Bounds, check_granularity, check_separation
    from msatheory.design.examples import shop_monolith
    from msatheory.interactive.design import GranularityExplorer

    explorer = GranularityExplorer(shop_monolith())
    first_png, first_report = explorer.image.value, explorer.report.value
    assert bytes(first_png).startswith(b"\x89PNG")
    assert first_report.count("msa-verdict") == 3
    explorer.set(split_above=6)
    assert explorer.bounds == Bounds(3, 6)
    design = explorer.design()
    assert check_granularity(design, Bounds(3, 6)).holds and check_separation(design).holds
    assert explorer.image.value != first_png and explorer.report.value != first_report
    assert f"{len(design.services)} services" in explorer.describe()
    explorer.set(method="louvain", call=0.0)
    assert repr(explorer) == (
        "GranularityExplorer('shop', bounds=[3, 6], weights=(write=3, read=1, call=0), "
        "method='louvain')"
    )
    assert explorer._repr_mimebundle_()["text/plain"] == repr(explorer)


def test_granularity_explorer_refuses_crossed_thresholds_and_unknown_controls():
    from msatheory.design.examples import shop_monolith
    from msatheory.interactive.design import GranularityExplorer

    explorer = GranularityExplorer(shop_monolith())
    explorer.set(split_above=8)
    shown = explorer.image.value
    explorer.set(merge_below=10)
    assert "must not exceed" in explorer.message.value
    assert explorer.image.value == shown
    explorer.set(merge_below=3)
    assert explorer.message.value == ""
    with pytest.raises(TheoryError, match="no control 'colour'"):
        explorer.set(colour="red")


def test_chapter_2_drawings_are_deterministic():
    from msatheory.design import Bounds, decompose
    from msatheory.design.examples import shop_context_map, shop_monolith
    from msatheory.interactive.design import (
        cluster_positions,
        draw_context_map,
        draw_cut,
        draw_feasibility,
    )

    monolith = shop_monolith()
    design = decompose(monolith).design
    pos = cluster_positions(design)
    assert set(pos) == {("function", f.name) for f in monolith.functions} | {
        ("entity", e.name) for e in monolith.entities
    }
    for draw in (lambda: draw_cut(monolith, design), lambda: draw_context_map(shop_context_map()),
                 lambda: draw_feasibility([Bounds(), Bounds(5, 6)])):
        assert figure_png(draw()) == figure_png(draw())
