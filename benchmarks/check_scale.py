"""Benchmark: how `msatheory check` scales with the size of an architecture.

Generates seeded architectures of n services and 5n synchronous calls (plus topics,
data stores, health checks and a gateway), writes each as a YAML architecture file,
and times the three stages of `msatheory check`: reading the file, building the
model, and running every checker (with the JSON and text reports). The last column
is the growth exponent between successive sizes: 1 means linear.

    python benchmarks/check_scale.py            # sizes 1250 to 20000
    python benchmarks/check_scale.py 10000      # one size
"""

from __future__ import annotations

import json
import math
import random
import sys
import tempfile
import time
from pathlib import Path

import yaml

from msatheory.check.document import load_architecture
from msatheory.check.report import check_system
from msatheory.check.source import read

SIZES = (1250, 2500, 5000, 10000, 20000)
CALLS_PER_SERVICE = 5


def architecture(services: int, seed: int = 0) -> dict[str, object]:
    """A seeded architecture document with ``services`` services and 5 calls per service."""
    rng = random.Random(seed)
    names = [f"svc-{i:05}" for i in range(services)]
    specs: dict[str, dict[str, object]] = {name: {} for name in names}
    calls = set()
    while len(calls) < CALLS_PER_SERVICE * services:
        u, v = rng.sample(range(services), 2)
        calls.add((names[u], names[v]))
    for u, v in sorted(calls):
        specs[u].setdefault("calls", []).append(v)
    topics = [f"topic-{i}" for i in range(services // 10)]
    for spec in specs.values():
        spec["datastores"] = [f"db-{rng.randrange(services)}"]
        spec["publishes"] = [rng.choice(topics)]
        spec["subscribes"] = [rng.choice(topics)]
        spec["healthcheck"] = rng.random() < 0.9
        spec["exposed"] = rng.random() < 0.01
        spec["replicas"] = rng.choice((1, 2, 3))
    return {"name": f"synthetic-{services}", "gateway": names[0], "services": specs}


def measure(services: int, folder: Path) -> dict[str, float]:
    """Seconds spent reading, building and checking one generated file."""
    path = folder / f"synthetic-{services}.yaml"
    path.write_text(yaml.safe_dump(architecture(services), sort_keys=False))
    start = time.perf_counter()
    source = read(path)
    parsed = time.perf_counter()
    system = load_architecture(source)
    built = time.perf_counter()
    report = check_system(system)
    json.dumps(report.as_dict())
    str(report)
    checked = time.perf_counter()
    return {"services": services, "calls": system.architecture.call_graph.number_of_edges(),
            "bytes": path.stat().st_size, "read": parsed - start, "build": built - parsed,
            "check": checked - built, "total": checked - start}


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv] or list(SIZES)
    print(f"{'services':>8} {'calls':>7} {'MB':>5} {'read s':>7} {'build s':>7} "
          f"{'check s':>7} {'total s':>7} {'growth':>6}")
    previous = None
    with tempfile.TemporaryDirectory() as folder:
        for n in sizes:
            row = measure(n, Path(folder))
            growth = (math.log(row["total"] / previous["total"])
                      / math.log(n / previous["services"])) if previous else None
            growth = f"{growth:6.2f}" if growth is not None else ""
            print(f"{n:>8} {row['calls']:>7} {row['bytes'] / 1e6:>5.1f} {row['read']:>7.2f} "
                  f"{row['build']:>7.2f} {row['check']:>7.2f} {row['total']:>7.2f} {growth:>6}")
            previous = row


if __name__ == "__main__":
    main(sys.argv[1:])
