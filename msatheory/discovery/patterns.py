"""Pattern 3.3.1 (客户端发现) and Pattern 3.3.2 (服务端发现), compared in simulation.

In Pattern 3.3.1 (客户端发现, client-side discovery) every client queries the service
registry itself, caches the answer for ``cache_ttl`` seconds and picks an instance with
its own round robin, then calls that instance directly. In Pattern 3.3.2 (服务端发现,
server-side discovery) clients call a load balancer, which does the same on their
behalf and forwards the request: one more network hop each way and a little processing,
but the registry hears from the few balancers instead of from every client.

:func:`simulate` runs one pattern against a :class:`~msatheory.discovery.scenario.Scenario`
on SimPy's virtual clock: instances hold leases in a :class:`Registry` and renew them by
heartbeat while they are reachable, clients send Poisson traffic, and each request is
scored against the scenario's ground truth. :func:`compare` runs both patterns on the
same traffic; :func:`staleness_bound` is the closed-form worst case for how long a
crashed instance keeps receiving requests, which the simulation never exceeds.

Latency is *accounted*, not simulated: a request happens at one instant of virtual time,
and the hops and processing it needs are added up per request (sub-millisecond delays
would not change which instances are up). Failed requests are counted separately and
left out of the hop and latency means.
"""

from __future__ import annotations

import math
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import Any

import simpy

from msatheory.discovery.balancing import RoundRobin
from msatheory.discovery.registry import (
    Instance,
    NoHealthyInstance,
    Registry,
    ServiceNotFound,
)
from msatheory.discovery.scenario import Scenario
from msatheory.errors import TheoryError
from msatheory.sim import Simulation, VirtualClock

__all__ = [
    "CLIENT_SIDE",
    "PATTERNS",
    "SERVER_SIDE",
    "ClientSideDiscovery",
    "DiscoveryResult",
    "DiscoverySetup",
    "Network",
    "ServerSideDiscovery",
    "compare",
    "simulate",
    "staleness_bound",
]

#: Pattern 3.3.1 (客户端发现): the client asks the registry and picks an instance.
CLIENT_SIDE = "client-side"
#: Pattern 3.3.2 (服务端发现): a load balancer asks the registry and forwards.
SERVER_SIDE = "server-side"
PATTERNS = (CLIENT_SIDE, SERVER_SIDE)


def _number(owner: str, name: str, value: object, *, positive: bool = False,
            infinite: bool = False) -> float:
    """``value`` as a float if it is a real number >= 0 (> 0 with ``positive``), finite
    unless ``infinite``; otherwise a TheoryError naming ``owner``, ``name`` and the value."""
    ok = (not isinstance(value, bool) and isinstance(value, int | float)
          and (value > 0 if positive else value >= 0)
          and (infinite or math.isfinite(value)))
    if not ok:
        kind = "a positive" if positive else "a non-negative"
        limit = "" if infinite else " finite"
        raise TheoryError(f"{owner}: {name} must be {kind}{limit} number, not {value!r}")
    return float(value)


def _count(owner: str, name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise TheoryError(f"{owner}: {name} must be a positive whole number, not {value!r}")
    return value


@dataclass(frozen=True)
class Network:
    """Delays in seconds: ``hop`` one way per network hop, ``balancer`` processing at a
    load balancer, ``registry`` for a registry query's round trip."""

    hop: float = 0.0005
    balancer: float = 0.0002
    registry: float = 0.001

    def __post_init__(self) -> None:
        for name in ("hop", "balancer", "registry"):
            object.__setattr__(self, name, _number("Network", name, getattr(self, name)))

    @property
    def direct(self) -> float:
        """A call with no discovery: one hop there and one back."""
        return 2 * self.hop


@dataclass(frozen=True)
class DiscoverySetup:
    """One run of a discovery pattern.

    ``clients`` each send Poisson traffic at ``rate`` requests/s. A lookup is reused for
    ``cache_ttl`` s (by each client, or by each load balancer); with ``cache_ttl = 0``
    every request asks the registry. Server-side, there are ``balancers`` load
    balancers and client k is pinned to balancer k mod ``balancers`` (client-side
    ignores it). Instances renew their lease every ``heartbeat`` s; the registry keeps
    a lease for ``lease`` s (a ``heartbeat`` of ``lease`` or more lets even healthy
    instances drop out between heartbeats).
    """

    pattern: str
    clients: int = 20
    rate: float = 5.0
    cache_ttl: float = 30.0
    balancers: int = 2
    heartbeat: float = 10.0
    lease: float = 30.0
    network: Network = field(default_factory=Network)
    seed: int = 0

    def __post_init__(self) -> None:
        owner = "DiscoverySetup"
        if self.pattern not in PATTERNS:
            raise TheoryError(
                f"{owner}: pattern must be one of {', '.join(map(repr, PATTERNS))}, "
                f"not {self.pattern!r}"
            )
        _count(owner, "clients", self.clients)
        _count(owner, "balancers", self.balancers)
        for name, positive, infinite in (("rate", True, False), ("cache_ttl", False, True),
                                         ("heartbeat", True, False), ("lease", True, False)):
            value = _number(owner, name, getattr(self, name), positive=positive,
                            infinite=infinite)
            object.__setattr__(self, name, value)
        if not isinstance(self.network, Network):
            raise TheoryError(f"{owner}: network must be a Network, not {self.network!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise TheoryError(f"{owner}: seed must be an integer, not {self.seed!r}")

    @property
    def bound(self) -> float:
        """:func:`staleness_bound` for this setup's lease, heartbeat and cache TTL."""
        return staleness_bound(self.lease, self.heartbeat, self.cache_ttl)


def staleness_bound(lease: float, heartbeat: float, cache_ttl: float) -> float:
    """The longest a crashed instance can keep receiving requests: ``lease + cache_ttl``.

    An instance that crashes at c last renewed its lease at some r < c (at most
    ``heartbeat`` before c), so the registry lists it only while now < r + lease < c +
    lease. A cache filled by a lookup at L is used only while now < L + cache_ttl, so no
    request reaches the instance at or after c + lease + cache_ttl. The heartbeat period
    drops out of the worst case, since a heartbeat just before the crash renews the lease
    almost to c + lease; it sets the best case instead: the registry keeps listing the
    instance until at least c - heartbeat + lease.
    """
    owner = "staleness_bound"
    _number(owner, "heartbeat", heartbeat, positive=True)
    return (_number(owner, "lease", lease, positive=True)
            + _number(owner, "cache_ttl", cache_ttl, infinite=True))


@dataclass(frozen=True)
class DiscoveryResult:
    """What one run measured.

    ``stale`` requests went to an instance that was down (the cache or the registry
    still listed it); ``unlisted`` ones found no healthy instance in the registry. Both
    fail. ``hops`` (one-way network hops, a registry query counting 2) and
    ``added_latency`` (seconds beyond a direct call with no discovery) are totals over
    the requests that succeeded. ``last_stale`` is the last time a request went to a down
    instance and ``staleness`` the longest an instance had been down when one did (for a
    crash: ``last_stale`` minus the crash time); both are None when no request did.
    """

    pattern: str
    scenario: str
    horizon: float
    requests: int
    stale: int
    unlisted: int
    lookups: int
    hops: int
    added_latency: float
    last_stale: float | None
    staleness: float | None
    bound: float

    @property
    def failed(self) -> int:
        """Requests that failed: stale or unlisted."""
        return self.stale + self.unlisted

    @property
    def served(self) -> int:
        """Requests that succeeded."""
        return self.requests - self.failed

    @property
    def failure_fraction(self) -> float:
        """Failed requests over all requests (0 with no requests)."""
        return self.failed / self.requests if self.requests else 0.0

    @property
    def mean_hops(self) -> float:
        """One-way network hops per successful request, registry queries included
        (nan if none succeeded)."""
        return self.hops / self.served if self.served else math.nan

    @property
    def added_latency_ms(self) -> float:
        """Mean milliseconds per successful request beyond a direct call (nan if none)."""
        return 1000 * self.added_latency / self.served if self.served else math.nan

    @property
    def lookups_per_second(self) -> float:
        """Registry queries per second of the horizon."""
        return self.lookups / self.horizon

    def __str__(self) -> str:
        staleness = ("none" if self.staleness is None
                     else f"{self.staleness:.2f} s (last at t={self.last_stale:.2f} s)")
        return (
            f"{self.pattern} on {self.scenario}: {self.requests} requests, {self.failed} failed "
            f"({100 * self.failure_fraction:.2f}%: {self.stale} stale, {self.unlisted} "
            f"unlisted), {self.mean_hops:.4f} hops, +{self.added_latency_ms:.4f} ms, "
            f"{self.lookups_per_second:.4f} lookups/s, staleness {staleness}, "
            f"bound {self.bound:g} s"
        )


class _SimClock(VirtualClock):
    """A registry clock that is always the simulation's time."""

    def __init__(self, sim: Simulation):
        super().__init__()
        self._sim = sim

    @property
    def now(self) -> float:
        return float(self._sim.now)

    def advance(self, seconds: float) -> float:
        raise TheoryError("this clock follows the simulation; it cannot be advanced by hand")


class ClientSideDiscovery:
    """Pattern 3.3.1 (客户端发现): a client that queries the registry itself.

    It caches its last lookup, picks with its own round robin and calls the instance
    directly: 2 network hops a request (there and back), nothing in between.
    """

    pattern = CLIENT_SIDE
    hops = 2

    def __init__(self) -> None:
        self.instances: Sequence[Instance] | None = None
        self.fetched = -math.inf
        self.balancer = RoundRobin()
        self.latency = 0.0

    def stale(self, now: float, cache_ttl: float) -> bool:
        """Whether the cached lookup must be refreshed before choosing."""
        return self.instances is None or now - self.fetched >= cache_ttl


class ServerSideDiscovery(ClientSideDiscovery):
    """Pattern 3.3.2 (服务端发现): a load balancer that discovers on its clients' behalf.

    One cache and one round robin serve every client pinned to it; a request takes
    4 hops (client, balancer, instance and back) plus the balancer's processing.
    """

    pattern = SERVER_SIDE
    hops = 4

    def __init__(self, network: Network) -> None:
        super().__init__()
        self.latency = network.direct + network.balancer


def simulate(setup: DiscoverySetup, scenario: Scenario) -> DiscoveryResult:
    """Run ``setup``'s pattern against ``scenario`` over [0, horizon) of virtual time.

    Each instance registers at t=0 (if reachable) and heartbeats every ``heartbeat`` s
    from a random phase while reachable; an instance back from a restart registers again
    at once. On each request the holder of the cache (the client, or its load balancer)
    queries the registry if its last lookup is ``cache_ttl`` s old or more (adding a
    registry round trip: 2 hops and ``network.registry`` s), then picks an instance by
    round robin. A lookup that finds no healthy instance fails the request and is not
    cached; a request to an instance that is not up fails. Failed requests are neither
    retried nor used to evict the instance.
    """
    if not isinstance(setup, DiscoverySetup):
        raise TheoryError(f"simulate: setup must be a DiscoverySetup, not {setup!r}")
    if not isinstance(scenario, Scenario):
        raise TheoryError(f"simulate: scenario must be a Scenario, not {scenario!r}")
    sim = Simulation(setup.seed)
    registry = Registry(_SimClock(sim), ttl=setup.lease)
    service, net = scenario.service, setup.network
    registered: set[str] = set()

    def renew(instance: Instance) -> None:
        if instance.id in registered:
            registry.heartbeat(instance.service, instance.id)
        else:
            registry.register(instance)
            registered.add(instance.id)

    def heartbeats(instance: Instance, phase: float) -> Generator[simpy.Event, Any, None]:
        if scenario.reachable(instance.id, sim.now):
            renew(instance)
        yield sim.timeout(phase)
        while True:
            if scenario.reachable(instance.id, sim.now):
                renew(instance)
            yield sim.timeout(setup.heartbeat)

    def restart(instance: Instance, at: float) -> Generator[simpy.Event, Any, None]:
        yield sim.timeout(at)
        if scenario.reachable(instance.id, sim.now):
            if instance.id in registered:
                registry.deregister(instance.service, instance.id)
                registered.discard(instance.id)
            renew(instance)

    for instance in scenario.instances:
        sim.process(heartbeats(instance, sim.rng.uniform(0, setup.heartbeat)))
        for outage in scenario.outages[instance.id]:
            if outage.restart and outage.end < scenario.horizon:
                sim.process(restart(instance, outage.end))

    if setup.pattern == SERVER_SIDE:
        views = [ServerSideDiscovery(net) for _ in range(setup.balancers)]
    else:
        views = [ClientSideDiscovery() for _ in range(setup.clients)]
    tally = {"requests": 0, "stale": 0, "unlisted": 0, "lookups": 0, "hops": 0}
    added = 0.0
    last_stale: float | None = None
    staleness: float | None = None

    def request(client: int) -> None:
        nonlocal added, last_stale, staleness
        now = sim.now
        view = views[client % len(views)]
        tally["requests"] += 1
        looked = view.stale(now, setup.cache_ttl)
        if looked:
            tally["lookups"] += 1
            try:
                view.instances, view.fetched = registry.lookup(service), now
            except (NoHealthyInstance, ServiceNotFound):
                view.instances = None
                tally["unlisted"] += 1
                return
        assert view.instances is not None
        chosen = view.balancer.select(view.instances)
        if not scenario.up(chosen.id, now):
            tally["stale"] += 1
            down_since = max(o.start for o in scenario.outages[chosen.id] if o.covers(now))
            last_stale = now
            staleness = max(staleness or 0.0, now - down_since)
            return
        tally["hops"] += view.hops + (2 if looked else 0)
        added += view.latency + (net.registry if looked else 0.0)

    def client(k: int) -> Generator[simpy.Event, Any, None]:
        while True:
            yield sim.timeout(sim.rng.expovariate(setup.rate))
            request(k)

    for k in range(setup.clients):
        sim.process(client(k))
    sim.run(until=scenario.horizon)
    return DiscoveryResult(
        pattern=setup.pattern, scenario=scenario.name, horizon=float(scenario.horizon),
        **tally, added_latency=added, last_stale=last_stale, staleness=staleness,
        bound=setup.bound,
    )


def compare(scenario: Scenario, *, clients: int = 20, rate: float = 5.0,
            cache_ttl: float = 30.0, balancers: int = 2, heartbeat: float = 10.0,
            lease: float = 30.0, network: Network | None = None,
            seed: int = 0) -> tuple[DiscoveryResult, DiscoveryResult]:
    """(client-side, server-side) results on ``scenario`` with otherwise equal parameters.

    The same seed gives both runs the same heartbeat phases and the same request times,
    so they differ only in how discovery is done.
    """
    common = dict(clients=clients, rate=rate, cache_ttl=cache_ttl, balancers=balancers,
                  heartbeat=heartbeat, lease=lease, network=network or Network(), seed=seed)
    client_side, server_side = (simulate(DiscoverySetup(p, **common), scenario)
                                for p in PATTERNS)
    return client_side, server_side
