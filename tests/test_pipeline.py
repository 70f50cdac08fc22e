"""Def 4.1.1 at work (msatheory.gateway.pipeline): every request's fate through route,
policies, balance and service; the policy order's effect on quotas; the seeded traffic;
the five limiters side by side."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from itertools import permutations

import jwt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory.discovery.balancers import RoundRobin
from msatheory.errors import TheoryError
from msatheory.gateway.auth import Permission, TokenPolicy
from msatheory.gateway.cache import CacheResponse, ResponseCache
from msatheory.gateway.gateway import POLICIES, Gateway, check_gateway
from msatheory.gateway.pipeline import (
    ACCOUNT,
    INSTANCES,
    NAT_ADDRESS,
    ORDERINGS,
    ORDERS,
    PERMISSIONS,
    STAGES,
    TEST_KEY,
    TOKEN_KINDS,
    USERS,
    Arrival,
    GatewayPipeline,
    compare_limiters,
    mint,
    shop_gateway,
    side_by_side,
    traffic,
)
from msatheory.gateway.ratelimit import LIMITERS, FixedWindow, SlidingLog, busiest
from msatheory.gateway.routing import Route

ANN, BOB = "203.0.113.10", "203.0.113.11"


def pipeline(order: str = "safe", limit: int = 2, window: int = 10, **kwargs) -> GatewayPipeline:
    return GatewayPipeline(shop_gateway(order), FixedWindow(limit, window),
                           instances=INSTANCES, permissions=PERMISSIONS, **kwargs)


@pytest.mark.parametrize(("arrival", "stage", "status", "reason"), [
    (Arrival(0, "GET", "/admin"), "route", 404, "no route matches GET /admin"),
    (Arrival(0, "GET", "/orders"), "route", 404, "no route matches GET /orders"),
    (Arrival(0, "GET", "/orders/7"), "authenticate", 401, "Bearer"),
    (Arrival(0, "GET", "/orders/7", mint("expired", "ann", 0)), "authenticate", 401,
     'Bearer error="invalid_token", error_description="the token has expired"'),
    (Arrival(0, "GET", "/orders/7", mint("forged", "ann", 0)), "authenticate", 401,
     'Bearer error="invalid_token", error_description="the signature does not verify"'),
    (Arrival(0, "GET", "/orders/7", mint("valid", "ann", 0, scope="profile")), "authorize",
     403, 'Bearer error="insufficient_scope", error_description="missing scope '
          '\'orders:read\'", scope="orders:read"'),
    (Arrival(0, "GET", "/reports/daily", mint("valid", "ann", 0)), "balance", 503,
     "no instance of reports to send to"),
    (Arrival(0, "GET", "/orders/7", mint("valid", "ann", 0)), "service", 200,
     "answered by orders-1"),
    (Arrival(0, "GET", "/products"), "service", 200, "answered by catalogue-1"),
])
def test_each_stage_and_status(arrival, stage, status, reason):
    fate = pipeline().handle(arrival)
    assert (fate.stage, fate.status, fate.reason) == (stage, status, reason)
    assert fate.stage in STAGES and fate.arrival is arrival
    assert (fate.instance is not None) == (stage == "service")
    assert (fate.route is None) == (status == 404)


def test_the_quota_refuses_with_429_and_the_cache_answers_with_200():
    gateway = pipeline(limit=2)
    token = mint("valid", "ann", 0)
    fates = [gateway.handle(Arrival(t, "GET", "/orders/7", token, ANN)) for t in (0, 1, 2, 10)]
    assert [(f.stage, f.status, f.cached) for f in fates] == [
        ("service", 200, False), ("cache", 200, True), ("rate-limit", 429, False),
        ("cache", 200, True)]
    assert fates[0].caller == "ann" and fates[0].charged == (("rate-limit", "caller ann"),)
    assert fates[2].reason == ("rate-limit: the quota of caller ann is spent "
                               "(FixedWindow(limit=2, window=10))")
    assert [f.outcome for f in fates] == ["served", "cached", "limited", "cached"]
    # bob has his own quota and his own cache partition
    other = gateway.handle(Arrival(10, "GET", "/orders/7", mint("valid", "bob", 10), ANN))
    assert (other.stage, other.caller, other.cached) == ("service", "bob", False)


def test_a_public_route_is_limited_by_address():
    gateway = pipeline(limit=1)
    first = gateway.handle(Arrival(0, "GET", "/products", None, NAT_ADDRESS))
    second = gateway.handle(Arrival(1, "GET", "/products", None, NAT_ADDRESS))
    assert first.charged == (("rate-limit-by-ip", f"ip {NAT_ADDRESS}"),)
    assert (second.stage, second.status) == ("rate-limit", 429)
    assert gateway.handle(Arrival(1, "GET", "/products", None, ANN)).cached


def test_the_unsafe_order_spends_the_quota_on_refused_anonymous_requests():
    """Three refused anonymous requests from a NAT address, then ann from behind it."""
    stream = [Arrival(t, "GET", "/orders/7", None, NAT_ADDRESS) for t in (0, 1)]
    stream.append(Arrival(2, "GET", "/orders/7", mint("valid", "ann", 2), NAT_ADDRESS))
    unsafe = pipeline("rate-limit first", limit=2).run(stream)
    assert [(f.stage, f.status) for f in unsafe] == [
        ("authenticate", 401), ("authenticate", 401), ("rate-limit", 429)]
    assert unsafe[0].charged == (("rate-limit", f"client {NAT_ADDRESS}"),)
    safe = pipeline("safe", limit=2).run(stream)
    assert [(f.stage, f.status) for f in safe] == [
        ("authenticate", 401), ("authenticate", 401), ("service", 200)]
    assert [f.charged for f in safe] == [(), (), (("rate-limit", "caller ann"),)]
    assert not check_gateway(shop_gateway("rate-limit first")).holds
    assert check_gateway(shop_gateway("safe")).holds


def test_on_generated_traffic_only_the_unsafe_order_charges_refused_requests():
    stream = traffic(3)
    charged = {order: sum(1 for f in pipeline(order).run(stream)
                          if f.status == 401 and f.charged) for order in ORDERINGS}
    assert charged["safe"] == 0 and charged["rate-limit first"] > 0


def test_a_private_response_is_never_served_to_another_caller():
    gateway = pipeline(limit=10)
    mine = gateway.handle(Arrival(0, "GET", "/account", mint("valid", "ann", 0), ANN))
    assert mine.stage == "service" and mine.instance == "accounts-1"
    again = gateway.handle(Arrival(1, "GET", "/account", mint("valid", "ann", 1), ANN))
    assert again.cached and again.caller == "ann"
    theirs = gateway.handle(Arrival(2, "GET", "/account", mint("valid", "bob", 2), ANN))
    assert not theirs.cached and theirs.caller == "bob" and theirs.stage == "service"
    nobody = gateway.handle(Arrival(3, "GET", "/account", None, ANN))
    assert nobody.status == 401


def test_a_cache_before_authentication_answers_callers_never_checked():
    route = Route("GET", "/news", "news")
    gateway = Gateway([route], {route: ["cache", "authenticate"]}, RoundRobin(),
                      TokenPolicy(TEST_KEY, ["HS256"], audience="shop",
                                  issuer="https://idp.shop.example"), services=["news"])
    def news(route, instance, arrival, caller):
        return CacheResponse(200, f"members' news for {caller}", "public, max-age=60")
    run = GatewayPipeline(gateway, SlidingLog(5, 10), instances={"news": ["news-1"]},
                          answer=news)
    assert run.handle(Arrival(0, "GET", "/news")).status == 401
    run.handle(Arrival(1, "GET", "/news", mint("valid", "ann", 1)))  # stored for anyone
    forged = run.handle(Arrival(2, "GET", "/news", mint("forged", "eve", 2)))
    assert (forged.stage, forged.status, forged.cached) == ("cache", 200, True)


def test_authorize_before_authenticate_has_no_caller():
    route = Route("GET", "/orders/{id}", "orders")
    gateway = Gateway([route], {route: ["authorize", "authenticate"]}, RoundRobin(),
                      TokenPolicy(TEST_KEY, ["HS256"], audience="shop"), services=["orders"])
    fate = GatewayPipeline(gateway, FixedWindow(1, 1), instances={"orders": ["o-1"]}).handle(
        Arrival(0, "GET", "/orders/1", mint("valid", "ann", 0)))
    assert (fate.stage, fate.status) == ("authorize", 401)


def test_the_balancer_spreads_and_the_answer_is_the_services():
    def teapot(route, instance, arrival, caller):
        return CacheResponse(418, f"{instance} is a teapot")
    gateway = pipeline(limit=10, answer=teapot)
    token = mint("valid", "ann", 0)
    fates = [gateway.handle(Arrival(t, "POST", "/orders", token)) for t in range(4)]
    assert [f.instance for f in fates] == ["orders-1", "orders-2", "orders-1", "orders-2"]
    assert {f.status for f in fates} == {418} and {f.outcome for f in fates} == {"served"}


def test_fraction_times_are_exact():
    gateway = pipeline(limit=1, window=Fraction(1, 2))
    at = Fraction(1, 3)
    token = mint("valid", "ann", 0)
    first = gateway.handle(Arrival(at, "POST", "/orders", token))
    second = gateway.handle(Arrival(Fraction(1, 2), "POST", "/orders", token))
    assert (first.status, second.status) == (200, 200)  # a new window at exactly 1/2


def test_traffic_is_deterministic_and_has_every_kind():
    stream = traffic(11, requests=200, nat_share=0.4, burst=(30, 4))
    assert stream == traffic(11, requests=200, nat_share=0.4, burst=(30, 4))
    assert stream != traffic(12, requests=200, nat_share=0.4, burst=(30, 4))
    assert [a.at for a in stream] == sorted(a.at for a in stream)
    assert len(stream) == 208
    assert Counter(a.at for a in stream)[30] >= 4
    assert Counter(a.at for a in stream)[Fraction(299, 10)] >= 4
    clients = {a.client for a in stream}
    assert NAT_ADDRESS in clients and ANN not in clients and BOB not in clients
    assert {a.client for a in traffic(11, requests=200, nat_share=0)} == set(USERS.values())
    kinds = set()
    for a in stream:
        if a.authorization is None:
            kinds.add("absent")
            continue
        token = a.authorization.removeprefix("Bearer ")
        try:
            claims = jwt.decode(token, TEST_KEY, algorithms=["HS256"], audience="shop",
                                options={"verify_exp": False})
        except jwt.InvalidSignatureError:
            kinds.add("forged")
            continue
        kinds.add("valid" if claims["exp"] > a.at else "expired")
    assert kinds == set(TOKEN_KINDS)
    fates = pipeline(limit=3).run(stream)
    assert {f.status for f in fates} == {200, 401, 403, 404, 429, 503}
    assert {f.stage for f in fates} == set(STAGES)


def test_the_fixed_window_admits_twice_its_limit_across_a_boundary():
    comparison = compare_limiters(traffic(0, requests=0, burst=(30, 3)), limit=3, window=10)
    runs = {run.name: run for run in comparison.runs}
    assert list(runs) == list(LIMITERS)
    assert runs["fixed-window"].busiest == 6 == 2 * comparison.limit
    assert runs["fixed-window"].admitted == (True,) * 6
    assert runs["sliding-log"].busiest == 3
    for run in comparison.runs:
        assert run.busiest <= run.worst_case
        assert run.busiest_key == NAT_ADDRESS  # ann, behind the NAT by default


@given(st.integers(0, 10**6), st.integers(1, 5), st.integers(1, 20))
@settings(max_examples=30)
def test_no_limiter_beats_its_worst_case_on_traffic(seed, limit, window):
    stream = traffic(seed, requests=30, nat_share=0.6, burst=(window, limit))
    comparison = compare_limiters(stream, limit, window)
    for run in comparison.runs:
        times = {k: [a.at for a, key, ok in zip(stream, comparison.keys, run.admitted,
                                                 strict=True) if ok and key == k]
                 for k in set(comparison.keys)}
        assert run.busiest == max(busiest(t, window) for t in times.values())
        assert run.busiest <= run.worst_case


def test_side_by_side_shares_one_rate():
    limiters = side_by_side(4, 20)
    assert [type(lim).name for lim in limiters] == list(LIMITERS)
    assert [lim.worst_case(0) for lim in limiters] == [4, 4, 4, 4, 4]


#: The chains check_gateway accepts (of three policies or fewer, drawn from POLICIES).
SAFE_CHAINS = [chain for n in range(4) for chain in permutations(POLICIES, n)
               if check_gateway(Gateway([ORDERS], {ORDERS: chain}, RoundRobin(), "S",
                                        services=["orders"])).holds]

arrivals = st.lists(st.tuples(
    st.integers(0, 3),  # seconds after the previous request
    st.sampled_from(["ann", "bob", "eve"]),
    st.sampled_from(TOKEN_KINDS),
    st.sampled_from([NAT_ADDRESS, ANN]),
    st.sampled_from(["/orders/1", "/orders/2", "/account"]),
), max_size=12)


@given(st.sampled_from(SAFE_CHAINS), arrivals, st.integers(1, 3))
@settings(max_examples=60)
def test_a_safe_order_never_charges_a_request_refused_at_authenticate(chain, stream, limit):
    """Property: under any chain check_gateway accepts, a request that authentication
    refuses has spent no per-caller quota."""
    routes = [ORDERS, ACCOUNT]
    security = TokenPolicy(TEST_KEY, ["HS256"], audience="shop",
                           issuer="https://idp.shop.example", required=("exp", "sub"))
    gateway = GatewayPipeline(
        Gateway(routes, {r: chain for r in routes}, RoundRobin(), security,
                services=["orders", "accounts"]),
        FixedWindow(limit, 5), instances={"orders": ["o-1"], "accounts": ["a-1"]},
        permissions={ORDERS: Permission(scopes=["orders:read"])})
    at = 0
    for gap, user, kind, client, path in stream:
        at += gap
        fate = gateway.handle(Arrival(at, "GET", path, mint(kind, user, at), client))
        if fate.stage == "authenticate":
            assert all(policy != "rate-limit" for policy, _ in fate.charged), fate
        if kind != "valid" and "authenticate" in chain:
            assert fate.caller is None


def test_safe_chains_include_the_interesting_ones():
    assert ("authenticate", "rate-limit", "cache") in SAFE_CHAINS
    assert ("rate-limit-by-ip", "authenticate", "rate-limit") in SAFE_CHAINS
    assert ("rate-limit", "authenticate") not in SAFE_CHAINS


@pytest.mark.parametrize(("make", "message"), [
    (lambda: Arrival(0.5, "GET", "/"), "at must be an int or a Fraction"),
    (lambda: Arrival(-1, "GET", "/"), "at must be a non-negative"),
    (lambda: Arrival(0, "get", "/"), "method must be an upper-case HTTP method"),
    (lambda: Arrival(0, "GET", "orders"), "path must be a string beginning with '/'"),
    (lambda: Arrival(0, "GET", "/a?b=1"), "without a query"),
    (lambda: Arrival(0, "GET", "/", 42), "authorization must be a header value or None"),
    (lambda: Arrival(0, "GET", "/", None, ""), "client must be"),
    (lambda: GatewayPipeline(shop_gateway(), "fixed", instances={}), "limiter must be"),
    (lambda: GatewayPipeline(shop_gateway(), FixedWindow(1, 1), instances={"carts": ["c"]}),
     "instances are given for 'carts', which is not one of the gateway's services"),
    (lambda: GatewayPipeline(shop_gateway(), FixedWindow(1, 1),
                             instances={"orders": ["o", "o"]}), "instances of orders"),
    (lambda: GatewayPipeline(shop_gateway(), FixedWindow(1, 1), instances={},
                             permissions={Route("GET", "/x", "x"): Permission()}),
     "not one of the gateway's routes"),
    (lambda: GatewayPipeline(
        Gateway([ORDERS], {ORDERS: ["authenticate"]}, RoundRobin(), "key", services=["orders"]),
        FixedWindow(1, 1), instances={}), "S must be a TokenPolicy, not 'key'"),
    (lambda: GatewayPipeline(
        Gateway([ORDERS], {ORDERS: ["authentcate"]}, RoundRobin(), services=["orders"]),
        FixedWindow(1, 1), instances={}), "lists 'authentcate', which is not one of"),
    (lambda: GatewayPipeline(shop_gateway(), FixedWindow(1, 1), instances={},
                             cache={}), "cache must be"),
    (lambda: pipeline().handle("GET /"), "arrival must be"),
    (lambda: shop_gateway("auth last"), "order must be one of safe, rate-limit first"),
    (lambda: mint("stolen", "ann", 0), "kind must be one of valid"),
    (lambda: traffic("seven"), "seed must be an integer"),
    (lambda: traffic(0, nat_share=2), "nat_share must lie in"),
    (lambda: traffic(0, burst=(0, 3)), "boundary must be an int or Fraction of at least"),
    (lambda: traffic(0, burst=(10, 0)), "size must be a positive whole number"),
    (lambda: traffic(0, burst=10), "burst must be a pair"),
    (lambda: side_by_side(0, 10), "limit must be a positive whole number"),
    (lambda: side_by_side(3, 0.5), "window must be an int or a Fraction"),
    (lambda: compare_limiters([Arrival(2, "GET", "/"), Arrival(1, "GET", "/")], 1, 1),
     "arrivals must be in time order"),
    (lambda: compare_limiters(["GET /"], 1, 1), "arrivals holds 'GET /', not an Arrival"),
])
def test_bad_input_is_refused(make, message):
    with pytest.raises(TheoryError, match=message.replace("?", r"\?").replace("(", r"\(")):
        make()


def test_time_never_runs_backwards_and_a_bad_answer_is_named():
    gateway = pipeline()
    gateway.handle(Arrival(5, "GET", "/products"))
    with pytest.raises(TheoryError, match="requests must arrive in time order, not at t=4"):
        gateway.handle(Arrival(4, "GET", "/products"))
    broken = pipeline(answer=lambda route, instance, arrival, caller: "200 OK")
    with pytest.raises(TheoryError, match="response must be a CacheResponse"):
        broken.handle(Arrival(0, "GET", "/products"))
    with pytest.raises(TheoryError, match="answer must be a function"):
        pipeline(answer="200 OK")


def test_the_pipeline_repr_is_stable():
    gateway = pipeline(cache=ResponseCache(ttl=60))
    assert repr(gateway) == ("GatewayPipeline(5 routes, limiter=FixedWindow(limit=2, "
                             "window=10), balancer='round robin', cache=ResponseCache(ttl=60, "
                             "entries=0))")
