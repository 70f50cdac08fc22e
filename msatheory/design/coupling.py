"""The coupling graph of a monolith: Service Cutter's weighted graph of what belongs together.

Gysel et al. ("Service Cutter", ESOCC 2016) read a monolith as a weighted graph whose
nodes are its functions and entities and whose edges say how strongly two of them are
coupled: a function to the entities it writes or reads, a function to the functions
it calls. :func:`coupling_graph` builds it from a :class:`~msatheory.design.monolith.Monolith`
under :class:`CouplingWeights`; :func:`modularity` is Newman's measure of a partition
of it. Clustering the graph into services is :mod:`msatheory.design.decomposition`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import TypeVar

import networkx as nx

from msatheory.design.monolith import Monolith
from msatheory.errors import require_instance, require_number

__all__ = [
    "DEFAULT_WEIGHTS",
    "CouplingWeights",
    "Node",
    "coupling_graph",
    "entity_node",
    "function_node",
    "modularity",
]

#: A node of the coupling graph: ``("function", name)`` or ``("entity", name)``.
Node = tuple[str, str]

N = TypeVar("N", bound=Hashable)


def function_node(name: str) -> Node:
    """The coupling-graph node of the function called ``name``."""
    return ("function", name)


def entity_node(name: str) -> Node:
    """The coupling-graph node of the entity called ``name``."""
    return ("entity", name)


@dataclass(frozen=True)
class CouplingWeights:
    """How much one write, one read and one call (per unit frequency) couple two nodes.

    >>> CouplingWeights(write=5)
    CouplingWeights(write=5.0, read=1.0, call=2.0)
    """

    write: float = 3.0
    read: float = 1.0
    call: float = 2.0

    def __post_init__(self) -> None:
        for name in ("write", "read", "call"):
            object.__setattr__(
                self, name, require_number("coupling weights", name, getattr(self, name))
            )


#: The default weights: a write couples 3, a read 1, a call 2 per unit of frequency.
DEFAULT_WEIGHTS = CouplingWeights()


def coupling_graph(monolith: Monolith, weights: CouplingWeights = DEFAULT_WEIGHTS) -> nx.Graph:
    """The weighted coupling graph of a monolith, which Service Cutter clusters into services.

    A function–entity edge weighs ``weights.write`` if the function writes the
    entity, else ``weights.read``; a function–function edge weighs ``weights.call``
    times the call frequency summed over both directions. Edges of weight 0 are left
    out; isolated nodes stay. Nodes and edges are added in sorted order.

    Parameters
    ----------
    monolith : Monolith
        The system to read.
    weights : CouplingWeights, optional
        How much a write, a read and a call couple (3, 1 and 2 by default).

    Returns
    -------
    networkx.Graph
        Nodes ``("function", name)`` and ``("entity", name)``, each with its
        ``element`` (the :class:`~msatheory.design.boundary.Function` or
        :class:`~msatheory.design.boundary.DataModel`); edges with their ``weight``
        and ``kind`` (``"write"``, ``"read"`` or ``"call"``), call edges also with
        their summed ``frequency``.

    Raises
    ------
    TheoryError
        If ``monolith`` is not a Monolith or ``weights`` not CouplingWeights.

    Examples
    --------
    >>> from msatheory.design import DataModel, Function, Monolith
    >>> m = Monolith("shop", [Function("order", "sales"), Function("pay", "billing")],
    ...              [DataModel("Order", "sales")],
    ...              accesses=[("order", "Order", "write"), ("pay", "Order", "read")],
    ...              calls=[("order", "pay", 2)])
    >>> sorted(coupling_graph(m).edges(data="weight"))
    [(('function', 'order'), ('entity', 'Order'), 3.0),
     (('function', 'order'), ('function', 'pay'), 4.0),
     (('function', 'pay'), ('entity', 'Order'), 1.0)]

    References
    ----------
    M. Gysel, L. Kölbener, W. Giersche and O. Zimmermann, "Service Cutter: A Systematic
    Approach to Service Decomposition", ESOCC 2016, LNCS 9846, pp. 185-200.
    """
    monolith = require_instance("coupling_graph", "monolith", monolith, Monolith)
    weights = require_instance("coupling_graph", "weights", weights, CouplingWeights)
    graph: nx.Graph[Node] = nx.Graph(name=monolith.name)
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
        a, b = sorted((call.caller, call.callee))
        frequency[(a, b)] += call.frequency
    for (a, b), times in sorted(frequency.items()):
        weight = weights.call * times
        if weight > 0:
            graph.add_edge(
                function_node(a), function_node(b), weight=weight, kind="call", frequency=times
            )
    return graph


def modularity(
    graph: nx.Graph[N], parts: Iterable[Iterable[N]], resolution: float = 1.0
) -> float:
    """Newman's weighted modularity of a partition of ``graph`` into ``parts``; 0 for a
    graph without edges, where it is undefined.

    >>> g = nx.Graph([(1, 2, {"weight": 1.0}), (3, 4, {"weight": 1.0})])
    >>> modularity(g, [{1, 2}, {3, 4}])
    0.5
    """
    resolution = require_number("modularity", "resolution", resolution, positive=True)
    if graph.number_of_edges() == 0:
        return 0.0
    return float(nx.community.modularity(
        graph, [set(p) for p in parts], weight="weight", resolution=resolution
    ))
