"""Chapter 3's explorer and figures (msatheory.interactive.discovery,
msatheory.interactive.figures.discovery), operated without a browser."""

from __future__ import annotations

import re

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from msatheory.discovery.lab import RegistryLab, Tile
from msatheory.discovery.scenario import SCENARIOS
from msatheory.discovery.tradeoff import trade_off
from msatheory.errors import TheoryError
from msatheory.interactive.discovery import TILE_STYLES, RegistryExplorer, tile_html
from msatheory.interactive.figures.discovery import LabDrawing, draw_lab, draw_spread, draw_tradeoff
from msatheory.interactive.figures.png import Canvas, figure_png
from tests.widget_helpers import contrast, png_size


def tile_texts(explorer: RegistryExplorer) -> dict[str, str]:
    """Each tile's text, by instance."""
    found = re.findall(r'data-instance="([^"]+)".*?<br>(.*?)<br>', explorer.tiles.value)
    return dict(found)


def test_explorer_buttons_drive_the_lab_and_report_errors():
    explorer = RegistryExplorer(instances=3)
    first = explorer.image.value
    explorer.buttons["advance_10"].click()
    assert explorer.lab.now == 10 and explorer.image.value != first
    explorer.target.value = "orders-2"
    explorer.buttons["crash"].click()
    explorer.buttons["crash"].click()  # again: already down
    assert "orders-2 is already down at t=10" in explorer.report.value
    explorer.buttons["partition"].click()
    assert "registry partitioned from the fleet" in explorer.report.value
    explorer.buttons["advance_30"].click()
    assert "msa-error" not in explorer.report.value
    explorer.buttons["add"].click()
    assert explorer.target.options == ("orders-1", "orders-2", "orders-3", "orders-4")
    assert explorer.target.value == "orders-4"
    assert explorer.tiles.value.count('class="msa-tile"') == 4
    explorer.buttons["reset"].click()
    assert explorer.lab.now == 0 and explorer.history == []
    assert repr(explorer) == ("RegistryExplorer(RegistryLab(detector='corrected', "
                              "balancer='round robin', now=0, instances=3))")


def test_quick_repeated_clicks_each_move_the_clock_and_the_figure():
    explorer = RegistryExplorer()
    seen = {bytes(explorer.image.value)}
    for k in range(1, 7):
        explorer.buttons["advance_10"].click()
        assert explorer.lab.now == 10 * k and f"t = {10 * k} s" in explorer.report.value
        seen.add(bytes(explorer.image.value))
    assert len(seen) == 7


def test_a_restarted_instance_says_when_it_is_up_and_restart_twice_says_so():
    explorer = RegistryExplorer()
    explorer.advance(30)
    explorer.crash("orders-2")
    explorer.advance(30)
    assert tile_texts(explorer)["orders-2"] == "DOWN · critical"
    explorer.restart("orders-2")
    assert tile_texts(explorer)["orders-2"] == "starting, up at t=61 · critical"
    explorer.target.value = "orders-2"
    explorer.buttons["restart"].click()
    assert ("orders-2 is already restarting: it is up at t=61; advance the clock"
            in explorer.report.value)
    assert "has not crashed" not in explorer.report.value
    with pytest.raises(TheoryError, match="already restarting"):
        explorer.restart("orders-2")
    explorer.advance(10)
    assert tile_texts(explorer)["orders-2"].startswith("up · ")
    explorer.add()
    assert tile_texts(explorer)["orders-5"] == "starting, up at t=71 · absent"


def test_a_restart_of_a_running_instance_is_still_refused():
    explorer = RegistryExplorer()
    explorer.target.value = "orders-1"
    explorer.buttons["restart"].click()
    assert "orders-1 has not crashed" in explorer.report.value


def test_every_tile_reads_at_aa_contrast():
    for status, (background, colour, _) in TILE_STYLES.items():
        assert contrast(colour, background) >= 4.5, status
    for status in [*TILE_STYLES, "something new"]:
        for up, listed in ((True, True), (False, False), (False, True)):
            html = tile_html(Tile("orders-1", up, status, listed))
            background = re.search(r"background:(#[0-9a-f]{6})", html)
            colour = re.search(r";color:(#[0-9a-f]{6})", html)
            assert background and colour, html
            assert contrast(colour.group(1), background.group(1)) >= 4.5, html


def test_the_contrast_ratio_matches_wcag():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast("#ffffff", "#d0d7de") < 4.5  # the old "absent" tile, unreadable


def test_a_failed_lookup_is_a_sentence_for_every_detector():
    sketch = RegistryExplorer("as written", instances=2)
    sketch.partition()
    sketch.advance(31)
    sketch.heal()
    sketch.advance(30)
    assert sketch.describe().splitlines()[0] == (
        "lookup fails: the registry lists no instance of orders any more")
    assert "NoHealthyInstances" not in sketch.report.value
    checks = RegistryExplorer("thresholds", instances=2)
    checks.partition()
    checks.advance(60)
    assert checks.describe().splitlines()[0] == (
        "lookup fails: the registry holds 2 instances of orders, none of them healthy")


def test_changing_the_detector_replays_the_same_history_to_the_same_time():
    explorer = RegistryExplorer()
    explorer.advance(30)
    explorer.crash("orders-2")
    explorer.partition()
    explorer.advance(30)
    explorer.heal()
    explorer.advance(10)
    explorer.detector.value = "leases"
    assert explorer.lab.now == 70 and explorer.lab.detector_name == "leases"
    assert "leases detector, round robin: replayed 3 actions up to t = 70 s" in (
        explorer.report.value)
    same = RegistryExplorer("leases")
    same.advance(30)
    same.crash("orders-2")
    same.partition()
    same.advance(30)
    same.heal()
    same.advance(10)
    assert explorer.describe() == same.describe()
    assert explorer.image.value == same.image.value
    explorer.balancer.value = "random"
    assert explorer.lab.now == 70 and "replayed 3 actions" in explorer.report.value
    explorer.advance(1)
    assert "replayed" not in explorer.report.value


def test_the_figure_is_shown_at_its_own_pixel_size_and_as_drawn_afresh():
    explorer = RegistryExplorer()
    for _ in range(8):  # past the first minute: the time axis grows
        explorer.advance(10)
    explorer.crash("orders-3")
    explorer.advance(1)
    width, height = png_size(explorer.image.value)
    assert (explorer.image.width, explorer.image.height) == (str(width), str(height))
    assert explorer.image.layout.width == f"{width}px"
    assert width <= 600 and height <= 460
    fresh = LabDrawing(figsize=(5.6, 4.2))
    fresh.show(explorer.lab)
    assert explorer.image.value == Canvas(fresh.figure).png()


def test_the_legend_covers_no_row():
    lab = RegistryLab()
    lab.advance(20)
    lab.crash("orders-4")  # the top row
    lab.add()
    lab.advance(40)
    drawing = LabDrawing(figsize=(5.6, 4.2))
    drawing.show(lab)
    FigureCanvasAgg(drawing.figure).draw()
    (legend,) = drawing.figure.legends
    box = legend.get_window_extent()
    for ax in (drawing.counts_ax, drawing.picks_ax):
        assert not box.overlaps(ax.get_window_extent())
    assert not box.overlaps(drawing.title.get_window_extent())


def test_chapter_3_drawings_are_deterministic():
    lab = RegistryLab()
    lab.advance(20)
    lab.crash("orders-1")
    lab.advance(20)
    assert figure_png(draw_lab(lab)) == figure_png(draw_lab(lab))
    outcomes = [o for o in trade_off(SCENARIOS.values()) if o.scenario == "crash"]
    assert figure_png(draw_tradeoff(outcomes)) == figure_png(draw_tradeoff(outcomes))
    with pytest.raises(TheoryError, match="outcomes of one scenario"):
        draw_tradeoff(trade_off(SCENARIOS.values(), ["leases"]))


@pytest.mark.parametrize(("call", "message"), [
    (lambda: RegistryExplorer(detector="nope"), "unknown detector 'nope'"),
    (lambda: draw_spread([]), "at least one Spread"),
])
def test_bad_input_to_the_explorer_and_drawings_is_named(call, message):
    with pytest.raises(TheoryError, match=message):
        call()
