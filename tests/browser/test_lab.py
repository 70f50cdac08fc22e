"""The chapters in JupyterLab: Run All succeeds, and each chapter's widget reacts.

A private JupyterLab server (temporary settings, workspaces, runtime and root directories,
known token, free loopback port) serves a copy of a chapter notebook with its outputs and
widget state cleared, so nothing stored can satisfy the checks. The test runs every cell
from the Run menu, waits until every code cell has an execution count, checks that no cell
showed an error, then operates the chapter's widget as a reader would and checks that the
widget's figure (an Output widget's image, or an Image widget) changed:

* chapter 1, the blast-radius explorer: pick another failing service in the Dropdown;
* chapter 2, the granularity explorer: type new bounds ("3-6": merge below 3, split above 6)
  into the bounds slider's readout, then check the verdicts report the new bounds;
* chapter 3, the registry explorer: partition the registry from the fleet, advance the
  clock, and check that the tiles and the lookup report what the detector decided;
* an exercise of lesson 1b: the starter's feedback says "not yet"; replace the answer with
  a correct one, run the cell, and the feedback turns to "passed".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.labserver import WIDGET_FIGURE, Lab, errors, run_all, serve

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the Python package playwright is not installed"
)

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"


@pytest.fixture
def lab(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Lab]:
    with serve(NOTEBOOKS / request.param, tmp_path) as server:
        yield server


def widget_cell(page, control: str):
    """The first code cell holding both ``control`` and the widget's figure."""
    cell = (
        page.locator(".jp-CodeCell")
        .filter(has=page.locator(control))
        .filter(has=page.locator(WIDGET_FIGURE))
        .first
    )
    cell.wait_for(timeout=30_000)
    cell.locator(WIDGET_FIGURE).first.wait_for(timeout=30_000)
    return cell


def wait_for_new_figure(page, cell, before: str, action: str) -> None:
    index = cell.evaluate("c => [...document.querySelectorAll('.jp-CodeCell')].indexOf(c)")
    figure_changed = """([index, before, selector]) => {
      const img = document.querySelectorAll('.jp-CodeCell')[index].querySelector(selector);
      return img && img.complete && img.naturalWidth > 0 && img.getAttribute('src') !== before;
    }"""
    try:
        page.wait_for_function(figure_changed, arg=[index, before, WIDGET_FIGURE], timeout=30_000)
    except sync_api.TimeoutError:
        pytest.fail(f"the figure did not change within 30 s of {action}\n"
                    + "\n".join(errors(page)))
    assert not errors(page), "the widget callback raised:\n" + "\n---\n".join(errors(page))


@pytest.mark.parametrize("lab", ["01a_microservice_systems.ipynb"], indirect=True)
def test_chapter_1_run_all_then_change_failing_service(page, lab: Lab) -> None:
    run_all(page, lab)
    cell = widget_cell(page, ".widget-dropdown select")
    select = cell.locator(".widget-dropdown select").first
    before = cell.locator(WIDGET_FIGURE).first.get_attribute("src")
    assert before, "the widget shows no figure"

    current = select.evaluate("s => s.options[s.selectedIndex].textContent")
    choices = select.locator("option").all_inner_texts()
    others = [choice for choice in choices if choice != current]
    assert others, f"the dropdown offers a single service: {choices}"
    select.select_option(label=others[0])
    wait_for_new_figure(page, cell, before, f"choosing {others[0]!r} instead of {current!r}")


@pytest.mark.parametrize("lab", ["02b_decomposing_a_monolith.ipynb"], indirect=True)
def test_chapter_2_run_all_then_tighten_split_threshold(page, lab: Lab) -> None:
    run_all(page, lab)
    cell = widget_cell(page, ".widget-slider")
    before = cell.locator(WIDGET_FIGURE).first.get_attribute("src")
    assert before, "the widget shows no figure"
    assert "within [3, 20]" in cell.inner_text()

    slider = cell.locator(".widget-slider").filter(has_text="bounds").first
    readout = slider.locator(".widget-readout").first
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("3-6")
    page.keyboard.press("Enter")
    wait_for_new_figure(page, cell, before, "setting the bounds to [3, 6]")
    page.wait_for_function(
        "c => c.innerText.includes('within [3, 6]')", arg=cell.element_handle(), timeout=30_000
    )


@pytest.mark.parametrize("lab", ["03a_registry_and_health.ipynb"], indirect=True)
def test_chapter_3_run_all_then_partition_the_registry(page, lab: Lab) -> None:
    run_all(page, lab)
    cell = widget_cell(page, ".msa-tiles")
    assert "t = 60 s" in cell.inner_text()

    def press(label: str, then: str) -> None:
        button = cell.locator(".widget-button").filter(
            has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")).first
        button.click()
        try:
            page.wait_for_function("([c, text]) => c.innerText.includes(text)",
                                   arg=[cell.element_handle(), then], timeout=30_000)
        except sync_api.TimeoutError:
            pytest.fail(f"after pressing {label!r} the explorer does not say {then!r}:\n"
                        + cell.inner_text() + "\n".join(errors(page)))

    press("partition", "registry partitioned from the fleet")
    before = cell.locator(WIDGET_FIGURE).first.get_attribute("src")
    press("+30 s", "t = 90 s")
    wait_for_new_figure(page, cell, before, "advancing the clock by 30 s")
    press("+30 s", "lookup fails")
    assert cell.locator(".msa-tile").count() == 4
    assert "critical" in cell.locator(".msa-tiles").inner_text()
    press("heal", "t = 120 s: lookup fails")
    press("+30 s", "lookup returns orders-1, orders-3, orders-4")


@pytest.mark.parametrize("lab", ["04b_limits_caches_fan_out.ipynb"], indirect=True)
def test_chapter_4_run_all_then_choose_another_limiter(page, lab: Lab) -> None:
    run_all(page, lab)
    cell = widget_cell(page, ".widget-dropdown select")
    before = cell.locator(WIDGET_FIGURE).first.get_attribute("src")
    assert before, "the widget shows no figure"
    assert "rate-limit first order, fixed-window" in cell.inner_text()
    limiter = cell.locator(".widget-dropdown").filter(has_text="limiter").locator("select")
    limiter.select_option(label="sliding-log")
    wait_for_new_figure(page, cell, before, "choosing the sliding log")
    page.wait_for_function("c => c.innerText.includes('rate-limit first order, sliding-log')",
                           arg=cell.element_handle(), timeout=30_000)


@pytest.mark.parametrize("lab", ["01b_availability.ipynb"], indirect=True)
def test_an_exercise_answered_in_the_browser_passes(page, lab: Lab) -> None:
    run_all(page, lab)
    cell = page.locator(".jp-CodeCell").filter(has_text='check("1.replicas"').first
    output = cell.locator(".jp-OutputArea-output")
    assert "1.replicas: not yet" in output.inner_text()

    cell.locator(".jp-InputArea-editor .cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(
        "import sympy as sp\n"
        "from msatheory.exercises import check\n"
        "a, A = sp.symbols('a A', positive=True)\n"
        'check("1.replicas", sp.log(1 - A) / sp.log(1 - a))'
    )
    page.keyboard.press("Shift+Enter")
    try:
        page.wait_for_function("c => c.innerText.includes('1.replicas: passed')",
                               arg=cell.element_handle(), timeout=60_000)
    except sync_api.TimeoutError:
        pytest.fail("the feedback did not turn to passed:\n" + cell.inner_text())
    assert not errors(page)
