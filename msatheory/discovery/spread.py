"""How the balancers of Algorithm 3.2.1 (服务发现算法) spread requests over a simulated fleet.

:func:`spread` sends the same Poisson stream of requests through a balancer to a fleet of
FIFO single-server instances on SimPy's virtual clock, one of them slower than the rest,
and measures the counts each instance got (with Jain's fairness index, :func:`jain`) and
the latency requests saw (:func:`nearest_rank` percentiles). Balancers blind to load
split requests evenly and drown the slow instance; those that count requests in flight
route around it.

The module stops at measuring: the balancers are :mod:`.balancers`, and the closed-form
result behind the power of two choices is :mod:`.choices`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import simpy

from msatheory.discovery.balancers import Balancer, candidates
from msatheory.discovery.registry import Instance
from msatheory.errors import (
    TheoryError,
    require_count,
    require_duration,
    require_number,
    require_seed,
)
from msatheory.sim import Simulation, nearest_rank

__all__ = [
    "MEAN_SERVICE_TIME",
    "SLOW_FACTOR",
    "UTILISATION",
    "Spread",
    "jain",
    "spread",
]

#: Default mean service time of an instance, in seconds.
MEAN_SERVICE_TIME = 0.1
#: By default the last instance (in id order) is this many times slower.
SLOW_FACTOR = 3.0
#: By default requests arrive at this fraction of the fleet's capacity.
UTILISATION = 0.7


@dataclass(frozen=True)
class Spread:
    """How a balancer spread ``requests`` over a simulated fleet.

    ``counts``: requests per instance, in id order. ``fairness``: Jain's index of the
    counts, (Σx)² / (n Σx²), 1 when all are equal and 1/n when one takes all.
    ``max_mean``: the busiest instance's count over the mean count. Latencies (s) run
    from arrival to completion; ``p99_latency`` is the nearest-rank 99th percentile.
    ``max_queue``: the most requests ever at one instance (waiting or in service).
    """

    balancer: str
    counts: Mapping[str, int]
    fairness: float
    max_mean: float
    mean_latency: float
    p99_latency: float
    max_queue: int


def jain(counts: Sequence[float]) -> float:
    """Jain's fairness index (Σx)² / (n Σx²) of non-negative ``counts``, not all zero.

    >>> jain([5, 5, 5]), jain([9, 0, 0])
    (1.0, 0.3333333333333333)

    (R. Jain, D. Chiu and W. Hawe, "A Quantitative Measure of Fairness and
    Discrimination for Resource Allocation in Shared Computer Systems", DEC TR-301, 1984.)
    """
    for k, x in enumerate(counts):
        require_number("jain", f"counts[{k}]", x)
    total, squares = sum(counts), sum(x * x for x in counts)
    if not counts or squares == 0:
        raise TheoryError(f"jain: counts must hold some positive count, not {list(counts)!r}")
    return total * total / (len(counts) * squares)


def spread(
    balancer: Balancer,
    instances: Sequence[Instance],
    *,
    requests: int = 2000,
    rate: float | None = None,
    service_times: Mapping[str, float] | None = None,
    seed: int = 0,
) -> Spread:
    """Send ``requests`` through ``balancer`` to ``instances`` in a SimPy simulation.

    Requests arrive as a Poisson stream of ``rate`` per second. Each instance is a FIFO
    single server whose service time is exponential with mean ``service_times[id]``
    seconds. By default every instance takes :data:`MEAN_SERVICE_TIME` except the last
    in id order, :data:`SLOW_FACTOR` times slower, and ``rate`` is :data:`UTILISATION`
    of the fleet's capacity Σ 1/mean. (With five instances that is 30.3 req/s: a
    balancer that splits evenly sends the slow one 6.1 req/s, more than its 3.3.)

    On arrival the balancer selects an instance; on completion it is told via
    ``release``. Arrival gaps and each request's work are drawn up front from a
    generator seeded by ``seed``, so every balancer meets the same requests. The
    balancer keeps its state: pass a fresh one to repeat a run.

    >>> from msatheory.discovery.balancers import RoundRobin
    >>> fleet = [Instance(f"api-{k}", "api", f"http://api-{k}") for k in (1, 2)]
    >>> result = spread(RoundRobin(), fleet, requests=50)
    >>> dict(result.counts), result.fairness
    ({'api-1': 25, 'api-2': 25}, 1.0)
    """
    owner = "spread"
    if not callable(getattr(balancer, "select", None)) or not callable(
        getattr(balancer, "release", None)
    ):
        raise TheoryError(f"{owner}: balancer must be a load balancer (with select and "
                          f"release), not {balancer!r}")
    fleet = candidates(owner, instances)
    require_count(owner, "requests", requests, least=1)
    require_seed(owner, seed)
    ids = [i.id for i in fleet]
    if service_times is None:
        service_times = {i: MEAN_SERVICE_TIME for i in ids}
        service_times[ids[-1]] = MEAN_SERVICE_TIME * SLOW_FACTOR
    if not isinstance(service_times, Mapping):
        raise TheoryError(f"{owner}: service_times must map instance ids to seconds, "
                          f"not {service_times!r}")
    unknown = sorted(set(service_times) - set(ids), key=repr)
    if unknown:
        raise TheoryError(f"{owner}: service_times names unknown instance(s) {unknown!r}")
    missing = [i for i in ids if i not in service_times]
    if missing:
        raise TheoryError(f"{owner}: service_times gives no time for instance(s) {missing!r}")
    means = {i: require_duration(owner, f"service time of {i!r}", service_times[i],
                                 positive=True) for i in ids}
    if rate is None:
        rate = UTILISATION * sum(1 / m for m in means.values())
    rate = require_number(owner, "rate", rate, positive=True)

    sim = Simulation(seed)
    gaps = [sim.rng.expovariate(rate) for _ in range(requests)]
    work = [sim.rng.expovariate(1.0) for _ in range(requests)]
    servers = {i: simpy.Resource(sim.env, capacity=1) for i in ids}
    counts = dict.fromkeys(ids, 0)
    latencies: list[float] = []
    deepest = [0]
    members = {i.id: i for i in fleet}

    def request(k: int, instance: Instance) -> Any:
        arrived = sim.now
        server = servers[instance.id]
        with server.request() as turn:
            deepest[0] = max(deepest[0], server.count + len(server.queue))
            yield turn
            yield sim.timeout(work[k] * means[instance.id])
        latencies.append(sim.now - arrived)
        balancer.release(instance)

    def arrivals() -> Any:
        running = []
        for k in range(requests):
            yield sim.timeout(gaps[k])
            chosen = balancer.select(fleet)
            if not isinstance(chosen, Instance) or members.get(chosen.id) != chosen:
                raise TheoryError(f"{owner}: {balancer!r} chose {chosen!r}, not a listed instance")
            counts[chosen.id] += 1
            running.append(sim.process(request(k, chosen)))
        yield sim.env.all_of(running)

    sim.env.run(until=sim.process(arrivals()))
    values = list(counts.values())
    return Spread(
        balancer=getattr(balancer, "name", type(balancer).__name__),
        counts=MappingProxyType(counts),
        fairness=jain(values),
        max_mean=max(values) * len(values) / sum(values),
        mean_latency=math.fsum(latencies) / len(latencies),
        p99_latency=nearest_rank(latencies, 99),
        max_queue=deepest[0],
    )
