"""Cutting a monolith into services: the Service Cutter view of decomposition.

Gysel et al. ("Service Cutter", ESOCC 2016) read a monolith as a weighted coupling
graph, its functions and entities the nodes, and cut it with a clustering algorithm.
:func:`coupling_graph` builds that graph from what each function reads, writes and
calls; :func:`decompose` clusters it with one of four networkx algorithms and turns
each cluster into a :class:`~msatheory.design.boundary.ServiceSpec`; :func:`domain_cut`
is the domain-driven cut to compare with (one service per domain, Def 2.2.1); and
:func:`cut_quality` measures any cut by modularity, cohesion, coupling, crossing calls
and foreign accesses (the "shared persistence" smell of Taibi et al.).

Every cut made here is a partition of the monolith, so Theorem 2.1.1 (职责分离) holds
of it by construction; the measures say how good a partition it is.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import chain, pairwise
from types import MappingProxyType
from typing import NamedTuple

import networkx as nx

from msatheory.design.boundary import DataModel, Design, Function, Interface, ServiceSpec
from msatheory.errors import TheoryError, require_distinct, require_items, require_name

__all__ = [
    "METHODS",
    "Access",
    "Call",
    "CouplingWeights",
    "CutQuality",
    "Decomposition",
    "ForeignAccess",
    "Monolith",
    "Node",
    "coupling_graph",
    "cut_quality",
    "decompose",
    "domain_cut",
    "entity_node",
    "function_node",
    "owners",
]

#: A node of the coupling graph: ``("function", name)`` or ``("entity", name)``.
Node = tuple[str, str]

#: The clustering algorithms :func:`decompose` knows.
METHODS: tuple[str, ...] = ("greedy_modularity", "louvain", "label_propagation", "girvan_newman")

MODES: tuple[str, ...] = ("read", "write")


def function_node(name: str) -> Node:
    """The coupling-graph node of the function called ``name``."""
    return ("function", name)


def entity_node(name: str) -> Node:
    """The coupling-graph node of the entity called ``name``."""
    return ("entity", name)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True, order=True)
class Access:
    """Function ``function`` reads or writes (``mode``) entity ``entity``."""

    function: str
    entity: str
    mode: str = "read"

    def __post_init__(self) -> None:
        require_name("access", "function", self.function)
        require_name(f"access of {self.function!r}", "entity", self.entity)
        if self.mode not in MODES:
            raise TheoryError(
                f"access of {self.function!r} to {self.entity!r}: mode must be 'read' or "
                f"'write', not {self.mode!r}"
            )


@dataclass(frozen=True, order=True)
class Call:
    """Function ``caller`` calls function ``callee``, ``frequency`` times per unit of work."""

    caller: str
    callee: str
    frequency: float = 1

    def __post_init__(self) -> None:
        require_name("call", "caller", self.caller)
        require_name(f"call from {self.caller!r}", "callee", self.callee)
        where = f"call {self.caller!r} -> {self.callee!r}"
        if self.caller == self.callee:
            raise TheoryError(f"{where}: a function does not call itself across a cut")
        if not _is_number(self.frequency) or self.frequency <= 0:
            raise TheoryError(
                f"{where}: frequency must be a positive number, not {self.frequency!r}"
            )


def _unique(owner: str, what: str, items: Iterable[object], kind: type) -> tuple:
    values = require_items(owner, what, items, kind)
    require_distinct(owner, what, (item.name for item in values))
    return tuple(sorted(values))


def _records(owner: str, what: str, items: Iterable[object], kind: type) -> tuple:
    """Accesses or calls, given as records or plain tuples; sorted, no repeats."""
    if isinstance(items, str | bytes) or not isinstance(items, Iterable):
        raise TheoryError(f"{owner}: {what} must be a list of {kind.__name__}s, not {items!r}")
    records = []
    for item in items:
        if isinstance(item, kind):
            records.append(item)
        elif isinstance(item, tuple):
            try:
                records.append(kind(*item))
            except TheoryError as error:
                raise TheoryError(f"{owner}: {error}") from None
            except TypeError:
                raise TheoryError(
                    f"{owner}: {what} holds {item!r}, not a {kind.__name__}"
                ) from None
        else:
            raise TheoryError(f"{owner}: {what} holds {item!r}, not a {kind.__name__}")
    return tuple(sorted(records))


@dataclass(frozen=True)
class Monolith:
    """A system before it is cut: functions, entities, interfaces and how they couple.

    ``accesses`` say which function reads or writes which entity, ``calls`` which
    function calls which and how often, ``exposes`` which function each interface
    exposes (the interface goes wherever its function goes). Accesses and calls may
    be given as plain tuples; everything is kept sorted, so equal contents make equal
    monoliths.
    """

    name: str
    functions: tuple[Function, ...]
    entities: tuple[DataModel, ...] = ()
    interfaces: tuple[Interface, ...] = ()
    accesses: tuple[Access, ...] = ()
    calls: tuple[Call, ...] = ()
    exposes: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        require_name("monolith", "name", self.name)
        owner = f"monolith {self.name!r}"
        functions = _unique(owner, "functions", self.functions, Function)
        if not functions:
            raise TheoryError(f"{owner}: has no functions, so there is nothing to cut")
        entities = _unique(owner, "entities", self.entities, DataModel)
        interfaces = _unique(owner, "interfaces", self.interfaces, Interface)
        accesses = _records(owner, "accesses", self.accesses, Access)
        calls = _records(owner, "calls", self.calls, Call)
        fnames = {f.name for f in functions}
        enames = {e.name for e in entities}
        for access in accesses:
            where = f"{owner}: access of {access.function!r} to {access.entity!r}"
            if access.function not in fnames:
                raise TheoryError(f"{where}: there is no function {access.function!r}")
            if access.entity not in enames:
                raise TheoryError(f"{where}: there is no entity {access.entity!r}")
        for a, b in pairwise(accesses):
            if a == b:
                raise TheoryError(f"{owner}: access {a} is listed twice")
        pairs: set[tuple[str, str]] = set()
        for call in calls:
            where = f"{owner}: call {call.caller!r} -> {call.callee!r}"
            for name in (call.caller, call.callee):
                if name not in fnames:
                    raise TheoryError(f"{where}: there is no function {name!r}")
            if (call.caller, call.callee) in pairs:
                raise TheoryError(f"{where} is listed twice; give one call with its frequency")
            pairs.add((call.caller, call.callee))
        exposes = self._exposes(owner, interfaces, fnames)
        object.__setattr__(self, "functions", functions)
        object.__setattr__(self, "entities", entities)
        object.__setattr__(self, "interfaces", interfaces)
        object.__setattr__(self, "accesses", accesses)
        object.__setattr__(self, "calls", calls)
        object.__setattr__(self, "exposes", exposes)

    def _exposes(
        self, owner: str, interfaces: tuple[Interface, ...], fnames: set[str]
    ) -> Mapping[str, str]:
        if not isinstance(self.exposes, Mapping):
            raise TheoryError(f"{owner}: exposes must map interface names to function names")
        inames = {i.name for i in interfaces}
        for interface, function in self.exposes.items():
            if interface not in inames:
                raise TheoryError(f"{owner}: exposes names {interface!r}, which is no interface")
            if function not in fnames:
                raise TheoryError(
                    f"{owner}: interface {interface!r} exposes {function!r}, which is no function"
                )
        missing = sorted(inames - set(self.exposes))
        if missing:
            raise TheoryError(
                f"{owner}: interface {missing[0]!r} exposes no function; "
                "say which function it exposes in exposes"
            )
        return MappingProxyType(dict(sorted(self.exposes.items())))

    def function(self, name: str) -> Function:
        """The function called ``name``; a clear error if there is none."""
        for f in self.functions:
            if f.name == name:
                return f
        raise TheoryError(f"monolith {self.name!r} has no function {name!r}")

    def entity(self, name: str) -> DataModel:
        """The entity called ``name``; a clear error if there is none."""
        for e in self.entities:
            if e.name == name:
                return e
        raise TheoryError(f"monolith {self.name!r} has no entity {name!r}")

    @property
    def domains(self) -> tuple[str, ...]:
        """Every domain a function, entity or interface is declared in, sorted."""
        elements = chain(self.functions, self.entities, self.interfaces)
        return tuple(sorted({e.domain for e in elements}))


@dataclass(frozen=True)
class CouplingWeights:
    """How much one write, one read and one call (per unit frequency) couple two nodes."""

    write: float = 3.0
    read: float = 1.0
    call: float = 2.0

    def __post_init__(self) -> None:
        for name in ("write", "read", "call"):
            value = getattr(self, name)
            if not _is_number(value) or value < 0:
                raise TheoryError(
                    f"coupling weights: {name} must be a finite number 0 or more, not {value!r}"
                )
            object.__setattr__(self, name, float(value))


def _check_monolith(monolith: object) -> Monolith:
    if not isinstance(monolith, Monolith):
        raise TheoryError(f"expected a Monolith, not {monolith!r}")
    return monolith


def _check_weights(weights: object) -> CouplingWeights:
    if not isinstance(weights, CouplingWeights):
        raise TheoryError(f"weights must be CouplingWeights, not {weights!r}")
    return weights


def coupling_graph(monolith: Monolith, weights: CouplingWeights = CouplingWeights()) -> nx.Graph:
    """The weighted coupling graph that Service Cutter clusters.

    Nodes are ``("function", name)`` and ``("entity", name)``, each with its
    ``element``. A function–entity edge weighs ``weights.write`` if the function writes
    the entity, else ``weights.read``; a function–function edge weighs ``weights.call``
    times the call frequency summed over both directions. Edges of weight 0 are left
    out; isolated nodes stay. Nodes and edges are added in sorted order.
    """
    monolith, weights = _check_monolith(monolith), _check_weights(weights)
    graph = nx.Graph(name=monolith.name)
    for f in monolith.functions:
        graph.add_node(function_node(f.name), element=f)
    for e in monolith.entities:
        graph.add_node(entity_node(e.name), element=e)
    modes: dict[tuple[str, str], set[str]] = defaultdict(set)
    for access in monolith.accesses:
        modes[(access.function, access.entity)].add(access.mode)
    for (function, entity), used in sorted(modes.items()):
        mode = "write" if "write" in used else "read"
        weight = getattr(weights, mode)
        if weight > 0:
            graph.add_edge(function_node(function), entity_node(entity), weight=weight, kind=mode)
    frequency: dict[tuple[str, str], float] = defaultdict(float)
    for call in monolith.calls:
        frequency[tuple(sorted((call.caller, call.callee)))] += call.frequency
    for (a, b), times in sorted(frequency.items()):
        weight = weights.call * times
        if weight > 0:
            graph.add_edge(
                function_node(a), function_node(b), weight=weight, kind="call", frequency=times
            )
    return graph


def _canonical(communities: Iterable[Iterable[Node]]) -> tuple[frozenset[Node], ...]:
    """Communities as frozensets, sorted by their least node."""
    parts = [frozenset(c) for c in communities]
    return tuple(sorted((c for c in parts if c), key=min))


def _modularity(graph: nx.Graph, parts: Iterable[Iterable], resolution: float = 1.0) -> float:
    """Weighted modularity; 0 for a graph without edges, where it is undefined."""
    if graph.number_of_edges() == 0:
        return 0.0
    return nx.community.modularity(graph, list(parts), weight="weight", resolution=resolution)


def _best_girvan_newman(
    graph: nx.Graph, functions: set[int], resolution: float, services: int | None
) -> list[set[int]]:
    """The Girvan–Newman level with ``services`` functional parts, or the most modular one."""

    def most_valuable_edge(g: nx.Graph) -> tuple[int, int]:
        betweenness = nx.edge_betweenness_centrality(g, weight="distance")
        return max(betweenness, key=lambda e: (betweenness[e], -min(e), -max(e)))

    def functional(level: Iterable[set[int]]) -> int:
        return sum(1 for c in level if c & functions)

    first = [set(c) for c in nx.connected_components(graph)]
    if services is not None:
        lowest = functional(first)
        if not lowest <= services <= len(functions):
            raise TheoryError(
                f"girvan_newman: services must be between {lowest} (the connected parts that "
                f"hold functions) and {len(functions)} (the functions), not {services}"
            )
        if lowest == services:
            return first
    best, best_q = first, _modularity(graph, first, resolution)
    if graph.number_of_edges() == 0:
        return best
    for level in nx.community.girvan_newman(graph, most_valuable_edge):
        parts = [set(c) for c in level]
        if services is not None:
            if functional(parts) == services:
                return parts
            continue
        q = _modularity(graph, parts, resolution)
        if q > best_q + 1e-12:
            best, best_q = parts, q
    return best


def _communities(
    graph: nx.Graph, method: str, resolution: float, seed: int, services: int | None
) -> tuple[frozenset[Node], ...]:
    """Cluster ``graph`` with ``method``, on integer labels so no hash order leaks in."""
    nodes = list(graph)
    numbered = nx.convert_node_labels_to_integers(graph, ordering="default")
    for _, _, data in numbered.edges(data=True):
        data["distance"] = 1.0 / data["weight"]
    if method == "greedy_modularity":
        found = nx.community.greedy_modularity_communities(
            numbered, weight="weight", resolution=resolution
        )
    elif method == "louvain":
        found = nx.community.louvain_communities(
            numbered, weight="weight", resolution=resolution, seed=seed
        )
    elif method == "label_propagation":
        found = nx.community.asyn_lpa_communities(numbered, weight="weight", seed=seed)
    else:
        functions = {i for i, node in enumerate(nodes) if node[0] == "function"}
        found = _best_girvan_newman(numbered, functions, resolution, services)
    return _canonical({nodes[i] for i in c} for c in found)


def _service_names(parts: list[frozenset[Node]], graph: nx.Graph) -> list[str]:
    """Each part's name: the majority domain of its functions, then -2, -3 for repeats."""

    def majority(part: frozenset[Node]) -> tuple[str, int]:
        counts = Counter(graph.nodes[n]["element"].domain for n in part if n[0] == "function")
        domain = min(counts, key=lambda d: (-counts[d], d))
        return domain, counts[domain]

    bases = [majority(part) for part in parts]
    order = sorted(
        range(len(parts)),
        key=lambda i: (bases[i][0], -bases[i][1], -len(parts[i]), min(parts[i])),
    )
    names: list[str] = [""] * len(parts)
    used: set[str] = set()
    seen: Counter[str] = Counter()
    for i in order:
        base = bases[i][0]
        seen[base] += 1
        name = base if seen[base] == 1 else f"{base}-{seen[base]}"
        while name in used:
            seen[base] += 1
            name = f"{base}-{seen[base]}"
        used.add(name)
        names[i] = name
    return names


def _home(
    part: frozenset[Node], owned: dict[str, set[Node]], graph: nx.Graph, monolith: Monolith
) -> str:
    """The service an entities-only part joins: the one whose functions use it most.

    Most means the largest coupling weight, then the most accesses, then the most
    functions of the entities' domains; ties go to the first name.
    """
    entities = {n[1] for n in part}
    domains = {graph.nodes[n]["element"].domain for n in part}

    def score(service: str) -> tuple[float, int, int, str]:
        nodes = owned[service]
        weight = sum(graph.edges[u, v]["weight"] for u in part for v in graph[u] if v in nodes)
        accesses = sum(
            1
            for a in monolith.accesses
            if a.entity in entities and function_node(a.function) in nodes
        )
        kin = sum(
            1 for n in nodes if n[0] == "function" and graph.nodes[n]["element"].domain in domains
        )
        return (-weight, -accesses, -kin, service)

    return min(owned, key=score)


def _spec(name: str, nodes: Iterable[Node], graph: nx.Graph, monolith: Monolith) -> ServiceSpec:
    """The service holding these nodes' elements and the interfaces exposing its functions."""
    elements = [graph.nodes[n]["element"] for n in nodes]
    held = {e.name for e in elements if isinstance(e, Function)}
    exposing = [i for i in monolith.interfaces if monolith.exposes[i.name] in held]
    return ServiceSpec.of(name, [*elements, *exposing])


@dataclass(frozen=True)
class Decomposition:
    """A cut of a monolith into services, and how it was found.

    ``communities`` are the clusters as the algorithm returned them; ``partition``
    maps each service to its nodes after every entities-only cluster has joined the
    service that uses it most. ``partition`` is a partition of the coupling graph, so
    Theorem 2.1.1 (职责分离) holds of ``design`` by construction.
    """

    monolith: Monolith
    design: Design
    method: str
    weights: CouplingWeights
    communities: tuple[frozenset[Node], ...]
    partition: Mapping[str, frozenset[Node]] = field(hash=False)
    graph: nx.Graph = field(compare=False, hash=False, repr=False)

    @property
    def owner(self) -> dict[Node, str]:
        """The service that holds each node."""
        return {n: s for s, nodes in self.partition.items() for n in sorted(nodes)}

    def quality(self) -> CutQuality:
        """The measures of this cut (:func:`cut_quality`) under its own weights."""
        return cut_quality(self.monolith, self.design, self.weights)


def decompose(
    monolith: Monolith,
    weights: CouplingWeights = CouplingWeights(),
    method: str = "greedy_modularity",
    *,
    resolution: float = 1.0,
    seed: int = 0,
    services: int | None = None,
) -> Decomposition:
    """Cut ``monolith`` into services by clustering its coupling graph (Service Cutter).

    Methods: ``greedy_modularity`` (Clauset–Newman–Moore), ``louvain`` (seeded),
    ``label_propagation`` (asynchronous, seeded) and ``girvan_newman`` (removes the
    edge of highest weighted betweenness, distance = 1/weight, and stops at the level
    with ``services`` services or, by default, at the most modular level).
    ``resolution`` tunes the modularity methods (larger: more, smaller services);
    ``seed`` fixes the randomised ones. The same input gives the same cut on every run.

    Each cluster becomes a service named after the majority domain of its functions
    (``ordering``, then ``ordering-2``); a cluster of entities only joins the service
    whose functions use it most, so every service has a function and every entity one
    owner, and interfaces follow the functions they expose. The result is a partition
    of the monolith, so Theorem 2.1.1 (职责分离) holds by construction.
    """
    monolith, weights = _check_monolith(monolith), _check_weights(weights)
    if method not in METHODS:
        raise TheoryError(f"unknown method {method!r}: expected one of {', '.join(METHODS)}")
    if not _is_number(resolution) or resolution <= 0:
        raise TheoryError(f"resolution must be a positive number, not {resolution!r}")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TheoryError(f"seed must be an integer, not {seed!r}")
    if services is not None:
        if method != "girvan_newman":
            raise TheoryError(f"services= only applies to girvan_newman, not to {method}")
        if not isinstance(services, int) or isinstance(services, bool):
            raise TheoryError(f"services must be a whole number, not {services!r}")
    graph = coupling_graph(monolith, weights)
    communities = _communities(graph, method, float(resolution), seed, services)
    functional = [c for c in communities if any(n[0] == "function" for n in c)]
    names = _service_names(functional, graph)
    owned = {name: set(c) for name, c in zip(names, functional, strict=True)}
    for part in communities:
        if part not in functional:
            owned[_home(part, owned, graph, monolith)] |= part
    partition = {name: frozenset(nodes) for name, nodes in sorted(owned.items())}
    if not nx.community.is_partition(graph, list(partition.values())):
        raise AssertionError(f"{method} did not partition the coupling graph of {monolith.name}")
    design = Design(
        [_spec(name, sorted(nodes), graph, monolith) for name, nodes in partition.items()],
        name=f"{monolith.name} cut by {method}",
    )
    return Decomposition(
        monolith, design, method, weights, communities, MappingProxyType(partition), graph
    )


def domain_cut(monolith: Monolith) -> Design:
    """The domain-driven cut: one service per domain (Def 2.2.1, 领域), named after it.

    Each function, entity and interface goes to the service of its declared domain,
    so Principle 2.1.1 (单一职责) and Theorem 2.1.1 (职责分离) hold by construction.
    A domain with entities but no functions still gets its (functionless) service.
    """
    monolith = _check_monolith(monolith)
    elements = [*monolith.functions, *monolith.interfaces, *monolith.entities]
    return Design(
        [ServiceSpec.of(domain, [e for e in elements if e.domain == domain])
         for domain in monolith.domains],
        name=f"{monolith.name} cut by domain",
    )


class ForeignAccess(NamedTuple):
    """Function ``function`` of service ``service`` uses ``entity``, owned by ``owner``."""

    entity: str
    owner: str
    function: str
    service: str
    mode: str

    def __str__(self) -> str:
        return f"{self.function} ({self.service}) {self.mode}s {self.entity} ({self.owner})"


@dataclass(frozen=True)
class CutQuality:
    """How good a cut is, measured on the coupling graph.

    ``modularity`` is Newman's weighted modularity; ``cohesion`` the share of coupling
    weight inside services (1 when there is none at all); ``coupling`` the weight that
    crosses services; ``cross_calls`` the calls (caller, callee) between services;
    ``foreign_accesses`` the accesses to entities another service owns (shared
    persistence); ``service_cohesion`` each service's inner weight over the weight
    it touches.
    """

    design: str
    services: int
    modularity: float
    cohesion: float
    coupling: float
    cross_calls: int
    foreign_accesses: tuple[ForeignAccess, ...]
    service_cohesion: Mapping[str, float] = field(hash=False)

    def table(self) -> str:
        """One line per measure, then one per service."""
        rows = [
            ("services", str(self.services)),
            ("modularity", f"{self.modularity:.3f}"),
            ("cohesion", f"{self.cohesion:.3f}"),
            ("coupling", f"{self.coupling:g}"),
            ("cross calls", str(self.cross_calls)),
            ("foreign accesses", str(len(self.foreign_accesses))),
        ]
        rows += [(f"  cohesion of {s}", f"{c:.3f}") for s, c in self.service_cohesion.items()]
        width = max(len(label) for label, _ in rows)
        return "\n".join([self.design, *(f"{label:<{width}}  {v}" for label, v in rows)])

    __str__ = table


def owners(monolith: Monolith, design: Design) -> dict[Node, str]:
    """The service ``design`` puts each function and entity of ``monolith`` in; an error
    unless it puts each in exactly one and holds nothing the monolith lacks."""
    where = f"design {design.name!r}"
    known: dict[Node, Function | DataModel] = {
        **{function_node(f.name): f for f in monolith.functions},
        **{entity_node(e.name): e for e in monolith.entities},
    }
    claims: dict[Node, list[str]] = defaultdict(list)
    for spec in design.services:
        for element in (*spec.functions, *spec.data_models):
            kind = "function" if isinstance(element, Function) else "entity"
            node = (kind, element.name)
            if node not in known:
                raise TheoryError(
                    f"{where}: service {spec.name!r} holds {kind} {element.name!r}, which "
                    f"monolith {monolith.name!r} does not have"
                )
            if known[node] != element:
                raise TheoryError(
                    f"{where}: service {spec.name!r} holds {element}, but monolith "
                    f"{monolith.name!r} declares {known[node]}"
                )
            claims[node].append(spec.name)
    for node in known:
        if node not in claims:
            raise TheoryError(f"{where}: {node[0]} {node[1]!r} is in no service")
        if len(claims[node]) > 1:
            raise TheoryError(
                f"{where}: {node[0]} {node[1]!r} is in services "
                f"{', '.join(map(repr, claims[node]))}, but a cut puts it in one"
            )
    return {node: services[0] for node, services in claims.items()}


def _ratio(inner: float, total: float) -> float:
    return inner / total if total > 0 else 1.0


def cut_quality(
    monolith: Monolith, design: Design, weights: CouplingWeights = CouplingWeights()
) -> CutQuality:
    """Measure a cut of ``monolith`` (see :class:`CutQuality`).

    The design must put every function and entity of the monolith in exactly one
    service (Theorem 2.1.1, 职责分离, extended to entities) and hold nothing else;
    interfaces are not nodes of the coupling graph and are not measured.
    """
    monolith, weights = _check_monolith(monolith), _check_weights(weights)
    if not isinstance(design, Design):
        raise TheoryError(f"expected a Design, not {design!r}")
    owner = owners(monolith, design)
    graph = coupling_graph(monolith, weights)
    parts: dict[str, set[Node]] = {s.name: set() for s in design.services}
    for node, service in owner.items():
        parts[service].add(node)
    inner: Counter[str] = Counter()
    border: Counter[str] = Counter()
    for u, v, weight in graph.edges(data="weight"):
        if owner[u] == owner[v]:
            inner[owner[u]] += weight
        else:
            border[owner[u]] += weight
            border[owner[v]] += weight
    internal = sum(inner.values())
    coupling = sum(w for u, v, w in graph.edges(data="weight") if owner[u] != owner[v])
    foreign = sorted(
        ForeignAccess(
            a.entity,
            owner[entity_node(a.entity)],
            a.function,
            owner[function_node(a.function)],
            a.mode,
        )
        for a in monolith.accesses
        if owner[entity_node(a.entity)] != owner[function_node(a.function)]
    )
    cross_calls = sum(
        1
        for c in monolith.calls
        if owner[function_node(c.caller)] != owner[function_node(c.callee)]
    )
    return CutQuality(
        design.name,
        len(design.services),
        _modularity(graph, [p for p in parts.values() if p]),
        _ratio(internal, internal + coupling),
        coupling,
        cross_calls,
        tuple(foreign),
        MappingProxyType({s: _ratio(inner[s], inner[s] + border[s]) for s in sorted(parts)}),
    )
