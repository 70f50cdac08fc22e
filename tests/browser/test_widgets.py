"""The chapters' explorers in JupyterLab on a 1366x768 laptop screen: what a learner sees.

A notebook written here builds each chapter's explorer as its chapter does (so the test
does not depend on the chapters' other cells). JupyterLab runs it in a 1366x768 window;
the test then measures and operates each explorer:

* each fits in 700 pixels of height, controls and figure side by side, and its figure is
  drawn at its own resolution (CSS size = PNG size, no stretching);
* chapter 2's bounds cannot be crossed from the slider's readout, and the report keeps
  following the slider;
* chapter 3's tiles read at WCAG AA contrast as the browser paints them, a restarted
  instance says when it is up, and another detector keeps the time;
* chapter 4's policy order, burst and seed controls redraw the fate table, the summary
  and the figure, and the status cells read at WCAG AA contrast as painted;
* chapter 6's scheme, change and quorum sliders redraw the figure and the report, which
  says what the same explorer says in-process;
* chapter 7's release and strategy dropdowns and bake slider redraw the release's
  timeline and its report, which says what the same explorer says in-process;
* chapter 8's pattern dropdown and calls slider redraw the latency distribution and the
  report, which says what the same explorer says in-process.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.labserver import WIDGET_FIGURE, Lab, errors, run_all, serve

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the Python package playwright is not installed"
)
nbformat = pytest.importorskip("nbformat")

SCREEN = {"width": 1366, "height": 768}
TALLEST = 700

SETUP = '''\
%load_ext msatheory
from msatheory.basics.model import Architecture, Service
from msatheory.design.examples import shop_monolith
from msatheory.interactive.basics import BlastRadiusExplorer
from msatheory.interactive.communication import BreakerExplorer
from msatheory.interactive.data import QuorumExplorer, ShardingExplorer
from msatheory.interactive.deployment import DeploymentExplorer
from msatheory.interactive.design import GranularityExplorer
from msatheory.interactive.discovery import RegistryExplorer
from msatheory.interactive.gateway import GatewayExplorer
from msatheory.interactive.practice import PatternExplorer

shop = Architecture(
    [
        Service("gateway", calls=["catalogue", "cart", "orders"], exposed=True),
        Service("catalogue", datastores=["catalogue-db"]),
        Service("cart", calls=["catalogue"], datastores=["cart-cache"]),
        Service("orders", calls=["cart", "payments"], publishes=["order-placed"],
                datastores=["orders-db"]),
        Service("payments", datastores=["payments-db"]),
        Service("shipping", subscribes=["order-placed"], datastores=["shipping-db"]),
        Service("email", subscribes=["order-placed"]),
    ],
    name="shop",
)'''
EXPLORERS = {
    "chapter 1": 'BlastRadiusExplorer(shop, failing="payments")',
    "chapter 2": "GranularityExplorer(shop_monolith())",
    "chapter 3": ('explorer = RegistryExplorer()\nexplorer.advance(30)\n'
                  'explorer.crash("orders-2")\nexplorer.advance(30)\nexplorer'),
    "chapter 4": "GatewayExplorer()",
    "chapter 5": "BreakerExplorer()",
    "chapter 6 (sharding)": "ShardingExplorer()",
    "chapter 6 (quorum)": "QuorumExplorer()",
    "chapter 7": "DeploymentExplorer()",
    "chapter 8": "PatternExplorer()",
}


@pytest.fixture(scope="module")
def explorers_notebook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(SETUP)]
    nb.cells += [nbformat.v4.new_code_cell(source) for source in EXPLORERS.values()]
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)",
                                 "language": "python", "name": "python3"}
    path = tmp_path_factory.mktemp("notebook") / "explorers.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture
def lab(explorers_notebook: Path, tmp_path: Path) -> Iterator[Lab]:
    with serve(explorers_notebook, tmp_path) as server:
        yield server


@pytest.fixture
def screen(browser) -> Iterator[object]:
    context = browser.new_context(viewport=SCREEN)
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def explorer_cells(page) -> dict[str, object]:
    cells = page.locator(".jp-CodeCell")
    found = {name: cells.nth(k + 1) for k, name in enumerate(EXPLORERS)}
    for cell in found.values():
        cell.locator(WIDGET_FIGURE).first.wait_for()
        cell.locator(WIDGET_FIGURE).first.evaluate(
            "i => i.complete || new Promise(r => i.addEventListener('load', r))")
    return found


def measure(cell) -> dict[str, float]:
    """The explorer's box, and its figure's CSS and PNG sizes."""
    return cell.evaluate("""c => {
      const root = c.querySelector('.jp-OutputArea-output .jupyter-widgets');
      const img = c.querySelector('img.widget-image');
      const box = root.getBoundingClientRect(), shown = img.getBoundingClientRect();
      return {height: box.height, width: box.width, shown_width: shown.width,
              shown_height: shown.height, png_width: img.naturalWidth,
              png_height: img.naturalHeight, figure_top: shown.top - box.top,
              controls_top: c.querySelector('.widget-vbox').getBoundingClientRect().top
                            - box.top};
    }""")


def wait_for_text(page, cell, text: str) -> None:
    try:
        page.wait_for_function("([c, t]) => c.innerText.includes(t)",
                               arg=[cell.element_handle(), text], timeout=30_000)
    except sync_api.TimeoutError:
        pytest.fail(f"the explorer does not say {text!r}:\n{cell.inner_text()}\n"
                    + "\n".join(errors(page)))


def press(cell, label: str) -> None:
    cell.locator(".widget-button").filter(
        has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")).first.click()


def _linear(c: float) -> float:
    c /= 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _contrast(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    la, lb = (0.2126 * _linear(x[0]) + 0.7152 * _linear(x[1]) + 0.0722 * _linear(x[2])
              for x in (a, b))
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def styled(page, cell, selector: str, key: str) -> list[list[str]]:
    """Each element's data-<key>, colour and background, read in one pass of the page.

    The widget re-renders its HTML on every change; reading the elements in one function,
    polled until every one of them has a computed colour, never meets a replaced element.
    """
    return page.wait_for_function(
        """([c, selector, key]) => {
          const rows = [...c.querySelectorAll(selector)].map(t => [
            t.dataset[key], getComputedStyle(t).color, getComputedStyle(t).backgroundColor]);
          return rows.length && rows.every(([, f, b]) => f && b) && rows;
        }""", arg=[cell.element_handle(), selector, key], timeout=30_000).json_value()


def _rgb(css: str) -> tuple[float, ...]:
    return tuple(float(v) for v in re.findall(r"[\d.]+", css)[:3])


def test_each_explorer_fits_a_laptop_screen_at_native_resolution(screen, lab: Lab) -> None:
    run_all(screen, lab)
    for name, cell in explorer_cells(screen).items():
        cell.scroll_into_view_if_needed()
        size = measure(cell)
        assert size["height"] <= TALLEST, f"{name} is {size['height']:.0f} px tall: {size}"
        assert (size["shown_width"], size["shown_height"]) == (
            size["png_width"], size["png_height"]), f"{name}'s figure is scaled: {size}"
        # controls and figure side by side: the figure starts level with the controls
        assert abs(size["figure_top"] - size["controls_top"]) < 20, f"{name}: {size}"


def test_chapter_2_bounds_cannot_cross_and_the_report_follows(screen, lab: Lab) -> None:
    run_all(screen, lab)
    cell = explorer_cells(screen)["chapter 2"]
    readout = cell.locator(".widget-slider").filter(has_text="bounds").locator(
        ".widget-readout").first
    for typed, shown in (("25-8", "within [3, 20]"), ("3-6", "within [3, 6]")):
        before = cell.locator(WIDGET_FIGURE).first.get_attribute("src")
        readout.click()
        screen.keyboard.press("Control+A")
        screen.keyboard.type(typed)
        screen.keyboard.press("Enter")
        wait_for_text(screen, cell, shown)
        if shown.endswith("6]"):
            screen.wait_for_function(
                "([c, s, before]) => c.querySelector(s).getAttribute('src') !== before",
                arg=[cell.element_handle(), WIDGET_FIGURE, before], timeout=30_000)
    handle = cell.locator(".noUi-handle-upper").first
    handle.focus()
    screen.keyboard.press("ArrowRight")
    wait_for_text(screen, cell, "within [3, 7]")
    assert not errors(screen), "\n".join(errors(screen))


def test_chapter_3_tiles_are_readable_and_tell_the_truth(screen, lab: Lab) -> None:
    run_all(screen, lab)
    cell = explorer_cells(screen)["chapter 3"]
    wait_for_text(screen, cell, "t = 60 s")
    press(cell, "add instance")  # an absent tile, starting
    wait_for_text(screen, cell, "starting, up at t=61")
    cell.locator(".widget-dropdown select").nth(2).select_option(label="orders-2")
    press(cell, "restart")
    wait_for_text(screen, cell, "t = 60 s")
    # The tiles are re-rendered on every change: look the tile up afresh until it says so.
    sync_api.expect(cell.locator('.msa-tile[data-instance="orders-2"]')).to_contain_text(
        "starting", timeout=30_000)
    press(cell, "restart")
    wait_for_text(screen, cell, "orders-2 is already restarting")
    press(cell, "partition")
    press(cell, "+30 s")
    wait_for_text(screen, cell, "t = 90 s")
    colours = styled(screen, cell, ".msa-tile", "status")
    statuses = {status for status, _, _ in colours}
    assert len(statuses) >= 2, colours
    for status, colour, background in colours:
        ratio = _contrast(_rgb(colour), _rgb(background))
        assert ratio >= 4.5, f"{status} tile: {colour} on {background} reads at {ratio:.2f}:1"
    cell.locator(".widget-dropdown select").first.select_option(label="as written")
    wait_for_text(screen, cell, "replayed")
    assert "t = 90 s" in cell.inner_text()
    assert "NoHealthyInstances" not in cell.inner_text()
    assert not errors(screen), "\n".join(errors(screen))


def figure_source(cell) -> str | None:
    return cell.locator(WIDGET_FIGURE).first.get_attribute("src")


def wait_for_new_figure(page, cell, before: str | None) -> None:
    page.wait_for_function(
        "([c, s, before]) => c.querySelector(s).getAttribute('src') !== before",
        arg=[cell.element_handle(), WIDGET_FIGURE, before], timeout=30_000)


def test_chapter_4_controls_redraw_the_fates_and_the_limiters(screen, lab: Lab) -> None:
    run_all(screen, lab)
    cell = explorer_cells(screen)["chapter 4"]
    cell.scroll_into_view_if_needed()
    wait_for_text(screen, cell, "refused at authenticate yet charged quota: 0")
    wait_for_text(screen, cell, "fixed window 6")  # the boundary burst, twice the limit
    rows = cell.locator(".msa-fates tbody tr")
    assert rows.count() == 46
    assert "429" not in cell.locator(".msa-fates").inner_text()
    before = figure_source(cell)
    cell.locator(".widget-dropdown select").first.select_option(label="rate-limit first")
    wait_for_text(screen, cell, "refused at authenticate yet charged quota: 7")
    wait_for_text(screen, cell, "check_gateway finds 4 unsafe policy orders")
    wait_for_new_figure(screen, cell, before)
    sync_api.expect(cell.locator(".msa-fates")).to_contain_text("429", timeout=30_000)
    before = figure_source(cell)
    cell.locator(".widget-checkbox input").first.click()  # the burst off
    wait_for_text(screen, cell, "seed 0: 40 requests;")
    wait_for_new_figure(screen, cell, before)
    sync_api.expect(rows).to_have_count(40, timeout=30_000)
    seed = cell.locator(".widget-text input").first
    seed.fill("5")
    seed.press("Enter")
    wait_for_text(screen, cell, "seed 5:")
    colours = styled(screen, cell, ".msa-status", "outcome")
    assert len({outcome for outcome, _, _ in colours}) >= 4, colours
    for outcome, colour, background in colours:
        ratio = _contrast(_rgb(colour), _rgb(background))
        assert ratio >= 4.5, f"{outcome}: {colour} on {background} reads at {ratio:.2f}:1"
    size = measure(cell)
    assert size["height"] <= TALLEST, f"chapter 4 is {size['height']:.0f} px tall: {size}"
    assert not errors(screen), "\n".join(errors(screen))


def slider(cell, label: str):
    return cell.locator(".widget-slider").filter(has_text=label).locator(".noUi-handle").first


def test_chapter_6_controls_redraw_the_placement_and_the_quorum(screen, lab: Lab) -> None:
    from msatheory.interactive.data import QuorumExplorer, ShardingExplorer

    run_all(screen, lab)
    cells = explorer_cells(screen)
    cell = cells["chapter 6 (sharding)"]
    cell.scroll_into_view_if_needed()
    wait_for_text(screen, cell, "(minimal)")
    before = figure_source(cell)
    cell.locator(".widget-dropdown select").first.select_option(label="mod N")
    wait_for_text(screen, cell, "(not minimal)")
    wait_for_new_figure(screen, cell, before)
    before = figure_source(cell)
    cell.locator(".widget-dropdown select").nth(1).select_option(label="remove the last node")
    wait_for_text(screen, cell, "4 -> 3 nodes, node-3 leaves")
    wait_for_new_figure(screen, cell, before)
    for line in ShardingExplorer("mod N", change="remove").describe().splitlines():
        wait_for_text(screen, cell, line)
    assert measure(cell)["height"] <= TALLEST

    cell = cells["chapter 6 (quorum)"]
    cell.scroll_into_view_if_needed()
    wait_for_text(screen, cell, "partial quorum, R + W = 2 <= N")
    before = figure_source(cell)
    slider(cell, "W (write)").focus()
    screen.keyboard.press("ArrowRight")
    wait_for_text(screen, cell, "partial quorum, R + W = 3 <= N")
    screen.keyboard.press("ArrowRight")
    wait_for_text(screen, cell, "strict quorum, R + W = 4 > N")
    wait_for_new_figure(screen, cell, before)
    for line in QuorumExplorer(w=3).describe().splitlines():
        wait_for_text(screen, cell, line)
    slider(cell, "N (replicas)").focus()
    screen.keyboard.press("ArrowLeft")
    screen.keyboard.press("ArrowLeft")
    wait_for_text(screen, cell, "N = 1, R = 1, W = 1: strict quorum")  # R and W follow N
    size = measure(cell)
    assert size["height"] <= TALLEST, f"chapter 6 is {size['height']:.0f} px tall: {size}"
    assert not errors(screen), "\n".join(errors(screen))


def test_chapter_7_controls_redraw_the_release_and_its_report(screen, lab: Lab) -> None:
    from msatheory.interactive.deployment import DeploymentExplorer

    def says(explorer: DeploymentExplorer) -> None:
        for line in explorer.describe().splitlines():
            wait_for_text(screen, cell, line.strip())

    run_all(screen, lab)
    cell: Any = explorer_cells(screen)["chapter 7"]  # a Playwright Locator
    cell.scroll_into_view_if_needed()
    wait_for_text(screen, cell, "flagger: v1 -> v2-erroring, rolled back after")
    says(DeploymentExplorer())
    before = figure_source(cell)
    cell.locator(".widget-dropdown select").nth(1).select_option(label="good")
    wait_for_text(screen, cell, "flagger: v1 -> v2, promoted after")
    wait_for_new_figure(screen, cell, before)
    says(DeploymentExplorer(release="good"))
    before = figure_source(cell)
    cell.locator(".widget-dropdown select").first.select_option(
        label="rolling update (7.1.3)")
    wait_for_text(screen, cell, "rolling: v1 -> v2, promoted after")
    wait_for_new_figure(screen, cell, before)
    before = figure_source(cell)
    slider(cell, "bake (s)").focus()  # enabled for a rolling update
    screen.keyboard.press("ArrowLeft")
    says(DeploymentExplorer("rolling", release="good", bake=240))
    wait_for_new_figure(screen, cell, before)
    size = measure(cell)
    assert size["height"] <= TALLEST, f"chapter 7 is {size['height']:.0f} px tall: {size}"
    assert (size["shown_width"], size["shown_height"]) == (
        size["png_width"], size["png_height"]), f"chapter 7's figure is scaled: {size}"
    assert abs(size["figure_top"] - size["controls_top"]) < 20, f"chapter 7: {size}"
    assert not errors(screen), "\n".join(errors(screen))


def test_chapter_8_controls_redraw_the_request_and_its_report(screen, lab: Lab) -> None:
    from msatheory.interactive.figures.practice import PATTERNS
    from msatheory.interactive.practice import PatternExplorer

    def says(explorer: PatternExplorer) -> None:
        heading, _, _, latency, availability = explorer.describe().splitlines()
        for line in (heading, latency, availability):
            wait_for_text(screen, cell, line)

    run_all(screen, lab)
    cell: Any = explorer_cells(screen)["chapter 8"]  # a Playwright Locator
    cell.scroll_into_view_if_needed()
    says(PatternExplorer())
    before = figure_source(cell)
    cell.locator(".widget-dropdown select").first.select_option(label=PATTERNS["chain"])
    wait_for_new_figure(screen, cell, before)
    says(PatternExplorer("chain"))
    before = figure_source(cell)
    slider(cell, "n calls").focus()
    screen.keyboard.press("ArrowRight")
    wait_for_new_figure(screen, cell, before)
    says(PatternExplorer("chain", n=6))
    size = measure(cell)
    assert size["height"] <= TALLEST, f"chapter 8 is {size['height']:.0f} px tall: {size}"
    assert (size["shown_width"], size["shown_height"]) == (
        size["png_width"], size["png_height"]), f"chapter 8's figure is scaled: {size}"
    assert not errors(screen), "\n".join(errors(screen))
