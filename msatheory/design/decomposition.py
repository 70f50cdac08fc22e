"""Cutting a monolith into services: community detection on its coupling graph, or by domain.

:func:`decompose` clusters the coupling graph of :mod:`msatheory.design.coupling` with
one of four networkx community-detection algorithms (Service Cutter's approach, Gysel
et al., ESOCC 2016) and turns each cluster into a
:class:`~msatheory.design.boundary.ServiceSpec`; :func:`domain_cut` is the
domain-driven cut to compare with (one service per domain, Def 2.2.1). Every cut made
here is a partition of the monolith, so Theorem 2.1.1 (职责分离) holds of it by
construction; how good a partition it is, :mod:`msatheory.design.quality` measures.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import networkx as nx

from msatheory.design.boundary import Design, Element, Function, ServiceSpec
from msatheory.design.coupling import (
    DEFAULT_WEIGHTS,
    CouplingWeights,
    Node,
    coupling_graph,
    function_node,
    modularity,
)
from msatheory.design.monolith import Monolith
from msatheory.design.quality import CutQuality, cut_quality
from msatheory.errors import (
    TheoryError,
    require_count,
    require_instance,
    require_number,
    require_seed,
)

__all__ = ["METHODS", "Decomposition", "decompose", "domain_cut"]

#: The clustering algorithms :func:`decompose` knows.
METHODS: tuple[str, ...] = ("greedy_modularity", "louvain", "label_propagation", "girvan_newman")


def _canonical(communities: Iterable[Iterable[Node]]) -> tuple[frozenset[Node], ...]:
    """Communities as frozensets, sorted by their least node."""
    parts = [frozenset(c) for c in communities]
    return tuple(sorted((c for c in parts if c), key=min))


def edge_betweenness(graph: nx.Graph[int]) -> dict[tuple[int, int], float]:
    """Each edge ``(u, v)``, ``u < v``, and the shortest paths through it by ``distance``:
    Brandes' algorithm, unnormalised (each pair of nodes counted in both directions).

    The order of sources, of the Dijkstra frontier and of the sums is networkx's
    ``edge_betweenness_centrality``, so the values are equal up to its final scaling;
    without its per-call dispatch and rescaling this runs in half the time, which a
    widget re-cutting the monolith on every slider move needs (tests compare the two).

    References
    ----------
    .. [1] U. Brandes, "A faster algorithm for betweenness centrality", *Journal of
       Mathematical Sociology* 25(2), 2001.
    """
    adjacent = {u: [(v, data["distance"]) for v, data in graph[u].items()] for u in graph}
    through = {(min(e), max(e)): 0.0 for e in graph.edges}
    for source in adjacent:
        settled: list[int] = []
        before: dict[int, list[int]] = {source: []}
        paths = {source: 1.0}
        done: dict[int, float] = {}
        seen = {source: 0.0}
        frontier = [(0.0, 0, source, source)]
        pushed = 0
        while frontier:
            distance, _, previous, node = heapq.heappop(frontier)
            if node in done:
                continue
            paths[node] += paths[previous] if previous != node else 0.0
            settled.append(node)
            done[node] = distance
            for neighbour, length in adjacent[node]:
                further = distance + length
                if neighbour not in done and (neighbour not in seen or further < seen[neighbour]):
                    seen[neighbour] = further
                    pushed += 1
                    heapq.heappush(frontier, (further, pushed, node, neighbour))
                    paths[neighbour] = 0.0
                    before[neighbour] = [node]
                elif further == seen[neighbour]:
                    paths[neighbour] += paths[node]
                    before[neighbour].append(node)
        carried = dict.fromkeys(settled, 0.0)
        while settled:
            node = settled.pop()
            share = (1 + carried[node]) / paths[node]
            for previous in before[node]:
                flow = paths[previous] * share
                through[(min(previous, node), max(previous, node))] += flow
                carried[previous] += flow
    return through


def _best_girvan_newman(
    graph: nx.Graph[int], functions: set[int], resolution: float, services: int | None
) -> list[set[int]]:
    """The Girvan–Newman level with ``services`` functional parts, or the most modular one.

    Each level refines the one before, so the share of edge weight inside its parts only
    falls; modularity never exceeds that share, so once it is no more than the best
    modularity seen, no later level can beat it and the search stops there.
    """

    def most_valuable_edge(g: nx.Graph[int]) -> tuple[int, int]:
        betweenness = edge_betweenness(g)
        return max(betweenness, key=lambda e: (betweenness[e], -e[0], -e[1]))

    def inside(parts: list[set[int]]) -> float:
        part = {node: i for i, p in enumerate(parts) for node in p}
        return sum(float(data["weight"]) for u, v, data in graph.edges(data=True)
                   if part[u] == part[v]) / total

    def functional(level: Iterable[set[int]]) -> int:
        return sum(1 for c in level if c & functions)

    first = [set(c) for c in nx.connected_components(graph)]
    if services is not None:
        lowest = functional(first)
        if not lowest <= services <= len(functions):
            raise TheoryError(
                f"decompose: services must be between {lowest} (the connected parts that "
                f"hold functions) and {len(functions)} (the functions), not {services}"
            )
        if lowest == services:
            return first
    best, best_q = first, modularity(graph, first, resolution)
    if graph.number_of_edges() == 0:
        return best
    total = graph.size(weight="weight")
    for level in nx.community.girvan_newman(graph, most_valuable_edge):
        parts = [set(c) for c in level]
        if services is not None:
            if functional(parts) == services:
                return parts
            continue
        q = modularity(graph, parts, resolution)
        if q > best_q + 1e-12:
            best, best_q = parts, q
        if inside(parts) <= best_q:
            break
    return best


def _communities(
    graph: nx.Graph, method: str, resolution: float, seed: int, services: int | None
) -> tuple[frozenset[Node], ...]:
    """Cluster ``graph`` with ``method``, on integer labels so no hash order leaks in."""
    nodes = list(graph)
    numbered: nx.Graph[int] = nx.convert_node_labels_to_integers(graph, ordering="default")
    for _, _, data in numbered.edges(data=True):
        data["distance"] = 1.0 / data["weight"]
    found: Iterable[Iterable[int]]
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


def _element(graph: nx.Graph[Node], node: Node) -> Element:
    """The function or entity a coupling-graph node stands for."""
    element: Element = graph.nodes[node]["element"]
    return element


def _service_names(parts: list[frozenset[Node]], graph: nx.Graph[Node]) -> list[str]:
    """Each part's name: the majority domain of its functions, then -2, -3 for repeats."""

    def majority(part: frozenset[Node]) -> tuple[str, int]:
        counts = Counter(_element(graph, n).domain for n in part if n[0] == "function")
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
    part: frozenset[Node], owned: dict[str, set[Node]], graph: nx.Graph[Node], monolith: Monolith
) -> str:
    """The service an entities-only part joins: the one whose functions use it most.

    Most means the largest coupling weight, then the most accesses, then the most
    functions of the entities' domains; ties go to the first name.
    """
    entities = {n[1] for n in part}
    domains = {_element(graph, n).domain for n in part}

    def score(service: str) -> tuple[float, int, int, str]:
        nodes = owned[service]
        weight = sum(graph.edges[u, v]["weight"] for u in part for v in graph[u] if v in nodes)
        accesses = sum(
            1
            for a in monolith.accesses
            if a.entity in entities and function_node(a.function) in nodes
        )
        kin = sum(
            1 for n in nodes if n[0] == "function" and _element(graph, n).domain in domains
        )
        return (-weight, -accesses, -kin, service)

    return min(owned, key=score)


def _spec(
    name: str, nodes: Iterable[Node], graph: nx.Graph[Node], monolith: Monolith
) -> ServiceSpec:
    """The service holding these nodes' elements and the interfaces exposing its functions."""
    elements = [_element(graph, n) for n in nodes]
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
    graph: nx.Graph[Node] = field(compare=False, hash=False, repr=False)

    @property
    def owner(self) -> dict[Node, str]:
        """The service that holds each node."""
        return {n: s for s, nodes in self.partition.items() for n in sorted(nodes)}

    def quality(self) -> CutQuality:
        """The measures of this cut (:func:`~msatheory.design.quality.cut_quality`) under
        its own weights."""
        return cut_quality(self.monolith, self.design, self.weights)


def decompose(
    monolith: Monolith,
    weights: CouplingWeights = DEFAULT_WEIGHTS,
    method: str = "greedy_modularity",
    *,
    resolution: float = 1.0,
    seed: int = 0,
    services: int | None = None,
) -> Decomposition:
    """Cut a monolith into services by community detection on its coupling graph.

    Service Cutter's approach: build the weighted coupling graph
    (:func:`~msatheory.design.coupling.coupling_graph`) and cluster it. Each cluster
    becomes a service named after the majority domain of its functions
    (``ordering``, then ``ordering-2``); a cluster of entities only joins the service
    whose functions use it most, so every service has a function and every entity
    one owner, and interfaces follow the functions they expose. The result is a
    partition of the monolith, so Theorem 2.1.1 (职责分离) holds by construction;
    Principle 2.1.1 (单一职责) need not. The same input gives the same cut on every run.

    Parameters
    ----------
    monolith : Monolith
        The system to cut.
    weights : CouplingWeights, optional
        How much a write, a read and a call couple (3, 1 and 2 by default).
    method : str, optional
        One of :data:`METHODS`: ``"greedy_modularity"`` (Clauset–Newman–Moore, the
        default), ``"louvain"`` (seeded), ``"label_propagation"`` (asynchronous,
        seeded) or ``"girvan_newman"`` (removes the edge of highest weighted
        betweenness, distance = 1/weight, and stops at the most modular level).
    resolution : float, optional
        Modularity's resolution for the modularity methods: larger gives more,
        smaller services.
    seed : int, optional
        Fixes the randomised methods.
    services : int, optional
        For ``"girvan_newman"`` only: stop at the level with this many services.

    Returns
    -------
    Decomposition
        The ``design`` (named ``"<monolith> cut by <method>"``), the algorithm's
        ``communities``, the final ``partition`` of the graph's nodes by service,
        and the ``graph`` itself; :meth:`Decomposition.quality` measures the cut.

    Raises
    ------
    TheoryError
        If an argument has the wrong type or value, if ``services`` is given to a
        method other than ``"girvan_newman"``, or if no Girvan–Newman level has that
        many services.

    Examples
    --------
    Ordering and payment call each other rarely and share no entity, so they part:

    >>> from msatheory.design import DataModel, Function, Monolith
    >>> shop = Monolith(
    ...     "shop",
    ...     [Function("place order", "ordering"), Function("view order", "ordering"),
    ...      Function("pay", "payment"), Function("refund", "payment")],
    ...     [DataModel("Order", "ordering"), DataModel("Payment", "payment")],
    ...     accesses=[("place order", "Order", "write"), ("view order", "Order", "read"),
    ...               ("pay", "Payment", "write"), ("refund", "Payment", "write")],
    ...     calls=[("place order", "pay", 1)],
    ... )
    >>> for spec in decompose(shop).design.services:
    ...     print(spec.name, [e.name for e in spec.elements])
    ordering ['place order', 'view order', 'Order']
    payment ['pay', 'refund', 'Payment']

    References
    ----------
    M. Gysel et al., "Service Cutter: A Systematic Approach to Service Decomposition",
    ESOCC 2016; A. Clauset, M. E. J. Newman and C. Moore, "Finding community structure in
    very large networks", Phys. Rev. E 70, 066111 (2004); V. D. Blondel et al., "Fast
    unfolding of communities in large networks", J. Stat. Mech. (2008) P10008 (Louvain);
    U. N. Raghavan, R. Albert and S. Kumara, "Near linear time algorithm to detect
    community structures in large-scale networks", Phys. Rev. E 76, 036106 (2007); M.
    Girvan and M. E. J. Newman, "Community structure in social and biological networks",
    PNAS 99 (2002) 7821-7826. Theorem 2.1.1 (职责分离) holds of every cut.
    """
    monolith = require_instance("decompose", "monolith", monolith, Monolith)
    weights = require_instance("decompose", "weights", weights, CouplingWeights)
    if method not in METHODS:
        raise TheoryError(
            f"decompose: method must be one of {', '.join(METHODS)}, not {method!r}"
        )
    resolution = require_number("decompose", "resolution", resolution, positive=True)
    seed = require_seed("decompose", seed)
    if services is not None:
        if method != "girvan_newman":
            raise TheoryError(
                f"decompose: services only applies to method 'girvan_newman', not to {method!r}"
            )
        services = require_count("decompose", "services", services, least=1)
    graph = coupling_graph(monolith, weights)
    communities = _communities(graph, method, resolution, seed, services)
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

    Parameters
    ----------
    monolith : Monolith
        The system to cut.

    Returns
    -------
    Design
        Named ``"<monolith> cut by domain"``, one service per domain of the monolith.

    Raises
    ------
    TheoryError
        If ``monolith`` is not a Monolith.

    Examples
    --------
    >>> from msatheory.design import Function, Monolith
    >>> m = Monolith("shop", [Function("order", "sales"), Function("pay", "billing")])
    >>> print(domain_cut(m))
    billing: functions pay [billing]; interfaces -; data models -
    sales: functions order [sales]; interfaces -; data models -

    References
    ----------
    Def 2.2.1 (领域) of the theory; E. Evans, *Domain-Driven Design* (2003), ch. 14.
    """
    monolith = require_instance("domain_cut", "monolith", monolith, Monolith)
    elements: list[Element] = [*monolith.functions, *monolith.interfaces, *monolith.entities]
    return Design(
        [ServiceSpec.of(domain, [e for e in elements if e.domain == domain])
         for domain in monolith.domains],
        name=f"{monolith.name} cut by domain",
    )
