"""The chapters in JupyterLab: Run All succeeds, and each chapter's widget reacts.

A private JupyterLab server (temporary settings, workspaces, runtime and root directories,
known token, free loopback port) serves a copy of a chapter notebook with its outputs and
widget state cleared, so nothing stored can satisfy the checks. The test runs every cell
from the Run menu, waits until every code cell has an execution count, checks that no cell
printed a traceback, then operates the chapter's widget as a reader would and checks that
the widget's figure (an Output widget's image, or an Image widget) changed:

* chapter 1, the blast-radius explorer: pick another failing service in the Dropdown;
* chapter 2, the granularity explorer: type a new "split above" threshold into the slider's
  readout, then check the verdicts report the new bounds;
* chapter 3, the registry explorer: partition the registry from the fleet, advance the
  clock, and check that the tiles and the lookup report what the detector decided.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the Python package playwright is not installed"
)

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"

SETTINGS = {
    # JupyterLab 4 only keeps visible cells in the DOM unless windowing is off.
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    # No news or update toast over the notebook.
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}

# The figure the widget redraws: an Output widget's image, or an Image widget.
WIDGET_FIGURE = ".widget-output img, img.widget-image"
TRACEBACK_OUTPUT = '.jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"]'
# Done when every code cell shows an execution count, or as soon as a traceback appears.
PROMPTS_DONE = """() => {
  const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];
  const failed = [...document.querySelectorAll('TRACEBACK_OUTPUT')]
      .some(e => e.textContent.includes('Traceback'));
  return failed || (prompts.length > 0
      && prompts.every(p => /^\\[\\d+\\]:$/.test(p.textContent.trim())));
}""".replace("TRACEBACK_OUTPUT", TRACEBACK_OUTPUT)


@dataclass
class Lab:
    url: str
    token: str
    notebook: str
    log: Path

    def api(self, path: str) -> object:
        request = urllib.request.Request(
            f"{self.url}{path}", headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.load(response)

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cleared_copy(source: Path, destination: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(source, as_version=4)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nbformat.write(nb, destination)


def stop(process: subprocess.Popen) -> None:
    """Stop the server; it shuts its kernels down (and they exit when their parent dies)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)  # anything left in the server's own group


@pytest.fixture
def lab(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Lab]:
    notebook = NOTEBOOKS / request.param
    if not notebook.is_file():
        pytest.fail(f"{notebook} does not exist")
    root, settings = tmp_path / "root", tmp_path / "settings"
    root.mkdir()
    for relative, values in SETTINGS.items():
        path = settings / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    cleared_copy(notebook, root / notebook.name)

    token, port = secrets.token_hex(16), free_port()
    env = dict(
        os.environ,
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"),  # ignore the user's jupyter config
        PYTHONHASHSEED="0",
    )
    command = [
        sys.executable, "-m", "jupyterlab",
        "--no-browser",
        "--allow-root",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
        f"--IdentityProvider.token={token}",
        "--LabApp.news_url=",
    ]  # fmt: skip
    log = tmp_path / "jupyterlab.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            command, cwd=root, env=env, stdout=sink, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
    server = Lab(f"http://127.0.0.1:{port}", token, notebook.name, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"jupyter lab exited ({process.returncode}):\n{server.log_tail()}")
            try:
                server.api("/api/status")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    pytest.fail(f"jupyter lab did not answer in 60 s:\n{server.log_tail()}")
                time.sleep(0.2)
        yield server
    finally:
        stop(process)


def wait_for_idle_kernel(lab: Lab, timeout: float = 60) -> None:
    """The toolbar's idle indicator is not enough: ask the server."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        kernels = lab.api("/api/kernels")
        if any(k["execution_state"] == "idle" and k["connections"] >= 1 for k in kernels):
            return
        time.sleep(0.25)
    pytest.fail(f"no idle, connected kernel after {timeout} s: {kernels}\n{lab.log_tail()}")


def tracebacks(page) -> list[str]:
    texts = page.locator(TRACEBACK_OUTPUT).all_inner_texts()
    return [text[-1500:] for text in texts if "Traceback" in text]


def run_all(page, lab: Lab) -> None:
    page.goto(f"{lab.url}/lab/tree/{lab.notebook}?reset&token={lab.token}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=60_000)
    wait_for_idle_kernel(lab)
    page.locator(".lm-MenuBar-item").filter(has_text=re.compile(r"^\s*Run\s*$")).click()
    page.locator("[data-command='runmenu:run-all']").click()
    page.wait_for_function(PROMPTS_DONE, timeout=180_000, polling=250)
    assert not tracebacks(page), "a cell raised:\n" + "\n---\n".join(tracebacks(page))


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
                    + "\n".join(tracebacks(page)))
    assert not tracebacks(page), "the widget callback raised:\n" + "\n---\n".join(tracebacks(page))


@pytest.mark.parametrize("lab", ["01_basics.ipynb"], indirect=True)
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


@pytest.mark.parametrize("lab", ["02_design.ipynb"], indirect=True)
def test_chapter_2_run_all_then_tighten_split_threshold(page, lab: Lab) -> None:
    run_all(page, lab)
    cell = widget_cell(page, ".widget-slider")
    before = cell.locator(WIDGET_FIGURE).first.get_attribute("src")
    assert before, "the widget shows no figure"
    assert "within [3, 20]" in cell.inner_text()

    slider = cell.locator(".widget-slider").filter(has_text="split above").first
    readout = slider.locator(".widget-readout").first
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("6")
    page.keyboard.press("Enter")
    wait_for_new_figure(page, cell, before, "setting split above to 6")
    page.wait_for_function(
        "c => c.innerText.includes('within [3, 6]')", arg=cell.element_handle(), timeout=30_000
    )


@pytest.mark.parametrize("lab", ["03_discovery.ipynb"], indirect=True)
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
                        + cell.inner_text() + "\n".join(tracebacks(page)))

    press("partition", "registry partitioned from the fleet")
    before = cell.locator(WIDGET_FIGURE).first.get_attribute("src")
    press("+30 s", "t = 90 s")
    wait_for_new_figure(page, cell, before, "advancing the clock by 30 s")
    press("+30 s", "lookup fails")
    assert cell.locator(".msa-tile").count() == 4
    assert "critical" in cell.locator(".msa-tiles").inner_text()
    press("heal", "t = 120 s: lookup fails")
    press("+30 s", "lookup returns orders-1, orders-3, orders-4")
