"""Benchmark: the book's time budgets, `make notebooks` and `make book` with nothing changed.

Both commands run on a temporary copy of the project (the notebooks, the package, the
book's sources and its last build, the two tools and the npm cache of the offline assets),
so the repository's files are not touched, whatever the commands write. The copy's
directory comes first on ``PYTHONPATH``, so the tools and the notebooks' kernels import the
package as it was copied, not the editable install's live files:

* ``tools/execute_notebooks.py``, as ``make notebooks`` runs it: every notebook, as many at
  once as the machine has cores. Goals: every notebook in 120 s (the command's wall time),
  each notebook in 20 s (its own time, printed by the tool, while the others run beside it).
* ``tools/build_book.py``, as ``make book`` runs it, with nothing changed since the last
  build. Goal: 5 s (it checks a fingerprint of its inputs instead of rebuilding). When the
  copied build is not of the current inputs, one full build runs first; its time is shown
  but has no goal. The no-change build runs three times; the median is compared.

Prints each measured number beside its goal and exits with status 1 if a goal is missed
(2 if a command fails). Other work on the machine makes every wall time larger, so the load
average before and after is printed, and each notebook's CPU time (its kernel's and the
client's) beside its wall time, with the notebooks' CPU time shared over the cores beside
the total: on an unshared machine the wall times come close to those.

    python benchmarks/budgets.py
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NoReturn

ROOT = Path(__file__).resolve().parents[1]

NOTEBOOKS_GOAL = 120.0  # seconds: `make notebooks`, every notebook
NOTEBOOK_GOAL = 20.0  # seconds: each notebook
BOOK_GOAL = 5.0  # seconds: `make book` with nothing changed
BOOK_RUNS = 3

#: What the two tools read, relative to the project's root; build/npm is the cache of the
#: offline assets (without it the copy would fetch them again).
COPIED = ("notebooks", "msatheory", "book", "tools", "pyproject.toml", "build/npm")
IGNORED = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints")
#: "execute_notebooks: <path> updated (12.3 s, 10.1 s CPU)", one line per notebook.
NOTEBOOK_LINE = re.compile(r"^execute_notebooks: (?P<path>.+\.ipynb) \w+ "
                           r"\((?P<seconds>[\d.]+) s, (?P<cpu>[\d.]+) s CPU\)$", re.MULTILINE)


def copy_project(target: Path) -> None:
    """Copy what the tools read into ``target``; book/notebooks stays a relative symlink."""
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, symlinks=True, ignore=IGNORED)
        elif source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def fail(message: str) -> NoReturn:
    """End the benchmark with status 2: a command failed or said something unexpected."""
    print(f"budgets: {message}", file=sys.stderr)
    raise SystemExit(2)


def run(argv: list[str], project: Path) -> tuple[float, str]:
    """Wall time and standard output of one run in ``project`` and on its package; a
    failure ends the benchmark."""
    path = os.pathsep.join(filter(None, [str(project), os.environ.get("PYTHONPATH")]))
    environment = dict(os.environ, PYTHONPATH=path)
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=project, env=environment, capture_output=True, text=True,
                          check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        said = (done.stdout + done.stderr).splitlines()
        failed = [line for line in said if line.endswith(("FAILED, left unchanged:", "failed"))]
        fail(f"{argv[1]} failed (exit {done.returncode})" + "".join(f"\n  {f}" for f in failed))
    return elapsed, done.stdout


def execute_notebooks(project: Path) -> tuple[float, dict[str, tuple[float, float]]]:
    """`make notebooks` on the copy: its wall time and each notebook's own wall and CPU
    time."""
    elapsed, out = run([sys.executable, str(project / "tools" / "execute_notebooks.py")], project)
    times = {Path(m["path"]).name: (float(m["seconds"]), float(m["cpu"]))
             for m in NOTEBOOK_LINE.finditer(out)}
    expected = sorted(p.name for p in (project / "notebooks").glob("*.ipynb"))
    if sorted(times) != expected:
        fail(f"expected a time for each of {len(expected)} notebooks, read {len(times)} "
             f"from:\n{out}")
    return elapsed, times


def build_book(project: Path) -> tuple[float | None, list[float]]:
    """The full build's time when the copy needed one (else None), and the no-change runs."""
    argv = [sys.executable, str(project / "tools" / "build_book.py")]
    elapsed, out = run(argv, project)
    full = None if "is up to date" in out else elapsed
    unchanged = []
    for _ in range(BOOK_RUNS):
        elapsed, out = run(argv, project)
        if "is up to date" not in out:
            fail(f"build_book.py rebuilt with nothing changed:\n{out}")
        unchanged.append(elapsed)
    return full, unchanged


def row(label: str, seconds: float, cpu: float | None, goal: float | None
        ) -> tuple[str, str, bool]:
    """The label, one line of the table, and whether its goal is met (True without one)."""
    met = goal is None or seconds <= goal
    verdict = "" if goal is None else ("met" if met else "MISSED")
    target = "-" if goal is None else f"{goal:.0f} s"
    used = "-" if cpu is None else f"{cpu:.1f} s"
    return label.strip(), f"{label:<42} {seconds:>8.1f} s {used:>9} {target:>7}  {verdict}", met


def main() -> int:
    cores = os.cpu_count() or 1
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="msatheory-budgets-") as folder:
        project = Path(folder)
        copy_project(project)
        total, notebooks = execute_notebooks(project)
        full, unchanged = build_book(project)
    load_after = os.getloadavg()[0]
    print(f"{len(notebooks)} notebooks, {min(cores, len(notebooks))} at once on {cores} cores; "
          f"{sys.executable} (Python {sys.version.split()[0]})")
    print(f"load average (1 min) {load_before:.1f} before, {load_after:.1f} after, on {cores} "
          "cores")
    print(f"\n{'budget':<42} {'measured':>10} {'CPU':>9} {'goal':>7}")
    cpu = sum(used for _, used in notebooks.values()) / min(cores, len(notebooks))
    rows = [row(f"make notebooks ({len(notebooks)} notebooks)", total, cpu, NOTEBOOKS_GOAL)]
    rows += [row(f"  {name}", *notebooks[name], NOTEBOOK_GOAL) for name in sorted(notebooks)]
    if full is not None:
        rows.append(row("make book, a full build (the copy's first)", full, None, None))
    median = statistics.median(unchanged)
    rows.append(row(f"make book, nothing changed (median of {BOOK_RUNS})", median, None,
                    BOOK_GOAL))
    for _, line, _ in rows:
        print(line)
    missed = [label for label, _, met in rows if not met]
    if missed:
        print(f"\n{len(missed)} budget(s) missed: {', '.join(missed)}")
        return 1
    print("\nevery budget met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
