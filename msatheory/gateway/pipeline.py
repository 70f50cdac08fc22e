"""Def 4.1.1 (API网关) at work: the corrected ``HandleRequest``, one request at a time.

The Go ``APIGateway.HandleRequest`` of section 4.3 (:mod:`.sketch`, as written) looks a
route up by the exact string ``"METHOD:path"``, runs the route's policies, asks a
registry it never declares for instances, forwards, and stores every response in a
cache it never reads. :class:`GatewayPipeline` is the same walk built from the corrected
models, and it says what became of each request (its :class:`Fate`):

* **route** (Function 4.2.1, 路由): the most specific route of the gateway's
  :class:`~msatheory.gateway.routing.RoutingTable`; 404 when none matches;
* the route's **policies**, in the order the :class:`~msatheory.gateway.gateway.Gateway`
  lists them (so an order :func:`~msatheory.gateway.gateway.check_gateway` flags runs
  as written, and its harm shows):

  - ``authenticate`` (Function 4.2.3, 认证): the bearer token verified by
    :func:`~msatheory.gateway.auth.authenticate` against the gateway's security
    mechanism S, a :class:`~msatheory.gateway.auth.TokenPolicy`; 401 when refused. Its
    ``sub`` claim becomes the request's **caller**;
  - ``authorize``: the caller's claims against the route's
    :class:`~msatheory.gateway.auth.Permission`; 403 when they fall short, 401 when no
    caller is known yet;
  - ``rate-limit`` (Function 4.2.4, 限流): one request charged to the caller's quota in
    the pipeline's :class:`~msatheory.gateway.ratelimit.Limiter` (key ``caller <sub>``);
    429 when it is spent. Before authentication no caller is known, and the key falls
    back to the client's address (key ``client <address>``, as Kong's rate-limiting
    plugin falls back to the IP), so refused anonymous requests spend the quota of
    everyone behind that address;
  - ``rate-limit-by-ip``: one request charged to the client address's quota in the
    same limiter (key ``ip <address>``); 429 when it is spent;
  - ``cache``: a fresh response stored for this method, path and caller (the caller as
    known when the policy runs) in the :class:`~msatheory.gateway.cache.ResponseCache`
    answers at once; otherwise the response the service gives is stored under that
    key when it may be;

* **balance**: the gateway's load balancer L (chapter 3's) picks one instance of the
  route's service; 503 when the service has none;
* **service**: the backend's answer, a :class:`~msatheory.gateway.cache.CacheResponse`.

:func:`traffic` generates a seeded request stream with callers, tokens (minted with
PyJWT on the virtual clock), templated and unknown paths, clients behind one NAT address
and an optional burst straddling a window boundary; :func:`compare_limiters` runs the
five limiters of :data:`~msatheory.gateway.ratelimit.LIMITERS` side by side on one
stream; :func:`shop_gateway` is the small gateway both are shaped for.

Time is the virtual clock's, in seconds: ints or Fractions, so every limiter's decision is
exact. :func:`~msatheory.gateway.auth.authenticate` reads time as an int or a float, so
the token check alone sees a Fraction as the nearest float (an int when it is whole):
only a time within a float's rounding of a token's ``exp``, ``nbf`` or ``iat`` could be
decided differently.

The module stops at one gateway replica answering requests one after another,
instantly: no concurrency, timeouts, retries or aggregation (:mod:`.aggregation`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import pairwise
from types import MappingProxyType

import jwt

from msatheory.discovery.balancers import RoundRobin
from msatheory.discovery.registry import Instance
from msatheory.errors import (
    TheoryError,
    require_count,
    require_fraction,
    require_instance,
    require_items,
    require_name,
    require_names,
    require_time,
)
from msatheory.gateway.auth import Permission, TokenPolicy, authenticate, authorize
from msatheory.gateway.cache import CacheRequest, CacheResponse, ResponseCache
from msatheory.gateway.gateway import POLICIES, Gateway
from msatheory.gateway.ratelimit import (
    GCRA,
    FixedWindow,
    Limiter,
    SlidingLog,
    SlidingWindowCounter,
    TokenBucket,
    busiest,
)
from msatheory.gateway.routing import Route
from msatheory.sim import seeded_rng

__all__ = [
    "ACCOUNT",
    "AUDIENCE",
    "INSTANCES",
    "ISSUER",
    "NAT_ADDRESS",
    "ORDERINGS",
    "ORDERS",
    "PERMISSIONS",
    "PLACE",
    "PRODUCTS",
    "REPORTS",
    "STAGES",
    "TEST_KEY",
    "TOKEN_KINDS",
    "USERS",
    "Arrival",
    "Comparison",
    "Fate",
    "GatewayPipeline",
    "LimiterRun",
    "compare_limiters",
    "default_answer",
    "mint",
    "shop_gateway",
    "side_by_side",
    "traffic",
]

Time = int | Fraction

#: The stages a request passes, in the order of a safe chain; a fate names the last one
#: it reached (``rate-limit-by-ip`` is a ``rate-limit`` stage).
STAGES = ("route", "authenticate", "authorize", "rate-limit", "cache", "balance", "service")

#: The kinds of ``Authorization`` header :func:`mint` writes.
TOKEN_KINDS = ("valid", "expired", "absent", "forged")

#: The HS256 secret of the test identity provider (32 bytes, RFC 7518 section 3.2).
TEST_KEY = b"msatheory-test-key-hs256-32bytes"
#: A secret the identity provider never used: tokens signed with it are forged.
_FORGER_KEY = b"mallory-made-this-key-up-32bytes"
AUDIENCE, ISSUER = "shop", "https://idp.shop.example"
#: How long a valid token lives, in seconds.
_TOKEN_LIFE = 300

#: The address many clients share behind one NAT (or corporate proxy).
NAT_ADDRESS = "198.51.100.7"
#: The shop's users and their own addresses, in order; :func:`traffic` puts the first
#: ones behind :data:`NAT_ADDRESS`.
USERS: Mapping[str, str] = MappingProxyType({
    "ann": "203.0.113.10", "bob": "203.0.113.11", "cat": "203.0.113.12",
    "dan": "203.0.113.13", "eve": "203.0.113.14",
})

#: The scopes a user's tokens grant: every user may read and place orders, except eve,
#: who may only read them.
_SCOPES = {"eve": "orders:read"}
_ALL_SCOPES = "orders:read orders:write"

_METHOD = re.compile(r"[A-Z]+(?:-[A-Z]+)*")

#: The stage of :data:`STAGES` each policy is.
_STAGE = {"authenticate": "authenticate", "authorize": "authorize", "rate-limit": "rate-limit",
          "rate-limit-by-ip": "rate-limit", "cache": "cache"}


@dataclass(frozen=True)
class Arrival:
    """One request reaching the gateway: when (``at`` seconds on the virtual clock), what
    (``method``, ``path``), the ``Authorization`` header (None when absent) and the
    ``client`` address it comes from.

    Raises
    ------
    TheoryError
        If ``at`` is not a non-negative int or Fraction, ``method`` not an upper-case
        method, ``path`` not a string beginning with ``/``, ``authorization`` neither a
        string nor None, or ``client`` not a name.
    """

    at: Time
    method: str
    path: str
    authorization: str | None = None
    client: str = "203.0.113.1"

    def __post_init__(self) -> None:
        owner = f"Arrival({self.method!r}, {self.path!r})"
        if not isinstance(self.at, int | Fraction):
            raise TheoryError(f"{owner}: at must be an int or a Fraction of seconds (exact "
                              f"on the virtual clock), not {self.at!r}")
        require_time(owner, "at", self.at)
        if not isinstance(self.method, str) or not _METHOD.fullmatch(self.method):
            raise TheoryError(f"{owner}: method must be an upper-case HTTP method such as "
                              f"'GET', not {self.method!r}")
        if not isinstance(self.path, str) or not self.path.startswith("/") or any(
                c in self.path for c in "?#"):
            raise TheoryError(f"{owner}: path must be a string beginning with '/', without "
                              f"a query or fragment, not {self.path!r}")
        if self.authorization is not None and not isinstance(self.authorization, str):
            raise TheoryError(f"{owner}: authorization must be a header value or None, "
                              f"not {self.authorization!r}")
        require_name(owner, "client", self.client)

    def __str__(self) -> str:
        return f"t={self.at} {self.method} {self.path} from {self.client}"


@dataclass(frozen=True)
class Fate:
    """What became of one request: the last ``stage`` of :data:`STAGES` it reached, the
    HTTP ``status`` it got and why (``reason``, one line).

    ``route`` is the route chosen (None on a 404), ``caller`` the authenticated subject
    (None when none was established), ``instance`` the id of the instance that answered
    (None unless the service did), ``cached`` whether the cache answered, and
    ``charged`` the quotas the request spent, as ``(policy, key)`` pairs in order.
    """

    arrival: Arrival
    stage: str
    status: int
    reason: str
    route: Route | None = None
    caller: str | None = None
    instance: str | None = None
    cached: bool = False
    charged: tuple[tuple[str, str], ...] = ()

    @property
    def outcome(self) -> str:
        """``"served"``, ``"cached"`` or the refusal's kind: ``"no route"``,
        ``"unauthenticated"``, ``"forbidden"``, ``"limited"``, ``"unavailable"``."""
        if self.cached:
            return "cached"
        return {404: "no route", 401: "unauthenticated", 403: "forbidden", 429: "limited",
                503: "unavailable"}.get(self.status, "served")


Answer = Callable[[Route, str, Arrival, str | None], CacheResponse]
"""The backend: ``answer(route, instance_id, arrival, caller)`` is the response."""


def default_answer(route: Route, instance: str, arrival: Arrival,
                   caller: str | None) -> CacheResponse:
    """A service's answer: 200, private to the caller when there is one (``private,
    max-age=60``), public for a minute otherwise.

    >>> orders = Route("GET", "/orders/{id}", "orders")
    >>> default_answer(orders, "orders-1", Arrival(0, "GET", "/orders/7"), "ann")
    CacheResponse(status=200, body='orders-1: GET /orders/7 for ann', \
cache_control='private, max-age=60')
    """
    if caller is None:
        return CacheResponse(200, f"{instance}: {arrival.method} {arrival.path}",
                             "public, max-age=60")
    return CacheResponse(200, f"{instance}: {arrival.method} {arrival.path} for {caller}",
                         "private, max-age=60")


def _as_seconds(at: Time) -> int | float:
    """``at`` as :func:`authenticate` reads time: an int when whole, else a float."""
    if isinstance(at, Fraction):
        return at.numerator if at.denominator == 1 else float(at)
    return at


class GatewayPipeline:
    """Def 4.1.1 (API网关), run: the corrected ``HandleRequest`` of section 4.3, taking a
    request through route, the route's policies in the gateway's order, balance and
    service, and saying what became of it (:class:`Fate`).

    Parameters
    ----------
    gateway : Gateway
        AG = (R, P, L, S): the routes (Function 4.2.1), each route's policy chain, the
        balancer and, when a chain authenticates, a :class:`TokenPolicy` as S.
    limiter : Limiter
        The quota of ``rate-limit`` (Function 4.2.4), keyed ``caller <sub>`` (or
        ``client <address>`` before authentication), and of ``rate-limit-by-ip``, keyed
        ``ip <address>``. Decisions are exact: give times as ints or Fractions.
    instances : mapping of str to list of str
        The instance ids of each service (chapter 3's registry, frozen); a service
        with none, or not listed, answers 503.
    permissions : mapping of Route to Permission, optional
        What ``authorize`` requires on each route (nothing when a route is not listed).
    cache : ResponseCache, optional
        The store of ``cache`` (a fresh five-minute one by default).
    answer : callable, optional
        ``answer(route, instance_id, arrival, caller)``, the service's
        :class:`CacheResponse`; :func:`default_answer` by default.

    Raises
    ------
    TheoryError
        If a chain lists a policy not in :data:`~msatheory.gateway.gateway.POLICIES`,
        authenticates without a TokenPolicy as S, ``instances`` names a service the
        gateway lacks or repeats an id, a permission is given for a route the gateway
        lacks, or a part is not of its type; from :meth:`handle`, if requests go back
        in time.

    Examples
    --------
    >>> pipeline = GatewayPipeline(shop_gateway(), FixedWindow(limit=2, window=10),
    ...                            instances={"orders": ["orders-1", "orders-2"],
    ...                                       "catalogue": ["catalogue-1"]})
    >>> token = mint("valid", "ann", at=0)
    >>> for at in (0, 1, 2):
    ...     fate = pipeline.handle(Arrival(at, "GET", "/orders/7", token))
    ...     print(fate.stage, fate.status, fate.instance, fate.cached)
    service 200 orders-1 False
    cache 200 None True
    rate-limit 429 None False
    >>> pipeline.handle(Arrival(3, "GET", "/orders/7")).reason
    'Bearer'
    >>> pipeline.handle(Arrival(4, "GET", "/admin")).status
    404

    References
    ----------
    .. [1] Def 4.1.1 of the theory (API网关), Function 4.2.1 (路由), Function 4.2.3 (认证)
       and Function 4.2.4 (限流); the Go ``APIGateway.HandleRequest`` of section 4.3.
    .. [2] Kong, plugin execution order and the rate-limiting plugin's
       ``limit_by = consumer`` (falls back to the client IP when no consumer is known).
    """

    def __init__(self, gateway: Gateway, limiter: Limiter, *,
                 instances: Mapping[str, Iterable[str]],
                 permissions: Mapping[Route, Permission] | None = None,
                 cache: ResponseCache | None = None, answer: Answer | None = None):
        owner = "GatewayPipeline"
        self.gateway = require_instance(owner, "gateway", gateway, Gateway)
        self.limiter = require_instance(owner, "limiter", limiter, Limiter)
        authenticates = False
        for route in gateway.routes:
            for policy in gateway.chain(route):
                if policy not in POLICIES:
                    raise TheoryError(f"{owner}: {route} lists {policy!r}, which is not one "
                                      f"of the policies {', '.join(POLICIES)}")
                authenticates |= policy == "authenticate"
        if authenticates and not isinstance(gateway.security, TokenPolicy):
            raise TheoryError(f"{owner}: the gateway authenticates, so its security "
                              f"mechanism S must be a TokenPolicy, not {gateway.security!r}")
        if not isinstance(instances, Mapping):
            raise TheoryError(f"{owner}: instances must map each service to its instance "
                              f"ids, not {instances!r}")
        pools: dict[str, tuple[Instance, ...]] = {}
        for service, ids in instances.items():
            if service not in gateway.services:
                raise TheoryError(f"{owner}: instances are given for {service!r}, which is "
                                  f"not one of the gateway's services "
                                  f"({', '.join(gateway.services)})")
            names = require_names(owner, f"the instances of {service}",
                                  [ids] if isinstance(ids, str) else ids)
            pools[service] = tuple(Instance(i, service, f"http://{i}") for i in names)
        self.instances: Mapping[str, tuple[Instance, ...]] = MappingProxyType(pools)
        granted = {} if permissions is None else permissions
        if not isinstance(granted, Mapping):
            raise TheoryError(f"{owner}: permissions must map routes to Permission, "
                              f"not {permissions!r}")
        for route, permission in granted.items():
            if route not in gateway.routes.routes:
                raise TheoryError(f"{owner}: a permission is given for {route!r}, which is "
                                  "not one of the gateway's routes")
            require_instance(owner, f"the permission of {route}", permission, Permission)
        self.permissions: Mapping[Route, Permission] = MappingProxyType(dict(granted))
        self.cache = ResponseCache() if cache is None else require_instance(
            owner, "cache", cache, ResponseCache)
        if answer is not None and not callable(answer):
            raise TheoryError(f"{owner}: answer must be a function (route, instance id, "
                              f"arrival, caller) -> CacheResponse, not {answer!r}")
        self.answer: Answer = default_answer if answer is None else answer
        self.now: Time | None = None

    def __repr__(self) -> str:
        return (f"GatewayPipeline({len(self.gateway.routes)} routes, limiter={self.limiter!r}, "
                f"balancer={self.gateway.balancer.name!r}, cache={self.cache!r})")

    def handle(self, arrival: Arrival) -> Fate:
        """Take ``arrival`` through the gateway and return its :class:`Fate`.

        Raises
        ------
        TheoryError
            If ``arrival`` is not an :class:`Arrival`, arrives before the previous
            request, or the backend's answer is not a :class:`CacheResponse`.
        """
        require_instance("GatewayPipeline.handle", "arrival", arrival, Arrival)
        if self.now is not None and arrival.at < self.now:
            raise TheoryError(f"GatewayPipeline.handle: requests must arrive in time order, "
                              f"not at t={arrival.at} after t={self.now}")
        self.now = arrival.at
        route = self.gateway.routes.match(arrival.method, arrival.path)
        if route is None:
            return Fate(arrival, "route", 404,
                        f"no route matches {arrival.method} {arrival.path}")
        walk = _Walk(self, arrival, route)
        for policy in self.gateway.chain(route):
            refused = walk.apply(policy)
            if refused is not None:
                return refused
        return walk.forward()

    def run(self, arrivals: Iterable[Arrival]) -> tuple[Fate, ...]:
        """:meth:`handle` each of ``arrivals``, in order."""
        return tuple(self.handle(a) for a in arrivals)


@dataclass
class _Walk:
    """One request on its way through the pipeline: what is known of it so far."""

    pipeline: GatewayPipeline
    arrival: Arrival
    route: Route
    caller: str | None = None
    claims: Mapping[str, object] | None = None
    charged: list[tuple[str, str]] = field(default_factory=list)
    store_as: CacheRequest | None = None

    def fate(self, stage: str, status: int, reason: str, *, instance: str | None = None,
             cached: bool = False) -> Fate:
        return Fate(self.arrival, stage, status, reason, self.route, self.caller, instance,
                    cached, tuple(self.charged))

    def apply(self, policy: str) -> Fate | None:
        """Run ``policy``: None to go on, or the fate of a request it stops."""
        pipeline, arrival = self.pipeline, self.arrival
        stage = _STAGE[policy]
        if policy == "authenticate":
            security = pipeline.gateway.security
            assert isinstance(security, TokenPolicy)
            decision = authenticate(arrival.authorization, security, _as_seconds(arrival.at))
            if not decision.allowed:
                return self.fate(stage, decision.status, decision.reason)
            self.claims = decision.claims
            subject = (decision.claims or {}).get("sub")
            self.caller = subject if isinstance(subject, str) and subject else None
            return None
        if policy == "authorize":
            if self.claims is None:
                return self.fate(stage, 401, "Bearer (authorize ran before any caller was "
                                             "authenticated)")
            decision = authorize(self.claims, pipeline.permissions.get(self.route,
                                                                        Permission()))
            return None if decision.allowed else self.fate(stage, decision.status,
                                                           decision.reason)
        if policy in ("rate-limit", "rate-limit-by-ip"):
            if policy == "rate-limit" and self.caller is not None:
                key = f"caller {self.caller}"
            elif policy == "rate-limit":
                key = f"client {arrival.client}"
            else:
                key = f"ip {arrival.client}"
            if not pipeline.limiter.allow(key, arrival.at):
                return self.fate(stage, 429, f"{policy}: the quota of {key} is spent "
                                             f"({pipeline.limiter!r})")
            self.charged.append((policy, key))
            return None
        request = CacheRequest(arrival.method, arrival.path, self.caller)
        hit = pipeline.cache.lookup(request, arrival.at)
        if hit is not None:
            who = f"for {self.caller}" if self.caller else "for anyone"
            return self.fate(stage, hit.status, f"served from the cache, stored {who}",
                             cached=True)
        self.store_as = request
        return None

    def forward(self) -> Fate:
        """Balance, then the service's answer (stored when the chain caches)."""
        pipeline, route = self.pipeline, self.route
        pool = pipeline.instances.get(route.service, ())
        if not pool:
            return self.fate("balance", 503, f"no instance of {route.service} to send to")
        balancer = pipeline.gateway.balancer
        chosen = balancer.select(pool)
        response = pipeline.answer(route, chosen.id, self.arrival, self.caller)
        balancer.release(chosen)
        require_instance("GatewayPipeline: the answer", "response", response, CacheResponse)
        if self.store_as is not None:
            pipeline.cache.store(self.store_as, response, self.arrival.at)
        return self.fate("service", response.status, f"answered by {chosen.id}",
                         instance=chosen.id)


#: The shop's routes: a public catalogue, orders (templated), the caller's account, and
#: reports (a service with no instance running).
PRODUCTS = Route("GET", "/products", "catalogue")
ORDERS = Route("GET", "/orders/{id}", "orders")
PLACE = Route("POST", "/orders", "orders")
ACCOUNT = Route("GET", "/account", "accounts")
REPORTS = Route("GET", "/reports/*", "reports")

#: Each order of the shop's authenticated chains.
_CHAINS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "safe": ("authenticate", "authorize", "rate-limit", "cache"),
    "rate-limit first": ("rate-limit", "authenticate", "authorize", "cache"),
})
#: The orders :func:`shop_gateway` builds.
ORDERINGS = tuple(_CHAINS)

#: What each of the shop's routes requires of the caller's token.
PERMISSIONS: Mapping[Route, Permission] = MappingProxyType({
    ORDERS: Permission(scopes=["orders:read"]),
    PLACE: Permission(scopes=["orders:write"]),
})

#: The shop's instances: reports has none.
INSTANCES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "catalogue": ("catalogue-1",), "orders": ("orders-1", "orders-2"),
    "accounts": ("accounts-1",), "reports": (),
})


def shop_gateway(order: str = "safe") -> Gateway:
    """Def 4.1.1 (API网关): the shop's gateway, with its authenticated routes' policies in
    the ``order`` named (``"safe"`` or ``"rate-limit first"``, :data:`ORDERINGS`).

    The catalogue is public (``rate-limit-by-ip``, then ``cache``); orders and the
    account authenticate, authorize, rate-limit per caller and cache. Its balancer is
    round robin, S the test identity provider's :class:`TokenPolicy`.

    >>> from msatheory.gateway.gateway import check_gateway
    >>> check_gateway(shop_gateway()).holds, check_gateway(shop_gateway("rate-limit first")).holds
    (True, False)
    """
    if order not in _CHAINS:
        raise TheoryError(f"shop_gateway: order must be one of {', '.join(ORDERINGS)}, "
                          f"not {order!r}")
    chain = _CHAINS[order]
    routes = (PRODUCTS, ORDERS, PLACE, ACCOUNT, REPORTS)
    policies = {PRODUCTS: ("rate-limit-by-ip", "cache"), ORDERS: chain,
                PLACE: tuple(p for p in chain if p != "cache"), ACCOUNT: chain,
                REPORTS: chain}
    security = TokenPolicy(TEST_KEY, ["HS256"], audience=AUDIENCE, issuer=ISSUER,
                           required=("exp", "sub"))
    return Gateway(routes, policies, RoundRobin(), security, services=list(INSTANCES))


def mint(kind: str, subject: str, at: Time, scope: str = _ALL_SCOPES) -> str | None:
    """Function 4.2.3 (认证)'s input: the ``Authorization`` header a client of ``kind``
    (:data:`TOKEN_KINDS`) sends at ``at``, from the test identity provider.

    ``valid``: issued at ``at`` for five minutes; ``expired``: one that ran out ten
    seconds ago; ``absent``: None; ``forged``: the claims of a valid one, signed with a
    key the provider never had. Tokens are HS256 JWTs minted with PyJWT, times whole
    seconds on the virtual clock.

    >>> mint("absent", "ann", 0) is None
    True
    >>> mint("valid", "ann", 0).startswith("Bearer ey")
    True
    """
    if kind not in TOKEN_KINDS:
        raise TheoryError(f"mint: kind must be one of {', '.join(TOKEN_KINDS)}, not {kind!r}")
    require_name("mint", "subject", subject)
    now = int(require_time("mint", "at", at))
    if kind == "absent":
        return None
    issued = now - _TOKEN_LIFE - 10 if kind == "expired" else now
    claims = {"sub": subject, "aud": AUDIENCE, "iss": ISSUER, "iat": issued,
              "exp": issued + _TOKEN_LIFE, "scope": scope}
    key = _FORGER_KEY if kind == "forged" else TEST_KEY
    return "Bearer " + jwt.encode(claims, key, algorithm="HS256")


#: What :func:`traffic` asks for, (method, path), and how often (:data:`_PATH_WEIGHTS`).
_PATHS = (("GET", "/orders/{n}"), ("GET", "/account"), ("GET", "/products"),
          ("POST", "/orders"), ("GET", "/reports/daily"), ("GET", "/admin"),
          ("GET", "/carts/7"))
_PATH_WEIGHTS = (5, 3, 3, 1, 1, 1, 1)
#: How often each of :data:`TOKEN_KINDS` is sent.
_KIND_WEIGHTS = (12, 2, 3, 2)


def traffic(seed: int, *, requests: int = 40, span: Time = 60, nat_share: float = 0.4,
            burst: tuple[Time, int] | None = None) -> tuple[Arrival, ...]:
    """A seeded stream of requests to :func:`shop_gateway`: Function 4.2.1 (路由),
    4.2.3 (认证) and 4.2.4 (限流) each have something to refuse.

    ``requests`` arrivals at whole seconds in ``[0, span)``, each from one of
    :data:`USERS`, carrying a token of a random kind (mostly valid; some expired,
    absent or forged; eve's grant no ``orders:write``), to a path that is templated
    (``/orders/{n}``), private (``/account``), public (``/products``), unsafe
    (``POST /orders``), served by no instance (``/reports/daily``) or unknown
    (``/admin``, ``/carts/7``). The first
    ``round(nat_share * 5)`` users send from one address, :data:`NAT_ADDRESS`.

    ``burst = (boundary, size)`` adds ann's ``GET /orders/1``, with a valid token,
    ``size`` times a tenth of a second before ``boundary`` and ``size`` times at it:
    the stream that lets a fixed window admit twice its limit in 0.1 s.

    Raises
    ------
    TheoryError
        If ``seed`` is not an integer, ``requests`` not a count, ``span`` not positive,
        ``nat_share`` not in [0, 1], or ``burst`` not a (boundary, size) pair with a
        boundary of at least a tenth of a second.

    Examples
    --------
    >>> stream = traffic(7, requests=3)
    >>> for arrival in stream:
    ...     print(arrival)
    t=2 GET /account from 198.51.100.7
    t=6 GET /products from 203.0.113.12
    t=20 GET /account from 198.51.100.7
    >>> traffic(7, requests=3) == stream
    True
    """
    owner = "traffic"
    rng = seeded_rng(seed, owner)
    require_count(owner, "requests", requests)
    end = require_time(owner, "span", span, positive=True)
    share = require_fraction(owner, "nat_share", nat_share)
    behind = round(share * len(USERS))
    address = {user: NAT_ADDRESS if k < behind else own
               for k, (user, own) in enumerate(USERS.items())}
    users = list(USERS)
    found: list[Arrival] = []
    for _ in range(requests):
        at = rng.randrange(max(1, int(end)))
        user = rng.choice(users)
        method, path = rng.choices(_PATHS, _PATH_WEIGHTS)[0]
        kind = rng.choices(TOKEN_KINDS, _KIND_WEIGHTS)[0]
        found.append(Arrival(at, method, path.replace("{n}", str(rng.randint(1, 20))),
                             mint(kind, user, at, _SCOPES.get(user, _ALL_SCOPES)),
                             address[user]))
    if burst is not None:
        if not (isinstance(burst, tuple) and len(burst) == 2):
            raise TheoryError(f"{owner}: burst must be a pair (boundary, size), not {burst!r}")
        boundary, size = burst
        require_count(owner, "the burst's size", size, least=1)
        if not isinstance(boundary, int | Fraction) or isinstance(boundary, bool) \
                or boundary < Fraction(1, 10):
            raise TheoryError(f"{owner}: the burst's boundary must be an int or Fraction of "
                              f"at least 1/10 s, not {boundary!r}")
        before = boundary - Fraction(1, 10)
        for moment in (before, boundary):
            found += [Arrival(moment, "GET", "/orders/1", mint("valid", "ann", int(before)),
                              address["ann"])] * size
    found.sort(key=lambda a: a.at)
    return tuple(found)


@dataclass(frozen=True)
class LimiterRun:
    """One limiter of Function 4.2.4 (限流) on a stream: ``admitted[k]`` for its k-th
    request, and the most admissions one key had in any closed interval of one window
    (``busiest``, reached by ``busiest_key``) against the limiter's bound there
    (``worst_case``)."""

    name: str
    limiter: str
    admitted: tuple[bool, ...]
    busiest: int
    busiest_key: str | None
    worst_case: int


@dataclass(frozen=True)
class Comparison:
    """The five limiters on one stream: its ``times`` and ``keys``, the ``limit`` and
    ``window`` they share, and one :class:`LimiterRun` each."""

    times: tuple[Time, ...]
    keys: tuple[str, ...]
    limit: int
    window: Time
    runs: tuple[LimiterRun, ...]


def side_by_side(limit: int, window: Time) -> tuple[Limiter, ...]:
    """Function 4.2.4 (限流): the five limiters at one rate, ``limit`` requests per
    ``window``: the two windows and the log with those parameters, a token bucket of
    ``limit`` tokens refilled at ``limit / window`` a second, and GCRA with a burst of
    ``limit - 1`` (the same decisions as that bucket).

    >>> side_by_side(3, 10)[3]
    TokenBucket(capacity=3, rate=Fraction(3, 10))
    """
    owner = "side_by_side"
    limit = require_count(owner, "limit", limit, least=1)
    exact = require_time(owner, "window", window, positive=True)
    if isinstance(exact, float):
        raise TheoryError(f"{owner}: window must be an int or a Fraction of seconds (exact "
                          f"decisions), not {window!r}")
    return (FixedWindow(limit, window), SlidingLog(limit, window),
            SlidingWindowCounter(limit, window), TokenBucket(limit, Fraction(limit) / window),
            GCRA(limit, window, limit - 1))


def compare_limiters(arrivals: Sequence[Arrival], limit: int, window: Time,
                     key: Callable[[Arrival], str] | None = None) -> Comparison:
    """Function 4.2.4 (限流): the five limiters of :func:`side_by_side` on one stream,
    each request keyed by ``key(arrival)`` (its client address by default).

    Returns
    -------
    Comparison
        Each limiter's decisions, and its busiest key's most admissions in one window,
        which the fixed window alone takes to ``2 * limit`` on a burst straddling a
        window boundary.

    Examples
    --------
    >>> stream = traffic(0, requests=0, burst=(30, 3))
    >>> for run in compare_limiters(stream, limit=3, window=10).runs:
    ...     print(f"{run.name:<23} busiest {run.busiest}, bound {run.worst_case}")
    fixed-window            busiest 6, bound 6
    sliding-log             busiest 3, bound 3
    sliding-window-counter  busiest 3, bound 6
    token-bucket            busiest 3, bound 6
    gcra                    busiest 3, bound 6
    """
    owner = "compare_limiters"
    stream = require_items(owner, "arrivals", arrivals, Arrival)
    for earlier, later in pairwise(stream):
        if later.at < earlier.at:
            raise TheoryError(f"{owner}: arrivals must be in time order, not t={later.at} "
                              f"after t={earlier.at}")
    keyed = key if key is not None else (lambda a: a.client)
    if not callable(keyed):
        raise TheoryError(f"{owner}: key must be a function of an Arrival, not {key!r}")
    keys = tuple(keyed(a) for a in stream)
    runs = []
    for limiter in side_by_side(limit, window):
        admitted = tuple(limiter.allow(k, a.at) for k, a in zip(keys, stream, strict=True))
        most, who = 0, None
        for client in sorted(set(keys)):
            times = [a.at for a, k, ok in zip(stream, keys, admitted, strict=True)
                     if ok and k == client]
            count = busiest(times, window)
            if count > most:
                most, who = count, client
        runs.append(LimiterRun(limiter.name, repr(limiter), admitted, most, who,
                               limiter.worst_case(window)))
    return Comparison(tuple(a.at for a in stream), keys, limit, window, tuple(runs))
