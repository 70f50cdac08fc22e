"""Strategies 5.3.1 and 5.3.2 as checkers: retries that multiply, timeouts that invert, and
calls guarded by neither a timeout nor a circuit breaker.

Each synchronous call is read as a :class:`Guard`: how many attempts the caller makes in
all, how long each may take, how long the caller may wait in all, and whether a circuit
breaker stands in front of it. An architecture file gives them per call
(:class:`~msatheory.basics.model.Call`: ``timeout`` bounds each attempt, so the caller
waits at most ``(retries + 1) * timeout``); on a Kubernetes cluster with Istio objects,
the sidecar's :class:`~msatheory.communication.istio.Resilience` replaces them for every
call into a destination it has a policy for (:func:`guards`). Three checkers read the
guards:

* :func:`check_retry_amplification`: along a path of calls, retries multiply: when the
  last service fails, it receives the product of every call's attempts for one request
  at the first (:func:`retry_amplification`);
* :func:`check_timeout_inversion`: a caller that gives up on an attempt before the callee
  could have finished its own retries leaves the callee working for nobody, and its own
  retry starts the work again;
* :func:`check_unguarded_calls`: a synchronous call with neither a timeout nor a breaker
  waits as long as the callee hangs, and a failure cascades back along it.

Times are exact (:class:`~fractions.Fraction` seconds): ``3 * 0.1`` is ``0.3``, so a
caller waiting exactly as long as its callee may is no violation. Backoff pauses between
attempts are left out of every time: they only lengthen what a callee may spend.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from typing import TYPE_CHECKING

import networkx as nx

from msatheory.basics.model import Architecture, Call
from msatheory.errors import require_count, require_instance
from msatheory.sim import exact
from msatheory.theory import Kind, get
from msatheory.theory.render import counted
from msatheory.theory.verdict import Verdict, Witness

if TYPE_CHECKING:
    from msatheory.communication.istio import Ejection, Policy, Resilience

__all__ = [
    "AMPLIFICATION_LIMIT",
    "Amplification",
    "Guard",
    "check_retry_amplification",
    "check_timeout_inversion",
    "check_unguarded_calls",
    "guards",
    "retry_amplification",
]

#: The most attempts one request at the head of a path may cause at its end. Ten lets one
#: layer retry generously, or two layers retry twice each (3 x 3 = 9); three layers
#: retrying twice (Istio's default: 3^3 = 27), or two retrying three times (4^2 = 16), go
#: past it, as does the SRE book's 4^3 = 64.
AMPLIFICATION_LIMIT = 10


@dataclass(frozen=True)
class Guard:
    """How ``caller`` guards one synchronous call to ``callee``.

    ``attempts`` is the tries in all (retries + 1); ``per_try`` the seconds each attempt
    may take and ``total`` the seconds the caller may wait in all (None: nothing bounds
    it); ``breaker`` whether a circuit breaker fails the call fast once the callee keeps
    failing; ``source`` what says so (``web's call to cart`` or ``VirtualService cart
    http[0] at k8s.yaml: ...``).

    >>> Guard.of_call("web", Call("cart", timeout=0.5, retries=2))
    Guard(caller='web', callee='cart', attempts=3, per_try=Fraction(1, 2), total=Fraction(3, 2), breaker=False, source="web's call to cart")
    """  # noqa: E501 -- a doctest output line

    caller: str
    callee: str
    attempts: int
    per_try: Fraction | None
    total: Fraction | None
    breaker: bool
    source: str

    @classmethod
    def of_call(cls, caller: str, call: Call) -> Guard:
        """The guard an architecture file's call states."""
        per_try = None if call.timeout is None else exact(call.timeout)
        attempts = call.retries + 1
        return cls(caller, call.to, attempts, per_try,
                   None if per_try is None else attempts * per_try, call.breaker,
                   f"{caller}'s call to {call.to}")

    @classmethod
    def of_policy(cls, caller: str, callee: str, policy: Policy, breaker: bool) -> Guard:
        """The guard an Istio route's policy gives a call into its destination."""
        return cls(caller, callee, policy.attempts + 1, policy.per_try, policy.total, breaker,
                   f"{policy.source} at {policy.place}")

    @property
    def timed(self) -> bool:
        """Whether a timeout bounds the call."""
        return self.per_try is not None or self.total is not None


def guards(architecture: Architecture, resilience: Resilience | None = None
           ) -> tuple[Guard, ...]:
    """Every synchronous call of ``architecture`` as the guards that govern it, sorted by
    caller, callee and source.

    A call into a destination that ``resilience`` has routes for gets one guard per route
    (the sidecar retries and times it out; what the application's own client does is not
    in the manifests), marked with a breaker when the destination's DestinationRule ejects;
    a call into a destination with only a DestinationRule keeps its own attempts and
    timeouts and gains the breaker; every other call keeps its own fields.

    Parameters
    ----------
    architecture : Architecture
        The services and their calls.
    resilience : Resilience, optional
        A cluster's Istio policies, by destination service.

    Returns
    -------
    tuple of Guard

    Raises
    ------
    TheoryError
        If ``architecture`` is not an Architecture, or ``resilience`` not a Resilience.

    Examples
    --------
    >>> from msatheory.basics.model import Service
    >>> shop = Architecture([Service("web", calls=(Call("cart", timeout=1),)),
    ...                      Service("cart", calls=("db",)), Service("db")])
    >>> [(g.caller, g.callee, g.attempts, g.total) for g in guards(shop)]
    [('cart', 'db', 1, None), ('web', 'cart', 1, Fraction(1, 1))]
    """
    architecture = require_instance("guards", "architecture", architecture, Architecture)
    policies, ejections = _istio("guards", resilience)
    found: list[Guard] = []
    for service in architecture.services.values():
        for call in service.calls:
            if call.kind != "sync":
                continue
            ejection = ejections.get(call.to)
            breaker = ejection is not None and ejection.enabled
            routes = policies.get(call.to, ())
            if routes:
                found += [Guard.of_policy(service.name, call.to, p, breaker) for p in routes]
            elif ejection is not None and breaker:
                own = Guard.of_call(service.name, call)
                found.append(replace(own, breaker=True, source=f"{own.source}, with "
                                     f"{ejection.source} at {ejection.place}"))
            else:
                found.append(Guard.of_call(service.name, call))
    return tuple(sorted(dict.fromkeys(found), key=lambda g: (g.caller, g.callee, g.source)))


def _istio(owner: str, resilience: object
           ) -> tuple[dict[str, tuple[Policy, ...]], dict[str, Ejection]]:
    """The policies and ejections of ``resilience`` (none when it is None)."""
    if resilience is None:
        return {}, {}
    from msatheory.communication.istio import Resilience

    resilience = require_instance(owner, "resilience", resilience, Resilience)
    return dict(resilience.policies), dict(resilience.ejections)


@dataclass(frozen=True)
class Amplification:
    """Strategy 5.3.1 (重试机制) stacked: at most ``attempts`` requests reach ``service`` for
    one request at the head of ``path`` when ``service`` fails, the product of the
    ``factors`` (each call's attempts) along ``path``."""

    service: str
    attempts: int
    path: tuple[str, ...]
    factors: tuple[int, ...]

    def __str__(self) -> str:
        product = " × ".join(map(str, self.factors)) or "1"
        return f"{' → '.join(self.path)}: {product} = {self.attempts}"


def retry_amplification(architecture: Architecture, resilience: Resilience | None = None
                        ) -> tuple[tuple[Amplification, ...], int]:
    """For each service, the path of synchronous calls that multiplies attempts most on
    the way to it; and how many calls inside tangles were left out.

    Ours: a caller that makes ``a`` attempts at a call sends its callee up to ``a``
    requests per request it serves itself, so along a path the attempts multiply. The
    worst path to each service is found by dynamic programming over the calls in
    topological order. A call inside a tangle (a cycle of calls, which Axiom 1.1.1
    already reports) would multiply without end, so those calls are left out and counted.
    A call governed by several guards counts with its most attempts.

    Parameters
    ----------
    architecture : Architecture
        The services and their calls.
    resilience : Resilience, optional
        A cluster's Istio policies (:func:`guards`).

    Returns
    -------
    tuple
        The :class:`Amplification` of every service, sorted by name (a service no call
        reaches has ``attempts`` 1 and a path of itself), and the number of calls left
        out.

    Raises
    ------
    TheoryError
        As :func:`guards`.

    Examples
    --------
    >>> from msatheory.basics.model import Service
    >>> layers = Architecture([Service("web", calls=(Call("api", retries=3),)),
    ...                        Service("api", calls=(Call("db", retries=3),)), Service("db")])
    >>> found, skipped = retry_amplification(layers)
    >>> print(found[1])
    web → api → db: 4 × 4 = 16

    References
    ----------
    .. [1] Strategy 5.3.1 of the theory (重试机制).
    .. [2] B. Beyer et al. (eds.), *Site Reliability Engineering*, O'Reilly, 2016,
       ch. 22, "Addressing Cascading Failures": retries at several layers multiply.
    """
    weight: dict[tuple[str, str], int] = {}
    for guard in guards(architecture, resilience):
        edge = (guard.caller, guard.callee)
        weight[edge] = max(weight.get(edge, 1), guard.attempts)
    graph = architecture.call_graph
    tangled = {node: i for i, component in enumerate(nx.strongly_connected_components(graph))
               if len(component) > 1 for node in component}
    dag: nx.DiGraph[str] = nx.DiGraph()
    dag.add_nodes_from(graph)
    skipped = 0
    for u, v in graph.edges:
        if u in tangled and tangled[u] == tangled.get(v):
            skipped += 1
        else:
            dag.add_edge(u, v)
    best: dict[str, tuple[int, tuple[str, ...], tuple[int, ...]]] = {}
    for node in nx.lexicographical_topological_sort(dag):
        options: list[tuple[int, tuple[str, ...], tuple[int, ...]]] = [(1, (node,), ())]
        for caller in dag.predecessors(node):
            attempts, path, factors = best[caller]
            factor = weight.get((caller, node), 1)
            options.append((attempts * factor, (*path, node), (*factors, factor)))
        best[node] = min(options, key=lambda o: (-o[0], -len(o[1]), o[1]))
    return tuple(Amplification(node, *best[node]) for node in sorted(best)), skipped


def check_retry_amplification(architecture: Architecture, resilience: Resilience | None = None,
                              limit: int = AMPLIFICATION_LIMIT) -> Verdict:
    """Strategy 5.3.1 (重试机制): retry on failure, without retries multiplying along a path.

    Ours: the strategy holds when no service can receive more than ``limit`` attempts for
    one request at the head of a path of synchronous calls (:func:`retry_amplification`):
    a failing service is then not buried under its callers' retries. The default limit,
    :data:`AMPLIFICATION_LIMIT`, is 10: two layers may retry twice each, three may not.

    Parameters
    ----------
    architecture : Architecture
        The services and their calls.
    resilience : Resilience, optional
        A cluster's Istio policies (:func:`guards`).
    limit : int
        The most attempts allowed at the end of a path, 1 or more.

    Returns
    -------
    Verdict
        On Strategy 5.3.1, with one ``"retry amplification"`` witness per service the
        worst path to which multiplies attempts past ``limit``; ``involves`` is that path,
        the detail its factors and product.

    Raises
    ------
    TheoryError
        If ``limit`` is not a positive whole number, or as :func:`guards`.

    Examples
    --------
    >>> from msatheory.basics.model import Service
    >>> layers = Architecture([Service("web", calls=(Call("api", retries=3),)),
    ...                        Service("api", calls=(Call("db", retries=3),)), Service("db")])
    >>> for witness in check_retry_amplification(layers).witnesses:
    ...     print(witness)
    retry amplification: web → api → db: 4 × 4 = 16 attempts reach db for one request at
    web when db fails, more than 10
    >>> check_retry_amplification(layers, limit=16).holds
    True

    References
    ----------
    .. [1] Strategy 5.3.1 of the theory (重试机制).
    .. [2] B. Beyer et al. (eds.), *Site Reliability Engineering*, O'Reilly, 2016,
       ch. 22, "Addressing Cascading Failures" (retrying at three layers of four attempts
       each makes 4^3 = 64 attempts on the database) and ch. 21, "Handling Overload"
       (at most three attempts per request; a retry budget per client).
    """
    limit = require_count("check_retry_amplification", "limit", limit, least=1)
    found, skipped = retry_amplification(architecture, resilience)
    witnesses = [Witness("retry amplification", a.path,
                         f"{a} attempts reach {a.service} for one request at {a.path[0]} "
                         f"when {a.service} fails, more than {limit}")
                 for a in found if a.attempts > limit]
    worst = min(found, key=lambda a: (-a.attempts, a.service))
    summary = (f"Most attempts per request: {worst.attempts} at {worst.service} "
               f"({' → '.join(worst.path)}); the limit is {limit}." if worst.attempts > 1
               else f"No synchronous call is retried; the limit is {limit}.")
    if skipped:
        summary += f" {counted(skipped, 'call')} inside tangles left out (see Axiom 1.1.1)."
    return Verdict(get(Kind.STRATEGY, "5.3.1"), witnesses, summary)


def _seconds(value: Fraction) -> str:
    return f"{float(value):g} s"


def check_timeout_inversion(architecture: Architecture,
                            resilience: Resilience | None = None) -> Verdict:
    """Strategy 5.3.1 (重试机制): a caller waits for each attempt at least as long as the
    callee may spend retrying its own calls.

    Ours: when ``a`` calls ``b`` and ``b`` calls ``c``, ``b`` may wait on ``c`` for
    ``c``'s guard's total, ``(retries + 1) * timeout`` (with Istio, the route's timeout
    capped by the attempts' per-try timeouts). If ``a`` gives up on an attempt at ``b``
    sooner (its per-try timeout is shorter), ``b`` keeps retrying for an answer nobody
    waits for, and ``a``'s own retry starts another request at ``b`` while the first
    still runs: the timeout is *inverted*. The rule is necessary, not sufficient: ``b``'s
    own work and calls made one after another only add to what it spends. A call into
    ``c`` with no timeout is :func:`check_unguarded_calls`'s, and is not compared.

    Parameters
    ----------
    architecture : Architecture
        The services and their calls.
    resilience : Resilience, optional
        A cluster's Istio policies (:func:`guards`).

    Returns
    -------
    Verdict
        On Strategy 5.3.1, with one ``"timeout inversion"`` witness per guard of a call
        ``a → b`` whose per-try timeout is shorter than what ``b`` may spend on one of its
        own calls; ``involves`` is ``(a, b, c)`` for the longest such call ``b → c``.

    Raises
    ------
    TheoryError
        As :func:`guards`.

    Examples
    --------
    >>> from msatheory.basics.model import Service
    >>> chain = Architecture([Service("web", calls=(Call("api", timeout=1),)),
    ...                       Service("api", calls=(Call("db", timeout=0.5, retries=2),)),
    ...                       Service("db")])
    >>> for witness in check_timeout_inversion(chain).witnesses:
    ...     print(witness)
    timeout inversion: web gives up on api after 1 s per attempt, but api may wait 3 × 0.5 s
    = 1.5 s on db (web's call to api; api's call to db)

    References
    ----------
    .. [1] Strategy 5.3.1 of the theory (重试机制).
    .. [2] M. T. Nygard, *Release It!*, 2nd ed., Pragmatic Bookshelf, 2018, "Timeouts".
    .. [3] Istio, *VirtualService* reference: ``HTTPRoute.timeout`` and
       ``HTTPRetry.perTryTimeout``.
    """
    every = guards(architecture, resilience)
    outgoing: dict[str, list[Guard]] = {}
    for guard in every:
        outgoing.setdefault(guard.caller, []).append(guard)
    witnesses = []
    compared = 0
    for guard in every:
        if guard.per_try is None:
            continue
        below = [g for g in outgoing.get(guard.callee, ()) if g.total is not None]
        compared += bool(below)
        if not below:
            continue
        longest = min(below, key=lambda g: (-(g.total or 0), g.callee, g.source))
        assert longest.total is not None and longest.per_try is not None
        if guard.per_try < longest.total:
            spend = (f"{longest.attempts} × {_seconds(longest.per_try)} = "
                     if longest.attempts * longest.per_try == longest.total else "")
            witnesses.append(Witness("timeout inversion", (
                guard.caller, guard.callee, longest.callee), (
                f"{guard.caller} gives up on {guard.callee} after {_seconds(guard.per_try)} "
                f"per attempt, but {guard.callee} may wait {spend}{_seconds(longest.total)} "
                f"on {longest.callee} ({guard.source}; {longest.source})")))
    summary = (f"Compared {counted(compared, 'timed call')} with what the callee may spend "
               "on its own timed calls.")
    return Verdict(get(Kind.STRATEGY, "5.3.1"), witnesses, summary)


def check_unguarded_calls(architecture: Architecture,
                          resilience: Resilience | None = None) -> Verdict:
    """Strategy 5.3.2 (熔断器模式): when a service is unavailable, its callers fail fast.

    Ours: a synchronous call fails fast when a timeout bounds it or a circuit breaker
    guards it; with neither, a caller waits as long as a hanging callee, its threads and
    connections pile up, and the failure cascades back along the call. An Istio
    DestinationRule's outlier detection counts as a breaker: once it has ejected every
    instance, calls fail at once. Retries guard nothing: each attempt waits as long.

    Parameters
    ----------
    architecture : Architecture
        The services and their calls.
    resilience : Resilience, optional
        A cluster's Istio policies (:func:`guards`).

    Returns
    -------
    Verdict
        On Strategy 5.3.2, with one ``"unguarded call"`` witness per guard with neither a
        timeout nor a breaker; ``involves`` is ``(caller, callee)``.

    Raises
    ------
    TheoryError
        As :func:`guards`.

    Examples
    --------
    >>> from msatheory.basics.model import Service
    >>> shop = Architecture([Service("web", calls=("cart", Call("ads", breaker=True))),
    ...                      Service("cart"), Service("ads")])
    >>> for witness in check_unguarded_calls(shop).witnesses:
    ...     print(witness)
    unguarded call: web → cart has neither a timeout nor a circuit breaker (web's call to
    cart)

    References
    ----------
    .. [1] Strategy 5.3.2 of the theory (熔断器模式).
    .. [2] M. T. Nygard, *Release It!*, 2nd ed., Pragmatic Bookshelf, 2018, "Circuit
       Breaker" and "Timeouts".
    .. [3] Istio, *DestinationRule* reference: ``OutlierDetection``.
    """
    every = guards(architecture, resilience)
    witnesses = [Witness("unguarded call", (g.caller, g.callee),
                         f"{g.caller} → {g.callee} has neither a timeout nor a circuit "
                         f"breaker ({g.source})")
                 for g in every if not g.timed and not g.breaker]
    calls = {(g.caller, g.callee) for g in every}
    bare = {(g.caller, g.callee) for g in every if not g.timed and not g.breaker}
    summary = (f"Synchronous calls with a timeout or a circuit breaker: "
               f"{len(calls) - len(bare)} of {len(calls)}.")
    return Verdict(get(Kind.STRATEGY, "5.3.2"), witnesses, summary)
