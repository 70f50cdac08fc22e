"""Def 4.1.1 (msatheory.gateway.gateway): the gateway record AG = (R, P, L, S) and its
checker: services and policies resolve, policies run in a safe order."""

from __future__ import annotations

from itertools import permutations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory.discovery.balancers import RoundRobin
from msatheory.discovery.sketch import SketchRoundRobin
from msatheory.errors import TheoryError
from msatheory.gateway.gateway import POLICIES, Gateway, check_gateway
from msatheory.gateway.routing import Route, RoutingTable

ORDERS = Route("GET", "/orders/{id}", "orders")
HOME = Route("GET", "/", "web")


def _gateway(chain, *, security: object = "key", services=("orders", "web")) -> Gateway:
    return Gateway([ORDERS, HOME], {ORDERS: chain}, RoundRobin(), security,
                   services=services)


def _found(gateway: Gateway) -> list[tuple[str, tuple[str, ...]]]:
    return [(w.what, w.involves) for w in check_gateway(gateway).witnesses]


def test_a_safe_gateway_holds():
    verdict = check_gateway(_gateway(
        ["rate-limit-by-ip", "authenticate", "authorize", "rate-limit", "cache"]))
    assert verdict.holds, verdict
    assert verdict.statement.ref == "Def 4.1.1"
    assert verdict.summary == "2 routes, 2 services, balancer round robin."


def test_the_record_keeps_its_parts():
    gateway = _gateway(("authenticate",))
    assert isinstance(gateway.routes, RoutingTable)
    assert gateway.chain(ORDERS) == ("authenticate",) and gateway.chain(HOME) == ()
    assert gateway.services == ("orders", "web") and gateway.security == "key"
    # the sketch's balancer is a chapter 3 balancer too
    Gateway([ORDERS], {}, SketchRoundRobin(), services=["orders"])


@pytest.mark.parametrize(("chain", "expected"), [
    (["rate-limit", "authenticate"],
     [("unsafe policy order", ("GET /orders/{id} -> orders", "rate-limit", "authenticate"))]),
    (["rate-limit"],
     [("unsafe policy order", ("GET /orders/{id} -> orders", "rate-limit", "authenticate"))]),
    (["authorize", "authenticate"],
     [("unsafe policy order", ("GET /orders/{id} -> orders", "authorize", "authenticate"))]),
    (["authenticate", "cache", "authorize"],
     [("unsafe policy order", ("GET /orders/{id} -> orders", "cache", "authorize"))]),
    (["cache", "authenticate"],
     [("unsafe policy order", ("GET /orders/{id} -> orders", "cache", "authenticate"))]),
    (["authenticate", "rate-limit", "rate-limit"],
     [("repeated policy", ("GET /orders/{id} -> orders", "rate-limit"))]),
    (["authenticate", "ratelimit"],
     [("unknown policy", ("GET /orders/{id} -> orders", "ratelimit"))]),
    (["cache"], []),  # a public route may cache without authenticating
    (["rate-limit-by-ip"], []),  # a quota per address needs no caller
])
def test_each_unsafe_chain_is_named(chain, expected):
    assert _found(_gateway(chain)) == expected


def test_unknown_policy_and_service_get_a_hint():
    verdict = check_gateway(_gateway(["authenticate", "ratelimit"], services=["order", "web"]))
    assert [w.detail for w in verdict.witnesses] == [
        "GET /orders/{id} -> orders lists 'ratelimit', which is not a policy "
        "(did you mean 'rate-limit'?)",
        "GET /orders/{id} -> orders routes to 'orders', which the gateway does not have "
        "(did you mean 'order'?)",
    ]


def test_authentication_needs_a_security_mechanism():
    assert _found(_gateway(["authenticate"], security=None)) == [
        ("no security mechanism", ("GET /orders/{id} -> orders",))]


def test_of_all_orders_of_the_four_policies_only_the_safe_ones_hold():
    safe = {order for order in permutations(["authenticate", "authorize", "rate-limit", "cache"])
            if check_gateway(_gateway(order)).holds}
    assert safe == {("authenticate", "authorize", "rate-limit", "cache"),
                    ("authenticate", "authorize", "cache", "rate-limit"),
                    ("authenticate", "rate-limit", "authorize", "cache")}


@settings(max_examples=200)
@given(st.lists(st.sampled_from(POLICIES), max_size=5))
def test_a_chain_holds_exactly_when_every_rule_holds(chain):
    def before(a: str, b: str) -> bool:
        return a in chain and b in chain and chain.index(a) < chain.index(b)

    rules = [
        len(set(chain)) == len(chain),
        "rate-limit" not in chain or before("authenticate", "rate-limit"),
        "authorize" not in chain or before("authenticate", "authorize"),
        "cache" not in chain or "authenticate" not in chain or before("authenticate", "cache"),
        "cache" not in chain or "authorize" not in chain or before("authorize", "cache"),
    ]
    assert check_gateway(_gateway(chain)).holds == all(rules)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"policies": {Route("GET", "/x", "x"): ["cache"]}},
     r"Gateway: policies are given for Route\(method='GET', path='/x', service='x'\), which "
     r"is not one of the routes"),
    ({"policies": {ORDERS: "cache"}},
     r"Gateway: the policies of GET /orders/\{id\} -> orders must be a list of policy names, "
     r"not 'cache'"),
    ({"policies": [ORDERS]}, r"Gateway: policies must map routes to lists of policy names"),
    ({"balancer": "round robin"}, r"Gateway: balancer must be a Balancer, not 'round robin'"),
    ({"services": "orders"}, r"Gateway: services must be a list of names, not 'orders'"),
    ({"routes": ["GET /orders"]}, r"RoutingTable: routes holds 'GET /orders', not a Route"),
])
def test_bad_records_are_refused(kwargs, message):
    args = {"routes": [ORDERS], "policies": {}, "balancer": RoundRobin(),
            "services": ["orders"], **kwargs}
    services = args.pop("services")
    with pytest.raises(TheoryError, match=message):
        Gateway(**args, services=services)


def test_checker_takes_only_gateways():
    with pytest.raises(TheoryError, match=r"check_gateway: gateway must be a Gateway"):
        check_gateway("gateway")
