"""Axiom 1.1.1 and Features 1.2.1-1.2.4 as checkers that return verdicts with witnesses.

Every checker takes an :class:`~msatheory.basics.model.Architecture` and returns a
:class:`~msatheory.theory.verdict.Verdict`, which holds exactly when it has no
witnesses. The analyses the witnesses come from (tangles of calls, blast radii, single
points of failure, shared data stores and deployment units) are public too. The
examples use :func:`~msatheory.basics.examples.tangled_shop`, whose ``orders`` and
``stock`` call each other and share a database.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from itertools import islice
from typing import NamedTuple

import networkx as nx

from msatheory.basics.model import Architecture
from msatheory.errors import TheoryError
from msatheory.theory import Kind, get
from msatheory.theory.render import counted
from msatheory.theory.verdict import Verdict, Witness

__all__ = [
    "CYCLE_LIMIT",
    "FAILURE_EVENTS",
    "FailureImpact",
    "Tangle",
    "blast_radii",
    "blast_radius",
    "check_autonomy",
    "check_fault_isolation",
    "check_independence",
    "check_independent_scaling",
    "check_technology_diversity",
    "dependency_tangles",
    "edges_to_soften",
    "failure_impact",
    "shared_datastores",
    "shared_deployment_units",
    "single_points_of_failure",
]


#: Most elementary cycles listed per tangle (:func:`dependency_tangles`).
CYCLE_LIMIT = 100

#: What fails (Feature 1.2.3): one ``instance`` (a machine, a process: its replicas
#: answer instead) or the whole ``service`` (a bug or a bad release fails every replica).
FAILURE_EVENTS = ("instance", "service")


class Tangle(NamedTuple):
    """Services that all reach each other: a strongly connected component of two or more.

    ``members`` are all of them, sorted; ``cycles`` its elementary cycles, each a closed
    walk ``(a, b, ..., a)`` from its least name, shortest first; ``complete`` is false
    when there are more than the limit (:data:`CYCLE_LIMIT`): the list then holds the
    shortest cycle through each call, up to the limit.
    """

    members: tuple[str, ...]
    cycles: tuple[tuple[str, ...], ...]
    complete: bool


def dependency_tangles(arch: Architecture, include_async: bool = False,
                       limit: int = CYCLE_LIMIT) -> list[Tangle]:
    """Every tangle of the call graph (of the whole network N with ``include_async``), with
    its elementary cycles, at most ``limit`` of them, the shortest first.

    Every service on a cycle is a member of exactly one tangle, so none goes unnamed, however
    many cycles pass through it.

    Parameters
    ----------
    arch : Architecture
        The architecture whose calls are searched.
    include_async : bool
        Count publish/subscribe edges too (a cycle through a topic is no violation of
        Axiom 1.1.1, but worth seeing).
    limit : int
        The most cycles listed per tangle.

    Returns
    -------
    list of Tangle
        In order of their least member. A tangle's ``cycles`` are all its elementary
        cycles when ``complete``; otherwise the shortest cycle through each call, up
        to ``limit``.

    Examples
    --------
    >>> from msatheory.basics.examples import tangled_shop
    >>> shop = tangled_shop()
    >>> dependency_tangles(shop)
    [Tangle(members=('orders', 'stock'), cycles=(('orders', 'stock', 'orders'),), complete=True)]

    Notes
    -----
    A tangle of n services and m calls has at least m - n + 1 elementary cycles, so
    Johnson's algorithm [2]_ runs only when that bound is within ``limit``; a larger
    tangle gets the shortest cycle through each call, by a breadth-first search from
    both ends of the call.

    References
    ----------
    .. [1] Axiom 1.1.1 of the theory (微服务独立性).
    .. [2] D. B. Johnson, "Finding all the elementary circuits of a directed graph",
       *SIAM Journal on Computing* 4(1), 1975.
    """
    return list(_tangles(arch, include_async, limit))


@lru_cache(maxsize=16)
def _tangles(arch: Architecture, include_async: bool, limit: int) -> tuple[Tangle, ...]:
    """The tangles, computed once per architecture (a checker and its report both ask)."""
    graph = arch.network if include_async else arch.call_graph
    tangles = []
    for component in nx.strongly_connected_components(graph):
        if len(component) < 2:
            continue
        calls = {s: [t for t in graph.successors(s) if t in component] for s in component}
        cycles, complete = _elementary_cycles(graph.subgraph(component), calls, limit)
        tangles.append(Tangle(tuple(sorted(component)), cycles, complete))
    return tuple(sorted(tangles))


def _elementary_cycles(tangle: nx.DiGraph, calls: dict[str, list[str]],
                       limit: int) -> tuple[tuple[tuple[str, ...], ...], bool]:
    """Up to ``limit`` elementary cycles of ``tangle`` (whose ``calls`` are given as lists),
    shortest first, and whether that is all of them.

    Johnson's algorithm lists every cycle when there are at most ``limit``. When there are
    more, the cycles it finds first can run through thousands of services, so the list
    is made instead of the shortest cycle through each call in turn (a breadth-first
    search back from its callee), until ``limit`` distinct cycles are found. A tangle
    of n services and m calls has at least m - n + 1 cycles (its directed cycles span
    its cycle space), so a large one is known to have more without counting them.
    """
    calls_count = sum(len(callees) for callees in calls.values())
    if calls_count == len(calls):  # as many calls as services: one ring, one cycle
        ring: list[str] = []
        node = min(calls)
        while not ring or node != ring[0]:
            ring.append(node)
            (node,) = calls[node]
        return (_closed(ring),), True
    found: set[tuple[str, ...]] = set()
    if calls_count - len(calls) + 1 <= limit:
        found = {_closed(c) for c in islice(nx.simple_cycles(tangle), limit + 1)}
    complete = 0 < len(found) <= limit
    if not complete:
        found = set()
        callers: dict[str, list[str]] = {s: [] for s in calls}
        for caller in sorted(calls):
            for callee in calls[caller]:
                callers[callee].append(caller)
        for caller in sorted(calls):
            for callee in sorted(calls[caller]):
                found.add(_shortest_cycle(calls, callers, caller, callee))
                if len(found) == limit:
                    return tuple(sorted(found, key=lambda c: (len(c), c))), complete
    return tuple(sorted(found, key=lambda c: (len(c), c))), complete


def _shortest_cycle(calls: dict[str, list[str]], callers: dict[str, list[str]], caller: str,
                    callee: str) -> tuple[str, ...]:
    """The shortest cycle through the call ``caller`` → ``callee`` (inside a tangle, where
    the callee always reaches the caller), as a closed walk: a breadth-first search from
    both ends, forward from the callee and backward from the caller, a level at a time."""
    ahead: dict[str, str | None] = {callee: None}  # node -> the node before it
    behind: dict[str, str | None] = {caller: None}  # node -> the node after it
    depth = {("ahead", callee): 0, ("behind", caller): 0}
    forward, backward = [callee], [caller]
    meeting = callee if callee == caller else None
    while meeting is None:
        side, other = ("ahead", "behind") if len(forward) <= len(backward) else (
            "behind", "ahead")
        seen, step = (ahead, calls) if side == "ahead" else (behind, callers)
        level, met = [], []
        for node in forward if side == "ahead" else backward:
            for neighbour in step[node]:
                if neighbour not in seen:
                    seen[neighbour] = node
                    depth[(side, neighbour)] = depth[(side, node)] + 1
                    level.append(neighbour)
                    if (other, neighbour) in depth:
                        met.append(neighbour)
        if met:  # the shortest way through, whichever node it meets at
            meeting = min(met, key=lambda n: (depth[(other, n)], n))
        if side == "ahead":
            forward = level
        else:
            backward = level
    path: list[str] = []
    step_back: str | None = meeting
    while step_back is not None:  # back to the callee
        path.append(step_back)
        step_back = ahead[step_back]
    path.reverse()
    step_on = behind[meeting]
    while step_on is not None:  # on to the caller
        path.append(step_on)
        step_on = behind[step_on]
    return _closed(path)


def _closed(cycle: list[str]) -> tuple[str, ...]:
    """``cycle`` as a closed walk from its least name: ``[b, a]`` gives ``(a, b, a)``."""
    start = cycle.index(min(cycle))
    turned = cycle[start:] + cycle[:start]
    return (*turned, turned[0])


def shared_datastores(arch: Architecture) -> dict[str, list[str]]:
    """Data stores used by two or more services, with their users.

    Brokers are left out: services sharing a broker communicate through it, which is
    what asynchronous channels are for, not a shared data store.
    """
    return {
        store: sorted(users)
        for store, users in sorted(arch.data_layer.items())
        if len(users) > 1 and arch.datastores[store].kind != "broker"
    }


def shared_deployment_units(arch: Architecture) -> dict[str, list[str]]:
    """Deployment units that ship two or more services, with the services."""
    return {
        unit: sorted(members)
        for unit, members in sorted(arch.deployment_units.items())
        if len(members) > 1
    }


def _event(event: str) -> str:
    if event not in FAILURE_EVENTS:
        raise TheoryError(f"failure: event must be one of {', '.join(FAILURE_EVENTS)}, "
                          f"not {event!r}")
    return event


def blast_radius(arch: Architecture, service: str, event: str = "service") -> frozenset[str]:
    """The services that fail with ``service`` (Feature 1.2.3): those that reach it by hard calls.

    A failure crosses a hard call only (:attr:`~msatheory.basics.model.Call.hard`: a
    synchronous call with no timeout and fallback); a soft call degrades its caller
    and an asynchronous one buffers. An ``"instance"`` failure of a service with two
    or more replicas fails nothing (the others answer); a ``"service"`` failure (a bug,
    a bad release) fails every replica, so replicas do not help.

    Parameters
    ----------
    arch : Architecture
        The architecture.
    service : str
        The service that fails.
    event : str
        ``"service"`` (default) or ``"instance"`` (:data:`FAILURE_EVENTS`).

    Returns
    -------
    frozenset of str
        The other services that fail with it.

    Raises
    ------
    TheoryError
        When ``arch`` has no such service, or ``event`` is neither.

    Examples
    --------
    >>> from msatheory.basics.examples import tangled_shop
    >>> shop = tangled_shop()
    >>> sorted(blast_radius(shop, "stock"))
    ['orders', 'web']

    Notes
    -----
    For u ≠ v, when u reaches v by hard calls and v does not reach u (they are not on
    one cycle), β(v) ⊇ β(u) ∪ {u}: a callee's radius holds its callers and theirs. On
    a cycle the inclusion fails: u ∈ β(v) and v ∈ β(u), but v ∉ β(v).

    References
    ----------
    .. [1] Feature 1.2.3 of the theory (故障隔离).
    .. [2] M. T. Nygard, *Release It!*, 2nd ed., 2018, ch. 4-5: cascading failures,
       timeouts and fallbacks.
    """
    arch.service(service)
    if _event(event) == "instance" and arch.services[service].replicas >= 2:
        return frozenset()
    return frozenset(nx.ancestors(arch.hard_graph, service))


class FailureImpact(NamedTuple):
    """What one failure takes down (Feature 1.2.3): ``event`` is ``"instance"`` or ``"service"``."""

    failing: str
    failed: frozenset[str]
    entry_points_down: frozenset[str]
    entry_points_up: frozenset[str]
    event: str = "service"

    @property
    def system_down(self) -> bool:
        """True when no entry point can serve clients."""
        return not self.entry_points_up


def failure_impact(arch: Architecture, service: str, event: str = "service") -> FailureImpact:
    """The services and entry points that fail when ``service`` fails (Feature 1.2.3).

    An instance failure of a replicated service fails nothing; otherwise the service and
    its blast radius (:func:`blast_radius`) fail.

    >>> from msatheory.basics.examples import tangled_shop
    >>> shop = tangled_shop()
    >>> impact = failure_impact(shop, "web")
    >>> sorted(impact.failed), impact.system_down
    (['web'], True)
    """
    survived = _event(event) == "instance" and arch.service(service).replicas >= 2
    failed = frozenset() if survived else blast_radius(arch, service) | {service}
    return FailureImpact(
        service, failed, arch.entry_points & failed, arch.entry_points - failed, event
    )


def _failure_reach(arch: Architecture) -> tuple[dict[str, int], list[str]]:
    """Every service's blast radius size (service failure), and the single points of failure.

    One pass over the condensation of the hard call graph in topological order: the
    services that fail with a tangle are its members plus all that fail with its
    callers, kept as a bit set over the sorted names. Linear in services and calls,
    up to word-sized bit operations.
    """
    names = sorted(arch.services)
    bit = {name: 1 << i for i, name in enumerate(names)}
    tangles = nx.condensation(arch.hard_graph)
    failing: dict[int, int] = {}
    for tangle in nx.topological_sort(tangles):
        failing[tangle] = sum(bit[s] for s in tangles.nodes[tangle]["members"])
        for caller in tangles.predecessors(tangle):
            failing[tangle] |= failing[caller]
    tangle_of = tangles.graph["mapping"]
    entries = sum(bit[s] for s in arch.entry_points)
    radii = {s: failing[tangle_of[s]].bit_count() - 1 for s in names}
    spofs = [s for s in names if entries & ~failing[tangle_of[s]] == 0]
    return radii, spofs


def blast_radii(arch: Architecture) -> dict[str, int]:
    """``len(blast_radius(arch, s))`` for every service ``s``, computed all at once."""
    return _failure_reach(arch)[0]


def single_points_of_failure(arch: Architecture) -> list[str]:
    """Services whose service failure alone reaches every entry point by hard calls.

    This is the raw analysis: :func:`check_fault_isolation` accepts the only entry point
    among them when it is replicated (the trade-off of Pattern 4.3.1).

    >>> from msatheory.basics.examples import tangled_shop
    >>> shop = tangled_shop()
    >>> single_points_of_failure(shop)
    ['orders', 'stock', 'web']
    """
    return _failure_reach(arch)[1]


def edges_to_soften(arch: Architecture, service: str) -> list[tuple[str, str]]:
    """The hard calls into ``service``, ``(caller, service)``: give each a timeout and a
    fallback, or make it asynchronous, and a failure of ``service`` fails no caller.

    >>> from msatheory.basics.examples import tangled_shop
    >>> edges_to_soften(tangled_shop(), "orders")
    [('stock', 'orders'), ('web', 'orders')]
    """
    arch.service(service)
    return sorted((caller, service) for caller in arch.hard_graph.predecessors(service))


def _accepted_entry(arch: Architecture, service: str) -> bool:
    """Whether ``service`` is the only entry point and replicated: the trade-off of
    Pattern 4.3.1, a single point of failure for service failures only."""
    return arch.entry_points == {service} and arch.services[service].replicas >= 2


def _cycle_witnesses(arch: Architecture, shown: int = 3) -> list[Witness]:
    """One witness per tangle, naming every member; its first cycles spelled out."""
    witnesses = []
    for tangle in dependency_tangles(arch):
        walks = "; ".join(" → ".join(c) for c in tangle.cycles[:shown])
        if not tangle.complete:
            walks += f"; more than {CYCLE_LIMIT} cycles in all"
        elif len(tangle.cycles) > shown:
            walks += f"; and {len(tangle.cycles) - shown} more"
        cycled = {s for c in tangle.cycles[:shown] for s in c}
        if cycled != set(tangle.members):
            walks += f" (all of {', '.join(tangle.members)} reach each other)"
        witnesses.append(Witness("dependency cycle", tangle.members, walks))
    return witnesses


def _shared_store_witnesses(arch: Architecture) -> list[Witness]:
    return [
        Witness("shared data store", (store, *users), f"{store} is used by {', '.join(users)}")
        for store, users in shared_datastores(arch).items()
    ]


def _shared_unit_witnesses(arch: Architecture, consequence: str) -> list[Witness]:
    return [
        Witness("shared deployment unit", tuple(members),
                f"{', '.join(members)} ship together in {unit!r}: {consequence}")
        for unit, members in shared_deployment_units(arch).items()
    ]


def check_independence(arch: Architecture) -> Verdict:
    """Axiom 1.1.1 (微服务独立性): every service can be deployed, scaled and replaced alone.

    Three things bind services together: a cycle of synchronous calls (no member can
    be deployed or change its API without the others; start-up can still be ordered,
    or retried), a shared data store (a schema change must be released in lock step)
    and a shared deployment unit (its services ship together).

    Parameters
    ----------
    arch : Architecture
        The architecture to check.

    Returns
    -------
    Verdict
        On Axiom 1.1.1. One witness per tangle of calls (``"dependency cycle"``: its
        members, and its first cycles spelled out), per shared data store (``"shared
        data store"``: the store, then its users) and per shared deployment unit
        (``"shared deployment unit"``: the services shipped together).

    Examples
    --------
    >>> from msatheory.basics.examples import tangled_shop
    >>> shop = tangled_shop()
    >>> verdict = check_independence(shop)
    >>> verdict.holds
    False
    >>> for witness in verdict.witnesses:
    ...     print(witness)
    dependency cycle: orders → stock → orders
    shared data store: db is used by orders, stock

    See Also
    --------
    dependency_tangles, shared_datastores, shared_deployment_units

    References
    ----------
    .. [1] Axiom 1.1.1 of the theory (微服务独立性).
    .. [2] S. Newman, *Building Microservices*, 2nd ed., O'Reilly, 2021, ch. 1:
       independent deployability.
    """
    witnesses = [
        *_cycle_witnesses(arch),
        *_shared_store_witnesses(arch),
        *_shared_unit_witnesses(arch, "one cannot be deployed without the others"),
    ]
    return Verdict(
        get(Kind.AXIOM, "1.1.1"),
        witnesses,
        f"Checked {len(arch.services)} services for call cycles, shared data stores "
        "and shared deployment units.",
    )


def check_autonomy(arch: Architecture) -> Verdict:
    """Feature 1.2.1 (服务自治): every service owns its data; no data store has two users.

    Parameters
    ----------
    arch : Architecture
        The architecture to check.

    Returns
    -------
    Verdict
        On Feature 1.2.1, with one ``"shared data store"`` witness per data store that
        two or more services use (``involves``: the store, then its users). Brokers
        are not shared data: services that share one communicate through it.

    Examples
    --------
    >>> from msatheory.basics.examples import tangled_shop
    >>> shop = tangled_shop()
    >>> print(check_autonomy(shop))
    Feature 1.2.1 Autonomy (服务自治): violated. 1 data store serves 2 of 3 services.
      - shared data store: db is used by orders, stock

    References
    ----------
    .. [1] Feature 1.2.1 of the theory (服务自治).
    .. [2] C. Richardson, *Microservices Patterns*, Manning, 2018, ch. 2: the
       database-per-service pattern.
    """
    stateful = sum(bool(s.datastores) for s in arch.services.values())
    return Verdict(
        get(Kind.FEATURE, "1.2.1"),
        _shared_store_witnesses(arch),
        f"{counted(len(arch.datastores), 'data store')} "
        f"serve{'s' * (len(arch.datastores) == 1)} {stateful} of {len(arch.services)} services.",
    )


def check_technology_diversity(arch: Architecture) -> Verdict:
    """Feature 1.2.2 (技术多样性): each service can choose its own stack.

    Services packaged in one deployment unit ship together (they may still run apart):
    none of them can change its stack, or the stack's version, without releasing the
    others.

    Parameters
    ----------
    arch : Architecture
        The architecture to check.

    Returns
    -------
    Verdict
        On Feature 1.2.2, with one ``"shared deployment unit"`` witness per unit that
        ships two or more services (``involves``: those services). The summary counts
        the stacks in use.

    Examples
    --------
    >>> from msatheory.basics.examples import tangled_shop
    >>> shop = tangled_shop()
    >>> check_technology_diversity(shop).summary
    '1 stack across 3 services: unspecified (3).'

    References
    ----------
    .. [1] Feature 1.2.2 of the theory (技术多样性).
    """
    stacks = Counter(s.technology or "unspecified" for s in arch.services.values())
    mix = ", ".join(f"{tech} ({n})" for tech, n in sorted(stacks.items()))
    return Verdict(
        get(Kind.FEATURE, "1.2.2"),
        _shared_unit_witnesses(arch, "none changes its stack without releasing the others"),
        f"{counted(len(stacks), 'stack')} across {len(arch.services)} services: {mix}.",
    )


def check_fault_isolation(arch: Architecture) -> Verdict:
    """Feature 1.2.3 (故障隔离): no single service's failure takes down the whole system.

    A failure crosses hard calls only (synchronous, no timeout and fallback): a service
    fails with every service it reaches by hard calls; a soft call degrades its caller
    and an asynchronous one buffers. The system is down when every entry point has
    failed. Two events differ: an instance failure, which a service of two or more
    replicas survives, and a service failure (a bug, a bad release), which fails
    every replica.

    The verdict fails on each service whose service failure reaches every entry point
    through hard calls (soften the calls into it), and on the only entry point when it
    has one replica (one instance failing stops every client). The only entry point with
    two or more replicas is the trade-off Pattern 4.3.1 accepts (one gateway is one
    place for a release to break every client); the summary states it, and one gateway
    per client type (Pattern 4.3.2) or cells reduce it.

    Parameters
    ----------
    arch : Architecture
        The architecture to check.

    Returns
    -------
    Verdict
        On Feature 1.2.3, with one ``"single point of failure"`` witness per such service
        (``involves``: that service; ``detail``: the hard calls to soften, or the replicas
        to add). The summary names the largest blast radius and any accepted entry point.

    Examples
    --------
    >>> from msatheory.basics.examples import tangled_shop
    >>> shop = tangled_shop()
    >>> verdict = check_fault_isolation(shop)
    >>> [w.involves for w in verdict.witnesses]
    [('orders',), ('stock',), ('web',)]
    >>> from msatheory.basics.model import Architecture, Call, Service
    >>> soft = Architecture([Service("web", calls=(Call("stock", timeout=0.5,
    ...                                                  fallback="cached stock"),),
    ...                              replicas=2, exposed=True), Service("stock")])
    >>> check_fault_isolation(soft).holds
    True

    See Also
    --------
    blast_radius, failure_impact, single_points_of_failure, edges_to_soften

    References
    ----------
    .. [1] Feature 1.2.3 of the theory (故障隔离); Patterns 4.3.1 and 4.3.2.
    .. [2] B. Treynor Sloss et al., "The Calculus of Service Availability", *ACM Queue*
       15(2), 2017: a service is no more available than its critical dependencies.
    .. [3] M. T. Nygard, *Release It!*, 2nd ed., 2018: timeouts, fallbacks, bulkheads.
    """
    entries = _some(sorted(arch.entry_points))
    radius, spofs = _failure_reach(arch)
    witnesses, accepted = [], []
    for s in spofs:
        replicas = arch.services[s].replicas
        if _accepted_entry(arch, s):
            accepted.append(s)
        elif arch.entry_points == {s}:
            witnesses.append(Witness(
                "single point of failure", (s,),
                f"{s}, the only entry point, has {_replicas(replicas)}: one instance "
                "failing stops every client; run 2 or more"))
        else:
            edges = ", ".join(f"{u} → {v}" for u, v in edges_to_soften(arch, s))
            witnesses.append(Witness(
                "single point of failure", (s,),
                f"a failure of {s} ({_replicas(replicas)}) reaches every entry point "
                f"({entries}) by hard calls: soften {edges}"))
    worst = max(sorted(radius), key=lambda s: radius[s])
    summary = (f"Largest blast radius: {worst} ({radius[worst]} of {len(arch.services) - 1} "
               "other services fail with it).")
    for s in accepted:
        summary += (f" Trade-off (Pattern 4.3.1): {s}, the only entry point, survives an "
                    f"instance failure ({_replicas(arch.services[s].replicas)}), not a "
                    "service failure (Pattern 4.3.2 or cells reduce it).")
    return Verdict(get(Kind.FEATURE, "1.2.3"), witnesses, summary)


def check_independent_scaling(arch: Architecture) -> Verdict:
    """Feature 1.2.4 (独立扩展): each service's replica count can change alone.

    Services that ship in one deployment unit scale together: adding a replica
    for one adds one for all.

    Parameters
    ----------
    arch : Architecture
        The architecture to check.

    Returns
    -------
    Verdict
        On Feature 1.2.4, with one ``"shared deployment unit"`` witness per unit that
        ships two or more services (``involves``: those services).

    Examples
    --------
    >>> from msatheory.basics.examples import tangled_shop
    >>> shop = tangled_shop()
    >>> check_independent_scaling(shop).holds
    True

    References
    ----------
    .. [1] Feature 1.2.4 of the theory (独立扩展).
    .. [2] M. L. Abbott and M. T. Fisher, *The Art of Scalability*, 2nd ed., 2015: the
       Y axis of the scale cube, scaling by splitting functions into services.
    """
    counts = Counter(s.replicas for s in arch.services.values())
    mix = ", ".join(f"{_replicas(r)} ({counted(n, 'service')})"
                    for r, n in sorted(counts.items()))
    most = max(counts)
    busiest = sorted(n for n, s in arch.services.items() if s.replicas == most)
    return Verdict(
        get(Kind.FEATURE, "1.2.4"),
        _shared_unit_witnesses(arch, "scaling one scales them all"),
        f"{mix}; the most replicated: {_some(busiest)}.",
    )


def _replicas(count: int) -> str:
    return counted(count, "replica")


def _some(names: list[str], shown: int = 5) -> str:
    """At most ``shown`` names, then how many more."""
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more} more" if more > 0 else "")
