"""How good a cut of a monolith is: modularity, cohesion, coupling and shared persistence.

Any design that puts every function and entity of a :class:`~msatheory.design.monolith.Monolith`
in exactly one service (Theorem 2.1.1, 职责分离, extended to entities) is a partition
of its coupling graph (:mod:`msatheory.design.coupling`). :func:`cut_quality` measures
it by Newman's modularity, the share of coupling weight kept inside services, the
calls between services and the accesses to another service's entities, the "shared
persistence" smell of Taibi et al. ("On the Definition of Microservice Bad Smells",
IEEE Software 35(3), 2018).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple

from msatheory.design.boundary import DataModel, Design, Function
from msatheory.design.coupling import (
    DEFAULT_WEIGHTS,
    CouplingWeights,
    Node,
    coupling_graph,
    entity_node,
    function_node,
    modularity,
)
from msatheory.design.monolith import Monolith
from msatheory.errors import TheoryError, require_instance
from msatheory.theory.render import labelled

__all__ = ["CutQuality", "ForeignAccess", "cut_quality", "owners"]


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
    """How good a cut is, measured on the coupling graph; ``str()`` gives it as a table.

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

    def rows(self) -> list[tuple[str, str]]:
        """Each measure's label and value: one row per measure, then one per service."""
        rows = [
            ("services", str(self.services)),
            ("modularity", f"{self.modularity:.3f}"),
            ("cohesion", f"{self.cohesion:.3f}"),
            ("coupling", f"{self.coupling:g}"),
            ("cross calls", str(self.cross_calls)),
            ("foreign accesses", str(len(self.foreign_accesses))),
        ]
        return rows + [(f"  cohesion of {s}", f"{c:.3f}")
                       for s, c in self.service_cohesion.items()]

    def __str__(self) -> str:
        return labelled(self.design, self.rows())


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
        held: tuple[Function | DataModel, ...] = (*spec.functions, *spec.data_models)
        for element in held:
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
    monolith: Monolith, design: Design, weights: CouplingWeights = DEFAULT_WEIGHTS
) -> CutQuality:
    """Measure a cut of a monolith into services on its coupling graph.

    Interfaces are not nodes of the coupling graph and are not measured.

    Parameters
    ----------
    monolith : Monolith
        The system that was cut.
    design : Design
        The cut: it must put every function and entity of the monolith in exactly one
        service (Theorem 2.1.1, 职责分离, extended to entities) and hold nothing else.
    weights : CouplingWeights, optional
        The weights of the coupling graph (3, 1 and 2 by default).

    Returns
    -------
    CutQuality
        Modularity, cohesion, coupling, the calls between services, each
        :class:`ForeignAccess` (the function, its service, the entity and the
        service that owns it) and each service's cohesion.

    Raises
    ------
    TheoryError
        If an argument has the wrong type, or the design is not a partition of the
        monolith's functions and entities.

    Examples
    --------
    >>> from msatheory.design import DataModel, Function, Monolith
    >>> from msatheory.design.decomposition import domain_cut
    >>> m = Monolith("shop", [Function("order", "sales"), Function("pay", "billing")],
    ...              [DataModel("Order", "sales")],
    ...              accesses=[("order", "Order", "write"), ("pay", "Order", "read")])
    >>> quality = cut_quality(m, domain_cut(m))
    >>> [str(a) for a in quality.foreign_accesses]
    ['pay (billing) reads Order (sales)']
    >>> print(quality)
    shop cut by domain
    services               2
    modularity             -0.031
    cohesion               0.750
    coupling               1
    cross calls            0
    foreign accesses       1
      cohesion of billing  0.000
      cohesion of sales    0.750

    References
    ----------
    M. E. J. Newman, "Modularity and community structure in networks", PNAS 103 (2006)
    8577-8582; D. Taibi and V. Lenarduzzi, "On the Definition of Microservice Bad
    Smells", IEEE Software 35(3), 2018 (shared persistence).
    """
    monolith = require_instance("cut_quality", "monolith", monolith, Monolith)
    design = require_instance("cut_quality", "design", design, Design)
    weights = require_instance("cut_quality", "weights", weights, CouplingWeights)
    owner = owners(monolith, design)
    graph = coupling_graph(monolith, weights)
    parts: dict[str, set[Node]] = {s.name: set() for s in design.services}
    for node, service in owner.items():
        parts[service].add(node)
    inner: defaultdict[str, float] = defaultdict(float)
    border: defaultdict[str, float] = defaultdict(float)
    crossing: list[float] = []
    weight: float
    for u, v, weight in graph.edges(data="weight"):
        if owner[u] == owner[v]:
            inner[owner[u]] += weight
        else:
            border[owner[u]] += weight
            border[owner[v]] += weight
            crossing.append(weight)
    internal = sum(inner.values())
    coupling = sum(crossing)
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
        modularity(graph, [p for p in parts.values() if p]),
        _ratio(internal, internal + coupling),
        coupling,
        cross_calls,
        tuple(foreign),
        MappingProxyType({s: _ratio(inner[s], inner[s] + border[s]) for s in sorted(parts)}),
    )
