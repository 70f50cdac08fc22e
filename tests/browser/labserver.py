"""A private JupyterLab server for the browser tests, and how to run a notebook in it.

The server gets temporary settings, workspaces, runtime, config and root directories, a
known token and a free loopback port. The notebook it serves is a copy with outputs and
widget state cleared, so nothing stored can satisfy a check. :func:`run_all` runs every
cell from the Run menu and waits until every code cell has an execution count, failing
as soon as a cell shows an error (a traceback, or a ``TheoryError`` shown as its message).
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

SETTINGS = {
    # JupyterLab 4 only keeps visible cells in the DOM unless windowing is off.
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    # No news or update toast over the notebook.
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}

# The figure a widget redraws: an Output widget's image, or an Image widget.
WIDGET_FIGURE = ".widget-output img, img.widget-image"
ERROR_OUTPUT = '.jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"]'
# Done when every code cell shows an execution count, or as soon as an error appears.
PROMPTS_DONE = """() => {
  const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];
  const failed = [...document.querySelectorAll('ERROR_OUTPUT')]
      .some(e => /Traceback|^\\s*\\w*(Error|Exception)\\b/.test(e.textContent));
  return failed || (prompts.length > 0
      && prompts.every(p => /^\\[\\d+\\]:$/.test(p.textContent.trim())));
}""".replace("ERROR_OUTPUT", ERROR_OUTPUT)


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


@contextlib.contextmanager
def serve(notebook: Path, tmp_path: Path) -> Iterator[Lab]:
    """A JupyterLab server on a cleared copy of ``notebook``, stopped on exit."""
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
    """The toolbar's idle indicator is not enough: ask the server.

    A server still starting the kernel may answer 500 for a moment; that is asked again,
    until the deadline."""
    deadline = time.monotonic() + timeout
    kernels: object = []
    while time.monotonic() < deadline:
        try:
            kernels = lab.api("/api/kernels")
        except urllib.error.HTTPError as error:
            if error.code < 500:
                raise
            kernels = f"HTTP {error.code} from /api/kernels"
            time.sleep(0.25)
            continue
        assert isinstance(kernels, list)
        if any(k["execution_state"] == "idle" and k["connections"] >= 1 for k in kernels):
            return
        time.sleep(0.25)
    pytest.fail(f"no idle, connected kernel after {timeout} s: {kernels}\n{lab.log_tail()}")


def errors(page) -> list[str]:
    """Every error a cell shows: tracebacks, and errors shown as their message."""
    texts = page.locator(ERROR_OUTPUT).all_inner_texts()
    pattern = re.compile(r"Traceback|^\s*\w*(Error|Exception)\b")
    return [text[-1500:] for text in texts if pattern.search(text)]


def run_all(page, lab: Lab) -> None:
    page.goto(f"{lab.url}/lab/tree/{lab.notebook}?reset&token={lab.token}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=60_000)
    wait_for_idle_kernel(lab)
    page.locator(".lm-MenuBar-item").filter(has_text=re.compile(r"^\s*Run\s*$")).click()
    page.locator("[data-command='runmenu:run-all']").click()
    page.wait_for_function(PROMPTS_DONE, timeout=180_000, polling=250)
    assert not errors(page), "a cell raised:\n" + "\n---\n".join(errors(page))
