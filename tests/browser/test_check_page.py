"""The page ``msatheory check --format html`` writes, opened in headless Chromium from a file:
it renders offline, draws the system, and fits the window but for the drawing."""

from __future__ import annotations

import pytest

from msatheory.check import EXAMPLES, load
from msatheory.check.html import page as check_page
from msatheory.check.report import check_system

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[str, int, int]:
    """The page of the tangled shop and the shop's manifests, its URL, how many nodes are
    marked and how many statements were checked."""
    reports = [check_system(load(EXAMPLES / name))
               for name in ("tangled-shop.yaml", "shop-k8s.yaml")]
    path = tmp_path_factory.mktemp("check") / "report.html"
    path.write_text(check_page(reports), encoding="utf-8")
    arch = reports[0].system.architecture
    marked = {n for v in reports[0].verdicts for w in v.witnesses for n in w.involves
              if n in arch.services or n in arch.datastores}
    return path.as_uri(), len(marked), sum(len(r.verdicts) for r in reports)


def test_the_page_renders_from_a_file_with_no_other_request(page, written):
    url, marked, checked = written
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(url)
    assert requests == [url]
    assert page.errors == []
    drawings = page.locator("figure.drawing svg")
    assert drawings.count() == 2
    box = drawings.first.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 150
    assert page.locator("figure.drawing").first.locator("g.marked").count() == marked
    assert page.locator("h3:has-text('Statements checked') + table tbody tr").count() == checked


def test_a_marked_node_tells_its_witnesses_on_hover(page, written):
    page.goto(written[0])
    node = page.locator("g.marked[data-name='orders']").first
    tip = node.locator("title").text_content() or ""
    assert tip.startswith("orders (service)")
    assert "Axiom 1.1.1: dependency cycle" in tip
    assert node.locator("circle").count() == 1


@pytest.mark.parametrize("width", [1280, 800])
def test_only_the_drawing_scrolls_sideways(page, written, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(written[0])
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
