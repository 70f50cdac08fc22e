"""Patterns 8.1.1 (聚合器模式), 8.1.2 (代理模式) and 8.1.3 (链式模式) found in an architecture.

Each pattern has a detector that returns what it found, with its numbers, and a checker
that returns a :class:`~msatheory.theory.verdict.Verdict` on the statement, with a witness
for each instance that costs more than it should. All read chapter 1's
:class:`~msatheory.basics.model.Architecture`: its synchronous calls (hard or soft: a
caller waits for either), its data stores, topics and entry points.

* **Aggregators** (:func:`find_aggregators`): services that call two or more services
  synchronously. Ours: the model does not say which calls one request makes, so every
  synchronous call of a service is read as one request's fan-out, an upper bound on its
  width. :func:`check_aggregators` reports an aggregator wide enough that more requests
  than the tail beyond a quantile (5% beyond p95) wait on a slow call, by the tail at
  scale (chapter 4's :func:`~msatheory.gateway.aggregation.slow_fraction`).
* **Proxies** (:func:`find_proxies`): pass-through services, reached by clients or callers,
  that forward to exactly one service and own nothing else: no data store, no topic, no
  other call. :func:`check_proxies` accepts one at the edge (the gateway as proxy, as the
  pattern says) and reports one inside the system: a hop that adds latency and a failure
  point but no function the model can see.
* **Chains** (:func:`find_chains`): the maximal simple paths of synchronous calls from the
  entry points, each with its composed availability (a product, as chapter 1's
  :func:`~msatheory.basics.availability.serial`) and mean latency (a sum).
  :func:`check_chains` reports each chain whose shortest failing prefix falls below an
  availability target, or goes over a latency or length budget.

Defaults are stated with their sources: a slow share of 1% (Dean and Barroso's example),
each service at four nines and the chain's head at three (Treynor et al.'s rule of the
extra nine), 10 ms of a service's own work (chapter 5's
:data:`~msatheory.communication.patterns.SERVICE_LATENCY`). Availabilities are floats;
latencies are summed exactly, as the decimals they were written as. Importing this module
loads neither sympy nor SimPy; :func:`check_aggregators` does, through chapter 4's
:func:`~msatheory.gateway.aggregation.slow_fraction`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from msatheory.basics.model import Architecture
from msatheory.errors import (
    TheoryError,
    require_count,
    require_duration,
    require_fraction,
    require_instance,
)
from msatheory.gateway.aggregation import slow_fraction
from msatheory.sim import exact
from msatheory.theory import Kind, get
from msatheory.theory.render import counted
from msatheory.theory.verdict import Verdict, Witness

__all__ = [
    "AVAILABILITY_TARGET",
    "COUNTED",
    "DEPENDENCY_AVAILABILITY",
    "PATH_LIMIT",
    "SEARCH_LIMIT",
    "SERVICE_MEAN",
    "SLOW_SHARE",
    "TAIL_QUANTILE",
    "Aggregator",
    "Chain",
    "Proxy",
    "check_aggregators",
    "check_chains",
    "check_proxies",
    "find_aggregators",
    "find_chains",
    "find_proxies",
    "longest_chain",
]

#: Share of calls that are slow: Dean and Barroso's example, one call in 100 takes a second.
SLOW_SHARE = 0.01
#: The request quantile a fan-out should keep free of slow calls. Dean and Barroso hedge a
#: call once it has been outstanding longer than the 95th percentile.
TAIL_QUANTILE = 0.95
#: Availability a service offers unless told: four nines, one more than the target
#: (Treynor et al.'s rule of the extra nine for critical dependencies).
DEPENDENCY_AVAILABILITY = 0.9999
#: Availability a chain's head must offer: three nines.
AVAILABILITY_TARGET = 0.999
#: Mean latency of a service's own work, seconds: chapter 5's ``SERVICE_LATENCY`` mean.
SERVICE_MEAN = 0.010
#: The longest chain :func:`longest_chain` counts by multiplying; past it, by a logarithm.
COUNTED = 10_000
#: Most chains :func:`find_chains` lists; past it the list is cut (its longest may be missed).
PATH_LIMIT = 10_000
#: Most steps the search for chains takes (a service added to a path, or listed in a
#: chain found): it bounds the work on large tangled graphs, whose simple paths are many
#: and long.
SEARCH_LIMIT = 200_000


def _architecture(owner: str, arch: object) -> Architecture:
    return require_instance(owner, "arch", arch, Architecture)


def _path(services: tuple[str, ...]) -> str:
    return " → ".join(services)


# -- Pattern 8.1.1: aggregators ------------------------------------------------------------

@dataclass(frozen=True)
class Aggregator:
    """Pattern 8.1.1 (聚合器模式): ``service`` calls ``callees`` synchronously, read as one
    request's fan-out; ``entry`` is whether clients reach it (an entry point: a gateway
    aggregating, as the pattern says)."""

    service: str
    callees: tuple[str, ...]
    entry: bool

    @property
    def degree(self) -> int:
        """The fan-out: how many calls one request waits for."""
        return len(self.callees)


def find_aggregators(arch: Architecture, least: int = 2) -> tuple[Aggregator, ...]:
    """Pattern 8.1.1 (聚合器模式): every service that calls ``least`` or more services
    synchronously.

    Ours: every synchronous call of a service, hard or soft, is read as part of one
    request's fan-out (the model does not say which calls a request makes); asynchronous
    and monitoring calls are not waited for and do not count.

    Parameters
    ----------
    arch : Architecture
        The architecture searched.
    least : int
        The fewest synchronous callees that make an aggregator (2 or more).

    Returns
    -------
    tuple of Aggregator
        Widest first, then by name: each the service, its synchronous callees (sorted)
        and whether it is an entry point.

    Raises
    ------
    TheoryError
        If ``arch`` is not an Architecture or ``least`` is below 2.

    Examples
    --------
    >>> from msatheory.basics.model import Architecture, Call, Service
    >>> page = Architecture([Service("gateway", calls=("users", "orders",
    ...                                                Call("mail", kind="async"))),
    ...                      Service("users"), Service("orders"), Service("mail")])
    >>> find_aggregators(page)
    (Aggregator(service='gateway', callees=('orders', 'users'), entry=True),)

    References
    ----------
    .. [1] Pattern 8.1.1 of the theory (聚合器模式); Function 4.2.2 (聚合).
    """
    arch = _architecture("find_aggregators", arch)
    least = require_count("find_aggregators", "least", least, least=2)
    graph = arch.call_graph
    found = [Aggregator(s, tuple(sorted(graph.successors(s))), s in arch.entry_points)
             for s in graph if graph.out_degree(s) >= least]
    return tuple(sorted(found, key=lambda a: (-a.degree, a.service)))


def _widest_allowed(p: float, quantile: float) -> float:
    """The widest fan-out whose share of requests waiting on a slow call stays within
    ``1 - quantile``: ``ln(quantile) / ln(1 - p)``, rounded down (infinite for p = 0)."""
    if p == 0 or quantile == 1:
        return math.inf if p == 0 else 1.0
    if p == 1:
        return 0.0
    return float(math.floor(math.log(quantile) / math.log1p(-p) + 1e-12))


def check_aggregators(arch: Architecture, *, p: float = SLOW_SHARE,
                      quantile: float = TAIL_QUANTILE) -> Verdict:
    """Pattern 8.1.1 (聚合器模式): aggregate at the gateway, in fan-outs narrow enough for
    their tail.

    Ours: an aggregator waits for its slowest call, so if each call is slow with
    probability ``p``, a fan-out of ``k`` calls waits on a slow one in ``1 - (1 - p)^k``
    of its requests (the tail at scale). The pattern holds when no aggregator's share
    exceeds ``1 - quantile``: then its ``quantile`` latency (p95 by default) is still a
    fast call's. With 1% slow calls that allows 5 calls (4.9%), not 6 (5.9%).

    Parameters
    ----------
    arch : Architecture
        The architecture checked.
    p : float
        Share of calls that are slow, in [0, 1] (default :data:`SLOW_SHARE`, 1%).
    quantile : float
        The request quantile to keep free of slow calls, in (0, 1] (default
        :data:`TAIL_QUANTILE`, 0.95).

    Returns
    -------
    Verdict
        On Pattern 8.1.1, with one ``"slow tail"`` witness per aggregator over the share
        (``involves``: the aggregator, then its callees). The summary counts the
        aggregators, names the widest and those that are not entry points.

    Raises
    ------
    TheoryError
        If ``arch`` is not an Architecture or ``p`` or ``quantile`` is out of range.

    Examples
    --------
    >>> from msatheory.basics.model import Architecture, Service
    >>> names = [f"s{k}" for k in range(6)]
    >>> page = Architecture([Service("gateway", calls=names), *map(Service, names)])
    >>> for witness in check_aggregators(page).witnesses:
    ...     print(witness)
    slow tail: gateway waits on 6 calls: 1 - (1 - 0.01)^6 = 5.9% of its requests wait on
    a slow one, more than the 5% beyond p95; hedge the calls or fan out to 5 or fewer
    >>> check_aggregators(page, p=0.005).holds
    True

    References
    ----------
    .. [1] Pattern 8.1.1 of the theory (聚合器模式).
    .. [2] J. Dean and L. A. Barroso, "The Tail at Scale", Communications of the ACM
       56(2), 2013, pp. 74-80: the tail at scale, and hedged requests sent after the
       95th-percentile latency.
    """
    owner = "check_aggregators"
    arch = _architecture(owner, arch)
    p = require_fraction(owner, "p", p)
    quantile = require_fraction(owner, "quantile", quantile, zero=False)
    found = find_aggregators(arch)
    widest = _widest_allowed(p, quantile)
    shares = {k: float(slow_fraction(k, p)) for k in {a.degree for a in found}}
    witnesses = []
    for a in found:
        share = shares[a.degree]
        if share > 1 - quantile:
            witnesses.append(Witness(
                "slow tail", (a.service, *a.callees),
                f"{a.service} waits on {a.degree} calls: 1 - (1 - {p:g})^{a.degree} = "
                f"{share:.1%} of its requests wait on a slow one, more than the "
                f"{1 - quantile:.0%} beyond p{quantile * 100:g}; hedge the calls"
                + (f" or fan out to {widest:.0f} or fewer" if widest >= 2 else "")))
    return Verdict(get(Kind.PATTERN, "8.1.1"), witnesses,
                   _aggregator_summary(found, shares, p))


def _aggregator_summary(found: tuple[Aggregator, ...], shares: Mapping[int, float],
                        p: float) -> str:
    if not found:
        return "No service calls two or more services synchronously."
    top = found[0]
    summary = (f"{counted(len(found), 'aggregator')}; the widest, {top.service}, waits on "
               f"{top.degree} calls: {shares[top.degree]:.1%} of its requests wait on a slow "
               f"one when {p:.0%} of calls are slow.")
    inside = sorted(a.service for a in found if not a.entry)
    if inside:
        summary += f" Not at an entry point: {_some(inside)}."
    return summary


def _some(names: list[str], shown: int = 5) -> str:
    """At most ``shown`` names, then how many more."""
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more} more" if more > 0 else "")


# -- Pattern 8.1.2: proxies ----------------------------------------------------------------

@dataclass(frozen=True)
class Proxy:
    """Pattern 8.1.2 (代理模式): ``service`` forwards to ``callee`` and does nothing else the
    model sees. ``callers`` call it synchronously; ``entry`` is whether clients reach it;
    ``hard`` whether its forward is a hard call (a failure of ``callee`` fails it)."""

    service: str
    callee: str
    callers: tuple[str, ...]
    entry: bool
    hard: bool


def find_proxies(arch: Architecture) -> tuple[Proxy, ...]:
    """Pattern 8.1.2 (代理模式): every pass-through service of ``arch``.

    A pass-through is reached (an entry point, or called synchronously by a service),
    makes exactly one call apart from monitoring, a synchronous one, and owns nothing
    else: no data store, and it publishes and subscribes to no topic. Ours: what it does
    to a request (authentication, rate limiting, TLS) is not in the architecture, so a
    pass-through is what the model cannot tell from a bare hop.

    Parameters
    ----------
    arch : Architecture
        The architecture searched.

    Returns
    -------
    tuple of Proxy
        By name: each the service, its callee, its synchronous callers (sorted), whether
        it is an entry point and whether its forward is hard.

    Raises
    ------
    TheoryError
        If ``arch`` is not an Architecture.

    Examples
    --------
    >>> from msatheory.basics.model import Architecture, Service
    >>> relay = Architecture([Service("web", calls=("relay",), datastores=("sessions",)),
    ...                       Service("relay", calls=("orders",)),
    ...                       Service("orders", datastores=("db",))])
    >>> find_proxies(relay)
    (Proxy(service='relay', callee='orders', callers=('web',), entry=False, hard=True),)

    References
    ----------
    .. [1] Pattern 8.1.2 of the theory (代理模式).
    """
    arch = _architecture("find_proxies", arch)
    found = []
    for s in sorted(arch.services):
        service = arch.services[s]
        calls = [c for c in service.calls if c.kind != "monitoring"]
        callers = tuple(sorted(arch.call_graph.predecessors(s)))
        entry = s in arch.entry_points
        if (len(calls) == 1 and calls[0].kind == "sync" and not service.datastores
                and not service.publishes and not service.subscribes
                and (entry or callers)):
            found.append(Proxy(s, calls[0].to, callers, entry, calls[0].hard))
    return tuple(found)


def _inside(proxy: Proxy) -> bool:
    """Whether a service other than its own callee calls ``proxy``: a hop inside the
    system (a call back from the callee is a cycle, which Axiom 1.1.1 reports)."""
    return any(caller != proxy.callee for caller in proxy.callers)


def check_proxies(arch: Architecture) -> Verdict:
    """Pattern 8.1.2 (代理模式): the gateway forwards requests; nothing inside merely relays.

    Ours: a proxy at the edge (an entry point no other service calls) is the pattern as
    stated, the gateway forwarding each request to its service. A pass-through that
    services call (:func:`find_proxies`; its callee calling back is a cycle, left to
    Axiom 1.1.1) is one more hop in series inside the system: its latency is added and its
    availability multiplied into every request through it
    (:func:`~msatheory.practice.composition.proxied`), for no function the model can
    see. Each is a witness.

    Parameters
    ----------
    arch : Architecture
        The architecture checked.

    Returns
    -------
    Verdict
        On Pattern 8.1.2, with one ``"pass-through"`` witness per proxy inside the
        system (``involves``: its callers, the proxy, its callee). The summary
        names the proxies at the edge.

    Raises
    ------
    TheoryError
        If ``arch`` is not an Architecture.

    Examples
    --------
    >>> from msatheory.basics.model import Architecture, Service
    >>> relay = Architecture([Service("web", calls=("relay",), datastores=("sessions",)),
    ...                       Service("relay", calls=("orders",)),
    ...                       Service("orders", datastores=("db",))])
    >>> print(check_proxies(relay))
    Pattern 8.1.2 Proxy (代理模式): violated. 1 pass-through service.
      - pass-through: relay forwards every request from web to orders and owns no data
    store, topic or other call: one more hop (its latency added, its availability
    multiplied in); let web call orders directly, or give relay a job of its own

    References
    ----------
    .. [1] Pattern 8.1.2 of the theory (代理模式); Pattern 4.3.1 (单点入口).
    .. [2] B. Treynor, M. Dahlin, V. Rau and B. Beyer, "The Calculus of Service
       Availability", ACM Queue 15(2), 2017: every critical dependency in series
       lowers the bound.
    """
    found = find_proxies(_architecture("check_proxies", arch))
    witnesses = [
        Witness("pass-through", (*p.callers, p.service, p.callee),
                f"{p.service} forwards every request from {', '.join(p.callers)} to "
                f"{p.callee} and owns no data store, topic or other call: one more hop (its "
                "latency added, its availability multiplied in); let "
                f"{' and '.join(p.callers)} call {p.callee} directly, or give {p.service} "
                "a job of its own")
        for p in found if _inside(p)]
    edge = [p.service for p in found if p.entry and not _inside(p)]
    summary = (f"{counted(len(found), 'pass-through service')}"
               + (f"; at the edge: {_some(edge)} (the pattern as stated)." if edge
                  else "."))
    return Verdict(get(Kind.PATTERN, "8.1.2"), witnesses, summary)


# -- Pattern 8.1.3: chains -----------------------------------------------------------------

@dataclass(frozen=True)
class Chain:
    """Pattern 8.1.3 (链式模式): a maximal simple path of synchronous calls from an entry point.

    ``services`` in call order (two or more). ``availability`` is the product of all
    their availabilities (every service answers: the full answer). ``critical`` counts
    the head and the services it reaches by hard calls along the chain, and
    ``critical_availability`` is the product over those (no failure crosses a soft call:
    past it the answer may be degraded, but it comes). ``mean_latency`` is the sum of
    their mean latencies (seconds). ``loops_to`` names the service on the chain that its
    last service calls back (a cycle, which Axiom 1.1.1 reports), or is None.
    """

    services: tuple[str, ...]
    availability: float
    critical: int
    critical_availability: float
    mean_latency: float
    loops_to: str | None = None

    @property
    def length(self) -> int:
        """How many services the request passes."""
        return len(self.services)

    def __str__(self) -> str:
        return _path(self.services)


def _per_service(owner: str, what: str, value: object, arch: Architecture,
                 fraction: bool) -> dict[str, float]:
    """``value`` for every service: one figure for all, or a mapping naming each."""
    check = require_fraction if fraction else require_duration
    if not isinstance(value, Mapping):
        return dict.fromkeys(arch.services, check(owner, what, value))
    missing = sorted(set(arch.services) - set(value))
    if missing:
        raise TheoryError(f"{owner}: {what} must name every service or be one figure; it "
                          f"lacks {', '.join(missing)}")
    return {s: check(owner, f"{what} of {s!r}", value[s]) for s in arch.services}


def _ticks(latency: Mapping[str, float], budget: float = 0.0) -> tuple[dict[str, int], int,
                                                                        int]:
    """Every latency and the ``budget`` as whole ticks of one common unit, and the ticks in
    a second: sums and comparisons are then exact (six calls of 0.01 s take 0.06 s, and a
    chain exactly at its budget is within it) and fast."""
    times = {s: exact(t) for s, t in latency.items()}
    per_second = math.lcm(exact(budget).denominator,
                          *(f.denominator for f in times.values()))
    return ({s: int(f * per_second) for s, f in times.items()},
            int(exact(budget) * per_second), per_second)


def _critical(hard: set[tuple[str, str]], services: tuple[str, ...]) -> int:
    """How many leading services of ``services`` the head reaches by hard calls."""
    count = 1
    while count < len(services) and (services[count - 1], services[count]) in hard:
        count += 1
    return count


def _walks(arch: Architecture, limit: int
           ) -> tuple[list[tuple[tuple[str, ...], str | None]], bool]:
    """The maximal simple paths of two or more services from the entry points, in
    depth-first order (names sorted), each with the service it loops back to; and whether
    that is all of them. The search stops at ``limit`` paths or after
    :data:`SEARCH_LIMIT` steps (a service added to a path or listed in one)."""
    callees = {s: sorted(arch.call_graph.successors(s)) for s in arch.call_graph}
    found: list[tuple[tuple[str, ...], str | None]] = []
    steps = 0
    for entry in sorted(arch.entry_points):
        path, on = [entry], {entry}
        pending = [iter(callees[entry])]
        onward = [False]  # whether the service at each depth had a callee off the path
        while pending:
            if steps >= SEARCH_LIMIT:
                return found, False
            callee = next((c for c in pending[-1] if c not in on), None)
            if callee is not None:
                onward[-1] = True
                path.append(callee)
                on.add(callee)
                pending.append(iter(callees[callee]))
                onward.append(False)
                steps += 1
                continue
            if not onward[-1] and len(path) >= 2:
                loop = min((c for c in callees[path[-1]] if c in on), default=None)
                found.append((tuple(path), loop))
                steps += len(path)
                if len(found) == limit:
                    return found, False
            pending.pop()
            onward.pop()
            on.discard(path.pop())
    return found, True


def _chains(arch: Architecture, availability: Mapping[str, float],
            latency: Mapping[str, float], limit: int) -> tuple[tuple[Chain, ...], bool]:
    walks, complete = _walks(arch, limit)
    hard = set(arch.hard_graph.edges)
    ticks, _, per_second = _ticks(latency)
    chains = []
    for path, loop in walks:
        critical = _critical(hard, path)
        chains.append(Chain(path, math.prod(availability[s] for s in path), critical,
                            math.prod(availability[s] for s in path[:critical]),
                            sum(ticks[s] for s in path) / per_second, loop))
    return tuple(sorted(chains, key=lambda c: (-c.length, c.services))), complete


def longest_chain(availability: float, target: float) -> int:
    """Pattern 8.1.3 (链式模式): the most services, each available ``availability``, that a
    chain may hold and keep ``target`` end to end.

    The chain is up when every service is (the product of chapter 1's
    :func:`~msatheory.basics.availability.serial`), so this is the largest ``n`` with
    ``availability**n >= target``, counted by multiplying one service at a time, as
    :func:`check_chains` multiplies a chain's availabilities: the two agree at every
    boundary. Past :data:`COUNTED` services the count is the logarithm's, rounded down.

    Parameters
    ----------
    availability : float
        Each service's availability, in [0, 1).
    target : float
        The chain's target, in (0, 1].

    Returns
    -------
    int
        The most services in a row; 0 when even one service misses the target.

    Raises
    ------
    TheoryError
        If ``availability`` or ``target`` is out of range.

    Examples
    --------
    >>> longest_chain(0.9999, 0.999), longest_chain(0.999, 0.998), longest_chain(0.9, 0.5)
    (10, 2, 6)

    References
    ----------
    .. [1] Pattern 8.1.3 of the theory (链式模式).
    .. [2] B. Treynor, M. Dahlin, V. Rau and B. Beyer, "The Calculus of Service
       Availability", ACM Queue 15(2), 2017.
    """
    owner = "longest_chain"
    share = require_fraction(owner, "availability", availability)
    goal = require_fraction(owner, "target", target, zero=False)
    if share == 1:
        raise TheoryError(f"{owner}: availability must lie in [0, 1), not {availability!r}: "
                          "a chain of perfect services is never too long")
    if share > 0 and math.log(goal) / math.log(share) > COUNTED:
        return math.floor(math.log(goal) / math.log(share))
    count, product = 0, 1.0
    while product * share >= goal:
        product *= share
        count += 1
    return count


def find_chains(arch: Architecture, *, availability: float | Mapping[str, float]
                = DEPENDENCY_AVAILABILITY, latency: float | Mapping[str, float] = SERVICE_MEAN,
                limit: int = PATH_LIMIT) -> tuple[Chain, ...]:
    """Pattern 8.1.3 (链式模式): the chains of synchronous calls a request can pass.

    Each chain is a simple path of the synchronous call graph (hard and soft calls) from
    an entry point that cannot go further without visiting a service twice: a cycle of
    calls is cut where it closes, and the chain names where it would loop
    (``loops_to``). The availability of a chain is the product of its services'
    (chapter 1's :func:`~msatheory.basics.availability.serial`) and its mean latency the
    sum (:func:`~msatheory.practice.composition.chain_latency`).

    Parameters
    ----------
    arch : Architecture
        The architecture searched.
    availability : float or mapping
        Each service's availability, in [0, 1]: one figure for all, or a mapping naming
        every service (default :data:`DEPENDENCY_AVAILABILITY`, four nines).
    latency : float or mapping
        Each service's own mean latency, seconds (default :data:`SERVICE_MEAN`).
    limit : int
        The most chains listed (positive; default :data:`PATH_LIMIT`). The search also
        stops after :data:`SEARCH_LIMIT` steps; cut short, it may miss the longest chain.

    Returns
    -------
    tuple of Chain
        Longest first, then by their services; at most ``limit``. Each holds its
        services, availability (all of them, and over its critical part), mean latency
        and where it loops.

    Raises
    ------
    TheoryError
        If ``arch`` is not an Architecture, a figure is out of range, a mapping misses a
        service, or ``limit`` is not positive.

    Examples
    --------
    >>> from msatheory.basics.model import Architecture, Service
    >>> flow = Architecture([Service("web", calls=("orders",)),
    ...                      Service("orders", calls=("stock", "payments")),
    ...                      Service("stock"), Service("payments", calls=("orders",))])
    >>> for chain in find_chains(flow):
    ...     print(chain, round(chain.availability, 6), chain.mean_latency, chain.loops_to)
    web → orders → payments 0.9997 0.03 orders
    web → orders → stock 0.9997 0.03 None

    References
    ----------
    .. [1] Pattern 8.1.3 of the theory (链式模式).
    .. [2] B. Treynor, M. Dahlin, V. Rau and B. Beyer, "The Calculus of Service
       Availability", ACM Queue 15(2), 2017.
    """
    owner = "find_chains"
    arch = _architecture(owner, arch)
    return _chains(arch, _per_service(owner, "availability", availability, arch, True),
                   _per_service(owner, "latency", latency, arch, False),
                   require_count(owner, "limit", limit, least=1))[0]


def check_chains(arch: Architecture, *, availability: float | Mapping[str, float]
                 = DEPENDENCY_AVAILABILITY, target: float = AVAILABILITY_TARGET,
                 latency: float | Mapping[str, float] = SERVICE_MEAN,
                 latency_budget: float | None = None, max_length: int | None = None,
                 limit: int = PATH_LIMIT) -> Verdict:
    """Pattern 8.1.3 (链式模式): chains of synchronous calls within their budgets.

    Ours: a request through a chain waits for every service on it and fails when any
    service it reaches by hard calls fails. The pattern holds when every chain
    (:func:`find_chains`) keeps its head's availability at ``target`` or more (the
    product over the head and the services it reaches by hard calls: Treynor's critical
    dependencies), and, when they are given, its mean latency within ``latency_budget``
    and its length within ``max_length`` services. By the rule of the extra nine, each
    service offers one nine more than the target (the defaults: 0.9999 against 0.999),
    which allows chains of up to 10 services.

    Parameters
    ----------
    arch : Architecture
        The architecture checked.
    availability : float or mapping
        Each service's availability (as :func:`find_chains`).
    target : float
        The availability a chain's head must keep, in [0, 1] (default
        :data:`AVAILABILITY_TARGET`).
    latency : float or mapping
        Each service's own mean latency, seconds (as :func:`find_chains`).
    latency_budget : float, optional
        The most mean latency a chain may add up to, seconds; None (default) sets none.
    max_length : int, optional
        The most services on a chain (2 or more); None (default) sets none.
    limit : int
        The most chains examined (as :func:`find_chains`).

    Returns
    -------
    Verdict
        On Pattern 8.1.3, with one witness per shortest failing prefix, shared by the
        chains that start with it: ``"chain below target"``, ``"chain over latency
        budget"`` or ``"chain too long"`` (``involves``: the prefix, in call order). The
        summary names the longest chain, counts the chains that loop, says whether the
        search was cut short, and, for one availability figure, how long a chain may be.

    Raises
    ------
    TheoryError
        As :func:`find_chains`, or if ``target``, ``latency_budget`` or ``max_length`` is
        out of range.

    Examples
    --------
    >>> from msatheory.basics.model import Architecture, Service
    >>> names = [f"s{k}" for k in range(12)]
    >>> deep = Architecture([Service(a, calls=(b,)) for a, b in zip(names, names[1:])]
    ...                     + [Service("s11")])
    >>> for witness in check_chains(deep).witnesses:
    ...     print(witness)
    chain below target: s0 → s1 → ... → s10: availability 0.9999^11 = 0.998901, below
    the target 0.999
    >>> print(check_chains(deep, latency_budget=0.05, target=0).witnesses[0])
    chain over latency budget: s0 → s1 → ... → s5: mean latency 0.06 s, over the budget 0.05 s

    References
    ----------
    .. [1] Pattern 8.1.3 of the theory (链式模式).
    .. [2] B. Treynor, M. Dahlin, V. Rau and B. Beyer, "The Calculus of Service
       Availability", ACM Queue 15(2), 2017: a service is at most as available as the
       product of its critical dependencies, each of which should offer one more nine.
    """
    owner = "check_chains"
    arch = _architecture(owner, arch)
    shares = _per_service(owner, "availability", availability, arch, True)
    means = _per_service(owner, "latency", latency, arch, False)
    target = require_fraction(owner, "target", target)
    budget = None if latency_budget is None else require_duration(
        owner, "latency_budget", latency_budget)
    ticks, budget_ticks, per_second = _ticks(means, budget or 0.0)
    longest = None if max_length is None else require_count(owner, "max_length", max_length,
                                                            least=2)
    chains, complete = _chains(arch, shares, means, require_count(owner, "limit", limit,
                                                                  least=1))
    witnesses = []
    for chain in chains:
        witnesses += _chain_witnesses(chain, shares, ticks, per_second, target,
                                      None if budget is None else budget_ticks, longest)
    uniform = None if isinstance(availability, Mapping) else shares[next(iter(shares))]
    return Verdict(get(Kind.PATTERN, "8.1.3"), witnesses,
                   _chain_summary(chains, complete, uniform, target))


def _chain_witnesses(chain: Chain, shares: Mapping[str, float], ticks: Mapping[str, int],
                     per_second: int, target: float, budget: int | None,
                     longest: int | None) -> list[Witness]:
    """The witnesses against ``chain``: for each budget, its shortest prefix of two
    services or more that is over it (availability over its critical part only)."""
    found = []
    product = shares[chain.services[0]]
    for k in range(2, chain.critical + 1):
        product *= shares[chain.services[k - 1]]
        if product < target:
            low = chain.services[:k]
            found.append(Witness("chain below target", low,
                                 f"{_short(low)}: availability {_factors(low, shares)} = "
                                 f"{product:.6g}, below the target {target:g}"))
            break
    if budget is not None:
        found += _over_budget(chain, ticks, per_second, budget)
    if longest is not None and chain.length > longest:
        found.append(Witness("chain too long", chain.services[:longest + 1],
                             f"{_short(chain.services[:longest + 1])}: more than {longest} "
                             "services in a row"))
    return found


def _over_budget(chain: Chain, ticks: Mapping[str, int], per_second: int,
                 budget: int) -> list[Witness]:
    total = ticks[chain.services[0]]
    for k in range(2, chain.length + 1):
        total += ticks[chain.services[k - 1]]
        if total > budget:
            slow = chain.services[:k]
            return [Witness("chain over latency budget", slow,
                            f"{_short(slow)}: mean latency {total / per_second:.6g} s, over "
                            f"the budget {budget / per_second:g} s")]
    return []


def _short(services: tuple[str, ...], shown: int = 4) -> str:
    """A chain spelled out, its middle elided past ``shown`` services."""
    if len(services) <= shown:
        return _path(services)
    return _path((*services[:shown - 2], "...", *services[-2:]))


def _factors(services: tuple[str, ...], shares: Mapping[str, float]) -> str:
    values = [shares[s] for s in services]
    if len(set(values)) == 1:
        return f"{values[0]:g}^{len(values)}"
    return " × ".join(f"{v:g}" for v in values)


def _chain_summary(chains: tuple[Chain, ...], complete: bool, availability: float | None,
                   target: float) -> str:
    if not chains:
        return "No entry point calls another service synchronously: no chain."
    top = chains[0]
    summary = (f"{counted(len(chains), 'chain')}; the longest: {_short(top.services)} "
               f"({top.length} services, availability {top.availability:.6g}, mean "
               f"latency {top.mean_latency:.6g} s).")
    if not complete:
        summary += f" Cut at {len(chains)}: a longer chain may exist."
    looping = sum(c.loops_to is not None for c in chains)
    if looping:
        summary += (f" {counted(looping, 'chain')} loop{'s' * (looping == 1)} back (see "
                    "Axiom 1.1.1).")
    if availability is not None and 0 < target < 1 and 0 < availability < 1:
        most = longest_chain(availability, target)
        summary += f" At {availability:g} a service, chains of up to {most} meet {target:g}."
    return summary
