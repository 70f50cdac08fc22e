"""Benchmark: how fast `msatheory check` starts, against importing what it cannot do without.

Checking a small file should take little longer than starting Python and importing
PyYAML and networkx, the two libraries every check needs: the goal is 1.5 times as
long. Each command runs N times (default 15) as a fresh subprocess of this interpreter
with this environment; the runs are interleaved, round by round in a rotated order, so
that drift in load or caches falls on every command alike, after one untimed run of
each that warms the file cache and compiles every module into a private bytecode cache
(``PYTHONPYCACHEPREFIX``): the steady state a user meets from the second run on,
whatever ``PYTHONDONTWRITEBYTECODE`` says. The table gives each command's median and minimum wall
time and its median over the baseline's. The error path, a file that fails the schema
(exit status 2), is reported on its own.

    python benchmarks/check_startup.py        # 15 runs of each
    python benchmarks/check_startup.py 50     # 50 runs of each
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
SHOP = ROOT / "msatheory" / "check" / "examples" / "shop.yaml"
RUNS = 15
GOAL = 1.5

COMPOSE = """\
services:
  gateway:
    image: nginx:1.27
    ports: ["8080:80"]
    environment:
      ORDERS_URL: http://orders:8080
    healthcheck:
      test: ["CMD", "wget", "-qO-", "http://localhost/health"]
  orders:
    image: example/orders:1.0
    environment:
      DATABASE_URL: postgres://orders-db:5432/orders
  orders-db:
    image: postgres:16
"""

SCHEMA_ERROR = """\
name: shop
services:
  orders:
    calls: [catalog]
    colour: red
  catalog: {}
"""


class Command(NamedTuple):
    """A command line to time, and the exit statuses that show it did its work."""

    label: str
    argv: list[str]
    statuses: tuple[int, ...]


#: The environment every command runs in (set by :func:`main`): bytecode cached privately.
ENVIRONMENT: dict[str, str] = {}


def commands(folder: Path) -> tuple[Command, list[Command], Command]:
    """The baseline, the checks of well-formed files, and the check of a broken file."""
    compose, broken = folder / "compose.yaml", folder / "schema-error.yaml"
    compose.write_text(COMPOSE)
    broken.write_text(SCHEMA_ERROR)

    def check(path: Path, statuses: tuple[int, ...]) -> Command:
        return Command(f"msatheory check {path.name}",
                       [sys.executable, "-m", "msatheory", "check", str(path)], statuses)

    baseline = Command('python -c "import yaml, networkx"',
                       [sys.executable, "-c", "import yaml, networkx"], (0,))
    return baseline, [check(SHOP, (0, 1)), check(compose, (0, 1))], check(broken, (2,))


def run(command: Command) -> float:
    """Seconds of wall time one fresh run of ``command`` takes."""
    start = time.perf_counter()
    done = subprocess.run(command.argv, cwd=ROOT, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=False, env=ENVIRONMENT)
    elapsed = time.perf_counter() - start
    if done.returncode not in command.statuses:
        raise SystemExit(f"{command.label}: exit status {done.returncode}, expected one of "
                         f"{command.statuses}\n{done.stderr}")
    return elapsed


def measure(everything: list[Command], runs: int) -> dict[str, list[float]]:
    """``runs`` timings of each command, interleaved, after one warm-up run of each."""
    for command in everything:
        run(command)
    times: dict[str, list[float]] = {c.label: [] for c in everything}
    for i in range(runs):
        shift = i % len(everything)
        for command in everything[shift:] + everything[:shift]:
            times[command.label].append(run(command))
    return times


def row(label: str, seconds: list[float], base: float | None) -> str:
    """One line of the table: median, minimum, and the median over the baseline's."""
    median = statistics.median(seconds)
    ratio = "baseline" if base is None else f"{median / base:.2f}x"
    goal = "" if base is None else (
        f"  (goal {GOAL}x: {'met' if median / base <= GOAL else 'missed'})")
    return (f"{label:<42} {median * 1000:>7.0f} ms {min(seconds) * 1000:>7.0f} ms"
            f" {ratio:>10}{goal}")


def main(argv: list[str]) -> None:
    runs = int(argv[0]) if argv else RUNS
    with tempfile.TemporaryDirectory() as folder:
        ENVIRONMENT.update({k: v for k, v in os.environ.items()
                            if k != "PYTHONDONTWRITEBYTECODE"})
        ENVIRONMENT["PYTHONPYCACHEPREFIX"] = str(Path(folder) / "bytecode")
        baseline, checks, error = commands(Path(folder))
        times = measure([baseline, *checks, error], runs)
    print(f"{runs} interleaved runs of each command, bytecode cached; {sys.executable} "
          f"(Python {sys.version.split()[0]})")
    base = statistics.median(times[baseline.label])
    print(f"\n{'command':<42} {'median':>10} {'min':>10} {'/ baseline':>10}")
    print(row(baseline.label, times[baseline.label], None))
    for command in checks:
        print(row(command.label, times[command.label], base))
    print("\nerror path (a schema error, exit status 2):")
    print(row(error.label, times[error.label], base))


if __name__ == "__main__":
    main(sys.argv[1:])
