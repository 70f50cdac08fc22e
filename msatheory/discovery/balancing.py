"""Algorithm 3.2.1 (服务发现算法): look a service up, then let a load balancer choose.

``discover`` is the algorithm; what it leaves open is ``loadBalancer.select``. The
theory's Go sketch answers with one round robin, ported here as written in
:class:`SketchRoundRobin` with its three defects: it indexes past the end when the
list shrinks (Go panics), one counter serves every service (so an instance can
starve), and an empty list yields a zero value instead of an error.
:class:`RoundRobin` corrects it; :class:`Random`, :class:`WeightedRoundRobin`,
:class:`LeastOutstanding` and :class:`PowerOfTwoChoices` are the balancers found in
the field. :func:`spread` measures them on a simulated fleet, and :func:`max_load`
meets the published answer, balls into bins (Azar, Broder, Karlin and Upfal 1994;
Mitzenmacher 2001): two random choices instead of one shrink the fullest bin from
about ln n / ln ln n to about ln ln n / ln 2.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import simpy

from msatheory.discovery.registry import Instance, NoHealthyInstance, Registry
from msatheory.errors import TheoryError, require_distinct
from msatheory.sim import Simulation, seeded_rng

__all__ = [
    "BALANCERS",
    "MEAN_SERVICE_TIME",
    "SLOW_FACTOR",
    "UTILISATION",
    "Balancer",
    "GoPanic",
    "LeastOutstanding",
    "PowerOfTwoChoices",
    "Random",
    "RoundRobin",
    "SketchRoundRobin",
    "Spread",
    "WeightedRoundRobin",
    "discover",
    "jain",
    "max_load",
    "max_load_estimate",
    "nearest_rank",
    "spread",
    "weight",
]


class GoPanic(TheoryError):
    """What the Go sketch would do at run time: panic (here, with the Go runtime's message)."""


def discover(registry: Registry, service: str, balancer: Balancer) -> Instance:
    """Algorithm 3.2.1 (服务发现算法): ``balancer.select(registry.lookup(service))``.

    ``lookup`` raises :class:`ServiceNotFound` or :class:`NoHealthyInstance` (the
    algorithm's ``error("Service not found")``); they propagate unchanged.
    """
    if not isinstance(registry, Registry):
        raise TheoryError(f"discover: registry must be a Registry, not {registry!r}")
    if not callable(getattr(balancer, "select", None)):
        raise TheoryError(f"discover: {balancer!r} is not a load balancer (it has no select)")
    instances = registry.lookup(service)
    return balancer.select(instances)


# --------------------------------------------------------------------------- balancers


def _candidates(owner: str, instances: Sequence[Instance]) -> tuple[Instance, ...]:
    """``instances`` in id order, checked: non-empty, Instances, distinct ids, one service."""
    if isinstance(instances, str | bytes) or not isinstance(instances, Sequence):
        raise TheoryError(f"{owner}: instances must be a list of Instances, not {instances!r}")
    for item in instances:
        if not isinstance(item, Instance):
            raise TheoryError(f"{owner}: {item!r} is not an Instance")
    if not instances:
        raise NoHealthyInstance(f"{owner}: no instance to choose from")
    require_distinct(owner, "instances", (i.id for i in instances))
    services = sorted({i.service for i in instances})
    if len(services) > 1:
        raise TheoryError(
            f"{owner}: instances of more than one service ({', '.join(map(repr, services))})"
        )
    return tuple(sorted(instances, key=lambda i: i.id))


class Balancer:
    """``loadBalancer`` of Algorithm 3.2.1: ``select`` picks one of the instances the
    registry returned; ``release`` is told that a request to an instance finished."""

    name: str = "balancer"

    def select(self, instances: Sequence[Instance]) -> Instance:
        """One of ``instances`` (an error if there is none)."""
        raise NotImplementedError

    def release(self, instance: Instance) -> None:
        """A request sent to ``instance`` has finished (nothing to do by default)."""
        if not isinstance(instance, Instance):
            raise TheoryError(f"{self.name}: can only release an Instance, not {instance!r}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class SketchRoundRobin(Balancer):
    """The Go sketch's ``RoundRobinBalancer`` as written, defects and all.

    One ``current`` index is shared by every call, whatever the service. An empty list
    returns ``None``, standing for Go's zero value ``ServiceInstance{}``; an index past
    the end raises :class:`GoPanic` with the message Go's runtime would print.
    """

    name = "sketch round robin"

    def __init__(self) -> None:
        self.current = 0

    def select(self, instances: Sequence[Instance]) -> Instance | None:  # type: ignore[override]
        """``instances[current]``, then ``current = (current + 1) % len(instances)``."""
        for item in instances:
            if not isinstance(item, Instance):
                raise TheoryError(f"{self.name}: {item!r} is not an Instance")
        if len(instances) == 0:
            return None  # return ServiceInstance{}
        if self.current >= len(instances):
            raise GoPanic(
                f"runtime error: index out of range [{self.current}] with length {len(instances)}"
            )
        selected = instances[self.current]
        self.current = (self.current + 1) % len(instances)
        return selected

    def __repr__(self) -> str:
        return f"SketchRoundRobin(current={self.current})"


class RoundRobin(Balancer):
    """The corrected round robin: per service, the next id after the one chosen last.

    It remembers, for each service, the id it chose last and picks the first instance
    in id order whose id is greater, wrapping around. On a fixed list of n instances
    any n consecutive calls choose each once; when the list changes it never fails,
    and an instance still listed is never passed over twice in a row.
    """

    name = "round robin"

    def __init__(self) -> None:
        self.last: dict[str, str] = {}

    def select(self, instances: Sequence[Instance]) -> Instance:
        """The first instance whose id follows the last one chosen for its service."""
        ordered = _candidates(self.name, instances)
        service = ordered[0].service
        last = self.last.get(service)
        chosen = next((i for i in ordered if last is not None and i.id > last), ordered[0])
        self.last[service] = chosen.id
        return chosen

    def __repr__(self) -> str:
        return f"RoundRobin(last={dict(sorted(self.last.items()))})"


class Random(Balancer):
    """Uniform choice among the instances (in id order) with a generator seeded by ``seed``."""

    name = "random"

    def __init__(self, seed: int = 0):
        self.seed = seed
        self.rng = seeded_rng(seed)

    def select(self, instances: Sequence[Instance]) -> Instance:
        """An instance drawn uniformly at random."""
        return self.rng.choice(_candidates(self.name, instances))

    def __repr__(self) -> str:
        return f"Random(seed={self.seed})"


_POSITIVE_INTEGER = re.compile(r"[0-9]+")


def weight(instance: Instance) -> int:
    """``instance.metadata["weight"]``, a positive integer written as a string (default 1)."""
    text = instance.metadata.get("weight", "1")
    if not _POSITIVE_INTEGER.fullmatch(text) or int(text) < 1:
        raise TheoryError(
            f"instance {instance.id!r}: weight must be a positive integer, not {text!r}"
        )
    return int(text)


class WeightedRoundRobin(Balancer):
    """Smooth weighted round robin, as nginx does it.

    Each pick adds every instance's weight to its ``current``, chooses the largest
    ``current`` (ties: the lowest id) and subtracts the total weight from it. Over
    sum(weights) picks each instance is chosen weight times, interleaved (5, 1, 1
    gives a a b a c a a). State is kept per service by instance id; ids no longer
    listed are forgotten, and new ones start at 0.
    """

    name = "weighted round robin"

    def __init__(self) -> None:
        self.current: dict[str, dict[str, int]] = {}

    def select(self, instances: Sequence[Instance]) -> Instance:
        """The instance with the largest current weight after adding every weight."""
        ordered = _candidates(self.name, instances)
        weights = {i.id: weight(i) for i in ordered}
        old = self.current.get(ordered[0].service, {})
        current = {i: old.get(i, 0) + w for i, w in weights.items()}
        best = max(ordered, key=lambda i: current[i.id])  # the first maximum: lowest id
        current[best.id] -= sum(weights.values())
        self.current[ordered[0].service] = current
        return best

    def __repr__(self) -> str:
        return f"WeightedRoundRobin(current={self.current})"


class _Outstanding(Balancer):
    """A balancer that counts the requests in flight to each instance."""

    def __init__(self, seed: int = 0):
        self.seed = seed
        self.rng = seeded_rng(seed)
        self._outstanding: dict[tuple[str, str], int] = {}

    def outstanding(self, instance: Instance) -> int:
        """How many requests sent to ``instance`` have not been released."""
        return self._outstanding.get((instance.service, instance.id), 0)

    def _take(self, instance: Instance) -> Instance:
        key = (instance.service, instance.id)
        self._outstanding[key] = self._outstanding.get(key, 0) + 1
        return instance

    def release(self, instance: Instance) -> None:
        """One request to ``instance`` has finished; an error if none was outstanding."""
        super().release(instance)
        key = (instance.service, instance.id)
        if self._outstanding.get(key, 0) == 0:
            raise TheoryError(
                f"{self.name}: instance {instance.id!r} of {instance.service!r} has no "
                "outstanding request to release"
            )
        self._outstanding[key] -= 1
        if self._outstanding[key] == 0:
            del self._outstanding[key]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(seed={self.seed}, outstanding={len(self._outstanding)})"


class LeastOutstanding(_Outstanding):
    """The instance with the fewest requests in flight (ties: a seeded random pick)."""

    name = "least outstanding"

    def __init__(self, seed: int = 0):
        super().__init__(seed)

    def select(self, instances: Sequence[Instance]) -> Instance:
        """An instance with the fewest outstanding requests; it now has one more."""
        ordered = _candidates(self.name, instances)
        fewest = min(self.outstanding(i) for i in ordered)
        return self._take(self.rng.choice([i for i in ordered if self.outstanding(i) == fewest]))


class PowerOfTwoChoices(_Outstanding):
    """Two distinct instances sampled at random; the one with fewer requests in flight wins.

    Ties go to the first sampled; a single instance is chosen outright. (Mitzenmacher,
    "The Power of Two Choices in Randomized Load Balancing", IEEE TPDS 12(10), 2001.)
    """

    name = "power of two choices"

    def select(self, instances: Sequence[Instance]) -> Instance:
        """The less loaded of two random instances; it now has one more outstanding."""
        ordered = _candidates(self.name, instances)
        if len(ordered) == 1:
            return self._take(ordered[0])
        first, second = self.rng.sample(ordered, 2)
        return self._take(second if self.outstanding(second) < self.outstanding(first) else first)


#: The corrected and field balancers by name, each a zero-argument factory (seed 0).
BALANCERS: Mapping[str, Callable[[], Balancer]] = MappingProxyType({
    RoundRobin.name: RoundRobin,
    Random.name: lambda: Random(0),
    WeightedRoundRobin.name: WeightedRoundRobin,
    LeastOutstanding.name: lambda: LeastOutstanding(0),
    PowerOfTwoChoices.name: lambda: PowerOfTwoChoices(0),
})


# --------------------------------------------------------------------------- spread

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
    """Jain's fairness index (Σx)² / (n Σx²) of non-negative ``counts``, not all zero."""
    total, squares = sum(counts), sum(x * x for x in counts)
    if not counts or squares == 0:
        raise TheoryError(f"Jain's index needs some positive count, not {list(counts)!r}")
    return total * total / (len(counts) * squares)


def nearest_rank(values: Sequence[float], percent: int) -> float:
    """The nearest-rank ``percent``-th percentile: the ceil(p/100 * N)-th smallest value."""
    if not values or not 0 < percent <= 100:
        raise TheoryError(f"no {percent!r}th percentile of {len(values)} value(s)")
    return sorted(values)[-(-percent * len(values) // 100) - 1]


def _positive(owner: str, what: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not (
        0 < value < math.inf
    ):
        raise TheoryError(f"{owner}: {what} must be a positive number, not {value!r}")
    return float(value)


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
    """
    owner = "spread"
    if not callable(getattr(balancer, "select", None)) or not callable(
        getattr(balancer, "release", None)
    ):
        raise TheoryError(f"{owner}: {balancer!r} is not a load balancer (select and release)")
    fleet = _candidates(owner, instances)
    if isinstance(requests, bool) or not isinstance(requests, int) or requests < 1:
        raise TheoryError(f"{owner}: requests must be a positive whole number, not {requests!r}")
    ids = [i.id for i in fleet]
    if service_times is None:
        service_times = {i: MEAN_SERVICE_TIME for i in ids}
        service_times[ids[-1]] = MEAN_SERVICE_TIME * SLOW_FACTOR
    if not isinstance(service_times, Mapping):
        raise TheoryError(f"{owner}: service_times must map instance ids to seconds")
    unknown = sorted(set(service_times) - set(ids), key=repr)
    if unknown:
        raise TheoryError(f"{owner}: service_times names unknown instance(s) {unknown!r}")
    missing = [i for i in ids if i not in service_times]
    if missing:
        raise TheoryError(f"{owner}: service_times gives no time for instance(s) {missing!r}")
    means = {i: _positive(owner, f"service time of {i!r}", service_times[i]) for i in ids}
    if rate is None:
        rate = UTILISATION * sum(1 / m for m in means.values())
    rate = _positive(owner, "rate", rate)

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


# --------------------------------------------------------------------------- balls into bins


def _whole(owner: str, what: str, value: object, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise TheoryError(f"{owner}: {what} must be a whole number >= {least}, not {value!r}")
    return value


def max_load(n_balls: int, n_bins: int, choices: int, seed: int) -> int:
    """The fullest bin after throwing ``n_balls`` balls one at a time, each into the least
    loaded of ``choices`` bins drawn uniformly with replacement (ties: the first drawn).

    ``choices=1`` is pure random placement; ``choices=2`` is the power of two choices.
    """
    _whole("max_load", "n_balls", n_balls, 0)
    _whole("max_load", "n_bins", n_bins, 1)
    _whole("max_load", "choices", choices, 1)
    rng = seeded_rng(seed)
    bins = [0] * n_bins
    for _ in range(n_balls):
        best = rng.randrange(n_bins)
        for _ in range(choices - 1):
            other = rng.randrange(n_bins)
            if bins[other] < bins[best]:
                best = other
        bins[best] += 1
    return max(bins)


def max_load_estimate(n: int, choices: int) -> float:
    """The leading-order asymptotic max load of n balls in n bins with ``choices`` choices.

    ln n / ln ln n for one choice; ln ln n / ln d for d >= 2 (Azar, Broder, Karlin and
    Upfal, "Balanced Allocations", STOC 1994). Only the leading term: the true max load
    differs by lower-order terms (Θ(1) for d >= 2), which at practical n are not small.
    """
    _whole("max_load_estimate", "n", n, 3)
    _whole("max_load_estimate", "choices", choices, 1)
    if choices == 1:
        return math.log(n) / math.log(math.log(n))
    return math.log(math.log(n)) / math.log(choices)
