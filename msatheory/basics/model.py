"""Def 1.1.1 and Def 1.1.2: services, data stores and the architecture they form."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import networkx as nx

from msatheory.errors import (
    TheoryError,
    require_count,
    require_instance,
    require_name,
    require_names,
)
from msatheory.theory.render import counted

__all__ = [
    "DATASTORE_KINDS",
    "Architecture",
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


@dataclass(frozen=True)
class Service:
    """One service s of S, with what Def 1.1.1 and Def 1.1.2 say it has.

    ``calls`` are synchronous dependencies (request and wait), ``publishes`` and
    ``subscribes`` asynchronous topics. ``monitors`` are the services and data stores
    it watches (health checks, metrics, telemetry): communication, but no dependency,
    so no checker counts them. ``deployment`` names the unit the service ships in; by
    default each service is its own unit.
    """

    name: str
    calls: tuple[str, ...] = ()
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

    def __post_init__(self) -> None:
        require_name("service", "name", self.name)
        owner = f"service {self.name!r}"
        for list_field in ("calls", "publishes", "subscribes", "interfaces", "datastores",
                           "monitors"):
            names = require_names(owner, list_field, getattr(self, list_field))
            object.__setattr__(self, list_field, names)
        if self.name in self.calls:
            raise TheoryError(f"{owner} calls itself")
        require_count(owner, "replicas", self.replicas)
        if not self.deployment:
            object.__setattr__(self, "deployment", self.name)


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
            for callee in service.calls:
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
            f"{counted(self.call_graph.number_of_edges(), 'call')}, "
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

    @cached_property
    def channels(self) -> tuple[Channel, ...]:
        """C: every synchronous call and every publisher-to-subscriber topic, sorted."""
        found = {
            Channel(s.name, callee, "sync", "call")
            for s in self.services.values()
            for callee in s.calls
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
        """N: services as nodes; an edge wherever a channel runs, marked ``sync`` and ``topics``."""
        graph: nx.DiGraph[str] = nx.DiGraph(name=self.name)
        for s in self.services.values():
            graph.add_node(s.name, technology=s.technology, replicas=s.replicas)
        sync: set[tuple[str, str]] = set()
        topics: dict[tuple[str, str], list[str]] = {}
        for channel in self.channels:
            edge = (channel.source, channel.target)
            if channel.mode == "sync":
                sync.add(edge)
            topics.setdefault(edge, [])
            if channel.mode == "async":
                topics[edge].append(channel.via)
        graph.add_edges_from((u, v, {"sync": (u, v) in sync, "topics": tuple(via)})
                             for (u, v), via in topics.items())
        return nx.freeze(graph)

    @cached_property
    def call_graph(self) -> nx.DiGraph:
        """The synchronous part of N: an edge from each caller to each service it calls."""
        graph: nx.DiGraph[str] = nx.DiGraph(name=self.name)
        graph.add_nodes_from(self.network.nodes(data=True))
        graph.add_edges_from((u, v, data) for u, v, data in self.network.edges(data=True)
                             if data["sync"])
        return nx.freeze(graph)

    @cached_property
    def monitoring(self) -> tuple[tuple[str, str], ...]:
        """Each ``(watcher, watched)`` pair: monitoring links, kept out of N and every
        dependency a checker counts."""
        return tuple(sorted((s.name, watched) for s in self.services.values()
                            for watched in s.monitors))

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
