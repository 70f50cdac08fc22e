"""Def 1.1.1 and Def 1.1.2: services, data stores and the architecture they form."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from typing import NamedTuple

import networkx as nx

from msatheory.errors import (
    TheoryError,
    require_count,
    require_distinct,
    require_duration,
    require_instance,
    require_name,
    require_names,
)
from msatheory.theory.render import counted

__all__ = [
    "CALL_KINDS",
    "DATASTORE_KINDS",
    "Architecture",
    "Call",
    "Channel",
    "Datastore",
    "Microservice",
    "MicroserviceArchitecture",
    "Service",
]


#: What a data store is for. A broker carries messages between services (it is part
#: of C, the communication mechanisms); the others hold data.
DATASTORE_KINDS = ("database", "cache", "search", "broker")


@dataclass(frozen=True)
class Datastore:
    """A data store of the data layer D (Def 1.1.2): a database, cache, search index or broker."""

    name: str
    technology: str = ""
    kind: str = "database"

    def __post_init__(self) -> None:
        require_name("data store", "name", self.name)
        if self.kind not in DATASTORE_KINDS:
            raise TheoryError(f"data store {self.name!r}: kind must be one of "
                              f"{', '.join(DATASTORE_KINDS)}, not {self.kind!r}")


#: How a service reaches another: ``sync`` (request and wait), ``async`` (send and go on,
#: through a queue or a one-way message) or ``monitoring`` (watch: no dependency).
CALL_KINDS = ("sync", "async", "monitoring")


@dataclass(frozen=True)
class Call:
    """One call of a service to another (Def 1.1.2's C), and whether a failure crosses it.

    A ``sync`` call is **hard** unless it carries both a ``timeout`` (seconds) and a
    ``fallback`` (what the caller answers instead: a cached copy, a default, a partial
    page): a hard call fails its caller when the callee fails, a soft one degrades it.
    ``async`` and ``monitoring`` calls are always soft. The ``timeout`` bounds each attempt;
    ``retries`` is how often the caller tries again, so it may wait ``(retries + 1) *
    timeout`` in all. ``breaker`` is whether the caller guards the call with a circuit
    breaker (Strategy 5.3.2), which fails fast once the callee keeps failing. Neither
    retries nor a breaker makes a call soft: retrying a dead service still fails, and a
    breaker fails fast, but fails.

    >>> Call("cart").hard, Call("cart", timeout=0.5, fallback="cached cart").hard
    (True, False)
    >>> Call("mail", kind="async").hard
    False
    >>> Call("pay", timeout=1, retries=2, breaker=True).breaker
    True
    """

    to: str
    kind: str = "sync"
    timeout: float | None = None
    retries: int = 0
    fallback: str = ""
    breaker: bool = False

    def __post_init__(self) -> None:
        require_name("call", "to", self.to)
        owner = f"call to {self.to!r}"
        if self.kind not in CALL_KINDS:
            raise TheoryError(f"{owner}: kind must be one of {', '.join(CALL_KINDS)}, "
                              f"not {self.kind!r}")
        if self.timeout is not None:
            object.__setattr__(self, "timeout",
                               require_duration(owner, "timeout", self.timeout, positive=True))
        require_count(owner, "retries", self.retries)
        if self.fallback:
            require_name(owner, "fallback", self.fallback)
        elif not isinstance(self.fallback, str):
            raise TheoryError(f"{owner}: fallback must be a string, not {self.fallback!r}")
        require_instance(owner, "breaker", self.breaker, bool)

    @property
    def hard(self) -> bool:
        """True for a synchronous call without both a timeout and a fallback: a failure of
        the callee fails the caller."""
        return self.kind == "sync" and not (self.timeout is not None and self.fallback)

    @classmethod
    def of(cls, owner: str, value: object) -> Call:
        """``value`` as a call: a :class:`Call` as it is, a name as a hard synchronous call."""
        if isinstance(value, Call):
            return value
        return cls(require_name(owner, "each call", value))


@dataclass(frozen=True, init=False)
class Service:
    """One service s of S, with what Def 1.1.1 and Def 1.1.2 say it has.

    ``calls`` are its calls to other services, each a :class:`Call` (a name given here
    is a hard synchronous call: request and wait, no timeout, no fallback);
    ``publishes`` and ``subscribes`` asynchronous topics. ``monitors`` are the services
    and data stores it watches (health checks, metrics, telemetry): communication, but
    no dependency, so no checker counts them. ``deployment`` names the unit the service
    ships in; by default each service is its own unit.

    >>> Service("web", calls=("cart",)).calls
    (Call(to='cart', kind='sync', timeout=None, retries=0, fallback='', breaker=False),)
    """

    name: str
    calls: tuple[Call, ...] = ()
    publishes: tuple[str, ...] = ()
    subscribes: tuple[str, ...] = ()
    interfaces: tuple[str, ...] = ()
    datastores: tuple[str, ...] = ()
    monitors: tuple[str, ...] = ()
    technology: str = ""
    replicas: int = 1
    healthcheck: bool = False
    exposed: bool = False
    deployment: str = ""

    def __init__(
        self,
        name: str,
        calls: Iterable[str | Call] = (),
        publishes: Iterable[str] = (),
        subscribes: Iterable[str] = (),
        interfaces: Iterable[str] = (),
        datastores: Iterable[str] = (),
        monitors: Iterable[str] = (),
        technology: str = "",
        replicas: int = 1,
        healthcheck: bool = False,
        exposed: bool = False,
        deployment: str = "",
    ) -> None:
        require_name("service", "name", name)
        owner = f"service {name!r}"
        put = object.__setattr__
        put(self, "name", name)
        for list_field, value in (("publishes", publishes), ("subscribes", subscribes),
                                  ("interfaces", interfaces), ("datastores", datastores),
                                  ("monitors", monitors)):
            put(self, list_field, require_names(owner, list_field, value))
        if isinstance(calls, str | bytes) or not isinstance(calls, Iterable):
            raise TheoryError(f"{owner}: calls must be a list of names or Calls, not {calls!r}")
        put(self, "calls", tuple(Call.of(owner, call) for call in calls))
        require_distinct(owner, "calls", self.callees)
        if name in self.callees:
            raise TheoryError(f"{owner} calls itself")
        put(self, "technology", technology)
        put(self, "replicas", require_count(owner, "replicas", replicas))
        put(self, "healthcheck", healthcheck)
        put(self, "exposed", exposed)
        put(self, "deployment", deployment or name)

    @property
    def callees(self) -> tuple[str, ...]:
        """The names of the services it calls, of every kind, in order."""
        return tuple(call.to for call in self.calls)


class Channel(NamedTuple):
    """One communication mechanism of C: ``source`` reaches ``target`` by a call or a topic."""

    source: str
    target: str
    mode: str  # "sync" or "async"
    via: str  # "call" or the topic's name


class Microservice(NamedTuple):
    """Def 1.1.1 (微服务): the quadruple MS = (S, I, D, N)."""

    S: frozenset[str]
    I: Mapping[str, frozenset[str]]  # noqa: E741 -- the theory's name
    D: Mapping[str, frozenset[str]]
    N: nx.DiGraph


class MicroserviceArchitecture(NamedTuple):
    """Def 1.1.2 (微服务架构): the quintuple MSA = (S, C, N, D, M)."""

    S: frozenset[str]
    C: tuple[Channel, ...]
    N: nx.DiGraph
    D: Mapping[str, frozenset[str]]
    M: Mapping[str, bool]


class Architecture:
    """Def 1.1.2 (微服务架构): a microservice architecture, built from services and data stores.

    Every name a service refers to must exist: a call to an undeclared service is
    an error. Data stores a service names but the list omits are declared with no
    technology.

    >>> shop = Architecture([Service("web", calls=("orders",)), Service("orders")])
    >>> sorted(shop.call_graph.edges)
    [('web', 'orders')]
    """

    def __init__(
        self,
        services: Iterable[Service],
        datastores: Iterable[Datastore] = (),
        name: str = "architecture",
    ):
        self.name = name
        self.services: dict[str, Service] = {}
        for service in services:
            require_instance(name, "each service", service, Service)
            if service.name in self.services:
                raise TheoryError(f"{name}: two services are named {service.name!r}")
            self.services[service.name] = service
        if not self.services:
            raise TheoryError(f"{name}: an architecture needs at least one service")
        self.datastores: dict[str, Datastore] = {}
        for store in datastores:
            require_instance(name, "each data store", store, Datastore)
            if store.name in self.datastores:
                raise TheoryError(f"{name}: two data stores are named {store.name!r}")
            self.datastores[store.name] = store
        for service in self.services.values():
            for callee in service.callees:
                if callee not in self.services:
                    raise TheoryError(
                        f"{name}: service {service.name!r} calls {callee!r}, "
                        "which is not a service of this architecture"
                    )
            for used in service.datastores:
                self.datastores.setdefault(used, Datastore(used))
        for service in self.services.values():
            for watched in service.monitors:
                if watched not in self.services and watched not in self.datastores:
                    raise TheoryError(
                        f"{name}: service {service.name!r} monitors {watched!r}, which is "
                        "not a service or data store of this architecture"
                    )

    def __repr__(self) -> str:
        return (
            f"Architecture({self.name!r}: {counted(len(self.services), 'service')}, "
            f"{counted(sum(c.via == 'call' for c in self.channels), 'call')}, "
            f"{counted(len(self.datastores), 'data store')})"
        )

    def service(self, name: str) -> Service:
        """The service called ``name``; a clear error when there is none."""
        try:
            return self.services[name]
        except (KeyError, TypeError):
            known = ", ".join(sorted(self.services))
            raise TheoryError(
                f"{self.name} has no service {name!r}; its services are {known}"
            ) from None

    def soften(self, caller: str, callee: str, timeout: float, fallback: str) -> Architecture:
        """A copy in which ``caller``'s call to ``callee`` carries ``timeout`` and ``fallback``.

        The call becomes soft (Feature 1.2.3): a failure of ``callee`` degrades ``caller``
        instead of failing it. This is the edit a fault-isolation witness asks for
        ("soften web → orders"); the call stays a call, so Axiom 1.1.1's cycles remain.

        >>> shop = Architecture([Service("web", calls=("orders",)), Service("orders")])
        >>> shop.soften("web", "orders", 0.5, "try again later").hard_graph.number_of_edges()
        0
        """
        service = self.service(caller)
        if callee not in service.callees:
            raise TheoryError(f"{self.name}: service {caller!r} does not call {callee!r}; it "
                              f"calls {', '.join(service.callees) or 'no service'}")
        calls = tuple(replace(call, timeout=timeout, fallback=fallback) if call.to == callee
                      else call for call in service.calls)
        services = [replace(s, calls=calls) if s.name == caller else s
                    for s in self.services.values()]
        return Architecture(services, self.datastores.values(), self.name)

    @cached_property
    def channels(self) -> tuple[Channel, ...]:
        """C: every synchronous or asynchronous call and every publisher-to-subscriber topic,
        sorted (monitoring calls are kept out, like ``monitors``)."""
        found = {
            Channel(s.name, call.to, call.kind, "call")
            for s in self.services.values()
            for call in s.calls
            if call.kind != "monitoring"
        }
        publishers: dict[str, set[str]] = {}
        subscribers: dict[str, set[str]] = {}
        for s in self.services.values():
            for topic in s.publishes:
                publishers.setdefault(topic, set()).add(s.name)
            for topic in s.subscribes:
                subscribers.setdefault(topic, set()).add(s.name)
        for topic, sources in publishers.items():
            for source in sources:
                found.update(
                    Channel(source, target, "async", topic)
                    for target in subscribers.get(topic, ())
                    if target != source
                )
        return tuple(sorted(found))

    @cached_property
    def network(self) -> nx.DiGraph:
        """N: services as nodes; an edge wherever a channel runs, marked ``sync`` (a
        synchronous call), ``hard`` (a hard one, :attr:`Call.hard`) and ``topics``."""
        graph: nx.DiGraph[str] = nx.DiGraph(name=self.name)
        for s in self.services.values():
            graph.add_node(s.name, technology=s.technology, replicas=s.replicas)
        sync: set[tuple[str, str]] = set()
        hard = {(s.name, call.to) for s in self.services.values() for call in s.calls
                if call.hard}
        topics: dict[tuple[str, str], list[str]] = {}
        for channel in self.channels:
            edge = (channel.source, channel.target)
            if channel.mode == "sync":
                sync.add(edge)
            topics.setdefault(edge, [])
            if channel.mode == "async" and channel.via != "call":
                topics[edge].append(channel.via)
        graph.add_edges_from((u, v, {"sync": (u, v) in sync, "hard": (u, v) in hard,
                                     "topics": tuple(via)})
                             for (u, v), via in topics.items())
        return nx.freeze(graph)

    @cached_property
    def call_graph(self) -> nx.DiGraph:
        """The synchronous part of N: an edge from each caller to each service it calls
        synchronously, hard or soft (Axiom 1.1.1: either way it depends on the API)."""
        graph: nx.DiGraph[str] = nx.DiGraph(name=self.name)
        graph.add_nodes_from(self.network.nodes(data=True))
        graph.add_edges_from((u, v, data) for u, v, data in self.network.edges(data=True)
                             if data["sync"])
        return nx.freeze(graph)

    @cached_property
    def hard_graph(self) -> nx.DiGraph:
        """The hard part of N (Feature 1.2.3): an edge from each caller to each service it
        calls synchronously with no timeout and fallback, the only edges a failure crosses."""
        graph: nx.DiGraph[str] = nx.DiGraph(name=self.name)
        graph.add_nodes_from(self.network.nodes(data=True))
        graph.add_edges_from((u, v, data) for u, v, data in self.network.edges(data=True)
                             if data["hard"])
        return nx.freeze(graph)

    @cached_property
    def monitoring(self) -> tuple[tuple[str, str], ...]:
        """Each ``(watcher, watched)`` pair: monitoring links, kept out of N and every
        dependency a checker counts."""
        return tuple(sorted({(s.name, watched) for s in self.services.values()
                             for watched in (*s.monitors, *(c.to for c in s.calls
                                                            if c.kind == "monitoring"))}))

    @cached_property
    def data_layer(self) -> dict[str, frozenset[str]]:
        """D: each data store and the services that use it."""
        users: dict[str, set[str]] = {store: set() for store in self.datastores}
        for s in self.services.values():
            for store in s.datastores:
                users[store].add(s.name)
        return {store: frozenset(who) for store, who in users.items()}

    @cached_property
    def entry_points(self) -> frozenset[str]:
        """Services clients reach: those marked exposed, else those no service calls.

        When every service is called by another (all sit on cycles), all are entry points.
        """
        exposed = {s.name for s in self.services.values() if s.exposed}
        roots = {n for n in self.call_graph if self.call_graph.in_degree(n) == 0}
        return frozenset(exposed or roots or self.services)

    @cached_property
    def deployment_units(self) -> dict[str, frozenset[str]]:
        """Each deployment unit and the services shipped in it."""
        units: dict[str, set[str]] = {}
        for s in self.services.values():
            units.setdefault(s.deployment, set()).add(s.name)
        return {unit: frozenset(members) for unit, members in units.items()}

    @property
    def microservice(self) -> Microservice:
        """The Def 1.1.1 view (S, I, D, N)."""
        return Microservice(
            S=frozenset(self.services),
            I={n: frozenset(s.interfaces) for n, s in self.services.items()},
            D={n: frozenset(s.datastores) for n, s in self.services.items()},
            N=self.network,
        )

    @property
    def quintuple(self) -> MicroserviceArchitecture:
        """The Def 1.1.2 view (S, C, N, D, M); M records which services are health-checked."""
        return MicroserviceArchitecture(
            S=frozenset(self.services),
            C=self.channels,
            N=self.network,
            D=self.data_layer,
            M={n: s.healthcheck for n, s in self.services.items()},
        )
