"""Def 4.1.1 (API网关): the gateway AG = (R, P, L, S) as a typed record, and its checker.

:class:`Gateway` holds the four parts of Def 4.1.1: R, the routing rules (a
:class:`~msatheory.gateway.routing.RoutingTable`); P, the policies, as each route's chain
of policy names in the order they run (the Go sketch's ``Route.Policies``); L, a load
balancer of chapter 3 (:mod:`msatheory.discovery.balancers`); and S, the security
mechanism (what verifies tokens, such as a ``TokenPolicy``; the record does not look
inside it). It also holds the services behind the gateway, which the sketch reaches
through a ``serviceRegistry`` field it never declares: without them nothing says
whether a route leads anywhere.

Policies are named as the sketch names them, from :data:`POLICIES`:

* ``"authenticate"``: establishes who the caller is (401 when it cannot);
* ``"authorize"``: decides whether that caller may make the request (403);
* ``"rate-limit"``: a quota per caller, so it needs the caller authenticated first;
* ``"rate-limit-by-ip"``: a quota per client address, which may run before
  authentication (it shields the token check from floods, but throttles everyone
  behind one proxy or NAT together);
* ``"cache"``: answers from stored responses (:mod:`.cache`), so it must run after
  authentication and authorization, or it serves callers it never checked.

:func:`check_gateway` finds what the sketch finds only at run time (``policy not
found``) or never (a route to a service that does not exist, a quota spent by refused
anonymous requests). The module stops at the record: running the policies is the
modules that encode them (:mod:`.routing`, :mod:`.cache`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from msatheory.discovery.balancers import Balancer
from msatheory.errors import TheoryError, require_instance, require_names
from msatheory.gateway.routing import Route, RoutingTable
from msatheory.theory import Kind, get
from msatheory.theory.verdict import Verdict, Witness

__all__ = ["POLICIES", "Gateway", "check_gateway"]

#: The policies a route may list, by name.
POLICIES = ("authenticate", "authorize", "rate-limit", "rate-limit-by-ip", "cache")

#: For each policy, the policies that must run before it when the route lists them,
#: and why. ``rate-limit`` and ``authorize`` also need ``authenticate`` listed at all.
_AFTER: Mapping[str, tuple[tuple[str, str], ...]] = MappingProxyType({
    "authorize": (("authenticate", "permissions are a caller's, so the caller must be "
                                   "known first"),),
    "rate-limit": (("authenticate", "a per-caller quota needs the caller known; before "
                                    "authentication, refused anonymous requests spend it"),),
    "cache": (("authenticate", "a cache hit before authentication answers callers never "
                               "checked"),
              ("authorize", "a cache hit before authorization answers callers not "
                            "allowed")),
})
_NEEDS_CALLER = ("authorize", "rate-limit")


@dataclass(frozen=True)
class Gateway:
    """Def 4.1.1 (API网关): the quadruple AG = (R, P, L, S), with the services behind it.

    Parameters
    ----------
    routes : RoutingTable or iterable of Route
        R, the routing rules (Def 4.1.2).
    policies : mapping of Route to sequence of str
        P, the policies: for each route of R, the names of the policies it runs, in
        order (a route not in the mapping runs none).
    balancer : Balancer
        L, the load balancer (chapter 3's; the sketch's round robin is
        :class:`~msatheory.discovery.sketch.SketchRoundRobin`).
    security : object, optional
        S, the security mechanism (what ``authenticate`` verifies tokens with); None
        when the gateway has none.
    services : iterable of str
        The services behind the gateway, the ones routes may name.

    Raises
    ------
    TheoryError
        If ``routes`` holds something not a :class:`Route`, ``policies`` names a route
        not in ``routes`` or a chain that is not a list of names, ``balancer`` is not a
        :class:`Balancer`, or ``services`` is not a list of distinct names.

    Examples
    --------
    >>> from msatheory.discovery.balancers import RoundRobin
    >>> orders = Route("GET", "/orders/{id}", "orders")
    >>> gateway = Gateway([orders], {orders: ["authenticate", "rate-limit"]}, RoundRobin(),
    ...                   security="HS256 key", services=["orders"])
    >>> gateway.chain(orders)
    ('authenticate', 'rate-limit')

    References
    ----------
    .. [1] Def 4.1.1 of the theory (API网关) and the Go ``APIGateway`` of section 4.3.
    .. [2] C. Richardson, *Microservices Patterns*, Manning, 2018, ch. 8.
    """

    routes: RoutingTable
    policies: Mapping[Route, tuple[str, ...]]
    balancer: Balancer
    security: object = None
    services: tuple[str, ...] = ()

    def __init__(self, routes: RoutingTable | Iterable[Route],
                 policies: Mapping[Route, Sequence[str]], balancer: Balancer,
                 security: object = None, *, services: Iterable[str]):
        table = routes if isinstance(routes, RoutingTable) else RoutingTable(routes)
        if not isinstance(policies, Mapping):
            raise TheoryError(f"Gateway: policies must map routes to lists of policy names, "
                              f"not {policies!r}")
        chains: dict[Route, tuple[str, ...]] = {}
        for route, chain in policies.items():
            if not any(route is r or route == r for r in table.routes):
                raise TheoryError(f"Gateway: policies are given for {route!r}, which is not "
                                  "one of the routes")
            names = tuple(chain) if isinstance(chain, Sequence) and not isinstance(
                chain, str) else chain
            if not isinstance(names, tuple) or not all(isinstance(n, str) and n.strip()
                                                       for n in names):
                raise TheoryError(f"Gateway: the policies of {route} must be a list of "
                                  f"policy names, not {chain!r}")
            chains[route] = names
        object.__setattr__(self, "routes", table)
        object.__setattr__(self, "policies", MappingProxyType(chains))
        object.__setattr__(self, "balancer",
                           require_instance("Gateway", "balancer", balancer, Balancer))
        object.__setattr__(self, "security", security)
        object.__setattr__(self, "services", require_names("Gateway", "services", services))

    def chain(self, route: Route) -> tuple[str, ...]:
        """The policies ``route`` runs, in order (none when it lists none)."""
        return self.policies.get(route, ())


def check_gateway(gateway: Gateway) -> Verdict:
    """Def 4.1.1 (API网关): every route of R reaches a service, every policy it lists is
    one P has, the policies run in a safe order, and S exists where they need it.

    Parameters
    ----------
    gateway : Gateway
        The gateway to check.

    Returns
    -------
    Verdict
        On Def 4.1.1, with witnesses (``involves`` names the route, then what it concerns):

        * ``"unknown service"``: a route to a service the gateway does not have;
        * ``"unknown policy"``: a policy name not in :data:`POLICIES` (the sketch's
          ``policy not found``, found before any request);
        * ``"unsafe policy order"``: a policy listed before one that must precede it
          (``rate-limit`` or ``authorize`` before ``authenticate``; ``cache`` before
          ``authenticate`` or ``authorize``), or ``rate-limit``/``authorize`` on a route
          that never authenticates;
        * ``"repeated policy"``: a policy listed twice on one route (a quota spent twice);
        * ``"no security mechanism"``: a route authenticates, but S is None.

    Raises
    ------
    TheoryError
        If ``gateway`` is not a :class:`Gateway`.

    Examples
    --------
    >>> from msatheory.discovery.balancers import RoundRobin
    >>> orders = Route("GET", "/orders/{id}", "orders")
    >>> gateway = Gateway([orders], {orders: ["rate-limit", "authenticate", "cache"]},
    ...                   RoundRobin(), security="HS256 key", services=["orders"])
    >>> for witness in check_gateway(gateway).witnesses:
    ...     print(witness.detail)
    GET /orders/{id} -> orders runs rate-limit before authenticate: a per-caller quota
    needs the caller known; before authentication, refused anonymous requests spend it

    References
    ----------
    .. [1] Def 4.1.1 of the theory (API网关); the sketch's ``applyPolicy``.
    .. [2] Kong, plugin execution order: authentication plugins run before
       rate-limiting and proxy-cache.
    """
    require_instance("check_gateway", "gateway", gateway, Gateway)
    witnesses: list[Witness] = []
    known = set(gateway.services)
    for route in gateway.routes:
        name = str(route)
        if route.service not in known:
            close = difflib.get_close_matches(route.service, sorted(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            witnesses.append(Witness("unknown service", (name, route.service),
                                     f"{name} routes to {route.service!r}, which the gateway "
                                     f"does not have{hint}"))
        chain = gateway.chain(route)
        for policy in sorted(set(chain)):
            if policy not in POLICIES:
                close = difflib.get_close_matches(policy, POLICIES, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                witnesses.append(Witness("unknown policy", (name, policy),
                                         f"{name} lists {policy!r}, which is not a policy"
                                         f"{hint}"))
            if chain.count(policy) > 1:
                witnesses.append(Witness("repeated policy", (name, policy),
                                         f"{name} runs {policy} {chain.count(policy)} times"))
        witnesses += _order(name, chain)
        if "authenticate" in chain and gateway.security is None:
            witnesses.append(Witness("no security mechanism", (name,),
                                     f"{name} authenticates, but the gateway has no security "
                                     "mechanism S to verify tokens with"))
    summary = (f"{len(gateway.routes)} routes, {len(gateway.services)} services, "
               f"balancer {gateway.balancer.name}.")
    return Verdict(get(Kind.DEFINITION, "4.1.1"), witnesses, summary)


def _order(name: str, chain: tuple[str, ...]) -> list[Witness]:
    """The witnesses that ``chain`` runs a policy before one that must precede it."""
    found = []
    for k, policy in enumerate(chain):
        for before, why in _AFTER.get(policy, ()):
            if before in chain[k + 1:] and before not in chain[:k]:
                found.append(Witness("unsafe policy order", (name, policy, before),
                                     f"{name} runs {policy} before {before}: {why}"))
        if policy in _NEEDS_CALLER and "authenticate" not in chain:
            found.append(Witness("unsafe policy order", (name, policy, "authenticate"),
                                 f"{name} runs {policy} but never authenticates: "
                                 f"{_AFTER[policy][0][1]}"))
    return found
