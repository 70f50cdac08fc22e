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
