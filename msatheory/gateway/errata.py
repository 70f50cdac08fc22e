"""Chapter 4's errata: the Go ``APIGateway`` of section 4.3, shown wrong by running it.

Each counterexample is the smallest input a reproducible hypothesis search finds that
breaks a property of the sketch ported as written (:mod:`.sketch`); each correction is
checked by the same search against the corrected model: routing by templates
(:class:`~msatheory.gateway.routing.RoutingTable`, Function 4.2.1), quotas per
authenticated caller in their own windows (:class:`~msatheory.gateway.ratelimit.FixedWindow`
after :func:`~msatheory.gateway.auth.authenticate`, Functions 4.2.3-4.2.4) and a cache
that serves what it stores (:class:`~msatheory.gateway.cache.ResponseCache`).

The sketch's round robin has its own errata in chapter 3 (``3.rr-shrink``, ``3.rr-shared``).
``Retries: 3`` is set on every route and never read; retrying is chapter 5's Strategy
5.3.1, and is left to it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import jwt
from hypothesis import strategies as st

from msatheory.discovery.balancers import RoundRobin
from msatheory.discovery.registry import Registry
from msatheory.discovery.scenario import fleet
from msatheory.discovery.sketch import SketchRoundRobin
from msatheory.gateway.auth import TokenPolicy, authenticate
from msatheory.gateway.cache import CacheRequest, CacheResponse, ResponseCache
from msatheory.gateway.gateway import Gateway, check_gateway
from msatheory.gateway.ratelimit import FixedWindow, busiest
from msatheory.gateway.routing import Route, RoutingTable
from msatheory.gateway.sketch import (
    CACHE_TTL,
    GatewayError,
    Policy,
    Request,
    Response,
    SketchAPIGateway,
    SketchAuthenticationPolicy,
    SketchRateLimitPolicy,
)
from msatheory.sim import VirtualClock
from msatheory.theory.erratum import Counterexample, Erratum, holds_for_all

__all__ = [
    "ERRATA",
    "LIMIT",
    "NAT",
    "WINDOW",
    "anonymous_spend_quota",
    "cache_never_read",
    "clients_share_a_clock",
    "neighbours_share_a_quota",
    "sketch_gateway",
    "template_unreachable",
    "token",
]

#: The quota the rate-limiting errata run with: two requests per ten seconds.
LIMIT, WINDOW = 2, 10
#: The one public address of everyone behind a NAT or proxy.
NAT = "198.51.100.7"
#: The identity provider's HS256 secret and what the gateway verifies tokens with.
SECRET = b"shop-identity-provider-secret-32"
POLICY = TokenPolicy(SECRET, ["HS256"], audience="shop")
#: Token lifetime: long enough for every scenario here.
LIFETIME = 3_600

IDS = st.integers(min_value=0, max_value=10**9)
#: Requests (second, client) of two clients, in any order (sorted when run).
STREAMS = st.lists(st.tuples(st.integers(min_value=0, max_value=40), st.sampled_from("ab")),
                   min_size=1, max_size=10)
USERS = st.integers(min_value=1, max_value=40)
ANONYMOUS = st.integers(min_value=0, max_value=40)
#: ``n`` identical GETs, ``gap`` seconds apart.
REPEATS = st.tuples(st.integers(min_value=2, max_value=10),
                    st.integers(min_value=1, max_value=CACHE_TTL))

_USERS = ("ann", "bob", "cy", "dee", "eve", "fay", "gus", "hal")


def token(subject: str) -> str:
    """A valid token for ``subject``, issued at time 0, as the identity provider signs it."""
    return jwt.encode({"sub": subject, "aud": "shop", "iat": 0, "exp": LIFETIME}, SECRET)


def _user(k: int) -> str:
    return _USERS[k] if k < len(_USERS) else f"user{k + 1}"


def sketch_gateway(*policies: Policy, clock: VirtualClock | None = None,
                   answer: Callable[[Request], Response] | None = None
                   ) -> tuple[SketchAPIGateway, list[Request]]:
    """The sketch over two ``orders`` instances, with the sketch's round robin; returns
    it and the list of requests its backend receives. ``answer(request)`` gives each
    response (200 by default)."""
    clock = clock or VirtualClock()
    registry = Registry(clock, ttl=None)
    for instance in fleet(2, "orders"):
        registry.register(instance)
    forwarded: list[Request] = []

    def orders(_instance: object, request: Request) -> Response:
        forwarded.append(request)
        return answer(request) if answer is not None else Response(200, b"orders")

    built = SketchAPIGateway(policies, SketchRoundRobin(), registry, {"orders": orders}, clock)
    return built, forwarded


def _outcome(gateway: SketchAPIGateway, request: Request) -> str:
    """``"200"`` or the sketch's error message."""
    try:
        return str(gateway.handle_request(request).status)
    except GatewayError as error:
        return str(error)


def _validate(header: str) -> dict[str, object]:
    """``validateJWT``, which the sketch never defines: the header the sketch passes,
    verified with the corrected model at t=0."""
    decision = authenticate(header, POLICY, now=0)
    if not decision.allowed:
        raise GatewayError(decision.reason)
    return dict(decision.claims or {})


# -- routes are keyed by the exact string "METHOD:path" ----------------------------------------

def template_unreachable(order_id: int) -> bool:
    """Property: a route added for ``GET /orders/{id}`` receives ``GET /orders/<id>``.

    True on a counterexample: the request for ``order_id`` finds no route.
    """
    gateway, _ = sketch_gateway()
    gateway.add_route("/orders/{id}", "GET", "orders", [])
    return _outcome(gateway, Request("GET", f"/orders/{order_id}")) != "200"


def _describe_template(order_id: int) -> Counterexample:
    gateway, _ = sketch_gateway()
    gateway.add_route("/orders/{id}", "GET", "orders", [])
    return Counterexample(
        f'AddRoute("/orders/{{id}}", "GET", "orders", nil); then GET /orders/{order_id}',
        "the request reaches orders, the template's {id} standing for any segment",
        f"{_outcome(gateway, Request('GET', f'/orders/{order_id}'))}: the route map is keyed "
        'by the exact string "GET:/orders/{id}", which only the literal path /orders/{id} '
        "matches",
    )


def _template_missed(order_id: int) -> bool:
    route = Route("GET", "/orders/{id}", "orders")
    return RoutingTable([route]).match("GET", f"/orders/{order_id}") != route


# -- one lastReset for every client ------------------------------------------------------------

def _sketch_decisions(stream: Sequence[tuple[int, str]]) -> list[bool]:
    clock = VirtualClock()
    policy = SketchRateLimitPolicy(LIMIT, WINDOW, clock)
    admitted = []
    for at, client in sorted(stream):
        clock.advance_to(at)
        try:
            policy.apply(Request("GET", "/orders", client_ip=client))
            admitted.append(True)
        except GatewayError:
            admitted.append(False)
    return admitted


def _per_client_decisions(stream: Sequence[tuple[int, str]]) -> list[bool]:
    limiter = FixedWindow(LIMIT, WINDOW)
    return [limiter.allow(client, at) for at, client in sorted(stream)]


def _alone(stream: Sequence[tuple[int, str]], client: str) -> list[tuple[int, str]]:
    return [(at, c) for at, c in sorted(stream) if c == client]


def _interfered(stream: Sequence[tuple[int, str]],
                decide: Callable[[Sequence[tuple[int, str]]], list[bool]]) -> str | None:
    """The first client of ``stream`` that ``decide`` treats otherwise than when it is
    alone, or None."""
    ordered = sorted(stream)
    together = decide(ordered)
    for client in "ab":
        mine = [ok for (_, c), ok in zip(ordered, together, strict=True) if c == client]
        if mine != decide(_alone(ordered, client)):
            return client
    return None


def clients_share_a_clock(stream: list[tuple[int, str]]) -> bool:
    """Property: a client's requests are admitted or refused the same whatever other
    clients send (each client's quota is its own).

    True on a counterexample: some client of ``stream`` (seconds, client) gets other
    decisions than it gets alone.
    """
    return _interfered(stream, _sketch_decisions) is not None


def _shown_decisions(stream: Sequence[tuple[int, str]], decisions: Sequence[bool]) -> str:
    return ", ".join(f"{c}@{at} {'admitted' if ok else 'refused'}"
                     for (at, c), ok in zip(stream, decisions, strict=True))


def _describe_shared_reset(stream: list[tuple[int, str]]) -> Counterexample:
    ordered = sorted(stream)
    together = _sketch_decisions(ordered)
    changed = _interfered(ordered, _sketch_decisions)
    assert changed is not None, "described only on a counterexample"
    admitted = [at for (at, c), ok in zip(ordered, together, strict=True) if ok and c == changed]
    mine = _alone(ordered, changed)
    return Counterexample(
        f"a quota of {LIMIT} per {WINDOW} s; requests {', '.join(f'{c}@{at}' for at, c in ordered)}"
        " (client@second)",
        f"{changed} gets the same decisions as when it is alone: "
        f"{_shown_decisions(mine, _sketch_decisions(mine))}",
        f"{_shown_decisions(ordered, together)}: one lastReset serves every client, so the "
        f"other client's request decides when {changed}'s window starts; {changed} is "
        f"admitted {busiest(admitted, WINDOW)} times within {WINDOW} s",
    )


# -- quotas counted by ClientIP ----------------------------------------------------------------

def _users_behind_one_address(users: int, limited_first: bool = False) -> list[str]:
    """Each of ``users`` users behind :data:`NAT` sends one GET /orders with a valid token
    through a route that authenticates then limits (or limits first); their outcomes."""
    clock = VirtualClock()
    chain = ["authenticate", "rate-limit"]
    gateway, _ = sketch_gateway(SketchRateLimitPolicy(LIMIT, WINDOW, clock),
                                SketchAuthenticationPolicy(_validate), clock=clock)
    gateway.add_route("/orders", "GET", "orders", chain[::-1] if limited_first else chain)
    return [_outcome(gateway, Request("GET", "/orders", NAT,
                                      {"Authorization": f"Bearer {token(_user(k))}"}))
            for k in range(users)]


def neighbours_share_a_quota(users: int) -> bool:
    """Property: a user who has sent fewer requests than the quota is admitted, whoever
    shares their network address.

    True on a counterexample: one of ``users`` users behind one NAT, each sending a single
    authenticated request, is refused.
    """
    return any(outcome != "200" for outcome in _users_behind_one_address(users))


def _describe_nat(users: int) -> Counterexample:
    outcomes = _users_behind_one_address(users)
    refused = [_user(k) for k, outcome in enumerate(outcomes) if outcome != "200"]
    return Counterexample(
        f"{users} users ({', '.join(_user(k) for k in range(users))}) behind one NAT address "
        f"{NAT}, each sending one GET /orders with a valid token; the route authenticates, "
        f"then limits to {LIMIT} per {WINDOW} s",
        "each user, having sent one request, is admitted",
        f"{', '.join(refused)} refused: rate limit exceeded; the counter is keyed by ClientIP, "
        f"so all {users} users spend one quota",
    )


def _corrected_admits(anonymous: int, users: int) -> list[bool]:
    """``anonymous`` requests without a token, then one request from each of ``users``
    users, all from :data:`NAT`, through authenticate then a per-caller quota."""
    limiter = FixedWindow(LIMIT, WINDOW)
    admitted = []
    for header in [None] * anonymous + [f"Bearer {token(_user(k))}" for k in range(users)]:
        decision = authenticate(header, POLICY, now=0)
        admitted.append(decision.allowed and limiter.allow((decision.claims or {})["sub"], 0))
    return admitted


# -- rate limiting listed before authentication ------------------------------------------------

def _after_anonymous(anonymous: int) -> str:
    clock = VirtualClock()
    gateway, _ = sketch_gateway(SketchRateLimitPolicy(LIMIT, WINDOW, clock),
                                SketchAuthenticationPolicy(_validate), clock=clock)
    gateway.add_route("/orders", "GET", "orders", ["rate-limit", "authenticate"])
    for _ in range(anonymous):
        _outcome(gateway, Request("GET", "/orders", NAT))
    return _outcome(gateway, Request("GET", "/orders", NAT,
                                     {"Authorization": f"Bearer {token('ann')}"}))


def anonymous_spend_quota(anonymous: int) -> bool:
    """Property: requests refused for want of a token spend no one's quota: ann's first
    authenticated request is admitted however many anonymous requests came before it.

    True on a counterexample: after ``anonymous`` requests without a token from ann's
    address, through a route that lists rate limiting before authentication, ann is refused.
    """
    return _after_anonymous(anonymous) != "200"


def _describe_order(anonymous: int) -> Counterexample:
    return Counterexample(
        f'AddRoute("/orders", "GET", "orders", []string{{"rate-limit", "authenticate"}}); '
        f"{anonymous} requests without a token from {NAT}, then ann's first request with a "
        "valid token from the same address",
        "ann is admitted: the anonymous requests were refused and should cost nothing",
        f"ann refused ({_after_anonymous(anonymous)}): each anonymous request passed the "
        f"limit, spent the quota of {LIMIT}, and only then was refused for want of a token",
    )


def _order_flagged() -> bool:
    """Whether :func:`check_gateway` refuses the unsafe order and accepts the safe one."""
    route = Route("GET", "/orders", "orders")

    def kinds(chain: list[str]) -> list[str]:
        gateway = Gateway([route], {route: chain}, RoundRobin(), POLICY, services=["orders"])
        return [w.what for w in check_gateway(gateway).witnesses]

    return (kinds(["rate-limit", "authenticate"]) == ["unsafe policy order"]
            and kinds(["authenticate", "rate-limit"]) == [])


# -- every response cached, none ever read -----------------------------------------------------

def _repeat(repeats: tuple[int, int]) -> tuple[int, int]:
    """Run ``n`` identical GETs ``gap`` s apart through the sketch, then a POST its backend
    fails; return (how many GETs were forwarded, how many cache entries are live)."""
    n, gap = repeats
    clock = VirtualClock()
    gateway, forwarded = sketch_gateway(
        clock=clock, answer=lambda r: Response(500 if r.method == "POST" else 200, b"orders"))
    gateway.add_route("/orders", "GET", "orders", [])
    gateway.add_route("/orders", "POST", "orders", [])
    for k in range(n):
        clock.advance(gap if k else 0)
        gateway.handle_request(Request("GET", "/orders"))
    gets = len(forwarded)
    gateway.handle_request(Request("POST", "/orders"))
    return gets, gateway.cache.live()


def _within_ttl(repeats: tuple[int, int]) -> bool:
    n, gap = repeats
    return (n - 1) * gap < CACHE_TTL


def cache_never_read(repeats: tuple[int, int]) -> bool:
    """Property: ``n`` identical GETs ``gap`` seconds apart, all within the five minutes
    the gateway caches a response for, are forwarded once and then served from the cache.

    True on a counterexample: every GET is forwarded though the first one's is cached.
    """
    return _within_ttl(repeats) and _repeat(repeats)[0] > 1


def _describe_cache(repeats: tuple[int, int]) -> Counterexample:
    n, gap = repeats
    gets, live = _repeat(repeats)
    return Counterexample(
        f"{n} GET /orders, {gap} s apart (all within the cache's {CACHE_TTL} s), then a POST "
        "/orders that the backend fails with 500",
        "the first GET is forwarded and the others are answered from the cache; the failed "
        "POST is not stored",
        f"{gets} of {n} GETs forwarded: HandleRequest calls cache.Set and never a Get; the "
        f"cache holds {live} live entries, one of them the POST's 500",
    )


def _corrected_forwards(repeats: tuple[int, int]) -> bool:
    n, gap = repeats
    cache, forwarded = ResponseCache(ttl=CACHE_TTL), 0
    request = CacheRequest("GET", "/orders")
    for k in range(n):
        if cache.lookup(request, k * gap) is None:
            forwarded += 1
            cache.store(request, CacheResponse(200, "orders"), k * gap)
    failed = CacheRequest("POST", "/orders")
    stored_failure = cache.store(failed, CacheResponse(500), (n - 1) * gap)
    return _within_ttl(repeats) and (forwarded > 1 or stored_failure)


ERRATA: tuple[Erratum, ...] = (
    Erratum(
        key="4.exact-route",
        concerns="Go APIGateway.HandleRequest (section 4.3; Def 4.1.2, Function 4.2.1)",
        wrong='Routes are looked up by the exact string "METHOD:path", so a route for '
        "/orders/{id} is never reached by /orders/42.",
        search=IDS,
        breaks=template_unreachable,
        describe=_describe_template,
        verify_corrected=lambda: holds_for_all(IDS, _template_missed),
        corrected_by="msatheory.gateway.routing.RoutingTable (path templates)",
    ),
    Erratum(
        key="4.shared-reset",
        concerns="Go RateLimitPolicy.Apply (section 4.3; Function 4.2.4)",
        wrong="One lastReset serves every client, so one client's request decides when "
        "another's window starts, and its decisions depend on traffic not its own.",
        search=STREAMS,
        breaks=clients_share_a_clock,
        describe=_describe_shared_reset,
        verify_corrected=lambda: holds_for_all(
            STREAMS, lambda stream: _interfered(stream, _per_client_decisions) is not None),
        corrected_by="msatheory.gateway.ratelimit.FixedWindow (a window per client)",
    ),
    Erratum(
        key="4.ip-quota",
        concerns="Go RateLimitPolicy.Apply (section 4.3; Function 4.2.4)",
        wrong="Quotas are counted by ClientIP, so users behind one NAT or proxy share one "
        "quota and throttle each other.",
        search=USERS,
        breaks=neighbours_share_a_quota,
        describe=_describe_nat,
        verify_corrected=lambda: holds_for_all(
            USERS, lambda users: not all(_corrected_admits(0, users))),
        corrected_by="msatheory.gateway.ratelimit.FixedWindow (keyed by the token's subject)",
    ),
    Erratum(
        key="4.limit-before-auth",
        concerns="Go APIGateway.applyPolicy (section 4.3; Def 4.1.1, Functions 4.2.3-4.2.4)",
        wrong="Policies run in whatever order a route lists them, unchecked: with rate "
        "limiting before authentication, refused anonymous requests spend a user's quota.",
        search=ANONYMOUS,
        breaks=anonymous_spend_quota,
        describe=_describe_order,
        verify_corrected=lambda: _order_flagged() and holds_for_all(
            ANONYMOUS, lambda anonymous: not _corrected_admits(anonymous, 1)[-1]),
        corrected_by="msatheory.gateway.check_gateway (safe policy order)",
    ),
    Erratum(
        key="4.cache-unread",
        concerns="Go APIGateway.HandleRequest (section 4.3; the response cache)",
        wrong="Every response is stored for five minutes whatever its method or status, "
        "and nothing ever reads the cache back: it costs memory and serves nothing.",
        search=REPEATS,
        breaks=cache_never_read,
        describe=_describe_cache,
        verify_corrected=lambda: holds_for_all(REPEATS, _corrected_forwards),
        corrected_by="msatheory.gateway.cache.ResponseCache",
    ),
)
