"""Re-execute notebooks in place, top to bottom, reproducibly.

    python tools/execute_notebooks.py                      # every notebooks/*.ipynb
    python tools/execute_notebooks.py notebooks/01a_microservice_systems.ipynb

Each notebook runs with nbclient in a fresh kernel started from this interpreter's
environment (the kernelspec "python3" resolves to ``sys.executable``), with ``notebooks/``
(the notebook's own directory) as working directory, ``PYTHONHASHSEED=0`` and the widget
state stored in the notebook metadata (the book renders widgets from it).

The result is deterministic for deterministic code:

* no timestamps: old ``metadata.execution`` entries are dropped and ``record_timing`` is off;
* consecutive stream outputs of a cell are merged (their split depends on kernel flushes);
* widget model ids, fresh random UUIDs in every run, are renamed to ids derived from the
  notebook's name and the order in which the models were created;
* the kernelspec and ``language_info`` metadata are normalised (no patch version, no
  interpreter path), so running under another Python 3 build does not change the file.

Each notebook's line gives its wall time and its CPU time (this process's and its kernel's):
on a shared machine the first grows with the load, the second hardly.

A cell that raises stops the run and leaves the notebook file unchanged; the exit status is
non-zero when any notebook failed. Notebooks run side by side, one process each, as many at
once as ``--jobs`` (default: the machine's cores); each kernel is a process of its own, so
the outputs do not depend on how many run at once.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import sys
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
ID_NAMESPACE = uuid.UUID("6f1c4a52-4d36-4c8e-9a55-2f3d0b7d1a10")


def prepare(nb: nbformat.NotebookNode) -> None:
    """Drop everything a previous run left behind."""
    nb.metadata.pop("widgets", None)
    nb.metadata.pop("execution", None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("ExecuteTime", None)  # jupyterlab-execute-time extension
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None


def coalesce_streams(nb: nbformat.NotebookNode) -> None:
    """Merge consecutive stdout (or stderr) outputs of a cell into one.

    How a cell's prints are cut into stream messages depends on when the kernel flushes, so
    the same cell yields one or several outputs from run to run.
    """
    for cell in nb.cells:
        merged: list = []
        for output in cell.get("outputs", []):
            previous = merged[-1] if merged else None
            if (
                output.output_type == "stream"
                and previous is not None
                and previous.output_type == "stream"
                and previous.name == output.name
            ):
                previous.text += output.text
            else:
                merged.append(output)
        if "outputs" in cell:
            cell.outputs = merged


def normalise_metadata(nb: nbformat.NotebookNode) -> None:
    info = nb.metadata.get("language_info", {})
    if "version" in info:
        info["version"] = ".".join(str(info["version"]).split(".")[:2])
    nb.metadata["kernelspec"] = dict(KERNELSPEC)


def stable_widget_ids(nb: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """Rename widget model ids (random UUID hex strings) to deterministic ones."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    old_ids = list(state)
    # Views displayed in outputs refer to models too; include any not in the saved state.
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view and view.get("model_id") not in state:
                old_ids.append(view["model_id"])
    if not old_ids:
        return nb
    mapping = {
        old: uuid.uuid5(ID_NAMESPACE, f"{name}:{index}").hex for index, old in enumerate(old_ids)
    }
    pattern = re.compile("|".join(re.escape(old) for old in sorted(mapping, key=len, reverse=True)))
    text = nbformat.writes(nb)
    text = pattern.sub(lambda match: mapping[match.group(0)], text)
    return nbformat.reads(text, as_version=nbformat.NO_CONVERT)


def cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (the kernels, once shut
    down): a notebook's own cost, whatever else shares the machine."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def execute(path: Path, timeout: int) -> bool:
    nb = nbformat.read(path, as_version=4)
    prepare(nb)
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=timeout,
        record_timing=False,
        store_widget_state=True,
        allow_errors=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    started = time.time()
    cpu_started = cpu_seconds()
    try:
        client.execute(cwd=str(path.parent))
    except CellExecutionError as error:
        print(f"execute_notebooks: {path} FAILED, left unchanged:\n{error}", file=sys.stderr)
        return False
    coalesce_streams(nb)
    normalise_metadata(nb)
    nb = stable_widget_ids(nb, path.stem)
    nbformat.validate(nb)
    text = nbformat.writes(nb)
    if not text.endswith("\n"):
        text += "\n"
    previous = path.read_text(encoding="utf-8")
    if previous != text:
        path.write_text(text, encoding="utf-8")
    state = "updated" if previous != text else "unchanged"
    print(f"execute_notebooks: {path} {state} ({time.time() - started:.1f} s, "
          f"{cpu_seconds() - cpu_started:.1f} s CPU)", flush=True)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="notebooks run at once (default: the machine's cores)")
    args = parser.parse_args(argv)

    paths = args.notebooks or sorted(NOTEBOOKS.glob("*.ipynb"))
    if not paths:
        print("execute_notebooks: no notebooks found", file=sys.stderr)
        return 1
    missing = [p for p in paths if not p.is_file()]
    if missing:
        print(f"execute_notebooks: not found: {', '.join(map(str, missing))}", file=sys.stderr)
        return 1
    # Inherited by the kernel: str hashing, hence set iteration order, is fixed.
    os.environ["PYTHONHASHSEED"] = "0"
    started = time.time()
    resolved = [p.resolve() for p in paths]
    jobs = max(1, min(args.jobs, len(resolved)))
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        done = list(pool.map(execute, resolved, [args.timeout] * len(resolved)))
    failed = [p for p, ok in zip(resolved, done, strict=True) if not ok]
    if len(resolved) > 1:
        print(f"execute_notebooks: {len(resolved)} notebooks in {time.time() - started:.1f} s "
              f"({jobs} at once)", flush=True)
    if failed:
        print(f"execute_notebooks: {len(failed)} notebook(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
