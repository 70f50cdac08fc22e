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

The module stops at the patterns: the registry and its leases are :mod:`.registry`, the
balancers :mod:`.balancers`, and the scenarios :mod:`.scenario`.
"""

from __future__ import annotations

import contextlib
import functools
import math
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from typing import Any

import simpy

from msatheory.discovery.balancers import RoundRobin
from msatheory.discovery.registry import (
    Instance,
    InstanceNotFound,
    NoHealthyInstance,
    Registry,
    ServiceNotFound,
)
from msatheory.discovery.scenario import GroundTruth, Scenario
from msatheory.errors import (
    TheoryError,
    require_count,
    require_duration,
    require_instance,
    require_number,
    require_seed,
)
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


@dataclass(frozen=True)
class Network:
    """Delays in seconds: ``hop`` one way per network hop, ``balancer`` processing at a
    load balancer, ``registry`` for a registry query's round trip."""

    hop: float = 0.0005
    balancer: float = 0.0002
    registry: float = 0.001

    def __post_init__(self) -> None:
        for name in ("hop", "balancer", "registry"):
            object.__setattr__(self, name, require_duration("Network", name, getattr(self, name)))

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
        require_count(owner, "clients", self.clients, least=1)
        require_count(owner, "balancers", self.balancers, least=1)
        numbers = {
            "rate": require_number(owner, "rate", self.rate, positive=True),
            "cache_ttl": require_number(owner, "cache_ttl", self.cache_ttl, finite=False,
                                        unit="seconds"),
            "heartbeat": require_duration(owner, "heartbeat", self.heartbeat, positive=True),
            "lease": require_duration(owner, "lease", self.lease, positive=True),
        }
        for name, value in numbers.items():
            object.__setattr__(self, name, value)
        require_instance(owner, "network", self.network, Network)
        require_seed(owner, self.seed)

    @property
    def bound(self) -> float:
        """:func:`staleness_bound` for this setup's lease, heartbeat and cache TTL."""
        return staleness_bound(self.lease, self.heartbeat, self.cache_ttl)

    @property
    def registry_load(self) -> float:
        """Registry lookups a second, c / tau for the c cache holders (the clients
        client-side, the load balancers server-side); every request asks when the TTL is 0."""
        if self.cache_ttl == 0:
            return self.clients * self.rate
        holders = self.clients if self.pattern == CLIENT_SIDE else self.balancers
        return holders / self.cache_ttl

    @property
    def added_latency(self) -> float:
        """Seconds the pattern adds to each call beyond a direct one: none client-side;
        the balancer's extra hop each way and its processing server-side."""
        if self.pattern == CLIENT_SIDE:
            return 0.0
        return self.network.direct + self.network.balancer


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
    require_duration(owner, "heartbeat", heartbeat, positive=True)
    return (require_duration(owner, "lease", lease, positive=True)
            + require_number(owner, "cache_ttl", cache_ttl, finite=False, unit="seconds"))


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

    The client runs Algorithm 3.2.1 (服务发现算法) on its own: it caches its last lookup
    for ``cache_ttl`` s, picks with its own :class:`~.balancers.RoundRobin` and calls the
    chosen instance directly, 2 network hops a request (there and back) with nothing in
    between. Every client is a holder of a cache, so the registry hears from each.

    Attributes
    ----------
    instances : list of Instance or None
        The cached lookup (None before the first, or after one that failed).
    fetched : float
        When the cache was filled.
    balancer : RoundRobin
        The holder's own balancer.
    hops, latency
        Network hops per request, and seconds added beyond a direct call (none here).

    Examples
    --------
    >>> registry = Registry(ttl=None)
    >>> for k in (1, 2):
    ...     _ = registry.register(Instance(f"orders-{k}", "orders", f"http://orders-{k}:8080"))
    >>> client = ClientSideDiscovery()
    >>> chosen, looked = client.discover(registry, "orders", now=0.0, cache_ttl=30.0)
    >>> chosen.id, looked
    ('orders-1', True)
    >>> registry.deregister("orders", "orders-2")
    >>> chosen, looked = client.discover(registry, "orders", now=10.0, cache_ttl=30.0)
    >>> chosen.id, looked  # from the cache: it does not know orders-2 has left
    ('orders-2', False)

    See Also
    --------
    ServerSideDiscovery, simulate, compare

    References
    ----------
    .. [1] Pattern 3.3.1 of the theory (客户端发现).
    .. [2] Netflix's Eureka client with Ribbon, which caches the registry and balances
       in the caller.
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

    def discover(self, registry: Registry, service: str, now: float,
                 cache_ttl: float) -> tuple[Instance, bool]:
        """Algorithm 3.2.1 (服务发现算法) through the cache, at ``now``.

        Returns
        -------
        tuple of (Instance, bool)
            The instance chosen, and whether the registry was asked (the cache was
            ``cache_ttl`` s old or more, or empty).

        Raises
        ------
        ServiceNotFound, NoHealthyInstance
            If the registry was asked and its lookup failed; nothing is cached then.
        """
        looked = self.stale(now, cache_ttl)
        if looked:
            try:
                self.instances, self.fetched = registry.lookup(service), now
            except (NoHealthyInstance, ServiceNotFound):
                self.instances = None
                raise
        assert self.instances is not None
        return self.balancer.select(self.instances), looked


class ServerSideDiscovery(ClientSideDiscovery):
    """Pattern 3.3.2 (服务端发现): a load balancer that discovers on its clients' behalf.

    One cache and one round robin serve every client pinned to it; a request takes
    4 hops (client, balancer, instance and back) plus the balancer's processing. The
    registry hears from the few balancers instead of from every client.

    Parameters
    ----------
    network : Network
        The delays; the balancer adds ``network.direct + network.balancer`` seconds to
        every request.

    Examples
    --------
    >>> registry = Registry(ttl=None)
    >>> _ = registry.register(Instance("orders-1", "orders", "http://orders-1:8080"))
    >>> balancer = ServerSideDiscovery(Network())
    >>> chosen, looked = balancer.discover(registry, "orders", now=0.0, cache_ttl=30.0)
    >>> chosen.id, balancer.hops, round(1000 * balancer.latency, 4)
    ('orders-1', 4, 1.2)

    See Also
    --------
    ClientSideDiscovery, simulate, compare

    References
    ----------
    .. [1] Pattern 3.3.2 of the theory (服务端发现).
    .. [2] An AWS Elastic Load Balancer, or a Kubernetes Service (kube-proxy forwarding to
       the Service's endpoints).
    """

    pattern = SERVER_SIDE
    hops = 4

    def __init__(self, network: Network) -> None:
        require_instance("ServerSideDiscovery", "network", network, Network)
        super().__init__()
        self.latency = network.direct + network.balancer


# -- set-up -----------------------------------------------------------------------------------

def _holders(setup: DiscoverySetup) -> list[ClientSideDiscovery]:
    """The holders of a cache: every client (client-side), or the load balancers."""
    if setup.pattern == SERVER_SIDE:
        return [ServerSideDiscovery(setup.network) for _ in range(setup.balancers)]
    return [ClientSideDiscovery() for _ in range(setup.clients)]


def _start_fleet(sim: Simulation, registry: Registry, setup: DiscoverySetup,
                 scenario: Scenario) -> None:
    """Each instance's heartbeats from a random phase, and its re-registrations after the
    restarts the scenario holds."""
    for instance in scenario.instances:
        phase = sim.rng.uniform(0, setup.heartbeat)
        sim.process(_heartbeats(sim, scenario, registry, instance, phase, setup.heartbeat))
        for outage in scenario.outages[instance.id]:
            if outage.restart and outage.end < scenario.horizon:
                sim.process(_restarted(sim, scenario, registry, instance, outage.end))


# -- processes --------------------------------------------------------------------------------

_Process = Generator[simpy.Event, Any, None]


def _renew(registry: Registry, instance: Instance) -> None:
    """A heartbeat: renew the instance's lease, or register it if the registry holds none."""
    try:
        registry.heartbeat(instance.service, instance.id)
    except (ServiceNotFound, InstanceNotFound):
        registry.register(instance)


def _heartbeats(sim: Simulation, truth: GroundTruth, registry: Registry, instance: Instance,
                phase: float, period: float) -> _Process:
    """The instance registers at once, then heartbeats every ``period`` s from ``phase``,
    each time the registry can hear it."""
    if truth.reachable(instance.id, sim.now):
        _renew(registry, instance)
    yield sim.timeout(phase)
    while True:
        if truth.reachable(instance.id, sim.now):
            _renew(registry, instance)
        yield sim.timeout(period)


def _restarted(sim: Simulation, truth: GroundTruth, registry: Registry, instance: Instance,
               at: float) -> _Process:
    """At ``at`` the instance comes back as a new process and registers again, replacing
    its old registration, if the registry can hear it."""
    yield sim.timeout(at)
    if truth.reachable(instance.id, sim.now):
        with contextlib.suppress(ServiceNotFound, InstanceNotFound):
            registry.deregister(instance.service, instance.id)
        registry.register(instance)


def _client(sim: Simulation, rate: float, request: Callable[[float], None]) -> _Process:
    """Poisson traffic: a request every exponential(``rate``) seconds."""
    while True:
        yield sim.timeout(sim.rng.expovariate(rate))
        request(sim.now)


# -- scoring ----------------------------------------------------------------------------------

@dataclass
class _Tally:
    """What the requests of one run met, added up as they happen."""

    setup: DiscoverySetup
    scenario: Scenario
    registry: Registry
    requests: int = 0
    stale: int = 0
    unlisted: int = 0
    lookups: int = 0
    hops: int = 0
    added_latency: float = 0.0
    last_stale: float | None = None
    staleness: float | None = None

    def request(self, holder: ClientSideDiscovery, now: float) -> None:
        """One request at ``now`` through ``holder``, scored against the ground truth."""
        self.requests += 1
        try:
            chosen, looked = holder.discover(self.registry, self.scenario.service, now,
                                             self.setup.cache_ttl)
        except (NoHealthyInstance, ServiceNotFound):
            self.lookups += 1
            self.unlisted += 1
            return
        self.lookups += looked
        if not self.scenario.up(chosen.id, now):
            self.stale += 1
            down_since = max(o.start for o in self.scenario.outages[chosen.id] if o.covers(now))
            self.last_stale = now
            self.staleness = max(self.staleness or 0.0, now - down_since)
            return
        self.hops += holder.hops + (2 if looked else 0)
        self.added_latency += holder.latency + (self.setup.network.registry if looked else 0.0)

    def result(self) -> DiscoveryResult:
        """The totals as a :class:`DiscoveryResult`."""
        return DiscoveryResult(
            pattern=self.setup.pattern, scenario=self.scenario.name,
            horizon=float(self.scenario.horizon), requests=self.requests, stale=self.stale,
            unlisted=self.unlisted, lookups=self.lookups, hops=self.hops,
            added_latency=self.added_latency, last_stale=self.last_stale,
            staleness=self.staleness, bound=self.setup.bound,
        )


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

    >>> from msatheory.discovery.scenario import crash
    >>> result = simulate(DiscoverySetup(CLIENT_SIDE, clients=2, rate=1.0),
    ...                   crash(n=2, at=10.0, horizon=60.0))
    >>> result.requests == result.served + result.failed, result.bound
    (True, 60.0)
    """
    require_instance("simulate", "setup", setup, DiscoverySetup)
    require_instance("simulate", "scenario", scenario, Scenario)
    sim = Simulation(setup.seed)
    registry = Registry(_SimClock(sim), ttl=setup.lease)
    _start_fleet(sim, registry, setup, scenario)
    holders = _holders(setup)
    tally = _Tally(setup, scenario, registry)
    for k in range(setup.clients):
        sim.process(_client(sim, setup.rate, functools.partial(tally.request,
                                                               holders[k % len(holders)])))
    sim.run(until=scenario.horizon)
    return tally.result()


def compare(scenario: Scenario, *, clients: int = 20, rate: float = 5.0,
            cache_ttl: float = 30.0, balancers: int = 2, heartbeat: float = 10.0,
            lease: float = 30.0, network: Network | None = None,
            seed: int = 0) -> tuple[DiscoveryResult, DiscoveryResult]:
    """(client-side, server-side) results on ``scenario`` with otherwise equal parameters.

    The same seed gives both runs the same heartbeat phases and the same request times,
    so they differ only in how discovery is done.
    """
    def setup(pattern: str) -> DiscoverySetup:
        return DiscoverySetup(pattern, clients=clients, rate=rate, cache_ttl=cache_ttl,
                              balancers=balancers, heartbeat=heartbeat, lease=lease,
                              network=network or Network(), seed=seed)

    return simulate(setup(CLIENT_SIDE), scenario), simulate(setup(SERVER_SIDE), scenario)
